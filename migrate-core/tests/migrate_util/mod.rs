//! Shared helpers of the migration tests: runtime, a concurrent writer, waiting until the
//! target applied everything the source wrote, and verification.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use migrate_core::migrator::{MigrationHandle, MigratorBuilder};
use migrate_core::verify::{Report, Verifier, VerifierBuilder};
use migrate_core::Migrator;
use test_support::{Conn, RedisServer, Reply, Version};

/// The default heartbeat key (present on the source, never on the target).
pub const HB: &[u8] = b"redis-migrate:heartbeat";

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A builder for `src` -> `tgt` with a fast heartbeat and status.
pub fn builder(src: &RedisServer, tgt: &RedisServer) -> MigratorBuilder {
    Migrator::builder()
        .source(src.url())
        .target(tgt.url())
        .heartbeat(Some((
            String::from_utf8_lossy(HB).into_owned(),
            Duration::from_millis(200),
        )))
        .status_interval(Duration::from_millis(100))
}

/// A writer thread modifying the source until stopped: sets, incrs, list pushes, deletes,
/// expires, MULTI/EXEC, EVAL (and FLUSHDB of db 1 once, when `flush_db1`). Returns the
/// number of commands written.
pub struct Writer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<u64>>,
}

impl Writer {
    pub fn start(src: &RedisServer, version: Version, flush_db1: bool) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let addr = src.addr();
        let thread = std::thread::spawn(move || {
            let mut c = Conn::connect(&addr).unwrap();
            let mut n = 0u64;
            let mut i = 0u64;
            let mut flushed = false;
            while !s.load(Ordering::Relaxed) {
                let db = ["0", "1", "15"][(i % 3) as usize];
                ok(&mut c, &["SELECT", db]);
                let k = format!("w:{}", i % 97);
                ok(&mut c, &["SET", &k, &format!("v{i}")]);
                ok(&mut c, &["INCR", &format!("w:ctr:{}", i % 7)]);
                ok(
                    &mut c,
                    &["RPUSH", &format!("w:list:{}", i % 5), &i.to_string()],
                );
                if i % 4 == 0 {
                    ok(&mut c, &["DEL", &format!("w:{}", (i / 4) % 97)]);
                }
                if i % 5 == 0 {
                    ok(&mut c, &["EXPIRE", &k, "3600"]);
                }
                if i % 6 == 0 {
                    ok(&mut c, &["MULTI"]);
                    c.cmd(&["INCRBY", "w:tx", "2"]).unwrap();
                    c.cmd(&["LPUSH", "w:txlist", &i.to_string()]).unwrap();
                    ok(&mut c, &["EXEC"]);
                }
                if i % 10 == 0 {
                    ok(
                        &mut c,
                        &[
                            "EVAL",
                            "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])",
                            "2",
                            "w:eval",
                            "w:evalctr",
                            &i.to_string(),
                        ],
                    );
                }
                if i % 50 == 0 && version >= Version::V5_0 {
                    ok(
                        &mut c,
                        &["HSET", "w:hash", &format!("f{}", i % 13), &i.to_string()],
                    );
                }
                if flush_db1 && !flushed && i == 300 {
                    ok(&mut c, &["SELECT", "1"]);
                    ok(&mut c, &["FLUSHDB"]);
                    flushed = true;
                }
                n += 8;
                i += 1;
                if i % 50 == 0 {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
            n
        });
        Writer {
            stop,
            thread: Some(thread),
        }
    }

    pub fn stop(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap()
    }
}

pub fn ok(c: &mut Conn, args: &[&str]) -> Reply {
    let r = c.cmd(args).unwrap();
    if let Reply::Error(e) = &r {
        panic!("{args:?}: {e}");
    }
    r
}

/// The source's `master_repl_offset`.
pub fn source_offset(src: &RedisServer) -> u64 {
    src.connect()
        .info_field("replication", "master_repl_offset")
        .unwrap()
        .parse()
        .unwrap()
}

/// Waits until the migration applied everything the source had written when called.
pub async fn wait_applied(h: &MigrationHandle, src: &RedisServer) {
    let want = source_offset(src);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = h.status();
        if s.applied_offset.is_some_and(|a| a >= want) {
            return;
        }
        assert!(
            !matches!(
                s.phase,
                migrate_core::Phase::Failed | migrate_core::Phase::Done
            ),
            "migration ended: {s:?}"
        );
        assert!(Instant::now() < deadline, "not applied up to {want}: {s:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A verifier of `src` vs `tgt` ignoring the heartbeat key.
pub fn verifier(src: &RedisServer, tgt: &RedisServer) -> VerifierBuilder {
    Verifier::builder()
        .source(src.url())
        .target(tgt.url())
        .rounds(1)
        .ttl_tolerance(Duration::from_secs(2))
        .key_filter(|k| k != HB)
}

pub async fn verify(v: VerifierBuilder) -> Report {
    v.build().unwrap().run().await.unwrap()
}

pub async fn assert_equal(src: &RedisServer, tgt: &RedisServer) {
    let r = verify(verifier(src, tgt)).await;
    assert!(r.is_equal(), "{r}");
}

/// INFO stats field of a server as an integer.
pub fn stat(s: &RedisServer, field: &str) -> u64 {
    s.connect()
        .info_field("stats", field)
        .unwrap_or_default()
        .parse()
        .unwrap_or(0)
}
