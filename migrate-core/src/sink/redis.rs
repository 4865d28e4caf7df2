//! [`RedisSink`]: writes into a standalone Redis over one pipelined connection.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use repl_client::transport::ConnectOptions;

use super::error::{Rejected, SinkError};
use super::reply::{Inflight, Kind, Label, Pending};
use super::{KeyRecord, KeyValue, KeyWrite, Sink, SinkCaps, SinkCommand, SinkFuture, SinkStats};
use crate::client::Client;
use crate::config::{ConflictPolicy, OnError};

mod block;
mod keys;
use block::Block;
use keys::StringBatch;

/// Default pipeline window: commands in flight before the sink waits for replies.
pub const DEFAULT_WINDOW: usize = 8192;
/// Queued commands are written to the socket once this many are queued...
const FLUSH_EVERY_CMDS: usize = 128;
/// ... or this many bytes.
const FLUSH_EVERY_BYTES: usize = 64 << 10;

fn c_queued(c: &Option<Client>) -> usize {
    c.as_ref().map_or(0, Client::queued)
}

fn c_queued_bytes(c: &Option<Client>) -> usize {
    c.as_ref().map_or(0, Client::queued_bytes)
}

/// Default bound on the bytes in flight.
const DEFAULT_WINDOW_BYTES: usize = 32 << 20;

/// Builder for a [`RedisSink`].
#[derive(Debug, Clone)]
pub struct RedisSinkBuilder {
    opts: ConnectOptions,
    conflict: ConflictPolicy,
    on_error: OnError,
    window: usize,
    window_bytes: usize,
    retry_window: Duration,
    checkpoint_key: Option<(String, u32)>,
}

impl RedisSinkBuilder {
    /// What to do with keys the target already holds (default `Error`: the first full sync
    /// refuses a non-empty mapped db).
    pub fn conflict(mut self, p: ConflictPolicy) -> Self {
        self.conflict = p;
        self
    }
    /// What to do with a stream command the target rejects (default `Stop`).
    pub fn on_error(mut self, p: OnError) -> Self {
        self.on_error = p;
        self
    }
    /// Commands in flight (default [`DEFAULT_WINDOW`]).
    pub fn window(mut self, n: usize) -> Self {
        self.window = n.max(1);
        self
    }
    /// Bytes in flight (default 32 MiB).
    pub fn window_bytes(mut self, n: usize) -> Self {
        self.window_bytes = n.max(1);
        self
    }
    /// How long [`Sink::reconnect`] keeps trying (default 10 min).
    pub fn retry_window(mut self, d: Duration) -> Self {
        self.retry_window = d;
        self
    }
    /// Keeps the migration's checkpoint in `key` (in db `db`) *transactionally with the
    /// data*: every batch of stream commands is sent as `MULTI` *commands* `SET key
    /// "replid offset db"` `EXEC` (see [`RedisSink`]). The engine sets this when a
    /// checkpoint key is configured.
    pub fn checkpoint_key(mut self, key: impl Into<String>, db: u32) -> Self {
        self.checkpoint_key = Some((key.into(), db));
        self
    }
    /// Connects and reads the target's version and `proto-max-bulk-len`.
    pub async fn connect(self) -> Result<RedisSink, SinkError> {
        let mut client = Client::connect(&self.opts)
            .await
            .map_err(SinkError::Connection)?;
        let v = client
            .server_version()
            .await
            .map_err(SinkError::Connection)?;
        let mut caps = SinkCaps::redis(v.major, v.minor);
        if v.at_least(4, 0) {
            if let Ok(Some(n)) = client.config_get("proto-max-bulk-len").await {
                if let Ok(n) = n.parse::<u64>() {
                    caps.max_bulk_len = n;
                }
            }
        }
        Ok(RedisSink {
            b: self,
            client: Some(client),
            caps,
            inflight: Inflight::default(),
            replid: None,
            source_db: 0,
            block: None,
            strings: StringBatch::default(),
            fresh_dbs: false,
        })
    }
}

