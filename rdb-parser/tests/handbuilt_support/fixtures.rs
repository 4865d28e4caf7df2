//! The hand-built RDB files: each written with `rdb_parser::write` while the value every
//! key must decode to is recorded independently (literal bytes and `f64` literals).
#![allow(dead_code, clippy::unwrap_used)]

use super::*;
use rdb_parser::encoding::StreamId;
use rdb_parser::write::*;

fn id(ms: u64, seq: u64) -> StreamId {
    StreamId { ms, seq }
}

fn body(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut v = Vec::new();
    f(&mut v);
    v
}

fn blob(b: &[u8]) -> Vec<u8> {
    body(|v| put_blob_value(v, StrOpts::default(), b))
}

const D: StrOpts = StrOpts {
    int_encode: true,
    lzf: Lzf::Auto,
};

/// Redis 2.4 era (RDB 2): zipmap, linked list, ASCII zset, EXPIRETIME seconds, ziplists,
/// intsets of every width, every string encoding. No checksum.
pub fn rdb2() -> Fx {
    let mut fx = Fx::new(RdbWriter::redis(2));
    fx.db(0);
    let strings: &[(&[u8], &[u8])] = &[
        (b"plain", b"hello"),
        (b"int8", b"-5"),
        (b"int16", b"300"),
        (b"int32", b"-2147483648"),
        (b"bigint", b"2147483648"),
        (b"notint", b"007"),
        (b"negzero", b"-0"),
        (b"empty", b""),
        (b"\x00\xff bin", b"\x00\x01\xfe\xff"),
        (b"42", b"integer-looking key"),
    ];
    for (k, v) in strings {
        fx.key(0, k, body(|b| put_string(b, v, D)), V::Str(v.to_vec()));
    }
    let long = vec![b'a'; 200];
    fx.key(
        0,
        b"lzf",
        body(|b| put_string(b, &long, D)),
        V::Str(long.clone()),
    );
    fx.expire_secs(1_700_000_000);
    fx.key(
        0,
        b"exp_s",
        body(|b| put_string(b, b"x", D)),
        V::Str(s(b"x")),
    );

    let items: &[&[u8]] = &[b"a", b"1", b"", &[b'L'; 300], b"-7"];
    fx.key(
        1,
        b"linked",
        body(|b| put_string_seq(b, D, items)),
        list(items),
    );
    let members: &[&[u8]] = &[b"x", b"y", b"12", b""];
    fx.key(
        2,
        b"set",
        body(|b| put_string_seq(b, D, members)),
        set(members),
    );

    // Type 3: ASCII scores as %.17g text (older writers), specials via 253/254/255.
    let zbody = body(|b| {
        put_len(b, 7);
        for (m, t) in [
            (&b"tenth"[..], &b"0.10000000000000001"[..]),
            (b"denorm", b"4.9406564584124654e-324"),
            (b"max", b"1.7976931348623157e+308"),
            (b"three", b"3"),
            (b"negzero", b"-0"),
        ] {
            put_string(b, m, D);
            put_ascii_double_text(b, t).unwrap();
        }
        put_string(b, b"pinf", D);
        put_ascii_double(b, f64::INFINITY);
        put_string(b, b"ninf", D);
        put_ascii_double(b, f64::NEG_INFINITY);
    });
    fx.key(
        3,
        b"zset_ascii",
        zbody,
        zset(&[
            (b"tenth", 0.1),
            (b"denorm", 5e-324),
            (b"max", f64::MAX),
            (b"three", 3.0),
            (b"negzero", -0.0),
            (b"pinf", f64::INFINITY),
            (b"ninf", f64::NEG_INFINITY),
        ]),
    );
    fx.key(
        4,
        b"hash",
        body(|b| put_hash(b, D, &[(&b"f1"[..], &b"v1"[..]), (b"f2", b"2")])),
        hash(&[(b"f1", b"v1"), (b"f2", b"2")]),
    );

    // Zipmaps: big lengths (0xFE + u32 LE), free bytes, "unknown" count.
    let big_key = vec![b'k'; 300];
    let big_val = vec![b'v'; 70_000];
    let mut zm = ZipmapBuilder::new();
    zm.push(b"name", b"redis").unwrap();
    zm.push_with_free(b"ver", b"2.4", 4).unwrap();
    zm.push(&big_key, b"bk").unwrap();
    zm.push(b"bv", &big_val).unwrap();
    zm.push(b"", b"").unwrap();
    let zm = zm.finish().unwrap();
    fx.key(
        9,
        b"zipmap",
        blob(&zm),
        hash(&[
            (b"name", b"redis"),
            (b"ver", b"2.4"),
            (&big_key, b"bk"),
            (b"bv", &big_val),
            (b"", b""),
        ]),
    );
    let mut zm = ZipmapBuilder::new().unknown_count(true);
    zm.push(b"a", b"1").unwrap();
    let zm = zm.finish().unwrap();
    fx.key(9, b"zipmap_unknown", blob(&zm), hash(&[(b"a", b"1")]));

    let zl_items: Vec<String> = [0i64, 12, 13, -128, 127, 32767, -32769, 8388607, -8388608]
        .iter()
        .map(|i| i.to_string())
        .chain(["str".to_string(), "x".repeat(100)])
        .collect();
    let zl_refs: Vec<&[u8]> = zl_items.iter().map(|x| x.as_bytes()).collect();
    fx.key(
        10,
        b"zl_list",
        blob(&ziplist_of(&zl_items).unwrap()),
        list(&zl_refs),
    );

    fx.key(
        11,
        b"is16",
        blob(&intset_of(&[-32768, 0, 32767]).unwrap()),
        set(&[b"-32768", b"0", b"32767"]),
    );
    fx.key(
        11,
        b"is32",
        blob(&intset_of(&[-2147483648, 65536]).unwrap()),
        set(&[b"-2147483648", b"65536"]),
    );
    fx.key(
        11,
        b"is64",
        blob(&intset_of(&[i64::MIN, 1, i64::MAX]).unwrap()),
        set(&[b"-9223372036854775808", b"1", b"9223372036854775807"]),
    );
    fx.key(
        12,
        b"zl_zset",
        blob(&ziplist_of(&["a", "1.5", "b", "2", "c", "inf", "d", "-inf", "e", "-3"]).unwrap()),
        zset(&[
            (b"a", 1.5),
            (b"b", 2.0),
            (b"c", f64::INFINITY),
            (b"d", f64::NEG_INFINITY),
            (b"e", -3.0),
        ]),
    );
    fx
}

