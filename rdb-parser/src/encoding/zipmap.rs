//! Zipmap decoder (RDB type 9, written only by Redis 2.4 and older).
//!
//! Layout: `zmlen u8 | { klen, key, vlen, free u8, value, free junk bytes }* | 0xFF`.
//! `klen`/`vlen` are one byte when < 254, otherwise 0xFE followed by a u32 LE. `zmlen`
//! 254 means "count unknown"; any other value must equal the number of pairs. An empty
//! zipmap is invalid (Redis's `zipmapValidateIntegrity`).

use super::error::{BlobError, BlobErrorKind as K};
use super::num::u32_le;
use crate::Elem;

const BIGLEN: u8 = 254;
const END: u8 = 0xFF;

/// Iterator over the (field, value) pairs of a zipmap, both as [`Elem::Bytes`]. Fused
/// after the first error; the `next()` that reaches the end marker checks the count.
#[derive(Debug, Clone)]
pub struct ZipmapIter<'a> {
    blob: &'a [u8],
    pos: usize,
    count: u32,
    done: bool,
}

/// Validates a zipmap's framing and returns an iterator over its pairs.
///
/// ```
/// use rdb_parser::{encoding::zipmap, Elem};
/// let blob = b"\x01\x03foo\x03\x00bar\xff";
/// let pairs: Vec<_> = zipmap(blob)?.collect::<Result<_, _>>()?;
/// assert_eq!(pairs, [(Elem::Bytes(b"foo"), Elem::Bytes(b"bar"))]);
/// # Ok::<(), rdb_parser::encoding::BlobError>(())
/// ```
pub fn zipmap(blob: &[u8]) -> Result<ZipmapIter<'_>, BlobError> {
    if blob.len() < 2 {
        return Err(BlobError::new(0, K::TooShort));
    }
    if blob[blob.len() - 1] != END {
        return Err(BlobError::new(blob.len() - 1, K::MissingEnd));
    }
    Ok(ZipmapIter {
        blob,
        pos: 1,
        count: 0,
        done: false,
    })
}

impl<'a> ZipmapIter<'a> {
    /// The pair count the header declares, or `None` when it says "unknown" (254).
    pub fn count_hint(&self) -> Option<usize> {
        (self.blob[0] != BIGLEN).then_some(self.blob[0] as usize)
    }

    fn fail(&mut self, at: usize, kind: K) -> Option<<Self as Iterator>::Item> {
        self.done = true;
        Some(Err(BlobError::new(at, kind)))
    }

    /// Reads a length at `p`; returns (length, bytes used) if the length field stays
    /// inside the blob (before the final end byte).
    fn len_at(&self, p: usize) -> Option<(usize, usize)> {
        let last = self.blob.len() - 1;
        let b = *self.blob.get(p)?;
        if b < BIGLEN {
            Some((b as usize, 1))
        } else if p + 5 <= last {
            Some((u32_le(self.blob, p + 1)? as usize, 5))
        } else {
            None
        }
    }
}

impl<'a> Iterator for ZipmapIter<'a> {
    type Item = Result<(Elem<'a>, Elem<'a>), BlobError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let blob = self.blob;
        let last = blob.len() - 1;
        let start = self.pos;
        if blob[start] == END {
            self.done = true;
            if start != last {
                return self.fail(start, K::MissingEnd);
            }
            if self.count == 0 {
                return self.fail(0, K::Empty);
            }
            let zmlen = blob[0];
            if zmlen != BIGLEN && u32::from(zmlen) != self.count {
                return self.fail(
                    0,
                    K::CountMismatch {
                        declared: u32::from(zmlen),
                        found: self.count,
                    },
                );
            }
            return None;
        }
        let Some((klen, ks)) = self.len_at(start) else {
            return self.fail(start, K::Truncated);
        };
        let k0 = start + ks;
        let Some(k1) = k0.checked_add(klen).filter(|&e| e <= last) else {
            return self.fail(start, K::Truncated);
        };
        let Some((vlen, vs)) = self.len_at(k1) else {
            return self.fail(k1, K::Truncated);
        };
        // The free byte follows the value length.
        let free_at = k1 + vs;
        if free_at >= last {
            return self.fail(k1, K::Truncated);
        }
        let free = blob[free_at] as usize;
        let v0 = free_at + 1;
        let Some(v1) = v0.checked_add(vlen).filter(|&e| e <= last) else {
            return self.fail(k1, K::Truncated);
        };
        let next = v1 + free;
        if next > last {
            return self.fail(k1, K::Truncated);
        }
        self.pos = next;
        self.count += 1;
        Some(Ok((Elem::Bytes(&blob[k0..k1]), Elem::Bytes(&blob[v0..v1]))))
    }
}

impl std::iter::FusedIterator for ZipmapIter<'_> {}
