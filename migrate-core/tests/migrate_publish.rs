//! `forward_publish` against real servers: Redis 7.0 (non-cluster) propagates `PUBLISH` and
//! `SPUBLISH` to its replicas, so they reach the migrator in the replication stream. With
//! forwarding on, a subscriber on the target receives exactly what was published on the
//! source (in order, once, whatever db the publisher had selected, inside `MULTI`/`EXEC` too);
//! with forwarding off (the default) nothing reaches the target and the `PUBLISH` commands are
//! counted as dropped. Data migrates the same either way.
#![allow(clippy::unwrap_used)]

mod migrate_util;

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use migrate_core::filter::Filter;
use migrate_core::migrator::Mode;
use migrate_core::{Phase, Status};
use migrate_util::*;
use test_support::{Conn, RedisServer, Reply, Version};

/// A message pushed to a subscriber: (kind, channel, payload), kind `message` or `smessage`.
type Msg = (String, String, String);

/// Subscribes a connection to the target to `ch` (SUBSCRIBE) and `sch` (SSUBSCRIBE), waits
/// for both confirmations, then reads pushed messages on a thread. The thread ends when the
/// connection fails (the server is dropped at the end of the test).
fn subscribe(tgt: &RedisServer) -> Receiver<Msg> {
    let mut c = Conn::connect(&tgt.addr()).unwrap();
    c.send(&["SUBSCRIBE", "ch"]).unwrap();
    let confirm = c.read_reply().unwrap();
    assert_eq!(kind(&confirm).as_deref(), Some("subscribe"), "{confirm:?}");
    c.send(&["SSUBSCRIBE", "sch"]).unwrap();
    let confirm = c.read_reply().unwrap();
    assert_eq!(kind(&confirm).as_deref(), Some("ssubscribe"), "{confirm:?}");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        while let Ok(r) = c.read_reply() {
            let items = r.as_array().unwrap_or_else(|| panic!("push {r:?}"));
            let s: Vec<String> = items
                .iter()
                .map(|i| i.as_string().unwrap_or_else(|| format!("{i:?}")))
                .collect();
            assert_eq!(s.len(), 3, "push {s:?}");
            if tx.send((s[0].clone(), s[1].clone(), s[2].clone())).is_err() {
                return;
            }
        }
    });
    rx
}

fn kind(r: &Reply) -> Option<String> {
    r.as_array()?.first()?.as_string()
}

/// Everything received until `quiet` passes without a message (at most 5 s in all).
fn drain(rx: &Receiver<Msg>, quiet: Duration) -> Vec<Msg> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut got = Vec::new();
    while Instant::now() < deadline {
        match rx.recv_timeout(quiet) {
            Ok(m) => got.push(m),
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => panic!("subscriber connection lost"),
        }
    }
    got
}

/// The publishes of a test, on the source: to `ch` from db 0, to an unsubscribed channel, to
/// `ch` from db 3 (a SELECT precedes it in the stream), inside MULTI/EXEC with a write, and a
/// SPUBLISH to `sch`. Writes keys in db 3 around them and a marker in db 0 last. Returns the
/// number of PUBLISH/SPUBLISH commands sent and the messages expected on the subscriber.
fn publish_all(src: &RedisServer) -> (u64, Vec<Msg>) {
    let mut s = src.connect();
    let m = |k: &str, ch: &str, p: &str| (k.to_owned(), ch.to_owned(), p.to_owned());
    // Nobody is subscribed on the source: PUBLISH returns 0 and is still propagated.
    ok(&mut s, &["PUBLISH", "ch", "one"]);
    ok(&mut s, &["PUBLISH", "other", "not-subscribed"]);
    ok(&mut s, &["PUBLISH", "ch", "two"]);
    ok(&mut s, &["SELECT", "3"]);
    ok(&mut s, &["SET", "db3:before", "1"]);
    ok(&mut s, &["PUBLISH", "ch", "three from db 3"]);
    ok(&mut s, &["SET", "db3:after", "2"]);
    ok(&mut s, &["MULTI"]);
    s.cmd(&["PUBLISH", "ch", "four in multi"]).unwrap();
    s.cmd(&["INCR", "db3:tx"]).unwrap();
    ok(&mut s, &["EXEC"]);
    ok(&mut s, &["SPUBLISH", "sch", "five sharded"]);
    ok(&mut s, &["SELECT", "0"]);
    ok(&mut s, &["PUBLISH", "ch", "six"]);
    ok(&mut s, &["SET", "marker", "done"]);
    let want = vec![
        m("message", "ch", "one"),
        m("message", "ch", "two"),
        m("message", "ch", "three from db 3"),
        m("message", "ch", "four in multi"),
        m("smessage", "sch", "five sharded"),
        m("message", "ch", "six"),
    ];
    (7, want)
}

