//! The full phase: RDB chunks -> parser -> `RESTORE` payloads or command batches -> sink.

use rdb_parser::{Event, Flavor, KeyStart, Parser, Step, ValueKind, View};

use super::engine::{Engine, RAW_MEMORY_CAP};
use super::MigrateError;
use crate::command::ValueType;
use crate::config::ConflictPolicy;
use crate::convert::{value_type, Argv, ConvertOptions, EventConverter};
use crate::filter::{KeyDecision, SkipReason};
use crate::lag::unix_ms;
use crate::sink::{KeyRecord, KeyValue, KeyWrite};

/// How the current key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// Raw view requested: a `RawValue` (or, above the limit, decoded batches).
    Raw,
    /// A string gathered whole, handed over as [`KeyValue::String`].
    String,
    /// Commands through the converter; `first`: no batch sent yet.
    Commands { first: bool },
    /// Not migrated (filtered, expired, refused).
    Skip,
}

#[derive(Debug)]
struct CurKey {
    src_db: u32,
    db: u32,
    rdb_type: u8,
    kind: ValueKind,
    expire: Option<i64>,
    path: Path,
}

/// State of one snapshot being copied.
#[derive(Debug)]
pub(super) struct FullState {
    parser: Parser,
    /// Unconsumed input: `buf[pos..]`.
    buf: Vec<u8>,
    pos: usize,
    keys: KeyState,
}

/// Everything but the parser (events borrow the parser while these change).
#[derive(Debug)]
struct KeyState {
    /// RDB version of payloads sent (`None`: no payloads, commands only).
    payload_version: Option<u16>,
    /// Largest value held whole: a `RESTORE` payload or a string.
    raw_max: usize,
    conv: EventConverter,
    out: Vec<Argv>,
    key: Vec<u8>,
    /// The current key's string value, gathered from its chunks.
    string: Vec<u8>,
    /// The current key's `RESTORE` payload.
    payload: Vec<u8>,
    cur: Option<CurKey>,
    module_aux_warned: bool,
}

impl FullState {
    pub(super) fn new(e: &Engine) -> FullState {
        let b = &e.m.b;
        let raw_max = b
            .restore_size_limit
            .min(e.caps.max_bulk_len.saturating_sub(64))
            .min(RAW_MEMORY_CAP) as usize;
        let opts = ConvertOptions {
            caps: e.tcaps,
            limits: b.batch_limits,
            replace: b.conflict != ConflictPolicy::SkipExisting,
        };
        FullState {
            parser: Parser::builder().view(View::Decoded).build(),
            buf: Vec::with_capacity(256 << 10),
            pos: 0,
            keys: KeyState {
                payload_version: None,
                raw_max,
                conv: EventConverter::new(opts),
                out: Vec::new(),
                key: Vec::new(),
                string: Vec::new(),
                payload: Vec::new(),
                cur: None,
                module_aux_warned: false,
            },
        }
    }
}

fn lossy(b: &[u8]) -> String {
    crate::verify::escape_bytes(&b[..b.len().min(200)])
}

impl Engine {
    pub(super) async fn rdb_chunk(&mut self, chunk: &[u8]) -> Result<(), MigrateError> {
        self.status.rdb_bytes_received += chunk.len() as u64;
        let Some(mut st) = self.full.take() else {
            return Ok(());
        };
        let r = self.feed(&mut st, chunk).await;
        self.full = Some(st);
        r
    }

    pub(super) async fn rdb_done(&mut self, bytes: u64) -> Result<(), MigrateError> {
        self.status.rdb_bytes_total = Some(bytes);
        if let Some(st) = self.full.take() {
            st.parser.finish()?;
        }
        self.sink.flush().await?;
        self.collect_rejected();
        self.refresh();
        Ok(())
    }

    /// Parses `chunk`, in place: only an item cut by a chunk boundary is copied (into
    /// `st.buf`, completed there with just the bytes it needs from the next chunk).
    async fn feed(&mut self, st: &mut FullState, chunk: &[u8]) -> Result<(), MigrateError> {
        let mut off = 0;
        if st.pos < st.buf.len() {
            st.buf.drain(..st.pos);
            st.pos = 0;
            let leftover = st.buf.len();
            let mut need = 0;
            loop {
                let take = need.max(4096).min(chunk.len() - off);
                st.buf.extend_from_slice(&chunk[off..off + take]);
                off += take;
                let input = &st.buf[st.pos..];
                let (used, step) = parse(self, &mut st.parser, &mut st.keys, input).await?;
                st.pos += used;
                match step {
                    Parsed::Done => return Ok(()),
                    Parsed::NeedMore(n) => need = n,
                }
                if st.pos >= leftover {
                    // What remains in `buf` is a copy of `chunk[off - rest..off]`.
                    off -= st.buf.len() - st.pos;
                    st.buf.clear();
                    st.pos = 0;
                    break;
                }
                if off == chunk.len() {
                    return Ok(());
                }
            }
        } else {
            st.buf.clear();
            st.pos = 0;
        }
        let (used, step) = parse(self, &mut st.parser, &mut st.keys, &chunk[off..]).await?;
        if step != Parsed::Done {
            st.buf.extend_from_slice(&chunk[off + used..]);
        }
        Ok(())
    }
}

