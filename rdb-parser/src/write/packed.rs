//! Ziplist and listpack builders.

use super::{score_text, WriteError};
use crate::encoding::{canonical_i64, listpack::encode_backlen};
use crate::Elem;

/// Builds a ziplist blob the way Redis lays it out.
///
/// ```
/// use rdb_parser::write::ZiplistBuilder;
/// let mut zl = ZiplistBuilder::new();
/// zl.push(b"2");
/// zl.push(b"5");
/// assert_eq!(zl.finish()?, [0x0f, 0, 0, 0, 0x0c, 0, 0, 0, 2, 0, 0x00, 0xf3, 0x02, 0xf6, 0xff]);
/// # Ok::<(), rdb_parser::write::WriteError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ZiplistBuilder {
    buf: Vec<u8>,
    count: usize,
    prev_len: usize,
    tail: usize,
    large_prevlen: bool,
    unknown_count: bool,
}

impl Default for ZiplistBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ZiplistBuilder {
    /// An empty ziplist.
    pub fn new() -> Self {
        ZiplistBuilder {
            buf: vec![0; 10],
            count: 0,
            prev_len: 0,
            tail: 10,
            large_prevlen: false,
            unknown_count: false,
        }
    }

    /// Writes every `prevlen` in the 5-byte form (0xFE + u32), even for small values, as
    /// Redis's cascade-update path can leave them.
    pub fn force_large_prevlen(mut self, yes: bool) -> Self {
        self.large_prevlen = yes;
        self
    }

    /// Writes `zllen` as 65535 ("unknown") whatever the count.
    pub fn unknown_count(mut self, yes: bool) -> Self {
        self.unknown_count = yes;
        self
    }

    /// Number of entries pushed.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes the finished blob will take.
    pub fn byte_len(&self) -> usize {
        self.buf.len() + 1
    }

    fn start_entry(&mut self) -> usize {
        let start = self.buf.len();
        if self.large_prevlen || self.prev_len >= 254 {
            self.buf.push(0xFE);
            self.buf
                .extend_from_slice(&(self.prev_len as u32).to_le_bytes());
        } else {
            self.buf.push(self.prev_len as u8);
        }
        start
    }

    fn end_entry(&mut self, start: usize) {
        self.prev_len = self.buf.len() - start;
        self.tail = start;
        self.count += 1;
    }

    /// Pushes an element as Redis would: canonical integers as integer entries, anything
    /// else as a string.
    pub fn push(&mut self, s: &[u8]) {
        match canonical_i64(s) {
            Some(v) => self.push_int(v),
            None => self.push_str(s),
        }
    }

    /// Pushes an element (integers as integer entries).
    pub fn push_elem(&mut self, e: Elem<'_>) {
        match e {
            Elem::Int(v) => self.push_int(v),
            Elem::Bytes(b) => self.push(b),
        }
    }

    /// Pushes a zset score the way Redis ≤ 6.2 stores it in a ziplist: the text of
    /// [`score_text`] (so integral scores become integer entries). NaN is refused.
    pub fn push_score(&mut self, v: f64) -> Result<(), WriteError> {
        let t = score_text(v).ok_or(WriteError::Invalid {
            what: "NaN zset score",
        })?;
        self.push(t.as_bytes());
        Ok(())
    }

    /// Pushes a string entry (never integer-encoded), with the 6-bit, 14-bit (BE) or
    /// 32-bit (BE) length form chosen by size.
    pub fn push_str(&mut self, s: &[u8]) {
        let start = self.start_entry();
        let n = s.len();
        if n <= 63 {
            self.buf.push(n as u8);
        } else if n <= 16383 {
            self.buf
                .extend_from_slice(&[0x40 | (n >> 8) as u8, n as u8]);
        } else {
            self.buf.push(0x80);
            self.buf.extend_from_slice(&(n as u32).to_be_bytes());
        }
        self.buf.extend_from_slice(s);
        self.end_entry(start);
    }

    /// Pushes an integer entry in the smallest encoding: immediate 0–12, int8, int16,
    /// int24, int32 or int64.
    pub fn push_int(&mut self, v: i64) {
        let start = self.start_entry();
        if (0..=12).contains(&v) {
            self.buf.push(0xF1 + v as u8);
        } else if let Ok(b) = i8::try_from(v) {
            self.buf.extend_from_slice(&[0xFE, b as u8]);
        } else if let Ok(h) = i16::try_from(v) {
            self.buf.push(0xC0);
            self.buf.extend_from_slice(&h.to_le_bytes());
        } else if (-(1 << 23)..(1 << 23)).contains(&v) {
            self.buf.push(0xF0);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if let Ok(w) = i32::try_from(v) {
            self.buf.push(0xD0);
            self.buf.extend_from_slice(&w.to_le_bytes());
        } else {
            self.buf.push(0xE0);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
        self.end_entry(start);
    }

    /// Finishes the blob: header fields and the 0xFF end marker.
    pub fn finish(mut self) -> Result<Vec<u8>, WriteError> {
        self.buf.push(0xFF);
        let total =
            u32::try_from(self.buf.len()).map_err(|_| WriteError::TooLarge { what: "ziplist" })?;
        let zllen = if self.unknown_count || self.count >= 65535 {
            u16::MAX
        } else {
            self.count as u16
        };
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        self.buf[4..8].copy_from_slice(&(self.tail as u32).to_le_bytes());
        self.buf[8..10].copy_from_slice(&zllen.to_le_bytes());
        Ok(self.buf)
    }
}

/// Builds a listpack blob the way Redis lays it out.
///
/// ```
/// use rdb_parser::write::ListpackBuilder;
/// let mut lp = ListpackBuilder::new();
/// for s in [&b"f1"[..], b"v1", b"f2", b"123"] {
///     lp.push(s);
/// }
/// assert_eq!(lp.finish()?, b"\x15\x00\x00\x00\x04\x00\x82f1\x03\x82v1\x03\x82f2\x03\x7b\x01\xff");
/// # Ok::<(), rdb_parser::write::WriteError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ListpackBuilder {
    buf: Vec<u8>,
    count: usize,
    unknown_count: bool,
}

impl Default for ListpackBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ListpackBuilder {
    /// An empty listpack.
    pub fn new() -> Self {
        ListpackBuilder {
            buf: vec![0; 6],
            count: 0,
            unknown_count: false,
        }
    }

