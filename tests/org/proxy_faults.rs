//! Proxies that misbehave, for REST calls and for the notification
//! WebSocket alike. A scripted proxy on 127.0.0.1 tunnels `CONNECT`s to the
//! stand-in org, except to one target, which it answers as a test says
//! (a status, a closed connection, silence). The same failure must come out
//! as the same `TransportKind` for REST (`ErrorKind::Transport`) and for the
//! WebSocket (`ErrorKind::Socket`), promptly, and without the proxy's password.

use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::proxying::{open_tunnel, read_head, target_of};
use genesys_presence::fake::FakeOrg;
use genesys_presence::{user, watch, Error, ErrorKind, RetryPolicy, Session, TransportKind};

const PASSWORD: &str = "pr0xy-p4ss-w0rd";

/// What the proxy does with a `CONNECT` to the target under test.
#[derive(Clone, Copy, Debug)]
enum Misbehave {
    /// Answers with this status line (e.g. `407 Proxy Authentication Required`).
    Status(&'static str),
    /// Closes the connection without a word.
    Close,
    /// Reads the request and never answers.
    Stall,
    /// Answers one byte every 300 ms, forever: `HTTP/1.1 200 OK`, then an
    /// endless header.
    Drip,
}

struct ScriptedProxy {
    url: String,
    /// The request heads the proxy received, in order.
    heads: Arc<Mutex<Vec<String>>>,
}

impl ScriptedProxy {
    /// A proxy that answers `CONNECT victim` as `how`, and tunnels the rest.
    fn start(victim: String, how: Misbehave) -> ScriptedProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let heads = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&heads);
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (victim, log) = (victim.clone(), Arc::clone(&log));
                thread::spawn(move || serve(client, &victim, how, &log));
            }
        });
        ScriptedProxy { url, heads }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

fn serve(mut client: TcpStream, victim: &str, how: Misbehave, log: &Mutex<Vec<String>>) {
    let Some(head) = read_head(&mut client) else {
        return;
    };
    log.lock().unwrap().push(head.clone());
    let target = target_of(&head);
    if target == victim {
        match how {
            Misbehave::Status(line) => {
                let _ = write!(
                    client,
                    "HTTP/1.1 {line}\r\nproxy-authenticate: Basic realm=\"x\"\r\ncontent-length: 0\r\n\r\n"
                );
                thread::sleep(Duration::from_millis(200));
            }
            Misbehave::Close => {
                let _ = client.shutdown(Shutdown::Both);
            }
            Misbehave::Stall => thread::sleep(Duration::from_secs(60)),
            Misbehave::Drip => {
                let answer = b"HTTP/1.1 200 OK\r\nx-slow: ";
                for byte in answer.iter().chain(std::iter::repeat(&b'a')) {
                    if client.write_all(&[*byte]).is_err() {
                        return;
                    }
                    thread::sleep(Duration::from_millis(300));
                }
            }
        }
        return;
    }
    open_tunnel(client, &target);
}

fn host_port(url: &str) -> String {
    url.split("://").nth(1).unwrap().trim_end_matches('/').to_owned()
}

/// A session for the org through `proxy` (with a user and [`PASSWORD`]),
/// without retries, with short timeouts.
fn session_via(org: &FakeOrg, proxy: &ScriptedProxy) -> Session {
    let proxy_url = proxy
        .url
        .replace("http://", &format!("http://reviewer:{PASSWORD}@"));
    let agent = ureq::Agent::config_builder()
        .proxy(Some(ureq::Proxy::new(&proxy_url).unwrap()))
        .build()
        .new_agent();
    Session::builder()
        .base_url(org.base_url())
        .access_token(org.access_token())
        .agent(agent)
        .retry_policy(RetryPolicy::none())
        .connect_timeout(Duration::from_secs(1))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

/// The error of a REST read whose connection the proxy spoils as `how`.
fn rest_failure(how: Misbehave) -> (Error, Duration) {
    let org = FakeOrg::start().unwrap();
    let proxy = ScriptedProxy::start(host_port(&org.base_url()), how);
    let session = session_via(&org, &proxy);
    let started = Instant::now();
    let error = user::get_purecloud_presence(&session, &org.user_ids()[0]).unwrap_err();
    (error, started.elapsed())
}

/// The error of a watch whose WebSocket connection (only) the proxy spoils as `how`.
fn websocket_failure(how: Misbehave) -> (Error, Duration, Vec<String>) {
    let org = FakeOrg::start().unwrap();
    let proxy = ScriptedProxy::start(host_port(&org.streaming_url()), how);
    let session = session_via(&org, &proxy);
    let started = Instant::now();
    let error = watch::users(&session, &[&org.user_ids()[0]]).unwrap_err();
    let took = started.elapsed();
    (error, took, proxy.heads())
}

#[track_caller]
fn assert_no_password(what: &str, error: &Error) {
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains(PASSWORD),
        "{what} shows the proxy password: {shown}"
    );
}

