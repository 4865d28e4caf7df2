//! [`Command`]: a decoded request viewed as argument strings.

use bytes::{Bytes, BytesMut};

use crate::frame::Frame;

/// A command: a non-empty array of bulk strings (as a client sends and a master
/// replicates), with the exact number of bytes it took on the wire.
///
/// Built by [`Decoder::decode_command`](crate::Decoder::decode_command) or
/// [`Command::from_frame`]. Arguments are [`Bytes`] slices of the read buffer.
///
/// ```
/// use bytes::BytesMut;
/// use resp_codec::Decoder;
///
/// let mut buf = BytesMut::from(&b"*2\r\n$6\r\nselect\r\n$1\r\n0\r\n"[..]);
/// let cmd = Decoder::new().decode_command(&mut buf).unwrap().unwrap();
/// assert!(cmd.is("SELECT"));
/// assert_eq!(cmd.arg(0).unwrap(), &b"0"[..]);
/// assert_eq!(cmd.wire_len(), 23); // what the replication offset advances by
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    argv: Vec<Bytes>,
    wire_len: usize,
}

impl Command {
    /// Views `frame` as a command if it is a non-empty array of bulk strings; otherwise
    /// gives the frame back untouched. `wire_len` is the frame's encoded length (from
    /// [`Decoded::wire_len`](crate::Decoded::wire_len)).
    pub fn from_frame(frame: Frame, wire_len: usize) -> Result<Command, Frame> {
        let ok = match &frame {
            Frame::Array(v) => !v.is_empty() && v.iter().all(|f| matches!(f, Frame::Bulk(_))),
            _ => false,
        };
        if !ok {
            return Err(frame);
        }
        let Frame::Array(v) = frame else {
            return Err(frame);
        };
        let argv = v
            .into_iter()
            .filter_map(|f| match f {
                Frame::Bulk(b) => Some(b),
                _ => None,
            })
            .collect();
        Ok(Command { argv, wire_len })
    }

    /// Builds a command from arguments (the name first); its wire length is that of its
    /// RESP encoding.
    ///
    /// Returns `None` when `argv` is empty.
    pub fn new(argv: Vec<Bytes>) -> Option<Command> {
        if argv.is_empty() {
            return None;
        }
        let wire_len = crate::encode::command_encoded_len(argv.iter());
        Some(Command { argv, wire_len })
    }

    /// The command name as sent (any case).
    pub fn name(&self) -> &Bytes {
        // `argv` is never empty (checked on construction); index 0 exists.
        &self.argv[0]
    }

    /// Whether the name equals `name`, ASCII case-insensitively (`"set"`, `"SET"`).
    pub fn is(&self, name: &str) -> bool {
        self.name().eq_ignore_ascii_case(name.as_bytes())
    }

    /// The `i`-th argument after the name.
    pub fn arg(&self, i: usize) -> Option<&Bytes> {
        self.argv.get(i + 1)
    }

    /// The arguments after the name.
    pub fn args(&self) -> &[Bytes] {
        &self.argv[1..]
    }

    /// The name and the arguments.
    pub fn argv(&self) -> &[Bytes] {
        &self.argv
    }

    /// The number of bytes the command took on the wire (for replication offsets).
    pub fn wire_len(&self) -> usize {
        self.wire_len
    }

    /// The name and the arguments, owned.
    pub fn into_argv(self) -> Vec<Bytes> {
        self.argv
    }

    /// Appends the command as an array of bulk strings.
    pub fn encode(&self, dst: &mut BytesMut) {
        crate::encode::encode_command(dst, self.argv.iter());
    }
}
