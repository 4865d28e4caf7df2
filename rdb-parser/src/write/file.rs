//! Whole-file RDB writer.

use std::io::{self, Write};

use super::prim::{put_i64_le, put_len, put_string};
use super::value::{put_module_aux_body, AuxWhen, ModuleOp};
use super::{rdb_type as t, StrOpts};
use crate::Crc64;
/// Which server family's magic to write (`REDIS%04d` or `VALKEY%03d`).
pub use crate::Flavor;

/// Builds a complete RDB file: magic, records in the order the caller emits them, EOF and
/// (for version ≥ 5) the CRC-64 trailer.
///
/// Records are written exactly as asked, so a caller can produce any order a loader must
/// accept (AUX between keys, expiry opcodes before a key, and so on).
///
/// Bytes accumulate in memory; for files of any size, call [`flush_to`](Self::flush_to)
/// between records to move them to a sink while the checksum keeps running, so memory
/// stays bounded by what is written between flushes:
///
/// ```
/// use rdb_parser::write::RdbWriter;
/// let mut out = Vec::new(); // any std::io::Write: a file, a socket
/// let mut w = RdbWriter::redis(9);
/// w.select_db(0);
/// for i in 0..1000 {
///     w.string_key(format!("k{i}").as_bytes(), b"v");
///     if w.buffered() > 64 * 1024 {
///         w.flush_to(&mut out)?;
///     }
/// }
/// // a value too big to hold: header first, then the bytes in pieces
/// w.string_key_header(b"big", 3 * 1000);
/// for _ in 0..1000 {
///     w.raw(b"abc");
///     w.flush_to(&mut out)?;
/// }
/// out.extend_from_slice(&w.finish());
/// assert_eq!(rdb_parser::crc64(&out[..out.len() - 8]).to_le_bytes(), out[out.len() - 8..]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RdbWriter {
    buf: Vec<u8>,
    version: u32,
    opts: StrOpts,
    crc: Crc64,
    flushed: u64,
}

impl RdbWriter {
    /// Starts a file with the given magic flavor and version.
    pub fn new(flavor: Flavor, version: u32) -> Self {
        let magic = match flavor {
            Flavor::Redis => format!("REDIS{version:04}"),
            Flavor::Valkey => format!("VALKEY{version:03}"),
        };
        RdbWriter {
            buf: magic.into_bytes(),
            version,
            opts: StrOpts::default(),
            crc: Crc64::new(),
            flushed: 0,
        }
    }

    /// `REDIS%04d` magic.
    pub fn redis(version: u32) -> Self {
        Self::new(Flavor::Redis, version)
    }

    /// `VALKEY%03d` magic.
    pub fn valkey(version: u32) -> Self {
        Self::new(Flavor::Valkey, version)
    }

    /// Sets the string options used for keys, AUX fields and other strings the writer
    /// encodes itself.
    pub fn string_opts(&mut self, opts: StrOpts) -> &mut Self {
        self.opts = opts;
        self
    }

    /// The RDB version in the magic.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Bytes written so far, flushed or not (the file offset of the next record).
    pub fn len(&self) -> u64 {
        self.flushed + self.buf.len() as u64
    }

    /// Always false: the magic is written at construction.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held in memory since the last [`flush_to`](Self::flush_to).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Writes the buffered bytes to `out` and clears the buffer; the checksum covers them.
    /// On error the buffer is kept, so the call can be retried.
    pub fn flush_to<O: Write + ?Sized>(&mut self, out: &mut O) -> io::Result<()> {
        out.write_all(&self.buf)?;
        self.crc.update(&self.buf);
        self.flushed += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Appends raw bytes (for vectors a typed method cannot express).
    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }

    /// AUX field (0xFA).
    pub fn aux(&mut self, key: &[u8], value: &[u8]) -> &mut Self {
        self.buf.push(t::OP_AUX);
        put_string(&mut self.buf, key, self.opts);
        put_string(&mut self.buf, value, self.opts);
        self
    }

    /// SELECTDB (0xFE).
    pub fn select_db(&mut self, db: u64) -> &mut Self {
        self.buf.push(t::OP_SELECTDB);
        put_len(&mut self.buf, db);
        self
    }

