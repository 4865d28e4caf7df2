//! Encoding-level tests: fixed byte vectors from the spec digest and the Redis sources,
//! writer -> decoder round trips at every size/width boundary, corrupt blobs, and
//! property tests (round trips; random mutations never panic and never loop).
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use rdb_parser::encoding::{
    intset, listpack, parse_score_text, score_from_elem, stream_node, ziplist, zipmap,
    BlobErrorKind as K, ElemIter, StreamId,
};
use rdb_parser::write::{
    intset_of, intset_with_width, listpack_of, stream_node_listpack, ziplist_of, EntryIn,
    ListpackBuilder, ZiplistBuilder, ZipmapBuilder,
};
use rdb_parser::Elem;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn texts<'a, I: Iterator<Item = Result<Elem<'a>, rdb_parser::encoding::BlobError>>>(
    it: I,
) -> Vec<Vec<u8>> {
    it.map(|e| e.unwrap().to_vec()).collect()
}

fn err_kind<'a, I: Iterator<Item = Result<Elem<'a>, rdb_parser::encoding::BlobError>>>(it: I) -> K {
    for e in it {
        if let Err(e) = e {
            return e.kind;
        }
    }
    panic!("expected an error")
}

/// Integers at every encoding boundary of ziplists and listpacks.
fn boundary_ints() -> Vec<i64> {
    let mut v = vec![
        0,
        1,
        12,
        13,
        -1,
        127,
        128,
        -128,
        -129,
        4095,
        4096,
        -4096,
        -4097,
        32767,
        32768,
        -32768,
        -32769,
        8388607,
        8388608,
        -8388608,
        -8388609,
        2147483647,
        2147483648,
        -2147483648,
        -2147483649,
        i64::MAX,
        i64::MIN,
    ];
    v.extend((-20..20).collect::<Vec<_>>());
    v
}

// ---------------------------------------------------------------------------------------
// Ziplist

#[test]
fn ziplist_spec_vector() {
    let blob = hex("0f000000 0c000000 0200 00f3 02f6 ff");
    let it = ziplist(&blob).unwrap();
    assert_eq!(it.count_hint(), Some(2));
    assert_eq!(texts(it), [b"2".to_vec(), b"5".to_vec()]);
}

#[test]
fn ziplist_every_int_width_round_trips() {
    let ints = boundary_ints();
    let strs: Vec<String> = ints.iter().map(|i| i.to_string()).collect();
    let blob = ziplist_of(&strs).unwrap();
    let got: Vec<Elem<'_>> = ziplist(&blob).unwrap().map(Result::unwrap).collect();
    assert_eq!(got, ints.iter().map(|&i| Elem::Int(i)).collect::<Vec<_>>());
}

#[test]
fn ziplist_int_encodings_are_the_expected_bytes() {
    // (value, encoding byte Redis picks)
    for (v, enc) in [
        (0i64, 0xF1u8),
        (12, 0xFD),
        (13, 0xFE),
        (-128, 0xFE),
        (-129, 0xC0),
        (32767, 0xC0),
        (32768, 0xF0),
        (-8388608, 0xF0),
        (8388608, 0xD0),
        (2147483648, 0xE0),
    ] {
        let mut b = ZiplistBuilder::new();
        b.push_int(v);
        let blob = b.finish().unwrap();
        assert_eq!(blob[11], enc, "{v}");
        assert_eq!(
            ziplist(&blob).unwrap().next().unwrap().unwrap(),
            Elem::Int(v)
        );
    }
}

