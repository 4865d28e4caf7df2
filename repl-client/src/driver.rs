//! The tokio driver: owns the socket, runs a [`Replica`], hands events to the consumer
//! through a bounded channel and takes its acknowledgements through a cheap handle.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, Notify};

use crate::error::Error;
use crate::proto::{Event, LinkAction, Replica, ReplicaConfig};
use crate::transport::{connect, ConnectOptions, Stream};

/// Default number of socket reads whose events may wait for the consumer.
pub const DEFAULT_BUFFERED_READS: usize = 16;
/// Bytes read from the socket at a time (and so the largest RDB chunk).
pub const READ_SIZE: usize = 64 * 1024;

/// Events are handed over in batches (the events of one socket read), so a stream of
/// small commands costs one channel operation per read, not per command.
type Batch = VecDeque<Result<Event, Error>>;

#[derive(Debug, Default)]
struct Shared {
    applied: AtomicU64,
    delivered: AtomicU64,
    shutdown: Notify,
}

/// The consumer's side of a running replication: acknowledge applied work, read the
/// position, shut down. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ReplicaHandle {
    shared: Arc<Shared>,
}

impl ReplicaHandle {
    /// Everything up to and including replication offset `offset` is applied (pass the
    /// `end` of the last applied [`StreamCommand`](crate::StreamCommand)). It is what the
    /// next `REPLCONF ACK` reports and where a reconnect resumes from.
    pub fn ack(&self, offset: u64) {
        self.shared.applied.fetch_max(offset, Ordering::Relaxed);
    }
    /// The highest offset acknowledged so far.
    pub fn applied_offset(&self) -> u64 {
        self.shared.applied.load(Ordering::Relaxed)
    }
    /// Offset after the last command handed over to the event channel (the consumer may
    /// not have taken it yet).
    pub fn delivered_offset(&self) -> u64 {
        self.shared.delivered.load(Ordering::Relaxed)
    }
    /// Stops the replication: the connection closes and the event stream ends.
    pub fn shutdown(&self) {
        self.shared.shutdown.notify_one();
    }
}

/// The event stream of a running replication. Ends (`None`) after an RDB-only run or a
/// shutdown; a fatal error is its last item.
///
/// Also a [`futures::Stream`].
#[derive(Debug)]
pub struct Events {
    rx: mpsc::Receiver<Batch>,
    batch: Batch,
}

impl Events {
    /// The next event.
    pub async fn next(&mut self) -> Option<Result<Event, Error>> {
        loop {
            if let Some(ev) = self.batch.pop_front() {
                return Some(ev);
            }
            self.batch = self.rx.recv().await?;
        }
    }

    /// The next event if one is already delivered, without waiting (`None`: nothing ready
    /// now, or the stream ended; [`next`](Self::next) tells which). Lets a consumer handle
    /// a burst of events without going back to its `select!` for each one.
    pub fn try_next(&mut self) -> Option<Result<Event, Error>> {
        loop {
            if let Some(ev) = self.batch.pop_front() {
                return Some(ev);
            }
            self.batch = self.rx.try_recv().ok()?;
        }
    }
}

impl futures::Stream for Events {
    type Item = Result<Event, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(ev) = self.batch.pop_front() {
                return Poll::Ready(Some(ev));
            }
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(b)) => self.batch = b,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Starts a replication client on the current tokio runtime.
///
/// ```no_run
/// # async fn demo() -> Result<(), repl_client::Error> {
/// use repl_client::transport::ConnectOptions;
/// use repl_client::{Event, ReplicaClient, ReplicaConfig};
///
/// let opts = ConnectOptions::from_url("redis://127.0.0.1:6379")?;
/// let cfg = ReplicaConfig::builder().credentials_from(&opts).build();
/// let (handle, mut events) = ReplicaClient::builder(opts).config(cfg).start();
/// while let Some(ev) = events.next().await {
///     match ev? {
///         Event::RdbChunk(bytes) => { /* feed the RDB parser */ let _ = bytes; }
///         Event::Command(c) => {
///             // apply c.command to the target, then:
///             handle.ack(c.end);
///         }
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ReplicaClient;

impl ReplicaClient {
    /// A builder connecting with `opts`.
    pub fn builder(opts: ConnectOptions) -> ReplicaClientBuilder {
        ReplicaClientBuilder {
            opts,
            cfg: None,
            capacity: DEFAULT_BUFFERED_READS,
        }
    }
}

/// Builder for a running [`ReplicaClient`].
#[derive(Debug)]
pub struct ReplicaClientBuilder {
    opts: ConnectOptions,
    cfg: Option<ReplicaConfig>,
    capacity: usize,
}

impl ReplicaClientBuilder {
    /// Replica settings (default: full sync). A configuration without a password takes
    /// the user and password of the connection options (the URL).
    pub fn config(mut self, cfg: ReplicaConfig) -> Self {
        self.cfg = Some(cfg);
        self
    }
    /// How many socket reads' worth of events may wait for the consumer (default 16).
    /// Each read is at most [`READ_SIZE`] bytes, so the memory held between socket and
    /// consumer stays around `n * READ_SIZE` whatever the RDB size. When the consumer
    /// falls behind, the socket is not read (the master buffers) but ACKs go on.
    pub fn max_buffered_reads(mut self, n: usize) -> Self {
        self.capacity = n.max(1);
        self
    }
    /// Spawns the driver task. Must be called within a tokio runtime.
    pub fn start(self) -> (ReplicaHandle, Events) {
        let mut cfg = self.cfg.unwrap_or_default();
        if cfg.password.is_none() {
            cfg.username = self.opts.username().map(str::to_owned);
            cfg.password = self.opts.password().map(str::to_owned);
        }
        let shared = Arc::new(Shared::default());
        let replica = Replica::new(cfg, Instant::now());
        shared
            .applied
            .store(replica.applied_offset(), Ordering::Relaxed);
        shared
            .delivered
            .store(replica.delivered_offset(), Ordering::Relaxed);
        let (tx, rx) = mpsc::channel::<Batch>(self.capacity);
        let driver = Driver {
            opts: self.opts,
            replica,
            tx,
            shared: shared.clone(),
            stream: None,
        };
        tokio::spawn(driver.run());
        (
            ReplicaHandle { shared },
            Events {
                rx,
                batch: Batch::new(),
            },
        )
    }
}

