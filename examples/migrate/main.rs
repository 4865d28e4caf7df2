//! `migrate`: copy a Redis server into another one, then keep it in step with live writes.
//!
//! ```text
//! cargo run --release --example migrate -- --source redis://127.0.0.1:6379 \
//!     --target redis://127.0.0.1:6380 [--mode full|sync] [--config FILE] [--status-json]
//! ```
//!
//! Every setting of [`migrate_core::config`] is a flag of the same name (and a key of the
//! same name in the `--config` TOML file; flags override the file). A precheck runs first
//! ([`migrate_core::precheck`]); blocking findings stop the tool with exit code 1.
//! SIGINT/SIGTERM stop gracefully: the target pipeline is drained, the checkpoint saved,
//! exit code 0. Run with `--help` for every flag, the exit codes and the JSON schema.

mod flags;
mod progress;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use flags::{parse, Cli};
use migrate_core::config::Config;
use migrate_core::precheck::Precheck;
use migrate_core::{Migrator, MigratorBuilder, Phase};
use progress::{describe_end, Progress};

const HELP: &str = "\
migrate: copy a Redis server into another, then follow its live writes until stopped

USAGE:
    migrate --source URL --target URL [OPTIONS]
    migrate --config FILE [OPTIONS]

URLs: redis://[user:pass@]host:port[/db] or rediss://... (TLS)

TOOL OPTIONS:
    --config FILE             read settings from a TOML file (keys = the flag names below,
                              e.g. `key-exclude-prefix = [\"cache:\"]`); flags override it
    --precheck-only           run the precheck, print its report on stdout (JSON with
                              --status-json), exit 0 (ready) or 1 (blocked)
    --skip-precheck           start without the precheck (the engine still refuses a
                              non-empty target under conflict = error)
    --status-json             print one status JSON object per second on stdout (and a
                              final one when the run ends)
    --status-interval-ms N    period of --status-json lines (default: 1000; 10..=60000)
    --verify                  when the run ends well (full copy done, or stopped), compare
                              source and target key by key (type, value, TTL; 3 rounds)
                              within the selected dbs/keys and print the report on
                              stderr; exit 1 if they differ (not with --type)
    --quiet                   no progress line on stderr
    -h, --help                this text

SETTINGS (flag = TOML key; list flags repeat, `--db 0,1` and `--db 0 --db 1` are equal;
`--name=value` works too):
    --source URL              the server to copy from (required)
    --target URL              the server to copy into (required)
    --mode full|sync          full: copy once and exit; sync: copy, then follow the
                              live stream until SIGINT/SIGTERM (default: sync)
    --db N,...                source dbs to migrate (default: all)
    --db-map S=T,...          write source db S into target db T (default: same db)
    --key-include-prefix P    only keys starting with P (repeatable)
    --key-exclude-prefix P    skip keys starting with P (repeatable)
    --key-include-regex RE    only keys matching RE, searched anywhere (repeatable;
                              bytes as (?-u:\\xFF))
    --key-exclude-regex RE    skip keys matching RE (repeatable)
    --type T,...              string list set zset hash stream module (default: all)
    --command-allow C,...     incremental phase: forward only these commands
    --command-deny C,...      incremental phase: never forward these commands
    --partial-keys drop|forward-whole|fail
                              multi-key command whose keys are only partly selected
                              (default: drop, with a warning)
    --flushall flush-mapped-dbs|forward|refuse
                              FLUSHALL when only some dbs migrate (default:
                              flush-mapped-dbs)
    --unknown-commands forward|skip|fail
                              commands not in the command table (default: forward)
    --conflict error|overwrite|skip-existing
                              target already holds keys: error = precheck blocks;
                              overwrite = replace; skip-existing = keep theirs, count
                              them as skipped (default: error)
    --ttl-extend-secs N       add N seconds to every migrated TTL (default: 0)
    --full-ops-per-sec N      full-phase throttle, writes/s (default: none)
    --full-bytes-per-sec N    full-phase throttle, bytes/s (default: none)
    --incr-ops-per-sec N      incremental throttle, commands/s (default: none)
    --incr-bytes-per-sec N    incremental throttle, bytes/s (default: none)
    --retry-window-secs N     reconnect lost links with backoff for up to N s, then fail
                              (default: 600)
    --heartbeat-key K         key written to the source for lag in ms; never migrated
                              (default: redis-migrate:heartbeat)
    --heartbeat-interval-ms N heartbeat period (default: 1000)
    --checkpoint-file PATH    save (replid, offset, db) here; a restart resumes with
                              PSYNC +CONTINUE (default: none)
    --checkpoint-key K        same, in a key of the target (default: none)
    --restore-size-limit N    values above N bytes are written as commands instead of
                              RESTORE (default: 268435456)
    --batch-max-elems N       elements per converted command (default: 256)
    --batch-max-bytes N       bytes per converted command (default: 1048576)
    --forward-publish[=true|false]
                              forward PUBLISH/SPUBLISH (default: false)
    --on-error stop|skip      a command or key the target rejects: stop the run naming
                              it, or skip and record it (default: stop)

