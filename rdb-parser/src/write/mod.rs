//! An RDB encoder: primitives, compact-encoding builders, value bodies for every type and
//! a whole-file [`RdbWriter`].
//!
//! Everything here writes what Redis (or Valkey) itself writes, byte for byte where Redis
//! is deterministic: shortest lengths, integer-encoded strings only in canonical form,
//! LZF only when it saves at least 4 bytes of a string longer than 20 (unless told
//! otherwise), ziplist/listpack/intset encodings chosen by value. Knobs exist for the
//! legal-but-unusual forms readers must accept (non-minimal lengths, forced 5-byte ziplist
//! prevlens, "unknown" element counts, forced LZF), which is what hand-built test vectors
//! need. The migration engine uses the value writers to re-encode values for older
//! targets (for example a quicklist-2 list as a type-14 quicklist of ziplists).
//!
//! ```
//! use rdb_parser::write::{rdb_type, ListpackBuilder, RdbWriter, StrOpts, put_blob_value};
//!
//! let mut lp = ListpackBuilder::new();
//! for m in [&b"a"[..], b"b", b"42"] {
//!     lp.push(m);
//! }
//! let mut body = Vec::new();
//! put_blob_value(&mut body, StrOpts::default(), &lp.finish()?);
//! assert_eq!(body[0], 15); // a 15-byte string follows
//!
//! let mut w = RdbWriter::redis(11);
//! w.aux(b"redis-ver", b"7.2.4");
//! w.select_db(0);
//! w.key(rdb_type::SET_LISTPACK, b"myset", &body);
//! let file = w.finish();
//! assert!(file.starts_with(b"REDIS0011"));
//! assert_eq!(rdb_parser::crc64(&file[..file.len() - 8]).to_le_bytes(), file[file.len() - 8..]);
//! # Ok::<(), rdb_parser::write::WriteError>(())
//! ```

mod convert;
mod file;
mod lzf;
mod packed;
mod prim;
mod small;
mod stream;
mod value;

pub use convert::{listpack_from_ziplist, ziplist_from_listpack};
pub use file::{Flavor, RdbWriter};
pub use packed::{listpack_of, ziplist_of, ListpackBuilder, ZiplistBuilder};
pub use prim::{
    put_ascii_double, put_ascii_double_text, put_binary_double, put_i64_le, put_int_string,
    put_len, put_len_as, put_lzf_string, put_raw_string, put_string, score_text, LenForm,
};
pub use small::{intset_of, intset_with_width, ZipmapBuilder};
pub use stream::{
    put_stream, stream_node_listpack, ConsumerIn, EntryIn, GroupIn, PelIn, StreamMeta,
    StreamVersion,
};
pub use value::{
    hash_listpack_ex_blob, listpack_nodes, module_type_id, put_blob_value, put_hash,
    put_hash_listpack_ex, put_hash_metadata, put_module_aux_body, put_module_value,
    put_quicklist_v1, put_quicklist_v2, put_string_seq, put_valkey_hash2, put_zset_ascii,
    put_zset_binary, ziplist_nodes, AuxWhen, ModuleOp, QuicklistNode, TtlField,
    HASH_FIELD_EXPIRE_INVALID, HASH_FIELD_EXPIRE_MAX,
};

/// Errors from the writer (values that cannot be encoded as asked).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The value exceeds what the format can hold.
    #[error("{what} too large for its encoding")]
    TooLarge {
        /// What overflowed.
        what: &'static str,
    },
    /// The format does not allow an empty value here.
    #[error("empty {what} cannot be encoded")]
    Empty {
        /// What was empty.
        what: &'static str,
    },
    /// An argument outside what the format allows.
    #[error("invalid input: {what}")]
    Invalid {
        /// What was wrong.
        what: &'static str,
    },
    /// An encoded blob given to a converter is corrupt.
    #[error("invalid source blob: {0}")]
    Blob(#[from] crate::encoding::BlobError),
}

/// When to LZF-compress strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lzf {
    /// Redis's rule (`rdbcompression yes`): strings longer than 20 bytes, kept only when
    /// the result saves at least 4 bytes.
    #[default]
    Auto,
    /// Never (`rdbcompression no`).
    Never,
    /// Whenever LZF output is shorter than the input, whatever the size.
    Force,
}

