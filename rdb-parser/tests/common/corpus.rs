//! Hand-built RDB files covering every version, opcode and type, built with the crate's
//! writer. Each file is a test vector for the chunking invariant, truncation and mutation
//! tests, and seeds the fuzzers.
#![allow(dead_code, clippy::unwrap_used)]

use rdb_parser::encoding::StreamId;
use rdb_parser::write::*;

fn sid(ms: u64, seq: u64) -> StreamId {
    StreamId { ms, seq }
}

fn body(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut v = Vec::new();
    f(&mut v);
    v
}

const O: StrOpts = StrOpts {
    int_encode: true,
    lzf: Lzf::Auto,
};

fn lzf_all() -> StrOpts {
    StrOpts::default().with_lzf(Lzf::Force)
}

/// RDB 1: linked list, hash-table set, ASCII zset with specials, hash, EXPIRETIME seconds.
fn v1() -> Vec<u8> {
    let mut w = RdbWriter::redis(1);
    w.select_db(0);
    w.string_key(b"s", b"hello");
    w.expire_secs(1_700_000_000);
    w.key(
        1,
        b"list",
        &body(|o| put_string_seq(o, O, &[&b"a"[..], b"12", b"-7", b""])),
    );
    w.key(
        2,
        b"set",
        &body(|o| put_string_seq(o, O, &[&b"x"[..], b"y"])),
    );
    w.key(
        3,
        b"zset",
        &body(|o| {
            put_zset_ascii(
                o,
                O,
                &[
                    (&b"a"[..], 1.5),
                    (b"b", f64::INFINITY),
                    (b"c", f64::NEG_INFINITY),
                    (b"d", -0.0),
                    (b"e", 5e-324),
                ],
            );
        }),
    );
    w.key(
        3,
        b"zset17g",
        &body(|o| {
            put_len(o, 1);
            put_string(o, b"m", O);
            put_ascii_double_text(o, b"0.10000000000000001").unwrap();
        }),
    );
    w.key(
        4,
        b"hash",
        &body(|o| put_hash(o, O, &[(&b"f"[..], &b"v"[..]), (b"n", b"123")])),
    );
    w.select_db(15);
    w.string_key(b"in15", b"");
    w.finish()
}

/// RDB 4 (2.4-era encodings): zipmap, ziplist list, intsets, ziplist zset.
fn v4() -> Vec<u8> {
    let mut w = RdbWriter::redis(4);
    w.select_db(0);
    let mut zm = ZipmapBuilder::new();
    zm.push(b"field", b"value").unwrap();
    zm.push_with_free(b"k2", b"v2", 3).unwrap();
    zm.push(&[b'x'; 300], &[b'y'; 260]).unwrap();
    w.key(
        9,
        b"zipmap",
        &body(|o| put_blob_value(o, O.no_int(), &zm.finish().unwrap())),
    );
    let zl = ziplist_of(&[
        &b"one"[..],
        b"2",
        b"-300000",
        b"9223372036854775807",
        &[b'z'; 70],
    ])
    .unwrap();
    w.key(10, b"zl", &body(|o| put_blob_value(o, O.no_int(), &zl)));
    for (k, vals) in [
        (&b"is16"[..], vec![1i64, 2, -32768]),
        (b"is32", vec![1, 70000]),
        (b"is64", vec![i64::MIN, 0, i64::MAX]),
    ] {
        let is = intset_of(&vals).unwrap();
        w.key(11, k, &body(|o| put_blob_value(o, O.no_int(), &is)));
    }
    let zz = ziplist_of(&[&b"a"[..], b"1", b"b", b"2.5", b"c", b"inf"]).unwrap();
    w.key(12, b"zzl", &body(|o| put_blob_value(o, O.no_int(), &zz)));
    w.finish()
}

