//! Small pure helpers: key types, reply accessors, exact score comparison, TTL comparison.

use bytes::Bytes;
use resp_codec::Frame;

use crate::client::{Client, ClientError};

/// A key's type as `TYPE` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyType {
    None,
    String,
    List,
    Set,
    ZSet,
    Hash,
    Stream,
    /// A module type (its `TYPE` name).
    Other(Bytes),
}

impl KeyType {
    pub(crate) fn from_reply(f: &Frame) -> Option<KeyType> {
        let b = f.as_bytes()?;
        Some(match &b[..] {
            b"none" => KeyType::None,
            b"string" => KeyType::String,
            b"list" => KeyType::List,
            b"set" => KeyType::Set,
            b"zset" => KeyType::ZSet,
            b"hash" => KeyType::Hash,
            b"stream" => KeyType::Stream,
            _ => KeyType::Other(b.clone()),
        })
    }

    /// The type named by the first byte of a `DUMP` payload (its RDB object type), when
    /// it is a core type.
    pub(crate) fn from_dump(payload: &[u8]) -> Option<KeyType> {
        Some(match payload.first()? {
            0 => KeyType::String,
            1 | 10 | 14 | 18 => KeyType::List,
            2 | 11 | 20 => KeyType::Set,
            3 | 5 | 12 | 17 => KeyType::ZSet,
            4 | 9 | 13 | 16 => KeyType::Hash,
            15 | 19 | 21 => KeyType::Stream,
            _ => return None,
        })
    }

    pub(crate) fn name(&self) -> String {
        match self {
            KeyType::None => "none".into(),
            KeyType::String => "string".into(),
            KeyType::List => "list".into(),
            KeyType::Set => "set".into(),
            KeyType::ZSet => "zset".into(),
            KeyType::Hash => "hash".into(),
            KeyType::Stream => "stream".into(),
            KeyType::Other(b) => String::from_utf8_lossy(b).into_owned(),
        }
    }
}

/// An integer reply, or an `UnexpectedReply` error naming `cmd`.
pub(crate) fn int(c: &Client, cmd: &str, f: &Frame) -> Result<i64, ClientError> {
    f.as_integer()
        .ok_or_else(|| c.unexpected(cmd, "integer", f))
}

/// A bulk/simple reply's bytes.
pub(crate) fn bytes<'f>(c: &Client, cmd: &str, f: &'f Frame) -> Result<&'f Bytes, ClientError> {
    f.as_bytes()
        .ok_or_else(|| c.unexpected(cmd, "bulk string", f))
}

/// An array reply's elements.
pub(crate) fn array<'f>(c: &Client, cmd: &str, f: &'f Frame) -> Result<&'f [Frame], ClientError> {
    f.as_array().ok_or_else(|| c.unexpected(cmd, "array", f))
}

/// The elements of an array reply as byte strings (a nil element is an error).
pub(crate) fn bulk_list(c: &Client, cmd: &str, f: &Frame) -> Result<Vec<Bytes>, ClientError> {
    array(c, cmd, f)?
        .iter()
        .map(|e| bytes(c, cmd, e).cloned())
        .collect()
}

/// A `SCAN`-family reply: `(cursor, elements)`.
pub(crate) fn scan_reply(
    c: &Client,
    cmd: &str,
    f: &Frame,
) -> Result<(Bytes, Vec<Bytes>), ClientError> {
    let a = array(c, cmd, f)?;
    match a {
        [cur, items] => Ok((bytes(c, cmd, cur)?.clone(), bulk_list(c, cmd, items)?)),
        _ => Err(c.unexpected(cmd, "[cursor, elements]", f)),
    }
}

/// Parses a score as the server printed it (`%.17g`, shortest round-trip, `inf`, `-inf`).
/// Every form Redis prints round-trips to the exact double it stores.
pub(crate) fn parse_score(b: &[u8]) -> Option<f64> {
    std::str::from_utf8(b).ok()?.trim().parse::<f64>().ok()
}

