//! The fast path of [`Decoder`](crate::Decoder): when a whole frame is already buffered.
//!
//! At the start of a frame the decoder first *measures* the frame in place (one pass, no
//! allocation, nothing consumed). If it is complete, valid, within the limits and at most
//! [`FAST_DEPTH`] deep, the frame's bytes are split off once and the frame is built from
//! that single frozen buffer. Anything else — incomplete, malformed, deeper, a limit hit —
//! makes the fast path step aside and the resumable path takes over; it consumes what it
//! reads, so no byte is measured more than once more: decoding stays linear, and errors
//! always come from the resumable path (one source of truth for error kinds and offsets).

use bytes::Bytes;

use crate::frame::Frame;
use crate::limits::Limits;

/// Deepest frame the fast path handles (deeper ones take the resumable path).
pub(crate) const FAST_DEPTH: usize = 16;

/// Whether `b[at..at + 2]` is CRLF.
#[inline(always)]
fn crlf(b: &[u8], at: usize) -> bool {
    matches!(b.get(at..), Some([b'\r', b'\n', ..]))
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Agg {
    Array,
    Set,
    Push,
    Map,
    Attribute,
}

/// One element header, as measured; [`build`] turns the list into a frame.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Head {
    /// `+`, `-`, `(`: a line's text at `start..end`.
    Line(u8, usize, usize),
    Int(i64),
    Null,
    NullBulk,
    NullArray,
    Bool(bool),
    Double(f64),
    /// `$`, `!`, `=`: payload at `start..start + len`.
    Bulk(u8, usize, usize),
    Agg(Agg, usize),
}

/// A decimal number line starting at `pos` (after the type byte): value and the position
/// after its CRLF. Same grammar as `parse_i64`: optional `-`, 1 to 19 digits, in range.
#[inline(always)]
fn number(b: &[u8], pos: usize) -> Option<(i64, usize)> {
    let rest = b.get(pos..)?;
    let neg = rest.first() == Some(&b'-');
    let start = usize::from(neg);
    let mut i = start;
    let mut n: u64 = 0;
    while let Some(&c) = rest.get(i) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if i - start == 19 {
            return None;
        }
        n = n * 10 + u64::from(d);
        i += 1;
    }
    if i == start || !crlf(rest, i) {
        return None;
    }
    let v = if neg {
        if n > i64::MAX as u64 + 1 {
            return None;
        }
        (n as i64).wrapping_neg()
    } else {
        i64::try_from(n).ok()?
    };
    Some((v, pos + i + 2))
}

/// Parses the element header at `pos` (and for bulk types checks the payload and its CRLF
/// are all there). `None`: step aside.
#[inline(always)]
fn head(b: &[u8], pos: usize, limits: &Limits, resp3: bool) -> Option<(Head, usize)> {
    let tag = *b.get(pos)?;
    let p = pos + 1;
    match tag {
        b'$' | b'!' | b'=' => {
            if tag != b'$' && !resp3 {
                return None;
            }
            let (n, next) = number(b, p)?;
            if n == -1 && tag == b'$' {
                return Some((Head::NullBulk, next));
            }
            let len = usize::try_from(n).ok()?;
            if len as u64 > limits.max_bulk_len || !crlf(b, next.checked_add(len)?) {
                return None;
            }
            if tag == b'=' && (len < 4 || b[next + 3] != b':') {
                return None;
            }
            Some((Head::Bulk(tag, next, len), next + len + 2))
        }
        b'*' | b'%' | b'~' | b'>' | b'|' => {
            if tag != b'*' && !resp3 {
                return None;
            }
            let (n, next) = number(b, p)?;
            if n == -1 && tag == b'*' {
                return Some((Head::NullArray, next));
            }
            let n = usize::try_from(n).ok()?;
            if n as u64 > limits.max_aggregate_len {
                return None;
            }
            let kind = match tag {
                b'*' => Agg::Array,
                b'%' => Agg::Map,
                b'~' => Agg::Set,
                b'>' => Agg::Push,
                _ => Agg::Attribute,
            };
            Some((Head::Agg(kind, n), next))
        }
        b':' => number(b, p).map(|(n, next)| (Head::Int(n), next)),
        b'+' | b'-' | b'(' => {
            if tag == b'(' && !resp3 {
                return None;
            }
            let rest = b.get(p..)?;
            let end = p + memchr::memchr2(b'\r', b'\n', rest)?;
            if (end - p) as u64 > limits.max_bulk_len || !crlf(b, end) {
                return None;
            }
            if tag == b'(' {
                let digits = match b[p..end].first() {
                    Some(b'-') | Some(b'+') => &b[p + 1..end],
                    _ => &b[p..end],
                };
                if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                    return None;
                }
            }
            Some((Head::Line(tag, p, end), end + 2))
        }
        b'_' if resp3 => crlf(b, p).then_some((Head::Null, p + 2)),
        b'#' if resp3 => match b.get(p..p + 3)? {
            b"t\r\n" => Some((Head::Bool(true), p + 3)),
            b"f\r\n" => Some((Head::Bool(false), p + 3)),
            _ => None,
        },
        b',' if resp3 => {
            let rest = b.get(p..)?;
            let end = p + memchr::memchr2(b'\r', b'\n', rest)?;
            if end - p > limits.max_inline_len || !crlf(b, end) {
                return None;
            }
            let v = crate::decode::parse_double(&b[p..end])?;
            Some((Head::Double(v), end + 2))
        }
        _ => None,
    }
}

/// Most elements a [`BulkArray`] holds.
pub(crate) const SMALL: usize = 16;

