//! rdb-parser fed arbitrary bytes whole and in random pieces (sizes, view policy and batch
//! options drawn from the first two bytes) gives identical events and the same error, and
//! never panics or spins. The checks live in rdb-parser/tests/common/fuzz_checks.rs and
//! replay the committed seeds under `cargo test` (rdb-parser/tests/fuzz_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../rdb-parser/tests/common/fuzz_checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check_chunked(data));
