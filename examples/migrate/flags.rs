//! Command-line flags (and the `--config` file) into a validated [`Config`].

use migrate_core::config::{Config, SETTINGS};
use serde_json::Value;

/// How settings are typed on the command line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Bool,
    /// Repeatable; comma-separated values split.
    List,
    /// Repeatable; values kept whole (prefixes and regexes may contain commas).
    ListWhole,
    /// Repeatable list of integers (comma-separated).
    IntList,
}

fn kind(name: &str) -> Kind {
    match name {
        "db" => Kind::IntList,
        "db-map" | "type" | "command-allow" | "command-deny" => Kind::List,
        "key-include-prefix" | "key-exclude-prefix" | "key-include-regex" | "key-exclude-regex" => {
            Kind::ListWhole
        }
        "ttl-extend-secs"
        | "full-ops-per-sec"
        | "full-bytes-per-sec"
        | "incr-ops-per-sec"
        | "incr-bytes-per-sec"
        | "retry-window-secs"
        | "heartbeat-interval-ms"
        | "restore-size-limit"
        | "batch-max-elems"
        | "batch-max-bytes" => Kind::Int,
        "forward-publish" => Kind::Bool,
        _ => Kind::Text,
    }
}

/// What the command line asks for.
pub(crate) struct Cli {
    pub(crate) config: Config,
    pub(crate) precheck_only: bool,
    pub(crate) skip_precheck: bool,
    pub(crate) status_json: bool,
    /// Period of the status JSON lines.
    pub(crate) status_ms: u64,
    pub(crate) quiet: bool,
    pub(crate) verify: bool,
}

/// Parses flags (and the `--config` file) into a validated [`Config`].
pub(crate) fn parse(args: &[String]) -> Result<Cli, String> {
    let mut flags: Vec<(String, Option<String>)> = Vec::new();
    let mut config_file = None;
    let (mut precheck_only, mut skip_precheck, mut status_json, mut quiet, mut verify) =
        (false, false, false, false, false);
    let mut status_ms = 1000u64;
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let Some(body) = arg.strip_prefix("--") else {
            return Err(format!("unexpected argument `{arg}`"));
        };
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (body, None),
        };
        let value = |i: &mut usize| -> Result<String, String> {
            if let Some(v) = &inline {
                return Ok(v.clone());
            }
            *i += 1;
            args.get(*i)
                .cloned()
                .ok_or_else(|| format!("--{name} needs a value"))
        };
        match name {
            "config" => config_file = Some(value(&mut i)?),
            "precheck-only" => precheck_only = true,
            "skip-precheck" => skip_precheck = true,
            "status-json" => status_json = true,
            "status-interval-ms" => {
                let v = value(&mut i)?;
                status_ms = match v.parse::<u64>() {
                    Ok(n) if (10..=60_000).contains(&n) => n,
                    _ => return Err(format!("--status-interval-ms: `{v}` is not in 10..=60000")),
                };
            }
            "quiet" => quiet = true,
            "verify" => verify = true,
            n if SETTINGS.contains(&n) => {
                if kind(n) == Kind::Bool {
                    let v = match &inline {
                        Some(v) => Some(v.clone()),
                        None => match args.get(i + 1).map(String::as_str) {
                            Some(v @ ("true" | "false")) => {
                                i += 1;
                                Some(v.to_owned())
                            }
                            _ => None,
                        },
                    };
                    flags.push((n.to_owned(), v));
                } else {
                    flags.push((n.to_owned(), Some(value(&mut i)?)));
                }
            }
            other => return Err(format!("unknown flag `--{other}`")),
        }
        i += 1;
    }
    let base = match &config_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--config {path}: cannot read: {e}"))?;
            toml::from_str::<Config>(&text).map_err(|e| format!("--config {path}: {e}"))?
        }
        None => Config::default(),
    };
    let config = apply_flags(base, &flags)?;
    config.validate().map_err(|e| e.to_string())?;
    if verify && !config.types.is_empty() {
        return Err("--verify compares every key: it cannot be combined with --type".into());
    }
    Ok(Cli {
        config,
        precheck_only,
        skip_precheck,
        status_json,
        status_ms,
        quiet,
        verify,
    })
}

/// Overrides the settings of `base` with the flags (a list flag replaces the file's list).
fn apply_flags(base: Config, flags: &[(String, Option<String>)]) -> Result<Config, String> {
    let mut v = serde_json::to_value(&base).map_err(|e| e.to_string())?;
    let Some(map) = v.as_object_mut() else {
        return Err("settings are not an object".into());
    };
    let mut replaced: Vec<&str> = Vec::new();
    for (name, value) in flags {
        let name = name.as_str();
        let k = kind(name);
        let new = match (k, value) {
            (Kind::Bool, None) => Value::Bool(true),
            (Kind::Bool, Some(s)) => Value::Bool(match s.as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(format!("--{name}: `{s}` is not true or false")),
            }),
            (_, None) => return Err(format!("--{name} needs a value")),
            (Kind::Int, Some(s)) => Value::from(
                s.parse::<u64>()
                    .map_err(|_| format!("--{name}: `{s}` is not a non-negative integer"))?,
            ),
            (Kind::Text, Some(s)) => Value::String(s.clone()),
            (Kind::List | Kind::ListWhole | Kind::IntList, Some(s)) => {
                let parts: Vec<&str> = if k == Kind::ListWhole {
                    vec![s.as_str()]
                } else {
                    s.split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .collect()
                };
                let mut items = Vec::new();
                for p in parts {
                    items.push(if k == Kind::IntList {
                        Value::from(
                            p.parse::<u32>()
                                .map_err(|_| format!("--{name}: `{p}` is not a db number"))?,
                        )
                    } else {
                        Value::String(p.to_owned())
                    });
                }
                let first = !replaced.contains(&name);
                replaced.push(name);
                match map.get_mut(name).and_then(Value::as_array_mut) {
                    Some(existing) if !first => {
                        existing.extend(items);
                        continue;
                    }
                    _ => Value::Array(items),
                }
            }
        };
        map.insert(name.to_owned(), new);
    }
    serde_json::from_value(v).map_err(|e| format!("settings: {e}"))
}
