//! Server information: `INFO` parsing, version detection, `CONFIG GET`.

use std::fmt;

use super::{Client, ClientError, Result};

/// A parsed `INFO` reply: `field:value` lines, section headers and blank lines skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Info {
    fields: Vec<(String, String)>,
}

impl Info {
    /// Parses the text of an `INFO` reply.
    pub fn parse(text: &str) -> Info {
        let fields = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (k, v) = l.split_once(':')?;
                Some((k.trim().to_owned(), v.trim().to_owned()))
            })
            .collect();
        Info { fields }
    }

    /// The value of a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.as_str())
    }

    /// A numeric field.
    pub fn get_u64(&self, field: &str) -> Option<u64> {
        self.get(field)?.parse().ok()
    }

    /// Every field in order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// `redis_version`, parsed.
    pub fn version(&self) -> Option<ServerVersion> {
        ServerVersion::parse(self.get("redis_version")?)
    }

    /// The `dbN:keys=..,expires=..` lines of the keyspace section.
    pub fn keyspace(&self) -> Vec<KeyspaceDb> {
        self.fields
            .iter()
            .filter_map(|(k, v)| KeyspaceDb::parse(k, v))
            .collect()
    }
}

/// A `major.minor.patch` server version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerVersion {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
    /// Patch.
    pub patch: u32,
}

impl ServerVersion {
    /// Parses `7.0.15` (a missing patch is 0; junk is `None`).
    pub fn parse(s: &str) -> Option<ServerVersion> {
        let mut it = s.trim().split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        let patch = match it.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        Some(ServerVersion {
            major,
            minor,
            patch,
        })
    }

    /// Whether this version is at least `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// One line of `INFO keyspace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyspaceDb {
    /// The db number.
    pub db: u32,
    /// `keys=`.
    pub keys: u64,
    /// `expires=`.
    pub expires: u64,
}

impl KeyspaceDb {
    fn parse(k: &str, v: &str) -> Option<KeyspaceDb> {
        let db = k.strip_prefix("db")?.parse().ok()?;
        let mut out = KeyspaceDb {
            db,
            ..Default::default()
        };
        for part in v.split(',') {
            let (name, val) = part.split_once('=')?;
            match name {
                "keys" => out.keys = val.parse().ok()?,
                "expires" => out.expires = val.parse().ok()?,
                _ => {}
            }
        }
        Some(out)
    }
}

/// Parses the `dbN:...` lines of an `INFO keyspace` text.
pub fn parse_keyspace(text: &str) -> Vec<KeyspaceDb> {
    Info::parse(text).keyspace()
}

impl Client {
    /// `INFO [section]`, parsed.
    pub async fn info(&mut self, section: Option<&str>) -> Result<Info> {
        let f = match section {
            Some(s) => self.cmd(&["INFO", s]).await?,
            None => self.cmd(&["INFO"]).await?,
        };
        let Some(b) = f.as_bytes() else {
            return Err(self.unexpected("INFO", "bulk string", &f));
        };
        Ok(Info::parse(&String::from_utf8_lossy(b)))
    }

    /// The server's `redis_version`.
    pub async fn server_version(&mut self) -> Result<ServerVersion> {
        let info = self.info(Some("server")).await?;
        info.version().ok_or_else(|| ClientError::UnexpectedReply {
            addr: self.addr.clone(),
            command: "INFO server".into(),
            expected: "a redis_version field",
            got: info.get("redis_version").unwrap_or("nothing").to_owned(),
        })
    }

    /// `INFO keyspace`: the non-empty dbs.
    pub async fn keyspace(&mut self) -> Result<Vec<KeyspaceDb>> {
        Ok(self.info(Some("keyspace")).await?.keyspace())
    }

    /// `CONFIG GET name`: the value, or `None` when the server has no such parameter.
    /// A server where `CONFIG` is disabled or renamed gives [`ClientError::Server`].
    pub async fn config_get(&mut self, name: &str) -> Result<Option<String>> {
        let f = self.cmd(&["CONFIG", "GET", name]).await?;
        let pairs: Vec<&[u8]> = match (f.as_array(), f.as_map()) {
            (Some(a), _) => a
                .iter()
                .filter_map(|x| x.as_bytes().map(|b| &b[..]))
                .collect(),
            (None, Some(m)) => m
                .iter()
                .flat_map(|(k, v)| [k.as_bytes(), v.as_bytes()])
                .flatten()
                .map(|b| &b[..])
                .collect(),
            _ => return Err(self.unexpected("CONFIG GET", "array", &f)),
        };
        Ok(pairs
            .chunks(2)
            .find(|kv| kv.len() == 2 && kv[0].eq_ignore_ascii_case(name.as_bytes()))
            .map(|kv| String::from_utf8_lossy(kv[1]).into_owned()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_info_and_keyspace() {
        let text = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n\r\n\
                    # Keyspace\r\ndb0:keys=10,expires=2,avg_ttl=100\r\ndb15:keys=1,expires=0,avg_ttl=0\r\n";
        let i = Info::parse(text);
        assert_eq!(i.get("redis_mode"), Some("standalone"));
        assert_eq!(
            i.version(),
            Some(ServerVersion {
                major: 7,
                minor: 0,
                patch: 15
            })
        );
        assert_eq!(
            i.keyspace(),
            vec![
                KeyspaceDb {
                    db: 0,
                    keys: 10,
                    expires: 2
                },
                KeyspaceDb {
                    db: 15,
                    keys: 1,
                    expires: 0
                }
            ]
        );
    }

    #[test]
    fn versions() {
        assert_eq!(
            ServerVersion::parse("3.2"),
            Some(ServerVersion {
                major: 3,
                minor: 2,
                patch: 0
            })
        );
        assert!(ServerVersion::parse("x.1").is_none());
        assert!(ServerVersion::parse("6.2.14").unwrap().at_least(6, 2));
        assert!(!ServerVersion::parse("5.0.6").unwrap().at_least(6, 0));
    }
}
