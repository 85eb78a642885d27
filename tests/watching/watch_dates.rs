//! Odd dates from the server, end to end, through every place the watcher
//! reads one: a channel's `expires` (the answer to
//! `POST /api/v2/notifications/channels`), the `modifiedDate` of presence
//! events pushed over the WebSocket, and the `modifiedDate` of the bulk
//! presence read that follows a reconnection. No date panics the watcher:
//! it goes on yielding events, and closes.
//!
//! Each test is one watch: a mockito server for the REST side and a
//! WebSocket server of its own (pushes scripted per connection, every socket
//! closed on demand, to make the watcher reconnect). Only public behaviour is
//! asserted: which events come out, and that the watcher closes.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::network::FAR_FUTURE;
use crate::wait::{eventually, WAIT};
use genesys_presence::watch::{EventOrigin, WatchBuilder, Watcher};
use genesys_presence::{RetryPolicy, Session};
use mockito::{Matcher, Server, ServerGuard};
use serde_json::{json, Value};

/// Dates a server could send by mistake, or on purpose.
const ODD_DATES: &[&str] = &[
    "",
    " ",
    "\t\n",
    "\0",
    "2024-05-02T14:03:11.\u{e9}\u{e9}Z",
    "2024-05-02T14:03:11.12\u{e9}Z",
    "2024-05-02T14:03:11.\u{1d7d8}Z",
    "\u{ff12}\u{ff10}\u{ff19}\u{ff19}-01-01T00:00:00Z",
    "2099-01-01T00:00:00\u{2212}05:00",
    "2099-01-01T00:00:00Z\u{feff}",
    "2099-01-01T00:00:00\0Z",
    "\u{1f600}",
    // In the past: the channel is renewed.
    "2025-01-02T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00-25:59",
    // The farthest instant read: a lifetime of almost 8 000 years.
    "9999-12-30T21:00:00Z",
    // Beyond what is read.
    "9999-12-31T23:59:59.999Z",
    "99999-01-01T00:00:00Z",
    "+999999-12-31T23:59:59Z",
    "-999999999999-01-01T00:00:00Z",
    "1000000000000000000000000000000-01-01T00:00:00Z",
    "1000000000000000000000000000000",
    "-2099-01-01T00:00:00Z",
    "2099-01-01T00:00:00+99:99",
    "2099-01-01T00:00:00-99:99",
    "2099-01-01T00:00:00+18446744073709551616:00",
    "2099-01-01T00:00:00.1234567890123456789012345Z",
    "2099-02-30T00:00:00Z",
    "2099-01-01T24:00:00Z",
    // Leap seconds, and forms that are read.
    "2016-12-31T23:59:60Z",
    "2099-12-31T23:59:60.999999999+02:00",
    "2099-01-01t00:00:00z",
    "2099-01-01 00:00:00.1234567+0200",
    "2099-01-01T00:00:00+02[Europe/Paris]",
];

/// `u00`, `u01`, …: one user per odd date.
fn users() -> Vec<String> {
    (0..ODD_DATES.len()).map(|i| format!("u{i:02}")).collect()
}

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

/// A presence change of `user` as the notification service pushes it.
fn pushed(user: &str, message: &str, modified: &str) -> String {
    json!({
        "topicName": format!("v2.users.{user}.presence"),
        "eventBody": {
            "presenceDefinition": {"id": "busy-id", "systemPresence": "Busy"},
            "message": message,
            "modifiedDate": modified
        }
    })
    .to_string()
}

// ------------------------------------------------------------ the servers

/// What the REST side answers.
struct Script {
    /// The `expires` of the `n`-th channel made (from 0).
    expires: fn(usize) -> String,
    /// The bulk read's presence of user `i` in `phase`: its message and
    /// `modifiedDate`; `None` for no presence.
    presence: fn(usize, usize) -> Option<(String, String)>,
}

/// The REST side of a watch, on mockito: channels (each with its own id
/// and WebSocket path), subscriptions (every topic accepted) and bulk reads
/// (of the users asked for, as the script says for the current phase).
struct Api {
    server: ServerGuard,
    /// Channels made so far.
    channels: Arc<AtomicUsize>,
    /// What the bulk reads answer: 0 until the test moves it on.
    phase: Arc<AtomicUsize>,
}