/// Redis 2.6/2.8 era (RDB 6): ziplist hashes, 24-bit ints, 5-byte prevlens holding small
/// values, "unknown" zllen, EXPIRETIME_MS, LZF-compressed ziplists, CRC-64.
pub fn rdb6() -> Fx {
    let mut fx = Fx::new(RdbWriter::redis(6));
    fx.db(0);
    fx.expire_ms(1_700_000_000_123);
    fx.key(
        0,
        b"exp_ms",
        body(|b| put_string(b, b"v", D)),
        V::Str(s(b"v")),
    );
    let pairs = [
        ("f24", "8388607"),
        ("f24n", "-8388608"),
        ("f32", "2147483647"),
        ("f64", "-9223372036854775808"),
        ("txt", "hello"),
    ];
    let flat: Vec<&str> = pairs.iter().flat_map(|(f, v)| [*f, *v]).collect();
    let expect: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .map(|(f, v)| (f.as_bytes(), v.as_bytes()))
        .collect();
    fx.key(
        13,
        b"zl_hash",
        blob(&ziplist_of(&flat).unwrap()),
        hash(&expect),
    );

    let mut zl = ZiplistBuilder::new()
        .force_large_prevlen(true)
        .unknown_count(true);
    let big = vec![b'B'; 600];
    for x in [&b"s"[..], b"7", &big, b"tail"] {
        zl.push(x);
    }
    let zl = zl.finish().unwrap();
    // compressed (the blob is repetitive and > 20 bytes)
    let b = blob(&zl);
    assert_eq!(b[0], 0xC3);
    fx.key(
        10,
        b"zl_large_prevlen",
        b,
        list(&[b"s", b"7", &big, b"tail"]),
    );
    fx.key(
        11,
        b"intset",
        blob(&intset_of(&[5, 1, 3]).unwrap()),
        set(&[b"1", b"3", b"5"]),
    );
    fx
}

