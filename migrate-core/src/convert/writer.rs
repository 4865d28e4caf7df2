//! [`ValueWriter`]: one key's value in, bounded commands out (strings and collections; the
//! stream methods live in `stream.rs`).

use rdb_parser::Elem;

use super::caps::{BatchLimits, TargetCaps};
use super::score::write_score;
use super::stream::StreamState;
use super::{Argv, ConvertError, ConvertReport};
use crate::command::ValueType;

/// Settings shared by every key of a conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvertOptions {
    /// What the target supports.
    pub caps: TargetCaps,
    /// Per-command bounds.
    pub limits: BatchLimits,
    /// Replace an existing key: collections and streams start with `DEL key` (strings are
    /// replaced by `SET` anyway). With `false` the caller guarantees the key is absent on
    /// the target (values are otherwise merged).
    pub replace: bool,
}

impl ConvertOptions {
    /// Default limits, replacing keys, for a target with `caps`.
    pub fn new(caps: TargetCaps) -> ConvertOptions {
        ConvertOptions {
            caps,
            limits: BatchLimits::default(),
            replace: true,
        }
    }
}

/// Turns one key's value, fed piece by piece, into commands in bounded batches.
///
/// Feed the pieces of the value's type (`string_chunk`, `list_push`, `set_add`,
/// `zset_add`, `hash_set`, or the stream methods in order: entries, `stream_meta`, then per
/// group `stream_group`, its `stream_pel` entries, then per consumer `stream_consumer` and
/// its `stream_consumer_pel` ids), then [`finish`](Self::finish) with the absolute expiry.
/// Each call appends the commands that became complete to `out`; the caller sends them
/// (in order, pipelined) and may clear `out` between calls. Memory is one batch, plus, for
/// streams, the current consumer group's PEL (needed to give each claimed id its delivery
/// time and count).
#[derive(Debug)]
pub struct ValueWriter {
    pub(super) key: Vec<u8>,
    pub(super) kind: ValueType,
    pub(super) opts: ConvertOptions,
    /// `DEL` sent (or the key otherwise (re)created).
    pub(super) cleared: bool,
    /// A data command has been emitted.
    pub(super) wrote: bool,
    pub(super) batch: Argv,
    pub(super) batch_elems: usize,
    pub(super) batch_bytes: usize,
    /// Arguments appended to the batch when it is flushed.
    pub(super) suffix: Argv,
    /// Field TTLs of the fields in the current hash batch: (expire ms, field).
    ttls: Vec<(i64, Vec<u8>)>,
    pub(super) report: ConvertReport,
    pub(super) stream: StreamState,
}

fn elem(e: Elem<'_>) -> Vec<u8> {
    e.to_vec()
}

