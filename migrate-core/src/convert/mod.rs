//! Decoded values -> commands, for targets that cannot take a `RESTORE` payload (older
//! versions, payloads above a size limit or the target's `proto-max-bulk-len`).
//!
//! A key is always **replaced, never merged**: collections start with `DEL key` (see
//! [`ConvertOptions::replace`]), strings with `SET`. Values are fed piece by piece (a
//! 2M-element list never has to be whole) and come out as commands of at most
//! [`BatchLimits::max_elems`] elements and about [`BatchLimits::max_bytes`] bytes:
//!
//! | type | commands |
//! |---|---|
//! | string | `SET key chunk`, then `APPEND key chunk`… |
//! | list | `DEL`, `RPUSH key e..`… |
//! | set | `DEL`, `SADD key m..`… |
//! | zset | `DEL`, `ZADD key score m..`… (exact score text, see [`format_score`]) |
//! | hash | `DEL`, `HSET key f v..`… (`HMSET` before 4.0); field TTLs via `HPEXPIREAT` on 7.4+ |
//! | stream | `DEL`, `XADD`…, `XSETID`, `XGROUP CREATE`, `XCLAIM … FORCE JUSTID`, `XGROUP CREATECONSUMER` (details in [`ValueWriter::stream_entry`]'s module) |
//!
//! then `PEXPIREAT key ms` when the key has an expiry. What the target cannot hold is
//! counted in the [`ConvertReport`], never hidden.
//!
//! Inputs: pieces pushed by hand into a [`ValueWriter`], `rdb-parser` events through
//! [`EventConverter`], or a whole `DUMP` payload through [`payload_to_commands`] (a
//! `RESTORE` whose payload the target cannot load). Server-global records:
//! [`function_load_command`] (FUNCTION2 libraries, 7.0+) and [`script_load_command`]
//! (cached Lua scripts from `lua` AUX fields). Which target versions take what is
//! [`TargetCaps`].
//!
//! ```
//! use migrate_core::command::ValueType;
//! use migrate_core::convert::{ConvertOptions, TargetCaps, ValueWriter};
//! use rdb_parser::Elem;
//!
//! let opts = ConvertOptions::new(TargetCaps::for_version(5, 0));
//! let mut out = Vec::new();
//! let mut w = ValueWriter::new(b"scores", ValueType::ZSet, opts).unwrap();
//! w.zset_add(Elem::Bytes(b"alice"), 1e300, &mut out).unwrap();
//! w.zset_add(Elem::Int(7), -0.0, &mut out).unwrap();
//! let report = w.finish(Some(1_900_000_000_000), &mut out).unwrap();
//! assert_eq!(out[0], [&b"DEL"[..], b"scores"]);
//! assert_eq!(out[1], [&b"ZADD"[..], b"scores", b"1e300", b"alice", b"-0", b"7"]);
//! assert_eq!(out[2], [&b"PEXPIREAT"[..], b"scores", b"1900000000000"]);
//! assert_eq!(report.elements, 2);
//! ```

mod caps;
mod events;
mod global;
mod restore;
mod score;
mod stream;
mod writer;

pub use caps::{BatchLimits, TargetCaps};
pub use events::{value_type, EventConverter};
pub use global::{function_load_command, script_load_command};
pub use restore::payload_to_commands;
pub use score::{format_score, write_score};
pub use stream::TMP_GROUP;
pub use writer::{ConvertOptions, ValueWriter};

use crate::command::ValueType;

/// One command's arguments.
pub type Argv = Vec<Vec<u8>>;

/// What a conversion did, and what the target could not hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConvertReport {
    /// Commands emitted.
    pub commands: u64,
    /// Elements written (list items, members, fields, stream entries; bytes for strings).
    pub elements: u64,
    /// The value had no element: no key was written.
    pub empty: bool,
    /// Hash field TTLs the target cannot hold (before 7.4).
    pub field_ttls_dropped: u64,
    /// Consumer groups created.
    pub groups: u64,
    /// Consumers seen.
    pub consumers: u64,
    /// PEL entries sent as `XCLAIM` (the server skips those whose message was deleted).
    pub pel_claimed: u64,
    /// PEL entries no consumer owned (cannot be recreated).
    pub pel_lost: u64,
    /// Consumers without pending entries that the target version cannot create (6.0/6.1).
    pub consumers_not_created: u64,
}

/// A value that cannot be converted, or pieces fed out of order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// The target cannot hold this kind of value.
    #[error("key {key:?}: target {}.{} cannot hold {what}", version.0, version.1)]
    Unsupported {
        /// The key.
        key: String,
        /// What is missing.
        what: &'static str,
        /// Target version.
        version: (u32, u32),
    },
    /// A piece that does not belong to the value's type.
    #[error("key {key:?}: {piece} fed to a {} value", kind.name())]
    WrongPiece {
        /// The key.
        key: String,
        /// The value's type.
        kind: ValueType,
        /// The piece.
        piece: &'static str,
    },
    /// A NaN score (no server accepts one).
    #[error("key {key:?}: member {member:?} has a NaN score")]
    NanScore {
        /// The key.
        key: String,
        /// The member.
        member: String,
    },
    /// Stream pieces out of order.
    #[error("key {key:?}: {what}")]
    StreamOrder {
        /// The key.
        key: String,
        /// What went wrong.
        what: &'static str,
    },
    /// A stream entry without fields (`XADD` needs one).
    #[error("key {key:?}: stream entry {id} has no fields")]
    EmptyStreamEntry {
        /// The key.
        key: String,
        /// The entry id.
        id: String,
    },
    /// A `RESTORE` payload that does not verify or decode.
    #[error("key {key:?}: bad RESTORE payload: {reason}")]
    BadPayload {
        /// The key.
        key: String,
        /// The parser's error.
        reason: String,
    },
    /// A consumer's pending id that is not in its group's PEL.
    #[error("key {key:?}: group {group:?}: consumer PEL id {id} is not in the group PEL")]
    PelIdUnknown {
        /// The key.
        key: String,
        /// The group.
        group: String,
        /// The id.
        id: String,
    },
}

#[cfg(test)]
mod tests;
