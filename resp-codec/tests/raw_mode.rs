//! Raw mode and keepalives: what a replica needs around `+FULLRESYNC` — lone `\n`
//! keepalives skipped and counted apart, the RDB payload header, the payload taken raw by
//! the caller, and frame decoding resumed on the next byte, in every piece size.
#![allow(clippy::unwrap_used)]

mod common;

use bytes::{Bytes, BytesMut};
use common::assert_split_invariant;
use resp_codec::{DecodeError, Decoder, Frame, PayloadLen};

fn s(x: &str) -> Frame {
    Frame::Simple(Bytes::copy_from_slice(x.as_bytes()))
}

fn err_of(dec: Decoder, input: &[u8]) -> DecodeError {
    let o = assert_split_invariant(&dec, input);
    o.error
        .unwrap_or_else(|| panic!("no error for {:?}", String::from_utf8_lossy(input)))
}

#[test]
fn keepalive_newlines_are_skipped_and_counted_apart() {
    let dec = Decoder::new().skip_keepalives(true);
    let input: &[u8] = b"\n\n+FULLRESYNC 8de1787ba490483314a4d30f1c628bc5025eb761 0\r\n\n+OK\r\n";
    let o = assert_split_invariant(&dec, input);
    assert!(o.error.is_none());
    assert_eq!(
        (o.frames[0].wire_len, o.frames[0].skipped),
        (input.len() - 8, 2)
    );
    assert_eq!((o.frames[1].wire_len, o.frames[1].skipped), (5, 1));
    // Keepalives alone: consumed, counted, no frame.
    let mut d = dec.clone();
    let mut buf = BytesMut::from(&b"\n\n\n"[..]);
    assert!(d.decode(&mut buf).unwrap().is_none());
    assert!(buf.is_empty() && d.is_idle());
    assert_eq!((d.skipped_total(), d.position()), (3, 3));
    buf.extend_from_slice(b"+OK\r\n");
    let f = d.decode(&mut buf).unwrap().unwrap();
    assert_eq!((f.wire_len, f.skipped), (5, 3));
    // Without the option a lone LF is an error.
    assert!(matches!(
        err_of(Decoder::new(), b"\n+OK\r\n"),
        DecodeError::InvalidType {
            byte: b'\n',
            offset: 0
        }
    ));
}

/// The replica's view: handshake replies, `+FULLRESYNC`, keepalives, `$<len>` + raw RDB
/// bytes (no CRLF), then the command stream, fed in every piece size.
#[test]
fn raw_mode_hands_back_every_byte_after_a_frame() {
    let rdb: &[u8] = b"REDIS0009\xfa\x09redis-ver\x057.0.0\xff\x01\x02\x03\x04\x05\x06\x07\x08";
    for (header, payload_len) in [
        (
            format!("${}\r\n", rdb.len()).into_bytes(),
            PayloadLen::Exact(rdb.len() as u64),
        ),
        (
            b"$EOF:0123456789012345678901234567890123456789\r\n".to_vec(),
            PayloadLen::EofMark(*b"0123456789012345678901234567890123456789"),
        ),
    ] {
        let mut input = b"+FULLRESYNC abc 0\r\n\n\n".to_vec();
        input.extend_from_slice(&header);
        input.extend_from_slice(rdb);
        let stream = b"*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n";
        input.extend_from_slice(stream);
        for piece in [1, 2, 3, 7, 4096] {
            let mut dec = Decoder::new().skip_keepalives(true);
            let mut buf = BytesMut::new();
            let mut chunks = input.chunks(piece);
            let mut feed = |buf: &mut BytesMut| match chunks.next() {
                Some(c) => {
                    buf.extend_from_slice(c);
                    true
                }
                None => false,
            };
            let first = loop {
                if let Some(d) = dec.decode(&mut buf).unwrap() {
                    break d;
                }
                assert!(feed(&mut buf));
            };
            assert_eq!(first.frame, s("FULLRESYNC abc 0"));
            assert!(dec.is_idle());
            let h = loop {
                if let Some(h) = dec.decode_payload_header(&mut buf).unwrap() {
                    break h;
                }
                assert!(feed(&mut buf));
            };
            assert_eq!(
                (h.payload, h.wire_len, h.skipped),
                (payload_len, header.len(), 2)
            );
            // The caller reads the payload raw.
            let mut raw = Vec::new();
            while raw.len() < rdb.len() {
                if buf.is_empty() {
                    assert!(feed(&mut buf));
                }
                let n = buf.len().min(rdb.len() - raw.len());
                raw.extend_from_slice(&buf.split_to(n));
            }
            assert_eq!(raw, rdb);
            assert!(dec.note_raw_bytes(rdb.len() as u64));
            let mut offsets = Vec::new();
            loop {
                while let Some(c) = dec.decode_command(&mut buf).unwrap() {
                    offsets.push(c.wire_len());
                }
                if !feed(&mut buf) {
                    break;
                }
            }
            assert_eq!(offsets, vec![14, 27]);
            assert_eq!(dec.position(), input.len() as u64);
            assert!(buf.is_empty() && dec.is_idle());
        }
    }
}

#[test]
fn note_raw_bytes_refuses_mid_frame() {
    let mut dec = Decoder::new();
    let mut buf = BytesMut::from(&b"*2\r\n:1\r\n"[..]);
    assert!(dec.decode(&mut buf).unwrap().is_none());
    assert!(!dec.is_idle());
    assert!(!dec.note_raw_bytes(5));
    assert_eq!(dec.position(), 8);
}

#[test]
fn payload_header_errors() {
    let mut dec = Decoder::new();
    let e = dec
        .decode_payload_header(&mut BytesMut::from(&b"-ERR x\r\n"[..]))
        .unwrap_err();
    assert_eq!(
        e,
        DecodeError::InvalidType {
            byte: b'-',
            offset: 0
        }
    );
    let mut dec = Decoder::new();
    let e = dec
        .decode_payload_header(&mut BytesMut::from(&b"$EOF:short\r\n"[..]))
        .unwrap_err();
    assert!(matches!(
        e,
        DecodeError::InvalidNumber {
            what: "EOF mark",
            ..
        }
    ));
    let mut dec = Decoder::new();
    let e = dec
        .decode_payload_header(&mut BytesMut::from(&b"$-1\r\n"[..]))
        .unwrap_err();
    assert!(matches!(
        e,
        DecodeError::InvalidNumber {
            what: "payload length",
            ..
        }
    ));
    // Not limited by max_bulk_len: an RDB may be bigger than 512 MiB.
    let mut dec = Decoder::new();
    let h = dec
        .decode_payload_header(&mut BytesMut::from(&b"$6000000000\r\n"[..]))
        .unwrap()
        .unwrap();
    assert_eq!(h.payload, PayloadLen::Exact(6_000_000_000));
}
