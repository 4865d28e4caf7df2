//! Verification against real servers: equal data is equal; each kind of injected
//! difference is reported exactly, naming the key and nothing else; writes in flight settle
//! across rounds.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::dataset::{self, keys};
use migrate_core::verify::{Category, Mode, Report, Verifier};
use test_support::{Conn, RedisServer, Reply, Version};

fn pair() -> (RedisServer, RedisServer) {
    let (a, b) = (
        RedisServer::start(Version::V7_0),
        RedisServer::start(Version::V7_0),
    );
    dataset::fill(&mut a.connect(), Version::V7_0);
    dataset::fill(&mut b.connect(), Version::V7_0);
    (a, b)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn verify(src: &RedisServer, tgt: &RedisServer, mode: Mode) -> Report {
    verify_with(src, tgt, mode, true)
}

fn verify_with(src: &RedisServer, tgt: &RedisServer, mode: Mode, dump: bool) -> Report {
    let v = Verifier::builder()
        .dump_fast_path(dump)
        .source(src.url())
        .target(tgt.url())
        .mode(mode)
        .rounds(1)
        .connections(3)
        .scan_count(100)
        .build()
        .unwrap();
    rt().block_on(v.run()).unwrap()
}

fn ok(c: &mut Conn, args: &[&[u8]]) -> Reply {
    let r = c.cmd(args).unwrap();
    assert!(
        !matches!(r, Reply::Error(_)),
        "{:?}: {r:?}",
        String::from_utf8_lossy(args[0])
    );
    r
}

/// Asserts the report lists exactly `expected` (db, key, category) and details containing
/// the given words.
fn assert_only(r: &Report, expected: &[(u32, &[u8], Category, &str)]) {
    let got: Vec<(u32, &[u8], Category)> = r
        .differences
        .iter()
        .map(|d| (d.target_db, &d.key[..], d.category))
        .collect();
    let want: Vec<(u32, &[u8], Category)> =
        expected.iter().map(|(d, k, c, _)| (*d, *k, *c)).collect();
    assert_eq!(got, want, "report:\n{r}");
    for (d, (_, _, _, word)) in r.differences.iter().zip(expected) {
        assert!(
            d.detail.contains(word),
            "detail `{}` lacks `{word}`\n{r}",
            d.detail
        );
    }
    assert_eq!(r.counts.total(), expected.len() as u64, "{r}");
    assert_eq!(r.exit_code(), 1);
}

#[test]
fn equal_datasets_are_equal_in_both_modes() {
    let (a, b) = pair();
    let r = verify(&a, &b, Mode::Full);
    assert!(r.is_equal(), "{r}");
    assert!(r.notes.iter().any(|n| n.contains("DUMP")), "{r}");
    let r = verify_with(&a, &b, Mode::Full, false);
    assert!(r.is_equal(), "{r}");
    assert!(r.keys_checked > 400, "{r}");
    assert_eq!(r.keys_checked, r.target_keys_scanned);
    assert_eq!(r.exit_code(), 0);
    let q = verify(&a, &b, Mode::Quick);
    assert!(q.is_equal(), "{q}");
    assert_eq!(q.dbs.len(), 3, "{q}");
    assert!(q.notes.iter().any(|n| n.contains("expired")), "{q}");
    assert!(r.to_json().contains("\"equal\":true"));
    // A TTL off by less than the tolerance (1 s) is not a difference.
    let at = (dataset::EXPIRE_AT_MS + 300).to_string();
    ok(
        &mut b.connect(),
        &[b"PEXPIREAT", keys::WITH_TTL.as_bytes(), at.as_bytes()],
    );
    let r = verify(&a, &b, Mode::Full);
    assert!(r.is_equal(), "{r}");
}

#[test]
fn each_injected_difference_is_named_exactly() {
    let (a, b) = pair();
    let mut t = b.connect();
    let refill = |t: &mut Conn| {
        ok(t, &[b"FLUSHALL"]);
        dataset::fill(t, Version::V7_0);
    };
    type Inject = fn(&mut Conn, &mut Conn);
    type Expected = Vec<(u32, &'static [u8], Category, &'static str)>;
    let cases: Vec<(&str, Inject, Expected)> = vec![
        (
            "missing key",
            |_, t| {
                ok(t, &[b"DEL", keys::STRING.as_bytes()]);
            },
            vec![(
                0,
                keys::STRING.as_bytes(),
                Category::MissingOnTarget,
                "missing",
            )],
        ),
        (
            "extra key",
            |_, t| {
                ok(t, &[b"SET", b"only:on:target", b"1"]);
            },
            vec![(0, b"only:on:target", Category::ExtraOnTarget, "target only")],
        ),
        (
            "changed list element (past the first fetch)",
            |_, t| {
                ok(t, &[b"LSET", keys::LIST.as_bytes(), b"200", b"changed"]);
            },
            vec![(
                0,
                keys::LIST.as_bytes(),
                Category::Value,
                "list element 200",
            )],
        ),
        (
            "changed list element (small list)",
            |_, t| {
                ok(t, &[b"LSET", keys::SMALL_LIST.as_bytes(), b"1", b"B"]);
            },
            vec![(
                0,
                keys::SMALL_LIST.as_bytes(),
                Category::Value,
                "list element 1",
            )],
        ),
        (
            "zset score off in the 15th significant digit",
            |_, t| {
                ok(
                    t,
                    &[b"ZADD", keys::ZSET.as_bytes(), b"1.2345678901234667", b"a"],
                );
            },
            vec![(0, keys::ZSET.as_bytes(), Category::Value, "score")],
        ),
        (
            "missing stream group",
            |_, t| {
                ok(t, &[b"XGROUP", b"DESTROY", keys::STREAM.as_bytes(), b"g2"]);
            },
            vec![(
                0,
                keys::STREAM.as_bytes(),
                Category::Value,
                "group 'g2' missing on target",
            )],
        ),
        (
            "missing PEL entry",
            |_, t| {
                ok(
                    t,
                    &[
                        b"XACK",
                        keys::STREAM.as_bytes(),
                        b"g1",
                        dataset::PENDING_ID.as_bytes(),
                    ],
                );
            },
            vec![(
                0,
                keys::STREAM.as_bytes(),
                Category::Value,
                "PEL entry 1700000000000-3 missing on target",
            )],
        ),
        (
            "TTL off by more than the tolerance",
            |_, t| {
                let at = (dataset::EXPIRE_AT_MS + 60_000).to_string();
                ok(t, &[b"PEXPIREAT", keys::WITH_TTL.as_bytes(), at.as_bytes()]);
            },
            vec![(0, keys::WITH_TTL.as_bytes(), Category::Ttl, "off by")],
        ),
        (
            "TTL removed",
            |_, t| {
                ok(t, &[b"PERSIST", keys::WITH_TTL.as_bytes()]);
            },
            vec![(0, keys::WITH_TTL.as_bytes(), Category::Ttl, "no expiry")],
        ),
        (
            "type change",
            |_, t| {
                ok(t, &[b"DEL", keys::HASH.as_bytes()]);
                ok(t, &[b"SADD", keys::HASH.as_bytes(), b"x"]);
            },
            vec![(
                0,
                keys::HASH.as_bytes(),
                Category::Type,
                "type hash on source, set on target",
            )],
        ),
        (
            "key in the wrong db",
            |_, t| {
                ok(t, &[b"MOVE", keys::STRING.as_bytes(), b"1"]);
            },
            vec![
                (
                    0,
                    keys::STRING.as_bytes(),
                    Category::MissingOnTarget,
                    "missing",
                ),
                (
                    1,
                    keys::STRING.as_bytes(),
                    Category::ExtraOnTarget,
                    "target only",
                ),
            ],
        ),
        (
            "binary key value changed",
            |_, t| {
                ok(t, &[b"SETRANGE", keys::BINARY, b"3", b"\x00"]);
            },
            vec![(0, keys::BINARY, Category::Value, "byte 3")],
        ),
        (
            "big string changed past the first fetch",
            |_, t| {
                ok(
                    t,
                    &[b"SETRANGE", keys::BIG_STRING.as_bytes(), b"11000", b"#"],
                );
            },
            vec![(
                0,
                keys::BIG_STRING.as_bytes(),
                Category::Value,
                "byte 11000",
            )],
        ),
        (
            "big set member replaced",
            |_, t| {
                ok(t, &[b"SREM", keys::BIG_SET.as_bytes(), b"member-777"]);
                ok(t, &[b"SADD", keys::BIG_SET.as_bytes(), b"member-new"]);
            },
            vec![(0, keys::BIG_SET.as_bytes(), Category::Value, "member-777")],
        ),
        (
            "hash field changed",
            |_, t| {
                ok(t, &[b"HSET", keys::HASH.as_bytes(), b"n", b"43"]);
            },
            vec![(0, keys::HASH.as_bytes(), Category::Value, "field 'n'")],
        ),
        (
            "HLL differs",
            |_, t| {
                ok(t, &[b"PFADD", keys::HLL.as_bytes(), b"zzz-new-element"]);
            },
            vec![(0, keys::HLL.as_bytes(), Category::Value, "string")],
        ),
        (
            "key missing in db 15",
            |_, t| {
                ok(t, &[b"SELECT", b"15"]);
                ok(t, &[b"DEL", b"zset:15:3"]);
                ok(t, &[b"SELECT", b"0"]);
            },
            vec![(15, b"zset:15:3", Category::MissingOnTarget, "missing")],
        ),
    ];
    let mut s = a.connect();
    for (name, inject, expected) in cases {
        refill(&mut t);
        let r = verify(&a, &b, Mode::Full);
        assert!(r.is_equal(), "{name}: before injection\n{r}");
        inject(&mut s, &mut t);
        // With the same-version DUMP fast path and without it: the same verdict.
        for dump in [true, false] {
            let r = verify_with(&a, &b, Mode::Full, dump);
            eprintln!(
                "{name} (dump {dump}): {:?}",
                r.differences.iter().map(|d| &d.detail).collect::<Vec<_>>()
            );
            assert_only(&r, &expected);
            let json = r.to_json();
            assert!(json.contains("\"equal\":false"), "{name}: {json}");
        }
    }
}

#[test]
fn quick_mode_counts_per_db() {
    let (a, b) = pair();
    let mut t = b.connect();
    ok(&mut t, &[b"SELECT", b"1"]);
    ok(&mut t, &[b"DEL", b"str:1:1"]);
    ok(&mut t, &[b"PERSIST", b"str:1:5"]);
    let r = verify(&a, &b, Mode::Quick);
    let cats: Vec<(u32, Category)> = r
        .differences
        .iter()
        .map(|d| (d.target_db, d.category))
        .collect();
    assert_eq!(
        cats,
        vec![(1, Category::MissingOnTarget), (1, Category::Ttl)],
        "{r}"
    );
    assert_eq!(r.counts.get(Category::MissingOnTarget), 1);
    assert_eq!(r.counts.get(Category::Ttl), 1);
    assert_eq!(r.exit_code(), 1);
}

#[test]
fn db_mapping_and_key_filter() {
    let (a, b) = pair();
    let mut t = b.connect();
    // The target holds source db 0 in db 2 (and nothing in db 0).
    ok(&mut t, &[b"SWAPDB", b"0", b"2"]);
    let run =
        |v: migrate_core::verify::VerifierBuilder| rt().block_on(v.build().unwrap().run()).unwrap();
    let base = || {
        Verifier::builder()
            .source(a.url())
            .target(b.url())
            .rounds(1)
    };
    let r = run(base().db_map([(0, 2)]));
    assert!(r.is_equal(), "{r}");
    let r = run(base().db_map([(0, 2)]).mode(Mode::Quick));
    assert!(r.is_equal(), "{r}");
    let r = run(base());
    assert!(!r.is_equal());
    assert!(r.counts.get(Category::MissingOnTarget) > 100, "{r}");
    // Only the source's db 1, and only `list:` keys: a difference elsewhere is out of scope.
    ok(&mut t, &[b"SELECT", b"1"]);
    ok(&mut t, &[b"DEL", b"str:1:2"]);
    ok(&mut t, &[b"LSET", b"list:1:4", b"0", b"zz"]);
    let r = run(base().dbs([1]).key_filter(|k| k.starts_with(b"list:")));
    assert_only(&r, &[(1, b"list:1:4", Category::Value, "list element 0")]);
    let r = run(base()
        .dbs([1])
        .key_filter(|k| k.starts_with(b"list:"))
        .mode(Mode::Quick));
    assert!(r.is_equal(), "{r}");
}

#[test]
fn writes_in_flight_settle_across_rounds() {
    let (a, b) = pair();
    // The writer's iteration count: the verifier starts once the hot keys exist.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    // A "replication" with lag: each write reaches the target 20 ms after the source. The
    // writer goes on until the verifier has been comparing for 800 ms (seen through the
    // source's PTTL call count), so the first round surely meets the lag and later rounds
    // see the settled data.
    let writer = {
        let (mut s, mut t, mut probe, stop) = (a.connect(), b.connect(), a.connect(), done.clone());
        std::thread::spawn(move || {
            let mut i = 0u64;
            let mut seen: Option<std::time::Instant> = None;
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while seen.is_none_or(|t0| t0.elapsed() < Duration::from_millis(800)) {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the verifier never started"
                );
                let v = i.to_string();
                ok(&mut s, &[b"SET", b"hot:key", v.as_bytes()]);
                ok(&mut s, &[b"RPUSH", b"hot:list", v.as_bytes()]);
                std::thread::sleep(Duration::from_millis(20));
                ok(&mut t, &[b"SET", b"hot:key", v.as_bytes()]);
                ok(&mut t, &[b"RPUSH", b"hot:list", v.as_bytes()]);
                i += 1;
                stop.store(i, std::sync::atomic::Ordering::SeqCst);
                if seen.is_none() {
                    let stats = probe
                        .info_field("commandstats", "cmdstat_pttl")
                        .unwrap_or_default();
                    if !stats.is_empty() {
                        seen = Some(std::time::Instant::now());
                    }
                }
            }
            i
        })
    };
    while done.load(std::sync::atomic::Ordering::SeqCst) < 2 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let v = Verifier::builder()
        .source(a.url())
        .target(b.url())
        .rounds(6)
        .round_delay(Duration::from_millis(500))
        .build()
        .unwrap();
    let r = rt().block_on(v.run()).unwrap();
    let iterations = writer.join().unwrap();
    assert!(iterations > 2);
    assert!(r.is_equal(), "{r}");
    assert!(
        r.rounds >= 2,
        "the first round should have seen the lagging key\n{r}"
    );
    // Settled: a single round agrees now.
    let r1 = verify(&a, &b, Mode::Full);
    assert!(r1.is_equal(), "settled now\n{r1}");
}

