//! A zero-copy, streaming, sans-IO parser for Redis and Valkey RDB files and `DUMP`
//! payloads.
//!
//! * **Push parser.** [`Parser::feed`] takes whatever bytes you have. It returns how many it
//!   consumed and either an [`Event`] that borrows from your input (or from the parser's
//!   scratch buffer for LZF-decompressed strings), or [`Step::NeedMore`]. Keep the unconsumed
//!   bytes, append more, feed again. Every event carries its absolute byte offset. After an
//!   error the parser stays failed. [`RdbReader`] drives it from any [`std::io::Read`].
//! * **Every format.** RDB 1 through 12 and Valkey's `VALKEY080`, all opcodes and types
//!   (strings raw/int/LZF; lists 1/10/14/18 incl. PLAIN nodes; sets 2/11/20; zsets 3/5/12/17;
//!   hashes 4/9/13/16/24/25 and Valkey 22; streams 15/19/21 with groups, PELs and consumers;
//!   module values and MODULE_AUX, walked and delivered raw). RDB 13+ types and opcodes
//!   are rejected with an error naming the byte and the version, never guessed.
//! * **Two views per key**, chosen per key with [`Parser::set_view`] right after
//!   [`Event::KeyStart`] (or for all keys with [`ParserBuilder::view`]):
//!   [`View::Decoded`] delivers elements in bounded batches ([`Event::ListItems`], ...) and
//!   strings in chunks; [`View::Raw`] delivers the exact encoded value
//!   ([`Event::RawValue`], ready for a `RESTORE` payload via [`dump_payload_parts`]) when it
//!   is at most `max_len` bytes, and falls back to decoded batches otherwise.
//! * **Checksums.** The CRC-64 trailer is verified (unless disabled or stored as 0).
//! * **Hostile input** gives an [`Error`] with the offset and key; the parser never panics,
//!   never allocates by a length field beyond what the input backs (and rejects atomic
//!   units above [`ParserBuilder::max_unit_len`]), and always makes progress.
//!
//! # Example
//!
//! ```
//! use rdb_parser::{Event, Parser, Step};
//!
//! // An RDB 9 file with one key `k` = "v" (checksum disabled: stored as 0).
//! let mut rdb = b"REDIS0009\xfe\x00\x00\x01k\x01v\xff".to_vec();
//! rdb.extend_from_slice(&[0; 8]);
//!
//! let mut parser = Parser::new();
//! let mut buf: Vec<u8> = Vec::new();
//! let mut found = Vec::new();
//! for chunk in rdb.chunks(3) {          // bytes arrive in arbitrary pieces
//!     buf.extend_from_slice(chunk);
//!     loop {
//!         let fed = parser.feed(&buf).unwrap();
//!         let consumed = fed.consumed;
//!         let more = match fed.step {
//!             Step::Event(Event::KeyStart(k)) => { found.push(k.key.to_vec()); true }
//!             Step::Event(Event::StringChunk { data, .. }) => { found.push(data.to_vec()); true }
//!             Step::Event(_) => true,
//!             Step::NeedMore(_) | Step::Done => false,
//!         };
//!         buf.drain(..consumed);
//!         if !more { break; }
//!     }
//! }
//! parser.finish().unwrap();
//! assert_eq!(found, [b"k".to_vec(), b"v".to_vec()]);
//! ```
//!
//! With a reader, the same in one loop:
//!
//! ```
//! use rdb_parser::{Event, RdbReader};
//! # let mut rdb = b"REDIS0009\xfe\x00\x00\x01k\x01v\xff".to_vec();
//! # rdb.extend_from_slice(&[0; 8]);
//! let mut reader = RdbReader::new(&rdb[..]);
//! while let Some((offset, event)) = reader.next_event().unwrap() {
//!     if let Event::KeyStart(k) = event {
//!         assert_eq!((offset, k.key), (11, &b"k"[..]));
//!     }
//! }
//! ```
//!
//! # Memory
//!
//! The parser holds at most one batch of items, one decompressed blob and, for a large
//! LZF-compressed string, an 8 KiB history window plus one chunk. The caller holds the
//! unconsumed input, which is bounded by the largest atomic unit (a key, one collection
//! element, one encoded blob such as a listpack node) plus one batch (`batch_bytes`,
//! default 1 MiB) or string chunk (default 64 KiB), plus up to 32 KiB the parser leaves
//! unconsumed on purpose (see below); for [`View::Raw`], up to `max_len`. Strings of any
//! size, raw or LZF-compressed, stream in chunks.
//!
//! # Consumption
//!
//! [`Fed::consumed`] may be 0 for an event: the parser consumes scanned bytes in spans of
//! at least 32 KiB (or when it needs more input), so that checksumming and the caller's
//! buffer shifting happen over large spans rather than per event. Events borrow from the
//! unconsumed bytes, which the caller re-feeds unchanged; nothing is parsed twice.
//!
//! # Performance
//!
//! Measured on this project's 2-core x86-64 machine (CPU time, while other builds were
//! running) over the real Redis 7.0 bench dumps (`benches/gen`): the 172 MB dump of 2M
//! small strings parses at ~1.27 GB/s with [`View::Raw`] and ~1.19 GB/s decoded (the `rdb`
//! crate 0.4: ~0.82 GB/s); the 104 MB collections dump decodes at ~830 MB/s (~4.3x the
//! `rdb` crate's ~194 MB/s) and raw-captures at ~2.6 GB/s. Parsing a dump holding one
//! 5M-element list through [`RdbReader`] peaks at ~2.7 MB RSS (the 172 MB strings dump:
//! ~2.4 MB). No allocation happens per element or per key.
//!
//! # Checksum crate
//!
//! CRC-64/REDIS (poly 0xAD93D23594C935A9, reflected, init 0, xorout 0) is computed with
//! `crc-fast` (`CrcAlgorithm::Crc64Redis`, SIMD carry-less-multiply folding; maintained, MIT
//! or Apache-2.0). Measured with `cargo bench -p rdb-parser --bench crc` over a 64 MiB
//! buffer on this project's 2-core x86-64 machine (while other builds were running, load
//! average ~15, so absolute figures are low): `crc-fast` 6.2 GiB/s; the `crc` 3.4 crate's
//! `CRC_64_REDIS` 0.14 GiB/s with its default byte table and 0.66 GiB/s with `Table<16>`
//! (slice-by-16). That is ~9x faster than the best `crc` configuration, so checksumming
//! never limits parsing. `crc64fast` computes CRC-64/XZ, a different variant, and cannot be
//! used. `crc-fast` and `crc` agree bit for bit (unit-tested), and real dumps from Redis
//! 3.2-7.0 verify (integration-tested).
#![deny(missing_docs)]

mod crc;
mod dump;
mod elem;
pub mod encoding;
mod error;
mod event;
mod parser;
mod read;
pub mod write;

pub use crc::{crc64, Crc64};
pub use dump::{
    dump_payload, dump_payload_into, dump_payload_parts, parse_dump_payload, verify_dump_payload,
    DumpPayload,
};
pub use elem::{format_i64, Elem, IntBuf};
pub use error::{Error, ErrorKind};
pub use event::{
    Elems, Event, Fed, Flavor, HashField, HashFields, KeyStart, ModuleId, PelEntries, PelEntry,
    SlotRanges, Step, StreamConsumer, StreamEntries, StreamEntry, StreamEntryIter, StreamGroup,
    StreamId, StreamIds, StreamMeta, ValueKind, ZsetPairs,
};
pub use parser::{Parser, ParserBuilder, View};
pub use read::RdbReader;
