//! The command table: what every command a replication stream can carry is, where its keys
//! are, which of its arguments name databases, and how to rewrite those through a db mapping.
//!
//! Names are compared case-insensitively (streams keep the client's case: `set`, `ping`).
//! Commands not in the table — module commands, commands newer than the table — are
//! classified [`CommandClass::Unknown`] and their keys are `None` ("not known"), so the
//! caller's policy decides; nothing is dropped silently here.
//!
//! ```
//! use migrate_core::command::{classify, keys_of, CommandClass};
//!
//! let argv = ["zunionstore", "dst", "2", "a", "b", "WEIGHTS", "1", "2"];
//! assert_eq!(classify(&argv), CommandClass::Write);
//! let keys = keys_of(&argv).unwrap().unwrap();
//! assert_eq!(keys, [&b"dst"[..], b"a", b"b"]);
//! assert_eq!(classify(&["json.set", "k", "$", "1"]), CommandClass::Unknown);
//! ```

mod compat;
mod dbmap;
mod keys;
mod split;
mod table;

pub use compat::{adapt, Compat, Incompatible};
pub use dbmap::{
    rewrite_db_command, DbDropReason, DbMapping, DbMappingError, DbRefusal, DbRewrite,
    FlushAllPolicy, TargetCommand,
};
pub use keys::{key_indices, key_indices_for, keys_of, KeyRule};
pub use split::{split_variadic, MAX_MULTIBULK};
pub use table::{lookup, CommandClass, CommandInfo, DbArgs, ValueType, TABLE};

/// A command's argv does not fit the command's syntax, so its keys cannot be known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// An empty argv.
    #[error("empty command")]
    Empty,
    /// A numkeys argument that is not a non-negative integer.
    #[error("{command}: numkeys argument {index} is {value:?}, not a count")]
    BadNumKeys {
        /// Command name.
        command: &'static str,
        /// Index of the argument.
        index: usize,
        /// The argument (lossy text).
        value: String,
    },
    /// A numkeys larger than the arguments that follow it.
    #[error("{command}: numkeys {numkeys} but only {available} arguments follow")]
    NumKeysOutOfRange {
        /// Command name.
        command: &'static str,
        /// The count given.
        numkeys: usize,
        /// Arguments after the count.
        available: usize,
    },
    /// `XREAD`/`XREADGROUP` without `STREAMS`, or with an odd number of arguments after it.
    #[error("{command}: STREAMS missing or keys and ids unbalanced")]
    UnbalancedStreams {
        /// Command name.
        command: &'static str,
    },
}

/// The class of a command (by its name, `argv[0]`); [`CommandClass::Unknown`] for an empty
/// argv or a name not in the table.
pub fn classify<A: AsRef<[u8]>>(argv: &[A]) -> CommandClass {
    argv.first()
        .and_then(|n| lookup(n.as_ref()))
        .map_or(CommandClass::Unknown, |i| i.class)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(classify(&["PING"]), CommandClass::Heartbeat);
        assert_eq!(
            classify(&["replconf", "GETACK", "*"]),
            CommandClass::Control
        );
        assert_eq!(classify(&["multi"]), CommandClass::Transaction);
        assert_eq!(classify(&["evalsha", "x", "0"]), CommandClass::Script);
        assert_eq!(classify(&["function", "load", "x"]), CommandClass::Function);
        assert_eq!(classify(&["spublish", "c", "m"]), CommandClass::PubSub);
        assert_eq!(classify(&["swapdb", "0", "1"]), CommandClass::Db);
        assert_eq!(
            classify(&["xgroup", "setid", "s", "g", "0"]),
            CommandClass::Write
        );
        assert_eq!(classify::<&str>(&[]), CommandClass::Unknown);
    }
}
