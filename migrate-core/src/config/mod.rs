//! The engine's settings as plain data: a TOML file (`--config FILE`) uses the same names as
//! the command-line flags, so `--key-include-prefix user:` and
//! `key-include-prefix = ["user:"]` mean the same.
//!
//! | name (flag / TOML key) | type | default | meaning |
//! |---|---|---|---|
//! | `source` | URL | required | `redis://[user:pass@]host:port` or `rediss://` |
//! | `target` | URL | required | same |
//! | `mode` | `full` \| `sync` | `sync` | one-time copy, or copy then follow the stream |
//! | `db` | list of ints | all | source dbs to migrate |
//! | `db-map` | list of `"src=dst"` | identity | target db of a source db |
//! | `key-include-prefix` / `key-exclude-prefix` | list of strings | none | key prefixes |
//! | `key-include-regex` / `key-exclude-regex` | list of regexes | none | searched anywhere in the key; bytes via `(?-u:\xFF)` |
//! | `type` | list of `string` `list` `set` `zset` `hash` `stream` `module` | all | types migrated |
//! | `command-allow` / `command-deny` | list of names | all / none | incremental phase |
//! | `partial-keys` | `drop` \| `forward-whole` \| `fail` | `drop` | partly selected multi-key commands |
//! | `flushall` | `flush-mapped-dbs` \| `forward` \| `refuse` | `flush-mapped-dbs` | FLUSHALL with a partial `db` list |
//! | `unknown-commands` | `forward` \| `skip` \| `fail` | `forward` | commands not in the table |
//! | `conflict` | `error` \| `overwrite` \| `skip-existing` | `error` | target already holds keys |
//! | `ttl-extend-secs` | int | 0 | added to every migrated TTL |
//! | `full-ops-per-sec` / `full-bytes-per-sec` | int | unlimited | full-phase throttle |
//! | `incr-ops-per-sec` / `incr-bytes-per-sec` | int | unlimited | incremental throttle |
//! | `retry-window-secs` | int | 600 | reconnect with backoff for this long, then fail |
//! | `heartbeat-key` | string | `redis-migrate:heartbeat` | written to the source, never migrated |
//! | `heartbeat-interval-ms` | int | 1000 | how often |
//! | `checkpoint-file` | path | none | where (replid, offset, db) is saved |
//! | `checkpoint-key` | string | none | a key on the target holding the same |
//! | `restore-size-limit` | bytes | 268435456 | payloads above go as commands |
//! | `batch-max-elems` / `batch-max-bytes` | int | 256 / 1048576 | per converted command |
//! | `forward-publish` | bool | false | forward PUBLISH/SPUBLISH |
//! | `on-error` | `stop` \| `skip` | `stop` | a command the target rejects |
//!
//! [`Config::from_toml`] parses and validates; validation reports every problem at once.
//!
//! ```
//! use migrate_core::config::{Config, Mode};
//!
//! let cfg = Config::from_toml(r#"
//!     source = "redis://127.0.0.1:6379"
//!     target = "redis://127.0.0.1:6380"
//!     mode = "full"
//!     db = [0, 1]
//!     db-map = ["1=5"]
//!     key-exclude-prefix = ["cache:"]
//! "#).unwrap();
//! assert_eq!(cfg.mode, Mode::Full);
//! let filter = cfg.filter().unwrap();
//! assert_eq!(filter.dbs.target(1), Some(5));
//!
//! let err = Config::from_toml("source = \"redis://a\"\ntarget = \"redis://b\"\ndb-map = [\"x=1\"]").unwrap_err();
//! assert!(err.to_string().contains("db-map"));
//! ```

mod validate;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::command::FlushAllPolicy;
use crate::filter::{PartialPolicy, UnknownPolicy};

pub use validate::{ConfigError, Problem};

/// One-time copy or copy-then-follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Copy everything once, then exit.
    Full,
    /// Copy, then follow the live stream until stopped.
    #[default]
    Sync,
}

/// What to do when the target already holds keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictPolicy {
    /// The precheck fails when a mapped target db holds keys.
    #[default]
    Error,
    /// Existing keys are replaced.
    Overwrite,
    /// Existing keys are kept and counted as skipped.
    SkipExisting,
}

/// What to do when the target rejects a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnError {
    /// Stop the run, naming the command, key and error.
    #[default]
    Stop,
    /// Skip it, record it, go on.
    Skip,
}

