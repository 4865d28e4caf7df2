//! Blob decoders and encoders: ziplist / listpack / intset / stream-node decoding
//! throughput, listpack building, and the writer's LZF compressor against the `lzf` crate
//! (small strings, where the crate's fixed 512 KiB hash table dominates, and 1.4 MB of
//! JSON-like text).
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rdb_parser::encoding::{intset, listpack, stream_node, ziplist, StreamId};
use rdb_parser::write::{
    intset_of, listpack_of, put_string, stream_node_listpack, ziplist_of, EntryIn, ListpackBuilder,
    StrOpts,
};
use std::hint::black_box;

fn items() -> Vec<String> {
    (0..60_000)
        .map(|i| {
            if i % 3 == 0 {
                i.to_string()
            } else {
                format!("member:{i:08}")
            }
        })
        .collect()
}

fn decode(c: &mut Criterion) {
    let items = items();
    let lp = listpack_of(&items).unwrap();
    let zl = ziplist_of(&items).unwrap();
    let ints: Vec<i64> = (0..200_000).map(|i| i * 7).collect();
    let is = intset_of(&ints).unwrap();
    let entries: Vec<EntryIn<'_>> = (0..100)
        .map(|i| EntryIn {
            id: StreamId {
                ms: 1000 + i,
                seq: 0,
            },
            deleted: i % 10 == 3,
            fields: vec![(b"temp".as_slice(), b"21.5".as_slice()), (b"hum", b"40")],
        })
        .collect();
    let (master, node) = stream_node_listpack(&entries).unwrap();
    let key = master.to_be_bytes();

    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Bytes(lp.len() as u64));
    g.bench_function("listpack-60k", |b| {
        b.iter(|| {
            listpack(black_box(&lp))
                .unwrap()
                .map(|e| e.unwrap().byte_len())
                .sum::<usize>()
        })
    });
    g.throughput(Throughput::Bytes(zl.len() as u64));
    g.bench_function("ziplist-60k", |b| {
        b.iter(|| {
            ziplist(black_box(&zl))
                .unwrap()
                .map(|e| e.unwrap().byte_len())
                .sum::<usize>()
        })
    });
    g.throughput(Throughput::Bytes(is.len() as u64));
    g.bench_function("intset-200k", |b| {
        b.iter(|| {
            intset(black_box(&is))
                .unwrap()
                .map(|e| e.unwrap().byte_len())
                .sum::<usize>()
        })
    });
    g.throughput(Throughput::Bytes(node.len() as u64));
    g.bench_function("stream-node-100", |b| {
        b.iter(|| {
            stream_node(&key, black_box(&node))
                .unwrap()
                .map(|e| {
                    e.unwrap()
                        .fields
                        .map(|(f, v)| f.byte_len() + v.byte_len())
                        .sum::<usize>()
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

fn encode(c: &mut Criterion) {
    let items = items();
    let bytes: usize = items.iter().map(|s| s.len()).sum();
    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("listpack-build-60k", |b| {
        b.iter(|| {
            let mut l = ListpackBuilder::new();
            for s in black_box(&items) {
                l.push(s.as_bytes());
            }
            l.finish().unwrap()
        })
    });

    let small = b"hello world hello world hello world!!".to_vec();
    g.throughput(Throughput::Bytes(small.len() as u64));
    g.bench_function("lzf-37B-ours", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            out.clear();
            put_string(&mut out, black_box(&small), StrOpts::default());
        })
    });
    g.bench_function("lzf-37B-lzf-crate", |b| {
        b.iter(|| lzf::compress(black_box(&small)))
    });

    let mut text = Vec::new();
    for i in 0..20_000 {
        text.extend_from_slice(
            format!(
                "{{\"id\":{i},\"name\":\"user-{}\",\"tags\":[\"a\",\"b{}\"],\"score\":{}}}\n",
                i * 7919 % 10007,
                i % 13,
                f64::from(i) / 3.0
            )
            .as_bytes(),
        );
    }
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(20);
    g.bench_function("lzf-json-ours", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            out.clear();
            put_string(&mut out, black_box(&text), StrOpts::default());
        })
    });
    g.bench_function("lzf-json-lzf-crate", |b| {
        b.iter(|| lzf::compress(black_box(&text)))
    });
    g.finish();
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
