//! Building the rustls client configuration: which roots to trust, optional client
//! certificate (mTLS). Certificate verification is always on: there is deliberately no
//! "skip verification" switch.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

use crate::error::Error;

/// Which certificate authorities a TLS connection trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaSource {
    /// The operating system's trust store (via `rustls-native-certs`).
    System,
    /// A PEM file with one or more CA certificates.
    File(PathBuf),
    /// PEM text with one or more CA certificates.
    Pem(Vec<u8>),
}

/// A client certificate and its private key, both PEM files, for mutual TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    /// Certificate chain, leaf first.
    pub cert_file: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn file_err(what: &'static str, path: &Path, reason: impl std::fmt::Display) -> Error {
    Error::TlsFile {
        what,
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

fn roots(ca: &CaSource) -> Result<RootCertStore, Error> {
    let mut store = RootCertStore::empty();
    match ca {
        CaSource::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _ignored) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                let why = found
                    .errors
                    .first()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default();
                return Err(Error::TlsConfig(format!(
                    "no usable system root certificates found{why}; give a CA file"
                )));
            }
        }
        CaSource::File(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| file_err("CA file", path, e))?
                .collect::<Result<_, _>>()
                .map_err(|e| file_err("CA file", path, e))?;
            add_all(&mut store, certs).map_err(|e| file_err("CA file", path, e))?;
        }
        CaSource::Pem(pem) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<_, _>>()
                .map_err(|e| Error::TlsConfig(format!("CA PEM: {e}")))?;
            add_all(&mut store, certs).map_err(|e| Error::TlsConfig(format!("CA PEM: {e}")))?;
        }
    }
    Ok(store)
}

fn add_all(store: &mut RootCertStore, certs: Vec<CertificateDer<'static>>) -> Result<(), String> {
    if certs.is_empty() {
        return Err("no PEM CERTIFICATE blocks found".into());
    }
    for c in certs {
        store
            .add(c)
            .map_err(|e| format!("unusable CA certificate: {e}"))?;
    }
    Ok(())
}

/// Builds a client configuration: verification against `ca`, optional client certificate.
pub(crate) fn client_config(
    ca: &CaSource,
    client: Option<&ClientCert>,
) -> Result<Arc<ClientConfig>, Error> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::TlsConfig(e.to_string()))?
        .with_root_certificates(roots(ca)?);
    let config = match client {
        None => builder.with_no_client_auth(),
        Some(cc) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cc.cert_file)
                .map_err(|e| file_err("client certificate", &cc.cert_file, e))?
                .collect::<Result<_, _>>()
                .map_err(|e| file_err("client certificate", &cc.cert_file, e))?;
            if chain.is_empty() {
                return Err(file_err(
                    "client certificate",
                    &cc.cert_file,
                    "no PEM CERTIFICATE blocks found",
                ));
            }
            let key = PrivateKeyDer::from_pem_file(&cc.key_file)
                .map_err(|e| file_err("client key", &cc.key_file, e))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| file_err("client key", &cc.key_file, e))?
        }
    };
    Ok(Arc::new(config))
}