/// Redis 3.2 (RDB 7): AUX, RESIZEDB, quicklists of ziplists with LZF-compressed nodes,
/// ASCII zsets, a key in db 15.
pub fn rdb7() -> Fx {
    let mut fx = Fx::new(RdbWriter::redis(7));
    fx.aux(b"redis-ver", b"3.2.6");
    fx.aux(b"redis-bits", b"64");
    fx.aux(b"ctime", b"1700000000");
    fx.db(0);
    fx.w.resize_db(2, 0);
    let items: Vec<Vec<u8>> = (0..30)
        .map(|i| {
            if i % 7 == 0 {
                format!("{i}").into_bytes()
            } else {
                format!("element-{i:04}-{}", "pad".repeat(i % 5)).into_bytes()
            }
        })
        .collect();
    let nodes = ziplist_nodes(&items, 8).unwrap();
    let mut qb = Vec::new();
    put_quicklist_v1(&mut qb, D.with_lzf(Lzf::Force), &nodes);
    let refs: Vec<&[u8]> = items.iter().map(|x| x.as_slice()).collect();
    fx.key(14, b"quicklist", qb, list(&refs));
    fx.key(
        3,
        b"zset32",
        body(|b| put_zset_ascii(b, D, &[(&b"a"[..], 1.25), (b"b", -0.5)])),
        zset(&[(b"a", 1.25), (b"b", -0.5)]),
    );
    fx.db(15);
    fx.expire_ms(1_800_000_000_000);
    fx.key(
        0,
        b"in15",
        body(|b| put_string(b, b"fifteen", D)),
        V::Str(s(b"fifteen")),
    );
    fx
}

