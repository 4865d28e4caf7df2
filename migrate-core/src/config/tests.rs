#![allow(clippy::unwrap_used)]

use super::*;
use crate::command::ValueType;
use crate::filter::{KeyDecision, SkipReason};

const BASE: &str = "source = \"redis://127.0.0.1:6379\"\ntarget = \"rediss://u:p@10.0.0.2:6380\"\n";

fn problems(text: &str) -> Vec<&'static str> {
    match Config::from_toml(text) {
        Err(ConfigError::Invalid(p)) => p.into_iter().map(|p| p.option).collect(),
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn defaults_are_valid_and_documented_values() {
    let c = Config::from_toml(BASE).unwrap();
    assert_eq!(c.mode, Mode::Sync);
    assert_eq!(c.conflict, ConflictPolicy::Error);
    assert_eq!(c.on_error, OnError::Stop);
    assert_eq!(c.retry_window_secs, 600);
    assert_eq!(c.heartbeat_key, DEFAULT_HEARTBEAT_KEY);
    assert_eq!(c.batch_limits(), crate::convert::BatchLimits::default());
    let f = c.filter().unwrap();
    assert!(f.dbs.covers_all_dbs());
    assert_eq!(
        f.full_key(0, DEFAULT_HEARTBEAT_KEY.as_bytes(), ValueType::String),
        KeyDecision::Skip(SkipReason::OwnHeartbeat)
    );
}

#[test]
fn every_setting_parses_and_round_trips() {
    let text = format!(
        "{BASE}
mode = \"full\"
db = [0, 1, 2]
db-map = [\"1=4\", \"2 = 5\"]
key-include-prefix = [\"user:\"]
key-exclude-prefix = [\"user:tmp:\"]
key-include-regex = [\"^order:[0-9]+$\"]
key-exclude-regex = [\"secret\"]
type = [\"string\", \"HASH\"]
command-allow = []
command-deny = [\"flushall\"]
partial-keys = \"forward-whole\"
flushall = \"refuse\"
unknown-commands = \"skip\"
conflict = \"skip-existing\"
ttl-extend-secs = 3600
full-ops-per-sec = 50000
full-bytes-per-sec = 100000000
incr-ops-per-sec = 20000
incr-bytes-per-sec = 5000000
retry-window-secs = 30
heartbeat-key = \"hb\"
heartbeat-interval-ms = 500
checkpoint-file = \"/var/lib/migrate/ckpt.json\"
checkpoint-key = \"migrate:ckpt\"
restore-size-limit = 1048576
batch-max-elems = 100
batch-max-bytes = 65536
forward-publish = true
on-error = \"skip\"
"
    );
    let c = Config::from_toml(&text).unwrap();
    assert_eq!(c.mode, Mode::Full);
    assert_eq!(c.conflict, ConflictPolicy::SkipExisting);
    assert_eq!(c.on_error, OnError::Skip);
    assert_eq!(c.partial_keys, crate::filter::PartialPolicy::ForwardWhole);
    assert_eq!(c.flushall, crate::command::FlushAllPolicy::Refuse);
    assert_eq!(c.full_ops_per_sec, Some(50000));
    assert_eq!(
        c.checkpoint_file.as_deref(),
        Some(std::path::Path::new("/var/lib/migrate/ckpt.json"))
    );
    let f = c.filter().unwrap();
    assert_eq!(
        (
            f.dbs.target(0),
            f.dbs.target(1),
            f.dbs.target(2),
            f.dbs.target(3)
        ),
        (Some(0), Some(4), Some(5), None)
    );
    assert_eq!(
        f.full_key(1, b"user:1", ValueType::Hash),
        KeyDecision::Migrate { db: 4 }
    );
    assert_eq!(
        f.full_key(1, b"user:tmp:1", ValueType::Hash),
        KeyDecision::Skip(SkipReason::KeyFiltered)
    );
    assert_eq!(
        f.full_key(1, b"order:7", ValueType::List),
        KeyDecision::Skip(SkipReason::TypeFiltered)
    );
    assert!(!f.commands.allows(b"FLUSHALL"));
    let back = Config::from_toml(&c.to_toml().unwrap()).unwrap();
    assert_eq!(back, c);
}

#[test]
fn unknown_names_and_bad_enums_are_toml_errors() {
    for bad in [
        "db-mapp = []",
        "mode = \"fast\"",
        "ttl-extend-secs = -1",
        "db = [\"zero\"]",
    ] {
        match Config::from_toml(&format!("{BASE}{bad}\n")) {
            Err(ConfigError::Toml(msg)) => assert!(msg.contains("line"), "{msg}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
}

#[test]
fn validation_lists_every_problem() {
    let p = problems(
        "source = \"http://x\"
target = \"\"
db = [0]
db-map = [\"0=1\", \"3=4\", \"bad\"]
type = [\"json\"]
key-include-regex = [\"(\"]
command-allow = [\"set\"]
command-deny = [\"SET\", \"multi\"]
full-ops-per-sec = 0
heartbeat-key = \"\"
heartbeat-interval-ms = 1
restore-size-limit = 0
batch-max-elems = 0
batch-max-bytes = 0
ttl-extend-secs = 99999999999
checkpoint-key = \"\"
",
    );
    for want in [
        "source",
        "target",
        "db-map",
        "type",
        "key-include-regex",
        "command-allow",
        "command-deny",
        "full-ops-per-sec",
        "heartbeat-key",
        "heartbeat-interval-ms",
        "restore-size-limit",
        "batch-max-elems",
        "batch-max-bytes",
        "ttl-extend-secs",
        "checkpoint-key",
    ] {
        assert!(p.contains(&want), "{want} missing from {p:?}");
    }
}

#[test]
fn db_map_rules() {
    // map outside the allow-list
    assert_eq!(
        problems(&format!("{BASE}db = [0]\ndb-map = [\"3=4\"]")),
        ["db-map"]
    );
    // two sources into one target
    assert_eq!(
        problems(&format!("{BASE}db = [0, 1]\ndb-map = [\"0=1\"]")),
        ["db-map"]
    );
    // every db migrated: 0 -> 1 collides with db 1; swapping is fine
    assert_eq!(problems(&format!("{BASE}db-map = [\"0=1\"]")), ["db-map"]);
    assert!(Config::from_toml(&format!("{BASE}db-map = [\"0=1\", \"1=0\"]")).is_ok());
    assert_eq!(
        problems(&format!("{BASE}db-map = [\"0=1\", \"0=2\"]")),
        ["db-map"]
    );
    // same server needs a mapping
    let same = "source = \"redis://h:1\"\ntarget = \"redis://h:1\"\n";
    assert_eq!(problems(same), ["target"]);
    assert!(Config::from_toml(&format!("{same}db = [0]\ndb-map = [\"0=1\"]")).is_ok());
    let e = Config::from_toml(same).unwrap_err().to_string();
    assert!(e.contains("target: same as source"), "{e}");
}

#[test]
fn settings_list_matches_the_struct_and_docs() {
    // Every optional setting set, so serialization names them all.
    let mut c = Config::from_toml(BASE).unwrap();
    c.full_ops_per_sec = Some(1);
    c.full_bytes_per_sec = Some(1);
    c.incr_ops_per_sec = Some(1);
    c.incr_bytes_per_sec = Some(1);
    c.checkpoint_file = Some("f".into());
    c.checkpoint_key = Some("k".into());
    let value: toml::Table = toml::from_str(&c.to_toml().unwrap()).unwrap();
    let mut names: Vec<&str> = value.keys().map(|k| k.as_str()).collect();
    names.sort_unstable();
    let mut want = SETTINGS.to_vec();
    want.sort_unstable();
    assert_eq!(names, want);
    let docs = include_str!("mod.rs");
    for s in SETTINGS {
        assert!(docs.contains(&format!("`{s}`")), "{s} is not documented");
    }
}
