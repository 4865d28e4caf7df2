//! Hand-built vectors for every version/opcode/type: identical events whole, byte by byte
//! and at random splits, in every view; truncations and corruptions never panic.
#![allow(clippy::unwrap_used)]

mod common;

use common::corpus;
use common::*;
use rdb_parser::{KeyStart, Parser, View};

fn small_batches() -> Parser {
    Parser::builder()
        .batch_size(2)
        .batch_bytes(40)
        .string_chunk(7)
        .build()
}

fn raw_policy(limit: usize) -> impl Fn(&KeyStart<'_>) -> Option<View> {
    move |_| Some(View::Raw { max_len: limit })
}

#[test]
fn good_vectors_chunking_invariant_all_views() {
    for (name, data) in corpus::good() {
        let (log, err) = assert_chunking_invariant(&data, &Parser::new, &no_policy, 6);
        assert!(err.is_none(), "{name}: {err:?}\n{log:#?}");
        assert!(log.last().unwrap().starts_with("Done"), "{name}");
        let (log2, err) = assert_chunking_invariant(&data, &small_batches, &no_policy, 4);
        assert!(err.is_none(), "{name} small batches: {err:?}");
        assert!(log2.len() >= log.len());
        for limit in [0usize, 8, 64, 1 << 20] {
            let (_, err) = assert_chunking_invariant(&data, &Parser::new, &raw_policy(limit), 3);
            assert!(err.is_none(), "{name} raw {limit}: {err:?}");
        }
        let skip = |_: &KeyStart<'_>| Some(View::Skip);
        let (slog, err) = assert_chunking_invariant(&data, &Parser::new, &skip, 3);
        assert!(err.is_none(), "{name} skip: {err:?}");
        assert!(
            slog.iter().all(|l| {
                if l.starts_with("Done") {
                    return true;
                }
                let ev = l.split_once(' ').unwrap().1;
                [
                    "KeyStart", "KeyEnd", "Header", "Select", "Resize", "Aux", "Eof", "Done",
                    "Module", "Function", "Slot",
                ]
                .iter()
                .any(|p| ev.starts_with(p))
            }),
            "{name}: {slog:#?}"
        );
    }
}

/// Every view yields the same data: decoded directly, decoded from raw bodies via the value
/// parser, with small batches, through `RdbReader`.
#[test]
fn views_agree_on_the_data() {
    for (name, data) in corpus::good() {
        let decoded = model_of(&data, Parser::new()).unwrap();
        let small = model_of(&data, small_batches()).unwrap();
        assert_eq!(decoded, small, "{name}");
        let raw = model_of(
            &data,
            Parser::builder()
                .view(View::Raw { max_len: 1 << 30 })
                .build(),
        )
        .unwrap();
        assert_eq!(raw.keys.len(), decoded.keys.len());
        for (k, key) in &raw.keys {
            let Val::Raw { rdb_type, body } = &key.val else {
                panic!("{name}: not raw")
            };
            assert_eq!(*rdb_type, key.rdb_type);
            let payload = rdb_parser::dump_payload_parts(*rdb_type, body, decoded.version as u16);
            let mut b = Builder::default();
            rdb_parser::parse_dump_payload(&payload, |_, ev| match ev {
                rdb_parser::Event::KeyStart(s) => {
                    b.on(&rdb_parser::Event::KeyStart(rdb_parser::KeyStart {
                        db: k.0,
                        key: &k.1,
                        rdb_type: s.rdb_type,
                        kind: s.kind,
                        expire_ms: key.expire_ms,
                        lru_idle_s: key.idle,
                        lfu_freq: key.freq,
                    }))
                }
                ev => b.on(&ev),
            })
            .unwrap_or_else(|e| panic!("{name} {:?}: {e}", k.1.escape_ascii().to_string()));
            assert_eq!(b.model.keys.get(k), decoded.keys.get(k), "{name}");
        }
        // A raw limit between value sizes mixes views; the data is still the same.
        let mixed = model_of(
            &data,
            Parser::builder().view(View::Raw { max_len: 40 }).build(),
        )
        .unwrap();
        for (k, key) in &mixed.keys {
            if !matches!(key.val, Val::Raw { .. }) {
                assert_eq!(Some(key), decoded.keys.get(k), "{name}");
            }
        }
    }
}

