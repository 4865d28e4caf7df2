//! The sans-IO, resumable [`Decoder`].

use bytes::{Buf, Bytes, BytesMut};

use crate::command::Command;
use crate::error::DecodeError;
use crate::frame::Frame;
use crate::limits::{Limit, Limits};

/// Which RESP version the peer speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// RESP2 (the default of every server): RESP3-only type bytes are an error.
    #[default]
    Resp2,
    /// RESP3 (after `HELLO 3` on Redis 6.0+): every type is accepted.
    Resp3,
}

/// A decoded frame with its exact size on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The frame.
    pub frame: Frame,
    /// The frame's bytes on the wire, exactly as received (its header, payloads, CRLFs,
    /// and for an inline command its line end).
    pub wire_len: usize,
    /// Keepalive bytes (lone `\n`, or empty inline lines) consumed since the previous
    /// frame, not part of `wire_len`. Always 0 unless [`Decoder::skip_keepalives`] or
    /// [`Decoder::inline_commands`] is on.
    pub skipped: usize,
}

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

/// A resumable RESP2/RESP3 decoder: feed it a growing [`BytesMut`], get frames out.
///
/// # Resumability and cost
/// Completed elements are cut off `src` as soon as they are whole (`split_to().freeze()`,
/// no copy), and the partial frame's state (open aggregates, a bulk header awaiting its
/// payload, how far an unterminated line was already searched) is kept in the decoder. So
/// a frame arriving in 1-byte or 4 KiB pieces costs about the same as in one piece:
/// decoding is linear in the input. `Ok(None)` means "need more bytes" and is never an
/// error.
///
/// # Byte ownership (raw mode)
/// While a frame is incomplete, the decoder may hold bytes of it that it already took from
/// `src`. **Once `decode` returns a frame, the decoder holds nothing**: every byte after
/// that frame is still in `src`, untouched. A caller may then take bytes out of `src`
/// itself — e.g. the RDB payload after `+FULLRESYNC` — and later resume decoding with the
/// same decoder on whatever follows; no byte is lost or counted twice.
/// [`is_idle`](Decoder::is_idle) tells whether a frame is in progress. With tokio-util,
/// `FramedRead::read_buffer_mut()` or `into_parts()` give access to `src`.
///
/// # Errors
/// A malformed stream is a [`DecodeError`] carrying the stream offset; afterwards the
/// decoder is poisoned and returns that error again on every call (no spinning).
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    limits: Limits,
    protocol: Protocol,
    inline: bool,
    keepalives: bool,
    stack: Vec<Agg>,
    pending: Option<Pending>,
    /// Bytes of the current frame already consumed from `src`.
    frame_len: usize,
    /// How much of the unterminated line at the front of `src` was already searched.
    scanned: usize,
    skipped: usize,
    skipped_total: u64,
    position: u64,
    failed: Option<DecodeError>,
    /// Scratch for the fast path's element headers.
    heads: Vec<crate::fast::Head>,
}

#[derive(Debug, Clone, Copy)]
enum BulkKind {
    Bulk,
    Error,
    Verbatim,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    kind: BulkKind,
    len: usize,
}

#[derive(Debug, Clone, Copy)]
enum ListKind {
    Array,
    Set,
    Push,
}

#[derive(Debug, Clone)]
enum Agg {
    List {
        kind: ListKind,
        remaining: usize,
        items: Vec<Frame>,
    },
    Pairs {
        map: bool,
        remaining: usize,
        pairs: Vec<(Frame, Frame)>,
        key: Option<Frame>,
    },
    AttrData {
        attributes: Vec<(Frame, Frame)>,
    },
}

/// What a header line turned into.
enum Step {
    Frame(Frame),
    Bulk(BulkKind, usize),
    List(ListKind, usize),
    Pairs(bool, usize),
}

impl Decoder {
    /// A RESP2 decoder with [`Limits::DEFAULT`], no inline commands, no keepalive skipping.
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Sets the protocol (builder style).
    pub fn with_protocol(mut self, protocol: Protocol) -> Decoder {
        self.protocol = protocol;
        self
    }

    /// Sets the limits (builder style).
    pub fn with_limits(mut self, limits: Limits) -> Decoder {
        self.limits = limits;
        self
    }

    /// Decode requests as a server does (builder style): a frame starting with `*` is a
    /// multibulk, anything else is an inline command line (up to `\n`, optional `\r`,
    /// split as shell words with Redis's quoting rules, at most
    /// [`Limits::max_inline_len`] bytes), returned as an array of bulk strings whose
    /// `wire_len` is the line's length. Empty lines are skipped and counted in
    /// [`Decoded::skipped`].
    pub fn inline_commands(mut self, on: bool) -> Decoder {
        self.inline = on;
        self
    }

