//! The invariants the fuzz targets check, shared with the corpus-replay test
//! (`tests/fuzz_corpus.rs`) so the committed seeds run under `cargo test`.
//! The fuzz targets include this file by path.
#![allow(dead_code)]

use bytes::BytesMut;
use resp_codec::{DecodeError, Decoded, Decoder, Frame, Limits, Protocol};

/// Small limits so the fuzzer reaches them.
fn limits() -> Limits {
    Limits {
        max_bulk_len: 1 << 20,
        max_aggregate_len: 1 << 16,
        max_depth: 32,
        max_inline_len: 1 << 12,
    }
}

/// The decoder configurations the targets exercise, picked by one byte.
pub fn decoder(sel: u8) -> Decoder {
    let d = Decoder::new().with_limits(limits());
    match sel % 4 {
        0 => d.with_protocol(Protocol::Resp3),
        1 => d,
        2 => d.with_protocol(Protocol::Resp3).skip_keepalives(true),
        _ => d.inline_commands(true),
    }
}

fn has_double(f: &Frame) -> bool {
    match f {
        Frame::Double(_) => true,
        Frame::Array(v) | Frame::Set(v) | Frame::Push(v) => v.iter().any(has_double),
        Frame::Map(p) => p.iter().any(|(k, v)| has_double(k) || has_double(v)),
        Frame::Attribute { attributes, data } => {
            attributes
                .iter()
                .any(|(k, v)| has_double(k) || has_double(v))
                || has_double(data)
        }
        _ => false,
    }
}

/// Decodes everything it can from `buf`; returns frames and the stopping error.
fn drain(dec: &mut Decoder, buf: &mut BytesMut, out: &mut Vec<Decoded>) -> Option<DecodeError> {
    loop {
        match dec.decode(buf) {
            Ok(Some(d)) => out.push(d),
            Ok(None) => return None,
            Err(e) => return Some(e),
        }
    }
}

/// `resp_decode`: arbitrary bytes never panic; byte accounting is exact; a decoded frame
/// re-encodes to something that decodes to the same frame; after an error the decoder
/// stays failed.
pub fn check_decode(data: &[u8]) {
    let Some((&sel, input)) = data.split_first() else {
        return;
    };
    let mut dec = decoder(sel);
    let inline = sel % 4 == 3;
    let mut buf = BytesMut::from(input);
    let mut frames = Vec::new();
    let err = drain(&mut dec, &mut buf, &mut frames);
    let accounted: u64 = frames.iter().map(|d| (d.wire_len + d.skipped) as u64).sum();
    if err.is_none() {
        assert_eq!(
            dec.position() + buf.len() as u64,
            input.len() as u64,
            "position + left == input"
        );
        let wire: u64 = frames.iter().map(|d| d.wire_len as u64).sum();
        assert!(accounted <= dec.position());
        if dec.is_idle() {
            assert_eq!(
                wire + dec.skipped_total(),
                dec.position(),
                "every consumed byte accounted once"
            );
        }
    } else {
        let e = err.clone();
        assert_eq!(
            dec.decode(&mut buf).err(),
            e,
            "poisoned decoder repeats its error"
        );
    }
    check_other_entry_points(sel, input);
    for d in &frames {
        if inline || has_double(&d.frame) {
            continue; // inline commands and doubles have several spellings
        }
        let mut enc = BytesMut::new();
        d.frame.encode(&mut enc);
        assert_eq!(enc.len(), d.frame.encoded_len());
        let mut re = decoder(0).with_limits(Limits::DEFAULT);
        let again = re.decode(&mut enc).ok().flatten();
        assert_eq!(
            again.as_ref().map(|a| &a.frame),
            Some(&d.frame),
            "re-encoded frame decodes back"
        );
        assert!(enc.is_empty());
    }
}

/// The other entry points on the same bytes: `decode_command` (frames that are not
/// commands are errors, never panics) and `decode_payload_header` then resuming.
fn check_other_entry_points(sel: u8, input: &[u8]) {
    let mut dec = decoder(sel);
    let mut buf = BytesMut::from(input);
    let mut total = 0u64;
    while let Ok(Some(c)) = dec.decode_command(&mut buf) {
        assert!(!c.argv().is_empty());
        total += c.wire_len() as u64;
    }
    assert!(total <= dec.position());
    let mut dec = decoder(sel);
    let mut buf = BytesMut::from(input);
    if let Ok(Some(h)) = dec.decode_payload_header(&mut buf) {
        assert_eq!(dec.position(), (h.wire_len + h.skipped) as u64);
        let take = match h.payload {
            resp_codec::PayloadLen::Exact(n) => n.min(buf.len() as u64) as usize,
            resp_codec::PayloadLen::EofMark(_) => buf.len() / 2,
        };
        let _ = buf.split_to(take);
        assert!(dec.note_raw_bytes(take as u64));
        while let Ok(Some(_)) = dec.decode(&mut buf) {}
        assert!(dec.position() <= input.len() as u64);
    }
}

/// `resp_chunked`: decoding in pieces (sizes drawn from the first bytes) gives the same
/// frames, wire lengths and error kind as decoding the whole input.
pub fn check_chunked(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let (head, input) = data.split_at(3);
    let sel = head[0];
    let mut seed = u64::from(head[1]) << 8 | u64::from(head[2]) | 1;
    let mut whole_dec = decoder(sel);
    let mut buf = BytesMut::from(input);
    let mut whole = Vec::new();
    let whole_err = drain(&mut whole_dec, &mut buf, &mut whole);

    let mut dec = decoder(sel);
    let mut buf = BytesMut::new();
    let mut chunked = Vec::new();
    let mut err = None;
    let mut at = 0;
    while at < input.len() && err.is_none() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let n = 1 + (seed % 17) as usize;
        let end = (at + n).min(input.len());
        buf.extend_from_slice(&input[at..end]);
        at = end;
        err = drain(&mut dec, &mut buf, &mut chunked);
    }
    let key = |v: &[Decoded]| v.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>();
    assert_eq!(key(&chunked), key(&whole), "chunked frames == whole frames");
    assert_eq!(
        err.as_ref().map(std::mem::discriminant),
        whole_err.as_ref().map(std::mem::discriminant),
        "same error kind: {err:?} vs {whole_err:?}"
    );
    if whole_err.is_none() {
        assert_eq!(dec.position(), whole_dec.position());
    }
}
