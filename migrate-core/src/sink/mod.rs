//! Where migrated data goes: the [`Sink`] trait, and [`RedisSink`] (a standalone target).
//!
//! The engine hands a sink two kinds of writes, in order:
//!
//! * **key records** ([`KeyRecord`]) during the full phase: a whole key either as a `DUMP`
//!   payload ([`KeyValue::Restore`]), as a whole string ([`KeyValue::String`]), or as
//!   command batches that rebuild it
//!   ([`KeyValue::Commands`], a big key arrives in several batches, the first one replacing
//!   any existing value, the last one marked `last`);
//! * **stream commands** ([`SinkCommand`]) during the incremental phase, each with the
//!   target db it runs in and, when it completes a unit of the replication stream, the
//!   replication offset that is applied once it is ([`SinkCommand::ack`]).
//!
//! Writes may be pipelined: a call returns once the write is *queued*; the sink reports
//! what the target has actually applied through [`Sink::applied_offset`] (the engine
//! acknowledges that offset to the source and checkpoints it) and [`Sink::flush`] waits for
//! everything. A sink's error is returned by the call that discovers it (possibly a later
//! one than the write that caused it: it names the command and key).
//!
//! A user-defined sink (to Kafka, a file, a test double) implements the required methods;
//! the hooks for db changes, AUX fields and functions default to doing nothing.
//!
//! ```
//! use migrate_core::sink::{
//!     KeyRecord, KeyWrite, Sink, SinkCaps, SinkCommand, SinkFuture, SinkStats,
//! };
//!
//! /// Counts what it is given.
//! #[derive(Debug, Default)]
//! struct Counter { keys: u64, commands: u64, applied: Option<u64> }
//!
//! impl Sink for Counter {
//!     fn caps(&self) -> SinkCaps { SinkCaps::commands_only() }
//!     fn write_key<'a>(&'a mut self, rec: KeyRecord<'a>) -> SinkFuture<'a, KeyWrite> {
//!         if rec.is_last() { self.keys += 1; }
//!         Box::pin(async { Ok(KeyWrite::Queued) })
//!     }
//!     fn write_command<'a>(&'a mut self, cmd: SinkCommand<'a>) -> SinkFuture<'a, ()> {
//!         self.commands += 1;
//!         if let Some(o) = cmd.ack { self.applied = Some(o); }
//!         Box::pin(async { Ok(()) })
//!     }
//!     fn mark(&mut self, offset: u64) { self.applied = Some(offset); }
//!     fn flush(&mut self) -> SinkFuture<'_, ()> { Box::pin(async { Ok(()) }) }
//!     fn applied_offset(&self) -> Option<u64> { self.applied }
//!     fn stats(&self) -> SinkStats {
//!         SinkStats { keys_written: self.keys, commands_applied: self.commands, ..SinkStats::default() }
//!     }
//! }
//! let s = Counter::default();
//! assert_eq!(s.stats().keys_written, 0);
//! ```

mod error;
mod redis;
mod reply;

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use crate::command::ValueType;
use crate::convert::Argv;

pub use error::{Rejected, SinkError};
pub use redis::{RedisSink, RedisSinkBuilder, DEFAULT_WINDOW};

/// The future a [`Sink`] method returns.
pub type SinkFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, SinkError>> + Send + 'a>>;

/// What the sink can take; the engine chooses `RESTORE` payloads or commands from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SinkCaps {
    /// The target's `major.minor` (`None`: unknown, treated as the newest).
    pub version: Option<(u32, u32)>,
    /// Highest RDB version of a `RESTORE` payload the sink accepts; `None`: no payloads,
    /// every key arrives as commands.
    pub restore_rdb_version: Option<u16>,
    /// Largest single argument the target accepts (`proto-max-bulk-len`).
    pub max_bulk_len: u64,
}

impl SinkCaps {
    /// A sink that takes only commands (no payloads), of the newest syntax.
    pub fn commands_only() -> SinkCaps {
        SinkCaps {
            version: None,
            restore_rdb_version: None,
            max_bulk_len: 512 << 20,
        }
    }

    /// The capabilities of a Redis server of version `major.minor`.
    pub fn redis(major: u32, minor: u32) -> SinkCaps {
        SinkCaps {
            version: Some((major, minor)),
            restore_rdb_version: Some(rdb_version_of(major, minor)),
            max_bulk_len: 512 << 20,
        }
    }

