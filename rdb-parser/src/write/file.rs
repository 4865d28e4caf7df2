//! Whole-file RDB writer.

use super::prim::{put_i64_le, put_len, put_string};
use super::value::{put_module_aux_body, AuxWhen, ModuleOp};
use super::{rdb_type as t, StrOpts};

/// Which server family's magic to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `REDIS` + 4-digit version (`REDIS0011`).
    Redis,
    /// `VALKEY` + 3-digit version (`VALKEY080`, Valkey 9+).
    Valkey,
}

/// Builds a complete RDB file in memory: magic, records in the order the caller emits
/// them, EOF and (for version ≥ 5) the CRC-64 trailer.
///
/// Records are written exactly as asked, so a caller can produce any order a loader must
/// accept (AUX between keys, expiry opcodes before a key, and so on).
#[derive(Debug, Clone)]
pub struct RdbWriter {
    buf: Vec<u8>,
    version: u32,
    opts: StrOpts,
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

    /// Bytes written so far (the offset of the next record).
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Always false: the magic is written at construction.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
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

    /// Writes EOF and, for version ≥ 5, the correct CRC-64 trailer.
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
            let crc = forced.unwrap_or_else(|| crate::crc::crc64(&self.buf));
            self.buf.extend_from_slice(&crc.to_le_bytes());
        }
        self.buf
    }
}