/// A standalone Redis target: `RESTORE`s and commands pipelined on one connection with a
/// bounded window (commands and bytes).
///
/// * `RESTORE key ttl payload ABSTTL [REPLACE]` (`REPLACE` unless the conflict policy is
///   `SkipExisting`, where `BUSYKEY` counts the key as skipped). Before 5.0 (no `ABSTTL`)
///   the TTL is made relative at send time; a key already expired then is not sent and is
///   counted in [`SinkStats::keys_expired`].
/// * Keys as commands: under `SkipExisting`, `EXISTS` is asked first (after draining the
///   pipeline); a key created on the target between that answer and the first command would
///   be overwritten — the target is not expected to take other writers during a migration.
/// * Stream commands: `SELECT` is issued when the db changes; `EXEC` replies are checked
///   command by command.
/// * Errors: a rejected full-phase write always stops the run (nothing is dropped silently,
///   e.g. `OOM` names the key); a rejected stream command stops or is recorded and skipped
///   as the error policy says.
///
/// # Checkpoint blocks (exactly-once after an abrupt kill)
///
/// With a [checkpoint key](RedisSinkBuilder::checkpoint_key), stream commands are sent in
/// blocks `MULTI` *commands* [`SELECT` key-db] `SET key "replid offset db"` [`SELECT`
/// back] `EXEC`: the target applies a batch and the position it covers atomically, and
/// discards a `MULTI` without `EXEC` when the connection closes, so whatever stops the
/// migrator (even `SIGKILL`), the checkpoint key always names exactly what the target
/// holds. Rules:
///
/// * A block closes after a complete unit of the stream (a command with its offset
///   acknowledged) once it holds 128 commands or 64 KiB, and on [`Sink::flush`] (the engine's 2 ms idle flush, stops). The pipeline
///   window still bounds what is in flight.
/// * A source transaction is flattened into the current block (its `MULTI`/`EXEC` are not
///   sent; the block is atomic anyway) and never split across blocks; a dangling
///   `EXEC`/`DISCARD` without `MULTI` is not sent. `WATCH` is never propagated.
/// * Every other command the replication stream carries (writes, `SELECT`, `SWAPDB`,
///   `FLUSHALL`/`FLUSHDB`, `SCRIPT`/`FUNCTION`, `EVAL`, `PUBLISH`...) is allowed inside
///   `MULTI`. A command the target refuses *at queue time* (unknown command, wrong
///   arity) aborts the whole block (`EXECABORT`, nothing applied): the run stops naming
///   that command whatever the error policy, since it cannot be skipped alone. A runtime
///   error (an item of `EXEC`'s reply) is reported per command as usual and follows the
///   error policy.
#[derive(Debug)]
pub struct RedisSink {
    b: RedisSinkBuilder,
    client: Option<Client>,
    caps: SinkCaps,
    inflight: Inflight,
    /// The source's replication id and selected db (for the checkpoint value).
    replid: Option<String>,
    source_db: u32,
    /// The open checkpoint block.
    block: Option<Block>,
    /// Strings waiting for their `MSET`.
    strings: StringBatch,
    /// The full sync in progress started on empty dbs (conflict policy `Error`): its
    /// `RESTORE`s need no `REPLACE`.
    fresh_dbs: bool,
}

