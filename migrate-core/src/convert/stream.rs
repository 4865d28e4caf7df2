//! Streams as commands: entries, last id, consumer groups, PEL and consumers.
//!
//! * Entries: one `XADD key id f v ..` each, ids strictly increasing.
//! * A stream with no entry is created empty with `XGROUP CREATE key <tmp> 0 MKSTREAM` +
//!   `XGROUP DESTROY key <tmp>`.
//! * `XSETID key last-id`, plus `ENTRIESADDED n MAXDELETEDID id` on 7.0+ targets when the
//!   source stored them.
//! * Groups: `XGROUP CREATE key group last-delivered-id` (+ `ENTRIESREAD n` on 7.0+ when
//!   known).
//! * PEL: `XCLAIM key group consumer 0 id.. TIME <delivery ms> RETRYCOUNT <count> FORCE
//!   JUSTID` — `FORCE` creates the PEL entry, `TIME` sets the last delivery time,
//!   `RETRYCOUNT` the delivery count, `JUSTID` keeps the count from being incremented. The
//!   message must still exist in the stream: a PEL entry whose message was deleted cannot be
//!   recreated by any command; the server skips it silently, and the `XCLAIM` reply (the ids
//!   actually claimed) is how a caller can count those. PEL entries that no consumer owns
//!   are counted in [`ConvertReport::pel_lost`].
//! * A consumer without pending entries: `XGROUP CREATECONSUMER` (6.2+); on 5.0 an
//!   `XCLAIM` of id `0-0` creates it. Consumers' seen/active times become "now": no
//!   command sets them.

use std::collections::BTreeMap;

use rdb_parser::encoding::StreamId;
use rdb_parser::Elem;

use super::writer::{lossy, ValueWriter};
use super::{Argv, ConvertError};
use crate::command::ValueType;

/// Name of the temporary group used to create an empty stream.
pub const TMP_GROUP: &[u8] = b"__redis_migrate_tmp__";

#[derive(Debug, Default)]
pub(super) struct StreamState {
    last_entry: Option<StreamId>,
    meta_done: bool,
    group: Option<Group>,
}

#[derive(Debug)]
struct Group {
    name: Vec<u8>,
    /// id -> (delivery time ms, delivery count), removed when claimed.
    pel: BTreeMap<StreamId, (i64, u64)>,
    consumer: Option<Consumer>,
}

#[derive(Debug)]
struct Consumer {
    name: Vec<u8>,
    claimed: u64,
    /// (time, count) of the open XCLAIM batch.
    batch_params: Option<(i64, u64)>,
}

fn id_text(id: StreamId) -> Vec<u8> {
    format!("{}-{}", id.ms, id.seq).into_bytes()
}

