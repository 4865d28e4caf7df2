//! [`JsonLines`]: parser events in, `rdb-dump` JSON lines out, written as the events arrive.

use std::io::{self, Write};

use rdb_parser::{Event, KeyStart, ModuleId, StreamId, ValueKind};

use super::json::{
    write_bytes, write_elem, write_escaped, write_i64, write_id, write_score, write_u64, B64Stream,
    Utf8Check,
};
use super::spill::Spill;

/// Memory a buffered string value may use before it moves to a temporary file.
const SPILL_LIMIT: usize = 8 << 20;

/// Renders parser events as `rdb-dump` JSON lines to `W`.
///
/// Feed it every event of a parse, in order, with [`event`](Self::event). Each key becomes
/// one line `{"db":..,"key":..,"type":..,"expire_ms":..,["lfu_freq":..,]["lru_idle_s":..,]
/// "value":..[,"field_expires_ms":..]}`, written piece by piece as its events arrive; aux
/// fields, functions, module aux data and slot records become lines without `"key"`.
///
/// Two things cannot be written before later events arrive, and are held:
/// * a string value that arrives in several chunks, until its last chunk (its UTF-8 validity
///   decides between a JSON string and `{"b64":..}`); past 8 MiB it moves to an anonymous
///   temporary file, so memory stays bounded;
/// * a stream consumer group's PEL (40 bytes per pending entry plus consumer names), because
///   the file names each entry's consumer only in the consumer records that follow it; so in
///   a group object `"pel"` comes after `"consumers"`. Likewise a stream's `"entries"` come
///   before `"length"`, as in the file. JSON member order carries no meaning.
#[derive(Debug)]
pub struct JsonLines<W: Write> {
    out: W,
    key: Option<KeyCtx>,
    string: Spill,
    utf8: Utf8Check,
    ttls: Spill,
    b64: B64Stream,
}

/// Per-key rendering state.
#[derive(Debug)]
struct KeyCtx {
    kind: ValueKind,
    /// The value's opening (`[`, `{"entries":[`...) is written.
    opened: bool,
    /// No element written yet at the innermost open array.
    first: bool,
    /// Module or raw value: a base64 string is open.
    b64_open: bool,
    stream: StreamCtx,
}

#[derive(Debug, Default)]
struct StreamCtx {
    meta_seen: bool,
    first_group: bool,
    group_open: bool,
    /// Current group's PEL: (id, delivery time, count, owner index or u32::MAX).
    pel: Vec<(StreamId, i64, u64, u32)>,
    consumers: Vec<Vec<u8>>,
    consumer_open: bool,
    first_cpel: bool,
}

impl<W: Write> JsonLines<W> {
    /// A renderer writing to `out` (wrap files and stdout in a `BufWriter`).
    pub fn new(out: W) -> Self {
        JsonLines {
            out,
            key: None,
            string: Spill::new(SPILL_LIMIT),
            utf8: Utf8Check::default(),
            ttls: Spill::new(SPILL_LIMIT),
            b64: B64Stream::default(),
        }
    }

    /// Like [`new`](Self::new), with the memory limit for a held string value (default
    /// 8 MiB) before it moves to a temporary file.
    pub fn with_spill_limit(out: W, limit: usize) -> Self {
        let mut r = Self::new(out);
        r.string = Spill::new(limit);
        r.ttls = Spill::new(limit);
        r
    }

    /// The writer.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Flushes and returns the writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }

    /// Renders one event.
    pub fn event(&mut self, ev: &Event<'_>) -> io::Result<()> {
        match ev {
            Event::Header { .. }
            | Event::SelectDb { .. }
            | Event::ResizeDb { .. }
            | Event::Eof { .. } => Ok(()),
            Event::Aux { key, value } => {
                self.out.write_all(b"{\"aux\":")?;
                write_bytes(&mut self.out, key)?;
                self.out.write_all(b",\"value\":")?;
                write_bytes(&mut self.out, value)?;
                self.out.write_all(b"}\n")
            }
            Event::Function { code } => {
                self.out.write_all(b"{\"function\":")?;
                write_bytes(&mut self.out, code)?;
                self.out.write_all(b"}\n")
            }
            Event::ModuleAux { module, when, data } => {
                self.out.write_all(b"{\"module_aux\":")?;
                write_module_name(&mut self.out, *module)?;
                write!(
                    self.out,
                    ",\"encver\":{},\"when\":{when},\"raw_b64\":\"",
                    module.encver()
                )?;
                self.b64.feed(&mut self.out, data)?;
                self.b64.finish(&mut self.out)?;
                self.out.write_all(b"\"}\n")
            }
            Event::SlotInfo {
                slot,
                slot_size,
                expires_slot_size,
            } => writeln!(
                self.out,
                "{{\"slot_info\":{slot},\"keys\":{slot_size},\"expires\":{expires_slot_size}}}"
            ),
            Event::SlotImport { job, ranges } => {
                self.out.write_all(b"{\"slot_import\":")?;
                write_bytes(&mut self.out, job)?;
                self.out.write_all(b",\"ranges\":[")?;
                for (i, (a, b)) in ranges.iter().enumerate() {
                    let sep = if i > 0 { "," } else { "" };
                    write!(self.out, "{sep}[{a},{b}]")?;
                }
                self.out.write_all(b"]}\n")
            }
            Event::KeyStart(k) => self.key_start(k),
            Event::KeyEnd => self.key_end(),
            _ => self.value_event(ev),
        }
    }

