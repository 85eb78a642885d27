//! The watcher against servers a new user meets. Channels whose
//! `expires` is odd (in the past, unreadable, absurdly far), and a stop
//! handle used while the watcher is reconnecting through a proxy that does
//! not answer.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::network::{watch_api, WsServer, FAR_FUTURE, WATCHED_USER as USER};
use crate::proxying::{open_tunnel, read_head, target_of};
use genesys_presence::fake::FakeOrg;
use genesys_presence::watch::WatchBuilder;
use genesys_presence::{ErrorKind, RetryPolicy, Session, TransportKind};
use mockito::{Server, ServerGuard};

fn session(api: &ServerGuard) -> Session {
    Session::builder()
        .base_url(api.url())
        .access_token("test-token")
        .retry_policy(RetryPolicy::none())
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// What a watch against channels that expire at `expires` came to.
struct Outcome {
    /// False when the watcher's thread panicked.
    no_panic: bool,
    /// How long `next_timeout(run)` took.
    next_timeout_took: Duration,
    /// WebSocket handshakes the server saw while `next_timeout(run)` ran.
    handshakes: usize,
}

/// Starts a watch of [`USER`] on channels that expire at `expires`, on a
/// thread (so that a panic is an outcome, not a failed harness), calls
/// `next_timeout(run)` once. `None` when that has not returned within
/// `run` + 10 s.
fn watch_with_expires(expires: &'static str, run: Duration) -> Option<Outcome> {
    let ws = WsServer::start(None, None);
    let (ws_port, handshakes) = (ws.port, Arc::clone(&ws.handshakes));
    let (api, _channels) = watch_api(&format!("ws://127.0.0.1:{}/channels/c1", ws_port), expires);
    let session = session(&api);
    let (done, outcome) = std::sync::mpsc::channel();
    let count = Arc::clone(&handshakes);
    thread::spawn(move || {
        let _api = api; // kept up while the watcher runs
        let watching = thread::spawn(move || {
            let mut watcher = WatchBuilder::new().users(&[USER]).start(&session).unwrap();
            let before = count.load(Ordering::SeqCst);
            let started = Instant::now();
            let _ = watcher.next_timeout(run);
            let took = started.elapsed();
            let during = count.load(Ordering::SeqCst) - before;
            watcher.close();
            (took, during)
        });
        let _ = done.send(watching.join());
    });
    let joined = outcome.recv_timeout(run + Duration::from_secs(10)).ok()?;
    Some(match joined {
        Ok((took, during)) => Outcome {
            no_panic: true,
            next_timeout_took: took,
            handshakes: during,
        },
        Err(_) => Outcome {
            no_panic: false,
            next_timeout_took: Duration::ZERO,
            handshakes: handshakes.load(Ordering::SeqCst),
        },
    })
}

#[test]
fn an_expires_date_with_a_multibyte_fraction_does_not_panic() {
    // `.12é`: the fraction is cut at its third byte, inside the `é`.
    let outcome = watch_with_expires("2099-01-01T00:00:00.12\u{e9}Z", Duration::from_millis(100)).unwrap();
    assert!(
        outcome.no_panic,
        "the watcher panicked on the channel's expires date"
    );
}

#[test]
fn an_absurdly_far_expires_date_does_not_panic() {
    // Year 999 999 999: days × 86 400 × 1000 overflows an i64.
    let outcome = watch_with_expires("999999999-01-01T00:00:00Z", Duration::from_millis(100)).unwrap();
    assert!(
        outcome.no_panic,
        "the watcher panicked on the channel's expires date"
    );
}

/// The same date parser reads the `modifiedDate` of every pushed event, so a
/// server's odd date reaches it from the WebSocket too, on the caller's thread.
#[test]
fn a_pushed_event_with_an_odd_modified_date_does_not_panic() {
    for date in ["2026-11-30T12:00:00.12\u{e9}Z", "999999999-01-01T00:00:00Z"] {
        let event = serde_json::json!({
            "topicName": format!("v2.users.{USER}.presence"),
            "eventBody": {
                "presenceDefinition": {"id": "busy-id", "systemPresence": "Busy"},
                "message": "odd date",
                "modifiedDate": date
            }
        });
        let ws_port = WsServer::start(None, Some(event.to_string())).port;
        let (api, _channels) = watch_api(&format!("ws://127.0.0.1:{}/channels/c1", ws_port), FAR_FUTURE);
        let session = session(&api);
        let watching = thread::spawn(move || {
            let mut watcher = WatchBuilder::new().users(&[USER]).start(&session).unwrap();
            let item = watcher.next_timeout(Duration::from_secs(5));
            watcher.close();
            item.map(|i| i.map(|e| e.message))
        });
        let item = watching.join();
        assert!(
            item.is_ok(),
            "{date:?}: the watcher panicked on a pushed event's modifiedDate"
        );
        let item = item.unwrap().expect("the pushed event within 5 s");
        assert_eq!(item.unwrap().as_deref(), Some("odd date"), "{date:?}");
    }
}

/// A channel that says it has already expired (a server clock far behind,
/// a bad value) is "renewed" at once, again and again, with no wait: a new
/// channel, socket, subscription and bulk read per loop, as fast as the
/// server answers.
#[test]
fn a_channel_that_says_it_has_expired_is_not_renewed_in_a_tight_loop() {
    let outcome = watch_with_expires("2000-01-01T00:00:00Z", Duration::from_secs(1))
        .expect("next_timeout(1 s) did not return within 11 s");
    assert!(outcome.no_panic);
    assert!(
        outcome.handshakes <= 2,
        "{} channels connected in {:?}",
        outcome.handshakes,
        outcome.next_timeout_took
    );
}

/// `next_timeout` returns by its deadline even when the machine keeps
/// having work due: the loop checks the deadline only when it waits for a
/// signal, so with work always due it never returns.
#[test]
fn next_timeout_returns_by_its_deadline_while_work_keeps_coming_due() {
    let outcome = watch_with_expires("2000-01-01T00:00:00Z", Duration::from_millis(500))
        .expect("next_timeout(500 ms) did not return within 10.5 s");
    assert!(outcome.no_panic);
    assert!(
        outcome.next_timeout_took < Duration::from_secs(3),
        "next_timeout(500 ms) took {:?}",
        outcome.next_timeout_took
    );
}

/// The WebSocket handshake carries the session's `User-Agent`, as every REST
/// call does, also when the caller's part is not ASCII (a valid header value,
/// sent as is by REST).
#[test]
fn the_websocket_sends_the_sessions_user_agent_unchanged() {
    // A user agent that is not visible ASCII is refused when the session is built.
    let refused = Session::builder()
        .access_token("test-token")
        .user_agent("Z\u{fc}rich-Monitor/1.0")
        .build()
        .unwrap_err();
    assert!(refused.kind() == ErrorKind::Config, "{refused:?}");
    assert!(
        refused
            .to_string()
            .starts_with("session configuration: user_agent"),
        "{refused}"
    );
    let (port, agents) = crate::watch_headers::handshakes(|request| {
        request
            .headers()
            .get("user-agent")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    });
    let (api, _channels) = watch_api(&format!("ws://127.0.0.1:{}/channels/c1", port), FAR_FUTURE);
    let user_agent = "Zurich-Monitor/1.0 (ops; +https://example.test/~bot) \"q\"";
    let session = Session::builder()
        .base_url(api.url())
        .access_token("test-token")
        .user_agent(user_agent)
        .build()
        .unwrap();
    let mut watcher = WatchBuilder::new().users(&[USER]).start(&session).unwrap();
    let agent = agents.recv_timeout(Duration::from_secs(5)).unwrap();
    watcher.close();
    let expected = format!("{user_agent} genesys-presence/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(agent.as_deref(), Some(expected.as_str()));
}

// ------------------------------------------------------------ stop during a reconnect

/// A proxy that tunnels every `CONNECT`, except those to `victim` after the
/// first: it reads them and never answers.
fn start_proxy(victim: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let seen = Arc::new(AtomicUsize::new(0));
    thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            let (victim, seen) = (victim.clone(), Arc::clone(&seen));
            thread::spawn(move || {
                let Some(head) = read_head(&mut client) else {
                    return;
                };
                let target = target_of(&head);
                if target == victim && seen.fetch_add(1, Ordering::SeqCst) > 0 {
                    thread::sleep(Duration::from_secs(60));
                    return;
                }
                open_tunnel(client, &target);
            });
        }
    });
    url
}

