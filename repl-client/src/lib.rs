//! # repl-client
//!
//! A PSYNC replication client and the workspace's connection layer.
//!
//! * [`transport`]: `redis://` / `rediss://` URLs, TCP with timeouts and keepalive, TLS
//!   through rustls (system roots or a CA file, mTLS, SNI).
#![deny(missing_docs)]

mod error;
pub mod transport;

pub use error::Error;
