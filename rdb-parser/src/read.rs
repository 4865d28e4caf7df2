//! A thin adapter that drives a [`Parser`] from any [`std::io::Read`] with one reusable
//! buffer.

use std::io::{self, Read};

use crate::error::{Error, ErrorKind};
use crate::event::Event;
use crate::parser::{AdvStep, Parser, View};

/// Reads at least this much per `read` call.
const MIN_READ: usize = 64 << 10;
/// Never grows the buffer by more than this per round, whatever the parser's hint says.
const MAX_GROW: usize = 16 << 20;

/// Parses an RDB from a reader. `next_event` lends each event until the next call.
///
/// ```
/// use rdb_parser::{Event, RdbReader, View};
/// # let mut rdb = b"REDIS0009\xfe\x00\x00\x01k\x01v\xff".to_vec();
/// # rdb.extend_from_slice(&[0; 8]);
/// let mut r = RdbReader::new(&rdb[..]);
/// let mut raw = Vec::new();
/// while let Some((_, ev)) = r.next_event()? {
///     match ev {
///         Event::KeyStart(_) => { r.set_view(View::Raw { max_len: 1 << 20 }); }
///         Event::RawValue { rdb_type, body } => raw.push((rdb_type, body.to_vec())),
///         _ => {}
///     }
/// }
/// assert_eq!(raw, [(0, b"\x01v".to_vec())]);
/// # Ok::<(), rdb_parser::Error>(())
/// ```
#[derive(Debug)]
pub struct RdbReader<R> {
    reader: R,
    parser: Parser,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    io_error: Option<io::Error>,
}

impl<R: Read> RdbReader<R> {
    /// A reader with a default [`Parser`].
    pub fn new(reader: R) -> Self {
        Self::with_parser(reader, Parser::new())
    }

    /// A reader driving the given parser (e.g. from [`Parser::builder`]).
    pub fn with_parser(reader: R, parser: Parser) -> Self {
        RdbReader {
            reader,
            parser,
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            io_error: None,
        }
    }

    /// The parser (version, flavor, position).
    pub fn parser(&self) -> &Parser {
        &self.parser
    }

    /// See [`Parser::set_view`]: call right after a `KeyStart` event.
    pub fn set_view(&mut self, view: View) -> bool {
        self.parser.set_view(view)
    }

    /// The I/O error behind an [`ErrorKind::Io`] error.
    pub fn io_error(&self) -> Option<&io::Error> {
        self.io_error.as_ref()
    }

    /// Consumes the adapter, returning the reader. Bytes already read past the point the
    /// parser reached are dropped; use [`RdbReader::into_parts`] to keep them.
    pub fn into_inner(self) -> R {
        self.reader
    }

    /// Bytes read from the reader but not consumed by the parser. After the end of the RDB
    /// (`next_event` returned `None`) these are the bytes that followed it in the stream.
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Consumes the adapter, returning the reader and the [`RdbReader::buffered`] bytes.
    pub fn into_parts(self) -> (R, Vec<u8>) {
        let rest = self.buf[self.start..self.end].to_vec();
        (self.reader, rest)
    }

    /// The next event and its absolute offset, or `None` after the end of the RDB (bytes
    /// after it are not read further). Input that ends early is [`ErrorKind::Truncated`].
    pub fn next_event(&mut self) -> Result<Option<(u64, Event<'_>)>, Error> {
        loop {
            let step = self.parser.advance(&self.buf[self.start..self.end]);
            let s = self.start;
            self.start += self.parser.out_consumed;
            match step {
                AdvStep::Event => {
                    let off = self.parser.out_offset;
                    let ev = self.parser.event(&self.buf[s..self.end]);
                    return Ok(Some((off, ev)));
                }
                AdvStep::Done => return Ok(None),
                AdvStep::Failed => return Err(self.parser.failed_error()),
                AdvStep::NeedMore(n) => {
                    if self.eof {
                        return Err(self.parser.finish().err().unwrap_or_else(|| {
                            Error::new(ErrorKind::Truncated, self.parser.position())
                        }));
                    }
                    self.fill(n)?;
                }
            }
        }
    }

    /// Calls `f` for every event until the end.
    pub fn for_each<F>(&mut self, mut f: F) -> Result<(), Error>
    where
        F: FnMut(u64, Event<'_>),
    {
        while let Some((off, ev)) = self.next_event()? {
            f(off, ev);
        }
        Ok(())
    }

    /// Reads until at least `n` more bytes are buffered or the reader ends.
    fn fill(&mut self, n: usize) -> Result<(), Error> {
        // Move the unconsumed bytes to the front when that frees meaningful space.
        if self.start > 0 && (self.start >= self.buf.len() / 2 || self.end == self.start) {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let want = n.clamp(1, MAX_GROW);
        let target = self.end + want.max(MIN_READ);
        if self.buf.len() < target {
            self.buf.resize(target, 0);
        }
        let mut got = 0usize;
        while got < want {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(k) => {
                    self.end += k;
                    got += k;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.io_error = Some(e);
                    return Err(Error::new(
                        ErrorKind::Io,
                        self.parser.position() + (self.end - self.start) as u64,
                    ));
                }
            }
            if self.end == self.buf.len() {
                break;
            }
        }
        Ok(())
    }
}
