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
//! * [`rdb::RdbChunkParser`]: feeds the RDB chunks to `rdb_parser` with bounded memory.
//!
//! # Offsets, acknowledgements and resume
//!
//! Every [`StreamCommand`] carries `start` and `end`: the master's replication offset
//! before and after it, so `end` of the last command equals the master's
//! `master_repl_offset`. The consumer calls [`ReplicaHandle::ack`] with the `end` of what
//! it has *applied*; that is what `REPLCONF ACK` reports (every second, also during the
//! RDB transfer) and where a reconnect resumes (`PSYNC <replid> <applied+1>`). Commands
//! the master resends between the applied and the delivered offset are not handed out
//! again, so after a `+CONTINUE` the consumer sees no duplicate and no gap. A snapshot
//! cut in the middle cannot be resumed: the next sync is a full one, announced with
//! [`Event::NewFullSync`]. To resume in a later process, save `(replid, end, db)` of the
//! last applied command and start with [`StartFrom::Resume`].
//!
//! # Example: tail a master
//!
//! ```no_run
//! # async fn demo() -> Result<(), repl_client::Error> {
//! use repl_client::transport::ConnectOptions;
//! use repl_client::{Event, ReplicaClient};
//!
//! let opts = ConnectOptions::from_url("redis://default:secret@127.0.0.1:6379")?;
//! let (handle, mut events) = ReplicaClient::builder(opts).start();
//! while let Some(event) = events.next().await {
//!     match event? {
//!         Event::FullResync { replid, offset } => println!("snapshot of {replid} at {offset}"),
//!         Event::RdbChunk(bytes) => { /* feed rdb_parser::Parser */ let _ = bytes; }
//!         Event::Command(c) => {
//!             println!("db {} [{}..{}] {:?}", c.db, c.start, c.end, c.command.name());
//!             handle.ack(c.end); // applied
//!         }
//!         other => println!("{other:?}"),
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Example: the state machine alone (no sockets, no clock)
//!
//! ```
//! use std::time::{Duration, Instant};
//! use repl_client::{Event, LinkAction, Replica, ReplicaConfig};
//!
//! let t = Instant::now();
//! let mut replica = Replica::new(ReplicaConfig::builder().build(), t);
//! assert_eq!(replica.poll_link(), Some(LinkAction::Connect));
//! replica.connected(t, 6380);
//! replica.handle_input(t, b"+PONG\r\n+OK\r\n+OK\r\n");
//! let id = "53b9b28df8042fdc9ab5e3fcbbbabff1d5dce2b3";
//! replica.handle_input(t, format!("+FULLRESYNC {id} 0\r\n$0\r\n").as_bytes());
//! replica.handle_input(t, b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n");
//! assert!(matches!(replica.poll_event(), Some(Event::FullResync { offset: 0, .. })));
//! assert_eq!(replica.poll_event(), Some(Event::RdbDone { bytes: 0 }));
//! let Some(Event::Command(select)) = replica.poll_event() else { panic!() };
//! assert_eq!((select.start, select.end, select.db), (0, 23, 0));
//! // One second later the timer asks for an ACK of the applied offset.
//! replica.ack(select.end);
//! replica.handle_timeout(t + Duration::from_secs(1));
//! let wire = replica.poll_transmit().unwrap();
//! assert!(wire.ends_with(b"$3\r\nACK\r\n$2\r\n23\r\n"));
//! ```
#![deny(missing_docs)]

mod driver;
mod error;
pub mod proto;
pub mod rdb;
pub mod transport;

pub use driver::{
    Events, ReplicaClient, ReplicaClientBuilder, ReplicaHandle, DEFAULT_BUFFERED_READS, READ_SIZE,
};
pub use error::Error;
pub use proto::{
    AckPolicy, Event, LinkAction, Phase, Replica, ReplicaConfig, ReplicaConfigBuilder, StartFrom,
    StreamCommand,
};
pub use resp_codec::Command;
