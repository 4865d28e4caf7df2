//! What the parser reports: [`Step`], [`Event`] and the batch views over decoded elements.
//!
//! Everything borrows either from the input you fed or from the parser's own scratch buffer
//! (decompressed LZF strings, integers rendered as text); nothing is allocated per element.

use crate::Elem;

/// Which server family wrote the file; decides the meaning of type 22 and opcode 243.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// `REDIS` magic (also Valkey 7.2/8.x, which write `REDIS0011`).
    Redis,
    /// `VALKEY` magic (Valkey 9+, `VALKEY080`).
    Valkey,
}

/// The data type of a key, independent of its encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// A string (type 0).
    String,
    /// A list (types 1, 10, 14, 18).
    List,
    /// A set (types 2, 11, 20).
    Set,
    /// A sorted set (types 3, 5, 12, 17).
    Zset,
    /// A hash (types 4, 9, 13, 16, 24, 25, Valkey 22).
    Hash,
    /// A stream (types 15, 19, 21).
    Stream,
    /// A module value (type 7).
    Module,
}

impl ValueKind {
    /// The lowercase name Redis's `TYPE` command uses (`"module"` for module values).
    pub fn name(self) -> &'static str {
        match self {
            ValueKind::String => "string",
            ValueKind::List => "list",
            ValueKind::Set => "set",
            ValueKind::Zset => "zset",
            ValueKind::Hash => "hash",
            ValueKind::Stream => "stream",
            ValueKind::Module => "module",
        }
    }
}

pub use crate::encoding::StreamId;

/// A module type id: 9-character name + 10-bit encoding version packed in 64 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModuleId(pub u64);

impl ModuleId {
    const CHARSET: &'static [u8; 64] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// The 9-character module type name (e.g. `ReJSON-RL`).
    pub fn name(self) -> [u8; 9] {
        let mut out = [0u8; 9];
        for (i, c) in out.iter_mut().enumerate() {
            let shift = 58 - 6 * i as u32;
            *c = Self::CHARSET[((self.0 >> shift) & 63) as usize];
        }
        out
    }

    /// The name as a `String` (always ASCII).
    pub fn name_string(self) -> String {
        self.name().iter().map(|&b| b as char).collect()
    }

    /// The encoding version (low 10 bits).
    pub fn encver(self) -> u16 {
        (self.0 & 1023) as u16
    }
}

/// Where a key's record starts and what it carries; the first event of every key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyStart<'a> {
    /// The database selected by the last SELECTDB (0 before any).
    pub db: u64,
    /// The key.
    pub key: &'a [u8],
    /// The RDB type byte of the value.
    pub rdb_type: u8,
    /// The data type.
    pub kind: ValueKind,
    /// Absolute expire time in unix milliseconds (EXPIRETIME seconds are converted).
    pub expire_ms: Option<i64>,
    /// LRU idle time in seconds (IDLE opcode).
    pub lru_idle_s: Option<u64>,
    /// LFU frequency counter (FREQ opcode).
    pub lfu_freq: Option<u8>,
}

/// Stream-wide metadata (arrives after the stream's entries, as in the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamMeta {
    /// Number of live entries.
    pub length: u64,
    /// The last ID ever added.
    pub last_id: StreamId,
    /// First live entry ID (RDB stream v2+ only).
    pub first_id: Option<StreamId>,
    /// Largest deleted entry ID (v2+ only).
    pub max_deleted_id: Option<StreamId>,
    /// Entries ever added (v2+ only).
    pub entries_added: Option<u64>,
    /// Number of consumer groups that follow.
    pub groups: u64,
}

/// A consumer group header; its PEL and consumers follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamGroup<'a> {
    /// Group name.
    pub name: &'a [u8],
    /// Last delivered ID.
    pub last_id: StreamId,
    /// Entries read (v2+); `None` when not stored (v1) or stored as "unknown" (-1).
    pub entries_read: Option<u64>,
    /// Number of PEL entries that follow (in [`Event::StreamPel`] batches).
    pub pel_len: u64,
}