#[test]
fn ziplist_string_lengths_and_prevlen_forms() {
    for len in [0usize, 1, 63, 64, 253, 254, 255, 16383, 16384, 70000] {
        let s = vec![b'x'; len];
        for large in [false, true] {
            let mut b = ZiplistBuilder::new().force_large_prevlen(large);
            b.push_str(&s);
            b.push_str(b"after");
            b.push_int(7);
            let blob = b.finish().unwrap();
            let got = texts(ziplist(&blob).unwrap());
            assert_eq!(got, [s.clone(), b"after".to_vec(), b"7".to_vec()], "{len}");
        }
    }
    // 14-bit length is big-endian: 0x40|hi, lo.
    let mut b = ZiplistBuilder::new();
    b.push_str(&[b'a'; 300]);
    let blob = b.finish().unwrap();
    assert_eq!(&blob[11..13], &[0x41, 0x2C]);
    // 32-bit length is big-endian after 0x80.
    let mut b = ZiplistBuilder::new();
    b.push_str(&[b'a'; 16384]);
    let blob = b.finish().unwrap();
    assert_eq!(&blob[11..16], &[0x80, 0, 0, 0x40, 0]);
}

#[test]
fn ziplist_five_byte_prevlen_with_small_value() {
    let mut b = ZiplistBuilder::new().force_large_prevlen(true);
    b.push(b"a");
    b.push(b"b");
    let blob = b.finish().unwrap();
    // second entry starts with FE 07000000: prevlen 7 (= 5 + 1 + 1) in the large form
    let second = 10 + 5 + 2;
    assert_eq!(&blob[second..second + 5], &[0xFE, 7, 0, 0, 0]);
    assert_eq!(
        texts(ziplist(&blob).unwrap()),
        [b"a".to_vec(), b"b".to_vec()]
    );
}

#[test]
fn ziplist_unknown_count_and_empty() {
    let mut b = ZiplistBuilder::new().unknown_count(true);
    b.push(b"x");
    let blob = b.finish().unwrap();
    let it = ziplist(&blob).unwrap();
    assert_eq!(it.count_hint(), None);
    assert_eq!(texts(it), [b"x".to_vec()]);
    let empty = ZiplistBuilder::new().finish().unwrap();
    assert_eq!(ziplist(&empty).unwrap().count(), 0);
}

#[test]
fn ziplist_corruptions_are_caught() {
    let good = ziplist_of(&["aa", "bbb", "1234", "cc"]).unwrap();
    assert!(ziplist(&good).unwrap().all(|r| r.is_ok()));
    // size field
    let mut b = good.clone();
    b[0] ^= 1;
    assert!(matches!(
        ziplist(&b).unwrap_err().kind,
        K::SizeMismatch { .. }
    ));
    // tail offset points elsewhere
    let mut b = good.clone();
    b[4] -= 1;
    assert!(matches!(err_kind(ziplist(&b).unwrap()), K::BadTail { .. }));
    // count
    let mut b = good.clone();
    b[8] = 5;
    assert!(matches!(
        err_kind(ziplist(&b).unwrap()),
        K::CountMismatch { .. }
    ));
    // prevlen of the second entry
    let mut b = good.clone();
    b[14] ^= 1;
    assert!(matches!(
        err_kind(ziplist(&b).unwrap()),
        K::BadPrevlen { .. }
    ));
    // end marker
    let mut b = good.clone();
    let n = b.len();
    b[n - 1] = 0;
    assert_eq!(ziplist(&b).unwrap_err().kind, K::MissingEnd);
    // string length running past the end
    let mut b = good.clone();
    b[11] = 0x3F;
    assert!(ziplist(&b).unwrap().any(|r| r.is_err()));
    // bad int encoding
    let mut b = ZiplistBuilder::new();
    b.push_int(1000);
    let mut b = b.finish().unwrap();
    b[11] = 0xC8;
    assert_eq!(
        err_kind(ziplist(&b).unwrap()),
        K::BadEncoding { byte: 0xC8 }
    );
    assert_eq!(ziplist(&[0u8; 5]).unwrap_err().kind, K::TooShort);
}

#[test]
fn ziplist_iterator_is_fused() {
    let mut b = ziplist_of(&["a", "b"]).unwrap();
    b[8] = 9; // wrong count: error at the end
    let mut it = ziplist(&b).unwrap();
    assert!(it.next().unwrap().is_ok());
    assert!(it.next().unwrap().is_ok());
    assert!(it.next().unwrap().is_err());
    assert!(it.next().is_none());
    assert!(it.next().is_none());
}

// ---------------------------------------------------------------------------------------
// Listpack

