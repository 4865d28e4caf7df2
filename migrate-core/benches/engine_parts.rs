//! Throughput of the pure engine parts on the hot paths: the per-command stream filter
//! (the incremental phase must keep up with ~470k SET/s), downgrade adaptation, value
//! conversion to command batches, and score formatting.
//!
//! `cargo bench -p migrate-core --bench engine_parts`
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use migrate_core::command::{adapt, DbMapping, ValueType};
use migrate_core::convert::{format_score, ConvertOptions, TargetCaps, ValueWriter};
use migrate_core::filter::{Filter, KeyFilter, StreamFilter};
use rdb_parser::Elem;

fn commands() -> Vec<Vec<Vec<u8>>> {
    (0..1000)
        .map(|i| match i % 10 {
            0 => vec![b"SELECT".to_vec(), b"0".to_vec()],
            1 => vec![b"MULTI".to_vec()],
            2 => vec![b"incr".to_vec(), format!("user:{i}").into_bytes()],
            3 => vec![b"EXEC".to_vec()],
            4 => vec![
                b"PEXPIREAT".to_vec(),
                format!("user:{i}").into_bytes(),
                b"1900000000000".to_vec(),
            ],
            5 => vec![
                b"mset".to_vec(),
                format!("user:{i}").into_bytes(),
                b"a".to_vec(),
                b"other".to_vec(),
                b"b".to_vec(),
            ],
            _ => vec![
                b"set".to_vec(),
                format!("user:{i}:key").into_bytes(),
                vec![b'x'; 64],
            ],
        })
        .collect()
}

fn filter(c: &mut Criterion) {
    let cmds = commands();
    let mut g = c.benchmark_group("stream_filter");
    g.throughput(Throughput::Elements(cmds.len() as u64));
    let everything = Filter::default();
    let selective = Filter {
        dbs: DbMapping::new(Some([0]), [(0, 3)]).unwrap(),
        keys: KeyFilter::new(
            vec![b"user:".to_vec()],
            vec![b"user:tmp:".to_vec()],
            &[],
            &[r"^user:[0-9]+7".to_string()],
        )
        .unwrap(),
        heartbeat_key: Some(b"redis-migrate:heartbeat".to_vec()),
        ..Filter::default()
    };
    for (name, f) in [
        ("no_selection", everything),
        ("db_map_prefix_regex", selective),
    ] {
        g.bench_function(name, |b| {
            let mut sf = StreamFilter::new(f.clone());
            b.iter(|| {
                for c in &cmds {
                    black_box(sf.decide(c).unwrap());
                }
            })
        });
    }
    g.finish();
}

fn compat(c: &mut Criterion) {
    let cmds = commands();
    let mut g = c.benchmark_group("adapt");
    g.throughput(Throughput::Elements(cmds.len() as u64));
    for (name, caps) in [
        ("to_7_0", TargetCaps::for_version(7, 0)),
        ("to_3_2", TargetCaps::for_version(3, 2)),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                for c in &cmds {
                    black_box(adapt(c, &caps, 0).unwrap());
                }
            })
        });
    }
    g.finish();
}

fn convert(c: &mut Criterion) {
    let elems: Vec<Vec<u8>> = (0..100_000)
        .map(|i| format!("element-{i:08}").into_bytes())
        .collect();
    let mut g = c.benchmark_group("convert");
    g.throughput(Throughput::Elements(elems.len() as u64));
    let opts = ConvertOptions::new(TargetCaps::for_version(5, 0));
    g.bench_function("list_100k", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            out.clear();
            let mut w = ValueWriter::new(b"list", ValueType::List, opts).unwrap();
            for e in &elems {
                w.list_push(Elem::Bytes(e), &mut out).unwrap();
                if out.len() > 64 {
                    out.clear();
                }
            }
            black_box(w.finish(None, &mut out).unwrap());
        })
    });
    g.bench_function("zset_100k", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            out.clear();
            let mut w = ValueWriter::new(b"z", ValueType::ZSet, opts).unwrap();
            for (i, e) in elems.iter().enumerate() {
                w.zset_add(Elem::Bytes(e), i as f64 / 3.0, &mut out)
                    .unwrap();
                if out.len() > 64 {
                    out.clear();
                }
            }
            black_box(w.finish(None, &mut out).unwrap());
        })
    });
    g.finish();
    c.bench_function("format_score", |b| {
        b.iter(|| black_box(format_score(black_box(0.1 + 1.0 / 3.0))))
    });
}

criterion_group!(benches, filter, compat, convert);
criterion_main!(benches);
