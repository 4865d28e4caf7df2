//! The incremental-phase filter: a small state machine over the command stream (current db,
//! open transaction) that decides, command by command, what reaches the target.

use crate::command::{
    key_indices_for, lookup, rewrite_db_command, CommandClass, CommandInfo, DbArgs, DbDropReason,
    DbRewrite,
};

use super::{DropReason, Filter, FilterDecision, FilterError, PartialPolicy, UnknownPolicy};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Multi {
    None,
    /// `MULTI` seen, nothing of the block sent yet.
    Pending,
    /// `MULTI` sent.
    Open,
}

/// Decides, command by command, what of the replication stream reaches the target (rules in
/// the [module docs](super)). Sans-IO: feed every command of the stream in order.
#[derive(Debug, Clone)]
pub struct StreamFilter {
    filter: Filter,
    db: u32,
    multi: Multi,
}

enum Keys {
    All,
    NoneSelected,
    Partial,
    OnlyHeartbeat,
}

impl StreamFilter {
    /// A filter over a stream that starts in source db 0 (Redis forces a `SELECT` before the
    /// first command anyway).
    pub fn new(filter: Filter) -> StreamFilter {
        StreamFilter {
            filter,
            db: 0,
            multi: Multi::None,
        }
    }

    /// The settings.
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// The current source db.
    pub fn current_db(&self) -> u32 {
        self.db
    }

    /// Sets the current source db (resuming from a checkpoint taken mid-stream).
    pub fn set_current_db(&mut self, db: u32) {
        self.db = db;
    }

    /// Whether the stream is inside `MULTI` … `EXEC`.
    pub fn in_transaction(&self) -> bool {
        self.multi != Multi::None
    }

    /// Decides on the next command of the stream.
    pub fn decide<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Result<FilterDecision, FilterError> {
        let name = argv
            .first()
            .ok_or(crate::command::CommandError::Empty)?
            .as_ref();
        let Some(info) = lookup(name) else {
            return self.unknown(name);
        };
        match info.class {
            CommandClass::Heartbeat => return Ok(FilterDecision::Drop(DropReason::Heartbeat)),
            CommandClass::Control => return Ok(FilterDecision::Drop(DropReason::Control)),
            CommandClass::Transaction => return Ok(self.transaction(info)),
            _ => {}
        }
        if info.db == DbArgs::Select {
            // Validate and track; nothing is sent: decisions carry their target db.
            let db = match rewrite_db_command(
                info,
                argv,
                self.db,
                &self.filter.dbs,
                self.filter.flushall,
            )? {
                DbRewrite::Drop(DbDropReason::DbNotMigrated { db }) => db,
                _ => parse_db(argv),
            };
            self.db = db;
            return Ok(FilterDecision::Drop(DropReason::SelectTracked { db }));
        }
        if !self.filter.commands.allows(name) {
            return Ok(FilterDecision::Drop(DropReason::CommandDenied(lossy(name))));
        }
        if info.class == CommandClass::PubSub && !self.filter.forward_publish {
            return Ok(FilterDecision::Drop(DropReason::PublishNotForwarded));
        }
        if let Some(t) = info.value_type {
            if !self.filter.type_selected(t) {
                return Ok(FilterDecision::Drop(DropReason::TypeFiltered(t)));
            }
        }
        // Keys first (a MOVE of an unselected key is dropped before any db question).
        let cur = self.filter.dbs.target(self.db);
        if cur.is_some() || info.db != DbArgs::None {
            if let Some(d) = self.keys(info, argv)? {
                return Ok(d);
            }
        }
        match info.db {
            DbArgs::None => match (info.db_scoped, cur) {
                (true, None) => Ok(FilterDecision::Drop(DropReason::Db(
                    DbDropReason::DbNotMigrated { db: self.db },
                ))),
                (true, Some(t)) => Ok(self.forward(Some(t))),
                (false, _) => Ok(self.forward(None)),
            },
            _ => match rewrite_db_command(
                info,
                argv,
                self.db,
                &self.filter.dbs,
                self.filter.flushall,
            )? {
                DbRewrite::Unchanged => Ok(self.forward(if info.db_scoped { cur } else { None })),
                DbRewrite::Replace(commands) => Ok(FilterDecision::Replace {
                    open_multi: self.open(),
                    commands,
                }),
                DbRewrite::Drop(r) => Ok(FilterDecision::Drop(DropReason::Db(r))),
            },
        }
    }