/// Runs a full-and-incremental migration with `forward_publish`, publishes once incremental,
/// waits until the marker is applied and returns what the target's subscriber received, plus
/// the status before publishing and at the end.
fn run(forward_publish: bool) -> (Vec<Msg>, Vec<Msg>, u64, Status, Status) {
    let src = RedisServer::start(Version::V7_0);
    let tgt = RedisServer::start(Version::V7_0);
    {
        let mut s = src.connect();
        ok(&mut s, &["SET", "pre", "existing"]);
        ok(&mut s, &["SELECT", "3"]);
        ok(&mut s, &["RPUSH", "db3:list", "a", "b"]);
    }
    let filter = Filter {
        forward_publish,
        ..Filter::default()
    };
    let rt = rt();
    rt.block_on(async {
        let h = builder(&src, &tgt)
            .mode(Mode::FullAndIncremental)
            // No heartbeat: its (dropped) writes would blur the dropped-command count.
            .heartbeat(None)
            .filter(filter)
            .build()
            .unwrap()
            .run();
        h.wait_for(|s| s.phase == Phase::Incremental).await.unwrap();
        wait_applied(&h, &src).await;
        let rx = subscribe(&tgt);
        let before = h.status();
        let (published, want) = publish_all(&src);
        wait_applied(&h, &src).await;
        let got = drain(&rx, Duration::from_millis(300));
        assert_equal(&src, &tgt).await;
        let after = h.stop().await.unwrap().status;
        let marker = tgt.connect().cmd(&["GET", "marker"]).unwrap();
        assert_eq!(marker.as_bytes(), Some(&b"done"[..]));
        // Keys written by the stream around the publishes land in db 3 on the target.
        let mut t = tgt.connect();
        ok(&mut t, &["SELECT", "3"]);
        let n = ok(
            &mut t,
            &["EXISTS", "db3:before", "db3:after", "db3:tx", "db3:list"],
        );
        assert_eq!(n.as_int(), Some(4));
        (got, want, published, before, after)
    })
}

/// Commands `publish_all` makes the engine apply besides the publishes: the SETs before and
/// after the db 3 publish, the marker, and MULTI, INCR, EXEC of the transaction.
const WRITES_APPLIED: u64 = 6;

/// Status deltas over the publishing: (received, applied, dropped).
fn deltas(before: &Status, after: &Status) -> (u64, u64, u64) {
    (
        after.commands_received - before.commands_received,
        after.commands_applied - before.commands_applied,
        after.commands_dropped - before.commands_dropped,
    )
}

#[test]
fn publish_forwarded_when_on() {
    let (got, want, published, before, after) = run(true);
    assert_eq!(got, want, "messages on the target subscriber");
    assert_eq!(after.phase, Phase::Done, "{after:?}");
    let (received, applied, dropped) = deltas(&before, &after);
    // The publishes are in 7.0's replication stream, and every one was applied.
    assert!(
        received >= published + WRITES_APPLIED,
        "received {received}: {after:?}"
    );
    assert_eq!(applied, published + WRITES_APPLIED, "applied: {after:?}");
    // Only SELECTs, the deferred MULTI (and a possible PING) are dropped.
    assert!(dropped < published, "dropped {dropped}: {after:?}");
}

#[test]
fn publish_dropped_by_default() {
    assert!(
        !Filter::default().forward_publish,
        "forwarding is off by default"
    );
    let (got, _want, published, before, after) = run(false);
    assert!(got.is_empty(), "nothing should reach the target: {got:?}");
    assert_eq!(after.phase, Phase::Done, "{after:?}");
    let (received, applied, dropped) = deltas(&before, &after);
    // The publishes were in the stream, none was applied, each was counted as dropped.
    assert!(
        received >= published + WRITES_APPLIED,
        "received {received}: {after:?}"
    );
    assert_eq!(applied, WRITES_APPLIED, "applied: {after:?}");
    assert!(dropped >= published, "dropped {dropped}: {after:?}");
}
