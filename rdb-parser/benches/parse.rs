//! Parser throughput on synthetic dumps built with the crate's writer: a strings-heavy one
//! (small keys and values, like `SET key:N <60 bytes>`) and a collections-heavy one
//! (listpack hashes/zsets/sets and quicklists of ~100 elements, as Redis 7.0 writes them).
//! Real-dump benches live in the workspace facade's `benches/`.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rdb_parser::write::{
    listpack_of, put_blob_value, put_len, put_string, QuicklistNode, RdbWriter, StrOpts,
};
use rdb_parser::{Event, Parser, Step, View};

fn strings_dump(n: usize) -> Vec<u8> {
    let mut w = RdbWriter::redis(10);
    // Values are incompressible-looking to LZF's "saves 4 bytes" rule anyway at this size;
    // skipping the compressor keeps setup fast.
    w.string_opts(StrOpts::RAW);
    w.select_db(0);
    for i in 0..n {
        let v = format!("value-{i:08}-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        w.string_key(format!("key:{i}").as_bytes(), v.as_bytes());
    }
    w.finish()
}

fn collections_dump(n: usize) -> Vec<u8> {
    let mut w = RdbWriter::redis(10);
    w.select_db(0);
    let o = StrOpts::default().no_int();
    for i in 0..n {
        let items: Vec<String> = (0..100).map(|j| format!("f{j}-{i}")).collect();
        let mut flat = Vec::new();
        for (j, f) in items.iter().enumerate() {
            flat.push(f.clone());
            flat.push(format!("{}", j * 7));
        }
        let lp = listpack_of(&flat).unwrap();
        let mut b = Vec::new();
        match i % 3 {
            0 => {
                put_blob_value(&mut b, o, &lp);
                w.key(16, format!("h:{i}").as_bytes(), &b);
            }
            1 => {
                put_blob_value(&mut b, o, &lp);
                w.key(17, format!("z:{i}").as_bytes(), &b);
            }
            _ => {
                let lp = listpack_of(&items).unwrap();
                put_len(&mut b, 1);
                let _ = QuicklistNode::Packed(&lp);
                put_len(&mut b, 2);
                put_string(&mut b, &lp, o);
                w.key(18, format!("l:{i}").as_bytes(), &b);
            }
        }
    }
    w.finish()
}

/// Feeds the whole dump in 64 KiB reads, counting elements.
fn parse(data: &[u8], view: View) -> u64 {
    let mut p = Parser::builder()
        .view(view)
        .verify_checksum(std::env::var("NOCRC").is_err())
        .build();
    let mut start = 0usize;
    let mut end = 0usize;
    let mut n = 0u64;
    loop {
        let fed = p.feed(&data[start..end]).unwrap();
        start += fed.consumed;
        match fed.step {
            Step::Event(ev) => match ev {
                Event::ListItems(e) | Event::SetMembers(e) => n += e.len() as u64,
                Event::HashFields(h) => {
                    n += h.iter().map(|f| f.field.byte_len() as u64).sum::<u64>()
                }
                Event::ZsetMembers(z) => n += z.iter().map(|(_, s)| s as u64).sum::<u64>(),
                Event::StringChunk { data, .. } => n += data.len() as u64,
                Event::RawValue { body, .. } => n += body.len() as u64,
                _ => n += 1,
            },
            Step::NeedMore(_) => end = (end + (64 << 10)).min(data.len()),
            Step::Done => return n,
        }
    }
}

fn bench(c: &mut Criterion) {
    for (name, data) in [
        ("strings", strings_dump(400_000)),
        ("collections", collections_dump(6_000)),
    ] {
        let mut g = c.benchmark_group(format!("parse-{name}"));
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.sample_size(10);
        g.bench_function("decoded", |b| b.iter(|| parse(&data, View::Decoded)));
        g.bench_function("raw", |b| {
            b.iter(|| parse(&data, View::Raw { max_len: 1 << 20 }))
        });
        g.bench_function("skip", |b| b.iter(|| parse(&data, View::Skip)));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
