//! The tokio driver: owns the socket, runs a [`Replica`], hands events to the consumer
//! through a bounded channel and takes its acknowledgements through a cheap handle.

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

/// Default capacity of the event channel, in events.
pub const DEFAULT_EVENT_CAPACITY: usize = 256;
/// Bytes read from the socket at a time (and so the largest RDB chunk).
pub const READ_SIZE: usize = 64 * 1024;

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
    /// Offset after the last command handed to the event channel's producer side.
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
    rx: mpsc::Receiver<Result<Event, Error>>,
}

impl Events {
    /// The next event.
    pub async fn next(&mut self) -> Option<Result<Event, Error>> {
        self.rx.recv().await
    }
}

impl futures::Stream for Events {
    type Item = Result<Event, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
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
            capacity: DEFAULT_EVENT_CAPACITY,
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
    /// Replica settings (default: full sync, credentials from the connection options).
    pub fn config(mut self, cfg: ReplicaConfig) -> Self {
        self.cfg = Some(cfg);
        self
    }
    /// Event channel capacity. With RDB chunks of at most [`READ_SIZE`] bytes, the memory
    /// held between socket and consumer is bounded by about `capacity * READ_SIZE`. When
    /// the consumer falls behind, the socket is not read and the master buffers.
    pub fn event_capacity(mut self, n: usize) -> Self {
        self.capacity = n.max(1);
        self
    }
    /// Spawns the driver task. Must be called within a tokio runtime.
    pub fn start(self) -> (ReplicaHandle, Events) {
        let cfg = self.cfg.unwrap_or_else(|| {
            ReplicaConfig::builder()
                .credentials_from(&self.opts)
                .build()
        });
        let shared = Arc::new(Shared::default());
        let replica = Replica::new(cfg, Instant::now());
        shared
            .applied
            .store(replica.applied_offset(), Ordering::Relaxed);
        shared
            .delivered
            .store(replica.delivered_offset(), Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(self.capacity);
        let driver = Driver {
            opts: self.opts,
            replica,
            tx,
            shared: shared.clone(),
            stream: None,
        };
        tokio::spawn(driver.run());
        (ReplicaHandle { shared }, Events { rx })
    }
}

struct Driver {
    opts: ConnectOptions,
    replica: Replica,
    tx: mpsc::Sender<Result<Event, Error>>,
    shared: Arc<Shared>,
    stream: Option<Stream>,
}

impl Driver {
    async fn run(mut self) {
        let mut rbuf = vec![0u8; READ_SIZE];
        let mut next: Option<Event> = None;
        loop {
            self.replica
                .ack(self.shared.applied.load(Ordering::Relaxed));
            self.do_link_actions().await;
            self.flush().await;
            if next.is_none() {
                next = self.replica.poll_event();
                if let Some(Event::Command(c)) = &next {
                    self.shared.delivered.store(c.end, Ordering::Relaxed);
                }
            }
            if self.replica.is_closed() && self.tx.is_closed() {
                return;
            }
            if next.is_none() {
                if let Some(e) = self.replica.take_error() {
                    let _ = self.tx.send(Err(e)).await;
                    return;
                }
                if self.replica.is_closed() {
                    return;
                }
            }
            let timeout = self.replica.poll_timeout();
            let can_read = next.is_none() && self.stream.is_some();
            tokio::select! {
                permit = self.tx.reserve(), if next.is_some() => {
                    match permit {
                        Ok(p) => {
                            if let Some(ev) = next.take() {
                                p.send(Ok(ev));
                            }
                        }
                        Err(_) => {
                            // The consumer dropped the event stream: stop.
                            next = None;
                            self.replica.shutdown();
                        }
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
