//! The progress line on stderr and the end-of-run summary.

use std::io::Write;
use std::time::{Duration, Instant};

use migrate_core::precheck::human_bytes;
use migrate_core::{Phase, Status};

pub(crate) fn describe_end(s: &Status) -> String {
    format!(
        "done in {:.1}s: {} keys written ({} as commands), {} filtered, {} expired, {} kept (skip-existing), {} unsupported; {} stream commands applied, {} dropped, {} rejected",
        s.elapsed_secs,
        s.keys_written,
        s.keys_as_commands,
        s.keys_filtered,
        s.keys_expired,
        s.keys_skipped_existing,
        s.keys_unsupported,
        s.commands_applied,
        s.commands_dropped,
        s.commands_rejected
    )
}

/// The progress line on stderr.
pub(crate) struct Progress {
    tty: bool,
    quiet: bool,
    drawn: bool,
    last_line: Option<Instant>,
}

impl Progress {
    pub(crate) fn new(tty: bool, quiet: bool) -> Progress {
        Progress {
            tty,
            quiet,
            drawn: false,
            last_line: None,
        }
    }

    pub(crate) fn draw(&mut self, s: &Status) {
        if self.quiet {
            return;
        }
        if !self.tty {
            // Periodic lines: every 5 s, and always in the full phase's first line.
            if self
                .last_line
                .is_some_and(|t| t.elapsed() < Duration::from_secs(5))
            {
                return;
            }
            self.last_line = Some(Instant::now());
            eprintln!("migrate: {}", line(s));
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{}", line(s));
        let _ = err.flush();
        self.drawn = true;
    }

    pub(crate) fn clear(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.drawn = false;
        }
    }
}

fn line(s: &Status) -> String {
    let phase = serde_json::to_value(s.phase)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut out = format!("[{:>6.1}s] {phase:<12}", s.elapsed_secs);
    match s.phase {
        Phase::Starting => {}
        Phase::FullSync => {
            let rdb = match s.rdb_bytes_total {
                Some(t) if t > 0 => format!(
                    "{} / {} ({:.0}%)",
                    human_bytes(s.rdb_bytes_received),
                    human_bytes(t),
                    s.rdb_bytes_received as f64 * 100.0 / t as f64
                ),
                _ => human_bytes(s.rdb_bytes_received),
            };
            out.push_str(&format!(
                " rdb {rdb} | keys {} read, {} written | {:.0} ops/s",
                s.keys_seen, s.keys_written, s.ops_per_sec
            ));
        }
        _ => {
            let lag_ms = s.lag_ms.map_or("?".into(), |v| format!("{v} ms"));
            let lag_b = s.lag_bytes.map_or("?".into(), human_bytes);
            out.push_str(&format!(
                " keys {} | cmds {} applied | {:.0} ops/s | lag {lag_ms} / {lag_b}{}",
                s.keys_written,
                s.commands_applied,
                s.ops_per_sec,
                if s.caught_up { " | CAUGHT UP" } else { "" }
            ));
        }
    }
    if let Some(e) = &s.error {
        out.push_str(&format!(" | error: {e}"));
    }
    out
}
