//! Cross-version verification: servers of different versions filled with the same commands
//! hold equal data in different encodings (ziplist vs listpack, intset vs hashtable limits,
//! quicklist layouts ...), and the verifier must call them equal — and still see a real
//! difference.
#![allow(clippy::unwrap_used)]

mod common;

use common::dataset::{self, keys};
use migrate_core::verify::{Category, Mode, Verifier};
use test_support::{RedisServer, Version};

fn check(src_v: Version, tgt_v: Version) {
    let (a, b) = (RedisServer::start(src_v), RedisServer::start(tgt_v));
    // Both sides get what the older one can hold (no streams when 3.2 is involved).
    dataset::fill(&mut a.connect(), src_v.min(tgt_v));
    dataset::fill(&mut b.connect(), src_v.min(tgt_v));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let run = |mode| {
        let v = Verifier::builder()
            .source(a.url())
            .target(b.url())
            .mode(mode)
            .rounds(1)
            .scan_count(64)
            .build()
            .unwrap();
        rt.block_on(v.run()).unwrap()
    };
    let r = run(Mode::Full);
    assert!(r.is_equal(), "{src_v:?} -> {tgt_v:?}\n{r}");
    assert!(r.keys_checked > 400, "{r}");
    let q = run(Mode::Quick);
    assert!(q.is_equal(), "{src_v:?} -> {tgt_v:?}\n{q}");
    // A real difference is still found across versions.
    b.connect()
        .ok(&["ZADD", keys::ZSET, "1.2345678901234667", "a"]);
    let r = run(Mode::Full);
    assert_eq!(r.differences.len(), 1, "{r}");
    assert_eq!(&r.differences[0].key[..], keys::ZSET.as_bytes());
    assert_eq!(r.differences[0].category, Category::Value);
}

#[test]
fn v3_2_to_v7_0() {
    check(Version::V3_2, Version::V7_0);
}

#[test]
fn v7_0_to_v3_2() {
    check(Version::V7_0, Version::V3_2);
}

#[test]
fn v5_0_to_v7_0_with_streams() {
    check(Version::V5_0, Version::V7_0);
}

#[test]
fn v7_0_to_v5_0_with_streams() {
    check(Version::V7_0, Version::V5_0);
}
