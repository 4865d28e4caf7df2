//! repl-client: command-stream throughput, commands/s decoded and handed over.
//!
//! The stream is a recording of what a 7.0 master sends for a typical write mix, encoded
//! exactly as the master propagates it (lowercase client commands, uppercase SELECT /
//! MULTI / EXEC, periodic `ping`): 100,000 commands, ~4.2 MB.
//!
//! * `sans_io_64k`: the [`Replica`] state machine alone, fed in 64 KiB reads (what the
//!   driver reads at a time), every event polled: decode + offsets + event creation.
//! * `driver_tcp`: the whole client — a fake master on 127.0.0.1 answers the handshake and
//!   sends the stream after `+FULLRESYNC`; [`ReplicaClient`] reads the socket, runs the
//!   state machine and hands each command through the bounded event channel to a consumer
//!   task that acks it.
//!
//! `scripts/compare-repl.sh` runs this and the live comparisons against a native replica.

use std::hint::black_box;
use std::time::Instant;

use bytes::BytesMut;
use criterion::{Criterion, Throughput};
use repl_client::transport::ConnectOptions;
use repl_client::{Event, Replica, ReplicaClient, ReplicaConfig};
use resp_codec::{encode_command, Decoder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const COMMANDS: usize = 100_000;
const REPLID: &str = "53b9b28df8042fdc9ab5e3fcbbbabff1d5dce2b3";

/// The recorded stream and the number of commands in it.
fn recorded_stream() -> Vec<u8> {
    let mut b = BytesMut::new();
    let value = "v".repeat(48);
    let push = |b: &mut BytesMut, args: &[&str]| encode_command(b, args.iter().copied());
    push(&mut b, &["SELECT", "0"]);
    let mut i = 0u64;
    // ~1.1 commands per step on average: stop at the target count.
    while (i as usize) * 11 / 10 < COMMANDS {
        let k = format!("key:{}", i % 10_000);
        let s = i.to_string();
        match i % 10 {
            0..=3 => push(&mut b, &["set", &k, &value]),
            4 => push(&mut b, &["incr", "counter"]),
            5 => push(&mut b, &["rpush", "queue", &s]),
            6 => push(&mut b, &["hset", "hash", &k, &s]),
            7 => push(&mut b, &["PEXPIREAT", &k, "1893456000000"]),
            8 => {
                push(&mut b, &["MULTI"]);
                push(&mut b, &["incrby", "a", "2"]);
                push(&mut b, &["EXEC"]);
            }
            _ => push(&mut b, &["zadd", "z", "1.5", &s]),
        }
        if i % 5000 == 0 {
            push(&mut b, &["ping"]);
        }
        i += 1;
    }
    b.to_vec()
}

fn count_commands(stream: &[u8]) -> usize {
    let mut buf = BytesMut::from(stream);
    let mut d = Decoder::new();
    let mut n = 0;
    while let Ok(Some(_)) = d.decode_command(&mut buf) {
        n += 1;
    }
    n
}

fn sans_io(stream: &[u8]) -> usize {
    let t = Instant::now();
    let mut r = Replica::new(ReplicaConfig::builder().build(), t);
    r.poll_link();
    r.connected(t, 1);
    r.handle_input(t, b"+PONG\r\n+OK\r\n+OK\r\n");
    r.handle_input(t, format!("+FULLRESYNC {REPLID} 0\r\n$0\r\n").as_bytes());
    let mut n = 0;
    for chunk in stream.chunks(64 * 1024) {
        r.handle_input(t, chunk);
        while let Some(ev) = r.poll_event() {
            if let Event::Command(c) = ev {
                black_box(&c);
                n += 1;
            }
        }
    }
    n
}

/// A fake master: answers PING/AUTH/REPLCONF, then sends `+FULLRESYNC`, an empty RDB and
/// the stream; keeps reading (ACKs) until the replica leaves.
async fn fake_master(listener: tokio::net::TcpListener, stream: std::sync::Arc<Vec<u8>>) {
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            return;
        };
        let stream = stream.clone();
        tokio::spawn(async move {
            let mut buf = BytesMut::new();
            let mut dec = Decoder::new();
            let mut rbuf = vec![0u8; 16 * 1024];
            loop {
                let Ok(n) = sock.read(&mut rbuf).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&rbuf[..n]);
                while let Ok(Some(cmd)) = dec.decode_command(&mut buf) {
                    let reply: Vec<u8> = if cmd.is("PING") {
                        b"+PONG\r\n".to_vec()
                    } else if cmd.is("PSYNC") {
                        let mut v = format!("+FULLRESYNC {REPLID} 0\r\n$0\r\n").into_bytes();
                        v.extend_from_slice(&stream);
                        v
                    } else if cmd.is("REPLCONF")
                        && cmd.arg(0).is_some_and(|a| a.eq_ignore_ascii_case(b"ACK"))
                    {
                        continue;
                    } else {
                        b"+OK\r\n".to_vec()
                    };
                    if sock.write_all(&reply).await.is_err() {
                        return;
                    }
                }
            }
        });
    }
}

async fn driver_once(url: &str, expect: usize) -> usize {
    let opts = ConnectOptions::from_url(url).expect("url");
    let (handle, mut events) = ReplicaClient::builder(opts).start();
    let mut n = 0;
    while n < expect {
        match events.next().await {
            Some(Ok(Event::Command(c))) => {
                handle.ack(c.end);
                black_box(&c);
                n += 1;
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("{e}"),
            None => panic!("stream ended"),
        }
    }
    handle.shutdown();
    n
}

fn main() {
    let stream = recorded_stream();
    let n = count_commands(&stream);
    assert_eq!(sans_io(&stream), n);
    let mut c = Criterion::default().sample_size(20).configure_from_args();
    let mut g = c.benchmark_group("repl_stream");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("sans_io_64k", |b| b.iter(|| sans_io(black_box(&stream))));

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("redis://{}", listener.local_addr().expect("addr"));
    rt.spawn(fake_master(listener, std::sync::Arc::new(stream.clone())));
    g.bench_function("driver_tcp", |b| {
        b.iter(|| rt.block_on(driver_once(&url, n)));
    });
    g.finish();
    c.final_summary();
    eprintln!("stream: {n} commands, {} bytes", stream.len());
}
