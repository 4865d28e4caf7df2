//! Lag: a heartbeat key written to the source every interval (its value is the unix time
//! in ms; short expiry), recognised when it comes back on the replication stream, and the
//! source's `master_repl_offset` read at the same time.
//!
//! [`LagTracker`] is sans-IO: the engine tells it which heartbeat values it saw at which
//! offset and which offset the target has applied; lag in ms is "now − the value of the
//! newest heartbeat the target has caught up with" at the moment it caught up.
//! [`CaughtUp`] turns lag samples into the "safe to switch over" flag.
//!
//! ```
//! use migrate_core::lag::LagTracker;
//!
//! let mut t = LagTracker::default();
//! t.seen(1_000, 500); // heartbeat written at t=500 ms, ends at offset 1000
//! assert_eq!(t.applied(900, 520), None); // not applied yet
//! assert_eq!(t.pending_age(520), Some(20)); // waiting for 20 ms
//! assert_eq!(t.applied(1_000, 530), Some(30));
//! assert_eq!(t.pending_age(530), None);
//! ```

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use repl_client::transport::ConnectOptions;

use crate::client::Client;

/// Heartbeats seen on the stream and not yet applied (bounded).
#[derive(Debug, Default)]
pub struct LagTracker {
    pending: VecDeque<(u64, i64)>,
}

const MAX_PENDING: usize = 1024;

impl LagTracker {
    /// A heartbeat carrying `written_ms` ends at stream offset `end`.
    pub fn seen(&mut self, end: u64, written_ms: i64) {
        if self.pending.len() >= MAX_PENDING {
            self.pending.pop_front();
        }
        self.pending.push_back((end, written_ms));
    }

    /// The target has applied up to `applied` at `now_ms`: the lag of the newest heartbeat
    /// that became applied, if any.
    pub fn applied(&mut self, applied: u64, now_ms: i64) -> Option<u64> {
        let mut last = None;
        while let Some(&(end, at)) = self.pending.front() {
            if end > applied {
                break;
            }
            self.pending.pop_front();
            last = Some(now_ms.saturating_sub(at).max(0) as u64);
        }
        last
    }

    /// How old the oldest heartbeat seen but not yet applied is at `now_ms` (a stalled
    /// target shows as growing lag even before a heartbeat gets through).
    pub fn pending_age(&self, now_ms: i64) -> Option<u64> {
        self.pending
            .front()
            .map(|&(_, at)| now_ms.saturating_sub(at).max(0) as u64)
    }

    /// Forgets everything (a new full sync).
    pub fn clear(&mut self) {
        self.pending.clear();
    }
}

/// "Caught up": lag at most `max_ms` and `max_bytes` continuously for `hold`.
#[derive(Debug)]
pub struct CaughtUp {
    since: Option<Instant>,
    hold: Duration,
    max_ms: u64,
    max_bytes: u64,
}

impl Default for CaughtUp {
    /// 3 s below 1 s and 8 KiB.
    fn default() -> Self {
        CaughtUp {
            since: None,
            hold: Duration::from_secs(3),
            max_ms: 1000,
            max_bytes: 8 << 10,
        }
    }
}

impl CaughtUp {
    /// Feeds one sample; returns the flag.
    pub fn sample(&mut self, now: Instant, lag_ms: Option<u64>, lag_bytes: Option<u64>) -> bool {
        let ok = lag_ms.is_some_and(|m| m <= self.max_ms)
            && lag_bytes.is_some_and(|b| b <= self.max_bytes);
        if !ok {
            self.since = None;
            return false;
        }
        let since = *self.since.get_or_insert(now);
        now.duration_since(since) >= self.hold
    }

    /// Resets (phase change).
    pub fn reset(&mut self) {
        self.since = None;
    }
}

/// What the heartbeat task shares with the engine.
#[derive(Debug, Default)]
pub struct HeartbeatShared {
    /// The source's `master_repl_offset` (+1 so 0 means unknown).
    pub source_offset: AtomicU64,
    /// Heartbeats written.
    pub written: AtomicU64,
    /// Failed writes.
    pub failures: AtomicU64,
}

impl HeartbeatShared {
    /// The source offset last read.
    pub fn source_offset(&self) -> Option<u64> {
        self.source_offset.load(Ordering::Relaxed).checked_sub(1)
    }
}

/// The unix time in ms.
pub fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Writes the heartbeat every `interval` and reads `master_repl_offset`, until dropped /
/// aborted. Connection problems are counted and retried at the next tick (the replication
/// link's own retry logic decides whether the migration goes on).
pub async fn heartbeat_task(
    opts: ConnectOptions,
    key: Vec<u8>,
    interval: Duration,
    shared: Arc<HeartbeatShared>,
) {
    let mut client: Option<Client> = None;
    let expiry = (interval.as_millis() as u64 * 3).max(10_000).to_string();
    let mut tick = tokio::time::interval(interval.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if client.is_none() {
            client = Client::connect(&opts).await.ok();
        }
        let Some(c) = client.as_mut() else {
            shared.failures.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let now = unix_ms().to_string();
        let set = c
            .cmd(&[&b"SET"[..], &key, now.as_bytes(), b"PX", expiry.as_bytes()])
            .await;
        match set {
            Ok(_) => {
                shared.written.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                shared.failures.fetch_add(1, Ordering::Relaxed);
                if !e.is_server_error() {
                    client = None;
                }
                continue;
            }
        }
        match c.info(Some("replication")).await {
            Ok(info) => {
                if let Some(o) = info.get_u64("master_repl_offset") {
                    shared.source_offset.store(o + 1, Ordering::Relaxed);
                }
            }
            Err(e) if !e.is_server_error() => client = None,
            Err(_) => {}
        }
    }
}
