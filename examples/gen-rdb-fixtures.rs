//! Generates the real-server RDB fixtures in `rdb-parser/tests/fixtures/servers/`.
//!
//! ```sh
//! cargo run --example gen-rdb-fixtures -- rdb-parser/tests/fixtures/servers
//! ```
//!
//! For each Redis version the test suites use (3.2, 5.0, 6.2, 7.0; plus LFU and LRU variants
//! of 7.0) it starts a real `redis-server` through `test-support`, writes a dataset that
//! exercises every type and encoding that version writes, runs `SAVE`, copies `dump.rdb` to
//! `OUT_DIR/redis-<ver>[-variant].rdb`, and then asks the server for every key (`SCAN`,
//! `TYPE`, `PEXPIRETIME`/`PTTL`, `GET`/`LRANGE`/`SMEMBERS`/`ZRANGE WITHSCORES`/`HGETALL`,
//! `XINFO STREAM FULL` or `XRANGE`+`XINFO`+`XPENDING` on 5.0, `OBJECT FREQ`/`IDLETIME`),
//! writing the answers to `OUT_DIR/redis-<ver>[-variant].expected.jsonl` in the `rdb-dump`
//! JSON-lines format (lines sorted by db, then key bytes).
//!
//! Servers with `test_support::Version::find_binary() == None` are an error: install them
//! with `bash scripts/install-test-servers.sh`.
#![allow(clippy::unwrap_used)] // a developer tool: a failed command aborts with its message.

mod gen_fixtures {
    pub mod dataset;
    pub mod record;
}

use std::path::PathBuf;

use gen_fixtures::{dataset, record};
use test_support::{RedisServer, Version};

/// One fixture file to produce.
struct Run {
    version: Version,
    variant: Option<&'static str>,
}

fn main() {
    let out: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("rdb-parser/tests/fixtures/servers"));
    std::fs::create_dir_all(&out).unwrap();
    let mut runs: Vec<Run> = Version::ALL
        .iter()
        .map(|&v| Run {
            version: v,
            variant: None,
        })
        .collect();
    runs.push(Run {
        version: Version::V7_0,
        variant: Some("lfu"),
    });
    runs.push(Run {
        version: Version::V7_0,
        variant: Some("lru"),
    });
    for run in runs {
        let name = match run.variant {
            Some(v) => format!("redis-{}-{v}", run.version.series()),
            None => format!("redis-{}", run.version.series()),
        };
        eprintln!("== {name}");
        let mut b = RedisServer::builder(run.version).arg("list-compress-depth", "1");
        if run.version >= Version::V7_0 {
            b = b.arg("enable-debug-command", "yes");
        }
        match run.variant {
            Some("lfu") => {
                b = b
                    .arg("maxmemory-policy", "allkeys-lfu")
                    .arg("lfu-decay-time", "0")
            }
            Some("lru") => b = b.arg("maxmemory-policy", "allkeys-lru"),
            _ => {}
        }
        let server = b.start();
        let mut conn = server.connect();
        dataset::write(&mut conn, run.version, run.variant);
        let r = conn.ok(&["SAVE"]);
        assert!(r.is_ok_status("OK"), "SAVE: {r:?}");
        let rdb = server.dir().join("dump.rdb");
        std::fs::copy(&rdb, out.join(format!("{name}.rdb"))).unwrap();
        let lines = record::record(&mut conn, run.version, run.variant);
        std::fs::write(out.join(format!("{name}.expected.jsonl")), lines).unwrap();
        let size = std::fs::metadata(out.join(format!("{name}.rdb")))
            .unwrap()
            .len();
        eprintln!("   {name}.rdb: {size} bytes");
    }
}
