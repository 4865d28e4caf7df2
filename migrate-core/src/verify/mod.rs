//! Verification: prove that a target holds the same data as a source.
//!
//! * [`Mode::Quick`]: per db, keys and keys-with-expiry on both sides (`INFO keyspace`, or
//!   a filtered `SCAN` when a key filter is set), through the db mapping. The report states
//!   the expiry caveat.
//! * [`Mode::Full`]: `SCAN` the source; for each key compare type, value and TTL (within a
//!   tolerance); `SCAN` the target for keys the source lacks. Values are compared exactly:
//!   strings byte for byte, lists in order, sets and hashes as sets, zsets with bit-exact
//!   scores (so `-0` and `0` differ: Redis keeps the sign of zero through `ZADD`, `DUMP`
//!   and replication), streams with entries, metadata, groups, PEL and consumers, HLLs as
//!   strings. Big values are compared in chunks, so memory stays flat.
//! * **Rounds**: differing keys are re-checked after a delay, up to N rounds; only what
//!   still differs is reported, so writes in flight are not reported as loss.
//! * **Throttle and parallelism**: a key-rate limit on the source, N worker connection
//!   pairs, bounded queues.
//!
//! The target and the source are only read, never written.
//!
//! # Cost and memory
//! A batch of `scan_count` keys costs two or three pipelined round trips per side, both
//! sides at once, on each of `connections` worker pairs. Between servers of the same
//! version (4.0+), `PTTL` + `MEMORY USAGE` + `DUMP` settle most keys (equal payloads mean
//! equal type and value); payloads that differ — hashtable-encoded sets and hashes
//! serialize in a per-process order — and everything on mixed versions are compared
//! structurally. A `DUMP`/`MEMORY` refused by the server just disables the shortcut.
//! Memory is bounded by the queues (2 batches per worker), one chunk per side for big
//! values (`chunk_sizes`, default 1000 elements / 1 MiB), the `DUMP` budget (64 KiB per
//! key, 8 MiB per batch) and `max_recheck` remembered differences. A single collection
//! element is fetched whole (Redis has no partial read of an element).
//!
//! # What is not compared
//! Idle times, delivery timestamps and consumer seen-times of streams (they move with the
//! clock); the `lag` of consumer groups (derived). Module types are compared by `DUMP`
//! payload only, which is meaningful between equal versions. Key-rate limits apply per
//! key, not per element of a big value.
//!
//! ```no_run
//! # async fn demo() -> Result<(), migrate_core::verify::VerifyError> {
//! use std::time::Duration;
//! use migrate_core::verify::{Mode, Verifier};
//!
//! let report = Verifier::builder()
//!     .source("redis://127.0.0.1:6379")
//!     .target("redis://127.0.0.1:6380")
//!     .mode(Mode::Full)
//!     .rounds(3)
//!     .round_delay(Duration::from_secs(1))
//!     .ttl_tolerance(Duration::from_millis(1500))
//!     .connections(4)
//!     .build()?
//!     .run()
//!     .await?;
//! print!("{report}");
//! assert!(report.is_equal());
//! # Ok(()) }
//! ```

mod compare;
mod deep;
mod fast;
mod full;
mod quick;
mod report;
mod scope;
mod stream;
mod throttle;
mod value;
mod worker;

use std::sync::Arc;
use std::time::{Duration, Instant};

use repl_client::transport::ConnectOptions;

use crate::client::{Client, ClientError};

pub use report::{
    escape_bytes, exit_code_for, Category, Counts, DbCounts, Difference, Mode, Report,
};
pub use scope::{KeyPredicate, Scope};
pub use throttle::Throttle;

/// Why a verification could not run (differences are not errors: they are in the
/// [`Report`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The builder's settings are incomplete or contradictory.
    #[error("invalid verification settings: {0}")]
    Config(String),
    /// A connection or command failed (names the server and command).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A worker task died.
    #[error("verification worker failed: {0}")]
    Worker(String),
}

/// A server to connect to: a URL or prepared options.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// `redis://[user:pass@]host:port[/db]` or `rediss://...`.
    Url(String),
    /// Options built with [`ConnectOptions::builder`] (TLS files, timeouts ...).
    Options(Box<ConnectOptions>),
}

impl From<&str> for Endpoint {
    fn from(s: &str) -> Self {
        Endpoint::Url(s.to_owned())
    }
}