    /// Whether a payload of RDB type `rdb_type` can be restored (the type must exist in
    /// the sink's RDB version; the payload is then labelled with that version).
    pub fn accepts_type(&self, rdb_type: u8) -> bool {
        match self.restore_rdb_version {
            Some(v) => rdb_type_min_version(rdb_type).is_some_and(|min| min <= v),
            None => false,
        }
    }
}

/// The RDB version a Redis `major.minor` writes (and the highest it reads).
pub fn rdb_version_of(major: u32, minor: u32) -> u16 {
    match (major, minor) {
        (0..=2, _) => 6,
        (3, _) => 7,
        (4, _) => 8,
        (5..=6, _) => 9,
        (7, 0..=1) => 10,
        (7, 2..=3) => 11,
        (7, _) => 12,
        _ => 12,
    }
}

/// The first RDB version that knows value type `rdb_type` (`None`: unknown type).
pub fn rdb_type_min_version(rdb_type: u8) -> Option<u16> {
    Some(match rdb_type {
        0..=4 => 1,
        9..=13 => 2,
        14 => 7,
        5..=7 => 8,
        15 => 9,
        16..=19 => 10,
        20..=21 => 11,
        22..=25 => 12,
        _ => return None,
    })
}

/// One key of the full phase (or one batch of it).
#[derive(Debug, Clone, Copy)]
pub struct KeyRecord<'a> {
    /// Target db.
    pub db: u32,
    /// The key.
    pub key: &'a [u8],
    /// Its type.
    pub kind: ValueType,
    /// Absolute expiry in unix ms (TTL extension already applied), `None` for none.
    pub expire_ms: Option<i64>,
    /// The value.
    pub value: KeyValue<'a>,
}

impl KeyRecord<'_> {
    /// Whether this record completes its key.
    pub fn is_last(&self) -> bool {
        match self.value {
            KeyValue::Restore { .. } | KeyValue::String { .. } => true,
            KeyValue::Commands { last, .. } => last,
        }
    }
}

/// A key's value: a payload, a whole string, or commands rebuilding it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum KeyValue<'a> {
    /// A whole string value (strings up to the raw-payload limit arrive this way, whatever
    /// their RDB encoding: integers as decimal text, LZF decompressed). The sink writes it
    /// as it likes; [`RedisSink`] batches them into `MSET` (no expiry) or sends `SET ...
    /// PXAT` (with one), which costs the target far less than a `RESTORE` per key.
    String {
        /// The value.
        value: &'a [u8],
    },
    /// A complete `DUMP` payload (type byte, encoded value, RDB version, CRC-64): sent as
    /// `RESTORE key ttl payload [ABSTTL] [REPLACE]`.
    Restore {
        /// The payload.
        payload: &'a [u8],
    },
    /// Commands in order. `first`: the first batch of the key (it starts by replacing any
    /// existing value: `DEL`/`SET`, unless the conflict policy keeps existing keys);
    /// `last`: the last batch (it ends with `PEXPIREAT` when the key has an expiry; it may
    /// be empty). The expiry is already in the commands.
    Commands {
        /// The commands.
        commands: &'a [Argv],
        /// First batch of the key.
        first: bool,
        /// Last batch of the key.
        last: bool,
    },
}

/// One command of the incremental phase.
#[derive(Debug, Clone, Copy)]
pub struct SinkCommand<'a> {
    /// Target db it runs in (`None`: db-less, such as `MULTI`, `EXEC`, `FLUSHALL`).
    pub db: Option<u32>,
    /// Name and arguments.
    pub argv: &'a [Bytes],
    /// Source replication offset before the stream command this comes from.
    pub start: u64,
    /// Source replication offset after it.
    pub end: u64,
    /// Once this command is applied, everything up to this offset is (`None` inside a
    /// transaction, or for all but the last of several commands replacing one).
    pub ack: Option<u64>,
}

/// Counters a sink keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SinkStats {
    /// Keys whose last write the target applied.
    pub keys_written: u64,
    /// Keys kept because the target already had them (`SkipExisting`, `BUSYKEY`).
    pub keys_skipped_existing: u64,
    /// Keys found expired when sent (relative TTL on old targets), not written.
    pub keys_expired: u64,
    /// Stream commands applied.
    pub commands_applied: u64,
    /// Commands the target rejected and that were skipped (`on-error = skip`).
    pub commands_rejected: u64,
    /// Bytes written to the target.
    pub bytes_written: u64,
}

