//! RDB parsing throughput (MB/s of file) over real Redis 7.0 dumps, side by side with the
//! `rdb` crate 0.4.0 (its library, with the `Nil` formatter: everything decoded, nothing
//! written):
//!
//! * `strings`: 2M small strings (~170 MB); `collections`: small and big hashes, sets, zsets
//!   and lists (~100 MB). Generated once by a real server into
//!   `~/.cache/redis-migrate/bench/` (see `benches/gen/mod.rs`), never committed.
//! * `raw-capture`: [`View::Raw`] for every key (the exact encoded value, as the migration
//!   engine RESTOREs small values), checksum verified.
//! * `raw-no-crc`: the same without computing the CRC-64 (what the checksum costs).
//! * `decode`: [`View::Decoded`], every element visited, checksum verified.
//! * `json`: the `rdb-dump` renderer to a sink (decode + JSON).
//! * `rdb-crate`: `rdb::parse(bytes, Nil, Simple)`.
//!
//! ```sh
//! cargo bench --bench rdb_parse                 # all
//! cargo bench --bench rdb_parse -- collections  # one dataset
//! ```
//! An unfiltered run ends with a table of MB/s (best wall time and mean CPU time of 5 runs)
//! and ratios to the `rdb` crate. Under `cargo test` (no `--bench`) every case runs once on
//! a committed 60 KB fixture as a smoke test.
#![allow(missing_docs, clippy::unwrap_used)]

mod gen;

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use rdb_parser::{Event, Parser, Step, View};
use redis_migrate::rdb_json::JsonLines;

/// Feeds the whole file at once; returns a checksum of what was seen.
fn run(data: &[u8], mut parser: Parser, mut on: impl FnMut(&Event<'_>) -> u64) -> u64 {
    let mut pos = 0;
    let mut acc = 0u64;
    loop {
        let fed = parser.feed(&data[pos..]).unwrap();
        pos += fed.consumed;
        match fed.step {
            Step::Event(ev) => acc = acc.wrapping_add(on(&ev)),
            Step::NeedMore(_) => panic!("truncated bench file"),
            Step::Done => return acc,
        }
    }
}

fn raw_capture(data: &[u8]) -> u64 {
    let p = Parser::builder()
        .view(View::Raw { max_len: 1 << 20 })
        .build();
    run(data, p, |ev| match ev {
        Event::RawValue { body, .. } => body.len() as u64,
        Event::StringChunk { data, .. } => data.len() as u64,
        _ => 1,
    })
}

/// Raw capture without computing the CRC-64 (shows what the checksum costs).
fn raw_capture_no_crc(data: &[u8]) -> u64 {
    let p = Parser::builder()
        .view(View::Raw { max_len: 1 << 20 })
        .verify_checksum(false)
        .build();
    run(data, p, |ev| match ev {
        Event::RawValue { body, .. } => body.len() as u64,
        Event::StringChunk { data, .. } => data.len() as u64,
        _ => 1,
    })
}

fn decode(data: &[u8]) -> u64 {
    run(data, Parser::new(), |ev| match ev {
        Event::KeyStart(k) => k.key.len() as u64,
        Event::StringChunk { data, .. } => data.len() as u64,
        Event::ListItems(e) | Event::SetMembers(e) => e.iter().map(|x| x.byte_len() as u64).sum(),
        Event::HashFields(f) => f
            .iter()
            .map(|x| (x.field.byte_len() + x.value.byte_len()) as u64)
            .sum(),
        Event::ZsetMembers(z) => z
            .iter()
            .map(|(m, s)| m.byte_len() as u64 + s.to_bits())
            .sum(),
        Event::StreamEntries(e) => e.iter().map(|x| x.len() as u64).sum(),
        _ => 1,
    })
}

fn json(data: &[u8]) -> u64 {
    let mut r = JsonLines::new(std::io::sink());
    run(data, Parser::new(), |ev| {
        r.event(ev).unwrap();
        1
    })
}

fn rdb_crate(data: &[u8]) -> u64 {
    rdb::parse(
        data,
        rdb::formatter::Nil::new(None),
        rdb::filter::Simple::new(),
    )
    .unwrap();
    1
}

/// User + system CPU seconds of this process so far (Linux `/proc/self/stat`, 100 Hz
/// ticks); 0 elsewhere, which makes the CPU column meaningless but harmless.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

type Case = (&'static str, fn(&[u8]) -> u64);
const CASES: [Case; 5] = [
    ("raw-capture", raw_capture),
    ("raw-no-crc", raw_capture_no_crc),
    ("decode", decode),
    ("json", json),
    ("rdb-crate", rdb_crate),
];

fn benches(c: &mut Criterion) {
    // The ratio table re-runs every case: only on a plain `cargo bench --bench rdb_parse`
    // (not with a filter, `--profile-time` or other criterion options).
    let table = std::env::args().skip(1).all(|a| a == "--bench");
    let datasets: Vec<(&str, std::path::PathBuf)> =
        [gen::Dataset::Strings, gen::Dataset::Collections]
            .into_iter()
            .map(|d| (d.name(), gen::ensure(d)))
            .collect();
    let mut summary = Vec::new();
    for (dname, path) in datasets {
        let data = std::fs::read(&path).unwrap();
        let mb = data.len() as f64 / 1e6;
        let mut g = c.benchmark_group(dname);
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(8));
        let mut best = Vec::new();
        for (name, f) in CASES {
            g.bench_function(name, |b| b.iter(|| f(&data)));
            if !table {
                continue;
            }
            // A separate best-of-5 for the printed ratio table, in wall and CPU time.
            // CPU time has 10 ms ticks: use the mean over the runs, not the minimum.
            let mut wall = f64::INFINITY;
            let c0 = cpu_secs();
            for _ in 0..5 {
                let t = Instant::now();
                std::hint::black_box(f(&data));
                wall = wall.min(t.elapsed().as_secs_f64());
            }
            let cpu = (cpu_secs() - c0) / 5.0;
            best.push((name, mb / wall, mb / cpu.max(1e-3)));
        }
        g.finish();
        summary.push((dname, mb, best));
    }
    if !table {
        return;
    }
    println!(
        "\n5 runs each, MB/s of file by best wall time and by mean CPU time (user+sys of the \
         process, steadier on a busy machine), ratio to the rdb crate 0.4.0:"
    );
    for (name, mb, best) in summary {
        let base = best
            .iter()
            .find(|b| b.0 == "rdb-crate")
            .map_or((1.0, 1.0), |b| (b.1, b.2));
        println!("  {name} ({mb:.0} MB):");
        for (case, wall, cpu) in best {
            println!(
                "    {case:<12} wall {wall:>6.0} MB/s {:>6.2}x   cpu {cpu:>6.0} MB/s {:>6.2}x",
                wall / base.0,
                cpu / base.1
            );
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--bench") {
        let mut c = Criterion::default().configure_from_args();
        benches(&mut c);
        c.final_summary();
    } else {
        // `cargo test --all-targets [-- --test-threads=N]` runs bench targets as tests, with
        // libtest flags criterion would reject: smoke-test every case once on a committed
        // 60 KB fixture instead of generating 270 MB of dumps.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/rdb-parser/tests/fixtures/servers/redis-7.0.rdb"
        );
        let data = std::fs::read(path).unwrap();
        for (name, f) in CASES {
            assert!(f(&data) > 0, "{name}");
            println!("rdb_parse {name} on {path}: ok");
        }
    }
}