#[test]
fn bad_vectors_fail_clearly_and_identically() {
    for (name, data, want) in corpus::bad() {
        let (log, err) = assert_chunking_invariant(&data, &Parser::new, &no_policy, 4);
        let err = err.unwrap_or_else(|| panic!("{name} parsed: {log:#?}"));
        assert!(
            format!("{:?}", err.kind).starts_with(want),
            "{name}: {err:?} want {want}"
        );
        assert!(err.offset as usize <= data.len(), "{name}: {err}");
        let msg = err.to_string();
        assert!(msg.contains("offset"), "{msg}");
    }
}

#[test]
fn errors_name_the_key() {
    let (_, data, _) = corpus::bad().into_iter().find(|b| b.0 == "nan").unwrap();
    let (_, err) = run_whole(&data, Parser::new());
    let err = err.unwrap();
    assert_eq!(err.key.as_deref(), Some(&b"z"[..]));
    assert!(err.to_string().contains("key \"z\""), "{err}");
}

#[test]
fn truncation_at_every_offset_never_panics() {
    for (name, data) in corpus::good() {
        let step = if data.len() > 20_000 { 97 } else { 1 };
        for cut in (0..data.len()).step_by(step) {
            let (log, err) = run_whole(&data[..cut], Parser::new());
            let err = err.unwrap_or_else(|| panic!("{name} cut {cut} parsed: {log:?}"));
            assert!(err.offset as usize <= cut, "{name} cut {cut}: {err}");
        }
    }
}

#[test]
fn corrupt_bytes_never_panic() {
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    for (_, data) in corpus::good() {
        if data.len() > 20_000 {
            continue;
        }
        for _ in 0..300 {
            let mut d = data.clone();
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(d.len() as u64) as usize;
                d[i] = rng.next() as u8;
            }
            let p = || Parser::builder().verify_checksum(false).build();
            let _ = run_whole(&d, p());
            let _ = run_with(&d, p(), || 1 + rng.below(13) as usize, &raw_policy(32));
        }
    }
}

#[test]
fn checksum_zero_is_skipped_and_opt_out_works() {
    let (_, bad, _) = corpus::bad().into_iter().find(|b| b.0 == "crc").unwrap();
    let (log, err) = run_whole(&bad, Parser::builder().verify_checksum(false).build());
    assert!(err.is_none(), "{err:?}");
    assert!(log
        .iter()
        .any(|l| l.contains("Eof Some(") && l.ends_with("false")));
    let mut zero = bad.clone();
    let n = zero.len();
    zero[n - 8..].fill(0);
    let (log, err) = run_whole(&zero, Parser::new());
    assert!(err.is_none(), "{err:?}");
    assert!(
        log.iter().any(|l| l.ends_with("Eof Some(0) false")),
        "{log:?}"
    );
    let good = &corpus::good()[4].1; // v9
    let (log, _) = run_whole(good, Parser::new());
    assert!(log
        .iter()
        .any(|l| l.contains("Eof Some(") && l.ends_with("true")));
}

#[test]
fn expire_idle_freq_attach_to_next_key_only() {
    let data = &corpus::good()[4].1; // v9: idle before stream, freq before module
    let (log, err) = run_whole(data, Parser::new());
    assert!(err.is_none());
    let ks: Vec<&String> = log.iter().filter(|l| l.contains("KeyStart")).collect();
    let find = |k: &str| {
        ks.iter()
            .find(|l| l.contains(&format!("key={k} ")))
            .unwrap()
            .to_string()
    };
    assert!(find("stream").contains("idle=Some(12345) freq=None"));
    assert!(find("bloom").contains("exp=None idle=None freq=Some(200)"));
    assert!(find("long-len").contains("exp=None idle=None freq=None"));
    let v1 = &corpus::good()[0].1;
    let (log, _) = run_whole(v1, Parser::new());
    let l: Vec<&String> = log.iter().filter(|l| l.contains("KeyStart")).collect();
    assert!(l[0].contains("key=s ") && l[0].contains("exp=None"));
    assert!(l[1].contains("key=list ") && l[1].contains("exp=Some(1700000000000)"));
    assert!(l[2].contains("exp=None"));
}

