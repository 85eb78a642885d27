//! `wss://` servers that must fail, and fail the same way for the
//! WebSocket (`ErrorKind::Socket`) as for REST (`ErrorKind::Transport`): a
//! certificate for another name, an expired certificate, a server that
//! accepts TCP and never speaks, a server that answers TLS with plain HTTP.
//! Also: a trusted `wss://` server reached through a `CONNECT` proxy, and
//! TLS failures that are not retried (one connection, whatever the method
//! and the retry policy).
//!
//! The REST side of a watch is a mockito server; the `wss://` servers are
//! rustls + tungstenite on 127.0.0.1, with certificates from a root made here.
//! Each test runs with every TLS provider the build has (rustls, native-tls).

#![cfg(any(feature = "rustls", feature = "native-tls"))]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::network::{presence_event, watch_api, Pki, WsServer, FAR_FUTURE, WATCHED_USER as USER};
use crate::proxying::{open_tunnel, read_head, target_of};
use genesys_presence::definitions::{self, DefinitionQuery};
use genesys_presence::{
    user, watch, Error, ErrorKind, OrganizationPresence, RetryPolicy, Session, TransportKind,
};

/// The TLS providers of this build.
fn providers() -> Vec<ureq::tls::TlsProvider> {
    let mut providers = Vec::new();
    if cfg!(feature = "rustls") {
        providers.push(ureq::tls::TlsProvider::Rustls);
    }
    if cfg!(feature = "native-tls") {
        providers.push(ureq::tls::TlsProvider::NativeTls);
    }
    providers
}

fn trusting(pki: &Pki, provider: ureq::tls::TlsProvider) -> ureq::tls::TlsConfig {
    let root = ureq::tls::Certificate::from_der(&pki.root).to_owned();
    ureq::tls::TlsConfig::builder()
        .provider(provider)
        .root_certs(ureq::tls::RootCerts::new_with_certs(&[root]))
        .build()
}

/// Accepts TCP connections and keeps them open without a byte.
fn start_mute() -> (u16, Arc<Mutex<Vec<TcpStream>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&held);
    thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            keep.lock().unwrap().push(tcp);
        }
    });
    (port, held)
}

/// Answers anything with a plain-text HTTP 400, as a non-TLS server on a TLS port does.
fn start_plain_http() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for mut tcp in listener.incoming().flatten() {
            thread::spawn(move || {
                let mut buf = [0u8; 1024];
                let _ = tcp.read(&mut buf);
                let _ = tcp
                    .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = tcp.shutdown(Shutdown::Write);
                thread::sleep(Duration::from_millis(200));
            });
        }
    });
    port
}

