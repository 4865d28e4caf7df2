//! Deterministic tests of the state machine: no sockets, no clock.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use bytes::BytesMut;
use resp_codec::encode_command;

use super::*;
use crate::Error;

const ID: &str = "0123456789abcdef0123456789abcdef01234567";
const ID2: &str = "fedcba9876543210fedcba9876543210fedcba98";
const MARK: &str = "aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd";

fn cmd(args: &[&str]) -> Vec<u8> {
    let mut b = BytesMut::new();
    encode_command(&mut b, args.iter().copied());
    b.to_vec()
}

fn sent(r: &mut Replica) -> Vec<u8> {
    r.poll_transmit().map(|b| b.to_vec()).unwrap_or_default()
}

fn events(r: &mut Replica) -> Vec<Event> {
    std::iter::from_fn(|| r.poll_event()).collect()
}

/// Connects and answers the handshake up to and including the PSYNC reply line.
fn handshake(r: &mut Replica, now: Instant, psync_reply: &str) -> Vec<u8> {
    assert_eq!(r.poll_link(), Some(LinkAction::Connect));
    r.connected(now, 40000);
    assert_eq!(sent(r), cmd(&["PING"]));
    r.handle_input(now, b"+PONG\r\n");
    let mut out = sent(r);
    // PSYNC waits for all AUTH/REPLCONF replies.
    for _ in 0..4 {
        r.handle_input(now, b"+OK\r\n");
        if let Some(b) = r.poll_transmit() {
            out.extend_from_slice(&b);
            break;
        }
    }
    r.handle_input(now, psync_reply.as_bytes());
    out
}

/// The stream bytes of a small test scenario and the commands in it.
fn stream() -> (Vec<u8>, Vec<Vec<u8>>) {
    let cmds = vec![
        cmd(&["SELECT", "2"]),
        cmd(&["set", "k", "v"]),
        cmd(&["ping"]),
        cmd(&["MULTI"]),
        cmd(&["incr", "n"]),
        cmd(&["EXEC"]),
        cmd(&["SELECT", "0"]),
        cmd(&["rpush", "l", "a\r\nb"]),
    ];
    (cmds.concat(), cmds)
}

/// RDB bytes, stream bytes, then events must be identical however the input is split.
fn full_sync_input(diskless: bool) -> (Vec<u8>, Vec<u8>) {
    let rdb = b"REDIS0009\xfa\x09redis-ver\x057.0.0\xff12345678".to_vec();
    let mut wire = format!("+FULLRESYNC {ID} 1000\r\n\n\n").into_bytes();
    if diskless {
        wire.extend_from_slice(format!("$EOF:{MARK}\r\n").as_bytes());
        wire.extend_from_slice(&rdb);
        wire.extend_from_slice(MARK.as_bytes());
    } else {
        wire.extend_from_slice(format!("${}\r\n", rdb.len()).as_bytes());
        wire.extend_from_slice(&rdb);
    }
    wire.extend_from_slice(&stream().0);
    (wire, rdb)
}

fn run_split(wire: &[u8], piece: usize) -> (Replica, Vec<Event>) {
    let now = Instant::now();
    let mut r = Replica::new(ReplicaConfig::builder().build(), now);
    handshake(&mut r, now, "");
    let mut evs = Vec::new();
    for p in wire.chunks(piece) {
        r.handle_input(now, p);
        evs.extend(events(&mut r));
    }
    (r, evs)
}

fn check_full_sync(diskless: bool) {
    let (wire, rdb) = full_sync_input(diskless);
    let (_, cmds) = stream();
    for piece in 1..=wire.len() {
        let (mut r, evs) = run_split(&wire, piece);
        assert!(r.take_error().is_none(), "piece {piece}");
        assert_eq!(
            evs[0],
            Event::FullResync {
                replid: ID.into(),
                offset: 1000
            }
        );
        let mut got_rdb = Vec::new();
        let mut rest = evs[1..].iter();
        for e in rest.by_ref() {
            match e {
                Event::RdbChunk(c) => got_rdb.extend_from_slice(c),
                Event::RdbDone { bytes } => {
                    assert_eq!(*bytes, rdb.len() as u64);
                    break;
                }
                other => panic!("piece {piece}: {other:?}"),
            }
        }
        assert_eq!(got_rdb, rdb, "piece {piece}");
        let got: Vec<&StreamCommand> = rest
            .map(|e| match e {
                Event::Command(c) => c,
                other => panic!("piece {piece}: {other:?}"),
            })
            .collect();
        assert_eq!(got.len(), cmds.len(), "piece {piece}");
        let mut off = 1000;
        let dbs = [2, 2, 2, 2, 2, 2, 0, 0];
        for ((c, raw), db) in got.iter().zip(&cmds).zip(dbs) {
            assert_eq!((c.start, c.end, c.db), (off, off + raw.len() as u64, db));
            off = c.end;
        }
        assert_eq!(r.delivered_offset(), 1000 + stream().0.len() as u64);
        assert_eq!(got[7].command.arg(1).unwrap(), &b"a\r\nb"[..]);
    }
}

