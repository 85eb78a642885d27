//! One network path: the token request, the REST calls and the notification
//! WebSocket all go through the proxy a session is given, whether it comes
//! from the environment (`HTTPS_PROXY`, read by ureq) or from a caller's
//! agent, and all go direct for a host in `NO_PROXY`.
//!
//! A recording proxy on 127.0.0.1 tunnels (`CONNECT`) or forwards each
//! connection and keeps the bytes the client sent through it, so the test
//! sees which requests used it. The tests change the process's environment,
//! so they take turns (`ENV`), and this file holds no other test.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::environment::clean_proxy_environment;
use crate::proxying::read_head;
use genesys_presence::fake::FakeOrg;
use genesys_presence::ErrorKind;
use genesys_presence::{user, watch, Session};

/// A proxy that records, per target (`host:port`), what the client sent.
struct RecordingProxy {
    address: String,
    traffic: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
}

impl RecordingProxy {
    fn start() -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let traffic = Arc::new(Mutex::new(BTreeMap::new()));
        let log = Arc::clone(&traffic);
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let log = Arc::clone(&log);
                thread::spawn(move || serve(client, &log));
            }
        });
        RecordingProxy { address, traffic }
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// What the client sent to `target` through the proxy, as text.
    fn sent_to(&self, target: &str) -> String {
        let traffic = self.traffic.lock().unwrap();
        String::from_utf8_lossy(traffic.get(target).map_or(&[][..], Vec::as_slice)).into_owned()
    }

    fn targets(&self) -> Vec<String> {
        self.traffic.lock().unwrap().keys().cloned().collect()
    }
}

type Log = Arc<Mutex<BTreeMap<String, Vec<u8>>>>;

/// One client connection: `CONNECT host:port` opens a tunnel; a request in
/// absolute form (`GET http://host:port/path`) is forwarded in origin form.
fn serve(mut client: TcpStream, log: &Log) {
    let Some(head) = read_head(&mut client) else {
        return;
    };
    let request_line = head.lines().next().unwrap_or_default().to_owned();
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method == "CONNECT" {
        let Ok(upstream) = TcpStream::connect(target) else {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
            return;
        };
        log.lock().unwrap().entry(target.to_owned()).or_default();
        let _ = client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n");
        pipe(client, upstream, target, log);
    } else {
        let Some(rest) = target.strip_prefix("http://") else {
            let _ = client.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
            return;
        };
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let Ok(mut upstream) = TcpStream::connect(host) else {
            return;
        };
        let path = if path.is_empty() { "/" } else { path };
        let origin_form = head.replacen(target, path, 1);
        log.lock()
            .unwrap()
            .entry(host.to_owned())
            .or_default()
            .extend_from_slice(origin_form.as_bytes());
        let _ = upstream.write_all(origin_form.as_bytes());
        pipe(client, upstream, host, log);
    }
}

/// Copies both ways until either side closes, logging what the client sends.
fn pipe(client: TcpStream, upstream: TcpStream, target: &str, log: &Log) {
    let (mut from_client, mut to_upstream) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let (target, log) = (target.to_owned(), Arc::clone(log));
    let outbound = thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n @ 1..) = from_client.read(&mut buf) {
            log.lock()
                .unwrap()
                .entry(target.clone())
                .or_default()
                .extend_from_slice(&buf[..n]);
            if to_upstream.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to_upstream.shutdown(Shutdown::Write);
    });
    let (mut from_upstream, mut to_client) = (upstream, client);
    let _ = std::io::copy(&mut from_upstream, &mut to_client);
    let _ = to_client.shutdown(Shutdown::Both);
    let _ = outbound.join();
}

fn host_port(url: &str) -> String {
    url.split("://").nth(1).unwrap().trim_end_matches('/').to_owned()
}

/// Signs in, reads and sets a presence, and watches one change arrive: the
/// three kinds of traffic a session makes. Returns the API's and the
/// WebSocket's `host:port`.
fn use_every_path(org: &FakeOrg, session: &Session) -> (String, String) {
    let user_id = org.user_ids()[0].clone();
    user::get_purecloud_presence(session, &user_id).unwrap();
    let mut watcher = watch::users(session, &[&user_id]).unwrap();
    user::set_presence_by_name(session, &user_id, "Busy", Some("through the proxy")).unwrap();
    let event = watcher
        .next_timeout(Duration::from_secs(10))
        .expect("a change within 10 s")
        .unwrap();
    assert_eq!(event.user_id, user_id);
    assert_eq!(event.message.as_deref(), Some("through the proxy"));
    watcher.close();
    (host_port(&org.base_url()), host_port(&org.streaming_url()))
}

