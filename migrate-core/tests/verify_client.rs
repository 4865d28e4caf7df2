//! The async client against real servers: AUTH and SELECT from the URL, one-shot commands,
//! pipelining with a bounded window, errors that name the server and the command.
#![allow(clippy::unwrap_used)]

use migrate_core::client::{Client, ClientError};
use resp_codec::Frame;
use test_support::{RedisServer, Version};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn auth_select_and_info_from_the_url() {
    let s = RedisServer::start(Version::V7_0);
    // Set after start: the test-support readiness probe does not authenticate.
    s.connect().ok(&["CONFIG", "SET", "requirepass", "s3cret"]);
    rt().block_on(async {
        // Wrong password: a server error naming the address and AUTH, never the password.
        let url = format!("redis://:wrong@127.0.0.1:{}/3", s.port());
        let e = Client::connect_url(&url).await.unwrap_err();
        let msg = e.to_string();
        assert!(e.is_server_error(), "{msg}");
        assert!(msg.contains(&s.addr()) && msg.contains("AUTH"), "{msg}");
        assert!(!msg.contains("wrong"), "{msg}");

        let url = format!("redis://:s3cret@127.0.0.1:{}/3", s.port());
        let mut c = Client::connect_url(&url).await.unwrap();
        assert_eq!(c.db(), 3);
        c.cmd(&["SET", "k", "in-db-3"]).await.unwrap();
        let mut other = Client::connect_url(&format!("redis://:s3cret@127.0.0.1:{}", s.port()))
            .await
            .unwrap();
        assert!(other.cmd(&["GET", "k"]).await.unwrap().is_null());
        other.select(3).await.unwrap();
        assert_eq!(
            other.cmd(&["GET", "k"]).await.unwrap(),
            Frame::bulk("in-db-3")
        );

        let v = c.server_version().await.unwrap();
        assert!(v.at_least(7, 0), "{v}");
        let ks = c.keyspace().await.unwrap();
        assert_eq!(ks.iter().find(|d| d.db == 3).map(|d| d.keys), Some(1));
        assert_eq!(
            c.config_get("requirepass").await.unwrap().as_deref(),
            Some("s3cret")
        );
        assert_eq!(c.config_get("no-such-parameter").await.unwrap(), None);
    });
}

#[test]
fn pipeline_window_keeps_order_and_bounds_in_flight() {
    let s = RedisServer::start(Version::V7_0);
    rt().block_on(async {
        let mut c = Client::connect_url(&s.url()).await.unwrap();
        let mut replies = 0u64;
        let mut max_in_flight = 0;
        let mut on_reply = |f: Frame| -> Result<(), ClientError> {
            assert_eq!(f.as_integer(), Some(replies as i64 + 1), "replies in order");
            replies += 1;
            Ok(())
        };
        for _ in 0..10_000 {
            c.push(&["INCR", "counter"], 64, &mut on_reply)
                .await
                .unwrap();
            max_in_flight = max_in_flight.max(c.in_flight());
        }
        c.finish(&mut on_reply).await.unwrap();
        assert_eq!(replies, 10_000);
        assert!(max_in_flight <= 64, "{max_in_flight}");
        assert_eq!(c.in_flight(), 0);

        // Big commands: the write buffer is flushed as it grows, replies stay in order.
        let big = vec![b'x'; 100_000];
        let mut n = 0;
        let mut on_ok = |f: Frame| -> Result<(), ClientError> {
            assert_eq!(f, Frame::simple("OK"));
            n += 1;
            Ok(())
        };
        for i in 0..40 {
            let key = format!("big:{i}");
            c.push(&[&b"SET"[..], key.as_bytes(), &big], 16, &mut on_ok)
                .await
                .unwrap();
            assert!(c.queued_bytes() < 400_000, "{}", c.queued_bytes());
        }
        c.finish(&mut on_ok).await.unwrap();
        assert_eq!(n, 40);

        // queue/flush/recv: error replies are frames, in their place.
        c.queue(&["SET", "s", "v"]);
        c.queue(&["LPUSH", "s", "x"]);
        c.queue(&["GET", "s"]);
        assert_eq!(c.queued(), 3);
        c.flush().await.unwrap();
        assert_eq!(c.recv().await.unwrap(), Frame::simple("OK"));
        assert!(c
            .recv()
            .await
            .unwrap()
            .error_message()
            .unwrap()
            .starts_with(b"WRONGTYPE"));
        assert_eq!(c.recv().await.unwrap(), Frame::bulk("v"));

        // One-shot: an error reply names the server, the command and its key.
        let e = c.cmd(&["LPUSH", "s", "x"]).await.unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(&s.addr()) && msg.contains("LPUSH s") && msg.contains("WRONGTYPE"),
            "{msg}"
        );
        // recv with nothing in flight is an error, not a hang.
        assert!(c.recv().await.is_err());
    });
}

#[test]
fn a_dead_server_is_a_clear_error() {
    let mut s = RedisServer::start(Version::V7_0);
    rt().block_on(async {
        let mut c = Client::connect_url(&s.url()).await.unwrap();
        s.kill();
        let e = c.cmd(&["PING"]).await.unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(&s.addr()) && msg.contains("PING"), "{msg}");
        let e = Client::connect_url(&s.url()).await.unwrap_err();
        assert!(matches!(e, ClientError::Connect { .. }), "{e}");
    });
}
