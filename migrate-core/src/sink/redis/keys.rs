//! Key records of the full phase: `RESTORE` payloads, command batches, and whole strings
//! (batched into `MSET` when they have no expiry, one `SET` each otherwise).
//!
//! A `RESTORE` per key costs the target about 1.35 µs on a 2-core machine; `MSET` of 256
//! keys about 0.85 µs per key (it is the target's single thread that bounds the full phase
//! on small keys). Replacing semantics are the same: `MSET`/`SET` replace any value and TTL
//! the key had, as `RESTORE ... REPLACE` does.

use bytes::BytesMut;

use super::{now_ms, Kind, RedisSink};
use crate::config::ConflictPolicy;
use crate::sink::reply::{Label, Pending};
use crate::sink::{KeyRecord, KeyWrite, SinkError};

/// An `MSET` closes at this many keys...
const BATCH_KEYS: u32 = 256;
/// ... or this many bytes of arguments.
const BATCH_BYTES: usize = 64 << 10;

/// Strings waiting for their `MSET`, all in one db.
pub(super) struct StringBatch {
    db: u32,
    keys: u32,
    /// The arguments after `MSET`, RESP-encoded.
    args: BytesMut,
    /// The first key (for error messages).
    label: Label,
}

impl std::fmt::Debug for StringBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StringBatch")
            .field("db", &self.db)
            .field("keys", &self.keys)
            .field("bytes", &self.args.len())
            .finish()
    }
}

impl Default for StringBatch {
    fn default() -> Self {
        StringBatch {
            db: 0,
            keys: 0,
            args: BytesMut::new(),
            label: Label::new(b"MSET", b""),
        }
    }
}

impl RedisSink {
    pub(super) async fn restore(
        &mut self,
        rec: &KeyRecord<'_>,
        payload: &[u8],
    ) -> Result<KeyWrite, SinkError> {
        let abs = self.caps.version.is_none_or(|v| v >= (5, 0));
        let mut buf = rdb_parser::IntBuf::default();
        let ttl: &[u8] = match rec.expire_ms {
            None => b"0",
            Some(at) if abs => rdb_parser::format_i64(at.max(1), &mut buf),
            Some(at) => {
                let rel = at - now_ms();
                if rel <= 0 {
                    self.inflight.stats.keys_expired += 1;
                    return Ok(KeyWrite::Queued);
                }
                rdb_parser::format_i64(rel, &mut buf)
            }
        };
        self.select(rec.db).await?;
        // `REPLACE` costs the target a lookup; under `Error` the dbs were checked (or
        // flushed) empty when the full sync began, and a key that appeared since fails with
        // `BUSYKEY` (the run stops) rather than being overwritten.
        let replace = self.b.conflict == ConflictPolicy::Overwrite && !self.fresh_dbs;
        let mut args: [&[u8]; 6] = [b"RESTORE", rec.key, ttl, payload, b"", b""];
        let mut n = 4;
        if abs && rec.expire_ms.is_some() {
            args[n] = b"ABSTTL";
            n += 1;
        }
        if replace {
            args[n] = b"REPLACE";
            n += 1;
        }
        self.send(&args[..n], Kind::Restore, None, None).await?;
        Ok(KeyWrite::Queued)
    }

    pub(super) async fn key_commands(
        &mut self,
        rec: &KeyRecord<'_>,
        commands: &[crate::convert::Argv],
        first: bool,
        last: bool,
    ) -> Result<KeyWrite, SinkError> {
        self.select(rec.db).await?;
        if first && self.b.conflict == ConflictPolicy::SkipExisting {
            self.drain_to(0, 0).await?;
            self.check()?;
            let c = self.client()?;
            let r = c.cmd(&[&b"EXISTS"[..], rec.key]).await;
            match r {
                Ok(f) if f.as_integer() == Some(1) => {
                    self.inflight.stats.keys_skipped_existing += 1;
                    return Ok(KeyWrite::SkipRest);
                }
                Ok(_) => {}
                Err(e) if e.is_server_error() => return Err(e.into()),
                Err(e) => return Err(self.lost(e)),
            }
        }
        if commands.is_empty() {
            if last {
                match self.inflight.queue.back_mut() {
                    Some(p) if p.kind == (Kind::KeyCmd { last: false }) => {
                        p.kind = Kind::KeyCmd { last: true }
                    }
                    _ => self.inflight.stats.keys_written += 1,
                }
            }
            return Ok(KeyWrite::Queued);
        }
        let n = commands.len();
        for (i, cmd) in commands.iter().enumerate() {
            let kind = Kind::KeyCmd {
                last: last && i + 1 == n,
            };
            self.send(cmd, kind, None, None).await?;
        }
        Ok(KeyWrite::Queued)
    }

