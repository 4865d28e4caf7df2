//! Encoding-level tests, part 2: intsets, zipmaps, stream nodes and zset scores — fixed
//! vectors from the spec digest and the Redis sources, writer -> decoder round trips and
//! corrupt blobs.
#![allow(clippy::unwrap_used)]

use rdb_parser::encoding::{
    intset, parse_score_text, score_from_elem, stream_node, zipmap, BlobErrorKind as K, StreamId,
};
use rdb_parser::write::{
    intset_of, intset_with_width, listpack_of, stream_node_listpack, EntryIn, ListpackBuilder,
    ZipmapBuilder,
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
