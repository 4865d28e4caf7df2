//! The encoder checked against real servers (Redis 3.2, 5.0, 6.2, 7.0), part 1: for
//! values whose encoding Redis chooses deterministically, our writer produces the bytes
//! `DUMP` returns (LZF-compressed strings compared decompressed, see `canon`), and
//! `score_text` / `push_score` format zset scores exactly as the servers do.
#![allow(clippy::unwrap_used)]

mod handbuilt_support;

use handbuilt_support::servers::*;

use rdb_parser::write::*;
use test_support::{RedisServer, Version};

#[test]
fn writer_matches_server_dumps() {
    for v in Version::ALL {
        let srv = RedisServer::start(v);
        let mut c = srv.connect();
        let s = v.series();
        let big = "abc".repeat(50);
        c.ok(&["SET", "int", "12345"]);
        c.ok(&["SET", "neg", "-7"]);
        c.ok(&["SET", "str", "hello"]);
        c.ok(&["SET", "big", &big]);
        c.ok(&["RPUSH", "list", "a", "1", "-4096", "hello", "70000"]);
        c.ok(&["HMSET", "hash", "f1", "v1", "f2", "123"]);
        c.ok(&["SADD", "set", "1", "2", "300000"]);
        c.ok(&["SADD", "set64", "1", "-9223372036854775808"]);
        c.ok(&["ZADD", "zset", "1.5", "a", "2", "b", "-3", "c"]);

        assert_eq!(dump(&mut c, "int"), (0, vec![0xC1, 0x39, 0x30]), "{s}");
        assert_eq!(
            dump(&mut c, "neg"),
            (0, body(|b| put_string(b, b"-7", D))),
            "{s}"
        );
        assert_eq!(
            dump(&mut c, "str"),
            (0, body(|b| put_string(b, b"hello", D))),
            "{s}"
        );
        // LZF: Redis's compressor leaves its hash table uninitialized (INIT_HTAB 0), so
        // its exact output can depend on stale stack contents; compare what decodes.
        let (t, got) = dump(&mut c, "big");
        assert_eq!(t, 0);
        assert_eq!(got[0], 0xC3, "{s}: Redis LZF-compresses the big string");
        let ours = body(|b| put_string(b, big.as_bytes(), D));
        assert_eq!(ours[0], 0xC3);
        assert_eq!(rd_str(&got, &mut 0), rd_str(&ours, &mut 0), "{s}");

        let items = ["a", "1", "-4096", "hello", "70000"];
        if v >= Version::V7_0 {
            let lp = listpack_of(&items).unwrap();
            assert_eq!(
                canon(dump(&mut c, "list")),
                canon((
                    18,
                    body(|b| put_quicklist_v2(b, D, &[QuicklistNode::Packed(&lp)]))
                )),
                "{s}"
            );
            let hl = listpack_of(&["f1", "v1", "f2", "123"]).unwrap();
            assert_eq!(canon(dump(&mut c, "hash")), canon((16, blob(&hl))), "{s}");
            let zl = listpack_of(&["c", "-3", "a", "1.5", "b", "2"]).unwrap();
            assert_eq!(canon(dump(&mut c, "zset")), canon((17, blob(&zl))), "{s}");
        } else {
            let zl = ziplist_of(&items).unwrap();
            assert_eq!(
                canon(dump(&mut c, "list")),
                canon((14, body(|b| put_quicklist_v1(b, D, &[zl])))),
                "{s}"
            );
            let hz = ziplist_of(&["f1", "v1", "f2", "123"]).unwrap();
            assert_eq!(canon(dump(&mut c, "hash")), canon((13, blob(&hz))), "{s}");
            let zz = ziplist_of(&["c", "-3", "a", "1.5", "b", "2"]).unwrap();
            assert_eq!(canon(dump(&mut c, "zset")), canon((12, blob(&zz))), "{s}");
        }
        assert_eq!(
            canon(dump(&mut c, "set")),
            canon((11, blob(&intset_of(&[1, 2, 300000]).unwrap()))),
            "{s}"
        );
        assert_eq!(
            canon(dump(&mut c, "set64")),
            canon((11, blob(&intset_of(&[1, i64::MIN]).unwrap()))),
            "{s}"
        );

        if v >= Version::V5_0 {
            c.ok(&["XADD", "stream", "1-1", "f", "v"]);
            c.ok(&["XADD", "stream", "2-0", "f", "w", "x", "y"]);
            c.ok(&["XADD", "stream", "2-1", "f", "12"]);
            let entries = [
                EntryIn {
                    id: id(1, 1),
                    deleted: false,
                    fields: vec![(b"f", b"v")],
                },
                EntryIn {
                    id: id(2, 0),
                    deleted: false,
                    fields: vec![(b"f", b"w"), (b"x", b"y")],
                },
                EntryIn {
                    id: id(2, 1),
                    deleted: false,
                    fields: vec![(b"f", b"12")],
                },
            ];
            let node = stream_node_listpack(&entries).unwrap();
            let meta = StreamMeta {
                length: 3,
                last_id: id(2, 1),
                first_id: id(1, 1),
                max_deleted_id: id(0, 0),
                entries_added: 3,
            };
            let ver = if v >= Version::V7_0 {
                StreamVersion::V2
            } else {
                StreamVersion::V1
            };
            let want = body(|b| put_stream(b, D, ver, &[node], &meta, &[]));
            assert_eq!(
                canon(dump(&mut c, "stream")),
                canon((ver.type_byte(), want)),
                "{s}"
            );
        }
    }
}

