//! # repl-client
//!
//! A PSYNC replication client that keeps its place, and the workspace's connection layer.
//!
//! * [`transport`]: `redis://` / `rediss://` URLs, TCP with timeouts and keepalive, TLS
//!   through rustls (system roots or a CA file, mTLS, SNI).
//! * [`Replica`]: the sans-IO protocol state machine (handshake, RDB transfer, command
//!   stream with exact offsets, ACK timer, resume), testable without sockets.
//! * [`ReplicaClient`]: the thin tokio driver owning the socket, with a [`ReplicaHandle`]
//!   (ack, shutdown) and a bounded [`Events`] stream for the consumer.
#![deny(missing_docs)]

mod driver;
mod error;
pub mod proto;
pub mod transport;

pub use driver::{
    Events, ReplicaClient, ReplicaClientBuilder, ReplicaHandle, DEFAULT_EVENT_CAPACITY, READ_SIZE,
};
pub use error::Error;
pub use proto::{
    AckPolicy, Event, LinkAction, Phase, Replica, ReplicaConfig, ReplicaConfigBuilder, StartFrom,
    StreamCommand,
};
pub use resp_codec::Command;