    fn key_start(&mut self, k: &KeyStart<'_>) -> io::Result<()> {
        if self.key.is_some() {
            return Err(io::Error::other("KeyStart inside a key"));
        }
        let out = &mut self.out;
        out.write_all(b"{\"db\":")?;
        write_u64(out, k.db)?;
        out.write_all(b",\"key\":")?;
        write_bytes(out, k.key)?;
        out.write_all(match k.kind {
            ValueKind::String => b",\"type\":\"string\",\"expire_ms\":",
            ValueKind::List => b",\"type\":\"list\",\"expire_ms\":",
            ValueKind::Set => b",\"type\":\"set\",\"expire_ms\":",
            ValueKind::Zset => b",\"type\":\"zset\",\"expire_ms\":",
            ValueKind::Hash => b",\"type\":\"hash\",\"expire_ms\":",
            ValueKind::Stream => b",\"type\":\"stream\",\"expire_ms\":",
            ValueKind::Module => b",\"type\":\"module\",\"expire_ms\":",
        })?;
        match k.expire_ms {
            Some(ms) => write_i64(out, ms)?,
            None => out.write_all(b"null")?,
        }
        if let Some(f) = k.lfu_freq {
            out.write_all(b",\"lfu_freq\":")?;
            write_u64(out, u64::from(f))?;
        }
        if let Some(s) = k.lru_idle_s {
            out.write_all(b",\"lru_idle_s\":")?;
            write_u64(out, s)?;
        }
        self.out.write_all(b",\"value\":")?;
        self.string.clear();
        self.ttls.clear();
        self.utf8 = Utf8Check::default();
        self.key = Some(KeyCtx {
            kind: k.kind,
            opened: false,
            first: true,
            b64_open: false,
            stream: StreamCtx::default(),
        });
        Ok(())
    }

    fn ctx(&mut self) -> io::Result<&mut KeyCtx> {
        self.key
            .as_mut()
            .ok_or_else(|| io::Error::other("value event outside a key"))
    }

    /// Writes the value's opening bracket(s) once.
    fn open(&mut self) -> io::Result<()> {
        let out = &mut self.out;
        let k = self
            .key
            .as_mut()
            .ok_or_else(|| io::Error::other("value event outside a key"))?;
        if k.opened {
            return Ok(());
        }
        k.opened = true;
        match k.kind {
            ValueKind::List | ValueKind::Set | ValueKind::Zset | ValueKind::Hash => {
                out.write_all(b"[")
            }
            ValueKind::Stream => out.write_all(b"{\"entries\":["),
            ValueKind::String | ValueKind::Module => Ok(()),
        }
    }

    fn sep(out: &mut W, first: &mut bool) -> io::Result<()> {
        if !std::mem::replace(first, false) {
            out.write_all(b",")?;
        }
        Ok(())
    }