impl From<String> for Endpoint {
    fn from(s: String) -> Self {
        Endpoint::Url(s)
    }
}

impl From<ConnectOptions> for Endpoint {
    fn from(o: ConnectOptions) -> Self {
        Endpoint::Options(Box::new(o))
    }
}

impl Endpoint {
    fn options(&self, which: &str) -> Result<ConnectOptions, VerifyError> {
        match self {
            Endpoint::Options(o) => Ok((**o).clone()),
            Endpoint::Url(u) => ConnectOptions::from_url(u)
                .map_err(|e| VerifyError::Config(format!("{which}: {e}"))),
        }
    }
}

/// Builds a [`Verifier`]; see the [module docs](self). Defaults: full mode, 3 rounds 1 s
/// apart, TTL tolerance 1 s, 4 connections per side, SCAN COUNT 500, no rate limit, 100
/// reported keys, `DUMP` fast path on between equal versions.
#[derive(Debug, Clone)]
pub struct VerifierBuilder {
    source: Option<Endpoint>,
    target: Option<Endpoint>,
    mode: Mode,
    rounds: u32,
    round_delay: Duration,
    scope: Scope,
    ttl_tolerance: Duration,
    rate: Option<u64>,
    connections: usize,
    scan_count: usize,
    max_reported: usize,
    max_recheck: usize,
    first_elems: usize,
    elems_chunk: usize,
    bytes_chunk: usize,
    dump_fast_path: bool,
    dump_max_bytes: u64,
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        VerifierBuilder {
            source: None,
            target: None,
            mode: Mode::Full,
            rounds: 3,
            round_delay: Duration::from_secs(1),
            scope: Scope::default(),
            ttl_tolerance: Duration::from_secs(1),
            rate: None,
            connections: 4,
            scan_count: 500,
            max_reported: 100,
            max_recheck: 100_000,
            first_elems: 128,
            elems_chunk: 1000,
            bytes_chunk: 1 << 20,
            dump_fast_path: true,
            dump_max_bytes: 64 * 1024,
        }
    }
}

impl VerifierBuilder {
    /// The source (required).
    pub fn source(mut self, e: impl Into<Endpoint>) -> Self {
        self.source = Some(e.into());
        self
    }

    /// The target (required).
    pub fn target(mut self, e: impl Into<Endpoint>) -> Self {
        self.target = Some(e.into());
        self
    }

    /// Quick or full (default full).
    pub fn mode(mut self, m: Mode) -> Self {
        self.mode = m;
        self
    }

    /// How many passes at most: the first over everything, the others re-checking what
    /// differed (default 3; at least 1).
    pub fn rounds(mut self, n: u32) -> Self {
        self.rounds = n;
        self
    }

    /// The pause before each re-check round (default 1 s).
    pub fn round_delay(mut self, d: Duration) -> Self {
        self.round_delay = d;
        self
    }

    /// Maps source dbs to target dbs (`(source, target)` pairs); unmapped dbs map to
    /// themselves.
    pub fn db_map(mut self, pairs: impl IntoIterator<Item = (u32, u32)>) -> Self {
        self.scope.add_mapping(pairs);
        self
    }

    /// Compares only these source dbs (and only their images on the target).
    pub fn dbs(mut self, dbs: impl IntoIterator<Item = u32>) -> Self {
        self.scope.set_allow(dbs);
        self
    }

    /// Compares only keys for which `f` is true (on both sides).
    pub fn key_filter(mut self, f: impl Fn(&[u8]) -> bool + Send + Sync + 'static) -> Self {
        self.scope.set_filter(Arc::new(f));
        self
    }

    /// Replaces the whole scope (dbs, mapping, filter), e.g. with a migration's.
    pub fn scope(mut self, s: Scope) -> Self {
        self.scope = s;
        self
    }

    /// Largest accepted TTL difference (default 1 s).
    pub fn ttl_tolerance(mut self, d: Duration) -> Self {
        self.ttl_tolerance = d;
        self
    }

    /// At most this many keys per second read from the source (default unlimited).
    pub fn rate(mut self, keys_per_sec: u64) -> Self {
        self.rate = Some(keys_per_sec);
        self
    }

    /// Worker connection pairs (default 4).
    pub fn connections(mut self, n: usize) -> Self {
        self.connections = n;
        self
    }

    /// `SCAN ... COUNT n` and keys per batch (default 500).
    pub fn scan_count(mut self, n: usize) -> Self {
        self.scan_count = n;
        self
    }

