//! The `rdb-dump` command line, as a function over its streams (so it is testable in
//! process); `examples/rdb-dump.rs` is `std::process::exit(cli::main(...))`.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};

use rdb_parser::{Event, Parser, RdbReader};

use super::{JsonLines, Stats};

/// The usage line.
pub const USAGE: &str = "usage: rdb-dump [--stats] [--no-checksum] FILE|-";

enum Failure {
    Parse(rdb_parser::Error),
    Output(io::Error),
}

/// Runs `rdb-dump` with `args` (without the program name), reading `-` from `stdin`.
///
/// Returns the exit code: 0 on success (also when the output reader went away: broken
/// pipe), 1 when the file cannot be opened or parsed (the message on `stderr` carries the
/// byte offset and, when known, the key), 2 for usage errors.
pub fn main<I: Read, O: Write, E: Write>(
    args: &[String],
    stdin: I,
    stdout: O,
    mut stderr: E,
) -> i32 {
    let mut stats = false;
    let mut verify = true;
    let mut path = None;
    for a in args {
        match a.as_str() {
            "--stats" => stats = true,
            "--no-checksum" => verify = false,
            "-h" | "--help" => {
                let mut out = stdout;
                let _ = writeln!(out, "{USAGE}");
                return 0;
            }
            s if s.starts_with("--") => {
                let _ = writeln!(stderr, "rdb-dump: unknown option {s}\n{USAGE}");
                return 2;
            }
            _ if path.is_some() => {
                let _ = writeln!(stderr, "rdb-dump: one FILE only\n{USAGE}");
                return 2;
            }
            _ => path = Some(a.as_str()),
        }
    }
    let Some(path) = path else {
        let _ = writeln!(stderr, "{USAGE}");
        return 2;
    };
    let input: Box<dyn Read + '_> = if path == "-" {
        Box::new(stdin)
    } else {
        match File::open(path) {
            Ok(f) => Box::new(f),
            Err(e) => {
                let _ = writeln!(stderr, "rdb-dump: {path}: {e}");
                return 1;
            }
        }
    };
    let parser = Parser::builder().verify_checksum(verify).build();
    let mut reader = RdbReader::with_parser(input, parser);
    let result = if stats {
        let mut s = Stats::new();
        each_event(&mut reader, |off, ev| {
            s.event(off, ev);
            Ok(())
        })
        .and_then(|()| {
            s.set_file_bytes(reader.parser().position());
            let mut out = BufWriter::new(stdout);
            s.write(&mut out)
                .and_then(|()| out.flush())
                .map_err(Failure::Output)
        })
    } else {
        let mut r = JsonLines::new(BufWriter::with_capacity(1 << 16, stdout));
        each_event(&mut reader, |_, ev| r.event(ev))
            .and_then(|()| r.into_inner().map(drop).map_err(Failure::Output))
    };
    match result {
        Ok(()) => 0,
        // `rdb-dump f | head`: the reader went away; not an error of ours.
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(Failure::Output(e)) => {
            let _ = writeln!(stderr, "rdb-dump: writing output: {e}");
            1
        }
        Err(Failure::Parse(e)) => {
            let _ = match reader.io_error() {
                Some(io) => writeln!(
                    stderr,
                    "rdb-dump: {path}: read error at byte offset {}: {io}",
                    e.offset
                ),
                None => writeln!(stderr, "rdb-dump: {path}: {e}"),
            };
            1
        }
    }
}

/// Every event of the file to `f`, in order, with its byte offset.
fn each_event<R: Read>(
    reader: &mut RdbReader<R>,
    mut f: impl FnMut(u64, &Event<'_>) -> io::Result<()>,
) -> Result<(), Failure> {
    while let Some((off, ev)) = reader.next_event().map_err(Failure::Parse)? {
        f(off, &ev).map_err(Failure::Output)?;
    }
    Ok(())
}
