//! Pieces the network-path tests share: the user a watch is for, the REST
//! side of a watch on a mockito server, a test-made PKI, the kind of a
//! transport or socket error, and a WebSocket server, plain or over TLS.

// Without TLS only the plain-socket tests (`no_tls.rs`) are built, and they
// use a part of this file.
#![cfg_attr(not(any(feature = "rustls", feature = "native-tls")), allow(dead_code))]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;

use mockito::{Matcher, Mock, Server, ServerGuard};

/// The user the watches of these tests are for.
pub const WATCHED_USER: &str = "0c7a1f0e-1111-4222-8333-444455556666";

/// An expiry far enough ahead that no channel is renewed during a test.
pub const FAR_FUTURE: &str = "2099-01-01T00:00:00Z";

/// The REST side of a watch of [`WATCHED_USER`]: channel `c1` (whose
/// `connectUri` is `connect_uri` and which says it expires at `expires`),
/// its subscriptions, and an empty presence read. Returns the server and
/// the mock of channel creation, to count how many were made.
pub fn watch_api(connect_uri: &str, expires: &str) -> (ServerGuard, Mock) {
    let mut api = Server::new();
    let channels = api
        .mock("POST", "/api/v2/notifications/channels")
        .with_header("content-type", "application/json")
        .with_body(serde_json::json!({"id": "c1", "connectUri": connect_uri, "expires": expires}).to_string())
        .expect_at_least(1)
        .create();
    for method in ["PUT", "POST"] {
        api.mock(method, "/api/v2/notifications/channels/c1/subscriptions")
            .match_query(Matcher::Any)
            .with_header("content-type", "application/json")
            .with_body(format!(
                r#"{{"entities":[{{"id":"v2.users.{WATCHED_USER}.presence"}}]}}"#
            ))
            .create();
    }
    api.mock("GET", "/api/v2/users/presences/purecloud/bulk")
        .match_query(Matcher::Any)
        .with_header("content-type", "application/json")
        .with_body("[]")
        .create();
    (api, channels)
}

/// A root certificate (DER), and a server certificate it signed, with its key.
pub struct Pki {
    pub root: Vec<u8>,
    pub server_chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    pub server_key: Vec<u8>,
}

impl Pki {
    /// A new root, and a server certificate it signed for `names` (host
    /// names or IP addresses), valid until `not_after` (year, month, day)
    /// when given.
    pub fn new(names: &[&str], not_after: Option<(i32, u8, u8)>) -> Pki {
        let root_key = rcgen::KeyPair::generate().unwrap();
        let mut root_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        root_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        root_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "genesys-presence test root");
        let root = root_params.self_signed(&root_key).unwrap();
        let issuer = rcgen::Issuer::new(root_params, root_key);
        let server_key = rcgen::KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = rcgen::CertificateParams::new(names).unwrap();
        if let Some((y, m, d)) = not_after {
            params.not_before = rcgen::date_time_ymd(y - 1, m, d);
            params.not_after = rcgen::date_time_ymd(y, m, d);
        }
        let server = params.signed_by(&server_key, &issuer).unwrap();
        Pki {
            root: root.der().to_vec(),
            server_chain: vec![server.der().clone()],
            server_key: server_key.serialize_der(),
        }
    }

    /// A rustls server configuration presenting the server certificate.
    pub fn server_config(&self) -> rustls::ServerConfig {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(self.server_key.clone().into());
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(self.server_chain.clone(), key)
            .unwrap()
    }
}

/// A presence change of [`WATCHED_USER`] with `message`, as the
/// notification service pushes it.
pub fn presence_event(message: &str) -> String {
    serde_json::json!({
        "topicName": format!("v2.users.{WATCHED_USER}.presence"),
        "eventBody": {
            "presenceDefinition": {"id": "busy-id", "systemPresence": "Busy"},
            "message": message,
            "modifiedDate": "2026-11-30T12:00:00.000Z"
        }
    })
    .to_string()
}

/// A WebSocket server on 127.0.0.1, plain or over TLS. Each socket gets
/// `push` once it is open, then is read until the client goes.
pub struct WsServer {
    pub port: u16,
    /// Handshakes completed.
    pub handshakes: Arc<AtomicUsize>,
    /// Each handshake's outcome, as it happens (the error text when the
    /// client gave up, a certificate it refused, say).
    #[allow(dead_code)] // read by the binaries that test handshakes (watching)
    pub outcomes: Receiver<Result<(), String>>,
}

impl WsServer {
    /// Serves WebSockets over TLS with `tls`, or plain without.
    pub fn start(tls: Option<rustls::ServerConfig>, push: Option<String>) -> WsServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handshakes = Arc::new(AtomicUsize::new(0));
        let (report, outcomes) = mpsc::channel();
        let (count, tls) = (Arc::clone(&handshakes), tls.map(Arc::new));
        std::thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let (count, report, push, tls) =
                    (Arc::clone(&count), report.clone(), push.clone(), tls.clone());
                std::thread::spawn(move || match tls {
                    Some(config) => {
                        let connection = rustls::ServerConnection::new(config).unwrap();
                        let stream = rustls::StreamOwned::new(connection, tcp);
                        serve_websocket(stream, push.as_deref(), &count, &report);
                    }
                    None => serve_websocket(tcp, push.as_deref(), &count, &report),
                });
            }
        });
        WsServer {
            port,
            handshakes,
            outcomes,
        }
    }

    /// How many handshakes completed so far.
    #[allow(dead_code)] // some binaries read the counter itself, from other threads
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }
}

fn serve_websocket<S: Read + Write>(
    stream: S,
    push: Option<&str>,
    handshakes: &AtomicUsize,
    report: &Sender<Result<(), String>>,
) {
    let mut ws = match tungstenite::accept(stream) {
        Ok(ws) => ws,
        Err(e) => {
            let _ = report.send(Err(e.to_string()));
            return;
        }
    };
    handshakes.fetch_add(1, Ordering::SeqCst);
    let _ = report.send(Ok(()));
    if let Some(text) = push {
        if ws.send(tungstenite::Message::text(text)).is_err() {
            return;
        }
    }
    while ws.read().is_ok() {}
}
