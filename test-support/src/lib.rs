//! Dev-only support for the workspace's integration tests: finds the real `redis-server`
//! binaries installed by `scripts/install-test-servers.sh` and starts throwaway servers on
//! free 127.0.0.1 ports, each with its own temporary directory, killed on drop.
//!
//! ```no_run
//! use test_support::{RedisServer, Version};
//!
//! let server = RedisServer::start(Version::V7_0);
//! let mut conn = server.connect();
//! conn.cmd(&["SET", "k", "v"]).expect("SET");
//! assert_eq!(conn.cmd(&["GET", "k"]).unwrap().as_bytes(), Some(&b"v"[..]));
//! ```
//!
//! Binaries are looked up, in order, in `REDIS_SERVER_<MAJOR>_<MINOR>` (e.g.
//! `REDIS_SERVER_5_0`), then in the install cache (`REDIS_MIGRATE_SERVERS`, default
//! `~/.cache/redis-migrate/servers`), and for 7.0 in `/usr/bin/redis-server`.
//! A test that cannot find its binary panics with the command that installs it: tests are
//! never skipped silently.
#![deny(missing_docs)]
#![allow(clippy::unwrap_used)] // test support: panicking with a message is the point.

mod client;
mod proxy;
mod server;
mod writer;

pub use client::{Conn, Reply};
pub use proxy::FaultProxy;
pub use server::{RedisServer, ServerBuilder, Version};
pub use writer::counting_writer;

/// A free TCP port on 127.0.0.1 at the time of the call.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local_addr").port()
}
