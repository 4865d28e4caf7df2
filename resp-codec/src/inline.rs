//! Splitting an inline command line into arguments, with Redis's quoting rules
//! (`sdssplitargs`): words separated by whitespace; `"..."` with `\n \r \t \b \a \xHH`
//! and `\<any>` escapes; `'...'` with only `\'`; a closing quote must be followed by
//! whitespace or the end of the line; a NUL byte ends the line.

use bytes::Bytes;

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Splits `line` (without its line end). `None` on unbalanced quotes. Unquoted arguments
/// are slices of `line`; quoted ones are copied (escapes change their bytes).
pub(crate) fn split_args(line: &Bytes) -> Option<Vec<Bytes>> {
    let b = &line[..];
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if at(i) == 0 {
            return Some(args);
        }
        let start = i;
        let mut quoted = false;
        let mut cur: Vec<u8> = Vec::new();
        let (mut inq, mut insq) = (false, false);
        loop {
            let c = at(i);
            if inq {
                if c == b'\\'
                    && at(i + 1) == b'x'
                    && hex(at(i + 2)).is_some()
                    && hex(at(i + 3)).is_some()
                {
                    cur.push(hex(at(i + 2))? * 16 + hex(at(i + 3))?);
                    i += 3;
                } else if c == b'\\' && at(i + 1) != 0 {
                    i += 1;
                    cur.push(match at(i) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        o => o,
                    });
                } else if c == b'"' {
                    if at(i + 1) != 0 && !is_space(at(i + 1)) {
                        return None;
                    }
                    i += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    cur.push(c);
                }
            } else if insq {
                if c == b'\\' && at(i + 1) == b'\'' {
                    i += 1;
                    cur.push(b'\'');
                } else if c == b'\'' {
                    if at(i + 1) != 0 && !is_space(at(i + 1)) {
                        return None;
                    }
                    i += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    cur.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => break,
                    b'"' => {
                        inq = true;
                        quoted = true;
                    }
                    b'\'' => {
                        insq = true;
                        quoted = true;
                    }
                    _ => cur.push(c),
                }
            }
            i += 1;
        }
        args.push(if quoted {
            Bytes::from(cur)
        } else {
            line.slice(start..start + cur.len())
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn split(s: &[u8]) -> Option<Vec<Vec<u8>>> {
        split_args(&Bytes::copy_from_slice(s)).map(|v| v.into_iter().map(|b| b.to_vec()).collect())
    }

    #[test]
    fn words_and_quotes() {
        assert_eq!(
            split(b"SET k v").unwrap(),
            vec![b"SET".to_vec(), b"k".to_vec(), b"v".to_vec()]
        );
        assert_eq!(
            split(b"  a \t b  ").unwrap(),
            vec![b"a".to_vec(), b"b".to_vec()]
        );
        assert_eq!(
            split(b"set \"a b\" 'c d'").unwrap(),
            vec![b"set".to_vec(), b"a b".to_vec(), b"c d".to_vec()]
        );
        assert_eq!(
            split(b"\"\\x41\\n\\\"\" '\\'x'").unwrap(),
            vec![b"A\n\"".to_vec(), b"'x".to_vec()]
        );
        assert_eq!(
            split(b"a\"b c\" d").unwrap(),
            vec![b"ab c".to_vec(), b"d".to_vec()]
        );
        assert_eq!(split(b"").unwrap(), Vec::<Vec<u8>>::new());
        assert_eq!(split(b"\"\"").unwrap(), vec![Vec::<u8>::new()]);
        assert_eq!(split(b"a\0b c").unwrap(), vec![b"a".to_vec()]);
    }

    #[test]
    fn unbalanced() {
        assert!(split(b"\"abc").is_none());
        assert!(split(b"'abc").is_none());
        assert!(split(b"\"abc\"x").is_none());
        assert!(split(b"'abc'x").is_none());
        assert!(split(b"a\"b c\"d").is_none());
    }
}
