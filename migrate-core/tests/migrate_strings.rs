//! Whole strings of the full phase (`MSET` batches, `SET ... PXAT`, `SET ... NX`, and
//! `SET` + `PEXPIREAT` / `SET ... PX ... NX` on targets before 6.2) against real servers,
//! under each conflict policy: values byte for byte, TTLs, db switches between batches,
//! and which keys a `SkipExisting` run keeps.
#![allow(clippy::unwrap_used)]

mod migrate_util;

use migrate_core::config::ConflictPolicy;
use migrate_core::migrator::Mode;
use migrate_util::*;
use test_support::{Conn, RedisServer, Version};

/// Fills `c` with strings of every RDB encoding (int, LZF-compressed, plain, empty, binary)
/// with and without TTLs, interleaved with other types and spread over dbs 0, 3 and 9.
/// Returns the number of keys.
fn fill(c: &mut Conn) -> u64 {
    let mut n = 0;
    let binary = b"bin\r\n\0\xff\"value".to_vec();
    for db in ["0", "3", "9"] {
        c.ok(&["SELECT", db]);
        let mut cmds: Vec<Vec<Vec<u8>>> = Vec::new();
        for i in 0..700u32 {
            let k = format!("s:{db}:{i:04}").into_bytes();
            let v: Vec<u8> = match i % 7 {
                0 => i.to_string().into_bytes(),
                1 => format!("-{i}").into_bytes(),
                2 => "z".repeat(300 + i as usize).into_bytes(),
                3 => Vec::new(),
                4 => binary.clone(),
                5 => format!("{i:064}").into_bytes(),
                _ => format!("value-{i}-{}", "x".repeat(i as usize % 40)).into_bytes(),
            };
            cmds.push(vec![b"SET".to_vec(), k.clone(), v]);
            if i % 3 == 0 {
                let ms = (600_000 + u64::from(i) * 1000).to_string().into_bytes();
                cmds.push(vec![b"PEXPIRE".to_vec(), k, ms]);
            }
            if i % 50 == 0 {
                // Another type between strings: the pending MSET goes first.
                let l = format!("l:{db}:{i}").into_bytes();
                cmds.push(vec![b"RPUSH".to_vec(), l, b"a".to_vec(), b"b".to_vec()]);
                n += 1;
            }
            n += 1;
        }
        c.pipeline(&cmds).unwrap();
    }
    c.ok(&["SELECT", "0"]);
    n
}

fn full(src: &RedisServer, tgt: &RedisServer, policy: ConflictPolicy) -> migrate_core::Summary {
    rt().block_on(async {
        builder(src, tgt)
            .mode(Mode::Full)
            .conflict(policy)
            .build()
            .unwrap()
            .run()
            .wait()
            .await
            .unwrap()
    })
}

fn pttl(c: &mut Conn, key: &str) -> i64 {
    c.ok(&["PTTL", key]).as_int().unwrap()
}

fn get(c: &mut Conn, key: &str) -> Option<Vec<u8>> {
    c.ok(&["GET", key]).as_bytes().map(<[u8]>::to_vec)
}

/// Keys the target holds before the run: a string without TTL where the source has one,
/// a string with a TTL where the source has none, a list where the source has a string.
fn prepare(t: &mut Conn) {
    t.ok(&["FLUSHALL"]);
    t.ok(&["SET", "s:0:0000", "target-a"]); // source: int, with TTL
    t.ok(&["SELECT", "3"]);
    t.ok(&["SET", "s:3:0001", "target-b", "EX", "5000"]); // source: "-1", no TTL
    t.ok(&["SELECT", "9"]);
    t.ok(&["RPUSH", "s:9:0002", "target-c"]); // source: LZF string, no TTL
    t.ok(&["SELECT", "0"]);
}

fn strings_into(target: Version) {
    let src = RedisServer::start(Version::V7_0);
    let tgt = RedisServer::start(target);
    let keys = fill(&mut src.connect());
    // A heartbeat key left by an earlier run: never copied, never counted.
    src.connect()
        .ok(&["SET", std::str::from_utf8(HB).unwrap(), "1", "EX", "100"]);
    let mut t = tgt.connect();

    // Error (empty target).
    let s = full(&src, &tgt, ConflictPolicy::Error).status;
    assert_eq!(s.keys_written, keys, "{s:?}");
    assert_eq!((s.keys_seen, s.keys_filtered), (keys, 0), "{s:?}");
    rt().block_on(assert_equal(&src, &tgt));

    // Overwrite: values and TTLs become the source's (a kept TTL would be a divergence).
    prepare(&mut t);
    let s = full(&src, &tgt, ConflictPolicy::Overwrite).status;
    assert_eq!(s.keys_written, keys, "{s:?}");
    rt().block_on(assert_equal(&src, &tgt));
    let (a, b) = (
        pttl(&mut t, "s:0:0000"),
        pttl(&mut src.connect(), "s:0:0000"),
    );
    assert!(
        a > 0 && (a - b).abs() < 2000,
        "target {a} ms, source {b} ms"
    );
    t.ok(&["SELECT", "3"]);
    assert_eq!(pttl(&mut t, "s:3:0001"), -1);
    t.ok(&["SELECT", "0"]);

    // SkipExisting: the three prepared keys stay exactly as they were, the rest is copied.
    prepare(&mut t);
    let s = full(&src, &tgt, ConflictPolicy::SkipExisting).status;
    assert_eq!(s.keys_skipped_existing, 3, "{s:?}");
    assert_eq!(s.keys_written, keys - 3, "{s:?}");
    assert_eq!(get(&mut t, "s:0:0000").unwrap(), b"target-a");
    assert_eq!(
        pttl(&mut t, "s:0:0000"),
        -1,
        "a kept key got the source's TTL"
    );
    t.ok(&["SELECT", "3"]);
    assert_eq!(get(&mut t, "s:3:0001").unwrap(), b"target-b");
    let ttl = pttl(&mut t, "s:3:0001");
    assert!(ttl > 4_000_000 && ttl <= 5_000_000, "{ttl}");
    t.ok(&["SELECT", "9"]);
    assert_eq!(t.ok(&["TYPE", "s:9:0002"]).as_string().unwrap(), "list");
    t.ok(&["SELECT", "0"]);
    let prepared = ["s:0:0000", "s:3:0001", "s:9:0002"];
    let r = rt()
        .block_on(verify(verifier(&src, &tgt).key_filter(move |k| {
            k != HB && !prepared.iter().any(|p| p.as_bytes() == k)
        })));
    assert!(r.is_equal(), "{r}");
}

#[test]
fn strings_into_7_0_mset_and_set_pxat() {
    strings_into(Version::V7_0);
}

#[test]
fn strings_into_5_0_set_then_pexpireat_and_set_px_nx() {
    strings_into(Version::V5_0);
}