    fn unknown(&mut self, name: &[u8]) -> Result<FilterDecision, FilterError> {
        if !self.filter.commands.allows(name) {
            return Ok(FilterDecision::Drop(DropReason::CommandDenied(lossy(name))));
        }
        let Some(t) = self.filter.dbs.target(self.db) else {
            return Ok(FilterDecision::Drop(DropReason::Db(
                DbDropReason::DbNotMigrated { db: self.db },
            )));
        };
        match self.filter.unknown {
            UnknownPolicy::Forward => Ok(self.forward(Some(t))),
            UnknownPolicy::Skip => Ok(FilterDecision::Drop(DropReason::UnknownCommand(lossy(
                name,
            )))),
            UnknownPolicy::Fail => Err(FilterError::UnknownCommand(lossy(name))),
        }
    }

    fn transaction(&mut self, info: &CommandInfo) -> FilterDecision {
        match info.name {
            "MULTI" if self.multi != Multi::None => FilterDecision::Drop(DropReason::NestedMulti),
            "MULTI" => {
                self.multi = Multi::Pending;
                FilterDecision::Drop(DropReason::MultiDeferred)
            }
            "EXEC" | "DISCARD" => {
                let was = std::mem::replace(&mut self.multi, Multi::None);
                match was {
                    Multi::Open => FilterDecision::Forward {
                        db: None,
                        open_multi: false,
                    },
                    Multi::Pending => FilterDecision::Drop(DropReason::EmptyTransaction),
                    Multi::None => FilterDecision::Drop(DropReason::StrayTransactionEnd),
                }
            }
            _ => FilterDecision::Drop(DropReason::NotReplicated),
        }
    }

    /// `Some(decision)` when the key filter settles the command.
    fn keys<A: AsRef<[u8]>>(
        &self,
        info: &CommandInfo,
        argv: &[A],
    ) -> Result<Option<FilterDecision>, FilterError> {
        let f = &self.filter;
        if f.keys.selects_everything() && f.heartbeat_key.is_none() {
            return Ok(None);
        }
        let idx = key_indices_for(info, argv)?;
        if idx.is_empty() {
            return Ok(None);
        }
        let key = |i: usize| argv.get(i).map_or(&[][..], |a| a.as_ref());
        let verdict = {
            let mut hb = 0;
            let mut sel = 0;
            for &i in &idx {
                if f.is_heartbeat_key(key(i)) {
                    hb += 1;
                } else if f.keys.matches(key(i)) {
                    sel += 1;
                }
            }
            if hb == idx.len() {
                Keys::OnlyHeartbeat
            } else if sel + hb == idx.len() && hb == 0 {
                Keys::All
            } else if sel == 0 {
                Keys::NoneSelected
            } else {
                Keys::Partial
            }
        };
        match verdict {
            Keys::All => Ok(None),
            Keys::OnlyHeartbeat => Ok(Some(FilterDecision::Drop(DropReason::OwnHeartbeat))),
            Keys::NoneSelected => Ok(Some(FilterDecision::Drop(DropReason::KeysFiltered))),
            Keys::Partial => {
                let (matched, unmatched): (Vec<usize>, Vec<usize>) = idx
                    .iter()
                    .partition(|&&i| !f.is_heartbeat_key(key(i)) && f.keys.matches(key(i)));
                let own =
                    |v: Vec<usize>| v.into_iter().map(|i| key(i).to_vec()).collect::<Vec<_>>();
                let command = lossy(key(0));
                match f.partial {
                    PartialPolicy::ForwardWhole => Ok(None),
                    PartialPolicy::Drop => Ok(Some(FilterDecision::DropPartial {
                        command,
                        matched: own(matched),
                        unmatched: own(unmatched),
                    })),
                    PartialPolicy::Fail => {
                        let txt = |v: Vec<usize>| v.into_iter().map(|i| lossy(key(i))).collect();
                        Err(FilterError::PartialKeys {
                            command,
                            matched: txt(matched),
                            unmatched: txt(unmatched),
                        })
                    }
                }
            }
        }
    }