    /// Skip lone `\n` bytes before a frame (builder style), as a replica must: a master
    /// sends them as keepalives before `+FULLRESYNC` and before the RDB's `$`. They are
    /// counted in [`Decoded::skipped`] and [`skipped_total`](Decoder::skipped_total),
    /// never in `wire_len`.
    pub fn skip_keepalives(mut self, on: bool) -> Decoder {
        self.keepalives = on;
        self
    }

    /// Switches the protocol from the next frame on (e.g. after the reply to `HELLO 3`).
    pub fn set_protocol(&mut self, protocol: Protocol) {
        self.protocol = protocol;
    }

    /// Turns keepalive skipping on or off from the next frame on.
    pub fn set_skip_keepalives(&mut self, on: bool) {
        self.keepalives = on;
    }

    /// The protocol in use.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The limits in use.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Total bytes this decoder consumed from its inputs (frames and skipped keepalives).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Total keepalive bytes skipped so far.
    pub fn skipped_total(&self) -> u64 {
        self.skipped_total
    }

    /// Whether no frame is in progress: the decoder holds no bytes, everything not yet
    /// returned as a frame is still in the caller's buffer.
    pub fn is_idle(&self) -> bool {
        self.frame_len == 0 && self.stack.is_empty() && self.pending.is_none()
    }

    /// Decodes the next frame from the front of `src`, removing its bytes.
    ///
    /// `Ok(None)`: more bytes are needed (bytes of a partial frame may have been taken into
    /// the decoder's state; call again with `src` extended).
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Decoded>, DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.decode_inner(src);
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    /// Like [`decode`](Decoder::decode), then views the frame as a [`Command`]; a frame that
    /// is not a non-empty array of bulk strings is [`DecodeError::NotACommand`].
    pub fn decode_command(&mut self, src: &mut BytesMut) -> Result<Option<Command>, DecodeError> {
        let Some(d) = self.decode(src)? else {
            return Ok(None);
        };
        let offset = self.position - d.wire_len as u64;
        Command::from_frame(d.frame, d.wire_len)
            .map(Some)
            .map_err(|f| {
                let e = DecodeError::NotACommand {
                    found: f.kind(),
                    offset,
                };
                self.failed = Some(e.clone());
                e
            })
    }

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
    /// by [`Limits::max_bulk_len`] (Redis exempts its master too); the line is limited by
    /// [`Limits::max_inline_len`]. Call it only while [`is_idle`](Decoder::is_idle).
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

    fn decode_inner(&mut self, src: &mut BytesMut) -> Result<Option<Decoded>, DecodeError> {
        loop {
            if let Some(p) = self.pending {
                let Some(frame) = self.take_payload(src, p)? else {
                    return Ok(None);
                };
                self.pending = None;
                if let Some(f) = self.complete(frame) {
                    return Ok(Some(self.finish(f)));
                }
                continue;
            }
            if self.frame_len == 0 && self.stack.is_empty() {
                if self.keepalives && !self.inline {
                    let n = src.iter().take_while(|&&b| b == b'\n').count();
                    if n > 0 {
                        src.advance(n);
                        self.skip(n);
                    }
                }
                if self.inline && src.first().is_some_and(|&b| b != b'*') {
                    match self.decode_inline(src)? {
                        Some(Some(d)) => return Ok(Some(d)),
                        Some(None) => continue,
                        None => return Ok(None),
                    }
                }
            }
            let Some(&tag) = src.first() else {
                return Ok(None);
            };
            if self.frame_len == 0 && self.stack.is_empty() {
                if let Some(d) = self.try_fast(src)? {
                    return Ok(Some(d));
                }
            }
            let line_limit = match tag {
                b'+' | b'-' | b'(' => Limit::BulkLen,
                _ => Limit::InlineLen,
            };
            self.check_tag(tag)?;
            let Some(cr) = self.find_line_end(src, line_limit)? else {
                return Ok(None);
            };
            let step = self.parse_line(src, tag, cr)?;
            let frame = match step {
                Step::Frame(f) => f,
                Step::Bulk(kind, len) => {
                    self.pending = Some(Pending { kind, len });
                    continue;
                }
                Step::List(kind, n) => {
                    if n == 0 {
                        list_frame(kind, Vec::new())
                    } else {
                        let cap = n.min(src.len() / 3);
                        self.stack.push(Agg::List {
                            kind,
                            remaining: n,
                            items: Vec::with_capacity(cap),
                        });
                        continue;
                    }
                }
                Step::Pairs(map, n) => {
                    if n == 0 && map {
                        Frame::Map(Vec::new())
                    } else if n == 0 {
                        self.stack.push(Agg::AttrData {
                            attributes: Vec::new(),
                        });
                        continue;
                    } else {
                        let cap = n.min(src.len() / 6);
                        self.stack.push(Agg::Pairs {
                            map,
                            remaining: n,
                            pairs: Vec::with_capacity(cap),
                            key: None,
                        });
                        continue;
                    }
                }
            };
            if let Some(f) = self.complete(frame) {
                return Ok(Some(self.finish(f)));
            }
        }
    }

