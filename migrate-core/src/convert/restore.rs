//! A `RESTORE` payload the target cannot load (newer RDB version or types) replayed as
//! commands.

use rdb_parser::{parse_dump_payload, Event, KeyStart};

use super::events::EventConverter;
use super::writer::{lossy, ConvertOptions};
use super::{Argv, ConvertError, ConvertReport};

/// Decodes a `DUMP` payload and writes its value under `key` as commands (see the
/// [module docs](super)), then `PEXPIREAT expire_ms` when given. The key is replaced.
pub fn payload_to_commands(
    key: &[u8],
    payload: &[u8],
    expire_ms: Option<i64>,
    opts: ConvertOptions,
    out: &mut Vec<Argv>,
) -> Result<ConvertReport, ConvertError> {
    let mut conv = EventConverter::new(ConvertOptions {
        replace: true,
        ..opts
    });
    let mut failed: Option<ConvertError> = None;
    let mut report = None;
    let parsed = parse_dump_payload(payload, |_, ev| {
        if failed.is_some() {
            return;
        }
        let step = match &ev {
            Event::KeyStart(k) => conv
                .start(&KeyStart {
                    key,
                    expire_ms,
                    ..*k
                })
                .map(|()| None),
            _ => conv.feed(&ev, out),
        };
        match step {
            Ok(Some(r)) => report = Some(r),
            Ok(None) => {}
            Err(e) => failed = Some(e),
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    parsed.map_err(|e| ConvertError::BadPayload {
        key: lossy(key),
        reason: e.to_string(),
    })?;
    report.ok_or_else(|| ConvertError::BadPayload {
        key: lossy(key),
        reason: "payload holds no value".into(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::convert::TargetCaps;

    #[test]
    fn string_payload() {
        // DUMP of "bar" from Redis 7.0.15 (spec 3.1).
        let p = b"\x00\x03bar\x0a\x00\xe6\xbe\x49\x60\xee\x66\xfd\x17";
        let mut out = Vec::new();
        let opts = ConvertOptions::new(TargetCaps::for_version(3, 2));
        let r = payload_to_commands(b"k", p, Some(77), opts, &mut out).unwrap();
        assert_eq!(
            out,
            vec![
                vec![b"SET".to_vec(), b"k".to_vec(), b"bar".to_vec()],
                vec![b"PEXPIREAT".to_vec(), b"k".to_vec(), b"77".to_vec()],
            ]
        );
        assert_eq!(r.commands, 2);
    }

    #[test]
    fn bad_payloads_are_errors() {
        let opts = ConvertOptions::new(TargetCaps::for_version(3, 2));
        let mut out = Vec::new();
        for p in [
            &b""[..],
            b"\x00\x03bar\x0a\x00\xe6\xbe\x49\x60\xee\x66\xfd\x18",
            b"\x00\x03ba",
        ] {
            let e = payload_to_commands(b"k", p, None, opts, &mut out).unwrap_err();
            assert!(matches!(e, ConvertError::BadPayload { .. }), "{e}");
        }
    }
}
