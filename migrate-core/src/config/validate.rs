//! Validation of a [`Config`], and the typed settings derived from it.

use std::collections::BTreeSet;
use std::fmt;

use super::Config;
use crate::command::{DbMapping, ValueType};
use crate::convert::BatchLimits;
use crate::filter::{CommandFilter, Filter, KeyFilter};

/// One problem with one setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The setting (flag / TOML name).
    pub option: &'static str,
    /// What is wrong, and what is expected.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.option, self.message)
    }
}

/// Why a configuration is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The TOML does not parse or names an unknown setting (the message has line and column).
    #[error("config file: {0}")]
    Toml(String),
    /// Settings that cannot work; every problem found is listed.
    #[error("invalid settings: {}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
}

/// Largest `batch-max-elems`: a command of `2 * n + 3` arguments stays far below the
/// 1,048,576 multibulk cap of targets up to 6.2.
pub const MAX_BATCH_ELEMS: usize = 100_000;
/// Largest `batch-max-bytes` / `restore-size-limit`: the default `proto-max-bulk-len`.
pub const MAX_BULK: u64 = 512 << 20;
/// Largest `ttl-extend-secs` (100 years).
pub const MAX_TTL_EXTEND_SECS: u64 = 100 * 365 * 24 * 3600;

fn url_problem(option: &'static str, url: &str, out: &mut Vec<Problem>) {
    if url.is_empty() {
        out.push(Problem {
            option,
            message: "required (redis://host:port or rediss://host:port)".into(),
        });
    } else if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
        out.push(Problem {
            option,
            message: format!("{url:?} is not a redis:// or rediss:// URL"),
        });
    } else if url
        .trim_start_matches("rediss://")
        .trim_start_matches("redis://")
        .is_empty()
    {
        out.push(Problem {
            option,
            message: format!("{url:?} has no host"),
        });
    }
}

