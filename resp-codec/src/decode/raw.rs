//! Raw mode: the header of a payload that is not RESP (a replica's RDB), and handing bytes
//! back and forth between the decoder and its caller.

use bytes::{Buf, BytesMut};

use super::line::parse_i64;
use super::Decoder;
use crate::error::DecodeError;
use crate::limits::Limit;

/// The header of a raw payload; see [`Decoder::decode_payload_header`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadHeader {
    /// How the payload is delimited.
    pub payload: PayloadLen,
    /// The header line's bytes, CRLF included.
    pub wire_len: usize,
    /// Keepalive bytes skipped before the header.
    pub skipped: usize,
}

/// How a raw payload is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadLen {
    /// Exactly this many bytes follow.
    Exact(u64),
    /// Bytes follow until this 40-byte mark, which ends the payload (diskless sync).
    EofMark([u8; 40]),
}

impl Decoder {
    /// Raw mode: tells the decoder that the caller itself took `n` bytes of the stream out
    /// of the buffer (e.g. an RDB payload) while the decoder was idle. Adds `n` to
    /// [`position`](Decoder::position) and forgets any half-searched line, so decoding can
    /// resume on the bytes that follow. Returns `false` (and does nothing) if a frame is in
    /// progress, which would be a caller bug.
    #[must_use]
    pub fn note_raw_bytes(&mut self, n: u64) -> bool {
        if !self.is_idle() {
            return false;
        }
        self.scanned = 0;
        self.position += n;
        true
    }

    /// Raw mode: decodes the header of a raw payload, as a master sends the RDB after
    /// `+FULLRESYNC` — `$<len>\r\n` (then exactly `len` bytes, *no* trailing CRLF) or, for
    /// diskless sync, `$EOF:<40-byte mark>\r\n` (then bytes up to and including the mark)
    /// — and stops: the payload stays in `src` for the caller to take (then call
    /// [`note_raw_bytes`](Decoder::note_raw_bytes)). Keepalive `\n`s before it are skipped
    /// if [`skip_keepalives`](Decoder::skip_keepalives) is on. The length is not limited
    /// by [`Limits::max_bulk_len`](crate::Limits::max_bulk_len) (Redis exempts its master too); the line is limited by
    /// [`Limits::max_inline_len`](crate::Limits::max_inline_len). Call it only while [`is_idle`](Decoder::is_idle).
    pub fn decode_payload_header(
        &mut self,
        src: &mut BytesMut,
    ) -> Result<Option<PayloadHeader>, DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.payload_header_inner(src);
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn payload_header_inner(
        &mut self,
        src: &mut BytesMut,
    ) -> Result<Option<PayloadHeader>, DecodeError> {
        if self.keepalives {
            let n = src.iter().take_while(|&&b| b == b'\n').count();
            if n > 0 {
                src.advance(n);
                self.skip(n);
            }
        }
        let Some(&tag) = src.first() else {
            return Ok(None);
        };
        if tag != b'$' {
            return Err(DecodeError::InvalidType {
                byte: tag,
                offset: self.position,
            });
        }
        let Some(cr) = self.find_line_end(src, Limit::InlineLen)? else {
            return Ok(None);
        };
        let offset = self.position;
        let line = &src[1..cr];
        let payload = match line.strip_prefix(b"EOF:") {
            Some(mark) => {
                let mark: [u8; 40] = mark.try_into().map_err(|_| DecodeError::InvalidNumber {
                    what: "EOF mark",
                    offset,
                })?;
                PayloadLen::EofMark(mark)
            }
            None => {
                let n = parse_i64(line).and_then(|n| u64::try_from(n).ok());
                PayloadLen::Exact(n.ok_or(DecodeError::InvalidNumber {
                    what: "payload length",
                    offset,
                })?)
            }
        };
        src.advance(cr + 2);
        self.position += (cr + 2) as u64;
        let skipped = std::mem::take(&mut self.skipped);
        Ok(Some(PayloadHeader {
            payload,
            wire_len: cr + 2,
            skipped,
        }))
    }
}