fn session(base_url: &str, config: ureq::config::ConfigBuilder<ureq::typestate::AgentScope>) -> Session {
    Session::builder()
        .base_url(base_url)
        .access_token("test-token")
        .agent(config.build().new_agent())
        .retry_policy(RetryPolicy::none())
        .connect_timeout(Duration::from_secs(1))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

/// The watch's error and the REST call's error against the same `port`
/// (`wss://127.0.0.1:port` and `https://127.0.0.1:port`), and how long each took.
fn both_failures(port: u16, tls: ureq::tls::TlsConfig) -> ((Error, Duration), (Error, Duration)) {
    let api = watch_api(&format!("wss://127.0.0.1:{port}/channels/c1"), FAR_FUTURE).0;
    let watching = session(&api.url(), ureq::Agent::config_builder().tls_config(tls.clone()));
    let started = Instant::now();
    let socket = watch::users(&watching, &[USER]).unwrap_err();
    let socket = (socket, started.elapsed());
    let direct = session(
        &format!("https://127.0.0.1:{port}"),
        ureq::Agent::config_builder().tls_config(tls),
    );
    let started = Instant::now();
    let rest = user::get_purecloud_presence(&direct, USER).unwrap_err();
    (socket, (rest, started.elapsed()))
}

#[track_caller]
fn assert_same_kind(
    provider: ureq::tls::TlsProvider,
    expected: TransportKind,
    socket: &(Error, Duration),
    rest: &(Error, Duration),
) {
    assert!(
        socket.0.kind() == ErrorKind::Socket,
        "{provider:?}: {:?}",
        socket.0
    );
    assert!(
        rest.0.kind() == ErrorKind::Transport,
        "{provider:?}: {:?}",
        rest.0
    );
    assert_eq!(
        socket.0.transport_kind(),
        Some(expected),
        "{provider:?}: WebSocket: {}",
        socket.0
    );
    assert_eq!(
        rest.0.transport_kind(),
        Some(expected),
        "{provider:?}: REST: {}",
        rest.0
    );
    assert!(
        socket.1 < Duration::from_secs(4),
        "{provider:?}: WebSocket took {:?}",
        socket.1
    );
    assert!(
        rest.1 < Duration::from_secs(4),
        "{provider:?}: REST took {:?}",
        rest.1
    );
}

#[test]
fn a_certificate_for_another_name_is_a_tls_error_for_websocket_and_rest() {
    let pki = Pki::new(&["wrong.example"], None);
    let port = WsServer::start(Some(pki.server_config()), Some(presence_event("over TLS"))).port;
    for provider in providers() {
        let (socket, rest) = both_failures(port, trusting(&pki, provider));
        assert_same_kind(provider, TransportKind::Tls, &socket, &rest);
    }
}

#[test]
fn an_expired_certificate_is_a_tls_error_for_websocket_and_rest() {
    let pki = Pki::new(&["127.0.0.1"], Some((2001, 1, 1)));
    let port = WsServer::start(Some(pki.server_config()), Some(presence_event("over TLS"))).port;
    for provider in providers() {
        let (socket, rest) = both_failures(port, trusting(&pki, provider));
        assert_same_kind(provider, TransportKind::Tls, &socket, &rest);
        assert!(
            socket.0.to_string().to_lowercase().contains("expired"),
            "{}",
            socket.0
        );
    }
}

#[test]
fn a_server_that_never_speaks_tls_times_out_for_websocket_and_rest() {
    let pki = Pki::new(&["127.0.0.1"], None);
    let (port, _held) = start_mute();
    for provider in providers() {
        let (socket, rest) = both_failures(port, trusting(&pki, provider));
        assert_same_kind(provider, TransportKind::Timeout, &socket, &rest);
        assert!(socket.0.is_timeout() && rest.0.is_timeout());
    }
}

#[test]
fn a_plain_ws_server_that_never_answers_the_handshake_times_out() {
    let (port, _held) = start_mute();
    let api = watch_api(&format!("ws://127.0.0.1:{port}/channels/c1"), FAR_FUTURE).0;
    let session = session(&api.url(), ureq::Agent::config_builder());
    let started = Instant::now();
    let error = watch::users(&session, &[USER]).unwrap_err();
    assert!(error.is_timeout(), "{error}");
    // connect_timeout 1 s (met at once), then the handshake within timeout 2 s.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn plain_http_on_a_tls_port_is_a_tls_error_for_websocket_and_rest() {
    let pki = Pki::new(&["127.0.0.1"], None);
    let port = start_plain_http();
    for provider in providers() {
        let (socket, rest) = both_failures(port, trusting(&pki, provider));
        assert_same_kind(provider, TransportKind::Tls, &socket, &rest);
    }
}

/// A tunnelling proxy that records the `CONNECT` targets.
fn start_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let targets = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&targets);
    thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            let log = Arc::clone(&log);
            thread::spawn(move || {
                let Some(head) = read_head(&mut client) else {
                    return;
                };
                let target = target_of(&head);
                log.lock().unwrap().push(target.clone());
                open_tunnel(client, &target);
            });
        }
    });
    (url, targets)
}

#[test]
fn a_trusted_wss_server_through_a_connect_proxy() {
    let pki = Pki::new(&["127.0.0.1"], None);
    let port = WsServer::start(Some(pki.server_config()), Some(presence_event("over TLS"))).port;
    let api = watch_api(&format!("wss://127.0.0.1:{port}/channels/c1"), FAR_FUTURE).0;
    for provider in providers() {
        let (proxy, targets) = start_proxy();
        let config = ureq::Agent::config_builder()
            .tls_config(trusting(&pki, provider))
            .proxy(Some(ureq::Proxy::new(&proxy).unwrap()));
        let session = session(&api.url(), config);
        let mut watcher = watch::users(&session, &[USER]).unwrap();
        let event = watcher
            .next_timeout(Duration::from_secs(10))
            .expect("the pushed event within 10 s")
            .unwrap();
        assert_eq!(event.message.as_deref(), Some("over TLS"), "{provider:?}");
        // The reader is blocked in a TLS read (the server sends nothing more):
        // closing wakes it at once.
        thread::sleep(Duration::from_millis(300));
        let closing = Instant::now();
        watcher.close();
        assert!(
            closing.elapsed() < Duration::from_millis(500),
            "{provider:?}: close took {:?}",
            closing.elapsed()
        );
        assert!(
            targets.lock().unwrap().contains(&format!("127.0.0.1:{port}")),
            "{provider:?}: {:?}",
            targets.lock().unwrap()
        );
    }
}