#[test]
fn throttle_limits_the_key_rate() {
    let (a, b) = pair();
    let v = Verifier::builder()
        .source(a.url())
        .target(b.url())
        .rounds(1)
        .rate(500)
        .scan_count(50)
        .build()
        .unwrap();
    let r = rt().block_on(v.run()).unwrap();
    assert!(r.is_equal(), "{r}");
    // Forward and reverse passes both read the source: ~2x keys at 500/s.
    let min = Duration::from_secs_f64((r.keys_checked * 2) as f64 / 500.0 * 0.8);
    assert!(r.elapsed >= min, "{:?} < {min:?}\n{r}", r.elapsed);
}

#[test]
fn errors_name_the_server_and_exit_code_is_2() {
    let v = Verifier::builder()
        .source("redis://127.0.0.1:1")
        .target("redis://127.0.0.1:2")
        .build()
        .unwrap();
    let r = rt().block_on(v.run());
    let msg = r.as_ref().unwrap_err().to_string();
    assert!(msg.contains("127.0.0.1:1"), "{msg}");
    assert_eq!(migrate_core::verify::exit_code_for(&r), 2);
    let e = Verifier::builder()
        .source("http://x")
        .target("redis://h")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("source"), "{e}");
    let e = Verifier::builder().source("redis://h").build().unwrap_err();
    assert!(e.to_string().contains("target is required"), "{e}");
}

