//! Credentials, permissions and TLS: wrong passwords and missing ACL rights are a clear
//! error with no retry loop; the grant the error suggests is enough; replication over TLS
//! works with a test CA and is refused with an untrusted certificate.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::certs::{tls_server, Certs};
use common::*;
use repl_client::transport::ConnectOptions;
use repl_client::{Error, ReplicaClient};
use test_support::{FaultProxy, RedisServer, Version};

/// Runs a client against `url` (through a proxy counting connections) and returns its
/// error, checking that it tried exactly once and the event stream ended.
async fn fatal(url_of: impl Fn(&str) -> String, upstream: &str) -> Error {
    let proxy = FaultProxy::start(upstream);
    let url = url_of(&proxy.addr());
    let opts = ConnectOptions::from_url(&url).unwrap();
    let cfg = config().credentials_from(&opts).build();
    let (_h, mut events) = ReplicaClient::builder(opts).config(cfg).start();
    let err = match tokio::time::timeout(Duration::from_secs(10), events.next()).await {
        Ok(Some(Err(e))) => e,
        other => panic!("expected an error, got {other:?}"),
    };
    assert!(
        events.next().await.is_none(),
        "the stream ends after a fatal error"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(proxy.connections(), 1, "no retry loop: {err}");
    err
}

#[tokio::test]
async fn wrong_password_old_and_new_servers() {
    for v in [Version::V3_2, Version::V5_0, Version::V7_0] {
        let server = RedisServer::start(v);
        // (set after start: the test harness checks readiness with an unauthenticated PING)
        server
            .connect()
            .ok(&["CONFIG", "SET", "requirepass", "secret"]);
        let e = fatal(|a| format!("redis://:wrong@{a}"), &server.addr()).await;
        assert!(matches!(e, Error::AuthFailed { .. }), "{v:?}: {e}");
        assert!(
            e.to_string().contains("check the user name and password"),
            "{e}"
        );
        // No password at all.
        let e = fatal(|a| format!("redis://{a}"), &server.addr()).await;
        assert!(matches!(e, Error::AuthRequired { .. }), "{v:?}: {e}");
        assert!(e.to_string().contains("give a password"), "{e}");
    }
}

#[tokio::test]
async fn acl_user_without_replication_rights() {
    for v in [Version::V6_2, Version::V7_0] {
        let server = RedisServer::builder(v)
            .arg("repl-diskless-sync-delay", "0")
            .start();
        let mut c = server.connect();
        c.ok(&[
            "ACL", "SETUSER", "app", "on", ">pw", "~*", "+@read", "+ping",
        ]);
        let e = fatal(|a| format!("redis://app:pw@{a}"), &server.addr()).await;
        assert!(matches!(e, Error::PermissionDenied { .. }), "{v:?}: {e}");
        let msg = e.to_string();
        assert!(
            msg.contains("ACL SETUSER app +psync +sync +replconf +ping"),
            "{msg}"
        );

        // The grant the message suggests is enough.
        c.ok(&[
            "ACL",
            "SETUSER",
            "repl",
            "on",
            ">pw",
            "+psync",
            "+sync",
            "+replconf",
            "+ping",
        ]);
        c.ok(&["SET", "k", "v"]);
        // (credentials taken from the URL: the config has none)
        let opts = ConnectOptions::from_url(&format!("redis://repl:pw@{}", server.addr())).unwrap();
        let (h, mut events) = ReplicaClient::builder(opts)
            .config(config().build())
            .start();
        let sync = full_sync(&mut events).await;
        assert_eq!(sync.keys, 1, "{v:?}");
        h.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replication_over_tls() {
    let certs = Certs::generate();
    let (server, tls_port) = tls_server(&certs, false);
    let mut c = server.connect();
    populate(&mut c, 30);
    let opts = ConnectOptions::builder()
        .url(&format!("rediss://127.0.0.1:{tls_port}"))
        .tls_ca_file(&certs.ca)
        .build()
        .unwrap();
    let (h, mut events) = ReplicaClient::builder(opts)
        .config(config().build())
        .start();
    let sync = full_sync(&mut events).await;
    assert_eq!(sync.keys, total_keys(&mut c));
    c.ok(&["SET", "over-tls", "1"]);
    let target = master_offset(&mut c);
    let got = until_offset(&mut events, &h, sync.offset, target).await;
    assert!(got.iter().any(|s| s.command.is("SET")));
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replication_over_mutual_tls() {
    let certs = Certs::generate();
    let (server, tls_port) = tls_server(&certs, true);
    let mut c = server.connect();
    c.ok(&["SET", "k", "v"]);
    let opts = ConnectOptions::builder()
        .url(&format!("rediss://localhost:{tls_port}"))
        .tls_ca_file(&certs.ca)
        .tls_client_cert(&certs.client_cert, &certs.client_key)
        .build()
        .unwrap();
    let (h, mut events) = ReplicaClient::builder(opts)
        .config(config().build())
        .start();
    assert_eq!(full_sync(&mut events).await.keys, 1);
    h.shutdown();
}

#[tokio::test]
async fn untrusted_certificate_is_fatal() {
    let certs = Certs::generate();
    let (_server, tls_port) = tls_server(&certs, false);
    let proxy = FaultProxy::start(&format!("127.0.0.1:{tls_port}"));
    let opts = ConnectOptions::builder()
        .url(&format!("rediss://127.0.0.1:{}", proxy.port()))
        .tls_ca_file(&certs.rogue_ca)
        .build()
        .unwrap();
    let (_h, mut events) = ReplicaClient::builder(opts)
        .config(config().build())
        .start();
    let e = match tokio::time::timeout(Duration::from_secs(10), events.next()).await {
        Ok(Some(Err(e))) => e,
        other => panic!("expected a TLS error, got {other:?}"),
    };
    assert!(matches!(e, Error::TlsHandshake { .. }), "{e:?}");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
    assert!(events.next().await.is_none());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        proxy.connections(),
        1,
        "a rejected certificate is not retried"
    );
}
