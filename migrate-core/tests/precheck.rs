//! The precheck against real servers: one test per finding kind that can be set up here,
//! and every finding in one report.
#![allow(clippy::unwrap_used)]

use migrate_core::config::{Config, ConflictPolicy, Mode, OnError};
use migrate_core::precheck::{Check, Precheck, Report, Severity};
use test_support::{free_port, RedisServer, Version};

fn cfg(src: &str, dst: &str) -> Config {
    Config {
        source: src.to_owned(),
        target: dst.to_owned(),
        ..Config::default()
    }
}

fn run(c: &Config) -> Report {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(Precheck::from_config(c).run())
}

fn find(r: &Report, check: Check, sev: Severity) -> String {
    match r.of(check).find(|f| f.severity == sev) {
        Some(f) => format!("{} -> {}", f.message, f.advice),
        None => panic!("no {sev:?} {check:?} finding in:\n{r}"),
    }
}

fn none(r: &Report, check: Check, sev: Severity) {
    assert!(
        !r.of(check).any(|f| f.severity == sev),
        "unexpected {sev:?} {check:?} in:\n{r}"
    );
}

#[test]
fn clean_pair_is_ready_and_reports_versions() {
    let src = RedisServer::start(Version::V7_0);
    let dst = RedisServer::start(Version::V7_0);
    src.connect().ok(&["SET", "a", "1"]);
    let r = run(&cfg(&src.url(), &dst.url()));
    assert!(!r.is_blocked(), "{r}");
    assert!(find(&r, Check::Version, Severity::Info).contains("7.0"));
    assert_eq!(r.source.as_ref().unwrap().keys_in(0), 1);
    // JSON: one object with the verdict and every finding.
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(v["blocked"], false);
    assert!(v["findings"].as_array().unwrap().len() >= 3);
    assert_eq!(v["target"]["addr"], dst.addr());
}

#[test]
fn unreachable_target_and_bad_source_password_in_one_report() {
    let src = RedisServer::start(Version::V7_0);
    src.connect().ok(&["CONFIG", "SET", "requirepass", "right"]);
    let port = free_port();
    let r = run(&cfg(
        &format!("redis://:wrong@{}", src.addr()),
        &format!("redis://127.0.0.1:{port}"),
    ));
    assert!(r.is_blocked());
    let s = find(&r, Check::Connect, Severity::Blocking);
    let all: Vec<_> = r
        .of(Check::Connect)
        .filter(|f| f.severity == Severity::Blocking)
        .collect();
    assert_eq!(all.len(), 2, "{r}");
    assert!(
        all.iter()
            .any(|f| f.message.contains(&src.addr()) && f.advice.contains("password")),
        "{s}"
    );
    assert!(
        all.iter()
            .any(|f| f.message.contains(&format!("127.0.0.1:{port}"))),
        "{r}"
    );
    // The right password connects.
    let dst = RedisServer::start(Version::V7_0);
    let r = run(&cfg(&format!("redis://:right@{}", src.addr()), &dst.url()));
    assert!(!r.is_blocked(), "{r}");
}

#[test]
fn conflict_policy_against_target_contents() {
    let src = RedisServer::start(Version::V7_0);
    let dst = RedisServer::start(Version::V7_0);
    let mut t = dst.connect();
    t.ok(&["SET", "x", "1"]);
    t.ok(&["SELECT", "3"]);
    t.ok(&["SET", "y", "1"]);
    t.ok(&["SET", "z", "1"]);
    let base = cfg(&src.url(), &dst.url());
    let r = run(&base);
    let m = find(&r, Check::Conflict, Severity::Blocking);
    assert!(
        m.contains("db 0: 1 keys") && m.contains("db 3: 2 keys"),
        "{m}"
    );
    // Overwrite / skip-existing: warnings.
    for p in [ConflictPolicy::Overwrite, ConflictPolicy::SkipExisting] {
        let r = run(&Config {
            conflict: p,
            ..base.clone()
        });
        assert!(!r.is_blocked(), "{r}");
        find(&r, Check::Conflict, Severity::Warning);
    }
    // Only db 1 migrates, into target db 5 (empty): no conflict.
    let r = run(&Config {
        dbs: vec![1],
        db_map: vec!["1=5".into()],
        ..base.clone()
    });
    none(&r, Check::Conflict, Severity::Blocking);
    assert!(!r.is_blocked(), "{r}");
}

