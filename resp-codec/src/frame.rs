//! The [`Frame`] type: one RESP2 or RESP3 value.

use bytes::{Bytes, BytesMut};

/// One RESP value, RESP2 or RESP3.
///
/// Byte payloads are [`Bytes`] sliced from the decoder's read buffer: decoding copies no
/// payload (the only exception is an inline command whose quoted arguments hold escapes).
///
/// The three nulls are kept apart so that re-encoding a decoded frame gives the same bytes:
/// RESP2 `$-1` is [`NullBulk`](Frame::NullBulk), RESP2 `*-1` is
/// [`NullArray`](Frame::NullArray), RESP3 `_` is [`Null`](Frame::Null); use
/// [`Frame::is_null`] to test for any of them.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// `+OK`: a simple string (no CR or LF inside).
    Simple(Bytes),
    /// `-ERR message`: an error reply, without the `-`.
    Error(Bytes),
    /// `:42`: a signed 64-bit integer.
    Integer(i64),
    /// `$3\r\nfoo\r\n`: a bulk string (binary safe).
    Bulk(Bytes),
    /// `$-1\r\n`: RESP2 null bulk string.
    NullBulk,
    /// `*2\r\n...`: an array.
    Array(Vec<Frame>),
    /// `*-1\r\n`: RESP2 null array.
    NullArray,
    /// `_\r\n`: RESP3 null.
    Null,
    /// `#t` / `#f`: RESP3 boolean.
    Boolean(bool),
    /// `,3.14`: RESP3 double, including `inf`, `-inf` and `nan`. Re-encoding writes Rust's
    /// shortest round-trip form, which may differ in text (not in value) from what a server
    /// sent (`%.17g`).
    Double(f64),
    /// `(3492890328409238509324850943850943825024385`: RESP3 big number, its decimal digits
    /// (with an optional leading sign) as sent.
    BigNumber(Bytes),
    /// `!21\r\nSYNTAX invalid syntax\r\n`: RESP3 bulk error.
    BulkError(Bytes),
    /// `=15\r\ntxt:Some string\r\n`: RESP3 verbatim string.
    Verbatim {
        /// The three-byte format, e.g. `txt` or `mkd`.
        format: [u8; 3],
        /// The text after `xxx:`.
        text: Bytes,
    },
    /// `%2\r\n...`: RESP3 map, as ordered key/value pairs.
    Map(Vec<(Frame, Frame)>),
    /// `~3\r\n...`: RESP3 set.
    Set(Vec<Frame>),
    /// `|1\r\n<key><value><data>`: RESP3 attribute pairs and the reply they annotate, which
    /// follows them on the wire and belongs to the same frame.
    Attribute {
        /// The attribute key/value pairs.
        attributes: Vec<(Frame, Frame)>,
        /// The reply the attributes annotate.
        data: Box<Frame>,
    },
    /// `>3\r\n...`: RESP3 out-of-band push; the first element names the kind (`message`,
    /// `invalidate`, ...).
    Push(Vec<Frame>),
}

impl Frame {
    /// A bulk string frame.
    pub fn bulk(b: impl Into<Bytes>) -> Frame {
        Frame::Bulk(b.into())
    }

    /// A simple string frame.
    pub fn simple(s: impl Into<Bytes>) -> Frame {
        Frame::Simple(s.into())
    }

    /// A short name of the frame's type: `"simple string"`, `"bulk string"`, `"array"`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            Frame::Simple(_) => "simple string",
            Frame::Error(_) => "error",
            Frame::Integer(_) => "integer",
            Frame::Bulk(_) => "bulk string",
            Frame::NullBulk => "null bulk string",
            Frame::Array(_) => "array",
            Frame::NullArray => "null array",
            Frame::Null => "null",
            Frame::Boolean(_) => "boolean",
            Frame::Double(_) => "double",
            Frame::BigNumber(_) => "big number",
            Frame::BulkError(_) => "bulk error",
            Frame::Verbatim { .. } => "verbatim string",
            Frame::Map(_) => "map",
            Frame::Set(_) => "set",
            Frame::Attribute { .. } => "attribute",
            Frame::Push(_) => "push",
        }
    }

    /// Whether this is any of the nulls (`$-1`, `*-1`, `_`).
    pub fn is_null(&self) -> bool {
        matches!(self, Frame::NullBulk | Frame::NullArray | Frame::Null)
    }

    /// Whether this is an error reply (`-` or `!`).
    pub fn is_error(&self) -> bool {
        matches!(self, Frame::Error(_) | Frame::BulkError(_))
    }

    /// The message of an error reply (`-` or `!`).
    pub fn error_message(&self) -> Option<&Bytes> {
        match self {
            Frame::Error(b) | Frame::BulkError(b) => Some(b),
            _ => None,
        }
    }

    /// The bytes of a simple string, bulk string or verbatim string (its text).
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match self {
            Frame::Simple(b) | Frame::Bulk(b) | Frame::Verbatim { text: b, .. } => Some(b),
            _ => None,
        }
    }

    /// The value of an integer frame.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Frame::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The elements of an array, set or push.
    pub fn as_array(&self) -> Option<&[Frame]> {
        match self {
            Frame::Array(v) | Frame::Set(v) | Frame::Push(v) => Some(v),
            _ => None,
        }
    }

    /// The pairs of a map (or of an attribute's attributes).
    pub fn as_map(&self) -> Option<&[(Frame, Frame)]> {
        match self {
            Frame::Map(v) | Frame::Attribute { attributes: v, .. } => Some(v),
            _ => None,
        }
    }

    /// The frame without attributes: for [`Frame::Attribute`] its (innermost) data, else
    /// `self`.
    pub fn without_attributes(&self) -> &Frame {
        let mut f = self;
        while let Frame::Attribute { data, .. } = f {
            f = data;
        }
        f
    }

    /// Appends the frame's RESP encoding to `dst`; see [`encode_frame`](crate::encode_frame).
    pub fn encode(&self, dst: &mut BytesMut) {
        crate::encode::encode_frame(dst, self);
    }

    /// The number of bytes [`encode`](Frame::encode) appends.
    pub fn encoded_len(&self) -> usize {
        crate::encode::frame_len(self)
    }
}
