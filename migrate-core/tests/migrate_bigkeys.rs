//! The big keys, online: a 2M-element list and a 200 MB string (plus the usual
//! concurrent writer and writes to the big keys themselves while the full phase runs),
//! migrated 7.0 -> 7.0 in sync mode, proved equal, and in memory that does not hold the
//! 200 MB value: this test binary has only this test, so its peak RSS is the migrator's
//! (and the verifier's, which compares big values in chunks).
#![allow(clippy::unwrap_used)]

mod migrate_util;

use std::time::Duration;

use migrate_core::Phase;
use migrate_util::*;
use test_support::{Conn, RedisServer, Version};

const LIST_LEN: usize = 2_000_000;
const STRING_MB: usize = 200;

/// Peak resident memory of this process, in MiB (`VmHWM`).
fn peak_rss_mib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = s
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024
}

/// A 2M-element list and a 200 MB string (1 MiB `APPEND`s: compressible text, so the
/// snapshot carries it LZF-compressed), without holding either whole here.
fn fill(c: &mut Conn) {
    for chunk in 0..LIST_LEN / 10_000 {
        let mut cmds: Vec<Vec<String>> = Vec::new();
        for part in 0..10 {
            let mut cmd = vec!["RPUSH".to_owned(), "big:list".to_owned()];
            let base = chunk * 10_000 + part * 1000;
            cmd.extend((base..base + 1000).map(|i| format!("e{i}")));
            cmds.push(cmd);
        }
        c.pipeline(&cmds).unwrap();
    }
    for mb in 0..STRING_MB {
        let piece: String = (0..(1 << 20) / 16)
            .map(|i| format!("{mb:05}-{i:09}|"))
            .collect();
        c.ok(&["APPEND", "big:string", &piece]);
    }
    c.ok(&["PEXPIRE", "big:string", "3600000"]);
    c.ok(&["SET", "small", "1"]);
}

#[test]
fn sync_with_a_2m_element_list_and_a_200mb_string() {
    let src = RedisServer::builder(Version::V7_0)
        // The full phase takes a while: the stream written meanwhile must fit.
        .arg("repl-backlog-size", "256mb")
        .arg("client-output-buffer-limit", "replica 0 0 0")
        .start();
    let tgt = RedisServer::start(Version::V7_0);
    fill(&mut src.connect());
    assert_eq!(
        src.connect().ok(&["STRLEN", "big:string"]).as_int(),
        Some((STRING_MB << 20) as i64)
    );
    let rss_before = peak_rss_mib();
    let rt = rt();
    rt.block_on(async {
        let writer = Writer::start(&src, Version::V7_0, true);
        let h = builder(&src, &tgt).build().unwrap().run();
        // Writes to the big keys while the snapshot is being copied: they reach the
        // target through the stream, after the keys themselves.
        h.wait_for(|s| s.phase == Phase::FullSync).await.unwrap();
        let mut c = src.connect();
        c.ok(&["RPUSH", "big:list", "pushed-during-full-sync"]);
        c.ok(&["LPUSH", "big:list", "head-during-full-sync"]);
        c.ok(&["APPEND", "big:string", "|appended-during-full-sync"]);
        h.wait_for(|s| s.phase == Phase::Incremental).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        writer.stop();
        wait_applied(&h, &src).await;
        let sum = h.stop().await.unwrap();
        assert_eq!(sum.status.full_syncs, 1, "{:?}", sum.status);
        // The string is far above the raw-payload cap (16 MiB): it streams as `SET` +
        // `APPEND`s. (The list's quicklist is smaller than the cap: one `RESTORE`.)
        assert!(
            sum.status.keys_as_commands >= 1,
            "the 200 MB string should stream as commands: {:?}",
            sum.status
        );
        assert_equal(&src, &tgt).await;
    });
    let mut t = tgt.connect();
    assert_eq!(
        t.ok(&["LLEN", "big:list"]).as_int(),
        Some(LIST_LEN as i64 + 2)
    );
    assert_eq!(
        t.ok(&["LINDEX", "big:list", "0"]).as_string().unwrap(),
        "head-during-full-sync"
    );
    assert_eq!(
        t.ok(&["LINDEX", "big:list", "-1"]).as_string().unwrap(),
        "pushed-during-full-sync"
    );
    assert_eq!(
        t.ok(&["STRLEN", "big:string"]).as_int(),
        Some((STRING_MB << 20) as i64 + 26)
    );
    let ttl = t.ok(&["PTTL", "big:string"]).as_int().unwrap();
    assert!(ttl > 3_000_000 && ttl <= 3_600_000, "{ttl}");
    let peak = peak_rss_mib();
    eprintln!("peak RSS of the test process: {peak} MiB (before the migration {rss_before} MiB)");
    assert!(
        peak < 150,
        "peak RSS {peak} MiB (before the migration: {rss_before} MiB): a big value was held whole"
    );
}
