//! [`ReplicaConfig`]: what the replica announces and how it resumes, retries and acks.

use std::time::Duration;

/// Where replication starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StartFrom {
    /// A full sync (`PSYNC ? -1`): snapshot first, then the stream.
    #[default]
    FullSync,
    /// Continue a replication a previous run applied up to and including byte `offset`
    /// of replication id `replid` (`PSYNC replid offset+1`). If the master can no longer
    /// serve it, a new full sync begins and the consumer is told with
    /// [`Event::NewFullSync`](crate::Event::NewFullSync).
    Resume {
        /// The 40-hex-character replication id the offset belongs to.
        replid: String,
        /// The last applied offset (the `end` of the last applied command).
        offset: u64,
        /// The database selected at that offset ([`StreamCommand::db`](crate::StreamCommand::db)
        /// of the last applied command): the master does not repeat its `SELECT`.
        db: u32,
    },
}

/// Which offset `REPLCONF ACK` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AckPolicy {
    /// The offset the consumer reported through `ack(offset)` (what it has *applied*).
    /// The default, and what a migration must use.
    #[default]
    Applied,
    /// Everything handed to the consumer counts as applied (for tools that only observe,
    /// like a stream printer). Resume then continues after the last delivered command.
    Delivered,
}

/// Settings of a [`Replica`](crate::Replica). Build with [`ReplicaConfig::builder`].
#[derive(Clone, PartialEq, Eq)]
pub struct ReplicaConfig {
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) listening_port: Option<u16>,
    pub(crate) start: StartFrom,
    pub(crate) rdb_only: bool,
    pub(crate) ack_policy: AckPolicy,
    pub(crate) ack_interval: Duration,
    pub(crate) backoff_min: Duration,
    pub(crate) backoff_max: Duration,
    pub(crate) give_up_after: Option<Duration>,
}

impl std::fmt::Debug for ReplicaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicaConfig")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("listening_port", &self.listening_port)
            .field("start", &self.start)
            .field("rdb_only", &self.rdb_only)
            .field("ack_policy", &self.ack_policy)
            .field("ack_interval", &self.ack_interval)
            .field("backoff_min", &self.backoff_min)
            .field("backoff_max", &self.backoff_max)
            .field("give_up_after", &self.give_up_after)
            .finish()
    }
}

impl Default for ReplicaConfig {
    fn default() -> Self {
        ReplicaConfig {
            username: None,
            password: None,
            listening_port: None,
            start: StartFrom::FullSync,
            rdb_only: false,
            ack_policy: AckPolicy::Applied,
            ack_interval: Duration::from_secs(1),
            backoff_min: Duration::from_millis(200),
            backoff_max: Duration::from_secs(5),
            give_up_after: Some(Duration::from_secs(600)),
        }
    }
}

impl ReplicaConfig {
    /// A builder with the defaults: full sync, ACK of the applied offset every second,
    /// reconnect backoff 200 ms doubling to 5 s, give up after 10 min without a working link.
    pub fn builder() -> ReplicaConfigBuilder {
        ReplicaConfigBuilder {
            cfg: ReplicaConfig::default(),
        }
    }
    /// Where replication starts.
    pub fn start(&self) -> &StartFrom {
        &self.start
    }
    /// Whether this is an RDB-only run.
    pub fn rdb_only(&self) -> bool {
        self.rdb_only
    }
}

/// Builder for [`ReplicaConfig`].
#[derive(Debug, Clone)]
pub struct ReplicaConfigBuilder {
    cfg: ReplicaConfig,
}

impl ReplicaConfigBuilder {
    /// Authenticate with `AUTH password` (or `AUTH user password` with a username).
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.cfg.password = Some(password.into());
        self
    }
    /// ACL user (Redis 6.0+). Needs `+psync +replconf +ping` (and `+sync` for servers
    /// without PSYNC).
    pub fn username(mut self, user: impl Into<String>) -> Self {
        self.cfg.username = Some(user.into());
        self
    }
    /// Credentials from connection options (URL user/password).
    pub fn credentials_from(mut self, opts: &crate::transport::ConnectOptions) -> Self {
        self.cfg.username = opts.username().map(str::to_owned);
        self.cfg.password = opts.password().map(str::to_owned);
        self
    }
    /// The port announced with `REPLCONF listening-port` (shown in the master's
    /// `INFO replication`). Default: the local port of the replication socket.
    pub fn listening_port(mut self, port: u16) -> Self {
        self.cfg.listening_port = Some(port);
        self
    }
    /// Where to start (full sync, or resume from a saved position).
    pub fn start(mut self, start: StartFrom) -> Self {
        self.cfg.start = start;
        self
    }
    /// Take the snapshot only, no command stream (`REPLCONF rdb-only 1` on servers that
    /// know it, 6.2+; on older ones the link is closed after the RDB).
    pub fn rdb_only(mut self, on: bool) -> Self {
        self.cfg.rdb_only = on;
        self
    }
    /// Which offset `REPLCONF ACK` reports.
    pub fn ack_policy(mut self, p: AckPolicy) -> Self {
        self.cfg.ack_policy = p;
        self
    }
    /// How often `REPLCONF ACK` is sent (default 1 s, as a Redis replica does).
    pub fn ack_interval(mut self, d: Duration) -> Self {
        self.cfg.ack_interval = d;
        self
    }
    /// Reconnect backoff: first delay and cap (doubling in between).
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.cfg.backoff_min = min;
        self.cfg.backoff_max = max.max(min);
        self
    }
    /// Stop retrying (fail with [`Error::GaveUp`](crate::Error::GaveUp)) after the link
    /// has been down this long. `None`: retry forever.
    pub fn give_up_after(mut self, d: Option<Duration>) -> Self {
        self.cfg.give_up_after = d;
        self
    }
    /// The configuration.
    pub fn build(mut self) -> ReplicaConfig {
        if self.cfg.ack_interval.is_zero() {
            self.cfg.ack_interval = Duration::from_millis(1);
        }
        self.cfg
    }
}
