//! Streams (types 15, 19, 21): nodes, metadata, consumer groups, PELs and consumers.
//!
//! Outer layout: `len n_nodes`, nodes × (16-byte master id string, listpack string), then
//! `length`, `last_id` (ms, seq), v2+: `first_id`, `max_deleted_id`, `entries_added`, then
//! `len n_groups` × { name, last_id, v2+: entries_read, PEL × (16 raw id bytes, i64 LE
//! delivery time, len count), `len n_consumers` × { name, i64 LE seen time, v3+: i64 LE
//! active time, `len n` × 16 raw id bytes } }.

use super::rd::{Rd, Stop, Str, P};
use super::value::U;
use super::{BatchKind, Parser, Pending};
use crate::encoding::{self, BlobError};
use crate::error::ErrorKind;
use crate::event::{Item, StreamId, StreamMeta};
use crate::Elem;

/// Stream walk state. `g` = groups left (including the current one), `c` = consumers left
/// (including the current one), `p` = PEL entries left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ss {
    NodesCount,
    Nodes(u64),
    Meta,
    Groups(u64),
    Pel { g: u64, p: u64 },
    ConsCount { g: u64 },
    Cons { g: u64, c: u64 },
    ConsPel { g: u64, c: u64, p: u64 },
    Done,
}

impl Ss {
    pub(crate) fn is_items(self) -> bool {
        matches!(self, Ss::Nodes(n) if n > 0)
            || matches!(self, Ss::Pel { p, .. } if p > 0)
            || matches!(self, Ss::ConsPel { p, .. } if p > 0)
    }

    pub(crate) fn batch_kind(self) -> BatchKind {
        match self {
            Ss::Pel { .. } => BatchKind::Pel,
            Ss::ConsPel { .. } => BatchKind::ConsumerPel,
            _ => BatchKind::Stream,
        }
    }
}

fn id(rd: &mut Rd<'_>) -> P<StreamId> {
    Ok(StreamId {
        ms: rd.len()?,
        seq: rd.len()?,
    })
}

impl Parser {
    /// The stream listpack format version: 1 (type 15), 2 (19), 3 (21).
    fn stream_ver(&self) -> u8 {
        match self.vt {
            15 => 1,
            19 => 2,
            _ => 3,
        }
    }

    pub(crate) fn stream_unit(
        &mut self,
        rd: &mut Rd<'_>,
        input: &[u8],
        ss: Ss,
        collect: bool,
    ) -> P<(U, Ss)> {
        let v = self.stream_ver();
        match ss {
            Ss::NodesCount => Ok((U::Nothing, Ss::Nodes(rd.len()?))),
            Ss::Nodes(0) => Ok((U::Nothing, Ss::Meta)),
            Ss::Nodes(n) => {
                let got = self.stream_node(rd, input, collect)?;
                Ok((U::Items(got), Ss::Nodes(n - 1)))
            }
            Ss::Meta => {
                let length = rd.len()?;
                let last_id = id(rd)?;
                let (first_id, max_deleted_id, entries_added) = if v >= 2 {
                    (Some(id(rd)?), Some(id(rd)?), Some(rd.len()?))
                } else {
                    (None, None, None)
                };
                let groups = rd.len()?;
                self.pend = Pending::StreamMeta(StreamMeta {
                    length,
                    last_id,
                    first_id,
                    max_deleted_id,
                    entries_added,
                    groups,
                });
                Ok((U::Ev, Ss::Groups(groups)))
            }
            Ss::Groups(0) => Ok((U::End, Ss::Done)),
            Ss::Groups(g) => {
                let name = if collect {
                    self.string_bytes(rd)?
                } else {
                    rd.string()?;
                    Item::Int(0)
                };
                let last_id = id(rd)?;
                let entries_read = if v >= 2 {
                    Some(rd.len()?).filter(|&e| e != u64::MAX)
                } else {
                    None
                };
                let p = rd.len()?;
                self.pend = Pending::StreamGroup(name, last_id, entries_read, p);
                Ok((U::Ev, Ss::Pel { g, p }))
            }
            Ss::Pel { g, p: 0 } => Ok((U::Nothing, Ss::ConsCount { g })),
            Ss::Pel { g, p } => {
                let eid = rd.raw_id()?;
                let t = rd.i64_le()?;
                let count = rd.len()?;
                if collect {
                    self.items.extend_from_slice(&[
                        Item::Id(eid),
                        Item::Opt(Some(t)),
                        Item::U(count),
                    ]);
                }
                Ok((U::Items(1), Ss::Pel { g, p: p - 1 }))
            }
            Ss::ConsCount { g } => Ok((U::Nothing, Ss::Cons { g, c: rd.len()? })),
            Ss::Cons { g, c: 0 } => Ok((U::Nothing, Ss::Groups(g - 1))),
            Ss::Cons { g, c } => {
                let name = if collect {
                    self.string_bytes(rd)?
                } else {
                    rd.string()?;
                    Item::Int(0)
                };
                let seen = rd.i64_le()?;
                let active = if v >= 3 { Some(rd.i64_le()?) } else { None };
                let p = rd.len()?;
                self.pend = Pending::StreamConsumer(name, seen, active, p);
                Ok((U::Ev, Ss::ConsPel { g, c, p }))
            }
            Ss::ConsPel { g, c, p: 0 } => Ok((U::Nothing, Ss::Cons { g, c: c - 1 })),
            Ss::ConsPel { g, c, p } => {
                let eid = rd.raw_id()?;
                if collect {
                    self.items.push(Item::Id(eid));
                }
                Ok((U::Items(1), Ss::ConsPel { g, c, p: p - 1 }))
            }
            Ss::Done => Ok((U::End, Ss::Done)),
        }
    }

