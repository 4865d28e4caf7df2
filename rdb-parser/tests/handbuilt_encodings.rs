//! Encoding-level tests: fixed byte vectors from the spec digest and the Redis sources,
//! writer -> decoder round trips at every size/width boundary, corrupt blobs, and
//! property tests (round trips; random mutations never panic and never loop).
#![allow(clippy::unwrap_used)]

use rdb_parser::encoding::{listpack, ziplist, BlobErrorKind as K, ElemIter};
use rdb_parser::write::{listpack_of, ziplist_of, ListpackBuilder, ZiplistBuilder};
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
