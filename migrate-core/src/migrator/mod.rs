//! [`Migrator`]: a whole migration — full copy, then (optionally) the live stream — from a
//! standalone source into a [`Sink`] (by default a standalone Redis target).
//!
//! ```no_run
//! # async fn demo() -> Result<(), migrate_core::migrator::MigrateError> {
//! use std::time::Duration;
//! use migrate_core::config::ConflictPolicy;
//! use migrate_core::migrator::{Migrator, Mode};
//!
//! let handle = Migrator::builder()
//!     .source("redis://127.0.0.1:6379")
//!     .target("redis://127.0.0.1:6380")
//!     .mode(Mode::FullAndIncremental)
//!     .conflict(ConflictPolicy::Overwrite)
//!     .checkpoint_file("/var/lib/migrate/checkpoint")
//!     .build()?
//!     .run();
//! let mut updates = handle.updates();
//! while updates.changed().await.is_ok() {
//!     let s = updates.borrow().clone();
//!     if s.caught_up {
//!         break; // safe to switch clients over
//!     }
//! }
//! let summary = handle.stop().await?; // drains, checkpoints
//! println!("{} keys, {} commands", summary.status.keys_written, summary.status.commands_applied);
//! # Ok(()) }
//! ```
//!
//! # Semantics
//!
//! * **Full phase.** `PSYNC ? -1`; the snapshot is parsed as it arrives (never buffered
//!   whole) and each key is written as `RESTORE key ttl payload [ABSTTL] [REPLACE]` when the
//!   target accepts the encoding (its RDB version knows the type byte; the payload is
//!   labelled with the target's RDB version) and the payload is at most the restore size
//!   limit, the target's `proto-max-bulk-len` and 16 MiB (a payload is held whole in
//!   memory two or three times over, so bigger values stream instead, keeping the peak
//!   memory bounded); otherwise as commands in bounded batches
//!   ([`crate::convert`]). A key is always replaced, never merged. Keys expired at transfer
//!   time are skipped and counted. `lua` AUX scripts are loaded (`SCRIPT LOAD`), function
//!   libraries with `FUNCTION LOAD REPLACE`.
//! * **Incremental phase.** Every command in order, through [`crate::filter::StreamFilter`]
//!   (db mapping, key/type/command filters, `MULTI`/`EXEC` kept atomic) and
//!   [`crate::command::adapt`] (older targets). The offset acknowledged to the source and
//!   checkpointed is the one the target has *applied* (its reply arrived); inside a
//!   transaction the offset only moves at `EXEC`.
//! * **Faults.** A lost source link is resumed by the replication client (`PSYNC replid
//!   offset+1`; `+CONTINUE` or, if the source cannot continue, a new full sync whose keys
//!   replace the old ones). A lost target connection is reconnected with backoff for up to
//!   the retry window; what was in flight is forgotten and replication restarts from the
//!   last *applied* offset (a new `PSYNC` continuing there), so every command is applied
//!   exactly once. With a checkpoint key, the position resumed from is the key read back
//!   from the target (written atomically with the data, see below), so that holds even
//!   for a batch the target executed whose reply was lost with the connection; without
//!   one, such a batch (at most one pipeline) is applied again (harmless for idempotent
//!   commands such as `SET`, `DEL`, `RESTORE`, not for `INCR`/`LPUSH`). A lost target
//!   during the full phase restarts the full sync.
//! * **Stop.** [`MigrationHandle::stop`] drains the pipeline, saves the checkpoint and
//!   returns a [`Summary`]. A later run with the same checkpoint resumes with `+CONTINUE`
//!   and exact data. During the incremental phase the checkpoint is also saved every
//!   second (only for offsets the target applied).
//! * **Abrupt kill.** With a **checkpoint key** (on the target), every batch of stream
//!   commands is sent as `MULTI` *commands* `SET <key> "replid offset db"` `EXEC`
//!   ([`crate::sink::RedisSink`] documents the rules: source transactions flattened and
//!   never split, batches of at most 128 commands / 64 KiB, closed after 2 ms of idle
//!   stream; a command the target refuses at queue time stops the run whatever the error
//!   policy). Redis discards a `MULTI` whose connection closes, so after a `SIGKILL` the
//!   target holds exactly the commands up to the checkpoint it holds, and a new run with
//!   the same key (which is read first, before any file) resumes there with
//!   `+CONTINUE`: exact, `INCR`/`LPUSH` included. With only a **checkpoint file**, a
//!   killed migrator resumes from the last file save, so the commands applied in that last
//!   second (at most) are applied again — exact for idempotent writes, not for
//!   `INCR`/`LPUSH`-style ones; prefer a graceful stop (the CLI does it on
//!   SIGINT/SIGTERM) or a checkpoint key.
//! * **TTL extension** applies to the snapshot's keys; expiries set by later stream
//!   commands are forwarded as the source sent them.
//! * **Downgrades.** A payload is restored when the target's RDB version knows its type
//!   byte (it is then labelled with the target's version); otherwise (e.g. 7.0 listpacks
//!   into 6.2/5.0) the key goes as commands. Streams into a 3.2 target and module values
//!   cannot be written: the error policy decides (stop naming the key, or skip and count).

