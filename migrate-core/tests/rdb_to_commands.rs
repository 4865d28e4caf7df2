//! End to end without RESTORE: a real 7.0 server's RDB (every type, big and small
//! encodings, TTLs, several dbs, binary keys, a stream with groups/PEL/consumers) is parsed
//! with rdb-parser, converted to commands by [`EventConverter`] and replayed into 7.0, 5.0
//! and 3.2 targets; every key then reads back the same as on the source (type, value, TTL
//! within a second; streams: entries, last id, groups, consumers, PEL owners and counts).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use migrate_core::convert::{
    Argv, BatchLimits, ConvertError, ConvertOptions, EventConverter, TargetCaps,
};
use rdb_parser::{Event, RdbReader};
use test_support::{Conn, RedisServer, Reply, Version};

fn s(r: &Reply) -> String {
    r.as_string().unwrap()
}

fn arr(r: &Reply) -> Vec<Reply> {
    r.as_array().unwrap().to_vec()
}

fn populate(c: &mut Conn) {
    c.ok(&["SET", "str:int", "12345"]);
    c.ok(&["PEXPIRE", "str:int", "3600000"]);
    let big: Vec<u8> = (0..200_000u32).map(|i| (i * 31 % 256) as u8).collect();
    c.ok(&[&b"SET"[..], b"str:big", &big]);
    c.ok(&["SET", "str:empty", ""]);
    c.ok(&[&b"SET"[..], b"\x00\xffbin\r\nkey", b"\x01\x02"]);
    c.ok(&["PFADD", "hll", "a", "b", "c", "d"]);
    c.ok(&["SETBIT", "bits", "1000", "1"]);
    c.ok(&["RPUSH", "list:small", "a", "1", "", "-7", "b"]);
    c.ok(&["PEXPIRE", "list:small", "7200000"]);
    let many: Vec<String> = (0..5000)
        .map(|i| {
            if i % 3 == 0 {
                i.to_string()
            } else {
                format!("item-{i}")
            }
        })
        .collect();
    let mut cmd = vec!["RPUSH".to_string(), "list:big".to_string()];
    cmd.extend(many);
    c.ok(&cmd);
    let mut cmd = vec!["SADD".to_string(), "set:int".to_string()];
    cmd.extend((0..100).map(|i| (i * 7 - 50).to_string()));
    c.ok(&cmd);
    let mut cmd = vec!["SADD".to_string(), "set:big".to_string()];
    cmd.extend((0..600).map(|i| format!("m{i}")));
    c.ok(&cmd);
    c.ok(&[
        "ZADD",
        "zset:small",
        "5e-324",
        "tiny",
        "1.7976931348623157e308",
        "max",
        "inf",
        "pinf",
        "-inf",
        "ninf",
        "0.1",
        "tenth",
    ]);
    let mut cmd = vec!["ZADD".to_string(), "zset:big".to_string()];
    for i in 0..300 {
        cmd.push(format!("{}", i as f64 / 7.0));
        cmd.push(format!("z{i}"));
    }
    c.ok(&cmd);
    c.ok(&[
        "GEOADD",
        "geo",
        "13.361389",
        "38.115556",
        "Palermo",
        "15.087269",
        "37.502669",
        "Catania",
    ]);
    c.ok(&["HSET", "hash:small", "f1", "v1", "f2", "2"]);
    let mut cmd = vec!["HSET".to_string(), "hash:big".to_string()];
    for i in 0..600 {
        cmd.push(format!("field{i}"));
        cmd.push(format!("value{i}"));
    }
    c.ok(&cmd);
    for i in 1..=50 {
        let id = format!("{}-{}", 1000 + i, i % 2);
        if i % 2 == 0 {
            c.ok(&["XADD", "stream", &id, "n", &i.to_string()]);
        } else {
            c.ok(&["XADD", "stream", &id, "n", &i.to_string(), "odd", "yes"]);
        }
    }
    c.ok(&["XGROUP", "CREATE", "stream", "g1", "0"]);
    c.ok(&[
        "XREADGROUP",
        "GROUP",
        "g1",
        "alice",
        "COUNT",
        "10",
        "STREAMS",
        "stream",
        ">",
    ]);
    c.ok(&[
        "XREADGROUP",
        "GROUP",
        "g1",
        "bob",
        "COUNT",
        "5",
        "STREAMS",
        "stream",
        ">",
    ]);
    c.ok(&[
        "XCLAIM",
        "stream",
        "g1",
        "bob",
        "0",
        "1001-1",
        "RETRYCOUNT",
        "4",
    ]);
    c.ok(&["XACK", "stream", "g1", "1003-1"]);
    c.ok(&["XGROUP", "CREATECONSUMER", "stream", "g1", "carol"]);
    c.ok(&["XGROUP", "CREATE", "stream", "g2", "$"]);
    c.ok(&["XDEL", "stream", "1020-0", "1005-1"]); // 1005-1 is pending for alice
    c.ok(&["XADD", "stream", "9999-0", "last", "1"]);
    c.ok(&["XDEL", "stream", "9999-0"]); // last id beyond the last entry
    c.ok(&["XGROUP", "CREATE", "emptystream", "g", "$", "MKSTREAM"]);
    c.ok(&["SELECT", "1"]);
    c.ok(&["SET", "db1:key", "one"]);
    c.ok(&["SELECT", "15"]);
    c.ok(&["RPUSH", "db15:list", "x"]);
    c.ok(&["SELECT", "0"]);
}

