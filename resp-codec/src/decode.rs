//! The sans-IO, resumable [`Decoder`].

use bytes::{Buf, BytesMut};

use crate::command::Command;
use crate::error::DecodeError;
use crate::frame::Frame;
use crate::limits::{Limit, Limits};

mod line;
mod raw;

pub(crate) use line::parse_double;
pub use raw::{PayloadHeader, PayloadLen};

/// The fast path's header scratch is kept between frames up to this many entries (96 KiB);
/// a bigger one (from a big frame) is freed, so an idle decoder stays small.
const MAX_KEPT_HEADS: usize = 4096;

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

/// A resumable RESP2/RESP3 decoder: feed it a growing [`BytesMut`], get frames out.
///
/// # Resumability and cost
/// Completed elements are cut off `src` as soon as they are whole (`split_to().freeze()`,
/// no copy), and the partial frame's state (open aggregates, a bulk header awaiting its
/// payload, how far an unterminated line was already searched) is kept in the decoder. So
/// a frame arriving in 1-byte or 4 KiB pieces costs about the same as in one piece:
/// decoding is linear in the input. `Ok(None)` means "need more bytes" and is never an
/// error. When a whole frame is already buffered (the common case for replies and
/// pipelined commands), a fast path measures it in one pass, splits it off once and builds
/// the frame from that single buffer; the resumable path takes over for anything partial.
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
    /// [`Decoded::skipped`]. A multibulk `*0` or `*-1` is returned as it is (an empty
    /// array, a null array) — Redis ignores those; the caller decides.
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
            if !self.stack.is_empty() && self.scanned == 0 {
                if let Some(f) = self.fast_leaves(src)? {
                    return Ok(Some(self.finish(f)));
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
        if let Some(a) = crate::fast::bulk_array(src, &self.limits) {
            let all = src.split_to(a.len).freeze();
            let items = a.spans[..a.n]
                .iter()
                .map(|&(s, l)| Frame::Bulk(all.slice(s..s + l)))
                .collect();
            self.consume(a.len);
            return Ok(Some(self.finish(Frame::Array(items))));
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
        if self.heads.capacity() > MAX_KEPT_HEADS {
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

    /// Inside an aggregate: takes the complete leaf elements already buffered in one go
    /// (one split, no per-element state machine). Returns the top-level frame if they
    /// complete it.
    fn fast_leaves(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, DecodeError> {
        let max = match self.stack.last() {
            Some(Agg::List { remaining, .. }) => *remaining,
            Some(Agg::Pairs { remaining, key, .. }) => {
                remaining.saturating_mul(2) - usize::from(key.is_some())
            }
            Some(Agg::AttrData { .. }) => 1,
            None => return Ok(None),
        };
        let resp3 = self.protocol == Protocol::Resp3;
        let len = crate::fast::leaves(src, max, &self.limits, resp3, &mut self.heads);
        if len == 0 {
            return Ok(None);
        }
        let offset = self.position;
        let all = src.split_to(len).freeze();
        self.consume(len);
        let heads = std::mem::take(&mut self.heads);
        let mut done = None;
        for h in &heads {
            let Some(frame) = crate::fast::build_leaf(&all, *h) else {
                // `leaves` and `build_leaf` share one header parser and cannot disagree.
                return Err(DecodeError::InvalidType {
                    byte: all[0],
                    offset,
                });
            };
            if let Some(f) = self.complete(frame) {
                done = Some(f);
            }
        }
        if heads.capacity() <= MAX_KEPT_HEADS {
            self.heads = heads;
        }
        Ok(done)
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
}

fn list_frame(kind: ListKind, items: Vec<Frame>) -> Frame {
    match kind {
        ListKind::Array => Frame::Array(items),
        ListKind::Set => Frame::Set(items),
        ListKind::Push => Frame::Push(items),
    }
}
