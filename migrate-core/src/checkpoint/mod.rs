//! [`Checkpoint`]: where a migration can resume — (replication id, offset, db) — and where
//! it is kept: a file (written to a temporary file then renamed, so a crash never leaves a
//! torn checkpoint) and/or a key on the target.
//!
//! A checkpoint is only ever saved for an offset the target has *applied* (replies
//! received), so resuming with `PSYNC replid offset+1` neither loses nor repeats a command.
//!
//! Exactness after an abrupt kill (`SIGKILL`, power loss) needs the **key**: the
//! migrator's sink writes it in the same `MULTI`/`EXEC` as the commands it covers
//! ([`crate::sink::RedisSinkBuilder::checkpoint_key`]), so the target always holds exactly
//! the data up to its checkpoint. The **file** is exact after a graceful stop; after a kill
//! it is up to about a second old and the commands applied since are applied again on
//! resume (harmless for `SET`/`DEL`, not for `INCR`/`LPUSH`). With both, the key wins.
//!
//! ```
//! use migrate_core::checkpoint::Checkpoint;
//!
//! let c = Checkpoint { replid: "a".repeat(40), offset: 1234, db: 2 };
//! let text = c.to_text();
//! assert_eq!(Checkpoint::parse(&text).unwrap(), c);
//! assert!(Checkpoint::parse("junk").is_err());
//! ```

// Errors carry the client error with its address; built at most once per save.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};

use repl_client::transport::ConnectOptions;

use crate::client::Client;

/// A resumable position of the source's replication stream.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Checkpoint {
    /// The source's replication id (40 hex characters).
    pub replid: String,
    /// Everything up to and including this offset is applied on the target.
    pub offset: u64,
    /// The source db selected at that offset.
    pub db: u32,
}

/// A checkpoint that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// Reading or writing the file failed.
    #[error("checkpoint file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The content is not a checkpoint.
    #[error("checkpoint {what}: cannot parse {text:?} (expected `replid offset db`)")]
    Parse {
        /// Where it came from.
        what: String,
        /// The text (cut).
        text: String,
    },
    /// Reading or writing the checkpoint key failed.
    #[error("checkpoint key {key:?}: {source}")]
    Key {
        /// The key.
        key: String,
        /// The error.
        source: crate::client::ClientError,
    },
}

impl Checkpoint {
    /// `replid offset db` on one line.
    pub fn to_text(&self) -> String {
        format!("{} {} {}\n", self.replid, self.offset, self.db)
    }

    /// Parses [`Checkpoint::to_text`]'s format.
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let bad = || CheckpointError::Parse {
            what: "text".into(),
            text: text.chars().take(100).collect(),
        };
        let mut it = text.split_whitespace();
        let replid = it.next().ok_or_else(bad)?;
        let offset = it.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let db = it.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        if it.next().is_some()
            || replid.len() != 40
            || !replid.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(bad());
        }
        Ok(Checkpoint {
            replid: replid.to_owned(),
            offset,
            db,
        })
    }
}

/// Where checkpoints are kept.
#[derive(Debug, Clone, Default)]
pub struct CheckpointStore {
    file: Option<PathBuf>,
    key: Option<(ConnectOptions, String)>,
}

impl CheckpointStore {
    /// A store keeping checkpoints in `file` and/or in `key` on the target reached with
    /// `target` (in db 0 unless the URL names a db).
    pub fn new(file: Option<PathBuf>, key: Option<(ConnectOptions, String)>) -> CheckpointStore {
        CheckpointStore { file, key }
    }

    /// Whether anything is configured.
    pub fn is_enabled(&self) -> bool {
        self.file.is_some() || self.key.is_some()
    }

    /// The checkpoint key, when configured.
    pub fn key_name(&self) -> Option<&str> {
        self.key.as_ref().map(|(_, k)| k.as_str())
    }

    /// Loads the saved checkpoint: the key first (the migrator writes it on the target
    /// atomically with the data it covers, so it is the truth even after an abrupt kill),
    /// else the file. `None`: nothing saved.
    pub async fn load(&self) -> Result<Option<Checkpoint>, CheckpointError> {
        if let Some(c) = self.load_key().await? {
            return Ok(Some(c));
        }
        if let Some(path) = &self.file {
            match std::fs::read_to_string(path) {
                Ok(t) => {
                    return Checkpoint::parse(&t)
                        .map(Some)
                        .map_err(|_| CheckpointError::Parse {
                            what: path.display().to_string(),
                            text: t.chars().take(100).collect(),
                        })
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(CheckpointError::Io {
                        path: path.clone(),
                        source,
                    })
                }
            }
        }
        Ok(None)
    }

    /// Loads the checkpoint key alone (`None`: no key configured, or none saved).
    pub async fn load_key(&self) -> Result<Option<Checkpoint>, CheckpointError> {
        let Some((opts, key)) = &self.key else {
            return Ok(None);
        };
        let err = |source| CheckpointError::Key {
            key: key.clone(),
            source,
        };
        let mut c = Client::connect(opts).await.map_err(err)?;
        let f = c.cmd(&["GET", key.as_str()]).await.map_err(err)?;
        match f.as_bytes() {
            Some(b) => Checkpoint::parse(&String::from_utf8_lossy(b)).map(Some),
            None => Ok(None),
        }
    }

    /// Saves `c` everywhere configured.
    pub async fn save(&self, c: &Checkpoint) -> Result<(), CheckpointError> {
        let text = c.to_text();
        if let Some(path) = &self.file {
            write_atomic(path, text.as_bytes()).map_err(|source| CheckpointError::Io {
                path: path.clone(),
                source,
            })?;
        }
        if let Some((opts, key)) = &self.key {
            let err = |source| CheckpointError::Key {
                key: key.clone(),
                source,
            };
            let mut cl = Client::connect(opts).await.map_err(err)?;
            cl.cmd(&["SET", key.as_str(), text.trim_end()])
                .await
                .map_err(err)?;
        }
        Ok(())
    }
}

/// Writes `data` to `path` through a temporary file in the same directory, synced, then
/// renamed over `path`.
pub fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "checkpoint".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parse_rejects_junk() {
        let id = "0123456789abcdef0123456789abcdef01234567";
        assert!(Checkpoint::parse(&format!("{id} 5 0")).is_ok());
        for bad in [
            "".to_owned(),
            format!("{id} 5"),
            format!("{id} x 0"),
            format!("{id} 5 0 extra"),
            format!("{} 5 0", &id[1..]),
            format!("{}g 5 0", &id[1..]),
        ] {
            assert!(Checkpoint::parse(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn atomic_write_replaces_the_file() {
        let dir = std::env::temp_dir().join(format!("ckpt-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let leftovers = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(leftovers, 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