/// Asserts that the proxy carried the token request, the REST calls and the
/// WebSocket handshake.
#[track_caller]
fn assert_everything_went_through(proxy: &RecordingProxy, api: &str, socket: &str) {
    let to_api = proxy.sent_to(api);
    assert!(
        to_api.contains("POST /oauth/token HTTP/1.1"),
        "no token request via the proxy: {to_api}"
    );
    assert!(
        to_api.contains("GET /api/v2/users/") && to_api.contains("/presences/purecloud HTTP/1.1"),
        "no REST read via the proxy"
    );
    assert!(
        to_api.contains("POST /api/v2/notifications/channels HTTP/1.1"),
        "no channel made via the proxy"
    );
    let to_socket = proxy.sent_to(socket);
    assert!(
        to_socket.starts_with("GET /channels/")
            && to_socket.to_ascii_lowercase().contains("upgrade: websocket"),
        "the WebSocket did not go through the proxy; targets seen: {:?}",
        proxy.targets()
    );
}

#[test]
fn a_proxy_from_the_environment_carries_tokens_rest_and_the_websocket() {
    let _env = clean_proxy_environment();
    let proxy = RecordingProxy::start();
    std::env::set_var("HTTPS_PROXY", proxy.url());
    let org = FakeOrg::start().unwrap();
    let session = org.session().unwrap();
    let (api, socket) = use_every_path(&org, &session);
    std::env::remove_var("HTTPS_PROXY");
    assert_ne!(
        api, socket,
        "the stand-in org serves the WebSocket on a port of its own"
    );
    assert_everything_went_through(&proxy, &api, &socket);
    assert_eq!(proxy.targets().len(), 2, "{:?}", proxy.targets());
}

#[test]
fn a_callers_agent_with_a_proxy_carries_tokens_rest_and_the_websocket() {
    let _env = clean_proxy_environment();
    let proxy = RecordingProxy::start();
    let agent = ureq::Agent::config_builder()
        .proxy(Some(ureq::Proxy::new(&proxy.url()).unwrap()))
        .build()
        .new_agent();
    let org = FakeOrg::start().unwrap();
    let session = Session::builder()
        .base_url(org.base_url())
        .client_credentials(org.client_id(), org.client_secret())
        .agent(agent)
        .build()
        .unwrap();
    let (api, socket) = use_every_path(&org, &session);
    assert_everything_went_through(&proxy, &api, &socket);
}

#[test]
fn no_proxy_for_the_host_sends_everything_direct() {
    let _env = clean_proxy_environment();
    let proxy = RecordingProxy::start();
    std::env::set_var("HTTPS_PROXY", proxy.url());
    std::env::set_var("NO_PROXY", "127.0.0.1");
    let org = FakeOrg::start().unwrap();
    let session = org.session().unwrap();
    use_every_path(&org, &session);
    std::env::remove_var("HTTPS_PROXY");
    std::env::remove_var("NO_PROXY");
    assert!(
        proxy.targets().is_empty(),
        "went through the proxy: {:?}",
        proxy.targets()
    );
}

#[test]
fn an_unreachable_proxy_is_a_connect_error() {
    let _env = clean_proxy_environment();
    // A port nothing listens on: bound, then released.
    let dead = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let org = FakeOrg::start().unwrap();
    std::env::set_var("HTTPS_PROXY", format!("http://{dead}"));
    let session = Session::builder()
        .base_url(org.base_url())
        .access_token(org.access_token())
        .retry_policy(genesys_presence::RetryPolicy::none())
        .build()
        .unwrap();
    std::env::remove_var("HTTPS_PROXY");
    let user_id = org.user_ids()[0].clone();
    let error = user::get_purecloud_presence(&session, &user_id).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert_eq!(
        error.transport_kind(),
        Some(genesys_presence::TransportKind::Connect),
        "{error}"
    );
    assert_eq!(org.requests(), 0, "nothing reached the org");
}