    /// RESIZEDB (0xFB) hints.
    pub fn resize_db(&mut self, db_size: u64, expires_size: u64) -> &mut Self {
        self.buf.push(t::OP_RESIZEDB);
        put_len(&mut self.buf, db_size);
        put_len(&mut self.buf, expires_size);
        self
    }

    /// SLOT_INFO (0xF4, Redis 7.4+ cluster).
    pub fn slot_info(&mut self, slot: u64, keys: u64, expires: u64) -> &mut Self {
        self.buf.push(t::OP_SLOT_INFO);
        put_len(&mut self.buf, slot);
        put_len(&mut self.buf, keys);
        put_len(&mut self.buf, expires);
        self
    }

    /// FUNCTION2 (0xF5): one library's source code.
    pub fn function2(&mut self, code: &[u8]) -> &mut Self {
        self.buf.push(t::OP_FUNCTION2);
        put_string(&mut self.buf, code, self.opts);
        self
    }

    /// MODULE_AUX (0xF7).
    pub fn module_aux(&mut self, module_id: u64, when: AuxWhen, ops: &[ModuleOp<'_>]) -> &mut Self {
        self.buf.push(t::OP_MODULE_AUX);
        put_module_aux_body(&mut self.buf, self.opts, module_id, when, ops);
        self
    }

    /// EXPIRETIME_MS (0xFC) for the next key: absolute Unix ms, int64 LE.
    pub fn expire_ms(&mut self, ms: i64) -> &mut Self {
        self.buf.push(t::OP_EXPIRETIME_MS);
        put_i64_le(&mut self.buf, ms);
        self
    }

    /// EXPIRETIME (0xFD) for the next key: absolute Unix seconds, int32 LE (RDB 1–2).
    pub fn expire_secs(&mut self, secs: i32) -> &mut Self {
        self.buf.push(t::OP_EXPIRETIME);
        self.buf.extend_from_slice(&secs.to_le_bytes());
        self
    }

    /// IDLE (0xF8) for the next key, in seconds.
    pub fn idle(&mut self, secs: u64) -> &mut Self {
        self.buf.push(t::OP_IDLE);
        put_len(&mut self.buf, secs);
        self
    }

    /// FREQ (0xF9) for the next key: the LFU counter.
    pub fn freq(&mut self, counter: u8) -> &mut Self {
        self.buf.push(t::OP_FREQ);
        self.buf.push(counter);
        self
    }

    /// A key: type byte, key string, and a value body from this module's value writers.
    pub fn key(&mut self, type_byte: u8, key: &[u8], body: &[u8]) -> &mut Self {
        self.buf.push(type_byte);
        put_string(&mut self.buf, key, self.opts);
        self.buf.extend_from_slice(body);
        self
    }

    /// A string key (type 0), encoded per the writer's string options.
    pub fn string_key(&mut self, key: &[u8], value: &[u8]) -> &mut Self {
        self.buf.push(t::STRING);
        put_string(&mut self.buf, key, self.opts);
        put_string(&mut self.buf, value, self.opts);
        self
    }

    /// The header of a string key whose `value_len` bytes the caller appends next with
    /// [`raw`](Self::raw), in as many pieces as it likes (a raw, uncompressed string).
    pub fn string_key_header(&mut self, key: &[u8], value_len: u64) -> &mut Self {
        self.buf.push(t::STRING);
        put_string(&mut self.buf, key, self.opts);
        put_len(&mut self.buf, value_len);
        self
    }

    /// Writes EOF and, for version ≥ 5, the correct CRC-64 trailer; returns the bytes not
    /// yet flushed (the whole file when [`flush_to`](Self::flush_to) was never called).
    pub fn finish(self) -> Vec<u8> {
        self.finish_inner(None)
    }

    /// Writes EOF and, for version ≥ 5, the given trailer value instead of the real
    /// checksum (0 means "checksum disabled"; anything else tests mismatch handling).
    pub fn finish_with_checksum(self, crc: u64) -> Vec<u8> {
        self.finish_inner(Some(crc))
    }

    fn finish_inner(mut self, forced: Option<u64>) -> Vec<u8> {
        self.buf.push(t::OP_EOF);
        if self.version >= 5 {
            self.crc.update(&self.buf);
            let crc = forced.unwrap_or_else(|| self.crc.value());
            self.buf.extend_from_slice(&crc.to_le_bytes());
        }
        self.buf
    }
}
