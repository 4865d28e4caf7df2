//! What the replica reports to its consumer.

use std::time::Duration;

use bytes::Bytes;
use resp_codec::Command;

/// One command of the replication stream, with its exact place in it.
///
/// `start` is the master's replication offset before the command, `end` after it
/// (`end - start` is the command's length on the wire). After the command, the master's
/// `master_repl_offset` counted exactly `end` bytes. Acknowledge `end` once the command
/// is applied ([`ReplicaHandle::ack`](crate::ReplicaHandle::ack) /
/// [`Replica::ack`](crate::Replica::ack)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamCommand {
    /// The database the command applies to (the last `SELECT` of the stream; for a
    /// `SELECT` itself, the database it selects).
    pub db: u32,
    /// Replication offset before the command.
    pub start: u64,
    /// Replication offset after the command.
    pub end: u64,
    /// The command (name and arguments, exactly as the master sent them).
    pub command: Command,
}

/// Something the consumer must know, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The first full sync of this run began: the RDB snapshot follows
    /// ([`RdbChunk`](Event::RdbChunk)s, then [`RdbDone`](Event::RdbDone)), then commands
    /// starting after `offset`.
    FullResync {
        /// Replication id of the master.
        replid: String,
        /// Offset the snapshot corresponds to.
        offset: u64,
    },
    /// A *new* full sync began after data had already been delivered (the link broke
    /// during an RDB transfer, the master could not continue from our offset, or it
    /// restarted with a new replication id). Everything delivered before is superseded:
    /// the consumer must start over from the snapshot that follows.
    NewFullSync {
        /// Replication id of the master now.
        replid: String,
        /// Offset the new snapshot corresponds to.
        offset: u64,
        /// The replication id we had.
        previous_replid: Option<String>,
        /// The last offset delivered before (`None` if the link broke during an RDB).
        previous_offset: Option<u64>,
    },
    /// A piece of the RDB snapshot, in order. Pieces are as large as one network read.
    RdbChunk(Bytes),
    /// The snapshot is complete; `bytes` is its total size (without framing).
    RdbDone {
        /// RDB size in bytes.
        bytes: u64,
    },
    /// One command of the stream.
    Command(StreamCommand),
    /// The link was re-established and the master continues from where we were
    /// (`+CONTINUE`): the next command starts at `offset`. No command is repeated or
    /// missing.
    Continue {
        /// Replication id (it changes when the master was promoted / failed over).
        replid: String,
        /// Offset the stream continues after.
        offset: u64,
    },
    /// The link broke or the master refused us for now; we reconnect after `delay`.
    Reconnecting {
        /// What happened.
        reason: String,
        /// Reconnect attempts since the link last worked (1 for the first).
        attempt: u32,
        /// How long until the next attempt.
        delay: Duration,
    },
    /// An RDB-only run finished: the snapshot was delivered and the link is closed.
    Finished,
}