#[test]
fn listpack_spec_vector() {
    let blob = hex("15000000 0400 826631 03 827631 03 826632 03 7b01 ff");
    let it = listpack(&blob).unwrap();
    assert_eq!(it.count_hint(), Some(4));
    let pairs: Vec<_> = it.pairs().map(Result::unwrap).collect();
    assert_eq!(
        pairs,
        [
            (Elem::Bytes(b"f1"), Elem::Bytes(b"v1")),
            (Elem::Bytes(b"f2"), Elem::Int(123))
        ]
    );
    assert_eq!(listpack_of(&["f1", "v1", "f2", "123"]).unwrap(), blob);
}

#[test]
fn listpack_every_int_width_round_trips() {
    let ints = boundary_ints();
    let strs: Vec<String> = ints.iter().map(|i| i.to_string()).collect();
    let blob = listpack_of(&strs).unwrap();
    let got: Vec<Elem<'_>> = listpack(&blob).unwrap().map(Result::unwrap).collect();
    assert_eq!(got, ints.iter().map(|&i| Elem::Int(i)).collect::<Vec<_>>());
}

#[test]
fn listpack_int_encodings_are_the_expected_bytes() {
    for (v, bytes) in [
        (0i64, vec![0x00]),
        (127, vec![0x7F]),
        (128, vec![0xC0, 0x80]),
        (-1, vec![0xDF, 0xFF]),
        (4095, vec![0xCF, 0xFF]),
        (-4096, vec![0xD0, 0x00]),
        (4096, vec![0xF1, 0x00, 0x10]),
        (-32769, vec![0xF2, 0xFF, 0x7F, 0xFF]),
        (8388608, vec![0xF3, 0x00, 0x00, 0x80, 0x00]),
        (2147483648, vec![0xF4, 0, 0, 0, 0x80, 0, 0, 0, 0]),
    ] {
        let mut b = ListpackBuilder::new();
        b.push_int(v);
        let blob = b.finish().unwrap();
        assert_eq!(&blob[6..6 + bytes.len()], &bytes[..], "{v}");
        assert_eq!(
            blob[6 + bytes.len()] as usize,
            bytes.len(),
            "backlen of {v}"
        );
        assert_eq!(
            listpack(&blob).unwrap().next().unwrap().unwrap(),
            Elem::Int(v)
        );
    }
}

#[test]
fn listpack_string_and_backlen_edge_sizes() {
    // Entry sizes (encoding + data) around every back-length threshold:
    // 6-bit strings: 1 + n; 12-bit: 2 + n; 32-bit: 5 + n.
    for n in [
        0usize, 1, 63, 64, 125, 126, 127, 4095, 4096, 16377, 16378, 16379, 16380, 2_097_145,
        2_097_146, 2_097_147,
    ] {
        let s = vec![b'q'; n];
        let mut b = ListpackBuilder::new();
        b.push_str(&s);
        b.push_str(b"z");
        let blob = b.finish().unwrap();
        let got = texts(listpack(&blob).unwrap());
        assert_eq!(got.len(), 2, "{n}");
        assert_eq!(got[0], s, "{n}");
        assert_eq!(got[1], b"z", "{n}");
    }
    // 12-bit length is high-nibble-first.
    let mut b = ListpackBuilder::new();
    b.push_str(&[b'a'; 300]);
    let blob = b.finish().unwrap();
    assert_eq!(&blob[6..8], &[0xE1, 0x2C]);
    // entry length 302 -> backlen 02 AE
    assert_eq!(&blob[6 + 302..6 + 304], &[0x02, 0xAE]);
    // 32-bit length is little-endian.
    let mut b = ListpackBuilder::new();
    b.push_str(&[b'a'; 4096]);
    let blob = b.finish().unwrap();
    assert_eq!(&blob[6..11], &[0xF0, 0x00, 0x10, 0, 0]);
}

