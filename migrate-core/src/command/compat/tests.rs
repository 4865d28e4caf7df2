#![allow(clippy::unwrap_used)]

use super::*;

fn ad(cmd: &str, major: u32, minor: u32) -> Result<Vec<String>, Incompatible> {
    let argv: Vec<&str> = cmd.split(' ').collect();
    Ok(
        match adapt(&argv, &TargetCaps::for_version(major, minor), 1_000_000)? {
            Compat::Unchanged => vec!["=".to_string()],
            Compat::Replace(v) => v
                .into_iter()
                .map(|c| {
                    c.iter()
                        .map(|a| String::from_utf8_lossy(a).into_owned())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect(),
        },
    )
}

fn same(cmd: &str, major: u32, minor: u32) {
    assert_eq!(
        ad(cmd, major, minor).unwrap(),
        ["="],
        "{cmd} on {major}.{minor}"
    );
}

#[test]
fn new_targets_take_everything_unchanged() {
    for cmd in [
        "set k v PXAT 123",
        "set k v KEEPTTL",
        "lmove a b LEFT RIGHT",
        "lpop k 3",
        "pexpireat k 5 NX",
        "xsetid s 1-1 ENTRIESADDED 3 MAXDELETEDID 0-0",
        "xgroup createconsumer s g c",
        "copy a b",
        "unlink a b",
        "flushall sync",
        "json.set k $ 1",
        "",
    ] {
        same(cmd, 7, 0);
    }
}

#[test]
fn set_family() {
    assert_eq!(
        ad("set k v PXAT 5000", 6, 0).unwrap(),
        ["SET k v", "PEXPIREAT k 5000"]
    );
    assert_eq!(
        ad("SET k v nx EXAT 5", 5, 0).unwrap(),
        ["SET k v nx", "PEXPIREAT k 5000"]
    );
    assert_eq!(ad("set k v GET", 5, 0).unwrap(), ["SET k v"]);
    assert_eq!(ad("set k v GET EX 10", 5, 0).unwrap(), ["SET k v EX 10"]);
    assert_eq!(ad("set k v KEEPTTL", 6, 0).unwrap(), ["="]);
    let e = ad("set k v KEEPTTL XX", 5, 0).unwrap();
    assert!(
        e[0].starts_with("EVAL local t = redis.call('PTTL'") && e[0].ends_with(" 1 k v XX"),
        "{e:?}"
    );
    same("set k v EX 10 NX", 3, 2);
    same("set k v PXAT", 5, 0); // malformed: the target judges it
    same("set k v IFEQ x PXAT 5", 5, 0); // unknown option: the target judges it
    assert_eq!(ad("getdel k", 6, 0).unwrap(), ["DEL k"]);
    assert_eq!(ad("getex k PX 100", 6, 0).unwrap(), ["PEXPIRE k 100"]);
    assert_eq!(ad("getex k persist", 6, 0).unwrap(), ["PERSIST k"]);
    assert_eq!(ad("getex k", 6, 0).unwrap(), Vec::<String>::new());
}

#[test]
fn lists_zsets_keys() {
    assert_eq!(ad("lmove a b RIGHT LEFT", 6, 0).unwrap(), ["RPOPLPUSH a b"]);
    let e = ad("lmove a b LEFT RIGHT", 5, 0).unwrap();
    assert!(e[0].ends_with(" 2 a b LPOP RPUSH"), "{e:?}");
    assert_eq!(ad("brpoplpush a b 0", 3, 2).unwrap(), ["RPOPLPUSH a b"]);
    assert!(ad("rpop k 3", 5, 0).unwrap()[0].ends_with(" 1 k RPOP 3"));
    same("rpop k", 5, 0);
    assert_eq!(ad("zpopmin z 3", 3, 2).unwrap(), ["ZREMRANGEBYRANK z 0 2"]);
    assert_eq!(ad("zpopmax z", 3, 2).unwrap(), ["ZREMRANGEBYRANK z -1 -1"]);
    same("zpopmax z 2", 5, 0);
    assert_eq!(ad("unlink a b", 3, 2).unwrap(), ["DEL a b"]);
    assert_eq!(ad("hset h a 1 b 2", 3, 2).unwrap(), ["HMSET h a 1 b 2"]);
    same("hset h a 1", 3, 2);
    assert_eq!(ad("flushall ASYNC", 3, 2).unwrap(), ["flushall"]);
    assert_eq!(ad("flushdb SYNC", 5, 0).unwrap(), ["flushdb"]);
    same("flushdb ASYNC", 5, 0);
    assert_eq!(ad("pexpireat k 99 GT", 6, 2).unwrap(), ["pexpireat k 99"]);
    assert_eq!(
        ad("restore k 5000 PAYLOAD REPLACE ABSTTL IDLETIME 5", 3, 2).unwrap(),
        ["restore k 1 PAYLOAD REPLACE"]
    );
    assert_eq!(
        ad("restore k 2000000 P ABSTTL FREQ 5", 3, 2).unwrap(),
        ["restore k 1000000 P"]
    );
    assert_eq!(
        ad("restore k 0 P REPLACE", 3, 2).unwrap(),
        ["restore k 0 P REPLACE"]
    );
}

#[test]
fn streams() {
    assert_eq!(
        ad("xsetid s 5-5 ENTRIESADDED 9 MAXDELETEDID 1-1", 5, 0).unwrap(),
        ["xsetid s 5-5"]
    );
    assert_eq!(
        ad("xgroup create s g 0 ENTRIESREAD 3", 6, 2).unwrap(),
        ["xgroup create s g 0"]
    );
    same("xgroup create s g 0 MKSTREAM", 6, 2);
    assert_eq!(
        ad("xgroup createconsumer s g c", 5, 0).unwrap(),
        ["XCLAIM s g c 0 0-0 JUSTID"]
    );
    assert!(ad("xgroup createconsumer s g c", 6, 0).is_err());
    assert_eq!(
        ad("xadd s NOMKSTREAM MAXLEN = 5 LIMIT 10 1-1 f v", 5, 0).unwrap(),
        ["xadd s MAXLEN = 5 1-1 f v"]
    );
    assert!(ad("xtrim s MINID 5", 5, 0).is_err());
    assert!(ad("xadd s 1-1 f v", 3, 2).is_err());
}

#[test]
fn refusals_name_the_command_and_version() {
    for (cmd, v) in [
        ("swapdb 0 1", (3, 2)),
        ("copy a b DB 1", (6, 0)),
        ("zadd z GT INCR 1 m", (6, 0)),
        ("function flush", (6, 2)),
        ("lmpop 1 k LEFT", (6, 2)),
        ("hpexpireat h 5 FIELDS 1 f", (7, 0)),
        ("hsetex h FIELDS 1 f v", (7, 4)),
    ] {
        let e = ad(cmd, v.0, v.1).unwrap_err();
        assert_eq!(e.target, v);
        assert!(
            e.to_string().contains(cmd.split(' ').next().unwrap()),
            "{e}"
        );
    }
    same("zadd z NX 1 m", 6, 0);
}

#[test]
fn restore_of_a_newer_payload_becomes_commands() {
    // DUMP of "bar" from Redis 7.0.15: RDB version 10.
    let p: &[u8] = b"\x00\x03bar\x0a\x00\xe6\xbe\x49\x60\xee\x66\xfd\x17";
    let argv: [&[u8]; 5] = [b"RESTORE", b"k", b"5000", p, b"ABSTTL"];
    let caps70 = TargetCaps::for_version(7, 0);
    assert_eq!(adapt(&argv, &caps70, 0).unwrap(), Compat::Unchanged);
    let got = adapt(&argv, &TargetCaps::for_version(5, 0), 1_000).unwrap();
    let want: Vec<Argv> = vec![
        vec![b"SET".to_vec(), b"k".to_vec(), b"bar".to_vec()],
        vec![b"PEXPIREAT".to_vec(), b"k".to_vec(), b"5000".to_vec()],
    ];
    assert_eq!(got, Compat::Replace(want));
    let rel: [&[u8]; 5] = [b"RESTORE", b"k", b"5000", p, b"REPLACE"];
    let got = adapt(&rel, &TargetCaps::for_version(3, 2), 1_000).unwrap();
    assert!(
        matches!(got, Compat::Replace(ref v) if v[1][2] == b"6000"),
        "{got:?}"
    );
    let bad: [&[u8]; 4] = [b"RESTORE", b"k", b"-1", p];
    assert!(adapt(&bad, &TargetCaps::for_version(3, 2), 0).is_err());
}

fn arb_argv() -> impl proptest::strategy::Strategy<Value = Vec<Vec<u8>>> {
    use proptest::prelude::*;
    let names: Vec<&'static str> = crate::command::TABLE.iter().map(|r| r.name).collect();
    let arg = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..6),
        proptest::sample::select(vec![
            "EX",
            "PX",
            "EXAT",
            "PXAT",
            "KEEPTTL",
            "GET",
            "NX",
            "GT",
            "LEFT",
            "RIGHT",
            "ABSTTL",
            "IDLETIME",
            "FREQ",
            "REPLACE",
            "ENTRIESREAD",
            "MINID",
            "LIMIT",
            "NOMKSTREAM",
            "CREATECONSUMER",
            "0",
            "1",
            "-1",
            "3",
            "99999999999999999999",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ];
    (
        proptest::sample::select(names),
        proptest::collection::vec(arg, 0..8),
    )
        .prop_map(|(n, rest)| {
            let mut v = vec![n.to_ascii_lowercase().into_bytes()];
            v.extend(rest);
            v
        })
}

proptest::proptest! {
    /// Whatever the arguments, adapt never panics, and a rewrite never yields an empty argv.
    #[test]
    fn adapt_never_panics(argv in arb_argv(), v in proptest::sample::select(vec![(3, 2), (5, 0), (6, 0), (6, 2), (7, 0)])) {
        if let Ok(Compat::Replace(cmds)) = adapt(&argv, &TargetCaps::for_version(v.0, v.1), 1_000) {
            for c in cmds {
                proptest::prop_assert!(!c.is_empty());
            }
        }
    }

    /// The stream filter never panics either.
    #[test]
    fn filter_never_panics(cmds in proptest::collection::vec(arb_argv(), 0..20)) {
        use crate::filter::{Filter, KeyFilter, StreamFilter};
        let mut f = StreamFilter::new(Filter {
            dbs: crate::command::DbMapping::new(Some([0, 1]), [(1, 2)]).unwrap(),
            keys: KeyFilter::new(vec![vec![1]], vec![], &[], &[]).unwrap(),
            ..Filter::default()
        });
        for c in cmds {
            let _ = f.decide(&c);
        }
    }
}

#[test]
fn zadd_gt_lt_as_script() {
    same("zadd z 1 GT", 5, 0); // a member named GT is not a flag
    same("zadd z NX CH 1 m", 5, 0);
    let e = ad("zadd z XX GT CH 1 a 2 b", 5, 0).unwrap();
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("EVAL local nx") && e[0].ends_with(" 1 z 0 1 1 0 1 a 2 b"),
        "{e:?}"
    );
    same("zadd z GT 1 a", 6, 2);
}

#[test]
fn copy_as_script() {
    let e = ad("copy a b REPLACE", 5, 0).unwrap();
    assert!(
        e[0].starts_with("EVAL local d = redis.call('DUMP'") && e[0].ends_with(" 2 a b 1"),
        "{e:?}"
    );
    assert!(ad("copy a b", 3, 2).unwrap()[0].ends_with(" 2 a b 0"));
}
