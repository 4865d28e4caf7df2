//! The engine task: sessions of replication into the sink, faults, status, checkpoints.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use repl_client::{Event, ReplicaClient, ReplicaConfig, ReplicaHandle, StartFrom};
use tokio::sync::watch;

use super::full::FullState;
use super::throttle::Limiter;
use super::{MigrateError, Migrator, Mode, Resume, Summary};
use crate::checkpoint::{Checkpoint, CheckpointStore};
use crate::config::OnError;
use crate::convert::TargetCaps;
use crate::filter::StreamFilter;
use crate::lag::{heartbeat_task, unix_ms, CaughtUp, HeartbeatShared, LagTracker};
use crate::sink::{RedisSink, Rejected, Sink, SinkCaps};
use crate::status::{Phase, Status};

/// Most rejected commands kept for the summary.
const MAX_REJECTED: usize = 1000;
/// Largest value delivered raw (buffered whole) for a `RESTORE`: bigger ones stream as
/// commands, which keeps memory bounded whatever `restore-size-limit` says.
pub(super) const RAW_MEMORY_CAP: u64 = 16 << 20;
/// Events handled in one go once one arrives (stop requests and status ticks are checked
/// between bursts).
const BURST: usize = 256;
/// When no event arrives for this long, what is in flight is completed.
const IDLE_FLUSH: Duration = Duration::from_millis(2);

/// How a session ended.
enum End {
    Stopped,
    FullDone,
}

pub(super) struct Engine {
    pub(super) m: Migrator,
    pub(super) sink: Box<dyn Sink>,
    pub(super) caps: SinkCaps,
    pub(super) tcaps: TargetCaps,
    pub(super) status: Status,
    status_tx: watch::Sender<Status>,
    stop_rx: watch::Receiver<bool>,
    started: Instant,
    store: CheckpointStore,
    pub(super) replid: Option<String>,
    pub(super) filter: StreamFilter,
    /// (offset, db): the source db selected from that offset on.
    pub(super) db_changes: VecDeque<(u64, u32)>,
    pub(super) lag: LagTracker,
    caught: CaughtUp,
    hb: Arc<HeartbeatShared>,
    hb_task: Option<tokio::task::JoinHandle<()>>,
    pub(super) full_limiter: Limiter,
    pub(super) incr_limiter: Limiter,
    first_full: bool,
    /// In the incremental phase (the snapshot is applied).
    pub(super) incremental: bool,
    /// End offset of the last stream command processed (sent or dropped).
    pub(super) sent_offset: u64,
    pub(super) full: Option<FullState>,
    last_checkpoint: Option<Checkpoint>,
    last_saved: Instant,
    ops_mark: (Instant, u64),
    rejected: Vec<Rejected>,
    /// Writes may be in flight since the last flush.
    dirty: bool,
    hb_warned: bool,
    /// Keys found expired when read from the snapshot (the sink counts those expired
    /// by the time they are sent).
    pub(super) expired_at_read: u64,
}

pub(super) async fn run(
    m: Migrator,
    status_tx: watch::Sender<Status>,
    stop_rx: watch::Receiver<bool>,
) -> Result<Summary, MigrateError> {
    let started = Instant::now();
    let mut engine = match Engine::new(m, status_tx.clone(), stop_rx, started).await {
        Ok(e) => e,
        Err(e) => {
            status_tx.send_modify(|s| {
                s.phase = Phase::Failed;
                s.error = Some(e.to_string());
            });
            return Err(e);
        }
    };
    let r = engine.main().await;
    if let Some(t) = engine.hb_task.take() {
        t.abort();
    }
    engine.refresh();
    match r {
        Ok(()) => {
            engine.status.phase = Phase::Done;
            engine.publish();
            Ok(Summary {
                status: engine.status.clone(),
                checkpoint: engine.last_checkpoint.clone(),
                rejected: std::mem::take(&mut engine.rejected),
            })
        }
        Err(e) => {
            engine.status.phase = Phase::Failed;
            engine.status.error = Some(e.to_string());
            engine.publish();
            Err(e)
        }
    }
}