#[test]
fn mapped_db_missing_on_target() {
    let src = RedisServer::start(Version::V7_0);
    let dst = RedisServer::builder(Version::V7_0)
        .arg("databases", "4")
        .start();
    src.connect().ok(&["SET", "a", "1"]);
    let r = run(&Config {
        dbs: vec![0],
        db_map: vec!["0=10".into()],
        ..cfg(&src.url(), &dst.url())
    });
    assert!(find(&r, Check::Databases, Severity::Blocking).contains("10"));
}

#[test]
fn target_memory_and_eviction_policy() {
    let src = RedisServer::start(Version::V7_0);
    let dst = RedisServer::builder(Version::V7_0)
        .arg("maxmemory", "2mb")
        .arg("maxmemory-policy", "allkeys-lru")
        .start();
    let mut s = src.connect();
    let big = "x".repeat(100_000);
    for i in 0..40 {
        s.ok(&["SET", &format!("k{i}"), &big]);
    }
    let r = run(&cfg(&src.url(), &dst.url()));
    let m = find(&r, Check::Memory, Severity::Blocking);
    assert!(m.contains("maxmemory") && m.contains(&dst.addr()), "{m}");
    assert!(find(&r, Check::EvictionPolicy, Severity::Warning).contains("allkeys-lru"));
}

#[test]
fn small_replication_buffers_get_concrete_advice() {
    let src = RedisServer::builder(Version::V7_0)
        .arg("client-output-buffer-limit", "replica 1mb 1mb 10")
        .arg("repl-timeout", "5")
        .start();
    let dst = RedisServer::start(Version::V7_0);
    let r = run(&Config {
        mode: Mode::Sync,
        ..cfg(&src.url(), &dst.url())
    });
    let ob = find(&r, Check::OutputBuffer, Severity::Warning);
    assert!(
        ob.contains("CONFIG SET client-output-buffer-limit \"replica 256mb 256mb 60\""),
        "{ob}"
    );
    let rt = find(&r, Check::ReplTimeout, Severity::Warning);
    assert!(
        rt.contains("repl-timeout is 5") && rt.contains("CONFIG SET repl-timeout 60"),
        "{rt}"
    );
    // The default 1 MB backlog gets a note with a value.
    assert!(find(&r, Check::ReplBacklog, Severity::Info).contains("repl-backlog-size 16mb"));
    assert!(!r.is_blocked(), "{r}");
}

#[test]
fn downgrade_warns_about_rdb_version() {
    let src = RedisServer::start(Version::V7_0);
    let dst = RedisServer::start(Version::V6_2);
    let r = run(&cfg(&src.url(), &dst.url()));
    assert!(find(&r, Check::RdbVersion, Severity::Warning).contains("RDB 10"));
    assert!(!r.is_blocked(), "{r}");
}

#[test]
fn streams_into_3_2_block_unless_skipped_or_filtered() {
    let src = RedisServer::start(Version::V5_0);
    let dst = RedisServer::start(Version::V3_2);
    let mut s = src.connect();
    s.ok(&["XADD", "events", "*", "a", "1"]);
    s.ok(&["SET", "plain", "1"]);
    let base = cfg(&src.url(), &dst.url());
    let r = run(&base);
    assert!(find(&r, Check::Streams, Severity::Blocking).contains("1 stream keys"));
    let r = run(&Config {
        on_error: OnError::Skip,
        ..base.clone()
    });
    find(&r, Check::Streams, Severity::Warning);
    none(&r, Check::Streams, Severity::Blocking);
    let r = run(&Config {
        types: vec!["string".into()],
        ..base.clone()
    });
    assert_eq!(r.of(Check::Streams).count(), 0, "{r}");
}