impl ValueWriter {
    /// One stream entry (ids strictly increasing) with its field/value pairs (at least one).
    pub fn stream_entry<'e>(
        &mut self,
        id: StreamId,
        fields: impl IntoIterator<Item = (Elem<'e>, Elem<'e>)>,
        out: &mut Vec<Argv>,
    ) -> Result<(), ConvertError> {
        self.expect(ValueType::Stream, "stream entry")?;
        if self.stream.meta_done {
            return Err(self.order("stream entry after stream metadata"));
        }
        if self.stream.last_entry.is_some_and(|last| id <= last) {
            return Err(self.order("stream entry ids not increasing"));
        }
        self.clear(out);
        let mut argv = vec![b"XADD".to_vec(), self.key.clone(), id_text(id)];
        for (f, v) in fields {
            argv.push(f.to_vec());
            argv.push(v.to_vec());
        }
        if argv.len() == 3 {
            return Err(ConvertError::EmptyStreamEntry {
                key: lossy(&self.key),
                id: format!("{}-{}", id.ms, id.seq),
            });
        }
        self.stream.last_entry = Some(id);
        self.report.elements += 1;
        self.wrote = true;
        self.emit(argv, out);
        Ok(())
    }

    /// Stream metadata, after the entries: last id, and (RDB stream v2+) entries ever added
    /// and the largest deleted id.
    pub fn stream_meta(
        &mut self,
        last_id: StreamId,
        entries_added: Option<u64>,
        max_deleted_id: Option<StreamId>,
        out: &mut Vec<Argv>,
    ) -> Result<(), ConvertError> {
        self.expect(ValueType::Stream, "stream metadata")?;
        if self.stream.meta_done {
            return Err(self.order("stream metadata twice"));
        }
        self.stream.meta_done = true;
        if self.stream.last_entry.is_none() {
            // Create the empty stream.
            self.clear(out);
            let k = self.key.clone();
            self.emit(
                vec![
                    b"XGROUP".to_vec(),
                    b"CREATE".to_vec(),
                    k.clone(),
                    TMP_GROUP.to_vec(),
                    b"0".to_vec(),
                    b"MKSTREAM".to_vec(),
                ],
                out,
            );
            self.emit(
                vec![
                    b"XGROUP".to_vec(),
                    b"DESTROY".to_vec(),
                    k,
                    TMP_GROUP.to_vec(),
                ],
                out,
            );
            self.wrote = true;
        }
        let mut argv = vec![b"XSETID".to_vec(), self.key.clone(), id_text(last_id)];
        if self.opts.caps.stream_v2_meta {
            if let Some(n) = entries_added {
                argv.push(b"ENTRIESADDED".to_vec());
                argv.push(n.to_string().into_bytes());
            }
            if let Some(d) = max_deleted_id {
                argv.push(b"MAXDELETEDID".to_vec());
                argv.push(id_text(d));
            }
        }
        self.emit(argv, out);
        Ok(())
    }

    /// A consumer group (after [`stream_meta`](Self::stream_meta)): its last delivered id
    /// and (v2+) entries read (`None` = unknown).
    pub fn stream_group(
        &mut self,
        name: &[u8],
        last_delivered: StreamId,
        entries_read: Option<u64>,
        out: &mut Vec<Argv>,
    ) -> Result<(), ConvertError> {
        self.expect(ValueType::Stream, "stream group")?;
        if !self.stream.meta_done {
            return Err(self.order("stream group before stream metadata"));
        }
        self.end_group(out);
        let mut argv = vec![
            b"XGROUP".to_vec(),
            b"CREATE".to_vec(),
            self.key.clone(),
            name.to_vec(),
            id_text(last_delivered),
        ];
        if self.opts.caps.stream_v2_meta {
            if let Some(n) = entries_read {
                argv.push(b"ENTRIESREAD".to_vec());
                argv.push(n.to_string().into_bytes());
            }
        }
        self.emit(argv, out);
        self.report.groups += 1;
        self.stream.group = Some(Group {
            name: name.to_vec(),
            pel: BTreeMap::new(),
            consumer: None,
        });
        Ok(())
    }

    /// One entry of the current group's PEL (before its consumers).
    pub fn stream_pel(
        &mut self,
        id: StreamId,
        delivery_time_ms: i64,
        delivery_count: u64,
    ) -> Result<(), ConvertError> {
        self.expect(ValueType::Stream, "stream PEL entry")?;
        let Some(g) = self.stream.group.as_mut() else {
            return Err(self.order("PEL entry outside a group"));
        };
        if g.consumer.is_some() {
            return Err(self.order("group PEL entry after a consumer"));
        }
        g.pel.insert(id, (delivery_time_ms, delivery_count));
        Ok(())
    }

    /// A consumer of the current group; its pending ids follow.
    pub fn stream_consumer(
        &mut self,
        name: &[u8],
        out: &mut Vec<Argv>,
    ) -> Result<(), ConvertError> {
        self.expect(ValueType::Stream, "stream consumer")?;
        if self.stream.group.is_none() {
            return Err(self.order("consumer outside a group"));
        }
        self.end_consumer(out);
        if let Some(g) = self.stream.group.as_mut() {
            g.consumer = Some(Consumer {
                name: name.to_vec(),
                claimed: 0,
                batch_params: None,
            });
        }
        self.report.consumers += 1;
        Ok(())
    }

    /// One pending id of the current consumer (it must be in the group's PEL).
    pub fn stream_consumer_pel(
        &mut self,
        id: StreamId,
        out: &mut Vec<Argv>,
    ) -> Result<(), ConvertError> {
        self.expect(ValueType::Stream, "consumer PEL id")?;
        let key = lossy(&self.key);
        let Some(g) = self.stream.group.as_mut() else {
            return Err(self.order("consumer PEL id outside a group"));
        };
        let Some((time, count)) = g.pel.remove(&id) else {
            return Err(ConvertError::PelIdUnknown {
                key,
                group: lossy(&g.name),
                id: format!("{}-{}", id.ms, id.seq),
            });
        };
        let Some(c) = g.consumer.as_mut() else {
            return Err(self.order("consumer PEL id before a consumer"));
        };
        let params = (time, count);
        let reopen = c.batch_params != Some(params);
        c.claimed += 1;
        c.batch_params = Some(params);
        let (group, consumer) = (g.name.clone(), c.name.clone());
        if reopen {
            self.flush(out);
        }
        if self.batch.is_empty() {
            self.open(b"XCLAIM", &[&group, &consumer, b"0"], out);
            self.suffix = vec![
                b"TIME".to_vec(),
                time.to_string().into_bytes(),
                b"RETRYCOUNT".to_vec(),
                count.to_string().into_bytes(),
                b"FORCE".to_vec(),
                b"JUSTID".to_vec(),
            ];
        }
        self.report.pel_claimed += 1;
        self.add([id_text(id)], out);
        // `add` counted the id as an element of the value; PEL ids are not.
        self.report.elements -= 1;
        Ok(())
    }

    fn end_consumer(&mut self, out: &mut Vec<Argv>) {
        self.flush(out);
        let Some(g) = self.stream.group.as_mut() else {
            return;
        };
        let Some(c) = g.consumer.take() else { return };
        if c.claimed > 0 {
            return;
        }
        let (group, name) = (g.name.clone(), c.name);
        let caps = self.opts.caps;
        if caps.create_consumer {
            let argv = vec![
                b"XGROUP".to_vec(),
                b"CREATECONSUMER".to_vec(),
                self.key.clone(),
                group,
                name,
            ];
            self.emit(argv, out);
        } else if caps.version < (6, 0) {
            // 5.0 creates the consumer on lookup; id 0-0 is never pending, so nothing is claimed.
            let argv = vec![
                b"XCLAIM".to_vec(),
                self.key.clone(),
                group,
                name,
                b"0".to_vec(),
                b"0-0".to_vec(),
                b"JUSTID".to_vec(),
            ];
            self.emit(argv, out);
        } else {
            self.report.consumers_not_created += 1;
        }
    }

    fn end_group(&mut self, out: &mut Vec<Argv>) {
        self.end_consumer(out);
        if let Some(g) = self.stream.group.take() {
            // PEL entries no consumer owns cannot be recreated (XCLAIM needs an owner).
            self.report.pel_lost += g.pel.len() as u64;
        }
    }

    pub(super) fn stream_finish(&mut self, out: &mut Vec<Argv>) -> Result<(), ConvertError> {
        if !self.stream.meta_done {
            return Err(self.order("stream ended without metadata"));
        }
        self.end_group(out);
        Ok(())
    }

    fn order(&self, what: &'static str) -> ConvertError {
        ConvertError::StreamOrder {
            key: lossy(&self.key),
            what,
        }
    }
}
