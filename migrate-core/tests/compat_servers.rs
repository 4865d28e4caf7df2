//! Downgrade rewriting checked on real servers: commands in the form a 7.0 source
//! replicates run natively on 7.0, and through [`adapt`] on 6.2 / 5.0 / 3.2; the keyspaces
//! must end up the same (type, value, TTL within two seconds).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use migrate_core::command::{adapt, Compat};
use migrate_core::convert::TargetCaps;
use test_support::{Conn, RedisServer, Reply, Version};

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The commands, as a 7.0 master would propagate them. Streams only when `streams`.
fn script(streams: bool) -> Vec<Vec<String>> {
    let now = now_ms();
    let mut v: Vec<String> = vec![
        "SET k1 v".into(),
        "RPUSH l a b c d e f g".into(),
        "ZADD z 1 a 2 b 3 c 4 d 5 e".into(),
        "SET t v PX 100000".into(),
        format!("SET s1 v PXAT {}", now + 200_000),
        format!("SET s2 v EXAT {}", now / 1000 + 300),
        "SET t v2 KEEPTTL".into(),
        "SET nottl v KEEPTTL".into(),
        "SET s3 v GET".into(),
        "LMOVE l l2 LEFT RIGHT".into(),
        "LMOVE l l2 RIGHT LEFT".into(),
        "LMOVE l l LEFT LEFT".into(),
        "LMOVE l l3 RIGHT RIGHT".into(),
        "LPOP l 2".into(),
        "RPOP l2 1".into(),
        "LPOP nolist 3".into(),
        "ZPOPMIN z 2".into(),
        "ZPOPMAX z".into(),
        "UNLINK k1".into(),
        "COPY t tcopy".into(),
        "COPY l l-copy".into(),
        "COPY z l-copy REPLACE".into(),
        "ZADD zg 5 a 5 b 5 c inf d 2 GT".into(),
        "ZADD zg GT 6 a 4 b 7 new -inf d".into(),
        "ZADD zg LT CH 1 a 9 b -inf d".into(),
        "ZADD zg XX GT 100 c 100 missing".into(),
        "ZADD zg GT 1e300 c 3 GT".into(),
        "HSET h a 1 b 2".into(),
        format!("PEXPIREAT h {} NX", now + 400_000),
        "GETDEL s3".into(),
        "GETEX s1 PERSIST".into(),
        "GETEX s2 PX 500000".into(),
        "SELECT 1".into(),
        "SET x 1".into(),
        "FLUSHDB ASYNC".into(),
        "SET y 1".into(),
        "SELECT 0".into(),
    ]
    .into_iter()
    .collect();
    if streams {
        v.extend(
            [
                "XADD st 1-1 f v",
                "XGROUP CREATE st g 0 ENTRIESREAD 0",
                "XGROUP CREATECONSUMER st g carol",
                "XSETID st 5-5 ENTRIESADDED 1 MAXDELETEDID 0-0",
                "XADD st NOMKSTREAM 6-1 f w",
            ]
            .map(String::from),
        );
    }
    v.into_iter()
        .map(|c| c.split(' ').map(String::from).collect())
        .collect()
}

