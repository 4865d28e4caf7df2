//! The one error type of the crate.

use crate::limits::Limit;

/// Why a byte stream is not valid RESP. "Need more input" is never an error: it is
/// `Ok(None)` from [`Decoder::decode`](crate::Decoder::decode).
///
/// Every variant carries `offset`: the position of the offending byte counted from the first
/// byte the [`Decoder`](crate::Decoder) ever consumed (so for a replication stream it is a
/// stream offset relative to where decoding started). After an error the decoder is
/// poisoned: every later call returns the same error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A frame starts with a byte that is no RESP type.
    #[error("invalid RESP type byte 0x{byte:02x} at byte {offset}")]
    InvalidType {
        /// The unexpected byte.
        byte: u8,
        /// Where it is.
        offset: u64,
    },
    /// A RESP3 type byte arrived while the decoder was set to RESP2.
    #[error("RESP3 type byte {:?} at byte {offset} while decoding RESP2 (send HELLO 3 and switch the decoder to RESP3 first)", *byte as char)]
    Resp3InResp2 {
        /// The RESP3 type byte.
        byte: u8,
        /// Where it is.
        offset: u64,
    },
    /// An integer, a length or a count line that is not a decimal number in range.
    #[error("invalid {what} at byte {offset}")]
    InvalidNumber {
        /// What was being read: `"integer"`, `"bulk length"`, `"aggregate length"`, ...
        what: &'static str,
        /// Where the line starts.
        offset: u64,
    },
    /// A double (`,`) line that is not a number, `inf`, `-inf` or `nan`.
    #[error("invalid double at byte {offset}")]
    InvalidDouble {
        /// Where the line starts.
        offset: u64,
    },
    /// A boolean (`#`) line that is not `t` or `f`.
    #[error("invalid boolean at byte {offset}")]
    InvalidBoolean {
        /// Where the line starts.
        offset: u64,
    },
    /// A big number (`(`) that is not an optionally signed run of digits.
    #[error("invalid big number at byte {offset}")]
    InvalidBigNumber {
        /// Where the line starts.
        offset: u64,
    },
    /// A verbatim string (`=`) shorter than 4 bytes or without the `xxx:` format prefix.
    #[error("invalid verbatim string at byte {offset}")]
    InvalidVerbatim {
        /// Where its payload starts.
        offset: u64,
    },
    /// A line ends in CR not followed by LF, or a bulk payload is not followed by CRLF.
    #[error("expected CRLF at byte {offset}")]
    ExpectedCrlf {
        /// Where CRLF should be.
        offset: u64,
    },
    /// An inline command with an unbalanced quote or a closing quote not followed by a space.
    #[error("unbalanced quotes in inline command at byte {offset}")]
    UnbalancedQuotes {
        /// Where the inline line starts.
        offset: u64,
    },
    /// A RESP3 streamed string or aggregate (`$?`, `*?`, `;`, `.`): Redis never emits them
    /// and this decoder does not accept them.
    #[error("RESP3 streamed types are not supported (at byte {offset})")]
    StreamedUnsupported {
        /// Where the frame starts.
        offset: u64,
    },
    /// A configured [`Limits`](crate::Limits) value was exceeded. Raised before anything
    /// is allocated or buffered for the oversized element.
    #[error("{limit} exceeded: {value} > {max} at byte {offset}")]
    LimitExceeded {
        /// Which limit.
        limit: Limit,
        /// The length, count or depth the input asked for (for an unterminated line: the
        /// bytes seen so far without its end).
        value: u64,
        /// The configured maximum.
        max: u64,
        /// Where the offending header (or line) starts.
        offset: u64,
    },
    /// [`Decoder::decode_command`](crate::Decoder::decode_command) got a frame that is not a
    /// non-empty array of bulk strings.
    #[error("expected a command (non-empty array of bulk strings), got {found} at byte {offset}")]
    NotACommand {
        /// The kind of frame found (see [`Frame::kind`](crate::Frame::kind)).
        found: &'static str,
        /// Where the frame starts.
        offset: u64,
    },
}

impl DecodeError {
    /// The stream offset the error refers to.
    pub fn offset(&self) -> u64 {
        match *self {
            DecodeError::InvalidType { offset, .. }
            | DecodeError::Resp3InResp2 { offset, .. }
            | DecodeError::InvalidNumber { offset, .. }
            | DecodeError::InvalidDouble { offset }
            | DecodeError::InvalidBoolean { offset }
            | DecodeError::InvalidBigNumber { offset }
            | DecodeError::InvalidVerbatim { offset }
            | DecodeError::ExpectedCrlf { offset }
            | DecodeError::UnbalancedQuotes { offset }
            | DecodeError::StreamedUnsupported { offset }
            | DecodeError::LimitExceeded { offset, .. }
            | DecodeError::NotACommand { offset, .. } => offset,
        }
    }
}
