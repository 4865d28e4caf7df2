//! The tokio-util codecs: framing over an in-memory stream, EOF mid-frame, raw mode through
//! `FramedRead`'s buffer.
#![allow(clippy::unwrap_used)]

use futures::StreamExt;
use resp_codec::codec::{CodecError, DecodedCodec, RespCodec};
use resp_codec::{Decoder, Frame, PayloadLen};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::codec::{Framed, FramedRead};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn truncated_stream_is_an_error_not_a_silent_end() {
    rt().block_on(async {
        for input in [
            &b"+OK\r\n*2\r\n:1\r\n"[..],
            b"+OK\r\n$5\r\nab",
            b"+OK\r\n+PAR",
        ] {
            let mut r = FramedRead::new(input, RespCodec::new());
            assert_eq!(r.next().await.unwrap().unwrap(), Frame::simple("OK"));
            let e = r.next().await.unwrap().unwrap_err();
            assert!(matches!(e, CodecError::Truncated { .. }), "{e}");
        }
        // A clean end is a clean end.
        let mut r = FramedRead::new(&b"+OK\r\n"[..], RespCodec::new());
        assert!(r.next().await.unwrap().is_ok());
        assert!(r.next().await.is_none());
    });
}

#[test]
fn decode_errors_surface_with_their_offset() {
    rt().block_on(async {
        let mut r = FramedRead::new(&b"+OK\r\n%1\r\n"[..], RespCodec::new());
        r.next().await.unwrap().unwrap();
        let e = r.next().await.unwrap().unwrap_err();
        assert!(e.to_string().contains("byte 5"), "{e}");
    });
}

/// A replica over tokio: `+FULLRESYNC`, keepalives, `$len` + raw RDB, then commands, all
/// written in small pieces; the caller takes the payload out of FramedRead's buffer and
/// reads the rest from the socket itself, then resumes framing.
#[test]
fn raw_mode_through_framed_read() {
    rt().block_on(async {
        let rdb = vec![7u8; 50_000];
        let mut wire = b"+FULLRESYNC abc 0\r\n\n\n".to_vec();
        wire.extend_from_slice(format!("${}\r\n", rdb.len()).as_bytes());
        wire.extend_from_slice(&rdb);
        wire.extend_from_slice(b"*1\r\n$4\r\nPING\r\n\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n");
        let (mut tx, rx) = tokio::io::duplex(1 << 16);
        let writer = tokio::spawn({
            let wire = wire.clone();
            async move {
                for piece in wire.chunks(777) {
                    tx.write_all(piece).await.unwrap();
                    tokio::task::yield_now().await;
                }
            }
        });
        let dec = Decoder::new().skip_keepalives(true);
        let mut framed = Framed::new(rx, DecodedCodec::with_decoder(dec));
        let first = framed.next().await.unwrap().unwrap();
        assert_eq!(first.frame, Frame::simple("FULLRESYNC abc 0"));
        assert!(framed.codec().decoder().is_idle());
        // Switch to raw: the header through the decoder, the payload straight from the
        // buffer and then the socket.
        let mut parts = framed.into_parts();
        let header = loop {
            let codec = parts.codec.decoder_mut();
            if let Some(h) = codec.decode_payload_header(&mut parts.read_buf).unwrap() {
                break h;
            }
            parts.io.read_buf(&mut parts.read_buf).await.unwrap();
        };
        assert_eq!(header.payload, PayloadLen::Exact(rdb.len() as u64));
        assert_eq!(header.skipped, 2);
        let mut payload = Vec::new();
        while payload.len() < rdb.len() {
            if parts.read_buf.is_empty() {
                parts.io.read_buf(&mut parts.read_buf).await.unwrap();
            }
            let n = parts.read_buf.len().min(rdb.len() - payload.len());
            payload.extend_from_slice(&parts.read_buf.split_to(n));
        }
        assert_eq!(payload, rdb);
        assert!(parts.codec.decoder_mut().note_raw_bytes(rdb.len() as u64));
        let mut framed = Framed::from_parts(parts);
        let ping = framed.next().await.unwrap().unwrap();
        let select = framed.next().await.unwrap().unwrap();
        assert_eq!((ping.wire_len, ping.skipped), (14, 0));
        assert_eq!((select.wire_len, select.skipped), (23, 1));
        writer.await.unwrap();
        assert!(framed.next().await.is_none());
        assert_eq!(framed.codec().decoder().position(), wire.len() as u64);
    });
}
