//! Property test over whole files: random datasets of every type, written in a random
//! choice of the encodings each RDB version allows, must parse back to exactly the values
//! written, whole and split at random points.
#![allow(clippy::unwrap_used)]

mod handbuilt_support;

use std::collections::{BTreeMap, BTreeSet};

use handbuilt_support::*;
use proptest::prelude::*;
use rdb_parser::encoding::StreamId;
use rdb_parser::write::*;
use rdb_parser::Parser;

/// Stream entries to write: (deleted, field/value pairs).
type StreamIn = Vec<(bool, Vec<(Vec<u8>, Vec<u8>)>)>;

#[derive(Debug, Clone)]
enum Val {
    Str(Vec<u8>),
    List(Vec<Vec<u8>>),
    Set(BTreeSet<Vec<u8>>),
    Zset(BTreeMap<Vec<u8>, f64>),
    Hash(BTreeMap<Vec<u8>, (Vec<u8>, Option<u64>)>),
    Stream(StreamIn),
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..24),
        2 => any::<i64>().prop_map(|i| i.to_string().into_bytes()),
        2 => (-300i64..300).prop_map(|i| i.to_string().into_bytes()),
        1 => (1usize..600).prop_map(|n| b"ab".repeat(n)),
    ]
}

fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>().prop_filter("no NaN", |f| !f.is_nan()),
        2 => (-1000i64..1000).prop_map(|i| i as f64 / 4.0),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(-0.0),
        1 => Just(5e-324),
    ]
}

fn val() -> impl Strategy<Value = Val> {
    prop_oneof![
        bytes().prop_map(Val::Str),
        prop::collection::vec(bytes(), 1..20).prop_map(Val::List),
        prop::collection::btree_set(bytes(), 1..20).prop_map(Val::Set),
        prop::collection::btree_set(any::<i64>(), 1..20)
            .prop_map(|s| Val::Set(s.iter().map(|i| i.to_string().into_bytes()).collect())),
        prop::collection::btree_map(bytes(), score(), 1..16).prop_map(Val::Zset),
        prop::collection::btree_map(bytes(), (bytes(), prop::option::of(1u64..(1 << 48))), 1..16)
            .prop_map(Val::Hash),
        prop::collection::vec(
            (
                any::<bool>(),
                prop::collection::vec((bytes(), bytes()), 1..4)
            ),
            1..12
        )
        .prop_map(Val::Stream),
    ]
}

#[derive(Debug, Clone, Copy)]
struct Ver {
    valkey: bool,
    v: u32,
}

