//! Db-mapping rewrites and stream filtering checked against real servers: the same commands
//! run on a source server and, through [`StreamFilter`], on a target; every migrated source db
//! must then equal its mapped target db, and unmapped target dbs stay untouched.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use migrate_core::command::{DbMapping, TargetCommand};
use migrate_core::filter::{Filter, FilterDecision, KeyFilter, StreamFilter};
use test_support::{Conn, RedisServer, Reply, Version};

/// Sends what the filter decided to the target, tracking the target connection's db.
struct Target {
    conn: Conn,
    db: u32,
}

impl Target {
    fn send(&mut self, db: Option<u32>, argv: &[Vec<u8>]) {
        if let Some(d) = db {
            if d != self.db {
                self.check(&[b"SELECT".to_vec(), d.to_string().into_bytes()]);
                self.db = d;
            }
        }
        self.check(argv);
    }

    fn check(&mut self, argv: &[Vec<u8>]) {
        let r = self.conn.cmd(argv).unwrap();
        let bad = match &r {
            Reply::Error(_) => true,
            Reply::Array(Some(items)) => items.iter().any(|i| matches!(i, Reply::Error(_))),
            _ => false,
        };
        assert!(
            !bad,
            "{:?} -> {r:?}",
            argv.iter()
                .map(|a| String::from_utf8_lossy(a))
                .collect::<Vec<_>>()
        );
    }

    fn apply(&mut self, argv: &[Vec<u8>], d: FilterDecision) {
        let multi = |t: &mut Target, open: bool| {
            if open {
                t.check(&[b"MULTI".to_vec()]);
            }
        };
        match d {
            FilterDecision::Forward { db, open_multi } => {
                multi(self, open_multi);
                self.send(db, argv);
            }
            FilterDecision::Replace {
                open_multi,
                commands,
            } => {
                multi(self, open_multi);
                for TargetCommand { db, argv } in commands {
                    self.send(db, &argv);
                }
            }
            FilterDecision::Drop(_) | FilterDecision::DropPartial { .. } => {}
        }
    }
}

fn run(source: &mut Conn, target: &mut Target, filter: &mut StreamFilter, cmd: &[&str]) {
    let argv: Vec<Vec<u8>> = cmd.iter().map(|s| s.as_bytes().to_vec()).collect();
    source.ok(&argv);
    let d = filter
        .decide(&argv)
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    target.apply(&argv, d);
}

fn dump(c: &mut Conn, db: u32) -> BTreeMap<String, String> {
    c.ok(&["SELECT", &db.to_string()]);
    let keys = c.ok(&["KEYS", "*"]);
    let mut out = BTreeMap::new();
    for k in keys.as_array().unwrap() {
        let k = k.as_string().unwrap();
        let t = c.ok(&["TYPE", &k]).as_string().unwrap();
        let v = match t.as_str() {
            "string" => c.ok(&["GET", &k]).as_string().unwrap(),
            "list" => format!("{:?}", c.ok(&["LRANGE", &k, "0", "-1"])),
            other => panic!("unexpected type {other}"),
        };
        out.insert(k, format!("{t}:{v}"));
    }
    out
}

fn assert_mapped_equal(source: &mut Conn, target: &mut Target, pairs: &[(u32, u32)]) {
    for &(s, t) in pairs {
        let want = dump(source, s);
        let got = dump(&mut target.conn, t);
        assert_eq!(got, want, "source db {s} vs target db {t}");
    }
    target.db = u32::MAX; // dump changed the connection's db
}

