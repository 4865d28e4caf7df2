//! The `migrate` command-line tool (examples/migrate.rs), built by cargo for this test and
//! run against real servers: flags and `--config`, precheck exit codes, `--status-json`,
//! full mode, sync mode stopped by SIGTERM with a checkpoint, bad input.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use test_support::{RedisServer, Reply, Version};

/// Builds the example once (same profile as the test) and returns its path.
fn migrate_bin() -> PathBuf {
    let profile_dir = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--quiet", "--example", "migrate"]);
    if release {
        cmd.arg("--release");
    }
    let st = cmd.status().unwrap();
    assert!(st.success(), "cargo build --example migrate failed");
    profile_dir.join("examples/migrate")
}

fn keys(s: &RedisServer, db: u32) -> i64 {
    let mut c = s.connect();
    c.ok(&["SELECT", &db.to_string()]);
    c.ok(&["DBSIZE"]).as_int().unwrap()
}

#[test]
fn cli_end_to_end() {
    let bin = migrate_bin();
    let src = RedisServer::start(Version::V7_0);
    let dst = RedisServer::start(Version::V7_0);
    let mut s = src.connect();
    for i in 0..500 {
        s.ok(&["SET", &format!("k{i}"), "v"]);
    }
    s.ok(&["SELECT", "2"]);
    s.ok(&["RPUSH", "list", "a", "b", "c"]);
    s.ok(&["SET", "cache:x", "1"]);

    // --help documents every setting.
    let out = Command::new(&bin).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for name in migrate_core::config::SETTINGS {
        assert!(help.contains(&format!("--{name}")), "--help lacks --{name}");
    }

    // Bad flags and invalid settings: exit 2 with the setting named.
    let out = Command::new(&bin).args(["--nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(&bin)
        .args([
            "--source",
            &src.url(),
            "--target",
            &dst.url(),
            "--db-map",
            "x=1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("db-map"));

    // A non-empty target under conflict = error: precheck blocks, exit 1, nothing written.
    dst.connect().ok(&["SET", "k0", "theirs"]);
    let out = Command::new(&bin)
        .args([
            "--source",
            &src.url(),
            "--target",
            &dst.url(),
            "--mode",
            "full",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("BLOCKING"));
    assert_eq!(keys(&dst, 0), 1);
    // --precheck-only --status-json: the report as JSON on stdout.
    let out = Command::new(&bin)
        .args([
            "--source",
            &src.url(),
            "--target",
            &dst.url(),
            "--precheck-only",
            "--status-json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["blocked"], true);

    // --config file + flag override: full mode, db 2 mapped to 5, cache: excluded.
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("m.toml");
    std::fs::write(
        &conf,
        format!(
            "source = \"{}\"\ntarget = \"{}\"\nmode = \"sync\"\ndb = [0, 2]\nconflict = \"overwrite\"\ndb-map = [\"2=5\"]\nkey-exclude-prefix = [\"cache:\"]\n",
            src.url(),
            dst.url()
        ),
    )
    .unwrap();
    let out = Command::new(&bin)
        .args([
            "--config",
            conf.to_str().unwrap(),
            "--mode",
            "full",
            "--status-json",
            "--verify",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = String::from_utf8(out.stdout).unwrap();
    let last: serde_json::Value = serde_json::from_str(last.lines().last().unwrap()).unwrap();
    assert_eq!(last["phase"], "done");
    assert_eq!(last["keys_written"], 501);
    assert_eq!(keys(&dst, 0), 500);
    assert_eq!(keys(&dst, 5), 1);
    assert_eq!(keys(&dst, 2), 0);
    assert_eq!(
        dst.connect().ok(&["GET", "k0"]),
        Reply::Bulk(Some(b"v".to_vec()))
    );

    // Sync mode: status JSON every second, caught up, SIGTERM -> exit 0 with a checkpoint.
    let dst2 = RedisServer::start(Version::V7_0);
    let cp = dir.path().join("checkpoint");
    let mut child = Command::new(&bin)
        .args([
            "--source",
            &src.url(),
            "--target",
            &dst2.url(),
            "--status-json",
            "--checkpoint-file",
            cp.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let t0 = Instant::now();
    let mut wrote = false;
    loop {
        let line = lines.next().unwrap().unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_ne!(v["phase"], "failed", "{line}");
        if v["phase"] == "incremental" && !wrote {
            s.ok(&["SELECT", "0"]);
            s.ok(&["SET", "live", "1"]);
            wrote = true;
        }
        if wrote && v["caught_up"] == true && keys(&dst2, 0) == 501 {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "not caught up: {line}"
        );
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    for l in lines.by_ref() {
        l.unwrap();
    }
    let st = child.wait().unwrap();
    assert_eq!(st.code(), Some(0));
    let saved = std::fs::read_to_string(&cp).unwrap();
    assert!(saved.split_whitespace().count() >= 2, "{saved}");

    // Started again with the same checkpoint: the precheck accepts the (now non-empty)
    // target as this migration's own, and the stream continues without a full sync.
    s.ok(&["SET", "after-restart", "1"]);
    let mut child = Command::new(&bin)
        .args([
            "--source",
            &src.url(),
            "--target",
            &dst2.url(),
            "--status-json",
            "--checkpoint-file",
            cp.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let t0 = Instant::now();
    loop {
        let line = lines.next().unwrap().unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_ne!(v["phase"], "failed", "{line}");
        assert_eq!(v["full_syncs"], 0, "resumed run did a full sync: {line}");
        if v["caught_up"] == true && keys(&dst2, 0) == 502 {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "not caught up: {line}"
        );
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    for l in lines.by_ref() {
        l.unwrap();
    }
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