/// A comparable rendering of one key (`None` if absent), and its PTTL.
fn snapshot(c: &mut Conn, db: u32, key: &[u8], target_version: Version) -> Option<(String, i64)> {
    c.ok(&["SELECT", &db.to_string()]);
    let t = s(&c.ok(&[&b"TYPE"[..], key]));
    let k = key.to_vec();
    let q = |c: &mut Conn, args: &[&[u8]]| -> Reply {
        let mut v: Vec<&[u8]> = vec![args[0], &k];
        v.extend_from_slice(&args[1..]);
        c.ok(&v)
    };
    // XINFO <sub> key [..]: the key goes after the subcommand.
    let xinfo = |c: &mut Conn, sub: &[u8], rest: &[&[u8]]| -> Reply {
        let mut v: Vec<&[u8]> = vec![b"XINFO", sub, &k];
        v.extend_from_slice(rest);
        c.ok(&v)
    };
    let bytes = |r: &Reply| -> Vec<Vec<u8>> {
        arr(r)
            .iter()
            .map(|x| x.as_bytes().unwrap().to_vec())
            .collect()
    };
    let v = match t.as_str() {
        "none" => return None,
        "string" => format!("{:?}", q(c, &[b"GET"]).as_bytes().unwrap()),
        "list" => format!("{:?}", bytes(&q(c, &[b"LRANGE", b"0", b"-1"]))),
        "set" => {
            let mut m = bytes(&q(c, &[b"SMEMBERS"]));
            m.sort();
            format!("{m:?}")
        }
        "hash" => {
            let m: BTreeMap<Vec<u8>, Vec<u8>> = bytes(&q(c, &[b"HGETALL"]))
                .chunks(2)
                .map(|p| (p[0].clone(), p[1].clone()))
                .collect();
            format!("{m:?}")
        }
        "zset" => {
            let m: Vec<(Vec<u8>, u64)> = bytes(&q(c, &[b"ZRANGE", b"0", b"-1", b"WITHSCORES"]))
                .chunks(2)
                .map(|p| {
                    (
                        p[0].clone(),
                        String::from_utf8_lossy(&p[1])
                            .parse::<f64>()
                            .unwrap()
                            .to_bits(),
                    )
                })
                .collect();
            format!("{m:?}")
        }
        "stream" => {
            let entries = format!("{:?}", q(c, &[b"XRANGE", b"-", b"+"]));
            let info = xinfo(c, b"STREAM", &[]);
            let field = |r: &Reply, name: &str| -> Reply {
                let a = arr(r);
                let i = a
                    .iter()
                    .position(|x| x.as_bytes() == Some(name.as_bytes()))
                    .unwrap();
                a[i + 1].clone()
            };
            let mut out = format!(
                "{entries} last={:?} len={:?}",
                field(&info, "last-generated-id"),
                field(&info, "length")
            );
            if target_version >= Version::V7_0 {
                out += &format!(
                    " added={:?} maxdel={:?}",
                    field(&info, "entries-added"),
                    field(&info, "max-deleted-entry-id")
                );
            }
            let live: Vec<Vec<u8>> = arr(&q(c, &[b"XRANGE", b"-", b"+"]))
                .iter()
                .map(|e| arr(e)[0].as_bytes().unwrap().to_vec())
                .collect();
            for g in arr(&xinfo(c, b"GROUPS", &[])) {
                let name = field(&g, "name").as_bytes().unwrap().to_vec();
                out += &format!(
                    " group={:?} last={:?}",
                    String::from_utf8_lossy(&name),
                    field(&g, "last-delivered-id")
                );
                if target_version >= Version::V7_0 {
                    out += &format!(" read={:?}", field(&g, "entries-read"));
                }
                for cons in arr(&xinfo(c, b"CONSUMERS", &[&name])) {
                    out += &format!(" consumer={:?}", field(&cons, "name"));
                }
                // PEL entries whose message still exists (the others cannot be recreated).
                for p in arr(&q(c, &[b"XPENDING", &name, b"-", b"+", b"1000"])) {
                    let p = arr(&p);
                    if live.iter().any(|id| Some(&id[..]) == p[0].as_bytes()) {
                        out += &format!(" pel={:?}/{:?}/{:?}", p[0], p[1], p[3]);
                    }
                }
            }
            out
        }
        other => panic!("unexpected type {other}"),
    };
    let pttl = q(c, &[b"PTTL"]).as_int().unwrap();
    Some((format!("{t}:{v}"), pttl))
}