impl Engine {
    async fn new(
        m: Migrator,
        status_tx: watch::Sender<Status>,
        stop_rx: watch::Receiver<bool>,
        started: Instant,
    ) -> Result<Engine, MigrateError> {
        let mut m = m;
        let sink: Box<dyn Sink> = match (m.b.sink.take(), &m.target) {
            (Some(s), _) => s,
            (None, Some(t)) => {
                let mut b = RedisSink::builder(t.clone())
                    .conflict(m.b.conflict)
                    .on_error(m.b.on_error)
                    .window(m.b.window)
                    .retry_window(m.b.retry_window);
                if let Some(k) = &m.b.checkpoint_key {
                    // The checkpoint key is written with the data it covers.
                    b = b.checkpoint_key(k.clone(), t.db().unwrap_or(0));
                }
                Box::new(b.connect().await?)
            }
            (None, None) => {
                return Err(MigrateError::Task("no target and no sink".into()));
            }
        };
        let caps = sink.caps();
        let tcaps = caps
            .version
            .map_or_else(TargetCaps::latest, |(a, b)| TargetCaps::for_version(a, b));
        let store = CheckpointStore::new(
            m.b.checkpoint_file.clone(),
            m.b.checkpoint_key
                .clone()
                .and_then(|k| m.target.clone().map(|t| (t, k))),
        );
        let filter = StreamFilter::new(m.b.filter.clone());
        let full_limiter = Limiter::new(m.b.full_throttle);
        let incr_limiter = Limiter::new(m.b.incr_throttle);
        Ok(Engine {
            m,
            sink,
            caps,
            tcaps,
            status: Status::default(),
            status_tx,
            stop_rx,
            started,
            store,
            replid: None,
            filter,
            db_changes: VecDeque::new(),
            lag: LagTracker::default(),
            caught: CaughtUp::default(),
            hb: Arc::new(HeartbeatShared::default()),
            hb_task: None,
            full_limiter,
            incr_limiter,
            first_full: true,
            incremental: false,
            sent_offset: 0,
            full: None,
            last_checkpoint: None,
            last_saved: Instant::now(),
            ops_mark: (Instant::now(), 0),
            rejected: Vec::new(),
            dirty: false,
            hb_warned: false,
            expired_at_read: 0,
        })
    }

