#![allow(clippy::unwrap_used)]

use rdb_parser::encoding::StreamId;
use rdb_parser::Elem;

use super::*;

fn text(out: &[Argv]) -> Vec<String> {
    out.iter()
        .map(|a| {
            a.iter()
                .map(|x| String::from_utf8_lossy(x).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn opts(major: u32, minor: u32, max_elems: usize, max_bytes: usize) -> ConvertOptions {
    ConvertOptions {
        caps: TargetCaps::for_version(major, minor),
        limits: BatchLimits {
            max_elems,
            max_bytes,
        },
        replace: true,
    }
}

fn id(ms: u64, seq: u64) -> StreamId {
    StreamId { ms, seq }
}

#[test]
fn strings_chunk_into_set_and_appends() {
    let mut out = Vec::new();
    let mut w = ValueWriter::new(b"s", ValueType::String, opts(7, 0, 10, 4)).unwrap();
    w.string_chunk(b"abc", &mut out).unwrap();
    w.string_chunk(b"defghij", &mut out).unwrap();
    w.string_chunk(b"", &mut out).unwrap();
    let r = w.finish(Some(5), &mut out).unwrap();
    assert_eq!(
        text(&out),
        [
            "SET s abcd",
            "APPEND s efgh",
            "APPEND s ij",
            "PEXPIREAT s 5"
        ]
    );
    assert_eq!((r.commands, r.elements), (4, 10));

    let mut out = Vec::new();
    let w = ValueWriter::new(b"e", ValueType::String, opts(3, 2, 10, 4)).unwrap();
    w.finish(None, &mut out).unwrap();
    assert_eq!(out, vec![vec![b"SET".to_vec(), b"e".to_vec(), vec![]]]);

    let mut out = Vec::new();
    let mut w = ValueWriter::new(b"i", ValueType::String, opts(3, 2, 10, 4)).unwrap();
    w.string_elem(Elem::Int(-12345), &mut out).unwrap();
    w.finish(None, &mut out).unwrap();
    assert_eq!(text(&out), ["SET i -123", "APPEND i 45"]);
}

#[test]
fn collections_batch_and_replace() {
    let mut out = Vec::new();
    let mut w = ValueWriter::new(b"l", ValueType::List, opts(7, 0, 2, 1000)).unwrap();
    for e in ["a", "b", "c"] {
        w.list_push(Elem::Bytes(e.as_bytes()), &mut out).unwrap();
    }
    w.list_push(Elem::Int(4), &mut out).unwrap();
    w.list_push(Elem::Bytes(b"e"), &mut out).unwrap();
    w.finish(None, &mut out).unwrap();
    assert_eq!(
        text(&out),
        ["DEL l", "RPUSH l a b", "RPUSH l c 4", "RPUSH l e"]
    );

    // byte budget
    let mut out = Vec::new();
    let mut w = ValueWriter::new(b"s", ValueType::Set, opts(7, 0, 100, 5)).unwrap();
    for e in ["aaa", "bbb", "c", "dddddddd"] {
        w.set_add(Elem::Bytes(e.as_bytes()), &mut out).unwrap();
    }
    w.finish(None, &mut out).unwrap();
    assert_eq!(text(&out), ["DEL s", "SADD s aaa bbb", "SADD s c dddddddd"]);

    // no replace: no DEL
    let mut out = Vec::new();
    let o = ConvertOptions {
        replace: false,
        ..opts(7, 0, 100, 100)
    };
    let mut w = ValueWriter::new(b"s", ValueType::Set, o).unwrap();
    w.set_add(Elem::Bytes(b"x"), &mut out).unwrap();
    w.finish(Some(9), &mut out).unwrap();
    assert_eq!(text(&out), ["SADD s x", "PEXPIREAT s 9"]);

    // empty collection: only the DEL, no expiry
    let mut out = Vec::new();
    let w = ValueWriter::new(b"z", ValueType::ZSet, opts(7, 0, 100, 100)).unwrap();
    let r = w.finish(Some(9), &mut out).unwrap();
    assert!(r.empty);
    assert_eq!(text(&out), ["DEL z"]);
}

#[test]
fn zsets_and_hashes() {
    let mut out = Vec::new();
    let mut w = ValueWriter::new(b"z", ValueType::ZSet, opts(3, 2, 100, 1000)).unwrap();
    w.zset_add(Elem::Bytes(b"a"), f64::NEG_INFINITY, &mut out)
        .unwrap();
    w.zset_add(Elem::Bytes(b"b"), 5e-324, &mut out).unwrap();
    assert!(matches!(
        w.zset_add(Elem::Bytes(b"n"), f64::NAN, &mut out),
        Err(ConvertError::NanScore { .. })
    ));
    w.finish(None, &mut out).unwrap();
    assert_eq!(text(&out), ["DEL z", "ZADD z -inf a 5e-324 b"]);

    for (major, cmd) in [(3, "HMSET"), (7, "HSET")] {
        let mut out = Vec::new();
        let mut w = ValueWriter::new(b"h", ValueType::Hash, opts(major, 0, 100, 1000)).unwrap();
        w.hash_set(Elem::Bytes(b"f"), Elem::Int(1), Some(77), &mut out)
            .unwrap();
        let r = w.finish(None, &mut out).unwrap();
        assert_eq!(text(&out), ["DEL h".to_string(), format!("{cmd} h f 1")]);
        assert_eq!(r.field_ttls_dropped, 1);
    }
    let mut out = Vec::new();
    let mut w = ValueWriter::new(b"h", ValueType::Hash, opts(7, 4, 2, 1000)).unwrap();
    w.hash_set(Elem::Bytes(b"a"), Elem::Bytes(b"1"), Some(200), &mut out)
        .unwrap();
    w.hash_set(Elem::Bytes(b"b"), Elem::Bytes(b"2"), Some(100), &mut out)
        .unwrap();
    w.hash_set(Elem::Bytes(b"c"), Elem::Bytes(b"3"), Some(100), &mut out)
        .unwrap();
    w.hash_set(Elem::Bytes(b"d"), Elem::Bytes(b"4"), None, &mut out)
        .unwrap();
    let r = w.finish(Some(1000), &mut out).unwrap();
    assert_eq!(
        text(&out),
        [
            "DEL h",
            "HSET h a 1 b 2",
            "HPEXPIREAT h 100 FIELDS 1 b",
            "HPEXPIREAT h 200 FIELDS 1 a",
            "HSET h c 3 d 4",
            "HPEXPIREAT h 100 FIELDS 1 c",
            "PEXPIREAT h 1000",
        ]
    );
    assert_eq!(r.field_ttls_dropped, 0);
}

#[test]
fn wrong_pieces_and_unsupported() {
    let mut out = Vec::new();
    let mut w = ValueWriter::new(b"l", ValueType::List, opts(7, 0, 2, 1000)).unwrap();
    assert!(matches!(
        w.set_add(Elem::Int(1), &mut out),
        Err(ConvertError::WrongPiece { .. })
    ));
    assert!(matches!(
        w.string_chunk(b"x", &mut out),
        Err(ConvertError::WrongPiece { .. })
    ));
    assert!(matches!(
        ValueWriter::new(b"x", ValueType::Stream, opts(3, 2, 2, 10)),
        Err(ConvertError::Unsupported {
            version: (3, 2),
            ..
        })
    ));
    assert!(ValueWriter::new(b"x", ValueType::Module, opts(7, 0, 2, 10)).is_err());
}

fn fields<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Iterator<Item = (Elem<'a>, Elem<'a>)> + 'a {
    pairs
        .iter()
        .map(|(f, v)| (Elem::Bytes(f.as_bytes()), Elem::Bytes(v.as_bytes())))
}

#[test]
fn streams_full_shape() {
    for (major, minor) in [(5, 0), (6, 2), (7, 0)] {
        let mut out = Vec::new();
        let mut w =
            ValueWriter::new(b"x", ValueType::Stream, opts(major, minor, 100, 1000)).unwrap();
        w.stream_entry(id(1, 0), fields(&[("a", "1")]), &mut out)
            .unwrap();
        w.stream_entry(id(2, 5), fields(&[("a", "2"), ("b", "3")]), &mut out)
            .unwrap();
        assert!(w
            .stream_entry(id(2, 5), fields(&[("a", "1")]), &mut out)
            .is_err());
        assert!(matches!(
            w.stream_entry(id(3, 0), fields(&[]), &mut out),
            Err(ConvertError::EmptyStreamEntry { .. })
        ));
        w.stream_meta(id(9, 9), Some(4), Some(id(1, 5)), &mut out)
            .unwrap();
        w.stream_group(b"g", id(2, 5), Some(2), &mut out).unwrap();
        w.stream_pel(id(1, 0), 1000, 3).unwrap();
        w.stream_pel(id(2, 5), 1000, 3).unwrap();
        w.stream_consumer(b"c1", &mut out).unwrap();
        w.stream_consumer_pel(id(1, 0), &mut out).unwrap();
        w.stream_consumer_pel(id(2, 5), &mut out).unwrap();
        w.stream_consumer(b"idle", &mut out).unwrap();
        w.stream_group(b"g2", id(0, 0), None, &mut out).unwrap();
        let r = w.finish(Some(42), &mut out).unwrap();
        let v7 = major >= 7;
        let mut want = vec![
            "DEL x".to_string(),
            "XADD x 1-0 a 1".into(),
            "XADD x 2-5 a 2 b 3".into(),
            if v7 {
                "XSETID x 9-9 ENTRIESADDED 4 MAXDELETEDID 1-5".into()
            } else {
                "XSETID x 9-9".into()
            },
            if v7 {
                "XGROUP CREATE x g 2-5 ENTRIESREAD 2".into()
            } else {
                "XGROUP CREATE x g 2-5".into()
            },
            "XCLAIM x g c1 0 1-0 2-5 TIME 1000 RETRYCOUNT 3 FORCE JUSTID".into(),
        ];
        want.push(if major == 5 {
            "XCLAIM x g idle 0 0-0 JUSTID".into()
        } else {
            "XGROUP CREATECONSUMER x g idle".into()
        });
        want.push("XGROUP CREATE x g2 0-0".into());
        want.push("PEXPIREAT x 42".into());
        assert_eq!(text(&out), want, "{major}.{minor}");
        assert_eq!(
            (r.groups, r.consumers, r.pel_claimed, r.pel_lost, r.elements),
            (2, 2, 2, 0, 2)
        );
    }
}

#[test]
fn streams_edge_cases() {
    // Empty stream, PEL params that differ, an unowned PEL entry, an unknown id.
    let mut out = Vec::new();
    let mut w = ValueWriter::new(b"x", ValueType::Stream, opts(7, 0, 100, 1000)).unwrap();
    assert!(w.stream_group(b"g", id(0, 0), None, &mut out).is_err());
    w.stream_meta(id(5, 5), None, None, &mut out).unwrap();
    w.stream_group(b"g", id(5, 5), None, &mut out).unwrap();
    w.stream_pel(id(1, 1), 10, 1).unwrap();
    w.stream_pel(id(2, 2), 20, 1).unwrap();
    w.stream_pel(id(3, 3), 20, 1).unwrap();
    w.stream_consumer(b"c", &mut out).unwrap();
    w.stream_consumer_pel(id(1, 1), &mut out).unwrap();
    w.stream_consumer_pel(id(2, 2), &mut out).unwrap();
    assert!(matches!(
        w.stream_consumer_pel(id(7, 7), &mut out),
        Err(ConvertError::PelIdUnknown { .. })
    ));
    let r = w.finish(None, &mut out).unwrap();
    assert_eq!(
        text(&out),
        [
            "DEL x",
            "XGROUP CREATE x __redis_migrate_tmp__ 0 MKSTREAM",
            "XGROUP DESTROY x __redis_migrate_tmp__",
            "XSETID x 5-5",
            "XGROUP CREATE x g 5-5",
            "XCLAIM x g c 0 1-1 TIME 10 RETRYCOUNT 1 FORCE JUSTID",
            "XCLAIM x g c 0 2-2 TIME 20 RETRYCOUNT 1 FORCE JUSTID",
        ]
    );
    assert_eq!(r.pel_lost, 1);
    assert!(!r.empty);

    let w = ValueWriter::new(b"x", ValueType::Stream, opts(7, 0, 100, 1000)).unwrap();
    assert!(matches!(
        w.finish(None, &mut out),
        Err(ConvertError::StreamOrder { .. })
    ));
}

proptest::proptest! {
    /// Every command respects the limits (one oversized element alone excepted), and the
    /// elements come out in order, none lost or duplicated.
    #[test]
    fn batches_are_bounded_and_lossless(
        elems in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..40), 0..300),
        max_elems in 1usize..50,
        max_bytes in 1usize..200,
    ) {
        let mut out = Vec::new();
        let mut w = ValueWriter::new(b"k", ValueType::List, opts(7, 0, max_elems, max_bytes)).unwrap();
        for e in &elems {
            w.list_push(Elem::Bytes(e), &mut out).unwrap();
        }
        w.finish(None, &mut out).unwrap();
        let mut got: Vec<Vec<u8>> = Vec::new();
        for (i, c) in out.iter().enumerate() {
            if i == 0 {
                proptest::prop_assert_eq!(&c[0], b"DEL");
                continue;
            }
            proptest::prop_assert_eq!(&c[0], b"RPUSH");
            let items = &c[2..];
            proptest::prop_assert!(!items.is_empty() && items.len() <= max_elems);
            let bytes: usize = items.iter().map(|x| x.len()).sum();
            let last = items.last().map_or(0, |x| x.len());
            proptest::prop_assert!(bytes - last < max_bytes);
            got.extend(items.iter().cloned());
        }
        proptest::prop_assert_eq!(got, elems);
    }

    /// A string split into arbitrary pieces comes out as SET + APPENDs that concatenate to it.
    #[test]
    fn strings_reassemble(data in proptest::collection::vec(proptest::num::u8::ANY, 0..500),
                          cuts in proptest::collection::vec(0usize..500, 0..10),
                          max_bytes in 1usize..100) {
        let mut out = Vec::new();
        let mut w = ValueWriter::new(b"k", ValueType::String, opts(7, 0, 10, max_bytes)).unwrap();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
        cuts.sort_unstable();
        let mut prev = 0;
        for c in cuts.into_iter().chain([data.len()]) {
            w.string_chunk(&data[prev..c], &mut out).unwrap();
            prev = c;
        }
        w.finish(None, &mut out).unwrap();
        let mut got = Vec::new();
        for (i, c) in out.iter().enumerate() {
            proptest::prop_assert_eq!(&c[0][..], if i == 0 { &b"SET"[..] } else { &b"APPEND"[..] });
            proptest::prop_assert!(c[2].len() <= max_bytes);
            got.extend_from_slice(&c[2]);
        }
        proptest::prop_assert_eq!(got, data);
    }
}
