//! [`ConnectOptions`]: where to connect and how (credentials, TLS, timeouts, keepalive).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::ClientConfig;

use super::tls::{self, CaSource, ClientCert};
use super::url;
use crate::error::Error;

/// Default TCP connect + TLS handshake timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default read timeout: a master pings its replicas every 10 s and sends a newline every
/// second while it prepares a snapshot, so 60 s of silence (Redis' own `repl-timeout`)
/// means the link is dead.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Default TCP keepalive idle time.
pub const DEFAULT_TCP_KEEPALIVE: Duration = Duration::from_secs(30);

/// TLS settings that have been checked and loaded (roots and client certificate read).
#[derive(Clone)]
pub struct TlsSettings {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) server_name: ServerName<'static>,
    pub(crate) ca: CaSource,
    pub(crate) client_cert: Option<ClientCert>,
}

impl std::fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSettings")
            .field("server_name", &self.server_name)
            .field("ca", &self.ca)
            .field("client_cert", &self.client_cert)
            .finish()
    }
}

impl TlsSettings {
    /// The name sent as SNI and checked against the server certificate.
    pub fn server_name(&self) -> &ServerName<'static> {
        &self.server_name
    }
}

/// Where and how to connect to one Redis server: the connection layer every crate of the
/// workspace uses (`repl-client`'s replica link, `migrate-core`'s source/target clients).
///
/// Build it from a URL, then adjust:
///
/// ```
/// use std::time::Duration;
/// use repl_client::transport::ConnectOptions;
///
/// let opts = ConnectOptions::builder()
///     .url("redis://alice:s3cret@127.0.0.1:6379/2")
///     .connect_timeout(Duration::from_secs(3))
///     .build()?;
/// assert_eq!(opts.addr(), "127.0.0.1:6379");
/// assert_eq!(opts.username(), Some("alice"));
/// assert_eq!(opts.db(), Some(2));
/// assert!(!opts.is_tls());
/// # Ok::<(), repl_client::Error>(())
/// ```
///
/// `rediss://` turns TLS on with the system roots; any `tls_*` builder setting turns it on
/// too. The password never appears in `Debug` output or error messages.
#[derive(Clone)]
pub struct ConnectOptions {
    host: String,
    port: u16,
    username: Option<String>,
    password: Option<String>,
    db: Option<u32>,
    tls: Option<TlsSettings>,
    connect_timeout: Duration,
    read_timeout: Option<Duration>,
    tcp_keepalive: Option<Duration>,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("db", &self.db)
            .field("tls", &self.tls)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("tcp_keepalive", &self.tcp_keepalive)
            .finish()
    }
}

impl ConnectOptions {
    /// Options from a URL with every other setting at its default (see
    /// [`ConnectOptionsBuilder::url`]).
    pub fn from_url(url: &str) -> Result<ConnectOptions, Error> {
        Self::builder().url(url).build()
    }

    /// A builder; `host` defaults to `127.0.0.1`, `port` to 6379.
    pub fn builder() -> ConnectOptionsBuilder {
        ConnectOptionsBuilder::default()
    }

    /// Host name or IP address.
    pub fn host(&self) -> &str {
        &self.host
    }
    /// TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }
    /// `host:port` (IPv6 hosts in brackets), for messages.
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
    /// ACL user name (Redis 6.0+), if any.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }
    /// Password, if any.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }
    /// Database number from the URL path, if any. (A replication link ignores it: the
    /// stream carries every database.)
    pub fn db(&self) -> Option<u32> {
        self.db
    }
    /// Whether connections use TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }
    /// The TLS settings, when TLS is on.
    pub fn tls(&self) -> Option<&TlsSettings> {
        self.tls.as_ref()
    }
    /// Timeout for TCP connect plus TLS handshake.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// How long a read may wait for data before the connection is declared dead.
    pub fn read_timeout(&self) -> Option<Duration> {
        self.read_timeout
    }
    /// TCP keepalive idle time.
    pub fn tcp_keepalive(&self) -> Option<Duration> {
        self.tcp_keepalive
    }
}

/// Builder for [`ConnectOptions`]. Errors (a bad URL, an unreadable CA file) are reported
/// by [`build`](Self::build).
#[derive(Debug, Clone)]
pub struct ConnectOptionsBuilder {
    url_error: Option<String>,
    url: Option<String>,
    host: String,
    port: u16,
    username: Option<String>,
    password: Option<String>,
    db: Option<u32>,
    tls: bool,
    ca: Option<CaSource>,
    client_cert: Option<ClientCert>,
    server_name: Option<String>,
    connect_timeout: Duration,
    read_timeout: Option<Duration>,
    tcp_keepalive: Option<Duration>,
}

impl Default for ConnectOptionsBuilder {
    fn default() -> Self {
        ConnectOptionsBuilder {
            url_error: None,
            url: None,
            host: "127.0.0.1".into(),
            port: 6379,
            username: None,
            password: None,
            db: None,
            tls: false,
            ca: None,
            client_cert: None,
            server_name: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: Some(DEFAULT_READ_TIMEOUT),
            tcp_keepalive: Some(DEFAULT_TCP_KEEPALIVE),
        }
    }
}

