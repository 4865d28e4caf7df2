//! The sink's error type.

use crate::client::ClientError;

/// A command the target rejected (recorded when the error policy skips it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejected {
    /// The command name (upper case).
    pub command: String,
    /// Its key (lossy, cut), or empty.
    pub key: String,
    /// The target's error message.
    pub message: String,
    /// The source offset of the stream command (`None` in the full phase).
    pub offset: Option<u64>,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}: {}", self.command, self.key, self.message)?;
        if let Some(o) = self.offset {
            write!(f, " (source offset {o})")?;
        }
        Ok(())
    }
}

/// Why a sink write failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// The target rejected a command (the error policy is `stop`).
    #[error("target rejected {0}")]
    Rejected(Rejected),
    /// The connection to the target failed; [`Sink::reconnect`](super::Sink::reconnect)
    /// may recover.
    #[error("target connection: {0}")]
    Connection(#[source] ClientError),
    /// Reconnecting failed for the whole retry window.
    #[error("target unreachable for {secs} s (retry window): {last}")]
    GaveUp {
        /// The window.
        secs: u64,
        /// The last error.
        last: String,
    },
    /// The target already holds keys in a migrated db (conflict policy `error`).
    #[error("target db {db} already holds {keys} keys (conflict policy `error`; use overwrite or skip-existing)")]
    Conflict {
        /// Target db.
        db: u32,
        /// Keys in it.
        keys: u64,
    },
    /// The target cannot take something.
    #[error("unsupported by the sink: {0}")]
    Unsupported(String),
    /// A reply that makes no sense for its command.
    #[error("target: {0}")]
    Protocol(String),
}

impl SinkError {
    /// Whether reconnecting may help.
    pub fn is_connection(&self) -> bool {
        matches!(self, SinkError::Connection(_))
    }
}

impl From<ClientError> for SinkError {
    fn from(e: ClientError) -> SinkError {
        match e {
            ClientError::Server {
                command, message, ..
            } => {
                let (command, key) = match command.split_once(' ') {
                    Some((c, k)) => (c.to_owned(), k.to_owned()),
                    None => (command, String::new()),
                };
                SinkError::Rejected(Rejected {
                    command,
                    key,
                    message,
                    offset: None,
                })
            }
            other => SinkError::Connection(other),
        }
    }
}
