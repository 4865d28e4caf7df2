//! Replays the committed fuzz seeds (`fuzz/corpus/<target>/seed-*`) through the fuzz
//! targets' checks, and runs the same checks on arbitrary and mutated inputs with proptest,
//! so the fuzz invariants hold under plain `cargo test`.
//!
//! Seeds: `seed-NNN` are hand-written (the vectors of `tests/vectors.rs` and friends, with
//! the first byte(s) choosing the decoder configuration / piece sizes, see
//! `common/fuzz_checks.rs`); `seed-fz-NNN` are inputs libFuzzer found covering new paths in
//! 5-minute runs of each target (about 2 million executions each, no failure).
#![allow(clippy::unwrap_used)]

mod common;

use common::fuzz_checks::{check_chunked, check_decode};
use proptest::prelude::*;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
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
fn resp_decode_seeds() {
    for s in seeds("resp_decode") {
        check_decode(&s);
    }
}

#[test]
fn resp_chunked_seeds() {
    for s in seeds("resp_chunked") {
        check_chunked(&s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        check_decode(&data);
        check_chunked(&data);
    }

    /// Seeds with a few bytes overwritten, inserted or removed: mostly-valid RESP that
    /// breaks in interesting places.
    #[test]
    fn mutated_seeds(pick in any::<usize>(), edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..6)) {
        let all = seeds("resp_decode");
        let mut s = all[pick % all.len()].clone();
        for (at, byte, op) in edits {
            let i = at % (s.len() + 1);
            match op {
                0 if i < s.len() => s[i] = byte,
                1 => s.insert(i, byte),
                _ if i < s.len() && i > 0 => { s.remove(i); }
                _ => {}
            }
        }
        check_decode(&s);
        let mut c = vec![s.first().copied().unwrap_or(0), (pick >> 8) as u8, pick as u8];
        c.extend_from_slice(s.get(1..).unwrap_or(&[]));
        check_chunked(&c);
    }
}
