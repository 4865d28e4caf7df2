//! The sans-IO [`Replica`]: state, public API, timers and reconnects. The protocol steps
//! are in `handshake_io`, `transfer` and `stream`.

mod handshake_io;
mod stream;
mod transfer;

use std::collections::VecDeque;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use resp_codec::{encode_command, Decoder, Limits};

use super::config::{AckPolicy, ReplicaConfig, StartFrom};
use super::event::Event;
use super::handshake::Step;
use super::mark::MarkFinder;
use crate::error::Error;

/// What the driver must do with the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAction {
    /// Open a connection to the master now, then call [`Replica::connected`] (or
    /// [`Replica::link_lost`] if that fails).
    Connect,
    /// Close the connection now (after writing what [`Replica::poll_transmit`] still
    /// holds, which the driver may drop). Do not report it with `link_lost`.
    Close,
}

/// Where the replica is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting to (re)connect.
    Disconnected,
    /// The driver was asked to connect.
    Connecting,
    /// Handshake commands sent, replies awaited.
    Handshake,
    /// `+FULLRESYNC` (or `SYNC`) accepted; waiting for the RDB header.
    AwaitingRdb,
    /// RDB bytes arriving.
    RdbTransfer,
    /// Receiving the command stream.
    Streaming,
    /// Stopped for good: an RDB-only run finished, the owner shut it down, or a fatal
    /// error (see [`Replica::take_error`]).
    Closed,
}

#[derive(Debug)]
enum Rdb {
    Sized { remaining: u64 },
    Eof(MarkFinder),
}

/// The sans-IO replication client, in the style of quinn-proto: no sockets, no clock.
///
/// * Give it time with [`handle_timeout`](Self::handle_timeout) when
///   [`poll_timeout`](Self::poll_timeout) is due, and received bytes with
///   [`handle_input`](Self::handle_input).
/// * Take bytes to send from [`poll_transmit`](Self::poll_transmit), connection orders
///   from [`poll_link`](Self::poll_link), and consumer events from
///   [`poll_event`](Self::poll_event).
/// * Report connections with [`connected`](Self::connected) /
///   [`link_lost`](Self::link_lost), and applied work with [`ack`](Self::ack).
///
/// ```
/// use std::time::Instant;
/// use repl_client::{Event, LinkAction, Replica, ReplicaConfig};
///
/// let now = Instant::now();
/// let mut r = Replica::new(ReplicaConfig::builder().build(), now);
/// assert_eq!(r.poll_link(), Some(LinkAction::Connect));
/// r.connected(now, 50000);
/// assert_eq!(&r.poll_transmit().unwrap()[..], b"*1\r\n$4\r\nPING\r\n");
/// r.handle_input(now, b"+PONG\r\n");
/// let sent = r.poll_transmit().unwrap(); // REPLCONF listening-port, REPLCONF capa
/// assert!(sent.starts_with(b"*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n"));
/// r.handle_input(now, b"+OK\r\n+OK\r\n"); // PSYNC only once both are answered
/// let sent = r.poll_transmit().unwrap();
/// assert_eq!(&sent[..], b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n");
/// let id = "0123456789abcdef0123456789abcdef01234567";
/// r.handle_input(now, format!("+FULLRESYNC {id} 100\r\n\n\n$3\r\nabc").as_bytes());
/// assert_eq!(r.poll_event(), Some(Event::FullResync { replid: id.into(), offset: 100 }));
/// assert_eq!(r.poll_event(), Some(Event::RdbChunk("abc".into())));
/// assert_eq!(r.poll_event(), Some(Event::RdbDone { bytes: 3 }));
/// r.handle_input(now, b"*1\r\n$4\r\nPING\r\n");
/// let Some(Event::Command(c)) = r.poll_event() else { panic!() };
/// assert_eq!((c.start, c.end), (100, 114));
/// ```
#[derive(Debug)]
pub struct Replica {
    cfg: ReplicaConfig,
    phase: Phase,
    buf: BytesMut,
    decoder: Decoder,
    out: BytesMut,
    events: VecDeque<Event>,
    links: VecDeque<LinkAction>,
    error: Option<Error>,

