//! Encoding: free functions that append RESP to a [`BytesMut`].
//!
//! Nothing here allocates besides growing `dst` (each function reserves what it writes
//! first). Line types (simple strings, errors, big numbers) cannot carry CR or LF; like
//! Redis's `addReplyError`, those bytes are written as spaces so the output is always
//! valid RESP.

use std::fmt::Write as _;

use bytes::{BufMut, BytesMut};

use crate::frame::Frame;

/// Appends a command — an array of bulk strings — built straight from borrowed arguments.
///
/// ```
/// let mut buf = bytes::BytesMut::new();
/// resp_codec::encode_command(&mut buf, ["SET", "k", "v"]);
/// assert_eq!(&buf[..], b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
/// ```
pub fn encode_command<I>(dst: &mut BytesMut, args: I)
where
    I: IntoIterator,
    I::IntoIter: ExactSizeIterator,
    I::Item: AsRef<[u8]>,
{
    let args = args.into_iter();
    header(dst, b'*', args.len() as u64);
    for a in args {
        encode_bulk(dst, a.as_ref());
    }
}

/// The number of bytes [`encode_command`] appends for `args` (for a replication offset or
/// a pipeline budget), without encoding.
pub fn command_encoded_len<I>(args: I) -> usize
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let mut n = 0usize;
    let mut total = 0usize;
    for a in args {
        n += 1;
        total += bulk_len(a.as_ref().len());
    }
    header_len(n as u64) + total
}

/// Appends `+s\r\n` (CR/LF inside `s` become spaces).
pub fn encode_simple(dst: &mut BytesMut, s: &[u8]) {
    line(dst, b'+', s);
}

/// Appends `-msg\r\n` (CR/LF inside `msg` become spaces). `msg` should start with an
/// error code such as `ERR`.
pub fn encode_error(dst: &mut BytesMut, msg: &[u8]) {
    line(dst, b'-', msg);
}

/// Appends `:n\r\n`.
pub fn encode_integer(dst: &mut BytesMut, n: i64) {
    let mut buf = [0u8; 20];
    let digits = fmt_u64(n.unsigned_abs(), &mut buf);
    dst.reserve(digits.len() + 4);
    dst.put_u8(b':');
    if n < 0 {
        dst.put_u8(b'-');
    }
    dst.put_slice(digits);
    dst.put_slice(b"\r\n");
}

/// Appends `$len\r\nb\r\n`.
pub fn encode_bulk(dst: &mut BytesMut, b: &[u8]) {
    dst.reserve(bulk_len(b.len()));
    header_unreserved(dst, b'$', b.len() as u64);
    dst.put_slice(b);
    dst.put_slice(b"\r\n");
}

/// Appends the RESP2 null bulk string `$-1\r\n`.
pub fn encode_null_bulk(dst: &mut BytesMut) {
    dst.extend_from_slice(b"$-1\r\n");
}

/// Appends an array header `*n\r\n`; the caller then appends `n` frames.
pub fn encode_array_header(dst: &mut BytesMut, n: usize) {
    header(dst, b'*', n as u64);
}

/// Appends the RESP2 null array `*-1\r\n`.
pub fn encode_null_array(dst: &mut BytesMut) {
    dst.extend_from_slice(b"*-1\r\n");
}

/// Appends the RESP3 null `_\r\n`.
pub fn encode_null(dst: &mut BytesMut) {
    dst.extend_from_slice(b"_\r\n");
}

/// Appends the RESP3 boolean `#t\r\n` or `#f\r\n`.
pub fn encode_boolean(dst: &mut BytesMut, b: bool) {
    dst.extend_from_slice(if b { b"#t\r\n" } else { b"#f\r\n" });
}

/// Appends the RESP3 double `,v\r\n` (`inf`, `-inf`, `nan`, or the shortest text that
/// parses back to exactly `v`).
pub fn encode_double(dst: &mut BytesMut, v: f64) {
    dst.reserve(32);
    dst.put_u8(b',');
    write_double(dst, v);
    dst.put_slice(b"\r\n");
}

/// Appends the RESP3 big number `(digits\r\n` (CR/LF inside become spaces).
pub fn encode_big_number(dst: &mut BytesMut, digits: &[u8]) {
    line(dst, b'(', digits);
}

/// Appends the RESP3 bulk error `!len\r\nmsg\r\n`.
pub fn encode_bulk_error(dst: &mut BytesMut, msg: &[u8]) {
    dst.reserve(bulk_len(msg.len()));
    header_unreserved(dst, b'!', msg.len() as u64);
    dst.put_slice(msg);
    dst.put_slice(b"\r\n");
}

/// Appends the RESP3 verbatim string `=len\r\nfmt:text\r\n`.
pub fn encode_verbatim(dst: &mut BytesMut, format: [u8; 3], text: &[u8]) {
    let n = text.len() + 4;
    dst.reserve(bulk_len(n));
    header_unreserved(dst, b'=', n as u64);
    dst.put_slice(&format);
    dst.put_u8(b':');
    dst.put_slice(text);
    dst.put_slice(b"\r\n");
}

/// Appends a RESP3 map header `%n\r\n`; the caller then appends `n` key/value pairs.
pub fn encode_map_header(dst: &mut BytesMut, pairs: usize) {
    header(dst, b'%', pairs as u64);
}

/// Appends a RESP3 set header `~n\r\n`; the caller then appends `n` frames.
pub fn encode_set_header(dst: &mut BytesMut, n: usize) {
    header(dst, b'~', n as u64);
}

/// Appends a RESP3 attribute header `|n\r\n`; the caller then appends `n` pairs and the
/// annotated reply.
pub fn encode_attribute_header(dst: &mut BytesMut, pairs: usize) {
    header(dst, b'|', pairs as u64);
}

