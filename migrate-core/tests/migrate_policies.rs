//! Selection and policies against real servers: filters and db mapping, each conflict
//! policy, TTL extension, throttles (measured rate under the limit), target OOM.
#![allow(clippy::unwrap_used)]

mod common;
mod migrate_util;

use std::time::{Duration, Instant};

use common::dataset;
use migrate_core::command::DbMapping;
use migrate_core::config::ConflictPolicy;
use migrate_core::filter::{Filter, KeyFilter};
use migrate_core::migrator::{Mode, Throttle};
use migrate_core::Phase;
use migrate_util::*;
use test_support::{RedisServer, Reply, Version};

#[test]
fn filters_and_db_mapping_full_and_incremental() {
    let src = RedisServer::start(Version::V7_0);
    let tgt = RedisServer::start(Version::V7_0);
    dataset::fill(&mut src.connect(), Version::V7_0);
    let filter = Filter {
        dbs: DbMapping::new(Some([0, 1]), [(1, 5)]).unwrap(),
        keys: KeyFilter::new(vec![], vec![b"str:".to_vec()], &[], &[]).unwrap(),
        ..Filter::default()
    };
    let rt = rt();
    rt.block_on(async {
        let writer = Writer::start(&src, Version::V7_0, true);
        let h = builder(&src, &tgt).filter(filter).build().unwrap().run();
        h.wait_for(|s| s.phase == Phase::Incremental).await.unwrap();
        tokio::time::sleep(Duration::from_millis(800)).await;
        writer.stop();
        wait_applied(&h, &src).await;
        let r = verify(
            verifier(&src, &tgt)
                .dbs([0, 1])
                .db_map([(1, 5)])
                .key_filter(|k| k != HB && !k.starts_with(b"str:")),
        )
        .await;
        assert!(r.is_equal(), "{r}");
        let s = h.stop().await.unwrap().status;
        assert!(s.keys_filtered > 100, "{s:?}");
        assert!(s.commands_dropped > 0, "{s:?}");
    });
    let mut t = tgt.connect();
    for db in ["1", "15"] {
        t.cmd(&["SELECT", db]).unwrap();
        assert_eq!(t.cmd(&["DBSIZE"]).unwrap().as_int(), Some(0), "db {db}");
    }
    t.cmd(&["SELECT", "0"]).unwrap();
    assert_eq!(t.cmd(&["EXISTS", "str:plain"]).unwrap().as_int(), Some(0));
}

fn full(
    src: &RedisServer,
    tgt: &RedisServer,
    policy: ConflictPolicy,
    limit: u64,
) -> Result<migrate_core::Summary, String> {
    rt().block_on(async {
        builder(src, tgt)
            .mode(Mode::Full)
            .conflict(policy)
            .restore_size_limit(limit)
            .build()
            .unwrap()
            .run()
            .wait()
            .await
            .map_err(|e| e.to_string())
    })
}

#[test]
fn conflict_policies() {
    let src = RedisServer::start(Version::V7_0);
    let tgt = RedisServer::start(Version::V7_0);
    dataset::fill(&mut src.connect(), Version::V7_0);
    let mut t = tgt.connect();
    let prepare = |t: &mut test_support::Conn| {
        t.cmd(&["FLUSHALL"]).unwrap();
        t.cmd(&["SET", "str:plain", "target-value"]).unwrap();
        t.cmd(&["RPUSH", "list:big", "target-only"]).unwrap();
        t.cmd(&["SET", "extra", "1"]).unwrap();
    };

    // Error: the engine refuses a non-empty mapped db.
    prepare(&mut t);
    let e = full(&src, &tgt, ConflictPolicy::Error, 256 << 20).unwrap_err();
    assert!(e.contains("db 0") && e.contains("conflict"), "{e}");
    assert_eq!(
        t.cmd(&["GET", "str:plain"]).unwrap().as_bytes(),
        Some(&b"target-value"[..])
    );

    // Overwrite: every source key replaces the target's (lists are not appended to).
    prepare(&mut t);
    full(&src, &tgt, ConflictPolicy::Overwrite, 256 << 20).unwrap();
    let r = rt().block_on(verify(
        verifier(&src, &tgt).key_filter(|k| k != HB && k != b"extra"),
    ));
    assert!(r.is_equal(), "{r}");
    assert_eq!(t.cmd(&["LLEN", "list:big"]).unwrap().as_int(), Some(300));

    // SkipExisting, RESTORE path (BUSYKEY) and command path (EXISTS first).
    for limit in [256 << 20, 64] {
        prepare(&mut t);
        let s = full(&src, &tgt, ConflictPolicy::SkipExisting, limit)
            .unwrap()
            .status;
        assert_eq!(s.keys_skipped_existing, 2, "limit {limit}: {s:?}");
        assert_eq!(
            t.cmd(&["GET", "str:plain"]).unwrap().as_bytes(),
            Some(&b"target-value"[..])
        );
        assert_eq!(
            t.cmd(&["LRANGE", "list:big", "0", "-1"])
                .unwrap()
                .as_array()
                .map(<[Reply]>::len),
            Some(1)
        );
        let r = rt().block_on(verify(verifier(&src, &tgt).key_filter(|k| {
            k != HB && k != b"extra" && k != b"str:plain" && k != b"list:big"
        })));
        assert!(r.is_equal(), "limit {limit}: {r}");
    }
}

