//! Shared helpers of the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

pub mod certs;

use std::time::Duration;

use repl_client::rdb::RdbChunkParser;
use repl_client::transport::ConnectOptions;
use repl_client::{Event, Events, ReplicaClient, ReplicaConfig, ReplicaHandle, StreamCommand};
use test_support::Conn;

/// Fast reconnects for tests.
pub fn config() -> repl_client::ReplicaConfigBuilder {
    ReplicaConfig::builder()
        .backoff(Duration::from_millis(50), Duration::from_millis(400))
        .give_up_after(Some(Duration::from_secs(30)))
}

pub fn start(url: &str, cfg: ReplicaConfig) -> (ReplicaHandle, Events) {
    let opts = ConnectOptions::builder()
        .url(url)
        .read_timeout(Some(Duration::from_secs(20)))
        .build()
        .unwrap();
    ReplicaClient::builder(opts)
        .config(cfg)
        .max_buffered_reads(4)
        .start()
}

/// The next event, failing the test after 30 s.
pub async fn next(events: &mut Events) -> Event {
    match tokio::time::timeout(Duration::from_secs(30), events.next()).await {
        Ok(Some(Ok(e))) => e,
        Ok(Some(Err(e))) => panic!("replication failed: {e}"),
        Ok(None) => panic!("event stream ended"),
        Err(_) => panic!("no event within 30 s"),
    }
}

/// Counts keys in an RDB arriving in chunks, with rdb-parser through
/// [`RdbChunkParser`] (bounded memory).
pub struct KeyCounter {
    parser: RdbChunkParser,
    pub keys: u64,
    pub bytes: u64,
}

impl Default for KeyCounter {
    fn default() -> Self {
        KeyCounter {
            parser: RdbChunkParser::new(rdb_parser::Parser::new()),
            keys: 0,
            bytes: 0,
        }
    }
}

impl KeyCounter {
    pub fn feed(&mut self, chunk: &[u8]) {
        self.bytes += chunk.len() as u64;
        let keys = &mut self.keys;
        self.parser
            .feed(chunk, |_, ev| {
                if let rdb_parser::Event::KeyStart(_) = ev {
                    *keys += 1;
                }
                Ok::<(), rdb_parser::Error>(())
            })
            .unwrap();
        // Memory stays bounded: only an unfinished unit of the RDB is held.
        assert!(
            self.parser.buffered() < 1 << 20,
            "{} bytes held",
            self.parser.buffered()
        );
    }

    pub fn finish(self) -> u64 {
        self.parser.finish().unwrap();
        self.keys
    }
}

/// What a full sync delivered.
#[derive(Debug)]
pub struct Sync {
    pub replid: String,
    pub offset: u64,
    pub keys: u64,
    pub bytes: u64,
    /// Whether it was announced as a *new* full sync.
    pub new: bool,
}

/// Consumes events up to the end of the RDB (skipping `Reconnecting`), parsing it.
pub async fn full_sync(events: &mut Events) -> Sync {
    let (replid, offset, new) = loop {
        match next(events).await {
            Event::FullResync { replid, offset } => break (replid, offset, false),
            Event::NewFullSync { replid, offset, .. } => break (replid, offset, true),
            Event::Reconnecting { .. } => {}
            other => panic!("expected a full sync, got {other:?}"),
        }
    };
    let mut counter = KeyCounter::default();
    loop {
        match next(events).await {
            Event::RdbChunk(c) => counter.feed(&c),
            Event::RdbDone { bytes } => {
                assert_eq!(bytes, counter.bytes);
                let keys = counter.finish();
                return Sync {
                    replid,
                    offset,
                    keys,
                    bytes,
                    new,
                };
            }
            other => panic!("during the RDB: {other:?}"),
        }
    }
}

/// Sum of DBSIZE over databases 0..16.
pub fn total_keys(c: &mut Conn) -> u64 {
    let mut n = 0;
    for db in 0..16 {
        c.ok(&["SELECT", &db.to_string()]);
        n += c.ok(&["DBSIZE"]).as_int().unwrap() as u64;
    }
    c.ok(&["SELECT", "0"]);
    n
}

pub fn master_offset(c: &mut Conn) -> u64 {
    c.info_field("replication", "master_repl_offset")
        .unwrap()
        .parse()
        .unwrap()
}

pub fn stat(c: &mut Conn, name: &str) -> u64 {
    c.info_field("stats", name).unwrap().parse().unwrap()
}

/// Writes `n` keys of several types into db 0 and db 3.
pub fn populate(c: &mut Conn, n: usize) {
    for db in ["0", "3"] {
        c.ok(&["SELECT", db]);
        let mut cmds = Vec::new();
        for i in 0..n {
            let k = format!("k{i}");
            cmds.push(match i % 5 {
                0 => vec!["SET".to_string(), k, format!("value-{i}")],
                1 => vec!["RPUSH".into(), k, "a".into(), "b".into(), i.to_string()],
                2 => vec!["HSET".into(), k, "f".into(), i.to_string()],
                3 => vec!["SADD".into(), k, "x".into(), i.to_string()],
                _ => vec!["ZADD".into(), k, "1.5".into(), i.to_string()],
            });
        }
        for r in c.pipeline(&cmds).unwrap() {
            assert!(!matches!(r, test_support::Reply::Error(_)), "{r:?}");
        }
    }
    c.ok(&["SELECT", "0"]);
}

/// Consumes commands (acking each) from offset `from` until the stream reaches `target`;
/// returns them.
pub async fn until_offset(
    events: &mut Events,
    handle: &ReplicaHandle,
    from: u64,
    target: u64,
) -> Vec<StreamCommand> {
    let mut out = Vec::new();
    let mut last = from;
    while last < target {
        match next(events).await {
            Event::Command(c) => {
                assert!(
                    c.start >= last || out.is_empty(),
                    "offsets go backwards: {c:?}"
                );
                last = c.end;
                handle.ack(c.end);
                out.push(c);
            }
            Event::Reconnecting { .. } | Event::Continue { .. } => {}
            other => panic!("in the stream: {other:?}"),
        }
    }
    assert_eq!(last, target, "stream offset overshot the master's offset");
    out
}
