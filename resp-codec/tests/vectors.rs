//! Every vector decoded whole, byte by byte, split at every point and at random points:
//! same frames, same wire lengths. Errors, limits, inline commands, keepalives, raw mode.
#![allow(clippy::unwrap_used)]

mod common;

use bytes::{Bytes, BytesMut};
use common::{assert_split_invariant, whole};
use resp_codec::{DecodeError, Decoder, Frame, Limit, Limits, Protocol};

fn b(s: &str) -> Frame {
    Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
}
fn s(x: &str) -> Frame {
    Frame::Simple(Bytes::copy_from_slice(x.as_bytes()))
}
fn resp3() -> Decoder {
    Decoder::new().with_protocol(Protocol::Resp3)
}

fn resp2_vectors() -> Vec<(&'static [u8], Frame)> {
    vec![
        (b"+OK\r\n", s("OK")),
        (b"+\r\n", s("")),
        (
            b"-ERR unknown command 'foo'\r\n",
            Frame::Error(Bytes::from_static(b"ERR unknown command 'foo'")),
        ),
        (b":0\r\n", Frame::Integer(0)),
        (b":-42\r\n", Frame::Integer(-42)),
        (b":9223372036854775807\r\n", Frame::Integer(i64::MAX)),
        (b":-9223372036854775808\r\n", Frame::Integer(i64::MIN)),
        (b"$0\r\n\r\n", b("")),
        (b"$-1\r\n", Frame::NullBulk),
        (b"$12\r\nhello\r\nworld\r\n", b("hello\r\nworld")),
        (
            b"$3\r\n\x00\xff\n\r\n",
            Frame::Bulk(Bytes::from_static(b"\x00\xff\n")),
        ),
        (b"*-1\r\n", Frame::NullArray),
        (b"*0\r\n", Frame::Array(vec![])),
        (
            b"*3\r\n:1\r\n$-1\r\n*2\r\n+a\r\n-b\r\n",
            Frame::Array(vec![
                Frame::Integer(1),
                Frame::NullBulk,
                Frame::Array(vec![s("a"), Frame::Error(Bytes::from_static(b"b"))]),
            ]),
        ),
        (b"*1\r\n*0\r\n", Frame::Array(vec![Frame::Array(vec![])])),
        (
            b"*2\r\n*-1\r\n$0\r\n\r\n",
            Frame::Array(vec![Frame::NullArray, b("")]),
        ),
    ]
}