#[test]
fn ttl_extension() {
    let src = RedisServer::start(Version::V7_0);
    let tgt = RedisServer::start(Version::V5_0);
    let mut c = src.connect();
    let set_at = Instant::now();
    c.cmd(&["SET", "a", "1", "PX", "100000"]).unwrap();
    c.cmd(&["RPUSH", "l", "x", "y"]).unwrap();
    c.cmd(&["PEXPIRE", "l", "200000"]).unwrap();
    c.cmd(&["SET", "persist", "1"]).unwrap();
    rt().block_on(async {
        builder(&src, &tgt)
            .mode(Mode::Full)
            .ttl_extend(Duration::from_secs(1000))
            .build()
            .unwrap()
            .run()
            .wait()
            .await
            .unwrap();
    });
    let mut t = tgt.connect();
    let pttl = |t: &mut test_support::Conn, k: &str| t.cmd(&["PTTL", k]).unwrap().as_int().unwrap();
    // Expiries are absolute: the time spent since the writes counts.
    let spent = set_at.elapsed().as_millis() as i64;
    let a = pttl(&mut t, "a");
    assert!(
        (a - (1_100_000 - spent)).abs() <= 1000,
        "{a} (spent {spent} ms)"
    );
    let l = pttl(&mut t, "l");
    assert!(
        (l - (1_200_000 - spent)).abs() <= 1000,
        "{l} (spent {spent} ms)"
    );
    assert_eq!(pttl(&mut t, "persist"), -1);
}

#[test]
fn throttles_keep_the_rate_under_the_limit() {
    let src = RedisServer::start(Version::V7_0);
    let tgt = RedisServer::start(Version::V7_0);
    let mut c = src.connect();
    let cmds: Vec<Vec<String>> = (0..3000)
        .map(|i| vec!["SET".into(), format!("k:{i}"), "v".into()])
        .collect();
    for chunk in cmds.chunks(500) {
        c.pipeline(chunk).unwrap();
    }
    let limit = 3000u64;
    rt().block_on(async {
        let h = builder(&src, &tgt)
            .full_throttle(Throttle {
                ops_per_sec: Some(limit),
                bytes_per_sec: None,
            })
            .incr_throttle(Throttle {
                ops_per_sec: Some(500),
                bytes_per_sec: Some(1 << 20),
            })
            .build()
            .unwrap()
            .run();
        let s = h.wait_for(|s| s.phase == Phase::Incremental).await.unwrap();
        let full_rate = s.keys_written as f64 / s.elapsed_secs;
        assert_eq!(s.keys_written, 3000);
        assert!(
            full_rate <= limit as f64 * 1.1,
            "full phase {full_rate:.0} keys/s"
        );

        let before = h.status().commands_received;
        let t0 = Instant::now();
        let cmds: Vec<Vec<String>> = (0..1000)
            .map(|i| vec!["SET".into(), format!("n:{i}"), "v".into()])
            .collect();
        c.pipeline(&cmds).unwrap();
        wait_applied(&h, &src).await;
        let n = h.status().commands_received - before;
        let rate = n as f64 / t0.elapsed().as_secs_f64();
        assert!(n >= 1000, "{n}");
        assert!(rate <= 500.0 * 1.1, "incremental {rate:.0} commands/s");
        h.stop().await.unwrap();
        assert_equal(&src, &tgt).await;
    });
}

#[test]
fn target_oom_fails_naming_the_key() {
    let src = RedisServer::start(Version::V7_0);
    let tgt = RedisServer::builder(Version::V7_0)
        .arg("maxmemory", "3mb")
        .arg("maxmemory-policy", "noeviction")
        .start();
    let mut c = src.connect();
    let val = "v".repeat(1000);
    let cmds: Vec<Vec<String>> = (0..6000)
        .map(|i| vec!["SET".into(), format!("big:{i:05}"), val.clone()])
        .collect();
    for chunk in cmds.chunks(500) {
        c.pipeline(chunk).unwrap();
    }
    let e = full(&src, &tgt, ConflictPolicy::Error, 256 << 20).unwrap_err();
    // Small strings travel in `MSET` batches: the error names the batch's first key.
    assert!(
        e.contains("OOM") && e.contains("MSET") && e.contains("\"big:"),
        "{e}"
    );
}