pub fn stream_fixture(version: StreamVersion) -> (Vec<u8>, StreamV) {
    let node1 = [
        EntryIn {
            id: id(1000, 0),
            deleted: false,
            fields: vec![(b"temp", b"20"), (b"hum", b"55.5")],
        },
        EntryIn {
            id: id(1000, 1),
            deleted: true,
            fields: vec![(b"temp", b"21"), (b"hum", b"56")],
        },
        EntryIn {
            id: id(1001, 0),
            deleted: false,
            fields: vec![(b"other", b"x")],
        },
    ];
    let node2 = [
        EntryIn {
            id: id(2000, 5),
            deleted: true,
            fields: vec![(b"a", b"1")],
        },
        EntryIn {
            id: id(2001, 0),
            deleted: false,
            fields: vec![(b"a", b"2")],
        },
    ];
    let nodes = vec![
        stream_node_listpack(&node1).unwrap(),
        stream_node_listpack(&node2).unwrap(),
    ];
    let v2 = version >= StreamVersion::V2;
    let meta = StreamMeta {
        length: 3,
        last_id: id(2001, 0),
        first_id: id(1000, 0),
        max_deleted_id: id(2000, 5),
        entries_added: 5,
    };
    let groups = vec![
        GroupIn {
            name: b"g1",
            last_id: id(1001, 0),
            entries_read: 2,
            pel: vec![
                PelIn {
                    id: id(1000, 0),
                    delivery_time_ms: 1_700_000_000_001,
                    delivery_count: 1,
                },
                PelIn {
                    id: id(1001, 0),
                    delivery_time_ms: 1_700_000_000_002,
                    delivery_count: 3,
                },
            ],
            consumers: vec![
                ConsumerIn {
                    name: b"alice",
                    seen_time_ms: 1_700_000_000_010,
                    active_time_ms: 1_700_000_000_005,
                    pel: vec![id(1000, 0)],
                },
                ConsumerIn {
                    name: b"bob",
                    seen_time_ms: 1_700_000_000_020,
                    active_time_ms: 1_700_000_000_015,
                    pel: vec![id(1001, 0)],
                },
            ],
        },
        GroupIn {
            name: b"g-empty",
            last_id: id(0, 0),
            entries_read: -1,
            pel: vec![],
            consumers: vec![],
        },
    ];
    let b = body(|b| put_stream(b, D, version, &nodes, &meta, &groups));
    let st = StreamV {
        entries: vec![
            (
                id(1000, 0),
                vec![(s(b"temp"), s(b"20")), (s(b"hum"), s(b"55.5"))],
            ),
            (id(1001, 0), vec![(s(b"other"), s(b"x"))]),
            (id(2001, 0), vec![(s(b"a"), s(b"2"))]),
        ],
        length: 3,
        last_id: id(2001, 0),
        first_id: v2.then_some(id(1000, 0)),
        max_deleted_id: v2.then_some(id(2000, 5)),
        entries_added: v2.then_some(5),
        groups: vec![
            GroupV {
                name: s(b"g1"),
                last_id: id(1001, 0),
                entries_read: v2.then_some(2),
                pel: vec![
                    (id(1000, 0), 1_700_000_000_001, 1),
                    (id(1001, 0), 1_700_000_000_002, 3),
                ],
                consumers: vec![
                    ConsumerV {
                        name: s(b"alice"),
                        seen: 1_700_000_000_010,
                        active: (version >= StreamVersion::V3).then_some(1_700_000_000_005),
                        pel: vec![id(1000, 0)],
                    },
                    ConsumerV {
                        name: s(b"bob"),
                        seen: 1_700_000_000_020,
                        active: (version >= StreamVersion::V3).then_some(1_700_000_000_015),
                        pel: vec![id(1001, 0)],
                    },
                ],
            },
            GroupV {
                name: s(b"g-empty"),
                last_id: id(0, 0),
                entries_read: None,
                pel: vec![],
                consumers: vec![],
            },
        ],
    };
    (b, st)
}

/// Redis 5.0 (RDB 9): stream v1 with tombstones, SAMEFIELDS and groups; binary-double
/// zsets with special values; IDLE and FREQ.
pub fn rdb9() -> Fx {
    let mut fx = Fx::new(RdbWriter::redis(9));
    fx.aux(b"redis-ver", b"5.0.6");
    fx.db(0);
    let (b, st) = stream_fixture(StreamVersion::V1);
    fx.key(15, b"stream_v1", b, V::Stream(st));
    let scores: &[(&[u8], f64)] = &[
        (b"negzero", -0.0),
        (b"denorm", 5e-324),
        (b"max", f64::MAX),
        (b"pinf", f64::INFINITY),
        (b"ninf", f64::NEG_INFINITY),
        (b"third", 1.0 / 3.0),
    ];
    fx.idle(3600);
    fx.key(
        5,
        b"zset2",
        body(|b| put_zset_binary(b, D, scores)),
        zset(scores),
    );
    fx.freq(200);
    fx.key(0, b"hot", body(|b| put_string(b, b"1", D)), V::Str(s(b"1")));
    fx
}

