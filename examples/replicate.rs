//! `replicate`: tail a Redis master as a replica and print what it sends, one JSON object
//! per line.
//!
//! ```text
//! cargo run --release --example replicate -- --source redis://[user:pass@]host:port \
//!     [--tls-ca FILE] [--max-seconds N]
//! ```
//!
//! Lines (bytes are JSON strings when valid UTF-8, else `{"b64": "..."}`):
//!
//! ```text
//! {"event":"fullresync","replid":"8f3c...","offset":1274}
//! {"event":"rdb_done","keys":1000,"bytes":48213}
//! {"event":"command","db":0,"offset_end":1310,"argv":["set","k","v"]}
//! {"event":"reconnect","reason":"...","attempt":1,"delay_ms":200}
//! {"event":"continue","replid":"8f3c...","offset":1310}
//! ```
//!
//! Extra flags for measurements: `--no-commands` prints no `command` lines (they are still
//! decoded, counted and acknowledged) and ends with a `summary` line; `--rdb-only` stops
//! after the snapshot (`REPLCONF rdb-only` where the server knows it).
//!
//! A full sync that replaces an earlier one (the link broke during the RDB, or the master
//! could not continue) prints `fullresync` with `"restart":true`. The RDB is parsed on the
//! fly with rdb-parser to count its keys; it is never held in memory. Exit code: 0 after
//! `--max-seconds` (or when the master ends an RDB-only run), 1 on a replication error,
//! 2 on bad flags.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use base64::Engine as _;
use repl_client::rdb::RdbChunkParser;
use repl_client::transport::ConnectOptions;
use repl_client::{Event, ReplicaClient, ReplicaConfig};
use serde_json::{json, Value};

const HELP: &str = "\
replicate: tail a Redis master as a replica, print its events as JSON lines

USAGE:
    replicate --source URL [--tls-ca FILE] [--max-seconds N] [--no-commands] [--rdb-only]

OPTIONS:
    --source URL       redis://[user:pass@]host:port or rediss://... (required)
    --tls-ca FILE      trust this CA (PEM) for TLS; turns TLS on
    --max-seconds N    stop after N seconds (default: run until an error)
    --no-commands      do not print command lines (count them; print a summary at the end)
    --rdb-only         stop after the snapshot
    -h, --help         this text
";

/// Parsed command line.
#[derive(Debug)]
struct Args {
    source: String,
    tls_ca: Option<String>,
    max: Option<Duration>,
    no_commands: bool,
    rdb_only: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut source = None;
    let mut tls_ca = None;
    let mut max = None;
    let (mut no_commands, mut rdb_only) = (false, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs a value"))
        };
        match a.as_str() {
            "--source" => source = Some(val()?),
            "--tls-ca" => tls_ca = Some(val()?),
            "--max-seconds" => {
                let v = val()?;
                let n: f64 = v
                    .parse()
                    .map_err(|_| format!("--max-seconds: `{v}` is not a number"))?;
                if !(n.is_finite() && n >= 0.0) {
                    return Err(format!("--max-seconds: `{v}` must be >= 0"));
                }
                max = Some(Duration::from_secs_f64(n));
            }
            "--no-commands" => no_commands = true,
            "--rdb-only" => rdb_only = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Args {
        source: source.ok_or("--source is required")?,
        tls_ca,
        max,
        no_commands,
        rdb_only,
    })
}

/// A byte string as JSON: a string when it is UTF-8, else `{"b64": ...}`.
fn bytes_json(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => Value::String(s.to_owned()),
        Err(_) => json!({ "b64": base64::engine::general_purpose::STANDARD.encode(b) }),
    }
}

/// Counts the keys of an RDB arriving in chunks; repl-client's [`RdbChunkParser`] holds
/// only the unparsed tail.
struct KeyCounter {
    parser: RdbChunkParser,
    keys: u64,
}

impl Default for KeyCounter {
    fn default() -> Self {
        KeyCounter {
            parser: RdbChunkParser::new(rdb_parser::Parser::new()),
            keys: 0,
        }
    }
}