#[test]
fn functions_into_6_2_block() {
    let src = RedisServer::start(Version::V7_0);
    let dst = RedisServer::start(Version::V6_2);
    src.connect().ok(&[
        "FUNCTION",
        "LOAD",
        "#!lua name=lib\nredis.register_function('f', function() return 1 end)",
    ]);
    let r = run(&cfg(&src.url(), &dst.url()));
    assert!(find(&r, Check::Functions, Severity::Blocking).contains("1 function libraries"));
}

#[test]
fn replication_permission_7_0_acl_dryrun() {
    let src = RedisServer::start(Version::V7_0);
    let dst = RedisServer::start(Version::V7_0);
    let mut s = src.connect();
    s.ok(&[
        "ACL", "SETUSER", "nopsync", "on", ">pw", "~*", "+@all", "-psync",
    ]);
    s.ok(&["ACL", "SETUSER", "repl", "on", ">pw", "~*", "+@all"]);
    let r = run(&cfg(
        &format!("redis://nopsync:pw@{}", src.addr()),
        &dst.url(),
    ));
    let m = find(&r, Check::ReplicationPermission, Severity::Blocking);
    assert!(
        m.contains("nopsync") && m.contains("psync") && m.contains("ACL SETUSER"),
        "{m}"
    );
    let r = run(&cfg(&format!("redis://repl:pw@{}", src.addr()), &dst.url()));
    assert_eq!(r.of(Check::ReplicationPermission).count(), 0, "{r}");
    assert!(!r.is_blocked(), "{r}");
}

#[test]
fn replication_permission_6_2_acl_rules() {
    let src = RedisServer::start(Version::V6_2);
    let dst = RedisServer::start(Version::V7_0);
    let mut s = src.connect();
    s.ok(&[
        "ACL", "SETUSER", "noadmin", "on", ">pw", "~*", "+@all", "-@admin",
    ]);
    let r = run(&cfg(
        &format!("redis://noadmin:pw@{}", src.addr()),
        &dst.url(),
    ));
    // The user may not run ACL GETUSER itself (@admin): the check says it was not done.
    find(&r, Check::Unchecked, Severity::Warning);
    let r = run(&cfg(&src.url(), &dst.url()));
    assert_eq!(r.of(Check::ReplicationPermission).count(), 0, "{r}");
}

#[test]
fn replica_target_and_cluster_source_block() {
    let master = RedisServer::start(Version::V7_0);
    let replica = RedisServer::start(Version::V7_0);
    replica
        .connect()
        .ok(&["REPLICAOF", "127.0.0.1", &master.port().to_string()]);
    let cluster = RedisServer::builder(Version::V7_0)
        .arg("cluster-enabled", "yes")
        .start();
    let r = run(&cfg(&cluster.url(), &replica.url()));
    assert!(find(&r, Check::Cluster, Severity::Blocking).contains(&cluster.addr()));
    assert!(find(&r, Check::Role, Severity::Blocking).contains("replica"));
}

#[test]
fn bulk_limits() {
    let src = RedisServer::start(Version::V7_0);
    let dst = RedisServer::builder(Version::V7_0)
        .arg("proto-max-bulk-len", "1mb")
        .start();
    let base = cfg(&src.url(), &dst.url());
    let r = run(&base);
    assert!(find(&r, Check::BulkLimit, Severity::Warning).contains("1.0 MiB"));
    none(&r, Check::BulkLimit, Severity::Blocking);
    let r = run(&Config {
        batch_max_bytes: 2 << 20,
        ..base
    });
    assert!(find(&r, Check::BulkLimit, Severity::Blocking).contains("batch-max-bytes"));
}