    /// How many differing keys the report lists with details (default 100).
    pub fn max_reported(mut self, n: usize) -> Self {
        self.max_reported = n;
        self
    }

    /// How many differing keys are remembered for re-checking (default 100,000). Beyond
    /// that, differences are counted without re-check.
    pub fn max_recheck(mut self, n: usize) -> Self {
        self.max_recheck = n;
        self
    }

    /// Elements fetched per command for big values (default 1000) and bytes per
    /// `GETRANGE` (default 1 MiB).
    pub fn chunk_sizes(mut self, elements: usize, bytes: usize) -> Self {
        self.elems_chunk = elements;
        self.bytes_chunk = bytes;
        self
    }

    /// Whether to compare `DUMP` payloads first when both servers run the same version
    /// (4.0+; default on). Payloads that differ are compared structurally, so this only
    /// changes speed, never the verdict.
    pub fn dump_fast_path(mut self, on: bool) -> Self {
        self.dump_fast_path = on;
        self
    }

    /// Largest value (by `MEMORY USAGE`) compared by `DUMP` on the fast path (default
    /// 64 KiB); bigger values are compared in chunks.
    pub fn dump_max_bytes(mut self, n: u64) -> Self {
        self.dump_max_bytes = n;
        self
    }

    /// Checks the settings.
    pub fn build(self) -> Result<Verifier, VerifyError> {
        let source = self
            .source
            .as_ref()
            .ok_or_else(|| VerifyError::Config("a source is required".into()))?
            .options("source")?;
        let target = self
            .target
            .as_ref()
            .ok_or_else(|| VerifyError::Config("a target is required".into()))?
            .options("target")?;
        let positive = [
            ("rounds", self.rounds as usize),
            ("connections", self.connections),
            ("scan_count", self.scan_count),
            ("element chunk", self.elems_chunk),
            ("byte chunk", self.bytes_chunk),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(VerifyError::Config(format!("{name} must be at least 1")));
            }
        }
        if self.connections > 256 {
            return Err(VerifyError::Config(
                "connections must be at most 256".into(),
            ));
        }
        if self.rate == Some(0) {
            return Err(VerifyError::Config("rate must be at least 1 key/s".into()));
        }
        if i64::try_from(self.ttl_tolerance.as_millis()).is_err() {
            return Err(VerifyError::Config("ttl tolerance too large".into()));
        }
        Ok(Verifier {
            b: self,
            source,
            target,
        })
    }
}

/// A configured verification; [`run`](Verifier::run) it (as often as you like).
#[derive(Debug, Clone)]
pub struct Verifier {
    b: VerifierBuilder,
    source: ConnectOptions,
    target: ConnectOptions,
}

impl Verifier {
    /// A builder with the defaults.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// Runs the verification and returns the report; `Err` only when it could not run.
    pub async fn run(&self) -> Result<Report, VerifyError> {
        let started = Instant::now();
        let mut report = Report {
            mode: self.b.mode,
            ..Default::default()
        };
        let mut src = Client::connect(&self.source).await?;
        let mut tgt = Client::connect(&self.target).await?;
        let sv = src.server_version().await?;
        let tv = tgt.server_version().await?;
        report.notes.push(format!(
            "source {} runs Redis {sv}, target {} runs Redis {tv}",
            src.addr(),
            tgt.addr()
        ));
        match self.b.mode {
            Mode::Quick => self.run_quick(&mut src, &mut tgt, &mut report).await?,
            Mode::Full => full::run(self, src, tgt, sv, tv, &mut report).await?,
        }
        report.elapsed = started.elapsed();
        Ok(report)
    }

    async fn run_quick(
        &self,
        src: &mut Client,
        tgt: &mut Client,
        report: &mut Report,
    ) -> Result<(), VerifyError> {
        report.notes.push(quick::EXPIRY_CAVEAT.to_owned());
        let mut round = 0;
        loop {
            round += 1;
            let (rows, diffs) =
                quick::quick_round(src, tgt, &self.b.scope, self.b.scan_count).await?;
            if diffs.is_empty() || round >= self.b.rounds {
                report.rounds = round;
                report.dbs = rows;
                for (d, n) in diffs {
                    report.counts.add(d.category, n);
                    report.differences.push(d);
                }
                return Ok(());
            }
            tokio::time::sleep(self.b.round_delay).await;
        }
    }
}