fn resp3_vectors() -> Vec<(&'static [u8], Frame)> {
    let pairs = |v: Vec<(Frame, Frame)>| v;
    vec![
        (b"_\r\n", Frame::Null),
        (b"#t\r\n", Frame::Boolean(true)),
        (b"#f\r\n", Frame::Boolean(false)),
        (b",2.5\r\n", Frame::Double(2.5)),
        (b",-0.5e-3\r\n", Frame::Double(-0.0005)),
        (b",1e300\r\n", Frame::Double(1e300)),
        (b",inf\r\n", Frame::Double(f64::INFINITY)),
        (b",-inf\r\n", Frame::Double(f64::NEG_INFINITY)),
        (b",nan\r\n", Frame::Double(f64::NAN)),
        (b",10\r\n", Frame::Double(10.0)),
        (
            b"(3492890328409238509324850943850943825024385\r\n",
            Frame::BigNumber(Bytes::from_static(b"3492890328409238509324850943850943825024385")),
        ),
        (b"(-1\r\n", Frame::BigNumber(Bytes::from_static(b"-1"))),
        (b"!21\r\nSYNTAX invalid syntax\r\n", Frame::BulkError(Bytes::from_static(b"SYNTAX invalid syntax"))),
        (
            b"=15\r\ntxt:Some string\r\n",
            Frame::Verbatim { format: *b"txt", text: Bytes::from_static(b"Some string") },
        ),
        (b"=4\r\nmkd:\r\n", Frame::Verbatim { format: *b"mkd", text: Bytes::new() }),
        (
            b"%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
            Frame::Map(pairs(vec![(s("first"), Frame::Integer(1)), (s("second"), Frame::Integer(2))])),
        ),
        (b"%0\r\n", Frame::Map(vec![])),
        (b"~2\r\n+a\r\n+b\r\n", Frame::Set(vec![s("a"), s("b")])),
        (b"~0\r\n", Frame::Set(vec![])),
        (
            b"|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n",
            Frame::Attribute {
                attributes: vec![(
                    s("key-popularity"),
                    Frame::Map(vec![(b("a"), Frame::Double(0.1923)), (b("b"), Frame::Double(0.0012))]),
                )],
                data: Box::new(Frame::Array(vec![Frame::Integer(2039123), Frame::Integer(9543892)])),
            },
        ),
        (
            b"*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n",
            Frame::Array(vec![
                Frame::Attribute { attributes: vec![(s("a"), s("b"))], data: Box::new(Frame::Integer(1)) },
                Frame::Integer(2),
            ]),
        ),
        (b"|0\r\n:1\r\n", Frame::Attribute { attributes: vec![], data: Box::new(Frame::Integer(1)) }),
        (
            b"|1\r\n+a\r\n+b\r\n|0\r\n_\r\n",
            Frame::Attribute {
                attributes: vec![(s("a"), s("b"))],
                data: Box::new(Frame::Attribute { attributes: vec![], data: Box::new(Frame::Null) }),
            },
        ),
        (
            b">3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$5\r\nhello\r\n",
            Frame::Push(vec![b("message"), b("ch1"), b("hello")]),
        ),
        (
            b"%1\r\n~1\r\n#t\r\n*1\r\n%1\r\n_\r\n,1.5\r\n",
            Frame::Map(vec![(
                Frame::Set(vec![Frame::Boolean(true)]),
                Frame::Array(vec![Frame::Map(vec![(Frame::Null, Frame::Double(1.5))])]),
            )]),
        ),
    ]
}

fn check_vectors(dec: &Decoder, vectors: &[(&[u8], Frame)]) {
    for (wire, frame) in vectors {
        let o = assert_split_invariant(dec, wire);
        assert!(
            o.error.is_none(),
            "{:?}: {:?}",
            String::from_utf8_lossy(wire),
            o.error
        );
        assert_eq!(o.frames.len(), 1, "{:?}", String::from_utf8_lossy(wire));
        assert_eq!(format!("{:?}", o.frames[0].frame), format!("{frame:?}"));
        assert_eq!(o.frames[0].wire_len, wire.len());
        assert_eq!(o.left, 0);
        // Re-encoding gives the same bytes, except for doubles (several spellings).
        if !wire.starts_with(b",") && !String::from_utf8_lossy(wire).contains(",0.") {
            let mut enc = BytesMut::new();
            frame.encode(&mut enc);
            assert_eq!(&enc[..], *wire, "re-encode");
            assert_eq!(frame.encoded_len(), wire.len());
        }
    }
    // All vectors back to back: one stream.
    let stream: Vec<u8> = vectors
        .iter()
        .flat_map(|(w, _)| w.iter().copied())
        .collect();
    let o = assert_split_invariant(dec, &stream);
    assert!(o.error.is_none());
    assert_eq!(o.frames.len(), vectors.len());
    for (d, (w, _)) in o.frames.iter().zip(vectors) {
        assert_eq!(d.wire_len, w.len());
        assert_eq!(d.skipped, 0);
    }
    assert_eq!(o.position, stream.len() as u64);
}

#[test]
fn resp2_vectors_decode_identically_in_any_pieces() {
    check_vectors(&Decoder::new(), &resp2_vectors());
    check_vectors(&resp3(), &resp2_vectors());
}

#[test]
fn resp3_vectors_decode_identically_in_any_pieces() {
    check_vectors(&resp3(), &resp3_vectors());
}