/// Redis 7.0 (RDB 10): stream v2, FUNCTION2, quicklist-2 with PACKED, PLAIN and
/// LZF-compressed nodes, listpack hash and zset.
pub fn rdb10() -> Fx {
    let mut fx = Fx::new(RdbWriter::redis(10));
    fx.aux(b"redis-ver", b"7.0.15");
    fx.function(b"#!lua name=mylib\nredis.register_function('f', function() return 1 end)");
    fx.db(0);
    let (b, st) = stream_fixture(StreamVersion::V2);
    fx.key(19, b"stream_v2", b, V::Stream(st));
    let packed1 = listpack_of(&["a", "1", "-4096", "4095"]).unwrap();
    let big = vec![b'P'; 5000];
    let packed2 = listpack_of(&["r".repeat(40), "r".repeat(40), "z".to_string()]).unwrap();
    let qb = body(|b| {
        put_len(b, 3);
        put_len(b, 2);
        put_string(b, &packed1, StrOpts::RAW);
        put_len(b, 1);
        put_string(b, &big, StrOpts::RAW);
        put_len(b, 2);
        assert!(put_lzf_string(b, &packed2));
    });
    let r40 = "r".repeat(40);
    fx.key(
        18,
        b"qlist2",
        qb,
        list(&[
            b"a",
            b"1",
            b"-4096",
            b"4095",
            &big,
            r40.as_bytes(),
            r40.as_bytes(),
            b"z",
        ]),
    );
    fx.key(
        16,
        b"lp_hash",
        blob(&listpack_of(&["f1", "v1", "f2", "123"]).unwrap()),
        hash(&[(b"f1", b"v1"), (b"f2", b"123")]),
    );
    fx.key(
        17,
        b"lp_zset",
        blob(&listpack_of(&["m1", "-1", "m2", "2.5", "m3", "inf"]).unwrap()),
        zset(&[(b"m1", -1.0), (b"m2", 2.5), (b"m3", f64::INFINITY)]),
    );
    fx
}

/// Redis 7.2 (RDB 11): listpack sets, stream v3 (active time), an empty stream, module
/// value with every opcode, MODULE_AUX before the keyspace.
pub fn rdb11() -> Fx {
    let mut fx = Fx::new(RdbWriter::redis(11));
    fx.aux(b"redis-ver", b"7.2.4");
    let mid = module_type_id("hellotype", 3).unwrap();
    let aux_ops = [ModuleOp::Uint(99), ModuleOp::String(b"aux-data")];
    let aux_data = body(|b| {
        put_len(b, 2);
        put_len(b, 99);
        put_len(b, 5);
        put_string(b, b"aux-data", D);
        put_len(b, 0);
    });
    fx.module_aux(mid, AuxWhen::BeforeRdb, &aux_ops, aux_data);
    fx.db(0);
    fx.key(
        20,
        b"lp_set",
        blob(&listpack_of(&["m1", "2", "-70000", ""]).unwrap()),
        set(&[b"m1", b"2", b"-70000", b""]),
    );
    let (b, st) = stream_fixture(StreamVersion::V3);
    fx.key(21, b"stream_v3", b, V::Stream(st));
    let empty = body(|b| put_stream(b, D, StreamVersion::V3, &[], &StreamMeta::default(), &[]));
    fx.key(
        21,
        b"stream_empty",
        empty,
        V::Stream(StreamV {
            first_id: Some(id(0, 0)),
            max_deleted_id: Some(id(0, 0)),
            entries_added: Some(0),
            ..StreamV::default()
        }),
    );
    let ops = [
        ModuleOp::Uint(1 << 40),
        ModuleOp::Uint(7),
        ModuleOp::Sint(-2),
        ModuleOp::Float(0.5),
        ModuleOp::Double(-1e300),
        ModuleOp::String(b"payload"),
        ModuleOp::String(&[b'z'; 100]),
    ];
    let mbody = body(|b| put_module_value(b, D, mid, &ops));
    // the opcode bytes after the module id, through EOF
    let data = mbody[9..].to_vec();
    fx.key(7, b"module_key", mbody, V::Module { id: mid, data });
    fx
}

