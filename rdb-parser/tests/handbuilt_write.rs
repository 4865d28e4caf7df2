//! Writer primitives and value bodies checked byte for byte against the layouts in the
//! spec digest (sections 1.5, 1.6, 1.8, 1.12, 2.5, 2.7, 2.8, 2.10) and the Redis sources.
#![allow(clippy::unwrap_used)]

use rdb_parser::encoding::{listpack, StreamId};
use rdb_parser::write::*;
use rdb_parser::Elem;

fn len_bytes(n: u64) -> Vec<u8> {
    let mut v = Vec::new();
    put_len(&mut v, n);
    v
}

#[test]
fn lengths_minimal_forms() {
    assert_eq!(len_bytes(0), [0x00]);
    assert_eq!(len_bytes(63), [0x3F]);
    assert_eq!(len_bytes(64), [0x40, 0x40]);
    assert_eq!(len_bytes(16383), [0x7F, 0xFF]);
    assert_eq!(len_bytes(16384), [0x80, 0, 0, 0x40, 0]);
    assert_eq!(len_bytes(u32::MAX as u64), [0x80, 0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(
        len_bytes(u32::MAX as u64 + 1),
        [0x81, 0, 0, 0, 1, 0, 0, 0, 0]
    );
    assert_eq!(
        len_bytes(u64::MAX),
        [0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
    );
}

#[test]
fn lengths_forced_forms() {
    let mut v = Vec::new();
    put_len_as(&mut v, 5, LenForm::Bits14).unwrap();
    put_len_as(&mut v, 5, LenForm::Bits32).unwrap();
    put_len_as(&mut v, 5, LenForm::Bits64).unwrap();
    assert_eq!(v, [0x40, 5, 0x80, 0, 0, 0, 5, 0x81, 0, 0, 0, 0, 0, 0, 0, 5]);
    assert!(put_len_as(&mut v, 64, LenForm::Bits6).is_err());
    assert!(put_len_as(&mut v, 16384, LenForm::Bits14).is_err());
    assert!(put_len_as(&mut v, 1 << 32, LenForm::Bits32).is_err());
}

fn string_bytes(s: &[u8], opts: StrOpts) -> Vec<u8> {
    let mut v = Vec::new();
    put_string(&mut v, s, opts);
    v
}

#[test]
fn strings_int_encoding_only_when_canonical() {
    let d = StrOpts::default();
    assert_eq!(string_bytes(b"0", d), [0xC0, 0]);
    assert_eq!(string_bytes(b"-128", d), [0xC0, 0x80]);
    assert_eq!(string_bytes(b"127", d), [0xC0, 0x7F]);
    assert_eq!(string_bytes(b"128", d), [0xC1, 0x80, 0x00]);
    assert_eq!(string_bytes(b"-32768", d), [0xC1, 0x00, 0x80]);
    assert_eq!(string_bytes(b"32768", d), [0xC2, 0x00, 0x80, 0, 0]);
    assert_eq!(
        string_bytes(b"2147483647", d),
        [0xC2, 0xFF, 0xFF, 0xFF, 0x7F]
    );
    assert_eq!(string_bytes(b"-2147483648", d), [0xC2, 0, 0, 0, 0x80]);
    // outside int32, or not canonical: text
    assert_eq!(string_bytes(b"2147483648", d)[0], 10);
    for s in [&b"007"[..], b"+1", b"-0", b" 1", b"1 "] {
        assert_eq!(string_bytes(s, d), [&[s.len() as u8][..], s].concat());
    }
    assert_eq!(string_bytes(b"12", StrOpts::RAW), b"\x0212");
}

#[test]
fn strings_lzf_rules() {
    let d = StrOpts::default();
    let long = vec![b'a'; 100];
    let v = string_bytes(&long, d);
    assert_eq!(v[0], 0xC3);
    // clen, ulen, data
    let clen = v[1] as usize;
    assert_eq!(&v[2..4], &[0x40, 100]);
    assert_eq!(v.len(), 4 + clen);
    assert_eq!(lzf::decompress(&v[4..], 100).unwrap(), long);
    // 20 bytes: never compressed under Auto; Force compresses
    let twenty = vec![b'b'; 20];
    assert_eq!(string_bytes(&twenty, d)[0], 20);
    assert_eq!(string_bytes(&twenty, d.with_lzf(Lzf::Force))[0], 0xC3);
    assert_eq!(
        &string_bytes(&long, d.with_lzf(Lzf::Never))[..2],
        &[0x40, 100]
    );
    // incompressible data stays raw
    let noise: Vec<u8> = (0..200u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let v = string_bytes(&noise, d);
    assert_eq!(&v[..2], &[0x40, 200]);
    let mut v = Vec::new();
    assert!(!put_lzf_string(&mut v, b""));
    assert_eq!(v, [0]);
    // forced LZF of incompressible data is legal (it grows a little)
    let mut v = Vec::new();
    assert!(put_lzf_string(&mut v, b"x"));
    assert_eq!(v, [0xC3, 2, 1, 0, b'x']);
    let mut v = Vec::new();
    assert!(put_lzf_string(&mut v, &noise));
    assert_eq!(v[0], 0xC3);
}

#[test]
fn doubles() {
    let mut v = Vec::new();
    put_binary_double(&mut v, 1.5);
    assert_eq!(v, 1.5f64.to_le_bytes());
    for (x, want) in [
        (f64::NAN, &b"\xfd"[..]),
        (f64::INFINITY, b"\xfe"),
        (f64::NEG_INFINITY, b"\xff"),
        (1.5, b"\x031.5"),
        (3.0, b"\x013"),
        (-0.0, b"\x02-0"),
        (5e-324, b"\x174.9406564584124654e-324"),
        (0.1, b"\x130.10000000000000001"),
    ] {
        let mut v = Vec::new();
        put_ascii_double(&mut v, x);
        assert_eq!(v, want, "{x}");
    }
    for x in [f64::MAX, f64::MIN, 1e300, 1.0 / 3.0, f64::MIN_POSITIVE] {
        let mut v = Vec::new();
        put_ascii_double(&mut v, x);
        assert_eq!(v[0] as usize, v.len() - 1);
        let back: f64 = std::str::from_utf8(&v[1..]).unwrap().parse().unwrap();
        assert_eq!(back.to_bits(), x.to_bits());
    }
    let mut v = Vec::new();
    put_ascii_double_text(&mut v, b"0.10000000000000001").unwrap();
    assert_eq!(v[0], 19);
    assert!(put_ascii_double_text(&mut v, &[b'1'; 253]).is_err());
}

#[test]
fn score_text_is_c_percent_17g() {
    // Expected strings are what glibc's printf("%.17g") / Redis's d2string print.
    for (v, want) in [
        (0.0f64, "0"),
        (-0.0, "-0"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (1.0, "1"),
        (-3.0, "-3"),
        (4503599627370495.0, "4503599627370495"),
        (-4503599627370494.0, "-4503599627370494"),
        (4503599627370496.0, "4503599627370496"),
        (1e16, "10000000000000000"),
        (1e17, "1e+17"),
        (123456789012345680.0, "1.2345678901234568e+17"),
        (1.5, "1.5"),
        (-2.5, "-2.5"),
        (0.1, "0.10000000000000001"),
        (0.0001, "0.0001"),
        (0.00001, "1.0000000000000001e-05"),
        (123.456, "123.456"),
        (1.0 / 3.0, "0.33333333333333331"),
        (1e300, "1.0000000000000001e+300"),
        (f64::MAX, "1.7976931348623157e+308"),
        (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
        (5e-324, "4.9406564584124654e-324"),
    ] {
        assert_eq!(score_text(v).as_deref(), Some(want), "{v:e}");
    }
    assert_eq!(score_text(f64::NAN), None);
    // every finite double round-trips through the text
    let mut x: u64 = 0x1234_5678_9ABC_DEF1;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let v = f64::from_bits(x);
        if v.is_nan() {
            continue;
        }
        let t = score_text(v).unwrap();
        let back = rdb_parser::encoding::parse_score_text(t.as_bytes()).unwrap();
        assert_eq!(back.to_bits(), v.to_bits(), "{t}");
    }
}

#[test]
fn module_ids() {
    assert_eq!(module_type_id("ReJSON-RL", 3).unwrap(), 0x45E25238DF912C03);
    assert_eq!(module_type_id("MBbloom--", 2).unwrap(), 0x3016E5A289BEF802);
    assert!(module_type_id("short", 1).is_err());
    assert!(module_type_id("bad name!", 1).is_err());
    assert!(module_type_id("ReJSON-RL", 1024).is_err());
}

#[test]
fn module_value_layout() {
    let id = module_type_id("hello-mod", 5).unwrap();
    let mut v = Vec::new();
    put_module_value(
        &mut v,
        StrOpts::RAW,
        id,
        &[
            ModuleOp::Uint(7),
            ModuleOp::Sint(-1),
            ModuleOp::Float(1.5),
            ModuleOp::Double(-2.25),
            ModuleOp::String(b"hi"),
        ],
    );
    let mut want = vec![0x81];
    want.extend_from_slice(&id.to_be_bytes());
    want.extend_from_slice(&[2, 7]);
    want.extend_from_slice(&[1, 0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
    want.push(3);
    want.extend_from_slice(&1.5f32.to_le_bytes());
    want.push(4);
    want.extend_from_slice(&(-2.25f64).to_le_bytes());
    want.extend_from_slice(&[5, 2, b'h', b'i', 0]);
    assert_eq!(v, want);

    let mut aux = Vec::new();
    put_module_aux_body(
        &mut aux,
        StrOpts::RAW,
        id,
        AuxWhen::AfterRdb,
        &[ModuleOp::Uint(1)],
    );
    assert_eq!(&aux[9..], &[2, 2, 2, 1, 0]);
}

#[test]
fn quicklist_layouts() {
    let lp = listpack_of(&["a"]).unwrap();
    let mut v = Vec::new();
    put_quicklist_v2(
        &mut v,
        StrOpts::RAW,
        &[QuicklistNode::Packed(&lp), QuicklistNode::Plain(b"big")],
    );
    // 2 nodes; container 2 + listpack string; container 1 + plain string
    let mut want = vec![2, 2, lp.len() as u8];
    want.extend_from_slice(&lp);
    want.extend_from_slice(&[1, 3, b'b', b'i', b'g']);
    assert_eq!(v, want);
    // A PLAIN node holding "12" must stay a string, not become INT8.
    let mut v = Vec::new();
    put_quicklist_v2(&mut v, StrOpts::default(), &[QuicklistNode::Plain(b"12")]);
    assert_eq!(v, [1, 1, 2, b'1', b'2']);
    // zero-length node data is refused by Redis: written as equivalent PACKED nodes
    let mut v = Vec::new();
    put_quicklist_v2(
        &mut v,
        StrOpts::RAW,
        &[QuicklistNode::Plain(b""), QuicklistNode::Packed(b"")],
    );
    let one_empty = listpack_of(&[""]).unwrap();
    let none = ListpackBuilder::new().finish().unwrap();
    let mut want = vec![2, 2, one_empty.len() as u8];
    want.extend_from_slice(&one_empty);
    want.extend_from_slice(&[2, none.len() as u8]);
    want.extend_from_slice(&none);
    assert_eq!(v, want);

    let nodes = ziplist_nodes(&["a", "b", "c"], 2).unwrap();
    assert_eq!(nodes.len(), 2);
    let mut v = Vec::new();
    put_quicklist_v1(&mut v, StrOpts::RAW, &nodes);
    assert_eq!(v[0], 2);
    assert_eq!(listpack_nodes(&["a", "b", "c"], 1).unwrap().len(), 3);
}

#[test]
fn hash_field_ttl_layouts() {
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
            value: b"v3",
            expire_at_ms: Some(1_700_000_000_600),
        },
    ];
    // Type 24: minExpire, len, then (ttl, field, value), ttl = expireAt - min + 1.
    let mut v = Vec::new();
    put_hash_metadata(&mut v, StrOpts::RAW, &fields).unwrap();
    let mut want = 1_700_000_000_500i64.to_le_bytes().to_vec();
    want.push(3);
    want.extend_from_slice(b"\x00\x04keep\x02v1");
    want.extend_from_slice(b"\x01\x04soon\x02v2");
    want.extend_from_slice(b"\x40\x65\x05later\x02v3");
    assert_eq!(v, want);

    // Type 25: triplets sorted by expiry, no-TTL fields last with expireAt 0.
    let blob = hash_listpack_ex_blob(&fields).unwrap();
    let t: Vec<_> = listpack(&blob).unwrap().map(Result::unwrap).collect();
    assert_eq!(
        t,
        [
            Elem::Bytes(b"soon"),
            Elem::Bytes(b"v2"),
            Elem::Int(1_700_000_000_500),
            Elem::Bytes(b"later"),
            Elem::Bytes(b"v3"),
            Elem::Int(1_700_000_000_600),
            Elem::Bytes(b"keep"),
            Elem::Bytes(b"v1"),
            Elem::Int(0),
        ]
    );
    let mut v = Vec::new();
    put_hash_listpack_ex(&mut v, StrOpts::RAW, &fields).unwrap();
    assert_eq!(&v[..8], &1_700_000_000_500i64.to_le_bytes());

    // Valkey HASH_2: field, value, int64 LE expiry, -1 = none.
    let mut v = Vec::new();
    put_valkey_hash2(&mut v, StrOpts::RAW, &fields[..2]);
    let mut want = vec![2];
    want.extend_from_slice(b"\x04keep\x02v1");
    want.extend_from_slice(&(-1i64).to_le_bytes());
    want.extend_from_slice(b"\x04soon\x02v2");
    want.extend_from_slice(&1_700_000_000_500i64.to_le_bytes());
    assert_eq!(v, want);

    // expiries out of Redis's range are refused
    let bad = [TtlField {
        field: b"f",
        value: b"v",
        expire_at_ms: Some(1 << 48),
    }];
    assert!(put_hash_metadata(&mut Vec::new(), StrOpts::RAW, &bad).is_err());
}

#[test]
fn stream_outer_layouts() {
    let entries = [EntryIn {
        id: StreamId { ms: 1, seq: 1 },
        deleted: false,
        fields: vec![(b"f", b"v")],
    }];
    let (master, lp) = stream_node_listpack(&entries).unwrap();
    let meta = StreamMeta {
        length: 1,
        last_id: StreamId { ms: 1, seq: 1 },
        first_id: StreamId { ms: 1, seq: 1 },
        max_deleted_id: StreamId::default(),
        entries_added: 1,
    };
    let groups = [GroupIn {
        name: b"g",
        last_id: StreamId { ms: 1, seq: 1 },
        entries_read: -1,
        pel: vec![PelIn {
            id: StreamId { ms: 1, seq: 1 },
            delivery_time_ms: 1000,
            delivery_count: 2,
        }],
        consumers: vec![ConsumerIn {
            name: b"c",
            seen_time_ms: 2000,
            active_time_ms: 3000,
            pel: vec![StreamId { ms: 1, seq: 1 }],
        }],
    }];
    let mut sizes = Vec::new();
    for ver in [StreamVersion::V1, StreamVersion::V2, StreamVersion::V3] {
        let mut v = Vec::new();
        put_stream(
            &mut v,
            StrOpts::RAW,
            ver,
            &[(master, lp.clone())],
            &meta,
            &groups,
        );
        // node key is a 16-byte string of the BE master ID
        assert_eq!(&v[..3], &[1, 16, 0]);
        assert_eq!(&v[2..18], &master.to_be_bytes());
        if ver >= StreamVersion::V2 {
            // entries_read -1 is written as 0x81 + 8 x 0xFF
            let m: Vec<u8> = [0x81].into_iter().chain([0xFF; 8]).collect();
            assert!(v.windows(9).any(|w| w == m.as_slice()));
        }
        sizes.push(v.len());
    }
    // v2 adds 5 one-byte lens + 9-byte entries_read; v3 adds an 8-byte active time.
    assert_eq!(sizes[1], sizes[0] + 5 + 9);
    assert_eq!(sizes[2], sizes[1] + 8);
    assert_eq!(StreamVersion::V3.type_byte(), 21);
}

#[test]
fn rdb_writer_flushing_gives_the_same_file() {
    let build = |flush_every: Option<usize>| {
        let mut out = Vec::new();
        let mut w = RdbWriter::redis(11);
        w.aux(b"redis-ver", b"7.2.4").select_db(0);
        for i in 0..200u32 {
            w.string_key(format!("key:{i}").as_bytes(), &i.to_le_bytes());
            if let Some(n) = flush_every {
                if i as usize % n == 0 {
                    w.flush_to(&mut out).unwrap();
                    assert_eq!(w.buffered(), 0);
                }
            }
        }
        w.string_key_header(b"big", 6).raw(b"abc").raw(b"def");
        let len = w.len();
        out.extend_from_slice(&w.finish());
        assert_eq!(out.len() as u64, len + 9);
        out
    };
    let whole = build(None);
    assert_eq!(build(Some(1)), whole);
    assert_eq!(build(Some(17)), whole);
    assert_eq!(
        rdb_parser::crc64(&whole[..whole.len() - 8]).to_le_bytes(),
        whole[whole.len() - 8..]
    );
    // version < 5: no trailer
    let old = RdbWriter::redis(4).finish();
    assert_eq!(old, b"REDIS0004\xff");
    let valkey = RdbWriter::valkey(80).finish_with_checksum(0);
    assert_eq!(&valkey[..10], b"VALKEY080\xff");
    assert_eq!(&valkey[10..], &[0; 8]);
}

#[test]
fn packed_format_conversions() {
    let items = [
        "a",
        "0",
        "12",
        "13",
        "-1",
        "127",
        "128",
        "-4096",
        "4096",
        "32768",
        "8388608",
        "2147483648",
        "-9223372036854775808",
        "",
        "007",
    ];
    let mut long = items.map(String::from).to_vec();
    long.push("x".repeat(70_000));
    let lp = listpack_of(&long).unwrap();
    let zl = ziplist_of(&long).unwrap();
    assert_eq!(ziplist_from_listpack(&lp).unwrap(), zl);
    assert_eq!(listpack_from_ziplist(&zl).unwrap(), lp);
    let mut bad = lp.clone();
    bad[0] ^= 1;
    assert!(matches!(
        ziplist_from_listpack(&bad),
        Err(WriteError::Blob(_))
    ));
}

#[test]
fn push_score_rules() {
    let mut lp = ListpackBuilder::new();
    let mut zl = ZiplistBuilder::new();
    let scores = [
        0.0,
        -0.0,
        1e17,
        4611686018427387904.0,
        9223372036854775808.0,
        0.5,
        -7.0,
    ];
    for s in scores {
        lp.push_score(s).unwrap();
        zl.push_score(s).unwrap();
    }
    assert!(lp.push_score(f64::NAN).is_err());
    assert!(zl.push_score(f64::NAN).is_err());
    let lp = lp.finish().unwrap();
    let got: Vec<Elem<'_>> = listpack(&lp).unwrap().map(Result::unwrap).collect();
    assert_eq!(
        got,
        [
            Elem::Int(0),
            Elem::Bytes(b"-0"),
            Elem::Int(100_000_000_000_000_000),
            Elem::Int(4611686018427387904),
            Elem::Bytes(b"9.2233720368547758e+18"),
            Elem::Bytes(b"0.5"),
            Elem::Int(-7),
        ]
    );
    let zl = zl.finish().unwrap();
    let got: Vec<Vec<u8>> = rdb_parser::encoding::ziplist(&zl)
        .unwrap()
        .map(|e| e.unwrap().to_vec())
        .collect();
    let want: Vec<&[u8]> = vec![
        b"0",
        b"-0",
        b"1e+17",
        b"4.6116860184273879e+18",
        b"9.2233720368547758e+18",
        b"0.5",
        b"-7",
    ];
    assert_eq!(got, want);
}