#[test]
fn resp3_types_are_rejected_by_a_resp2_decoder() {
    for (wire, _) in resp3_vectors() {
        let o = whole(Decoder::new(), wire);
        if wire[0] == b'*' {
            let e = o.error.unwrap();
            assert_eq!(
                e,
                DecodeError::Resp3InResp2 {
                    byte: b'|',
                    offset: 4
                }
            );
        } else {
            let e = o.error.unwrap();
            assert_eq!(
                e,
                DecodeError::Resp3InResp2 {
                    byte: wire[0],
                    offset: 0
                }
            );
        }
    }
}

#[test]
fn zero_copy_payloads_share_the_read_buffer() {
    let mut buf = BytesMut::from(&b"*2\r\n$5\r\nhello\r\n+world\r\n"[..]);
    let base = buf.as_ptr() as usize;
    let d = Decoder::new().decode(&mut buf).unwrap().unwrap();
    let v = d.frame.as_array().unwrap();
    assert_eq!(v[0].as_bytes().unwrap().as_ptr() as usize, base + 8);
    assert_eq!(v[1].as_bytes().unwrap().as_ptr() as usize, base + 16);
}

fn err_of(dec: Decoder, input: &[u8]) -> DecodeError {
    let o = assert_split_invariant(&dec, input);
    o.error
        .unwrap_or_else(|| panic!("no error for {:?}", String::from_utf8_lossy(input)))
}

#[test]
fn malformed_input_is_an_error_with_its_offset() {
    use DecodeError::*;
    let cases: Vec<(&[u8], DecodeError)> = vec![
        (
            b"?x\r\n",
            InvalidType {
                byte: b'?',
                offset: 0,
            },
        ),
        (
            b"+OK\r\n:12a\r\n",
            InvalidNumber {
                what: "integer",
                offset: 5,
            },
        ),
        (
            b":\r\n",
            InvalidNumber {
                what: "integer",
                offset: 0,
            },
        ),
        (
            b":99999999999999999999\r\n",
            InvalidNumber {
                what: "integer",
                offset: 0,
            },
        ),
        (
            b":9223372036854775808\r\n",
            InvalidNumber {
                what: "integer",
                offset: 0,
            },
        ),
        (
            b":+1\r\n",
            InvalidNumber {
                what: "integer",
                offset: 0,
            },
        ),
        (b"$3\r\nabcd\r\n", ExpectedCrlf { offset: 7 }),
        (
            b"$-2\r\n",
            InvalidNumber {
                what: "bulk length",
                offset: 0,
            },
        ),
        (
            b"*-2\r\n",
            InvalidNumber {
                what: "array length",
                offset: 0,
            },
        ),
        (b"+OK\rx", ExpectedCrlf { offset: 3 }),
        (b"+O\nK\r\n", ExpectedCrlf { offset: 2 }),
        (b"#x\r\n", InvalidBoolean { offset: 0 }),
        (b",abc\r\n", InvalidDouble { offset: 0 }),
        (b",\r\n", InvalidDouble { offset: 0 }),
        (b"(12a\r\n", InvalidBigNumber { offset: 0 }),
        (b"(\r\n", InvalidBigNumber { offset: 0 }),
        (b"=3\r\ntxt\r\n", InvalidVerbatim { offset: 4 }),
        (b"=5\r\ntxtx1\r\n", InvalidVerbatim { offset: 4 }),
        (b"$?\r\n", StreamedUnsupported { offset: 0 }),
        (b";4\r\n", StreamedUnsupported { offset: 0 }),
        (b"_x\r\n", ExpectedCrlf { offset: 1 }),
        (
            b"%-1\r\n",
            InvalidNumber {
                what: "aggregate length",
                offset: 0,
            },
        ),
        (
            b"\n",
            InvalidType {
                byte: b'\n',
                offset: 0,
            },
        ),
        (
            b"*2\r\n:1\r\nX",
            InvalidType {
                byte: b'X',
                offset: 8,
            },
        ),
    ];
    for (input, want) in cases {
        let got = err_of(resp3(), input);
        assert_eq!(got, want, "{:?}", String::from_utf8_lossy(input));
        assert_eq!(got.offset(), want.offset());
    }
}

