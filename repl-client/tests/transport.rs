//! The connection layer against real servers: plain TCP, TLS with a test CA, rejected
//! certificates, mutual TLS.
#![allow(clippy::unwrap_used)]

mod common;

use common::certs::{tls_server, Certs};
use repl_client::transport::{connect, ConnectOptions, Stream};
use repl_client::Error;
use test_support::{RedisServer, Version};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn ping(s: &mut Stream) -> std::io::Result<Vec<u8>> {
    s.write_all(b"*1\r\n$4\r\nPING\r\n").await?;
    let mut buf = vec![0u8; 64];
    let n = s.read(&mut buf).await?;
    buf.truncate(n);
    Ok(buf)
}

#[tokio::test]
async fn plain_tcp_ping() {
    let server = RedisServer::start(Version::V7_0);
    let opts = ConnectOptions::from_url(&server.url()).unwrap();
    let mut s = connect(&opts).await.unwrap();
    assert!(!s.is_tls());
    assert_eq!(ping(&mut s).await.unwrap(), b"+PONG\r\n");
}

#[tokio::test]
async fn refused_connection_names_the_address() {
    let port = test_support::free_port();
    let opts = ConnectOptions::from_url(&format!("redis://127.0.0.1:{port}")).unwrap();
    let e = connect(&opts).await.unwrap_err();
    assert!(matches!(e, Error::Connect { .. }), "{e:?}");
    assert!(e.to_string().contains(&port.to_string()), "{e}");
}

#[tokio::test]
async fn tls_with_test_ca() {
    let certs = Certs::generate();
    let (_server, tls_port) = tls_server(&certs, false);
    for host in ["127.0.0.1", "localhost"] {
        let opts = ConnectOptions::builder()
            .url(&format!("rediss://{host}:{tls_port}"))
            .tls_ca_file(&certs.ca)
            .build()
            .unwrap();
        let mut s = connect(&opts).await.unwrap();
        assert!(s.is_tls());
        assert_eq!(ping(&mut s).await.unwrap(), b"+PONG\r\n", "{host}");
    }
}

#[tokio::test]
async fn tls_rejects_untrusted_certificate() {
    let certs = Certs::generate();
    let (_server, tls_port) = tls_server(&certs, false);
    let opts = ConnectOptions::builder()
        .url(&format!("rediss://127.0.0.1:{tls_port}"))
        .tls_ca_file(&certs.rogue_ca)
        .build()
        .unwrap();
    let e = connect(&opts).await.unwrap_err();
    assert!(matches!(e, Error::TlsHandshake { .. }), "{e:?}");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
}

#[tokio::test]
async fn tls_rejects_wrong_server_name() {
    let certs = Certs::generate();
    let (_server, tls_port) = tls_server(&certs, false);
    let opts = ConnectOptions::builder()
        .url(&format!("rediss://127.0.0.1:{tls_port}"))
        .tls_ca_file(&certs.ca)
        .tls_server_name("cache.other.example")
        .build()
        .unwrap();
    let e = connect(&opts).await.unwrap_err();
    assert!(matches!(e, Error::TlsHandshake { .. }), "{e:?}");
}

#[tokio::test]
async fn mutual_tls() {
    let certs = Certs::generate();
    let (_server, tls_port) = tls_server(&certs, true);
    let url = format!("rediss://127.0.0.1:{tls_port}");
    // With the right client certificate: accepted.
    let opts = ConnectOptions::builder()
        .url(&url)
        .tls_ca_file(&certs.ca)
        .tls_client_cert(&certs.client_cert, &certs.client_key)
        .build()
        .unwrap();
    let mut s = connect(&opts).await.unwrap();
    assert_eq!(ping(&mut s).await.unwrap(), b"+PONG\r\n");
    // Without one, or with one from another CA: the server refuses (under TLS 1.3 the
    // refusal can arrive after the client-side handshake, at the first read).
    for cert in [
        None,
        Some((&certs.rogue_client_cert, &certs.rogue_client_key)),
    ] {
        let mut b = ConnectOptions::builder().url(&url).tls_ca_file(&certs.ca);
        if let Some((c, k)) = cert {
            b = b.tls_client_cert(c, k);
        }
        let opts = b.build().unwrap();
        let refused = match connect(&opts).await {
            Err(_) => true,
            Ok(mut s) => !matches!(ping(&mut s).await.as_deref(), Ok(b"+PONG\r\n")),
        };
        assert!(
            refused,
            "server accepted a client without a valid certificate"
        );
    }
}
