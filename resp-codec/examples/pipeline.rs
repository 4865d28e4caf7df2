//! Encode a pipeline of commands, then decode it as a server would, in small pieces, and
//! decode a RESP3 reply. Mirrors the crate docs.
//!
//! `cargo run -p resp-codec --example pipeline`

use bytes::BytesMut;
use resp_codec::{encode_command, Decoder, Frame, Protocol};

fn main() -> Result<(), resp_codec::DecodeError> {
    let mut wire = BytesMut::new();
    encode_command(&mut wire, ["SET", "key", "value"]);
    encode_command(&mut wire, ["get", "key"]);
    // An inline command, as typed into telnet.
    wire.extend_from_slice(b"PING \"hello world\"\r\n");

    let mut decoder = Decoder::new().inline_commands(true);
    let mut buf = BytesMut::new();
    for piece in wire.chunks(5) {
        buf.extend_from_slice(piece);
        while let Some(cmd) = decoder.decode_command(&mut buf)? {
            let args: Vec<String> = cmd
                .args()
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            println!(
                "{} {:?} ({} bytes on the wire)",
                String::from_utf8_lossy(cmd.name()),
                args,
                cmd.wire_len()
            );
        }
    }

    let mut reply = BytesMut::from(&b"%2\r\n+proto\r\n:3\r\n+ok\r\n#t\r\n"[..]);
    let d = Decoder::new()
        .with_protocol(Protocol::Resp3)
        .decode(&mut reply)?;
    if let Some(d) = d {
        assert!(matches!(d.frame, Frame::Map(_)));
        println!("{:?} ({} bytes)", d.frame, d.wire_len);
    }
    Ok(())
}
