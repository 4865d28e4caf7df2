//! # redis-migrate
//!
//! Online Redis migration as a library: the crates of this workspace, re-exported in one
//! place. Each layer can be used alone:
//!
//! * [`rdb`] ([`rdb_parser`]): a zero-copy, streaming, sans-IO RDB parser.
//! * [`resp`] ([`resp_codec`]): a resumable RESP2/RESP3 codec.
//! * [`repl`] ([`repl_client`]): a PSYNC replication client.
//! * [`core`] ([`migrate_core`]): the migration engine, entered through
//!   `Migrator::builder()`.
//!
//! The examples under `examples/` are the command-line tools built on these crates.
#![deny(missing_docs)]

pub use migrate_core as core;
pub use rdb_parser as rdb;
pub use repl_client as repl;
pub use resp_codec as resp;

/// The `rdb-dump` JSON-lines rendering of RDB parser events (used by `examples/rdb-dump.rs`
/// and the real-server fixture tests).
pub mod rdb_json;