#[test]
fn listpack_corruptions_are_caught() {
    let good = listpack_of(&["aa", "bbb", "1234", "cc"]).unwrap();
    let mut b = good.clone();
    b[1] ^= 1;
    assert!(matches!(
        listpack(&b).unwrap_err().kind,
        K::SizeMismatch { .. }
    ));
    let mut b = good.clone();
    b[4] = 3;
    assert!(matches!(
        err_kind(listpack(&b).unwrap()),
        K::CountMismatch { .. }
    ));
    // corrupt the first backlen (entry "aa" = 82 61 61 | 03)
    let mut b = good.clone();
    b[9] = 4;
    assert!(matches!(
        err_kind(listpack(&b).unwrap()),
        K::BadBacklen { .. }
    ));
    let mut b = good.clone();
    b[6] = 0xF5;
    assert_eq!(
        err_kind(listpack(&b).unwrap()),
        K::BadEncoding { byte: 0xF5 }
    );
    let mut b = good.clone();
    let n = b.len();
    b[n - 1] = 0x01;
    assert_eq!(listpack(&b).unwrap_err().kind, K::MissingEnd);
    // an odd number of elements cannot be paired
    let odd = listpack_of(&["a", "b", "c"]).unwrap();
    let mut pairs = listpack(&odd).unwrap().pairs();
    assert!(pairs.next().unwrap().is_ok());
    assert_eq!(
        pairs.next().unwrap().unwrap_err().kind,
        K::IncompleteGroup { group: 2 }
    );
    assert!(pairs.next().is_none());
}

#[test]
fn listpack_unknown_count() {
    let items: Vec<String> = (0..70_000).map(|i| i.to_string()).collect();
    let blob = listpack_of(&items).unwrap();
    let it = listpack(&blob).unwrap();
    assert_eq!(it.count_hint(), None);
    assert_eq!(it.count(), 70_000);
}

#[test]
fn triples_group_field_value_ttl() {
    let blob = listpack_of(&["f1", "v1", "0", "f2", "v2", "1700000000000"]).unwrap();
    let t: Vec<_> = listpack(&blob)
        .unwrap()
        .triples()
        .map(Result::unwrap)
        .collect();
    assert_eq!(t[1].2, Elem::Int(1_700_000_000_000));
    let bad = listpack_of(&["f1", "v1", "0", "f2"]).unwrap();
    assert!(listpack(&bad).unwrap().triples().any(|r| r.is_err()));
}

// ---------------------------------------------------------------------------------------
// Intset

#[test]
fn intset_spec_vector_and_widths() {
    let blob = hex("04000000 03000000 01000000 02000000 e0930400");
    let it = intset(&blob).unwrap();
    assert_eq!(it.len(), 3);
    assert_eq!(
        texts(it),
        [b"1".to_vec(), b"2".to_vec(), b"300000".to_vec()]
    );
    assert_eq!(intset_of(&[300000, 1, 2, 2]).unwrap(), blob);
    for (vals, width) in [
        (vec![-32768i64, 0, 32767], 2usize),
        (vec![-32769, 32767], 4),
        (vec![i32::MIN as i64, i32::MAX as i64], 4),
        (vec![i32::MAX as i64 + 1], 8),
        (vec![i64::MIN, -1, i64::MAX], 8),
    ] {
        let blob = intset_of(&vals).unwrap();
        let it = intset(&blob).unwrap();
        assert_eq!(it.width(), width, "{vals:?}");
        let got: Vec<Elem<'_>> = it.map(Result::unwrap).collect();
        assert_eq!(got, vals.iter().map(|&v| Elem::Int(v)).collect::<Vec<_>>());
    }
    // a wider encoding than needed is legal
    let wide = intset_with_width(&[1, 2], 8).unwrap();
    assert_eq!(intset(&wide).unwrap().count(), 2);
    assert!(intset_with_width(&[70000], 2).is_err());
    assert!(intset_of(&[]).is_err());
}

