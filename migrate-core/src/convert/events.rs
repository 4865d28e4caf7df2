//! Adapter from `rdb-parser` events (decoded view) to [`ValueWriter`].

use rdb_parser::{Event, KeyStart, ValueKind};

use super::writer::{lossy, ConvertOptions, ValueWriter};
use super::{Argv, ConvertError, ConvertReport};
use crate::command::ValueType;

/// The [`ValueType`] of a parser [`ValueKind`].
pub fn value_type(kind: ValueKind) -> ValueType {
    match kind {
        ValueKind::String => ValueType::String,
        ValueKind::List => ValueType::List,
        ValueKind::Set => ValueType::Set,
        ValueKind::Zset => ValueType::ZSet,
        ValueKind::Hash => ValueType::Hash,
        ValueKind::Stream => ValueType::Stream,
        ValueKind::Module => ValueType::Module,
    }
}

/// Converts keys as the parser delivers them: call [`start`](Self::start) on
/// [`Event::KeyStart`] (for keys the filters selected), then pass every event of the key to
/// [`feed`](Self::feed) until it returns the key's report at [`Event::KeyEnd`]. The parser
/// must deliver the key in [`rdb_parser::View::Decoded`].
///
/// ```
/// use migrate_core::convert::{ConvertOptions, EventConverter, TargetCaps};
/// use rdb_parser::{Event, RdbReader};
///
/// // RDB 9: key `k` = "v", checksum disabled.
/// let mut rdb = b"REDIS0009\xfe\x00\x00\x01k\x01v\xff".to_vec();
/// rdb.extend_from_slice(&[0; 8]);
/// let mut conv = EventConverter::new(ConvertOptions::new(TargetCaps::for_version(3, 2)));
/// let mut out = Vec::new();
/// let mut reader = RdbReader::new(&rdb[..]);
/// while let Some((_, event)) = reader.next_event().unwrap() {
///     if let Event::KeyStart(k) = &event {
///         conv.start(k).unwrap();
///     }
///     conv.feed(&event, &mut out).unwrap();
/// }
/// assert_eq!(out, [vec![b"SET".to_vec(), b"k".to_vec(), b"v".to_vec()]]);
/// ```
#[derive(Debug)]
pub struct EventConverter {
    opts: ConvertOptions,
    current: Option<(ValueWriter, Option<i64>)>,
}

impl EventConverter {
    /// A converter with these options.
    pub fn new(opts: ConvertOptions) -> EventConverter {
        EventConverter {
            opts,
            current: None,
        }
    }

    /// Whether a key is being converted.
    pub fn in_key(&self) -> bool {
        self.current.is_some()
    }

    /// Starts converting the key `k` (a previous unfinished key is abandoned).
    pub fn start(&mut self, k: &KeyStart<'_>) -> Result<(), ConvertError> {
        self.current = None;
        let w = ValueWriter::new(k.key, value_type(k.kind), self.opts)?;
        self.current = Some((w, k.expire_ms));
        Ok(())
    }

    /// Feeds one parser event. Value events of the current key become commands in `out`;
    /// at [`Event::KeyEnd`] the key is finished (with its expiry) and its report returned.
    /// Events outside a started key (headers, aux, other keys) are ignored.
    pub fn feed(
        &mut self,
        event: &Event<'_>,
        out: &mut Vec<Argv>,
    ) -> Result<Option<ConvertReport>, ConvertError> {
        let Some((w, _)) = self.current.as_mut() else {
            return Ok(None);
        };
        match event {
            Event::KeyStart(_) => {}
            Event::StringChunk { data, .. } => w.string_chunk(data, out)?,
            Event::ListItems(items) => {
                for e in items.iter() {
                    w.list_push(e, out)?;
                }
            }
            Event::SetMembers(items) => {
                for e in items.iter() {
                    w.set_add(e, out)?;
                }
            }
            Event::ZsetMembers(pairs) => {
                for (m, s) in pairs.iter() {
                    w.zset_add(m, s, out)?;
                }
            }
            Event::HashFields(fields) => {
                for f in fields.iter() {
                    w.hash_set(f.field, f.value, f.expire_ms, out)?;
                }
            }
            Event::StreamEntries(entries) => {
                for e in entries.iter() {
                    w.stream_entry(e.id, e.fields(), out)?;
                }
            }
            Event::StreamMeta(m) => {
                w.stream_meta(m.last_id, m.entries_added, m.max_deleted_id, out)?
            }
            Event::StreamGroup(g) => w.stream_group(g.name, g.last_id, g.entries_read, out)?,
            Event::StreamPel(pel) => {
                for p in pel.iter() {
                    w.stream_pel(p.id, p.delivery_time_ms, p.delivery_count)?;
                }
            }
            Event::StreamConsumer(c) => w.stream_consumer(c.name, out)?,
            Event::StreamConsumerPel(ids) => {
                for id in ids.iter() {
                    w.stream_consumer_pel(id, out)?;
                }
            }
            Event::RawValue { .. } | Event::Module { .. } | Event::ModuleData(_) => {
                let key = lossy(w.key());
                self.current = None;
                return Err(ConvertError::WrongPiece {
                    key,
                    kind: ValueType::Module,
                    piece: "raw or module value (use View::Decoded)",
                });
            }
            Event::KeyEnd => {
                if let Some((w, expire)) = self.current.take() {
                    return w.finish(expire, out).map(Some);
                }
            }
            _ => {}
        }
        Ok(None)
    }
}