fn db_rewrites(v: Version) {
    let src = RedisServer::start(v);
    let dst = RedisServer::start(v);
    let mut s = src.connect();
    let mut t = Target {
        conn: dst.connect(),
        db: u32::MAX,
    };
    t.conn.ok(&["SELECT", "9"]);
    t.conn.ok(&["SET", "sentinel", "untouched"]);
    let mut f = StreamFilter::new(Filter {
        dbs: DbMapping::new(Some([0, 1]), [(0, 2), (1, 3)]).unwrap(),
        ..Filter::default()
    });
    let pairs = [(0, 2), (1, 3)];
    let r = |s: &mut Conn, t: &mut Target, f: &mut StreamFilter, c: &[&str]| run(s, t, f, c);

    r(&mut s, &mut t, &mut f, &["SELECT", "0"]);
    r(&mut s, &mut t, &mut f, &["set", "a", "1"]);
    r(&mut s, &mut t, &mut f, &["SET", "b", "2"]);
    r(&mut s, &mut t, &mut f, &["rpush", "l", "x", "y"]);
    r(&mut s, &mut t, &mut f, &["MOVE", "a", "1"]); // mapped -> mapped
    r(&mut s, &mut t, &mut f, &["move", "b", "2"]); // mapped -> unmapped: DEL on target
    r(&mut s, &mut t, &mut f, &["SELECT", "2"]);
    r(&mut s, &mut t, &mut f, &["set", "not-migrated", "1"]);
    r(&mut s, &mut t, &mut f, &["move", "not-migrated", "4"]); // neither mapped
    r(&mut s, &mut t, &mut f, &["SELECT", "1"]);
    r(&mut s, &mut t, &mut f, &["set", "c", "3"]);
    r(&mut s, &mut t, &mut f, &["MULTI"]);
    r(&mut s, &mut t, &mut f, &["incr", "cnt"]);
    r(&mut s, &mut t, &mut f, &["select", "0"]);
    r(&mut s, &mut t, &mut f, &["incr", "cnt0"]);
    r(&mut s, &mut t, &mut f, &["EXEC"]);
    r(
        &mut s,
        &mut t,
        &mut f,
        &[
            "eval",
            "return redis.call('set', KEYS[1], ARGV[1])",
            "1",
            "e",
            "v",
        ],
    );
    if v >= Version::V5_0 {
        r(&mut s, &mut t, &mut f, &["SWAPDB", "0", "1"]);
    }
    if v >= Version::V7_0 {
        r(&mut s, &mut t, &mut f, &["SELECT", "0"]);
        r(&mut s, &mut t, &mut f, &["COPY", "c", "c-copy", "DB", "1"]);
        r(&mut s, &mut t, &mut f, &["COPY", "c", "c-copy2"]);
        r(
            &mut s,
            &mut t,
            &mut f,
            &["COPY", "c", "c-elsewhere", "DB", "5"],
        ); // dropped
    }
    assert_mapped_equal(&mut s, &mut t, &pairs);

    r(&mut s, &mut t, &mut f, &["SELECT", "1"]);
    r(&mut s, &mut t, &mut f, &["FLUSHDB"]);
    assert_mapped_equal(&mut s, &mut t, &pairs);
    r(&mut s, &mut t, &mut f, &["set", "again", "1"]);
    r(&mut s, &mut t, &mut f, &["FLUSHALL"]); // -> FLUSHDB in target dbs 2 and 3 only
    r(&mut s, &mut t, &mut f, &["set", "after", "1"]);
    assert_mapped_equal(&mut s, &mut t, &pairs);
    t.conn.ok(&["SELECT", "9"]);
    assert_eq!(
        t.conn.ok(&["GET", "sentinel"]).as_string().unwrap(),
        "untouched"
    );
}

#[test]
fn db_rewrites_on_3_2() {
    db_rewrites(Version::V3_2);
}

#[test]
fn db_rewrites_on_5_0() {
    db_rewrites(Version::V5_0);
}

#[test]
fn db_rewrites_on_7_0() {
    db_rewrites(Version::V7_0);
}

fn calls(c: &mut Conn, cmd: &str) -> u64 {
    let stats = c
        .cmd(&["INFO", "commandstats"])
        .unwrap()
        .as_string()
        .unwrap();
    stats
        .lines()
        .find_map(|l| l.strip_prefix(&format!("cmdstat_{cmd}:calls=")))
        .map_or(0, |rest| rest.split(',').next().unwrap().parse().unwrap())
}

/// Transactions whose commands are all filtered out never reach the target; partly
/// filtered ones stay atomic; partly-selected multi-key commands are dropped.
#[test]
fn transactions_and_key_filter_on_7_0() {
    let src = RedisServer::start(Version::V7_0);
    let dst = RedisServer::start(Version::V7_0);
    let mut s = src.connect();
    let mut t = Target {
        conn: dst.connect(),
        db: u32::MAX,
    };
    let mut f = StreamFilter::new(Filter {
        keys: KeyFilter::new(vec![b"u:".to_vec()], vec![], &[], &[]).unwrap(),
        ..Filter::default()
    });
    let r = |s: &mut Conn, t: &mut Target, f: &mut StreamFilter, c: &[&str]| run(s, t, f, c);
    r(&mut s, &mut t, &mut f, &["SELECT", "0"]);
    r(&mut s, &mut t, &mut f, &["MULTI"]);
    r(&mut s, &mut t, &mut f, &["set", "other:1", "x"]);
    r(&mut s, &mut t, &mut f, &["incr", "other:2"]);
    r(&mut s, &mut t, &mut f, &["EXEC"]);
    assert_eq!(calls(&mut t.conn, "multi"), 0);
    assert_eq!(calls(&mut t.conn, "exec"), 0);
    r(&mut s, &mut t, &mut f, &["MULTI"]);
    r(&mut s, &mut t, &mut f, &["set", "other:3", "x"]);
    r(&mut s, &mut t, &mut f, &["set", "u:1", "x"]);
    r(&mut s, &mut t, &mut f, &["incr", "u:n"]);
    r(&mut s, &mut t, &mut f, &["EXEC"]);
    assert_eq!(calls(&mut t.conn, "multi"), 1);
    assert_eq!(calls(&mut t.conn, "exec"), 1);
    r(
        &mut s,
        &mut t,
        &mut f,
        &["mset", "u:2", "a", "other:4", "b"],
    ); // partial: dropped
    t.conn.ok(&["SELECT", "0"]);
    t.db = 0;
    let keys = t.conn.ok(&["KEYS", "*"]);
    let mut keys: Vec<String> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_string().unwrap())
        .collect();
    keys.sort();
    assert_eq!(keys, ["u:1", "u:n"]);
}
