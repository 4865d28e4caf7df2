//! Precheck: everything that can be known before a migration starts, in ONE report.
//!
//! [`Precheck::run`] connects to the source and the target, reads `INFO`, `CONFIG GET` and
//! (on 6.0+) ACL facts, and returns a [`Report`] listing every [`Finding`] at once — never
//! only the first problem. Each finding is [`Severity::Blocking`] (the migration must not
//! start), [`Severity::Warning`] (it may start, but something could go wrong or data could
//! be lost) or [`Severity::Info`] (a fact worth knowing), with a message naming the server
//! address and concrete advice. The report prints as text ([`std::fmt::Display`]) and as
//! one JSON object ([`Report::to_json`]).
//!
//! What is checked ([`Check`] names each kind):
//!
//! * connectivity and authentication of both sides (address in the message);
//! * versions (PSYNC needs 2.8+), cluster mode on either side (not supported yet), a
//!   target that is a read-only replica, a source that is a replica (no heartbeat);
//! * replication permission of the source user (7.0+: `ACL DRYRUN user PSYNC ? -1` and
//!   `REPLCONF`; 6.x: the user's `ACL GETUSER` rules; before 6.0 any authenticated client
//!   may replicate) and its right to write the heartbeat key;
//! * the conflict policy against target contents in every mapped db, and mapped dbs the
//!   target does not have;
//! * target `maxmemory` against the source's data size, `maxmemory-policy` other than
//!   `noeviction`;
//! * source `client-output-buffer-limit replica`, `repl-timeout` and `repl-backlog-size`
//!   against the dataset size and write rate (concrete values advised);
//! * RDB encodings the target cannot load (values will be re-encoded as commands),
//!   streams and functions a target cannot hold, `proto-max-bulk-len` on both sides.
//!
//! ```no_run
//! # async fn demo() {
//! use migrate_core::config::Config;
//! use migrate_core::precheck::Precheck;
//!
//! let cfg = Config::from_toml("source = \"redis://127.0.0.1:6379\"\ntarget = \"redis://127.0.0.1:6380\"").unwrap();
//! let report = Precheck::from_config(&cfg).run().await;
//! print!("{report}");
//! if report.is_blocked() {
//!     std::process::exit(1);
//! }
//! # }
//! ```

mod acl;
mod checks;
mod facts;
mod sizing;

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::config::Config;

pub use facts::ServerFacts;
pub use sizing::{human as human_bytes, Sizing};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// The migration must not start.
    Blocking,
    /// It may start, but something may go wrong or data may be lost.
    Warning,
    /// A fact worth knowing.
    Info,
}

/// The kind of a finding (stable names, used in the JSON as `check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Check {
    /// The settings themselves are invalid (each problem named).
    Settings,
    /// Connecting or authenticating failed.
    Connect,
    /// Server versions (and whether they can work together).
    Version,
    /// Cluster mode on either side.
    Cluster,
    /// Role: a replica target (read-only) or a replica source.
    Role,
    /// The source user may not replicate (PSYNC/REPLCONF) or write the heartbeat.
    ReplicationPermission,
    /// The conflict policy against keys already in the target's mapped dbs.
    Conflict,
    /// A mapped db the target does not have.
    Databases,
    /// Target `maxmemory` against the data to copy.
    Memory,
    /// Target `maxmemory-policy` other than `noeviction`.
    EvictionPolicy,
    /// Source `client-output-buffer-limit replica`.
    OutputBuffer,
    /// Source `repl-timeout`.
    ReplTimeout,
    /// Source `repl-backlog-size`.
    ReplBacklog,
    /// RDB encodings the target cannot load.
    RdbVersion,
    /// Stream keys a target before 5.0 cannot hold.
    Streams,
    /// Functions a target before 7.0 cannot hold.
    Functions,
    /// `proto-max-bulk-len` limits.
    BulkLimit,
    /// A setting could not be read (e.g. `CONFIG` disabled): that check was not done.
    Unchecked,
}

/// Which server a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The source.
    Source,
    /// The target.
    Target,
    /// Both together.
    Both,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Blocking, warning or info.
    pub severity: Severity,
    /// What kind of check found it.
    pub check: Check,
    /// Which server.
    pub side: Side,
    /// What was found (names the address).
    pub message: String,
    /// What to do about it (empty for plain facts).
    pub advice: String,
}

/// Everything the precheck found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Source facts, when it could be reached.
    pub source: Option<ServerFacts>,
    /// Target facts, when it could be reached.
    pub target: Option<ServerFacts>,
    /// Every finding, blocking first.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether any finding is blocking.
    pub fn is_blocked(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Blocking)
    }

    /// Findings of one kind.
    pub fn of(&self, check: Check) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.check == check)
    }

    /// How many findings have this severity.
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }

    /// The report as one JSON object:
    /// `{"blocked":bool,"source":{..}|null,"target":{..}|null,"findings":[{"severity",
    /// "check","side","message","advice"}]}`.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            blocked: bool,
            #[serde(flatten)]
            report: &'a Report,
        }
        serde_json::to_string(&Out {
            blocked: self.is_blocked(),
            report: self,
        })
        .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()))
    }

    pub(crate) fn push(
        &mut self,
        severity: Severity,
        check: Check,
        side: Side,
        message: impl Into<String>,
        advice: impl Into<String>,
    ) {
        self.findings.push(Finding {
            severity,
            check,
            side,
            message: message.into(),
            advice: advice.into(),
        });
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.is_blocked() {
            "BLOCKED"
        } else {
            "ready"
        };
        writeln!(
            f,
            "precheck: {verdict} ({} blocking, {} warnings, {} notes)",
            self.count(Severity::Blocking),
            self.count(Severity::Warning),
            self.count(Severity::Info)
        )?;
        for (name, facts) in [("source", &self.source), ("target", &self.target)] {
            if let Some(s) = facts {
                writeln!(f, "  {name}: {s}")?;
            }
        }
        for x in &self.findings {
            let tag = match x.severity {
                Severity::Blocking => "BLOCKING",
                Severity::Warning => "warning ",
                Severity::Info => "note    ",
            };
            writeln!(f, "  {tag} {}", x.message)?;
            if !x.advice.is_empty() {
                writeln!(f, "           -> {}", x.advice)?;
            }
        }
        Ok(())
    }
}

/// A configured precheck; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Precheck {
    cfg: Config,
    timeout: Duration,
}

impl Precheck {
    /// A precheck of the migration `cfg` describes (its source, target, dbs, db mapping,
    /// types, conflict policy and limits).
    pub fn from_config(cfg: &Config) -> Precheck {
        Precheck {
            cfg: cfg.clone(),
            timeout: Duration::from_secs(10),
        }
    }

    /// Time allowed for each server's checks (default 10 s); a server slower than this is
    /// reported as unreachable.
    pub fn timeout(mut self, d: Duration) -> Precheck {
        self.timeout = d;
        self
    }

    /// Runs every check; never fails (problems are findings).
    pub async fn run(&self) -> Report {
        checks::run(&self.cfg, self.timeout).await
    }
}
