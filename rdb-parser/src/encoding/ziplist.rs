//! Ziplist decoder (RDB types 10, 12, 13 and the nodes of a type-14 quicklist).
//!
//! Layout (all little-endian except the 14/32-bit string lengths, which are big-endian):
//! `zlbytes u32 | zltail u32 | zllen u16 | entries… | 0xFF`, each entry
//! `prevlen (1 byte, or 0xFE + u32) | encoding | data`.
//!
//! Validation matches Redis's deep integrity check (`ziplistValidateIntegrity`): the size
//! field equals the blob length, every entry stays inside the blob, every `prevlen` equals
//! the size of the entry before it, the entries end exactly at the final 0xFF, `zltail`
//! points at the last entry, and `zllen` (unless 65535, "unknown") equals the count.

use super::error::{BlobError, BlobErrorKind as K};
use super::num::{arr, u16_le, u32_le};
use super::ElemIter;
use crate::Elem;

const HEADER: usize = 10;

/// Iterator over the elements of a ziplist. Yields each element in order; after the first
/// error it yields nothing more. The final `next()` (the one that reaches the end marker)
/// performs the whole-list checks (tail offset, element count).
#[derive(Debug, Clone)]
pub struct ZiplistIter<'a> {
    blob: &'a [u8],
    pos: usize,
    prev_len: usize,
    prev_start: usize,
    count: u32,
    zllen: u16,
    zltail: u32,
    done: bool,
}

/// Validates a ziplist's header and returns an iterator over its elements.
///
/// ```
/// use rdb_parser::{encoding::ziplist, Elem};
/// let blob = [0x0f, 0, 0, 0, 0x0c, 0, 0, 0, 0x02, 0, 0x00, 0xf3, 0x02, 0xf6, 0xff];
/// let items: Vec<Elem<'_>> = ziplist(&blob)?.collect::<Result<_, _>>()?;
/// assert_eq!(items, [Elem::Int(2), Elem::Int(5)]);
/// # Ok::<(), rdb_parser::encoding::BlobError>(())
/// ```
pub fn ziplist(blob: &[u8]) -> Result<ZiplistIter<'_>, BlobError> {
    if blob.len() < HEADER + 1 {
        return Err(BlobError::new(0, K::TooShort));
    }
    let zlbytes = u32_le(blob, 0).unwrap_or(0);
    if zlbytes as usize != blob.len() {
        return Err(BlobError::new(
            0,
            K::SizeMismatch {
                declared: u64::from(zlbytes),
            },
        ));
    }
    let zltail = u32_le(blob, 4).unwrap_or(0);
    if zltail as usize > blob.len() - 1 {
        return Err(BlobError::new(4, K::BadTail { zltail }));
    }
    if blob[blob.len() - 1] != 0xFF {
        return Err(BlobError::new(blob.len() - 1, K::MissingEnd));
    }
    Ok(ZiplistIter {
        blob,
        pos: HEADER,
        prev_len: 0,
        prev_start: 0,
        count: 0,
        zllen: u16_le(blob, 8).unwrap_or(0),
        zltail,
        done: false,
    })
}

impl<'a> ZiplistIter<'a> {
    /// The element count the header declares, or `None` when it says "unknown" (65535).
    pub fn count_hint(&self) -> Option<usize> {
        (self.zllen != u16::MAX).then_some(self.zllen as usize)
    }

    /// Number of elements returned so far.
    pub fn returned(&self) -> u32 {
        self.count
    }

    fn fail(&mut self, at: usize, kind: K) -> Option<Result<Elem<'a>, BlobError>> {
        self.done = true;
        Some(Err(BlobError::new(at, kind)))
    }

    fn finish(&mut self) -> Option<Result<Elem<'a>, BlobError>> {
        self.done = true;
        let last = self.blob.len() - 1;
        if self.pos != last {
            return self.fail(self.pos, K::MissingEnd);
        }
        if self.count > 0 && self.prev_start != self.zltail as usize {
            return self.fail(
                4,
                K::BadTail {
                    zltail: self.zltail,
                },
            );
        }
        if self.zllen != u16::MAX && u32::from(self.zllen) != self.count {
            return self.fail(
                8,
                K::CountMismatch {
                    declared: u32::from(self.zllen),
                    found: self.count,
                },
            );
        }
        None
    }
}

impl<'a> Iterator for ZiplistIter<'a> {
    type Item = Result<Elem<'a>, BlobError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let blob = self.blob;
        // Entries must end at or before the final 0xFF byte.
        let last = blob.len() - 1;
        let start = self.pos;
        let b0 = blob[start];
        if b0 == 0xFF {
            return self.finish();
        }
        // prevlen: branch on the 0xFE marker, never on the value.
        let (prevlen, mut p) = if b0 == 0xFE {
            match u32_le(blob, start + 1) {
                Some(v) if start + 5 <= last => (v as usize, start + 5),
                _ => return self.fail(start, K::Truncated),
            }
        } else {
            (b0 as usize, start + 1)
        };
        if prevlen != self.prev_len {
            return self.fail(
                start,
                K::BadPrevlen {
                    stored: prevlen as u32,
                    actual: self.prev_len as u32,
                },
            );
        }
        if p >= last {
            return self.fail(start, K::Truncated);
        }
        let enc = blob[p];
        let elem_end;
        let elem = match enc >> 6 {
            0b00..=0b10 => {
                let (len, hdr) = match enc >> 6 {
                    0b00 => ((enc & 0x3F) as usize, 1),
                    0b01 => match blob.get(p + 1) {
                        Some(&b1) => ((((enc & 0x3F) as usize) << 8) | b1 as usize, 2),
                        None => return self.fail(start, K::Truncated),
                    },
                    // Redis treats every 10xxxxxx byte as the 32-bit form (writers use 0x80).
                    _ => match arr::<4>(blob, p + 1) {
                        Some(a) => (u32::from_be_bytes(a) as usize, 5),
                        None => return self.fail(start, K::Truncated),
                    },
                };
                p += hdr;
                elem_end = match p.checked_add(len) {
                    Some(e) if e <= last => e,
                    _ => return self.fail(start, K::Truncated),
                };
                Elem::Bytes(&blob[p..elem_end])
            }
            _ => {
                let width = match enc {
                    0xC0 => 2,
                    0xD0 => 4,
                    0xE0 => 8,
                    0xF0 => 3,
                    0xFE => 1,
                    0xF1..=0xFD => 0,
                    _ => return self.fail(p, K::BadEncoding { byte: enc }),
                };
                p += 1;
                elem_end = p + width;
                if elem_end > last {
                    return self.fail(start, K::Truncated);
                }
                let d = &blob[p..elem_end];
                let v = match width {
                    0 => i64::from(enc & 0x0F) - 1,
                    1 => i64::from(d[0] as i8),
                    2 => i64::from(i16::from_le_bytes([d[0], d[1]])),
                    3 => i64::from(i32::from_le_bytes([0, d[0], d[1], d[2]]) >> 8),
                    4 => i64::from(i32::from_le_bytes([d[0], d[1], d[2], d[3]])),
                    _ => i64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]),
                };
                Elem::Int(v)
            }
        };
        self.prev_len = elem_end - start;
        self.prev_start = start;
        self.pos = elem_end;
        self.count += 1;
        Some(Ok(elem))
    }
}

impl std::iter::FusedIterator for ZiplistIter<'_> {}

impl<'a> ElemIter<'a> for ZiplistIter<'a> {
    fn offset(&self) -> usize {
        self.pos
    }
}
