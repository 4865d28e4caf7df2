//! DUMP payloads: arbitrary bytes never panic in `verify_dump_payload`/parsing, and a payload
//! framed around arbitrary value bytes verifies and parses identically whole and byte by
//! byte. Checks: rdb-parser/tests/common/fuzz_checks.rs (replayed by cargo test).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../rdb-parser/tests/common/fuzz_checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check_dump_payload(data));