/// A complete array of at most [`SMALL`] bulk strings — a command, the most common frame —
/// measured without any allocation.
pub(crate) struct BulkArray {
    /// Its length on the wire.
    pub(crate) len: usize,
    /// Element count.
    pub(crate) n: usize,
    /// Payload start and length of each element.
    pub(crate) spans: [(usize, usize); SMALL],
}

/// The [`BulkArray`] at the front of `b`, if that is what is there, whole and valid.
#[inline]
pub(crate) fn bulk_array(b: &[u8], limits: &Limits) -> Option<BulkArray> {
    if b.first() != Some(&b'*') {
        return None;
    }
    let (n, mut pos) = number(b, 1)?;
    let n = usize::try_from(n).ok()?;
    if n == 0 || n > SMALL || limits.max_depth == 0 || n as u64 > limits.max_aggregate_len {
        return None;
    }
    let mut spans = [(0usize, 0usize); SMALL];
    for slot in spans.iter_mut().take(n) {
        if b.get(pos) != Some(&b'$') {
            return None;
        }
        let (len, next) = number(b, pos + 1)?;
        let len = usize::try_from(len).ok()?;
        let end = next.checked_add(len)?;
        if len as u64 > limits.max_bulk_len || !crlf(b, end) {
            return None;
        }
        *slot = (next, len);
        pos = end + 2;
    }
    Some(BulkArray { len: pos, n, spans })
}

/// The length of the complete, valid frame at the front of `b`, if there is one the fast
/// path can take.
/// Its element headers are left in `heads` for [`build`].
pub(crate) fn measure(
    b: &[u8],
    limits: &Limits,
    resp3: bool,
    heads: &mut Vec<Head>,
) -> Option<usize> {
    heads.clear();
    let mut left = [0usize; FAST_DEPTH];
    let mut depth = 0;
    let mut pos = 0;
    loop {
        let (h, next) = head(b, pos, limits, resp3)?;
        heads.push(h);
        pos = next;
        if let Head::Agg(kind, n) = h {
            let count = match kind {
                Agg::Map => n.checked_mul(2)?,
                Agg::Attribute => n.checked_mul(2)?.checked_add(1)?,
                _ => n,
            };
            if depth >= limits.max_depth || depth >= FAST_DEPTH {
                return None;
            }
            if count > 0 {
                left[depth] = count;
                depth += 1;
                continue;
            }
        }
        // An element ended: close the levels it completes.
        loop {
            if depth == 0 {
                return Some(pos);
            }
            left[depth - 1] -= 1;
            if left[depth - 1] > 0 {
                break;
            }
            depth -= 1;
        }
    }
}

/// Builds a non-aggregate element from its header and the bytes `all` it points into.
#[inline(always)]
pub(crate) fn build_leaf(all: &Bytes, h: Head) -> Option<Frame> {
    let slice = |s: usize, e: usize| all.get(s..e).map(|_| all.slice(s..e));
    Some(match h {
        Head::Line(b'+', s, e) => Frame::Simple(slice(s, e)?),
        Head::Line(b'-', s, e) => Frame::Error(slice(s, e)?),
        Head::Line(_, s, e) => Frame::BigNumber(slice(s, e)?),
        Head::Int(i) => Frame::Integer(i),
        Head::Null => Frame::Null,
        Head::NullBulk => Frame::NullBulk,
        Head::NullArray => Frame::NullArray,
        Head::Bool(v) => Frame::Boolean(v),
        Head::Double(v) => Frame::Double(v),
        Head::Bulk(b'$', s, len) => Frame::Bulk(slice(s, s + len)?),
        Head::Bulk(b'!', s, len) => Frame::BulkError(slice(s, s + len)?),
        Head::Bulk(_, s, len) => {
            let mut format = [0u8; 3];
            format.copy_from_slice(all.get(s..s + 3)?);
            Frame::Verbatim {
                format,
                text: slice(s + 4, s + len)?,
            }
        }
        Head::Agg(..) => return None,
    })
}

/// Reads consecutive complete leaf elements (no aggregates) at the front of `b`, at most
/// `max` of them, leaving their headers in `heads`; returns the bytes they span.
pub(crate) fn leaves(
    b: &[u8],
    max: usize,
    limits: &Limits,
    resp3: bool,
    heads: &mut Vec<Head>,
) -> usize {
    heads.clear();
    let mut pos = 0;
    while heads.len() < max {
        match head(b, pos, limits, resp3) {
            Some((Head::Agg(..), _)) | None => break,
            Some((h, next)) => {
                heads.push(h);
                pos = next;
            }
        }
    }
    pos
}

/// Builds the frame [`measure`] accepted from its headers and its bytes `all`.
pub(crate) fn build(all: &Bytes, heads: &mut std::slice::Iter<'_, Head>) -> Option<Frame> {
    let h = *heads.next()?;
    Some(match h {
        Head::Agg(Agg::Map, n) | Head::Agg(Agg::Attribute, n) => {
            let mut pairs = Vec::with_capacity(n);
            for _ in 0..n {
                let k = build(all, heads)?;
                let v = build(all, heads)?;
                pairs.push((k, v));
            }
            if let Head::Agg(Agg::Map, _) = h {
                Frame::Map(pairs)
            } else {
                let data = Box::new(build(all, heads)?);
                Frame::Attribute {
                    attributes: pairs,
                    data,
                }
            }
        }
        Head::Agg(kind, n) => {
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(build(all, heads)?);
            }
            match kind {
                Agg::Set => Frame::Set(items),
                Agg::Push => Frame::Push(items),
                _ => Frame::Array(items),
            }
        }
        leaf => build_leaf(all, leaf)?,
    })
}
