//! The `rdb-dump` JSON-lines format: one JSON object per key, in file order.
//!
//! See `examples/rdb-dump.rs` for the command-line tool. The primitives in [`json`] are
//! shared with the fixture generator so recorded server answers and parser output use one
//! canonical form.

pub mod json;
