//! Reading one element: its type byte, its line, its payload; inline command lines; the
//! number grammars.

use bytes::{Buf, Bytes, BytesMut};

use super::{BulkKind, Decoded, Decoder, ListKind, Pending, Protocol, Step};
use crate::error::DecodeError;
use crate::frame::Frame;
use crate::limits::Limit;

impl Decoder {
    pub(super) fn err_offset(&self, i: usize) -> u64 {
        self.position + i as u64
    }

    pub(super) fn check_tag(&self, tag: u8) -> Result<(), DecodeError> {
        match tag {
            b'+' | b'-' | b':' | b'$' | b'*' => Ok(()),
            b'_' | b'#' | b',' | b'(' | b'!' | b'=' | b'%' | b'~' | b'|' | b'>' | b';' | b'.' => {
                if self.protocol == Protocol::Resp2 {
                    Err(DecodeError::Resp3InResp2 {
                        byte: tag,
                        offset: self.position,
                    })
                } else if tag == b';' || tag == b'.' {
                    Err(DecodeError::StreamedUnsupported {
                        offset: self.position,
                    })
                } else {
                    Ok(())
                }
            }
            _ => Err(DecodeError::InvalidType {
                byte: tag,
                offset: self.position,
            }),
        }
    }

    /// Finds the CR of the CRLF ending the line at the front of `src`, resuming the search
    /// where the previous call stopped.
    pub(super) fn find_line_end(
        &mut self,
        src: &[u8],
        limit: Limit,
    ) -> Result<Option<usize>, DecodeError> {
        let from = self.scanned.max(1);
        match memchr::memchr2(b'\r', b'\n', src.get(from..).unwrap_or(&[])) {
            Some(i) => {
                let cr = from + i;
                self.check_line_limit(cr - 1, limit)?;
                if src[cr] == b'\n' {
                    // A bare LF inside a line: not RESP (lines end in CRLF and carry neither).
                    return Err(DecodeError::ExpectedCrlf {
                        offset: self.err_offset(cr),
                    });
                }
                match src.get(cr + 1) {
                    Some(b'\n') => {
                        self.scanned = 0;
                        Ok(Some(cr))
                    }
                    Some(_) => Err(DecodeError::ExpectedCrlf {
                        offset: self.err_offset(cr),
                    }),
                    None => {
                        self.scanned = cr;
                        Ok(None)
                    }
                }
            }
            None => {
                self.scanned = src.len();
                self.check_line_limit(src.len().saturating_sub(1), limit)?;
                Ok(None)
            }
        }
    }

    pub(super) fn check_line_limit(&self, len: usize, limit: Limit) -> Result<(), DecodeError> {
        let max = match limit {
            Limit::BulkLen => self.limits.max_bulk_len,
            _ => self.limits.max_inline_len as u64,
        };
        if len as u64 > max {
            return Err(DecodeError::LimitExceeded {
                limit,
                value: len as u64,
                max,
                offset: self.position,
            });
        }
        Ok(())
    }

    /// Consumes the complete line `src[..cr + 2]` and says what it is.
    pub(super) fn parse_line(
        &mut self,
        src: &mut BytesMut,
        tag: u8,
        cr: usize,
    ) -> Result<Step, DecodeError> {
        let offset = self.position;
        let step = match tag {
            b'+' | b'-' | b'(' => {
                src.advance(1);
                let text = src.split_to(cr - 1).freeze();
                src.advance(2);
                self.consume(cr + 2);
                return Ok(Step::Frame(match tag {
                    b'+' => Frame::Simple(text),
                    b'-' => Frame::Error(text),
                    _ => {
                        if !is_big_number(&text) {
                            return Err(DecodeError::InvalidBigNumber { offset });
                        }
                        Frame::BigNumber(text)
                    }
                }));
            }
            _ => {
                let line = &src[1..cr];
                match tag {
                    b':' => Step::Frame(Frame::Integer(parse_i64(line).ok_or(
                        DecodeError::InvalidNumber {
                            what: "integer",
                            offset,
                        },
                    )?)),
                    b'$' | b'!' | b'=' => {
                        let kind = match tag {
                            b'$' => BulkKind::Bulk,
                            b'!' => BulkKind::Error,
                            _ => BulkKind::Verbatim,
                        };
                        match self.parse_len(line, "bulk length", Limit::BulkLen)? {
                            None if tag == b'$' => Step::Frame(Frame::NullBulk),
                            None => {
                                return Err(DecodeError::InvalidNumber {
                                    what: "bulk length",
                                    offset,
                                })
                            }
                            Some(n) => Step::Bulk(kind, n),
                        }
                    }
                    b'*' => match self.parse_len(line, "array length", Limit::AggregateLen)? {
                        None => Step::Frame(Frame::NullArray),
                        Some(n) => self.open(Step::List(ListKind::Array, n))?,
                    },
                    b'~' | b'>' | b'%' | b'|' => {
                        let n = self
                            .parse_len(line, "aggregate length", Limit::AggregateLen)?
                            .ok_or(DecodeError::InvalidNumber {
                                what: "aggregate length",
                                offset,
                            })?;
                        self.open(match tag {
                            b'~' => Step::List(ListKind::Set, n),
                            b'>' => Step::List(ListKind::Push, n),
                            b'%' => Step::Pairs(true, n),
                            _ => Step::Pairs(false, n),
                        })?
                    }
                    b'_' if line.is_empty() => Step::Frame(Frame::Null),
                    b'_' => return Err(DecodeError::ExpectedCrlf { offset: offset + 1 }),
                    b'#' => match line {
                        b"t" => Step::Frame(Frame::Boolean(true)),
                        b"f" => Step::Frame(Frame::Boolean(false)),
                        _ => return Err(DecodeError::InvalidBoolean { offset }),
                    },
                    b',' => Step::Frame(Frame::Double(
                        parse_double(line).ok_or(DecodeError::InvalidDouble { offset })?,
                    )),
                    _ => return Err(DecodeError::InvalidType { byte: tag, offset }),
                }
            }
        };
        src.advance(cr + 2);
        self.consume(cr + 2);
        Ok(step)
    }

