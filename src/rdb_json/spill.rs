//! A byte buffer that moves to an anonymous temporary file past a size limit, so holding a
//! value until it can be written (e.g. a huge string whose UTF-8 validity decides its JSON
//! form) never costs more than `limit` bytes of memory.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

/// Memory up to `limit` bytes, then a temporary file (deleted when dropped).
#[derive(Debug)]
pub struct Spill {
    mem: Vec<u8>,
    file: Option<File>,
    limit: usize,
    len: u64,
}

impl Spill {
    /// A buffer holding at most `limit` bytes in memory.
    pub fn new(limit: usize) -> Spill {
        Spill {
            mem: Vec::new(),
            file: None,
            limit,
            len: 0,
        }
    }

    /// Bytes held.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `data`.
    pub fn push(&mut self, data: &[u8]) -> io::Result<()> {
        self.len += data.len() as u64;
        if let Some(f) = &mut self.file {
            return f.write_all(data);
        }
        if self.mem.len() + data.len() <= self.limit {
            self.mem.extend_from_slice(data);
            return Ok(());
        }
        let mut f = tempfile::tempfile()?;
        f.write_all(&self.mem)?;
        f.write_all(data)?;
        self.mem.clear();
        self.mem.shrink_to(self.limit);
        self.file = Some(f);
        Ok(())
    }

    /// Calls `f` with the held bytes in order (in pieces), then empties the buffer.
    pub fn drain(&mut self, mut f: impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
        self.len = 0;
        match self.file.take() {
            None => {
                let r = f(&self.mem);
                self.mem.clear();
                r
            }
            Some(mut file) => {
                file.seek(SeekFrom::Start(0))?;
                let mut buf = vec![0u8; 256 * 1024];
                loop {
                    let n = file.read(&mut buf)?;
                    if n == 0 {
                        return Ok(());
                    }
                    f(&buf[..n])?;
                }
            }
        }
    }

    /// Empties the buffer without reading it.
    pub fn clear(&mut self) {
        self.len = 0;
        self.mem.clear();
        self.file = None;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::Spill;

    #[test]
    fn spills_past_the_limit_and_replays_in_order() {
        for limit in [0usize, 5, 1 << 20] {
            let mut s = Spill::new(limit);
            let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
            for piece in data.chunks(777) {
                s.push(piece).unwrap();
            }
            assert_eq!(s.len(), data.len() as u64);
            let mut back = Vec::new();
            s.drain(|p| {
                back.extend_from_slice(p);
                Ok(())
            })
            .unwrap();
            assert_eq!(back, data);
            assert!(s.is_empty());
            s.push(b"again").unwrap();
            let mut back = Vec::new();
            s.drain(|p| {
                back.extend_from_slice(p);
                Ok(())
            })
            .unwrap();
            assert_eq!(back, b"again");
        }
    }
}
