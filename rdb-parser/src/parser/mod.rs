//! The push parser: [`Parser`], its builder and the per-key [`View`].
//!
//! Internals: the parser never consumes part of an atomic unit (a length, a key, one
//! collection element, one encoded blob). Decoded batches are collected by scanning ahead
//! *without consuming*: items point into the caller's unconsumed input (which the caller
//! re-feeds unchanged) and into the parser's scratch buffer, and the scan position is kept,
//! so nothing is parsed twice and batches do not depend on how the input was chunked.

mod lzf;
mod module;
pub(crate) mod rd;
mod stream;
mod top;
mod value;

use crate::crc::Crc64;
use crate::error::{Error, ErrorKind};
use crate::event::{
    Elems, Event, Fed, Flavor, HashFields, Item, KeyStart, ModuleId, PelEntries, SlotRanges, Src,
    Step, StreamConsumer, StreamEntries, StreamGroup, StreamIds, StreamMeta, ZsetPairs,
};
use rd::{Rd, Stop};

/// Scanned bytes are consumed once this many accumulate (or at a need for more input).
const LAZY_CONSUME: usize = 32 << 10;

/// How the value of one key is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Decoded elements in bounded batches (strings in chunks).
    Decoded,
    /// The exact encoded value as one [`Event::RawValue`] if it is at most `max_len` bytes
    /// (type byte excluded); a larger value falls back to [`View::Decoded`] transparently,
    /// with nothing lost. The caller's buffer holds up to `max_len` bytes meanwhile.
    Raw {
        /// Largest encoded value delivered raw.
        max_len: usize,
    },
    /// No value events: the value is walked (and validated structurally) and skipped.
    Skip,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    pub verify_checksum: bool,
    pub batch_size: usize,
    pub batch_bytes: usize,
    pub string_chunk: usize,
    pub max_unit: usize,
    pub view: View,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            verify_checksum: true,
            batch_size: 1024,
            batch_bytes: 1 << 20,
            string_chunk: 64 << 10,
            max_unit: 1 << 30,
            view: View::Decoded,
        }
    }
}

/// Builds a [`Parser`] with non-default options.
#[derive(Debug, Clone, Default)]
pub struct ParserBuilder {
    o: Options,
}