    /// Writes `num_elements` as 65535 ("unknown") whatever the count.
    pub fn unknown_count(mut self, yes: bool) -> Self {
        self.unknown_count = yes;
        self
    }

    /// Number of entries pushed.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes the finished blob will take.
    pub fn byte_len(&self) -> usize {
        self.buf.len() + 1
    }

    fn end_entry(&mut self, start: usize) {
        let len = (self.buf.len() - start) as u64;
        let mut bl = [0u8; 5];
        let n = encode_backlen(len, &mut bl);
        self.buf.extend_from_slice(&bl[..n]);
        self.count += 1;
    }

    /// Pushes an element as Redis would: canonical integers as integer entries.
    pub fn push(&mut self, s: &[u8]) {
        match canonical_i64(s) {
            Some(v) => self.push_int(v),
            None => self.push_str(s),
        }
    }

    /// Pushes an element (integers as integer entries).
    pub fn push_elem(&mut self, e: Elem<'_>) {
        match e {
            Elem::Int(v) => self.push_int(v),
            Elem::Bytes(b) => self.push(b),
        }
    }

    /// Pushes a zset score the way Redis 7.0 stores it in a listpack: an integral score
    /// in [−2^62, 2^62] as an integer entry, anything else as [`score_text`]. NaN is
    /// refused. (Redis 7.0 stores −0.0 as the integer 0; this keeps the sign as `-0`.)
    pub fn push_score(&mut self, v: f64) -> Result<(), WriteError> {
        if v.is_nan() {
            return Err(WriteError::Invalid {
                what: "NaN zset score",
            });
        }
        const LIM: f64 = 4_611_686_018_427_387_904.0; // 2^62 = (double)(LLONG_MAX / 2)
        let neg_zero = v == 0.0 && v.is_sign_negative();
        if !neg_zero && (-LIM..=LIM).contains(&v) && (v as i64) as f64 == v {
            self.push_int(v as i64);
        } else {
            let t = score_text(v).ok_or(WriteError::Invalid {
                what: "NaN zset score",
            })?;
            self.push_str(t.as_bytes());
        }
        Ok(())
    }

    /// Pushes a string entry (never integer-encoded): 6-bit, 12-bit (high nibble first)
    /// or 32-bit (LE) length by size.
    pub fn push_str(&mut self, s: &[u8]) {
        let start = self.buf.len();
        let n = s.len();
        if n < 64 {
            self.buf.push(0x80 | n as u8);
        } else if n < 4096 {
            self.buf
                .extend_from_slice(&[0xE0 | (n >> 8) as u8, n as u8]);
        } else {
            self.buf.push(0xF0);
            self.buf.extend_from_slice(&(n as u32).to_le_bytes());
        }
        self.buf.extend_from_slice(s);
        self.end_entry(start);
    }

    /// Pushes an integer entry in the smallest encoding: 7-bit uint, 13-bit, int16,
    /// int24, int32 or int64.
    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        if (0..=127).contains(&v) {
            self.buf.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = (v as u16) & 0x1FFF;
            self.buf
                .extend_from_slice(&[0xC0 | (u >> 8) as u8, u as u8]);
        } else if let Ok(h) = i16::try_from(v) {
            self.buf.push(0xF1);
            self.buf.extend_from_slice(&h.to_le_bytes());
        } else if (-(1 << 23)..(1 << 23)).contains(&v) {
            self.buf.push(0xF2);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if let Ok(w) = i32::try_from(v) {
            self.buf.push(0xF3);
            self.buf.extend_from_slice(&w.to_le_bytes());
        } else {
            self.buf.push(0xF4);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
        self.end_entry(start);
    }

    /// Finishes the blob: header fields and the 0xFF end marker.
    pub fn finish(mut self) -> Result<Vec<u8>, WriteError> {
        self.buf.push(0xFF);
        let total =
            u32::try_from(self.buf.len()).map_err(|_| WriteError::TooLarge { what: "listpack" })?;
        let num = if self.unknown_count || self.count >= 65535 {
            u16::MAX
        } else {
            self.count as u16
        };
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        self.buf[4..6].copy_from_slice(&num.to_le_bytes());
        Ok(self.buf)
    }
}

/// A ziplist of `items` (each pushed with [`ZiplistBuilder::push`]).
pub fn ziplist_of<T: AsRef<[u8]>>(items: &[T]) -> Result<Vec<u8>, WriteError> {
    let mut b = ZiplistBuilder::new();
    for i in items {
        b.push(i.as_ref());
    }
    b.finish()
}

/// A listpack of `items` (each pushed with [`ListpackBuilder::push`]).
pub fn listpack_of<T: AsRef<[u8]>>(items: &[T]) -> Result<Vec<u8>, WriteError> {
    let mut b = ListpackBuilder::new();
    for i in items {
        b.push(i.as_ref());
    }
    b.finish()
}