/// A `wss://` server that requires a client certificate signed by `pki`'s
/// root; pushes one event to a client that has one.
fn start_wss_requiring_client_cert(pki: &Pki) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(pki.root.clone()))
        .unwrap();
    let verifier =
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
            .build()
            .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(pki.server_key.clone().into());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(pki.server_chain.clone(), key)
        .unwrap();
    WsServer::start(Some(config), Some(presence_event("mutual TLS"))).port
}

#[test]
fn the_websocket_presents_the_agents_client_certificate() {
    // The root signs the server's certificate and the client's.
    let root_key = rcgen::KeyPair::generate().unwrap();
    let mut root_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    root_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    root_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "review mutual root");
    let root = root_params.self_signed(&root_key).unwrap();
    let issuer = rcgen::Issuer::new(root_params, root_key);
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let client_key = rcgen::KeyPair::generate().unwrap();
    let client = rcgen::CertificateParams::new(vec!["client.example".to_owned()])
        .unwrap()
        .signed_by(&client_key, &issuer)
        .unwrap();
    let pki = Pki {
        root: root.der().to_vec(),
        server_chain: vec![server.der().clone()],
        server_key: server_key.serialize_der(),
    };
    let port = start_wss_requiring_client_cert(&pki);
    let client_der = client.der().to_vec();
    let client_key_pem = client_key.serialize_pem();
    for provider in providers() {
        let api = watch_api(&format!("wss://127.0.0.1:{port}/channels/c1"), FAR_FUTURE).0;
        let root = ureq::tls::Certificate::from_der(&pki.root).to_owned();
        let client_cert = ureq::tls::ClientCert::new_with_certs(
            &[ureq::tls::Certificate::from_der(&client_der).to_owned()],
            ureq::tls::PrivateKey::from_pem(client_key_pem.as_bytes()).unwrap(),
        );
        let with_cert = ureq::tls::TlsConfig::builder()
            .provider(provider)
            .root_certs(ureq::tls::RootCerts::new_with_certs(std::slice::from_ref(&root)))
            .client_cert(Some(client_cert))
            .build();
        let session_with = session(&api.url(), ureq::Agent::config_builder().tls_config(with_cert));
        let mut watcher =
            watch::users(&session_with, &[USER]).unwrap_or_else(|e| panic!("{provider:?}: {e}"));
        let event = watcher
            .next_timeout(Duration::from_secs(10))
            .expect("the pushed event within 10 s")
            .unwrap();
        assert_eq!(event.message.as_deref(), Some("mutual TLS"), "{provider:?}");
        watcher.close();

        // Without the certificate the server refuses the handshake: a socket error.
        let without = ureq::tls::TlsConfig::builder()
            .provider(provider)
            .root_certs(ureq::tls::RootCerts::new_with_certs(&[root]))
            .build();
        let session_without = session(&api.url(), ureq::Agent::config_builder().tls_config(without));
        let error = watch::users(&session_without, &[USER]).unwrap_err();
        assert!(error.kind() == ErrorKind::Socket, "{provider:?}: {error:?}");
    }
}

// ---------------------------------------------------------------- TLS failures are not retried

/// A TLS server on 127.0.0.1 (with `tls`, else plain HTTP answering 400)
/// that counts the connections it accepts.
fn start_counting(tls: Option<rustls::ServerConfig>) -> (u16, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(Mutex::new(0));
    let count = Arc::clone(&accepted);
    let tls = tls.map(Arc::new);
    thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            *count.lock().unwrap() += 1;
            let tls = tls.clone();
            thread::spawn(move || {
                let mut buf = [0u8; 1024];
                match tls {
                    Some(config) => {
                        let connection = rustls::ServerConnection::new(config).unwrap();
                        let mut stream = rustls::StreamOwned::new(connection, tcp);
                        // Drives the handshake, which the client gives up.
                        let _ = stream.read(&mut buf);
                    }
                    None => {
                        let mut tcp = tcp;
                        let _ = tcp.read(&mut buf);
                        let _ = tcp.write_all(
                            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        );
                    }
                }
            });
        }
    });
    (port, accepted)
}

