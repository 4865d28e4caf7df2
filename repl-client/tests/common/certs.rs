//! Test certificates generated at test time with rcgen: a CA, a server certificate for
//! 127.0.0.1/localhost, a client certificate, and an unrelated "rogue" CA.

use std::path::PathBuf;

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};

/// PEM files in a temporary directory.
pub struct Certs {
    pub dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// A CA that signed nothing we use: trusting only it must reject the server.
    pub rogue_ca: PathBuf,
    /// A client certificate signed by the rogue CA.
    pub rogue_client_cert: PathBuf,
    pub rogue_client_key: PathBuf,
}

fn ca(name: &str) -> (rcgen::Certificate, KeyPair) {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    (p.self_signed(&key).unwrap(), key)
}

fn leaf(
    sans: &[&str],
    usage: ExtendedKeyUsagePurpose,
    issuer: &rcgen::Certificate,
    issuer_key: &KeyPair,
) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut p =
        CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(
        DnType::CommonName,
        sans.first().copied().unwrap_or("client"),
    );
    p.extended_key_usages = vec![usage];
    let cert = p.signed_by(&key, issuer, issuer_key).unwrap();
    (cert.pem(), key.serialize_pem())
}

impl Certs {
    pub fn generate() -> Certs {
        let dir = tempfile::tempdir().unwrap();
        let w = |name: &str, pem: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, pem).unwrap();
            p
        };
        let (ca_cert, ca_key) = ca("redis-migrate test CA");
        let (rogue, rogue_key) = ca("rogue CA");
        let (sc, sk) = leaf(
            &["127.0.0.1", "localhost"],
            ExtendedKeyUsagePurpose::ServerAuth,
            &ca_cert,
            &ca_key,
        );
        let (cc, ck) = leaf(
            &["client"],
            ExtendedKeyUsagePurpose::ClientAuth,
            &ca_cert,
            &ca_key,
        );
        let (rc, rk) = leaf(
            &["client"],
            ExtendedKeyUsagePurpose::ClientAuth,
            &rogue,
            &rogue_key,
        );
        Certs {
            ca: w("ca.pem", &ca_cert.pem()),
            server_cert: w("server.pem", &sc),
            server_key: w("server.key", &sk),
            client_cert: w("client.pem", &cc),
            client_key: w("client.key", &ck),
            rogue_ca: w("rogue-ca.pem", &rogue.pem()),
            rogue_client_cert: w("rogue-client.pem", &rc),
            rogue_client_key: w("rogue-client.key", &rk),
            dir,
        }
    }

    pub fn path(p: &std::path::Path) -> String {
        p.to_string_lossy().into_owned()
    }
}

/// A Redis 7.0 server with a plain port (for test assertions) and a TLS port.
pub fn tls_server(certs: &Certs, auth_clients: bool) -> (test_support::RedisServer, u16) {
    let tls_port = test_support::free_port();
    let server = test_support::RedisServer::builder(test_support::Version::V7_0)
        .arg("tls-port", &tls_port.to_string())
        .arg("tls-cert-file", &Certs::path(&certs.server_cert))
        .arg("tls-key-file", &Certs::path(&certs.server_key))
        .arg("tls-ca-cert-file", &Certs::path(&certs.ca))
        .arg("tls-auth-clients", if auth_clients { "yes" } else { "no" })
        .arg("tls-replication", "yes")
        .arg("repl-diskless-sync-delay", "0")
        .start();
    (server, tls_port)
}
