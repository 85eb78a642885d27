//! The notification WebSocket uses the TLS settings of the session's agent:
//! a `wss://` server whose certificate comes from a root made by this test
//! is trusted when the agent trusts that root, and refused with a TLS error
//! (promptly, and not as a generic I/O error) when it does not.
//!
//! The REST side is a mockito server; the WebSocket is a rustls +
//! tungstenite server on 127.0.0.1 that pushes one presence event.

#![cfg(feature = "rustls")]

use std::time::{Duration, Instant};

use crate::network::{presence_event, watch_api, Pki, WsServer, FAR_FUTURE, WATCHED_USER as USER};
use genesys_presence::{watch, ErrorKind, Session, TransportKind};
use mockito::ServerGuard;

fn session(api: &ServerGuard, tls: Option<ureq::tls::TlsConfig>) -> Session {
    let mut config = ureq::Agent::config_builder();
    if let Some(tls) = tls {
        config = config.tls_config(tls);
    }
    Session::builder()
        .base_url(api.url())
        .access_token("test-token")
        .agent(config.build().new_agent())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[test]
fn the_websocket_trusts_the_root_certificates_of_the_sessions_agent() {
    let pki = Pki::new(&["127.0.0.1"], None);
    let wss = WsServer::start(Some(pki.server_config()), Some(presence_event("over TLS")));
    let (port, handshakes) = (wss.port, &wss.outcomes);
    let (api, _) = watch_api(&format!("wss://127.0.0.1:{port}/channels/c1"), FAR_FUTURE);
    let root = ureq::tls::Certificate::from_der(&pki.root).to_owned();
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .root_certs(ureq::tls::RootCerts::new_with_certs(&[root]))
        .build();
    let session = session(&api, Some(tls));
    let mut watcher = watch::users(&session, &[USER]).unwrap();
    assert_eq!(handshakes.recv_timeout(Duration::from_secs(10)).unwrap(), Ok(()));
    let event = watcher
        .next_timeout(Duration::from_secs(10))
        .expect("the pushed event within 10 s")
        .unwrap();
    assert_eq!(event.user_id, USER);
    assert_eq!(event.message.as_deref(), Some("over TLS"));
    watcher.close();
}

#[test]
fn an_untrusted_websocket_certificate_is_a_prompt_tls_error() {
    let pki = Pki::new(&["127.0.0.1"], None);
    let wss = WsServer::start(Some(pki.server_config()), Some(presence_event("over TLS")));
    let (port, handshakes) = (wss.port, &wss.outcomes);
    let (api, _) = watch_api(&format!("wss://127.0.0.1:{port}/channels/c1"), FAR_FUTURE);
    // The agent's default roots (webpki's) do not hold the test root.
    let session = session(&api, None);
    let started = Instant::now();
    let error = watch::users(&session, &[USER]).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        error.kind(),
        ErrorKind::Socket,
        "expected a TLS socket error, got {error:?}"
    );
    assert_eq!(error.transport_kind(), Some(TransportKind::Tls), "{error}");
    let text = error.to_string();
    let Some(detail) = text.strip_prefix("notification socket to 127.0.0.1: ") else {
        panic!("{text}")
    };
    assert!(detail.to_ascii_lowercase().contains("certificate"), "{error}");
    let refused = handshakes.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(refused.is_err(), "the server saw a completed handshake");
}
