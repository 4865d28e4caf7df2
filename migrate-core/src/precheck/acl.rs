//! Replication permission of the source user: 7.0+ asks the server (`ACL DRYRUN`), 6.x
//! evaluates the user's `ACL GETUSER` command rules, before 6.0 there are no ACLs.

use super::facts::ServerFacts;
use super::{Check, Report, Severity, Side};
use crate::client::Client;
use crate::config::{Config, Mode};

use Severity::{Blocking, Warning};

/// Whether the source user may PSYNC/REPLCONF/PING (and write the heartbeat key).
pub(super) async fn replication_permission(
    cfg: &Config,
    c: &mut Client,
    s: &ServerFacts,
    r: &mut Report,
) {
    let v = s.server_version();
    if !v.at_least(6, 0) {
        // No ACLs: an authenticated client may run every (not renamed) command.
        return;
    }
    let Some(user) = s.user.clone() else {
        r.push(
            Warning,
            Check::Unchecked,
            Side::Source,
            format!(
                "source {}: `ACL WHOAMI` refused: replication permission not checked",
                s.addr
            ),
            "the user needs +psync +replconf +ping (and +set +info for the heartbeat)",
        );
        return;
    };
    let hb_key = cfg.heartbeat_key.as_str();
    let needed: Vec<(&str, Vec<&str>)> = {
        let mut n = vec![
            ("psync", vec!["PSYNC", "?", "-1"]),
            ("replconf", vec!["REPLCONF", "listening-port", "6379"]),
            ("ping", vec!["PING"]),
        ];
        if cfg.mode == Mode::Sync {
            n.push(("set (heartbeat)", vec!["SET", hb_key, "0", "PX", "10000"]));
            n.push(("info", vec!["INFO", "replication"]));
        }
        n
    };
    if v.at_least(7, 0) {
        let mut denied = Vec::new();
        for (name, cmd) in &needed {
            let mut args = vec!["ACL", "DRYRUN", user.as_str()];
            args.extend(cmd.iter().copied());
            match c.cmd_raw(&args).await {
                Ok(f) if f.error_message().is_some() => {
                    let m = String::from_utf8_lossy(
                        f.error_message().map(|b| b.as_ref()).unwrap_or_default(),
                    )
                    .into_owned();
                    r.push(Warning, Check::Unchecked, Side::Source, format!("source {}: `ACL DRYRUN` refused ({m}): replication permission of `{user}` not checked", s.addr), "the user needs +psync +replconf +ping (and +set +info for the heartbeat)");
                    return;
                }
                Ok(f) if f.as_bytes().is_some_and(|b| b.as_ref() != b"OK") => {
                    denied.push(format!(
                        "{name}: {}",
                        String::from_utf8_lossy(
                            f.as_bytes().map(|b| b.as_ref()).unwrap_or_default()
                        )
                    ));
                }
                Ok(_) => {}
                Err(e) => {
                    r.push(
                        Warning,
                        Check::Unchecked,
                        Side::Source,
                        format!("source {}: `ACL DRYRUN`: {e}", s.addr),
                        "check the user's rights by hand",
                    );
                    return;
                }
            }
        }
        report_denied(cfg, s, &user, &denied, r);
        return;
    }
    // 6.0-6.2: no DRYRUN; evaluate the user's command rules in order.
    match c.cmd_raw(&["ACL", "GETUSER", user.as_str()]).await {
        Ok(f) if f.error_message().is_none() => {
            let (flags, rules) = getuser_rules(&f);
            let mut denied = Vec::new();
            if !flags.iter().any(|x| x == "on") {
                denied.push(format!("user `{user}` is disabled"));
            }
            for (name, cmd) in &needed {
                let cmd_name = cmd[0].to_ascii_lowercase();
                if !acl6_allows(&rules, &cmd_name) {
                    denied.push(format!("{name}: not allowed by `{rules}`"));
                }
            }
            report_denied(cfg, s, &user, &denied, r);
        }
        Ok(f) => {
            let m =
                String::from_utf8_lossy(f.error_message().map(|b| b.as_ref()).unwrap_or_default())
                    .into_owned();
            r.push(Warning, Check::Unchecked, Side::Source, format!("source {}: `ACL GETUSER {user}` refused ({m}): replication permission not checked", s.addr), "the user needs +psync +replconf +ping (and +set +info for the heartbeat)");
        }
        Err(e) => r.push(
            Warning,
            Check::Unchecked,
            Side::Source,
            format!("source {}: `ACL GETUSER`: {e}", s.addr),
            "check the user's rights by hand",
        ),
    }
}

