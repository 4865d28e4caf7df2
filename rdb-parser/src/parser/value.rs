//! Walking one key's value: per-type units, batching, and the Raw/Skip views.

use super::module::Ms;
use super::rd::{Rd, Stop, Str, P};
use super::stream::Ss;
use super::{AdvStep, BatchKind, Mode, Parser, Pending, St};
use crate::encoding::{self, BlobError, BlobErrorKind, ElemIter};
use crate::error::ErrorKind;
use crate::event::{Item, ValueKind};
use crate::Elem;

/// Value walk state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum V {
    /// Nothing of the value read yet.
    Start,
    /// Inside a raw string value.
    Str { left: u64, pos: u64, total: u64 },
    /// Inside a large LZF-compressed string value, decompressed as a stream: `cleft`
    /// compressed bytes left, `pos` bytes produced, `total` to produce.
    Lzf { cleft: u64, pos: u64, total: u64 },
    /// Per-element records left (types 1-5, 22, 24).
    Seq { left: u64, min_expire: i64 },
    /// Quicklist nodes left (types 14, 18).
    Nodes { left: u64 },
    /// Stream sub-state.
    Stream(Ss),
    /// Module sub-state.
    Module(Ms),
    /// The value is complete.
    Done,
}

/// What one value unit produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum U {
    /// Entries were appended to the batch (count may be 0).
    Items(usize),
    /// A standalone event is in `self.pend`.
    Ev,
    /// Progress without output.
    Nothing,
    /// The value is complete.
    End,
}

/// The data type of a (valid) type byte.
pub(crate) fn kind_of(t: u8) -> ValueKind {
    match t {
        0 => ValueKind::String,
        1 | 10 | 14 | 18 => ValueKind::List,
        2 | 11 | 20 => ValueKind::Set,
        3 | 5 | 12 | 17 => ValueKind::Zset,
        15 | 19 | 21 => ValueKind::Stream,
        6 | 7 => ValueKind::Module,
        _ => ValueKind::Hash,
    }
}

fn is_blob_type(t: u8) -> bool {
    matches!(t, 9..=13 | 16 | 17 | 20 | 25)
}

/// Largest absolute hash-field expire time Redis accepts (`EB_EXPIRE_TIME_MAX`).
const FIELD_TTL_MAX: i64 = (1 << 48) - 1;

fn blob_err(e: BlobError, at: usize) -> Stop {
    Stop::Bad(ErrorKind::Blob(e), at)
}

fn score_err(k: BlobErrorKind, at: usize) -> Stop {
    match k {
        BlobErrorKind::NanScore => Stop::Bad(ErrorKind::NanScore, at),
        _ => Stop::Bad(ErrorKind::BadScore, at),
    }
}

/// Converts a blob element to an item pointing into the same buffer as the blob.
#[inline]
fn conv(e: Elem<'_>, blob: &[u8], sc: bool, base: usize, at: usize) -> P<Item> {
    match e {
        Elem::Int(i) => Ok(Item::Int(i)),
        Elem::Bytes(b) => {
            let off = (b.as_ptr() as usize).wrapping_sub(blob.as_ptr() as usize);
            if off > blob.len() || blob.len() - off < b.len() {
                return Err(blob_err(BlobError::new(0, BlobErrorKind::Truncated), at));
            }
            Ok(if sc {
                Item::Sc(base + off, b.len())
            } else {
                Item::In(base + off, b.len())
            })
        }
    }
}

/// The blob decoders a blob-typed unit can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlobKind {
    ZiplistList,
    ZiplistZset,
    ZiplistHash,
    Zipmap,
    Intset,
    ListpackList,
    ListpackZset,
    ListpackHash,
    ListpackHashTtl,
}

impl Parser {
    /// Element item for a string inside a collection (LZF goes to scratch).
    #[inline]
    fn elem_item(&mut self, rd: &Rd<'_>, s: Str, at: usize, collect: bool) -> P<Item> {
        match s {
            Str::Int(i) => Ok(Item::Int(i)),
            Str::Raw(st, l) => Ok(Item::In(st, l)),
            Str::Lzf(..) if !collect => Ok(Item::Int(0)),
            Str::Lzf(..) => self.bytes_item(rd, s, at),
        }
    }