/// Whether two scores are the same double, bit for bit: `-0` and `0` differ (Redis stores
/// and replicates the sign of zero), a score off in the 17th significant digit differs.
pub(crate) fn same_score(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

/// Compares two `PTTL` replies (-1 no expiry, -2 gone, else ms left). `None` when equal
/// within `tolerance_ms`, else a description.
pub(crate) fn ttl_difference(src: i64, tgt: i64, tolerance_ms: i64) -> Option<String> {
    match (src, tgt) {
        (-1, -1) => None,
        (-1, t) if t >= 0 => Some(format!("source has no expiry, target expires in {t} ms")),
        (s, -1) if s >= 0 => Some(format!("source expires in {s} ms, target has no expiry")),
        (s, t) if s >= 0 && t >= 0 => {
            let d = (s - t).abs();
            (d > tolerance_ms).then(|| {
                format!(
                    "ttl {s} ms on source, {t} ms on target (off by {d} ms > {tolerance_ms} ms)"
                )
            })
        }
        (s, t) => Some(format!(
            "key vanished during the check (PTTL {s} on source, {t} on target)"
        )),
    }
}

/// A short printable form of a value for details (cut at 48 bytes).
pub(crate) fn show(b: &[u8]) -> String {
    let cut = &b[..b.len().min(48)];
    let mut s = super::report::escape_bytes(cut);
    if b.len() > cut.len() {
        s.push_str(&format!("...({} bytes)", b.len()));
    }
    format!("'{s}'")
}

/// The id after `id` (`ms-seq`), for exclusive range starts that work on every version.
pub(crate) fn next_stream_id(id: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(id).ok()?;
    let (ms, seq) = s.split_once('-')?;
    let ms: u64 = ms.parse().ok()?;
    let seq: u64 = seq.parse().ok()?;
    Some(match seq.checked_add(1) {
        Some(n) => format!("{ms}-{n}"),
        None => format!("{}-0", ms.checked_add(1)?),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn scores_are_exact() {
        // Different texts of the same double are equal (`%.17g` vs shortest round-trip).
        let a = parse_score(b"0.1").unwrap();
        assert!(same_score(a, parse_score(b"0.10000000000000001").unwrap()));
        // A change in the 15th significant digit is a difference.
        let x = parse_score(b"1.23456789012345").unwrap();
        let y = parse_score(b"1.23456789012346").unwrap();
        assert!(!same_score(x, y), "15th significant digit must count");
        // So is one ulp.
        assert!(!same_score(x, f64::from_bits(x.to_bits() + 1)));
        assert!(same_score(parse_score(b"inf").unwrap(), f64::INFINITY));
        assert!(same_score(parse_score(b"-inf").unwrap(), f64::NEG_INFINITY));
        assert!(!same_score(
            parse_score(b"-0").unwrap(),
            parse_score(b"0").unwrap()
        ));
        assert!(parse_score(b"abc").is_none());
    }

    #[test]
    fn dump_type_bytes() {
        assert_eq!(KeyType::from_dump(&[0, 1]), Some(KeyType::String));
        assert_eq!(KeyType::from_dump(&[18]), Some(KeyType::List));
        assert_eq!(KeyType::from_dump(&[11]), Some(KeyType::Set));
        assert_eq!(KeyType::from_dump(&[17]), Some(KeyType::ZSet));
        assert_eq!(KeyType::from_dump(&[16]), Some(KeyType::Hash));
        assert_eq!(KeyType::from_dump(&[21]), Some(KeyType::Stream));
        assert_eq!(KeyType::from_dump(&[7]), None);
        assert_eq!(KeyType::from_dump(&[]), None);
    }

    #[test]
    fn ttl_rules() {
        assert_eq!(ttl_difference(-1, -1, 0), None);
        assert_eq!(ttl_difference(10_000, 9_500, 1000), None);
        assert!(ttl_difference(10_000, 8_000, 1000)
            .unwrap()
            .contains("off by 2000"));
        assert!(ttl_difference(-1, 5, 1000).unwrap().contains("no expiry"));
        assert!(ttl_difference(5, -1, 1000).unwrap().contains("no expiry"));
        assert!(ttl_difference(-2, 5, 1000).unwrap().contains("vanished"));
    }

    #[test]
    fn stream_ids() {
        assert_eq!(next_stream_id(b"5-3").as_deref(), Some("5-4"));
        assert_eq!(
            next_stream_id(b"5-18446744073709551615").as_deref(),
            Some("6-0")
        );
        assert_eq!(next_stream_id(b"x"), None);
    }
}