/// Parses the source's RDB and converts it for `target`; returns (db, key) of every key and
/// the keys the target refused.
type DbKey = (u32, Vec<u8>);

fn replay(rdb: &[u8], target: &mut Conn, caps: TargetCaps) -> (Vec<DbKey>, Vec<Vec<u8>>) {
    let opts = ConvertOptions {
        caps,
        limits: BatchLimits {
            max_elems: 100,
            max_bytes: 16 << 10,
        },
        replace: true,
    };
    let mut conv = EventConverter::new(opts);
    let mut reader = RdbReader::new(rdb);
    let mut out: Vec<Argv> = Vec::new();
    let mut keys = Vec::new();
    let mut refused = Vec::new();
    let mut db = u32::MAX;
    while let Some((_, ev)) = reader.next_event().unwrap() {
        if let Event::KeyStart(k) = &ev {
            keys.push((k.db as u32, k.key.to_vec()));
            if k.db as u32 != db {
                db = k.db as u32;
                target.ok(&["SELECT", &db.to_string()]);
            }
            match conv.start(k) {
                Ok(()) => {}
                Err(ConvertError::Unsupported { .. }) => {
                    refused.push(k.key.to_vec());
                    continue;
                }
                Err(e) => panic!("{e}"),
            }
        }
        conv.feed(&ev, &mut out).unwrap();
        if out.len() >= 64 || matches!(ev, Event::KeyEnd) {
            for (cmd, r) in out.iter().zip(target.pipeline(&out).unwrap()) {
                assert!(
                    !matches!(r, Reply::Error(_)),
                    "{:?} -> {r:?}",
                    String::from_utf8_lossy(&cmd[0])
                );
            }
            out.clear();
        }
    }
    (keys, refused)
}

fn check(target_version: Version) {
    let src = RedisServer::start(Version::V7_0);
    let dst = RedisServer::start(target_version);
    let mut sc = src.connect();
    let mut tc = dst.connect();
    populate(&mut sc);
    sc.ok(&["SAVE"]);
    let rdb = std::fs::read(src.dir().join("dump.rdb")).unwrap();
    let v = target_version.series();
    let caps = TargetCaps::from_version_str(v).unwrap();
    let (keys, refused) = replay(&rdb, &mut tc, caps);
    assert_eq!(keys.len(), 19, "{keys:?}");
    if target_version < Version::V5_0 {
        let mut r = refused.clone();
        r.sort();
        assert_eq!(r, [b"emptystream".to_vec(), b"stream".to_vec()]);
    } else {
        assert!(refused.is_empty(), "{refused:?}");
    }
    for (db, key) in &keys {
        let want = snapshot(&mut sc, *db, key, target_version);
        let got = snapshot(&mut tc, *db, key, target_version);
        if refused.contains(key) {
            assert_eq!(got, None);
            continue;
        }
        let (want, got) = (
            want.unwrap(),
            got.unwrap_or_else(|| panic!("{key:?} missing on {v}")),
        );
        assert_eq!(
            got.0,
            want.0,
            "key {:?} on {v}",
            String::from_utf8_lossy(key)
        );
        assert_eq!(got.1 < 0, want.1 < 0, "ttl presence of {key:?}");
        assert!(
            (got.1 - want.1).abs() < 1500,
            "ttl of {key:?}: {} vs {}",
            got.1,
            want.1
        );
    }
}

#[test]
fn rdb_7_0_into_7_0_as_commands() {
    check(Version::V7_0);
}

#[test]
fn rdb_7_0_into_5_0_as_commands() {
    check(Version::V5_0);
}

#[test]
fn rdb_7_0_into_3_2_as_commands() {
    check(Version::V3_2);
}
