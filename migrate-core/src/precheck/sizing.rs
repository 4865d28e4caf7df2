//! The numbers behind the precheck's advice: how long a full sync may take and how much
//! the source must buffer meanwhile, from the dataset size and the write rate.

use serde::Serialize;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// Conservative full-sync rate used for estimates (snapshot, transfer and apply together),
/// bytes of `used_memory` per second. Measured rates on a 2-core machine are 3-10x higher;
/// advice errs on the safe side.
pub const ESTIMATE_BYTES_PER_SEC: u64 = 32 * MIB;

/// Recommended source settings for a dataset; see [`Sizing::for_dataset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sizing {
    /// Estimated full-sync duration in seconds (at a conservative 32 MiB/s of RDB).
    pub full_sync_secs: u64,
    /// Write traffic in bytes/s (from `instantaneous_input_kbps`).
    pub write_bytes_per_sec: u64,
    /// `client-output-buffer-limit replica` hard and soft limit to advise: the writes of
    /// twice the estimated full sync, at least 256 MiB, rounded up to 64 MiB.
    pub output_buffer: u64,
    /// `repl-timeout` to advise: 60 s, plus 30 s per GiB of data (at most 600).
    pub repl_timeout: u64,
    /// `repl-backlog-size` to advise: 60 s of writes, at least 16 MiB, rounded up to MiB.
    pub backlog: u64,
}

impl Sizing {
    /// Advice for `used_memory` bytes of data and `input_kbps` of write traffic.
    pub fn for_dataset(used_memory: u64, input_kbps: f64) -> Sizing {
        let full_sync_secs = (used_memory / ESTIMATE_BYTES_PER_SEC).max(1);
        let write_bytes_per_sec = if input_kbps.is_finite() && input_kbps > 0.0 {
            (input_kbps * 1024.0) as u64
        } else {
            0
        };
        let during = write_bytes_per_sec.saturating_mul(full_sync_secs.saturating_mul(2));
        let output_buffer = round_up(during.max(256 * MIB), 64 * MIB);
        let repl_timeout = (60 + 30 * used_memory / GIB).min(600);
        let backlog = round_up(write_bytes_per_sec.saturating_mul(60).max(16 * MIB), MIB);
        Sizing {
            full_sync_secs,
            write_bytes_per_sec,
            output_buffer,
            repl_timeout,
            backlog,
        }
    }
}

fn round_up(n: u64, step: u64) -> u64 {
    n.div_ceil(step).saturating_mul(step)
}

/// Parses a Redis size: `1234`, `64mb`, `1gb`, `512k` (case-insensitive; `k`/`m`/`g` are
/// powers of 1000, `kb`/`mb`/`gb` of 1024, as in redis.conf).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mul = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => MIB,
        "g" => 1000 * 1000 * 1000,
        "gb" => GIB,
        _ => return None,
    };
    n.checked_mul(mul)
}

/// `1.5 GiB`, `300 MiB`, `12 KiB`, `100 B`.
pub fn human(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A size as redis.conf writes it (`256mb`, `1gb`, or bytes).
pub fn conf(n: u64) -> String {
    if n > 0 && n % GIB == 0 {
        format!("{}gb", n / GIB)
    } else if n > 0 && n % MIB == 0 {
        format!("{}mb", n / MIB)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("268435456"), Some(256 * MIB));
        assert_eq!(parse_size("64mb"), Some(64 * MIB));
        assert_eq!(parse_size("1GB"), Some(GIB));
        assert_eq!(parse_size("1k"), Some(1000));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("18446744073709551615gb"), None);
        assert_eq!(conf(256 * MIB), "256mb");
        assert_eq!(conf(2 * GIB), "2gb");
        assert_eq!(human(1536), "1.5 KiB");
    }

    #[test]
    fn advice_grows_with_data_and_writes() {
        let small = Sizing::for_dataset(10 * MIB, 0.0);
        assert_eq!(small.output_buffer, 256 * MIB);
        assert_eq!(small.repl_timeout, 60);
        assert_eq!(small.backlog, 16 * MIB);
        // 32 GiB at 10 MB/s of writes: ~1024 s of sync, 2x that of writes.
        let big = Sizing::for_dataset(32 * GIB, 10_000.0);
        assert_eq!(big.full_sync_secs, 1024);
        assert!(big.output_buffer >= 10_000 * 1024 * 2048);
        assert_eq!(big.output_buffer % (64 * MIB), 0);
        assert_eq!(big.repl_timeout, 600);
        assert_eq!(big.backlog, round_up(10_000 * 1024 * 60, MIB));
    }
}