impl Api {
    fn start(ws_port: u16, script: Script) -> Api {
        let mut server = Server::new();
        let (channels, phase) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let made = Arc::clone(&channels);
        server
            .mock("POST", "/api/v2/notifications/channels")
            .with_header("content-type", "application/json")
            .with_body_from_request(move |_| {
                let n = made.fetch_add(1, Ordering::SeqCst);
                json!({
                    "id": format!("c{n}"),
                    "connectUri": format!("ws://127.0.0.1:{ws_port}/channels/c{n}"),
                    "expires": (script.expires)(n),
                })
                .to_string()
                .into_bytes()
            })
            .create();
        for method in ["PUT", "POST"] {
            server
                .mock(
                    method,
                    Matcher::Regex(r"^/api/v2/notifications/channels/c[0-9]+/subscriptions$".into()),
                )
                .match_query(Matcher::Any)
                .with_header("content-type", "application/json")
                .with_body_from_request(|request| {
                    let topics: Value = request
                        .body()
                        .ok()
                        .and_then(|body| serde_json::from_slice(body).ok())
                        .unwrap_or_else(|| json!([]));
                    json!({ "entities": topics }).to_string().into_bytes()
                })
                .create();
        }
        let now = Arc::clone(&phase);
        server
            .mock("GET", "/api/v2/users/presences/purecloud/bulk")
            .match_query(Matcher::Any)
            .with_header("content-type", "application/json")
            .with_body_from_request(move |request| {
                let phase = now.load(Ordering::SeqCst);
                let query = request
                    .path_and_query()
                    .split_once("id=")
                    .map_or("", |(_, ids)| ids);
                let presences: Vec<Value> = query
                    .split('&')
                    .next()
                    .unwrap_or_default()
                    .split("%2C")
                    .filter_map(|user| {
                        let i: usize = user.strip_prefix('u')?.parse().ok()?;
                        let (message, modified) = (script.presence)(i, phase)?;
                        Some(json!({
                            "userId": user,
                            "source": "PURECLOUD",
                            "presenceDefinition": {"id": "busy-id", "systemPresence": "Busy"},
                            "message": message,
                            "modifiedDate": modified,
                        }))
                    })
                    .collect();
                Value::from(presences).to_string().into_bytes()
            })
            .create();
        Api {
            server,
            channels,
            phase,
        }
    }

    fn channels(&self) -> usize {
        self.channels.load(Ordering::SeqCst)
    }

    fn set_phase(&self, phase: usize) {
        self.phase.store(phase, Ordering::SeqCst);
    }
}

/// A WebSocket server on 127.0.0.1: each socket gets what `push` gives for
/// its connection (1 for the first), then is read until the client goes or
/// [`Sockets::close_all`].
struct Sockets {
    port: u16,
    handshakes: Arc<AtomicUsize>,
    /// Every connection accepted, to shut down.
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Sockets {
    fn start(push: fn(usize) -> Vec<String>) -> Sockets {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handshakes = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (count, streams) = (Arc::clone(&handshakes), Arc::clone(&open));
        thread::spawn(move || {
            let accepted = AtomicUsize::new(0);
            for tcp in listener.incoming().flatten() {
                let connection = accepted.fetch_add(1, Ordering::SeqCst) + 1;
                if let Ok(clone) = tcp.try_clone() {
                    streams.lock().unwrap_or_else(PoisonError::into_inner).push(clone);
                }
                let count = Arc::clone(&count);
                thread::spawn(move || {
                    let Ok(mut ws) = tungstenite::accept(tcp) else {
                        return;
                    };
                    count.fetch_add(1, Ordering::SeqCst);
                    for text in push(connection) {
                        if ws.send(tungstenite::Message::text(text)).is_err() {
                            return;
                        }
                    }
                    while ws.read().is_ok() {}
                });
            }
        });
        Sockets {
            port,
            handshakes,
            open,
        }
    }

    fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }

    /// Shuts every connection so far: the watcher sees its sockets drop.
    fn close_all(&self) {
        for tcp in self.open.lock().unwrap_or_else(PoisonError::into_inner).drain(..) {
            let _ = tcp.shutdown(Shutdown::Both);
        }
    }
}

// ------------------------------------------------------------ the watcher's side

/// What a watcher yielded: the messages of each user's events, in order,
/// and the errors.
#[derive(Default, Debug)]
struct Seen {
    events: BTreeMap<String, Vec<(EventOrigin, Option<String>)>>,
    errors: Vec<String>,
}

impl Seen {
    /// The users with an event whose message is `message`.
    fn users_with(&self, message: &str) -> BTreeSet<&str> {
        self.events
            .iter()
            .filter(|(_, events)| events.iter().any(|(_, m)| m.as_deref() == Some(message)))
            .map(|(user, _)| user.as_str())
            .collect()
    }
}

/// Takes the watcher's items until every user has yielded an event with
/// `message`, for at most [`WAIT`].
#[track_caller]
fn until_everyone_says(watcher: &mut Watcher, seen: &mut Seen, message: &str) {
    let everyone = users();
    let deadline = Instant::now() + WAIT;
    while seen.users_with(message).len() < everyone.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "not every user yielded {message:?} within {WAIT:?}: {seen:#?}"
        );
        match watcher.next_timeout(left) {
            Some(Ok(event)) => seen
                .events
                .entry(event.user_id.clone())
                .or_default()
                .push((event.origin, event.message)),
            Some(Err(error)) => seen.errors.push(error.to_string()),
            None => {}
        }
    }
}

