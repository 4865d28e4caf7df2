//! Generates (once) and prints the paths of the bench dumps: a strings-heavy one (2M small
//! strings, ~170 MB), a collections-heavy one and one holding a single 5M-element list,
//! written by a real Redis 7.0 and cached in `~/.cache/redis-migrate/bench/`
//! (`REDIS_MIGRATE_BENCH_DIR` overrides). Used by `scripts/compare-rdb.sh`; the criterion
//! bench `benches/rdb_parse.rs` shares the generator.
//!
//! ```sh
//! cargo run --release --example gen-bench-rdb            # all three
//! cargo run --release --example gen-bench-rdb -- strings  # one of strings|collections|biglist
//! ```
#![allow(clippy::unwrap_used)]

#[path = "../benches/gen/mod.rs"]
mod gen;

fn main() {
    let want: Vec<String> = std::env::args().skip(1).collect();
    for d in gen::Dataset::ALL {
        if want.is_empty() || want.iter().any(|w| w == d.name()) {
            let p = gen::ensure(d);
            println!("{} {}", d.name(), p.display());
        }
    }
}
