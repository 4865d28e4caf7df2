//! The verification report: counts per category, the first differing keys, JSON, exit code.

use std::fmt::{self, Write as _};
use std::time::Duration;

use bytes::Bytes;

/// What kind of difference a key shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// The key exists on the source but not on the target.
    MissingOnTarget,
    /// The key exists on the target but not on the source.
    ExtraOnTarget,
    /// The key has a different type on each side.
    Type,
    /// Same type, different value (an element, a score, a stream group, a PEL entry ...).
    Value,
    /// Same value, TTLs differ by more than the tolerance (or only one side expires).
    Ttl,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 5] = [
        Category::MissingOnTarget,
        Category::ExtraOnTarget,
        Category::Type,
        Category::Value,
        Category::Ttl,
    ];

    /// The stable name used in JSON and text output (`missing_on_target`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::MissingOnTarget => "missing_on_target",
            Category::ExtraOnTarget => "extra_on_target",
            Category::Type => "type",
            Category::Value => "value",
            Category::Ttl => "ttl",
        }
    }

    fn index(self) -> usize {
        match self {
            Category::MissingOnTarget => 0,
            Category::ExtraOnTarget => 1,
            Category::Type => 2,
            Category::Value => 3,
            Category::Ttl => 4,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One differing key (or, in quick mode, one differing db).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The source db (for `ExtraOnTarget`: the source db the target db maps from, or the
    /// target db itself when nothing maps to it).
    pub source_db: u32,
    /// The target db the key was looked up in.
    pub target_db: u32,
    /// The key, binary-safe. Empty in quick mode (a per-db count difference).
    pub key: Bytes,
    /// What kind of difference.
    pub category: Category,
    /// What differs, in words (e.g. `list element 3 differs`).
    pub detail: String,
}

/// Per-category counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    counts: [u64; 5],
}

impl Counts {
    /// The count for one category.
    pub fn get(&self, c: Category) -> u64 {
        self.counts[c.index()]
    }

    /// Adds `n` to a category.
    pub fn add(&mut self, c: Category, n: u64) {
        self.counts[c.index()] += n;
    }

    /// The sum over all categories.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// Quick mode's numbers for one db pair, from `INFO keyspace` (or from a filtered SCAN when
/// key filters are set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DbCounts {
    /// Source db.
    pub source_db: u32,
    /// Target db it maps to.
    pub target_db: u32,
    /// Keys on the source.
    pub source_keys: u64,
    /// Keys on the target.
    pub target_keys: u64,
    /// Keys with an expiry on the source.
    pub source_expires: u64,
    /// Keys with an expiry on the target.
    pub target_expires: u64,
}

/// Which mode produced a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Per-db key and expiry counts only.
    Quick,
    /// Key by key: type, value, TTL, both ways.
    #[default]
    Full,
}

impl Mode {
    /// `"quick"` or `"full"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Quick => "quick",
            Mode::Full => "full",
        }
    }
}

/// The result of a verification run.
///
/// `counts` holds what still differed after the last round, for every category;
/// `differences` holds the first [`max_reported`](crate::verify::VerifierBuilder::max_reported)
/// of them with details.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Quick or full.
    pub mode: Mode,
    /// Rounds actually run (1 = no re-check was needed).
    pub rounds: u32,
    /// Keys compared in the first round (full mode; source side, after filters).
    pub keys_checked: u64,
    /// Keys scanned on the target in the reverse pass (full mode).
    pub target_keys_scanned: u64,
    /// Differences that remain, per category.
    pub counts: Counts,
    /// The first differences, with details.
    pub differences: Vec<Difference>,
    /// Differences found but left out of `differences` (beyond the reporting limit).
    pub unreported: u64,
    /// Quick mode: per db pair counts.
    pub dbs: Vec<DbCounts>,
    /// Notes a reader needs to interpret the result (e.g. the expiry caveat of quick mode,
    /// a same-version fast path that was used).
    pub notes: Vec<String>,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

impl Report {
    /// Whether no difference remains.
    pub fn is_equal(&self) -> bool {
        self.counts.total() == 0
    }

    /// The process exit code for a CI gate: 0 when equal, 1 when differences remain.
    /// (A run that failed has no report; use [`exit_code_for`] for `Result<Report, _>`.)
    pub fn exit_code(&self) -> i32 {
        if self.is_equal() {
            0
        } else {
            1
        }
    }

