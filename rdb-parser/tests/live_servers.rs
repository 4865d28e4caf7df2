//! Real servers (3.2, 5.0, 6.2, 7.0): write a dataset, SAVE, parse the dump (checksum
//! verified) and compare every key with what the server answers; DUMP every key and check
//! the payload parses to the same value and equals the Raw view's bytes.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use rdb_parser::{Parser, StreamId, View};
use test_support::{Conn, RedisServer, Reply, Version};

fn bulk(r: &Reply) -> Vec<u8> {
    r.as_bytes()
        .unwrap_or_else(|| panic!("not bulk: {r:?}"))
        .to_vec()
}

fn arr(r: &Reply) -> &[Reply] {
    r.as_array().unwrap_or_else(|| panic!("not array: {r:?}"))
}

fn id_of(b: &[u8]) -> StreamId {
    let s = std::str::from_utf8(b).unwrap();
    let (ms, seq) = s.split_once('-').unwrap();
    StreamId {
        ms: ms.parse().unwrap(),
        seq: seq.parse().unwrap(),
    }
}

fn write_dataset(c: &mut Conn, v: Version) {
    let mut cmds: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut cmd = |a: &[&[u8]]| cmds.push(a.iter().map(|x| x.to_vec()).collect());
    cmd(&[b"SET", b"s:plain", b"hello"]);
    for (k, val) in [
        (&b"s:i8"[..], &b"-128"[..]),
        (b"s:i16", b"32767"),
        (b"s:i32", b"-2147483648"),
        (b"s:i33", b"2147483648"),
        (b"s:lead0", b"007"),
        (b"12345", b"int key"),
        (b"", b"empty key"),
        (b"s:empty", b""),
    ] {
        cmd(&[b"SET", k, val]);
    }
    let bin: Vec<u8> = (0..=255u8).collect();
    cmd(&[b"SET", &bin, &bin]);
    cmd(&[b"SET", b"s:lzf", &b"abcdefghij"[..].repeat(3000)]);
    cmd(&[b"SET", b"s:lzf21", &[b'a'; 21]]);
    cmd(&[b"SET", b"s:ttl", b"v", b"PX", b"100000000"]);
    cmd(&[b"RPUSH", b"l:small", b"a", b"1", b"-5", b""]);
    let mut big: Vec<Vec<u8>> = vec![b"RPUSH".to_vec(), b"l:big".to_vec()];
    big.extend((0..700).map(|i| format!("elem-{i}").into_bytes()));
    big.push(vec![b'x'; 10_000]);
    big.push(b"tail".to_vec());
    cmds.push(big);
    cmds.push(
        [&b"SADD"[..], b"set:i16", b"1", b"2", b"-300"]
            .iter()
            .map(|x| x.to_vec())
            .collect(),
    );
    cmds.push(
        [&b"SADD"[..], b"set:i64", b"1", b"9223372036854775807"]
            .iter()
            .map(|x| x.to_vec())
            .collect(),
    );
    cmds.push(
        [&b"SADD"[..], b"set:str", b"a", b"b", b"c"]
            .iter()
            .map(|x| x.to_vec())
            .collect(),
    );
    let mut bigset: Vec<Vec<u8>> = vec![b"SADD".to_vec(), b"set:big".to_vec()];
    bigset.extend((0..600).map(|i| format!("m{i}").into_bytes()));
    cmds.push(bigset);
    let scores: &[&[u8]] = &[
        b"1.5",
        b"inf",
        b"-inf",
        b"0.1",
        b"-0",
        b"5e-324",
        b"1.7976931348623157e308",
        b"3",
    ];
    let mut z: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), b"z:small".to_vec()];
    for (i, s) in scores.iter().enumerate() {
        z.push(s.to_vec());
        z.push(format!("m{i}").into_bytes());
    }
    cmds.push(z);
    let mut zb: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), b"z:big".to_vec()];
    for i in 0..300 {
        zb.push(format!("{}", f64::from(i) / 7.0).into_bytes());
        zb.push(format!("member-{i}").into_bytes());
    }
    cmds.push(zb);
    cmds.push(
        [&b"HMSET"[..], b"h:small", b"f", b"v", b"n", b"123"]
            .iter()
            .map(|x| x.to_vec())
            .collect(),
    );
    let mut hb: Vec<Vec<u8>> = vec![b"HMSET".to_vec(), b"h:big".to_vec()];
    for i in 0..600 {
        hb.push(format!("field-{i}").into_bytes());
        hb.push(format!("{i}").into_bytes());
    }
    cmds.push(hb);
    cmds.push([&b"SELECT"[..], b"1"].iter().map(|x| x.to_vec()).collect());
    cmds.push(
        [&b"SET"[..], b"db1", b"one"]
            .iter()
            .map(|x| x.to_vec())
            .collect(),
    );
    cmds.push([&b"SELECT"[..], b"15"].iter().map(|x| x.to_vec()).collect());
    cmds.push(
        [&b"SET"[..], b"db15", b"fifteen"]
            .iter()
            .map(|x| x.to_vec())
            .collect(),
    );
    cmds.push([&b"SELECT"[..], b"0"].iter().map(|x| x.to_vec()).collect());
    if v >= Version::V5_0 {
        let x = |a: &[&[u8]]| -> Vec<Vec<u8>> { a.iter().map(|x| x.to_vec()).collect() };
        for i in 1..=6u32 {
            let id = format!("1000-{i}");
            cmds.push(x(&[
                b"XADD",
                b"st",
                id.as_bytes(),
                b"f",
                format!("v{i}").as_bytes(),
                b"g",
                b"x",
            ]));
        }
        cmds.push(x(&[b"XADD", b"st", b"2000-0", b"other", b"field"]));
        cmds.push(x(&[b"XDEL", b"st", b"1000-2"]));
        cmds.push(x(&[b"XGROUP", b"CREATE", b"st", b"g1", b"0"]));
        cmds.push(x(&[
            b"XREADGROUP",
            b"GROUP",
            b"g1",
            b"alice",
            b"COUNT",
            b"2",
            b"STREAMS",
            b"st",
            b">",
        ]));
        cmds.push(x(&[
            b"XREADGROUP",
            b"GROUP",
            b"g1",
            b"bob",
            b"COUNT",
            b"1",
            b"STREAMS",
            b"st",
            b">",
        ]));
        cmds.push(x(&[b"XGROUP", b"CREATE", b"st", b"g2", b"$"]));
        cmds.push(x(&[b"XADD", b"st:empty", b"1-1", b"a", b"b"]));
        cmds.push(x(&[b"XDEL", b"st:empty", b"1-1"]));
    }
    for r in c.pipeline(&cmds).unwrap() {
        assert!(!matches!(r, Reply::Error(_)), "{r:?}");
    }
}

