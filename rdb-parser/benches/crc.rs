//! CRC-64/REDIS throughput: `crc-fast` (used by the parser) vs the table-driven `crc` crate.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn crc(c: &mut Criterion) {
    let data: Vec<u8> = (0..64u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let mut g = c.benchmark_group("crc64-redis-64MiB");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("crc-fast", |b| {
        b.iter(|| rdb_parser::crc64(std::hint::black_box(&data)))
    });
    let table = crc::Crc::<u64>::new(&crc::CRC_64_REDIS);
    g.bench_function("crc", |b| {
        b.iter(|| table.checksum(std::hint::black_box(&data)))
    });
    let slice16 = crc::Crc::<u64, crc::Table<16>>::new(&crc::CRC_64_REDIS);
    g.bench_function("crc-slice16", |b| {
        b.iter(|| slice16.checksum(std::hint::black_box(&data)))
    });
    g.finish();
}

/// Short inputs (one `DUMP` payload of a small collection): where the SIMD folding's setup
/// stops paying off, which sets the parser's table/SIMD threshold.
fn crc_short(c: &mut Criterion) {
    let data: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let slice16 = crc::Crc::<u64, crc::Table<16>>::new(&crc::CRC_64_REDIS);
    for n in [16usize, 32, 64, 96, 128, 192, 256] {
        let mut g = c.benchmark_group(format!("crc64-redis-{n}B"));
        g.throughput(Throughput::Bytes(n as u64));
        let buf = &data[..n];
        g.bench_function("crc-fast", |b| {
            b.iter(|| {
                let mut d = crc_fast::Digest::new(crc_fast::CrcAlgorithm::Crc64Redis);
                d.update(std::hint::black_box(buf));
                d.finalize()
            })
        });
        g.bench_function("crc-slice16", |b| {
            b.iter(|| slice16.checksum(std::hint::black_box(buf)))
        });
        g.finish();
    }
}

criterion_group!(benches, crc, crc_short);
criterion_main!(benches);