    #[inline]
    fn elem(&mut self, rd: &mut Rd<'_>, collect: bool) -> P<Item> {
        let at = rd.p;
        let s = rd.string()?;
        self.elem_item(rd, s, at, collect)
    }

    /// Locates a blob string: `(in_scratch, start, len)`.
    fn blob_loc(&mut self, rd: &mut Rd<'_>) -> P<(bool, usize, usize)> {
        let at = rd.p;
        match rd.string()? {
            Str::Raw(s, l) => Ok((false, s, l)),
            s @ Str::Lzf(..) => match self.bytes_item(rd, s, at)? {
                Item::Sc(s, l) => Ok((true, s, l)),
                _ => Err(Stop::Bad(ErrorKind::Lzf, at)),
            },
            Str::Int(_) => Err(blob_err(BlobError::new(0, BlobErrorKind::TooShort), at)),
        }
    }

    /// Decodes one blob into batch items; returns the number of entries.
    fn decode_blob(
        &mut self,
        input: &[u8],
        loc: (bool, usize, usize),
        kind: BlobKind,
        at: usize,
    ) -> P<usize> {
        let (sc, base, len) = loc;
        let Parser { scratch, items, .. } = self;
        let blob: &[u8] = if sc {
            scratch.get(base..base + len).unwrap_or_default()
        } else {
            input.get(base..base + len).unwrap_or_default()
        };
        let c = |e: Elem<'_>| conv(e, blob, sc, base, at);
        let be = |e: BlobError| blob_err(e, at);
        let mut n = 0usize;
        match kind {
            BlobKind::ZiplistList | BlobKind::Intset | BlobKind::ListpackList => {
                let mut push = |r: Result<Elem<'_>, BlobError>| -> P<()> {
                    items.push(c(r.map_err(be)?)?);
                    n += 1;
                    Ok(())
                };
                match kind {
                    BlobKind::ZiplistList => encoding::ziplist(blob)
                        .map_err(be)?
                        .try_for_each(&mut push)?,
                    BlobKind::Intset => encoding::intset(blob)
                        .map_err(be)?
                        .try_for_each(&mut push)?,
                    _ => encoding::listpack(blob)
                        .map_err(be)?
                        .try_for_each(&mut push)?,
                }
            }
            BlobKind::ZiplistZset | BlobKind::ListpackZset => {
                let mut push = |r: Result<(Elem<'_>, Elem<'_>), BlobError>| -> P<()> {
                    let (m, s) = r.map_err(be)?;
                    let score = encoding::score_from_elem(s).map_err(|k| score_err(k, at))?;
                    items.push(c(m)?);
                    items.push(Item::F64(score));
                    n += 1;
                    Ok(())
                };
                if kind == BlobKind::ZiplistZset {
                    encoding::ziplist(blob)
                        .map_err(be)?
                        .pairs()
                        .try_for_each(&mut push)?
                } else {
                    encoding::listpack(blob)
                        .map_err(be)?
                        .pairs()
                        .try_for_each(&mut push)?
                }
            }
            BlobKind::ZiplistHash | BlobKind::ListpackHash | BlobKind::Zipmap => {
                let mut push = |r: Result<(Elem<'_>, Elem<'_>), BlobError>| -> P<()> {
                    let (f, v) = r.map_err(be)?;
                    items.push(c(f)?);
                    items.push(c(v)?);
                    items.push(Item::Opt(None));
                    n += 1;
                    Ok(())
                };
                match kind {
                    BlobKind::ZiplistHash => encoding::ziplist(blob)
                        .map_err(be)?
                        .pairs()
                        .try_for_each(&mut push)?,
                    BlobKind::Zipmap => encoding::zipmap(blob)
                        .map_err(be)?
                        .try_for_each(&mut push)?,
                    _ => encoding::listpack(blob)
                        .map_err(be)?
                        .pairs()
                        .try_for_each(&mut push)?,
                }
            }
            BlobKind::ListpackHashTtl => {
                for r in encoding::listpack(blob).map_err(be)?.triples() {
                    let (f, v, t) = r.map_err(be)?;
                    let t = match t {
                        Elem::Int(i) => i,
                        Elem::Bytes(b) => encoding::canonical_i64(b)
                            .ok_or(Stop::Bad(ErrorKind::BadFieldTtl, at))?,
                    };
                    if !(0..=FIELD_TTL_MAX).contains(&t) {
                        return Err(Stop::Bad(ErrorKind::BadFieldTtl, at));
                    }
                    items.push(c(f)?);
                    items.push(c(v)?);
                    items.push(Item::Opt((t != 0).then_some(t)));
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    fn blob_kind(&self) -> BlobKind {
        match self.vt {
            9 => BlobKind::Zipmap,
            10 | 14 => BlobKind::ZiplistList,
            11 => BlobKind::Intset,
            12 => BlobKind::ZiplistZset,
            13 => BlobKind::ZiplistHash,
            16 => BlobKind::ListpackHash,
            17 => BlobKind::ListpackZset,
            20 => BlobKind::ListpackList,
            25 => BlobKind::ListpackHashTtl,
            _ => BlobKind::ListpackList,
        }
    }

    /// One blob unit (`blob` string already located by the caller's reader).
    fn blob_unit(
        &mut self,
        rd: &mut Rd<'_>,
        input: &[u8],
        kind: BlobKind,
        collect: bool,
    ) -> P<usize> {
        let at = rd.p;
        if !collect {
            rd.string()?;
            return Ok(0);
        }
        let loc = self.blob_loc(rd)?;
        self.decode_blob(input, loc, kind, at)
    }

    /// Parses one unit of the current value.
    #[inline]
    pub(crate) fn unit(&mut self, rd: &mut Rd<'_>, input: &[u8], collect: bool) -> P<U> {
        match self.v {
            V::Done => Ok(U::End),
            V::Start => self.start_unit(rd, input, collect),
            V::Str { left, pos, total } => {
                let n = match self.mode {
                    Mode::Decode => left.min(self.o.string_chunk as u64),
                    Mode::Probe(_) => left,
                    Mode::Skip => left.min(rd.left() as u64).max(1),
                } as usize;
                let st = rd.take(n)?;
                let rest = left - n as u64;
                self.v = if rest == 0 {
                    V::Done
                } else {
                    V::Str {
                        left: rest,
                        pos: pos + n as u64,
                        total,
                    }
                };
                if collect {
                    self.pend = Pending::StringChunk(Item::In(st, n), pos, total);
                    Ok(U::Ev)
                } else {
                    Ok(U::Nothing)
                }
            }
            V::Lzf { cleft, pos, total } => self.lzf_unit(rd, cleft, pos, total),
            V::Seq { left: 0, .. } | V::Nodes { left: 0 } => {
                self.v = V::Done;
                Ok(U::End)
            }
            V::Seq { left, min_expire } => {
                self.seq_unit(rd, min_expire, collect)?;
                self.v = V::Seq {
                    left: left - 1,
                    min_expire,
                };
                Ok(U::Items(1))
            }
            V::Nodes { left } => {
                let n = self.node_unit(rd, input, collect)?;
                self.v = V::Nodes { left: left - 1 };
                Ok(U::Items(n))
            }
            V::Stream(ss) => {
                let (u, ss) = self.stream_unit(rd, input, ss, collect)?;
                self.v = V::Stream(ss);
                Ok(u)
            }
            V::Module(ms) => {
                let (u, ms) = self.module_unit(rd, ms, collect)?;
                self.v = V::Module(ms);
                Ok(u)
            }
        }
    }

    #[inline]
    fn start_unit(&mut self, rd: &mut Rd<'_>, input: &[u8], collect: bool) -> P<U> {
        let t = self.vt;
        match t {
            0 => {
                let at = rd.p;
                let head = rd.string_head()?;
                match head {
                    Str::Raw(st, 0) => {
                        self.v = V::Done;
                        self.pend = Pending::StringChunk(Item::In(st, 0), 0, 0);
                        Ok(if collect { U::Ev } else { U::Nothing })
                    }
                    // Fast paths when the whole value is at hand (same events and
                    // offsets as the chunked path: a chunk's offset is its data's).
                    Str::Raw(st, l)
                        if self.mode == Mode::Decode
                            && l <= self.o.string_chunk
                            && rd.left() >= l =>
                    {
                        rd.take(l)?;
                        self.v = V::Done;
                        self.pend = Pending::StringChunk(Item::In(st, l), 0, l as u64);
                        Ok(U::Ev)
                    }
                    Str::Raw(_, l) if matches!(self.mode, Mode::Probe(_)) && rd.left() >= l => {
                        rd.take(l)?;
                        self.v = V::Done;
                        Ok(U::End)
                    }
                    Str::Raw(_, l) => {
                        self.v = V::Str {
                            left: l as u64,
                            pos: 0,
                            total: l as u64,
                        };
                        Ok(U::Nothing)
                    }
                    Str::Lzf(_, cl, ul) if collect && ul > self.o.string_chunk => {
                        // Large compressed value: stream it through a bounded window.
                        self.win.clear();
                        self.win_start = 0;
                        self.v = V::Lzf {
                            cleft: cl as u64,
                            pos: 0,
                            total: ul as u64,
                        };
                        Ok(U::Nothing)
                    }
                    Str::Lzf(_, cl, _) if self.mode == Mode::Skip => {
                        // Skip the compressed bytes as they arrive.
                        self.v = if cl == 0 {
                            V::Done
                        } else {
                            V::Str {
                                left: cl as u64,
                                pos: 0,
                                total: cl as u64,
                            }
                        };
                        Ok(U::Nothing)
                    }
                    Str::Lzf(_, cl, _) if !collect => {
                        rd.take(cl)?;
                        self.v = V::Done;
                        Ok(U::Nothing)
                    }
                    Str::Lzf(_, cl, _) => {
                        rd.take(cl)?;
                        let it = self.bytes_item(rd, head, at)?;
                        let total = match it {
                            Item::Sc(_, l) => l as u64,
                            _ => 0,
                        };
                        self.pend = Pending::StringChunk(it, 0, total);
                        self.v = V::Done;
                        Ok(U::Ev)
                    }
                    Str::Int(_) => {
                        let it = self.bytes_item(rd, head, at)?;
                        let total = match it {
                            Item::Sc(_, l) => l as u64,
                            _ => 0,
                        };
                        self.pend = Pending::StringChunk(it, 0, total);
                        self.v = V::Done;
                        Ok(if collect { U::Ev } else { U::Nothing })
                    }
                }
            }
            1..=5 | 22 => {
                let n = rd.len()?;
                self.v = V::Seq {
                    left: n,
                    min_expire: 0,
                };
                Ok(U::Nothing)
            }
            24 => {
                let min_expire = rd.i64_le()?;
                let n = rd.len()?;
                self.v = V::Seq {
                    left: n,
                    min_expire,
                };
                Ok(U::Nothing)
            }
            14 | 18 => {
                let n = rd.len()?;
                self.v = V::Nodes { left: n };
                Ok(U::Nothing)
            }
            15 | 19 | 21 => {
                self.v = V::Stream(Ss::NodesCount);
                Ok(U::Nothing)
            }
            7 => {
                self.v = V::Module(Ms::Id);
                Ok(U::Nothing)
            }
            _ if is_blob_type(t) => {
                if t == 25 {
                    rd.i64_le()?; // minExpire: informational, recomputed on load
                }
                let kind = self.blob_kind();
                let n = self.blob_unit(rd, input, kind, collect)?;
                self.v = V::Done;
                Ok(U::Items(n))
            }
            _ => Err(Stop::Bad(
                ErrorKind::UnsupportedType {
                    rdb_type: t,
                    version: self.version,
                },
                rd.p,
            )),
        }
    }

    /// One LZF operation of a streamed string; emits a chunk once `string_chunk` bytes
    /// were produced (or at the end). Keeps only the last [`super::lzf::WINDOW`] bytes of
    /// history between chunks.
    fn lzf_unit(&mut self, rd: &mut Rd<'_>, cleft: u64, pos: u64, total: u64) -> P<U> {
        if self.win_start == self.win.len() && self.win.len() > super::lzf::WINDOW {
            // The previous chunk was delivered: drop history beyond the window.
            let cut = self.win.len() - super::lzf::WINDOW;
            self.win.drain(..cut);
            self.win_start = self.win.len();
        }
        let at = rd.p;
        if cleft == 0 {
            return Err(Stop::Bad(ErrorKind::Lzf, at));
        }
        let produced_before = self.win.len();
        let used = super::lzf::stream_op(rd, cleft, total - pos, &mut self.win)?;
        let made = (self.win.len() - produced_before) as u64;
        let (cleft, npos) = (cleft - used as u64, pos + made);
        let pending = self.win.len() - self.win_start;
        if cleft == 0 && npos != total {
            return Err(Stop::Bad(ErrorKind::Lzf, at));
        }
        if pending >= self.o.string_chunk || cleft == 0 {
            let chunk_pos = npos - pending as u64;
            self.pend = Pending::WinChunk(self.win_start, pending, chunk_pos, total);
            self.win_start = self.win.len();
            self.v = if cleft == 0 {
                V::Done
            } else {
                V::Lzf {
                    cleft,
                    pos: npos,
                    total,
                }
            };
            return Ok(U::Ev);
        }
        self.v = V::Lzf {
            cleft,
            pos: npos,
            total,
        };
        Ok(U::Nothing)
    }

    /// One record of a per-element encoding.
    #[inline]
    fn seq_unit(&mut self, rd: &mut Rd<'_>, min_expire: i64, collect: bool) -> P<()> {
        match self.vt {
            1 | 2 => {
                let e = self.elem(rd, collect)?;
                if collect {
                    self.items.push(e);
                }
            }
            3 | 5 => {
                let m = self.elem(rd, collect)?;
                let at = rd.p;
                let score = if self.vt == 3 {
                    rd.ascii_double()?
                } else {
                    f64::from_le_bytes(rd.array()?)
                };
                if score.is_nan() {
                    return Err(Stop::Bad(ErrorKind::NanScore, at));
                }
                if collect {
                    self.items.push(m);
                    self.items.push(Item::F64(score));
                }
            }
            24 => {
                let at = rd.p;
                let ttl = rd.len()?;
                let f = self.elem(rd, collect)?;
                let v = self.elem(rd, collect)?;
                let exp = if ttl == 0 {
                    None
                } else {
                    let e = i64::try_from(ttl)
                        .ok()
                        .and_then(|t| t.checked_add(min_expire))
                        .and_then(|x| x.checked_sub(1))
                        .filter(|x| (0..=FIELD_TTL_MAX).contains(x));
                    Some(e.ok_or(Stop::Bad(ErrorKind::BadFieldTtl, at))?)
                };
                if collect {
                    self.items.extend_from_slice(&[f, v, Item::Opt(exp)]);
                }
            }
            22 => {
                let f = self.elem(rd, collect)?;
                let v = self.elem(rd, collect)?;
                let at = rd.p;
                let t = rd.i64_le()?;
                let exp = match t {
                    -1 => None,
                    t if t >= 0 => Some(t),
                    _ => return Err(Stop::Bad(ErrorKind::BadFieldTtl, at)),
                };
                if collect {
                    self.items.extend_from_slice(&[f, v, Item::Opt(exp)]);
                }
            }
            _ => {
                // 4: plain hash
                let f = self.elem(rd, collect)?;
                let v = self.elem(rd, collect)?;
                if collect {
                    self.items.extend_from_slice(&[f, v, Item::Opt(None)]);
                }
            }
        }
        Ok(())
    }

    /// One quicklist node.
    fn node_unit(&mut self, rd: &mut Rd<'_>, input: &[u8], collect: bool) -> P<usize> {
        if self.vt == 14 {
            return self.blob_unit(rd, input, BlobKind::ZiplistList, collect);
        }
        let at = rd.p;
        let container = rd.len()?;
        let data_at = rd.p;
        match container {
            1 => {
                // PLAIN: one raw element.
                let s = rd.string()?;
                if matches!(s, Str::Raw(_, 0)) {
                    return Err(Stop::Bad(ErrorKind::EmptyNode, data_at));
                }
                let e = self.elem_item(rd, s, data_at, collect)?;
                if collect {
                    self.items.push(e);
                }
                Ok(1)
            }
            2 => {
                let mut probe = *rd;
                if matches!(probe.string()?, Str::Raw(_, 0)) {
                    return Err(Stop::Bad(ErrorKind::EmptyNode, data_at));
                }
                self.blob_unit(rd, input, BlobKind::ListpackList, collect)
            }
            c => Err(Stop::Bad(ErrorKind::BadContainer(c), at)),
        }
    }

    /// Whether the next unit appends batch items (otherwise a pending batch is flushed first).
    fn next_is_items(&self) -> bool {
        match self.v {
            V::Seq { left, .. } | V::Nodes { left } => left > 0,
            V::Start => is_blob_type(self.vt),
            V::Stream(ss) => ss.is_items(),
            V::Module(ms) => ms == Ms::Ops,
            V::Str { .. } | V::Lzf { .. } | V::Done => false,
        }
    }

    fn batch_kind_now(&self) -> BatchKind {
        match self.v {
            V::Stream(ss) => ss.batch_kind(),
            V::Module(_) => BatchKind::ModuleData,
            _ => match kind_of(self.vt) {
                ValueKind::List => BatchKind::List,
                ValueKind::Set => BatchKind::Set,
                ValueKind::Zset => BatchKind::Zset,
                _ => BatchKind::Hash,
            },
        }
    }

    fn emit_batch(&mut self, input: &[u8], cur: usize) -> AdvStep {
        self.pend = Pending::Batch(self.batch_kind, self.batch_n);
        self.batch_n = 0;
        let at = self.batch_start;
        self.emit(input, cur, at)
    }

    fn restart_decoded(&mut self) {
        self.mode = Mode::Decode;
        self.v = V::Start;
        self.batch_n = 0;
        self.items.clear();
        self.scratch.clear();
    }

    /// Runs the value walk until an event, a need for input, or an error.
    pub(crate) fn run_value(&mut self, input: &[u8]) -> AdvStep {
        let mut cur = self.scan;
        loop {
            let collect = self.mode == Mode::Decode;
            if collect && self.batch_n > 0 {
                let full = self.batch_n >= self.o.batch_size
                    || cur - self.batch_start >= self.o.batch_bytes;
                if full || !self.next_is_items() {
                    return self.emit_batch(input, cur);
                }
            }
            if collect && self.batch_n == 0 && self.next_is_items() {
                self.batch_kind = self.batch_kind_now();
                self.batch_start = cur;
            }
            let (il, sl) = (self.items.len(), self.scratch.len());
            let unit_at = cur;
            let mut rd = self.rd(input, cur);
            match self.unit(&mut rd, input, collect) {
                Ok(U::Items(n)) => {
                    cur = rd.p;
                    if collect {
                        self.batch_n += n;
                    }
                }
                Ok(U::Nothing) => cur = rd.p,
                Ok(U::Ev) => {
                    cur = rd.p;
                    if collect {
                        let at = match self.pend {
                            Pending::StringChunk(Item::In(data, _), ..) => data,
                            _ => unit_at,
                        };
                        return self.emit(input, cur, at);
                    }
                }
                Ok(U::End) => {
                    cur = rd.p;
                    if let Mode::Probe(lim) = self.mode {
                        if cur - self.vstart > lim {
                            self.restart_decoded();
                            cur = self.vstart;
                            continue;
                        }
                    }
                    self.st = St::KeyEnd;
                    match self.mode {
                        Mode::Decode if self.batch_n > 0 => return self.emit_batch(input, cur),
                        Mode::Probe(_) => {
                            let v0 = self.vstart;
                            self.pend = Pending::Raw(v0, cur - v0);
                            return self.emit(input, cur, v0);
                        }
                        _ => {
                            // No batch pending: emit KeyEnd now.
                            self.st = if self.payload { St::Done } else { St::Top };
                            self.end_key();
                            self.pend = Pending::KeyEnd;
                            return self.emit(input, cur, cur);
                        }
                    }
                }
                Err(Stop::Need(n)) => {
                    self.items.truncate(il);
                    self.scratch.truncate(sl);
                    match self.mode {
                        Mode::Probe(lim) => {
                            // The value starts at input[0]; the unit needs at least
                            // `input.len() + n` bytes of it, whatever the chunking.
                            if (input.len() - self.vstart).saturating_add(n) > lim {
                                self.restart_decoded();
                                cur = self.vstart;
                                continue;
                            }
                            return self.need(input, 0, cur, n);
                        }
                        Mode::Skip => return self.need(input, cur, cur, n),
                        Mode::Decode => {
                            let consumed = if self.batch_n == 0 { cur } else { 0 };
                            return self.need(input, consumed, cur, n);
                        }
                    }
                }
                Err(stop) => {
                    if let Mode::Probe(_) = self.mode {
                        // Report corruption from the decoder, so the error does not depend
                        // on whether the probe or the decoder saw the bad unit first.
                        self.restart_decoded();
                        cur = self.vstart;
                        continue;
                    }
                    let e = self.bad(stop);
                    return self.fail(e);
                }
            }
            if let Mode::Probe(lim) = self.mode {
                if cur - self.vstart > lim {
                    self.restart_decoded();
                    cur = self.vstart;
                }
            }
        }
    }
}