    // Handshake.
    steps: VecDeque<Step>,
    local_port: u16,
    /// Whether the PSYNC sent on this link asked for a full sync.
    psync_full: bool,
    /// The master does not know PSYNC: use SYNC (no offsets to resume from).
    sync_only: bool,
    /// The master refused `REPLCONF rdb-only`: close after the RDB ourselves.
    rdb_only_emulated: bool,

    // Position.
    replid: Option<String>,
    /// Offset after the last command handed out (or the snapshot's offset).
    delivered: u64,
    /// Offset the consumer reported as applied (<= delivered).
    applied: u64,
    /// Database at `delivered` and at `applied`, and the SELECTs in between.
    db: u32,
    db_at_applied: u32,
    selects: VecDeque<(u64, u32)>,
    /// The newest SELECT dropped from `selects` to bound it (a consumer far behind with
    /// its acks): resuming then starts there, where the database is known.
    select_floor: Option<(u64, u32)>,
    /// Stream position of the bytes being decoded (>= delivered while replaying).
    offset: u64,
    /// Whether we hold a position the master may continue (stream started).
    resumable: bool,
    /// Whether the consumer got anything it would have to throw away on a new full sync.
    delivered_anything: bool,
    /// Whether a full sync began since the position we last had.
    rdb: Option<Rdb>,
    rdb_bytes: u64,

    // Timers.
    next_ack: Option<Instant>,
    retry_at: Option<Instant>,
    attempt: u32,
    down_since: Option<Instant>,
    last_failure: String,
}

/// SELECTs remembered between the applied and the delivered offset (to know the database
/// at the applied offset when resuming); beyond, the oldest are dropped.
const MAX_TRACKED_SELECTS: usize = 4096;

const ACK_PHASES: [Phase; 3] = [Phase::AwaitingRdb, Phase::RdbTransfer, Phase::Streaming];

impl Replica {
    /// A replica that wants to connect at once ([`poll_link`](Self::poll_link) gives
    /// [`LinkAction::Connect`]).
    pub fn new(cfg: ReplicaConfig, now: Instant) -> Replica {
        let (replid, offset, db, resumable) = match &cfg.start {
            StartFrom::FullSync => (None, 0, 0, false),
            StartFrom::Resume { replid, offset, db } => (Some(replid.clone()), *offset, *db, true),
        };
        let mut r = Replica {
            phase: Phase::Connecting,
            buf: BytesMut::new(),
            decoder: Decoder::new(),
            out: BytesMut::new(),
            events: VecDeque::new(),
            links: VecDeque::from([LinkAction::Connect]),
            error: None,
            steps: VecDeque::new(),
            local_port: 0,
            psync_full: true,
            sync_only: false,
            rdb_only_emulated: false,
            replid,
            delivered: offset,
            applied: offset,
            db,
            db_at_applied: db,
            selects: VecDeque::new(),
            select_floor: None,
            offset,
            resumable,
            delivered_anything: resumable,
            rdb: None,
            rdb_bytes: 0,
            next_ack: None,
            retry_at: None,
            attempt: 0,
            down_since: Some(now),
            last_failure: String::new(),
            cfg,
        };
        r.decoder = r.new_decoder();
        r
    }

    fn new_decoder(&self) -> Decoder {
        // A master's bulk arguments are not limited by proto-max-bulk-len (Redis exempts
        // its master too); keep a generous ceiling instead of none.
        let limits = Limits {
            max_bulk_len: 1 << 36,
            ..Limits::DEFAULT
        };
        Decoder::new().with_limits(limits).skip_keepalives(true)
    }

    // ----- accessors -------------------------------------------------------------------