    fn open(&mut self) -> bool {
        if self.multi == Multi::Pending {
            self.multi = Multi::Open;
            true
        } else {
            false
        }
    }

    fn forward(&mut self, db: Option<u32>) -> FilterDecision {
        FilterDecision::Forward {
            db,
            open_multi: self.open(),
        }
    }
}

fn parse_db<A: AsRef<[u8]>>(argv: &[A]) -> u32 {
    // Only reached after rewrite_db_command validated argv[1] as a u32.
    argv.get(1)
        .and_then(|a| std::str::from_utf8(a.as_ref()).ok())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::KeyFilter;
    use super::*;
    use crate::command::{DbMapping, FlushAllPolicy, TargetCommand, ValueType};
    use crate::filter::CommandFilter;

    fn run(f: &mut StreamFilter, cmd: &str) -> FilterDecision {
        let argv: Vec<&str> = cmd.split(' ').collect();
        f.decide(&argv).unwrap()
    }

    fn fwd(db: Option<u32>, open_multi: bool) -> FilterDecision {
        FilterDecision::Forward { db, open_multi }
    }

    fn users_only() -> Filter {
        Filter {
            dbs: DbMapping::new(Some([0, 1]), [(1, 7)]).unwrap(),
            keys: KeyFilter::new(vec![b"u:".to_vec()], vec![], &[], &[]).unwrap(),
            heartbeat_key: Some(b"hb".to_vec()),
            ..Filter::default()
        }
    }

    #[test]
    fn db_tracking_and_structural() {
        let mut f = StreamFilter::new(users_only());
        assert_eq!(
            run(&mut f, "PING"),
            FilterDecision::Drop(DropReason::Heartbeat)
        );
        assert_eq!(
            run(&mut f, "REPLCONF GETACK *"),
            FilterDecision::Drop(DropReason::Control)
        );
        assert_eq!(
            run(&mut f, "SELECT 1"),
            FilterDecision::Drop(DropReason::SelectTracked { db: 1 })
        );
        assert_eq!(run(&mut f, "set u:1 x"), fwd(Some(7), false));
        assert_eq!(
            run(&mut f, "select 2"),
            FilterDecision::Drop(DropReason::SelectTracked { db: 2 })
        );
        assert_eq!(f.current_db(), 2);
        assert!(matches!(
            run(&mut f, "set u:1 x"),
            FilterDecision::Drop(DropReason::Db(_))
        ));
        assert!(matches!(
            run(&mut f, "json.set u:1 $ 1"),
            FilterDecision::Drop(DropReason::Db(_))
        ));
        assert!(f.decide(&["select", "x"]).is_err());
        assert_eq!(
            run(&mut f, "select 0"),
            FilterDecision::Drop(DropReason::SelectTracked { db: 0 })
        );
        assert_eq!(run(&mut f, "json.set u:1 $ 1"), fwd(Some(0), false));
        assert_eq!(
            run(&mut f, "publish c m"),
            FilterDecision::Drop(DropReason::PublishNotForwarded)
        );
        assert_eq!(run(&mut f, "function flush"), fwd(None, false));
        assert_eq!(run(&mut f, "eval s 0"), fwd(Some(0), false));
    }

    #[test]
    fn key_rules() {
        let mut f = StreamFilter::new(users_only());
        assert_eq!(run(&mut f, "set u:1 x"), fwd(Some(0), false));
        assert_eq!(
            run(&mut f, "set o:1 x"),
            FilterDecision::Drop(DropReason::KeysFiltered)
        );
        assert_eq!(
            run(&mut f, "SET hb 1 PX 3000"),
            FilterDecision::Drop(DropReason::OwnHeartbeat)
        );
        assert_eq!(
            run(&mut f, "del u:1 hb"),
            FilterDecision::DropPartial {
                command: "del".into(),
                matched: vec![b"u:1".to_vec()],
                unmatched: vec![b"hb".to_vec()],
            }
        );
        let w = run(&mut f, "mset u:1 a o:1 b").warning().unwrap();
        assert!(
            w.contains("mset") && w.contains("u:1") && w.contains("o:1"),
            "{w}"
        );
        assert_eq!(run(&mut f, "set u:1 a").warning(), None);
        assert_eq!(
            run(&mut f, "mset u:1 a o:1 b"),
            FilterDecision::DropPartial {
                command: "mset".into(),
                matched: vec![b"u:1".to_vec()],
                unmatched: vec![b"o:1".to_vec()],
            }
        );
        assert_eq!(run(&mut f, "eval s 2 u:1 u:2 arg"), fwd(Some(0), false));
        assert_eq!(
            run(&mut f, "eval s 1 o:1 u:2"),
            FilterDecision::Drop(DropReason::KeysFiltered)
        );
        assert!(f.decide(&["eval", "s", "9", "u:1"]).is_err());

        let mut whole = StreamFilter::new(Filter {
            partial: PartialPolicy::ForwardWhole,
            ..users_only()
        });
        assert_eq!(run(&mut whole, "mset u:1 a o:1 b"), fwd(Some(0), false));
        let mut fail = StreamFilter::new(Filter {
            partial: PartialPolicy::Fail,
            ..users_only()
        });
        assert!(matches!(
            fail.decide(&["rename", "u:1", "o:1"]),
            Err(FilterError::PartialKeys { .. })
        ));
    }

    #[test]
    fn transactions_open_lazily_and_vanish_when_empty() {
        let mut f = StreamFilter::new(users_only());
        assert_eq!(
            run(&mut f, "MULTI"),
            FilterDecision::Drop(DropReason::MultiDeferred)
        );
        assert!(f.in_transaction());
        assert_eq!(
            run(&mut f, "set o:1 x"),
            FilterDecision::Drop(DropReason::KeysFiltered)
        );
        assert_eq!(
            run(&mut f, "EXEC"),
            FilterDecision::Drop(DropReason::EmptyTransaction)
        );
        assert!(!f.in_transaction());

        run(&mut f, "MULTI");
        assert_eq!(
            run(&mut f, "set o:1 x"),
            FilterDecision::Drop(DropReason::KeysFiltered)
        );
        assert_eq!(
            run(&mut f, "SELECT 1"),
            FilterDecision::Drop(DropReason::SelectTracked { db: 1 })
        );
        assert_eq!(run(&mut f, "incr u:2"), fwd(Some(7), true));
        assert_eq!(run(&mut f, "incr u:3"), fwd(Some(7), false));
        assert_eq!(run(&mut f, "EXEC"), fwd(None, false));
        assert_eq!(
            run(&mut f, "EXEC"),
            FilterDecision::Drop(DropReason::StrayTransactionEnd)
        );
    }

    #[test]
    fn db_commands_through_the_filter() {
        let mut f = StreamFilter::new(users_only());
        run(&mut f, "select 1");
        assert_eq!(
            run(&mut f, "MULTI"),
            FilterDecision::Drop(DropReason::MultiDeferred)
        );
        assert_eq!(
            run(&mut f, "move u:1 0"),
            FilterDecision::Replace {
                open_multi: true,
                commands: vec![TargetCommand {
                    db: Some(7),
                    argv: vec![b"MOVE".to_vec(), b"u:1".to_vec(), b"0".to_vec()]
                }],
            }
        );
        run(&mut f, "EXEC");
        assert_eq!(
            run(&mut f, "move o:1 0"),
            FilterDecision::Drop(DropReason::KeysFiltered)
        );
        assert_eq!(run(&mut f, "flushdb"), fwd(Some(7), false));
        match run(&mut f, "flushall") {
            FilterDecision::Replace { commands, .. } => {
                assert_eq!(
                    commands.iter().map(|c| c.db).collect::<Vec<_>>(),
                    vec![Some(0), Some(7)]
                )
            }
            other => panic!("{other:?}"),
        }
        run(&mut f, "select 5");
        assert!(matches!(
            f.decide(&["move", "u:1", "0"]),
            Err(FilterError::Db(_))
        ));
        assert!(matches!(
            f.decide(&["swapdb", "5", "0"]),
            Err(FilterError::Db(_))
        ));
        assert_eq!(
            run(&mut f, "swapdb 1 0"),
            FilterDecision::Replace {
                open_multi: false,
                commands: vec![TargetCommand {
                    db: None,
                    argv: vec![b"SWAPDB".to_vec(), b"7".to_vec(), b"0".to_vec()]
                }],
            }
        );
        let mut refuse = StreamFilter::new(Filter {
            flushall: FlushAllPolicy::Refuse,
            ..users_only()
        });
        assert!(refuse.decide(&["FLUSHALL"]).is_err());
    }

    #[test]
    fn command_type_and_unknown_policies() {
        let base = Filter {
            commands: CommandFilter::new(&[] as &[&str], &["flushall", "json.set"]).unwrap(),
            types: Some([ValueType::String].into()),
            ..Filter::default()
        };
        let mut f = StreamFilter::new(base.clone());
        assert_eq!(
            run(&mut f, "flushall"),
            FilterDecision::Drop(DropReason::CommandDenied("flushall".into()))
        );
        assert_eq!(
            run(&mut f, "json.set k $ 1"),
            FilterDecision::Drop(DropReason::CommandDenied("json.set".into()))
        );
        assert_eq!(
            run(&mut f, "lpush l a"),
            FilterDecision::Drop(DropReason::TypeFiltered(ValueType::List))
        );
        assert_eq!(run(&mut f, "del l"), fwd(Some(0), false));
        assert_eq!(run(&mut f, "bf.add k 1"), fwd(Some(0), false));
        let mut skip = StreamFilter::new(Filter {
            unknown: UnknownPolicy::Skip,
            ..base.clone()
        });
        assert_eq!(
            run(&mut skip, "bf.add k 1"),
            FilterDecision::Drop(DropReason::UnknownCommand("bf.add".into()))
        );
        let mut fail = StreamFilter::new(Filter {
            unknown: UnknownPolicy::Fail,
            ..base
        });
        assert!(matches!(
            fail.decide(&["bf.add", "k"]),
            Err(FilterError::UnknownCommand(_))
        ));
        let mut publ = StreamFilter::new(Filter {
            forward_publish: true,
            ..Filter::default()
        });
        assert_eq!(run(&mut publ, "PUBLISH c m"), fwd(None, false));
    }

    proptest::proptest! {
        /// Whatever the stream, a transaction's MULTI is sent at most once, only together with
        /// a command of the block, and an EXEC is forwarded exactly when its MULTI was sent.
        #[test]
        fn multi_exec_balanced(cmds in proptest::collection::vec(
            proptest::sample::select(vec![
                "MULTI", "EXEC", "set u:1 a", "set o:1 b", "select 0", "select 3", "ping",
                "mset u:1 a o:1 b", "flushall", "swapdb 0 1",
            ]), 0..40)) {
            let mut f = StreamFilter::new(users_only());
            let mut open = false;
            for c in cmds {
                let argv: Vec<&str> = c.split(' ').collect();
                let d = match f.decide(&argv) { Ok(d) => d, Err(_) => continue };
                let opens = matches!(d, FilterDecision::Forward { open_multi: true, .. } | FilterDecision::Replace { open_multi: true, .. });
                if opens {
                    proptest::prop_assert!(!open);
                    open = true;
                }
                if c == "EXEC" {
                    let sent = matches!(d, FilterDecision::Forward { .. });
                    proptest::prop_assert_eq!(sent, open);
                    open = false;
                }
            }
        }
    }
}
