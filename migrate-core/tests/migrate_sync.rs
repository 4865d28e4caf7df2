//! Full + incremental migration between real servers, with a concurrent writer, proved
//! equal by the Verifier; full mode with big keys through the streaming command path.
#![allow(clippy::unwrap_used)]

mod common;
mod migrate_util;

use std::time::Duration;

use common::dataset;
use migrate_core::config::ConflictPolicy;
use migrate_core::migrator::Mode;
use migrate_core::Phase;
use migrate_util::*;
use test_support::{RedisServer, Version};

/// Source `sv` filled with the dataset, target `tv` empty; migration runs while a writer
/// modifies the source; then writes stop, the migrator catches up, and the pair compares
/// equal.
pub fn sync_pair(sv: Version, tv: Version) {
    let src = RedisServer::start(sv);
    let tgt = RedisServer::start(tv);
    dataset::fill(&mut src.connect(), sv);
    let rt = rt();
    rt.block_on(async {
        let writer = Writer::start(&src, sv, true);
        let h = builder(&src, &tgt).build().unwrap().run();
        h.wait_for(|s| s.phase == Phase::Incremental).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let written = writer.stop();
        assert!(written > 100, "writer wrote {written}");
        wait_applied(&h, &src).await;
        let s = h
            .wait_for(|s| s.caught_up)
            .await
            .unwrap_or_else(|p| panic!("ended in {p:?}"));
        assert!(s.lag_ms.is_some_and(|l| l < 1000), "{s:?}");
        assert_equal(&src, &tgt).await;
        let sum = h.stop().await.unwrap();
        assert_eq!(sum.status.full_syncs, 1);
        assert!(sum.status.keys_written > 200, "{:?}", sum.status);
        assert!(sum.status.commands_applied > 100, "{:?}", sum.status);
        assert!(sum.checkpoint.is_some());
    });
    // The heartbeat never reaches the target.
    assert!(
        tgt.connect()
            .cmd(&["EXISTS", "redis-migrate:heartbeat"])
            .unwrap()
            .as_int()
            == Some(0)
    );
}

#[test]
fn sync_7_0_to_7_0() {
    sync_pair(Version::V7_0, Version::V7_0);
}

#[test]
fn full_mode_big_keys_stream_as_commands() {
    let src = RedisServer::start(Version::V7_0);
    let tgt = RedisServer::start(Version::V7_0);
    let mut c = src.connect();
    dataset::fill(&mut c, Version::V7_0);
    // A list of many batches and a string above the raw limit: both stream as commands.
    for chunk in 0..20 {
        let mut cmd = vec!["RPUSH".to_owned(), "big:list".to_owned()];
        cmd.extend((0..1000).map(|i| format!("element-{chunk}-{i}")));
        c.cmd(&cmd).unwrap();
    }
    // 640 KB that LZF cannot shrink below the raw limit.
    let big: String = (0..640_000u64)
        .map(|i| char::from(b'!' + ((i.wrapping_mul(2_654_435_761) >> 7) % 90) as u8))
        .collect();
    c.cmd(&["SET", "big:string", &big]).unwrap();
    c.cmd(&["PEXPIRE", "big:string", "3600000"]).unwrap();
    // Already expired at transfer time? Keys with a past expiry never reach the RDB, so
    // use a short TTL and let it pass before the migration.
    c.cmd(&["SET", "short:ttl", "x", "PX", "1"]).unwrap();
    // The target holds an older version of a list: it is replaced, not appended to.
    let mut t = tgt.connect();
    t.cmd(&["RPUSH", "big:list", "stale"]).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let rt = rt();
    rt.block_on(async {
        let h = builder(&src, &tgt)
            .mode(Mode::Full)
            .conflict(ConflictPolicy::Overwrite)
            .restore_size_limit(64 << 10)
            .build()
            .unwrap()
            .run();
        let sum = h.wait().await.unwrap();
        assert_eq!(sum.status.phase, Phase::Done);
        assert!(sum.status.keys_as_commands >= 2, "{:?}", sum.status);
        assert!(sum.status.rdb_bytes_total.is_some());
        assert_equal(&src, &tgt).await;
    });
    assert_eq!(t.cmd(&["LLEN", "big:list"]).unwrap().as_int(), Some(20_000));
}

