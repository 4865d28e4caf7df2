//! Arbitrary bytes through resp-codec's decoder (4 configurations picked by the first byte):
//! no panic, no unbounded allocation (small limits), exact byte accounting, decoded frames
//! re-encode to an equal frame, a failed decoder stays failed.
//! The checks live in resp-codec/tests/common/fuzz_checks.rs and replay the committed
//! seeds under `cargo test` (resp-codec/tests/fuzz_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../resp-codec/tests/common/fuzz_checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check_decode(data));
