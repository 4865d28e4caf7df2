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
//! when known); the exit code is then 1 (2 for usage errors). The logic lives in
//! `redis_migrate::rdb_json::cli`.

use std::io;

use redis_migrate::rdb_json::cli;

fn main() {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let code = cli::main(
        &args,
        io::stdin().lock(),
        io::stdout().lock(),
        io::stderr().lock(),
    );
    std::process::exit(code);
}
