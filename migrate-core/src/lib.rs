//! # migrate-core
//!
//! The migration engine, and the pieces it is built from that are useful alone:
//!
//! * [`client`]: an async, pipelined Redis client (`AUTH`/`SELECT` on connect, one-shot
//!   commands, a bounded pipeline window, `INFO`/`CONFIG GET` helpers).
//! * [`verify`]: proof that a target holds the same data as a source — quick (per-db
//!   counts) or full (key by key: type, value, TTL, both ways), in rounds, throttled and
//!   parallel, with a report for humans, JSON and CI exit codes.
//! * [`command`]: the command table (class, keys, db arguments of everything a replication
//!   stream carries), db-mapping rewrites, and downgrade adaptation for older targets.
//! * [`filter`]: selection — db allow-list and mapping, key prefixes/regexes, types,
//!   command allow/deny, the partial multi-key rule, transaction-aware stream filtering.
//! * [`convert`]: decoded values (or `RESTORE` payloads) as bounded batches of commands
//!   for targets that cannot load a payload; exact scores; streams with groups and PELs.
//! * [`config`]: every setting as plain data, read from TOML with the CLI flag names.
//! * [`migrator`]: the engine — `Migrator::builder()…build()?.run()` copies a source
//!   (PSYNC: snapshot as pipelined `RESTORE`s or command batches, then the live stream)
//!   into a [`sink`], with status, lag, throttles, checkpoints and fault recovery.
//! * [`sink`]: the pluggable destination trait and the built-in standalone Redis sink.
//! * [`status`], [`lag`], [`checkpoint`]: what a running migration reports, how lag is
//!   measured (heartbeat key), and where it can resume from.
//!
//! ```no_run
//! # async fn demo() -> Result<(), migrate_core::verify::VerifyError> {
//! use migrate_core::verify::{Mode, Verifier};
//!
//! let report = Verifier::builder()
//!     .source("redis://127.0.0.1:6379")
//!     .target("redis://127.0.0.1:6380")
//!     .mode(Mode::Full)
//!     .rounds(3)
//!     .db_map([(0, 1)])
//!     .build()?
//!     .run()
//!     .await?;
//! println!("{report}");
//! std::process::exit(report.exit_code());
//! # }
//! ```
#![deny(missing_docs)]

pub mod client;
pub mod command;
pub mod config;
pub mod convert;
pub mod filter;
pub mod verify;

pub mod checkpoint;
pub mod lag;
pub mod migrator;
pub mod precheck;
pub mod sink;
pub mod status;

pub use migrator::{MigrateError, MigrationHandle, Migrator, MigratorBuilder, Mode, Summary};
pub use sink::Sink;
pub use status::{Phase, Status};
