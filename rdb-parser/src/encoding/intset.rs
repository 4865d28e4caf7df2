//! Intset decoder (RDB type 11).
//!
//! Layout: `encoding u32 LE (2|4|8) | length u32 LE | length × intN LE`, strictly
//! ascending. The blob must be exactly `8 + length * encoding` bytes and not empty
//! (Redis's `intsetValidateIntegrity`).

use super::error::{BlobError, BlobErrorKind as K};
use super::num::{arr, u32_le};
use super::ElemIter;
use crate::Elem;

/// Iterator over the members of an intset, as [`Elem::Int`]. Checks the strict ascending
/// order while it goes; fused after the first error.
#[derive(Debug, Clone)]
pub struct IntsetIter<'a> {
    blob: &'a [u8],
    width: usize,
    pos: usize,
    prev: Option<i64>,
    done: bool,
}

/// Validates an intset's header and size and returns an iterator over its members.
///
/// ```
/// use rdb_parser::{encoding::intset, Elem};
/// let blob = [4, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0xe0, 0x93, 0x04, 0x00];
/// let set = intset(&blob)?;
/// assert_eq!(set.len(), 3);
/// let v: Vec<Elem<'_>> = set.collect::<Result<_, _>>()?;
/// assert_eq!(v, [Elem::Int(1), Elem::Int(2), Elem::Int(300000)]);
/// # Ok::<(), rdb_parser::encoding::BlobError>(())
/// ```
pub fn intset(blob: &[u8]) -> Result<IntsetIter<'_>, BlobError> {
    let (Some(encoding), Some(length)) = (u32_le(blob, 0), u32_le(blob, 4)) else {
        return Err(BlobError::new(0, K::TooShort));
    };
    if !matches!(encoding, 2 | 4 | 8) {
        return Err(BlobError::new(0, K::BadIntsetEncoding { encoding }));
    }
    let declared = 8 + u64::from(length) * u64::from(encoding);
    if declared != blob.len() as u64 {
        return Err(BlobError::new(4, K::SizeMismatch { declared }));
    }
    if length == 0 {
        return Err(BlobError::new(4, K::Empty));
    }
    Ok(IntsetIter {
        blob,
        width: encoding as usize,
        pos: 8,
        prev: None,
        done: false,
    })
}

impl IntsetIter<'_> {
    /// The exact number of members (validated against the blob size).
    pub fn len(&self) -> usize {
        (self.blob.len() - 8) / self.width
    }

    /// Always false: an empty intset is rejected by [`intset`].
    pub fn is_empty(&self) -> bool {
        self.blob.len() == 8
    }

    /// The member width in bytes (2, 4 or 8).
    pub fn width(&self) -> usize {
        self.width
    }
}

impl<'a> Iterator for IntsetIter<'a> {
    type Item = Result<Elem<'a>, BlobError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos >= self.blob.len() {
            return None;
        }
        let at = self.pos;
        let v = match self.width {
            2 => arr::<2>(self.blob, at).map(|a| i64::from(i16::from_le_bytes(a))),
            4 => arr::<4>(self.blob, at).map(|a| i64::from(i32::from_le_bytes(a))),
            _ => arr::<8>(self.blob, at).map(i64::from_le_bytes),
        };
        let Some(v) = v else {
            self.done = true;
            return Some(Err(BlobError::new(at, K::Truncated)));
        };
        if matches!(self.prev, Some(p) if p >= v) {
            self.done = true;
            return Some(Err(BlobError::new(at, K::NotAscending)));
        }
        self.prev = Some(v);
        self.pos += self.width;
        Some(Ok(Elem::Int(v)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = if self.done {
            0
        } else {
            (self.blob.len().saturating_sub(self.pos)) / self.width
        };
        (0, Some(n))
    }
}

impl std::iter::FusedIterator for IntsetIter<'_> {}

impl<'a> ElemIter<'a> for IntsetIter<'a> {
    fn offset(&self) -> usize {
        self.pos
    }
}
