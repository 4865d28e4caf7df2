//! Value bodies (what follows the type byte and key) for every non-stream RDB type.

use super::prim::{put_ascii_double, put_binary_double, put_i64_le, put_len, put_string};
use super::{ListpackBuilder, StrOpts, WriteError, ZiplistBuilder};

/// Appends a value made of one encoded blob: types 0 (string), 9 (zipmap), 10 (ziplist
/// list), 11 (intset), 12/13 (ziplist zset/hash), 16/17/20 (listpack hash/zset/set).
pub fn put_blob_value(out: &mut Vec<u8>, opts: StrOpts, blob: &[u8]) {
    put_string(out, blob, opts);
}

/// Appends a `len N` + N strings body: type 1 (linked list) and type 2 (set).
pub fn put_string_seq<T: AsRef<[u8]>>(out: &mut Vec<u8>, opts: StrOpts, items: &[T]) {
    put_len(out, items.len() as u64);
    for i in items {
        put_string(out, i.as_ref(), opts);
    }
}

/// Appends a type-4 hash body: `len N` + N × (field, value).
pub fn put_hash<A: AsRef<[u8]>, B: AsRef<[u8]>>(
    out: &mut Vec<u8>,
    opts: StrOpts,
    pairs: &[(A, B)],
) {
    put_len(out, pairs.len() as u64);
    for (f, v) in pairs {
        put_string(out, f.as_ref(), opts);
        put_string(out, v.as_ref(), opts);
    }
}

/// Appends a type-3 zset body: members with ASCII-double scores (253/254/255 specials).
pub fn put_zset_ascii<A: AsRef<[u8]>>(out: &mut Vec<u8>, opts: StrOpts, items: &[(A, f64)]) {
    put_len(out, items.len() as u64);
    for (m, s) in items {
        put_string(out, m.as_ref(), opts);
        put_ascii_double(out, *s);
    }
}

/// Appends a type-5 (ZSET_2) body: members with 8-byte LE binary scores.
pub fn put_zset_binary<A: AsRef<[u8]>>(out: &mut Vec<u8>, opts: StrOpts, items: &[(A, f64)]) {
    put_len(out, items.len() as u64);
    for (m, s) in items {
        put_string(out, m.as_ref(), opts);
        put_binary_double(out, *s);
    }
}

/// Appends a type-14 (quicklist v1) body: `len nodes` + each node's ziplist as a string
/// (LZF-compressed per `opts`, like a node compressed by `list-compress-depth`).
pub fn put_quicklist_v1<T: AsRef<[u8]>>(out: &mut Vec<u8>, opts: StrOpts, ziplists: &[T]) {
    put_len(out, ziplists.len() as u64);
    for z in ziplists {
        put_string(out, z.as_ref(), opts.no_int());
    }
}