#[test]
fn a_failed_decoder_stays_failed() {
    let mut dec = Decoder::new();
    let mut buf = BytesMut::from(&b"?\r\n+OK\r\n"[..]);
    let e = dec.decode(&mut buf).unwrap_err();
    assert_eq!(dec.decode(&mut buf).unwrap_err(), e);
    buf.clear();
    buf.extend_from_slice(b"+OK\r\n");
    assert_eq!(dec.decode(&mut buf).unwrap_err(), e);
}

#[test]
fn limits_are_named_and_hit_before_the_payload_arrives() {
    let lim = Limits {
        max_bulk_len: 10,
        max_aggregate_len: 3,
        max_depth: 3,
        max_inline_len: 16,
    };
    let dec = resp3().with_limits(lim);
    let cases: Vec<(&[u8], Limit, u64, u64, u64)> = vec![
        (b"$11\r\n", Limit::BulkLen, 11, 10, 0),
        (b"!11\r\n", Limit::BulkLen, 11, 10, 0),
        (b"=11\r\n", Limit::BulkLen, 11, 10, 0),
        (
            b"*1\r\n$999999999999\r\n",
            Limit::BulkLen,
            999_999_999_999,
            10,
            4,
        ),
        (b"*4\r\n", Limit::AggregateLen, 4, 3, 0),
        (b"%4\r\n", Limit::AggregateLen, 4, 3, 0),
        (b"~4\r\n", Limit::AggregateLen, 4, 3, 0),
        (b">4\r\n", Limit::AggregateLen, 4, 3, 0),
        (b"|4\r\n", Limit::AggregateLen, 4, 3, 0),
        (b"*1\r\n*1\r\n*1\r\n*1\r\n", Limit::Depth, 4, 3, 12),
        (b"*1\r\n%1\r\n|1\r\n~1\r\n", Limit::Depth, 4, 3, 12),
        (b"+0123456789A", Limit::BulkLen, 11, 10, 0),
        (b"-0123456789A\r\n", Limit::BulkLen, 11, 10, 0),
        (b":00000000000000001", Limit::InlineLen, 17, 16, 0),
    ];
    for (input, limit, value, max, offset) in cases {
        let e = err_of(dec.clone(), input);
        assert_eq!(
            e,
            DecodeError::LimitExceeded {
                limit,
                value,
                max,
                offset
            },
            "{:?}",
            String::from_utf8_lossy(input)
        );
        assert!(e.to_string().contains(limit.name()), "{e}");
    }
    let e = err_of(
        Decoder::new().with_limits(lim).inline_commands(true),
        b"GET aaaaaaaaaaaaaaa",
    );
    assert!(
        matches!(
            e,
            DecodeError::LimitExceeded {
                limit: Limit::InlineLen,
                ..
            }
        ),
        "{e}"
    );
    // At the limit exactly: fine.
    let o = whole(
        dec.clone(),
        b"$10\r\n0123456789\r\n*3\r\n:1\r\n:2\r\n:3\r\n*1\r\n*1\r\n*1\r\n:1\r\n",
    );
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.frames.len(), 3);
}

#[test]
fn default_limits_are_redis_defaults() {
    let l = Limits::default();
    assert_eq!(l.max_bulk_len, 512 * 1024 * 1024);
    assert_eq!(l.max_inline_len, 64 * 1024);
    let e = err_of(Decoder::new(), b"$536870913\r\n");
    assert!(matches!(
        e,
        DecodeError::LimitExceeded {
            limit: Limit::BulkLen,
            value: 536_870_913,
            ..
        }
    ));
    // A huge declared count is fine until its elements arrive (nothing is reserved for it).
    let o = whole(Decoder::new(), b"*2147483647\r\n:1\r\n");
    assert!(o.error.is_none() && o.frames.is_empty() && o.left == 0);
}

