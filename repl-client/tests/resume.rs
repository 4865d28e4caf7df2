//! Resume after faults: a proxy of ours cuts the link in the middle of the RDB and in the
//! middle of the command stream under write load. The client resumes with `+CONTINUE`
//! when the backlog covers the gap, and every command written arrives exactly once, in
//! order. Also: resuming a saved position in a new client.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use repl_client::{Event, StartFrom, StreamCommand};
use test_support::{FaultProxy, RedisServer, Version};

/// Writes INCR ctr / RPUSH seq i for i in 1..=n, in small pipelined batches, and after a
/// third of them cuts every connection through `proxy` (while it keeps writing).
fn writer(
    addr: String,
    n: usize,
    proxy: Arc<FaultProxy>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut c = test_support::Conn::connect(&addr).unwrap();
        for batch in (1..=n).collect::<Vec<_>>().chunks(20) {
            if batch[0] == n / 3 + 1 {
                proxy.cut();
            }
            let cmds: Vec<Vec<String>> = batch
                .iter()
                .flat_map(|i| {
                    [
                        vec!["INCR".into(), "ctr".into()],
                        vec!["RPUSH".into(), "seq".into(), i.to_string()],
                    ]
                })
                .collect();
            c.pipeline(&cmds).unwrap();
            std::thread::sleep(Duration::from_millis(2));
            if stop.load(Ordering::SeqCst) {
                return;
            }
        }
    })
}

