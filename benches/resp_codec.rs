//! resp-codec against `redis-protocol` 6 on the same inputs (issue 3's benches).
//!
//! Decode throughput for pipelined small commands (`SET k:%d <16-byte value>`), 1 KiB bulk
//! replies and one 100k-element array, each decoded from one buffer ("whole") and fed in
//! 4 KiB pieces ("chunked_4k"); encode throughput of pipelined commands.
//!
//! `scripts/resp-bench.sh` runs this and prints the ratios. On a loaded machine wall-clock
//! numbers are noisy; `RESP_BENCH_CASE=<group>/<impl>/<mode> RESP_BENCH_ITERS=n` runs one
//! case n times without criterion, for an instruction count under
//! `valgrind --tool=callgrind` (what `scripts/resp-bench.sh --icount` does).

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{BatchSize, Criterion, Throughput};
use redis_protocol::resp2::{decode as rp_decode, encode as rp_encode, types as rp};
use resp_codec::{encode_array_header, encode_bulk, encode_command, Decoder};

const CHUNK: usize = 4096;
const VALUE: &[u8; 16] = b"0123456789abcdef";

/// The three decode inputs: (group name, bytes, frames in it, slow for redis-protocol).
fn inputs() -> Vec<(&'static str, Vec<u8>, usize)> {
    let mut small = BytesMut::new();
    for i in 0..10_000 {
        encode_command(
            &mut small,
            [&b"SET"[..], format!("k:{i}").as_bytes(), VALUE],
        );
    }
    let mut bulks = BytesMut::new();
    let value: Vec<u8> = (0..1024u32).map(|i| b'a' + (i % 26) as u8).collect();
    for _ in 0..1000 {
        encode_bulk(&mut bulks, &value);
    }
    let mut array = BytesMut::new();
    encode_array_header(&mut array, 100_000);
    for i in 0..100_000 {
        encode_bulk(&mut array, format!("value:{i}").as_bytes());
    }
    vec![
        ("decode_small_commands", small.to_vec(), 10_000),
        ("decode_1k_bulks", bulks.to_vec(), 1000),
        ("decode_100k_array", array.to_vec(), 1),
    ]
}

fn ours(buf: &mut BytesMut) -> usize {
    let mut dec = Decoder::new();
    let mut n = 0;
    while let Some(d) = dec.decode(buf).unwrap_or(None) {
        black_box(&d);
        n += 1;
    }
    n
}

fn ours_chunked(input: &[u8]) -> usize {
    let mut dec = Decoder::new();
    let mut buf = BytesMut::with_capacity(2 * CHUNK);
    let mut n = 0;
    for chunk in input.chunks(CHUNK) {
        buf.extend_from_slice(chunk);
        while let Some(d) = dec.decode(&mut buf).unwrap_or(None) {
            black_box(&d);
            n += 1;
        }
    }
    n
}

fn theirs(buf: &mut BytesMut) -> usize {
    let mut n = 0;
    while let Some((f, _, _)) = rp_decode::decode_bytes_mut(buf).unwrap_or(None) {
        black_box(&f);
        n += 1;
    }
    n
}

fn theirs_chunked(input: &[u8]) -> usize {
    let mut buf = BytesMut::with_capacity(2 * CHUNK);
    let mut n = 0;
    for chunk in input.chunks(CHUNK) {
        buf.extend_from_slice(chunk);
        while let Some((f, _, _)) = rp_decode::decode_bytes_mut(&mut buf).unwrap_or(None) {
            black_box(&f);
            n += 1;
        }
    }
    n
}

fn keys() -> Vec<String> {
    (0..10_000).map(|i| format!("k:{i}")).collect()
}

fn encode_ours(buf: &mut BytesMut, keys: &[String]) {
    buf.clear();
    for k in keys {
        encode_command(buf, [&b"SET"[..], k.as_bytes(), VALUE]);
    }
}