    fn value_event(&mut self, ev: &Event<'_>) -> io::Result<()> {
        if let Event::RawValue { rdb_type, body } = ev {
            let k = self.ctx()?;
            k.opened = true;
            write!(self.out, "{{\"rdb_type\":{rdb_type},\"raw_b64\":\"")?;
            self.b64.feed(&mut self.out, body)?;
            self.b64.finish(&mut self.out)?;
            return self.out.write_all(b"\"}");
        }
        self.open()?;
        let out = &mut self.out;
        let k = self
            .key
            .as_mut()
            .ok_or_else(|| io::Error::other("value event outside a key"))?;
        match ev {
            Event::StringChunk { data, pos, total } => {
                if *pos == 0 && data.len() as u64 == *total {
                    return write_bytes(out, data);
                }
                self.utf8.feed(data);
                self.string.push(data)?;
                if *pos + data.len() as u64 >= *total {
                    Self::flush_string(out, &mut self.string, &self.utf8, &mut self.b64)?;
                }
            }
            Event::ListItems(items) | Event::SetMembers(items) => {
                for e in items.iter() {
                    Self::sep(out, &mut k.first)?;
                    write_elem(out, &e)?;
                }
            }
            Event::ZsetMembers(pairs) => {
                for (m, score) in pairs.iter() {
                    Self::sep(out, &mut k.first)?;
                    out.write_all(b"[")?;
                    write_elem(out, &m)?;
                    out.write_all(b",")?;
                    write_score(out, score)?;
                    out.write_all(b"]")?;
                }
            }
            Event::HashFields(fields) => {
                for f in fields.iter() {
                    Self::sep(out, &mut k.first)?;
                    out.write_all(b"[")?;
                    write_elem(out, &f.field)?;
                    out.write_all(b",")?;
                    write_elem(out, &f.value)?;
                    out.write_all(b"]")?;
                    if let Some(ms) = f.expire_ms {
                        let mut line = Vec::with_capacity(32);
                        if !self.ttls.is_empty() {
                            line.push(b',');
                        }
                        line.push(b'[');
                        write_elem(&mut line, &f.field)?;
                        write!(line, ",{ms}]")?;
                        self.ttls.push(&line)?;
                    }
                }
            }
            Event::StreamEntries(entries) => {
                for e in entries.iter() {
                    Self::sep(out, &mut k.first)?;
                    out.write_all(b"[")?;
                    write_id(out, e.id.ms, e.id.seq)?;
                    out.write_all(b",[")?;
                    for (i, (f, v)) in e.fields().enumerate() {
                        out.write_all(if i > 0 { b",[" } else { b"[" })?;
                        write_elem(out, &f)?;
                        out.write_all(b",")?;
                        write_elem(out, &v)?;
                        out.write_all(b"]")?;
                    }
                    out.write_all(b"]]")?;
                }
            }
            Event::StreamMeta(m) => {
                write!(out, "],\"length\":{},\"last_id\":", m.length)?;
                write_id(out, m.last_id.ms, m.last_id.seq)?;
                for (name, id) in [
                    ("first_id", m.first_id),
                    ("max_deleted_id", m.max_deleted_id),
                ] {
                    write!(out, ",\"{name}\":")?;
                    match id {
                        Some(id) => write_id(out, id.ms, id.seq)?,
                        None => out.write_all(b"null")?,
                    }
                }
                out.write_all(b",\"entries_added\":")?;
                write_opt(out, m.entries_added)?;
                out.write_all(b",\"groups\":[")?;
                k.stream.meta_seen = true;
                k.stream.first_group = true;
            }
            Event::StreamGroup(g) => {
                Self::close_group(out, &mut k.stream)?;
                Self::sep(out, &mut k.stream.first_group)?;
                out.write_all(b"{\"name\":")?;
                write_bytes(out, g.name)?;
                out.write_all(b",\"last_delivered_id\":")?;
                write_id(out, g.last_id.ms, g.last_id.seq)?;
                out.write_all(b",\"entries_read\":")?;
                write_opt(out, g.entries_read)?;
                out.write_all(b",\"consumers\":[")?;
                k.stream.group_open = true;
                k.first = true;
            }
            Event::StreamPel(pel) => {
                k.stream.pel.extend(
                    pel.iter()
                        .map(|p| (p.id, p.delivery_time_ms, p.delivery_count, u32::MAX)),
                );
            }
            Event::StreamConsumer(c) => {
                if k.stream.consumers.is_empty() && !k.stream.pel.is_sorted_by_key(|p| p.0) {
                    k.stream.pel.sort_by_key(|p| p.0);
                }
                if k.stream.consumer_open {
                    out.write_all(b"]}")?;
                }
                Self::sep(out, &mut k.first)?;
                out.write_all(b"{\"name\":")?;
                write_bytes(out, c.name)?;
                write!(
                    out,
                    ",\"seen_time_ms\":{},\"active_time_ms\":",
                    c.seen_time_ms
                )?;
                match c.active_time_ms {
                    Some(t) => write!(out, "{t}")?,
                    None => out.write_all(b"null")?,
                }
                out.write_all(b",\"pel\":[")?;
                k.stream.consumers.push(c.name.to_vec());
                k.stream.consumer_open = true;
                k.stream.first_cpel = true;
            }
            Event::StreamConsumerPel(ids) => {
                let owner = k.stream.consumers.len().saturating_sub(1) as u32;
                for id in ids.iter() {
                    Self::sep(out, &mut k.stream.first_cpel)?;
                    write_id(out, id.ms, id.seq)?;
                    if let Ok(at) = k.stream.pel.binary_search_by_key(&id, |p| p.0) {
                        k.stream.pel[at].3 = owner;
                    }
                }
            }
            Event::Module { module } => {
                out.write_all(b"{\"module\":")?;
                write_module_name(out, *module)?;
                write!(out, ",\"encver\":{},\"raw_b64\":\"", module.encver())?;
                k.b64_open = true;
            }
            Event::ModuleData(data) => self.b64.feed(out, data)?,
            _ => {}
        }
        Ok(())
    }

