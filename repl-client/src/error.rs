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
    /// The server requires a password and none was given.
    #[error("the master requires authentication ({reply}): give a password (and user) in the URL, e.g. redis://user:password@host:port")]
    AuthRequired {
        /// The server's reply.
        reply: String,
    },
    /// `AUTH` was refused: wrong password, unknown or disabled user.
    #[error("authentication as {user} failed: {reply} (check the user name and password)")]
    AuthFailed {
        /// `user \`name\`` or `the default user`.
        user: String,
        /// The server's reply.
        reply: String,
    },
    /// The authenticated user may not run a command replication needs.
    #[error("{user} may not run {command} ({reply}): grant it the replication commands, e.g. `ACL SETUSER {acl_user} +psync +sync +replconf +ping`")]
    PermissionDenied {
        /// `user \`name\`` or `the default user`.
        user: String,
        /// The ACL user name to put in the hint.
        acl_user: String,
        /// The refused command.
        command: String,
        /// The server's reply.
        reply: String,
    },
    /// The master answered a handshake command with an error that retrying cannot fix.
    #[error("the master refused {command}: {reply}")]
    Refused {
        /// The command.
        command: String,
        /// The server's reply.
        reply: String,
    },
    /// The master sent something the protocol does not allow at this point.
    #[error("replication protocol violation at stream offset {offset}: {detail}")]
    Protocol {
        /// Replication offset (or handshake byte count) where it happened.
        offset: u64,
        /// What was wrong.
        detail: String,
    },
    /// The command stream is not valid RESP.
    #[error("invalid command stream after replication offset {offset}: {source}")]
    Decode {
        /// Replication offset of the last complete command before the bad bytes.
        offset: u64,
        /// The decoder's error.
        source: resp_codec::DecodeError,
    },
    /// The link stayed down longer than the configured limit.
    #[error(
        "gave up after the link to the master was down for {secs} s; last error: {last_error}"
    )]
    GaveUp {
        /// How long it was down.
        secs: u64,
        /// The last failure.
        last_error: String,
    },
    /// The replica was shut down by its owner.
    #[error("the replica was shut down")]
    Shutdown,
}

impl Error {
    /// Whether retrying cannot help (bad credentials, missing permissions, protocol
    /// violations, bad configuration). The replica never retries these by itself.
    ///
    /// A TLS handshake failure is fatal when the peer's certificate (or ours) was rejected,
    /// and transient when the connection merely broke during the handshake.
    pub fn is_fatal(&self) -> bool {
        match self {
            Error::Connect { .. }
            | Error::ConnectTimeout { .. }
            | Error::Resolve { .. }
            | Error::Io { .. } => false,
            Error::TlsHandshake { source, .. } => source.kind() == io::ErrorKind::InvalidData,
            _ => true,
        }
    }
}
