//! Parsing `redis://` and `rediss://` URLs.
//!
//! Grammar (the one `redis-cli -u` and most client libraries accept):
//!
//! ```text
//! redis[s]://[[username][:password]@]host[:port][/db]
//! ```
//!
//! * `host` is a name, an IPv4 address or a bracketed IPv6 address (`[::1]`).
//! * `port` defaults to 6379.
//! * user and password are percent-decoded (`%40` for `@`, `%3A` for `:`).
//! * `redis://:secret@host` means "password only" (`AUTH secret`).
//! * `db` is a decimal database number; an empty path means none.

use crate::error::Error;

/// The parts of a parsed URL.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ParsedUrl {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    pub db: Option<u32>,
}

impl std::fmt::Debug for ParsedUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedUrl")
            .field("tls", &self.tls)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("db", &self.db)
            .finish()
    }
}

/// The URL with any password replaced by `***`, for error messages and logs.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<unparsable URL>".to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                "***".into()
            };
            format!("{scheme}://{masked}@{}{path}", &authority[at + 1..])
        }
        None => url.to_owned(),
    }
}

fn invalid(url: &str, reason: impl Into<String>) -> Error {
    Error::InvalidUrl {
        url: redact(url),
        reason: reason.into(),
    }
}

pub(crate) fn parse(url: &str) -> Result<ParsedUrl, Error> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| invalid(url, "expected redis:// or rediss://"))?;
    let tls = match scheme.to_ascii_lowercase().as_str() {
        "redis" => false,
        "rediss" => true,
        other => return Err(invalid(url, format!("unsupported scheme `{other}`"))),
    };
    if rest.contains('?') || rest.contains('#') {
        return Err(invalid(
            url,
            "query parameters and fragments are not supported; set options with the builder",
        ));
    }
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    let (username, password) = match userinfo {
        None => (None, None),
        Some(ui) => {
            let (u, p) = match ui.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (ui, None),
            };
            let u = percent_decode(u).map_err(|e| invalid(url, format!("username: {e}")))?;
            let p = p
                .map(percent_decode)
                .transpose()
                .map_err(|e| invalid(url, format!("password: {e}")))?;
            match (u.is_empty(), p) {
                (true, None) => (None, None),
                (true, Some(p)) => (None, Some(p)),
                (false, Some(p)) => (Some(u), Some(p)),
                (false, None) => {
                    return Err(invalid(
                        url,
                        "a username needs a password (user:password@host)",
                    ))
                }
            }
        }
    };
    let (host, port) = split_host_port(hostport).map_err(|e| invalid(url, e))?;
    let db = match path.trim_start_matches('/') {
        "" => None,
        d => Some(
            d.parse::<u32>()
                .map_err(|_| invalid(url, format!("database `{d}` is not a number")))?,
        ),
    };
    Ok(ParsedUrl {
        tls,
        host,
        port,
        username,
        password,
        db,
    })
}

fn split_host_port(hp: &str) -> Result<(String, u16), String> {
    let (host, port) = if let Some(rest) = hp.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or("unterminated `[` in IPv6 host")?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("junk after IPv6 host")?),
        };
        (h, port)
    } else {
        match hp.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hp, None),
        }
    };
    if host.is_empty() {
        return Err("missing host".into());
    }
    let port = match port {
        None => 6379,
        Some(p) => match p.parse::<u16>() {
            Ok(p) if p != 0 => p,
            _ => return Err(format!("port `{p}` is not in 1..=65535")),
        },
    };
    Ok((host.to_owned(), port))
}

fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).ok_or("truncated %-escape")?;
            let hex = std::str::from_utf8(hex).map_err(|_| "bad %-escape")?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| format!("bad %-escape `%{hex}`"))?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "not UTF-8 after %-decoding".into())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn full_url() {
        let p = parse("rediss://alice:p%40ss%3Aw@cache.example:6380/3").unwrap();
        assert!(p.tls);
        assert_eq!(p.host, "cache.example");
        assert_eq!(p.port, 6380);
        assert_eq!(p.username.as_deref(), Some("alice"));
        assert_eq!(p.password.as_deref(), Some("p@ss:w"));
        assert_eq!(p.db, Some(3));
    }

    #[test]
    fn minimal_and_password_only() {
        let p = parse("redis://127.0.0.1").unwrap();
        assert_eq!(
            (p.tls, p.port, p.username, p.password, p.db),
            (false, 6379, None, None, None)
        );
        let p = parse("redis://:secret@h:1/").unwrap();
        assert_eq!((p.username, p.password.as_deref()), (None, Some("secret")));
        let p = parse("redis://@h").unwrap();
        assert_eq!(p.password, None);
    }

    #[test]
    fn ipv6() {
        let p = parse("redis://[::1]:7000").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("::1", 7000));
        let p = parse("redis://[fe80::1]").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("fe80::1", 6379));
    }

    #[test]
    fn errors_are_clear_and_redacted() {
        for (url, needle) in [
            ("http://h", "unsupported scheme"),
            ("h:6379", "expected redis://"),
            ("redis://h:0", "port `0`"),
            ("redis://h:99999", "port `99999`"),
            ("redis://h/x", "database `x`"),
            ("redis://u@h", "needs a password"),
            ("redis://", "missing host"),
            ("redis://h?x=1", "query parameters"),
            ("redis://u:p%zz@h", "bad %-escape"),
            ("redis://[::1", "unterminated"),
        ] {
            let e = parse(url).unwrap_err().to_string();
            assert!(e.contains(needle), "{url}: {e}");
        }
        let e = parse("redis://bob:hunter2@h:x").unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(e.contains("bob:***@h:x"), "{e}");
    }

    #[test]
    fn debug_redacts() {
        let p = parse("redis://u:hunter2@h").unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