/// One node of a type-18 (quicklist v2) list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuicklistNode<'a> {
    /// Container 1: one raw list element.
    Plain(&'a [u8]),
    /// Container 2: a listpack of elements.
    Packed(&'a [u8]),
}

/// Appends a type-18 (quicklist v2) body: `len nodes` + (container, string) per node.
///
/// Redis refuses zero-length node data, so an empty PLAIN element is written as a PACKED
/// node holding one empty string, and an empty PACKED blob as an empty listpack (which
/// loaders skip): the same list, in a form every loader accepts.
pub fn put_quicklist_v2(out: &mut Vec<u8>, opts: StrOpts, nodes: &[QuicklistNode<'_>]) {
    put_len(out, nodes.len() as u64);
    for n in nodes {
        match *n {
            QuicklistNode::Plain(e) if !e.is_empty() => {
                put_len(out, 1);
                put_string(out, e, opts.no_int());
            }
            QuicklistNode::Plain(_) => {
                put_len(out, 2);
                put_string(out, EMPTY_STRING_LISTPACK, opts.no_int());
            }
            QuicklistNode::Packed(lp) if !lp.is_empty() => {
                put_len(out, 2);
                put_string(out, lp, opts.no_int());
            }
            QuicklistNode::Packed(_) => {
                put_len(out, 2);
                put_string(out, EMPTY_LISTPACK, opts.no_int());
            }
        }
    }
}

/// A listpack holding one empty string.
const EMPTY_STRING_LISTPACK: &[u8] = &[9, 0, 0, 0, 1, 0, 0x80, 1, 0xFF];
/// A listpack with no elements.
const EMPTY_LISTPACK: &[u8] = &[7, 0, 0, 0, 0, 0, 0xFF];

/// Splits list elements into ziplists of at most `max_entries` each (for a type-14
/// quicklist, e.g. re-encoding a list for a Redis 3.2–6.2 target).
pub fn ziplist_nodes<T: AsRef<[u8]>>(
    items: &[T],
    max_entries: usize,
) -> Result<Vec<Vec<u8>>, WriteError> {
    let per = max_entries.max(1);
    items
        .chunks(per)
        .map(|chunk| {
            let mut z = ZiplistBuilder::new();
            for i in chunk {
                z.push(i.as_ref());
            }
            z.finish()
        })
        .collect()
}

/// Splits list elements into listpacks of at most `max_entries` each (for a type-18
/// quicklist).
pub fn listpack_nodes<T: AsRef<[u8]>>(
    items: &[T],
    max_entries: usize,
) -> Result<Vec<Vec<u8>>, WriteError> {
    let per = max_entries.max(1);
    items
        .chunks(per)
        .map(|chunk| {
            let mut l = ListpackBuilder::new();
            for i in chunk {
                l.push(i.as_ref());
            }
            l.finish()
        })
        .collect()
}

/// One field of a hash whose fields may expire (types 24, 25 and Valkey HASH_2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TtlField<'a> {
    /// The field name.
    pub field: &'a [u8],
    /// The value.
    pub value: &'a [u8],
    /// Absolute expiry in Unix milliseconds, if the field has one.
    pub expire_at_ms: Option<u64>,
}

/// Redis's `EB_EXPIRE_TIME_MAX`: the largest field expiry (2^48 − 1 ms).
pub const HASH_FIELD_EXPIRE_MAX: u64 = (1 << 48) - 1;
/// Redis's `EB_EXPIRE_TIME_INVALID`: the `minExpire` of a hash without field expiries.
pub const HASH_FIELD_EXPIRE_INVALID: u64 = 1 << 48;

fn min_expire(fields: &[TtlField<'_>]) -> Result<u64, WriteError> {
    let mut min = HASH_FIELD_EXPIRE_INVALID;
    for f in fields {
        if let Some(t) = f.expire_at_ms {
            if t == 0 || t > HASH_FIELD_EXPIRE_MAX {
                return Err(WriteError::Invalid {
                    what: "hash field expiry must be in 1..=2^48-1",
                });
            }
            min = min.min(t);
        }
    }
    Ok(min)
}

/// Appends a type-24 (HASH_METADATA, Redis 7.4+) body: `minExpire` int64 LE, `len N`,
/// then N × (`len ttl`, field, value) with `ttl = expireAt − minExpire + 1` (0 = none).
pub fn put_hash_metadata(
    out: &mut Vec<u8>,
    opts: StrOpts,
    fields: &[TtlField<'_>],
) -> Result<(), WriteError> {
    let min = min_expire(fields)?;
    put_i64_le(out, min as i64);
    put_len(out, fields.len() as u64);
    for f in fields {
        let ttl = f.expire_at_ms.map_or(0, |t| t - min + 1);
        put_len(out, ttl);
        put_string(out, f.field, opts);
        put_string(out, f.value, opts);
    }
    Ok(())
}

/// The listpack of a type-25 (HASH_LISTPACK_EX) hash: (field, value, expireAt) triplets
/// ordered by expiry ascending, fields without a TTL (expireAt 0) last, as Redis keeps
/// them.
pub fn hash_listpack_ex_blob(fields: &[TtlField<'_>]) -> Result<Vec<u8>, WriteError> {
    min_expire(fields)?;
    let mut order: Vec<&TtlField<'_>> = fields.iter().collect();
    order.sort_by_key(|f| f.expire_at_ms.unwrap_or(u64::MAX));
    let mut lp = ListpackBuilder::new();
    for f in order {
        lp.push(f.field);
        lp.push(f.value);
        lp.push_int(f.expire_at_ms.unwrap_or(0) as i64);
    }
    lp.finish()
}

/// Appends a type-25 (HASH_LISTPACK_EX, Redis 7.4+) body: `minExpire` int64 LE, then the
/// triplet listpack as a string.
pub fn put_hash_listpack_ex(
    out: &mut Vec<u8>,
    opts: StrOpts,
    fields: &[TtlField<'_>],
) -> Result<(), WriteError> {
    let min = min_expire(fields)?;
    let blob = hash_listpack_ex_blob(fields)?;
    put_i64_le(out, min as i64);
    put_string(out, &blob, opts.no_int());
    Ok(())
}

/// Appends a Valkey 9 type-22 (HASH_2) body: `len N`, then N × (field, value, int64 LE
/// expiry ms) with −1 meaning no expiry.
pub fn put_valkey_hash2(out: &mut Vec<u8>, opts: StrOpts, fields: &[TtlField<'_>]) {
    put_len(out, fields.len() as u64);
    for f in fields {
        put_string(out, f.field, opts);
        put_string(out, f.value, opts);
        put_i64_le(out, f.expire_at_ms.map_or(-1, |t| t as i64));
    }
}

/// One item of a module value or MODULE_AUX payload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ModuleOp<'a> {
    /// Opcode 2: an unsigned integer (`RM_SaveUnsigned`; `RM_SaveSigned` also writes
    /// this opcode with the two's-complement bits).
    Uint(u64),
    /// Opcode 1: a signed integer as its u64 bits. Redis never writes it, but loaders
    /// accept it.
    Sint(i64),
    /// Opcode 3: a 4-byte LE float.
    Float(f32),
    /// Opcode 4: an 8-byte LE double.
    Double(f64),
    /// Opcode 5: an RDB string.
    String(&'a [u8]),
}

fn put_module_ops(out: &mut Vec<u8>, opts: StrOpts, ops: &[ModuleOp<'_>]) {
    for op in ops {
        match *op {
            ModuleOp::Sint(v) => {
                put_len(out, 1);
                put_len(out, v as u64);
            }
            ModuleOp::Uint(v) => {
                put_len(out, 2);
                put_len(out, v);
            }
            ModuleOp::Float(v) => {
                put_len(out, 3);
                out.extend_from_slice(&v.to_le_bytes());
            }
            ModuleOp::Double(v) => {
                put_len(out, 4);
                out.extend_from_slice(&v.to_le_bytes());
            }
            ModuleOp::String(s) => {
                put_len(out, 5);
                put_string(out, s, opts);
            }
        }
    }
    put_len(out, 0);
}

/// Appends a type-7 (MODULE_2) body: `len module_id`, the opcodes, and EOF (0).
pub fn put_module_value(out: &mut Vec<u8>, opts: StrOpts, module_id: u64, ops: &[ModuleOp<'_>]) {
    put_len(out, module_id);
    put_module_ops(out, opts, ops);
}

/// When a MODULE_AUX record is loaded relative to the keyspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuxWhen {
    /// 1: before the keys (`REDISMODULE_AUX_BEFORE_RDB`).
    BeforeRdb = 1,
    /// 2: after the keys (`REDISMODULE_AUX_AFTER_RDB`).
    AfterRdb = 2,
}

/// Appends a MODULE_AUX payload (what follows the 0xF7 opcode byte): `len module_id`,
/// the mandatory UINT `when`, the opcodes, and EOF.
pub fn put_module_aux_body(
    out: &mut Vec<u8>,
    opts: StrOpts,
    module_id: u64,
    when: AuxWhen,
    ops: &[ModuleOp<'_>],
) {
    put_len(out, module_id);
    put_len(out, 2);
    put_len(out, when as u64);
    put_module_ops(out, opts, ops);
}

const MODULE_CHARSET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The 64-bit module type id of a 9-character module type name and a 10-bit encoding
/// version, as `moduleTypeEncodeId` computes it.
///
/// ```
/// let id = rdb_parser::write::module_type_id("ReJSON-RL", 3)?;
/// assert_eq!(id, 0x45E25238DF912C03);
/// # Ok::<(), rdb_parser::write::WriteError>(())
/// ```
pub fn module_type_id(name: &str, encver: u16) -> Result<u64, WriteError> {
    let bad = WriteError::Invalid {
        what: "module type name must be 9 chars of A-Z a-z 0-9 - _, encver <= 1023",
    };
    if name.len() != 9 || encver > 1023 {
        return Err(bad);
    }
    let mut id: u64 = 0;
    for c in name.bytes() {
        let idx = MODULE_CHARSET
            .iter()
            .position(|&x| x == c)
            .ok_or(bad.clone())?;
        id = (id << 6) | idx as u64;
    }
    Ok((id << 10) | u64::from(encver))
}