/// RDB 6: ziplist hash, CRC trailer, EXPIRETIME_MS, LZF-compressed everything, big-ish
/// values, integer-encoded keys.
fn v6() -> Vec<u8> {
    let mut w = RdbWriter::redis(6);
    w.string_opts(lzf_all());
    w.select_db(0);
    let zl = ziplist_of(&[&b"f1"[..], b"v1", b"f2", b"77", b"long", &[b'q'; 200]]).unwrap();
    w.key(
        13,
        b"hzl",
        &body(|o| put_blob_value(o, lzf_all().no_int(), &zl)),
    );
    w.expire_ms(1_700_000_000_123);
    w.key(
        0,
        b"12345",
        &body(|o| {
            put_string(
                o,
                &b"abcabcabcabcabcabcabcabcabcabc"[..].repeat(20),
                lzf_all(),
            )
        }),
    );
    w.key(0, b"int", &body(|o| put_string(o, b"-2147483648", O)));
    w.key(0, b"int8", &body(|o| put_string(o, b"-5", O)));
    w.key(0, b"int16", &body(|o| put_string(o, b"30000", O)));
    let mut lzf_big = Vec::new();
    for i in 0..30_000u32 {
        lzf_big.extend_from_slice(
            format!("line {} of a long compressible text\n", i % 977).as_bytes(),
        );
    }
    w.key(0, b"lzfbig", &body(|o| put_string(o, &lzf_big, lzf_all())));
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    w.key(0, b"big", &body(|o| put_string(o, &big, StrOpts::RAW)));
    w.key(
        2,
        b"lzfset",
        &body(|o| put_string_seq(o, lzf_all(), &[[b'm'; 40], [b'n'; 40]])),
    );
    w.finish()
}

/// RDB 7 (3.2): quicklist v1 with LZF nodes, AUX, RESIZEDB.
fn v7() -> Vec<u8> {
    let mut w = RdbWriter::redis(7);
    w.aux(b"redis-ver", b"3.2.6");
    w.aux(b"redis-bits", b"64");
    w.select_db(0);
    w.resize_db(2, 0);
    let items: Vec<Vec<u8>> = (0..300).map(|i| format!("item-{i}").into_bytes()).collect();
    let nodes = ziplist_nodes(&items, 128).unwrap();
    w.key(14, b"ql", &body(|o| put_quicklist_v1(o, lzf_all(), &nodes)));
    w.key(
        3,
        b"oldz",
        &body(|o| put_zset_ascii(o, O, &[(&b"x"[..], 2.0)])),
    );
    w.finish()
}

fn stream_body(v: StreamVersion) -> Vec<u8> {
    let e = |ms, seq, deleted, f: Vec<(&'static [u8], &'static [u8])>| EntryIn {
        id: sid(ms, seq),
        deleted,
        fields: f,
    };
    let n1 = stream_node_listpack(&[
        e(1000, 0, false, vec![(b"a", b"1"), (b"b", b"2")]),
        e(1000, 1, true, vec![(b"a", b"3"), (b"b", b"4")]),
        e(1001, 0, false, vec![(b"c", b"x")]),
        e(1002, 5, false, vec![(b"a", b"5"), (b"b", b"6")]),
    ])
    .unwrap();
    let n2 = stream_node_listpack(&[
        e(2000, 7, false, vec![(b"k", b"v")]),
        e(2000, 6, false, vec![(b"k", b"w")]),
    ])
    .unwrap();
    let meta = StreamMeta {
        length: 5,
        last_id: sid(2000, 7),
        first_id: sid(1000, 0),
        max_deleted_id: sid(1000, 1),
        entries_added: 6,
    };
    let groups = vec![
        GroupIn {
            name: b"g1",
            last_id: sid(1001, 0),
            entries_read: 2,
            pel: vec![
                PelIn {
                    id: sid(1000, 0),
                    delivery_time_ms: 1_700_000_000_001,
                    delivery_count: 1,
                },
                PelIn {
                    id: sid(1001, 0),
                    delivery_time_ms: 1_700_000_000_002,
                    delivery_count: 3,
                },
            ],
            consumers: vec![
                ConsumerIn {
                    name: b"alice",
                    seen_time_ms: 1_700_000_000_010,
                    active_time_ms: 1_700_000_000_011,
                    pel: vec![sid(1000, 0)],
                },
                ConsumerIn {
                    name: b"bob",
                    seen_time_ms: 1_700_000_000_020,
                    active_time_ms: 1_700_000_000_021,
                    pel: vec![sid(1001, 0)],
                },
            ],
        },
        GroupIn {
            name: b"empty",
            last_id: sid(0, 0),
            entries_read: -1,
            pel: vec![],
            consumers: vec![],
        },
    ];
    body(|o| put_stream(o, O, v, &[n1, n2], &meta, &groups))
}

