//! Every installed version starts, answers, reports its own version, and dies on drop.
use test_support::{FaultProxy, RedisServer, Reply, Version};

#[test]
fn every_version_starts_and_reports_its_version() {
    for v in Version::ALL {
        let server = RedisServer::start(v);
        let mut c = server.connect();
        c.ok(&["SET", "k", "v"]);
        assert_eq!(c.ok(&["GET", "k"]).as_bytes(), Some(&b"v"[..]));
        let reported = c
            .info_field("server", "redis_version")
            .expect("redis_version");
        assert!(
            reported.starts_with(v.series()),
            "{v:?} reported {reported}"
        );
        let port = server.port();
        drop(server);
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "server outlived drop"
        );
    }
}

#[test]
fn proxy_forwards_and_cuts() {
    let server = RedisServer::start(Version::V7_0);
    let proxy = FaultProxy::start(&server.addr());
    let mut c = test_support::Conn::connect(&proxy.addr()).expect("connect via proxy");
    assert!(c.ok(&["PING"]).is_ok_status("PONG"));
    proxy.cut();
    assert!(c.cmd(&["PING"]).is_err(), "a cut connection must fail");
    let mut c2 = test_support::Conn::connect(&proxy.addr()).expect("reconnect");
    assert_eq!(c2.ok(&["ECHO", "x"]), Reply::Bulk(Some(b"x".to_vec())));
}
