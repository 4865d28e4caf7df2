//! Shared by the fixture tests: finding the fixtures, feeding them in chosen chunkings,
//! and an owned, comparable description of every event.

use std::io::{self, Read};
use std::path::PathBuf;

use rdb_parser::{Event, Parser};
use redis_migrate::rdb_json::JsonLines;

mod drive;
use drive::drive;

/// `rdb-parser/tests/fixtures/servers`.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rdb-parser/tests/fixtures/servers")
}

/// Every `.rdb` under `rdb-parser/tests/fixtures/` (server-written and hand-built).
pub fn all_rdb_files() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rdb-parser/tests/fixtures");
    let mut v = Vec::new();
    for sub in std::fs::read_dir(&root).unwrap() {
        let sub = sub.unwrap().path();
        if sub.is_dir() {
            for e in std::fs::read_dir(&sub).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "rdb") {
                    v.push(p);
                }
            }
        }
    }
    v.sort();
    v
}

/// Every `(name, NAME.rdb, NAME.expected.jsonl)`, sorted by name.
pub fn fixtures() -> Vec<(String, PathBuf, PathBuf)> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "rdb") {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let expected = dir().join(format!("{name}.expected.jsonl"));
            assert!(
                expected.is_file(),
                "{name}.rdb has no {name}.expected.jsonl"
            );
            v.push((name, p, expected));
        }
    }
    v.sort();
    assert!(!v.is_empty(), "no fixtures in {}", dir().display());
    v
}

/// How the input is handed to the parser.
#[derive(Debug, Clone, Copy)]
pub enum Chunks {
    /// All at once.
    Whole,
    /// One byte per read.
    OneByte,
    /// Reads of random sizes 1..=4096 from a seeded generator.
    Random(u64),
}

/// A reader that returns the data in the chosen chunk sizes.
struct ChunkReader<'a> {
    data: &'a [u8],
    how: Chunks,
    rng: u64,
}

impl Read for ChunkReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let max = match self.how {
            Chunks::Whole => usize::MAX,
            Chunks::OneByte => 1,
            Chunks::Random(_) => {
                self.rng ^= self.rng << 13;
                self.rng ^= self.rng >> 7;
                self.rng ^= self.rng << 17;
                // Mostly tiny pieces, sometimes large ones.
                if self.rng % 4 == 0 {
                    1 + (self.rng >> 8) as usize % 4096
                } else {
                    1 + (self.rng >> 8) as usize % 17
                }
            }
        };
        let n = max.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn reader(data: &[u8], how: Chunks) -> ChunkReader<'_> {
    let rng = match how {
        Chunks::Random(seed) => seed | 1,
        _ => 1,
    };
    ChunkReader { data, how, rng }
}

/// The file rendered by `rdb_json::JsonLines` (the `rdb-dump` output).
pub fn render(data: &[u8], how: Chunks) -> Vec<u8> {
    render_with(data, how, Parser::new(), JsonLines::new(Vec::new()))
}

/// [`render`] with a chosen parser and renderer configuration.
pub fn render_with(
    data: &[u8],
    how: Chunks,
    mut parser: Parser,
    mut r: JsonLines<Vec<u8>>,
) -> Vec<u8> {
    let n = drive(&mut parser, reader(data, how), |_, ev| r.event(ev))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        n,
        data.len() as u64,
        "the RDB must end at the end of the file"
    );
    r.into_inner().unwrap()
}

/// Every event with its offset, as owned text (batches listed element by element).
pub fn events(data: &[u8], how: Chunks) -> Vec<String> {
    let mut parser = Parser::new();
    let mut out = Vec::new();
    drive(&mut parser, reader(data, how), |off, ev| {
        out.push(describe(off, ev));
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{how:?}: {e}"));
    out
}

fn describe(off: u64, ev: &Event<'_>) -> String {
    match ev {
        Event::ListItems(e) => format!("{off} ListItems {:?}", e.iter().collect::<Vec<_>>()),
        Event::SetMembers(e) => format!("{off} SetMembers {:?}", e.iter().collect::<Vec<_>>()),
        Event::ZsetMembers(p) => format!(
            "{off} ZsetMembers {:?}",
            p.iter().map(|(m, s)| (m, s.to_bits())).collect::<Vec<_>>()
        ),
        Event::HashFields(f) => format!("{off} HashFields {:?}", f.iter().collect::<Vec<_>>()),
        Event::StreamEntries(e) => format!(
            "{off} StreamEntries {:?}",
            e.iter()
                .map(|x| (x.id, x.fields().collect::<Vec<_>>()))
                .collect::<Vec<_>>()
        ),
        Event::StreamPel(p) => format!("{off} StreamPel {:?}", p.iter().collect::<Vec<_>>()),
        Event::StreamConsumerPel(p) => {
            format!("{off} StreamConsumerPel {:?}", p.iter().collect::<Vec<_>>())
        }
        Event::SlotImport { job, ranges } => {
            format!(
                "{off} SlotImport {job:?} {:?}",
                ranges.iter().collect::<Vec<_>>()
            )
        }
        other => format!("{off} {other:?}"),
    }
}
