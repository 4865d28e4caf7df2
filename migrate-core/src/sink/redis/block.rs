//! Checkpoint blocks: stream commands sent as `MULTI` *commands* `SET <checkpoint-key>
//! "replid offset db"` `EXEC`, so the target applies a batch and the position it covers
//! atomically (see [`RedisSink`]'s docs for the rules).

use super::{Kind, RedisSink, FLUSH_EVERY_BYTES, FLUSH_EVERY_CMDS};
use crate::sink::{Sink, SinkCommand, SinkError};

/// A checkpoint block being queued (its `MULTI` is sent).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Block {
    pub(super) cmds: usize,
    pub(super) bytes: usize,
    /// The offset applied once the block is, and the source db there.
    pub(super) ack: Option<(u64, u32)>,
    /// Inside a source transaction (the block cannot close).
    pub(super) in_txn: bool,
    /// The last command completed a unit of the stream.
    pub(super) complete: bool,
}

impl RedisSink {
    /// Whether stream commands go in checkpoint blocks.
    pub(super) fn blocks(&self) -> bool {
        self.b.checkpoint_key.is_some() && self.replid.is_some()
    }

    pub(super) async fn block_command(&mut self, cmd: &SinkCommand<'_>) -> Result<(), SinkError> {
        let name = cmd.argv.first().map_or(&b""[..], |n| &n[..]);
        let is = |n: &[u8]| name.eq_ignore_ascii_case(n);
        if is(b"MULTI") || is(b"EXEC") || is(b"DISCARD") {
            // Flattened: the block itself is the transaction.
            if is(b"MULTI") {
                self.open_block().await?;
            }
            if let Some(b) = self.block.as_mut() {
                b.in_txn = is(b"MULTI");
            }
            if !is(b"MULTI") {
                if let Some(a) = cmd.ack {
                    self.mark(a);
                }
            }
            return self.maybe_close().await;
        }
        self.open_block().await?;
        if let Some(db) = cmd.db {
            self.select(db).await?;
        }
        let before = self.inflight.bytes;
        self.send(cmd.argv, Kind::Stream, cmd.ack, Some(cmd.end))
            .await?;
        let added = self.inflight.bytes.saturating_sub(before);
        let src_db = self.source_db;
        if let Some(b) = self.block.as_mut() {
            b.cmds += 1;
            b.bytes += added.max(1);
            b.complete = cmd.ack.is_some();
            if let Some(a) = cmd.ack {
                b.ack = Some((a, src_db));
            }
        }
        self.maybe_close().await
    }

    async fn open_block(&mut self) -> Result<(), SinkError> {
        if self.block.is_none() {
            self.send(&["MULTI"], Kind::Plumbing, None, None).await?;
            self.block = Some(Block {
                complete: true,
                ..Block::default()
            });
        }
        Ok(())
    }

    async fn maybe_close(&mut self) -> Result<(), SinkError> {
        match self.block {
            Some(b) if b.cmds >= FLUSH_EVERY_CMDS || b.bytes >= FLUSH_EVERY_BYTES => {
                self.close_block().await
            }
            _ => Ok(()),
        }
    }

    /// Sends the checkpoint and `EXEC` of the open block when it ends on a complete unit
    /// of the stream (a block never splits a source transaction).
    pub(super) async fn close_block(&mut self) -> Result<(), SinkError> {
        let Some(b) = self.block else {
            return Ok(());
        };
        if b.in_txn || !b.complete {
            return Ok(());
        }
        if let (Some((offset, db)), Some(replid), Some((key, key_db))) =
            (b.ack, self.replid.clone(), self.b.checkpoint_key.clone())
        {
            let value = crate::checkpoint::Checkpoint { replid, offset, db }.to_text();
            let back = self.client()?.db();
            self.select(key_db).await?;
            self.send(
                &[&b"SET"[..], key.as_bytes(), value.trim_end().as_bytes()],
                Kind::Plumbing,
                None,
                None,
            )
            .await?;
            self.select(back).await?;
        }
        self.block = None;
        self.send(&["EXEC"], Kind::Block, b.ack.map(|a| a.0), None)
            .await
    }
}