    /// One node: master-id string + listpack string. Pushes `Id, U(n), f, v, ...` per live
    /// entry and returns the number of live entries.
    fn stream_node(&mut self, rd: &mut Rd<'_>, input: &[u8], collect: bool) -> P<usize> {
        let key_at = rd.p;
        let key = rd.string()?;
        let lp_at = rd.p;
        if !collect {
            rd.string()?;
            let klen = match key {
                Str::Raw(_, l) => l as u64,
                Str::Lzf(_, _, u) => u as u64,
                Str::Int(_) => 0,
            };
            if klen != 16 {
                return Err(Stop::Bad(ErrorKind::BadStreamNodeKey(klen), key_at));
            }
            return Ok(0);
        }
        let key_item = self.bytes_item(rd, key, key_at)?;
        let lp_str = rd.string()?;
        let lp_item = self.bytes_item(rd, lp_str, lp_at)?;
        if let Str::Int(_) = lp_str {
            return Err(Stop::Bad(ErrorKind::EmptyNode, lp_at));
        }
        let Parser { scratch, items, .. } = self;
        let get = |it: Item| -> &[u8] {
            match it {
                Item::In(s, l) => input.get(s..s + l).unwrap_or_default(),
                Item::Sc(s, l) => scratch.get(s..s + l).unwrap_or_default(),
                _ => &[],
            }
        };
        let key_bytes = get(key_item);
        if key_bytes.len() != 16 {
            return Err(Stop::Bad(
                ErrorKind::BadStreamNodeKey(key_bytes.len() as u64),
                key_at,
            ));
        }
        let lp = get(lp_item);
        let (sc, base) = match lp_item {
            Item::Sc(s, _) => (true, s),
            Item::In(s, _) => (false, s),
            _ => (false, 0),
        };
        let be = |e: BlobError| Stop::Bad(ErrorKind::Blob(e), lp_at);
        let conv = |e: Elem<'_>| -> P<Item> {
            match e {
                Elem::Int(i) => Ok(Item::Int(i)),
                Elem::Bytes(b) => {
                    let off = (b.as_ptr() as usize).wrapping_sub(lp.as_ptr() as usize);
                    if off > lp.len() || lp.len() - off < b.len() {
                        return Err(be(BlobError::new(0, encoding::BlobErrorKind::Truncated)));
                    }
                    Ok(if sc {
                        Item::Sc(base + off, b.len())
                    } else {
                        Item::In(base + off, b.len())
                    })
                }
            }
        };
        let mut live = 0usize;
        for entry in encoding::stream_node(key_bytes, lp).map_err(be)? {
            let entry = entry.map_err(be)?;
            if entry.deleted {
                continue;
            }
            items.push(Item::Id(entry.id));
            items.push(Item::U(entry.fields.len()));
            for (f, v) in entry.fields {
                items.push(conv(f)?);
                items.push(conv(v)?);
            }
            live += 1;
        }
        Ok(live)
    }
}