// Errors carry their context (addresses, keys, offsets); they are built once per run.
#![allow(clippy::result_large_err)]

mod engine;
mod full;
mod handle;
mod incr;
mod throttle;

use std::path::PathBuf;
use std::time::Duration;

use repl_client::transport::ConnectOptions;

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::command::Incompatible;
use crate::config::{Config, ConfigError, ConflictPolicy, OnError, Problem};
use crate::convert::{BatchLimits, ConvertError};
use crate::filter::{Filter, FilterError};
use crate::sink::{Sink, SinkError};

pub use handle::{MigrationHandle, Summary};
pub use throttle::Throttle;

/// Largest `restore-size-limit` (the default `proto-max-bulk-len`).
pub const MAX_RESTORE_LIMIT: u64 = 512 << 20;

/// One-time copy, or copy then follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Copy the snapshot, then finish.
    Full,
    /// Copy, then follow the live stream until stopped.
    #[default]
    FullAndIncremental,
}

impl From<crate::config::Mode> for Mode {
    fn from(m: crate::config::Mode) -> Mode {
        match m {
            crate::config::Mode::Full => Mode::Full,
            crate::config::Mode::Sync => Mode::FullAndIncremental,
        }
    }
}

/// Whether to resume from a saved checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Resume {
    /// Load the checkpoint from the configured file/key; full sync when there is none.
    #[default]
    Auto,
    /// Always start with a full sync.
    Never,
    /// Resume from this position.
    From(Checkpoint),
}