/// Appends a RESP3 push header `>n\r\n`; the caller then appends `n` frames.
pub fn encode_push_header(dst: &mut BytesMut, n: usize) {
    header(dst, b'>', n as u64);
}

/// Appends `frame` exactly as its variant says (a [`Frame::Null`] is `_`, a
/// [`Frame::NullBulk`] is `$-1`, ...), so a frame decoded from a server re-encodes to the
/// same bytes (doubles excepted: see [`Frame::Double`]). No RESP3-to-RESP2 downgrade is
/// done.
pub fn encode_frame(dst: &mut BytesMut, frame: &Frame) {
    match frame {
        Frame::Simple(b) => encode_simple(dst, b),
        Frame::Error(b) => encode_error(dst, b),
        Frame::Integer(i) => encode_integer(dst, *i),
        Frame::Bulk(b) => encode_bulk(dst, b),
        Frame::NullBulk => encode_null_bulk(dst),
        Frame::Array(v) => {
            encode_array_header(dst, v.len());
            v.iter().for_each(|f| encode_frame(dst, f));
        }
        Frame::NullArray => encode_null_array(dst),
        Frame::Null => encode_null(dst),
        Frame::Boolean(b) => encode_boolean(dst, *b),
        Frame::Double(d) => encode_double(dst, *d),
        Frame::BigNumber(b) => encode_big_number(dst, b),
        Frame::BulkError(b) => encode_bulk_error(dst, b),
        Frame::Verbatim { format, text } => encode_verbatim(dst, *format, text),
        Frame::Map(pairs) => {
            encode_map_header(dst, pairs.len());
            encode_pairs(dst, pairs);
        }
        Frame::Set(v) => {
            encode_set_header(dst, v.len());
            v.iter().for_each(|f| encode_frame(dst, f));
        }
        Frame::Attribute { attributes, data } => {
            encode_attribute_header(dst, attributes.len());
            encode_pairs(dst, attributes);
            encode_frame(dst, data);
        }
        Frame::Push(v) => {
            encode_push_header(dst, v.len());
            v.iter().for_each(|f| encode_frame(dst, f));
        }
    }
}

fn encode_pairs(dst: &mut BytesMut, pairs: &[(Frame, Frame)]) {
    for (k, v) in pairs {
        encode_frame(dst, k);
        encode_frame(dst, v);
    }
}

/// The length of [`encode_frame`]'s output.
pub(crate) fn frame_len(frame: &Frame) -> usize {
    match frame {
        Frame::Simple(b) | Frame::Error(b) | Frame::BigNumber(b) => b.len() + 3,
        Frame::Integer(i) => {
            let mut buf = [0u8; 20];
            fmt_u64(i.unsigned_abs(), &mut buf).len() + 3 + usize::from(*i < 0)
        }
        Frame::Bulk(b) | Frame::BulkError(b) => bulk_len(b.len()),
        Frame::NullBulk | Frame::NullArray => 5,
        Frame::Null => 3,
        Frame::Boolean(_) => 4,
        Frame::Double(d) => {
            let mut c = Counter(0);
            // Writing into a counter cannot fail.
            let _ = write!(c, "{}", DoubleText(*d));
            c.0 + 3
        }
        Frame::Verbatim { text, .. } => bulk_len(text.len() + 4),
        Frame::Array(v) | Frame::Set(v) | Frame::Push(v) => {
            header_len(v.len() as u64) + v.iter().map(frame_len).sum::<usize>()
        }
        Frame::Map(p) => header_len(p.len() as u64) + pairs_len(p),
        Frame::Attribute { attributes, data } => {
            header_len(attributes.len() as u64) + pairs_len(attributes) + frame_len(data)
        }
    }
}

fn pairs_len(p: &[(Frame, Frame)]) -> usize {
    p.iter().map(|(k, v)| frame_len(k) + frame_len(v)).sum()
}

fn bulk_len(n: usize) -> usize {
    header_len(n as u64) + n + 2
}

fn header_len(n: u64) -> usize {
    let mut buf = [0u8; 20];
    fmt_u64(n, &mut buf).len() + 3
}

fn header(dst: &mut BytesMut, tag: u8, n: u64) {
    dst.reserve(23);
    header_unreserved(dst, tag, n);
}

#[inline]
fn header_unreserved(dst: &mut BytesMut, tag: u8, n: u64) {
    let mut buf = [0u8; 20];
    let digits = fmt_u64(n, &mut buf);
    dst.put_u8(tag);
    dst.put_slice(digits);
    dst.put_slice(b"\r\n");
}

fn line(dst: &mut BytesMut, tag: u8, s: &[u8]) {
    dst.reserve(s.len() + 3);
    dst.put_u8(tag);
    if memchr::memchr2(b'\r', b'\n', s).is_none() {
        dst.put_slice(s);
    } else {
        dst.extend(
            s.iter()
                .map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }),
        );
    }
    dst.put_slice(b"\r\n");
}

/// Writes `n` in decimal at the end of `buf`, returning the digits.
#[inline]
pub(crate) fn fmt_u64(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

fn write_double(dst: &mut BytesMut, v: f64) {
    // BytesMut's fmt::Write never fails.
    let _ = write!(dst, "{}", DoubleText(v));
}

/// Formats a double as RESP3 writes it.
struct DoubleText(f64);

impl std::fmt::Display for DoubleText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.0;
        if v.is_nan() {
            f.write_str("nan")
        } else if v.is_infinite() {
            f.write_str(if v > 0.0 { "inf" } else { "-inf" })
        } else {
            // `{:?}` is the shortest text that parses back to the same value, with an
            // exponent for very large/small magnitudes ("1e300").
            write!(f, "{v:?}")
        }
    }
}

struct Counter(usize);

impl std::fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}