    /// Current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }
    /// Replication id of the master (empty string for a `SYNC`-only master), once known.
    pub fn replid(&self) -> Option<&str> {
        self.replid.as_deref()
    }
    /// Offset after the last command handed to the consumer.
    pub fn delivered_offset(&self) -> u64 {
        self.delivered
    }
    /// Offset the consumer acknowledged as applied (what `REPLCONF ACK` reports).
    pub fn applied_offset(&self) -> u64 {
        self.ack_value()
    }
    /// Database selected at the applied offset, when still known (`None` after the
    /// consumer fell more than 4096 database changes behind with its acks). To save a
    /// position, prefer [`StreamCommand::db`](crate::StreamCommand::db) of the last applied command.
    pub fn applied_db(&self) -> Option<u32> {
        match (self.cfg.ack_policy, self.select_floor) {
            (AckPolicy::Delivered, _) => Some(self.db),
            (AckPolicy::Applied, Some((end, _))) if end > self.applied => None,
            (AckPolicy::Applied, _) => Some(self.db_at_applied),
        }
    }
    /// RDB bytes received in the current (or last) transfer.
    pub fn rdb_bytes(&self) -> u64 {
        self.rdb_bytes
    }
    /// The fatal error that closed the replica, once (then `None`).
    pub fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }
    /// Whether the replica stopped for good.
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    // ----- outputs ---------------------------------------------------------------------

    /// The next consumer event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
    /// Number of events waiting in [`poll_event`](Self::poll_event).
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }
    /// Bytes to write to the master, if any.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        (!self.out.is_empty()).then(|| self.out.split().freeze())
    }
    /// The next connection order.
    pub fn poll_link(&mut self) -> Option<LinkAction> {
        self.links.pop_front()
    }
    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Disconnected => self.retry_at,
            p if ACK_PHASES.contains(&p) && !self.sync_only => self.next_ack,
            _ => None,
        }
    }

    // ----- inputs ----------------------------------------------------------------------

    /// The consumer applied everything up to and including `offset` (the `end` of a
    /// [`StreamCommand`](crate::StreamCommand)). Offsets beyond what was delivered are clamped; going backwards
    /// is ignored.
    pub fn ack(&mut self, offset: u64) {
        let offset = offset.min(self.delivered);
        if offset <= self.applied {
            return;
        }
        self.applied = offset;
        while let Some(&(end, db)) = self.selects.front() {
            if end > offset {
                break;
            }
            self.db_at_applied = db;
            self.selects.pop_front();
        }
    }

    /// Stops: the connection is to be closed, no reconnect.
    pub fn shutdown(&mut self) {
        if self.phase != Phase::Closed {
            self.phase = Phase::Closed;
            self.links.push_back(LinkAction::Close);
        }
    }

    /// A connection to the master is established; `local_port` is its local port (the
    /// default for `REPLCONF listening-port`). Starts the handshake with `PING`.
    pub fn connected(&mut self, now: Instant, local_port: u16) {
        let _ = now;
        if self.phase != Phase::Connecting {
            return;
        }
        self.phase = Phase::Handshake;
        self.local_port = local_port;
        self.buf.clear();
        self.out.clear();
        self.decoder = self.new_decoder();
        self.rdb_only_emulated = false;
        self.steps = VecDeque::from([Step::Ping]);
        encode_command(&mut self.out, ["PING"]);
    }

    /// The connection failed, was closed by the master, or a read/write failed. Schedules
    /// a reconnect (or gives up, see [`ReplicaConfig`]). Ignored when the replica itself
    /// ordered [`LinkAction::Close`].
    pub fn link_lost(&mut self, now: Instant, reason: &str) {
        match self.phase {
            Phase::Disconnected | Phase::Closed => {}
            _ => self.schedule_reconnect(now, reason.to_owned()),
        }
    }

    /// Connecting or the link failed with `error`: fatal errors (see
    /// [`Error::is_fatal`], e.g. a rejected certificate) close the replica, others are
    /// handled as [`link_lost`](Self::link_lost).
    pub fn link_failed(&mut self, now: Instant, error: Error) {
        if error.is_fatal() {
            if self.phase != Phase::Closed {
                self.fail(error);
            }
        } else {
            self.link_lost(now, &error.to_string());
        }
    }

    /// Timers: sends `REPLCONF ACK` when due, asks for a reconnect when the backoff ends.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.phase {
            Phase::Disconnected if self.retry_at.is_some_and(|t| now >= t) => {
                self.retry_at = None;
                self.phase = Phase::Connecting;
                self.links.push_back(LinkAction::Connect);
            }
            p if ACK_PHASES.contains(&p)
                && !self.sync_only
                && self.next_ack.is_some_and(|t| now >= t) =>
            {
                self.send_ack();
                self.next_ack = Some(now + self.cfg.ack_interval);
            }
            _ => {}
        }
    }

    /// Bytes received from the master.
    pub fn handle_input(&mut self, now: Instant, data: &[u8]) {
        if !matches!(
            self.phase,
            Phase::Handshake | Phase::AwaitingRdb | Phase::RdbTransfer | Phase::Streaming
        ) {
            return;
        }
        self.buf.extend_from_slice(data);
        if let Err(e) = self.process(now) {
            self.fail(e);
        }
    }

    // ----- internals -------------------------------------------------------------------

    fn ack_value(&self) -> u64 {
        match self.cfg.ack_policy {
            AckPolicy::Applied => self.applied,
            AckPolicy::Delivered => self.delivered,
        }
    }

    fn send_ack(&mut self) {
        let off = self.ack_value().to_string();
        encode_command(&mut self.out, ["REPLCONF", "ACK", off.as_str()]);
    }

    fn fail(&mut self, e: Error) {
        if self.phase != Phase::Closed {
            self.phase = Phase::Closed;
            self.links.push_back(LinkAction::Close);
        }
        self.error = Some(e);
    }

    /// Closes the link and retries later (transient refusal or link failure).
    fn retry(&mut self, now: Instant, reason: String) {
        self.links.push_back(LinkAction::Close);
        self.schedule_reconnect(now, reason);
    }

    fn schedule_reconnect(&mut self, now: Instant, reason: String) {
        // What the next attempt asks for follows from where we are.
        if matches!(self.phase, Phase::AwaitingRdb | Phase::RdbTransfer) {
            // An incomplete snapshot cannot be resumed: the next sync is a full one.
            if self.rdb_bytes > 0 || self.phase == Phase::RdbTransfer {
                self.delivered_anything = true;
            }
            self.resumable = false;
            self.rdb = None;
        }
        self.phase = Phase::Disconnected;
        self.steps.clear();
        self.buf.clear();
        self.next_ack = None;
        self.last_failure = reason.clone();
        let down_since = *self.down_since.get_or_insert(now);
        if let Some(limit) = self.cfg.give_up_after {
            if now.saturating_duration_since(down_since) >= limit {
                self.fail(Error::GaveUp {
                    secs: now.saturating_duration_since(down_since).as_secs(),
                    last_error: reason,
                });
                return;
            }
        }
        self.attempt = self.attempt.saturating_add(1);
        let exp = self.attempt.saturating_sub(1).min(16);
        let delay = self
            .cfg
            .backoff_min
            .saturating_mul(1u32 << exp)
            .min(self.cfg.backoff_max);
        self.retry_at = Some(now + delay);
        self.events.push_back(Event::Reconnecting {
            reason,
            attempt: self.attempt,
            delay,
        });
    }

    /// The link works again: reset the backoff.
    fn link_ok(&mut self) {
        self.attempt = 0;
        self.down_since = None;
    }

    /// Where a reconnect continues: the applied offset and its database.
    fn resume_point(&self) -> (u64, u32) {
        match (self.cfg.ack_policy, self.select_floor) {
            (AckPolicy::Delivered, _) => (self.delivered, self.db),
            (AckPolicy::Applied, Some((end, db))) if end > self.applied => (end, db),
            (AckPolicy::Applied, _) => (self.applied, self.db_at_applied),
        }
    }

    fn psync_args(&self) -> (String, String) {
        match (&self.replid, self.resumable) {
            (Some(id), true) if !self.cfg.rdb_only && !id.is_empty() => {
                (id.clone(), (self.resume_point().0 + 1).to_string())
            }
            _ => ("?".to_owned(), "-1".to_owned()),
        }
    }

    fn process(&mut self, now: Instant) -> Result<(), Error> {
        loop {
            let progressed = match self.phase {
                Phase::Handshake => self.process_handshake(now)?,
                Phase::AwaitingRdb => self.process_rdb_header(now)?,
                Phase::RdbTransfer => self.process_rdb(now)?,
                Phase::Streaming => {
                    self.process_stream()?;
                    false
                }
                _ => false,
            };
            if !progressed {
                return Ok(());
            }
        }
    }
}
