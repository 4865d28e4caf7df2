//! Faults: a stopped-and-restarted migrator resumes with `+CONTINUE` from its checkpoint;
//! a cut source link continues; a target that goes away for a few seconds is reconnected
//! within the retry window and nothing is lost.
#![allow(clippy::unwrap_used)]

mod common;
mod migrate_util;

use std::time::Duration;

use common::dataset;
use migrate_core::Phase;
use migrate_util::*;
use test_support::{FaultProxy, RedisServer, Version};

const CKPT_KEY: &str = "migrate:checkpoint";

/// A 7.0 source whose backlog holds everything the tests write during an outage.
fn big_backlog() -> RedisServer {
    RedisServer::builder(Version::V7_0)
        .arg("repl-backlog-size", "64mb")
        .start()
}

#[test]
fn restart_resumes_with_continue_from_checkpoint() {
    let src = big_backlog();
    let tgt = RedisServer::start(Version::V7_0);
    dataset::fill(&mut src.connect(), Version::V7_0);
    let file = src.dir().join("checkpoint");
    let rt = rt();
    rt.block_on(async {
        let writer = Writer::start(&src, Version::V7_0, false);
        let h = builder(&src, &tgt)
            .checkpoint_file(&file)
            .checkpoint_key(CKPT_KEY)
            .build()
            .unwrap()
            .run();
        h.wait_for(|s| s.phase == Phase::Incremental).await.unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
        writer.stop();
        wait_applied(&h, &src).await;
        let first = h.stop().await.unwrap();
        let ckpt = first.checkpoint.clone().unwrap();
        let saved = std::fs::read_to_string(&file).unwrap();
        assert_eq!(saved.trim(), ckpt.to_text().trim());
        let full_before = stat(&src, "sync_full");
        let partial_before = stat(&src, "sync_partial_ok");

        // The source moves on while no migrator runs.
        let writer = Writer::start(&src, Version::V7_0, true);
        tokio::time::sleep(Duration::from_millis(600)).await;
        writer.stop();

        // Resume from the checkpoint key alone (no file at that path).
        let h = builder(&src, &tgt)
            .checkpoint_file(src.dir().join("no-such-checkpoint"))
            .checkpoint_key(CKPT_KEY)
            .build()
            .unwrap()
            .run();
        h.wait_for(|s| s.partial_resyncs >= 1).await.unwrap();
        wait_applied(&h, &src).await;
        let r =
            verify(verifier(&src, &tgt).key_filter(|k| k != HB && k != CKPT_KEY.as_bytes())).await;
        assert!(r.is_equal(), "{r}");
        let second = h.stop().await.unwrap();
        assert_eq!(second.status.full_syncs, 0, "{:?}", second.status);
        assert!(second.status.commands_applied > 0);
        assert_eq!(stat(&src, "sync_full"), full_before);
        assert!(stat(&src, "sync_partial_ok") > partial_before);
    });
}

#[test]
fn source_link_cut_continues() {
    let src = big_backlog();
    let tgt = RedisServer::start(Version::V7_0);
    dataset::fill(&mut src.connect(), Version::V7_0);
    let proxy = FaultProxy::start(&src.addr());
    let rt = rt();
    rt.block_on(async {
        let writer = Writer::start(&src, Version::V7_0, true);
        let h = builder(&src, &tgt)
            .source(format!("redis://{}", proxy.addr()))
            .build()
            .unwrap()
            .run();
        h.wait_for(|s| s.phase == Phase::Incremental).await.unwrap();
        for _ in 0..2 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            proxy.cut();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        writer.stop();
        wait_applied(&h, &src).await;
        assert_equal(&src, &tgt).await;
        let s = h.stop().await.unwrap().status;
        assert_eq!(s.full_syncs, 1, "{s:?}");
        assert!(s.partial_resyncs >= 1, "{s:?}");
    });
    assert_eq!(stat(&src, "sync_full"), 1);
    assert!(stat(&src, "sync_partial_ok") >= 1);
}

#[test]
fn target_restart_within_retry_window_loses_nothing() {
    // The backlog must hold what the source writes while the target is away (else the
    // source answers the resume with a new full sync: correct, but not what is tested).
    let src = RedisServer::builder(Version::V7_0)
        .arg("repl-backlog-size", "64mb")
        .start();
    let mut tgt = RedisServer::builder(Version::V7_0)
        .arg("appendonly", "yes")
        .arg("appendfsync", "always")
        .start();
    dataset::fill(&mut src.connect(), Version::V7_0);
    let rt = rt();
    rt.block_on(async {
        let writer = Writer::start(&src, Version::V7_0, false);
        let h = builder(&src, &tgt).build().unwrap().run();
        h.wait_for(|s| s.phase == Phase::Incremental).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        writer.stop();
        wait_applied(&h, &src).await;
        // The target dies; the source keeps taking writes; the target comes back.
        tgt.kill();
        let writer = Writer::start(&src, Version::V7_0, true);
        tokio::time::sleep(Duration::from_secs(2)).await;
        tgt.restart();
        tokio::time::sleep(Duration::from_millis(500)).await;
        writer.stop();
        wait_applied(&h, &src).await;
        assert_equal(&src, &tgt).await;
        let s = h.stop().await.unwrap().status;
        assert!(s.target_reconnects >= 1, "{s:?}");
        assert_eq!(s.full_syncs, 1, "{s:?}");
    });
}

#[test]
fn stop_while_the_target_is_away_returns_promptly() {
    let src = RedisServer::start(Version::V7_0);
    let mut tgt = RedisServer::start(Version::V7_0);
    let rt = rt();
    rt.block_on(async {
        let h = builder(&src, &tgt).build().unwrap().run();
        h.wait_for(|s| s.phase == Phase::Incremental).await.unwrap();
        tgt.kill();
        let mut c = src.connect();
        for i in 0..50 {
            c.cmd(&["SET", &format!("k{i}"), "v"]).unwrap();
        }
        h.wait_for(|s| s.phase == Phase::Reconnecting)
            .await
            .unwrap();
        let t = std::time::Instant::now();
        let s = h.stop().await.unwrap().status;
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        assert!(
            s.warnings.iter().any(|w| w.contains("reconnecting")),
            "{s:?}"
        );
    });
}