impl ParserBuilder {
    /// Verify the trailing CRC-64 (default `true`). When `false` the checksum is not computed.
    pub fn verify_checksum(mut self, yes: bool) -> Self {
        self.o.verify_checksum = yes;
        self
    }
    /// Most entries per element batch (default 1024; at least 1).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.o.batch_size = n.max(1);
        self
    }
    /// A batch closes once its encoded bytes reach this (default 1 MiB). Bounds how much
    /// input the caller must hold for one batch (plus at most one element or blob).
    pub fn batch_bytes(mut self, n: usize) -> Self {
        self.o.batch_bytes = n.max(1);
        self
    }
    /// Size of [`Event::StringChunk`]s for raw (uncompressed) string values (default 64 KiB).
    pub fn string_chunk(mut self, n: usize) -> Self {
        self.o.string_chunk = n.max(1);
        self
    }
    /// Largest atomic unit accepted: key, element, encoded blob, compressed string
    /// (default 1 GiB). Larger length fields are rejected at once as [`ErrorKind::TooLarge`].
    pub fn max_unit_len(mut self, n: usize) -> Self {
        self.o.max_unit = n.max(16);
        self
    }
    /// The view of every key unless [`Parser::set_view`] overrides it (default `Decoded`).
    pub fn view(mut self, v: View) -> Self {
        self.o.view = v;
        self
    }
    /// Builds a parser for an RDB file (or stream) starting with its magic.
    pub fn build(self) -> Parser {
        Parser::with_options(self.o, St::Magic)
    }
    /// Builds a parser for one value (type byte + encoded value, no key), as found in a
    /// `DUMP` payload: events are `KeyStart` (empty key), the value, `KeyEnd`, then `Done`.
    pub fn build_value_parser(self, version: u32, flavor: Flavor) -> Parser {
        let mut p = Parser::with_options(self.o, St::PayloadType);
        p.version = version;
        p.flavor = flavor;
        p.crc = None;
        p.payload = true;
        p
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum St {
    Magic,
    PayloadType,
    Top,
    /// Scanning a MODULE_AUX record's opcodes (header parsed, nothing consumed).
    ModuleAux {
        module: ModuleId,
        when: u64,
        data: usize,
    },
    Value,
    KeyEnd,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Decode,
    Skip,
    Probe(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BatchKind {
    List,
    Set,
    Zset,
    Hash,
    Stream,
    Pel,
    ConsumerPel,
    ModuleData,
}

/// The next event, described by positions (materialized by [`Parser::event`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Pending {
    None,
    Header,
    Aux(Item, Item),
    SelectDb(u64),
    ResizeDb(u64, u64),
    SlotInfo(u64, u64, u64),
    SlotImport(Item),
    ModuleAux(ModuleId, u64, usize, usize),
    Function(Item),
    KeyStart(Item),
    StringChunk(Item, u64, u64),
    /// A chunk of a streamed LZF string: `win[start..start+len]`, pos, total.
    WinChunk(usize, usize, u64, u64),
    Batch(BatchKind, usize),
    StreamMeta(StreamMeta),
    StreamGroup(Item, crate::StreamId, Option<u64>, u64),
    StreamConsumer(Item, i64, Option<i64>, u64),
    Module(ModuleId),
    Raw(usize, usize),
    KeyEnd,
    Eof(Option<u64>, bool),
}

/// Internal outcome of [`Parser::advance`] (small enough to return in registers); the
/// consumed count and event offset are left in `out_consumed`/`out_offset`, an error in
/// `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AdvStep {
    Event,
    NeedMore(usize),
    Done,
    Failed,
}

/// The sans-IO RDB push parser. See the [crate docs](crate) for the protocol and an example.
#[derive(Debug)]
pub struct Parser {
    pub(crate) o: Options,
    pub(crate) st: St,
    /// Absolute offset of the first unconsumed byte.
    pub(crate) pos: u64,
    /// Bytes of the unconsumed input already scanned (kept across calls).
    pub(crate) scan: usize,
    pub(crate) version: u32,
    pub(crate) flavor: Flavor,
    pub(crate) db: u64,
    pub(crate) expire: Option<i64>,
    pub(crate) idle: Option<u64>,
    pub(crate) freq: Option<u8>,
    pub(crate) rec_start: Option<usize>,
    pub(crate) key: Vec<u8>,
    pub(crate) in_key: bool,
    pub(crate) crc: Option<Crc64>,
    pub(crate) crc_done: bool,
    pub(crate) scratch: Vec<u8>,
    pub(crate) items: Vec<Item>,
    pub(crate) pend: Pending,
    pub(crate) failed: Option<Error>,
    // value walk
    pub(crate) vt: u8,
    pub(crate) v: value::V,
    pub(crate) mode: Mode,
    pub(crate) batch_n: usize,
    pub(crate) batch_start: usize,
    pub(crate) batch_kind: BatchKind,
    /// A value parser (DUMP payload): one value, no magic, no trailer.
    pub(crate) payload: bool,
    /// Where the current value starts in the unconsumed input.
    pub(crate) vstart: usize,
    /// Bytes consumed by the last `advance`.
    pub(crate) out_consumed: usize,
    /// Offset of the last event.
    pub(crate) out_offset: u64,
    /// Output window of a streamed LZF string (history + the chunk being built).
    pub(crate) win: Vec<u8>,
    /// Start of the not-yet-delivered part of `win`.
    pub(crate) win_start: usize,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new()
    }
}

impl Parser {
    /// A parser with default options (checksum verified, decoded view).
    pub fn new() -> Parser {
        ParserBuilder::default().build()
    }

    /// Options: checksum, batch sizes, default view, limits.
    pub fn builder() -> ParserBuilder {
        ParserBuilder::default()
    }

    fn with_options(o: Options, st: St) -> Parser {
        Parser {
            o,
            st,
            pos: 0,
            scan: 0,
            version: 0,
            flavor: Flavor::Redis,
            db: 0,
            expire: None,
            idle: None,
            freq: None,
            rec_start: None,
            key: Vec::new(),
            in_key: false,
            crc: if o.verify_checksum {
                Some(Crc64::new())
            } else {
                None
            },
            crc_done: false,
            scratch: Vec::new(),
            items: Vec::new(),
            pend: Pending::None,
            failed: None,
            vt: 0,
            v: value::V::Start,
            mode: Mode::Decode,
            batch_n: 0,
            batch_start: 0,
            batch_kind: BatchKind::List,
            payload: false,
            vstart: 0,
            out_consumed: 0,
            out_offset: 0,
            win: Vec::new(),
            win_start: 0,
        }
    }

    /// The RDB version (0 until the header was parsed).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The magic's flavor (`Redis` until the header was parsed).
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// Absolute offset of the first byte not consumed yet (= total bytes consumed).
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Whether the parser reached the end (after [`Event::Eof`], or a payload's `KeyEnd`).
    pub fn is_done(&self) -> bool {
        self.st == St::Done
    }

    /// Chooses the view of the key whose [`Event::KeyStart`] was just returned. Effective
    /// only before the next `feed`; at any other time it is ignored (returns `false`).
    pub fn set_view(&mut self, view: View) -> bool {
        if self.st != St::Value || self.v != value::V::Start || self.batch_n != 0 {
            return false;
        }
        self.mode = match view {
            View::Decoded => Mode::Decode,
            View::Skip => Mode::Skip,
            View::Raw { max_len } => Mode::Probe(max_len),
        };
        true
    }

    /// Call when the input has ended: `Ok` if the RDB was complete, otherwise a
    /// [`ErrorKind::Truncated`] error at the start of the incomplete unit.
    pub fn finish(&self) -> Result<(), Error> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.st == St::Done {
            Ok(())
        } else {
            // The start of the incomplete unit (independent of how input was chunked).
            Err(self.err(ErrorKind::Truncated, self.pos + self.scan as u64))
        }
    }

