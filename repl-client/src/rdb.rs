//! Glue for consumers that parse the snapshot: [`RdbChunkParser`] feeds the
//! [`Event::RdbChunk`](crate::Event::RdbChunk) pieces to an [`rdb_parser::Parser`],
//! keeping only the unparsed tail between chunks (at most one atomic unit of the RDB:
//! a key, an element, one encoded blob), so memory does not grow with the RDB's size.
//!
//! ```
//! use repl_client::rdb::RdbChunkParser;
//! use rdb_parser::Event;
//!
//! // An RDB 9 file with one key `k` = "v" (checksum disabled: stored as 0), arriving in
//! // 3-byte chunks as RdbChunk events would bring it.
//! let mut rdb = b"REDIS0009\xfe\x00\x00\x01k\x01v\xff".to_vec();
//! rdb.extend_from_slice(&[0; 8]);
//! let mut p = RdbChunkParser::new(rdb_parser::Parser::new());
//! let mut keys = Vec::new();
//! for chunk in rdb.chunks(3) {
//!     p.feed(chunk, |_offset, ev| {
//!         if let Event::KeyStart(k) = ev {
//!             keys.push(k.key.to_vec());
//!         }
//!         Ok::<(), rdb_parser::Error>(())
//!     })?;
//! }
//! p.finish()?;
//! assert_eq!(keys, [b"k".to_vec()]);
//! # Ok::<(), rdb_parser::Error>(())
//! ```

use rdb_parser::{Event, Parser, Step};

/// Feeds RDB chunks to an [`rdb_parser::Parser`] (see the [module docs](self)).
#[derive(Debug)]
pub struct RdbChunkParser {
    parser: Parser,
    pending: Vec<u8>,
    bytes: u64,
}

impl RdbChunkParser {
    /// Wraps a parser (configured as the consumer needs: views, batch sizes ...).
    pub fn new(parser: Parser) -> RdbChunkParser {
        RdbChunkParser {
            parser,
            pending: Vec::new(),
            bytes: 0,
        }
    }

    /// Parses what `chunk` completes, calling `on_event(offset, event)` for every event
    /// (offset: where the event's bytes start in the RDB). Parser errors and the
    /// callback's errors stop the feed.
    pub fn feed<E, F>(&mut self, chunk: &[u8], mut on_event: F) -> Result<(), E>
    where
        E: From<rdb_parser::Error>,
        F: FnMut(u64, Event<'_>) -> Result<(), E>,
    {
        self.bytes += chunk.len() as u64;
        if self.pending.is_empty() {
            // Parse straight from the chunk; keep only its unparsed tail.
            let used = run(&mut self.parser, chunk, &mut on_event)?;
            self.pending.extend_from_slice(&chunk[used..]);
        } else {
            self.pending.extend_from_slice(chunk);
            let used = run(&mut self.parser, &self.pending, &mut on_event)?;
            self.pending.drain(..used);
        }
        Ok(())
    }

    /// Checks that the RDB was complete (its end opcode and checksum were seen).
    pub fn finish(&self) -> Result<(), rdb_parser::Error> {
        self.parser.finish()
    }

    /// Bytes fed so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Bytes held because they do not yet complete a unit of the RDB.
    pub fn buffered(&self) -> usize {
        self.pending.len()
    }

    /// The parser.
    pub fn parser(&self) -> &Parser {
        &self.parser
    }
}

fn run<E, F>(parser: &mut Parser, input: &[u8], on_event: &mut F) -> Result<usize, E>
where
    E: From<rdb_parser::Error>,
    F: FnMut(u64, Event<'_>) -> Result<(), E>,
{
    let mut pos = 0;
    loop {
        let fed = parser.feed(&input[pos..])?;
        pos += fed.consumed;
        match fed.step {
            Step::Event(ev) => on_event(fed.offset, ev)?,
            Step::NeedMore(_) | Step::Done => return Ok(pos),
        }
    }
}
