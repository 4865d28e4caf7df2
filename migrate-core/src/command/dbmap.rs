//! Database mapping and the rewriting of commands that name databases.
//!
//! Rules (source db `s` is *mapped* when it passes the allow-list; it then runs in target db
//! `map(s)`; the mapping is injective, so two source dbs never land in one target db):
//!
//! | command | current db mapped? | other db mapped? | result |
//! |---|---|---|---|
//! | `SELECT n` | — | n mapped | `SELECT map(n)` |
//! | `SELECT n` | — | n unmapped | dropped (`DbNotMigrated`) |
//! | `MOVE k n` | yes | yes | `MOVE k map(n)` |
//! | `MOVE k n` | yes | no | `DEL k` (the key left the migrated set) |
//! | `MOVE k n` | no | yes | refused: the value is not known ([`DbRefusal::ValueUnavailable`]) |
//! | `COPY a b [DB n]` | yes | yes | `COPY a b DB map(n)` (unchanged without `DB`) |
//! | `COPY a b DB n` | yes | no | dropped (no migrated data changes) |
//! | `COPY a b DB n` | no | yes | refused ([`DbRefusal::ValueUnavailable`]) |
//! | `SWAPDB a b` | — | both mapped | `SWAPDB map(a) map(b)` |
//! | `SWAPDB a b` | — | one mapped | refused ([`DbRefusal::SwapDbPartiallyMapped`]) |
//! | `FLUSHDB` | yes | — | unchanged, in `map(current)` |
//! | `FLUSHALL` | — | — | see [`FlushAllPolicy`] |
//!
//! Commands neither mapped db is involved in are dropped.

use std::collections::{BTreeMap, BTreeSet};

use super::table::{CommandInfo, DbArgs};

/// Source db -> target db mapping with an optional allow-list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DbMapping {
    allow: Option<BTreeSet<u32>>,
    map: BTreeMap<u32, u32>,
}

/// A mapping that would put two source dbs into one target db.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "db mapping is not one-to-one: source dbs {first} and {second} both map to target db {target}"
)]
pub struct DbMappingError {
    /// One source db.
    pub first: u32,
    /// The other source db.
    pub second: u32,
    /// The target db both map to.
    pub target: u32,
}

impl DbMapping {
    /// Every db, each to the same index on the target.
    pub fn identity() -> DbMapping {
        DbMapping::default()
    }

    /// A mapping: `allow` = the source dbs to migrate (`None` = all), `map` = explicit
    /// `source -> target` pairs (other allowed dbs keep their index). Errors when two
    /// migrated source dbs would share a target db.
    pub fn new(
        allow: Option<impl IntoIterator<Item = u32>>,
        map: impl IntoIterator<Item = (u32, u32)>,
    ) -> Result<DbMapping, DbMappingError> {
        let m = DbMapping {
            allow: allow.map(|a| a.into_iter().collect()),
            map: map.into_iter().collect(),
        };
        m.check_injective()?;
        Ok(m)
    }