#[test]
fn inline_commands_follow_redis_quoting() {
    let dec = Decoder::new().inline_commands(true);
    let input: &[u8] =
        b"PING\r\nset k \"a b\\x41\\n\"\n\r\n\n  \nget 'it''s'\n*1\r\n$4\r\nPING\r\necho x\n";
    // `'it''s'` is unbalanced in Redis's rules (closing quote followed by a quote): the
    // stream fails there, after the frames before it.
    let o = assert_split_invariant(&dec, input);
    assert_eq!(o.frames.len(), 2);
    assert_eq!(o.frames[0].frame, Frame::Array(vec![b("PING")]));
    assert_eq!(o.frames[0].wire_len, 6);
    assert_eq!(
        o.frames[1].frame,
        Frame::Array(vec![b("set"), b("k"), b("a bA\n")])
    );
    assert_eq!(o.frames[1].wire_len, 18);
    assert!(
        matches!(o.error, Some(DecodeError::UnbalancedQuotes { offset: 30 })),
        "{:?}",
        o.error
    );

    let input: &[u8] = b"PING\r\n\r\n\n  \nget 'it\\'s'\n*1\r\n$4\r\nPING\r\necho x\n";
    let o = assert_split_invariant(&dec, input);
    assert!(o.error.is_none());
    let got: Vec<(Frame, usize, usize)> = o
        .frames
        .iter()
        .map(|d| (d.frame.clone(), d.wire_len, d.skipped))
        .collect();
    assert_eq!(
        got,
        vec![
            (Frame::Array(vec![b("PING")]), 6, 0),
            (Frame::Array(vec![b("get"), b("it's")]), 12, 6),
            (Frame::Array(vec![b("PING")]), 14, 0),
            (Frame::Array(vec![b("echo"), b("x")]), 7, 0),
        ]
    );
    assert_eq!(o.position, input.len() as u64);
}

#[test]
fn commands_are_viewed_case_insensitively_with_their_wire_length() {
    let mut dec = Decoder::new();
    let mut buf = BytesMut::from(&b"*3\r\n$3\r\nsEt\r\n$1\r\nk\r\n$0\r\n\r\n*1\r\n:1\r\n"[..]);
    let c = dec.decode_command(&mut buf).unwrap().unwrap();
    assert!(c.is("SET") && c.is("set") && !c.is("GET"));
    assert_eq!(c.name(), &b"sEt"[..]);
    assert_eq!(c.args(), &[Bytes::from_static(b"k"), Bytes::new()]);
    assert_eq!(c.arg(1), Some(&Bytes::new()));
    assert_eq!(c.arg(2), None);
    assert_eq!(c.wire_len(), 26);
    let mut enc = BytesMut::new();
    c.encode(&mut enc);
    assert_eq!(enc.len(), 26);
    let e = dec.decode_command(&mut buf).unwrap_err();
    assert_eq!(
        e,
        DecodeError::NotACommand {
            found: "array",
            offset: 26
        }
    );
    // from_frame gives a non-command back untouched.
    let f = Frame::Array(vec![]);
    assert_eq!(
        resp_codec::Command::from_frame(f.clone(), 4).unwrap_err(),
        f
    );
    assert_eq!(
        resp_codec::Command::from_frame(s("x"), 4).unwrap_err(),
        s("x")
    );
    let c = resp_codec::Command::new(vec![Bytes::from_static(b"PING")]).unwrap();
    assert_eq!(c.wire_len(), 14);
    assert!(resp_codec::Command::new(vec![]).is_none());
}

#[test]
fn linear_in_piece_count_big_array_in_small_pieces() {
    // 100k elements fed 1 byte at a time must not re-scan: this completes quickly only
    // if decoding is linear (a re-scanning decoder would take ~10^11 steps).
    let mut wire = BytesMut::new();
    resp_codec::encode_array_header(&mut wire, 100_000);
    for i in 0..100_000u32 {
        resp_codec::encode_bulk(&mut wire, i.to_string().as_bytes());
    }
    let o = common::byte_by_byte(Decoder::new(), &wire);
    assert_eq!(o.frames.len(), 1);
    assert_eq!(o.frames[0].wire_len, wire.len());
    let v = o.frames[0].frame.as_array().unwrap();
    assert_eq!(v.len(), 100_000);
    assert!(v
        .iter()
        .enumerate()
        .all(|(i, f)| f.as_bytes().unwrap() == i.to_string().as_bytes()));
}
