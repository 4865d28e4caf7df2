//! A migrator killed abruptly (its runtime dropped: no graceful stop, connections simply
//! close) and started again with the same checkpoint key resumes with `PSYNC` +
//! `+CONTINUE` and the data stays exact, non-idempotent commands included: the key is
//! written in the same `MULTI`/`EXEC` as the commands it covers.
#![allow(clippy::unwrap_used)]

mod migrate_util;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use migrate_core::Phase;
use migrate_util::*;
use test_support::{Conn, RedisServer, Version};

const CKPT_KEY: &str = "migrate:checkpoint";

fn lrange(c: &mut Conn, db: &str, key: &str) -> Vec<Vec<u8>> {
    ok(c, &["SELECT", db]);
    let r = ok(c, &["LRANGE", key, "0", "-1"]);
    r.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_bytes().unwrap().to_vec())
        .collect()
}

fn get(c: &mut Conn, db: &str, key: &str) -> Option<String> {
    ok(c, &["SELECT", db]);
    c.cmd(&["GET", key]).unwrap().as_string()
}

#[test]
fn killed_migrator_resumes_exactly_from_the_checkpoint_key() {
    let src = RedisServer::builder(Version::V7_0)
        .arg("repl-backlog-size", "64mb")
        .start();
    let tgt = RedisServer::start(Version::V7_0);
    ok(&mut src.connect(), &["SET", "seed", "1"]);
    let stop = Arc::new(AtomicBool::new(false));
    let w = test_support::counting_writer(src.addr(), stop.clone());

    // First run: killed mid-stream (the runtime is dropped without any stop).
    let rt1 = rt();
    rt1.block_on(async {
        let h = builder(&src, &tgt)
            .checkpoint_key(CKPT_KEY)
            .build()
            .unwrap()
            .run();
        h.wait_for(|s| s.phase == Phase::Incremental).await.unwrap();
        // Past a periodic checkpoint save and well into the next second.
        tokio::time::sleep(Duration::from_millis(1600)).await;
        let s = h.status();
        assert!(s.commands_applied > 1000, "{s:?}");
        std::mem::forget(h);
    });
    rt1.shutdown_background();
    // The target sees the connection close (what the killed process left in the socket
    // is processed first, within milliseconds).
    std::thread::sleep(Duration::from_millis(300));
    let full_before = stat(&src, "sync_full");
    let partial_before = stat(&src, "sync_partial_ok");
    assert_eq!(full_before, 1);

    // Second run: same checkpoint key, resumes while the writer goes on.
    let rt2 = rt();
    rt2.block_on(async {
        let h = builder(&src, &tgt)
            .checkpoint_key(CKPT_KEY)
            .build()
            .unwrap()
            .run();
        h.wait_for(|s| s.partial_resyncs >= 1 || s.full_syncs >= 1)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        stop.store(true, Ordering::Relaxed);
        let rounds = w.join().unwrap();
        assert!(rounds > 100, "{rounds}");
        wait_applied(&h, &src).await;

        let (mut s, mut t) = (src.connect(), tgt.connect());
        assert_eq!(get(&mut t, "0", "counter"), get(&mut s, "0", "counter"));
        assert_eq!(get(&mut t, "3", "tx"), get(&mut s, "3", "tx"));
        for (db, key) in [("0", "list"), ("3", "txlist")] {
            let (sl, tl) = (lrange(&mut s, db, key), lrange(&mut t, db, key));
            assert_eq!(sl.len(), tl.len(), "{key}: source vs target length");
            if let Some(i) = sl.iter().zip(&tl).position(|(a, b)| a != b) {
                panic!("{key} differs at index {i}");
            }
        }
        let r =
            verify(verifier(&src, &tgt).key_filter(|k| k != HB && k != CKPT_KEY.as_bytes())).await;
        assert!(r.is_equal(), "{r}");
        let st = h.stop().await.unwrap().status;
        assert_eq!(st.full_syncs, 0, "{st:?}");
    });
    assert_eq!(stat(&src, "sync_full"), full_before);
    assert!(stat(&src, "sync_partial_ok") > partial_before);
}

/// Inside checkpoint blocks, a runtime error is still reported per command (skip: the
/// rest of the block is applied) and a command refused at queue time (here an ACL
/// denial) aborts its block and stops the run naming it.
#[test]
fn errors_inside_checkpoint_blocks_name_the_command() {
    use migrate_core::config::{ConflictPolicy, OnError};
    let src = RedisServer::start(Version::V7_0);
    let tgt = RedisServer::start(Version::V7_0);
    ok(&mut tgt.connect(), &["SET", "clash", "a string"]);
    let rt = rt();
    rt.block_on(async {
        let h = builder(&src, &tgt)
            .conflict(ConflictPolicy::Overwrite)
            .on_error(OnError::Skip)
            .checkpoint_key(CKPT_KEY)
            .build()
            .unwrap()
            .run();
        h.wait_for(|s| s.phase == Phase::Incremental).await.unwrap();
        let cmds: Vec<Vec<&str>> = vec![
            vec!["INCR", "n"],
            vec!["RPUSH", "clash", "x"],
            vec!["INCR", "n"],
        ];
        src.connect().pipeline(&cmds).unwrap();
        wait_applied(&h, &src).await;
        let sum = h.stop().await.unwrap();
        assert_eq!(sum.status.commands_rejected, 1, "{:?}", sum.status);
        let r = &sum.rejected[0];
        assert!(
            r.command == "RPUSH" && r.key == "clash" && r.message.starts_with("WRONGTYPE"),
            "{r}"
        );
        assert_eq!(get(&mut tgt.connect(), "0", "n").as_deref(), Some("2"));
    });

    // A user that may not APPEND: refused when queued, the block is discarded.
    ok(
        &mut tgt.connect(),
        &[
            "ACL", "SETUSER", "mig", "on", ">pw", "~*", "&*", "+@all", "-append",
        ],
    );
    let tgt_url = format!("redis://mig:pw@{}", tgt.addr());
    rt.block_on(async {
        let h = builder(&src, &tgt)
            .target(tgt_url)
            .checkpoint_key(CKPT_KEY)
            .build()
            .unwrap()
            .run();
        h.wait_for(|s| s.partial_resyncs >= 1).await.unwrap();
        let cmds: Vec<Vec<&str>> = vec![vec!["SET", "a", "1"], vec!["APPEND", "a", "x"]];
        src.connect().pipeline(&cmds).unwrap();
        let e = tokio::time::timeout(Duration::from_secs(20), h.wait())
            .await
            .unwrap()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("APPEND") && e.contains("\"a\"") && e.contains("NOPERM"),
            "{e}"
        );
    });
    let mut t = tgt.connect();
    assert_ne!(get(&mut t, "0", "a").as_deref(), Some("1x"));
    // The checkpoint key stays before the APPEND: a fixed target resumes there.
    let ckpt = get(&mut t, "0", CKPT_KEY).unwrap();
    let at: u64 = ckpt.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(at < source_offset(&src), "{ckpt}");
}
