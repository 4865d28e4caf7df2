//! Property tests: however the input is split, the events are the same; arbitrary bytes
//! from a master never panic and never loop.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use bytes::BytesMut;
use proptest::prelude::*;
use resp_codec::encode_command;

use super::*;

const ID: &str = "0123456789abcdef0123456789abcdef01234567";

fn session(diskless: bool, args: &[Vec<Vec<u8>>], rdb: &[u8]) -> Vec<u8> {
    let mut w = format!("+PONG\r\n+OK\r\n+OK\r\n\n+FULLRESYNC {ID} 77\r\n\n").into_bytes();
    // Like a master's: 40 random hex characters (a degenerate mark such as 40 x "m" would
    // be ambiguous with payload bytes, as it would for Redis itself).
    let mark = "9f1c2be07a4d3e58b6c0f2a17d9e4b3c5a6f8e01";
    if diskless {
        w.extend(format!("$EOF:{mark}\r\n").bytes());
        w.extend_from_slice(rdb);
        w.extend_from_slice(mark.as_bytes());
    } else {
        w.extend(format!("${}\r\n", rdb.len()).bytes());
        w.extend_from_slice(rdb);
    }
    let mut b = BytesMut::new();
    for a in args {
        encode_command(&mut b, a.iter().map(|x| x.as_slice()));
    }
    w.extend_from_slice(&b);
    w
}

fn run(input: &[u8], cuts: &[usize]) -> (Vec<Event>, Option<String>) {
    let t = Instant::now();
    let mut r = Replica::new(ReplicaConfig::builder().build(), t);
    r.poll_link();
    r.connected(t, 1);
    let mut evs = Vec::new();
    let mut last = 0;
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    points.sort_unstable();
    points.push(input.len());
    for p in points {
        r.handle_input(t, &input[last..p]);
        last = p;
        while let Some(e) = r.poll_event() {
            evs.push(e);
        }
    }
    (evs, r.take_error().map(|e| e.to_string()))
}

/// RDB chunks merged, so events compare independently of read sizes.
fn normalize(evs: Vec<Event>) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    for e in evs {
        if let (Some(Event::RdbChunk(prev)), Event::RdbChunk(c)) = (out.last_mut(), &e) {
            let mut joined = prev.to_vec();
            joined.extend_from_slice(c);
            *prev = joined.into();
            continue;
        }
        out.push(e);
    }
    out
}

fn arg() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..12)
}

proptest! {
    #[test]
    fn any_split_gives_the_same_events(
        diskless in any::<bool>(),
        rdb in prop::collection::vec(any::<u8>(), 0..200),
        cmds in prop::collection::vec(prop::collection::vec(arg(), 1..4), 0..12),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let input = session(diskless, &cmds, &rdb);
        let (whole, err) = run(&input, &[]);
        prop_assert!(err.is_none(), "{err:?}");
        let n_cmds = whole.iter().filter(|e| matches!(e, Event::Command(_))).count();
        prop_assert_eq!(n_cmds, cmds.len());
        let (split, err2) = run(&input, &cuts);
        prop_assert!(err2.is_none());
        prop_assert_eq!(normalize(whole), normalize(split));
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        prefix in 0usize..4,
        junk in prop::collection::vec(any::<u8>(), 0..300),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let heads: [&[u8]; 4] = [
            b"",
            b"+PONG\r\n",
            b"+PONG\r\n+OK\r\n+OK\r\n",
            b"+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC 0123456789abcdef0123456789abcdef01234567 1\r\n$0\r\n",
        ];
        let mut input = heads[prefix].to_vec();
        input.extend_from_slice(&junk);
        let _ = run(&input, &cuts);
    }
}
