//! [`drive`]: runs a [`Parser`] over a [`Read`], feeding it after every single `read` call
//! (unlike `rdb_parser::RdbReader`, which reads until the parser's hint is met), so a reader
//! that returns one byte per call really feeds one byte at a time.

use std::fmt;
use std::io::{self, Read};

use rdb_parser::{Event, Parser, Step};

/// Bytes asked from the reader at least per refill.
const READ_CHUNK: usize = 256 * 1024;

/// Why [`drive`] stopped.
#[derive(Debug)]
pub enum DriveError {
    /// The RDB is invalid, truncated or unsupported (the error carries the byte offset and,
    /// when known, the key).
    Parse(rdb_parser::Error),
    /// Reading the input failed.
    Read {
        /// Bytes consumed by the parser when it happened.
        offset: u64,
        /// The I/O error.
        source: io::Error,
    },
    /// The event callback failed (typically writing the output).
    Output(io::Error),
}

impl fmt::Display for DriveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriveError::Parse(e) => write!(f, "{e}"),
            DriveError::Read { offset, source } => {
                write!(
                    f,
                    "reading input failed after byte offset {offset}: {source}"
                )
            }
            DriveError::Output(e) => write!(f, "writing output failed: {e}"),
        }
    }
}

impl std::error::Error for DriveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DriveError::Parse(e) => Some(e),
            DriveError::Read { source, .. } | DriveError::Output(source) => Some(source),
        }
    }
}

/// Feeds `parser` from `input` until the RDB ends, calling `on_event(offset, &event)` for
/// every event. Returns the number of bytes the RDB took (bytes after it are not read
/// further than one refill, and are ignored).
///
/// Memory: the unconsumed input is kept in one buffer that grows only to what the parser
/// needs at once (one batch or one encoded blob), reading at least 256 KiB per refill.
/// End of input before the RDB is complete is a [`DriveError::Parse`] with
/// `ErrorKind::Truncated` at the first missing byte.
pub fn drive<R: Read>(
    parser: &mut Parser,
    mut input: R,
    mut on_event: impl FnMut(u64, &Event<'_>) -> io::Result<()>,
) -> Result<u64, DriveError> {
    let mut buf: Vec<u8> = Vec::new();
    let mut start = 0usize;
    loop {
        let more = {
            let fed = parser.feed(&buf[start..]).map_err(DriveError::Parse)?;
            start += fed.consumed;
            match fed.step {
                Step::Event(ev) => {
                    on_event(fed.offset, &ev).map_err(DriveError::Output)?;
                    None
                }
                Step::NeedMore(n) => Some(n),
                Step::Done => return Ok(parser.position()),
            }
        };
        if let Some(need) = more {
            buf.drain(..start);
            start = 0;
            let have = buf.len();
            // The hint may come from an untrusted length field: grow by at most 16 MiB per
            // read, so memory is only ever backed by bytes that really arrived.
            buf.resize(have + need.clamp(READ_CHUNK, 16 << 20), 0);
            let n = loop {
                match input.read(&mut buf[have..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(source) => {
                        return Err(DriveError::Read {
                            offset: parser.position(),
                            source,
                        })
                    }
                }
            };
            buf.truncate(have + n);
            if n == 0 {
                parser.finish().map_err(DriveError::Parse)?;
                return Ok(parser.position());
            }
        }
    }
}