/// Compares one parsed key with the server's view of it.
fn check_key(c: &mut Conn, v: Version, db: u64, key: &[u8], k: &Key) {
    c.ok(&[b"SELECT".to_vec(), db.to_string().into_bytes()]);
    let ty = c.cmd(&[&b"TYPE"[..], key]).unwrap().as_string().unwrap();
    assert_eq!(ty, k.kind.name(), "{key:?}");
    let pttl = c.cmd(&[&b"PTTL"[..], key]).unwrap().as_int().unwrap();
    match k.expire_ms {
        None => assert_eq!(pttl, -1),
        Some(e) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as i64;
            assert!((e - now - pttl).abs() < 60_000, "expire {e} pttl {pttl}");
        }
    }
    match &k.val {
        Val::Str(s) => assert_eq!(&bulk(&c.cmd(&[&b"GET"[..], key]).unwrap()), s),
        Val::List(l) => {
            let r = c.cmd(&[&b"LRANGE"[..], key, b"0", b"-1"]).unwrap();
            let got: Vec<Vec<u8>> = arr(&r).iter().map(bulk).collect();
            assert_eq!(&got, l);
        }
        Val::Set(s) => {
            let r = c.cmd(&[&b"SMEMBERS"[..], key]).unwrap();
            let got: std::collections::BTreeSet<Vec<u8>> = arr(&r).iter().map(bulk).collect();
            assert_eq!(&got, s);
        }
        Val::Zset(z) => {
            let r = c
                .cmd(&[&b"ZRANGE"[..], key, b"0", b"-1", b"WITHSCORES"])
                .unwrap();
            let a = arr(&r);
            assert_eq!(a.len(), z.len() * 2);
            for p in a.chunks(2) {
                let score: f64 = String::from_utf8(bulk(&p[1])).unwrap().parse().unwrap();
                assert_eq!(z[&bulk(&p[0])], score.to_bits(), "{key:?}");
            }
        }
        Val::Hash(h) => {
            let r = c.cmd(&[&b"HGETALL"[..], key]).unwrap();
            let a = arr(&r);
            assert_eq!(a.len(), h.len() * 2);
            for p in a.chunks(2) {
                assert_eq!(h[&bulk(&p[0])], (bulk(&p[1]), None));
            }
        }
        Val::Stream {
            entries,
            meta,
            groups,
        } => {
            let r = c.cmd(&[&b"XRANGE"[..], key, b"-", b"+"]).unwrap();
            let a = arr(&r);
            assert_eq!(a.len(), entries.len());
            for (e, (id, fields)) in a.iter().zip(entries) {
                let e = arr(e);
                assert_eq!(id_of(&bulk(&e[0])), *id);
                let fv: Vec<Vec<u8>> = arr(&e[1]).iter().map(bulk).collect();
                let mine: Vec<Vec<u8>> = fields
                    .iter()
                    .flat_map(|(f, v)| [f.clone(), v.clone()])
                    .collect();
                assert_eq!(fv, mine);
            }
            let meta = meta.unwrap();
            assert_eq!(meta.length as usize, entries.len());
            let info = c.cmd(&[&b"XINFO"[..], b"STREAM", key]).unwrap();
            let info = arr(&info);
            let field = |name: &[u8]| -> &Reply {
                let i = info
                    .chunks(2)
                    .position(|p| p[0].as_bytes() == Some(name))
                    .unwrap();
                &info[i * 2 + 1]
            };
            assert_eq!(id_of(&bulk(field(b"last-generated-id"))), meta.last_id);
            if v >= Version::V7_0 {
                assert_eq!(
                    field(b"entries-added").as_int().unwrap() as u64,
                    meta.entries_added.unwrap()
                );
                assert_eq!(
                    id_of(&bulk(field(b"max-deleted-entry-id"))),
                    meta.max_deleted_id.unwrap()
                );
            }
            let r = c.cmd(&[&b"XINFO"[..], b"GROUPS", key]).unwrap();
            let sg = arr(&r);
            assert_eq!(sg.len(), groups.len());
            for (g, mine) in sg.iter().zip(groups) {
                let g = arr(g);
                let gf = |name: &[u8]| -> &Reply {
                    let i = g
                        .chunks(2)
                        .position(|p| p[0].as_bytes() == Some(name))
                        .unwrap();
                    &g[i * 2 + 1]
                };
                assert_eq!(bulk(gf(b"name")), mine.name);
                assert_eq!(gf(b"pending").as_int().unwrap() as usize, mine.pel.len());
                assert_eq!(
                    gf(b"consumers").as_int().unwrap() as usize,
                    mine.consumers.len()
                );
                assert_eq!(id_of(&bulk(gf(b"last-delivered-id"))), mine.last_id);
                if v >= Version::V7_0 {
                    assert_eq!(
                        gf(b"entries-read").as_int().map(|x| x as u64),
                        mine.entries_read
                    );
                }
                let p = c
                    .cmd(&[&b"XPENDING"[..], key, &mine.name, b"-", b"+", b"1000"])
                    .unwrap();
                for (pe, m) in arr(&p).iter().zip(&mine.pel) {
                    let pe = arr(pe);
                    assert_eq!(id_of(&bulk(&pe[0])), m.id);
                    assert_eq!(pe[3].as_int().unwrap() as u64, m.delivery_count);
                    let owner = mine
                        .consumers
                        .iter()
                        .find(|c| c.pel.contains(&m.id))
                        .unwrap();
                    assert_eq!(bulk(&pe[1]), owner.name);
                }
            }
        }
        other => panic!("unexpected value {other:?}"),
    }
}

