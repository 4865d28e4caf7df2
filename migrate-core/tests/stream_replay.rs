//! The real replication stream of a 7.0 master (relative TTLs turned into PXAT/PEXPIREAT,
//! INCRBYFLOAT into SET KEEPTTL, LMPOP into LPOP count, scripts into MULTI/EXEC effects,
//! XREADGROUP into XCLAIM + XGROUP SETID, RESTORE with ABSTTL...) captured with
//! repl-client, passed through [`StreamFilter`] and [`adapt`], and applied to 7.0, 6.2, 5.0
//! and 3.2 targets: each ends up equal to the master (3.2 without the stream keys, which it
//! refuses explicitly).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use migrate_core::command::{adapt, Compat};
use migrate_core::convert::TargetCaps;
use migrate_core::filter::{Filter, FilterDecision, StreamFilter};
use repl_client::transport::ConnectOptions;
use repl_client::{Event, ReplicaClient};
use test_support::{Conn, RedisServer, Reply, Version};

const WORKLOAD: &[&str] = &[
    "SET a 1 EX 100",
    "SETEX b 200 v",
    "PSETEX c 300000 v",
    "SET d v",
    "EXPIRE d 400",
    "EXPIRE d 500 GT",
    "INCRBYFLOAT f 1.5",
    "EXPIRE f 600",
    "INCRBYFLOAT f 2",
    "SET g v",
    "GETEX g EX 700",
    "SET h v",
    "GETDEL h",
    "RPUSH l1 a b c d e",
    "RPUSH l2 x",
    "LMPOP 2 l1 l2 LEFT COUNT 2",
    "LMOVE l1 l3 RIGHT LEFT",
    "LMOVE l1 l3 LEFT RIGHT",
    "BLMOVE l1 l3 LEFT LEFT 1",
    "RPOP l3 2",
    "SADD s a b c d",
    "SPOP s 2",
    "ZADD z 1 a 2 b 3 c 4 d",
    "ZPOPMIN z 2",
    "ZMPOP 1 z MAX",
    "HSET hh a 1 b 2",
    "HINCRBYFLOAT hh a 0.5",
    "MULTI",
    "INCR counter",
    "LPUSH l4 p q",
    "EXEC",
    "EVAL redis.call('set',KEYS[1],'x');redis.call('expire',KEYS[1],900);return 1 1 scripted",
    "UNLINK d",
    "SELECT 1",
    "SET other 1",
    "FLUSHDB ASYNC",
    "SET other2 2",
    "SELECT 0",
    "XADD st 1-1 f v",
    "XADD st 2-1 f w",
    "XADD st 3-1 f x",
    "XGROUP CREATE st g 0",
    "XREADGROUP GROUP g alice COUNT 2 STREAMS st >",
    "XGROUP CREATECONSUMER st g bob",
    "XAUTOCLAIM st g bob 0 0-0 COUNT 1",
    "XACK st g 2-1",
    "XTRIM st MAXLEN 2",
];

fn workload(c: &mut Conn) {
    for cmd in WORKLOAD {
        let argv: Vec<&str> = if cmd.starts_with("EVAL ") {
            let mut parts: Vec<&str> = cmd.splitn(2, ' ').collect();
            let rest = parts.pop().unwrap();
            let (script, tail) = rest.rsplit_once(" 1 ").unwrap();
            vec!["EVAL", script, "1", tail]
        } else {
            cmd.split(' ').collect()
        };
        c.ok(&argv);
    }
    // RESTORE of a 7.0 payload (listpack) with a TTL: 7.0 propagates it with ABSTTL.
    c.ok(&["RPUSH", "src-list", "1", "2", "three"]);
    let payload = c.ok(&["DUMP", "src-list"]).as_bytes().unwrap().to_vec();
    c.ok(&[&b"RESTORE"[..], b"restored", b"1000000", &payload]);
}

async fn capture(src: &RedisServer) -> Vec<Vec<Vec<u8>>> {
    let opts = ConnectOptions::from_url(&src.url()).unwrap();
    let (handle, mut events) = ReplicaClient::builder(opts).start();
    // Wait for the (empty) snapshot, then write.
    loop {
        match events.next().await.unwrap().unwrap() {
            Event::RdbDone { .. } => break,
            _ => continue,
        }
    }
    let addr = src.addr();
    let end: u64 = tokio::task::spawn_blocking(move || {
        let mut c = Conn::connect(&addr).unwrap();
        workload(&mut c);
        c.info_field("replication", "master_repl_offset")
            .unwrap()
            .parse()
            .unwrap()
    })
    .await
    .unwrap();
    let mut out = Vec::new();
    while let Ok(Some(ev)) = tokio::time::timeout(Duration::from_secs(20), events.next()).await {
        if let Event::Command(c) = ev.unwrap() {
            out.push(c.command.argv().iter().map(|a| a.to_vec()).collect());
            handle.ack(c.end);
            if c.end >= end {
                break;
            }
        }
    }
    out
}

struct Target {
    conn: Conn,
    db: u32,
    refused: Vec<String>,
}

