//! Bounds on what a peer can make the decoder buffer or allocate.

use std::fmt;

/// Bounds checked by the [`Decoder`](crate::Decoder) on every header *before* it buffers or
/// allocates anything for the element. Exceeding one is
/// [`DecodeError::LimitExceeded`](crate::DecodeError::LimitExceeded) naming the [`Limit`].
///
/// Aggregates never pre-allocate more slots than the bytes already buffered could hold
/// (3 bytes per element at least), so a huge declared count costs nothing until its
/// elements really arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest bulk string, bulk error, verbatim string, simple string, error line or big
    /// number, in bytes. Default 512 MiB, Redis's `proto-max-bulk-len`.
    pub max_bulk_len: u64,
    /// Largest element count of an array, set or push, or pair count of a map or attribute.
    /// Default `i32::MAX` (Redis 7's multibulk limit; Redis <= 6.2 accepts 1,048,576).
    pub max_aggregate_len: u64,
    /// Deepest nesting of aggregates (a flat array is depth 1). Default 128.
    pub max_depth: usize,
    /// Longest inline command line, and longest number line (`:`, `$`, `*`, `,`, ...),
    /// without its line end. Default 64 KiB, as Redis.
    pub max_inline_len: usize,
}

impl Limits {
    /// Redis's own defaults (see the field docs).
    pub const DEFAULT: Limits = Limits {
        max_bulk_len: 512 * 1024 * 1024,
        max_aggregate_len: i32::MAX as u64,
        max_depth: 128,
        max_inline_len: 64 * 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Names a field of [`Limits`], for errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// [`Limits::max_bulk_len`].
    BulkLen,
    /// [`Limits::max_aggregate_len`].
    AggregateLen,
    /// [`Limits::max_depth`].
    Depth,
    /// [`Limits::max_inline_len`].
    InlineLen,
}

impl Limit {
    /// The field name, e.g. `"max_bulk_len"`.
    pub fn name(self) -> &'static str {
        match self {
            Limit::BulkLen => "max_bulk_len",
            Limit::AggregateLen => "max_aggregate_len",
            Limit::Depth => "max_depth",
            Limit::InlineLen => "max_inline_len",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