/// Closes the watcher: it ends.
#[track_caller]
fn close(mut watcher: Watcher) {
    watcher.close();
    assert!(watcher.is_closed());
    assert!(watcher.next().is_none(), "a closed watcher yields nothing");
}

// ------------------------------------------------------------ the tests

/// Every odd date is the `expires` of a channel: two users a channel (18
/// channels, under the 20 a watcher may hold), so the channels made at the
/// start take the first half of the dates and those made after all sockets
/// drop the rest. Every user's current presence is yielded; after the drop,
/// the watcher reconnects every channel and yields what changed.
#[test]
fn odd_expires_dates_of_channels_do_not_stop_the_watcher() {
    let sockets = Sockets::start(|_| Vec::new());
    let api = Api::start(
        sockets.port,
        Script {
            expires: |n| ODD_DATES.get(n).copied().unwrap_or(FAR_FUTURE).to_owned(),
            presence: |_, phase| {
                Some((
                    ["before", "after"][phase.min(1)].to_owned(),
                    FAR_FUTURE.to_owned(),
                ))
            },
        },
    );
    let mut watcher = WatchBuilder::new()
        .users(&users())
        .max_users_per_channel(2)
        .initial_presences(true)
        .reconnect_backoff(Duration::from_millis(5), Duration::from_millis(50))
        .start(&session(&api.server))
        .unwrap();
    let per_round = ODD_DATES.len().div_ceil(2);
    // (More once a channel that expires within a second is renewed.)
    assert!(
        api.channels() >= per_round,
        "{} channels made for {} users",
        api.channels(),
        ODD_DATES.len()
    );
    let mut seen = Seen::default();
    until_everyone_says(&mut watcher, &mut seen, "before");

    api.set_phase(1);
    let (handshakes, channels) = (sockets.handshakes(), api.channels());
    sockets.close_all();
    until_everyone_says(&mut watcher, &mut seen, "after");
    assert!(
        sockets.handshakes() >= handshakes + per_round
            && api.channels() >= channels + per_round
            && api.channels() >= ODD_DATES.len(),
        "every channel is replaced: {} new sockets, {} new channels",
        sockets.handshakes() - handshakes,
        api.channels() - channels
    );
    close(watcher);
}

/// The odd dates as the `modifiedDate` of pushed changes (one user each),
/// then, once every socket dropped, of the presences read after
/// reconnecting: every change is yielded, pushed and read.
#[test]
fn odd_modified_dates_pushed_and_read_after_a_reconnection_do_not_stop_the_watcher() {
    let sockets = Sockets::start(|connection| {
        if connection > 1 {
            return Vec::new();
        }
        users()
            .iter()
            .zip(ODD_DATES)
            .map(|(user, date)| pushed(user, "pushed", date))
            .collect()
    });
    let api = Api::start(
        sockets.port,
        Script {
            expires: |_| FAR_FUTURE.to_owned(),
            // Nothing at first, so that every pushed change is new; after
            // reconnecting, a change with another odd date for each user.
            presence: |i, phase| {
                (phase > 0).then(|| {
                    (
                        "after".to_owned(),
                        ODD_DATES[(i + 7) % ODD_DATES.len()].to_owned(),
                    )
                })
            },
        },
    );
    let mut watcher = WatchBuilder::new()
        .users(&users())
        .reconnect_backoff(Duration::from_millis(5), Duration::from_millis(50))
        .start(&session(&api.server))
        .unwrap();
    let mut seen = Seen::default();
    until_everyone_says(&mut watcher, &mut seen, "pushed");

    api.set_phase(1);
    let handshakes = sockets.handshakes();
    sockets.close_all();
    until_everyone_says(&mut watcher, &mut seen, "after");
    assert!(sockets.handshakes() > handshakes, "the watcher reconnected");
    let resync: BTreeSet<&str> = seen
        .events
        .iter()
        .filter(|(_, events)| events.contains(&(EventOrigin::Resync, Some("after".to_owned()))))
        .map(|(user, _)| user.as_str())
        .collect();
    assert_eq!(
        resync.len(),
        ODD_DATES.len(),
        "read after reconnecting: {seen:#?}"
    );
    close(watcher);
}

/// The servers of these tests answer as a watch needs.
#[test]
fn the_test_servers_serve_a_plain_watch() {
    let sockets = Sockets::start(|_| vec![pushed("u00", "hello", "2099-01-01T00:00:00.000Z")]);
    let api = Api::start(
        sockets.port,
        Script {
            expires: |_| FAR_FUTURE.to_owned(),
            presence: |_, _| None,
        },
    );
    let mut watcher = WatchBuilder::new()
        .users(&["u00"])
        .start(&session(&api.server))
        .unwrap();
    let event = watcher.next_timeout(WAIT).expect("the pushed change").unwrap();
    assert_eq!(
        (event.user_id.as_str(), event.message.as_deref()),
        ("u00", Some("hello"))
    );
    eventually("one socket", || sockets.handshakes() == 1);
    close(watcher);
}
