//! What the filters decide, and why.

use crate::command::{CommandError, DbDropReason, DbRefusal, TargetCommand, ValueType};

/// The verdict on one command of the incremental stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterDecision {
    /// Send the command unchanged. `db` is the target db it must run in (`None` for db-less
    /// commands: `MULTI`, `EXEC`, `FLUSHALL`, `SWAPDB`, `PUBLISH`, `FUNCTION`, `SCRIPT`);
    /// the sink issues `SELECT` when it differs from the connection's db. When
    /// `open_multi` is set, send `MULTI` first: the transaction the command belongs to had
    /// nothing to send until now.
    Forward {
        /// Target db, or `None`.
        db: Option<u32>,
        /// Send `MULTI` before this command.
        open_multi: bool,
    },
    /// Send these commands instead (db rewrites: `MOVE`, `COPY .. DB`, `SWAPDB`,
    /// `FLUSHALL` -> per-db `FLUSHDB`), `MULTI` first when `open_multi`.
    Replace {
        /// Send `MULTI` first.
        open_multi: bool,
        /// Commands in order, each with its target db.
        commands: Vec<TargetCommand>,
    },
    /// Send nothing, for the reason given.
    Drop(DropReason),
    /// A multi-key command whose keys only partly match the key filter, dropped under
    /// [`PartialPolicy::Drop`] (the default). The caller should log it as a warning: the
    /// target may now diverge on the matched keys.
    DropPartial {
        /// The command name as received.
        command: String,
        /// Keys the filter selects.
        matched: Vec<Vec<u8>>,
        /// Keys the filter rejects.
        unmatched: Vec<Vec<u8>>,
    },
}

impl FilterDecision {
    /// A warning to log for this decision ([`FilterDecision::DropPartial`]), if any.
    pub fn warning(&self) -> Option<String> {
        match self {
            FilterDecision::DropPartial {
                command,
                matched,
                unmatched,
            } => {
                let show = |v: &[Vec<u8>]| {
                    v.iter()
                        .map(|k| String::from_utf8_lossy(k).into_owned())
                        .collect::<Vec<_>>()
                };
                Some(format!(
                    "dropped {command}: its keys only partly match the key filter \
                     (selected {:?}, not selected {:?}); the target may diverge on the selected keys",
                    show(matched),
                    show(unmatched)
                ))
            }
            _ => None,
        }
    }
}

/// Why a command is not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropReason {
    /// `PING` from the master.
    Heartbeat,
    /// `REPLCONF` / `ASKING`: answered or consumed by the replica.
    Control,
    /// `SELECT`: tracked; later commands carry their target db.
    SelectTracked {
        /// The new source db.
        db: u32,
    },
    /// `MULTI`: held until a command of the transaction is sent (see
    /// [`FilterDecision::Forward::open_multi`]).
    MultiDeferred,
    /// `EXEC`/`DISCARD` of a transaction none of whose commands were sent.
    EmptyTransaction,
    /// `EXEC`/`DISCARD` without `MULTI`.
    StrayTransactionEnd,
    /// `MULTI` inside a transaction (a server rejects it without aborting the block).
    NestedMulti,
    /// `WATCH`/`UNWATCH` (never meaningful in a replication stream).
    NotReplicated,
    /// The command runs in (or only concerns) a db that is not migrated.
    Db(DbDropReason),
    /// No key of the command is selected by the key filter.
    KeysFiltered,
    /// The command only touches the migrator's own heartbeat key.
    OwnHeartbeat,
    /// The command's value type is excluded by the type filter.
    TypeFiltered(ValueType),
    /// Denied by the command allow/deny lists.
    CommandDenied(String),
    /// `PUBLISH`/`SPUBLISH` while publish forwarding is off.
    PublishNotForwarded,
    /// A command not in the table, under [`UnknownPolicy::Skip`].
    UnknownCommand(String),
}

/// What to do with a multi-key command whose keys only partly match the key filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartialPolicy {
    /// Drop it and report [`FilterDecision::DropPartial`] (a warning). The default.
    #[default]
    Drop,
    /// Send it whole (unselected keys may then appear on the target).
    ForwardWhole,
    /// Fail with [`FilterError::PartialKeys`].
    Fail,
}

/// What to do with a command not in the table (module commands, newer commands).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownPolicy {
    /// Send it (the target decides; a rejection goes through the error policy). Key filters
    /// cannot apply: its keys are unknown. The default.
    #[default]
    Forward,
    /// Drop it with [`DropReason::UnknownCommand`].
    Skip,
    /// Fail with [`FilterError::UnknownCommand`].
    Fail,
}

/// A command the filters cannot decide on faithfully. The command is not sent; the filter
/// state stays consistent, so a caller whose error policy is "skip" may continue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// The argv does not fit its command's syntax.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// A db argument cannot be mapped.
    #[error(transparent)]
    Db(#[from] DbRefusal),
    /// A multi-key command only partly selected, under [`PartialPolicy::Fail`].
    #[error("{command}: keys only partly selected by the key filter (selected {matched:?}, not selected {unmatched:?})")]
    PartialKeys {
        /// The command name.
        command: String,
        /// Selected keys (lossy text).
        matched: Vec<String>,
        /// Unselected keys (lossy text).
        unmatched: Vec<String>,
    },
    /// A command not in the table, under [`UnknownPolicy::Fail`].
    #[error("unknown command {0:?} (unknown-commands policy: fail)")]
    UnknownCommand(String),
}

/// The verdict on one key of the full phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyDecision {
    /// Migrate it into this target db.
    Migrate {
        /// Target db.
        db: u32,
    },
    /// Skip it, for the reason given.
    Skip(SkipReason),
}

/// Why a key of the full phase is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Its db is not migrated.
    DbNotMigrated,
    /// The key filter rejects it.
    KeyFiltered,
    /// Its type is excluded.
    TypeFiltered,
    /// It is the migrator's heartbeat key.
    OwnHeartbeat,
}
