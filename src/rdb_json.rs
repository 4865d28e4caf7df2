//! The `rdb-dump` JSON-lines format: one JSON object per key, in file order.
//!
//! [`JsonLines`] turns [`rdb_parser`] events into lines as they arrive;
//! [`Stats`] summarises a file instead (`rdb-dump --stats`). The primitives in [`json`]
//! are shared with the fixture generator, so recorded server answers and parser output use
//! one canonical form.
//!
//! # Format
//!
//! ```text
//! {"db":0,"key":K,"type":T,"expire_ms":E,"value":V}
//! ```
//!
//! * byte strings (keys, values, members, fields) are JSON strings when valid UTF-8, else
//!   `{"b64":"<base64>"}`; integer-encoded elements are their decimal text;
//! * `T` is `string|list|set|zset|hash|stream|module`; `E` is absolute unix ms or `null`;
//! * `V`: string → bytes; list → `[bytes…]` in order; set → `[bytes…]`; zset →
//!   `[[member, score]…]` (score: shortest round-trip JSON number, `"inf"` / `"-inf"`);
//!   hash → `[[field, value]…]`; stream → `{"entries":[[id,[[field,value]…]]…],"length",
//!   "last_id","first_id","max_deleted_id","entries_added","groups":[{"name",
//!   "last_delivered_id","entries_read","consumers":[{"name","seen_time_ms",
//!   "active_time_ms","pel":[id…]}],"pel":[[id,consumer,delivery_time_ms,delivery_count]…]}]}`
//!   (ids `"ms-seq"`; `null` for what the file's version does not store); module →
//!   `{"module":name,"encver":n,"raw_b64":…}`;
//! * optional members: `"field_expires_ms":[[field, ms]…]`, `"lfu_freq":n`, `"lru_idle_s":n`.
//!
//! Non-key records are lines without `"key"`: `{"aux":K,"value":V}`, `{"function":code}`,
//! `{"module_aux":name,"encver":n,"when":w,"raw_b64":…}`, `{"slot_info":n,"keys":n,
//! "expires":n}`, `{"slot_import":job,"ranges":[[a,b]…]}`.
//!
//! # Example
//!
//! ```
//! use redis_migrate::rdb_json::json;
//!
//! let mut out = Vec::new();
//! json::write_bytes(&mut out, b"caf\xc3\xa9\n").unwrap();
//! json::write_bytes(&mut out, b"\xff").unwrap();
//! json::write_score(&mut out, -0.0).unwrap();
//! assert_eq!(String::from_utf8(out).unwrap(), r#""café\n"{"b64":"/w=="}-0.0"#);
//! ```

pub mod cli;
pub mod json;
mod render;
mod spill;
mod stats;

pub use render::JsonLines;
pub use spill::Spill;
pub use stats::{encoding_name, Stats};