impl ValueWriter {
    /// A writer for key `key` holding a value of type `kind`. Module values and (on targets
    /// before 5.0) streams cannot be written as commands.
    pub fn new(
        key: &[u8],
        kind: ValueType,
        opts: ConvertOptions,
    ) -> Result<ValueWriter, ConvertError> {
        let unsupported = |what: &'static str| ConvertError::Unsupported {
            key: lossy(key),
            what,
            version: opts.caps.version,
        };
        match kind {
            ValueType::Module => return Err(unsupported("module values")),
            ValueType::Stream if !opts.caps.streams => return Err(unsupported("streams")),
            _ => {}
        }
        Ok(ValueWriter {
            key: key.to_vec(),
            kind,
            opts,
            cleared: false,
            wrote: false,
            batch: Vec::new(),
            batch_elems: 0,
            batch_bytes: 0,
            suffix: Vec::new(),
            ttls: Vec::new(),
            report: ConvertReport::default(),
            stream: StreamState::default(),
        })
    }

    /// The key.
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    pub(super) fn expect(&self, kind: ValueType, piece: &'static str) -> Result<(), ConvertError> {
        if self.kind == kind {
            Ok(())
        } else {
            Err(ConvertError::WrongPiece {
                key: lossy(&self.key),
                kind: self.kind,
                piece,
            })
        }
    }

    pub(super) fn emit(&mut self, argv: Argv, out: &mut Vec<Argv>) {
        self.report.commands += 1;
        out.push(argv);
    }

    /// `DEL key` once, before the first write, when replacing.
    pub(super) fn clear(&mut self, out: &mut Vec<Argv>) {
        if !self.cleared {
            self.cleared = true;
            if self.opts.replace {
                let del = vec![b"DEL".to_vec(), self.key.clone()];
                self.emit(del, out);
            }
        }
    }

    /// Starts a batch `cmd key <head..>` unless one is open.
    pub(super) fn open(&mut self, cmd: &[u8], head: &[&[u8]], out: &mut Vec<Argv>) {
        if self.batch.is_empty() {
            self.clear(out);
            self.batch
                .reserve(2 + head.len() + 2 * self.opts.limits.max_elems.min(1024));
            self.batch.push(cmd.to_vec());
            self.batch.push(self.key.clone());
            self.batch.extend(head.iter().map(|h| h.to_vec()));
        }
    }

    /// Adds one element's arguments to the open batch and flushes it when full.
    pub(super) fn add(&mut self, args: impl IntoIterator<Item = Vec<u8>>, out: &mut Vec<Argv>) {
        for a in args {
            self.batch_bytes += a.len();
            self.batch.push(a);
        }
        self.batch_elems += 1;
        self.report.elements += 1;
        let l = self.opts.limits;
        if self.batch_elems >= l.max_elems.max(1) || self.batch_bytes >= l.max_bytes {
            self.flush(out);
        }
    }

    /// Emits the open batch, if any, with its suffix; then pending field TTLs.
    pub(super) fn flush(&mut self, out: &mut Vec<Argv>) {
        if self.batch.is_empty() {
            return;
        }
        let mut argv = std::mem::take(&mut self.batch);
        argv.append(&mut self.suffix);
        self.batch_elems = 0;
        self.batch_bytes = 0;
        self.wrote = true;
        self.emit(argv, out);
        self.flush_ttls(out);
    }

    /// A piece of a string value (pieces in order; any sizes). Emitted as `SET` with the
    /// first `max_bytes`, then `APPEND` chunks.
    pub fn string_chunk(
        &mut self,
        mut data: &[u8],
        out: &mut Vec<Argv>,
    ) -> Result<(), ConvertError> {
        self.expect(ValueType::String, "string chunk")?;
        let max = self.opts.limits.max_bytes.max(1);
        while !data.is_empty() {
            if self.batch.is_empty() {
                let cmd: &[u8] = if self.wrote { b"APPEND" } else { b"SET" };
                self.cleared = true;
                self.batch = vec![
                    cmd.to_vec(),
                    self.key.clone(),
                    Vec::with_capacity(max.min(data.len())),
                ];
            }
            let full = match self.batch.last_mut() {
                Some(buf) => {
                    let take = max.saturating_sub(buf.len()).max(1).min(data.len());
                    buf.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    self.report.elements += take as u64;
                    buf.len() >= max
                }
                None => return Err(self.internal()),
            };
            if full {
                self.flush(out);
            }
        }
        Ok(())
    }

    /// A whole string value given as an element (integer-encoded strings).
    pub fn string_elem(&mut self, e: Elem<'_>, out: &mut Vec<Argv>) -> Result<(), ConvertError> {
        match e {
            Elem::Bytes(b) => self.string_chunk(b, out),
            Elem::Int(_) => self.string_chunk(&e.to_vec(), out),
        }
    }

    /// The next list element (in order): `RPUSH` batches.
    pub fn list_push(&mut self, e: Elem<'_>, out: &mut Vec<Argv>) -> Result<(), ConvertError> {
        self.expect(ValueType::List, "list element")?;
        self.open(b"RPUSH", &[], out);
        self.add([elem(e)], out);
        Ok(())
    }

    /// A set member: `SADD` batches.
    pub fn set_add(&mut self, e: Elem<'_>, out: &mut Vec<Argv>) -> Result<(), ConvertError> {
        self.expect(ValueType::Set, "set member")?;
        self.open(b"SADD", &[], out);
        self.add([elem(e)], out);
        Ok(())
    }

    /// A sorted-set member with its score: `ZADD` batches with exact score text.
    pub fn zset_add(
        &mut self,
        member: Elem<'_>,
        score: f64,
        out: &mut Vec<Argv>,
    ) -> Result<(), ConvertError> {
        self.expect(ValueType::ZSet, "zset member")?;
        let mut s = Vec::with_capacity(24);
        if write_score(score, &mut s).is_none() {
            return Err(ConvertError::NanScore {
                key: lossy(&self.key),
                member: lossy(&member.to_vec()),
            });
        }
        self.open(b"ZADD", &[], out);
        self.add([s, elem(member)], out);
        Ok(())
    }

    /// A hash field with its value and optional absolute field expiry (ms). `HSET` batches
    /// (`HMSET` before 4.0); field TTLs as `HPEXPIREAT key ms FIELDS n f..` right after the
    /// batch holding the field on 7.4+ targets, else counted in
    /// [`ConvertReport::field_ttls_dropped`].
    pub fn hash_set(
        &mut self,
        field: Elem<'_>,
        value: Elem<'_>,
        expire_ms: Option<i64>,
        out: &mut Vec<Argv>,
    ) -> Result<(), ConvertError> {
        self.expect(ValueType::Hash, "hash field")?;
        let f = elem(field);
        if let Some(ms) = expire_ms {
            if self.opts.caps.hash_field_ttl {
                self.ttls.push((ms, f.clone()));
            } else {
                self.report.field_ttls_dropped += 1;
            }
        }
        let cmd: &[u8] = if self.opts.caps.hset_multi {
            b"HSET"
        } else {
            b"HMSET"
        };
        self.open(cmd, &[], out);
        self.add([f, elem(value)], out);
        Ok(())
    }

    fn flush_ttls(&mut self, out: &mut Vec<Argv>) {
        if self.ttls.is_empty() {
            return;
        }
        let mut ttls = std::mem::take(&mut self.ttls);
        ttls.sort_by_key(|t| t.0);
        for group in ttls.chunk_by(|a, b| a.0 == b.0) {
            let mut argv = vec![
                b"HPEXPIREAT".to_vec(),
                self.key.clone(),
                group[0].0.to_string().into_bytes(),
                b"FIELDS".to_vec(),
                group.len().to_string().into_bytes(),
            ];
            argv.extend(group.iter().map(|(_, f)| f.clone()));
            self.emit(argv, out);
        }
    }

    /// Ends the value: flushes the last batch, then `PEXPIREAT key ms` when `expire_ms` is
    /// set. A collection that received no element leaves no key (only its `DEL` when
    /// replacing); an empty string is `SET key ""`.
    pub fn finish(
        mut self,
        expire_ms: Option<i64>,
        out: &mut Vec<Argv>,
    ) -> Result<ConvertReport, ConvertError> {
        if self.kind == ValueType::Stream {
            self.stream_finish(out)?;
        }
        self.flush(out);
        if self.kind == ValueType::String && !self.wrote {
            let set = vec![b"SET".to_vec(), self.key.clone(), Vec::new()];
            self.wrote = true;
            self.emit(set, out);
        }
        if !self.wrote {
            self.clear(out);
            self.report.empty = true;
            return Ok(self.report);
        }
        if let Some(ms) = expire_ms {
            let argv = vec![
                b"PEXPIREAT".to_vec(),
                self.key.clone(),
                ms.to_string().into_bytes(),
            ];
            self.emit(argv, out);
        }
        Ok(self.report)
    }

    fn internal(&self) -> ConvertError {
        ConvertError::WrongPiece {
            key: lossy(&self.key),
            kind: self.kind,
            piece: "internal state",
        }
    }
}

pub(super) fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
