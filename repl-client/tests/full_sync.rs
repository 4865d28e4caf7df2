//! Full sync, disk-based and diskless, on every server version: the keys in the RDB equal
//! the server's DBSIZEs, and after a burst of writes the stream's offset equals the
//! master's `master_repl_offset`.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use repl_client::Event;
use test_support::{RedisServer, Version};

async fn check(version: Version, diskless: bool) {
    let server = RedisServer::builder(version)
        .arg("repl-diskless-sync", if diskless { "yes" } else { "no" })
        .arg("repl-diskless-sync-delay", "0")
        .start();
    let mut c = server.connect();
    populate(&mut c, 150);
    let want_keys = total_keys(&mut c);
    let (handle, mut events) = start(&server.url(), config().build());
    let sync = full_sync(&mut events).await;
    assert!(!sync.new);
    assert_eq!(sync.keys, want_keys, "{version:?} diskless={diskless}");
    assert_eq!(sync.replid.len(), 40);

    // A burst of writes in several databases, a transaction and a PING of our own.
    let mut cmds: Vec<Vec<String>> = Vec::new();
    for i in 0..200 {
        cmds.push(vec!["INCR".into(), "counter".into()]);
        cmds.push(vec!["RPUSH".into(), "log".into(), format!("entry-{i}")]);
    }
    c.pipeline(&cmds).unwrap();
    c.ok(&["SELECT", "5"]);
    c.ok(&["MULTI"]);
    c.ok(&["SET", "in-5", "yes"]);
    c.ok(&["INCR", "in-5-n"]);
    c.ok(&["EXEC"]);
    c.ok(&["SELECT", "0"]);
    c.ok(&["DEL", "counter"]);
    let target = master_offset(&mut c);
    let got = until_offset(&mut events, &handle, sync.offset, target).await;
    assert_eq!(handle.delivered_offset(), target);
    assert_eq!(
        got.first().unwrap().start,
        sync.offset,
        "the stream starts at the snapshot"
    );
    let incrs = got.iter().filter(|s| s.command.is("INCR")).count();
    assert_eq!(incrs, 201);
    let set5 = got.iter().find(|s| s.command.is("SET")).unwrap();
    assert_eq!(set5.db, 5);
    assert!(got.iter().any(|s| s.command.is("MULTI")) && got.iter().any(|s| s.command.is("EXEC")));
    let del = got.iter().find(|s| s.command.is("DEL")).unwrap();
    assert_eq!((del.db, del.end), (0, target));
    // Contiguous: every command starts where the previous one ended.
    for w in got.windows(2) {
        assert_eq!(w[0].end, w[1].start);
    }
    handle.shutdown();
    while let Some(ev) = events.next().await {
        assert!(
            !matches!(ev, Err(_) | Ok(Event::Reconnecting { .. })),
            "{ev:?}"
        );
    }
}

#[tokio::test]
async fn v3_2_disk() {
    check(Version::V3_2, false).await;
}
#[tokio::test]
async fn v3_2_diskless() {
    check(Version::V3_2, true).await;
}
#[tokio::test]
async fn v5_0_disk() {
    check(Version::V5_0, false).await;
}
#[tokio::test]
async fn v5_0_diskless() {
    check(Version::V5_0, true).await;
}
#[tokio::test]
async fn v6_2_disk() {
    check(Version::V6_2, false).await;
}
#[tokio::test]
async fn v6_2_diskless() {
    check(Version::V6_2, true).await;
}
#[tokio::test]
async fn v7_0_disk() {
    check(Version::V7_0, false).await;
}
#[tokio::test]
async fn v7_0_diskless() {
    check(Version::V7_0, true).await;
}