/// The watcher reconnects (the org dropped its socket) through a proxy that
/// takes the `CONNECT` and never answers. A stop handle used meanwhile from
/// another thread ends the iteration promptly: it shuts down the connection
/// being opened, rather than waiting for the connect timeout.
#[test]
fn a_stop_during_a_stalled_reconnect_ends_the_watcher_promptly() {
    let org = FakeOrg::start().unwrap();
    let streaming = org.streaming_url().split("://").nth(1).unwrap().to_owned();
    let proxy = start_proxy(streaming);
    let agent = ureq::Agent::config_builder()
        .proxy(Some(ureq::Proxy::new(&proxy).unwrap()))
        .build()
        .new_agent();
    let session = Session::builder()
        .base_url(org.base_url())
        .access_token(org.access_token())
        .agent(agent)
        .connect_timeout(Duration::from_secs(8))
        .build()
        .unwrap();
    let mut watcher = WatchBuilder::new()
        .reconnect_backoff(Duration::from_millis(10), Duration::from_millis(100))
        .users(&[&org.user_ids()[0]])
        .start(&session)
        .unwrap();
    let stop = watcher.stop_handle();
    org.close_sockets();
    let (stopped, stopped_at) = std::sync::mpsc::channel();
    thread::spawn(move || {
        // By now the watcher is inside its reconnection, at the proxy.
        thread::sleep(Duration::from_millis(500));
        stop.stop();
        let _ = stopped.send(Instant::now());
    });
    let mut after_stop = Vec::new();
    let mut stop_time = None;
    let ended = loop {
        let item = watcher.next();
        if stop_time.is_none() {
            stop_time = stopped_at.try_recv().ok();
        }
        match item {
            None => break Instant::now(),
            Some(item) if stop_time.is_some() => after_stop.push(format!("{item:?}")),
            Some(_) => {}
        }
    };
    let stopped_at = stop_time.unwrap_or_else(|| stopped_at.recv().unwrap());
    let took = ended.saturating_duration_since(stopped_at);
    assert!(
        took < Duration::from_secs(2),
        "next() returned None {took:?} after stop(); items after the stop: {after_stop:?}"
    );
}

