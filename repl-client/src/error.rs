//! The crate's one error type.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong in repl-client: bad configuration, connecting, the
/// replication handshake, and protocol violations by the master.
///
/// Each variant carries the context needed to act on it (address, path, command, offset).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A `redis://` / `rediss://` URL could not be parsed. The password is redacted.
    #[error("invalid Redis URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL, password replaced by `***`.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Connection options that cannot work together (e.g. a client key without a cert).
    #[error("invalid connection options: {0}")]
    InvalidOptions(String),
    /// A TLS input file (CA bundle, client certificate, key) could not be used.
    #[error("TLS {what} `{}`: {reason}", path.display())]
    TlsFile {
        /// Which file: "CA file", "client certificate", "client key".
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The TLS configuration could not be built (e.g. no system roots).
    #[error("TLS configuration: {0}")]
    TlsConfig(String),
    /// The host name did not resolve.
    #[error("cannot resolve `{host}:{port}`: {source}")]
    Resolve {
        /// Host as given.
        host: String,
        /// Port as given.
        port: u16,
        /// The resolver's error.
        source: io::Error,
    },
    /// TCP connect failed on every resolved address.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The address (last one tried).
        addr: String,
        /// The socket error.
        source: io::Error,
    },
    /// Connecting (TCP and TLS handshake) took longer than the connect timeout.
    #[error("connecting to {addr} timed out after {millis} ms")]
    ConnectTimeout {
        /// `host:port`.
        addr: String,
        /// The timeout.
        millis: u64,
    },
    /// The TLS handshake failed (certificate rejected, protocol mismatch ...).
    #[error("TLS handshake with {addr} failed: {source}")]
    TlsHandshake {
        /// `host:port`.
        addr: String,
        /// The TLS error (the certificate problem is in its message).
        source: io::Error,
    },
    /// An I/O error on an established connection.
    #[error("I/O error on the link to {addr}: {source}")]
    Io {
        /// `host:port`.
        addr: String,
        /// The error.
        source: io::Error,
    },
}