    /// Parses from `input` (the unconsumed bytes of the previous call, unchanged, followed
    /// by new bytes). Returns how many bytes were consumed and the next event, or
    /// [`Step::NeedMore`], or [`Step::Done`]. After an error every call returns it again.
    pub fn feed<'a>(&'a mut self, input: &'a [u8]) -> Result<Fed<'a>, Error> {
        let step = match self.advance(input) {
            AdvStep::Event => Step::Event(self.event(input)),
            AdvStep::NeedMore(n) => Step::NeedMore(n),
            AdvStep::Done => Step::Done,
            AdvStep::Failed => return Err(self.failed_error()),
        };
        Ok(Fed {
            consumed: self.out_consumed,
            offset: self.out_offset,
            step,
        })
    }

    #[cold]
    pub(crate) fn failed_error(&self) -> Error {
        self.failed
            .clone()
            .unwrap_or_else(|| Error::new(ErrorKind::Truncated, self.pos))
    }

    /// Records `e` (the parser stays failed) and returns [`AdvStep::Failed`].
    #[cold]
    pub(crate) fn fail(&mut self, e: Error) -> AdvStep {
        self.failed = Some(e);
        self.out_consumed = 0;
        AdvStep::Failed
    }

    pub(crate) fn err(&self, kind: ErrorKind, offset: u64) -> Error {
        let key = if self.in_key {
            let n = self.key.len().min(256);
            Some(self.key[..n].to_vec().into_boxed_slice())
        } else {
            None
        };
        Error { kind, offset, key }
    }