#[test]
fn decoded_values_are_exact() {
    let m = |i: usize| model_of(&corpus::good()[i].1, Parser::new()).unwrap();
    let v1 = m(0);
    let z = &v1.keys[&(0, b"zset".to_vec())].val;
    let Val::Zset(z) = z else { panic!() };
    assert_eq!(z[&b"b".to_vec()], f64::INFINITY.to_bits());
    assert_eq!(z[&b"c".to_vec()], f64::NEG_INFINITY.to_bits());
    assert_eq!(z[&b"d".to_vec()], (-0.0f64).to_bits());
    assert_eq!(z[&b"e".to_vec()], 5e-324f64.to_bits());
    let Val::Zset(z) = &v1.keys[&(0, b"zset17g".to_vec())].val else {
        panic!()
    };
    assert_eq!(z[&b"m".to_vec()], 0.1f64.to_bits());
    assert!(v1.keys.contains_key(&(15, b"in15".to_vec())));
    let v6 = m(2);
    let Val::Str(s) = &v6.keys[&(0, b"int".to_vec())].val else {
        panic!()
    };
    assert_eq!(s, b"-2147483648");
    assert!(v6.keys.contains_key(&(0, b"12345".to_vec())));
    assert_eq!(
        v6.keys[&(0, b"12345".to_vec())].expire_ms,
        Some(1_700_000_000_123)
    );
    let Val::Str(s) = &v6.keys[&(0, b"lzfbig".to_vec())].val else {
        panic!()
    };
    let mut expected = Vec::new();
    for i in 0..30_000u32 {
        expected.extend_from_slice(
            format!("line {} of a long compressible text\n", i % 977).as_bytes(),
        );
    }
    assert_eq!(s, &expected);
    let Val::Str(s) = &v6.keys[&(0, b"big".to_vec())].val else {
        panic!()
    };
    assert_eq!(s.len(), 200_000);
    let v9 = m(4);
    let Val::Stream {
        entries,
        meta,
        groups,
    } = &v9.keys[&(0, b"stream".to_vec())].val
    else {
        panic!()
    };
    assert_eq!(entries.len(), 5, "deleted entry skipped");
    assert_eq!(entries[4].0.to_string(), "2000-6", "negative seq diff");
    assert_eq!(meta.unwrap().first_id, None);
    assert_eq!(groups[0].consumers[1].active, None);
    assert_eq!(groups[1].entries_read, None);
    let Val::Module { id, data } = &v9.keys[&(0, b"bloom".to_vec())].val else {
        panic!()
    };
    assert_eq!((id.name_string().as_str(), id.encver()), ("MBbloom--", 2));
    assert_eq!(data.last(), Some(&0));
    let v12 = m(7);
    for k in [&b"hmeta"[..], b"hlpex"] {
        let Val::Hash(h) = &v12.keys[&(0, k.to_vec())].val else {
            panic!()
        };
        assert_eq!(h[&b"a".to_vec()], (b"1".to_vec(), Some(1_800_000_000_000)));
        assert_eq!(h[&b"b".to_vec()], (b"2".to_vec(), None));
        assert_eq!(h[&b"c".to_vec()], (b"3".to_vec(), Some(1_800_000_000_500)));
    }
    let vk = m(8);
    let Val::Hash(h) = &vk.keys[&(0, b"h2".to_vec())].val else {
        panic!()
    };
    assert_eq!(h[&b"a".to_vec()].1, Some(1_800_000_000_000));
    assert_eq!(h[&b"b".to_vec()].1, None);
}