#[test]
fn sync_3_2_to_7_0() {
    sync_pair(Version::V3_2, Version::V7_0);
}

#[test]
fn sync_5_0_to_7_0() {
    sync_pair(Version::V5_0, Version::V7_0);
}

#[test]
fn sync_6_2_to_7_0() {
    sync_pair(Version::V6_2, Version::V7_0);
}

#[test]
fn sync_7_0_to_6_2_downgrade() {
    sync_pair(Version::V7_0, Version::V6_2);
}

#[test]
fn sync_7_0_to_5_0_downgrade() {
    sync_pair(Version::V7_0, Version::V5_0);
}

/// 5.0 -> 3.2: streams cannot exist on 3.2. Default policy: the run stops naming the
/// stream key; with `on-error = skip` every other key migrates and the streams are counted.
#[test]
fn sync_5_0_to_3_2_streams_follow_the_policy() {
    let src = RedisServer::start(Version::V5_0);
    let tgt = RedisServer::start(Version::V3_2);
    dataset::fill(&mut src.connect(), Version::V5_0);
    let rt = rt();
    rt.block_on(async {
        let err = builder(&src, &tgt)
            .mode(Mode::Full)
            .build()
            .unwrap()
            .run()
            .wait()
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("stream") && msg.contains("cannot hold"),
            "{msg}"
        );
        tgt.connect().cmd(&["FLUSHALL"]).unwrap();

        let writer = Writer::start(&src, Version::V5_0, false);
        let h = builder(&src, &tgt)
            .on_error(migrate_core::config::OnError::Skip)
            .build()
            .unwrap()
            .run();
        h.wait_for(|s| s.phase == Phase::Incremental).await.unwrap();
        tokio::time::sleep(Duration::from_millis(800)).await;
        writer.stop();
        wait_applied(&h, &src).await;
        let s = h.status();
        assert!(s.keys_unsupported >= 1, "{s:?}");
        assert!(s.warnings.iter().any(|w| w.contains("stream")), "{s:?}");
        let r =
            verify(verifier(&src, &tgt).key_filter(|k| k != HB && !k.starts_with(b"stream"))).await;
        assert!(r.is_equal(), "{r}");
        h.stop().await.unwrap();
    });
}

/// Lua scripts travel in `lua` AUX fields (6.2 source) and are loaded so EVALSHA works;
/// function libraries (7.0) are loaded with FUNCTION LOAD REPLACE; a target without
/// functions stops the run naming the library (default policy).
#[test]
fn scripts_and_functions_are_loaded() {
    let rt = rt();
    let full = |src: &RedisServer, tgt: &RedisServer| {
        rt.block_on(async {
            builder(src, tgt)
                .mode(Mode::Full)
                .build()
                .unwrap()
                .run()
                .wait()
                .await
                .map_err(|e| e.to_string())
        })
    };
    let src = RedisServer::start(Version::V6_2);
    let tgt = RedisServer::start(Version::V7_0);
    let sha = src
        .connect()
        .cmd(&["SCRIPT", "LOAD", "return 42"])
        .unwrap()
        .as_string()
        .unwrap();
    src.connect().cmd(&["SET", "k", "v"]).unwrap();
    full(&src, &tgt).unwrap();
    assert_eq!(
        tgt.connect().cmd(&["EVALSHA", &sha, "0"]).unwrap().as_int(),
        Some(42)
    );

    let src = RedisServer::start(Version::V7_0);
    let lib = "#!lua name=mylib\nredis.register_function('seven', function() return 7 end)";
    src.connect().cmd(&["FUNCTION", "LOAD", lib]).unwrap();
    src.connect().cmd(&["SET", "k", "v"]).unwrap();
    let tgt = RedisServer::start(Version::V7_0);
    full(&src, &tgt).unwrap();
    assert_eq!(
        tgt.connect()
            .cmd(&["FCALL", "seven", "0"])
            .unwrap()
            .as_int(),
        Some(7)
    );
    let old = RedisServer::start(Version::V6_2);
    let e = full(&src, &old).unwrap_err();
    assert!(e.contains("mylib") && e.contains("functions"), "{e}");
}