/// RDB 9 (5.0-6.2): ZSET_2, stream v1, IDLE/FREQ, module value + MODULE_AUX, 64-bit lengths.
fn v9() -> Vec<u8> {
    let mut w = RdbWriter::redis(9);
    w.aux(b"redis-ver", b"6.2.14");
    let id = module_type_id("MBbloom--", 2).unwrap();
    w.module_aux(
        id,
        AuxWhen::BeforeRdb,
        &[ModuleOp::Uint(7), ModuleOp::String(b"cfg")],
    );
    w.select_db(0);
    w.key(
        5,
        b"z2",
        &body(|o| {
            put_zset_binary(
                o,
                O,
                &[
                    (&b"a"[..], 0.1),
                    (b"b", f64::MAX),
                    (b"c", f64::NEG_INFINITY),
                    (b"d", -0.0),
                ],
            )
        }),
    );
    w.idle(12345);
    w.key(15, b"stream", &stream_body(StreamVersion::V1));
    w.freq(200);
    w.key(
        7,
        b"bloom",
        &body(|o| {
            put_module_value(
                o,
                O,
                id,
                &[
                    ModuleOp::Uint(1),
                    ModuleOp::Sint(-2),
                    ModuleOp::Float(1.5),
                    ModuleOp::Double(2.25),
                    ModuleOp::String(&[b'r'; 64]),
                ],
            )
        }),
    );
    w.key(
        2,
        b"long-len",
        &body(|o| {
            put_len_as(o, 2, LenForm::Bits64).unwrap();
            put_len_as(o, 1, LenForm::Bits32).unwrap();
            o.push(b'a');
            put_len_as(o, 1, LenForm::Bits14).unwrap();
            o.push(b'b');
        }),
    );
    w.module_aux(id, AuxWhen::AfterRdb, &[ModuleOp::Double(3.0)]);
    w.finish()
}

/// RDB 10 (7.0): listpack hash/zset, quicklist v2 with PLAIN and PACKED nodes, stream v2,
/// FUNCTION2.
fn v10() -> Vec<u8> {
    let mut w = RdbWriter::redis(10);
    w.function2(b"#!lua name=lib\nredis.register_function('f', function() return 1 end)");
    w.select_db(0);
    let lp = listpack_of(&[&b"f1"[..], b"v1", b"f2", b"123", b"f3", b"-4097"]).unwrap();
    w.key(16, b"hlp", &body(|o| put_blob_value(o, O.no_int(), &lp)));
    let zl = listpack_of(&[&b"m1"[..], b"1", b"m2", b"2.5", b"m3", b"-inf"]).unwrap();
    w.key(17, b"zlp", &body(|o| put_blob_value(o, O.no_int(), &zl)));
    let packed = listpack_of(&[&b"a"[..], b"bb", b"4096", b"-1"]).unwrap();
    let big = vec![b'P'; 9000];
    w.key(
        18,
        b"ql2",
        &body(|o| {
            put_quicklist_v2(
                o,
                O,
                &[
                    QuicklistNode::Packed(&packed),
                    QuicklistNode::Plain(&big),
                    QuicklistNode::Packed(&packed),
                ],
            )
        }),
    );
    w.key(19, b"s2", &stream_body(StreamVersion::V2));
    w.finish()
}

/// RDB 11 (7.2): set listpack, stream v3.
fn v11() -> Vec<u8> {
    let mut w = RdbWriter::redis(11);
    w.select_db(0);
    let lp = listpack_of(&[&b"a"[..], b"1", b"b"]).unwrap();
    w.key(20, b"slp", &body(|o| put_blob_value(o, O.no_int(), &lp)));
    w.key(21, b"s3", &stream_body(StreamVersion::V3));
    w.key(
        21,
        b"s3empty",
        &body(|o| put_stream(o, O, StreamVersion::V3, &[], &StreamMeta::default(), &[])),
    );
    w.finish()
}

/// RDB 12 (7.4): hash field TTL types 24 and 25, SLOT_INFO.
fn v12() -> Vec<u8> {
    let mut w = RdbWriter::redis(12);
    w.select_db(0);
    w.slot_info(866, 2, 1);
    let fields = [
        TtlField {
            field: b"a",
            value: b"1",
            expire_at_ms: Some(1_800_000_000_000),
        },
        TtlField {
            field: b"b",
            value: b"2",
            expire_at_ms: None,
        },
        TtlField {
            field: b"c",
            value: b"3",
            expire_at_ms: Some(1_800_000_000_500),
        },
    ];
    w.key(
        24,
        b"hmeta",
        &body(|o| put_hash_metadata(o, O, &fields).unwrap()),
    );
    w.key(
        25,
        b"hlpex",
        &body(|o| put_hash_listpack_ex(o, O, &fields).unwrap()),
    );
    w.finish()
}