/// Checks exactly-once, in-order delivery of the writer's commands.
fn check_sequence(cmds: &[StreamCommand], n: usize) {
    let incrs = cmds.iter().filter(|c| c.command.is("INCR")).count();
    assert_eq!(incrs, n, "every INCR exactly once");
    let pushed: Vec<usize> = cmds
        .iter()
        .filter(|c| c.command.is("RPUSH"))
        .map(|c| {
            std::str::from_utf8(c.command.arg(1).unwrap())
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(
        pushed,
        (1..=n).collect::<Vec<_>>(),
        "every RPUSH exactly once, in order"
    );
    for w in cmds.windows(2) {
        assert_eq!(w[0].end, w[1].start, "offsets are contiguous");
    }
}

async fn cut_mid_rdb_and_mid_stream(version: Version, diskless: bool, ack_every: usize) {
    let server = RedisServer::builder(version)
        .arg("repl-diskless-sync", if diskless { "yes" } else { "no" })
        .arg("repl-diskless-sync-delay", "0")
        .arg("repl-backlog-size", "32mb")
        .start();
    let mut c = server.connect();
    // ~2 MB of incompressible data so the RDB can be cut in its middle.
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let mut noise = || {
        (0..63)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                format!("{x:016x}")
            })
            .collect::<String>()
    };
    let cmds: Vec<Vec<String>> = (0..2000)
        .map(|i| vec!["SET".into(), format!("key:{i}"), noise()])
        .collect();
    c.pipeline(&cmds).unwrap();
    let want_keys = total_keys(&mut c);

    let proxy = Arc::new(FaultProxy::start(&server.addr()));
    proxy.cut_after_downstream_bytes(600_000);
    let url = format!("redis://{}", proxy.addr());
    let (handle, mut events) = start(&url, config().build());

    // 1. The first transfer is cut: we are told, and a new full sync delivers everything.
    let first = match next(&mut events).await {
        Event::FullResync { replid, .. } => replid,
        other => panic!("{other:?}"),
    };
    let mut chunks = 0u64;
    loop {
        match next(&mut events).await {
            Event::RdbChunk(b) => chunks += b.len() as u64,
            Event::Reconnecting { .. } => break,
            other => panic!("expected the RDB to be cut: {other:?}"),
        }
    }
    assert!(
        chunks > 0 && chunks < 2_000_000,
        "cut in the middle: {chunks} bytes"
    );
    let sync = full_sync(&mut events).await;
    assert!(
        sync.new,
        "a new full sync must be announced after an RDB cut"
    );
    assert_eq!(sync.replid, first);
    assert_eq!(sync.keys, want_keys);
    let full_before = stat(&mut c, "sync_full");
    let partial_before = stat(&mut c, "sync_partial_ok");

    // 2. Under write load, cut the stream in its middle. First make sure the stream flows
    // (after a diskless transfer it starts only once the master took our ACK).
    c.ok(&["SET", "flowing", "1"]);
    let target = master_offset(&mut c);
    let mut got = until_offset(&mut events, &handle, sync.offset, target).await;
    let n = 3000;
    let stop = Arc::new(AtomicBool::new(false));
    let w = writer(server.addr(), n, proxy.clone(), stop.clone());
    let mut continued = 0;
    let mut since_ack = 0;
    let mut pushes = 0;
    while pushes < n {
        match next(&mut events).await {
            Event::Command(cmd) => {
                if cmd.command.is("RPUSH") {
                    pushes += 1;
                }
                since_ack += 1;
                if since_ack >= ack_every {
                    handle.ack(cmd.end);
                    since_ack = 0;
                }
                got.push(cmd);
            }
            Event::Reconnecting { .. } => {}
            Event::Continue { replid, offset } => {
                continued += 1;
                assert_eq!(offset, got.last().unwrap().end, "continues where we were");
                assert_eq!(replid.len(), 40);
            }
            other => panic!("{other:?}"),
        }
    }
    w.join().unwrap();
    let target = master_offset(&mut c);
    let from = got.last().unwrap().end;
    got.extend(until_offset(&mut events, &handle, from, target).await);
    assert_eq!(continued, 1, "one +CONTINUE after the cut");
    check_sequence(
        &got.into_iter()
            .filter(|c| c.command.is("INCR") || c.command.is("RPUSH"))
            .collect::<Vec<_>>(),
        n,
    );
    assert_eq!(stat(&mut c, "sync_full"), full_before, "no new full sync");
    assert!(
        stat(&mut c, "sync_partial_ok") > partial_before,
        "a partial resync happened"
    );
    stop.store(true, Ordering::SeqCst);
    handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v7_0_diskless_cuts_resume_with_lagging_acks() {
    // Acks lag behind what was delivered: the resume asks for the applied offset + 1 and
    // the replayed commands are not handed out twice.
    cut_mid_rdb_and_mid_stream(Version::V7_0, true, 37).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v3_2_disk_cuts_resume() {
    // Redis 3.2 answers +CONTINUE without a replication id (no psync2).
    cut_mid_rdb_and_mid_stream(Version::V3_2, false, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v5_0_disk_cuts_resume() {
    cut_mid_rdb_and_mid_stream(Version::V5_0, false, 5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_from_a_saved_position() {
    let server = RedisServer::builder(Version::V7_0)
        .arg("repl-backlog-size", "8mb")
        .start();
    let mut c = server.connect();
    c.ok(&["SET", "before", "1"]);
    let (handle, mut events) = start(&server.url(), config().build());
    let sync = full_sync(&mut events).await;
    c.ok(&["SELECT", "7"]);
    c.ok(&["SET", "a", "1"]);
    let target = master_offset(&mut c);
    let got = until_offset(&mut events, &handle, sync.offset, target).await;
    let last = got.last().unwrap();
    assert_eq!(last.db, 7);
    let saved = StartFrom::Resume {
        replid: sync.replid.clone(),
        offset: last.end,
        db: last.db,
    };
    handle.shutdown();
    while events.next().await.is_some() {}

    // While no replica runs, the source takes more writes (in db 7: no new SELECT).
    c.ok(&["SET", "b", "2"]);
    c.ok(&["INCR", "n"]);
    let partial_before = stat(&mut c, "sync_partial_ok");
    let (handle, mut events) = start(&server.url(), config().start(saved).build());
    match next(&mut events).await {
        Event::Continue { offset, .. } => assert_eq!(offset, last.end),
        other => panic!("expected +CONTINUE, got {other:?}"),
    }
    let target = master_offset(&mut c);
    let got = until_offset(&mut events, &handle, last.end, target).await;
    let names: Vec<String> = got
        .iter()
        .map(|s| String::from_utf8_lossy(s.command.name()).to_uppercase())
        .collect();
    assert_eq!(names, ["SET", "INCR"]);
    assert!(
        got.iter().all(|s| s.db == 7),
        "database carried over from the saved position"
    );
    assert_eq!(stat(&mut c, "sync_partial_ok"), partial_before + 1);
    handle.shutdown();
}
