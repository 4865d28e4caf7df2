//! Shared test helpers: a chunked feeding driver that logs every event exactly, and a model
//! of an RDB's contents built from events.
#![allow(dead_code, clippy::unwrap_used)]

pub mod corpus;
pub mod fuzz_checks;

#[allow(unused_imports)]
pub use fuzz_checks::{elem_str, fmt_event, no_policy, run_with, Rng};

use std::collections::{BTreeMap, BTreeSet};

use rdb_parser::{
    Elem, Error, Event, KeyStart, ModuleId, Parser, PelEntry, RdbReader, StreamId, StreamMeta,
    ValueKind, View,
};

/// Whole input at once.
pub fn run_whole(data: &[u8], parser: Parser) -> (Vec<String>, Option<Error>) {
    run_with(data, parser, || usize::MAX, &no_policy)
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
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
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

/// A stream entry: id and field/value pairs.
pub type Entry = (StreamId, Vec<(Vec<u8>, Vec<u8>)>);

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Str(Vec<u8>),
    List(Vec<Vec<u8>>),
    Set(BTreeSet<Vec<u8>>),
    Zset(BTreeMap<Vec<u8>, u64>),
    Hash(BTreeMap<Vec<u8>, (Vec<u8>, Option<i64>)>),
    Stream {
        entries: Vec<Entry>,
        meta: Option<StreamMeta>,
        groups: Vec<Group>,
    },
    Module {
        id: ModuleId,
        data: Vec<u8>,
    },
    Raw {
        rdb_type: u8,
        body: Vec<u8>,
    },
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
                    (Val::Hash(h), Event::HashFields(e)) => {
                        h.extend(e.iter().map(|f| (v(f.field), (v(f.value), f.expire_ms))))
                    }
                    (Val::Stream { entries, .. }, Event::StreamEntries(s)) => entries.extend(
                        s.iter()
                            .map(|e| (e.id, e.fields().map(|(f, x)| (v(f), v(x))).collect())),
                    ),
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