    fn check_injective(&self) -> Result<(), DbMappingError> {
        let mut seen: BTreeMap<u32, u32> = BTreeMap::new();
        let mut check = |src: u32, tgt: u32| match seen.insert(tgt, src) {
            Some(prev) if prev != src => Err(DbMappingError {
                first: prev.min(src),
                second: prev.max(src),
                target: tgt,
            }),
            _ => Ok(()),
        };
        match &self.allow {
            Some(allow) => {
                for &s in allow {
                    check(s, self.map.get(&s).copied().unwrap_or(s))?;
                }
            }
            None => {
                for (&s, &t) in &self.map {
                    check(s, t)?;
                }
                // Unlisted dbs keep their index: a target that is not itself remapped away
                // collides with the source db of the same number.
                for (&s, &t) in &self.map {
                    if t != s && !self.map.contains_key(&t) {
                        return Err(DbMappingError {
                            first: s.min(t),
                            second: s.max(t),
                            target: t,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The target db for source db `src`, or `None` when `src` is not migrated.
    pub fn target(&self, src: u32) -> Option<u32> {
        if let Some(allow) = &self.allow {
            if !allow.contains(&src) {
                return None;
            }
        }
        Some(self.map.get(&src).copied().unwrap_or(src))
    }

    /// Whether every source db is migrated (no allow-list). The mapping then covers every
    /// target db, so `FLUSHALL` keeps its meaning.
    pub fn covers_all_dbs(&self) -> bool {
        self.allow.is_none()
    }

    /// The migrated source dbs, when an allow-list restricts them.
    pub fn allowed(&self) -> Option<&BTreeSet<u32>> {
        self.allow.as_ref()
    }

    /// Target dbs of the allow-list, ascending (`None` when every db is migrated).
    pub fn mapped_targets(&self) -> Option<Vec<u32>> {
        let allow = self.allow.as_ref()?;
        let mut t: Vec<u32> = allow.iter().filter_map(|&s| self.target(s)).collect();
        t.sort_unstable();
        Some(t)
    }
}

/// What `FLUSHALL` becomes when only some dbs are migrated (with every db migrated it is
/// always forwarded unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlushAllPolicy {
    /// `FLUSHDB` (same ASYNC/SYNC flag) in each mapped target db: the migrated data is
    /// flushed, other target dbs are untouched. The default.
    #[default]
    FlushMappedDbs,
    /// Forward `FLUSHALL` as is: target dbs outside the mapping are flushed too.
    Forward,
    /// Refuse with [`DbRefusal::FlushAllRefused`]; the error policy decides.
    Refuse,
}

/// A command to send to the target, with the target db it must run in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetCommand {
    /// Target db the command must run in; `None` for db-less commands.
    pub db: Option<u32>,
    /// The arguments.
    pub argv: Vec<Vec<u8>>,
}

/// Why a db command is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbDropReason {
    /// The command only touches dbs that are not migrated.
    DbNotMigrated {
        /// The (source) db concerned.
        db: u32,
    },
}

/// Outcome of rewriting a command's db arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbRewrite {
    /// Send the command unchanged (in the mapped current db when it is db-scoped).
    Unchanged,
    /// Send these commands instead, in order.
    Replace(Vec<TargetCommand>),
    /// Send nothing.
    Drop(DbDropReason),
}

/// A db command that cannot be mapped faithfully; the error policy decides what happens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbRefusal {
    /// A db argument is not a database number.
    #[error("{command}: db argument {value:?} is not a database number")]
    BadDbArgument {
        /// Command name.
        command: &'static str,
        /// The argument.
        value: String,
    },
    /// A required argument is missing.
    #[error("{command}: missing argument {index}")]
    MissingArgument {
        /// Command name.
        command: &'static str,
        /// Missing index.
        index: usize,
    },
    /// A key moves or is copied from a db that is not migrated into one that is: its value
    /// was never transferred, so the target cannot reproduce it.
    #[error("{command} of key {key:?} from unmigrated db {from} into migrated db {to}: value unavailable")]
    ValueUnavailable {
        /// Command name.
        command: &'static str,
        /// The key (lossy text).
        key: String,
        /// Source db the key comes from.
        from: u32,
        /// Source db the key goes to.
        to: u32,
    },
    /// `SWAPDB a b` with exactly one of the two dbs migrated.
    #[error("SWAPDB {a} {b}: only one of the two dbs is migrated")]
    SwapDbPartiallyMapped {
        /// First db.
        a: u32,
        /// Second db.
        b: u32,
    },
    /// `FLUSHALL` with a partial allow-list under [`FlushAllPolicy::Refuse`].
    #[error("FLUSHALL while only some dbs are migrated (flushall policy: refuse)")]
    FlushAllRefused,
}

fn db_arg<A: AsRef<[u8]>>(info: &CommandInfo, argv: &[A], index: usize) -> Result<u32, DbRefusal> {
    let raw = argv
        .get(index)
        .ok_or(DbRefusal::MissingArgument {
            command: info.name,
            index,
        })?
        .as_ref();
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .ok_or_else(|| DbRefusal::BadDbArgument {
            command: info.name,
            value: String::from_utf8_lossy(raw).into_owned(),
        })
}

fn owned<A: AsRef<[u8]>>(argv: &[A]) -> Vec<Vec<u8>> {
    argv.iter().map(|a| a.as_ref().to_vec()).collect()
}

/// Rewrites the db arguments of `argv` (a call of `info`) executed in source db `current`.
/// Commands without db arguments give [`DbRewrite::Unchanged`] (whether the current db is
/// migrated is the caller's concern for those).
pub fn rewrite_db_command<A: AsRef<[u8]>>(
    info: &CommandInfo,
    argv: &[A],
    current: u32,
    mapping: &DbMapping,
    flushall: FlushAllPolicy,
) -> Result<DbRewrite, DbRefusal> {
    let cur = mapping.target(current);
    let not_migrated = |db| Ok(DbRewrite::Drop(DbDropReason::DbNotMigrated { db }));
    match info.db {
        DbArgs::None => Ok(DbRewrite::Unchanged),
        DbArgs::Select => {
            let n = db_arg(info, argv, 1)?;
            match mapping.target(n) {
                Some(t) => Ok(DbRewrite::Replace(vec![TargetCommand {
                    db: None,
                    argv: vec![b"SELECT".to_vec(), t.to_string().into_bytes()],
                }])),
                None => not_migrated(n),
            }
        }
        DbArgs::Move => {
            let n = db_arg(info, argv, 2)?;
            let key = argv.get(1).ok_or(DbRefusal::MissingArgument {
                command: info.name,
                index: 1,
            })?;
            match (cur, mapping.target(n)) {
                (Some(x), Some(y)) => Ok(DbRewrite::Replace(vec![TargetCommand {
                    db: Some(x),
                    argv: vec![
                        b"MOVE".to_vec(),
                        key.as_ref().to_vec(),
                        y.to_string().into_bytes(),
                    ],
                }])),
                (Some(x), None) => Ok(DbRewrite::Replace(vec![TargetCommand {
                    db: Some(x),
                    argv: vec![b"DEL".to_vec(), key.as_ref().to_vec()],
                }])),
                (None, Some(_)) => Err(DbRefusal::ValueUnavailable {
                    command: info.name,
                    key: String::from_utf8_lossy(key.as_ref()).into_owned(),
                    from: current,
                    to: n,
                }),
                (None, None) => not_migrated(current),
            }
        }
        DbArgs::Copy => {
            // COPY src dst [DB n] [REPLACE]: find the DB option.
            let mut db_at = None;
            let mut i = 3;
            while i < argv.len() {
                if argv[i].as_ref().eq_ignore_ascii_case(b"DB") {
                    db_at = Some(i + 1);
                    i += 2;
                } else {
                    i += 1;
                }
            }
            let dest = match db_at {
                Some(at) => db_arg(info, argv, at)?,
                None => current,
            };
            match (cur, mapping.target(dest)) {
                (Some(_), Some(y)) => match db_at {
                    None => Ok(DbRewrite::Unchanged),
                    Some(at) => {
                        let mut v = owned(argv);
                        v[at] = y.to_string().into_bytes();
                        Ok(DbRewrite::Replace(vec![TargetCommand { db: cur, argv: v }]))
                    }
                },
                (Some(_), None) => not_migrated(dest),
                (None, Some(_)) => Err(DbRefusal::ValueUnavailable {
                    command: info.name,
                    key: argv
                        .get(1)
                        .map(|k| String::from_utf8_lossy(k.as_ref()).into_owned())
                        .unwrap_or_default(),
                    from: current,
                    to: dest,
                }),
                (None, None) => not_migrated(current),
            }
        }
        DbArgs::SwapDb => {
            let a = db_arg(info, argv, 1)?;
            let b = db_arg(info, argv, 2)?;
            match (mapping.target(a), mapping.target(b)) {
                (Some(x), Some(y)) => Ok(DbRewrite::Replace(vec![TargetCommand {
                    db: None,
                    argv: vec![
                        b"SWAPDB".to_vec(),
                        x.to_string().into_bytes(),
                        y.to_string().into_bytes(),
                    ],
                }])),
                (None, None) => not_migrated(a),
                _ => Err(DbRefusal::SwapDbPartiallyMapped { a, b }),
            }
        }
        DbArgs::FlushDb => match cur {
            Some(_) => Ok(DbRewrite::Unchanged),
            None => not_migrated(current),
        },
        DbArgs::FlushAll => {
            let Some(targets) = mapping.mapped_targets() else {
                return Ok(DbRewrite::Unchanged);
            };
            match flushall {
                FlushAllPolicy::Forward => Ok(DbRewrite::Unchanged),
                FlushAllPolicy::Refuse => Err(DbRefusal::FlushAllRefused),
                FlushAllPolicy::FlushMappedDbs => {
                    if targets.is_empty() {
                        return not_migrated(current);
                    }
                    let flags: Vec<Vec<u8>> =
                        argv.iter().skip(1).map(|a| a.as_ref().to_vec()).collect();
                    Ok(DbRewrite::Replace(
                        targets
                            .into_iter()
                            .map(|t| {
                                let mut v = vec![b"FLUSHDB".to_vec()];
                                v.extend(flags.iter().cloned());
                                TargetCommand {
                                    db: Some(t),
                                    argv: v,
                                }
                            })
                            .collect(),
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::table::lookup;
    use super::*;

    fn rw(cmd: &str, cur: u32, m: &DbMapping, p: FlushAllPolicy) -> Result<DbRewrite, DbRefusal> {
        let argv: Vec<&str> = cmd.split(' ').collect();
        rewrite_db_command(lookup(argv[0].as_bytes()).unwrap(), &argv, cur, m, p)
    }

    fn cmds(r: Result<DbRewrite, DbRefusal>) -> Vec<(Option<u32>, String)> {
        match r.unwrap() {
            DbRewrite::Replace(v) => v
                .into_iter()
                .map(|c| {
                    let s: Vec<String> = c
                        .argv
                        .iter()
                        .map(|a| String::from_utf8(a.clone()).unwrap())
                        .collect();
                    (c.db, s.join(" "))
                })
                .collect(),
            other => panic!("not a replacement: {other:?}"),
        }
    }

    fn partial() -> DbMapping {
        // migrate dbs 0 and 2; 0 -> 5, 2 stays 2.
        DbMapping::new(Some([0, 2]), [(0, 5)]).unwrap()
    }

    #[test]
    fn mapping_rules() {
        let m = partial();
        assert_eq!(m.target(0), Some(5));
        assert_eq!(m.target(2), Some(2));
        assert_eq!(m.target(1), None);
        assert_eq!(m.mapped_targets(), Some(vec![2, 5]));
        assert!(DbMapping::identity().covers_all_dbs());
        assert_eq!(DbMapping::identity().target(9), Some(9));
        // swap 0 <-> 1 with every db migrated is one-to-one.
        let swap = DbMapping::new(None::<Vec<u32>>, [(0, 1), (1, 0)]).unwrap();
        assert_eq!(
            (swap.target(0), swap.target(1), swap.target(3)),
            (Some(1), Some(0), Some(3))
        );
        // 0 -> 1 with every db migrated collides with db 1.
        assert!(DbMapping::new(None::<Vec<u32>>, [(0, 1)]).is_err());
        assert!(DbMapping::new(Some([0, 1]), [(0, 3), (1, 3)]).is_err());
        assert!(DbMapping::new(Some([0]), [(0, 1)]).is_ok());
    }

    #[test]
    fn select_move_copy_swapdb() {
        let m = partial();
        let p = FlushAllPolicy::default();
        assert_eq!(
            cmds(rw("select 0", 2, &m, p)),
            vec![(None, "SELECT 5".into())]
        );
        assert_eq!(
            rw("select 1", 0, &m, p).unwrap(),
            DbRewrite::Drop(DbDropReason::DbNotMigrated { db: 1 })
        );
        assert_eq!(
            cmds(rw("move k 2", 0, &m, p)),
            vec![(Some(5), "MOVE k 2".into())]
        );
        assert_eq!(
            cmds(rw("move k 1", 0, &m, p)),
            vec![(Some(5), "DEL k".into())]
        );
        assert!(matches!(
            rw("move k 0", 1, &m, p),
            Err(DbRefusal::ValueUnavailable { from: 1, to: 0, .. })
        ));
        assert!(matches!(rw("move k 3", 1, &m, p), Ok(DbRewrite::Drop(_))));
        assert_eq!(
            cmds(rw("copy a b db 0 replace", 2, &m, p)),
            vec![(Some(2), "copy a b db 5 replace".into())]
        );
        assert_eq!(rw("copy a b", 2, &m, p).unwrap(), DbRewrite::Unchanged);
        assert!(matches!(
            rw("copy a b DB 1", 2, &m, p),
            Ok(DbRewrite::Drop(_))
        ));
        assert!(matches!(
            rw("copy a b DB 2", 1, &m, p),
            Err(DbRefusal::ValueUnavailable { .. })
        ));
        assert_eq!(
            cmds(rw("swapdb 0 2", 0, &m, p)),
            vec![(None, "SWAPDB 5 2".into())]
        );
        assert!(matches!(
            rw("swapdb 0 1", 0, &m, p),
            Err(DbRefusal::SwapDbPartiallyMapped { a: 0, b: 1 })
        ));
        assert!(matches!(rw("swapdb 1 3", 0, &m, p), Ok(DbRewrite::Drop(_))));
        assert!(matches!(
            rw("swapdb x 3", 0, &m, p),
            Err(DbRefusal::BadDbArgument { .. })
        ));
        assert!(matches!(
            rw("move k", 0, &m, p),
            Err(DbRefusal::MissingArgument { .. })
        ));
        assert!(matches!(
            rw("move k -1", 0, &m, p),
            Err(DbRefusal::BadDbArgument { .. })
        ));
    }

    #[test]
    fn flushes() {
        let m = partial();
        assert_eq!(
            rw("flushdb", 0, &m, FlushAllPolicy::default()).unwrap(),
            DbRewrite::Unchanged
        );
        assert!(matches!(
            rw("flushdb async", 1, &m, FlushAllPolicy::default()),
            Ok(DbRewrite::Drop(_))
        ));
        assert_eq!(
            cmds(rw("flushall ASYNC", 1, &m, FlushAllPolicy::FlushMappedDbs)),
            vec![
                (Some(2), "FLUSHDB ASYNC".into()),
                (Some(5), "FLUSHDB ASYNC".into())
            ]
        );
        assert_eq!(
            rw("flushall", 1, &m, FlushAllPolicy::Forward).unwrap(),
            DbRewrite::Unchanged
        );
        assert_eq!(
            rw("flushall", 1, &m, FlushAllPolicy::Refuse),
            Err(DbRefusal::FlushAllRefused)
        );
        let all = DbMapping::identity();
        for p in [
            FlushAllPolicy::FlushMappedDbs,
            FlushAllPolicy::Forward,
            FlushAllPolicy::Refuse,
        ] {
            assert_eq!(rw("flushall", 3, &all, p).unwrap(), DbRewrite::Unchanged);
        }
        let none = DbMapping::new(Some(Vec::<u32>::new()), []).unwrap();
        assert!(matches!(
            rw("flushall", 0, &none, FlushAllPolicy::default()),
            Ok(DbRewrite::Drop(_))
        ));
    }
}
