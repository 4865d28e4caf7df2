//! What a target server version can take, and how big one command may be.

/// Features of the target that change which commands the converter emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetCaps {
    /// The target's `major.minor`.
    pub version: (u32, u32),
    /// Streams exist (5.0+).
    pub streams: bool,
    /// `HSET` takes several field/value pairs (4.0+); else `HMSET` is used.
    pub hset_multi: bool,
    /// `XSETID .. ENTRIESADDED n MAXDELETEDID id` and `XGROUP CREATE .. ENTRIESREAD n`
    /// (7.0+).
    pub stream_v2_meta: bool,
    /// `XGROUP CREATECONSUMER` (6.2+).
    pub create_consumer: bool,
    /// `XGROUP CREATE .. MKSTREAM` (5.0+).
    pub mkstream: bool,
    /// Hash field expiry: `HPEXPIREAT key ms FIELDS n f..` (7.4+).
    pub hash_field_ttl: bool,
    /// `UNLINK` (4.0+); `DEL` is used otherwise.
    pub unlink: bool,
    /// The RDB version the target writes (3.2: 7, 4.0: 8, 5.0-6.2: 9, 7.0: 10, 7.2: 11,
    /// 7.4+: 12); it accepts `RESTORE` payloads up to this version.
    pub rdb_version: u16,
}

impl TargetCaps {
    /// Capabilities of a Redis `major.minor` server.
    pub fn for_version(major: u32, minor: u32) -> TargetCaps {
        let v = (major, minor);
        TargetCaps {
            version: v,
            streams: v >= (5, 0),
            hset_multi: v >= (4, 0),
            stream_v2_meta: v >= (7, 0),
            create_consumer: v >= (6, 2),
            mkstream: v >= (5, 0),
            hash_field_ttl: v >= (7, 4),
            unlink: v >= (4, 0),
            rdb_version: match v {
                v if v >= (7, 4) => 12,
                v if v >= (7, 2) => 11,
                v if v >= (7, 0) => 10,
                v if v >= (5, 0) => 9,
                v if v >= (4, 0) => 8,
                v if v >= (3, 2) => 7,
                _ => 6,
            },
        }
    }

    /// Capabilities from a `redis_version` string such as `"7.0.15"`; `None` if it does not
    /// start with `major.minor`.
    pub fn from_version_str(s: &str) -> Option<TargetCaps> {
        let mut it = s.trim().split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        Some(TargetCaps::for_version(major, minor))
    }

    /// Whether the target accepts a `RESTORE` payload of RDB version `v`: up to its own
    /// version from 3.2.1 on, exactly its own before (3.2.0 itself is treated like 3.2.1).
    pub fn accepts_payload(&self, v: u16) -> bool {
        if self.version >= (3, 2) {
            v <= self.rdb_version
        } else {
            v == self.rdb_version
        }
    }

    /// Whether the target is at least `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        self.version >= (major, minor)
    }

    /// The newest behaviour this crate knows (all features on).
    pub fn latest() -> TargetCaps {
        TargetCaps::for_version(u32::MAX, 0)
    }
}

/// Bounds on one emitted command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    /// Elements (list items, members, field/value pairs, PEL ids) per command.
    pub max_elems: usize,
    /// Payload bytes per command (a single element larger than this is sent alone; a
    /// string is split into `SET` + `APPEND` chunks of at most this size).
    pub max_bytes: usize,
}

impl Default for BatchLimits {
    /// 256 elements and 1 MiB per command.
    fn default() -> BatchLimits {
        BatchLimits {
            max_elems: 256,
            max_bytes: 1 << 20,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        let v32 = TargetCaps::for_version(3, 2);
        assert!(!v32.streams && !v32.hset_multi && !v32.unlink);
        let v50 = TargetCaps::from_version_str("5.0.14").unwrap_or(v32);
        assert!(v50.streams && v50.hset_multi && !v50.create_consumer && !v50.stream_v2_meta);
        let v70 = TargetCaps::from_version_str("7.0.15\r").unwrap_or(v32);
        assert!(v70.stream_v2_meta && v70.create_consumer && !v70.hash_field_ttl);
        assert!(TargetCaps::for_version(7, 4).hash_field_ttl);
        assert!(TargetCaps::for_version(10, 0).hash_field_ttl);
        assert!(TargetCaps::from_version_str("x.1").is_none());
        assert!(TargetCaps::latest().hash_field_ttl);
        assert!(v32.accepts_payload(7) && v32.accepts_payload(6) && !v32.accepts_payload(8));
        assert!(v50.accepts_payload(9) && !v50.accepts_payload(10));
        assert!(v70.accepts_payload(10) && !v70.accepts_payload(11));
        assert!(!TargetCaps::for_version(2, 8).accepts_payload(7));
        assert_eq!(TargetCaps::for_version(7, 2).rdb_version, 11);
    }
}
