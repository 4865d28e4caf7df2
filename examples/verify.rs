//! `verify`: prove that a target Redis holds the same data as a source.
//!
//! ```text
//! cargo run --release --example verify -- --source URL --target URL \
//!     [--mode quick|full] [--rounds N] [--db-map 0:1 ...] [--json]
//! ```
//!
//! Exit code: 0 when equal, 1 when differences remain, 2 on error. Run with `--help` for
//! every flag.

use std::process::ExitCode;
use std::time::Duration;

use migrate_core::verify::{Mode, Verifier, VerifierBuilder};

const HELP: &str = "\
verify: compare a source and a target Redis, key by key (full) or by counts (quick)

USAGE:
    verify --source URL --target URL [OPTIONS]

URLs: redis://[user:pass@]host:port[/db] or rediss://... (TLS, system roots)

OPTIONS:
    --source URL              the server that holds the truth (required)
    --target URL              the server to check (required)
    --mode quick|full         quick: per-db key and expiry counts (INFO keyspace);
                              full: type, value and TTL of every key, both ways
                              (default: full)
    --rounds N                re-check differing keys up to N passes in total, so writes
                              in flight are not reported (default: 3)
    --round-delay-ms MS       pause before each re-check round (default: 1000)
    --db-map S:T ...          compare source db S with target db T (repeatable; several
                              pairs may follow one flag: --db-map 0:1 2:3)
    --db N ...                compare only these source dbs (repeatable)
    --prefix P ...            compare only keys starting with P (repeatable)
    --ttl-tolerance-ms MS     largest accepted TTL difference (default: 1000)
    --rate KEYS_PER_SEC       limit keys read per second from the source (default: none)
    --connections N           parallel connection pairs (default: 4)
    --scan-count N            SCAN COUNT and keys per batch (default: 500)
    --max-reported N          differing keys listed with details (default: 100)
    --json                    print the report as one JSON object on stdout
    -h, --help                this text

EXIT CODE:
    0 equal, 1 differences remain after the last round, 2 error (bad flags, connection,
    command failure)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    let (builder, json) = match parse(&args) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("verify: {e}\n(run with --help for usage)");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("verify: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = builder.build().map(|v| rt.block_on(v.run()));
    let result = match result {
        Ok(r) => r,
        Err(e) => Err(e),
    };
    let code = migrate_core::verify::exit_code_for(&result);
    match result {
        Ok(report) if json => println!("{}", report.to_json()),
        Ok(report) => print!("{report}"),
        Err(e) => eprintln!("verify: {e}"),
    }
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}

fn parse(args: &[String]) -> Result<(VerifierBuilder, bool), String> {
    let mut b = Verifier::builder();
    let mut json = false;
    let (mut source, mut target) = (false, false);
    let mut dbs = Vec::new();
    let mut prefixes: Vec<Vec<u8>> = Vec::new();
    let mut i = 0;
    let value = |i: &mut usize, flag: &str| -> Result<String, String> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| format!("{flag} needs a value"))
    };
    let num = |s: String, flag: &str| -> Result<u64, String> {
        s.parse::<u64>()
            .map_err(|_| format!("{flag}: `{s}` is not a non-negative number"))
    };
    while i < args.len() {
        let flag = args[i].as_str();
        match flag {
            "--source" => {
                b = b.source(value(&mut i, flag)?);
                source = true;
            }
            "--target" => {
                b = b.target(value(&mut i, flag)?);
                target = true;
            }
            "--mode" => {
                b = b.mode(match value(&mut i, flag)?.as_str() {
                    "quick" => Mode::Quick,
                    "full" => Mode::Full,
                    m => return Err(format!("--mode: `{m}` is not quick or full")),
                })
            }
            "--rounds" => {
                let n = num(value(&mut i, flag)?, flag)?;
                b = b.rounds(u32::try_from(n).map_err(|_| "--rounds: too large".to_owned())?);
            }
            "--round-delay-ms" => {
                b = b.round_delay(Duration::from_millis(num(value(&mut i, flag)?, flag)?))
            }
            "--db-map" => {
                let mut pairs = Vec::new();
                // One or more S:T values follow.
                while let Some(p) = args.get(i + 1).filter(|a| !a.starts_with("--")) {
                    let (s, t) = p
                        .split_once(':')
                        .ok_or_else(|| format!("--db-map: `{p}` is not S:T"))?;
                    let s = s
                        .parse::<u32>()
                        .map_err(|_| format!("--db-map: `{p}`: bad source db"))?;
                    let t = t
                        .parse::<u32>()
                        .map_err(|_| format!("--db-map: `{p}`: bad target db"))?;
                    pairs.push((s, t));
                    i += 1;
                }
                if pairs.is_empty() {
                    return Err("--db-map needs at least one S:T".into());
                }
                b = b.db_map(pairs);
            }
            "--db" => {
                while let Some(d) = args.get(i + 1).filter(|a| !a.starts_with("--")) {
                    dbs.push(
                        d.parse::<u32>()
                            .map_err(|_| format!("--db: `{d}` is not a db number"))?,
                    );
                    i += 1;
                }
            }
            "--prefix" => prefixes.push(value(&mut i, flag)?.into_bytes()),
            "--ttl-tolerance-ms" => {
                b = b.ttl_tolerance(Duration::from_millis(num(value(&mut i, flag)?, flag)?))
            }
            "--rate" => b = b.rate(num(value(&mut i, flag)?, flag)?),
            "--connections" => b = b.connections(num(value(&mut i, flag)?, flag)? as usize),
            "--scan-count" => b = b.scan_count(num(value(&mut i, flag)?, flag)? as usize),
            "--max-reported" => b = b.max_reported(num(value(&mut i, flag)?, flag)? as usize),
            "--json" => json = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
        i += 1;
    }
    if !source || !target {
        return Err("--source and --target are required".into());
    }
    if !dbs.is_empty() {
        b = b.dbs(dbs);
    }
    if !prefixes.is_empty() {
        b = b.key_filter(move |k| prefixes.iter().any(|p| k.starts_with(p)));
    }
    Ok((b, json))
}