    /// The fast path for a frame that is wholly buffered (see `fast.rs`). Skipped once a
    /// partial line was seen (`scanned > 0`), so a long line arriving in pieces is never
    /// re-measured.
    fn try_fast(&mut self, src: &mut BytesMut) -> Result<Option<Decoded>, DecodeError> {
        if self.scanned > 0 {
            return Ok(None);
        }
        let resp3 = self.protocol == Protocol::Resp3;
        let Some(len) = crate::fast::measure(src, &self.limits, resp3, &mut self.heads) else {
            return Ok(None);
        };
        let offset = self.position;
        let all = src.split_to(len).freeze();
        let mut heads = self.heads.iter();
        let frame = crate::fast::build(&all, &mut heads);
        let all_used = heads.next().is_none();
        if self.heads.capacity() > 1 << 16 {
            self.heads = Vec::new(); // do not keep a big frame's scratch around
        }
        self.consume(len);
        match frame {
            Some(f) if all_used => Ok(Some(self.finish(f))),
            // `measure` and `build` share one header parser and cannot disagree; should
            // they ever, fail cleanly rather than panic.
            _ => Err(DecodeError::InvalidType {
                byte: all.first().copied().unwrap_or(0),
                offset,
            }),
        }
    }

    fn skip(&mut self, n: usize) {
        self.skipped += n;
        self.skipped_total += n as u64;
        self.position += n as u64;
    }

    fn consume(&mut self, n: usize) {
        self.frame_len += n;
        self.position += n as u64;
    }

    fn finish(&mut self, frame: Frame) -> Decoded {
        let d = Decoded {
            frame,
            wire_len: self.frame_len,
            skipped: self.skipped,
        };
        self.frame_len = 0;
        self.skipped = 0;
        d
    }

    fn err_offset(&self, i: usize) -> u64 {
        self.position + i as u64
    }

    fn check_tag(&self, tag: u8) -> Result<(), DecodeError> {
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
    fn find_line_end(&mut self, src: &[u8], limit: Limit) -> Result<Option<usize>, DecodeError> {
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

    fn check_line_limit(&self, len: usize, limit: Limit) -> Result<(), DecodeError> {
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
    fn parse_line(&mut self, src: &mut BytesMut, tag: u8, cr: usize) -> Result<Step, DecodeError> {
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
    fn parse_len(
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
    fn open(&self, step: Step) -> Result<Step, DecodeError> {
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
    fn take_payload(
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

    /// Adds a finished element to the open aggregates; returns the top-level frame when it
    /// is complete.
    fn complete(&mut self, mut frame: Frame) -> Option<Frame> {
        loop {
            let Some(top) = self.stack.last_mut() else {
                return Some(frame);
            };
            let data = match top {
                Agg::List {
                    remaining, items, ..
                } => {
                    items.push(frame);
                    *remaining -= 1;
                    if *remaining > 0 {
                        return None;
                    }
                    None
                }
                Agg::Pairs {
                    remaining,
                    pairs,
                    key,
                    ..
                } => match key.take() {
                    None => {
                        *key = Some(frame);
                        return None;
                    }
                    Some(k) => {
                        pairs.push((k, frame));
                        *remaining -= 1;
                        if *remaining > 0 {
                            return None;
                        }
                        None
                    }
                },
                Agg::AttrData { .. } => Some(frame),
            };
            // The top aggregate is complete (or received its annotated data).
            frame = match (self.stack.pop()?, data) {
                (Agg::List { kind, items, .. }, _) => list_frame(kind, items),
                (
                    Agg::Pairs {
                        map: true, pairs, ..
                    },
                    _,
                ) => Frame::Map(pairs),
                (
                    Agg::Pairs {
                        map: false, pairs, ..
                    },
                    _,
                ) => {
                    self.stack.push(Agg::AttrData { attributes: pairs });
                    return None;
                }
                (Agg::AttrData { attributes }, Some(d)) => Frame::Attribute {
                    attributes,
                    data: Box::new(d),
                },
                (Agg::AttrData { .. }, None) => return None,
            };
        }
    }

    /// `Some(Some(d))`: an inline command; `Some(None)`: an empty line was skipped;
    /// `None`: need more bytes.
    fn decode_inline(
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

fn list_frame(kind: ListKind, items: Vec<Frame>) -> Frame {
    match kind {
        ListKind::Array => Frame::Array(items),
        ListKind::Set => Frame::Set(items),
        ListKind::Push => Frame::Push(items),
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