impl ConnectOptionsBuilder {
    /// Takes host, port, credentials, database and TLS on/off from
    /// `redis[s]://[[user][:password]@]host[:port][/db]` (user and password
    /// percent-decoded). Later builder calls override what the URL set.
    pub fn url(mut self, url: &str) -> Self {
        match url::parse(url) {
            Ok(p) => {
                self.host = p.host;
                self.port = p.port;
                self.username = p.username;
                self.password = p.password;
                self.db = p.db;
                self.tls |= p.tls;
                self.url = Some(url::redact(url));
            }
            Err(e) => self.url_error = Some(e.to_string()),
        }
        self
    }
    /// Host name or IP address.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }
    /// TCP port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// ACL user (Redis 6.0+); needs a password.
    pub fn username(mut self, user: impl Into<String>) -> Self {
        self.username = Some(user.into());
        self
    }
    /// Password (`AUTH password`, or `AUTH user password` with a username).
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }
    /// Database number.
    pub fn db(mut self, db: u32) -> Self {
        self.db = Some(db);
        self
    }
    /// Turns TLS on (with the system roots unless a CA is given) or off.
    pub fn tls(mut self, on: bool) -> Self {
        self.tls = on;
        self
    }
    /// Trust the CA certificates in this PEM file instead of the system roots. Turns TLS on.
    pub fn tls_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca = Some(CaSource::File(path.into()));
        self.tls = true;
        self
    }
    /// Trust the CA certificates in this PEM text instead of the system roots. Turns TLS on.
    pub fn tls_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca = Some(CaSource::Pem(pem.into()));
        self.tls = true;
        self
    }
    /// Present this client certificate (PEM chain, PEM key) for mutual TLS. Turns TLS on.
    pub fn tls_client_cert(
        mut self,
        cert_file: impl Into<PathBuf>,
        key_file: impl Into<PathBuf>,
    ) -> Self {
        self.client_cert = Some(ClientCert {
            cert_file: cert_file.into(),
            key_file: key_file.into(),
        });
        self.tls = true;
        self
    }
    /// The name sent as SNI and verified against the certificate (default: the host).
    /// Turns TLS on.
    pub fn tls_server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self.tls = true;
        self
    }
    /// Timeout for TCP connect plus TLS handshake (default 10 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }
    /// Read timeout (default 60 s; `None`: wait forever).
    pub fn read_timeout(mut self, t: Option<Duration>) -> Self {
        self.read_timeout = t;
        self
    }
    /// TCP keepalive idle time (default 30 s; `None`: off).
    pub fn tcp_keepalive(mut self, t: Option<Duration>) -> Self {
        self.tcp_keepalive = t;
        self
    }

    /// Checks the settings and loads TLS material.
    pub fn build(self) -> Result<ConnectOptions, Error> {
        if let Some(e) = self.url_error {
            return Err(Error::InvalidOptions(e));
        }
        let ctx = self.url.map(|u| format!(" (from {u})")).unwrap_or_default();
        if self.host.is_empty() {
            return Err(Error::InvalidOptions(format!("empty host{ctx}")));
        }
        if self.port == 0 {
            return Err(Error::InvalidOptions(format!("port 0{ctx}")));
        }
        if self.username.is_some() && self.password.is_none() {
            return Err(Error::InvalidOptions(format!(
                "a username needs a password{ctx}"
            )));
        }
        if self.connect_timeout.is_zero() {
            return Err(Error::InvalidOptions("connect timeout must be > 0".into()));
        }
        let tls = if self.tls {
            let ca = self.ca.unwrap_or(CaSource::System);
            let config = tls::client_config(&ca, self.client_cert.as_ref())?;
            let name = self.server_name.unwrap_or_else(|| self.host.clone());
            let server_name = ServerName::try_from(name.clone()).map_err(|e| {
                Error::InvalidOptions(format!("TLS server name `{name}`: {e}{ctx}"))
            })?;
            Some(TlsSettings {
                config,
                server_name,
                ca,
                client_cert: self.client_cert,
            })
        } else {
            None
        };
        Ok(ConnectOptions {
            host: self.host,
            port: self.port,
            username: self.username,
            password: self.password,
            db: self.db,
            tls,
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            tcp_keepalive: self.tcp_keepalive,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn url_then_overrides() {
        let o = ConnectOptions::builder()
            .url("redis://u:p@h:1/4")
            .port(2)
            .db(5)
            .build()
            .unwrap();
        assert_eq!((o.host(), o.port(), o.db()), ("h", 2, Some(5)));
        assert_eq!((o.username(), o.password()), (Some("u"), Some("p")));
        assert!(!format!("{o:?}").contains("\"p\""));
    }

    #[test]
    fn bad_url_reported_by_build() {
        let e = ConnectOptions::builder()
            .url("redis://u:pw@h:x")
            .build()
            .unwrap_err();
        let s = e.to_string();
        assert!(s.contains("port") && !s.contains("pw@"), "{s}");
    }

    #[test]
    fn missing_ca_file_is_a_clear_error() {
        let e = ConnectOptions::builder()
            .url("redis://h")
            .tls_ca_file("/nonexistent/ca.pem")
            .build()
            .unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("CA file") && s.contains("/nonexistent/ca.pem"),
            "{s}"
        );
    }

    #[test]
    fn ipv6_addr_is_bracketed() {
        let o = ConnectOptions::from_url("redis://[::1]:7000").unwrap();
        assert_eq!(o.addr(), "[::1]:7000");
    }
}