#[test]
fn disk_based_full_sync_any_split() {
    check_full_sync(false);
}

#[test]
fn diskless_full_sync_any_split_and_ack_after_mark() {
    check_full_sync(true);
    let (wire, _) = full_sync_input(true);
    let end_of_mark = wire.len() - stream().0.len();
    let (mut r, _) = run_split(&wire[..end_of_mark], end_of_mark);
    assert_eq!(
        sent(&mut r),
        cmd(&["REPLCONF", "ACK", "1000"]),
        "ACK right after the mark"
    );
}

#[test]
fn handshake_with_acl_user_and_listening_port() {
    let now = Instant::now();
    let cfg = ReplicaConfig::builder()
        .username("repl")
        .password("pw")
        .listening_port(7777)
        .build();
    let mut r = Replica::new(cfg, now);
    let out = handshake(&mut r, now, "");
    let want = [
        cmd(&["AUTH", "repl", "pw"]),
        cmd(&["REPLCONF", "listening-port", "7777"]),
        cmd(&["REPLCONF", "capa", "eof", "capa", "psync2"]),
        cmd(&["PSYNC", "?", "-1"]),
    ]
    .concat();
    assert_eq!(out, want);
    // Default listening port: the socket's local port.
    let mut r = Replica::new(ReplicaConfig::builder().build(), now);
    let out = handshake(&mut r, now, "");
    assert!(out.starts_with(&cmd(&["REPLCONF", "listening-port", "40000"])));
}

#[test]
fn getack_is_answered_and_acks_report_applied_offset() {
    let now = Instant::now();
    let mut r = Replica::new(ReplicaConfig::builder().build(), now);
    handshake(&mut r, now, &format!("+FULLRESYNC {ID} 10\r\n$0\r\n"));
    let set = cmd(&["set", "a", "1"]);
    let getack = cmd(&["REPLCONF", "GETACK", "*"]);
    r.handle_input(now, &[set.clone(), getack.clone()].concat());
    let evs = events(&mut r);
    assert_eq!(evs.len(), 4); // FullResync, RdbDone, set, GETACK
                              // Nothing applied yet: the ACK reports the snapshot offset.
    assert_eq!(sent(&mut r), cmd(&["REPLCONF", "ACK", "10"]));
    let set_end = 10 + set.len() as u64;
    r.ack(set_end);
    assert_eq!(r.poll_timeout(), Some(now + Duration::from_secs(1)));
    r.handle_timeout(now + Duration::from_millis(500));
    assert!(r.poll_transmit().is_none(), "not due yet");
    r.handle_timeout(now + Duration::from_secs(1));
    assert_eq!(
        sent(&mut r),
        cmd(&["REPLCONF", "ACK", &set_end.to_string()])
    );
    // Acks beyond what was delivered are clamped.
    r.ack(1 << 40);
    assert_eq!(r.applied_offset(), set_end + getack.len() as u64);
}

#[test]
fn acks_continue_during_rdb_transfer() {
    let now = Instant::now();
    let mut r = Replica::new(ReplicaConfig::builder().build(), now);
    handshake(
        &mut r,
        now,
        &format!("+FULLRESYNC {ID} 5\r\n$100\r\n0123456789"),
    );
    assert_eq!(r.phase(), Phase::RdbTransfer);
    for s in 1..=3 {
        let t = now + Duration::from_secs(s);
        assert_eq!(r.poll_timeout(), Some(t));
        r.handle_timeout(t);
        assert_eq!(sent(&mut r), cmd(&["REPLCONF", "ACK", "5"]));
    }
}

