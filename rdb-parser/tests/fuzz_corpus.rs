//! Replays the committed fuzz seeds (`fuzz/corpus/rdb_chunked`, `fuzz/corpus/rdb_dump_payload`)
//! through the fuzz targets' checks, and runs the same checks on generated and mutated
//! inputs with proptest, so the fuzz invariants hold under plain `cargo test`.
//!
//! `RDB_WRITE_SEEDS=1 cargo test -p rdb-parser --test fuzz_corpus` regenerates the seeds
//! from the hand-built vector corpus.
#![allow(clippy::unwrap_used)]

mod common;

use common::corpus;
use common::fuzz_checks::{check_chunked, check_dump_payload};
use proptest::prelude::*;
use rdb_parser::{Parser, View};

fn seed_dir(target: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

/// Seeds derived from the vector corpus: every file with a few control prefixes; every
/// value (type byte + body, as the Raw view delivers it) with a version byte.
fn generated() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut chunked = Vec::new();
    let mut payloads = Vec::new();
    let files: Vec<Vec<u8>> = corpus::good()
        .into_iter()
        .map(|g| g.1)
        .chain(corpus::bad().into_iter().map(|b| b.1))
        .filter(|f| f.len() < 20_000)
        .collect();
    for (i, f) in files.iter().enumerate() {
        for ctl in [[0u8, 3], [1, 40], [2, 7], [7, 200], [9, 1]] {
            let mut s = vec![ctl[0], ctl[1].wrapping_add(i as u8)];
            s.extend_from_slice(f);
            chunked.push(s);
        }
        let m = common::model_of(
            f,
            Parser::builder()
                .view(View::Raw { max_len: 1 << 20 })
                .build(),
        );
        if let Ok(m) = m {
            let vbyte = match m.version {
                6 => 0u8,
                7 => 1,
                9 => 2,
                10 => 3,
                11 => 4,
                12 => 5,
                80 => 6,
                _ => 2,
            };
            for k in m.keys.values() {
                if let common::Val::Raw { rdb_type, body } = &k.val {
                    let mut s = vec![vbyte, *rdb_type];
                    s.extend_from_slice(body);
                    payloads.push(s);
                }
            }
        }
    }
    (chunked, payloads)
}

fn committed(target: &str) -> Vec<Vec<u8>> {
    let dir = seed_dir(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with("seed-"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(
        out.len() >= 20,
        "{}: only {} seeds",
        dir.display(),
        out.len()
    );
    out.into_iter().map(|(_, d)| d).collect()
}

#[test]
fn write_seeds_when_asked() {
    if std::env::var_os("RDB_WRITE_SEEDS").is_none() {
        return;
    }
    let (chunked, payloads) = generated();
    for (target, seeds) in [("rdb_chunked", chunked), ("rdb_dump_payload", payloads)] {
        let dir = seed_dir(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, s) in seeds.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i:03}")), s).unwrap();
        }
    }
}

#[test]
fn rdb_chunked_seeds() {
    for s in committed("rdb_chunked") {
        check_chunked(&s);
    }
}

#[test]
fn rdb_dump_payload_seeds() {
    for s in committed("rdb_dump_payload") {
        check_dump_payload(&s);
    }
}

#[test]
fn generated_seeds_hold_the_invariants() {
    let (chunked, payloads) = generated();
    for s in &chunked {
        check_chunked(s);
    }
    for s in &payloads {
        check_dump_payload(s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random split points over every good vector: identical events.
    #[test]
    fn random_splits(idx in 0usize..9, ctl in any::<[u8; 2]>()) {
        let (_, f) = corpus::good().swap_remove(idx);
        if f.len() < 50_000 {
            let mut s = ctl.to_vec();
            s.extend_from_slice(&f);
            check_chunked(&s);
        }
    }

    /// Arbitrary bytes after a valid header.
    #[test]
    fn arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_chunked(&data);
        check_dump_payload(&data);
    }

    /// Mutated vectors (a few bytes replaced, inserted or removed).
    #[test]
    fn mutated_vectors(idx in 0usize..9, edits in proptest::collection::vec((any::<u16>(), any::<u8>(), 0u8..3), 1..6), ctl in any::<[u8; 2]>()) {
        let (_, mut f) = corpus::good().swap_remove(idx);
        if f.len() < 50_000 {
            for (pos, byte, op) in edits {
                let i = usize::from(pos) % f.len().max(1);
                match op {
                    0 => f[i] = byte,
                    1 => f.insert(i, byte),
                    _ => { f.remove(i); }
                }
                if f.is_empty() { break; }
            }
            let mut s = ctl.to_vec();
            s.extend_from_slice(&f);
            check_chunked(&s);
        }
    }
}