/// An unknown host and a refused connection are the same kinds for the
/// WebSocket (a `Socket` error) as for REST (a `Transport` error).
#[test]
fn an_unknown_host_and_a_refused_port_are_the_same_kind_for_rest_and_websocket() {
    use genesys_presence::user;
    // A port nothing listens on: bound, then released.
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for (host, expected) in [
        ("no-such-host.invalid".to_owned(), TransportKind::Dns),
        (format!("127.0.0.1:{dead}"), TransportKind::Connect),
    ] {
        let mut api = Server::new();
        api.mock("POST", "/api/v2/notifications/channels")
            .with_header("content-type", "application/json")
            .with_body(
                serde_json::json!({"id": "c1", "connectUri": format!("ws://{host}/channels/c1")}).to_string(),
            )
            .create();
        // A ws:// host off this machine needs the opt-in too.
        let insecure = Session::builder()
            .base_url(api.url())
            .access_token("test-token")
            .allow_insecure_http(true)
            .retry_policy(RetryPolicy::none())
            .connect_timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let socket = WatchBuilder::new().users(&[USER]).start(&insecure).unwrap_err();
        let direct = Session::builder()
            .base_url(format!("http://{host}"))
            // A host that cannot resolve is not loopback: plain http needs the opt-in.
            .allow_insecure_http(true)
            .access_token("t")
            .retry_policy(RetryPolicy::none())
            .connect_timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let rest = user::get_purecloud_presence(&direct, USER).unwrap_err();
        assert!(socket.kind() == ErrorKind::Socket, "{socket:?}");
        assert!(rest.kind() == ErrorKind::Transport, "{rest:?}");
        assert_eq!(
            (socket.transport_kind(), rest.transport_kind()),
            (Some(expected), Some(expected)),
            "{host}: WebSocket: {socket}; REST: {rest}"
        );
    }
}

/// A `ws://` address off this machine, handed out by an API on loopback
/// `http://`, would carry the channel's events in clear text over the
/// network: refused, naming the setting that allows it; with that setting,
/// it is tried (and here fails to resolve).
#[test]
fn a_plain_ws_address_off_this_machine_needs_the_insecure_setting() {
    let (api, _) = watch_api("ws://no-such-host.invalid/channels/c1", FAR_FUTURE);
    let error = genesys_presence::watch::users(&session(&api), &[USER]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Socket, "{error:?}");
    assert_eq!(error.transport_kind(), Some(TransportKind::Tls), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("notification socket to no-such-host.invalid: "),
        "{error}"
    );
    assert!(error.to_string().contains("allow_insecure_http"), "{error}");

    let allowed = Session::builder()
        .base_url(api.url())
        .access_token("test-token")
        .retry_policy(RetryPolicy::none())
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let error = genesys_presence::watch::users(&allowed, &[USER]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Socket, "{error:?}");
    assert_eq!(error.transport_kind(), Some(TransportKind::Dns), "{error:?}");
    assert!(error.is_retryable(), "{error:?}");
}
