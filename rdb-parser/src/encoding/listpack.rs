//! Listpack decoder (RDB types 16, 17, 20, 25, quicklist-2 PACKED nodes, stream nodes).
//!
//! Layout: `total_bytes u32 LE | num_elements u16 LE | entries… | 0xFF`, each entry
//! `encoding+data | backlen`. Validation matches Redis's deep check
//! (`lpValidateIntegrity`/`lpValidateNext`) and is slightly stricter on the back-length:
//! it must be byte-for-byte the canonical encoding Redis writes, so any corruption of it
//! is caught.

use super::error::{BlobError, BlobErrorKind as K};
use super::num::{arr, u16_le, u32_le};
use super::ElemIter;
use crate::Elem;

const HEADER: usize = 6;

/// Number of bytes the back-length of an entry of `len` bytes (encoding + data) takes.
/// Note the strict `<` thresholds, as in Redis's `lpEncodeBacklen`.
#[inline]
pub fn backlen_size(len: u64) -> usize {
    if len <= 127 {
        1
    } else if len < 16383 {
        2
    } else if len < 2_097_151 {
        3
    } else if len < 268_435_455 {
        4
    } else {
        5
    }
}

/// Writes the canonical back-length of an entry of `len` bytes into `buf`, returning the
/// number of bytes used (1–5). The leftmost byte holds the most significant 7-bit group
/// and has bit 7 clear; every byte to its right has bit 7 set.
#[inline]
pub fn encode_backlen(len: u64, buf: &mut [u8; 5]) -> usize {
    let n = backlen_size(len);
    for (i, slot) in buf.iter_mut().take(n).enumerate() {
        let shift = 7 * (n - 1 - i);
        let group = ((len >> shift) & 0x7F) as u8;
        *slot = if i == 0 {
            // The top group keeps every remaining high bit, like Redis's `l >> (7*(n-1))`.
            (len >> shift) as u8
        } else {
            group | 0x80
        };
    }
    n
}

/// Decodes the encoding + data of the entry at `p` (whose first byte `c` is not 0xFF):
/// its length and element. Bounds-checked; the back-length is not looked at.
#[inline(always)]
fn decode_entry<'a>(blob: &'a [u8], p: usize, c: u8) -> Result<(usize, Elem<'a>), K> {
    let r: (usize, Elem<'a>) = if c < 0x80 {
        (1, Elem::Int(i64::from(c)))
    } else if c & 0xC0 == 0x80 {
        let n = (c & 0x3F) as usize;
        match blob.get(p + 1..p + 1 + n) {
            Some(s) => (1 + n, Elem::Bytes(s)),
            None => return Err(K::Truncated),
        }
    } else if c & 0xE0 == 0xC0 {
        match blob.get(p + 1) {
            Some(&b1) => {
                let v = (i64::from(c & 0x1F) << 8) | i64::from(b1);
                (2, Elem::Int(if v >= 4096 { v - 8192 } else { v }))
            }
            None => return Err(K::Truncated),
        }
    } else if c & 0xF0 == 0xE0 {
        let n = match blob.get(p + 1) {
            Some(&b1) => ((c & 0x0F) as usize) << 8 | b1 as usize,
            None => return Err(K::Truncated),
        };
        match blob.get(p + 2..p + 2 + n) {
            Some(s) => (2 + n, Elem::Bytes(s)),
            None => return Err(K::Truncated),
        }
    } else {
        match c {
            0xF0 => {
                let n = match u32_le(blob, p + 1) {
                    Some(n) => n as usize,
                    None => return Err(K::Truncated),
                };
                let s = n.checked_add(p + 5).and_then(|end| blob.get(p + 5..end));
                match s {
                    Some(s) => (5 + n, Elem::Bytes(s)),
                    None => return Err(K::Truncated),
                }
            }
            0xF1 => match arr::<2>(blob, p + 1) {
                Some(a) => (3, Elem::Int(i64::from(i16::from_le_bytes(a)))),
                None => return Err(K::Truncated),
            },
            0xF2 => match arr::<3>(blob, p + 1) {
                Some([a, b, d]) => (
                    4,
                    Elem::Int(i64::from(i32::from_le_bytes([0, a, b, d]) >> 8)),
                ),
                None => return Err(K::Truncated),
            },
            0xF3 => match arr::<4>(blob, p + 1) {
                Some(a) => (5, Elem::Int(i64::from(i32::from_le_bytes(a)))),
                None => return Err(K::Truncated),
            },
            0xF4 => match arr::<8>(blob, p + 1) {
                Some(a) => (9, Elem::Int(i64::from_le_bytes(a))),
                None => return Err(K::Truncated),
            },
            _ => return Err(K::BadEncoding { byte: c }),
        }
    };
    Ok(r)
}

/// The element at `p` of a listpack that an iterator has already validated, and the
/// position of the next entry. Used to re-walk validated regions cheaply.
#[inline(always)]
pub(crate) fn validated_elem_at(blob: &[u8], p: usize) -> Option<(Elem<'_>, usize)> {
    let c = *blob.get(p)?;
    if c == 0xFF {
        return None;
    }
    let (len, e) = decode_entry(blob, p, c).ok()?;
    Some((e, p + len + backlen_size(len as u64)))
}

