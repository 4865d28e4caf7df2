//! Stream values: node listpacks and the outer v1/v2/v3 structure (types 15, 19, 21).

use super::prim::{put_i64_le, put_len, put_string};
use super::{ListpackBuilder, StrOpts, WriteError};
use crate::encoding::{StreamId, FLAG_DELETED, FLAG_SAMEFIELDS};

/// One entry to store in a stream node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryIn<'a> {
    /// The entry ID.
    pub id: StreamId,
    /// Store it as a deleted tombstone.
    pub deleted: bool,
    /// Field/value pairs in order.
    pub fields: Vec<(&'a [u8], &'a [u8])>,
}

/// Builds one node's listpack as Redis does: the first entry's ID is the master ID and
/// its field names become the master fields; an entry with exactly those fields is stored
/// with SAMEFIELDS (values only), others with their own interleaved fields. Returns the
/// master ID (the node key) and the listpack.
pub fn stream_node_listpack(entries: &[EntryIn<'_>]) -> Result<(StreamId, Vec<u8>), WriteError> {
    let Some(first) = entries.first() else {
        return Err(WriteError::Empty {
            what: "stream node",
        });
    };
    let master = first.id;
    let master_fields: Vec<&[u8]> = first.fields.iter().map(|(f, _)| *f).collect();
    let live = entries.iter().filter(|e| !e.deleted).count();
    let mut lp = ListpackBuilder::new();
    lp.push_int(live as i64);
    lp.push_int((entries.len() - live) as i64);
    lp.push_int(master_fields.len() as i64);
    for f in &master_fields {
        lp.push(f);
    }
    lp.push_int(0);
    for e in entries {
        let same = e.fields.len() == master_fields.len()
            && e.fields
                .iter()
                .zip(&master_fields)
                .all(|((f, _), m)| f == m);
        let mut flags = 0;
        if e.deleted {
            flags |= FLAG_DELETED;
        }
        if same {
            flags |= FLAG_SAMEFIELDS;
        }
        lp.push_int(flags);
        lp.push_int(e.id.ms.wrapping_sub(master.ms) as i64);
        lp.push_int(e.id.seq.wrapping_sub(master.seq) as i64);
        let n = e.fields.len() as i64;
        if same {
            for (_, v) in &e.fields {
                lp.push(v);
            }
            lp.push_int(n + 3);
        } else {
            lp.push_int(n);
            for (f, v) in &e.fields {
                lp.push(f);
                lp.push(v);
            }
            lp.push_int(2 * n + 4);
        }
    }
    Ok((master, lp.finish()?))
}

/// Which stream layout to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StreamVersion {
    /// Type 15 (Redis 5.0–6.2).
    V1,
    /// Type 19 (Redis 7.0): adds first/max-deleted IDs, entries_added, entries_read.
    V2,
    /// Type 21 (Redis 7.2+): adds consumers' active time.
    V3,
}

impl StreamVersion {
    /// The RDB type byte of this layout.
    pub fn type_byte(self) -> u8 {
        match self {
            StreamVersion::V1 => 15,
            StreamVersion::V2 => 19,
            StreamVersion::V3 => 21,
        }
    }
}

/// Stream-level metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamMeta {
    /// Live entries.
    pub length: u64,
    /// Last ID ever added.
    pub last_id: StreamId,
    /// First live ID (v2+).
    pub first_id: StreamId,
    /// Largest deleted ID (v2+).
    pub max_deleted_id: StreamId,
    /// Entries ever added (v2+).
    pub entries_added: u64,
}

/// A pending entry of a consumer group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PelIn {
    /// The pending entry's ID.
    pub id: StreamId,
    /// Last delivery time, Unix ms.
    pub delivery_time_ms: i64,
    /// Number of deliveries.
    pub delivery_count: u64,
}

/// A consumer of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerIn<'a> {
    /// Consumer name.
    pub name: &'a [u8],
    /// Last seen time, Unix ms.
    pub seen_time_ms: i64,
    /// Last active time, Unix ms (written only by v3).
    pub active_time_ms: i64,
    /// IDs this consumer owns (each must be in the group PEL).
    pub pel: Vec<StreamId>,
}

/// A consumer group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupIn<'a> {
    /// Group name.
    pub name: &'a [u8],
    /// Last delivered ID.
    pub last_id: StreamId,
    /// Entries read (v2+); −1 means unknown and is written as a 64-bit length.
    pub entries_read: i64,
    /// The group's pending entries list.
    pub pel: Vec<PelIn>,
    /// The consumers.
    pub consumers: Vec<ConsumerIn<'a>>,
}

/// Appends a stream value body (after type byte and key). `nodes` are (node key = master
/// ID, listpack) pairs, e.g. from [`stream_node_listpack`]. Node listpacks have the same
/// layout in every stream version, so re-encoding a stream for an older target only
/// changes the outer structure: pass the source's nodes unchanged with an older
/// [`StreamVersion`].
pub fn put_stream(
    out: &mut Vec<u8>,
    opts: StrOpts,
    version: StreamVersion,
    nodes: &[(StreamId, Vec<u8>)],
    meta: &StreamMeta,
    groups: &[GroupIn<'_>],
) {
    let blob_opts = opts.no_int();
    put_len(out, nodes.len() as u64);
    for (id, lp) in nodes {
        put_string(out, &id.to_be_bytes(), blob_opts);
        put_string(out, lp, blob_opts);
    }
    put_len(out, meta.length);
    put_len(out, meta.last_id.ms);
    put_len(out, meta.last_id.seq);
    if version >= StreamVersion::V2 {
        put_len(out, meta.first_id.ms);
        put_len(out, meta.first_id.seq);
        put_len(out, meta.max_deleted_id.ms);
        put_len(out, meta.max_deleted_id.seq);
        put_len(out, meta.entries_added);
    }
    put_len(out, groups.len() as u64);
    for g in groups {
        put_string(out, g.name, opts);
        put_len(out, g.last_id.ms);
        put_len(out, g.last_id.seq);
        if version >= StreamVersion::V2 {
            put_len(out, g.entries_read as u64);
        }
        put_len(out, g.pel.len() as u64);
        for p in &g.pel {
            out.extend_from_slice(&p.id.to_be_bytes());
            put_i64_le(out, p.delivery_time_ms);
            put_len(out, p.delivery_count);
        }
        put_len(out, g.consumers.len() as u64);
        for c in &g.consumers {
            put_string(out, c.name, opts);
            put_i64_le(out, c.seen_time_ms);
            if version >= StreamVersion::V3 {
                put_i64_le(out, c.active_time_ms);
            }
            put_len(out, c.pel.len() as u64);
            for id in &c.pel {
                out.extend_from_slice(&id.to_be_bytes());
            }
        }
    }
}