/// How a key write went, when the sink decides at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyWrite {
    /// Queued.
    Queued,
    /// The sink keeps the existing key: do not send the rest of this key.
    SkipRest,
}

/// A destination for migrated data; see the [module docs](self).
pub trait Sink: Send + std::fmt::Debug {
    /// What the sink accepts.
    fn caps(&self) -> SinkCaps;

    /// Queues one key record. Returns [`KeyWrite::SkipRest`] when the rest of a key sent as
    /// commands must not be sent (the sink keeps an existing key).
    fn write_key<'a>(&'a mut self, rec: KeyRecord<'a>) -> SinkFuture<'a, KeyWrite> {
        let _ = rec;
        Box::pin(async { Ok(KeyWrite::Queued) })
    }

    /// Queues one stream command.
    fn write_command<'a>(&'a mut self, cmd: SinkCommand<'a>) -> SinkFuture<'a, ()>;

    /// Nothing is to be written for the stream up to `offset` (filtered commands): once
    /// every write queued before is applied, `offset` is applied.
    fn mark(&mut self, offset: u64);

    /// The source's replication id and the source db selected after the stream command
    /// about to be written (or marked): sinks that keep the checkpoint with the data (see
    /// [`RedisSinkBuilder::checkpoint_key`]) write this position.
    fn checkpoint_position(&mut self, replid: &str, source_db: u32) {
        let _ = (replid, source_db);
    }

    /// Sends everything queued and waits until the target applied it.
    fn flush(&mut self) -> SinkFuture<'_, ()>;

    /// The replication offset up to which the target has applied everything (`None`
    /// before any).
    fn applied_offset(&self) -> Option<u64>;

    /// Sets the applied offset (a full sync's snapshot offset, or a resumed position).
    fn set_applied_offset(&mut self, offset: u64) {
        let _ = offset;
    }

    /// Counters.
    fn stats(&self) -> SinkStats;

    /// Commands rejected and skipped since the last call (`on-error = skip`).
    fn take_rejected(&mut self) -> Vec<Rejected> {
        Vec::new()
    }

    /// A full sync starts. `first`: the first of this migration (the target must be
    /// checked against the conflict policy); otherwise data written before is superseded.
    fn begin_full_sync<'a>(&'a mut self, first: bool, target_dbs: &'a [u32]) -> SinkFuture<'a, ()> {
        let _ = (first, target_dbs);
        Box::pin(async { Ok(()) })
    }

    /// The full phase's source db changed (a hook; records carry their db anyway).
    fn on_db_change(&mut self, db: u32) -> SinkFuture<'_, ()> {
        let _ = db;
        Box::pin(async { Ok(()) })
    }

    /// An AUX field of the snapshot (`lua` fields carry scripts).
    fn on_aux<'a>(&'a mut self, key: &'a [u8], value: &'a [u8]) -> SinkFuture<'a, ()> {
        let _ = (key, value);
        Box::pin(async { Ok(()) })
    }

    /// A function library of the snapshot (its source code).
    fn on_function<'a>(&'a mut self, code: &'a [u8]) -> SinkFuture<'a, ()> {
        let _ = code;
        Box::pin(async { Ok(()) })
    }

    /// The connection was lost: reconnect (with backoff, up to the sink's retry window).
    /// Writes not applied are forgotten: the engine re-sends from the applied offset.
    fn reconnect(&mut self) -> SinkFuture<'_, ()> {
        Box::pin(async { Err(SinkError::Unsupported("reconnect".into())) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_types_by_target_version() {
        let v32 = SinkCaps::redis(3, 2);
        assert!(v32.accepts_type(0) && v32.accepts_type(14) && v32.accepts_type(13));
        assert!(!v32.accepts_type(5) && !v32.accepts_type(15));
        let v50 = SinkCaps::redis(5, 0);
        assert!(v50.accepts_type(15) && v50.accepts_type(5) && !v50.accepts_type(18));
        let v70 = SinkCaps::redis(7, 0);
        assert!(v70.accepts_type(16) && v70.accepts_type(19) && !v70.accepts_type(20));
        assert!(SinkCaps::redis(7, 2).accepts_type(21));
        assert!(!SinkCaps::redis(7, 2).accepts_type(24));
        assert!(!SinkCaps::commands_only().accepts_type(0));
        assert!(!v70.accepts_type(200));
        assert_eq!(rdb_version_of(6, 2), 9);
        assert_eq!(rdb_version_of(7, 4), 12);
    }
}