fn test_scores() -> Vec<f64> {
    vec![
        0.0,
        -0.0,
        1.0,
        -3.0,
        1.5,
        0.1,
        -0.00001,
        0.0001,
        123.456,
        1.0 / 3.0,
        1e16,
        1e17,
        4503599627370495.0,
        4503599627370497.0,
        -123456789012345680.0,
        1e300,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ]
}

/// `score_text` is byte-identical to what the servers store in ziplist/listpack zsets
/// (and, on 3.2, in type-3 ASCII doubles).
#[test]
fn score_text_matches_servers() {
    let scores = test_scores();
    for v in Version::ALL {
        let srv = RedisServer::start(v);
        let mut c = srv.connect();
        let mut args: Vec<String> = vec!["ZADD".into(), "z".into()];
        let mut sorted: Vec<(f64, String)> = scores
            .iter()
            .enumerate()
            .map(|(i, s)| (*s, format!("m{i:02}")))
            .collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (s, m) in &sorted {
            args.push(format!("{s:?}"));
            args.push(m.clone());
        }
        // Redis orders equal scores (0 and -0) by member; both print as their own text.
        let mut order: Vec<(f64, String)> = sorted.clone();
        order.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap().then(a.1.cmp(&b.1)));
        let new = v >= Version::V7_0;
        let mut zl = ZiplistBuilder::new();
        let mut lp = ListpackBuilder::new();
        for (s, m) in &order {
            zl.push(m.as_bytes());
            zl.push_score(*s).unwrap();
            lp.push(m.as_bytes());
            // Redis 7.0 stores -0.0 as the integer 0; our writer keeps the sign
            if new && *s == 0.0 && s.is_sign_negative() {
                lp.push_int(0);
            } else {
                lp.push_score(*s).unwrap();
            }
        }
        c.ok(&args);
        let (t, got) = dump(&mut c, "z");
        let packed = if new {
            lp.finish().unwrap()
        } else {
            zl.finish().unwrap()
        };
        assert_eq!(t, if new { 17 } else { 12 });
        // (the blob is LZF-compressed; compare the decompressed bytes, see above)
        assert_eq!(rd_str(&got, &mut 0), packed, "{}", v.series());

        if v == Version::V3_2 {
            // A skiplist zset (long member) is saved as type 3 with ASCII doubles.
            let mut args: Vec<String> = vec!["ZADD".into(), "big".into()];
            for (i, s) in scores.iter().enumerate() {
                if *s == 0.0 {
                    continue; // Redis writes -0.0 as "0" here; we keep the sign
                }
                args.push(format!("{s:?}"));
                args.push(format!("member-{i:02}-{}", "x".repeat(80)));
            }
            c.ok(&args);
            let (t, body) = dump(&mut c, "big");
            assert_eq!(t, 3);
            let mut p = 0;
            let n = rd_len(&body, &mut p);
            let mut got = std::collections::BTreeMap::new();
            for _ in 0..n {
                let m = rd_str(&body, &mut p);
                let l = body[p] as usize;
                p += 1;
                let text = match l {
                    254 => b"inf".to_vec(),
                    255 => b"-inf".to_vec(),
                    _ => {
                        p += l;
                        body[p - l..p].to_vec()
                    }
                };
                got.insert(m, text);
            }
            for (i, s) in scores.iter().enumerate() {
                if *s == 0.0 {
                    continue;
                }
                let m = format!("member-{i:02}-{}", "x".repeat(80)).into_bytes();
                let mut ours = Vec::new();
                put_ascii_double(&mut ours, *s);
                let want = if ours[0] >= 253 {
                    score_text(*s).unwrap().into_bytes()
                } else {
                    ours[1..].to_vec()
                };
                assert_eq!(got.get(&m), Some(&want), "3.2 type-3 score {s:e}");
            }
        }
    }
}