#[test]
fn intset_corruptions_are_caught() {
    let good = intset_of(&[1, 2, 3]).unwrap();
    let mut b = good.clone();
    b[0] = 3;
    assert_eq!(
        intset(&b).unwrap_err().kind,
        K::BadIntsetEncoding { encoding: 3 }
    );
    let mut b = good.clone();
    b[4] = 4;
    assert!(matches!(
        intset(&b).unwrap_err().kind,
        K::SizeMismatch { .. }
    ));
    let empty = hex("02000000 00000000");
    assert_eq!(intset(&empty).unwrap_err().kind, K::Empty);
    let unsorted = hex("02000000 02000000 0200 0100");
    assert_eq!(err_kind(intset(&unsorted).unwrap()), K::NotAscending);
    let dup = hex("02000000 02000000 0200 0200");
    assert_eq!(err_kind(intset(&dup).unwrap()), K::NotAscending);
    assert_eq!(intset(&[2, 0, 0]).unwrap_err().kind, K::TooShort);
    // a length whose byte size overflows u32 arithmetic
    let huge = hex("08000000 ffffffff");
    assert!(matches!(
        intset(&huge).unwrap_err().kind,
        K::SizeMismatch { .. }
    ));
}

// ---------------------------------------------------------------------------------------
// Zipmap

#[test]
fn zipmap_layouts() {
    // Hand-built per zipmap.c: zmlen, klen "foo", vlen free "bar"; second pair has 2
    // free bytes after its value.
    let blob = b"\x02\x03foo\x03\x00bar\x05hello\x05\x02world\xaa\xaa\xff";
    let it = zipmap(blob).unwrap();
    assert_eq!(it.count_hint(), Some(2));
    let pairs: Vec<_> = it.map(Result::unwrap).collect();
    assert_eq!(
        pairs,
        [
            (Elem::Bytes(b"foo"), Elem::Bytes(b"bar")),
            (Elem::Bytes(b"hello"), Elem::Bytes(b"world"))
        ]
    );
    // Big lengths: 0xFE + u32 LE; count 254 = unknown.
    let long_key = vec![b'k'; 300];
    let long_val = vec![b'v'; 254];
    let mut b = ZipmapBuilder::new().unknown_count(true);
    b.push(&long_key, &long_val).unwrap();
    b.push_with_free(b"", b"", 3).unwrap();
    let blob = b.finish().unwrap();
    assert_eq!(&blob[..6], &[254, 0xFE, 0x2C, 0x01, 0, 0]);
    let it = zipmap(&blob).unwrap();
    assert_eq!(it.count_hint(), None);
    let pairs: Vec<_> = it.map(Result::unwrap).collect();
    assert_eq!(
        pairs[0],
        (Elem::Bytes(&long_key[..]), Elem::Bytes(&long_val[..]))
    );
    assert_eq!(pairs[1], (Elem::Bytes(b""), Elem::Bytes(b"")));
    // 300 pairs: count byte saturates at 254
    let mut b = ZipmapBuilder::new();
    for i in 0..300 {
        b.push(format!("f{i}").as_bytes(), b"v").unwrap();
    }
    let blob = b.finish().unwrap();
    assert_eq!(blob[0], 254);
    assert_eq!(zipmap(&blob).unwrap().count(), 300);
}

#[test]
fn zipmap_corruptions_are_caught() {
    let good = b"\x01\x03foo\x03\x00bar\xff".to_vec();
    let mut b = good.clone();
    b[0] = 2;
    assert!(zipmap(&b).unwrap().any(|r| r.is_err()));
    let mut b = good.clone();
    b[1] = 9;
    assert!(zipmap(&b).unwrap().any(|r| r.is_err()));
    let mut b = good.clone();
    b[6] = 0x10; // free bytes past the end
    assert!(zipmap(&b).unwrap().any(|r| r.is_err()));
    assert_eq!(
        zipmap(b"\x00\xff")
            .unwrap()
            .next()
            .unwrap()
            .unwrap_err()
            .kind,
        K::Empty
    );
    assert_eq!(zipmap(b"\x01\x03foo").unwrap_err().kind, K::MissingEnd);
    assert!(ZipmapBuilder::new().finish().is_err());
}

// ---------------------------------------------------------------------------------------
// Stream nodes

fn id(ms: u64, seq: u64) -> StreamId {
    StreamId { ms, seq }
}

