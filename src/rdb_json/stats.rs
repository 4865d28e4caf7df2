//! [`Stats`]: the `rdb-dump --stats` summary of a file.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use rdb_parser::{Event, Flavor};

use super::json::write_bytes;

/// How many of the largest values the summary lists.
const TOP: usize = 10;
/// Keys longer than this are cut in the largest-values list.
const KEY_CUT: usize = 200;

/// The name of the encoding an RDB type byte stands for.
pub fn encoding_name(rdb_type: u8, flavor: Flavor) -> &'static str {
    match rdb_type {
        0 => "string",
        1 => "list-linkedlist",
        2 => "set-hashtable",
        3 => "zset-ascii-scores",
        4 => "hash-hashtable",
        5 => "zset-skiplist",
        6 => "module-pre-ga",
        7 => "module",
        9 => "hash-zipmap",
        10 => "list-ziplist",
        11 => "set-intset",
        12 => "zset-ziplist",
        13 => "hash-ziplist",
        14 => "list-quicklist",
        15 => "stream-listpacks-v1",
        16 => "hash-listpack",
        17 => "zset-listpack",
        18 => "list-quicklist2",
        19 => "stream-listpacks-v2",
        20 => "set-listpack",
        21 => "stream-listpacks-v3",
        22 if flavor == Flavor::Valkey => "hash-2-field-ttl",
        22 => "hash-metadata-pre-ga",
        23 => "hash-listpack-ex-pre-ga",
        24 => "hash-metadata-field-ttl",
        25 => "hash-listpack-ex-field-ttl",
        _ => "unknown",
    }
}

#[derive(Debug)]
struct Big {
    bytes: u64,
    db: u64,
    key: Vec<u8>,
    key_len: usize,
    kind: &'static str,
    encoding: &'static str,
    elements: u64,
}

#[derive(Debug, Default)]
struct Current {
    active: bool,
    start: u64,
    db: u64,
    key: Vec<u8>,
    key_len: usize,
    kind: &'static str,
    encoding: &'static str,
    elements: u64,
}

/// Accumulates a summary of a parse: keys per db and type, encodings seen, value sizes and
/// the largest values. Memory is constant (the top-10 list and one key at a time).
#[derive(Debug)]
pub struct Stats {
    version: u32,
    flavor: Flavor,
    aux: Vec<(Vec<u8>, Vec<u8>)>,
    functions: u64,
    module_aux: u64,
    keys: u64,
    expires: u64,
    /// Keys per (db, type byte), with the type name.
    counts: HashMap<(u64, u8), (&'static str, u64)>,
    /// The run of keys with the same (db, type byte) being counted (most files have long
    /// runs), folded into `counts` when it changes.
    last: ((u64, u8), u64, &'static str),
    value_bytes: u64,
    elements: u64,
    cur: Current,
    top: Vec<Big>,
    file_bytes: u64,
    checksum: Option<(Option<u64>, bool)>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            version: 0,
            flavor: Flavor::Redis,
            aux: Vec::new(),
            functions: 0,
            module_aux: 0,
            keys: 0,
            expires: 0,
            counts: HashMap::new(),
            last: ((0, 0), 0, ""),
            value_bytes: 0,
            elements: 0,
            cur: Current::default(),
            top: Vec::new(),
            file_bytes: 0,
            checksum: None,
        }
    }
}

impl Stats {
    /// An empty summary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one event; `offset` is the event's byte offset as the parser reported it.
    pub fn event(&mut self, offset: u64, ev: &Event<'_>) {
        self.file_bytes = self.file_bytes.max(offset);
        match ev {
            Event::Header { version, flavor } => {
                self.version = *version;
                self.flavor = *flavor;
            }
            Event::Aux { key, value } if self.aux.len() < 64 => {
                self.aux
                    .push((key.to_vec(), value.iter().take(KEY_CUT).copied().collect()));
            }
            Event::Function { .. } => self.functions += 1,
            Event::ModuleAux { .. } => self.module_aux += 1,
            Event::KeyStart(k) => {
                self.keys += 1;
                self.expires += u64::from(k.expire_ms.is_some());
                let kind = k.kind.name();
                let encoding = encoding_name(k.rdb_type, self.flavor);
                // Counted per (db, type byte) in a flat table; folded into names on output.
                let id = (k.db, k.rdb_type);
                if self.last.1 > 0 && self.last.0 == id {
                    self.last.1 += 1;
                } else {
                    self.fold_last();
                    self.last = (id, 1, kind);
                }
                let c = &mut self.cur;
                c.active = true;
                c.start = offset;
                c.db = k.db;
                c.key.clear();
                c.key.extend_from_slice(&k.key[..k.key.len().min(KEY_CUT)]);
                c.key_len = k.key.len();
                c.kind = kind;
                c.encoding = encoding;
                c.elements = 0;
            }
            Event::StringChunk { pos, .. } if *pos == 0 => self.count(1),
            Event::ListItems(e) | Event::SetMembers(e) => self.count(e.len()),
            Event::ZsetMembers(e) => self.count(e.len()),
            Event::HashFields(e) => self.count(e.len()),
            Event::StreamEntries(e) => self.count(e.len()),
            Event::Module { .. } | Event::RawValue { .. } => self.count(1),
            Event::KeyEnd if self.cur.active => {
                let c = &mut self.cur;
                c.active = false;
                let bytes = offset.saturating_sub(c.start);
                self.value_bytes += bytes;
                self.elements += c.elements;
                if self.top.len() < TOP || self.top.last().is_some_and(|l| l.bytes < bytes) {
                    let big = Big {
                        bytes,
                        db: c.db,
                        key: c.key.clone(),
                        key_len: c.key_len,
                        kind: c.kind,
                        encoding: c.encoding,
                        elements: c.elements,
                    };
                    self.push_top(big);
                }
            }
            Event::Eof { checksum, verified } => self.checksum = Some((*checksum, *verified)),
            _ => {}
        }
    }

