//! A zero-copy, resumable RESP2/RESP3 codec, free of I/O.
//!
//! * [`Frame`]: every RESP2 and RESP3 type; byte payloads are [`bytes::Bytes`] slices of the
//!   read buffer (no copy per element).
//! * [`Decoder`]: feed a growing [`bytes::BytesMut`], get [`Decoded`] frames with their exact
//!   wire length. State is kept between calls, so input arriving in tiny pieces costs the
//!   same as in one piece; `Ok(None)` means "need more". [`Limits`] (bulk length, aggregate
//!   length, depth, inline line length) are checked before anything is buffered or
//!   allocated. Optional: inline commands ([`Decoder::inline_commands`]), keepalive `\n`
//!   skipping ([`Decoder::skip_keepalives`]), and raw mode for a replica's RDB payload
//!   ([`Decoder::decode_payload_header`], [`Decoder::note_raw_bytes`]).
//! * [`Command`]: a decoded request as arguments, name compared case-insensitively, with
//!   its wire length (the replication offset increment).
//! * Encoding: free functions appending to a `BytesMut` ([`encode_command`] from borrowed
//!   arguments, [`encode_frame`], one function per reply type).
//! * [`codec`] (feature `codec`, default): tokio-util `Decoder`/`Encoder`.
//!
//! ```
//! use bytes::BytesMut;
//! use resp_codec::{encode_command, Decoder, Frame};
//!
//! // Encode a pipeline of two commands.
//! let mut wire = BytesMut::new();
//! encode_command(&mut wire, ["SET", "key", "value"]);
//! encode_command(&mut wire, ["get", "key"]);
//!
//! // Decode it in 5-byte pieces, as it might arrive from a socket.
//! let mut decoder = Decoder::new();
//! let mut buf = BytesMut::new();
//! let mut commands = Vec::new();
//! for piece in wire.chunks(5) {
//!     buf.extend_from_slice(piece);
//!     while let Some(cmd) = decoder.decode_command(&mut buf).unwrap() {
//!         commands.push(cmd);
//!     }
//! }
//! assert_eq!(commands.len(), 2);
//! assert!(commands[1].is("GET"));
//! assert_eq!(commands[1].arg(0).unwrap(), &b"key"[..]);
//! assert_eq!(commands[0].wire_len() + commands[1].wire_len(), wire.len());
//!
//! // Replies: any RESP2/RESP3 type.
//! let mut buf = BytesMut::from(&b"*2\r\n$5\r\nhello\r\n:42\r\n"[..]);
//! let d = Decoder::new().decode(&mut buf).unwrap().unwrap();
//! assert_eq!(d.frame, Frame::Array(vec![Frame::bulk("hello"), Frame::Integer(42)]));
//! assert_eq!(d.wire_len, 20);
//! ```
#![deny(missing_docs)]

#[cfg(feature = "codec")]
pub mod codec;
mod command;
mod decode;
mod encode;
mod error;
mod fast;
mod frame;
mod inline;
mod limits;

pub use command::Command;
pub use decode::{Decoded, Decoder, PayloadHeader, PayloadLen, Protocol};
pub use encode::{
    command_encoded_len, encode_array_header, encode_attribute_header, encode_big_number,
    encode_boolean, encode_bulk, encode_bulk_error, encode_command, encode_double, encode_error,
    encode_frame, encode_integer, encode_map_header, encode_null, encode_null_array,
    encode_null_bulk, encode_push_header, encode_set_header, encode_simple, encode_verbatim,
};
pub use error::DecodeError;
pub use frame::Frame;
pub use limits::{Limit, Limits};