impl KeyCounter {
    fn feed(&mut self, chunk: &[u8]) -> Result<(), String> {
        let keys = &mut self.keys;
        self.parser
            .feed(chunk, |_, ev| {
                if let rdb_parser::Event::KeyStart(_) = ev {
                    *keys += 1;
                }
                Ok::<(), rdb_parser::Error>(())
            })
            .map_err(|e| format!("RDB: {e}"))
    }
}

/// Runs the replication, writing JSON lines to `out`, until `max` elapses or an error.
async fn run(args: Args, out: &mut impl Write) -> Result<(), String> {
    let mut b = ConnectOptions::builder().url(&args.source);
    if let Some(ca) = &args.tls_ca {
        b = b.tls_ca_file(ca);
    }
    let opts = b.build().map_err(|e| e.to_string())?;
    let cfg = ReplicaConfig::builder()
        .credentials_from(&opts)
        .rdb_only(args.rdb_only)
        .build();
    let (handle, mut events) = ReplicaClient::builder(opts).config(cfg).start();
    let deadline = args.max.map(|d| tokio::time::Instant::now() + d);
    let mut counter = KeyCounter::default();
    let (mut commands, mut offset_end) = (0u64, None);
    let io = |e: std::io::Error| format!("writing output: {e}");
    loop {
        // Flush when no event is ready, so lines appear promptly without a write per line.
        let ev = match tokio::time::timeout(Duration::ZERO, events.next()).await {
            Ok(ev) => ev,
            Err(_) => {
                out.flush().map_err(io)?;
                let next = events.next();
                match deadline {
                    None => next.await,
                    Some(d) => match tokio::time::timeout_at(d, next).await {
                        Ok(ev) => ev,
                        Err(_) => break,
                    },
                }
            }
        };
        let ev = match ev {
            None => break,
            Some(Err(e)) => {
                out.flush().map_err(io)?;
                return Err(e.to_string());
            }
            Some(Ok(ev)) => ev,
        };
        let line = match ev {
            Event::FullResync { replid, offset } => {
                counter = KeyCounter::default();
                json!({"event": "fullresync", "replid": replid, "offset": offset})
            }
            Event::NewFullSync {
                replid,
                offset,
                previous_replid,
                previous_offset,
            } => {
                counter = KeyCounter::default();
                json!({"event": "fullresync", "replid": replid, "offset": offset, "restart": true,
                       "previous_replid": previous_replid, "previous_offset": previous_offset})
            }
            Event::RdbChunk(chunk) => {
                counter.feed(&chunk)?;
                continue;
            }
            Event::RdbDone { bytes } => {
                counter.parser.finish().map_err(|e| format!("RDB: {e}"))?;
                json!({"event": "rdb_done", "keys": counter.keys, "bytes": bytes})
            }
            Event::Command(c) if args.no_commands => {
                commands += 1;
                offset_end = Some(c.end);
                handle.ack(c.end);
                continue;
            }
            Event::Command(c) => {
                let argv: Vec<Value> = c.command.argv().iter().map(|a| bytes_json(a)).collect();
                let line =
                    json!({"event": "command", "db": c.db, "offset_end": c.end, "argv": argv});
                handle.ack(c.end); // printed = applied
                line
            }
            Event::Continue { replid, offset } => {
                json!({"event": "continue", "replid": replid, "offset": offset})
            }
            Event::Reconnecting {
                reason,
                attempt,
                delay,
            } => {
                json!({"event": "reconnect", "reason": reason, "attempt": attempt,
                       "delay_ms": u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)})
            }
            Event::Finished => break,
            other => json!({"event": "other", "debug": format!("{other:?}")}),
        };
        serde_json::to_writer(&mut *out, &line).map_err(|e| format!("writing output: {e}"))?;
        out.write_all(b"\n").map_err(io)?;
    }
    handle.shutdown();
    if args.no_commands {
        let line = json!({"event": "summary", "commands": commands, "offset_end": offset_end});
        serde_json::to_writer(&mut *out, &line).map_err(|e| format!("writing output: {e}"))?;
        out.write_all(b"\n").map_err(io)?;
    }
    out.flush().map_err(io)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    let args = match parse(&args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("replicate: {e}\n(run with --help for usage)");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("replicate: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let started = Instant::now();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    match rt.block_on(run(args, &mut out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "replicate: {e} (after {:.1} s)",
                started.elapsed().as_secs_f64()
            );
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use test_support::{RedisServer, Version};

    #[test]
    fn bytes_are_strings_or_base64() {
        assert_eq!(bytes_json(b"a\"b\\c\n\x01"), json!("a\"b\\c\n\u{1}"));
        assert_eq!(
            serde_json::to_string(&bytes_json(b"q\"\n")).unwrap(),
            r#""q\"\n""#
        );
        assert_eq!(bytes_json(b"\xff\x00"), json!({"b64": "/wA="}));
    }

    #[test]
    fn flags() {
        let a: Vec<String> = ["--source", "redis://h:1", "--max-seconds", "2.5"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let p = parse(&a).unwrap();
        assert_eq!(
            (p.source.as_str(), p.max),
            ("redis://h:1", Some(Duration::from_millis(2500)))
        );
        assert!(!p.no_commands && !p.rdb_only);
        let q = parse(&[
            "--source".into(),
            "redis://h".into(),
            "--no-commands".into(),
            "--rdb-only".into(),
        ])
        .unwrap();
        assert!(q.no_commands && q.rdb_only);
        assert!(parse(&["--max-seconds".into()])
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse(&[]).unwrap_err().contains("--source is required"));
        assert!(parse(&["--bogus".into()])
            .unwrap_err()
            .contains("unknown argument"));
    }

    /// The JSON-lines contract against a real master.
    #[test]
    fn prints_the_contract() {
        let server = RedisServer::builder(Version::V7_0)
            .arg("repl-diskless-sync-delay", "0")
            .start();
        let mut c = server.connect();
        c.ok(&["SET", "a", "1"]);
        c.ok(&["SELECT", "2"]);
        c.ok(&["HSET", "h", "f", "v"]);
        let addr = server.addr();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1500));
            let mut c = test_support::Conn::connect(&addr).unwrap();
            c.ok(&["SELECT", "2"]);
            c.ok(&[b"SET".as_slice(), b"bin", b"\xff\xfe"]);
            c.ok(&["RPUSH", "q", "say \"hi\"\n"]);
            let off: u64 = c
                .info_field("replication", "master_repl_offset")
                .unwrap()
                .parse()
                .unwrap();
            off
        });
        let args = Args {
            source: server.url(),
            tls_ca: None,
            max: Some(Duration::from_secs(4)),
            no_commands: false,
            rdb_only: false,
        };
        let mut out = Vec::new();
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(run(args, &mut out))
            .unwrap();
        let master_offset = writer.join().unwrap();
        let lines: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["event"], "fullresync");
        assert_eq!(lines[0]["replid"].as_str().unwrap().len(), 40);
        assert!(lines[0]["offset"].is_u64());
        assert_eq!(
            lines[1],
            json!({"event": "rdb_done", "keys": 2, "bytes": lines[1]["bytes"]})
        );
        let cmds: Vec<&Value> = lines[2..]
            .iter()
            .filter(|l| l["event"] == "command")
            .collect();
        let bin = cmds.iter().find(|l| l["argv"][0] == "SET").unwrap();
        assert_eq!(bin["argv"], json!(["SET", "bin", {"b64": "//4="}]));
        assert_eq!(bin["db"], 2);
        let q = cmds.iter().find(|l| l["argv"][0] == "RPUSH").unwrap();
        assert_eq!(q["argv"][2], "say \"hi\"\n");
        assert!(cmds.iter().any(|l| l["offset_end"] == master_offset));
    }
}