/// Every setting of a migration. Field names are the flag names (kebab-case in TOML).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct Config {
    /// Source URL.
    pub source: String,
    /// Target URL.
    pub target: String,
    /// Full copy or copy + follow.
    pub mode: Mode,
    /// Source dbs to migrate (empty = all). Flag `--db`.
    #[serde(rename = "db")]
    pub dbs: Vec<u32>,
    /// `"src=dst"` pairs.
    pub db_map: Vec<String>,
    /// Key prefixes to include.
    pub key_include_prefix: Vec<String>,
    /// Key prefixes to exclude.
    pub key_exclude_prefix: Vec<String>,
    /// Regexes to include.
    pub key_include_regex: Vec<String>,
    /// Regexes to exclude.
    pub key_exclude_regex: Vec<String>,
    /// Types to migrate (empty = all). Flag `--type`.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    /// Commands allowed in the incremental phase (empty = all).
    pub command_allow: Vec<String>,
    /// Commands denied in the incremental phase.
    pub command_deny: Vec<String>,
    /// Partly selected multi-key commands.
    pub partial_keys: PartialPolicy,
    /// `FLUSHALL` with a partial db list.
    pub flushall: FlushAllPolicy,
    /// Commands not in the table.
    pub unknown_commands: UnknownPolicy,
    /// Target already holds keys.
    pub conflict: ConflictPolicy,
    /// Seconds added to every migrated TTL.
    pub ttl_extend_secs: u64,
    /// Full-phase ops/s limit.
    pub full_ops_per_sec: Option<u64>,
    /// Full-phase bytes/s limit.
    pub full_bytes_per_sec: Option<u64>,
    /// Incremental ops/s limit.
    pub incr_ops_per_sec: Option<u64>,
    /// Incremental bytes/s limit.
    pub incr_bytes_per_sec: Option<u64>,
    /// Reconnect window in seconds.
    pub retry_window_secs: u64,
    /// Heartbeat key on the source.
    pub heartbeat_key: String,
    /// Heartbeat period in ms.
    pub heartbeat_interval_ms: u64,
    /// Checkpoint file.
    pub checkpoint_file: Option<PathBuf>,
    /// Checkpoint key on the target.
    pub checkpoint_key: Option<String>,
    /// RESTORE payloads above this many bytes are sent as commands.
    pub restore_size_limit: u64,
    /// Elements per converted command.
    pub batch_max_elems: usize,
    /// Bytes per converted command.
    pub batch_max_bytes: usize,
    /// Forward PUBLISH/SPUBLISH.
    pub forward_publish: bool,
    /// Target rejects a command.
    pub on_error: OnError,
}

/// Every setting name (flag without `--`, TOML key), in the order of the table above. The
/// command-line tool should offer exactly these flags.
pub const SETTINGS: [&str; 31] = [
    "source",
    "target",
    "mode",
    "db",
    "db-map",
    "key-include-prefix",
    "key-exclude-prefix",
    "key-include-regex",
    "key-exclude-regex",
    "type",
    "command-allow",
    "command-deny",
    "partial-keys",
    "flushall",
    "unknown-commands",
    "conflict",
    "ttl-extend-secs",
    "full-ops-per-sec",
    "full-bytes-per-sec",
    "incr-ops-per-sec",
    "incr-bytes-per-sec",
    "retry-window-secs",
    "heartbeat-key",
    "heartbeat-interval-ms",
    "checkpoint-file",
    "checkpoint-key",
    "restore-size-limit",
    "batch-max-elems",
    "batch-max-bytes",
    "forward-publish",
    "on-error",
];

/// Default heartbeat key.
pub const DEFAULT_HEARTBEAT_KEY: &str = "redis-migrate:heartbeat";

impl Default for Config {
    fn default() -> Config {
        Config {
            source: String::new(),
            target: String::new(),
            mode: Mode::default(),
            dbs: Vec::new(),
            db_map: Vec::new(),
            key_include_prefix: Vec::new(),
            key_exclude_prefix: Vec::new(),
            key_include_regex: Vec::new(),
            key_exclude_regex: Vec::new(),
            types: Vec::new(),
            command_allow: Vec::new(),
            command_deny: Vec::new(),
            partial_keys: PartialPolicy::default(),
            flushall: FlushAllPolicy::default(),
            unknown_commands: UnknownPolicy::default(),
            conflict: ConflictPolicy::default(),
            ttl_extend_secs: 0,
            full_ops_per_sec: None,
            full_bytes_per_sec: None,
            incr_ops_per_sec: None,
            incr_bytes_per_sec: None,
            retry_window_secs: 600,
            heartbeat_key: DEFAULT_HEARTBEAT_KEY.to_owned(),
            heartbeat_interval_ms: 1000,
            checkpoint_file: None,
            checkpoint_key: None,
            restore_size_limit: 256 << 20,
            batch_max_elems: 256,
            batch_max_bytes: 1 << 20,
            forward_publish: false,
            on_error: OnError::default(),
        }
    }
}

impl Config {
    /// Parses a TOML document and validates it.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The settings as TOML (round-trips through [`Config::from_toml`]).
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        toml::to_string(self).map_err(|e| ConfigError::Toml(e.to_string()))
    }
}

#[cfg(test)]
mod tests;
