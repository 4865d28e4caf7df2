//! What the precheck reads from one server.

use std::fmt;

use serde::Serialize;

use crate::client::{Client, ClientError, Info, ServerVersion};

/// Facts read from one server (`INFO` and `CONFIG GET`; `None` when not available).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServerFacts {
    /// `host:port`.
    pub addr: String,
    /// `redis_version`.
    pub version: String,
    /// `redis_mode` (`standalone`, `cluster`, `sentinel`).
    pub mode: String,
    /// `cluster_enabled:1`.
    pub cluster_enabled: bool,
    /// `role` (`master` / `slave`).
    pub role: String,
    /// `used_memory`.
    pub used_memory: u64,
    /// `used_memory_dataset` (4.0+), else `used_memory`.
    pub used_memory_dataset: u64,
    /// `maxmemory` (0 = none).
    pub maxmemory: u64,
    /// `maxmemory_policy`.
    pub maxmemory_policy: Option<String>,
    /// `(db, keys)` of every non-empty db.
    pub keyspace: Vec<(u32, u64)>,
    /// `databases`.
    pub databases: Option<u32>,
    /// `proto-max-bulk-len` (512 MiB before it was configurable, 5.0).
    pub proto_max_bulk_len: Option<u64>,
    /// `client-output-buffer-limit` replica class: (hard, soft, soft seconds).
    pub replica_output_limit: Option<(u64, u64, u64)>,
    /// `repl-timeout`.
    pub repl_timeout: Option<u64>,
    /// `repl-backlog-size`.
    pub repl_backlog_size: Option<u64>,
    /// `instantaneous_input_kbps` (write traffic estimate).
    pub input_kbps: f64,
    /// `ACL WHOAMI` (6.0+).
    pub user: Option<String>,
    /// Settings that could not be read (`CONFIG` disabled or renamed).
    pub unreadable: Vec<String>,
}

impl fmt::Display for ServerFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: u64 = self.keyspace.iter().map(|(_, k)| k).sum();
        write!(
            f,
            "{} Redis {} ({}, {}), {} keys in {} dbs, used_memory {}",
            self.addr,
            self.version,
            self.mode,
            self.role,
            keys,
            self.keyspace.len(),
            super::sizing::human(self.used_memory)
        )?;
        if self.maxmemory > 0 {
            write!(
                f,
                ", maxmemory {} ({})",
                super::sizing::human(self.maxmemory),
                self.maxmemory_policy.as_deref().unwrap_or("?")
            )?;
        }
        Ok(())
    }
}

impl ServerFacts {
    /// The parsed version (0.0.0 when unknown).
    pub fn server_version(&self) -> ServerVersion {
        ServerVersion::parse(&self.version).unwrap_or(ServerVersion {
            major: 0,
            minor: 0,
            patch: 0,
        })
    }

    /// Keys in db `db`.
    pub fn keys_in(&self, db: u32) -> u64 {
        self.keyspace
            .iter()
            .find(|(d, _)| *d == db)
            .map_or(0, |(_, k)| *k)
    }

    /// Reads the facts of the server `c` is connected to.
    pub(super) async fn read(c: &mut Client) -> Result<ServerFacts, ClientError> {
        let info: Info = c.info(Some("all")).await?;
        let mut s = ServerFacts {
            addr: c.addr().to_owned(),
            version: info.get("redis_version").unwrap_or("?").to_owned(),
            mode: info.get("redis_mode").unwrap_or("standalone").to_owned(),
            cluster_enabled: info.get("cluster_enabled") == Some("1"),
            role: info.get("role").unwrap_or("?").to_owned(),
            used_memory: info.get_u64("used_memory").unwrap_or(0),
            used_memory_dataset: 0,
            maxmemory: info.get_u64("maxmemory").unwrap_or(0),
            maxmemory_policy: info.get("maxmemory_policy").map(str::to_owned),
            keyspace: info.keyspace().iter().map(|k| (k.db, k.keys)).collect(),
            input_kbps: info
                .get("instantaneous_input_kbps")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0),
            ..ServerFacts::default()
        };
        s.used_memory_dataset = info.get_u64("used_memory_dataset").unwrap_or(s.used_memory);
        let v = s.server_version();
        if v.at_least(6, 0) {
            s.user = c.cmd(&["ACL", "WHOAMI"]).await.ok().and_then(|f| {
                f.as_bytes()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
            });
        }
        // CONFIG may be disabled or renamed: each setting that cannot be read is noted.
        let mut unreadable = Vec::new();
        let databases = config_num(c, "databases", &mut unreadable).await;
        s.databases = databases.and_then(|d| u32::try_from(d).ok());
        s.proto_max_bulk_len = config_num(c, "proto-max-bulk-len", &mut unreadable)
            .await
            .or(if v.at_least(5, 0) {
                None
            } else {
                Some(512 << 20)
            });
        s.repl_timeout = config_num(c, "repl-timeout", &mut unreadable).await;
        s.repl_backlog_size = config_num(c, "repl-backlog-size", &mut unreadable).await;
        if s.maxmemory_policy.is_none() {
            if let Ok(Some(p)) = c.config_get("maxmemory-policy").await {
                s.maxmemory_policy = Some(p);
            }
        }
        match c.config_get("client-output-buffer-limit").await {
            Ok(Some(v)) => s.replica_output_limit = parse_replica_limit(&v),
            Ok(None) => {}
            Err(e) if e.is_server_error() => unreadable.push("client-output-buffer-limit".into()),
            Err(e) => return Err(e),
        }
        s.unreadable = unreadable;
        Ok(s)
    }
}

/// `CONFIG GET name` as a number (sizes like `1mb` accepted); a refused `CONFIG` is noted
/// in `unreadable`.
async fn config_num(c: &mut Client, name: &str, unreadable: &mut Vec<String>) -> Option<u64> {
    match c.config_get(name).await {
        Ok(Some(v)) => super::sizing::parse_size(v.trim()),
        Ok(None) => None,
        Err(_) => {
            unreadable.push(name.to_owned());
            None
        }
    }
}

/// The replica class of a `client-output-buffer-limit` value
/// (`normal 0 0 0 slave 268435456 67108864 60 pubsub ...`).
pub(super) fn parse_replica_limit(v: &str) -> Option<(u64, u64, u64)> {
    let parts: Vec<&str> = v.split_whitespace().collect();
    parts.chunks(4).find_map(|c| match c {
        [class, hard, soft, secs] if matches!(*class, "slave" | "replica") => Some((
            super::sizing::parse_size(hard)?,
            super::sizing::parse_size(soft)?,
            secs.parse().ok()?,
        )),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_limit() {
        assert_eq!(
            parse_replica_limit(
                "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
            ),
            Some((268435456, 67108864, 60))
        );
        assert_eq!(parse_replica_limit("normal 0 0 0"), None);
        assert_eq!(
            parse_replica_limit("replica 1mb 0 0"),
            Some((1 << 20, 0, 0))
        );
    }
}