    /// Keys compared per second over the whole run (first-round keys / elapsed).
    pub fn keys_per_sec(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.keys_checked as f64 / s
        } else {
            0.0
        }
    }

    /// The report as one JSON object.
    ///
    /// Keys appear twice: `key` is the key as a string (exact when it is UTF-8; otherwise
    /// invalid bytes are written as `\xHH` escapes) and `key_base64` is exact for any bytes.
    pub fn to_json(&self) -> String {
        let mut o = String::with_capacity(256 + self.differences.len() * 128);
        o.push('{');
        let _ = write!(o, "\"mode\":\"{}\"", self.mode.as_str());
        let _ = write!(o, ",\"equal\":{}", self.is_equal());
        let _ = write!(o, ",\"rounds\":{}", self.rounds);
        let _ = write!(o, ",\"keys_checked\":{}", self.keys_checked);
        let _ = write!(o, ",\"target_keys_scanned\":{}", self.target_keys_scanned);
        let _ = write!(o, ",\"elapsed_ms\":{}", self.elapsed.as_millis());
        o.push_str(",\"counts\":{");
        for (i, c) in Category::ALL.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            let _ = write!(o, "\"{}\":{}", c.as_str(), self.counts.get(*c));
        }
        o.push('}');
        let _ = write!(o, ",\"unreported\":{}", self.unreported);
        o.push_str(",\"differences\":[");
        for (i, d) in self.differences.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            let _ = write!(
                o,
                "{{\"source_db\":{},\"target_db\":{},\"key\":",
                d.source_db, d.target_db
            );
            json_str(&mut o, &escape_bytes(&d.key));
            o.push_str(",\"key_base64\":");
            json_str(&mut o, &base64_encode(&d.key));
            let _ = write!(o, ",\"category\":\"{}\",\"detail\":", d.category.as_str());
            json_str(&mut o, &d.detail);
            o.push('}');
        }
        o.push_str("],\"dbs\":[");
        for (i, d) in self.dbs.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            let _ = write!(
                o,
                "{{\"source_db\":{},\"target_db\":{},\"source_keys\":{},\"target_keys\":{},\
                 \"source_expires\":{},\"target_expires\":{}}}",
                d.source_db,
                d.target_db,
                d.source_keys,
                d.target_keys,
                d.source_expires,
                d.target_expires
            );
        }
        o.push_str("],\"notes\":[");
        for (i, n) in self.notes.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            json_str(&mut o, n);
        }
        o.push_str("]}");
        o
    }
}

/// The exit code for a CI gate: 0 equal, 1 differences remain, 2 the run failed.
pub fn exit_code_for<E>(result: &Result<Report, E>) -> i32 {
    match result {
        Ok(r) => r.exit_code(),
        Err(_) => 2,
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} verification: {} after {} round(s), {} keys checked in {:.1} s",
            self.mode.as_str(),
            if self.is_equal() {
                "EQUAL"
            } else {
                "DIFFERENT"
            },
            self.rounds,
            self.keys_checked,
            self.elapsed.as_secs_f64()
        )?;
        for c in Category::ALL {
            writeln!(f, "  {:<18} {}", c.as_str(), self.counts.get(c))?;
        }
        for d in &self.dbs {
            writeln!(
                f,
                "  db {} -> {}: keys {} / {}, expires {} / {}",
                d.source_db,
                d.target_db,
                d.source_keys,
                d.target_keys,
                d.source_expires,
                d.target_expires
            )?;
        }
        for d in &self.differences {
            writeln!(
                f,
                "  [{}] db {}->{} {}: {}",
                d.category,
                d.source_db,
                d.target_db,
                escape_bytes(&d.key),
                d.detail
            )?;
        }
        if self.unreported > 0 {
            writeln!(f, "  ... and {} more", self.unreported)?;
        }
        for n in &self.notes {
            writeln!(f, "  note: {n}")?;
        }
        Ok(())
    }
}

/// Bytes as text: UTF-8 runs as they are, other bytes as `\xHH`, a backslash as `\\`.
pub fn escape_bytes(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        for ch in chunk.valid().chars() {
            if ch == '\\' {
                out.push_str("\\\\");
            } else {
                out.push(ch);
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

fn json_str(o: &mut String, s: &str) {
    o.push('"');
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
}

fn base64_encode(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        let idx = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (i, ix) in idx.iter().enumerate() {
            if i <= c.len() {
                out.push(T[*ix as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(i.as_bytes()), o);
        }
    }

    #[test]
    fn escape_is_readable_and_binary_safe() {
        assert_eq!(escape_bytes(b"a\xffb\\"), "a\\xffb\\\\");
        assert_eq!(escape_bytes("é".as_bytes()), "é");
    }

    #[test]
    fn json_has_counts_keys_and_exit_code() {
        let mut r = Report::default();
        assert_eq!(r.exit_code(), 0);
        r.counts.add(Category::Value, 1);
        r.differences.push(Difference {
            source_db: 0,
            target_db: 1,
            key: Bytes::from_static(b"k\"\x00\xfe"),
            category: Category::Value,
            detail: "list element 3 differs".into(),
        });
        assert_eq!(r.exit_code(), 1);
        let j = r.to_json();
        assert!(j.contains("\"equal\":false"), "{j}");
        assert!(j.contains("\"value\":1"), "{j}");
        assert!(j.contains(r#""key":"k\"\u0000\\xfe""#), "{j}");
        assert!(j.contains("\"key_base64\":\"ayIA/g==\""), "{j}");
        assert_eq!(exit_code_for::<()>(&Err(())), 2);
    }
}