fn report_denied(cfg: &Config, s: &ServerFacts, user: &str, denied: &[String], r: &mut Report) {
    let (repl, other): (Vec<&String>, Vec<&String>) = denied
        .iter()
        .partition(|d| !(d.starts_with("set") || d.starts_with("info")));
    if !repl.is_empty() {
        r.push(
            Blocking,
            Check::ReplicationPermission,
            Side::Source,
            format!(
                "source {}: user `{user}` may not replicate: {}",
                s.addr,
                repl.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            format!("ACL SETUSER {user} +psync +replconf +ping (or use a user that has them)"),
        );
    }
    if !other.is_empty() {
        r.push(Warning, Check::ReplicationPermission, Side::Source, format!("source {}: user `{user}` cannot write the heartbeat key `{}` or read INFO: {}; lag in ms and caught-up will not be known", s.addr, cfg.heartbeat_key, other.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("; ")), format!("ACL SETUSER {user} +set +info ~{}", cfg.heartbeat_key));
    }
}

/// `flags` and `commands` of an `ACL GETUSER` reply (array or map).
fn getuser_rules(f: &resp_codec::Frame) -> (Vec<String>, String) {
    let mut pairs: Vec<(&resp_codec::Frame, &resp_codec::Frame)> = Vec::new();
    if let Some(a) = f.as_array() {
        pairs.extend(a.chunks(2).filter(|c| c.len() == 2).map(|c| (&c[0], &c[1])));
    } else if let Some(m) = f.as_map() {
        pairs.extend(m.iter().map(|(k, v)| (k, v)));
    }
    let text = |x: &resp_codec::Frame| {
        x.as_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    };
    let mut flags = Vec::new();
    let mut rules = String::new();
    for (k, v) in pairs {
        match text(k).as_deref() {
            Some("flags") => {
                flags = v
                    .as_array()
                    .map(|a| a.iter().filter_map(text).collect())
                    .unwrap_or_default()
            }
            Some("commands") => rules = text(v).unwrap_or_default(),
            _ => {}
        }
    }
    (flags, rules)
}

/// Whether 6.x ACL command rules (applied left to right) allow `cmd`. Categories of the
/// commands the migration needs (Redis 6.x command table): psync/replconf are `@admin
/// @slow @dangerous`, ping is `@fast @connection`, set is `@write @string @slow`, info is
/// `@slow @dangerous`.
pub(super) fn acl6_allows(rules: &str, cmd: &str) -> bool {
    let cats: &[&str] = match cmd {
        "psync" | "replconf" => &["admin", "slow", "dangerous"],
        "ping" => &["fast", "connection"],
        "set" => &["write", "string", "slow"],
        "info" => &["slow", "dangerous"],
        _ => &[],
    };
    let mut allowed = false;
    for tok in rules.split_whitespace() {
        let (on, rest) = match tok.as_bytes().first() {
            Some(b'+') => (true, &tok[1..]),
            Some(b'-') => (false, &tok[1..]),
            _ => match tok {
                "allcommands" => (true, "@all"),
                "nocommands" => (false, "@all"),
                _ => continue,
            },
        };
        let hit = match rest.strip_prefix('@') {
            Some("all") => true,
            Some(cat) => cats.contains(&cat),
            // `+cmd|sub` allows a subcommand only: not the whole command.
            None => rest.eq_ignore_ascii_case(cmd),
        };
        if hit {
            allowed = on;
        }
    }
    allowed
}

#[cfg(test)]
mod tests {
    use super::acl6_allows;

    #[test]
    fn acl6_rules() {
        assert!(acl6_allows("+@all", "psync"));
        assert!(!acl6_allows("+@all -@admin", "psync"));
        assert!(acl6_allows("+@all -@admin", "ping"));
        assert!(acl6_allows("-@all +psync +replconf +ping", "replconf"));
        assert!(!acl6_allows("-@all +get", "psync"));
        assert!(!acl6_allows("+@all -psync", "psync"));
        assert!(!acl6_allows("-@all +config|get", "config"));
        assert!(acl6_allows("allcommands", "set"));
    }
}