#[test]
fn stream_node_round_trip_with_samefields_and_deleted() {
    let entries = vec![
        EntryIn {
            id: id(1000, 0),
            deleted: false,
            fields: vec![(b"a", b"1"), (b"b", b"x")],
        },
        EntryIn {
            id: id(1000, 1),
            deleted: true,
            fields: vec![(b"a", b"2"), (b"b", b"y")],
        },
        EntryIn {
            id: id(1005, 0),
            deleted: false,
            fields: vec![(b"c", b"z")],
        },
        EntryIn {
            id: id(1005, 7),
            deleted: false,
            fields: vec![(b"a", b"3"), (b"b", b"w")],
        },
    ];
    let (master, lp) = stream_node_listpack(&entries).unwrap();
    assert_eq!(master, id(1000, 0));
    let node = stream_node(&master.to_be_bytes(), &lp).unwrap();
    assert_eq!(node.master_id(), master);
    assert_eq!(node.live_count(), 3);
    assert_eq!(node.deleted_count(), 1);
    assert_eq!(
        node.master_fields().collect::<Vec<_>>(),
        [Elem::Bytes(b"a"), Elem::Bytes(b"b")]
    );
    let got: Vec<_> = node.map(Result::unwrap).collect();
    assert_eq!(got.len(), 4);
    for (g, e) in got.iter().zip(&entries) {
        assert_eq!(g.id, e.id);
        assert_eq!(g.deleted, e.deleted);
        let fields: Vec<(Vec<u8>, Vec<u8>)> = g
            .fields
            .clone()
            .map(|(f, v)| (f.to_vec(), v.to_vec()))
            .collect();
        let want: Vec<(Vec<u8>, Vec<u8>)> = e
            .fields
            .iter()
            .map(|(f, v)| (f.to_vec(), v.to_vec()))
            .collect();
        assert_eq!(fields, want);
    }
}

#[test]
fn stream_negative_seq_diff() {
    // Master 5-3, then an entry 6-0: seq diff -3 (Redis stores id - master, wrapping).
    let entries = vec![
        EntryIn {
            id: id(5, 3),
            deleted: false,
            fields: vec![(b"f", b"v")],
        },
        EntryIn {
            id: id(6, 0),
            deleted: false,
            fields: vec![(b"f", b"w")],
        },
    ];
    let (master, lp) = stream_node_listpack(&entries).unwrap();
    let ids: Vec<_> = stream_node(&master.to_be_bytes(), &lp)
        .unwrap()
        .map(|e| e.unwrap().id)
        .collect();
    assert_eq!(ids, [id(5, 3), id(6, 0)]);
    // Extreme IDs wrap like Redis's unsigned arithmetic.
    let entries = vec![
        EntryIn {
            id: id(0, 0),
            deleted: false,
            fields: vec![(b"f", b"v")],
        },
        EntryIn {
            id: id(u64::MAX, u64::MAX),
            deleted: false,
            fields: vec![(b"f", b"w")],
        },
    ];
    let (master, lp) = stream_node_listpack(&entries).unwrap();
    let ids: Vec<_> = stream_node(&master.to_be_bytes(), &lp)
        .unwrap()
        .map(|e| e.unwrap().id)
        .collect();
    assert_eq!(ids[1], id(u64::MAX, u64::MAX));
}

#[test]
fn stream_node_hand_built_listpack() {
    // Master entry: count 1, deleted 0, 1 master field "f", terminator 0.
    // Entry: flags SAMEFIELDS (2), ms_diff 0, seq_diff -1 (13-bit: df ff), value "v",
    // lp_count 1 + 3 = 4.
    let lp = listpack_of(&["1", "0", "1", "f", "0", "2", "0", "-1", "v", "4"]).unwrap();
    let mut node = stream_node(&id(10, 5).to_be_bytes(), &lp).unwrap();
    let e = node.next().unwrap().unwrap();
    assert_eq!(e.id, id(10, 4));
    assert_eq!(
        e.fields.collect::<Vec<_>>(),
        [(Elem::Bytes(b"f"), Elem::Bytes(b"v"))]
    );
    assert!(node.next().is_none());
    assert!(lp.windows(2).any(|w| w == [0xDF, 0xFF]));
}