#[test]
fn proxy_refusals_are_connect_errors_for_rest_and_websocket_alike() {
    for status in [
        "407 Proxy Authentication Required",
        "403 Forbidden",
        "502 Bad Gateway",
    ] {
        let (rest, _) = rest_failure(Misbehave::Status(status));
        let (socket, _, heads) = websocket_failure(Misbehave::Status(status));
        assert_no_password("REST", &rest);
        assert_no_password("WebSocket", &socket);
        assert_eq!(
            rest.transport_kind(),
            Some(TransportKind::Connect),
            "{status}: {rest}"
        );
        assert!(socket.kind() == ErrorKind::Socket, "{status}: {socket:?}");
        assert_eq!(
            socket.transport_kind(),
            rest.transport_kind(),
            "{status}: {socket} vs {rest}"
        );
        assert!(socket.to_string().contains(&status[..3]), "{status}: {socket}");
        // The WebSocket's CONNECT carried the proxy credentials too.
        let connect = heads.iter().rev().find(|h| h.starts_with("CONNECT")).unwrap();
        assert!(
            connect
                .to_ascii_lowercase()
                .contains("proxy-authorization: basic"),
            "{connect}"
        );
    }
}

#[test]
fn a_proxy_that_hangs_up_is_the_same_error_for_rest_and_websocket() {
    let (rest, _) = rest_failure(Misbehave::Close);
    let (socket, _, _) = websocket_failure(Misbehave::Close);
    assert!(socket.kind() == ErrorKind::Socket, "{socket:?}");
    assert_eq!(
        socket.transport_kind(),
        rest.transport_kind(),
        "{socket} vs {rest}"
    );
}

#[test]
fn a_silent_proxy_times_out_within_the_connect_timeout() {
    let (rest, rest_took) = rest_failure(Misbehave::Stall);
    let (socket, socket_took, _) = websocket_failure(Misbehave::Stall);
    assert!(rest.is_timeout(), "{rest}");
    assert!(socket.is_timeout(), "{socket}");
    assert!(rest_took < Duration::from_secs(4), "REST took {rest_took:?}");
    assert!(
        socket_took < Duration::from_secs(4),
        "WebSocket took {socket_took:?}"
    );
}

#[test]
fn session_debug_does_not_show_the_proxy_password() {
    let org = FakeOrg::start().unwrap();
    let proxy = ScriptedProxy::start(String::new(), Misbehave::Close);
    let session = session_via(&org, &proxy);
    let shown = format!("{session:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    let builder = Session::builder().access_token("t").agent(
        ureq::Agent::config_builder()
            .proxy(Some(
                ureq::Proxy::new(&format!("http://u:{PASSWORD}@127.0.0.1:9")).unwrap(),
            ))
            .build()
            .new_agent(),
    );
    let shown = format!("{builder:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
}

/// Runs `f` on a thread; panics if it has not returned within `limit`.
fn within<T: Send + 'static>(limit: Duration, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, outcome) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let _ = done.send(f());
    });
    outcome.recv_timeout(limit).unwrap_or_else(|_| {
        panic!("{what}: still waiting after {limit:?} (connect_timeout 1 s, timeout 2 s)")
    })
}

/// ureq's `CONNECT` exchange waits up to the connect timeout for *each*
/// read, so a proxy that answers a byte at a time is never cut off. The
/// WebSocket bounds its proxy connection as a whole (test above); a REST
/// call goes through ureq's own connector, which the crate cannot reach, so
/// it still hangs: a known limit of ureq 3.5, documented in the README.
/// Run with `cargo test --test proxy_faults -- --ignored` to see it.
#[test]
#[ignore = "ureq 3.5 limit: its CONNECT exchange bounds each read, not the whole answer (README, Proxies and TLS)"]
fn a_proxy_that_drips_its_answer_is_cut_off_by_the_connect_timeout_rest() {
    let (error, took) = within(Duration::from_secs(15), "REST", || rest_failure(Misbehave::Drip));
    assert!(error.is_timeout(), "{error}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

#[test]
fn a_proxy_that_drips_its_answer_is_cut_off_by_the_connect_timeout_websocket() {
    let (error, took, _) = within(Duration::from_secs(15), "WebSocket", || {
        websocket_failure(Misbehave::Drip)
    });
    assert!(error.is_timeout(), "{error}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
}
