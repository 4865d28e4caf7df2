//! The link over time: a slow consumer is not dropped and its lag is visible, GETACK is
//! answered with the applied offset, a master restart is reported as a new full sync,
//! RDB-only runs end after the snapshot.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use repl_client::Event;
use test_support::{Conn, RedisServer, Version};

/// `offset=` of the master's `slave0` line (the replica's last ACK).
fn acked_offset(c: &mut Conn) -> u64 {
    let line = c
        .info_field("replication", "slave0")
        .expect("a connected replica");
    line.split(',')
        .find_map(|kv| kv.strip_prefix("offset="))
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_consumer_is_not_dropped_and_lag_is_visible() {
    // repl-timeout 3: without ACKs while we do not read, the master would drop us.
    let server = RedisServer::builder(Version::V7_0)
        .arg("repl-timeout", "3")
        .start();
    let mut c = server.connect();
    let (handle, mut events) = start(&server.url(), config().build());
    let sync = full_sync(&mut events).await;
    c.ok(&["SET", "flowing", "1"]);
    let target = master_offset(&mut c);
    until_offset(&mut events, &handle, sync.offset, target).await;

    // Writes arrive while the consumer does not read for 5 s (> repl-timeout).
    let cmds: Vec<Vec<String>> = (0..2000)
        .map(|i| vec!["RPUSH".into(), "l".into(), i.to_string()])
        .collect();
    c.pipeline(&cmds).unwrap();
    let master = master_offset(&mut c);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let acked = acked_offset(&mut c);
    assert_eq!(
        acked,
        target,
        "the master sees how far we applied: lag {} bytes",
        master - acked
    );
    assert!(master > acked);
    assert_eq!(
        c.info_field("replication", "connected_slaves").unwrap(),
        "1"
    );

    // Catch up: the lag closes, nothing was lost, no reconnect, no new full sync.
    let got = until_offset(&mut events, &handle, target, master).await;
    assert_eq!(got.iter().filter(|s| s.command.is("RPUSH")).count(), 2000);
    // Within a few ACK periods the master sees us fully caught up (it may send its own
    // PINGs meanwhile: keep consuming and acking).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    loop {
        while let Ok(ev) = tokio::time::timeout(Duration::from_millis(100), next(&mut events)).await
        {
            let Event::Command(cmd) = ev else {
                panic!("{ev:?}")
            };
            handle.ack(cmd.end);
        }
        if acked_offset(&mut c) == master_offset(&mut c) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the lag never closed"
        );
    }
    assert_eq!(stat(&mut c, "sync_full"), 1);
    handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn getack_reports_the_applied_offset() {
    let server = RedisServer::builder(Version::V7_0)
        .arg("repl-diskless-sync-delay", "0")
        .start();
    let mut c = server.connect();
    let (handle, mut events) = start(&server.url(), config().build());
    let sync = full_sync(&mut events).await;
    c.ok(&["SET", "flowing", "1"]);
    let target = master_offset(&mut c);
    until_offset(&mut events, &handle, sync.offset, target).await;

    // A write we receive but do not apply: WAIT must not count us.
    c.ok(&["SET", "unapplied", "1"]);
    let addr = server.addr();
    let wait = |ms: &'static str| {
        let addr = addr.clone();
        std::thread::spawn(move || {
            let mut w = Conn::connect(&addr).unwrap();
            w.ok(&["SET", "waited", ms]);
            w.ok(&["WAIT", "1", ms]).as_int().unwrap()
        })
    };
    let waiter = wait("1500");
    let mut last_end = 0;
    let mut saw_getack = false;
    while !waiter.is_finished() {
        if let Ok(ev) = tokio::time::timeout(Duration::from_millis(100), next(&mut events)).await {
            let Event::Command(cmd) = ev else {
                panic!("{ev:?}")
            };
            saw_getack |= cmd.command.is("REPLCONF");
            last_end = cmd.end; // received, not acked
        }
    }
    assert_eq!(
        waiter.join().unwrap(),
        0,
        "WAIT counted a replica that did not apply"
    );
    assert!(saw_getack, "WAIT sends REPLCONF GETACK through the stream");

    // Applied: WAIT counts us (GETACK is answered at once).
    handle.ack(last_end);
    let waiter = wait("5000");
    loop {
        match tokio::time::timeout(Duration::from_millis(50), next(&mut events)).await {
            Ok(Event::Command(cmd)) => handle.ack(cmd.end),
            Ok(other) => panic!("{other:?}"),
            Err(_) if waiter.is_finished() => break,
            Err(_) => {}
        }
    }
    assert_eq!(waiter.join().unwrap(), 1);
    handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_restart_is_a_new_full_sync() {
    let mut server = RedisServer::builder(Version::V7_0)
        .arg("repl-diskless-sync-delay", "0")
        .start();
    let mut c = server.connect();
    c.ok(&["SET", "old", "1"]);
    let (handle, mut events) = start(&server.url(), config().build());
    let first = full_sync(&mut events).await;
    assert_eq!(first.keys, 1);
    server.restart(); // no persistence: empty, with a new replication id
    let mut c = server.connect();
    let (replid, previous_replid) = loop {
        match next(&mut events).await {
            Event::Reconnecting { .. } => {}
            Event::NewFullSync {
                replid,
                previous_replid,
                ..
            } => break (replid, previous_replid),
            other => panic!("{other:?}"),
        }
    };
    assert_ne!(replid, first.replid);
    assert_eq!(previous_replid.as_deref(), Some(first.replid.as_str()));
    let mut counter = KeyCounter::default();
    loop {
        match next(&mut events).await {
            Event::RdbChunk(b) => counter.feed(&b),
            Event::RdbDone { .. } => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(counter.finish(), total_keys(&mut c));
    c.ok(&["SET", "new", "1"]);
    let sync_offset: u64 = c
        .info_field("replication", "master_repl_offset")
        .unwrap()
        .parse()
        .unwrap();
    let got = until_offset(&mut events, &handle, handle.applied_offset(), sync_offset).await;
    assert!(got.iter().any(|s| s.command.is("SET")));
    handle.shutdown();
}

async fn rdb_only(version: Version) {
    let server = RedisServer::builder(version)
        .arg("repl-diskless-sync-delay", "0")
        .start();
    let mut c = server.connect();
    populate(&mut c, 40);
    let (_handle, mut events) = start(&server.url(), config().rdb_only(true).build());
    let sync = full_sync(&mut events).await;
    assert_eq!(sync.keys, total_keys(&mut c));
    assert_eq!(next(&mut events).await, Event::Finished);
    assert!(events.next().await.is_none(), "the event stream ends");
}

#[tokio::test]
async fn rdb_only_v7_0_native() {
    rdb_only(Version::V7_0).await;
}

#[tokio::test]
async fn rdb_only_v5_0_emulated() {
    // 5.0 has no REPLCONF rdb-only: the client closes the link after the snapshot.
    rdb_only(Version::V5_0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_of_the_source_serves_us_and_nomasterlink_is_retried() {
    let master = RedisServer::builder(Version::V7_0)
        .arg("repl-diskless-sync-delay", "0")
        .start();
    let replica = RedisServer::builder(Version::V7_0)
        .arg("repl-diskless-sync-delay", "0")
        .arg("replicaof", &format!("127.0.0.1 {}", master.port()))
        .start();
    let mut m = master.connect();
    populate(&mut m, 20);
    let mut r = replica.connect();
    // Cut the replica off its master: it must refuse us for now (-NOMASTERLINK).
    let dead = test_support::free_port().to_string();
    r.ok(&["REPLICAOF", "127.0.0.1", &dead]);
    let (handle, mut events) = start(&replica.url(), config().build());
    let reason = match next(&mut events).await {
        Event::Reconnecting { reason, .. } => reason,
        other => panic!("expected a transient refusal, got {other:?}"),
    };
    assert!(reason.contains("NOMASTERLINK"), "{reason}");
    // Give the replica its master back: we get the snapshot through it.
    r.ok(&["REPLICAOF", "127.0.0.1", &master.port().to_string()]);
    let sync = full_sync(&mut events).await;
    assert_eq!(sync.keys, total_keys(&mut m));
    m.ok(&["SET", "through-the-replica", "1"]);
    // The stream is the replica's: its offsets are the replica's master_repl_offset.
    let mut got = Vec::new();
    let mut from = sync.offset;
    while !got
        .iter()
        .any(|s: &repl_client::StreamCommand| s.command.is("SET"))
    {
        let target = master_offset(&mut r);
        let more = until_offset(&mut events, &handle, from, target).await;
        from = more.last().map_or(from, |s| s.end);
        got.extend(more);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle.shutdown();
}