impl std::fmt::Debug for Inflight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflight")
            .field("commands", &self.queue.len())
            .field("bytes", &self.bytes)
            .field("applied", &self.applied)
            .finish()
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl RedisSink {
    /// A builder for a target reached with `opts`.
    pub fn builder(opts: ConnectOptions) -> RedisSinkBuilder {
        RedisSinkBuilder {
            opts,
            conflict: ConflictPolicy::Error,
            on_error: OnError::Stop,
            window: DEFAULT_WINDOW,
            window_bytes: DEFAULT_WINDOW_BYTES,
            retry_window: Duration::from_secs(600),
            checkpoint_key: None,
        }
    }

    /// Connects to `url` with the default settings.
    pub async fn connect(url: &str) -> Result<RedisSink, SinkError> {
        let opts = ConnectOptions::from_url(url).map_err(|e| {
            SinkError::Connection(crate::client::ClientError::Connect {
                addr: String::new(),
                source: e,
            })
        })?;
        Self::builder(opts).connect().await
    }

    fn check(&mut self) -> Result<(), SinkError> {
        match self.inflight.failed.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn lost(&mut self, e: crate::client::ClientError) -> SinkError {
        self.client = None;
        self.block = None;
        self.strings = StringBatch::default();
        self.fresh_dbs = false;
        self.inflight.clear();
        SinkError::Connection(e)
    }

    fn client(&mut self) -> Result<&mut Client, SinkError> {
        match self.client.as_mut() {
            Some(c) => Ok(c),
            None => Err(SinkError::Connection(crate::client::ClientError::Closed {
                addr: self.b.opts.addr(),
                command: "(connection lost earlier)".into(),
            })),
        }
    }

    /// Queues `args` and reads replies while the window is full.
    async fn send<A: AsRef<[u8]>>(
        &mut self,
        args: &[A],
        kind: Kind,
        ack: Option<u64>,
        offset: Option<u64>,
    ) -> Result<(), SinkError> {
        self.flush_strings().await?;
        let c = self.client()?;
        let before = c.queued_bytes();
        c.queue(args);
        let bytes = c.queued_bytes().saturating_sub(before);
        let name = args.first().map_or(&b""[..], |a| a.as_ref());
        let key = args.get(1).map_or(&b""[..], |a| a.as_ref());
        let in_block = self.block.is_some();
        self.inflight.push(Pending {
            kind,
            ack,
            offset,
            bytes,
            label: Label::new(name, key),
            in_block,
        });
        self.after_queue().await
    }

    /// After a command is queued: hands the target work early (it processes while we parse
    /// and queue more); waits for replies only when the window is full.
    async fn after_queue(&mut self) -> Result<(), SinkError> {
        if c_queued(&self.client) >= FLUSH_EVERY_CMDS
            || c_queued_bytes(&self.client) >= FLUSH_EVERY_BYTES
        {
            if let Some(c) = self.client.as_mut() {
                if let Err(e) = c.flush().await {
                    return Err(self.lost(e));
                }
            }
        }
        if self.inflight.queue.len() >= self.b.window || self.inflight.bytes >= self.b.window_bytes
        {
            self.drain_to(self.b.window / 2, self.b.window_bytes / 2)
                .await?;
        }
        self.check()
    }

    /// Flushes and reads replies until at most `n` commands and `bytes` are in flight.
    async fn drain_to(&mut self, n: usize, bytes: usize) -> Result<(), SinkError> {
        let Some(c) = self.client.as_mut() else {
            return Err(self
                .client()
                .err()
                .unwrap_or(SinkError::Protocol("no connection".into())));
        };
        if let Err(e) = c.flush().await {
            return Err(self.lost(e));
        }
        while !self.inflight.queue.is_empty()
            && (self.inflight.queue.len() > n || self.inflight.bytes > bytes)
        {
            let Some(c) = self.client.as_mut() else {
                break;
            };
            match c.recv().await {
                Ok(f) => self.inflight.on_reply(&f, self.b.conflict, self.b.on_error),
                Err(e) => return Err(self.lost(e)),
            }
        }
        Ok(())
    }

    async fn select(&mut self, db: u32) -> Result<(), SinkError> {
        self.flush_strings().await?;
        self.select_now(db)
    }

    /// Queues a `SELECT` when `db` is not the selected one.
    fn select_now(&mut self, db: u32) -> Result<(), SinkError> {
        let c = self.client()?;
        if c.db() == db {
            return Ok(());
        }
        let before = c.queued_bytes();
        c.queue_select(db);
        let bytes = c.queued_bytes().saturating_sub(before);
        let in_block = self.block.is_some();
        self.inflight.push(Pending {
            kind: Kind::Plumbing,
            ack: None,
            offset: None,
            bytes,
            label: Label::new(b"SELECT", b""),
            in_block,
        });
        Ok(())
    }

    async fn stream_command(&mut self, cmd: &SinkCommand<'_>) -> Result<(), SinkError> {
        if self.blocks() {
            return self.block_command(cmd).await;
        }
        if let Some(db) = cmd.db {
            self.select(db).await?;
        }
        let kind = if cmd
            .argv
            .first()
            .is_some_and(|n| n.eq_ignore_ascii_case(b"EXEC"))
        {
            Kind::Exec
        } else {
            Kind::Stream
        };
        self.send(cmd.argv, kind, cmd.ack, Some(cmd.end)).await
    }

    async fn plumbing<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<(), SinkError> {
        self.send(args, Kind::Plumbing, None, None).await
    }

    async fn full_sync_start(&mut self, first: bool, dbs: &[u32]) -> Result<(), SinkError> {
        self.flush_strings().await?;
        if self.block.is_some_and(|b| b.in_txn || !b.complete) {
            // A block cut mid-transaction: drop it with the connection (the target
            // discards it), then go on with a fresh connection.
            self.do_reconnect().await?;
        }
        self.close_block().await?;
        self.drain_to(0, 0).await?;
        self.check()?;
        let in_scope = |db: u32| dbs.is_empty() || dbs.contains(&db);
        let c = self.client()?;
        let keyspace = match c.keyspace().await {
            Ok(k) => k,
            Err(e) => return Err(self.lost(e)),
        };
        self.fresh_dbs = false;
        if self.b.conflict != ConflictPolicy::Error {
            return Ok(());
        }
        for k in keyspace.iter().filter(|k| in_scope(k.db) && k.keys > 0) {
            if first {
                return Err(SinkError::Conflict {
                    db: k.db,
                    keys: k.keys,
                });
            }
            // A repeated full sync of a migration that started on an empty target: what
            // is there is ours and superseded (keys deleted on the source meanwhile must
            // not linger).
            let c = self.client()?;
            c.select(k.db).await?;
            c.cmd(&["FLUSHDB"]).await?;
        }
        self.fresh_dbs = true;
        Ok(())
    }

    async fn do_reconnect(&mut self) -> Result<(), SinkError> {
        self.client = None;
        self.block = None;
        self.strings = StringBatch::default();
        self.fresh_dbs = false;
        self.inflight.clear();
        let start = Instant::now();
        let mut delay = Duration::from_millis(200);
        loop {
            match Client::connect(&self.b.opts).await {
                Ok(mut c) => {
                    // A restarting server answers LOADING for a while.
                    match c.cmd(&["PING"]).await {
                        Ok(_) => {
                            self.client = Some(c);
                            return Ok(());
                        }
                        Err(e) if start.elapsed() >= self.b.retry_window => {
                            return Err(SinkError::GaveUp {
                                secs: self.b.retry_window.as_secs(),
                                last: e.to_string(),
                            })
                        }
                        Err(_) => {}
                    }
                }
                Err(e) if start.elapsed() >= self.b.retry_window => {
                    return Err(SinkError::GaveUp {
                        secs: self.b.retry_window.as_secs(),
                        last: e.to_string(),
                    })
                }
                Err(_) => {}
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }
}

impl Sink for RedisSink {
    fn caps(&self) -> SinkCaps {
        self.caps
    }

    fn write_key<'a>(&'a mut self, rec: KeyRecord<'a>) -> SinkFuture<'a, KeyWrite> {
        Box::pin(async move {
            match rec.value {
                KeyValue::Restore { payload } => self.restore(&rec, payload).await,
                KeyValue::String { value } => self.write_string(&rec, value).await,
                KeyValue::Commands {
                    commands,
                    first,
                    last,
                } => self.key_commands(&rec, commands, first, last).await,
            }
        })
    }

    fn write_command<'a>(&'a mut self, cmd: SinkCommand<'a>) -> SinkFuture<'a, ()> {
        Box::pin(async move { self.stream_command(&cmd).await })
    }

    fn mark(&mut self, offset: u64) {
        self.inflight.mark(offset);
        let db = self.source_db;
        if let Some(b) = self.block.as_mut() {
            b.ack = Some((offset, db));
            b.complete = true;
        }
    }

    fn checkpoint_position(&mut self, replid: &str, source_db: u32) {
        if self.replid.as_deref() != Some(replid) {
            self.replid = Some(replid.to_owned());
        }
        self.source_db = source_db;
    }

    fn flush(&mut self) -> SinkFuture<'_, ()> {
        Box::pin(async move {
            self.flush_strings().await?;
            self.close_block().await?;
            self.drain_to(0, 0).await?;
            self.check()
        })
    }

    fn applied_offset(&self) -> Option<u64> {
        self.inflight.applied
    }

    fn set_applied_offset(&mut self, offset: u64) {
        self.inflight.applied = Some(offset);
    }

    fn stats(&self) -> SinkStats {
        self.inflight.stats
    }

    fn take_rejected(&mut self) -> Vec<Rejected> {
        std::mem::take(&mut self.inflight.rejected)
    }

    fn begin_full_sync<'a>(&'a mut self, first: bool, target_dbs: &'a [u32]) -> SinkFuture<'a, ()> {
        Box::pin(async move { self.full_sync_start(first, target_dbs).await })
    }

    fn on_aux<'a>(&'a mut self, key: &'a [u8], value: &'a [u8]) -> SinkFuture<'a, ()> {
        Box::pin(async move {
            if key == b"lua" {
                self.plumbing(&[&b"SCRIPT"[..], b"LOAD", value]).await?;
            }
            Ok(())
        })
    }

    fn on_function<'a>(&'a mut self, code: &'a [u8]) -> SinkFuture<'a, ()> {
        Box::pin(async move {
            if self.caps.version.is_some_and(|v| v < (7, 0)) {
                return Err(SinkError::Unsupported(format!(
                    "function library {:?}: the target ({}.{}) has no functions (7.0+)",
                    library_name(code),
                    self.caps.version.map_or(0, |v| v.0),
                    self.caps.version.map_or(0, |v| v.1)
                )));
            }
            self.plumbing(&[&b"FUNCTION"[..], b"LOAD", b"REPLACE", code])
                .await
        })
    }

    fn reconnect(&mut self) -> SinkFuture<'_, ()> {
        Box::pin(async move { self.do_reconnect().await })
    }
}

/// The `name=` of a `#!lua name=lib` header, for messages.
fn library_name(code: &[u8]) -> String {
    let first = code.split(|&b| b == b'\n').next().unwrap_or(b"");
    let s = String::from_utf8_lossy(first);
    s.split_whitespace()
        .find_map(|w| w.strip_prefix("name="))
        .unwrap_or("?")
        .to_owned()
}