/// VALKEY080: HASH_2 and SLOT_IMPORT.
fn valkey80() -> Vec<u8> {
    let mut w = RdbWriter::valkey(80);
    w.aux(b"valkey-ver", b"9.0.0");
    let mut imp = vec![0xF3];
    put_string(&mut imp, &[b'j'; 40], StrOpts::RAW);
    put_len(&mut imp, 2);
    for (a, b) in [(0u64, 100u64), (5000, 5460)] {
        put_len(&mut imp, a);
        put_len(&mut imp, b);
    }
    w.raw(&imp);
    w.select_db(0);
    let fields = [
        TtlField {
            field: b"a",
            value: b"1",
            expire_at_ms: Some(1_800_000_000_000),
        },
        TtlField {
            field: b"b",
            value: b"2",
            expire_at_ms: None,
        },
    ];
    w.key(22, b"h2", &body(|o| put_valkey_hash2(o, O, &fields)));
    w.finish()
}

/// All vectors that must parse, by name.
pub fn good() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("v1", v1()),
        ("v4", v4()),
        ("v6", v6()),
        ("v7", v7()),
        ("v9", v9()),
        ("v10", v10()),
        ("v11", v11()),
        ("v12", v12()),
        ("valkey80", valkey80()),
    ]
}

/// Vectors that must fail, with the expected error kind (Debug text prefix).
pub fn bad() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let with_crc = |v: u32, f: &dyn Fn(&mut RdbWriter)| {
        let mut w = RdbWriter::redis(v);
        f(&mut w);
        w.finish()
    };
    let mut crc_bad = v9();
    let n = crc_bad.len();
    crc_bad[n - 1] ^= 0x40;
    let mut nan = RdbWriter::redis(9);
    nan.key(
        5,
        b"z",
        &body(|o| put_zset_binary(o, O, &[(&b"a"[..], f64::NAN)])),
    );
    let mut nan3 = RdbWriter::redis(3);
    nan3.key(
        3,
        b"z",
        &body(|o| put_zset_ascii(o, O, &[(&b"a"[..], f64::NAN)])),
    );
    vec![
        ("rdb13", b"REDIS0013\xff".to_vec(), "UnsupportedVersion(13)"),
        (
            "valkey81",
            b"VALKEY081\xff".to_vec(),
            "UnsupportedVersion(81)",
        ),
        ("magic", b"RODIS0009\xff".to_vec(), "BadMagic"),
        (
            "type26",
            with_crc(12, &|w| {
                w.key(26, b"k", b"\x00");
            }),
            "UnsupportedType { rdb_type: 26, version: 12 }",
        ),
        (
            "keymeta",
            with_crc(12, &|w| {
                w.raw(b"\xf3\x00");
            }),
            "UnsupportedOpcode { opcode: 243, version: 12 }",
        ),
        (
            "fn-pre-ga",
            with_crc(10, &|w| {
                w.raw(b"\xf6\x00");
            }),
            "FunctionPreGa",
        ),
        (
            "module-pre-ga",
            with_crc(8, &|w| {
                w.key(6, b"m", b"\x00");
            }),
            "ModulePreGa",
        ),
        (
            "hash-pre-ga",
            with_crc(12, &|w| {
                w.key(22, b"h", b"\x00");
            }),
            "HashPreGa(22)",
        ),
        ("crc", crc_bad, "ChecksumMismatch"),
        ("nan", nan.finish(), "NanScore"),
        ("nan3", nan3.finish(), "NanScore"),
        (
            "badlen",
            with_crc(9, &|w| {
                w.key(2, b"s", b"\x82");
            }),
            "BadLength(130)",
        ),
        (
            "len64-v7",
            with_crc(7, &|w| {
                w.key(2, b"s", b"\x81\x00\x00\x00\x00\x00\x00\x00\x01\x01a");
            }),
            "BadLength(129)",
        ),
        (
            "container",
            with_crc(10, &|w| {
                w.key(18, b"l", b"\x01\x03\x01a");
            }),
            "BadContainer(3)",
        ),
        (
            "plain-empty",
            with_crc(10, &|w| {
                w.key(18, b"l", b"\x01\x01\x00");
            }),
            "EmptyNode",
        ),
        (
            "module-op",
            with_crc(9, &|w| {
                w.key(7, b"m", b"\x05\x09");
            }),
            "BadModuleOpcode(9)",
        ),
        (
            "huge",
            with_crc(9, &|w| {
                w.key(0, b"s", b"\x81\x7f\xff\xff\xff\xff\xff\xff\xff");
            }),
            "TooLarge",
        ),
        (
            "lzf-ratio",
            with_crc(9, &|w| {
                w.key(0, b"s", b"\xc3\x01\x80\x01\x00\x00\x00\x00");
            }),
            "Lzf",
        ),
        (
            "blob",
            with_crc(10, &|w| {
                w.key(16, b"h", b"\x03abc");
            }),
            "Blob",
        ),
    ]
}