    /// Records the total number of bytes the parse consumed.
    pub fn set_file_bytes(&mut self, n: u64) {
        self.file_bytes = n;
    }

    fn fold_last(&mut self) {
        let (id, n, kind) = std::mem::take(&mut self.last);
        if n > 0 {
            self.counts.entry(id).or_insert((kind, 0)).1 += n;
        }
    }

    fn count(&mut self, n: usize) {
        self.cur.elements += n as u64;
    }

    fn push_top(&mut self, b: Big) {
        if self.top.len() == TOP && self.top.last().is_some_and(|l| l.bytes >= b.bytes) {
            return;
        }
        let at = self.top.partition_point(|x| x.bytes >= b.bytes);
        self.top.insert(at, b);
        self.top.truncate(TOP);
    }

    /// Writes the summary as one (indented) JSON object.
    pub fn write<W: Write>(&self, out: &mut W) -> io::Result<()> {
        writeln!(out, "{{")?;
        let flavor = match self.flavor {
            Flavor::Redis => "redis",
            Flavor::Valkey => "valkey",
        };
        writeln!(
            out,
            "  \"rdb_version\": {},\n  \"flavor\": \"{flavor}\",",
            self.version
        )?;
        writeln!(out, "  \"file_bytes\": {},", self.file_bytes)?;
        write!(out, "  \"aux\": {{")?;
        for (i, (k, v)) in self.aux.iter().enumerate() {
            out.write_all(if i > 0 { b", " } else { b"" })?;
            write_bytes(out, k)?;
            out.write_all(b": ")?;
            write_bytes(out, v)?;
        }
        writeln!(out, "}},")?;
        writeln!(
            out,
            "  \"functions\": {},\n  \"module_aux\": {},",
            self.functions, self.module_aux
        )?;
        writeln!(
            out,
            "  \"keys\": {},\n  \"keys_with_expire\": {},",
            self.keys, self.expires
        )?;
        let mut per_db: BTreeMap<u64, BTreeMap<&str, u64>> = BTreeMap::new();
        let mut encodings: BTreeMap<&str, u64> = BTreeMap::new();
        let last = (self.last.1 > 0).then_some((self.last.0, (self.last.2, self.last.1)));
        for (&(db, t), &(kind, n)) in self.counts.iter().chain(last.iter().map(|(a, b)| (a, b))) {
            *per_db.entry(db).or_default().entry(kind).or_default() += n;
            *encodings.entry(encoding_name(t, self.flavor)).or_default() += n;
        }
        write!(out, "  \"keys_per_db\": {{")?;
        for (i, (db, types)) in per_db.iter().enumerate() {
            write!(out, "{}\n    \"{db}\": {{", if i > 0 { "," } else { "" })?;
            for (j, (t, n)) in types.iter().enumerate() {
                write!(out, "{}\"{t}\": {n}", if j > 0 { ", " } else { "" })?;
            }
            out.write_all(b"}")?;
        }
        writeln!(out, "\n  }},")?;
        write!(out, "  \"encodings\": {{")?;
        for (i, (e, n)) in encodings.iter().enumerate() {
            write!(out, "{}\"{e}\": {n}", if i > 0 { ", " } else { "" })?;
        }
        writeln!(out, "}},")?;
        writeln!(out, "  \"value_bytes_total\": {},", self.value_bytes)?;
        writeln!(out, "  \"elements_total\": {},", self.elements)?;
        write!(out, "  \"largest\": [")?;
        for (i, b) in self.top.iter().enumerate() {
            write!(
                out,
                "{}\n    {{\"db\": {}, \"key\": ",
                if i > 0 { "," } else { "" },
                b.db
            )?;
            write_bytes(out, &b.key)?;
            write!(
                out,
                ", \"key_bytes\": {}, \"type\": \"{}\", \"encoding\": \"{}\", \"bytes\": {}, \"elements\": {}}}",
                b.key_len, b.kind, b.encoding, b.bytes, b.elements
            )?;
        }
        writeln!(out, "\n  ],")?;
        match self.checksum {
            Some((Some(c), verified)) => writeln!(
                out,
                "  \"checksum\": \"{c:016x}\",\n  \"checksum_verified\": {verified}"
            )?,
            _ => writeln!(out, "  \"checksum\": null,\n  \"checksum_verified\": false")?,
        }
        writeln!(out, "}}")
    }
}