/// Retries on, with backoffs short enough that a wrong retry shows in the
/// count, not in the time.
fn retrying() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(4)
        .backoff(Duration::from_millis(5), Duration::from_millis(10))
}

#[test]
fn tls_failures_are_tls_errors_sent_once_whatever_the_method() {
    let trusted = Pki::new(&["127.0.0.1"], None);
    let wrong_name = Pki::new(&["wrong.example"], None);
    let expired = Pki::new(&["127.0.0.1"], Some((2001, 1, 1)));
    // (case, the server's TLS, the root the client trusts)
    let cases: [(&str, Option<rustls::ServerConfig>, Option<&Pki>); 4] = [
        ("an untrusted certificate", Some(trusted.server_config()), None),
        (
            "a certificate for another name",
            Some(wrong_name.server_config()),
            Some(&wrong_name),
        ),
        (
            "an expired certificate",
            Some(expired.server_config()),
            Some(&expired),
        ),
        ("plain HTTP on a TLS port", None, Some(&trusted)),
    ];
    let definition = OrganizationPresence {
        language_labels: Some([("en_US".to_owned(), "Focus".to_owned())].into()),
        ..OrganizationPresence::default()
    };
    for provider in providers() {
        for (case, tls, root) in &cases {
            let (port, accepted) = start_counting(tls.clone());
            let tls_config = match root {
                Some(pki) => trusting(pki, provider),
                // The roots the session uses by default, which do not hold the test's.
                None => {
                    let roots = match provider {
                        ureq::tls::TlsProvider::NativeTls => ureq::tls::RootCerts::PlatformVerifier,
                        _ => ureq::tls::RootCerts::WebPki,
                    };
                    ureq::tls::TlsConfig::builder()
                        .provider(provider)
                        .root_certs(roots)
                        .build()
                }
            };
            let session = Session::builder()
                .base_url(format!("https://127.0.0.1:{port}"))
                .access_token("test-token")
                .agent(
                    ureq::Agent::config_builder()
                        .tls_config(tls_config)
                        .build()
                        .new_agent(),
                )
                .retry_policy(retrying())
                .connect_timeout(Duration::from_secs(1))
                .timeout(Duration::from_secs(2))
                .build()
                .unwrap();
            type Call<'a> = Box<dyn Fn() -> Error + 'a>;
            let calls: [(&str, Call); 4] = [
                (
                    "GET",
                    Box::new(|| user::get_purecloud_presence(&session, USER).unwrap_err()),
                ),
                (
                    "GET, paged",
                    Box::new(|| definitions::list_all(&session, &DefinitionQuery::default()).unwrap_err()),
                ),
                (
                    "PUT",
                    Box::new(|| definitions::update(&session, "d1", &definition).unwrap_err()),
                ),
                (
                    "DELETE",
                    Box::new(|| definitions::delete(&session, "d1").unwrap_err()),
                ),
            ];
            for (method, call) in calls {
                let before = *accepted.lock().unwrap();
                let started = Instant::now();
                let error = call();
                let what = format!("{provider:?}, {case}, {method}");
                assert_eq!(
                    error.transport_kind(),
                    Some(TransportKind::Tls),
                    "{what}: {error}"
                );
                assert_eq!(error.attempts(), Some(1), "{what}: {error}");
                assert!(
                    started.elapsed() < Duration::from_secs(2),
                    "{what}: {:?}",
                    started.elapsed()
                );
                // The server may count the connection just after the client gave up.
                thread::sleep(Duration::from_millis(50));
                assert_eq!(*accepted.lock().unwrap() - before, 1, "{what}: connections");
            }
        }
    }
    // The session's own agent, with the build's roots: the same.
    let (port, accepted) = start_counting(Some(trusted.server_config()));
    let session = Session::builder()
        .base_url(format!("https://127.0.0.1:{port}"))
        .access_token("test-token")
        .retry_policy(retrying())
        .build()
        .unwrap();
    let error = user::get_purecloud_presence(&session, USER).unwrap_err();
    assert_eq!(error.transport_kind(), Some(TransportKind::Tls), "{error}");
    assert_eq!(error.attempts(), Some(1), "{error}");
    thread::sleep(Duration::from_millis(50));
    assert_eq!(*accepted.lock().unwrap(), 1);
}
