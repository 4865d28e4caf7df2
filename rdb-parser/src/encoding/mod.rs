//! Zero-copy, validating decoders for the compact encodings Redis stores inside RDB
//! strings: ziplist, listpack, intset, zipmap and stream listpack nodes, plus zset score
//! helpers.
//!
//! Each decoder takes one contiguous, already decompressed blob, validates its header and
//! returns an iterator whose items borrow from the blob. Iterators never panic, never
//! allocate, stop for good after the first error (fused), and run the whole-blob checks
//! (end marker position, element count) on the call that reaches the end, so a caller
//! that drains the iterator has validated the blob as deeply as Redis's
//! `sanitize-dump-payload yes` would.
//!
//! Where the checks differ from Redis's own validators (`ziplistValidateIntegrity`,
//! `lpValidateIntegrity`, `intsetValidateIntegrity`, `zipmapValidateIntegrity`,
//! `streamValidateListpackIntegrity`):
//! * a listpack back-length must be byte-for-byte the canonical encoding Redis writes
//!   (Redis only checks that the decoded value matches);
//! * a stream node's live count must equal the number of entries not flagged DELETED, and
//!   counts must not be negative (Redis checks only `count + deleted`);
//! * like Redis, a ziplist string encoding byte `10xxxxxx` is read as the 32-bit form
//!   whatever its low bits, a zipmap value length byte 0xFF takes the 5-byte form like
//!   0xFE, and duplicate hash fields / set members are not this layer's concern.
//!
//! ```
//! use rdb_parser::encoding::{listpack, ElemIter};
//! use rdb_parser::Elem;
//! // A listpack hash {f1: v1, f2: 123}, as Redis 7.0 writes it.
//! let blob = b"\x15\x00\x00\x00\x04\x00\x82f1\x03\x82v1\x03\x82f2\x03\x7b\x01\xff";
//! let mut pairs = Vec::new();
//! for pair in listpack(blob)?.pairs() {
//!     let (field, value) = pair?;
//!     pairs.push((field.to_vec(), value.to_vec()));
//! }
//! assert_eq!(pairs[1], (b"f2".to_vec(), b"123".to_vec()));
//! # Ok::<(), rdb_parser::encoding::BlobError>(())
//! ```

mod error;
mod intset;
pub mod listpack;
mod num;
mod score;
mod stream;
mod ziplist;
mod zipmap;

pub use error::{BlobError, BlobErrorKind};
pub use intset::{intset, IntsetIter};
pub use listpack::{listpack, ListpackIter};
pub use num::canonical_i64;
pub use score::{ascii_double_header, parse_score_text, score_from_elem, AsciiDoubleHeader};
pub use stream::{
    stream_node, StreamEntry, StreamFields, StreamId, StreamNode, FLAG_DELETED, FLAG_SAMEFIELDS,
};
pub use ziplist::{ziplist, ZiplistIter};
pub use zipmap::{zipmap, ZipmapIter};

use crate::Elem;
use std::marker::PhantomData;

/// A fused iterator over the elements of one blob that knows its current offset in the
/// blob. Implemented by [`ZiplistIter`], [`ListpackIter`] and [`IntsetIter`].
pub trait ElemIter<'a>: Iterator<Item = Result<Elem<'a>, BlobError>> + Sized {
    /// Offset within the blob of the next element to decode.
    fn offset(&self) -> usize;

    /// Groups the elements in (first, second) pairs: hash field/value, zset
    /// member/score. An odd element count is an error.
    fn pairs(self) -> Pairs<'a, Self> {
        Pairs {
            inner: self,
            done: false,
            _elem: PhantomData,
        }
    }

    /// Groups the elements in triplets: the (field, value, expire-at) of a type-25
    /// listpack hash. A count that is not a multiple of 3 is an error.
    fn triples(self) -> Triples<'a, Self> {
        Triples {
            inner: self,
            done: false,
            _elem: PhantomData,
        }
    }
}

/// Adapter yielding pairs of elements; see [`ElemIter::pairs`].
#[derive(Debug, Clone)]
pub struct Pairs<'a, I> {
    inner: I,
    done: bool,
    _elem: PhantomData<fn() -> Elem<'a>>,
}

/// Adapter yielding triplets of elements; see [`ElemIter::triples`].
#[derive(Debug, Clone)]
pub struct Triples<'a, I> {
    inner: I,
    done: bool,
    _elem: PhantomData<fn() -> Elem<'a>>,
}

impl<I> Pairs<'_, I> {
    /// The underlying element iterator (e.g. for its count hint).
    pub fn inner(&self) -> &I {
        &self.inner
    }
}

impl<I> Triples<'_, I> {
    /// The underlying element iterator (e.g. for its count hint).
    pub fn inner(&self) -> &I {
        &self.inner
    }
}

/// Pulls one more element for a group; `None` from the inner iterator becomes an
/// `IncompleteGroup` error.
fn group_next<'a, I: ElemIter<'a>>(it: &mut I, group: u8) -> Result<Elem<'a>, BlobError> {
    let at = it.offset();
    match it.next() {
        Some(r) => r,
        None => Err(BlobError::new(at, BlobErrorKind::IncompleteGroup { group })),
    }
}

impl<'a, I: ElemIter<'a>> Iterator for Pairs<'a, I> {
    type Item = Result<(Elem<'a>, Elem<'a>), BlobError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = match self.inner.next() {
            None => {
                self.done = true;
                return None;
            }
            Some(Err(e)) => Err(e),
            Some(Ok(a)) => group_next(&mut self.inner, 2).map(|b| (a, b)),
        };
        self.done = r.is_err();
        Some(r)
    }
}

impl<'a, I: ElemIter<'a>> Iterator for Triples<'a, I> {
    type Item = Result<(Elem<'a>, Elem<'a>, Elem<'a>), BlobError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = match self.inner.next() {
            None => {
                self.done = true;
                return None;
            }
            Some(Err(e)) => Err(e),
            Some(Ok(a)) => group_next(&mut self.inner, 3)
                .and_then(|b| group_next(&mut self.inner, 3).map(|c| (a, b, c))),
        };
        self.done = r.is_err();
        Some(r)
    }
}

impl<'a, I: ElemIter<'a>> std::iter::FusedIterator for Pairs<'a, I> {}
impl<'a, I: ElemIter<'a>> std::iter::FusedIterator for Triples<'a, I> {}