fn check_version(v: Version) {
    let server = RedisServer::start(v);
    let mut c = server.connect();
    write_dataset(&mut c, v);
    c.ok(&["SAVE"]);
    let data = std::fs::read(server.dir().join("dump.rdb")).unwrap();
    let model = model_of(&data, Parser::new()).unwrap();
    assert!(model.verified, "{v:?}: checksum not verified");
    let (_, err) = assert_chunking_invariant(&data, &Parser::new, &no_policy, 2);
    assert!(err.is_none());
    let expected_keys = if v >= Version::V5_0 { 27 } else { 25 };
    assert_eq!(model.keys.len(), expected_keys, "{v:?}");
    for ((db, key), k) in &model.keys {
        check_key(&mut c, v, *db, key, k);
    }
    // DUMP payloads: verify, parse, same value; Raw view bytes are the payload's bytes.
    let raw = model_of(
        &data,
        Parser::builder()
            .view(View::Raw {
                max_len: usize::MAX,
            })
            .build(),
    )
    .unwrap();
    let rdb_version = model.version as u16;
    for ((db, key), k) in &model.keys {
        c.ok(&[b"SELECT".to_vec(), db.to_string().into_bytes()]);
        let payload = bulk(&c.cmd(&[&b"DUMP"[..], key]).unwrap());
        let mut b = Builder::default();
        let d = rdb_parser::parse_dump_payload(&payload, |_, ev| match ev {
            rdb_parser::Event::KeyStart(s) => {
                b.on(&rdb_parser::Event::KeyStart(rdb_parser::KeyStart {
                    db: *db,
                    key,
                    expire_ms: k.expire_ms,
                    ..s
                }))
            }
            ev => b.on(&ev),
        })
        .unwrap_or_else(|e| panic!("{v:?} DUMP {key:?}: {e}"));
        assert_eq!(d.version, rdb_version);
        assert_eq!(
            b.model.keys.get(&(*db, key.clone())),
            Some(k),
            "{v:?} {key:?}"
        );
        let Val::Raw { rdb_type, body } = &raw.keys[&(*db, key.clone())].val else {
            panic!()
        };
        assert_eq!(
            rdb_parser::dump_payload_parts(*rdb_type, body, rdb_version),
            payload,
            "{v:?} {key:?}: raw view differs from DUMP"
        );
    }
}