/// Writes `val` under `key` with an encoding picked by `pick`; returns the expected value.
fn write_key(fx: &mut Fx, ver: Ver, key: &[u8], val: &Val, pick: u8) {
    let o = if pick & 0x80 != 0 {
        StrOpts::default().with_lzf(Lzf::Force)
    } else {
        StrOpts::default()
    };
    let mut b = Vec::new();
    match val {
        Val::Str(s) => {
            put_string(&mut b, s, o);
            fx.key(0, key, b, V::Str(s.clone()));
        }
        Val::List(items) => {
            let exp = V::List(items.clone());
            let t = match pick % 4 {
                0 => {
                    put_string_seq(&mut b, o, items);
                    1
                }
                1 => {
                    put_blob_value(&mut b, o, &ziplist_of(items).unwrap());
                    10
                }
                2 if ver.v >= 7 || ver.valkey => {
                    let nodes = ziplist_nodes(items, 1 + (pick as usize % 5)).unwrap();
                    put_quicklist_v1(&mut b, o, &nodes);
                    14
                }
                _ if ver.v >= 10 || ver.valkey => {
                    let per = 1 + (pick as usize % 3);
                    let lps = listpack_nodes(items, per).unwrap();
                    let mut nodes: Vec<QuicklistNode<'_>> = Vec::new();
                    for (i, (lp, chunk)) in lps.iter().zip(items.chunks(per)).enumerate() {
                        if i % 2 == 1 && pick & 0x40 != 0 {
                            // PLAIN nodes: one raw element each (empty ones become
                            // equivalent PACKED nodes inside the writer)
                            nodes.extend(chunk.iter().map(|e| QuicklistNode::Plain(e)));
                        } else {
                            nodes.push(QuicklistNode::Packed(lp));
                        }
                    }
                    put_quicklist_v2(&mut b, o, &nodes);
                    18
                }
                _ => {
                    put_string_seq(&mut b, o, items);
                    1
                }
            };
            fx.key(t, key, b, exp);
        }
        Val::Set(m) => {
            let items: Vec<Vec<u8>> = m.iter().cloned().collect();
            let ints: Option<Vec<i64>> = items
                .iter()
                .map(|x| rdb_parser::encoding::canonical_i64(x))
                .collect();
            let t = match (pick % 3, ints) {
                (0, Some(ints)) => {
                    put_blob_value(&mut b, o, &intset_of(&ints).unwrap());
                    11
                }
                (1, _) if ver.v >= 11 || ver.valkey => {
                    put_blob_value(&mut b, o, &listpack_of(&items).unwrap());
                    20
                }
                _ => {
                    put_string_seq(&mut b, o, &items);
                    2
                }
            };
            fx.key(t, key, b, V::Set(m.clone()));
        }
        Val::Zset(z) => {
            let exp = V::Zset(z.iter().map(|(k, s)| (k.clone(), s.to_bits())).collect());
            let pairs: Vec<(&[u8], f64)> = z.iter().map(|(k, s)| (k.as_slice(), *s)).collect();
            let flat: Vec<Vec<u8>> = z
                .iter()
                .flat_map(|(k, s)| [k.clone(), format!("{s:?}").into_bytes()])
                .collect();
            let t = match pick % 4 {
                0 => {
                    put_zset_ascii(&mut b, o, &pairs);
                    3
                }
                1 if ver.v >= 8 || ver.valkey => {
                    put_zset_binary(&mut b, o, &pairs);
                    5
                }
                2 => {
                    put_blob_value(&mut b, o, &ziplist_of(&flat).unwrap());
                    12
                }
                _ if ver.v >= 10 || ver.valkey => {
                    put_blob_value(&mut b, o, &listpack_of(&flat).unwrap());
                    17
                }
                _ => {
                    put_zset_ascii(&mut b, o, &pairs);
                    3
                }
            };
            fx.key(t, key, b, exp);
        }
        Val::Hash(h) => {
            let ttl_fields: Vec<TtlField<'_>> = h
                .iter()
                .map(|(f, (v, t))| TtlField {
                    field: f,
                    value: v,
                    expire_at_ms: *t,
                })
                .collect();
            let with_ttl = V::Hash(
                h.iter()
                    .map(|(f, (v, t))| (f.clone(), (v.clone(), t.map(|x| x as i64))))
                    .collect(),
            );
            let no_ttl = V::Hash(
                h.iter()
                    .map(|(f, (v, _))| (f.clone(), (v.clone(), None)))
                    .collect(),
            );
            let flat: Vec<Vec<u8>> = h
                .iter()
                .flat_map(|(f, (v, _))| [f.clone(), v.clone()])
                .collect();
            let pairs: Vec<(&[u8], &[u8])> = h
                .iter()
                .map(|(f, (v, _))| (f.as_slice(), v.as_slice()))
                .collect();
            if ver.valkey && pick % 2 == 0 {
                put_valkey_hash2(&mut b, o, &ttl_fields);
                return fx.key(22, key, b, with_ttl);
            }
            if !ver.valkey && ver.v >= 12 && pick % 3 == 0 {
                if pick & 0x10 != 0 {
                    put_hash_metadata(&mut b, o, &ttl_fields).unwrap();
                    return fx.key(24, key, b, with_ttl);
                }
                put_hash_listpack_ex(&mut b, o, &ttl_fields).unwrap();
                return fx.key(25, key, b, with_ttl);
            }
            let t = match pick % 4 {
                0 => {
                    put_hash(&mut b, o, &pairs);
                    4
                }
                1 => {
                    let mut zm = ZipmapBuilder::new();
                    for (f, v) in &pairs {
                        zm.push_with_free(f, v, pick % 3).unwrap();
                    }
                    put_blob_value(&mut b, o, &zm.finish().unwrap());
                    9
                }
                2 => {
                    put_blob_value(&mut b, o, &ziplist_of(&flat).unwrap());
                    13
                }
                _ if ver.v >= 10 || ver.valkey => {
                    put_blob_value(&mut b, o, &listpack_of(&flat).unwrap());
                    16
                }
                _ => {
                    put_hash(&mut b, o, &pairs);
                    4
                }
            };
            fx.key(t, key, b, no_ttl);
        }
        Val::Stream(entries) => {
            let sv = if ver.v >= 11 || ver.valkey {
                StreamVersion::V3
            } else if ver.v >= 10 {
                StreamVersion::V2
            } else {
                StreamVersion::V1
            };
            let ins: Vec<EntryIn<'_>> = entries
                .iter()
                .enumerate()
                .map(|(i, (del, f))| EntryIn {
                    id: StreamId {
                        ms: 1000 + (i as u64 / 2),
                        seq: i as u64 % 2,
                    },
                    deleted: *del,
                    fields: f
                        .iter()
                        .map(|(a, b)| (a.as_slice(), b.as_slice()))
                        .collect(),
                })
                .collect();
            let per = 1 + pick as usize % 4;
            let nodes: Vec<(StreamId, Vec<u8>)> = ins
                .chunks(per)
                .map(|c| stream_node_listpack(c).unwrap())
                .collect();
            let live: Vec<&EntryIn<'_>> = ins.iter().filter(|e| !e.deleted).collect();
            let last = ins.last().unwrap().id;
            let meta = StreamMeta {
                length: live.len() as u64,
                last_id: last,
                first_id: live.first().map_or(StreamId::default(), |e| e.id),
                max_deleted_id: StreamId::default(),
                entries_added: ins.len() as u64,
            };
            put_stream(&mut b, o, sv, &nodes, &meta, &[]);
            let v2 = sv >= StreamVersion::V2;
            let exp = V::Stream(StreamV {
                entries: live
                    .iter()
                    .map(|e| {
                        (
                            e.id,
                            e.fields
                                .iter()
                                .map(|(a, b)| (a.to_vec(), b.to_vec()))
                                .collect(),
                        )
                    })
                    .collect(),
                length: meta.length,
                last_id: last,
                first_id: v2.then_some(meta.first_id),
                max_deleted_id: v2.then_some(StreamId::default()),
                entries_added: v2.then_some(meta.entries_added),
                groups: vec![],
            });
            fx.key(sv.type_byte(), key, b, exp);
        }
    }
}