    #[inline]
    pub(crate) fn rd<'i>(&self, input: &'i [u8], p: usize) -> Rd<'i> {
        Rd {
            b: input,
            p,
            len64: self.version >= 8,
            max_unit: self.o.max_unit,
        }
    }

    /// Computes the next step; the event (if any) is then read with [`Parser::event`].
    pub(crate) fn advance(&mut self, input: &[u8]) -> AdvStep {
        if self.failed.is_some() {
            self.out_consumed = 0;
            return AdvStep::Failed;
        }
        if input.len() < self.scan {
            let e = self.err(ErrorKind::InputShrank, self.pos + input.len() as u64);
            return self.fail(e);
        }
        if self.batch_n == 0 {
            self.items.clear();
            self.scratch.clear();
        }
        self.pend = Pending::None;
        match self.st {
            St::Value => self.run_value(input),
            St::KeyEnd => {
                self.st = if self.payload { St::Done } else { St::Top };
                self.end_key();
                self.pend = Pending::KeyEnd;
                let at = self.scan;
                self.emit(input, at, at)
            }
            St::Done => {
                self.out_consumed = 0;
                self.out_offset = self.pos;
                AdvStep::Done
            }
            _ => self.run_top(input),
        }
    }

    pub(crate) fn end_key(&mut self) {
        self.expire = None;
        self.idle = None;
        self.freq = None;
        self.rec_start = None;
        self.in_key = false;
        self.v = value::V::Start;
    }

    /// Returns an event step for a unit that ends at `cur`; the event starts at `at`.
    ///
    /// Consumption is lazy: scanned bytes stay unconsumed (the caller re-feeds them, events
    /// keep borrowing from them) until [`LAZY_CONSUME`] bytes accumulate, so the caller's
    /// buffer handling and the checksum run over large spans instead of per event.
    #[inline]
    pub(crate) fn emit(&mut self, input: &[u8], cur: usize, at: usize) -> AdvStep {
        let consumed = if cur >= LAZY_CONSUME || self.st == St::Done {
            cur
        } else {
            0
        };
        self.out_offset = self.pos + at as u64;
        self.consume(input, consumed);
        self.scan = cur - consumed;
        self.out_consumed = consumed;
        AdvStep::Event
    }

    /// Returns a need-more step consuming `consumed` of the `cur` scanned bytes.
    #[inline]
    pub(crate) fn need(&mut self, input: &[u8], consumed: usize, cur: usize, n: usize) -> AdvStep {
        self.consume(input, consumed);
        self.scan = cur - consumed;
        self.out_consumed = consumed;
        self.out_offset = self.pos;
        AdvStep::NeedMore(n.max(1))
    }

    /// Consumes `n` bytes (checksumming them); positions kept relative to the input shift.
    #[inline]
    fn consume(&mut self, input: &[u8], n: usize) {
        if n == 0 {
            return;
        }
        if !self.crc_done {
            if let Some(c) = &mut self.crc {
                c.update(&input[..n]);
            }
        }
        self.pos += n as u64;
        self.vstart = self.vstart.saturating_sub(n);
    }

    /// Materializes the pending event from `input` (the slice given to `advance`).
    #[inline]
    pub(crate) fn event<'a>(&'a self, input: &'a [u8]) -> Event<'a> {
        let src = Src {
            input,
            scratch: &self.scratch,
        };
        let bytes = |it: Item| -> &'a [u8] {
            match it {
                Item::In(s, l) => input.get(s..s + l).unwrap_or_default(),
                Item::Sc(s, l) => self.scratch.get(s..s + l).unwrap_or_default(),
                _ => &[],
            }
        };
        let items = &self.items[..];
        match self.pend {
            Pending::None | Pending::KeyEnd => Event::KeyEnd,
            Pending::Header => Event::Header {
                version: self.version,
                flavor: self.flavor,
            },
            Pending::Aux(k, v) => Event::Aux {
                key: bytes(k),
                value: bytes(v),
            },
            Pending::SelectDb(db) => Event::SelectDb { db },
            Pending::ResizeDb(a, b) => Event::ResizeDb {
                db_size: a,
                expires_size: b,
            },
            Pending::SlotInfo(a, b, c) => Event::SlotInfo {
                slot: a,
                slot_size: b,
                expires_slot_size: c,
            },
            Pending::SlotImport(job) => Event::SlotImport {
                job: bytes(job),
                ranges: SlotRanges { src, items },
            },
            Pending::ModuleAux(module, when, s, l) => Event::ModuleAux {
                module,
                when,
                data: input.get(s..s + l).unwrap_or_default(),
            },
            Pending::Function(c) => Event::Function { code: bytes(c) },
            Pending::KeyStart(k) => Event::KeyStart(KeyStart {
                db: self.db,
                key: bytes(k),
                rdb_type: self.vt,
                kind: value::kind_of(self.vt),
                expire_ms: self.expire,
                lru_idle_s: self.idle,
                lfu_freq: self.freq,
            }),
            Pending::StringChunk(d, pos, total) => Event::StringChunk {
                data: bytes(d),
                pos,
                total,
            },
            Pending::WinChunk(s, l, pos, total) => Event::StringChunk {
                data: self.win.get(s..s + l).unwrap_or_default(),
                pos,
                total,
            },
            Pending::Batch(kind, n) => match kind {
                BatchKind::List => Event::ListItems(Elems { src, items }),
                BatchKind::Set => Event::SetMembers(Elems { src, items }),
                BatchKind::Zset => Event::ZsetMembers(ZsetPairs { src, items }),
                BatchKind::Hash => Event::HashFields(HashFields { src, items }),
                BatchKind::Stream => Event::StreamEntries(StreamEntries {
                    src,
                    items,
                    count: n,
                }),
                BatchKind::Pel => Event::StreamPel(PelEntries { src, items }),
                BatchKind::ConsumerPel => Event::StreamConsumerPel(StreamIds { src, items }),
                BatchKind::ModuleData => {
                    let (s, e) = match (items.first(), items.last()) {
                        (Some(Item::In(s, _)), Some(Item::In(ls, ll))) => (*s, ls + ll),
                        _ => (0, 0),
                    };
                    Event::ModuleData(input.get(s..e).unwrap_or_default())
                }
            },
            Pending::StreamMeta(m) => Event::StreamMeta(m),
            Pending::StreamGroup(name, last_id, entries_read, pel_len) => {
                Event::StreamGroup(StreamGroup {
                    name: bytes(name),
                    last_id,
                    entries_read,
                    pel_len,
                })
            }
            Pending::StreamConsumer(name, seen, active, pel_len) => {
                Event::StreamConsumer(StreamConsumer {
                    name: bytes(name),
                    seen_time_ms: seen,
                    active_time_ms: active,
                    pel_len,
                })
            }
            Pending::Module(module) => Event::Module { module },
            Pending::Raw(s, l) => Event::RawValue {
                rdb_type: self.vt,
                body: input.get(s..s + l).unwrap_or_default(),
            },
            Pending::Eof(checksum, verified) => Event::Eof { checksum, verified },
        }
    }

    /// Maps a unit failure at input position to an error.
    pub(crate) fn bad(&self, stop: Stop) -> Error {
        match stop {
            Stop::Bad(k, p) => self.err(k, self.pos + p as u64),
            Stop::Need(_) => self.err(ErrorKind::Truncated, self.pos),
        }
    }
}