    async fn main(&mut self) -> Result<(), MigrateError> {
        let mut start = match &self.m.b.resume {
            _ if self.m.b.mode == Mode::Full => None,
            Resume::Never => None,
            Resume::From(c) => Some(c.clone()),
            Resume::Auto => self.store.load().await?,
        };
        if start.is_some() {
            // The target holds this migration's data: never a "conflict".
            self.first_full = false;
        }
        if self.m.b.mode == Mode::FullAndIncremental {
            if let Some((key, every)) = self.m.b.heartbeat.clone() {
                self.hb_task = Some(tokio::spawn(heartbeat_task(
                    self.m.source.clone(),
                    key.into_bytes(),
                    every,
                    self.hb.clone(),
                )));
            }
        }
        loop {
            match self.session(start.take()).await {
                Ok(End::Stopped) | Ok(End::FullDone) => return Ok(()),
                Err(MigrateError::Sink(e)) if e.is_connection() => {
                    self.status.phase = Phase::Reconnecting;
                    self.status.target_reconnects += 1;
                    self.status
                        .warn(format!("target connection lost ({e}); reconnecting"));
                    self.publish();
                    let mut stop_rx = self.stop_rx.clone();
                    tokio::select! {
                        r = self.sink.reconnect() => r?,
                        _ = stop_rx.wait_for(|stop| *stop) => {
                            // Stopped while the target is away: nothing more can be
                            // applied; the last checkpoint saved stays valid.
                            self.status.warn("stopped while reconnecting to the target");
                            return Ok(());
                        }
                    }
                    // Resume from what the target applied; mid-snapshot: a new full sync.
                    start = if !self.incremental {
                        None
                    } else if self.store.key_name().is_some() {
                        // The key was written with the data: a block the target executed
                        // whose reply was lost is in it (the in-memory offset is not).
                        match self.store.load_key().await {
                            Ok(Some(c)) if Some(&c.replid) == self.replid.as_ref() => Some(c),
                            _ => self.applied_checkpoint(),
                        }
                    } else {
                        self.applied_checkpoint()
                    };
                    self.first_full = false;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The checkpoint for what the target has applied (incremental phase only).
    fn applied_checkpoint(&mut self) -> Option<Checkpoint> {
        let offset = self.sink.applied_offset()?;
        let replid = self.replid.clone()?;
        while self.db_changes.len() > 1 && self.db_changes.get(1).is_some_and(|&(o, _)| o <= offset)
        {
            self.db_changes.pop_front();
        }
        let db = self
            .db_changes
            .front()
            .filter(|&&(o, _)| o <= offset)
            .map_or(0, |&(_, d)| d);
        Some(Checkpoint { replid, offset, db })
    }

    async fn session(&mut self, start: Option<Checkpoint>) -> Result<End, MigrateError> {
        let src = self.m.source.clone();
        let from = match &start {
            Some(c) => StartFrom::Resume {
                replid: c.replid.clone(),
                offset: c.offset,
                db: c.db,
            },
            None => StartFrom::FullSync,
        };
        let cfg = ReplicaConfig::builder()
            .credentials_from(&src)
            .start(from)
            .rdb_only(self.m.b.mode == Mode::Full)
            .give_up_after(Some(self.m.b.retry_window))
            .build();
        if let Some(c) = &start {
            self.replid = Some(c.replid.clone());
            self.sink.set_applied_offset(c.offset);
            self.filter = StreamFilter::new(self.m.b.filter.clone());
            self.filter.set_current_db(c.db);
            self.db_changes.clear();
            self.db_changes.push_back((c.offset, c.db));
            self.sent_offset = c.offset;
            self.incremental = true;
            self.status.applied_offset = Some(c.offset);
        }
        let (handle, mut events) = ReplicaClient::builder(src).config(cfg).start();
        let r = self.pump(&handle, &mut events).await;
        handle.shutdown();
        r
    }

    async fn pump(
        &mut self,
        handle: &ReplicaHandle,
        events: &mut repl_client::Events,
    ) -> Result<End, MigrateError> {
        let mut tick = tokio::time::interval(self.m.b.status_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut stop_rx = self.stop_rx.clone();
        loop {
            if *stop_rx.borrow_and_update() {
                return self.stop(handle).await;
            }
            tokio::select! {
                biased;
                r = stop_rx.changed() => {
                    if r.is_err() || *stop_rx.borrow() {
                        return self.stop(handle).await;
                    }
                }
                _ = tick.tick() => self.on_tick(handle).await?,
                _ = tokio::time::sleep(IDLE_FLUSH), if self.dirty => {
                    // The stream is idle: complete what is in flight so the applied
                    // offset (acks, checkpoints, lag) catches up.
                    self.sink.flush().await?;
                    self.dirty = false;
                    if let Some(a) = self.sink.applied_offset() {
                        handle.ack(a);
                    }
                }
                ev = events.next() => match ev {
                    None => {
                        return Err(MigrateError::Task("the replication stream ended".into()));
                    }
                    Some(Err(e)) => return Err(e.into()),
                    Some(Ok(ev)) => {
                        self.dirty = true;
                        if let Some(end) = self.on_event(ev, handle).await? {
                            return Ok(end);
                        }
                        // A burst: what is already delivered is handled here, not through
                        // the `select!` (its timers and wakers) once per command.
                        for _ in 0..BURST {
                            match events.try_next() {
                                Some(Ok(ev)) => {
                                    if let Some(end) = self.on_event(ev, handle).await? {
                                        return Ok(end);
                                    }
                                }
                                Some(Err(e)) => return Err(e.into()),
                                None => break,
                            }
                        }
                        if let Some(a) = self.sink.applied_offset() {
                            handle.ack(a);
                        }
                    }
                },
            }
        }
    }

    async fn stop(&mut self, handle: &ReplicaHandle) -> Result<End, MigrateError> {
        self.status.phase = Phase::Stopping;
        self.publish();
        self.sink.flush().await?;
        // Rejections the final replies brought (the summary lists them all).
        self.collect_rejected();
        if !self.incremental {
            self.status.warn(
                "stopped during the full sync: the target holds a partial copy and no \
                 checkpoint was saved (a new run starts with a full sync)",
            );
        }
        if self.incremental {
            if let Some(a) = self.sink.applied_offset() {
                handle.ack(a);
            }
            self.save_checkpoint().await?;
        }
        Ok(End::Stopped)
    }

    async fn on_event(
        &mut self,
        ev: Event,
        handle: &ReplicaHandle,
    ) -> Result<Option<End>, MigrateError> {
        match ev {
            Event::FullResync { replid, offset } | Event::NewFullSync { replid, offset, .. } => {
                self.begin_full(replid, offset).await?;
            }
            Event::RdbChunk(b) => self.rdb_chunk(&b).await?,
            Event::RdbDone { bytes } => {
                self.rdb_done(bytes).await?;
                let base = self.status.snapshot_offset.unwrap_or(0);
                self.sink.set_applied_offset(base);
                handle.ack(base);
                self.sent_offset = base;
                self.db_changes.clear();
                self.incremental = true;
                if self.m.b.mode == Mode::Full {
                    return Ok(Some(End::FullDone));
                }
                self.status.phase = Phase::Incremental;
                self.status.applied_offset = Some(base);
                self.save_checkpoint().await?;
                self.publish();
            }
            Event::Command(c) if self.incremental => self.command(c).await?,
            Event::Continue { replid, offset } => {
                self.replid = Some(replid);
                self.status.replid = self.replid.clone();
                self.status.partial_resyncs += 1;
                self.status.phase = Phase::Incremental;
                self.incremental = true;
                if self.sink.applied_offset().is_none() {
                    self.sink.set_applied_offset(offset);
                }
                self.publish();
            }
            Event::Reconnecting {
                reason,
                attempt,
                delay,
            } => {
                self.status.phase = Phase::Reconnecting;
                self.status.warn(format!(
                    "source link: {reason}; reconnect attempt {attempt} in {delay:?}"
                ));
                self.publish();
            }
            Event::Finished if self.m.b.mode == Mode::Full && self.incremental => {
                return Ok(Some(End::FullDone));
            }
            _ => {}
        }
        Ok(None)
    }

    async fn begin_full(&mut self, replid: String, offset: u64) -> Result<(), MigrateError> {
        self.replid = Some(replid);
        self.status.replid = self.replid.clone();
        self.status.snapshot_offset = Some(offset);
        self.status.full_syncs += 1;
        self.status.phase = Phase::FullSync;
        self.status.rdb_bytes_received = 0;
        self.status.rdb_bytes_total = None;
        self.incremental = false;
        self.lag.clear();
        self.caught.reset();
        self.filter = StreamFilter::new(self.m.b.filter.clone());
        self.db_changes.clear();
        let dbs = self.m.b.filter.dbs.mapped_targets().unwrap_or_default();
        let first = self.first_full;
        self.first_full = false;
        if !first {
            self.status
                .warn("a new full sync started: the target's keys of this migration are replaced");
        }
        self.sink.begin_full_sync(first, &dbs).await?;
        self.full = Some(FullState::new(self));
        self.publish();
        Ok(())
    }

    async fn save_checkpoint(&mut self) -> Result<(), MigrateError> {
        if self.incremental && self.store.key_name().is_some() {
            // The sink writes the key with each block; a save from another connection
            // must not race a block in flight (it could set an older position after a
            // newer block): complete everything first.
            self.sink.flush().await?;
            self.dirty = false;
        }
        let Some(c) = self.applied_checkpoint() else {
            return Ok(());
        };
        self.last_saved = Instant::now();
        if self.last_checkpoint.as_ref() == Some(&c) {
            return Ok(());
        }
        if self.store.is_enabled() {
            self.store.save(&c).await?;
        }
        self.last_checkpoint = Some(c);
        Ok(())
    }

    /// Moves the commands the sink rejected and skipped into the warnings and the summary.
    pub(super) fn collect_rejected(&mut self) {
        for r in self.sink.take_rejected() {
            self.status.warn(format!("skipped: {r}"));
            if self.rejected.len() < MAX_REJECTED {
                self.rejected.push(r);
            }
        }
    }

    async fn on_tick(&mut self, handle: &ReplicaHandle) -> Result<(), MigrateError> {
        if let Some(a) = self.sink.applied_offset() {
            handle.ack(a);
        }
        self.collect_rejected();
        if !self.hb_warned
            && self.hb.written.load(Ordering::Relaxed) == 0
            && self.hb.failures.load(Ordering::Relaxed) >= 3
        {
            self.hb_warned = true;
            self.status.warn(
                "the heartbeat key cannot be written to the source (read-only replica? ACL?): \
                 no lag in ms; caught-up relies on the byte lag",
            );
        }
        if self.incremental && self.last_saved.elapsed() >= Duration::from_secs(1) {
            self.save_checkpoint().await?;
        }
        self.refresh();
        self.publish();
        Ok(())
    }

    /// Recomputes the derived status fields.
    pub(super) fn refresh(&mut self) {
        let st = self.sink.stats();
        let s = &mut self.status;
        s.elapsed_secs = self.started.elapsed().as_secs_f64();
        s.keys_written = st.keys_written;
        s.keys_skipped_existing = st.keys_skipped_existing;
        s.commands_applied = st.commands_applied;
        s.commands_rejected = st.commands_rejected;
        let applied = self.sink.applied_offset();
        if self.incremental {
            s.applied_offset = applied;
        }
        s.keys_expired = self.expired_at_read + st.keys_expired;
        s.source_offset = self.hb.source_offset();
        if let (Some(a), true) = (applied, self.incremental) {
            let now_ms = unix_ms();
            if let Some(l) = self.lag.applied(a, now_ms) {
                s.lag_ms = Some(l);
            }
            if let Some(age) = self.lag.pending_age(now_ms) {
                s.lag_ms = Some(s.lag_ms.unwrap_or(0).max(age));
            }
            s.lag_bytes = s.source_offset.map(|o| o.saturating_sub(a));
        }
        // Without a working heartbeat (disabled, or a read-only source), "caught up" rests
        // on the byte lag alone (the source offset is then read by the heartbeat task's
        // INFO only if it can connect; otherwise from what was received).
        let hb_working = self.m.b.heartbeat.is_some()
            && (self.hb.written.load(Ordering::Relaxed) > 0
                || self.hb.failures.load(Ordering::Relaxed) < 3);
        if !hb_working && self.incremental && s.source_offset.is_none() {
            s.source_offset = s.received_offset;
            s.lag_bytes = match (s.received_offset, applied) {
                (Some(r), Some(a)) => Some(r.saturating_sub(a)),
                _ => None,
            };
        }
        let lag_ms_for_flag = if hb_working { s.lag_ms } else { Some(0) };
        let now = Instant::now();
        let ops = st.keys_written + st.commands_applied;
        let dt = now.duration_since(self.ops_mark.0).as_secs_f64();
        if dt >= 0.5 {
            s.ops_per_sec = ops.saturating_sub(self.ops_mark.1) as f64 / dt;
            self.ops_mark = (now, ops);
        }
        s.caught_up = self.incremental
            && s.phase == Phase::Incremental
            && self.caught.sample(now, lag_ms_for_flag, s.lag_bytes);
    }

    pub(super) fn publish(&self) {
        self.status_tx.send_replace(self.status.clone());
    }

    /// Applies the error policy to a problem with one key or command: `Ok` (recorded as a
    /// warning) under `skip`, the error under `stop`.
    pub(super) fn policy(&mut self, e: MigrateError) -> Result<(), MigrateError> {
        match self.m.b.on_error {
            OnError::Stop => Err(e),
            OnError::Skip => {
                self.status.warn(format!("skipped: {e}"));
                Ok(())
            }
        }
    }
}