fn run(c: &mut Conn, caps: Option<TargetCaps>, cmds: &[Vec<String>]) {
    for cmd in cmds {
        let sent: Vec<Vec<Vec<u8>>> = match caps {
            None => vec![cmd.iter().map(|a| a.as_bytes().to_vec()).collect()],
            Some(caps) => {
                match adapt(cmd, &caps, now_ms()).unwrap_or_else(|e| panic!("{cmd:?}: {e}")) {
                    Compat::Unchanged => vec![cmd.iter().map(|a| a.as_bytes().to_vec()).collect()],
                    Compat::Replace(v) => v,
                }
            }
        };
        for argv in sent {
            if let Reply::Error(e) = c.cmd(&argv).unwrap() {
                panic!(
                    "{cmd:?} -> {:?}: {e}",
                    argv.iter()
                        .map(|a| String::from_utf8_lossy(a))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
}

fn snapshot(c: &mut Conn) -> BTreeMap<String, (String, i64)> {
    let mut out = BTreeMap::new();
    for db in ["0", "1"] {
        c.ok(&["SELECT", db]);
        for k in c.ok(&["KEYS", "*"]).as_array().unwrap().to_vec() {
            let k = k.as_string().unwrap();
            let t = c.ok(&["TYPE", &k]).as_string().unwrap();
            let v = match t.as_str() {
                "string" => format!("{:?}", c.ok(&["GET", &k])),
                "list" => format!("{:?}", c.ok(&["LRANGE", &k, "0", "-1"])),
                "zset" => format!("{:?}", c.ok(&["ZRANGE", &k, "0", "-1", "WITHSCORES"])),
                "set" => {
                    let mut m: Vec<String> = c
                        .ok(&["SMEMBERS", &k])
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_string().unwrap())
                        .collect();
                    m.sort();
                    format!("{m:?}")
                }
                "hash" => {
                    let mut f: Vec<String> = c
                        .ok(&["HGETALL", &k])
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_string().unwrap())
                        .collect();
                    f.sort();
                    format!("{f:?}")
                }
                "stream" => {
                    let info = c.ok(&["XINFO", "STREAM", &k]);
                    let a = info.as_array().unwrap();
                    let i = a
                        .iter()
                        .position(|x| x.as_bytes() == Some(&b"last-generated-id"[..]))
                        .unwrap();
                    let cons = c.ok(&["XINFO", "CONSUMERS", &k, "g"]);
                    format!(
                        "{:?} last={:?} consumers={}",
                        c.ok(&["XRANGE", &k, "-", "+"]),
                        a[i + 1],
                        cons.as_array().unwrap().len()
                    )
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

fn check(v: Version) {
    let streams = v >= Version::V5_0;
    let reference = RedisServer::start(Version::V7_0);
    let target = RedisServer::start(v);
    let cmds = script(streams);
    let mut rc = reference.connect();
    run(&mut rc, None, &cmds);
    let mut tc = target.connect();
    run(
        &mut tc,
        Some(TargetCaps::from_version_str(v.series()).unwrap()),
        &cmds,
    );
    let want = snapshot(&mut rc);
    let got = snapshot(&mut tc);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "keys on {v:?}"
    );
    for (k, (val, ttl)) in &want {
        let (gval, gttl) = &got[k];
        assert_eq!(gval, val, "{k} on {v:?}");
        assert_eq!(*gttl < 0, *ttl < 0, "ttl presence of {k} on {v:?}");
        assert!(
            (gttl - ttl).abs() < 2000,
            "ttl of {k} on {v:?}: {gttl} vs {ttl}"
        );
    }
    assert!(want.len() >= 10, "{want:?}");
}

#[test]
fn seven_oh_stream_replayed_on_6_2() {
    check(Version::V6_2);
}

#[test]
fn seven_oh_stream_replayed_on_5_0() {
    check(Version::V5_0);
}

#[test]
fn seven_oh_stream_replayed_on_3_2() {
    check(Version::V3_2);
}

#[test]
fn stream_commands_refused_on_3_2() {
    let caps = TargetCaps::for_version(3, 2);
    let err = adapt(&["XADD", "s", "1-1", "f", "v"], &caps, 0).unwrap_err();
    assert_eq!(err.target, (3, 2));
}

/// `RESTORE` of 7.0 payloads (listpack/quicklist-2 encodings an older server cannot load)
/// replayed on 6.2 / 5.0 / 3.2 through [`adapt`]: same values and TTLs as a native RESTORE.
fn restore_downgrade(v: Version) {
    let reference = RedisServer::start(Version::V7_0);
    let mut rc = reference.connect();
    rc.ok(&["RPUSH", "l", "a", "1", "", "b"]);
    rc.ok(&["SADD", "s", "x", "y"]);
    rc.ok(&["SADD", "si", "1", "2", "3"]);
    rc.ok(&["ZADD", "z", "1.5", "a", "-inf", "b"]);
    rc.ok(&["HSET", "h", "f", "v", "g", "2"]);
    rc.ok(&["SET", "str", "hello"]);
    if v >= Version::V5_0 {
        rc.ok(&["XADD", "x", "1-1", "f", "v"]);
        rc.ok(&["XGROUP", "CREATE", "x", "g", "0"]);
    }
    let keys: Vec<&str> = if v >= Version::V5_0 {
        vec!["l", "s", "si", "z", "h", "str", "x"]
    } else {
        vec!["l", "s", "si", "z", "h", "str"]
    };
    let caps = TargetCaps::from_version_str(v.series()).unwrap();
    let target = RedisServer::start(v);
    let mut tc = target.connect();
    tc.ok(&["RPUSH", "l", "stale"]);
    let ttl_at = now_ms() + 500_000;
    for k in &keys {
        let payload = rc.ok(&["DUMP", k]).as_bytes().unwrap().to_vec();
        let argv: Vec<Vec<u8>> = vec![
            b"RESTORE".to_vec(),
            format!("{k}.copy").into_bytes(),
            ttl_at.to_string().into_bytes(),
            payload,
            b"ABSTTL".to_vec(),
        ];
        // natively on the reference, through adapt on the target (the stale `l` too).
        rc.ok(&argv);
        let mut tgt_argv = argv.clone();
        tgt_argv[1] = k.as_bytes().to_vec();
        tgt_argv.push(b"REPLACE".to_vec());
        let mut ref_argv = tgt_argv.clone();
        ref_argv[1] = format!("{k}.native").into_bytes();
        rc.ok(&ref_argv);
        match adapt(&tgt_argv, &caps, now_ms()).unwrap() {
            Compat::Unchanged => panic!("{k}: a 7.0 payload cannot be unchanged for {v:?}"),
            Compat::Replace(cmds) => {
                for c in cmds {
                    tc.ok(&c);
                }
            }
        }
    }
    let want = snapshot(&mut rc);
    let got = snapshot(&mut tc);
    for k in &keys {
        let (w, wt) = &want[&format!("0/{k}.native")];
        let (g, gt) = &got[&format!("0/{k}")];
        assert_eq!(g, w, "{k} on {v:?}");
        assert!(
            (gt - wt).abs() < 2000 && *gt > 0,
            "ttl of {k}: {gt} vs {wt}"
        );
    }
}

#[test]
fn restore_of_7_0_payloads_on_6_2() {
    restore_downgrade(Version::V6_2);
}

#[test]
fn restore_of_7_0_payloads_on_5_0() {
    restore_downgrade(Version::V5_0);
}

#[test]
fn restore_of_7_0_payloads_on_3_2() {
    restore_downgrade(Version::V3_2);
}