/// Why a migration cannot start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// Settings that cannot work (every problem listed).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The source's replication failed (after its retry window).
    #[error("source: {0}")]
    Source(#[from] repl_client::Error),
    /// The sink failed.
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// The snapshot is corrupt.
    #[error("snapshot: {0}")]
    Rdb(#[from] rdb_parser::Error),
    /// A key cannot be written to the target (e.g. a stream into a 3.2 target, with
    /// `on-error = stop`).
    #[error("key {key:?} (db {db}): {source}")]
    Convert {
        /// Source db.
        db: u32,
        /// The key.
        key: String,
        /// Why.
        source: ConvertError,
    },
    /// A stream command the filters refuse (bad syntax, unmappable db, policy `fail`).
    #[error("command {command} at source offset {offset}: {source}")]
    Filter {
        /// Command name.
        command: String,
        /// Offset after the command.
        offset: u64,
        /// Why.
        source: FilterError,
    },
    /// A stream command the target version cannot reproduce.
    #[error("at source offset {offset}: {source}")]
    Incompatible {
        /// Offset after the command.
        offset: u64,
        /// Why.
        source: Incompatible,
    },
    /// The checkpoint cannot be read or saved.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The engine task ended abnormally.
    #[error("migration task: {0}")]
    Task(String),
}

/// Builder for a [`Migrator`]; see the [module docs](self).
#[derive(Debug)]
pub struct MigratorBuilder {
    pub(crate) source: Option<String>,
    pub(crate) target: Option<String>,
    pub(crate) sink: Option<Box<dyn Sink>>,
    pub(crate) mode: Mode,
    pub(crate) filter: Filter,
    pub(crate) conflict: ConflictPolicy,
    pub(crate) on_error: OnError,
    pub(crate) ttl_extend: Duration,
    pub(crate) full_throttle: Throttle,
    pub(crate) incr_throttle: Throttle,
    pub(crate) retry_window: Duration,
    pub(crate) heartbeat: Option<(String, Duration)>,
    pub(crate) checkpoint_file: Option<PathBuf>,
    pub(crate) checkpoint_key: Option<String>,
    pub(crate) restore_size_limit: u64,
    pub(crate) batch_limits: BatchLimits,
    pub(crate) window: usize,
    pub(crate) resume: Resume,
    pub(crate) status_interval: Duration,
}

impl Default for MigratorBuilder {
    fn default() -> Self {
        MigratorBuilder {
            source: None,
            target: None,
            sink: None,
            mode: Mode::default(),
            filter: Filter::default(),
            conflict: ConflictPolicy::Error,
            on_error: OnError::Stop,
            ttl_extend: Duration::ZERO,
            full_throttle: Throttle::default(),
            incr_throttle: Throttle::default(),
            retry_window: Duration::from_secs(600),
            heartbeat: Some((
                crate::config::DEFAULT_HEARTBEAT_KEY.to_owned(),
                Duration::from_secs(1),
            )),
            checkpoint_file: None,
            checkpoint_key: None,
            restore_size_limit: 256 << 20,
            batch_limits: BatchLimits::default(),
            window: crate::sink::DEFAULT_WINDOW,
            resume: Resume::Auto,
            status_interval: Duration::from_millis(500),
        }
    }
}

impl MigratorBuilder {
    /// Source URL (`redis://[user:pass@]host:port`, `rediss://`).
    pub fn source(mut self, url: impl Into<String>) -> Self {
        self.source = Some(url.into());
        self
    }
    /// Target URL (a standalone Redis; the built-in [`crate::sink::RedisSink`]).
    pub fn target(mut self, url: impl Into<String>) -> Self {
        self.target = Some(url.into());
        self
    }
    /// A custom sink instead of a target URL.
    pub fn sink(mut self, sink: impl Sink + 'static) -> Self {
        self.sink = Some(Box::new(sink));
        self
    }
    /// Full copy only, or copy then follow (default).
    pub fn mode(mut self, m: Mode) -> Self {
        self.mode = m;
        self
    }
    /// Dbs, mapping, key/type/command filters (the heartbeat key is added at build).
    pub fn filter(mut self, f: Filter) -> Self {
        self.filter = f;
        self
    }
    /// Keys the target already holds (default `Error`).
    pub fn conflict(mut self, p: ConflictPolicy) -> Self {
        self.conflict = p;
        self
    }
    /// Commands/keys the target rejects or cannot hold (default `Stop`).
    pub fn on_error(mut self, p: OnError) -> Self {
        self.on_error = p;
        self
    }
    /// Added to every migrated TTL (keys without TTL stay without).
    pub fn ttl_extend(mut self, d: Duration) -> Self {
        self.ttl_extend = d;
        self
    }
    /// Full-phase limits.
    pub fn full_throttle(mut self, t: Throttle) -> Self {
        self.full_throttle = t;
        self
    }
    /// Incremental-phase limits.
    pub fn incr_throttle(mut self, t: Throttle) -> Self {
        self.incr_throttle = t;
        self
    }
    /// How long lost links are retried (default 10 min).
    pub fn retry_window(mut self, d: Duration) -> Self {
        self.retry_window = d;
        self
    }
    /// Heartbeat key and period (default `redis-migrate:heartbeat`, 1 s); `None` turns
    /// the heartbeat off (no lag in ms then).
    pub fn heartbeat(mut self, hb: Option<(String, Duration)>) -> Self {
        self.heartbeat = hb;
        self
    }
    /// Checkpoint file.
    pub fn checkpoint_file(mut self, p: impl Into<PathBuf>) -> Self {
        self.checkpoint_file = Some(p.into());
        self
    }
    /// Checkpoint key on the target (db of the target URL, default 0).
    pub fn checkpoint_key(mut self, k: impl Into<String>) -> Self {
        self.checkpoint_key = Some(k.into());
        self
    }
    /// `RESTORE` payloads above this go as commands (default 256 MiB).
    pub fn restore_size_limit(mut self, n: u64) -> Self {
        self.restore_size_limit = n;
        self
    }
    /// Per-command bounds for keys sent as commands.
    pub fn batch_limits(mut self, l: BatchLimits) -> Self {
        self.batch_limits = l;
        self
    }
    /// Target pipeline window in commands (default [`crate::sink::DEFAULT_WINDOW`]).
    pub fn window(mut self, n: usize) -> Self {
        self.window = n;
        self
    }
    /// Resume behaviour (default: from the configured checkpoint if one is saved).
    pub fn resume(mut self, r: Resume) -> Self {
        self.resume = r;
        self
    }
    /// How often status updates are published (default 500 ms).
    pub fn status_interval(mut self, d: Duration) -> Self {
        self.status_interval = d;
        self
    }

    /// A builder with every setting of `cfg` (which is validated first).
    pub fn from_config(cfg: &Config) -> Result<MigratorBuilder, ConfigError> {
        cfg.validate()?;
        let b = MigratorBuilder {
            source: Some(cfg.source.clone()),
            target: Some(cfg.target.clone()),
            mode: cfg.mode.into(),
            filter: cfg.filter()?,
            conflict: cfg.conflict,
            on_error: cfg.on_error,
            ttl_extend: Duration::from_secs(cfg.ttl_extend_secs),
            full_throttle: Throttle {
                ops_per_sec: cfg.full_ops_per_sec,
                bytes_per_sec: cfg.full_bytes_per_sec,
            },
            incr_throttle: Throttle {
                ops_per_sec: cfg.incr_ops_per_sec,
                bytes_per_sec: cfg.incr_bytes_per_sec,
            },
            retry_window: Duration::from_secs(cfg.retry_window_secs),
            heartbeat: Some((
                cfg.heartbeat_key.clone(),
                Duration::from_millis(cfg.heartbeat_interval_ms),
            )),
            checkpoint_file: cfg.checkpoint_file.clone(),
            checkpoint_key: cfg.checkpoint_key.clone(),
            restore_size_limit: cfg.restore_size_limit,
            batch_limits: cfg.batch_limits(),
            ..MigratorBuilder::default()
        };
        Ok(b)
    }

    /// Validates the settings; every problem is listed in the error.
    pub fn build(mut self) -> Result<Migrator, MigrateError> {
        let mut p = Vec::new();
        let mut problem =
            |option: &'static str, message: String| p.push(Problem { option, message });
        let source = match self.source.as_deref() {
            None | Some("") => {
                problem("source", "required (redis://host:port)".into());
                None
            }
            Some(u) => match ConnectOptions::from_url(u) {
                Ok(o) => Some(o),
                Err(e) => {
                    problem("source", e.to_string());
                    None
                }
            },
        };
        let target = match (self.target.as_deref(), self.sink.is_some()) {
            (Some(u), false) => match ConnectOptions::from_url(u) {
                Ok(o) => Some(o),
                Err(e) => {
                    problem("target", e.to_string());
                    None
                }
            },
            (None, false) => {
                problem("target", "required (a target URL or a custom sink)".into());
                None
            }
            (Some(_), true) => {
                problem(
                    "target",
                    "give either a target URL or a custom sink, not both".into(),
                );
                None
            }
            (None, true) => None,
        };
        if let (Some(s), Some(t)) = (&source, &target) {
            if s.addr() == t.addr() && s.db() == t.db() && self.filter.dbs.target(0) == Some(0) {
                problem(
                    "target",
                    format!("{} is the source itself (map the dbs elsewhere)", t.addr()),
                );
            }
        }
        if self.checkpoint_key.is_some() && target.is_none() && self.sink.is_none() {
            problem("checkpoint-key", "needs a target URL".into());
        }
        if self.sink.is_some() && self.checkpoint_key.is_some() {
            problem(
                "checkpoint-key",
                "only with a target URL (custom sink given)".into(),
            );
        }
        if self.restore_size_limit == 0 || self.restore_size_limit > MAX_RESTORE_LIMIT {
            problem(
                "restore-size-limit",
                format!(
                    "{} is not in 1..={}",
                    self.restore_size_limit, MAX_RESTORE_LIMIT
                ),
            );
        }
        if self.batch_limits.max_elems == 0 || self.batch_limits.max_bytes == 0 {
            problem("batch-max-elems", "batch limits must be at least 1".into());
        }
        if let Some((k, d)) = &self.heartbeat {
            if k.is_empty() {
                problem("heartbeat-key", "empty".into());
            }
            if d.is_zero() {
                problem("heartbeat-interval-ms", "must be at least 1".into());
            }
        }
        for (name, t) in [
            ("full-ops-per-sec", self.full_throttle.ops_per_sec),
            ("full-bytes-per-sec", self.full_throttle.bytes_per_sec),
            ("incr-ops-per-sec", self.incr_throttle.ops_per_sec),
            ("incr-bytes-per-sec", self.incr_throttle.bytes_per_sec),
        ] {
            if t == Some(0) {
                problem(
                    name,
                    "0 would stop the migration; omit it for no limit".into(),
                );
            }
        }
        let Some(source) = source.filter(|_| p.is_empty()) else {
            return Err(ConfigError::Invalid(p).into());
        };
        self.filter.heartbeat_key = self.heartbeat.as_ref().map(|(k, _)| k.as_bytes().to_vec());
        Ok(Migrator {
            b: self,
            source,
            target,
        })
    }
}

/// A configured migration; [`Migrator::run`] starts it.
#[derive(Debug)]
pub struct Migrator {
    pub(crate) b: MigratorBuilder,
    pub(crate) source: ConnectOptions,
    pub(crate) target: Option<ConnectOptions>,
}

impl Migrator {
    /// A builder with the defaults (mode full-and-incremental, conflict `error`, on-error
    /// `stop`, heartbeat on, no throttle, retry window 10 min).
    pub fn builder() -> MigratorBuilder {
        MigratorBuilder::default()
    }

    /// Starts the migration on the current tokio runtime.
    pub fn run(self) -> MigrationHandle {
        handle::spawn(self)
    }
}
