//! A caller's agent built with `https_only(true)` (nothing in the
//! clear) refuses a plain `http://` REST call; the WebSocket, which is said
//! to follow the agent's settings, should refuse a plain `ws://` connectUri
//! the same way instead of opening it.
//!
//! The API is a small HTTPS server (rustls, a certificate from a root made
//! here) that answers the calls of a watch; the `ws://` server counts the
//! handshakes it sees.

#![cfg(feature = "rustls")]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::network::{Pki, WsServer, WATCHED_USER as USER};
use genesys_presence::{user, watch, ErrorKind, RetryPolicy, Session, TransportKind};

/// An HTTPS API that answers a watch's calls; its channels connect to `connect_uri`.
fn start_https_api(pki: &Pki, connect_uri: String) -> u16 {
    let config = pki.server_config();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let (config, connect_uri) = (Arc::clone(&config), connect_uri.clone());
            thread::spawn(move || {
                let connection = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(connection, tcp);
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match tls.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let line = head.lines().next().unwrap_or_default().to_owned();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                let mut body = vec![0u8; length];
                let _ = tls.read_exact(&mut body);
                let answer = if line.starts_with("POST /api/v2/notifications/channels ") {
                    serde_json::json!({"id": "c1", "connectUri": connect_uri, "expires": "2099-01-01T00:00:00Z"})
                        .to_string()
                } else if line.contains("/subscriptions") {
                    format!(r#"{{"entities":[{{"id":"v2.users.{USER}.presence"}}]}}"#)
                } else {
                    "[]".to_owned()
                };
                let _ = write!(
                    tls,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
                // Closed only once the client has gone: closing with unread
                // bytes would reset the connection under the answer.
                let _ = tls.sock.shutdown(std::net::Shutdown::Write);
                let _ = tls.sock.set_read_timeout(Some(Duration::from_secs(5)));
                let mut sink = [0u8; 1024];
                while matches!(tls.sock.read(&mut sink), Ok(1..)) {}
            });
        }
    });
    port
}

fn https_only_session(base_url: &str, pki: &Pki) -> Session {
    session_with(base_url, pki, true)
}

fn session_with(base_url: &str, pki: &Pki, https_only: bool) -> Session {
    let root = ureq::tls::Certificate::from_der(&pki.root).to_owned();
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .root_certs(ureq::tls::RootCerts::new_with_certs(&[root]))
        .build();
    let agent = ureq::Agent::config_builder()
        .https_only(https_only)
        .tls_config(tls)
        .build()
        .new_agent();
    Session::builder()
        .base_url(base_url)
        .access_token("test-token")
        .agent(agent)
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[test]
fn an_https_only_agent_refuses_a_plain_ws_connect_uri_as_it_refuses_plain_rest() {
    let pki = Pki::new(&["127.0.0.1"], None);
    // REST in the clear is refused by the agent.
    let plain = https_only_session("http://127.0.0.1:9", &pki);
    let rest = user::get_purecloud_presence(&plain, USER).unwrap_err();
    assert!(rest.to_string().contains("https only"), "{rest}");

    let ws = WsServer::start(None, None);
    let ws_port = ws.port;
    let api_port = start_https_api(&pki, format!("ws://127.0.0.1:{ws_port}/channels/c1"));
    let session = https_only_session(&format!("https://127.0.0.1:{api_port}"), &pki);
    let outcome = watch::users(&session, &[USER]);
    let opened = ws.handshakes();
    match outcome {
        Ok(mut watcher) => {
            watcher.close();
            panic!("the watcher opened a plain ws:// socket ({opened} handshakes) with an https_only agent");
        }
        Err(error) => {
            // Refused before the agent is asked: a ws:// address while the
            // API is https:// is refused whatever the agent allows.
            assert_eq!(error.kind(), ErrorKind::Socket, "{error:?}");
            assert_eq!(error.transport_kind(), Some(TransportKind::Tls), "{error:?}");
            assert!(error.to_string().contains("plain ws:// address"), "{error}");
            assert_eq!(opened, 0);
        }
    }
}

/// Whatever the agent allows: a channel handed out as `ws://` while the API
/// is `https://` would carry the channel's events in clear text.
#[test]
fn a_plain_ws_connect_uri_is_refused_when_the_api_is_https() {
    let pki = Pki::new(&["127.0.0.1"], None);
    let ws = WsServer::start(None, None);
    let api_port = start_https_api(&pki, format!("ws://127.0.0.1:{}/channels/c1", ws.port));
    let session = session_with(&format!("https://127.0.0.1:{api_port}"), &pki, false);
    let error = watch::users(&session, &[USER]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Socket, "{error:?}");
    assert_eq!(error.transport_kind(), Some(TransportKind::Tls), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("notification socket to 127.0.0.1: "),
        "{error}"
    );
    assert!(error.to_string().contains("plain ws:// address"), "{error}");
    assert_eq!(ws.handshakes(), 0);
}
