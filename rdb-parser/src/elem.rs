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

impl Elem<'_> {
    /// Appends the element's bytes (canonical decimal text for integers) to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match *self {
            Elem::Bytes(b) => out.extend_from_slice(b),
            Elem::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
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
        for i in [0i64, 7, -1, 10, -10, i64::MIN, i64::MAX, 4096, -8192] {
            let e = Elem::Int(i);
            assert_eq!(e.to_vec(), i.to_string().into_bytes());
            assert_eq!(e.byte_len(), i.to_string().len());
        }
        assert_eq!(Elem::Bytes(b"ab").to_vec(), b"ab");
    }
}
