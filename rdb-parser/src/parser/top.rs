//! The top level: magic, opcodes, key records, EOF and checksum.

use super::rd::{Rd, Stop, Str, P};
use super::{value, AdvStep, Mode, Parser, Pending, St};
use crate::error::ErrorKind;
use crate::event::{Flavor, Item, ModuleId};

/// Opcode bytes.
pub(crate) mod op {
    pub const EOF: u8 = 0xFF;
    pub const SELECTDB: u8 = 0xFE;
    pub const EXPIRETIME: u8 = 0xFD;
    pub const EXPIRETIME_MS: u8 = 0xFC;
    pub const RESIZEDB: u8 = 0xFB;
    pub const AUX: u8 = 0xFA;
    pub const FREQ: u8 = 0xF9;
    pub const IDLE: u8 = 0xF8;
    pub const MODULE_AUX: u8 = 0xF7;
    pub const FUNCTION_PRE_GA: u8 = 0xF6;
    pub const FUNCTION2: u8 = 0xF5;
    pub const SLOT_INFO: u8 = 0xF4;
    pub const SLOT_IMPORT: u8 = 0xF3;
}

/// What one top-level unit produced.
enum T {
    Event,
    Nothing,
}

/// Parses the 9-byte magic: `REDIS` + 4 digits (1..=12) or `VALKEY` + 3 digits (80).
pub(crate) fn parse_magic(m: &[u8; 9]) -> Result<(u32, Flavor), ErrorKind> {
    let digits = |d: &[u8]| -> Option<u32> {
        d.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    if &m[..5] == b"REDIS" {
        let v = digits(&m[5..]).ok_or(ErrorKind::BadMagic)?;
        if (1..=12).contains(&v) {
            Ok((v, Flavor::Redis))
        } else {
            Err(ErrorKind::UnsupportedVersion(v))
        }
    } else if &m[..6] == b"VALKEY" {
        let v = digits(&m[6..]).ok_or(ErrorKind::BadMagic)?;
        if v == 80 {
            Ok((v, Flavor::Valkey))
        } else {
            Err(ErrorKind::UnsupportedVersion(v))
        }
    } else {
        Err(ErrorKind::BadMagic)
    }
}

impl Parser {
    /// Validates a type byte for the file's flavor/version.
    #[inline]
    pub(crate) fn check_type(&self, t: u8) -> Result<(), ErrorKind> {
        let valkey = self.flavor == Flavor::Valkey;
        match t {
            0..=5 | 7 | 9..=21 => Ok(()),
            6 => Err(ErrorKind::ModulePreGa),
            22 if valkey => Ok(()),
            22 | 23 if !valkey => Err(ErrorKind::HashPreGa(t)),
            24 | 25 if !valkey => Ok(()),
            _ => Err(ErrorKind::UnsupportedType {
                rdb_type: t,
                version: self.version,
            }),
        }
    }

    pub(crate) fn run_top(&mut self, input: &[u8]) -> AdvStep {
        let mut cur = self.scan;
        loop {
            let at = cur;
            let mut rd = self.rd(input, cur);
            let r = match self.st {
                St::Magic => self.magic(&mut rd),
                St::PayloadType => self.payload_type(&mut rd, input),
                St::ModuleAux { module, when, data } => {
                    self.module_aux_scan(&mut rd, module, when, data)
                }
                _ => self.top_unit(&mut rd, input, at),
            };
            match r {
                Ok(T::Event) => {
                    cur = rd.p;
                    let start = match self.pend {
                        Pending::KeyStart(_) => self.rec_start.unwrap_or(at).min(at),
                        Pending::ModuleAux(..) => self.rec_start.take().unwrap_or(at),
                        _ => at,
                    };
                    return self.emit(input, cur, start);
                }
                Ok(T::Nothing) => cur = rd.p,
                Err(Stop::Need(n)) => {
                    // Keep expire/idle/freq opcodes unconsumed until their key arrives so the
                    // KeyStart offset covers them; a MODULE_AUX scan keeps its bytes and
                    // resumes after its last complete opcode.
                    if let St::ModuleAux { .. } = self.st {
                        return self.need(input, 0, rd.p.max(cur), n);
                    }
                    let consumed = if self.rec_start.is_some() { 0 } else { cur };
                    return self.need(input, consumed, cur, n);
                }
                Err(stop) => {
                    let e = self.bad(stop);
                    return self.fail(e);
                }
            }
        }
    }

    fn magic(&mut self, rd: &mut Rd<'_>) -> P<T> {
        let at = rd.p;
        let m: [u8; 9] = rd.array()?;
        let (v, f) = parse_magic(&m).map_err(|k| Stop::Bad(k, at))?;
        self.version = v;
        self.flavor = f;
        self.st = St::Top;
        self.pend = Pending::Header;
        Ok(T::Event)
    }

    fn payload_type(&mut self, rd: &mut Rd<'_>, _input: &[u8]) -> P<T> {
        let at = rd.p;
        let t = rd.u8()?;
        self.check_type(t).map_err(|k| Stop::Bad(k, at))?;
        self.key.clear();
        self.start_value(t);
        self.vstart = rd.p;
        let s = self.scratch.len();
        self.pend = Pending::KeyStart(Item::Sc(s, 0));
        Ok(T::Event)
    }

    #[inline]
    fn start_value(&mut self, t: u8) {
        self.vt = t;
        self.v = value::V::Start;
        self.in_key = true;
        self.st = St::Value;
        self.batch_n = 0;
        self.mode = match self.o.view {
            super::View::Decoded => Mode::Decode,
            super::View::Skip => Mode::Skip,
            super::View::Raw { max_len } => Mode::Probe(max_len),
        };
    }

    /// A string that must be delivered as bytes (keys, aux, names): integers are rendered
    /// as text and LZF is decompressed into scratch.
    #[inline(always)]
    pub(crate) fn bytes_item(&mut self, rd: &Rd<'_>, s: Str, at: usize) -> P<Item> {
        match s {
            Str::Raw(st, l) => Ok(Item::In(st, l)),
            _ => self.bytes_item_slow(rd, s, at),
        }
    }

    #[cold]
    #[inline(never)]
    fn bytes_item_slow(&mut self, rd: &Rd<'_>, s: Str, at: usize) -> P<Item> {
        match s {
            Str::Raw(st, l) => Ok(Item::In(st, l)),
            Str::Int(i) => {
                let st = self.scratch.len();
                crate::Elem::Int(i).write_to(&mut self.scratch);
                Ok(Item::Sc(st, self.scratch.len() - st))
            }
            Str::Lzf(st, cl, ul) => {
                let s0 = self.scratch.len();
                super::lzf::decompress_into(&rd.b[st..st + cl], ul, &mut self.scratch).map_err(
                    |()| {
                        self.scratch.truncate(s0);
                        Stop::Bad(ErrorKind::Lzf, at)
                    },
                )?;
                Ok(Item::Sc(s0, ul))
            }
        }
    }

    #[inline(always)]
    pub(crate) fn string_bytes(&mut self, rd: &mut Rd<'_>) -> P<Item> {
        let at = rd.p;
        let s = rd.string()?;
        self.bytes_item(rd, s, at)
    }

    #[inline]
    fn top_unit(&mut self, rd: &mut Rd<'_>, input: &[u8], at: usize) -> P<T> {
        let t = rd.u8()?;
        match t {
            op::EOF => {
                let stored = if self.version >= 5 {
                    Some(u64::from_le_bytes(rd.array()?))
                } else {
                    None
                };
                let mut verified = false;
                if let Some(c) = &mut self.crc {
                    c.update(&input[..at + 1]);
                    self.crc_done = true;
                    if let Some(s) = stored {
                        let computed = c.value();
                        if s != 0 {
                            if s != computed {
                                return Err(Stop::Bad(
                                    ErrorKind::ChecksumMismatch {
                                        stored: s,
                                        computed,
                                    },
                                    at + 1,
                                ));
                            }
                            verified = true;
                        }
                    }
                }
                self.crc_done = true;
                self.pend = Pending::Eof(stored, verified);
                self.st = St::Done;
                Ok(T::Event)
            }
            op::SELECTDB => {
                let db = rd.len()?;
                self.db = db;
                self.pend = Pending::SelectDb(db);
                Ok(T::Event)
            }
            op::EXPIRETIME => {
                let secs = i32::from_le_bytes(rd.array()?);
                self.expire = Some(i64::from(secs) * 1000);
                self.rec_start.get_or_insert(at);
                Ok(T::Nothing)
            }
            op::EXPIRETIME_MS => {
                self.expire = Some(rd.i64_le()?);
                self.rec_start.get_or_insert(at);
                Ok(T::Nothing)
            }
            op::IDLE => {
                self.idle = Some(rd.len()?);
                self.rec_start.get_or_insert(at);
                Ok(T::Nothing)
            }
            op::FREQ => {
                self.freq = Some(rd.u8()?);
                self.rec_start.get_or_insert(at);
                Ok(T::Nothing)
            }
            op::RESIZEDB => {
                let a = rd.len()?;
                let b = rd.len()?;
                self.pend = Pending::ResizeDb(a, b);
                Ok(T::Event)
            }
            op::SLOT_INFO => {
                let a = rd.len()?;
                let b = rd.len()?;
                let c = rd.len()?;
                self.pend = Pending::SlotInfo(a, b, c);
                Ok(T::Event)
            }
            op::AUX => {
                let k = self.string_bytes(rd)?;
                let v = self.string_bytes(rd)?;
                self.pend = Pending::Aux(k, v);
                Ok(T::Event)
            }
            op::FUNCTION2 => {
                let c = self.string_bytes(rd)?;
                self.pend = Pending::Function(c);
                Ok(T::Event)
            }
            op::FUNCTION_PRE_GA => Err(Stop::Bad(ErrorKind::FunctionPreGa, at)),
            op::MODULE_AUX => {
                let id = rd.len()?;
                let op_at = rd.p;
                if rd.len()? != 2 {
                    return Err(Stop::Bad(ErrorKind::BadModuleAux, op_at));
                }
                let when = rd.len()?;
                self.rec_start = Some(self.rec_start.unwrap_or(at).min(at));
                self.st = St::ModuleAux {
                    module: ModuleId(id),
                    when,
                    data: rd.p,
                };
                Ok(T::Nothing)
            }
            op::SLOT_IMPORT if self.flavor == Flavor::Valkey => {
                let job = self.string_bytes(rd)?;
                let n_at = rd.p;
                let n = rd.len()?;
                if n > 16384 {
                    return Err(Stop::Bad(ErrorKind::TooLarge(n), n_at));
                }
                let i0 = self.items.len();
                for _ in 0..n {
                    let a = rd.len();
                    let b = rd.len();
                    match (a, b) {
                        (Ok(a), Ok(b)) => {
                            self.items.push(Item::U(a));
                            self.items.push(Item::U(b));
                        }
                        (Err(e), _) | (_, Err(e)) => {
                            self.items.truncate(i0);
                            return Err(e);
                        }
                    }
                }
                self.pend = Pending::SlotImport(job);
                Ok(T::Event)
            }
            0xF0..=0xF3 => Err(Stop::Bad(
                ErrorKind::UnsupportedOpcode {
                    opcode: t,
                    version: self.version,
                },
                at,
            )),
            _ => {
                self.check_type(t).map_err(|k| Stop::Bad(k, at))?;
                let k = self.string_bytes(rd)?;
                self.key.clear();
                self.key.extend_from_slice(match k {
                    Item::In(s, l) => &input[s..s + l],
                    Item::Sc(s, l) => &self.scratch[s..s + l],
                    _ => &[],
                });
                self.start_value(t);
                self.vstart = rd.p;
                self.pend = Pending::KeyStart(k);
                Ok(T::Event)
            }
        }
    }

    /// Walks a MODULE_AUX record's opcodes; positions are kept across calls (`self.scan`).
    fn module_aux_scan(
        &mut self,
        rd: &mut Rd<'_>,
        module: ModuleId,
        when: u64,
        data: usize,
    ) -> P<T> {
        loop {
            // `rd` only advances over complete opcodes, so on `Need` it marks where to resume.
            let mut r = *rd;
            let eof = super::module::module_op(&mut r)?;
            *rd = r;
            if eof {
                self.pend = Pending::ModuleAux(module, when, data, rd.p - data);
                self.st = St::Top;
                return Ok(T::Event);
            }
        }
    }
}
