//! resp-codec decoding arbitrary bytes in pieces (sizes drawn from the first bytes) gives
//! the same frames, wire lengths and error kind as decoding them whole.
//! The checks live in resp-codec/tests/common/fuzz_checks.rs and replay the committed
//! seeds under `cargo test` (resp-codec/tests/fuzz_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../resp-codec/tests/common/fuzz_checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check_chunked(data));