fn parser() -> Parser {
    Parser::new()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_files_round_trip(
        ver in prop_oneof![
            Just(Ver { valkey: false, v: 6 }),
            Just(Ver { valkey: false, v: 7 }),
            Just(Ver { valkey: false, v: 9 }),
            Just(Ver { valkey: false, v: 10 }),
            Just(Ver { valkey: false, v: 11 }),
            Just(Ver { valkey: false, v: 12 }),
            Just(Ver { valkey: true, v: 80 }),
        ],
        keys in prop::collection::vec((val(), any::<u8>(), prop::option::of(any::<i64>())), 0..8),
        seed in any::<u64>(),
    ) {
        let w = if ver.valkey { RdbWriter::valkey(ver.v) } else { RdbWriter::redis(ver.v) };
        let mut fx = Fx::new(w);
        fx.db(seed % 16);
        for (i, (val, pick, exp)) in keys.iter().enumerate() {
            // streams need RDB 9+
            if matches!(val, Val::Stream(_)) && ver.v < 9 && !ver.valkey {
                continue;
            }
            if let Some(e) = exp {
                fx.expire_ms(*e);
            }
            write_key(&mut fx, ver, format!("k{i}").as_bytes(), val, *pick);
        }
        let (file, exp, bodies) = fx.finish();
        let whole = run(&file, &parser, || usize::MAX, false).unwrap();
        prop_assert_eq!(&whole.model, &exp);
        prop_assert!(whole.problems.is_empty() && whole.trailing == 0);
        let mut rng = Rng(seed | 1);
        let split = run(&file, &parser, || 1 + rng.below(300) as usize, false).unwrap();
        prop_assert_eq!(&split, &whole);
        let raw = run(&file, &parser, || 1 + rng.below(64) as usize, true).unwrap();
        prop_assert_eq!(&raw.raw, &bodies);
    }
}