/// A consumer of the current group; its PEL ids follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamConsumer<'a> {
    /// Consumer name.
    pub name: &'a [u8],
    /// Last time the consumer was seen (unix ms).
    pub seen_time_ms: i64,
    /// Last successful read/claim (unix ms; stream v3+ only).
    pub active_time_ms: Option<i64>,
    /// Number of PEL ids that follow (in [`Event::StreamConsumerPel`] batches).
    pub pel_len: u64,
}

/// One entry of a consumer group's pending entries list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PelEntry {
    /// The pending entry's ID.
    pub id: StreamId,
    /// Last delivery time (unix ms).
    pub delivery_time_ms: i64,
    /// Number of deliveries.
    pub delivery_count: u64,
}

/// One field of a hash, with its field TTL when the encoding carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashField<'a> {
    /// Field name.
    pub field: Elem<'a>,
    /// Field value.
    pub value: Elem<'a>,
    /// Absolute field expire time (unix ms), for hash-field-TTL encodings.
    pub expire_ms: Option<i64>,
}

/// Everything the parser can report.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The magic; always the first event.
    Header {
        /// RDB version (80 for `VALKEY080`).
        version: u32,
        /// Which magic.
        flavor: Flavor,
    },
    /// An AUX field (`redis-ver`, `ctime`, `repl-id`, `lua`, `slot-info`...).
    Aux {
        /// Field name.
        key: &'a [u8],
        /// Field value (integer-encoded values are rendered as decimal text).
        value: &'a [u8],
    },
    /// SELECTDB: keys that follow belong to this database.
    SelectDb {
        /// Database number.
        db: u64,
    },
    /// RESIZEDB hints for the current database.
    ResizeDb {
        /// Keys in the database.
        db_size: u64,
        /// Keys with an expire.
        expires_size: u64,
    },
    /// SLOT_INFO (Redis 7.4+ cluster): hints for the slot of the keys that follow.
    SlotInfo {
        /// Slot number.
        slot: u64,
        /// Keys in the slot.
        slot_size: u64,
        /// Keys with an expire in the slot.
        expires_slot_size: u64,
    },
    /// SLOT_IMPORT (Valkey 9 atomic slot migration, opcode 243 under `VALKEY` magic).
    SlotImport {
        /// The import job name.
        job: &'a [u8],
        /// Slot ranges being imported.
        ranges: SlotRanges<'a>,
    },
    /// MODULE_AUX: module-global data.
    ModuleAux {
        /// The module type.
        module: ModuleId,
        /// When it was saved: 1 = before keys, 2 = after keys.
        when: u64,
        /// The module's opcodes after `when`, up to and including the EOF opcode, as stored.
        data: &'a [u8],
    },
    /// FUNCTION2: one function library's source code.
    Function {
        /// The library source (`#!lua name=...`).
        code: &'a [u8],
    },
    /// A key's record starts; value events follow, then [`Event::KeyEnd`].
    /// Call [`crate::Parser::set_view`] now to choose how this value is delivered.
    /// An empty collection (which Redis 6.2.7+/7.0+ skip on load and a `RESTORE` rejects)
    /// arrives as `KeyStart` + `KeyEnd` with no element batch in between.
    KeyStart(KeyStart<'a>),
    /// A piece of a string value. Every string value yields at least one chunk.
    StringChunk {
        /// The bytes.
        data: &'a [u8],
        /// Position of `data` within the value.
        pos: u64,
        /// Total length of the value.
        total: u64,
    },
    /// A batch of list elements, in order.
    ListItems(Elems<'a>),
    /// A batch of set members.
    SetMembers(Elems<'a>),
    /// A batch of sorted-set members with their scores.
    ZsetMembers(ZsetPairs<'a>),
    /// A batch of hash fields.
    HashFields(HashFields<'a>),
    /// A batch of stream entries (live entries only; deleted ones are skipped).
    StreamEntries(StreamEntries<'a>),
    /// Stream metadata, after all entries.
    StreamMeta(StreamMeta),
    /// A consumer group header.
    StreamGroup(StreamGroup<'a>),
    /// A batch of the current group's PEL entries.
    StreamPel(PelEntries<'a>),
    /// A consumer of the current group.
    StreamConsumer(StreamConsumer<'a>),
    /// A batch of the current consumer's pending IDs.
    StreamConsumerPel(StreamIds<'a>),
    /// A module value starts: its type id. [`Event::ModuleData`] chunks follow.
    Module {
        /// The module type.
        module: ModuleId,
    },
    /// Raw module opcode bytes (after the id, up to and including the EOF opcode), in order.
    ModuleData(&'a [u8]),
    /// The whole encoded value, for the Raw view: type byte + `body` is exactly what a
    /// `DUMP` payload carries before its version and CRC (see [`crate::dump_payload_parts`]).
    RawValue {
        /// The type byte.
        rdb_type: u8,
        /// The encoded value after the type byte and key.
        body: &'a [u8],
    },
    /// The key's record ended.
    KeyEnd,
    /// The EOF opcode (and trailer). After it, [`Step::Done`].
    Eof {
        /// The stored checksum (`None` before RDB 5; `Some(0)` means checksums were disabled).
        checksum: Option<u64>,
        /// Whether the checksum was computed and matched.
        verified: bool,
    },
}

/// The result of one [`crate::Parser::feed`] call.
#[derive(Debug)]
pub enum Step<'a> {
    /// An event.
    Event(Event<'a>),
    /// Feed again with the unconsumed bytes plus at least this many more (a hint; more is
    /// fine, and the parser may ask again).
    NeedMore(usize),
    /// The RDB (or payload) is complete; bytes after it are left unconsumed.
    Done,
}

/// What [`crate::Parser::feed`] returns: bytes consumed, the event's offset, and the step.
#[derive(Debug)]
pub struct Fed<'a> {
    /// How many bytes at the front of the input were consumed (possibly 0, even with an
    /// event: consumption is batched). Keep the rest and feed them again (unchanged) with
    /// more bytes appended.
    pub consumed: usize,
    /// Absolute offset (from the start of the file) where the event's bytes start; for
    /// [`Event::KeyStart`] the first byte of the key's record (its expire/idle/freq opcodes).
    pub offset: u64,
    /// The outcome.
    pub step: Step<'a>,
}

/// One decoded item in the parser's batch buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Item {
    /// Bytes at input[start..start+len].
    In(usize, usize),
    /// Bytes at scratch[start..start+len].
    Sc(usize, usize),
    Int(i64),
    F64(f64),
    Opt(Option<i64>),
    Id(StreamId),
    U(u64),
}

/// The two buffers items point into.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Src<'a> {
    pub input: &'a [u8],
    pub scratch: &'a [u8],
}

impl<'a> Src<'a> {
    #[inline]
    pub(crate) fn elem(&self, it: Item) -> Elem<'a> {
        match it {
            Item::In(s, l) => Elem::Bytes(self.input.get(s..s + l).unwrap_or_default()),
            Item::Sc(s, l) => Elem::Bytes(self.scratch.get(s..s + l).unwrap_or_default()),
            Item::Int(i) => Elem::Int(i),
            _ => Elem::Bytes(&[]),
        }
    }
    #[inline]
    fn f64(it: Item) -> f64 {
        match it {
            Item::F64(f) => f,
            _ => 0.0,
        }
    }
    #[inline]
    fn opt(it: Item) -> Option<i64> {
        match it {
            Item::Opt(o) => o,
            _ => None,
        }
    }
    #[inline]
    fn id(it: Item) -> StreamId {
        match it {
            Item::Id(i) => i,
            _ => StreamId::default(),
        }
    }
    #[inline]
    fn u(it: Item) -> u64 {
        match it {
            Item::U(u) => u,
            Item::Int(i) => i as u64,
            _ => 0,
        }
    }
}

macro_rules! batch_view {
    ($(#[$m:meta])* $name:ident, $stride:expr, $item:ty, |$src:ident, $c:ident| $make:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<'a> {
            pub(crate) src: Src<'a>,
            pub(crate) items: &'a [Item],
        }

        impl<'a> $name<'a> {
            /// Number of entries in the batch.
            pub fn len(&self) -> usize {
                self.items.len() / $stride
            }
            /// Whether the batch is empty.
            pub fn is_empty(&self) -> bool {
                self.items.len() < $stride
            }
            /// Iterates the batch's entries in order.
            pub fn iter(&self) -> impl ExactSizeIterator<Item = $item> + 'a {
                let $src = self.src;
                self.items.chunks_exact($stride).map(move |$c| $make)
            }
        }

        impl<'a> IntoIterator for $name<'a> {
            type Item = $item;
            type IntoIter = Box<dyn ExactSizeIterator<Item = $item> + 'a>;
            fn into_iter(self) -> Self::IntoIter {
                Box::new(self.iter())
            }
        }
    };
}

batch_view!(
    /// A batch of list elements or set members.
    Elems, 1, Elem<'a>, |s, c| s.elem(c[0])
);
batch_view!(
    /// A batch of `(member, score)` pairs; scores are exact `f64`s (never NaN).
    ZsetPairs, 2, (Elem<'a>, f64), |s, c| (s.elem(c[0]), Src::f64(c[1]))
);
batch_view!(
    /// A batch of hash fields.
    HashFields, 3, HashField<'a>, |s, c| HashField {
        field: s.elem(c[0]),
        value: s.elem(c[1]),
        expire_ms: Src::opt(c[2]),
    }
);
batch_view!(
    /// A batch of PEL entries.
    PelEntries, 3, PelEntry, |_s, c| PelEntry {
        id: Src::id(c[0]),
        delivery_time_ms: Src::opt(c[1]).unwrap_or(0),
        delivery_count: Src::u(c[2]),
    }
);
batch_view!(
    /// A batch of stream IDs (a consumer's PEL).
    StreamIds, 1, StreamId, |_s, c| Src::id(c[0])
);
batch_view!(
    /// Slot ranges `(start, end)` inclusive.
    SlotRanges, 2, (u64, u64), |_s, c| (Src::u(c[0]), Src::u(c[1]))
);

/// A batch of stream entries. Items are laid out as `Id, U(n), field, value, ...` per entry.
#[derive(Debug, Clone, Copy)]
pub struct StreamEntries<'a> {
    pub(crate) src: Src<'a>,
    pub(crate) items: &'a [Item],
    pub(crate) count: usize,
}

/// One stream entry.
#[derive(Debug, Clone, Copy)]
pub struct StreamEntry<'a> {
    /// The entry ID.
    pub id: StreamId,
    src: Src<'a>,
    fields: &'a [Item],
}

impl<'a> StreamEntry<'a> {
    /// Number of field/value pairs.
    pub fn len(&self) -> usize {
        self.fields.len() / 2
    }
    /// Whether the entry has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.len() < 2
    }
    /// The `(field, value)` pairs, in order.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = (Elem<'a>, Elem<'a>)> + 'a {
        let s = self.src;
        self.fields
            .chunks_exact(2)
            .map(move |c| (s.elem(c[0]), s.elem(c[1])))
    }
}

impl<'a> StreamEntries<'a> {
    /// Number of entries in the batch.
    pub fn len(&self) -> usize {
        self.count
    }
    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    /// Iterates the entries in order.
    pub fn iter(&self) -> StreamEntryIter<'a> {
        StreamEntryIter {
            src: self.src,
            rest: self.items,
        }
    }
}

/// Iterator over [`StreamEntries`].
#[derive(Debug, Clone)]
pub struct StreamEntryIter<'a> {
    src: Src<'a>,
    rest: &'a [Item],
}

impl<'a> Iterator for StreamEntryIter<'a> {
    type Item = StreamEntry<'a>;
    fn next(&mut self) -> Option<StreamEntry<'a>> {
        let (id, n) = match self.rest {
            [Item::Id(id), Item::U(n), ..] => (*id, *n as usize),
            _ => return None,
        };
        let end = n.checked_mul(2)?.checked_add(2)?.min(self.rest.len());
        let fields = &self.rest[2..end];
        self.rest = &self.rest[end..];
        Some(StreamEntry {
            id,
            src: self.src,
            fields,
        })
    }
}

impl<'a> IntoIterator for StreamEntries<'a> {
    type Item = StreamEntry<'a>;
    type IntoIter = StreamEntryIter<'a>;
    fn into_iter(self) -> StreamEntryIter<'a> {
        self.iter()
    }
}