/// Where [`parse`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parsed {
    /// At least this many more bytes are needed (after the unconsumed ones).
    NeedMore(usize),
    /// The snapshot is complete.
    Done,
}

/// Feeds `input` to the parser and handles its events; returns the bytes consumed.
async fn parse(
    e: &mut Engine,
    parser: &mut Parser,
    keys: &mut KeyState,
    input: &[u8],
) -> Result<(usize, Parsed), MigrateError> {
    let mut pos = 0;
    loop {
        let mut view = None;
        let fed = parser.feed(&input[pos..])?;
        let consumed = fed.consumed;
        let stop = match fed.step {
            Step::NeedMore(n) => Some(Parsed::NeedMore(n)),
            Step::Done => Some(Parsed::Done),
            Step::Event(ev) => {
                match ev {
                    Event::Header { version, flavor } => {
                        let max = e.caps.restore_rdb_version;
                        keys.payload_version = match (flavor, max) {
                            (Flavor::Redis, Some(max)) => {
                                Some(max.min(u16::try_from(version).unwrap_or(u16::MAX)))
                            }
                            _ => None,
                        };
                    }
                    Event::KeyStart(k) => view = Some(key_start(e, keys, &k)?),
                    ev => on_event(e, keys, ev).await?,
                }
                None
            }
        };
        pos += consumed;
        if let Some(v) = view {
            parser.set_view(v);
        }
        if let Some(s) = stop {
            return Ok((pos, s));
        }
    }
}

/// Decides on a key at its start; returns the view to read it with.
fn key_start(e: &mut Engine, ks: &mut KeyState, k: &KeyStart<'_>) -> Result<View, MigrateError> {
    ks.cur = None;
    ks.key.clear();
    ks.key.extend_from_slice(k.key);
    let src_db = u32::try_from(k.db).unwrap_or(u32::MAX);
    let kind = value_type(k.kind);
    let db = match e.m.b.filter.full_key(src_db, k.key, kind) {
        KeyDecision::Migrate { db } => db,
        // Our own heartbeat key is neither the user's data nor filtered by the user.
        KeyDecision::Skip(SkipReason::OwnHeartbeat) => return Ok(View::Skip),
        KeyDecision::Skip(_) => {
            e.status.keys_seen += 1;
            e.status.keys_filtered += 1;
            return Ok(View::Skip);
        }
    };
    e.status.keys_seen += 1;
    let expire = match k.expire_ms {
        Some(at) if at <= unix_ms() => {
            e.expired_at_read += 1;
            e.status.keys_expired += 1;
            return Ok(View::Skip);
        }
        Some(at) => Some(at.saturating_add(e.m.b.ttl_extend.as_millis() as i64)),
        None => None,
    };
    let restorable = ks.payload_version.is_some()
        && e.caps.accepts_type(k.rdb_type)
        && kind != ValueType::Module;
    let mut cur = CurKey {
        src_db,
        db,
        rdb_type: k.rdb_type,
        kind: k.kind,
        expire,
        path: Path::Raw,
    };
    let view = if k.kind == ValueKind::String {
        // Gathered whole (up to the raw limit) and handed over as a string: cheaper for
        // the target than a `RESTORE` per key.
        cur.path = Path::String;
        ks.string.clear();
        View::Decoded
    } else if restorable {
        View::Raw {
            max_len: ks.raw_max,
        }
    } else {
        cur.path = start_converter(e, &mut ks.conv, &ks.key, &cur)?;
        if cur.path == Path::Skip {
            View::Skip
        } else {
            View::Decoded
        }
    };
    ks.cur = Some(cur);
    Ok(view)
}

/// Starts the converter for `cur`; `Path::Skip` when the key is refused and the policy
/// skips it.
fn start_converter(
    e: &mut Engine,
    conv: &mut EventConverter,
    key: &[u8],
    cur: &CurKey,
) -> Result<Path, MigrateError> {
    let ks = KeyStart {
        db: u64::from(cur.src_db),
        key,
        rdb_type: cur.rdb_type,
        kind: cur.kind,
        expire_ms: cur.expire,
        lru_idle_s: None,
        lfu_freq: None,
    };
    match conv.start(&ks) {
        Ok(()) => {
            e.status.keys_as_commands += 1;
            Ok(Path::Commands { first: true })
        }
        Err(source) => {
            e.policy(MigrateError::Convert {
                db: cur.src_db,
                key: lossy(key),
                source,
            })?;
            e.status.keys_unsupported += 1;
            Ok(Path::Skip)
        }
    }
}

