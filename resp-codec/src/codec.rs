//! tokio-util [`Decoder`](tokio_util::codec::Decoder)/[`Encoder`](tokio_util::codec::Encoder)
//! for a RESP connection (feature `codec`, on by default). A thin shell over
//! [`crate::Decoder`] and the [`encode`](crate::encode_frame) functions.

use bytes::BytesMut;
use tokio_util::codec;

use crate::command::Command;
use crate::decode::{Decoded, Decoder, Protocol};
use crate::error::DecodeError;
use crate::frame::Frame;

/// The error of the codecs: I/O, a malformed stream, or a connection closed mid-frame.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// Reading or writing the connection failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The peer sent invalid RESP.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The connection closed in the middle of a frame.
    #[error("connection closed in the middle of a frame at byte {offset}")]
    Truncated {
        /// Stream position where the input ended.
        offset: u64,
    },
}

/// A RESP connection codec yielding [`Frame`]s (RESP2 until
/// [`set_protocol`](RespCodec::set_protocol)`(Protocol::Resp3)` after `HELLO 3`).
///
/// Encodes [`Frame`]s, [`Command`]s and argument slices (`&[A]` where `A: AsRef<[u8]>`, an
/// array of bulk strings). Because several item types are accepted, a bare
/// `framed.flush()` cannot infer which `Sink` is meant: write
/// `SinkExt::<Frame>::flush(&mut framed)` (any of the item types works; `send` and `feed`
/// infer it from their argument).
///
/// ```
/// use futures::{SinkExt, StreamExt};
/// use tokio_util::codec::Framed;
/// use resp_codec::{codec::RespCodec, Frame};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (client, mut server) = tokio::io::duplex(1024);
/// let mut conn = Framed::new(client, RespCodec::new());
/// conn.send(&["PING"][..]).await.unwrap();
/// tokio::io::AsyncWriteExt::write_all(&mut server, b"+PONG\r\n").await.unwrap();
/// assert_eq!(conn.next().await.unwrap().unwrap(), Frame::simple("PONG"));
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct RespCodec {
    decoder: Decoder,
}

impl RespCodec {
    /// A RESP2 codec with default limits.
    pub fn new() -> RespCodec {
        RespCodec::default()
    }

    /// A codec around a configured decoder (limits, protocol, inline, keepalives).
    pub fn with_decoder(decoder: Decoder) -> RespCodec {
        RespCodec { decoder }
    }

    /// Switches the protocol from the next frame on.
    pub fn set_protocol(&mut self, protocol: Protocol) {
        self.decoder.set_protocol(protocol);
    }

    /// The underlying decoder (position, idleness, ...).
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// The underlying decoder, mutably (e.g. for [`Decoder::note_raw_bytes`]).
    pub fn decoder_mut(&mut self) -> &mut Decoder {
        &mut self.decoder
    }
}

fn eof_check(decoder: &Decoder, buf: &BytesMut) -> Result<(), CodecError> {
    if buf.is_empty() && decoder.is_idle() {
        Ok(())
    } else {
        Err(CodecError::Truncated {
            offset: decoder.position() + buf.len() as u64,
        })
    }
}

impl codec::Decoder for RespCodec {
    type Item = Frame;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        Ok(self.decoder.decode(src)?.map(|d| d.frame))
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        match self.decode(buf)? {
            Some(f) => Ok(Some(f)),
            None => eof_check(&self.decoder, buf).map(|()| None),
        }
    }
}

/// Like [`RespCodec`] but yields [`Decoded`] (frame, wire length, skipped keepalive bytes),
/// for callers that account for bytes (replication offsets).
#[derive(Debug, Clone, Default)]
pub struct DecodedCodec {
    inner: RespCodec,
}

impl DecodedCodec {
    /// A codec around a configured decoder.
    pub fn with_decoder(decoder: Decoder) -> DecodedCodec {
        DecodedCodec {
            inner: RespCodec::with_decoder(decoder),
        }
    }

    /// Switches the protocol from the next frame on.
    pub fn set_protocol(&mut self, protocol: Protocol) {
        self.inner.set_protocol(protocol);
    }

    /// The underlying decoder.
    pub fn decoder(&self) -> &Decoder {
        &self.inner.decoder
    }

    /// The underlying decoder, mutably.
    pub fn decoder_mut(&mut self) -> &mut Decoder {
        &mut self.inner.decoder
    }
}

impl codec::Decoder for DecodedCodec {
    type Item = Decoded;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Decoded>, CodecError> {
        Ok(self.inner.decoder.decode(src)?)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Decoded>, CodecError> {
        match self.decode(buf)? {
            Some(d) => Ok(Some(d)),
            None => eof_check(&self.inner.decoder, buf).map(|()| None),
        }
    }
}

macro_rules! encoders {
    ($($codec:ty),*) => {$(
        impl codec::Encoder<Frame> for $codec {
            type Error = CodecError;
            fn encode(&mut self, item: Frame, dst: &mut BytesMut) -> Result<(), CodecError> {
                crate::encode::encode_frame(dst, &item);
                Ok(())
            }
        }

        impl codec::Encoder<&Frame> for $codec {
            type Error = CodecError;
            fn encode(&mut self, item: &Frame, dst: &mut BytesMut) -> Result<(), CodecError> {
                crate::encode::encode_frame(dst, item);
                Ok(())
            }
        }

        impl codec::Encoder<&Command> for $codec {
            type Error = CodecError;
            fn encode(&mut self, item: &Command, dst: &mut BytesMut) -> Result<(), CodecError> {
                item.encode(dst);
                Ok(())
            }
        }

        impl<A: AsRef<[u8]>> codec::Encoder<&[A]> for $codec {
            type Error = CodecError;
            fn encode(&mut self, item: &[A], dst: &mut BytesMut) -> Result<(), CodecError> {
                crate::encode::encode_command(dst, item);
                Ok(())
            }
        }
    )*};
}

encoders!(RespCodec, DecodedCodec);