#[test]
fn every_opcode_is_reported() {
    let good = corpus::good();
    let log = |name: &str| {
        let (_, data) = good.iter().find(|g| g.0 == name).unwrap();
        let (log, err) = run_whole(data, Parser::new());
        assert!(err.is_none(), "{name}: {err:?}");
        log.join("\n")
    };
    let v7 = log("v7");
    assert!(v7.contains("@9 Aux redis-ver = 3.2.6"), "{v7}");
    assert!(v7.contains("Aux redis-bits = 64"), "{v7}");
    assert!(v7.contains("ResizeDb 2 0"), "{v7}");
    let v9 = log("v9");
    assert!(
        v9.contains("ModuleAux MBbloom-- 2 1 \\x02\\x07\\x05\\x03cfg\\x00"),
        "{v9}"
    );
    assert!(v9.contains("ModuleAux MBbloom-- 2 2 \\x04"), "{v9}");
    assert!(v9.contains("Module 0x3016e5a289bef802"), "{v9}");
    let v10 = log("v10");
    assert!(v10.contains("Function #!lua name=lib"), "{v10}");
    let v12 = log("v12");
    assert!(v12.contains("SlotInfo 866 2 1"), "{v12}");
    let vk = log("valkey80");
    assert!(vk.contains("Header 80 Valkey"), "{vk}");
    assert!(
        vk.contains("SlotImport jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj [(0, 100), (5000, 5460)]"),
        "{vk}"
    );
    let v1 = log("v1");
    assert!(v1.contains("SelectDb 15"), "{v1}");
    assert!(v1.ends_with("Eof None false\nDone +0"), "{v1}");
}

#[test]
fn reader_keeps_bytes_after_the_rdb() {
    let (_, data) = corpus::good().swap_remove(4); // v9
    let mut stream = data.clone();
    stream.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
    let mut r = rdb_parser::RdbReader::new(&stream[..]);
    let mut keys = 0;
    while let Some((_, ev)) = r.next_event().unwrap() {
        keys += usize::from(matches!(ev, rdb_parser::Event::KeyStart(_)));
    }
    assert_eq!(keys, 4);
    assert_eq!(r.parser().position(), data.len() as u64);
    assert_eq!(r.buffered(), b"*1\r\n$4\r\nPING\r\n");
    let (_, rest) = r.into_parts();
    assert_eq!(rest, b"*1\r\n$4\r\nPING\r\n");
}

#[test]
fn reader_errors_io_and_huge_lengths() {
    struct Failing<'a>(&'a [u8]);
    impl std::io::Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "cut",
                ));
            }
            let n = buf.len().min(self.0.len()).min(7);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let (_, data) = corpus::good().swap_remove(4);
    let mut r = rdb_parser::RdbReader::new(Failing(&data[..100]));
    let err = loop {
        match r.next_event() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("parsed a cut stream"),
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind, rdb_parser::ErrorKind::Io);
    assert_eq!(
        r.io_error().unwrap().kind(),
        std::io::ErrorKind::ConnectionReset
    );
    // A key claiming 900 MB on a 30-byte input: Truncated, no huge buffer.
    let mut f = b"REDIS0009\xfe\x00\x00\x80\x35\xa4\xe9\x00abc".to_vec();
    f.extend_from_slice(&[0; 10]);
    let mut r = rdb_parser::RdbReader::new(&f[..]);
    let err = loop {
        match r.next_event() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("parsed"),
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind, rdb_parser::ErrorKind::Truncated);
    assert_eq!(err.offset, 11);
    // Above the unit limit: rejected at once.
    let p = Parser::builder().max_unit_len(1 << 20).build();
    let (_, err) = run_whole(&f, p);
    assert_eq!(
        err.unwrap().kind,
        rdb_parser::ErrorKind::TooLarge(900_000_000)
    );
}