#[test]
fn stream_node_corruptions_are_caught() {
    let ok = ["1", "0", "1", "f", "0", "2", "0", "0", "v", "4"];
    let key = id(1, 1).to_be_bytes();
    let check = |items: &[&str]| -> K {
        let lp = listpack_of(items).unwrap();
        match stream_node(&key, &lp) {
            Err(e) => e.kind,
            Ok(node) => {
                for r in node {
                    if let Err(e) = r {
                        return e.kind;
                    }
                }
                panic!("no error for {items:?}")
            }
        }
    };
    assert!(stream_node(&key, &listpack_of(&ok).unwrap())
        .unwrap()
        .all(|r| r.is_ok()));
    let mut bad = ok;
    bad[9] = "5";
    assert!(matches!(check(&bad), K::BadLpCount { .. }));
    let mut bad = ok;
    bad[4] = "1";
    assert_eq!(check(&bad), K::BadMasterTerminator);
    let mut bad = ok;
    bad[0] = "2";
    assert_eq!(check(&bad), K::Truncated);
    let mut bad = ok;
    bad[0] = "-1";
    assert_eq!(check(&bad), K::NegativeCount);
    let mut bad = ok;
    bad[5] = "x";
    assert_eq!(check(&bad), K::ExpectedInteger);
    // deleted count that disagrees with the DELETED flags
    let mut bad = ok;
    bad[0] = "0";
    bad[1] = "1";
    assert!(matches!(check(&bad), K::CountMismatch { .. }));
    let mut extra = ok.to_vec();
    extra.push("9");
    assert_eq!(check(&extra), K::TrailingElements);
    assert_eq!(
        stream_node(&[0; 15], &listpack_of(&ok).unwrap())
            .unwrap_err()
            .kind,
        K::BadStreamNodeKey { len: 15 }
    );
    assert_eq!(
        stream_node(&key, &ListpackBuilder::new().finish().unwrap())
            .unwrap_err()
            .kind,
        K::Empty
    );
}

// ---------------------------------------------------------------------------------------
// Scores

