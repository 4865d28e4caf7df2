//! A source writer for exactness tests: non-idempotent commands, so a command lost or
//! applied twice by a migration shows up as a value difference.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::{Conn, Reply};

/// Writes `INCR counter` + `RPUSH list i` in db 0 and, every 7th round, a transaction
/// `MULTI INCR tx RPUSH txlist i EXEC` in db 3, in pipelines of 20 rounds, until `stop`.
/// Returns the number of rounds. Panics on an error reply (the source must accept all).
pub fn counting_writer(addr: String, stop: Arc<AtomicBool>) -> JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut c = Conn::connect(&addr).expect("writer: connect");
        let mut i = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let mut cmds: Vec<Vec<String>> = Vec::new();
            for _ in 0..20 {
                let s = |a: &[&str]| a.iter().map(|x| x.to_string()).collect::<Vec<_>>();
                cmds.push(s(&["INCR", "counter"]));
                cmds.push(s(&["RPUSH", "list", &i.to_string()]));
                if i % 7 == 0 {
                    cmds.push(s(&["SELECT", "3"]));
                    cmds.push(s(&["MULTI"]));
                    cmds.push(s(&["INCR", "tx"]));
                    cmds.push(s(&["RPUSH", "txlist", &i.to_string()]));
                    cmds.push(s(&["EXEC"]));
                    cmds.push(s(&["SELECT", "0"]));
                }
                i += 1;
            }
            let replies = c.pipeline(&cmds).expect("writer: pipeline I/O");
            for r in replies {
                assert!(!matches!(r, Reply::Error(_)), "writer: {r:?}");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        i
    })
}
