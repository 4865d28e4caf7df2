//! Property tests: every frame type, RESP2 and RESP3, encoded then decoded (whole and in
//! random pieces) gives the same frame, and the wire length is the encoded length.
#![allow(clippy::unwrap_used)]

mod common;

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use resp_codec::{Command, Decoder, Frame, Protocol};

fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

/// Bytes without CR or LF (simple strings, errors).
fn line() -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(
        any::<u8>().prop_filter("no CR/LF", |b| *b != b'\r' && *b != b'\n'),
        0..24,
    )
    .prop_map(Bytes::from)
}

fn resp2_leaf() -> impl Strategy<Value = Frame> {
    prop_oneof![
        line().prop_map(Frame::Simple),
        line().prop_map(Frame::Error),
        any::<i64>().prop_map(Frame::Integer),
        bytes(64).prop_map(Frame::Bulk),
        Just(Frame::NullBulk),
        Just(Frame::NullArray),
    ]
}

fn resp2_frame() -> impl Strategy<Value = Frame> {
    resp2_leaf().prop_recursive(4, 64, 8, |inner| {
        proptest::collection::vec(inner, 0..8).prop_map(Frame::Array)
    })
}

fn double() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::NAN),
        Just(0.0),
        Just(-0.0),
        (-1_000_000i64..1_000_000).prop_map(|i| i as f64 / 100.0),
    ]
}

fn resp3_leaf() -> impl Strategy<Value = Frame> {
    prop_oneof![
        resp2_leaf(),
        Just(Frame::Null),
        any::<bool>().prop_map(Frame::Boolean),
        double().prop_map(Frame::Double),
        "[+-]?[0-9]{1,60}".prop_map(|s| Frame::BigNumber(Bytes::from(s))),
        bytes(64).prop_map(Frame::BulkError),
        ("[a-z]{3}", bytes(64)).prop_map(|(f, text)| {
            let mut format = [0u8; 3];
            format.copy_from_slice(f.as_bytes());
            Frame::Verbatim { format, text }
        }),
    ]
}

fn resp3_frame() -> impl Strategy<Value = Frame> {
    resp3_leaf().prop_recursive(4, 64, 6, |inner| {
        let pairs = proptest::collection::vec((inner.clone(), inner.clone()), 0..5);
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Frame::Array),
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Frame::Set),
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Frame::Push),
            pairs.clone().prop_map(Frame::Map),
            (pairs, inner).prop_map(|(attributes, data)| Frame::Attribute {
                attributes,
                data: Box::new(data)
            }),
        ]
    })
}

fn check_round_trip(dec: Decoder, frames: &[Frame], seed: u64) -> Result<(), TestCaseError> {
    let mut wire = BytesMut::new();
    for f in frames {
        let before = wire.len();
        f.encode(&mut wire);
        prop_assert_eq!(wire.len() - before, f.encoded_len());
    }
    let want: Vec<String> = frames.iter().map(|f| format!("{f:?}")).collect();
    let whole = common::whole(dec.clone(), &wire);
    prop_assert!(whole.error.is_none(), "{:?}", whole.error);
    prop_assert_eq!(
        whole
            .frames
            .iter()
            .map(|d| format!("{:?}", d.frame))
            .collect::<Vec<_>>(),
        want
    );
    for (d, f) in whole.frames.iter().zip(frames) {
        prop_assert_eq!(d.wire_len, f.encoded_len());
    }
    let cuts = common::Rng(seed | 1).cuts(wire.len(), 1 + (seed as usize % 300));
    let pieces = common::decode_cuts(dec, &wire, &cuts);
    prop_assert_eq!(pieces.key(), whole.key());
    prop_assert_eq!(pieces.position, wire.len() as u64);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn resp2_frames_round_trip(frames in proptest::collection::vec(resp2_frame(), 1..6), seed in any::<u64>()) {
        check_round_trip(Decoder::new(), &frames, seed)?;
    }

    #[test]
    fn resp3_frames_round_trip(frames in proptest::collection::vec(resp3_frame(), 1..6), seed in any::<u64>()) {
        check_round_trip(Decoder::new().with_protocol(Protocol::Resp3), &frames, seed)?;
    }

    #[test]
    fn commands_round_trip(argv in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..12)) {
        let mut wire = BytesMut::new();
        resp_codec::encode_command(&mut wire, &argv);
        prop_assert_eq!(wire.len(), resp_codec::command_encoded_len(&argv));
        let c = Decoder::new().decode_command(&mut wire).unwrap().unwrap();
        prop_assert!(wire.is_empty());
        prop_assert_eq!(c.argv().iter().map(|b| b.to_vec()).collect::<Vec<_>>(), argv.clone());
        prop_assert_eq!(c.wire_len(), resp_codec::command_encoded_len(&argv));
        let owned = Command::new(argv.iter().map(|a| Bytes::copy_from_slice(a)).collect()).unwrap();
        prop_assert_eq!(owned, c);
    }

    #[test]
    fn doubles_keep_their_value(v in double()) {
        let mut wire = BytesMut::new();
        resp_codec::encode_double(&mut wire, v);
        let d = Decoder::new().with_protocol(Protocol::Resp3).decode(&mut wire).unwrap().unwrap();
        let Frame::Double(got) = d.frame else { panic!("not a double") };
        prop_assert!(got.to_bits() == v.to_bits() || (got.is_nan() && v.is_nan()));
    }
}

#[test]
fn every_reply_encoder_writes_exact_bytes() {
    use resp_codec::*;
    let mut b = BytesMut::new();
    encode_simple(&mut b, b"OK");
    encode_error(&mut b, b"ERR bad\r\nthing");
    encode_integer(&mut b, -12);
    encode_bulk(&mut b, b"hi");
    encode_null_bulk(&mut b);
    encode_array_header(&mut b, 2);
    encode_null_array(&mut b);
    encode_null(&mut b);
    encode_boolean(&mut b, true);
    encode_double(&mut b, 1.5);
    encode_double(&mut b, f64::NEG_INFINITY);
    encode_big_number(&mut b, b"-123");
    encode_bulk_error(&mut b, b"SYNTAX x");
    encode_verbatim(&mut b, *b"txt", b"hey");
    encode_map_header(&mut b, 1);
    encode_set_header(&mut b, 0);
    encode_attribute_header(&mut b, 3);
    encode_push_header(&mut b, 2);
    let want: &[u8] = b"+OK\r\n-ERR bad  thing\r\n:-12\r\n$2\r\nhi\r\n$-1\r\n*2\r\n*-1\r\n_\r\n#t\r\n,1.5\r\n,-inf\r\n(-123\r\n!8\r\nSYNTAX x\r\n=7\r\ntxt:hey\r\n%1\r\n~0\r\n|3\r\n>2\r\n";
    assert_eq!(&b[..], want, "{:?}", String::from_utf8_lossy(&b));
}