    fn flush_string(
        out: &mut W,
        s: &mut Spill,
        utf8: &Utf8Check,
        b64: &mut B64Stream,
    ) -> io::Result<()> {
        if utf8.is_valid() {
            out.write_all(b"\"")?;
            s.drain(|p| write_escaped(out, p))?;
            out.write_all(b"\"")
        } else {
            out.write_all(b"{\"b64\":\"")?;
            s.drain(|p| b64.feed(out, p))?;
            b64.finish(out)?;
            out.write_all(b"\"}")
        }
    }

    /// Closes the open consumer group: its consumers, then its PEL with owners.
    fn close_group(out: &mut W, s: &mut StreamCtx) -> io::Result<()> {
        if !s.group_open {
            return Ok(());
        }
        if s.consumer_open {
            out.write_all(b"]}")?;
        }
        out.write_all(b"],\"pel\":[")?;
        for (i, (id, time, count, owner)) in s.pel.iter().enumerate() {
            out.write_all(if i > 0 { b",[" } else { b"[" })?;
            write_id(out, id.ms, id.seq)?;
            out.write_all(b",")?;
            match s.consumers.get(*owner as usize) {
                Some(name) => write_bytes(out, name)?,
                None => out.write_all(b"null")?,
            }
            write!(out, ",{time},{count}]")?;
        }
        out.write_all(b"]}")?;
        s.pel.clear();
        s.consumers.clear();
        s.group_open = false;
        s.consumer_open = false;
        Ok(())
    }

    fn key_end(&mut self) -> io::Result<()> {
        let Some(mut k) = self.key.take() else {
            return Err(io::Error::other("KeyEnd outside a key"));
        };
        let out = &mut self.out;
        if !k.opened {
            match k.kind {
                ValueKind::String => out.write_all(b"\"\"")?,
                ValueKind::Module => out.write_all(b"null")?,
                ValueKind::Stream => out.write_all(b"{\"entries\":[")?,
                _ => out.write_all(b"[")?,
            }
            k.opened = k.kind != ValueKind::String && k.kind != ValueKind::Module;
        }
        if !self.string.is_empty() {
            // A chunked string whose announced total never arrived: write what came.
            Self::flush_string(out, &mut self.string, &self.utf8, &mut self.b64)?;
        }
        match k.kind {
            ValueKind::List | ValueKind::Set | ValueKind::Zset | ValueKind::Hash if k.opened => {
                out.write_all(b"]")?;
                if !self.ttls.is_empty() {
                    out.write_all(b",\"field_expires_ms\":[")?;
                    self.ttls.drain(|p| out.write_all(p))?;
                    out.write_all(b"]")?;
                }
            }
            ValueKind::Stream if k.opened => {
                if !k.stream.meta_seen {
                    out.write_all(b"],\"groups\":[")?;
                }
                Self::close_group(out, &mut k.stream)?;
                out.write_all(b"]}")?;
            }
            ValueKind::Module if k.b64_open => {
                self.b64.finish(out)?;
                out.write_all(b"\"}")?;
            }
            _ => {}
        }
        out.write_all(b"}\n")
    }
}

fn write_opt<W: Write>(out: &mut W, v: Option<u64>) -> io::Result<()> {
    match v {
        Some(v) => write!(out, "{v}"),
        None => out.write_all(b"null"),
    }
}

fn write_module_name<W: Write>(out: &mut W, m: ModuleId) -> io::Result<()> {
    write_bytes(out, &m.name())
}