/// Redis 7.4 (RDB 12): field-TTL hashes (types 24, 25), SLOT_INFO, MODULE_AUX after the
/// keyspace, non-minimal lengths (0x80 / 0x81 forms).
pub fn rdb12() -> Fx {
    let mut fx = Fx::new(RdbWriter::redis(12));
    fx.aux(b"redis-ver", b"7.4.1");
    fx.db(0);
    fx.slot_info(866, 3, 1);
    let fields = [
        TtlField {
            field: b"keep",
            value: b"v1",
            expire_at_ms: None,
        },
        TtlField {
            field: b"soon",
            value: b"v2",
            expire_at_ms: Some(1_700_000_000_500),
        },
        TtlField {
            field: b"later",
            value: b"12345",
            expire_at_ms: Some(HASH_FIELD_EXPIRE_MAX),
        },
    ];
    let exp = hash_ttl(&[
        (b"keep", b"v1", None),
        (b"soon", b"v2", Some(1_700_000_000_500)),
        (b"later", b"12345", Some(HASH_FIELD_EXPIRE_MAX as i64)),
    ]);
    fx.key(
        24,
        b"hfe_ht",
        body(|b| put_hash_metadata(b, D, &fields).unwrap()),
        exp.clone(),
    );
    fx.key(
        25,
        b"hfe_lp",
        body(|b| put_hash_listpack_ex(b, D, &fields).unwrap()),
        exp,
    );
    // Non-minimal lengths that readers must accept.
    let nm = body(|b| {
        put_len_as(b, 2, LenForm::Bits64).unwrap();
        put_len_as(b, 1, LenForm::Bits32).unwrap();
        b.push(b'a');
        put_len_as(b, 3, LenForm::Bits14).unwrap();
        b.extend_from_slice(b"bcd");
    });
    fx.key(2, b"nonminimal", nm, set(&[b"a", b"bcd"]));
    let mid = module_type_id("MBbloom--", 2).unwrap();
    let mb = body(|b| put_module_value(b, D, mid, &[ModuleOp::Uint(5)]));
    let data = mb[9..].to_vec();
    fx.key(7, b"bloom", mb, V::Module { id: mid, data });
    let aux_data = body(|b| {
        put_len(b, 4);
        b.extend_from_slice(&2.5f64.to_le_bytes());
        put_len(b, 0);
    });
    fx.module_aux(mid, AuxWhen::AfterRdb, &[ModuleOp::Double(2.5)], aux_data);
    fx
}

/// Valkey 9 (`VALKEY080`): HASH_2 with per-field expiry (−1 = none).
pub fn valkey80() -> Fx {
    let mut fx = Fx::new(RdbWriter::valkey(80));
    fx.aux(b"valkey-ver", b"9.0.0");
    fx.db(0);
    let fields = [
        TtlField {
            field: b"f1",
            value: b"v1",
            expire_at_ms: None,
        },
        TtlField {
            field: b"f2",
            value: b"100",
            expire_at_ms: Some(1_900_000_000_000),
        },
    ];
    fx.key(
        22,
        b"hash2",
        body(|b| put_valkey_hash2(b, D, &fields)),
        hash_ttl(&[
            (b"f1", b"v1", None),
            (b"f2", b"100", Some(1_900_000_000_000)),
        ]),
    );
    fx.key(
        16,
        b"lp_hash",
        blob(&listpack_of(&["a", "b"]).unwrap()),
        hash(&[(b"a", b"b")]),
    );
    fx
}

pub fn all() -> Vec<(&'static str, Fx)> {
    vec![
        ("redis-2.4-rdb2.rdb", rdb2()),
        ("redis-2.6-rdb6.rdb", rdb6()),
        ("redis-3.2-rdb7.rdb", rdb7()),
        ("redis-5.0-rdb9.rdb", rdb9()),
        ("redis-7.0-rdb10.rdb", rdb10()),
        ("redis-7.2-rdb11.rdb", rdb11()),
        ("redis-7.4-rdb12.rdb", rdb12()),
        ("valkey-9.0-valkey80.rdb", valkey80()),
    ]
}
