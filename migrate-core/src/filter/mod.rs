//! Selection: which dbs, keys, types and commands are migrated, and where they go.
//!
//! # Rules
//!
//! **Dbs.** A source db is migrated when it is in the allow-list (no list = every db). It
//! lands in target db `map(db)` (default: the same index). The mapping must be one-to-one
//! ([`DbMapping::new`] refuses two source dbs in one target db). Db arguments of `SELECT`,
//! `MOVE`, `COPY .. DB`, `SWAPDB`, `FLUSHDB`, `FLUSHALL` are rewritten as documented in
//! [`crate::command::rewrite_db_command`]; what `FLUSHALL` becomes with a partial allow-list
//! is [`FlushAllPolicy`] (default: `FLUSHDB` in each mapped target db).
//!
//! **Keys.** [`KeyFilter`]: include prefixes/regexes (none = all keys), exclude
//! prefixes/regexes (exclusion wins). Binary keys are matched as bytes.
//!
//! **Types.** An include-list of [`ValueType`]s (none = all). Full phase: keys of other types
//! are skipped. Incremental phase: commands specific to an excluded type (`LPUSH` for lists,
//! `XADD` for streams...) are dropped; generic keyspace commands (`DEL`, `EXPIRE`, `RENAME`,
//! `COPY`...) cannot be attributed to a type without reading the source and are forwarded
//! (a `RENAME` of an excluded key then fails on the target and the error policy decides).
//!
//! **Commands** (incremental phase). A deny-list and an allow-list of command names,
//! case-insensitive; deny wins; an empty allow-list allows all. Structural commands are
//! never subject to them: `SELECT`, `MULTI`, `EXEC`, `DISCARD`, `PING`, `REPLCONF`.
//!
//! **Multi-key commands** whose keys only partly match the key filter follow
//! [`PartialPolicy`]: drop and warn ([`FilterDecision::DropPartial`], the default), forward
//! whole, or fail. A command with no key selected is dropped ([`DropReason::KeysFiltered`]);
//! a command with no keys at all (`EVAL` with `numkeys 0`, `FUNCTION`, `SCRIPT`) is
//! forwarded: scripts that touch keys without declaring them cannot be filtered.
//!
//! **Heartbeat.** When a heartbeat key is configured, keys and commands that touch only it
//! are never migrated ([`DropReason::OwnHeartbeat`]; the engine reads lag from them).
//!
//! **Transactions.** Filtering applies to each command inside `MULTI` … `EXEC`. `MULTI` is
//! held back until the first command of the block that is sent (that command's decision has
//! `open_multi` set); a block whose commands are all filtered out is dropped entirely — no
//! empty `MULTI`/`EXEC` reaches the target. Nothing is buffered, so a huge transaction costs
//! no memory.
//!
//! **Other commands.** `PING` and `REPLCONF` are dropped; `PUBLISH`/`SPUBLISH` are dropped
//! unless publish forwarding is on; commands not in the table follow [`UnknownPolicy`]
//! (default: forward, since the target may have the module).
//!
//! **Flushes and key filters.** `FLUSHDB`/`FLUSHALL` have no keys: with a key filter they
//! still flush the whole mapped target db (the selected keys are gone on the source; keys
//! the target held before the migration go too). Use the command deny-list to keep them
//! from the target. Keys named only inside `SORT .. BY/GET` patterns or inside scripts
//! (undeclared `KEYS`) are invisible to key filters.
//!
//! ```
//! use migrate_core::command::{DbMapping, ValueType};
//! use migrate_core::filter::{Filter, FilterDecision, KeyDecision, KeyFilter, StreamFilter};
//!
//! let filter = Filter {
//!     dbs: DbMapping::new(Some([0]), [(0, 3)]).unwrap(),
//!     keys: KeyFilter::new(vec![b"user:".to_vec()], vec![], &[], &[]).unwrap(),
//!     ..Filter::default()
//! };
//! assert_eq!(filter.full_key(0, b"user:1", ValueType::Hash), KeyDecision::Migrate { db: 3 });
//!
//! let mut stream = StreamFilter::new(filter);
//! stream.decide(&["SELECT", "0"]).unwrap();
//! assert_eq!(
//!     stream.decide(&["set", "user:1", "x"]).unwrap(),
//!     FilterDecision::Forward { db: Some(3), open_multi: false }
//! );
//! assert!(matches!(stream.decide(&["mset", "user:1", "a", "other", "b"]).unwrap(),
//!     FilterDecision::DropPartial { .. }));
//! ```

mod decision;
mod keys;
mod stream;

use std::collections::BTreeSet;

pub use crate::command::{DbMapping, FlushAllPolicy, ValueType};
pub use decision::{
    DropReason, FilterDecision, FilterError, KeyDecision, PartialPolicy, SkipReason, UnknownPolicy,
};
pub use keys::KeyFilter;
pub use stream::StreamFilter;

/// A filter setting that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterConfigError {
    /// A regex that does not compile.
    #[error("{option}: bad regex {pattern:?}: {reason}")]
    BadRegex {
        /// The option it came from.
        option: &'static str,
        /// The pattern.
        pattern: String,
        /// The regex crate's message.
        reason: String,
    },
    /// A structural command named in the command allow/deny lists.
    #[error("{0} cannot be allowed or denied: the stream's structure depends on it")]
    StructuralCommand(String),
}

