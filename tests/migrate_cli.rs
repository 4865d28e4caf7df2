//! The `migrate` command-line tool (examples/migrate/), built by cargo for this test and
//! run against real servers: flags and `--config`, precheck exit codes, `--status-json`,
//! full mode, sync mode stopped by SIGTERM with a checkpoint, bad input; a run SIGKILLed
//! mid-stream that resumes exactly from its checkpoint key.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
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
    // Cargo's per-package variables of this test process would leak into the build
    // (build scripts such as ring's track CARGO_MANIFEST_DIR) and make every run rebuild
    // the dependency tree (~1 min), alternating with the outer `cargo test`.
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("CARGO_PKG_")
            || matches!(
                &*k,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_CRATE_NAME"
            )
        {
            cmd.env_remove(&*k);
        }
    }
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
    let out = Command::new(&bin)
        .args(["--source", &src.url(), "--status-interval-ms", "5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("status-interval-ms"));

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
    let args: Vec<String> = [
        "--source",
        &src.url(),
        "--target",
        &dst2.url(),
        "--status-json",
        "--checkpoint-file",
        cp.to_str().unwrap(),
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let m = MigrateProc::spawn(&bin, &args, dir.path().join("sync.err"));
    m.wait_status(
        "incremental",
        Duration::from_secs(60),
        |_, _| {},
        |v| v["phase"] == "incremental",
    );
    s.ok(&["SELECT", "0"]);
    s.ok(&["SET", "live", "1"]);
    m.wait_status(
        "caught up with the live write",
        Duration::from_secs(60),
        |_, _| {},
        |v| v["caught_up"] == true && keys(&dst2, 0) == 501,
    );
    assert_eq!(m.terminate().0, Some(0));
    let saved = std::fs::read_to_string(&cp).unwrap();
    assert!(saved.split_whitespace().count() >= 2, "{saved}");

    // Started again with the same checkpoint: the precheck accepts the (now non-empty)
    // target as this migration's own, and the stream continues without a full sync.
    s.ok(&["SET", "after-restart", "1"]);
    let m = MigrateProc::spawn(&bin, &args, dir.path().join("resume.err"));
    m.wait_status(
        "resumed and caught up",
        Duration::from_secs(60),
        |v, line| assert_eq!(v["full_syncs"], 0, "resumed run did a full sync: {line}"),
        |v| v["caught_up"] == true && keys(&dst2, 0) == 502,
    );
    assert_eq!(m.terminate().0, Some(0));
}

/// The checkpoint key of the kill test (on the target).
const KILL_CKPT_KEY: &str = "redis-migrate:checkpoint";

/// A running `migrate` process: its status JSON lines arrive on a channel (read by a
/// thread, so every wait has a timeout); killed on drop so a failing test leaves no
/// process behind.
struct MigrateProc {
    child: std::process::Child,
    rx: mpsc::Receiver<String>,
    reader: Option<std::thread::JoinHandle<()>>,
    stderr: PathBuf,
}

impl MigrateProc {
    fn spawn(bin: &PathBuf, args: &[String], stderr: PathBuf) -> MigrateProc {
        let mut child = Command::new(bin)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        MigrateProc {
            child,
            rx,
            reader: Some(reader),
            stderr,
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Reads status lines until `done` accepts one (checking each with `check`); panics
    /// with `what`, the last line and the process's stderr after `timeout`.
    fn wait_status(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&serde_json::Value, &str),
        mut done: impl FnMut(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + timeout;
        let mut last = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match self.rx.recv_timeout(left) {
                Ok(l) => l,
                Err(e) => panic!(
                    "{what}: no such status within {timeout:?} ({e}); last: {last}\nstderr:\n{}",
                    self.stderr()
                ),
            };
            let v: serde_json::Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("{what}: status line is not JSON ({e}): {line}"));
            assert_ne!(
                v["phase"],
                "failed",
                "{what}: {line}\nstderr:\n{}",
                self.stderr()
            );
            check(&v, &line);
            if done(&v) {
                return v;
            }
            last = line;
        }
    }

    /// SIGTERM, then the remaining lines; returns the exit code and the last line.
    fn terminate(mut self) -> (Option<i32>, Option<String>) {
        let pid = self.child.id().to_string();
        let st = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(st.success(), "kill -TERM {pid}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut last = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(l) => last = Some(l),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("no exit within 20 s of SIGTERM\nstderr:\n{}", self.stderr())
                }
            }
        }
        let code = self.child.wait().expect("wait for migrate").code();
        if let Some(r) = self.reader.take() {
            r.join().expect("stdout reader thread");
        }
        (code, last)
    }
}

