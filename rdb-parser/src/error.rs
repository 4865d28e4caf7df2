//! The crate's single error type: what went wrong ([`ErrorKind`], `Copy`), where (absolute
//! byte offset) and, when known, in which key.

use std::fmt;

/// What went wrong. Small and `Copy`; [`Error`] adds the offset and key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file does not start with `REDIS` + 4 digits or `VALKEY` + 3 digits.
    #[error("not an RDB file: bad magic")]
    BadMagic,
    /// The magic names a version this parser does not know (RDB 13+ or Valkey 81+).
    #[error("unsupported RDB version {0}")]
    UnsupportedVersion(u32),
    /// A type byte this parser does not know for the file's version (e.g. RDB 13+ types).
    #[error("unsupported value type {rdb_type} in RDB version {version}")]
    UnsupportedType {
        /// The type byte.
        rdb_type: u8,
        /// The file's RDB version.
        version: u32,
    },
    /// An opcode this parser does not know for the file's version (e.g. KEY_META 243 in RDB 13).
    #[error("unsupported opcode {opcode} in RDB version {version}")]
    UnsupportedOpcode {
        /// The opcode byte.
        opcode: u8,
        /// The file's RDB version.
        version: u32,
    },
    /// Type 6 (MODULE_PRE_GA, Redis 4.0 release candidates): rejected like Redis does.
    #[error("pre-release module value format (type 6) is not supported")]
    ModulePreGa,
    /// Opcode 246 (FUNCTION_PRE_GA, Redis 7.0 release candidates): rejected like Redis does.
    #[error("pre-release function format (opcode 246) is not supported")]
    FunctionPreGa,
    /// Types 22/23 in a `REDIS` file: the Redis 7.4 release-candidate hash-field-TTL formats.
    #[error("pre-release hash field expiry format (type {0}) is not supported")]
    HashPreGa(u8),
    /// A length prefix byte that is not a valid length (0x82..=0xBF, or 0x81 before RDB 8).
    #[error("invalid length encoding 0x{0:02x}")]
    BadLength(u8),
    /// A special string encoding (0xC0..) where a plain length was required.
    #[error("string encoding 0x{0:02x} where a length was expected")]
    UnexpectedEncodedLength(u8),
    /// An unknown special string encoding (0xC4..=0xFF).
    #[error("unknown string encoding 0x{0:02x}")]
    BadStringEncoding(u8),
    /// A length or count too large for this machine or above the configured limit.
    #[error("length {0} is too large")]
    TooLarge(u64),
    /// LZF data is corrupt or does not decompress to the announced length.
    #[error("corrupt LZF-compressed string")]
    Lzf,
    /// An encoded blob (ziplist, listpack, intset, zipmap, stream node) is corrupt; the
    /// error's offset is the blob's string, the inner offset is within the (decompressed) blob.
    #[error("corrupt encoded value: {0}")]
    Blob(crate::encoding::BlobError),
    /// A zset score is NaN (Redis refuses to load it).
    #[error("zset score is NaN")]
    NanScore,
    /// A zset score could not be parsed as a double.
    #[error("invalid zset score text")]
    BadScore,
    /// A quicklist v2 node with a container other than 1 (PLAIN) or 2 (PACKED).
    #[error("invalid quicklist container {0}")]
    BadContainer(u64),
    /// A quicklist node or stream node with empty data.
    #[error("empty node data")]
    EmptyNode,
    /// A stream node key that is not exactly 16 bytes.
    #[error("stream node key must be 16 bytes, got {0}")]
    BadStreamNodeKey(u64),
    /// A module value opcode other than 0..=5.
    #[error("invalid module opcode {0}")]
    BadModuleOpcode(u64),
    /// A MODULE_AUX record whose first opcode is not UINT (2).
    #[error("MODULE_AUX must start with a UINT `when` field")]
    BadModuleAux,
    /// A hash field TTL outside the range Redis accepts.
    #[error("invalid hash field expire time")]
    BadFieldTtl,
    /// The trailing CRC-64 does not match the file's contents.
    #[error("checksum mismatch: stored {stored:#018x}, computed {computed:#018x}")]
    ChecksumMismatch {
        /// The checksum stored after EOF.
        stored: u64,
        /// The checksum computed over the bytes read.
        computed: u64,
    },
    /// The input ended before the RDB (or payload) was complete.
    #[error("unexpected end of input")]
    Truncated,
    /// The caller fed fewer bytes than it was told to keep (the push contract was broken).
    #[error("caller re-fed less input than was left unconsumed")]
    InputShrank,
    /// A DUMP payload shorter than type byte + version + CRC (11 bytes).
    #[error("DUMP payload too short")]
    DumpTooShort,
    /// A DUMP payload's CRC-64 does not match (a zero CRC is not special in payloads).
    #[error("DUMP payload checksum mismatch: stored {stored:#018x}, computed {computed:#018x}")]
    DumpChecksum {
        /// The stored CRC.
        stored: u64,
        /// The computed CRC.
        computed: u64,
    },
    /// Bytes left over after a DUMP payload's value ended before its version trailer.
    #[error("DUMP payload has {0} bytes after the value")]
    DumpTrailingBytes(u64),
    /// An I/O error from the reader (only produced by [`crate::RdbReader`]); see its `io_error`.
    #[error("I/O error")]
    Io,
}

/// A parse error: the [`ErrorKind`], the absolute byte offset (from the start of the file or
/// payload) where the bad input starts, and the key whose value was being parsed, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Absolute byte offset of the offending input.
    pub offset: u64,
    /// The key being parsed (first 256 bytes), when the error is inside a key's record.
    pub key: Option<Box<[u8]>>,
}

impl Error {
    /// An error without key context.
    pub fn new(kind: ErrorKind, offset: u64) -> Error {
        Error {
            kind,
            offset,
            key: None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte offset {}", self.kind, self.offset)?;
        if let Some(k) = &self.key {
            write!(f, " (key {:?})", String::from_utf8_lossy(k))?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}
