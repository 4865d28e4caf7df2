//! The error type shared by every blob decoder.

use std::fmt;

/// What went wrong inside an encoded blob (ziplist, listpack, intset, zipmap, stream node).
///
/// Small and `Copy` on purpose: the parser wraps it with the absolute file offset and the
/// key it was decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlobErrorKind {
    /// The blob is shorter than the format's fixed header plus end marker.
    TooShort,
    /// The header's total-size field disagrees with the blob's real length.
    SizeMismatch {
        /// The size the header declares.
        declared: u64,
    },
    /// A ziplist's `zltail` points outside the blob or not at the last entry.
    BadTail {
        /// The stored `zltail`.
        zltail: u32,
    },
    /// The blob does not end with the 0xFF end marker, or the marker is not where the
    /// entries end.
    MissingEnd,
    /// An entry runs past the end of the blob.
    Truncated,
    /// An encoding byte that the format does not define.
    BadEncoding {
        /// The offending byte.
        byte: u8,
    },
    /// A ziplist entry's `prevlen` does not match the size of the previous entry.
    BadPrevlen {
        /// The stored `prevlen`.
        stored: u32,
        /// The real size of the previous entry.
        actual: u32,
    },
    /// A listpack entry's back-length is not the canonical encoding of its size.
    BadBacklen {
        /// The size (encoding + data) the back-length should hold.
        entry_len: u32,
    },
    /// The element count in the header disagrees with the elements present.
    CountMismatch {
        /// The count the header declares.
        declared: u32,
        /// The number of elements found.
        found: u32,
    },
    /// An intset's encoding field is not 2, 4 or 8.
    BadIntsetEncoding {
        /// The stored encoding.
        encoding: u32,
    },
    /// A collection that must not be empty is empty (intset, zipmap, stream node).
    Empty,
    /// Intset members are not strictly ascending.
    NotAscending,
    /// Elements that must come in groups (pairs, triplets) do not divide evenly.
    IncompleteGroup {
        /// The group size expected (2 for pairs, 3 for triplets).
        group: u8,
    },
    /// A stream node key is not exactly 16 bytes.
    BadStreamNodeKey {
        /// The key's length.
        len: usize,
    },
    /// A stream listpack element that must be an integer is not one.
    ExpectedInteger,
    /// A stream listpack count (entries, deleted, fields) is negative.
    NegativeCount,
    /// The stream master entry is not terminated by a 0 element.
    BadMasterTerminator,
    /// A stream entry's trailing `lp_count` disagrees with its contents.
    BadLpCount {
        /// The stored `lp_count`.
        stored: i64,
        /// The value the entry's shape requires.
        expected: i64,
    },
    /// Elements remain in a stream node after the declared entries.
    TrailingElements,
    /// A zset score that is not a number Redis accepts.
    BadScore,
    /// A zset score that is NaN (Redis refuses to load those).
    NanScore,
}

impl fmt::Display for BlobErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use BlobErrorKind::*;
        match *self {
            TooShort => write!(f, "blob shorter than its header"),
            SizeMismatch { declared } => write!(f, "header declares {declared} bytes"),
            BadTail { zltail } => write!(f, "bad ziplist tail offset {zltail}"),
            MissingEnd => write!(f, "missing or misplaced 0xFF end marker"),
            Truncated => write!(f, "entry runs past the end of the blob"),
            BadEncoding { byte } => write!(f, "invalid encoding byte 0x{byte:02x}"),
            BadPrevlen { stored, actual } => {
                write!(f, "prevlen {stored} but previous entry is {actual} bytes")
            }
            BadBacklen { entry_len } => {
                write!(f, "back-length does not encode the entry size {entry_len}")
            }
            CountMismatch { declared, found } => {
                write!(f, "header declares {declared} elements, found {found}")
            }
            BadIntsetEncoding { encoding } => write!(f, "invalid intset encoding {encoding}"),
            Empty => write!(f, "empty collection"),
            NotAscending => write!(f, "intset members not strictly ascending"),
            IncompleteGroup { group } => {
                write!(f, "element count is not a multiple of {group}")
            }
            BadStreamNodeKey { len } => write!(f, "stream node key of {len} bytes (want 16)"),
            ExpectedInteger => write!(f, "stream element is not an integer"),
            NegativeCount => write!(f, "negative count in stream node"),
            BadMasterTerminator => write!(f, "stream master entry not terminated by 0"),
            BadLpCount { stored, expected } => {
                write!(f, "stream entry lp-count {stored}, expected {expected}")
            }
            TrailingElements => write!(f, "elements after the last stream entry"),
            BadScore => write!(f, "invalid zset score"),
            NanScore => write!(f, "NaN zset score"),
        }
    }
}

/// An error inside one encoded blob: what went wrong and where (offset from the blob's
/// first byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at blob offset {offset}")]
pub struct BlobError {
    /// Byte offset within the blob where the problem was detected.
    pub offset: usize,
    /// What went wrong.
    pub kind: BlobErrorKind,
}

impl BlobError {
    /// Builds an error.
    #[inline]
    pub const fn new(offset: usize, kind: BlobErrorKind) -> Self {
        BlobError { offset, kind }
    }
}