impl Drop for MigrateProc {
    fn drop(&mut self) {
        // Nothing left to do after `terminate` or an explicit kill + wait (both reaped).
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn sync_stat(s: &RedisServer, field: &str) -> u64 {
    let v = s
        .connect()
        .info_field("stats", field)
        .unwrap_or_else(|| panic!("INFO stats lacks {field}"));
    v.parse()
        .unwrap_or_else(|e| panic!("INFO stats {field} = {v:?}: {e}"))
}

fn get_db(s: &RedisServer, db: &str, key: &str) -> Option<String> {
    let mut c = s.connect();
    c.ok(&["SELECT", db]);
    c.ok(&["GET", key]).as_string()
}

fn llen_db(s: &RedisServer, db: &str, key: &str) -> i64 {
    let mut c = s.connect();
    c.ok(&["SELECT", db]);
    c.ok(&["LLEN", key])
        .as_int()
        .unwrap_or_else(|| panic!("LLEN {key} is not an integer"))
}

/// The `migrate` process SIGKILLed mid-stream (no drain, no graceful checkpoint) and
/// started again with the same `--checkpoint-key` resumes with `PSYNC` `+CONTINUE` (no
/// second full sync) and the data stays exact under non-idempotent writes (INCR, RPUSH,
/// MULTI/EXEC): the checkpoint key travels in the same MULTI/EXEC as the commands.
#[test]
fn cli_sigkill_during_incremental_resumes_with_continue() {
    let bin = migrate_bin();
    // The backlog must hold what the writer adds between the kill and the resume
    // (~1 s + the restart); the default 1 MB would rightly force a full sync.
    let src = RedisServer::builder(Version::V7_0)
        .arg("repl-backlog-size", "64mb")
        .start();
    let dst = RedisServer::start(Version::V7_0);
    {
        let mut s = src.connect();
        for i in 0..300 {
            s.ok(&["SET", &format!("init:{i}"), &format!("v{i}")]);
        }
        s.ok(&["SELECT", "3"]);
        for i in 0..50 {
            s.ok(&["RPUSH", "init:list", &i.to_string()]);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<String> = [
        "--source",
        &src.url(),
        "--target",
        &dst.url(),
        "--status-json",
        "--checkpoint-key",
        KILL_CKPT_KEY,
        "--heartbeat-interval-ms",
        "200",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();

    let stop = Arc::new(AtomicBool::new(false));
    let writer = test_support::counting_writer(src.addr(), stop.clone());

    // First run: into the incremental phase, commands applied, a checkpoint on the target.
    let mut first = MigrateProc::spawn(&bin, &args, dir.path().join("run1.stderr"));
    first.wait_status(
        "first run: incremental with commands applied",
        Duration::from_secs(30),
        |_, _| {},
        |v| v["phase"] == "incremental" && v["commands_applied"].as_u64().unwrap_or(0) > 0,
    );
    let t0 = Instant::now();
    while get_db(&dst, "0", KILL_CKPT_KEY).is_none() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "first run: no checkpoint key on the target\nstderr:\n{}",
            first.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        sync_stat(&src, "sync_full"),
        1,
        "first run: one full sync expected"
    );

    // SIGKILL mid-stream (the writer keeps going).
    first.child.kill().expect("SIGKILL the first run");
    let st = first.child.wait().expect("wait for the killed run");
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&st),
        Some(9),
        "first run was not killed by SIGKILL: {st:?}"
    );
    drop(first);
    let full_before = sync_stat(&src, "sync_full");
    let partial_before = sync_stat(&src, "sync_partial_ok");
    std::thread::sleep(Duration::from_millis(1000));

    // Second run: same arguments, resumes while the writer goes on; then the writer stops
    // and the run catches up with everything the source wrote.
    let second = MigrateProc::spawn(&bin, &args, dir.path().join("run2.stderr"));
    let no_full_sync = |v: &serde_json::Value, line: &str| {
        assert_eq!(v["full_syncs"], 0, "resumed run did a full sync: {line}");
    };
    second.wait_status(
        "second run: incremental",
        Duration::from_secs(30),
        no_full_sync,
        |v| v["phase"] == "incremental",
    );
    stop.store(true, Ordering::Relaxed);
    let rounds = writer.join().expect("writer thread");
    assert!(rounds > 1000, "writer wrote only {rounds} rounds");
    let want: u64 = src
        .connect()
        .info_field("replication", "master_repl_offset")
        .and_then(|o| o.parse().ok())
        .expect("source master_repl_offset");
    let last = second.wait_status(
        &format!("second run: applied offset >= {want} and caught up"),
        Duration::from_secs(30),
        no_full_sync,
        |v| v["applied_offset"].as_u64().is_some_and(|a| a >= want) && v["caught_up"] == true,
    );
    assert!(
        last["partial_resyncs"].as_u64().is_some_and(|n| n >= 1),
        "second run reports no partial resync: {last}"
    );
    assert_eq!(
        sync_stat(&src, "sync_full"),
        full_before,
        "the resume after SIGKILL did a full sync"
    );
    assert_eq!(
        sync_stat(&src, "sync_partial_ok"),
        partial_before + 1,
        "the resume after SIGKILL was not exactly one PSYNC +CONTINUE"
    );
    let (code, last) = second.terminate();
    assert_eq!(
        code,
        Some(0),
        "second run after SIGTERM; last status: {last:?}"
    );

    // The data is exact: the non-idempotent keys explicitly, then every key.
    for (db, key) in [("0", "counter"), ("3", "tx")] {
        let (s, t) = (get_db(&src, db, key), get_db(&dst, db, key));
        assert!(s.is_some(), "source db {db} lacks {key}");
        assert_eq!(s, t, "db {db} {key}: source vs target");
    }
    for (db, key) in [("0", "list"), ("3", "txlist")] {
        assert_eq!(
            llen_db(&src, db, key),
            llen_db(&dst, db, key),
            "db {db} LLEN {key}: source vs target"
        );
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = rt
        .block_on(async {
            migrate_core::verify::Verifier::builder()
                .source(src.url())
                .target(dst.url())
                .rounds(1)
                .ttl_tolerance(Duration::from_secs(2))
                .key_filter(|k| k != b"redis-migrate:heartbeat" && k != KILL_CKPT_KEY.as_bytes())
                .build()?
                .run()
                .await
        })
        .expect("verifier ran");
    assert!(report.is_equal(), "source and target differ: {report}");
}