fn encode_theirs(buf: &mut BytesMut, keys: &[String]) {
    buf.clear();
    for k in keys {
        // Its allocation-free path: a borrowed frame.
        let args = [
            rp::BorrowedFrame::BulkString(b"SET"),
            rp::BorrowedFrame::BulkString(k.as_bytes()),
            rp::BorrowedFrame::BulkString(VALUE),
        ];
        let _ = rp_encode::extend_encode_borrowed(buf, &rp::BorrowedFrame::Array(&args), false);
    }
}

fn criterion_benches(c: &mut Criterion) {
    for (name, input, frames) in inputs() {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(input.len() as u64));
        if name == "decode_100k_array" {
            g.sample_size(10);
        }
        let input = &input[..];
        g.bench_function("resp-codec/whole", |b| {
            b.iter_batched_ref(
                || BytesMut::from(input),
                |buf| assert_eq!(ours(buf), frames),
                BatchSize::LargeInput,
            )
        });
        g.bench_function("resp-codec/chunked_4k", |b| {
            b.iter(|| assert_eq!(ours_chunked(input), frames))
        });
        g.bench_function("redis-protocol/whole", |b| {
            b.iter_batched_ref(
                || BytesMut::from(input),
                |buf| assert_eq!(theirs(buf), frames),
                BatchSize::LargeInput,
            )
        });
        g.bench_function("redis-protocol/chunked_4k", |b| {
            b.iter(|| assert_eq!(theirs_chunked(input), frames))
        });
        g.finish();
    }
    let keys = keys();
    let mut total = BytesMut::new();
    encode_ours(&mut total, &keys);
    let mut g = c.benchmark_group("encode_pipelined_commands");
    g.throughput(Throughput::Bytes(total.len() as u64));
    g.bench_function("resp-codec", |b| {
        let mut buf = BytesMut::with_capacity(total.len());
        b.iter(|| encode_ours(&mut buf, &keys))
    });
    g.bench_function("redis-protocol", |b| {
        let mut buf = BytesMut::with_capacity(total.len());
        b.iter(|| encode_theirs(&mut buf, &keys))
    });
    g.finish();
}

/// One case, `iters` times, outside criterion (for instruction counting). With `dry`, only
/// the setup runs (the inputs and the per-iteration buffer copies of the "whole" cases),
/// so the difference between a run and its dry run is the work being measured.
fn run_case(case: &str, iters: usize, dry: bool) {
    let keys = keys();
    let mut buf = BytesMut::with_capacity(1 << 20);
    let inputs = inputs();
    let (group, rest) = case.split_once('/').unwrap_or((case, ""));
    let input = inputs.iter().find(|(n, _, _)| *n == group);
    let mut copies: Vec<BytesMut> = match (input, rest.ends_with("/whole")) {
        (Some((_, input, _)), true) => (0..iters).map(|_| BytesMut::from(&input[..])).collect(),
        _ => Vec::new(),
    };
    if dry {
        black_box(&copies);
        return;
    }
    for _ in 0..iters {
        match case {
            "encode_pipelined_commands/resp-codec" => encode_ours(&mut buf, &keys),
            "encode_pipelined_commands/redis-protocol" => encode_theirs(&mut buf, &keys),
            _ => {
                let Some((_, input, frames)) = input else {
                    panic!("unknown case {case}")
                };
                let n = match rest {
                    "resp-codec/whole" => ours(copies.last_mut().expect("a copy per iteration")),
                    "resp-codec/chunked_4k" => ours_chunked(input),
                    "redis-protocol/whole" => {
                        theirs(copies.last_mut().expect("a copy per iteration"))
                    }
                    "redis-protocol/chunked_4k" => theirs_chunked(input),
                    _ => panic!("unknown case {case}"),
                };
                copies.pop();
                assert_eq!(n, *frames);
            }
        }
    }
}

fn main() {
    if let Ok(case) = std::env::var("RESP_BENCH_CASE") {
        let iters = std::env::var("RESP_BENCH_ITERS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1);
        run_case(&case, iters, std::env::var_os("RESP_BENCH_DRY").is_some());
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c);
    c.final_summary();
}