/// How strings are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrOpts {
    /// Store canonical integers of at most 11 bytes that fit in 32 bits as INT8/16/32.
    pub int_encode: bool,
    /// LZF policy.
    pub lzf: Lzf,
}

impl Default for StrOpts {
    /// What Redis does by default: integer encoding on, LZF per [`Lzf::Auto`].
    fn default() -> Self {
        StrOpts {
            int_encode: true,
            lzf: Lzf::Auto,
        }
    }
}

impl StrOpts {
    /// Plain strings only: no integer encoding, no LZF.
    pub const RAW: StrOpts = StrOpts {
        int_encode: false,
        lzf: Lzf::Never,
    };

    /// The same options without integer encoding (blobs are never integer-encoded).
    pub fn no_int(self) -> StrOpts {
        StrOpts {
            int_encode: false,
            ..self
        }
    }

    /// The same options with another LZF policy.
    pub fn with_lzf(self, lzf: Lzf) -> StrOpts {
        StrOpts { lzf, ..self }
    }
}

/// RDB object type bytes and opcodes.
pub mod rdb_type {
    /// String.
    pub const STRING: u8 = 0;
    /// Linked list (RDB ≤ 6 writers).
    pub const LIST: u8 = 1;
    /// Hash-table set.
    pub const SET: u8 = 2;
    /// Zset with ASCII scores.
    pub const ZSET: u8 = 3;
    /// Hash-table hash.
    pub const HASH: u8 = 4;
    /// Zset with binary scores.
    pub const ZSET_2: u8 = 5;
    /// Module value.
    pub const MODULE_2: u8 = 7;
    /// Zipmap hash.
    pub const HASH_ZIPMAP: u8 = 9;
    /// Ziplist list.
    pub const LIST_ZIPLIST: u8 = 10;
    /// Intset.
    pub const SET_INTSET: u8 = 11;
    /// Ziplist zset.
    pub const ZSET_ZIPLIST: u8 = 12;
    /// Ziplist hash.
    pub const HASH_ZIPLIST: u8 = 13;
    /// Quicklist of ziplists.
    pub const LIST_QUICKLIST: u8 = 14;
    /// Stream v1.
    pub const STREAM_LISTPACKS: u8 = 15;
    /// Listpack hash.
    pub const HASH_LISTPACK: u8 = 16;
    /// Listpack zset.
    pub const ZSET_LISTPACK: u8 = 17;
    /// Quicklist v2.
    pub const LIST_QUICKLIST_2: u8 = 18;
    /// Stream v2.
    pub const STREAM_LISTPACKS_2: u8 = 19;
    /// Listpack set.
    pub const SET_LISTPACK: u8 = 20;
    /// Stream v3.
    pub const STREAM_LISTPACKS_3: u8 = 21;
    /// Valkey 9 hash with field expiries (`VALKEY` magic only).
    pub const VALKEY_HASH_2: u8 = 22;
    /// Redis 7.4+ hash-table hash with field expiries.
    pub const HASH_METADATA: u8 = 24;
    /// Redis 7.4+ listpack hash with field expiries.
    pub const HASH_LISTPACK_EX: u8 = 25;

    /// Opcode: end of file.
    pub const OP_EOF: u8 = 0xFF;
    /// Opcode: select database.
    pub const OP_SELECTDB: u8 = 0xFE;
    /// Opcode: expire time in seconds (int32 LE).
    pub const OP_EXPIRETIME: u8 = 0xFD;
    /// Opcode: expire time in ms (int64 LE).
    pub const OP_EXPIRETIME_MS: u8 = 0xFC;
    /// Opcode: database size hints.
    pub const OP_RESIZEDB: u8 = 0xFB;
    /// Opcode: auxiliary field.
    pub const OP_AUX: u8 = 0xFA;
    /// Opcode: LFU frequency.
    pub const OP_FREQ: u8 = 0xF9;
    /// Opcode: LRU idle time.
    pub const OP_IDLE: u8 = 0xF8;
    /// Opcode: module auxiliary data.
    pub const OP_MODULE_AUX: u8 = 0xF7;
    /// Opcode: function library (7.0+).
    pub const OP_FUNCTION2: u8 = 0xF5;
    /// Opcode: slot info (Redis 7.4+ cluster).
    pub const OP_SLOT_INFO: u8 = 0xF4;
}
