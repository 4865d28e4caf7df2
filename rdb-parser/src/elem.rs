//! One element of a decoded collection.

/// One element of a collection (list item, set member, hash field or value, zset member,
/// stream field or value) as stored: borrowed bytes, or an integer that an integer encoding
/// (ziplist/listpack/intset ints, INT8/16/32 strings) stored. Integers are kept as numbers so
/// consumers that want text pay for formatting only when they need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem<'a> {
    /// Bytes borrowed from the input (or the parser's decompression buffer).
    Bytes(&'a [u8]),
    /// An integer; its canonical decimal text is the element's value.
    Int(i64),
}

/// Scratch space for rendering an integer element as text without allocating
/// (`i64::MIN` takes 20 bytes).
pub type IntBuf = [u8; 20];

/// Renders `v` as canonical decimal text into `buf`, returning the used tail.
pub fn format_i64(v: i64, buf: &mut IntBuf) -> &[u8] {
    let mut n = v.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

impl<'a> Elem<'a> {
    /// The element's bytes: borrowed as stored, or an integer's decimal text rendered
    /// into `buf` (no allocation).
    ///
    /// ```
    /// use rdb_parser::{Elem, IntBuf};
    /// let mut buf = IntBuf::default();
    /// assert_eq!(Elem::Int(-42).bytes(&mut buf), b"-42");
    /// assert_eq!(Elem::Bytes(b"x").bytes(&mut buf), b"x");
    /// ```
    pub fn bytes<'s>(&self, buf: &'s mut IntBuf) -> &'s [u8]
    where
        'a: 's,
    {
        match *self {
            Elem::Bytes(b) => b,
            Elem::Int(i) => format_i64(i, buf),
        }
    }

    /// Appends the element's bytes (canonical decimal text for integers) to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match *self {
            Elem::Bytes(b) => out.extend_from_slice(b),
            Elem::Int(i) => out.extend_from_slice(format_i64(i, &mut IntBuf::default())),
        }
    }

    /// The element's bytes as an owned vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.write_to(&mut v);
        v
    }

    /// Length in bytes of the element's value (decimal text length for integers).
    pub fn byte_len(&self) -> usize {
        match *self {
            Elem::Bytes(b) => b.len(),
            Elem::Int(i) => {
                let mut n = if i < 0 { 2 } else { 1 };
                let mut v = i.unsigned_abs();
                while v >= 10 {
                    v /= 10;
                    n += 1;
                }
                n
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Elem;

    #[test]
    fn ints_render_canonically() {
        for i in [
            0i64,
            7,
            -1,
            9,
            10,
            -10,
            99,
            100,
            i64::MIN,
            i64::MAX,
            4096,
            -8192,
        ] {
            let e = Elem::Int(i);
            assert_eq!(e.to_vec(), i.to_string().into_bytes());
            assert_eq!(
                e.bytes(&mut super::IntBuf::default()),
                i.to_string().as_bytes()
            );
            assert_eq!(e.byte_len(), i.to_string().len());
        }
        assert_eq!(Elem::Bytes(b"ab").to_vec(), b"ab");
    }
}
