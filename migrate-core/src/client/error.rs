//! The client's error type.

/// Why a client call failed. Every variant names the server address; those tied to a
/// command name it too.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Connecting (resolve, TCP, TLS) failed.
    #[error("connecting to {addr}: {source}")]
    Connect {
        /// `host:port`.
        addr: String,
        /// The transport's error.
        source: repl_client::Error,
    },
    /// Reading or writing failed (includes the read timeout).
    #[error("I/O error with {addr} during {command}: {source}")]
    Io {
        /// `host:port`.
        addr: String,
        /// The command whose reply was awaited (or that was being written).
        command: String,
        /// The error.
        source: std::io::Error,
    },
    /// The server closed the connection.
    #[error("{addr} closed the connection during {command}")]
    Closed {
        /// `host:port`.
        addr: String,
        /// The command whose reply was awaited.
        command: String,
    },
    /// The server sent bytes that are not RESP.
    #[error("protocol error from {addr} in the reply to {command}: {source}")]
    Protocol {
        /// `host:port`.
        addr: String,
        /// The command whose reply was being read.
        command: String,
        /// The decoder's error (with the byte offset).
        source: resp_codec::DecodeError,
    },
    /// The server answered with an error reply.
    #[error("{addr} rejected {command}: {message}")]
    Server {
        /// `host:port`.
        addr: String,
        /// The command, with its key when it has one.
        command: String,
        /// The error message (e.g. `WRONGTYPE ...`, `NOAUTH ...`).
        message: String,
    },
    /// The reply has a shape the caller did not expect.
    #[error("unexpected reply from {addr} to {command}: expected {expected}, got {got}")]
    UnexpectedReply {
        /// `host:port`.
        addr: String,
        /// The command.
        command: String,
        /// What was expected, e.g. `"integer"`.
        expected: &'static str,
        /// What arrived: the frame kind, or a description of the bad content.
        got: String,
    },
}

impl ClientError {
    /// Whether this is an error reply from the server (the connection is still usable).
    pub fn is_server_error(&self) -> bool {
        matches!(self, ClientError::Server { .. })
    }

    /// The server's error message, for [`ClientError::Server`].
    pub fn server_message(&self) -> Option<&str> {
        match self {
            ClientError::Server { message, .. } => Some(message),
            _ => None,
        }
    }
}