struct Driver {
    opts: ConnectOptions,
    replica: Replica,
    tx: mpsc::Sender<Batch>,
    shared: Arc<Shared>,
    stream: Option<Stream>,
}

impl Driver {
    async fn run(mut self) {
        let mut rbuf = vec![0u8; READ_SIZE];
        // Events taken from the replica, waiting for room in the channel, and the
        // delivered offset they bring.
        let mut pending: Option<(Batch, Option<u64>)> = None;
        loop {
            self.replica
                .ack(self.shared.applied.load(Ordering::Relaxed));
            self.do_link_actions().await;
            self.flush().await;
            if pending.is_none() {
                pending = self.take_batch();
            }
            if let Some((batch, delivered)) = pending.take() {
                match self.tx.try_send(batch) {
                    Ok(()) => self.delivered(delivered),
                    Err(mpsc::error::TrySendError::Full(batch)) => {
                        pending = Some((batch, delivered))
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => {
                        // The consumer dropped the event stream: stop.
                        self.replica.shutdown();
                        self.do_link_actions().await;
                        return;
                    }
                }
            }
            if self.replica.is_closed() && self.tx.is_closed() {
                self.do_link_actions().await;
                return;
            }
            if pending.is_none() {
                if let Some(e) = self.replica.take_error() {
                    let _ = self.tx.send(Batch::from([Err(e)])).await;
                    return;
                }
                if self.replica.is_closed() {
                    return;
                }
            }
            let timeout = self.replica.poll_timeout();
            let can_read = pending.is_none() && self.stream.is_some();
            tokio::select! {
                permit = self.tx.reserve(), if pending.is_some() => {
                    match (permit, pending.take()) {
                        (Ok(p), Some((batch, delivered))) => {
                            p.send(batch);
                            self.delivered(delivered);
                        }
                        // The consumer dropped the event stream: stop.
                        _ => self.replica.shutdown(),
                    }
                }
                r = read(&mut self.stream, &mut rbuf), if can_read => {
                    let now = Instant::now();
                    match r {
                        Ok(0) => {
                            self.stream = None;
                            self.replica.link_lost(now, "the master closed the connection");
                        }
                        Ok(n) => self.replica.handle_input(now, &rbuf[..n]),
                        Err(e) => {
                            self.stream = None;
                            self.replica.link_failed(now, self.opts.io_error(e));
                        }
                    }
                }
                _ = sleep_until(timeout), if timeout.is_some() => {
                    self.replica.ack(self.shared.applied.load(Ordering::Relaxed));
                    self.replica.handle_timeout(Instant::now());
                }
                _ = self.shared.shutdown.notified() => {
                    self.replica.shutdown();
                }
            }
        }
    }

    /// All events the replica has now, and the end of the last command among them.
    fn take_batch(&mut self) -> Option<(Batch, Option<u64>)> {
        let mut batch = Batch::with_capacity(self.replica.pending_events());
        let mut delivered = None;
        while let Some(ev) = self.replica.poll_event() {
            if let Event::Command(c) = &ev {
                delivered = Some(c.end);
            }
            batch.push_back(Ok(ev));
        }
        (!batch.is_empty()).then_some((batch, delivered))
    }

    fn delivered(&self, offset: Option<u64>) {
        if let Some(o) = offset {
            self.shared.delivered.store(o, Ordering::Relaxed);
        }
    }

    async fn do_link_actions(&mut self) {
        while let Some(a) = self.replica.poll_link() {
            match a {
                LinkAction::Close => {
                    if let Some(mut s) = self.stream.take() {
                        // Best effort: the replica may have queued a last write.
                        if let Some(b) = self.replica.poll_transmit() {
                            let _ = s.write_all(&b).await;
                        }
                        let _ = s.shutdown().await;
                    }
                }
                LinkAction::Connect => {
                    let r = tokio::select! {
                        r = connect(&self.opts) => Some(r),
                        _ = self.shared.shutdown.notified() => None,
                    };
                    let now = Instant::now();
                    match r {
                        None => self.replica.shutdown(),
                        Some(Ok(s)) => {
                            self.replica.connected(now, s.local_addr().port());
                            self.stream = Some(s);
                        }
                        Some(Err(e)) => self.replica.link_failed(now, e),
                    }
                }
            }
        }
    }

    async fn flush(&mut self) {
        let Some(s) = self.stream.as_mut() else {
            // Nothing can be sent without a link; the replica re-sends what it needs.
            let _ = self.replica.poll_transmit();
            return;
        };
        while let Some(b) = self.replica.poll_transmit() {
            if let Err(e) = s.write_all(&b).await {
                self.stream = None;
                self.replica
                    .link_failed(Instant::now(), self.opts.io_error(e));
                return;
            }
        }
    }
}

async fn read(stream: &mut Option<Stream>, buf: &mut [u8]) -> std::io::Result<usize> {
    match stream {
        Some(s) => s.read(buf).await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(tokio::time::Instant::from_std(t)).await,
        None => std::future::pending().await,
    }
}
