//! The handshake: which commands a replica sends, and what each reply means.

use bytes::BytesMut;
use resp_codec::encode_command;

use super::config::ReplicaConfig;
use crate::error::Error;

/// A handshake command whose reply is awaited, in send order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Ping,
    Auth,
    ListeningPort,
    Capa,
    RdbOnly,
    Psync,
    Sync,
}

impl Step {
    pub(crate) fn command(self) -> &'static str {
        match self {
            Step::Ping => "PING",
            Step::Auth => "AUTH",
            Step::ListeningPort => "REPLCONF listening-port",
            Step::Capa => "REPLCONF capa",
            Step::RdbOnly => "REPLCONF rdb-only",
            Step::Psync => "PSYNC",
            Step::Sync => "SYNC",
        }
    }
}

/// How an error reply is to be handled.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Retry later: loading, no link to its own master, busy script ...
    Transient,
    /// The user must fix credentials or permissions.
    Fatal(Error),
    /// Some other error.
    Other,
}

fn who(cfg: &ReplicaConfig) -> (String, String) {
    match &cfg.username {
        Some(u) => (format!("user `{u}`"), u.clone()),
        None => ("the default user".to_owned(), "default".to_owned()),
    }
}

/// Classifies an error reply (`msg` without the leading `-`) to handshake step `step`.
pub(crate) fn classify(cfg: &ReplicaConfig, step: Step, msg: &str) -> Refusal {
    let code = msg.split(' ').next().unwrap_or("");
    let lower = msg.to_ascii_lowercase();
    let transient = matches!(
        code,
        "LOADING" | "NOMASTERLINK" | "BUSY" | "MASTERDOWN" | "TRYAGAIN"
    ) || lower.contains("can't sync while not connected with my master")
        || lower.contains("invalid with pending output");
    if transient {
        return Refusal::Transient;
    }
    let (user, acl_user) = who(cfg);
    let reply = format!("-{msg}");
    if code == "NOPERM" || lower.contains("operation not permitted") {
        return Refusal::Fatal(Error::PermissionDenied {
            user,
            acl_user,
            command: step.command().to_owned(),
            reply,
        });
    }
    if code == "NOAUTH" {
        return Refusal::Fatal(if cfg.password.is_none() {
            Error::AuthRequired { reply }
        } else {
            Error::AuthFailed { user, reply }
        });
    }
    if code == "WRONGPASS"
        || lower.contains("invalid password")
        || lower.contains("invalid username-password")
    {
        return Refusal::Fatal(Error::AuthFailed { user, reply });
    }
    if step == Step::Auth {
        // "-ERR Client sent AUTH, but no password is set", "-ERR AUTH <password> called
        // without any password configured for the default user": a configuration mismatch.
        return Refusal::Fatal(Error::AuthFailed { user, reply });
    }
    Refusal::Other
}

/// Appends the commands that follow a successful PING (pipelined, as a Redis replica
/// does), returning the replies to await. PSYNC is sent only once they are all answered:
/// a master refuses PSYNC while replies to us are still pending in its output buffer.
pub(crate) fn after_ping(cfg: &ReplicaConfig, local_port: u16, out: &mut BytesMut) -> Vec<Step> {
    let mut steps = Vec::new();
    if let Some(pass) = &cfg.password {
        match &cfg.username {
            Some(u) => encode_command(out, ["AUTH", u.as_str(), pass.as_str()]),
            None => encode_command(out, ["AUTH", pass.as_str()]),
        }
        steps.push(Step::Auth);
    }
    let port = cfg.listening_port.unwrap_or(local_port).to_string();
    encode_command(out, ["REPLCONF", "listening-port", port.as_str()]);
    steps.push(Step::ListeningPort);
    encode_command(out, ["REPLCONF", "capa", "eof", "capa", "psync2"]);
    steps.push(Step::Capa);
    if cfg.rdb_only {
        encode_command(out, ["REPLCONF", "rdb-only", "1"]);
        steps.push(Step::RdbOnly);
    }
    steps
}

/// `+FULLRESYNC <replid> <offset>` → (replid, offset).
pub(crate) fn parse_fullresync(line: &str) -> Option<(String, u64)> {
    let mut it = line.split(' ');
    if it.next()? != "FULLRESYNC" {
        return None;
    }
    let replid = it.next()?;
    let offset = it.next()?.parse::<u64>().ok()?;
    if it.next().is_some() || !valid_replid(replid) {
        return None;
    }
    Some((replid.to_owned(), offset))
}

/// `+CONTINUE` or `+CONTINUE <replid>` → Some(None) / Some(Some(replid)).
pub(crate) fn parse_continue(line: &str) -> Option<Option<String>> {
    let mut it = line.split(' ');
    if it.next()? != "CONTINUE" {
        return None;
    }
    match (it.next(), it.next()) {
        (None, _) | (Some(""), None) => Some(None),
        (Some(id), None) if valid_replid(id) => Some(Some(id.to_owned())),
        _ => None,
    }
}

/// A replication id / run id: 40 hexadecimal characters.
pub(crate) fn valid_replid(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn psync_replies() {
        assert_eq!(
            parse_fullresync(&format!("FULLRESYNC {ID} 1274")),
            Some((ID.into(), 1274))
        );
        assert_eq!(parse_fullresync(&format!("FULLRESYNC {ID} -1")), None);
        assert_eq!(parse_fullresync("FULLRESYNC short 1"), None);
        assert_eq!(parse_continue("CONTINUE"), Some(None));
        assert_eq!(
            parse_continue(&format!("CONTINUE {ID}")),
            Some(Some(ID.into()))
        );
        assert_eq!(parse_continue("CONTINUE x y"), None);
    }

    #[test]
    fn refusals() {
        let cfg = ReplicaConfig::builder()
            .username("repl")
            .password("pw")
            .build();
        let f = |s: Step, m: &str| classify(&cfg, s, m);
        for m in [
            "LOADING Redis is loading the dataset in memory",
            "NOMASTERLINK Can't SYNC while not connected with my master",
            "ERR Can't SYNC while not connected with my master",
            "BUSY Redis is busy running a script.",
        ] {
            assert!(matches!(f(Step::Psync, m), Refusal::Transient), "{m}");
        }
        assert!(matches!(
            f(Step::Psync, "ERR unknown command 'PSYNC'"),
            Refusal::Other
        ));
        let Refusal::Fatal(e) = f(
            Step::Psync,
            "NOPERM User repl has no permissions to run the 'psync' command",
        ) else {
            panic!()
        };
        let s = e.to_string();
        assert!(
            s.contains("ACL SETUSER repl +psync") && s.contains("PSYNC"),
            "{s}"
        );
        let Refusal::Fatal(e) = f(
            Step::Auth,
            "WRONGPASS invalid username-password pair or user is disabled.",
        ) else {
            panic!()
        };
        assert!(matches!(e, Error::AuthFailed { .. }), "{e}");
        let nopass = ReplicaConfig::builder().build();
        let Refusal::Fatal(e) = classify(&nopass, Step::Ping, "NOAUTH Authentication required.")
        else {
            panic!()
        };
        assert!(e.to_string().contains("give a password"), "{e}");
    }
}
