//! The fuzz targets' checks (`fuzz/fuzz_targets/rdb_*.rs` include this file by path), also
//! replayed under `cargo test` over the committed seeds (tests/fuzz_corpus.rs).
//! Self-contained: depends only on `rdb_parser`.
#![allow(dead_code, clippy::unwrap_used)]

use rdb_parser::{Elem, Error, Event, KeyStart, Parser, Step, View};

pub fn elem_str(e: Elem<'_>) -> String {
    match e {
        Elem::Bytes(b) => format!("'{}'", b.escape_ascii()),
        Elem::Int(i) => format!("#{i}"),
    }
}

/// One line per event, with every detail (so two logs are equal only if the events are).
pub fn fmt_event(off: u64, ev: &Event<'_>) -> String {
    let b = |x: &[u8]| x.escape_ascii().to_string();
    let body = match ev {
        Event::Header { version, flavor } => format!("Header {version} {flavor:?}"),
        Event::Aux { key, value } => format!("Aux {} = {}", b(key), b(value)),
        Event::SelectDb { db } => format!("SelectDb {db}"),
        Event::ResizeDb {
            db_size,
            expires_size,
        } => format!("ResizeDb {db_size} {expires_size}"),
        Event::SlotInfo {
            slot,
            slot_size,
            expires_slot_size,
        } => {
            format!("SlotInfo {slot} {slot_size} {expires_slot_size}")
        }
        Event::SlotImport { job, ranges } => {
            format!(
                "SlotImport {} {:?}",
                b(job),
                ranges.iter().collect::<Vec<_>>()
            )
        }
        Event::ModuleAux { module, when, data } => {
            format!(
                "ModuleAux {} {} {when} {}",
                module.name_string(),
                module.encver(),
                b(data)
            )
        }
        Event::Function { code } => format!("Function {}", b(code)),
        Event::KeyStart(k) => format!(
            "KeyStart db={} key={} type={} {:?} exp={:?} idle={:?} freq={:?}",
            k.db,
            b(k.key),
            k.rdb_type,
            k.kind,
            k.expire_ms,
            k.lru_idle_s,
            k.lfu_freq
        ),
        Event::StringChunk { data, pos, total } => format!("Chunk {pos}/{total} {}", b(data)),
        Event::ListItems(e) => format!("List {:?}", e.iter().map(elem_str).collect::<Vec<_>>()),
        Event::SetMembers(e) => format!("Set {:?}", e.iter().map(elem_str).collect::<Vec<_>>()),
        Event::ZsetMembers(z) => format!(
            "Zset {:?}",
            z.iter()
                .map(|(m, s)| (elem_str(m), s.to_bits()))
                .collect::<Vec<_>>()
        ),
        Event::HashFields(h) => format!(
            "Hash {:?}",
            h.iter()
                .map(|f| (elem_str(f.field), elem_str(f.value), f.expire_ms))
                .collect::<Vec<_>>()
        ),
        Event::StreamEntries(s) => {
            let v: Vec<String> = s
                .iter()
                .map(|e| {
                    format!(
                        "{} {:?}",
                        e.id,
                        e.fields()
                            .map(|(f, v)| (elem_str(f), elem_str(v)))
                            .collect::<Vec<_>>()
                    )
                })
                .collect();
            format!("StreamEntries {} {v:?}", s.len())
        }
        Event::StreamMeta(m) => format!("StreamMeta {m:?}"),
        Event::StreamGroup(g) => format!(
            "Group {} {} {:?} {}",
            b(g.name),
            g.last_id,
            g.entries_read,
            g.pel_len
        ),
        Event::StreamPel(p) => format!("Pel {:?}", p.iter().collect::<Vec<_>>()),
        Event::StreamConsumer(c) => format!(
            "Consumer {} {} {:?} {}",
            b(c.name),
            c.seen_time_ms,
            c.active_time_ms,
            c.pel_len
        ),
        Event::StreamConsumerPel(ids) => {
            format!("ConsumerPel {:?}", ids.iter().collect::<Vec<_>>())
        }
        Event::Module { module } => format!("Module {:#x}", module.0),
        Event::ModuleData(d) => format!("ModuleData {}", b(d)),
        Event::RawValue { rdb_type, body } => format!("Raw {rdb_type} {}", b(body)),
        Event::KeyEnd => "KeyEnd".to_string(),
        Event::Eof { checksum, verified } => format!("Eof {checksum:?} {verified}"),
    };
    format!("@{off} {body}")
}