    /// A length line: `Ok(None)` for `-1`, checked against `limit`.
    pub(super) fn parse_len(
        &self,
        line: &[u8],
        what: &'static str,
        limit: Limit,
    ) -> Result<Option<usize>, DecodeError> {
        let offset = self.position;
        if line == b"?" {
            return Err(DecodeError::StreamedUnsupported { offset });
        }
        let n = parse_i64(line).ok_or(DecodeError::InvalidNumber { what, offset })?;
        if n == -1 {
            return Ok(None);
        }
        let n = u64::try_from(n).map_err(|_| DecodeError::InvalidNumber { what, offset })?;
        let max = match limit {
            Limit::BulkLen => self.limits.max_bulk_len,
            _ => self.limits.max_aggregate_len,
        };
        if n > max {
            return Err(DecodeError::LimitExceeded {
                limit,
                value: n,
                max,
                offset,
            });
        }
        usize::try_from(n)
            .map(Some)
            .map_err(|_| DecodeError::LimitExceeded {
                limit,
                value: n,
                max: usize::MAX as u64,
                offset,
            })
    }

    /// Checks the depth before an aggregate is opened.
    pub(super) fn open(&self, step: Step) -> Result<Step, DecodeError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(DecodeError::LimitExceeded {
                limit: Limit::Depth,
                value: self.stack.len() as u64 + 1,
                max: self.limits.max_depth as u64,
                offset: self.position,
            });
        }
        Ok(step)
    }

    /// Takes a bulk payload and its CRLF if all there.
    pub(super) fn take_payload(
        &mut self,
        src: &mut BytesMut,
        p: Pending,
    ) -> Result<Option<Frame>, DecodeError> {
        let Some(end) = src.get(p.len..p.len + 2) else {
            return Ok(None);
        };
        if end != b"\r\n" {
            return Err(DecodeError::ExpectedCrlf {
                offset: self.err_offset(p.len),
            });
        }
        if let BulkKind::Verbatim = p.kind {
            if p.len < 4 || src[3] != b':' {
                return Err(DecodeError::InvalidVerbatim {
                    offset: self.position,
                });
            }
        }
        let data = src.split_to(p.len).freeze();
        src.advance(2);
        self.consume(p.len + 2);
        Ok(Some(match p.kind {
            BulkKind::Bulk => Frame::Bulk(data),
            BulkKind::Error => Frame::BulkError(data),
            BulkKind::Verbatim => verbatim(data),
        }))
    }

    /// `Some(Some(d))`: an inline command; `Some(None)`: an empty line was skipped;
    /// `None`: need more bytes.
    pub(super) fn decode_inline(
        &mut self,
        src: &mut BytesMut,
    ) -> Result<Option<Option<Decoded>>, DecodeError> {
        let max = self.limits.max_inline_len;
        let from = self.scanned;
        let Some(i) = memchr::memchr(b'\n', src.get(from..).unwrap_or(&[])) else {
            self.scanned = src.len();
            if src.len() > max {
                return Err(DecodeError::LimitExceeded {
                    limit: Limit::InlineLen,
                    value: src.len() as u64,
                    max: max as u64,
                    offset: self.position,
                });
            }
            return Ok(None);
        };
        let lf = from + i;
        self.scanned = 0;
        if lf > max {
            return Err(DecodeError::LimitExceeded {
                limit: Limit::InlineLen,
                value: lf as u64,
                max: max as u64,
                offset: self.position,
            });
        }
        let offset = self.position;
        let line = src.split_to(lf + 1).freeze();
        let text = line.slice(..lf - usize::from(lf > 0 && line[lf - 1] == b'\r'));
        let args =
            crate::inline::split_args(&text).ok_or(DecodeError::UnbalancedQuotes { offset })?;
        if args.is_empty() {
            self.skip(lf + 1);
            return Ok(Some(None));
        }
        self.consume(lf + 1);
        let frame = Frame::Array(args.into_iter().map(Frame::Bulk).collect());
        Ok(Some(Some(self.finish(frame))))
    }
}

fn verbatim(data: Bytes) -> Frame {
    let mut format = [0u8; 3];
    format.copy_from_slice(&data[..3]);
    Frame::Verbatim {
        format,
        text: data.slice(4..),
    }
}

fn is_big_number(b: &[u8]) -> bool {
    let digits = match b.first() {
        Some(b'-') | Some(b'+') => &b[1..],
        _ => b,
    };
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// A decimal `i64`: optional `-`, 1 to 19 digits, no overflow.
#[inline]
pub(crate) fn parse_i64(line: &[u8]) -> Option<i64> {
    let (neg, digits) = match line.first()? {
        b'-' => (true, &line[1..]),
        _ => (false, line),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
    }
    if neg {
        if n > i64::MAX as u64 + 1 {
            return None;
        }
        Some((n as i64).wrapping_neg())
    } else {
        i64::try_from(n).ok()
    }
}

pub(crate) fn parse_double(line: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(line).ok()?;
    match s {
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" | "-nan" => Some(f64::NAN),
        _ if s
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E')) =>
        {
            s.parse().ok()
        }
        _ => None,
    }
}
