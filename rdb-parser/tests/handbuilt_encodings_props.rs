//! Property tests for the blob decoders: writer -> decoder round trips, and random
//! mutations / truncations / random bytes that must never panic or loop.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use rdb_parser::encoding::{
    intset, listpack, parse_score_text, stream_node, ziplist, zipmap, ElemIter, StreamId,
};
use rdb_parser::write::{
    intset_of, listpack_of, stream_node_listpack, ziplist_of, EntryIn, ZiplistBuilder,
    ZipmapBuilder,
};
use rdb_parser::Elem;

fn texts<'a, I: Iterator<Item = Result<Elem<'a>, rdb_parser::encoding::BlobError>>>(
    it: I,
) -> Vec<Vec<u8>> {
    it.map(|e| e.unwrap().to_vec()).collect()
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
