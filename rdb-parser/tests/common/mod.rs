//! Shared test helpers: a chunked feeding driver that logs every event exactly, and a model
//! of an RDB's contents built from events.
#![allow(dead_code, clippy::unwrap_used)]

pub mod corpus;

use std::collections::{BTreeMap, BTreeSet};

use rdb_parser::{
    Elem, Error, Event, KeyStart, ModuleId, Parser, PelEntry, RdbReader, Step, StreamId,
    StreamMeta, ValueKind, View,
};

pub fn elem_str(e: Elem<'_>) -> String {
    match e {
        Elem::Bytes(b) => format!("'{}'", b.escape_ascii()),
        Elem::Int(i) => format!("#{i}"),
    }
}

/// One line per event, with every detail (so two logs are equal only if the events are).
pub fn fmt_event(off: u64, ev: &Event<'_>) -> String {
    let b = |x: &[u8]| x.escape_ascii().to_string();
    let body = match ev {
        Event::Header { version, flavor } => format!("Header {version} {flavor:?}"),
        Event::Aux { key, value } => format!("Aux {} = {}", b(key), b(value)),
        Event::SelectDb { db } => format!("SelectDb {db}"),
        Event::ResizeDb { db_size, expires_size } => format!("ResizeDb {db_size} {expires_size}"),
        Event::SlotInfo { slot, slot_size, expires_slot_size } => {
            format!("SlotInfo {slot} {slot_size} {expires_slot_size}")
        }
        Event::SlotImport { job, ranges } => {
            format!("SlotImport {} {:?}", b(job), ranges.iter().collect::<Vec<_>>())
        }
        Event::ModuleAux { module, when, data } => {
            format!("ModuleAux {} {} {when} {}", module.name_string(), module.encver(), b(data))
        }
        Event::Function { code } => format!("Function {}", b(code)),
        Event::KeyStart(k) => format!(
            "KeyStart db={} key={} type={} {:?} exp={:?} idle={:?} freq={:?}",
            k.db,
            b(k.key),
            k.rdb_type,
            k.kind,
            k.expire_ms,
            k.lru_idle_s,
            k.lfu_freq
        ),
        Event::StringChunk { data, pos, total } => format!("Chunk {pos}/{total} {}", b(data)),
        Event::ListItems(e) => format!("List {:?}", e.iter().map(elem_str).collect::<Vec<_>>()),
        Event::SetMembers(e) => format!("Set {:?}", e.iter().map(elem_str).collect::<Vec<_>>()),
        Event::ZsetMembers(z) => format!(
            "Zset {:?}",
            z.iter().map(|(m, s)| (elem_str(m), s.to_bits())).collect::<Vec<_>>()
        ),
        Event::HashFields(h) => format!(
            "Hash {:?}",
            h.iter()
                .map(|f| (elem_str(f.field), elem_str(f.value), f.expire_ms))
                .collect::<Vec<_>>()
        ),
        Event::StreamEntries(s) => {
            let v: Vec<String> = s
                .iter()
                .map(|e| {
                    format!(
                        "{} {:?}",
                        e.id,
                        e.fields().map(|(f, v)| (elem_str(f), elem_str(v))).collect::<Vec<_>>()
                    )
                })
                .collect();
            format!("StreamEntries {} {v:?}", s.len())
        }
        Event::StreamMeta(m) => format!("StreamMeta {m:?}"),
        Event::StreamGroup(g) => format!(
            "Group {} {} {:?} {}",
            b(g.name),
            g.last_id,
            g.entries_read,
            g.pel_len
        ),
        Event::StreamPel(p) => format!("Pel {:?}", p.iter().collect::<Vec<_>>()),
        Event::StreamConsumer(c) => format!(
            "Consumer {} {} {:?} {}",
            b(c.name),
            c.seen_time_ms,
            c.active_time_ms,
            c.pel_len
        ),
        Event::StreamConsumerPel(ids) => format!("ConsumerPel {:?}", ids.iter().collect::<Vec<_>>()),
        Event::Module { module } => format!("Module {:#x}", module.0),
        Event::ModuleData(d) => format!("ModuleData {}", b(d)),
        Event::RawValue { rdb_type, body } => format!("Raw {rdb_type} {}", b(body)),
        Event::KeyEnd => "KeyEnd".to_string(),
        Event::Eof { checksum, verified } => format!("Eof {checksum:?} {verified}"),
    };
    format!("@{off} {body}")
}