/// Feeds `data` in chunks whose sizes `next` decides; `policy` picks each key's view.
/// Returns the event log and the error that ended it (if any).
pub fn run_with(
    data: &[u8],
    mut parser: Parser,
    mut next: impl FnMut() -> usize,
    policy: &dyn Fn(&KeyStart<'_>) -> Option<View>,
) -> (Vec<String>, Option<Error>) {
    let mut buf: Vec<u8> = Vec::new();
    let mut pos = 0usize;
    let mut log = Vec::new();
    let mut spins = 0u64;
    loop {
        spins += 1;
        assert!(spins < 50_000_000, "parser made no progress");
        let fed = match parser.feed(&buf) {
            Ok(f) => f,
            Err(e) => {
                // fused: the same error again
                assert_eq!(parser.feed(&buf).err(), Some(e.clone()));
                return (log, Some(e));
            }
        };
        let consumed = fed.consumed;
        assert!(consumed <= buf.len());
        match fed.step {
            Step::Event(ev) => {
                log.push(fmt_event(fed.offset, &ev));
                let view = match &ev {
                    Event::KeyStart(k) => policy(k),
                    _ => None,
                };
                buf.drain(..consumed);
                if let Some(v) = view {
                    parser.set_view(v);
                }
            }
            Step::NeedMore(n) => {
                assert!(n >= 1);
                buf.drain(..consumed);
                if pos >= data.len() {
                    let e = parser.finish().expect_err("NeedMore but finish() is Ok");
                    return (log, Some(e));
                }
                let k = next().max(1).min(data.len() - pos);
                buf.extend_from_slice(&data[pos..pos + k]);
                pos += k;
            }
            Step::Done => {
                buf.drain(..consumed);
                log.push(format!("Done +{}", data.len() - pos + buf.len()));
                parser.finish().unwrap();
                return (log, None);
            }
        }
    }
}

pub fn no_policy(_: &KeyStart<'_>) -> Option<View> {
    None
}

/// A small deterministic PRNG for split points.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Chunked == whole, for arbitrary bytes: the first two bytes pick the chunking seed, the
/// view policy and batch options; the rest is the input (a magic is prepended when the
/// input has none, so the fuzzer reaches past the header).
pub fn check_chunked(data: &[u8]) {
    if data.len() < 2 {
        return;
    }
    let (ctl, rest) = data.split_at(2);
    let mut input = Vec::with_capacity(rest.len() + 9);
    if !(rest.starts_with(b"REDIS") || rest.starts_with(b"VALKEY")) {
        input.extend_from_slice(if ctl[0] & 0x80 != 0 {
            b"REDIS0012"
        } else {
            b"REDIS0009"
        });
    }
    input.extend_from_slice(rest);
    let view = match ctl[0] & 3 {
        0 => None,
        1 => Some(View::Raw {
            max_len: usize::from(ctl[1]),
        }),
        2 => Some(View::Skip),
        _ => Some(View::Raw { max_len: 1 << 20 }),
    };
    let policy = move |_: &KeyStart<'_>| view;
    let small = ctl[0] & 4 != 0;
    let make = || {
        let b = Parser::builder().verify_checksum(ctl[0] & 8 != 0);
        if small {
            b.batch_size(3).batch_bytes(50).string_chunk(5).build()
        } else {
            b.build()
        }
    };
    let whole = run_with(&input, make(), || usize::MAX, &policy);
    let mut rng = Rng(u64::from(ctl[1]).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let max = 1 + u64::from(ctl[1] % 17);
    let split = run_with(&input, make(), || 1 + rng.below(max) as usize, &policy);
    assert_eq!(whole, split);
}

/// DUMP payloads: arbitrary bytes never panic; a payload built around arbitrary value
/// bytes verifies, and its value parses identically whole and byte by byte.
pub fn check_dump_payload(data: &[u8]) {
    if let Ok(d) = rdb_parser::verify_dump_payload(data) {
        let _ = d.events(|_, ev| drop(fmt_event(0, &ev)));
    }
    if data.len() < 2 {
        return;
    }
    let version = [6u16, 7, 9, 10, 11, 12, 80][usize::from(data[0] % 7)];
    let payload = rdb_parser::dump_payload(&data[1..], version);
    let d = rdb_parser::verify_dump_payload(&payload).unwrap();
    assert_eq!(d.value, &data[1..]);
    let mut whole = Vec::new();
    let rw = d.events(|off, ev| whole.push(fmt_event(off, &ev)));
    let bytewise = run_with(d.value, d.parser(), || 1, &no_policy);
    let mut w = whole.clone();
    match rw {
        Ok(()) => {
            w.push(format!("Done +{}", 0));
            assert_eq!(bytewise.1, None);
            assert_eq!(w, bytewise.0);
        }
        Err(_) => assert_eq!(
            whole,
            bytewise.0[..whole.len().min(bytewise.0.len())].to_vec()
        ),
    }
}