#[test]
fn resume_after_cut_mid_stream_no_dup_no_gap() {
    let t0 = Instant::now();
    let mut r = Replica::new(ReplicaConfig::builder().build(), t0);
    handshake(&mut r, t0, &format!("+FULLRESYNC {ID} 100\r\n$0\r\n"));
    let (bytes, cmds) = stream();
    r.handle_input(t0, &bytes[..bytes.len() - 3]); // last command incomplete
    let evs = events(&mut r);
    let delivered: Vec<StreamCommand> = evs
        .into_iter()
        .filter_map(|e| {
            if let Event::Command(c) = e {
                Some(c)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(delivered.len(), 7);
    // The consumer applied the first 4 (SELECT 2, set, ping, MULTI).
    r.ack(delivered[3].end);
    r.link_lost(t0, "connection reset");
    let evs = events(&mut r);
    assert!(
        matches!(&evs[..], [Event::Reconnecting { attempt: 1, .. }]),
        "{evs:?}"
    );
    let t1 = r.poll_timeout().unwrap();
    r.handle_timeout(t1);
    let psync = handshake(&mut r, t1, &format!("+CONTINUE {ID2}\r\n"));
    let want = (delivered[3].end + 1).to_string();
    assert!(
        psync.ends_with(&cmd(&["PSYNC", ID, &want])),
        "{}",
        String::from_utf8_lossy(&psync)
    );
    assert_eq!(
        events(&mut r),
        vec![Event::Continue {
            replid: ID2.into(),
            offset: delivered[6].end
        }]
    );
    // The master resends from the applied offset: incr, EXEC, SELECT 0, rpush.
    let resent: Vec<u8> = cmds[4..].concat();
    r.handle_input(t1, &resent);
    let evs = events(&mut r);
    let Event::Command(c) = &evs[..][0] else {
        panic!("{evs:?}")
    };
    assert_eq!(evs.len(), 1, "only the command not yet delivered: {evs:?}");
    assert_eq!((c.start, c.db), (delivered[6].end, 0));
    assert!(c.command.is("RPUSH"));
    assert_eq!(r.replid(), Some(ID2));
}

#[test]
fn resume_restores_the_database_of_the_applied_offset() {
    let t0 = Instant::now();
    let mut r = Replica::new(ReplicaConfig::builder().build(), t0);
    handshake(&mut r, t0, &format!("+FULLRESYNC {ID} 0\r\n$0\r\n"));
    let a = [cmd(&["SELECT", "3"]), cmd(&["set", "x", "1"])].concat();
    let b = [cmd(&["SELECT", "5"]), cmd(&["set", "y", "2"])].concat();
    r.handle_input(t0, &[a.clone(), b.clone()].concat());
    events(&mut r);
    r.ack(a.len() as u64); // applied: up to set x (db 3)
    assert_eq!(r.applied_db(), Some(3));
    r.link_lost(t0, "cut");
    let t1 = r.poll_timeout().unwrap();
    r.handle_timeout(t1);
    handshake(&mut r, t1, "+CONTINUE\r\n");
    events(&mut r);
    let c = cmd(&["set", "z", "3"]);
    r.handle_input(t1, &[b, c].concat());
    let evs = events(&mut r);
    let [Event::Command(z)] = &evs[..] else {
        panic!("{evs:?}")
    };
    assert_eq!(z.db, 5);
}

#[test]
fn cut_mid_rdb_means_a_new_full_sync() {
    let t0 = Instant::now();
    let mut r = Replica::new(ReplicaConfig::builder().build(), t0);
    handshake(&mut r, t0, &format!("+FULLRESYNC {ID} 7\r\n$10\r\n01234"));
    events(&mut r);
    r.link_lost(t0, "cut");
    events(&mut r);
    let t1 = r.poll_timeout().unwrap();
    r.handle_timeout(t1);
    let out = handshake(&mut r, t1, &format!("+FULLRESYNC {ID} 50\r\n$2\r\nok"));
    assert!(out.ends_with(&cmd(&["PSYNC", "?", "-1"])));
    let evs = events(&mut r);
    assert_eq!(
        evs[0],
        Event::NewFullSync {
            replid: ID.into(),
            offset: 50,
            previous_replid: Some(ID.into()),
            previous_offset: None
        }
    );
    assert_eq!(evs[2], Event::RdbDone { bytes: 2 });
}

#[test]
fn failed_resume_reports_a_new_full_sync() {
    let t0 = Instant::now();
    let start = StartFrom::Resume {
        replid: ID.into(),
        offset: 500,
        db: 4,
    };
    let mut r = Replica::new(ReplicaConfig::builder().start(start).build(), t0);
    let out = handshake(&mut r, t0, &format!("+FULLRESYNC {ID2} 900\r\n"));
    assert!(out.ends_with(&cmd(&["PSYNC", ID, "501"])));
    assert_eq!(
        events(&mut r),
        vec![Event::NewFullSync {
            replid: ID2.into(),
            offset: 900,
            previous_replid: Some(ID.into()),
            previous_offset: Some(500)
        }]
    );
}

#[test]
fn start_from_saved_position_continues() {
    let t0 = Instant::now();
    let start = StartFrom::Resume {
        replid: ID.into(),
        offset: 500,
        db: 4,
    };
    let mut r = Replica::new(ReplicaConfig::builder().start(start).build(), t0);
    handshake(&mut r, t0, "+CONTINUE\r\n");
    let c = cmd(&["del", "k"]);
    r.handle_input(t0, &c);
    let evs = events(&mut r);
    assert_eq!(
        evs[0],
        Event::Continue {
            replid: ID.into(),
            offset: 500
        }
    );
    let Event::Command(sc) = &evs[1] else {
        panic!()
    };
    assert_eq!((sc.db, sc.start, sc.end), (4, 500, 500 + c.len() as u64));
}

#[test]
fn transient_refusals_back_off_then_retry() {
    let t0 = Instant::now();
    let cfg = ReplicaConfig::builder()
        .backoff(Duration::from_millis(100), Duration::from_millis(350))
        .build();
    let mut r = Replica::new(cfg, t0);
    let mut now = t0;
    let mut delays = Vec::new();
    for reply in [
        "-LOADING Redis is loading the dataset in memory\r\n",
        "-NOMASTERLINK Can't SYNC while not connected with my master\r\n",
        "-ERR Can't SYNC while not connected with my master\r\n",
        "-BUSY Redis is busy running a script.\r\n",
    ] {
        handshake(&mut r, now, reply);
        assert_eq!(r.poll_link(), Some(LinkAction::Close));
        let evs = events(&mut r);
        let [Event::Reconnecting { delay, .. }] = &evs[..] else {
            panic!("{evs:?}")
        };
        delays.push(delay.as_millis());
        now = r.poll_timeout().unwrap();
        r.handle_timeout(now);
    }
    assert_eq!(delays, vec![100, 200, 350, 350]);
    assert!(r.take_error().is_none());
}

#[test]
fn auth_and_permission_errors_are_fatal() {
    let t0 = Instant::now();
    for (cfg, reply, needle) in [
        (
            ReplicaConfig::builder().password("bad").build(),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
            "authentication as the default user failed",
        ),
        (
            ReplicaConfig::builder().password("bad").build(),
            "-ERR invalid password\r\n",
            "authentication",
        ),
        (
            ReplicaConfig::builder()
                .username("app")
                .password("pw")
                .build(),
            "-NOPERM User app has no permissions to run the 'psync' command\r\n",
            "ACL SETUSER app +psync",
        ),
    ] {
        let mut r = Replica::new(cfg, t0);
        r.poll_link();
        r.connected(t0, 1);
        r.handle_input(t0, b"+PONG\r\n");
        r.handle_input(t0, reply.as_bytes());
        // (for NOPERM the AUTH reply is +OK and the error is PSYNC's; feed the rest)
        r.handle_input(
            t0,
            b"+OK\r\n+OK\r\n-NOPERM User app has no permissions to run the 'psync' command\r\n",
        );
        let e = r.take_error().expect("fatal error");
        assert!(e.to_string().contains(needle), "{e}");
        assert!(r.is_closed());
        assert_eq!(r.poll_link(), Some(LinkAction::Close));
        assert_eq!(r.poll_link(), None, "no reconnect");
        assert_eq!(r.poll_timeout(), None);
    }
    // No password but the server wants one.
    let mut r = Replica::new(ReplicaConfig::builder().build(), t0);
    r.poll_link();
    r.connected(t0, 1);
    r.handle_input(t0, b"-NOAUTH Authentication required.\r\n");
    let e = r.take_error().unwrap();
    assert!(matches!(e, Error::AuthRequired { .. }), "{e}");
}

#[test]
fn sync_fallback_for_masters_without_psync() {
    let t0 = Instant::now();
    let mut r = Replica::new(ReplicaConfig::builder().build(), t0);
    handshake(&mut r, t0, "-ERR unknown command 'PSYNC'\r\n");
    assert_eq!(sent(&mut r), cmd(&["SYNC"]));
    let ping = cmd(&["PING"]);
    r.handle_input(t0, &[b"\n\n$3\r\nRDB".to_vec(), ping.clone()].concat());
    let evs = events(&mut r);
    assert_eq!(
        evs[0],
        Event::FullResync {
            replid: String::new(),
            offset: 0
        }
    );
    assert_eq!(evs[2], Event::RdbDone { bytes: 3 });
    let Event::Command(c) = &evs[3] else { panic!() };
    assert_eq!((c.start, c.end), (0, ping.len() as u64));
    assert_eq!(r.poll_timeout(), None, "no ACKs to a SYNC-only master");
}

#[test]
fn rdb_only_closes_after_the_snapshot() {
    let t0 = Instant::now();
    let mut r = Replica::new(ReplicaConfig::builder().rdb_only(true).build(), t0);
    r.poll_link();
    r.connected(t0, 1);
    r.handle_input(t0, b"+PONG\r\n");
    let out = sent(&mut r);
    assert!(out.windows(8).any(|w| w == b"rdb-only"));
    // A server without rdb-only refuses it: we close after the RDB ourselves.
    r.handle_input(
        t0,
        format!("+OK\r\n+OK\r\n-ERR Unrecognized REPLCONF option: rdb-only\r\n+FULLRESYNC {ID} 3\r\n$2\r\nok")
            .as_bytes(),
    );
    let evs = events(&mut r);
    assert_eq!(evs.last(), Some(&Event::Finished));
    assert_eq!(r.poll_link(), Some(LinkAction::Close));
    assert!(r.is_closed() && r.take_error().is_none());
}

#[test]
fn gives_up_after_the_limit() {
    let t0 = Instant::now();
    let cfg = ReplicaConfig::builder()
        .backoff(Duration::from_secs(1), Duration::from_secs(1))
        .give_up_after(Some(Duration::from_secs(3)))
        .build();
    let mut r = Replica::new(cfg, t0);
    let mut now = t0;
    for _ in 0..10 {
        match r.poll_link() {
            Some(LinkAction::Connect) => r.link_lost(now, "connection refused"),
            _ => break,
        }
        let Some(t) = r.poll_timeout() else { break };
        now = t;
        r.handle_timeout(now);
    }
    let e = r.take_error().expect("gave up");
    assert!(e.to_string().contains("connection refused"), "{e}");
    assert!(now - t0 <= Duration::from_secs(4));
}

#[test]
fn garbage_in_the_stream_is_a_fatal_protocol_error() {
    let t0 = Instant::now();
    let mut r = Replica::new(ReplicaConfig::builder().build(), t0);
    handshake(&mut r, t0, &format!("+FULLRESYNC {ID} 0\r\n$0\r\n"));
    r.handle_input(t0, b"*1\r\n$4\r\nPING\r\n:12\r\n");
    let e = r.take_error().unwrap();
    assert!(matches!(e, Error::Decode { offset: 14, .. }), "{e:?}");
    assert!(r.is_closed());
}

#[test]
fn a_consumer_far_behind_with_acks_resumes_where_the_database_is_known() {
    let t0 = Instant::now();
    let mut r = Replica::new(ReplicaConfig::builder().build(), t0);
    handshake(&mut r, t0, &format!("+FULLRESYNC {ID} 0\r\n$0\r\n"));
    events(&mut r);
    // 5000 database changes, none acknowledged: only the newest 4096 are remembered.
    let mut wire = Vec::new();
    let mut ends = Vec::new();
    for i in 0..5000u32 {
        wire.extend(cmd(&["SELECT", &(i % 16).to_string()]));
        wire.extend(cmd(&["set", "k", &i.to_string()]));
        ends.push(wire.len() as u64);
    }
    r.handle_input(t0, &wire);
    assert_eq!(events(&mut r).len(), 10_000);
    assert_eq!(r.applied_db(), None);
    r.link_lost(t0, "cut");
    let t1 = r.poll_timeout().unwrap();
    r.handle_timeout(t1);
    let out = handshake(&mut r, t1, "+CONTINUE\r\n");
    // Resume right after the newest forgotten SELECT (#903, i.e. the 904th).
    let select_903_end = ends[902] + cmd(&["SELECT", "7"]).len() as u64;
    let want = (select_903_end + 1).to_string();
    assert!(
        out.ends_with(&cmd(&["PSYNC", ID, &want])),
        "{}",
        String::from_utf8_lossy(&out)
    );
    // The master resends from there: nothing is handed out twice, the next new command
    // carries the right database.
    let resend = &wire[select_903_end as usize..];
    r.handle_input(t1, resend);
    let evs = events(&mut r);
    assert!(
        matches!(
            &evs[..],
            [Event::Reconnecting { .. }, Event::Continue { .. }]
        ),
        "nothing replayed: {evs:?}"
    );
    r.handle_input(t1, &cmd(&["del", "k"]));
    let evs = events(&mut r);
    let [Event::Command(c)] = &evs[..] else {
        panic!("{evs:?}")
    };
    assert_eq!((c.db, c.start), (4999 % 16, wire.len() as u64));
}