    /// Writes a whole string (see the module docs).
    pub(super) async fn write_string(
        &mut self,
        rec: &KeyRecord<'_>,
        value: &[u8],
    ) -> Result<KeyWrite, SinkError> {
        let nx = self.b.conflict == ConflictPolicy::SkipExisting;
        let pxat = self.caps.version.is_none_or(|v| v >= (6, 2));
        let mut buf = rdb_parser::IntBuf::default();
        match rec.expire_ms {
            None if !nx => {
                if self.strings.keys > 0 && self.strings.db != rec.db {
                    self.flush_strings().await?;
                }
                let b = &mut self.strings;
                if b.keys == 0 {
                    b.db = rec.db;
                    b.label = Label::new(b"MSET", rec.key);
                }
                b.keys += 1;
                resp_codec::encode_bulk(&mut b.args, rec.key);
                resp_codec::encode_bulk(&mut b.args, value);
                if b.keys >= BATCH_KEYS || b.args.len() >= BATCH_BYTES {
                    self.flush_strings().await?;
                }
            }
            None => {
                self.select(rec.db).await?;
                let args: [&[u8]; 4] = [b"SET", rec.key, value, b"NX"];
                self.send(&args, Kind::SetNx, None, None).await?;
            }
            Some(at) if pxat => {
                self.select(rec.db).await?;
                let at = rdb_parser::format_i64(at.max(1), &mut buf);
                let args: [&[u8]; 6] = [b"SET", rec.key, value, b"PXAT", at, b"NX"];
                let (n, kind) = if nx {
                    (6, Kind::SetNx)
                } else {
                    (5, Kind::KeyCmd { last: true })
                };
                self.send(&args[..n], kind, None, None).await?;
            }
            Some(at) if nx => {
                // No `PXAT` before 6.2, and `SET NX` then `PEXPIREAT` would give a kept key
                // our TTL: a relative TTL, as of now.
                let rel = at - now_ms();
                if rel <= 0 {
                    self.inflight.stats.keys_expired += 1;
                    return Ok(KeyWrite::Queued);
                }
                self.select(rec.db).await?;
                let rel = rdb_parser::format_i64(rel, &mut buf);
                let args: [&[u8]; 6] = [b"SET", rec.key, value, b"PX", rel, b"NX"];
                self.send(&args, Kind::SetNx, None, None).await?;
            }
            Some(at) => {
                self.select(rec.db).await?;
                let set: [&[u8]; 3] = [b"SET", rec.key, value];
                self.send(&set, Kind::KeyCmd { last: false }, None, None)
                    .await?;
                let at = rdb_parser::format_i64(at.max(1), &mut buf);
                let exp: [&[u8]; 3] = [b"PEXPIREAT", rec.key, at];
                self.send(&exp, Kind::KeyCmd { last: true }, None, None)
                    .await?;
            }
        }
        Ok(KeyWrite::Queued)
    }

    /// Sends the pending `MSET`, if any (before anything else is written: the target
    /// must apply writes in order).
    pub(super) async fn flush_strings(&mut self) -> Result<(), SinkError> {
        if self.strings.keys == 0 {
            return Ok(());
        }
        let db = self.strings.db;
        self.select_now(db)?;
        let keys = self.strings.keys;
        let label = self.strings.label;
        let Some(c) = self.client.as_mut() else {
            return self.client().map(|_| ());
        };
        let before = c.queued_bytes();
        c.queue_encoded(b"MSET", 2 * keys as usize, &self.strings.args);
        let bytes = c.queued_bytes().saturating_sub(before);
        self.strings.keys = 0;
        self.strings.args.clear();
        self.inflight.push(Pending {
            kind: Kind::Mset { keys },
            ack: None,
            offset: None,
            bytes,
            label,
            in_block: self.block.is_some(),
        });
        self.after_queue().await
    }
}
