//! `rdb-dump`: prints an RDB file as JSON lines, one object per key in file order.
//!
//! ```sh
//! cargo run --release --example rdb-dump -- dump.rdb            # every key, one JSON line each
//! cargo run --release --example rdb-dump -- --stats dump.rdb    # a summary instead
//! cat dump.rdb | cargo run --release --example rdb-dump -- -    # from stdin
//! ```
//!
//! Options: `--stats` (summary: keys per db and type, encodings, total and largest values),
//! `--no-checksum` (do not verify the trailing CRC-64).
//!
//! The line format is documented in `redis_migrate::rdb_json`:
//! `{"db":0,"key":K,"type":T,"expire_ms":E,"value":V}`; aux fields, functions and module
//! aux data are lines without `"key"`. Errors go to stderr with the byte offset (and the key
//! when known); the exit code is then 1 (2 for usage errors).

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use rdb_parser::{Event, Parser, RdbReader};
use redis_migrate::rdb_json::{JsonLines, Stats};

const USAGE: &str = "usage: rdb-dump [--stats] [--no-checksum] FILE|-";

fn main() -> ExitCode {
    let mut stats = false;
    let mut verify = true;
    let mut path = None;
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--stats" => stats = true,
            "--no-checksum" => verify = false,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            s if s.starts_with("--") => {
                eprintln!("rdb-dump: unknown option {s}\n{USAGE}");
                return ExitCode::from(2);
            }
            _ if path.is_some() => {
                eprintln!("rdb-dump: one FILE only\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => path = Some(a),
        }
    }
    let Some(path) = path else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let input: Box<dyn Read> = if path == "-" {
        Box::new(io::stdin().lock())
    } else {
        match File::open(&path) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("rdb-dump: {path}: {e}");
                return ExitCode::FAILURE;
            }
        }
    };
    let parser = Parser::builder().verify_checksum(verify).build();
    let mut reader = RdbReader::with_parser(input, parser);
    let stdout = io::stdout().lock();
    let result = if stats {
        let mut s = Stats::new();
        run(&mut reader, |off, ev| {
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
        run(&mut reader, |_, ev| r.event(ev))
            .and_then(|()| r.into_inner().map(drop).map_err(Failure::Output))
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `rdb-dump f | head`: the reader went away; not an error of ours.
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            eprintln!("rdb-dump: writing output: {e}");
            ExitCode::FAILURE
        }
        Err(Failure::Parse(e)) => {
            match reader.io_error() {
                Some(io) => eprintln!(
                    "rdb-dump: {path}: read error at byte offset {}: {io}",
                    e.offset
                ),
                None => eprintln!("rdb-dump: {path}: {e}"),
            }
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    Parse(rdb_parser::Error),
    Output(io::Error),
}

/// Every event of the file to `f`, in order, with its byte offset.
fn run<R: Read>(
    reader: &mut RdbReader<R>,
    mut f: impl FnMut(u64, &Event<'_>) -> io::Result<()>,
) -> Result<(), Failure> {
    while let Some((off, ev)) = reader.next_event().map_err(Failure::Parse)? {
        f(off, &ev).map_err(Failure::Output)?;
    }
    Ok(())
}