#[test]
fn score_elements() {
    assert_eq!(score_from_elem(Elem::Int(5)).unwrap(), 5.0);
    assert_eq!(score_from_elem(Elem::Bytes(b"1.5")).unwrap(), 1.5);
    assert_eq!(parse_score_text(b"inf").unwrap(), f64::INFINITY);
    assert_eq!(parse_score_text(b"-inf").unwrap(), f64::NEG_INFINITY);
    assert_eq!(parse_score_text(b"nan").unwrap_err(), K::NanScore);
    // every f64 printed shortest (Rust) or as %.17g comes back exactly
    for v in [
        0.1f64,
        1.0 / 3.0,
        1e-300,
        123456789.12345679,
        f64::MAX,
        f64::MIN_POSITIVE,
    ] {
        let s = format!("{v:?}");
        assert_eq!(
            parse_score_text(s.as_bytes()).unwrap().to_bits(),
            v.to_bits()
        );
        let g17 = format!("{v:.16e}");
        assert_eq!(
            parse_score_text(g17.as_bytes()).unwrap().to_bits(),
            v.to_bits()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Property tests

fn arb_item() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<i64>().prop_map(|i| i.to_string().into_bytes()),
        (-5000i64..5000).prop_map(|i| i.to_string().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..80),
        prop::collection::vec(any::<u8>(), 250..400),
        Just(b"007".to_vec()),
        Just(b"-0".to_vec()),
    ]
}

/// Drains an iterator; returns whether it ended in an error. Bounded: a decoder that
/// looped would exceed the limit.
fn drain<T, E>(it: impl Iterator<Item = Result<T, E>>, limit: usize) -> bool {
    let mut n = 0;
    for r in it {
        n += 1;
        assert!(n <= limit, "iterator did not terminate");
        if r.is_err() {
            return true;
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn ziplist_round_trip(items in prop::collection::vec(arb_item(), 0..40), large in any::<bool>()) {
        let mut b = ZiplistBuilder::new().force_large_prevlen(large);
        for i in &items { b.push(i); }
        let blob = b.finish().unwrap();
        let got = texts(ziplist(&blob).unwrap());
        prop_assert_eq!(got, items);
    }

    #[test]
    fn listpack_round_trip(items in prop::collection::vec(arb_item(), 0..40)) {
        let blob = listpack_of(&items).unwrap();
        let got = texts(listpack(&blob).unwrap());
        prop_assert_eq!(got, items);
    }

    #[test]
    fn intset_round_trip(mut vals in prop::collection::vec(any::<i64>(), 1..50)) {
        let blob = intset_of(&vals).unwrap();
        vals.sort_unstable();
        vals.dedup();
        let got: Vec<Elem<'_>> = intset(&blob).unwrap().map(Result::unwrap).collect();
        prop_assert_eq!(got, vals.iter().map(|&v| Elem::Int(v)).collect::<Vec<_>>());
    }

    #[test]
    fn zipmap_round_trip(pairs in prop::collection::vec((arb_item(), arb_item(), 0u8..4), 1..20)) {
        let mut b = ZipmapBuilder::new();
        for (k, v, free) in &pairs { b.push_with_free(k, v, *free).unwrap(); }
        let blob = b.finish().unwrap();
        let got: Vec<(Vec<u8>, Vec<u8>)> = zipmap(&blob).unwrap()
            .map(|r| { let (k, v) = r.unwrap(); (k.to_vec(), v.to_vec()) }).collect();
        let want: Vec<(Vec<u8>, Vec<u8>)> = pairs.into_iter().map(|(k, v, _)| (k, v)).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn mutated_blobs_never_panic(
        items in prop::collection::vec(arb_item(), 1..12),
        muts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let zl = ziplist_of(&items).unwrap();
        let lp = listpack_of(&items).unwrap();
        let is = intset_of(&[1, 300, 70000, -5]).unwrap();
        let mut zm = ZipmapBuilder::new();
        for i in &items { zm.push(i, i).unwrap(); }
        let zm = zm.finish().unwrap();
        let entries: Vec<EntryIn<'_>> = items.iter().enumerate().map(|(n, i)| EntryIn {
            id: StreamId { ms: 1 + n as u64, seq: 0 },
            deleted: n % 3 == 1,
            fields: vec![(b"f".as_slice(), i.as_slice())],
        }).collect();
        let (master, st) = stream_node_listpack(&entries).unwrap();
        for blob in [zl, lp, is, zm, st] {
            let mut b = blob.clone();
            for (idx, byte) in &muts {
                let i = idx.index(b.len());
                b[i] = *byte;
            }
            let truncated = &blob[..cut.index(blob.len())];
            for candidate in [&b[..], truncated] {
                let limit = candidate.len() + 2;
                if let Ok(it) = ziplist(candidate) { drain(it, limit); }
                if let Ok(it) = listpack(candidate) { drain(it.pairs(), limit); }
                if let Ok(it) = intset(candidate) { drain(it, limit); }
                if let Ok(it) = zipmap(candidate) { drain(it, limit); }
                if let Ok(node) = stream_node(&master.to_be_bytes(), candidate) {
                    let mut n = 0;
                    for e in node {
                        n += 1;
                        prop_assert!(n <= limit);
                        match e {
                            Ok(e) => { for _ in e.fields { } }
                            Err(_) => break,
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let limit = bytes.len() + 2;
        if let Ok(it) = ziplist(&bytes) { drain(it, limit); }
        if let Ok(it) = listpack(&bytes) { drain(it, limit); }
        if let Ok(it) = intset(&bytes) { drain(it, limit); }
        if let Ok(it) = zipmap(&bytes) { drain(it, limit); }
        if let Ok(node) = stream_node(&[0; 16], &bytes) {
            for e in node.take(limit) { if e.is_err() { break; } }
        }
        let _ = parse_score_text(&bytes);
    }
}