/// Handles one non-`KeyStart` event (free function: the event borrows the parser).
async fn on_event(e: &mut Engine, ks: &mut KeyState, ev: Event<'_>) -> Result<(), MigrateError> {
    match ev {
        Event::Aux { key: k, value } => {
            if k == b"lua" {
                e.sink.on_aux(k, value).await?;
            }
            Ok(())
        }
        Event::Function { code } => match e.sink.on_function(code).await {
            Ok(()) => Ok(()),
            Err(err) => e.policy(err.into()),
        },
        Event::SelectDb { db } => {
            let db = u32::try_from(db).unwrap_or(u32::MAX);
            e.sink.on_db_change(db).await?;
            Ok(())
        }
        Event::ModuleAux { module, .. } => {
            if !ks.module_aux_warned {
                ks.module_aux_warned = true;
                e.status.warn(format!(
                    "module aux data of {} is not migrated (load the module on the target)",
                    module.name_string()
                ));
            }
            Ok(())
        }
        Event::RawValue { rdb_type, body } => {
            let Some(c) = ks.cur.as_ref().filter(|c| c.path == Path::Raw) else {
                return Ok(());
            };
            let Some(v) = ks.payload_version else {
                return Ok(());
            };
            rdb_parser::dump_payload_into(rdb_type, body, v, &mut ks.payload);
            let rec = KeyRecord {
                db: c.db,
                key: &ks.key,
                kind: value_type(c.kind),
                expire_ms: c.expire,
                value: KeyValue::Restore {
                    payload: &ks.payload,
                },
            };
            e.sink.write_key(rec).await?;
            e.full_limiter.take(1, ks.payload.len() as u64).await;
            if ks.payload.capacity() > 1 << 20 {
                // Do not keep a big value's buffer for the small ones that follow.
                ks.payload = Vec::new();
            }
            Ok(())
        }
        Event::StringChunk { data, total, .. }
            if ks.cur.as_ref().is_some_and(|c| c.path == Path::String)
                && total <= ks.raw_max as u64 =>
        {
            ks.string.extend_from_slice(data);
            Ok(())
        }
        Event::KeyEnd => {
            let Some(mut c) = ks.cur.take() else {
                return Ok(());
            };
            match c.path {
                Path::String => {
                    let rec = KeyRecord {
                        db: c.db,
                        key: &ks.key,
                        kind: ValueType::String,
                        expire_ms: c.expire,
                        value: KeyValue::String { value: &ks.string },
                    };
                    e.sink.write_key(rec).await?;
                    e.full_limiter.take(1, ks.string.len() as u64).await;
                    if ks.string.capacity() > 1 << 20 {
                        ks.string = Vec::new();
                    }
                }
                Path::Commands { first } => {
                    ks.out.clear();
                    if let Err(source) = ks.conv.feed(&Event::KeyEnd, &mut ks.out) {
                        e.policy(MigrateError::Convert {
                            db: c.src_db,
                            key: lossy(&ks.key),
                            source,
                        })?;
                        e.status.keys_unsupported += 1;
                        return Ok(());
                    }
                    send_batch(e, &mut c, &ks.out, &ks.key, first, true).await?;
                }
                Path::Raw | Path::Skip => {}
            }
            Ok(())
        }
        ev @ (Event::StringChunk { .. }
        | Event::ListItems(_)
        | Event::SetMembers(_)
        | Event::ZsetMembers(_)
        | Event::HashFields(_)
        | Event::StreamEntries(_)
        | Event::StreamMeta(_)
        | Event::StreamGroup(_)
        | Event::StreamPel(_)
        | Event::StreamConsumer(_)
        | Event::StreamConsumerPel(_)
        | Event::Module { .. }
        | Event::ModuleData(_)) => {
            let Some(c) = ks.cur.as_mut() else {
                return Ok(());
            };
            if matches!(c.path, Path::Raw | Path::String) {
                // Above the raw limit: decoded batches (the parser fell back to them, or
                // the string is too big to hold whole).
                c.path = start_converter(e, &mut ks.conv, &ks.key, c)?;
            }
            let Path::Commands { first } = c.path else {
                return Ok(());
            };
            ks.out.clear();
            if let Err(source) = ks.conv.feed(&ev, &mut ks.out) {
                e.policy(MigrateError::Convert {
                    db: c.src_db,
                    key: lossy(&ks.key),
                    source,
                })?;
                e.status.keys_unsupported += 1;
                c.path = Path::Skip;
                return Ok(());
            }
            if !ks.out.is_empty() {
                send_batch(e, c, &ks.out, &ks.key, first, false).await?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

async fn send_batch(
    e: &mut Engine,
    c: &mut CurKey,
    out: &[Argv],
    key: &[u8],
    first: bool,
    last: bool,
) -> Result<(), MigrateError> {
    let bytes: usize = out.iter().flatten().map(Vec::len).sum();
    let rec = KeyRecord {
        db: c.db,
        key,
        kind: value_type(c.kind),
        expire_ms: c.expire,
        value: KeyValue::Commands {
            commands: out,
            first,
            last,
        },
    };
    match e.sink.write_key(rec).await? {
        KeyWrite::Queued => {
            c.path = Path::Commands { first: false };
        }
        KeyWrite::SkipRest => c.path = Path::Skip,
    }
    e.full_limiter
        .take(out.len().max(1) as u64, bytes as u64)
        .await;
    Ok(())
}