fn parse_pair(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('=')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

impl Config {
    /// Checks every setting; all problems are reported together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut p = Vec::new();
        url_problem("source", &self.source, &mut p);
        url_problem("target", &self.target, &mut p);
        if !self.source.is_empty() && self.source == self.target && self.db_map.is_empty() {
            p.push(Problem {
                option: "target",
                message: "same as source (map dbs with db-map to copy within one server)".into(),
            });
        }
        match self.db_pairs() {
            Err(mut e) => p.append(&mut e),
            Ok(pairs) => {
                if !self.dbs.is_empty() {
                    for (s, _) in &pairs {
                        if !self.dbs.contains(s) {
                            p.push(Problem {
                                option: "db-map",
                                message: format!(
                                    "maps source db {s}, which the db list does not include"
                                ),
                            });
                        }
                    }
                }
                if let Err(e) = self.db_mapping_from(pairs) {
                    p.push(Problem {
                        option: "db-map",
                        message: e.to_string(),
                    });
                }
            }
        }
        if let Err(mut e) = self.value_types() {
            p.append(&mut e);
        }
        if let Err(e) = self.key_filter() {
            p.push(Problem {
                option: "key-include-regex",
                message: e.to_string(),
            });
        }
        if let Err(e) = CommandFilter::new(&self.command_allow, &self.command_deny) {
            p.push(Problem {
                option: "command-allow",
                message: e.to_string(),
            });
        }
        for c in &self.command_allow {
            if self.command_deny.iter().any(|d| d.eq_ignore_ascii_case(c)) {
                p.push(Problem {
                    option: "command-deny",
                    message: format!("{c} is both allowed and denied"),
                });
            }
        }
        for (option, v) in [
            ("full-ops-per-sec", self.full_ops_per_sec),
            ("full-bytes-per-sec", self.full_bytes_per_sec),
            ("incr-ops-per-sec", self.incr_ops_per_sec),
            ("incr-bytes-per-sec", self.incr_bytes_per_sec),
        ] {
            if v == Some(0) {
                p.push(Problem {
                    option,
                    message: "0 would stop all traffic; leave it unset for no limit".into(),
                });
            }
        }
        if self.ttl_extend_secs > MAX_TTL_EXTEND_SECS {
            p.push(Problem {
                option: "ttl-extend-secs",
                message: format!("{} is more than 100 years", self.ttl_extend_secs),
            });
        }
        if self.heartbeat_key.is_empty() {
            p.push(Problem {
                option: "heartbeat-key",
                message: "must not be empty".into(),
            });
        }
        if !(10..=60_000).contains(&self.heartbeat_interval_ms) {
            p.push(Problem {
                option: "heartbeat-interval-ms",
                message: format!("{} is outside 10..=60000", self.heartbeat_interval_ms),
            });
        }
        if self.checkpoint_key.as_deref() == Some("") {
            p.push(Problem {
                option: "checkpoint-key",
                message: "must not be empty".into(),
            });
        }
        if self
            .checkpoint_file
            .as_ref()
            .is_some_and(|f| f.as_os_str().is_empty())
        {
            p.push(Problem {
                option: "checkpoint-file",
                message: "must not be empty".into(),
            });
        }
        if self.restore_size_limit == 0 || self.restore_size_limit > MAX_BULK {
            p.push(Problem {
                option: "restore-size-limit",
                message: format!("{} is outside 1..={MAX_BULK}", self.restore_size_limit),
            });
        }
        if self.batch_max_elems == 0 || self.batch_max_elems > MAX_BATCH_ELEMS {
            p.push(Problem {
                option: "batch-max-elems",
                message: format!("{} is outside 1..={MAX_BATCH_ELEMS}", self.batch_max_elems),
            });
        }
        if self.batch_max_bytes == 0 || self.batch_max_bytes as u64 > MAX_BULK {
            p.push(Problem {
                option: "batch-max-bytes",
                message: format!("{} is outside 1..={MAX_BULK}", self.batch_max_bytes),
            });
        }
        if p.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(p))
        }
    }

    fn db_pairs(&self) -> Result<Vec<(u32, u32)>, Vec<Problem>> {
        let mut bad = Vec::new();
        let mut pairs = Vec::new();
        let mut seen = BTreeSet::new();
        for s in &self.db_map {
            match parse_pair(s) {
                None => bad.push(Problem {
                    option: "db-map",
                    message: format!("{s:?} is not SRC=DST (two db numbers)"),
                }),
                Some((a, b)) => {
                    if !seen.insert(a) {
                        bad.push(Problem {
                            option: "db-map",
                            message: format!("source db {a} is mapped twice"),
                        });
                    }
                    pairs.push((a, b));
                }
            }
        }
        if bad.is_empty() {
            Ok(pairs)
        } else {
            Err(bad)
        }
    }

    fn db_mapping_from(
        &self,
        pairs: Vec<(u32, u32)>,
    ) -> Result<DbMapping, crate::command::DbMappingError> {
        let allow = (!self.dbs.is_empty()).then(|| self.dbs.clone());
        DbMapping::new(allow, pairs)
    }

    /// The db allow-list and mapping.
    pub fn db_mapping(&self) -> Result<DbMapping, ConfigError> {
        let pairs = self.db_pairs().map_err(ConfigError::Invalid)?;
        self.db_mapping_from(pairs).map_err(|e| {
            ConfigError::Invalid(vec![Problem {
                option: "db-map",
                message: e.to_string(),
            }])
        })
    }

    /// The type filter (`None` = all types).
    pub fn value_types(&self) -> Result<Option<BTreeSet<ValueType>>, Vec<Problem>> {
        if self.types.is_empty() {
            return Ok(None);
        }
        let mut set = BTreeSet::new();
        let mut bad = Vec::new();
        for t in &self.types {
            match ValueType::from_name(t) {
                Some(v) => {
                    set.insert(v);
                }
                None => bad.push(Problem {
                    option: "type",
                    message: format!(
                        "{t:?} is not one of string, list, set, zset, hash, stream, module"
                    ),
                }),
            }
        }
        if bad.is_empty() {
            Ok(Some(set))
        } else {
            Err(bad)
        }
    }

    fn key_filter(&self) -> Result<KeyFilter, crate::filter::FilterConfigError> {
        let bytes = |v: &[String]| v.iter().map(|s| s.as_bytes().to_vec()).collect();
        KeyFilter::new(
            bytes(&self.key_include_prefix),
            bytes(&self.key_exclude_prefix),
            &self.key_include_regex,
            &self.key_exclude_regex,
        )
    }

    /// Every selection setting as a [`Filter`] (the heartbeat key is excluded).
    pub fn filter(&self) -> Result<Filter, ConfigError> {
        let one = |option: &'static str, e: &dyn fmt::Display| {
            ConfigError::Invalid(vec![Problem {
                option,
                message: e.to_string(),
            }])
        };
        Ok(Filter {
            dbs: self.db_mapping()?,
            keys: self
                .key_filter()
                .map_err(|e| one("key-include-regex", &e))?,
            types: self.value_types().map_err(ConfigError::Invalid)?,
            commands: CommandFilter::new(&self.command_allow, &self.command_deny)
                .map_err(|e| one("command-allow", &e))?,
            partial: self.partial_keys,
            flushall: self.flushall,
            unknown: self.unknown_commands,
            forward_publish: self.forward_publish,
            heartbeat_key: Some(self.heartbeat_key.as_bytes().to_vec()),
        })
    }

    /// Per-command bounds for converted values.
    pub fn batch_limits(&self) -> BatchLimits {
        BatchLimits {
            max_elems: self.batch_max_elems,
            max_bytes: self.batch_max_bytes,
        }
    }
}