/// Command allow/deny lists (incremental phase).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandFilter {
    allow: BTreeSet<String>,
    deny: BTreeSet<String>,
}

/// Commands the allow/deny lists never apply to.
pub const STRUCTURAL_COMMANDS: [&str; 6] =
    ["SELECT", "MULTI", "EXEC", "DISCARD", "PING", "REPLCONF"];

impl CommandFilter {
    /// Lists of command names (any case). Empty `allow` = allow all; deny wins.
    pub fn new<S: AsRef<str>>(allow: &[S], deny: &[S]) -> Result<CommandFilter, FilterConfigError> {
        let norm = |v: &[S]| -> Result<BTreeSet<String>, FilterConfigError> {
            v.iter()
                .map(|s| {
                    let up = s.as_ref().to_ascii_uppercase();
                    if STRUCTURAL_COMMANDS.contains(&up.as_str()) {
                        Err(FilterConfigError::StructuralCommand(up))
                    } else {
                        Ok(up)
                    }
                })
                .collect()
        };
        Ok(CommandFilter {
            allow: norm(allow)?,
            deny: norm(deny)?,
        })
    }

    /// Whether the command named `name` (any case) passes.
    pub fn allows(&self, name: &[u8]) -> bool {
        let eq = |s: &String| s.as_bytes().eq_ignore_ascii_case(name);
        if self.deny.iter().any(eq) {
            return false;
        }
        self.allow.is_empty() || self.allow.iter().any(eq)
    }
}

/// Every selection setting; [`Filter::default`] migrates everything, everywhere, as is.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Db allow-list and mapping.
    pub dbs: DbMapping,
    /// Key selection.
    pub keys: KeyFilter,
    /// Types to migrate (`None` = all).
    pub types: Option<BTreeSet<ValueType>>,
    /// Command allow/deny (incremental phase).
    pub commands: CommandFilter,
    /// Partly-selected multi-key commands.
    pub partial: PartialPolicy,
    /// `FLUSHALL` with a partial allow-list.
    pub flushall: FlushAllPolicy,
    /// Commands not in the table.
    pub unknown: UnknownPolicy,
    /// Forward `PUBLISH`/`SPUBLISH` (default: drop).
    pub forward_publish: bool,
    /// The migrator's own heartbeat key, never migrated.
    pub heartbeat_key: Option<Vec<u8>>,
}

impl Filter {
    /// Whether a key is the heartbeat key.
    pub fn is_heartbeat_key(&self, key: &[u8]) -> bool {
        self.heartbeat_key.as_deref() == Some(key)
    }

    /// Whether a value type is migrated.
    pub fn type_selected(&self, t: ValueType) -> bool {
        self.types.as_ref().is_none_or(|set| set.contains(&t))
    }

    /// The full-phase verdict on key `key` of type `t` in source db `db`.
    pub fn full_key(&self, db: u32, key: &[u8], t: ValueType) -> KeyDecision {
        let Some(target) = self.dbs.target(db) else {
            return KeyDecision::Skip(SkipReason::DbNotMigrated);
        };
        if self.is_heartbeat_key(key) {
            KeyDecision::Skip(SkipReason::OwnHeartbeat)
        } else if !self.keys.matches(key) {
            KeyDecision::Skip(SkipReason::KeyFiltered)
        } else if !self.type_selected(t) {
            KeyDecision::Skip(SkipReason::TypeFiltered)
        } else {
            KeyDecision::Migrate { db: target }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn full_phase() {
        let f = Filter {
            dbs: DbMapping::new(Some([1]), [(1, 4)]).unwrap(),
            keys: KeyFilter::new(vec![], vec![b"tmp:".to_vec()], &[], &[]).unwrap(),
            types: Some([ValueType::String, ValueType::Hash].into()),
            heartbeat_key: Some(b"hb".to_vec()),
            ..Filter::default()
        };
        assert_eq!(
            f.full_key(1, b"a", ValueType::String),
            KeyDecision::Migrate { db: 4 }
        );
        assert_eq!(
            f.full_key(0, b"a", ValueType::String),
            KeyDecision::Skip(SkipReason::DbNotMigrated)
        );
        assert_eq!(
            f.full_key(1, b"tmp:a", ValueType::String),
            KeyDecision::Skip(SkipReason::KeyFiltered)
        );
        assert_eq!(
            f.full_key(1, b"a", ValueType::List),
            KeyDecision::Skip(SkipReason::TypeFiltered)
        );
        assert_eq!(
            f.full_key(1, b"hb", ValueType::String),
            KeyDecision::Skip(SkipReason::OwnHeartbeat)
        );
    }

    #[test]
    fn command_lists() {
        let c = CommandFilter::new(&["set", "DEL"], &["del"]).unwrap();
        assert!(c.allows(b"SET") && c.allows(b"set"));
        assert!(!c.allows(b"del"));
        assert!(!c.allows(b"lpush"));
        let c = CommandFilter::new::<&str>(&[], &["flushall"]).unwrap();
        assert!(c.allows(b"lpush") && !c.allows(b"FlushAll"));
        assert_eq!(
            CommandFilter::new(&["multi"], &[]).unwrap_err(),
            FilterConfigError::StructuralCommand("MULTI".into())
        );
    }
}
