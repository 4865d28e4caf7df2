//! Support for the hand-built RDB tests: an expected-value model, a chunked feeding
//! driver that builds the same model from parser events, and a fixture builder that writes
//! a file with `rdb_parser::write` while recording what each key must decode to.
#![allow(dead_code, clippy::unwrap_used)]

pub mod fixtures;
pub mod servers;

use std::collections::{BTreeMap, BTreeSet};

use rdb_parser::write::{AuxWhen, ModuleOp, RdbWriter};
use rdb_parser::{Elem, Error, Event, Parser, Step, StreamId, View};

/// A stream entry: ID and (field, value) pairs.
pub type EntryV = (StreamId, Vec<(Vec<u8>, Vec<u8>)>);
/// (db, key) -> (rdb type, value body).
pub type Bodies = BTreeMap<(u64, Vec<u8>), (u8, Vec<u8>)>;

/// A decoded value, in a canonical (order-insensitive where the type is) form.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Str(Vec<u8>),
    List(Vec<Vec<u8>>),
    Set(BTreeSet<Vec<u8>>),
    /// member -> score bits
    Zset(BTreeMap<Vec<u8>, u64>),
    /// field -> (value, field expiry ms)
    Hash(BTreeMap<Vec<u8>, (Vec<u8>, Option<i64>)>),
    Stream(StreamV),
    Module {
        id: u64,
        data: Vec<u8>,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct StreamV {
    pub entries: Vec<EntryV>,
    pub length: u64,
    pub last_id: StreamId,
    pub first_id: Option<StreamId>,
    pub max_deleted_id: Option<StreamId>,
    pub entries_added: Option<u64>,
    pub groups: Vec<GroupV>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupV {
    pub name: Vec<u8>,
    pub last_id: StreamId,
    pub entries_read: Option<u64>,
    /// (id, delivery time, delivery count)
    pub pel: Vec<(StreamId, i64, u64)>,
    pub consumers: Vec<ConsumerV>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConsumerV {
    pub name: Vec<u8>,
    pub seen: i64,
    pub active: Option<i64>,
    pub pel: Vec<StreamId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KeyV {
    pub rdb_type: u8,
    pub expire_ms: Option<i64>,
    pub idle: Option<u64>,
    pub freq: Option<u8>,
    pub val: V,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    pub version: u32,
    pub keys: BTreeMap<(u64, Vec<u8>), KeyV>,
    pub key_order: Vec<(u64, Vec<u8>)>,
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    pub functions: Vec<Vec<u8>>,
    /// (module id, when, raw opcode bytes)
    pub module_aux: Vec<(u64, u64, Vec<u8>)>,
    pub slot_info: Vec<(u64, u64, u64)>,
    pub checksum_verified: bool,
}

fn ev_name(ev: &Event<'_>) -> &'static str {
    match ev {
        Event::Header { .. } => "Header",
        Event::Aux { .. } => "Aux",
        Event::SelectDb { .. } => "SelectDb",
        Event::ResizeDb { .. } => "ResizeDb",
        Event::SlotInfo { .. } => "SlotInfo",
        Event::SlotImport { .. } => "SlotImport",
        Event::ModuleAux { .. } => "ModuleAux",
        Event::Function { .. } => "Function",
        Event::KeyStart(_) => "KeyStart",
        Event::StringChunk { .. } => "StringChunk",
        Event::ListItems(_) => "ListItems",
        Event::SetMembers(_) => "SetMembers",
        Event::ZsetMembers(_) => "ZsetMembers",
        Event::HashFields(_) => "HashFields",
        Event::StreamEntries(_) => "StreamEntries",
        Event::StreamMeta(_) => "StreamMeta",
        Event::StreamGroup(_) => "StreamGroup",
        Event::StreamPel(_) => "StreamPel",
        Event::StreamConsumer(_) => "StreamConsumer",
        Event::StreamConsumerPel(_) => "StreamConsumerPel",
        Event::Module { .. } => "Module",
        Event::ModuleData(_) => "ModuleData",
        Event::RawValue { .. } => "RawValue",
        Event::KeyEnd => "KeyEnd",
        Event::Eof { .. } => "Eof",
    }
}

/// What a parse produced: the model, each event's (offset, kind), and raw bodies.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    pub model: Model,
    pub log: Vec<(u64, &'static str)>,
    /// (db, key) -> (rdb type, raw body) for keys delivered with the raw view.
    pub raw: Bodies,
    /// Input bytes left after the parser reported `Done`.
    pub trailing: usize,
    /// Inconsistencies in the event stream (duplicates, misplaced events).
    pub problems: Vec<String>,
}

struct Acc {
    out: Outcome,
    db: u64,
    cur: Option<((u64, Vec<u8>), KeyV)>,
}

impl Acc {
    fn on(&mut self, off: u64, ev: &Event<'_>) {
        if let Err(p) = self.on_inner(off, ev) {
            self.out.problems.push(p);
        }
    }

    fn on_inner(&mut self, off: u64, ev: &Event<'_>) -> Result<(), String> {
        let v = |e: Elem<'_>| e.to_vec();
        self.out.log.push((off, ev_name(ev)));
        let m = &mut self.out.model;
        match ev {
            Event::Header { version, .. } => m.version = *version,
            Event::Aux { key, value } => m.aux.push((key.to_vec(), value.to_vec())),
            Event::Function { code } => m.functions.push(code.to_vec()),
            Event::SelectDb { db } => self.db = *db,
            Event::ResizeDb { .. } | Event::SlotImport { .. } => {}
            Event::SlotInfo {
                slot,
                slot_size,
                expires_slot_size,
            } => m.slot_info.push((*slot, *slot_size, *expires_slot_size)),
            Event::ModuleAux { module, when, data } => {
                m.module_aux.push((module.0, *when, data.to_vec()))
            }
            Event::Eof { verified, .. } => m.checksum_verified = *verified,
            Event::KeyStart(k) => {
                if k.db != self.db {
                    return Err(format!("key db {} but SELECTDB {}", k.db, self.db));
                }
                let val = match k.kind {
                    rdb_parser::ValueKind::String => V::Str(Vec::new()),
                    rdb_parser::ValueKind::List => V::List(Vec::new()),
                    rdb_parser::ValueKind::Set => V::Set(BTreeSet::new()),
                    rdb_parser::ValueKind::Zset => V::Zset(BTreeMap::new()),
                    rdb_parser::ValueKind::Hash => V::Hash(BTreeMap::new()),
                    rdb_parser::ValueKind::Stream => V::Stream(StreamV::default()),
                    rdb_parser::ValueKind::Module => V::Module {
                        id: 0,
                        data: Vec::new(),
                    },
                };
                self.cur = Some((
                    (k.db, k.key.to_vec()),
                    KeyV {
                        rdb_type: k.rdb_type,
                        expire_ms: k.expire_ms,
                        idle: k.lru_idle_s,
                        freq: k.lfu_freq,
                        val,
                    },
                ));
            }
            Event::KeyEnd => {
                let (k, key) = self.cur.take().ok_or("KeyEnd without KeyStart")?;
                m.key_order.push(k.clone());
                if m.keys.insert(k, key).is_some() {
                    return Err("duplicate key".into());
                }
            }
            Event::RawValue { rdb_type, body } => {
                let k = self
                    .cur
                    .as_ref()
                    .ok_or("raw value outside a key")?
                    .0
                    .clone();
                self.out.raw.insert(k, (*rdb_type, body.to_vec()));
            }
            _ => match (
                &mut self.cur.as_mut().ok_or("value event outside a key")?.1.val,
                ev,
            ) {
                (V::Str(s), Event::StringChunk { data, pos, .. }) => {
                    if *pos as usize != s.len() {
                        return Err("string chunk out of place".into());
                    }
                    s.extend_from_slice(data)
                }
                (V::List(l), Event::ListItems(e)) => l.extend(e.iter().map(v)),
                (V::Set(s), Event::SetMembers(e)) => {
                    for x in e.iter() {
                        if !s.insert(v(x)) {
                            return Err("duplicate set member".into());
                        }
                    }
                }
                (V::Zset(z), Event::ZsetMembers(e)) => {
                    for (mb, sc) in e.iter() {
                        if z.insert(v(mb), sc.to_bits()).is_some() {
                            return Err("duplicate zset member".into());
                        }
                    }
                }
                (V::Hash(h), Event::HashFields(e)) => {
                    for f in e.iter() {
                        if h.insert(v(f.field), (v(f.value), f.expire_ms)).is_some() {
                            return Err("duplicate hash field".into());
                        }
                    }
                }
                (V::Stream(s), Event::StreamEntries(e)) => s.entries.extend(
                    e.iter()
                        .map(|x| (x.id, x.fields().map(|(f, y)| (v(f), v(y))).collect())),
                ),
                (V::Stream(s), Event::StreamMeta(mm)) => {
                    s.length = mm.length;
                    s.last_id = mm.last_id;
                    s.first_id = mm.first_id;
                    s.max_deleted_id = mm.max_deleted_id;
                    s.entries_added = mm.entries_added;
                }
                (V::Stream(s), Event::StreamGroup(g)) => s.groups.push(GroupV {
                    name: g.name.to_vec(),
                    last_id: g.last_id,
                    entries_read: g.entries_read,
                    pel: Vec::new(),
                    consumers: Vec::new(),
                }),
                (V::Stream(s), Event::StreamPel(p)) => {
                    s.groups.last_mut().ok_or("PEL before group")?.pel.extend(
                        p.iter()
                            .map(|e| (e.id, e.delivery_time_ms, e.delivery_count)),
                    )
                }
                (V::Stream(s), Event::StreamConsumer(c)) => s
                    .groups
                    .last_mut()
                    .ok_or("consumer before group")?
                    .consumers
                    .push(ConsumerV {
                        name: c.name.to_vec(),
                        seen: c.seen_time_ms,
                        active: c.active_time_ms,
                        pel: Vec::new(),
                    }),
                (V::Stream(s), Event::StreamConsumerPel(ids)) => s
                    .groups
                    .last_mut()
                    .ok_or("consumer PEL before group")?
                    .consumers
                    .last_mut()
                    .ok_or("consumer PEL before consumer")?
                    .pel
                    .extend(ids.iter()),
                (V::Module { id, .. }, Event::Module { module }) => *id = module.0,
                (V::Module { data, .. }, Event::ModuleData(d)) => data.extend_from_slice(d),
                (val, ev) => return Err(format!("unexpected {ev:?} for {val:?}")),
            },
        }
        Ok(())
    }
}

/// Feeds `data` in chunks sized by `next`; with `raw`, asks for the raw view of every key.
pub fn run(
    data: &[u8],
    make: &dyn Fn() -> Parser,
    mut next: impl FnMut() -> usize,
    raw: bool,
) -> Result<Outcome, Error> {
    let mut parser = make();
    let mut acc = Acc {
        out: Outcome::default(),
        db: 0,
        cur: None,
    };
    let mut buf: Vec<u8> = Vec::new();
    let mut pos = 0usize;
    let mut spins = 0u64;
    loop {
        spins += 1;
        assert!(spins < 20_000_000, "no progress");
        let fed = parser.feed(&buf)?;
        let consumed = fed.consumed;
        let (key_start, need, done) = match &fed.step {
            Step::Event(ev) => {
                acc.on(fed.offset, ev);
                (matches!(ev, Event::KeyStart(_)), false, false)
            }
            Step::NeedMore(_) => (false, true, false),
            Step::Done => (false, false, true),
        };
        buf.drain(..consumed);
        if key_start && raw {
            parser.set_view(View::Raw { max_len: 1 << 30 });
        }
        if done {
            parser.finish()?;
            acc.out.trailing = data.len() - pos + buf.len();
            return Ok(acc.out);
        }
        if need {
            if pos >= data.len() {
                return Err(parser
                    .finish()
                    .expect_err("NeedMore at end but finish() is Ok"));
            }
            let k = next().clamp(1, data.len() - pos);
            buf.extend_from_slice(&data[pos..pos + k]);
            pos += k;
        }
    }
}

/// A small deterministic PRNG.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Whole, byte-by-byte and `seeds` random splits must give identical outcomes.
pub fn chunking_invariant(data: &[u8], make: &dyn Fn() -> Parser, seeds: u64) -> Outcome {
    let whole = run(data, make, || usize::MAX, false).unwrap();
    let bytewise = run(data, make, || 1, false).unwrap();
    assert_eq!(whole, bytewise, "byte-at-a-time differs");
    for seed in 1..=seeds {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let max = 1 + rng.below(97);
        let split = run(data, make, || 1 + rng.below(max) as usize, false).unwrap();
        assert_eq!(whole, split, "random split (seed {seed}) differs");
    }
    whole
}

/// Writes a file and records the expected model and each key's value body.
pub struct Fx {
    pub w: RdbWriter,
    pub exp: Model,
    pub bodies: Bodies,
    db: u64,
    expire: Option<i64>,
    idle: Option<u64>,
    freq: Option<u8>,
}

impl Fx {
    pub fn new(w: RdbWriter) -> Fx {
        let version = w.version();
        Fx {
            w,
            exp: Model {
                version,
                checksum_verified: version >= 5,
                ..Model::default()
            },
            bodies: BTreeMap::new(),
            db: 0,
            expire: None,
            idle: None,
            freq: None,
        }
    }

    pub fn aux(&mut self, k: &[u8], v: &[u8]) {
        self.w.aux(k, v);
        self.exp.aux.push((k.to_vec(), v.to_vec()));
    }

    pub fn db(&mut self, db: u64) {
        self.w.select_db(db);
        self.db = db;
    }

    pub fn expire_ms(&mut self, ms: i64) {
        self.w.expire_ms(ms);
        self.expire = Some(ms);
    }

    pub fn expire_secs(&mut self, s: i32) {
        self.w.expire_secs(s);
        self.expire = Some(i64::from(s) * 1000);
    }

    pub fn idle(&mut self, s: u64) {
        self.w.idle(s);
        self.idle = Some(s);
    }

    pub fn freq(&mut self, f: u8) {
        self.w.freq(f);
        self.freq = Some(f);
    }

    pub fn function(&mut self, code: &[u8]) {
        self.w.function2(code);
        self.exp.functions.push(code.to_vec());
    }

    pub fn slot_info(&mut self, slot: u64, keys: u64, expires: u64) {
        self.w.slot_info(slot, keys, expires);
        self.exp.slot_info.push((slot, keys, expires));
    }

    pub fn module_aux(&mut self, id: u64, when: AuxWhen, ops: &[ModuleOp<'_>], data: Vec<u8>) {
        self.w.module_aux(id, when, ops);
        self.exp.module_aux.push((id, when as u64, data));
    }

    /// A key with a value body and the value it must decode to.
    pub fn key(&mut self, rdb_type: u8, key: &[u8], body: Vec<u8>, val: V) {
        self.w.key(rdb_type, key, &body);
        let k = (self.db, key.to_vec());
        self.exp.key_order.push(k.clone());
        let prev = self.exp.keys.insert(
            k.clone(),
            KeyV {
                rdb_type,
                expire_ms: self.expire.take(),
                idle: self.idle.take(),
                freq: self.freq.take(),
                val,
            },
        );
        assert!(prev.is_none(), "fixture repeats a key");
        self.bodies.insert(k, (rdb_type, body));
    }

    pub fn finish(self) -> (Vec<u8>, Model, Bodies) {
        (self.w.finish(), self.exp, self.bodies)
    }
}

// Value constructors for expectations.

pub fn s(x: &[u8]) -> Vec<u8> {
    x.to_vec()
}

pub fn list(items: &[&[u8]]) -> V {
    V::List(items.iter().map(|x| x.to_vec()).collect())
}

pub fn set(items: &[&[u8]]) -> V {
    V::Set(items.iter().map(|x| x.to_vec()).collect())
}

pub fn zset(items: &[(&[u8], f64)]) -> V {
    V::Zset(
        items
            .iter()
            .map(|(m, s)| (m.to_vec(), s.to_bits()))
            .collect(),
    )
}

pub fn hash(items: &[(&[u8], &[u8])]) -> V {
    V::Hash(
        items
            .iter()
            .map(|(f, v)| (f.to_vec(), (v.to_vec(), None)))
            .collect(),
    )
}

pub fn hash_ttl(items: &[(&[u8], &[u8], Option<i64>)]) -> V {
    V::Hash(
        items
            .iter()
            .map(|(f, v, t)| (f.to_vec(), (v.to_vec(), *t)))
            .collect(),
    )
}