#[test]
fn dump_disabled_on_the_servers_falls_back_to_structural() {
    // Managed services often rename or deny DUMP and MEMORY: the same-version fast path
    // must then give way to the structural comparison, not fail.
    let start = || {
        RedisServer::builder(Version::V7_0)
            .arg("rename-command", "DUMP hidden-dump-3f9a")
            .arg("rename-command", "MEMORY hidden-memory-3f9a")
            .start()
    };
    let (a, b) = (start(), start());
    assert!(matches!(
        a.connect().cmd(&["DUMP", "x"]).unwrap(),
        Reply::Error(_)
    ));
    dataset::fill(&mut a.connect(), Version::V7_0);
    dataset::fill(&mut b.connect(), Version::V7_0);
    let r = verify(&a, &b, Mode::Full);
    assert!(r.is_equal(), "{r}");
    ok(
        &mut b.connect(),
        &[b"LSET", keys::LIST.as_bytes(), b"250", b"x"],
    );
    let r = verify(&a, &b, Mode::Full);
    assert_only(
        &r,
        &[(
            0,
            keys::LIST.as_bytes(),
            Category::Value,
            "list element 250",
        )],
    );
}

#[test]
fn tiny_chunks_walk_every_chunked_path() {
    // Chunks of 2 elements / 1000 bytes: big strings, lists, sets, streams and PELs are
    // compared over many round trips; the verdicts must not change.
    let (a, b) = pair();
    let run = || {
        let v = Verifier::builder()
            .source(a.url())
            .target(b.url())
            .rounds(1)
            .dump_fast_path(false)
            .chunk_sizes(2, 1000)
            .build()
            .unwrap();
        rt().block_on(v.run()).unwrap()
    };
    let r = run();
    assert!(r.is_equal(), "{r}");
    let mut t = b.connect();
    type Inject = fn(&mut Conn);
    type Expected = (&'static [u8], Category, &'static str);
    let cases: Vec<(Inject, Expected)> = vec![
        (
            |t| {
                ok(t, &[b"LSET", keys::LIST.as_bytes(), b"299", b"last"]);
            },
            (keys::LIST.as_bytes(), Category::Value, "list element 299"),
        ),
        (
            |t| {
                ok(
                    t,
                    &[b"SETRANGE", keys::BIG_STRING.as_bytes(), b"11999", b"#"],
                );
            },
            (keys::BIG_STRING.as_bytes(), Category::Value, "byte 11999"),
        ),
        (
            |t| {
                ok(t, &[b"SREM", keys::BIG_SET.as_bytes(), b"member-1499"]);
                ok(t, &[b"SADD", keys::BIG_SET.as_bytes(), b"other"]);
            },
            (keys::BIG_SET.as_bytes(), Category::Value, "member-1499"),
        ),
        (
            |t| {
                ok(
                    t,
                    &[b"XACK", keys::STREAM.as_bytes(), b"g1", b"1700000000000-5"],
                );
            },
            (
                keys::STREAM.as_bytes(),
                Category::Value,
                "PEL entry 1700000000000-5 missing",
            ),
        ),
        (
            |t| {
                ok(t, &[b"XDEL", keys::STREAM.as_bytes(), b"1700000000000-11"]);
                ok(
                    t,
                    &[
                        b"XADD",
                        keys::STREAM.as_bytes(),
                        b"1700000000000-13",
                        b"item",
                        b"x",
                    ],
                );
            },
            (keys::STREAM.as_bytes(), Category::Value, "stream"),
        ),
    ];
    for (inject, (key, cat, word)) in cases {
        ok(&mut t, &[b"FLUSHALL"]);
        dataset::fill(&mut t, Version::V7_0);
        inject(&mut t);
        let r = run();
        assert_only(&r, &[(0, key, cat, word)]);
    }
}