#[test]
fn redis_7_0_dump_matches_server() {
    check_version(Version::V7_0);
}

#[test]
fn redis_6_2_dump_matches_server() {
    check_version(Version::V6_2);
}

#[test]
fn redis_5_0_dump_matches_server() {
    check_version(Version::V5_0);
}

#[test]
fn redis_3_2_dump_matches_server() {
    check_version(Version::V3_2);
}

/// LFU and LRU policies add FREQ / IDLE opcodes; they attach to their own key only.
#[test]
fn lfu_and_lru_metadata() {
    for (policy, lfu) in [("allkeys-lfu", true), ("allkeys-lru", false)] {
        let server = RedisServer::builder(Version::V7_0)
            .arg("maxmemory-policy", policy)
            .start();
        let mut c = server.connect();
        for i in 0..20 {
            c.ok(&["SET", &format!("k{i}"), "v"]);
        }
        for _ in 0..50 {
            c.ok(&["GET", "k3"]);
        }
        c.ok(&["SAVE"]);
        let data = std::fs::read(server.dir().join("dump.rdb")).unwrap();
        let m = model_of(&data, Parser::new()).unwrap();
        assert_eq!(m.keys.len(), 20);
        for ((_, key), k) in &m.keys {
            if lfu {
                assert!(k.freq.is_some() && k.idle.is_none(), "{key:?}");
                let f = c
                    .cmd(&[&b"OBJECT"[..], b"FREQ", key])
                    .unwrap()
                    .as_int()
                    .unwrap();
                assert!(
                    (i64::from(k.freq.unwrap()) - f).abs() <= 2,
                    "{key:?} {f} {:?}",
                    k.freq
                );
            } else {
                assert!(k.idle.is_some() && k.freq.is_none(), "{key:?}");
            }
        }
        if lfu {
            let hot = m.keys[&(0, b"k3".to_vec())].freq.unwrap();
            let cold = m.keys[&(0, b"k5".to_vec())].freq.unwrap();
            assert!(hot > cold, "{hot} {cold}");
        }
    }
}