/// Feeds `data` in chunks whose sizes `next` decides; `policy` picks each key's view.
/// Returns the event log and the error that ended it (if any).
pub fn run_with(
    data: &[u8],
    mut parser: Parser,
    mut next: impl FnMut() -> usize,
    policy: &dyn Fn(&KeyStart<'_>) -> Option<View>,
) -> (Vec<String>, Option<Error>) {
    let mut buf: Vec<u8> = Vec::new();
    let mut pos = 0usize;
    let mut log = Vec::new();
    let mut spins = 0u64;
    loop {
        spins += 1;
        assert!(spins < 50_000_000, "parser made no progress");
        let fed = match parser.feed(&buf) {
            Ok(f) => f,
            Err(e) => {
                // fused: the same error again
                assert_eq!(parser.feed(&buf).err(), Some(e.clone()));
                return (log, Some(e));
            }
        };
        let consumed = fed.consumed;
        assert!(consumed <= buf.len());
        match fed.step {
            Step::Event(ev) => {
                log.push(fmt_event(fed.offset, &ev));
                let view = match &ev {
                    Event::KeyStart(k) => policy(k),
                    _ => None,
                };
                buf.drain(..consumed);
                if let Some(v) = view {
                    parser.set_view(v);
                }
            }
            Step::NeedMore(n) => {
                assert!(n >= 1);
                buf.drain(..consumed);
                if pos >= data.len() {
                    let e = parser.finish().expect_err("NeedMore but finish() is Ok");
                    return (log, Some(e));
                }
                let k = next().max(1).min(data.len() - pos);
                buf.extend_from_slice(&data[pos..pos + k]);
                pos += k;
            }
            Step::Done => {
                buf.drain(..consumed);
                log.push(format!("Done +{}", data.len() - pos + buf.len()));
                parser.finish().unwrap();
                return (log, None);
            }
        }
    }
}

pub fn no_policy(_: &KeyStart<'_>) -> Option<View> {
    None
}

/// Whole input at once.
pub fn run_whole(data: &[u8], parser: Parser) -> (Vec<String>, Option<Error>) {
    run_with(data, parser, || usize::MAX, &no_policy)
}

/// A small deterministic PRNG for split points.
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

/// Asserts whole == byte-by-byte == random splits, for the given parser factory and policy.
pub fn assert_chunking_invariant(
    data: &[u8],
    make: &dyn Fn() -> Parser,
    policy: &dyn Fn(&KeyStart<'_>) -> Option<View>,
    seeds: u64,
) -> (Vec<String>, Option<Error>) {
    let whole = run_with(data, make(), || usize::MAX, policy);
    let bytewise = run_with(data, make(), || 1, policy);
    assert_eq!(whole, bytewise, "byte-at-a-time differs");
    for seed in 1..=seeds {
        let mut rng = Rng(seed * 0x9E37_79B9_7F4A_7C15);
        let max = 1 + rng.below(64);
        let split = run_with(data, make(), || 1 + rng.below(max) as usize, policy);
        assert_eq!(whole, split, "random split (seed {seed}) differs");
    }
    whole
}

// ----------------------------------------------------------------------------------------
// A model of the dataset.

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: Vec<u8>,
    pub last_id: StreamId,
    pub entries_read: Option<u64>,
    pub pel: Vec<PelEntry>,
    pub consumers: Vec<Consumer>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Consumer {
    pub name: Vec<u8>,
    pub seen: i64,
    pub active: Option<i64>,
    pub pel: Vec<StreamId>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Str(Vec<u8>),
    List(Vec<Vec<u8>>),
    Set(BTreeSet<Vec<u8>>),
    Zset(BTreeMap<Vec<u8>, u64>),
    Hash(BTreeMap<Vec<u8>, (Vec<u8>, Option<i64>)>),
    Stream {
        entries: Vec<(StreamId, Vec<(Vec<u8>, Vec<u8>)>)>,
        meta: Option<StreamMeta>,
        groups: Vec<Group>,
    },
    Module { id: ModuleId, data: Vec<u8> },
    Raw { rdb_type: u8, body: Vec<u8> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub kind: ValueKind,
    pub rdb_type: u8,
    pub expire_ms: Option<i64>,
    pub idle: Option<u64>,
    pub freq: Option<u8>,
    pub val: Val,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Model {
    pub keys: BTreeMap<(u64, Vec<u8>), Key>,
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    pub functions: Vec<Vec<u8>>,
    pub checksum: Option<u64>,
    pub verified: bool,
    pub version: u32,
}

/// Accumulates events into a model.
#[derive(Debug, Default)]
pub struct Builder {
    pub model: Model,
    cur: Option<((u64, Vec<u8>), Key)>,
}

impl Builder {
    pub fn on(&mut self, ev: &Event<'_>) {
        let v = |e: Elem<'_>| e.to_vec();
        match ev {
            Event::Header { version, .. } => self.model.version = *version,
            Event::Aux { key, value } => self.model.aux.push((key.to_vec(), value.to_vec())),
            Event::Function { code } => self.model.functions.push(code.to_vec()),
            Event::KeyStart(k) => {
                let val = match k.kind {
                    ValueKind::String => Val::Str(Vec::new()),
                    ValueKind::List => Val::List(Vec::new()),
                    ValueKind::Set => Val::Set(BTreeSet::new()),
                    ValueKind::Zset => Val::Zset(BTreeMap::new()),
                    ValueKind::Hash => Val::Hash(BTreeMap::new()),
                    ValueKind::Stream => Val::Stream {
                        entries: Vec::new(),
                        meta: None,
                        groups: Vec::new(),
                    },
                    ValueKind::Module => Val::Module {
                        id: ModuleId(0),
                        data: Vec::new(),
                    },
                };
                self.cur = Some((
                    (k.db, k.key.to_vec()),
                    Key {
                        kind: k.kind,
                        rdb_type: k.rdb_type,
                        expire_ms: k.expire_ms,
                        idle: k.lru_idle_s,
                        freq: k.lfu_freq,
                        val,
                    },
                ));
            }
            Event::KeyEnd => {
                let (k, key) = self.cur.take().expect("KeyEnd without KeyStart");
                assert!(self.model.keys.insert(k, key).is_none(), "duplicate key");
            }
            Event::Eof { checksum, verified } => {
                self.model.checksum = *checksum;
                self.model.verified = *verified;
            }
            Event::SelectDb { .. }
            | Event::ResizeDb { .. }
            | Event::SlotInfo { .. }
            | Event::SlotImport { .. }
            | Event::ModuleAux { .. } => {}
            _ => {
                let key = &mut self.cur.as_mut().expect("value event outside a key").1;
                match (&mut key.val, ev) {
                    (Val::Str(s), Event::StringChunk { data, pos, .. }) => {
                        assert_eq!(*pos as usize, s.len());
                        s.extend_from_slice(data)
                    }
                    (Val::List(l), Event::ListItems(e)) => l.extend(e.iter().map(v)),
                    (Val::Set(s), Event::SetMembers(e)) => s.extend(e.iter().map(v)),
                    (Val::Zset(z), Event::ZsetMembers(e)) => {
                        z.extend(e.iter().map(|(m, s)| (v(m), s.to_bits())))
                    }
                    (Val::Hash(h), Event::HashFields(e)) => h.extend(
                        e.iter().map(|f| (v(f.field), (v(f.value), f.expire_ms))),
                    ),
                    (Val::Stream { entries, .. }, Event::StreamEntries(s)) => {
                        entries.extend(s.iter().map(|e| {
                            (e.id, e.fields().map(|(f, x)| (v(f), v(x))).collect())
                        }))
                    }
                    (Val::Stream { meta, .. }, Event::StreamMeta(m)) => *meta = Some(*m),
                    (Val::Stream { groups, .. }, Event::StreamGroup(g)) => groups.push(Group {
                        name: g.name.to_vec(),
                        last_id: g.last_id,
                        entries_read: g.entries_read,
                        pel: Vec::new(),
                        consumers: Vec::new(),
                    }),
                    (Val::Stream { groups, .. }, Event::StreamPel(p)) => {
                        groups.last_mut().unwrap().pel.extend(p.iter())
                    }
                    (Val::Stream { groups, .. }, Event::StreamConsumer(c)) => {
                        groups.last_mut().unwrap().consumers.push(Consumer {
                            name: c.name.to_vec(),
                            seen: c.seen_time_ms,
                            active: c.active_time_ms,
                            pel: Vec::new(),
                        })
                    }
                    (Val::Stream { groups, .. }, Event::StreamConsumerPel(ids)) => groups
                        .last_mut()
                        .unwrap()
                        .consumers
                        .last_mut()
                        .unwrap()
                        .pel
                        .extend(ids.iter()),
                    (Val::Module { id, .. }, Event::Module { module }) => *id = *module,
                    (Val::Module { data, .. }, Event::ModuleData(d)) => data.extend_from_slice(d),
                    (val, Event::RawValue { rdb_type, body }) => {
                        *val = Val::Raw {
                            rdb_type: *rdb_type,
                            body: body.to_vec(),
                        }
                    }
                    (val, ev) => panic!("unexpected {ev:?} for {val:?}"),
                }
            }
        }
    }
}

/// Parses a whole RDB with [`RdbReader`] (small reads) into a model.
pub fn model_of(data: &[u8], parser: Parser) -> Result<Model, Error> {
    struct Trickle<'a>(&'a [u8]);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(4093);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let mut r = RdbReader::with_parser(Trickle(data), parser);
    let mut b = Builder::default();
    r.for_each(|_, ev| b.on(&ev))?;
    Ok(b.model)
}
