//! [`Status`]: a snapshot of a running migration (what `--status-json` prints), and
//! [`Phase`].

use serde::Serialize;

/// Where a migration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Connecting to source and target, checking the target.
    #[default]
    Starting,
    /// The snapshot (RDB) is being copied.
    FullSync,
    /// Following the live command stream.
    Incremental,
    /// A link is down; reconnecting within the retry window.
    Reconnecting,
    /// Draining and checkpointing after a stop request.
    Stopping,
    /// Finished (full mode done, or stopped).
    Done,
    /// Failed; see [`Status::error`].
    Failed,
}

/// A snapshot of a migration. Offsets are the source's replication offsets.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Status {
    /// The phase.
    pub phase: Phase,
    /// Seconds since the migration started.
    pub elapsed_secs: f64,
    /// RDB bytes received in the current full sync.
    pub rdb_bytes_received: u64,
    /// RDB size, once known (at its end).
    pub rdb_bytes_total: Option<u64>,
    /// Keys read from the snapshot (this migration's own heartbeat key not counted).
    pub keys_seen: u64,
    /// Keys the target applied.
    pub keys_written: u64,
    /// Keys sent as commands (not `RESTORE`).
    pub keys_as_commands: u64,
    /// Keys not selected by the filters (db, key, type).
    pub keys_filtered: u64,
    /// Keys already expired when transferred.
    pub keys_expired: u64,
    /// Keys kept on the target (`skip-existing`).
    pub keys_skipped_existing: u64,
    /// Keys the target version cannot hold, skipped (`on-error = skip`).
    pub keys_unsupported: u64,
    /// Stream commands received.
    pub commands_received: u64,
    /// Stream commands applied by the target.
    pub commands_applied: u64,
    /// Stream commands not sent (filters, heartbeats, `PING`, `REPLCONF`).
    pub commands_dropped: u64,
    /// Stream commands the target rejected and that were skipped (`on-error = skip`).
    pub commands_rejected: u64,
    /// The source's replication id.
    pub replid: Option<String>,
    /// Offset the full sync's snapshot corresponds to.
    pub snapshot_offset: Option<u64>,
    /// The source's `master_repl_offset` as last read.
    pub source_offset: Option<u64>,
    /// Offset received from the source.
    pub received_offset: Option<u64>,
    /// Offset applied by the target (acknowledged to the source, checkpointed).
    pub applied_offset: Option<u64>,
    /// `source_offset - applied_offset` when both are known.
    pub lag_bytes: Option<u64>,
    /// Time from a heartbeat written to the source until the target applied up to it.
    pub lag_ms: Option<u64>,
    /// Writes per second to the target (keys or commands) over the last second.
    pub ops_per_sec: f64,
    /// Lag has stayed about zero for a few seconds: safe to switch over.
    pub caught_up: bool,
    /// Full syncs done (more than 1: the source could not continue after a link loss).
    pub full_syncs: u32,
    /// Times the stream continued after a reconnect (`+CONTINUE`).
    pub partial_resyncs: u32,
    /// Target reconnects.
    pub target_reconnects: u32,
    /// Recent warnings (bounded).
    pub warnings: Vec<String>,
    /// Why the migration failed.
    pub error: Option<String>,
}

/// Most warnings kept in a [`Status`].
pub const MAX_WARNINGS: usize = 50;

impl Status {
    /// Records a warning (the oldest go when there are too many).
    pub fn warn(&mut self, w: impl Into<String>) {
        if self.warnings.len() >= MAX_WARNINGS {
            self.warnings.remove(0);
        }
        self.warnings.push(w.into());
    }

    /// One JSON object (for `--status-json`).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