PROGRESS:
    A progress line on stderr (redrawn in place on a terminal, one line every 5 s
    otherwise): phase, RDB bytes, keys, commands, ops/s, lag, caught-up.

STATUS JSON (--status-json; one object per line, every second; fields never removed):
    phase                 starting|full-sync|incremental|reconnecting|stopping|done|failed
    elapsed_secs          float
    rdb_bytes_received    int        rdb_bytes_total  int|null (known at the RDB's end)
    keys_seen keys_written keys_as_commands keys_filtered keys_expired
    keys_skipped_existing keys_unsupported                                      int
    commands_received commands_applied commands_dropped commands_rejected      int
    replid                string|null
    snapshot_offset source_offset received_offset applied_offset               int|null
    lag_bytes lag_ms      int|null
    ops_per_sec           float
    caught_up             bool: lag ~0 for a few seconds, safe to switch clients over
    full_syncs partial_resyncs target_reconnects                               int
    warnings              [string] (most recent, bounded)
    error                 string|null

SIGNALS:
    SIGINT/SIGTERM: stop gracefully (drain the target pipeline, save the checkpoint),
    exit 0. A second signal aborts at once (exit 2, no checkpoint).

EXIT CODE:
    0 done (full copy finished, or stopped by a signal; with --verify: and equal),
    1 precheck blocked, or --verify found differences,
    2 error (bad flags or settings, a link lost beyond the retry window, a rejected
    command with on-error = stop, ...)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    let cli = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("migrate: {e}\n(run with --help for usage)");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("migrate: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    ExitCode::from(rt.block_on(run(cli)))
}

async fn run(cli: Cli) -> u8 {
    let cfg = &cli.config;
    if !cli.skip_precheck {
        let report = Precheck::from_config(cfg).run().await;
        if cli.precheck_only {
            if cli.status_json {
                println!("{}", report.to_json());
            } else {
                print!("{report}");
            }
            return if report.is_blocked() { 1 } else { 0 };
        }
        if !cli.quiet || report.is_blocked() {
            eprint!("{report}");
        }
        if report.is_blocked() {
            eprintln!("migrate: precheck blocked the migration (see above); nothing was written");
            return 1;
        }
    } else if cli.precheck_only {
        eprintln!("migrate: --precheck-only and --skip-precheck contradict each other");
        return 2;
    }
    let builder = match MigratorBuilder::from_config(cfg) {
        Ok(b) => b.status_interval(Duration::from_millis(cli.status_ms.min(250))),
        Err(e) => {
            eprintln!("migrate: {e}");
            return 2;
        }
    };
    let migrator = match builder.build() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("migrate: {e}");
            return 2;
        }
    };
    supervise(migrator, &cli).await
}

