//! End-to-end tests on hand-built RDB files: encodings no available test server writes
//! (zipmap, linked lists, ASCII zset scores, second-resolution expiry, RDB 11 listpack
//! sets / stream v3, RDB 12 field-TTL hashes, Valkey 80 HASH_2, module values and
//! MODULE_AUX, non-minimal lengths, ziplist 5-byte prevlens, ...).
//!
//! Each file is written with `rdb_parser::write` while the expected decoded value of every
//! key is recorded independently; the parser must give exactly those values, whole, one
//! byte at a time and split at random points, and its raw view must give back exactly the
//! bytes written. The files are also committed under `tests/fixtures/handbuilt/` (see the
//! README there); set `RDB_HANDBUILT_REGEN=1` to rewrite them.
#![allow(clippy::unwrap_used)]

mod handbuilt_support;

use handbuilt_support::fixtures::*;
use handbuilt_support::*;
use rdb_parser::{ErrorKind, Parser};

fn parser() -> Parser {
    Parser::builder().build()
}

#[test]
fn parser_gives_exactly_the_written_values() {
    for (name, fx) in all() {
        let (file, exp, _) = fx.finish();
        let out =
            run(&file, &parser, || usize::MAX, false).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        for (k, want) in &exp.keys {
            assert_eq!(out.model.keys.get(k), Some(want), "{name}: key {k:?}");
        }
        assert_eq!(out.model, exp, "{name}");
        assert_eq!(out.trailing, 0, "{name}");
        assert_eq!(out.problems, Vec::<String>::new(), "{name}");
    }
}

#[test]
fn whole_bytewise_and_random_splits_agree() {
    for (name, fx) in all() {
        let (file, exp, _) = fx.finish();
        let out = chunking_invariant(&file, &parser, 6);
        assert_eq!(out.model, exp, "{name}");
        assert!(out.problems.is_empty() && out.trailing == 0, "{name}");
    }
}

#[test]
fn small_batches_give_the_same_values() {
    let tiny = || Parser::builder().batch_size(1).string_chunk(7).build();
    for (name, fx) in all() {
        let (file, exp, _) = fx.finish();
        let out = run(&file, &tiny, || 13, false).unwrap();
        assert_eq!(out.model, exp, "{name}");
    }
}

#[test]
fn raw_view_returns_the_written_bodies() {
    for (name, fx) in all() {
        let (file, _, bodies) = fx.finish();
        let whole = run(&file, &parser, || usize::MAX, true).unwrap();
        assert_eq!(whole.raw, bodies, "{name}");
        let split = run(&file, &parser, || 5, true).unwrap();
        assert_eq!(split.raw, bodies, "{name} (split)");
    }
}

#[test]
fn checksum_zero_disables_and_wrong_checksum_fails() {
    let (good, _, _) = rdb12().finish();
    let crc = u64::from_le_bytes(good[good.len() - 8..].try_into().unwrap());
    assert_eq!(crc, rdb_parser::crc64(&good[..good.len() - 8]));

    let mut zero = good.clone();
    let n = zero.len();
    zero[n - 8..].fill(0);
    let out = run(&zero, &parser, || usize::MAX, false).unwrap();
    assert!(!out.model.checksum_verified);

    let mut bad = good.clone();
    bad[n - 1] ^= 0x40;
    let err = run(&bad, &parser, || usize::MAX, false).unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::ChecksumMismatch { .. }),
        "{err:?}"
    );
    let lenient = || Parser::builder().verify_checksum(false).build();
    assert!(run(&bad, &lenient, || usize::MAX, false).is_ok());
}

#[test]
fn truncations_and_corruptions_error_without_panicking() {
    for (name, fx) in all() {
        let (file, _, _) = fx.finish();
        // every proper prefix must fail (stride keeps the test fast on the larger files)
        let stride = (file.len() / 700).max(1);
        for cut in (0..file.len()).step_by(stride) {
            assert!(
                run(&file[..cut], &parser, || usize::MAX, false).is_err(),
                "{name}: prefix {cut} parsed"
            );
        }
        let mut rng = Rng(0xDEAD_BEEF ^ file.len() as u64);
        for _ in 0..300 {
            let mut f = file.clone();
            for _ in 0..1 + rng.below(3) {
                let i = rng.below(f.len() as u64) as usize;
                f[i] = rng.next() as u8;
            }
            // Any outcome but a panic or a hang is acceptable; with the checksum on, a
            // changed byte of a version >= 5 file must be reported.
            let r = run(&f, &parser, || 1 + rng.below(50) as usize, false);
            if f != file && name != "redis-2.4-rdb2.rdb" {
                // an early EOF leaves trailing bytes, which a caller sees too
                assert!(
                    r.as_ref().map_or(true, |o| o.trailing > 0),
                    "{name}: corruption went unnoticed"
                );
            }
        }
    }
}

#[test]
fn committed_fixtures_match_the_generator() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/handbuilt");
    let regen = std::env::var_os("RDB_HANDBUILT_REGEN").is_some();
    for (name, fx) in all() {
        let (file, _, _) = fx.finish();
        let path = dir.join(name);
        if regen {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &file).unwrap();
        }
        let committed = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with RDB_HANDBUILT_REGEN=1)", path.display()));
        assert!(committed == file, "{name} differs from the generator");
    }
}