impl Target {
    fn send(&mut self, db: Option<u32>, argv: &[Vec<u8>], caps: &TargetCaps) {
        let cmds = match adapt(argv, caps, now_ms()) {
            Ok(Compat::Unchanged) => vec![argv.to_vec()],
            Ok(Compat::Replace(v)) => v,
            Err(e) => {
                self.refused.push(e.command.clone());
                return;
            }
        };
        for c in cmds {
            if let Some(d) = db {
                if d != self.db {
                    self.conn.ok(&["SELECT", &d.to_string()]);
                    self.db = d;
                }
            }
            let r = self.conn.cmd(&c).unwrap();
            let bad = match &r {
                Reply::Error(_) => true,
                Reply::Array(Some(a)) => a.iter().any(|x| matches!(x, Reply::Error(_))),
                _ => false,
            };
            assert!(
                !bad,
                "{:?} -> {r:?}",
                c.iter()
                    .map(|a| String::from_utf8_lossy(a))
                    .collect::<Vec<_>>()
            );
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn replay(stream: &[Vec<Vec<u8>>], target: &RedisServer) -> Target {
    let caps = TargetCaps::from_version_str(target.version().series()).unwrap();
    let mut t = Target {
        conn: target.connect(),
        db: 0,
        refused: Vec::new(),
    };
    let mut f = StreamFilter::new(Filter::default());
    for argv in stream {
        match f.decide(argv).unwrap() {
            FilterDecision::Forward { db, open_multi } => {
                if open_multi {
                    t.send(None, &[b"MULTI".to_vec()], &caps);
                }
                t.send(db, argv, &caps);
            }
            FilterDecision::Replace {
                open_multi,
                commands,
            } => {
                if open_multi {
                    t.send(None, &[b"MULTI".to_vec()], &caps);
                }
                for c in commands {
                    t.send(c.db, &c.argv, &caps);
                }
            }
            FilterDecision::Drop(_) | FilterDecision::DropPartial { .. } => {}
        }
    }
    t
}

fn field(r: &Reply, name: &str) -> String {
    let a = r.as_array().unwrap();
    let i = a
        .iter()
        .position(|x| x.as_bytes() == Some(name.as_bytes()))
        .unwrap();
    format!("{:?}", a[i + 1])
}

fn snapshot(c: &mut Conn) -> BTreeMap<String, (String, i64)> {
    let mut out = BTreeMap::new();
    for db in ["0", "1"] {
        c.ok(&["SELECT", db]);
        for k in c.ok(&["KEYS", "*"]).as_array().unwrap().to_vec() {
            let k = k.as_string().unwrap();
            let t = c.ok(&["TYPE", &k]).as_string().unwrap();
            let sorted = |r: Reply| {
                let mut v: Vec<String> = r
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_string().unwrap())
                    .collect();
                v.sort();
                format!("{v:?}")
            };
            let v = match t.as_str() {
                "string" => format!("{:?}", c.ok(&["GET", &k])),
                "list" => format!("{:?}", c.ok(&["LRANGE", &k, "0", "-1"])),
                "set" => sorted(c.ok(&["SMEMBERS", &k])),
                "hash" => sorted(c.ok(&["HGETALL", &k])),
                "zset" => format!("{:?}", c.ok(&["ZRANGE", &k, "0", "-1", "WITHSCORES"])),
                "stream" => {
                    let mut s = format!("{:?}", c.ok(&["XRANGE", &k, "-", "+"]));
                    s += &field(&c.ok(&["XINFO", "STREAM", &k]), "last-generated-id");
                    for g in c.ok(&["XINFO", "GROUPS", &k]).as_array().unwrap() {
                        let name = g.as_array().unwrap()[1].as_string().unwrap();
                        s += &format!(
                            " {name} {} {}",
                            field(g, "last-delivered-id"),
                            field(g, "pending")
                        );
                        for cons in c.ok(&["XINFO", "CONSUMERS", &k, &name]).as_array().unwrap() {
                            s += &format!(" {} {}", field(cons, "name"), field(cons, "pending"));
                        }
                        for p in c
                            .ok(&["XPENDING", &k, &name, "-", "+", "100"])
                            .as_array()
                            .unwrap()
                        {
                            let p = p.as_array().unwrap();
                            s += &format!(" pel {:?} {:?} {:?}", p[0], p[1], p[3]);
                        }
                    }
                    s
                }
                other => panic!("unexpected {other}"),
            };
            let ttl = c.ok(&["PTTL", &k]).as_int().unwrap();
            out.insert(format!("{db}/{k}"), (format!("{t}:{v}"), ttl));
        }
    }
    c.ok(&["SELECT", "0"]);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seven_oh_stream_into_every_target() {
    let src = RedisServer::builder(Version::V7_0)
        .arg("repl-diskless-sync-delay", "0")
        .start();
    let stream = capture(&src).await;
    assert!(
        stream.len() > WORKLOAD.len(),
        "captured only {} commands",
        stream.len()
    );
    let mut sc = src.connect();
    let want = snapshot(&mut sc);
    assert!(want.len() >= 15, "{want:?}");
    for v in [Version::V7_0, Version::V6_2, Version::V5_0, Version::V3_2] {
        let target = RedisServer::start(v);
        let mut t = replay(&stream, &target);
        let got = snapshot(&mut t.conn);
        let expected: BTreeMap<_, _> = if v < Version::V5_0 {
            assert!(
                !t.refused.is_empty()
                    && t.refused
                        .iter()
                        .all(|c| c.to_ascii_uppercase().starts_with('X')),
                "{:?}",
                t.refused
            );
            want.iter()
                .filter(|(k, _)| k.as_str() != "0/st")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        } else {
            assert!(t.refused.is_empty(), "{v:?} refused {:?}", t.refused);
            want.clone()
        };
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "keys on {v:?}"
        );
        for (k, (val, ttl)) in &expected {
            let (gval, gttl) = &got[k];
            assert_eq!(gval, val, "{k} on {v:?}");
            assert_eq!(*gttl < 0, *ttl < 0, "ttl presence of {k} on {v:?}");
            assert!(
                (gttl - ttl).abs() < 3000,
                "ttl of {k} on {v:?}: {gttl} vs {ttl}"
            );
        }
    }
}