/// Runs the migration: progress, status JSON, signals.
async fn supervise(migrator: Migrator, cli: &Cli) -> u8 {
    use tokio::signal::unix::{signal, SignalKind};
    let (mut sigint, mut sigterm) = match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("migrate: cannot install signal handlers: {e}");
            return 2;
        }
    };
    let handle = migrator.run();
    let mut json_tick = tokio::time::interval(Duration::from_millis(cli.status_ms));
    json_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let tty = std::io::stderr().is_terminal();
    let mut progress = Progress::new(tty, cli.quiet);
    let mut draw_tick = tokio::time::interval(Duration::from_millis(if tty { 200 } else { 1000 }));
    let mut stopping = false;
    let mut updates = handle.updates();
    loop {
        tokio::select! {
            _ = json_tick.tick(), if cli.status_json => {
                let s = handle.status();
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{}", s.to_json());
                let _ = out.flush();
            }
            _ = draw_tick.tick() => progress.draw(&handle.status()),
            sig = async { tokio::select! { _ = sigint.recv() => "SIGINT", _ = sigterm.recv() => "SIGTERM" } } => {
                if stopping {
                    progress.clear();
                    eprintln!("migrate: second {sig}: aborting without a checkpoint");
                    return 2;
                }
                stopping = true;
                progress.clear();
                eprintln!("migrate: {sig}: stopping (draining the target, saving the checkpoint)...");
                handle.request_stop();
            }
            r = updates.changed() => {
                let phase = updates.borrow_and_update().phase;
                if r.is_err() || matches!(phase, Phase::Done | Phase::Failed) {
                    break;
                }
            }
        }
    }
    let result = handle.wait().await;
    progress.clear();
    match result {
        Ok(summary) => {
            if cli.status_json {
                println!("{}", summary.status.to_json());
            }
            eprintln!("migrate: {}", describe_end(&summary.status));
            for w in &summary.status.warnings {
                eprintln!("migrate: warning: {w}");
            }
            if let Some(cp) = &summary.checkpoint {
                eprintln!(
                    "migrate: checkpoint: replid {} offset {} (a new run with the same checkpoint settings resumes there)",
                    cp.replid, cp.offset
                );
            }
            if !summary.rejected.is_empty() {
                eprintln!(
                    "migrate: {} commands rejected by the target were skipped (on-error = skip); first: {:?}",
                    summary.rejected.len(),
                    summary.rejected.first()
                );
            }
            if cli.verify {
                return verify(&cli.config).await;
            }
            0
        }
        Err(e) => {
            if cli.status_json {
                let mut s = updates.borrow().clone();
                s.phase = Phase::Failed;
                s.error = Some(e.to_string());
                println!("{}", s.to_json());
            }
            eprintln!("migrate: failed: {e}");
            2
        }
    }
}

/// `--verify`: a full key-by-key comparison within the migrated selection.
async fn verify(cfg: &Config) -> u8 {
    use migrate_core::verify::{Mode, Verifier};
    eprintln!("migrate: verifying (type, value and TTL of every selected key)...");
    let filter = match cfg.filter() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("migrate: {e}");
            return 2;
        }
    };
    let mut pairs = Vec::new();
    for m in &cfg.db_map {
        if let Some((a, b)) = m.split_once('=') {
            if let (Ok(a), Ok(b)) = (a.trim().parse::<u32>(), b.trim().parse::<u32>()) {
                pairs.push((a, b));
            }
        }
    }
    let keys = filter.keys.clone();
    let hb = cfg.heartbeat_key.clone().into_bytes();
    let mut b = Verifier::builder()
        .source(cfg.source.as_str())
        .target(cfg.target.as_str())
        .mode(Mode::Full)
        .rounds(3)
        .db_map(pairs)
        .key_filter(move |k| k != hb.as_slice() && keys.matches(k));
    if !cfg.dbs.is_empty() {
        b = b.dbs(cfg.dbs.clone());
    }
    let result = match b.build() {
        Ok(v) => v.run().await,
        Err(e) => Err(e),
    };
    let code = migrate_core::verify::exit_code_for(&result);
    match result {
        Ok(report) => eprint!("{report}"),
        Err(e) => eprintln!("migrate: verify: {e}"),
    }
    u8::try_from(code).unwrap_or(2)
}