/// Iterator over the elements of a listpack. Fused after the first error; the `next()`
/// that reaches the end marker checks the element count.
#[derive(Debug, Clone)]
pub struct ListpackIter<'a> {
    blob: &'a [u8],
    pos: usize,
    count: u32,
    num: u16,
    done: bool,
}

/// Validates a listpack's header and returns an iterator over its elements.
///
/// ```
/// use rdb_parser::{encoding::listpack, Elem};
/// let blob = b"\x15\x00\x00\x00\x04\x00\x82f1\x03\x82v1\x03\x82f2\x03\x7b\x01\xff";
/// let items: Vec<Elem<'_>> = listpack(blob)?.collect::<Result<_, _>>()?;
/// assert_eq!(items, [Elem::Bytes(b"f1"), Elem::Bytes(b"v1"), Elem::Bytes(b"f2"), Elem::Int(123)]);
/// # Ok::<(), rdb_parser::encoding::BlobError>(())
/// ```
pub fn listpack(blob: &[u8]) -> Result<ListpackIter<'_>, BlobError> {
    if blob.len() < HEADER + 1 {
        return Err(BlobError::new(0, K::TooShort));
    }
    let total = u32_le(blob, 0).unwrap_or(0);
    if total as usize != blob.len() {
        return Err(BlobError::new(
            0,
            K::SizeMismatch {
                declared: u64::from(total),
            },
        ));
    }
    if blob[blob.len() - 1] != 0xFF {
        return Err(BlobError::new(blob.len() - 1, K::MissingEnd));
    }
    Ok(ListpackIter {
        blob,
        pos: HEADER,
        count: 0,
        num: u16_le(blob, 4).unwrap_or(0),
        done: false,
    })
}

impl<'a> ListpackIter<'a> {
    /// The element count the header declares, or `None` when it says "unknown" (65535).
    pub fn count_hint(&self) -> Option<usize> {
        (self.num != u16::MAX).then_some(self.num as usize)
    }

    /// Number of elements returned so far.
    pub fn returned(&self) -> u32 {
        self.count
    }

    /// The whole listpack blob.
    pub(crate) fn blob(&self) -> &'a [u8] {
        self.blob
    }

    /// True when the next element would be the end marker (no more elements), without
    /// running the end-of-list checks.
    pub fn at_end(&self) -> bool {
        self.done || self.blob.get(self.pos) == Some(&0xFF)
    }

    fn fail(&mut self, at: usize, kind: K) -> Option<Result<Elem<'a>, BlobError>> {
        self.done = true;
        Some(Err(BlobError::new(at, kind)))
    }
}

impl<'a> Iterator for ListpackIter<'a> {
    type Item = Result<Elem<'a>, BlobError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let blob = self.blob;
        let last = blob.len() - 1;
        let p = self.pos;
        let c = blob[p];
        if c == 0xFF {
            self.done = true;
            if p != last {
                return self.fail(p, K::MissingEnd);
            }
            if self.num != u16::MAX && u32::from(self.num) != self.count {
                return self.fail(
                    4,
                    K::CountMismatch {
                        declared: u32::from(self.num),
                        found: self.count,
                    },
                );
            }
            return None;
        }
        let (len, elem) = match decode_entry(blob, p, c) {
            Ok(x) => x,
            Err(k) => return self.fail(p, k),
        };
        let bl_at = p + len;
        let bl = backlen_size(len as u64);
        let end = bl_at + bl;
        if end > last {
            return self.fail(p, K::Truncated);
        }
        let ok = if bl == 1 {
            blob[bl_at] as usize == len
        } else {
            let mut want = [0u8; 5];
            encode_backlen(len as u64, &mut want);
            blob[bl_at..end] == want[..bl]
        };
        if !ok {
            return self.fail(
                bl_at,
                K::BadBacklen {
                    entry_len: len as u32,
                },
            );
        }
        self.pos = end;
        self.count += 1;
        Some(Ok(elem))
    }
}

impl std::iter::FusedIterator for ListpackIter<'_> {}

impl<'a> ElemIter<'a> for ListpackIter<'a> {
    fn offset(&self) -> usize {
        self.pos
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn decode_backlen(bytes: &[u8]) -> u64 {
        // Right to left, like lpDecodeBacklen.
        let mut v = 0u64;
        let mut shift = 0;
        for &b in bytes.iter().rev() {
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        v
    }

    #[test]
    fn backlen_edges() {
        for (len, size) in [
            (0u64, 1usize),
            (127, 1),
            (128, 2),
            (200, 2),
            (16382, 2),
            (16383, 3),
            (2_097_150, 3),
            (2_097_151, 4),
            (268_435_454, 4),
            (268_435_455, 5),
            (u64::from(u32::MAX), 5),
        ] {
            let mut b = [0u8; 5];
            assert_eq!(encode_backlen(len, &mut b), size, "{len}");
            assert_eq!(decode_backlen(&b[..size]), len, "{len}");
            assert_eq!(b[0] & 0x80, 0, "leftmost byte has bit 7 clear for {len}");
        }
        let mut b = [0u8; 5];
        assert_eq!(encode_backlen(200, &mut b), 2);
        assert_eq!(&b[..2], &[0x01, 0xC8]);
        assert_eq!(encode_backlen(16383, &mut b), 3);
        assert_eq!(&b[..3], &[0x00, 0xFF, 0xFF]);
    }
}
