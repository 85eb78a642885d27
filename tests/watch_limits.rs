//! The watcher's limits against hostile servers (issue 13): channels that
//! say they have expired, servers that drop or close every socket, a
//! reconnection that never finishes, a flood of events for a caller that
//! does not read, messages over the size limits, a WebSocket Close frame
//! that leaves TCP open, and a rate-limited re-read.
//!
//! The REST side ([`Api`]) and the WebSocket side ([`Ws`]) are scripted
//! servers on 127.0.0.1 made for these tests: channel `n` (the n-th
//! `POST /api/v2/notifications/channels`) is `c{n}`, and its socket is
//! served at the path `/c{n}`, where a test queues what to push ([`Push`]).
//! The test thread waits for conditions with deadlines; only the servers
//! (trickling bytes) and a thread that calls `stop()` while the test thread
//! is blocked in the watcher sleep.

mod common;

use std::collections::{HashMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::network::{read_head, FAR_FUTURE, WATCHED_USER};
use common::wait::eventually;
use genesys_presence::watch::{Disconnect, WatchBuilder, Watcher};
use genesys_presence::{Error, PresenceEvent, RetryPolicy, Session, TransportKind, WatchErrorKind};
use serde_json::json;
use tungstenite::Message;

const CHANNELS: &str = "/api/v2/notifications/channels";
const BULK: &str = "/api/v2/users/presences/purecloud/bulk";

const U1: &str = WATCHED_USER;
const U2: &str = "1d8b2f1f-2222-4333-8444-555566667777";
const U3: &str = "2e9c3a2a-3333-4444-8555-666677778888";

/// The slack allowed, on a slow and busy machine, for a deadline or a stop
/// that the watcher keeps on its own (condition variables, no I/O).
const PROMPT: Duration = Duration::from_secs(1);

// ------------------------------------------------------------ watchers

/// Tiny backoffs, so that a watcher that reconnects does so at once: what
/// bounds its channels is then the limit under test, not the wait.
fn builder() -> WatchBuilder {
    WatchBuilder::new().reconnect_backoff(Duration::from_millis(10), Duration::from_millis(50))
}

/// A session for `api`, with `retry` (a call that hangs is given up after 10 s,
/// longer than any test here waits).
fn session(api: &Api, retry: RetryPolicy) -> Session {
    Session::builder()
        .base_url(api.url())
        .access_token("test-token")
        .retry_policy(retry)
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn start(builder: WatchBuilder, api: &Api, users: &[&str]) -> Watcher {
    builder
        .users(users)
        .start(&session(api, RetryPolicy::none()))
        .unwrap()
}

/// Every item yielded until `run` has passed since `from` (calling
/// `next_timeout` for what is left), as text.
fn items_until(watcher: &mut Watcher, from: Instant, run: Duration) -> Vec<String> {
    let mut items = Vec::new();
    loop {
        let left = run.saturating_sub(from.elapsed());
        if left.is_zero() {
            return items;
        }
        if let Some(item) = watcher.next_timeout(left) {
            items.push(describe(&item));
        }
    }
}

/// What is waiting to be yielded now, without waiting.
fn ready(watcher: &mut Watcher) -> Vec<genesys_presence::Result<PresenceEvent>> {
    std::iter::from_fn(|| watcher.next_timeout(Duration::ZERO)).collect()
}

fn describe(item: &genesys_presence::Result<PresenceEvent>) -> String {
    match item {
        Ok(event) => format!("event {} {:?}", event.user_id, event.message),
        Err(error) => format!("error {error}"),
    }
}

/// Items until an [`Error::Watch`] of `kind`, calling `next_timeout` for at
/// most `poll` at a time: the error, the items before it, and when it was
/// yielded. Fails when none comes within `within`.
#[track_caller]
fn until_watch_error(
    watcher: &mut Watcher,
    kind: WatchErrorKind,
    within: Duration,
    poll: Duration,
) -> (Error, Vec<String>, Instant) {
    let start = Instant::now();
    let mut before = Vec::new();
    loop {
        let left = within.saturating_sub(start.elapsed());
        match watcher.next_timeout(left.min(poll)) {
            Some(Err(error @ Error::Watch { kind: k, .. })) if k == kind => {
                return (error, before, Instant::now())
            }
            Some(item) => before.push(describe(&item)),
            None if start.elapsed() >= within => {
                panic!("no {kind:?} error within {within:?}; items: {before:?}")
            }
            None => {}
        }
    }
}

/// Waits until `done` holds, for at most `limit`; returns how long it took.
#[track_caller]
fn within(what: &str, limit: Duration, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "not within {limit:?}: {what}");
        thread::sleep(Duration::from_millis(2));
    }
    start.elapsed()
}

/// A presence change of `user`, as the notification service pushes it.
fn presence(user: &str, definition: &str, message: &str, modified: &str) -> String {
    json!({
        "topicName": format!("v2.users.{user}.presence"),
        "eventBody": {
            "source": "PURECLOUD",
            "presenceDefinition": {"id": definition, "systemPresence": definition},
            "message": message,
            "modifiedDate": modified
        }
    })
    .to_string()
}

/// `2024-05-02T14:03:11.123Z` for `at`.
fn iso(at: SystemTime) -> String {
    let ms = at.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    let (secs, millis) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// The date of change `n` of a run: one millisecond apart, in order.
fn nth_date(n: u64) -> String {
    iso(UNIX_EPOCH + Duration::from_millis(1_800_000_000_000 + n))
}

#[test]
fn the_test_dates_are_iso_8601() {
    assert_eq!(iso(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    assert_eq!(
        iso(UNIX_EPOCH + Duration::from_millis(1_714_658_591_123)),
        "2024-05-02T14:03:11.123Z"
    );
    assert_eq!(
        iso(UNIX_EPOCH + Duration::from_millis(951_782_400_000)),
        "2000-02-29T00:00:00.000Z"
    );
}

// ------------------------------------------------------------ 1. channel storm

/// Channels whose `expires` is in the past, now, unreadable or missing are
/// taken to live 24 hours: one channel over a 2 s run, whatever the
/// backoff. A channel that says it expires in one second is renewed shortly
/// before each second runs out, no sooner: 2 or 3 channels in 2 s, about a
/// second apart. The cases run side by side.
#[test]
fn a_channel_that_has_expired_or_cannot_say_when_is_made_once_not_in_a_storm() {
    const RUN: Duration = Duration::from_secs(2);
    type Expiry = fn() -> Option<String>;
    let cases: [(&str, Expiry); 6] = [
        ("in the past", || Some("2025-01-02T00:00:00Z".into())),
        ("now", || Some(iso(SystemTime::now()))),
        ("unreadable", || Some("soon".into())),
        ("a multibyte fraction", || {
            Some("2099-01-01T00:00:00.1\u{e9}Z".into())
        }),
        ("missing", || None),
        ("one second ahead", || {
            Some(iso(SystemTime::now() + Duration::from_secs(1)))
        }),
    ];
    let runs: Vec<_> = cases
        .into_iter()
        .map(|(name, expires)| {
            thread::spawn(move || {
                let ws = Ws::start(|_| Mode::Serve(Vec::new()));
                let api = Api::start(&ws, expires, |_, _| None);
                let started = Instant::now();
                let mut watcher = start(builder(), &api, &[U1]);
                let items = items_until(&mut watcher, started, RUN);
                let made = api.channel_times();
                let reconnections = watcher.reconnections();
                drop(watcher);
                (name, made, items, reconnections, ws.handshakes())
            })
        })
        .collect();
    for run in runs {
        let (name, made, items, reconnections, handshakes) = run.join().unwrap();
        assert!(items.is_empty(), "{name}: {items:?}");
        if name == "one second ahead" {
            let gaps: Vec<Duration> = made.windows(2).map(|w| w[1] - w[0]).collect();
            assert!(
                (2..=3).contains(&made.len()),
                "{name}: {} channels in {RUN:?} (gaps {gaps:?})",
                made.len()
            );
            assert!(
                gaps.iter().all(|gap| *gap >= Duration::from_millis(850)),
                "{name}: renewed faster than the channel lives: gaps {gaps:?}"
            );
            assert_eq!(reconnections as usize, made.len() - 1, "{name}");
        } else {
            assert_eq!(made.len(), 1, "{name}: channels made in {RUN:?}");
            assert_eq!(handshakes, 1, "{name}: sockets opened in {RUN:?}");
            assert_eq!(reconnections, 0, "{name}");
        }
    }
}

/// A server that drops every socket right after its handshake: the watcher
/// makes `max_channels_per_minute` (3) channels, yields a `ChannelCeiling`
/// error, and makes no more within the minute. (The caller asks every 20 ms
/// here; see the next test for a caller blocked in the watcher.)
#[test]
fn a_server_that_drops_every_socket_meets_the_channel_ceiling() {
    let ws = Ws::start(|_| Mode::Serve(vec![Push::HangUp]));
    let api = Api::plain(&ws);
    let mut watcher = start(builder().max_channels_per_minute(3), &api, &[U1]);
    let (error, before, _) = until_watch_error(
        &mut watcher,
        WatchErrorKind::ChannelCeiling,
        Duration::from_secs(5),
        Duration::from_millis(20),
    );
    assert!(before.is_empty(), "{before:?}");
    assert_eq!(
        api.channels_made(),
        3,
        "channels made when the ceiling was reported"
    );
    let text = error.to_string();
    assert!(text.contains("max_channels_per_minute"), "{text}");
    assert!(text.contains('3'), "{text}");
    // Nothing more for a while: no channel, no second report.
    let after = items_until(&mut watcher, Instant::now(), Duration::from_millis(500));
    assert!(after.is_empty(), "{after:?}");
    assert_eq!(api.channels_made(), 3);
    assert_eq!(ws.handshakes(), 3);
    let made = api.channel_times();
    assert!(made[2] - made[0] < Duration::from_secs(60));
}

/// The ceiling error reaches a caller blocked in `next_timeout` (or `next`)
/// when it is queued, a backoff after the third socket ends, not when the
/// caller's own deadline runs out.
#[test]
fn the_channel_ceiling_error_wakes_a_caller_blocked_in_the_watcher() {
    let ws = Ws::start(|_| Mode::Serve(vec![Push::HangUp]));
    let api = Api::plain(&ws);
    let mut watcher = start(builder().max_channels_per_minute(3), &api, &[U1]);
    let (_, before, yielded) = until_watch_error(
        &mut watcher,
        WatchErrorKind::ChannelCeiling,
        Duration::from_secs(4),
        Duration::from_secs(4),
    );
    assert!(before.is_empty(), "{before:?}");
    let third_ended = ws.hung_up()[2];
    let late = yielded.saturating_duration_since(third_ended);
    assert!(late < PROMPT, "yielded {late:?} after the third socket ended");
}

// ------------------------------------------------------------ 2. endless silent reconnects

fn socket_closing(n: usize) -> String {
    json!({
        "topicName": "v2.system.socket_closing",
        "eventBody": {"channelId": format!("c{n}"), "systemTopicType": "no_longer_subscribed"}
    })
    .to_string()
}

/// Every socket gets `socket_closing` (`no_longer_subscribed`) and is closed.
/// After `max_empty_connections` (3) such connections the watcher yields an
/// `EmptyConnections` error that says so, and goes on making channels.
#[test]
fn connections_that_end_before_delivering_anything_are_reported_then_retried() {
    // The fourth channel is answered only once the test has seen the error,
    // so that the count of sockets at the error is exact.
    let gate = Arc::new(AtomicBool::new(false));
    let ws = Ws::start(|n| Mode::Serve(vec![Push::Text(socket_closing(n)), Push::HangUp]));
    let api = {
        let gate = Arc::clone(&gate);
        Api::start(&ws, far_future, move |request, nth| {
            if request.route() == format!("POST {CHANNELS}") && nth == 4 {
                let deadline = Instant::now() + Duration::from_secs(5);
                while !gate.load(Ordering::SeqCst) && Instant::now() < deadline {
                    thread::sleep(Duration::from_millis(2));
                }
            }
            None
        })
    };
    let mut watcher = start(builder().max_empty_connections(3), &api, &[U1]);
    // The caller is blocked in the watcher: the error wakes it.
    let (error, before, yielded) = until_watch_error(
        &mut watcher,
        WatchErrorKind::EmptyConnections,
        Duration::from_secs(5),
        Duration::from_secs(5),
    );
    assert!(before.is_empty(), "{before:?}");
    assert_eq!(ws.handshakes(), 3, "sockets when the error was yielded");
    let late = yielded.saturating_duration_since(ws.hung_up()[2]);
    assert!(late < PROMPT, "yielded {late:?} after the third socket ended");
    let text = error.to_string();
    assert!(text.contains("no_longer_subscribed"), "{text}");
    assert!(text.contains("3 connections"), "{text}");
    assert!(matches!(watcher.last_disconnect(), Some(Disconnect::Closing)));
    // The watcher goes on.
    gate.store(true, Ordering::SeqCst);
    eventually("more channels after the error", || ws.handshakes() >= 5);
    assert!(!watcher.is_closed());
}

/// With `auto_reconnect(false)`, the first connection that ends is yielded
/// as an error, then the iteration ends; no second channel is made.
#[test]
fn without_auto_reconnect_the_first_loss_ends_the_watcher() {
    let ws = Ws::start(|n| Mode::Serve(vec![Push::Text(socket_closing(n)), Push::HangUp]));
    let api = Api::plain(&ws);
    let mut watcher = start(builder().auto_reconnect(false), &api, &[U1]);
    match watcher.next_timeout(Duration::from_secs(5)) {
        Some(Err(error @ Error::Socket { .. })) => {
            let text = error.to_string();
            assert!(text.contains("no_longer_subscribed"), "{text}");
        }
        other => panic!("expected the loss as an error, got {other:?}"),
    }
    let late = ws.hung_up()[0].elapsed();
    assert!(late < PROMPT, "yielded {late:?} after the socket ended");
    let asked = Instant::now();
    assert!(watcher.next_timeout(Duration::from_secs(5)).is_none());
    assert!(asked.elapsed() < PROMPT, "None after {:?}", asked.elapsed());
    assert!(watcher.is_closed());
    assert!(watcher.next().is_none());
    assert!(matches!(watcher.last_disconnect(), Some(Disconnect::Closing)));
    watcher.close();
    assert_eq!(api.channels_made(), 1);
    assert_eq!(ws.handshakes(), 1);
    assert_eq!(ws.accepted(), 1);
}

// ------------------------------------------------------------ 3. deadlines

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stuck {
    /// The new channel's WebSocket answers its handshake a byte every 0.4 s.
    Handshake,
    /// The new channel's `POST …/channels` is never answered.
    ChannelCreation,
}

/// A watcher whose first socket is dropped right after its handshake, and
/// whose reconnection is stuck (`stuck`) when this returns.
fn stuck_reconnection(stuck: Stuck) -> (Watcher, Ws, Api) {
    let ws = Ws::start(move |n| match n {
        1 => Mode::Serve(vec![Push::HangUp]),
        _ if stuck == Stuck::Handshake => Mode::Trickle,
        _ => Mode::Serve(Vec::new()),
    });
    let api = Api::start(&ws, far_future, move |request, nth| {
        let creation = request.route() == format!("POST {CHANNELS}");
        (stuck == Stuck::ChannelCreation && creation && nth >= 2).then_some(Answer::Hang)
    });
    let watcher = start(builder(), &api, &[U1]);
    match stuck {
        Stuck::Handshake => eventually("the new socket's handshake trickling", || ws.trickling() == 1),
        Stuck::ChannelCreation => eventually("the new channel asked for", || api.channels_asked() == 2),
    }
    (watcher, ws, api)
}

/// `next_timeout(100 ms)` returns `None` after 100 ms, well within a second,
/// several times in a row while the reconnection is stuck.
#[track_caller]
fn assert_next_timeout_on_time(watcher: &mut Watcher) -> Vec<Duration> {
    (0..3)
        .map(|_| {
            let asked = Instant::now();
            let item = watcher.next_timeout(Duration::from_millis(100));
            let took = asked.elapsed();
            assert!(item.is_none(), "{item:?}");
            assert!(took >= Duration::from_millis(100), "{took:?}");
            assert!(took < PROMPT, "next_timeout(100 ms) took {took:?}");
            took
        })
        .collect()
}

/// Calls `stop()` from another thread while this one is blocked in the
/// watcher; returns how long after the stop `next_timeout` returned `None`.
#[track_caller]
fn stop_while_blocked(watcher: &mut Watcher) -> Duration {
    let stop = watcher.stop_handle();
    let (said, stopped_at) = mpsc::channel();
    let stopper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        let at = Instant::now();
        stop.stop();
        let _ = said.send(at);
    });
    let item = watcher.next_timeout(Duration::from_secs(5));
    let returned = Instant::now();
    stopper.join().unwrap();
    let stopped_at = stopped_at.recv().unwrap();
    assert!(item.is_none(), "{item:?}");
    assert!(watcher.is_closed());
    let took = returned.saturating_duration_since(stopped_at);
    assert!(took < PROMPT, "None {took:?} after stop()");
    took
}

#[test]
fn next_timeout_and_stop_keep_their_deadlines_while_a_handshake_trickles() {
    let (mut watcher, ws, api) = stuck_reconnection(Stuck::Handshake);
    assert_next_timeout_on_time(&mut watcher);
    assert_eq!(ws.trickling(), 1, "still stuck in the handshake");
    stop_while_blocked(&mut watcher);
    // The connection being opened is shut down, not left to its timeout.
    within("the trickled connection closed by the watcher", PROMPT, || {
        ws.trickle_ended() == 1
    });
    assert_eq!(api.channels_made(), 2);
}

#[test]
fn close_returns_promptly_while_a_handshake_trickles() {
    let (mut watcher, ws, _api) = stuck_reconnection(Stuck::Handshake);
    let asked = Instant::now();
    watcher.close();
    let took = asked.elapsed();
    assert!(took < PROMPT, "close() took {took:?}");
    assert!(watcher.is_closed());
    within("the trickled connection closed by the watcher", PROMPT, || {
        ws.trickle_ended() == 1
    });
}

#[test]
fn next_timeout_and_stop_keep_their_deadlines_while_channel_creation_hangs() {
    let (mut watcher, ws, api) = stuck_reconnection(Stuck::ChannelCreation);
    assert_next_timeout_on_time(&mut watcher);
    assert_eq!(api.channels_made(), 1, "the second is still unanswered");
    stop_while_blocked(&mut watcher);
    assert_eq!(ws.handshakes(), 1);
}

#[test]
fn close_returns_promptly_while_channel_creation_hangs() {
    let (mut watcher, _ws, api) = stuck_reconnection(Stuck::ChannelCreation);
    let asked = Instant::now();
    watcher.close();
    let took = asked.elapsed();
    assert!(took < PROMPT, "close() took {took:?}");
    assert!(watcher.is_closed());
    assert!(watcher.next().is_none());
    assert_eq!(api.channels_made(), 1);
}

// ------------------------------------------------------------ 4. memory, sizes

/// 5 000 changes of 3 users pushed while the caller reads nothing: the
/// caller then gets 3 events, one per user in the order they first
/// changed, each the user's latest, counting the changes folded into it.
#[test]
fn a_slow_consumer_gets_each_users_latest_change_with_the_rest_folded() {
    const CHANGES: u64 = 5000;
    let users = [U1, U2, U3];
    let definitions = ["Busy", "Away", "Meal"];
    let ws = Ws::start(|_| Mode::Serve(Vec::new()));
    let api = Api::plain(&ws);
    let mut watcher = start(builder(), &api, &users);
    let mut latest: HashMap<&str, (String, &str, String)> = HashMap::new();
    let mut counts: HashMap<&str, u32> = HashMap::new();
    let mut pushes = Vec::new();
    for n in 0..CHANGES {
        let user = users[(n % 3) as usize];
        let definition = definitions[(n / 3 % 3) as usize];
        let (message, date) = (format!("change {n}"), nth_date(n));
        pushes.push(Push::Text(presence(user, definition, &message, &date)));
        latest.insert(user, (message, definition, date));
        *counts.entry(user).or_default() += 1;
    }
    pushes.push(Push::Ping);
    ws.push("/c1", pushes);
    // The pong comes after every change before it was read and handed over.
    eventually("the pong after the changes", || ws.pongs() == 1);
    let items = ready(&mut watcher);
    assert_eq!(
        items.len(),
        3,
        "{:?}",
        items.iter().map(describe).collect::<Vec<_>>()
    );
    let mut folded = 0;
    for (item, user) in items.into_iter().zip(users) {
        let event = item.unwrap();
        let (message, definition, date) = &latest[user];
        assert_eq!(event.user_id, user);
        assert_eq!(event.message.as_ref(), Some(message));
        assert_eq!(event.presence_definition_id(), Some(*definition));
        assert_eq!(event.modified_date.as_ref(), Some(date));
        assert_eq!(event.folded, counts[user] - 1, "{user}");
        folded += event.folded;
    }
    assert_eq!(u64::from(folded), CHANGES - 3);
    assert_eq!(watcher.reconnections(), 0);
    assert_eq!(api.channels_made(), 1);
}

/// A 10 KiB message over a 2 KiB `max_message_size` is yielded once as a
/// `TooLarge` socket error, and a change sent after it on the same socket
/// is yielded too: no new channel, no new socket.
#[test]
fn a_message_over_max_message_size_is_one_error_and_the_socket_reads_on() {
    let ws = Ws::start(|_| Mode::Serve(Vec::new()));
    let api = Api::plain(&ws);
    let mut watcher = start(builder().max_message_size(2048), &api, &[U1]);
    let big = presence(U1, "Busy", &"x".repeat(10 * 1024), &nth_date(1));
    assert!(big.len() > 10 * 1024);
    let after = presence(U1, "Away", "after the big one", &nth_date(2));
    ws.push("/c1", vec![Push::Text(big), Push::Text(after), Push::Ping]);
    eventually("the pong after both messages", || ws.pongs() == 1);
    let items = ready(&mut watcher);
    assert_eq!(
        items.len(),
        2,
        "{:?}",
        items.iter().map(describe).collect::<Vec<_>>()
    );
    match &items[0] {
        Err(error @ Error::Socket { kind, .. }) => {
            assert_eq!(*kind, TransportKind::TooLarge, "{error}");
            assert!(error.to_string().contains("2048"), "{error}");
        }
        other => panic!("expected a TooLarge socket error, got {other:?}"),
    }
    let event = items[1].as_ref().unwrap();
    assert_eq!(event.message.as_deref(), Some("after the big one"));
    assert_eq!(event.folded, 0);
    assert_eq!((api.channels_made(), ws.handshakes()), (1, 1));
    assert_eq!(watcher.reconnections(), 0);
    assert_eq!(watcher.connected_channels(), 1);
}

/// A message over 1 MiB cannot be skipped: it is yielded once as a
/// `TooLarge` error and the channel replaced; the new one's changes come.
#[test]
fn a_message_over_one_mib_is_one_error_then_a_new_channel() {
    let ws = Ws::start(|_| Mode::Serve(Vec::new()));
    let api = Api::plain(&ws);
    let mut watcher = start(builder(), &api, &[U1]);
    let huge = presence(U1, "Busy", &"x".repeat(1024 * 1024 + 100 * 1024), &nth_date(1));
    ws.push(
        "/c2",
        vec![Push::Text(presence(
            U1,
            "Away",
            "on the new channel",
            &nth_date(2),
        ))],
    );
    ws.push("/c1", vec![Push::Text(huge)]);
    let mut items = Vec::new();
    let start = Instant::now();
    while items.len() < 2 && start.elapsed() < Duration::from_secs(5) {
        if let Some(item) = watcher.next_timeout(Duration::from_secs(5)) {
            items.push(item);
        }
    }
    assert_eq!(
        items.len(),
        2,
        "{:?}",
        items.iter().map(describe).collect::<Vec<_>>()
    );
    match &items[0] {
        Err(error @ Error::Socket { kind, .. }) => assert_eq!(*kind, TransportKind::TooLarge, "{error}"),
        other => panic!("expected a TooLarge socket error, got {other:?}"),
    }
    assert_eq!(
        items[1].as_ref().unwrap().message.as_deref(),
        Some("on the new channel")
    );
    assert_eq!((api.channels_made(), ws.handshakes()), (2, 2));
    // Counted once the new channel is subscribed, which may come after its first change.
    eventually("the reconnection counted", || watcher.reconnections() == 1);
    let rest: Vec<String> = ready(&mut watcher).iter().map(describe).collect();
    assert!(rest.is_empty(), "{rest:?}");
}

// ------------------------------------------------------------ 5. a Close frame

/// A WebSocket Close frame with the TCP connection left open: the watcher
/// makes a new channel at once, not at the (30 s) heartbeat timeout.
#[test]
fn a_close_frame_without_a_tcp_close_is_followed_by_a_new_channel_at_once() {
    let ws = Ws::start(|_| Mode::Serve(Vec::new()));
    let api = Api::plain(&ws);
    let mut watcher = start(
        WatchBuilder::new().heartbeat_timeout(Duration::from_secs(30)),
        &api,
        &[U1],
    );
    eventually("the first socket served", || ws.handshakes() == 1);
    let sent = Instant::now();
    ws.push("/c1", vec![Push::CloseFrame]);
    let took = within("a second channel", Duration::from_secs(3), || {
        api.channels_made() == 2
    });
    eventually("the second socket served", || ws.handshakes() == 2);
    assert!(took < Duration::from_secs(3), "{took:?}");
    match watcher.last_disconnect() {
        Some(Disconnect::Lost(error)) => {
            assert!(error.to_string().contains("closed the WebSocket"), "{error}");
        }
        other => panic!("{other:?}"),
    }
    assert!(sent.elapsed() < Duration::from_secs(30));
    let items: Vec<String> = ready(&mut watcher).iter().map(describe).collect();
    assert!(items.is_empty(), "{items:?}");
}

// ------------------------------------------------------------ 6. a rate limit

/// Two channels of one user each. `U1`'s socket drops, and the re-read of
/// `U1` is answered 429 with `Retry-After: 5` (the session waits it out on
/// the recovery thread). Meanwhile `U2`'s channel keeps pushing: its changes
/// are yielded within a second, `next_timeout(100 ms)` keeps its deadline,
/// and `stop()` acts within a second.
#[test]
fn a_rate_limited_reread_does_not_hold_up_the_other_channels_events() {
    let rate_limited = Arc::new(AtomicUsize::new(0));
    let ws = Ws::start(|_| Mode::Serve(Vec::new()));
    let api = {
        let rate_limited = Arc::clone(&rate_limited);
        let reads_of_u1 = AtomicUsize::new(0);
        Api::start(&ws, far_future, move |request, _| {
            if request.path != BULK || !request.query.contains(U1) {
                return None;
            }
            // The first read is the start's; the ones after it, re-reads.
            if reads_of_u1.fetch_add(1, Ordering::SeqCst) == 0 {
                return None;
            }
            rate_limited.fetch_add(1, Ordering::SeqCst);
            Some(Answer::json(429, r#"{"message":"rate limited","status":429}"#).header("Retry-After", "5"))
        })
    };
    let mut watcher = builder()
        .max_users_per_channel(1)
        .users(&[U1, U2])
        .start(&session(&api, RetryPolicy::default()))
        .unwrap();
    eventually("both sockets served", || ws.handshakes() == 2);
    let (of_u1, of_u2) = (api.channel_of(U1).unwrap(), api.channel_of(U2).unwrap());
    assert_ne!(of_u1, of_u2);
    ws.push(&format!("/{of_u1}"), vec![Push::HangUp]);
    eventually("the re-read of U1 rate limited", || {
        rate_limited.load(Ordering::SeqCst) == 1
    });
    let limited_at = Instant::now();

    let mut delays = Vec::new();
    for n in 0..3 {
        let message = format!("live {n}");
        let pushed = Instant::now();
        ws.push(
            &format!("/{of_u2}"),
            vec![Push::Text(presence(U2, "Busy", &message, &nth_date(n)))],
        );
        match watcher.next_timeout(Duration::from_secs(3)) {
            Some(Ok(event)) => {
                assert_eq!(
                    (event.user_id.as_str(), event.message.as_deref()),
                    (U2, Some(message.as_str()))
                );
            }
            other => panic!("expected U2's change, got {other:?}"),
        }
        delays.push(pushed.elapsed());
    }
    assert!(delays.iter().all(|d| *d < PROMPT), "{delays:?}");
    assert_next_timeout_on_time(&mut watcher);
    // All that happened while the re-read waited out the 429.
    assert!(
        limited_at.elapsed() < Duration::from_secs(5),
        "{:?}",
        limited_at.elapsed()
    );
    assert_eq!(rate_limited.load(Ordering::SeqCst), 1, "the 429 not waited out");
    stop_while_blocked(&mut watcher);
    assert!(
        limited_at.elapsed() < Duration::from_secs(5),
        "{:?}",
        limited_at.elapsed()
    );
}

/// A session that does not retry: the 429 of a re-read comes back to the
/// watcher, which reads again. It should not before `Retry-After` (5 s).
#[test]
fn a_rate_limited_reread_is_not_sent_again_before_retry_after() {
    let rate_limited = Arc::new(AtomicUsize::new(0));
    let ws = Ws::start(|_| Mode::Serve(Vec::new()));
    let api = {
        let rate_limited = Arc::clone(&rate_limited);
        let reads = AtomicUsize::new(0);
        Api::start(&ws, far_future, move |request, _| {
            if request.path != BULK || reads.fetch_add(1, Ordering::SeqCst) == 0 {
                return None;
            }
            rate_limited.fetch_add(1, Ordering::SeqCst);
            Some(Answer::json(429, r#"{"message":"rate limited","status":429}"#).header("Retry-After", "5"))
        })
    };
    let mut watcher = start(builder(), &api, &[U1]);
    eventually("the socket served", || ws.handshakes() == 1);
    ws.push("/c1", vec![Push::HangUp]);
    eventually("the re-read rate limited", || {
        rate_limited.load(Ordering::SeqCst) == 1
    });
    let items = items_until(&mut watcher, Instant::now(), Duration::from_secs(1));
    assert_eq!(
        rate_limited.load(Ordering::SeqCst),
        1,
        "re-reads answered 429 within a second of a Retry-After: 5; items: {} ({:?} …)",
        items.len(),
        items.first()
    );
}

/// `add_users` puts a user on the connected channel (a subscription call on
/// the caller's thread). If the watcher is closed while that call is in
/// flight (by a stop handle, or, with `auto_reconnect(false)`, by the
/// server ending the socket), `add_users` returns; it does not panic.
#[test]
fn a_watcher_closed_while_add_users_subscribes_does_not_panic() {
    let mut panicked = Vec::new();
    for by_server in [false, true] {
        let gate = Arc::new(AtomicBool::new(false));
        let ws = Ws::start(|_| Mode::Serve(Vec::new()));
        let api = {
            let gate = Arc::clone(&gate);
            Api::start(&ws, far_future, move |request, nth| {
                if request.path.ends_with("/subscriptions") && nth == 2 {
                    let deadline = Instant::now() + Duration::from_secs(5);
                    while !gate.load(Ordering::SeqCst) && Instant::now() < deadline {
                        thread::sleep(Duration::from_millis(2));
                    }
                    // Time for the watcher to take in what happened.
                    thread::sleep(Duration::from_millis(300));
                }
                None
            })
        };
        let mut watcher = start(builder().auto_reconnect(false), &api, &[U1]);
        eventually("the socket served", || ws.handshakes() == 1);
        let stop = watcher.stop_handle();
        let adding = thread::spawn(move || {
            let added = watcher.add_users(&[U2]).map_err(|e| e.to_string());
            // With reconnection off, the loss is yielded before the end.
            let rest: Vec<bool> = watcher.by_ref().map(|item| item.is_err()).collect();
            (added, rest, watcher.is_closed())
        });
        let subscription = format!("POST {CHANNELS}/c1/subscriptions");
        eventually("add_users subscribing", || {
            api.requests()
                .iter()
                .filter(|r| r.route() == subscription)
                .count()
                == 2
        });
        if by_server {
            ws.push("/c1", vec![Push::HangUp]);
        } else {
            stop.stop();
        }
        gate.store(true, Ordering::SeqCst);
        let case = if by_server { "the socket ended" } else { "stop()" };
        match adding.join() {
            Ok((_added, rest, closed)) => {
                assert!(closed, "{case}: not closed");
                let expected: &[bool] = if by_server { &[true] } else { &[] };
                assert_eq!(rest, expected, "{case}: items after add_users (true: an error)");
            }
            Err(_) => panicked.push(case),
        }
    }
    assert!(panicked.is_empty(), "add_users panicked after: {panicked:?}");
}

// ------------------------------------------------------------ the REST side

fn far_future() -> Option<String> {
    Some(FAR_FUTURE.into())
}

#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    query: String,
    body: Vec<u8>,
}

impl Request {
    fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

enum Answer {
    Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// No answer: the connection is held until the client leaves.
    Hang,
}

impl Answer {
    fn json(status: u16, body: impl Into<String>) -> Answer {
        Answer::Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    fn header(self, name: &str, value: &str) -> Answer {
        match self {
            Answer::Reply {
                status,
                mut headers,
                body,
            } => {
                headers.push((name.into(), value.into()));
                Answer::Reply {
                    status,
                    headers,
                    body,
                }
            }
            Answer::Hang => Answer::Hang,
        }
    }
}

type Expires = dyn Fn() -> Option<String> + Send + Sync;
/// A test's own answer to a request (and the number of that request on
/// its route, from 1), or `None` for the usual one.
type Custom = dyn Fn(&Request, usize) -> Option<Answer> + Send + Sync;

struct ApiShared {
    ws_port: u16,
    expires: Box<Expires>,
    custom: Box<Custom>,
    log: Mutex<Vec<Request>>,
    per_route: Mutex<HashMap<String, usize>>,
    /// Channel creations answered, when.
    made: Mutex<Vec<Instant>>,
    stop: AtomicBool,
}

/// The REST API of a watch: channel `n` is `c{n}` at `ws://…/c{n}`,
/// expiring when `expires` says; subscriptions are accepted as asked; bulk
/// reads answer `[]`; unless the test's `custom` answers first.
struct Api {
    address: SocketAddr,
    shared: Arc<ApiShared>,
}

impl Api {
    fn start(
        ws: &Ws,
        expires: impl Fn() -> Option<String> + Send + Sync + 'static,
        custom: impl Fn(&Request, usize) -> Option<Answer> + Send + Sync + 'static,
    ) -> Api {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let shared = Arc::new(ApiShared {
            ws_port: ws.port,
            expires: Box::new(expires),
            custom: Box::new(custom),
            log: Mutex::new(Vec::new()),
            per_route: Mutex::new(HashMap::new()),
            made: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let acceptor = Arc::clone(&shared);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if acceptor.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&acceptor);
                thread::spawn(move || serve_http(stream, &shared));
            }
        });
        Api { address, shared }
    }

    /// Channels that expire far ahead.
    fn plain(ws: &Ws) -> Api {
        Api::start(ws, far_future, |_, _| None)
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    fn requests(&self) -> Vec<Request> {
        lock(&self.shared.log).clone()
    }

    /// Channel creations asked for (answered or not).
    fn channels_asked(&self) -> usize {
        let route = format!("POST {CHANNELS}");
        self.requests().iter().filter(|r| r.route() == route).count()
    }

    /// Channel creations answered.
    fn channels_made(&self) -> usize {
        lock(&self.shared.made).len()
    }

    /// When each channel creation was answered.
    fn channel_times(&self) -> Vec<Instant> {
        lock(&self.shared.made).clone()
    }

    /// The channel (`c{n}`) that `user` was first subscribed on.
    fn channel_of(&self, user: &str) -> Option<String> {
        self.requests().iter().find_map(|r| {
            let channel = r
                .path
                .strip_prefix(&format!("{CHANNELS}/"))?
                .strip_suffix("/subscriptions")?;
            String::from_utf8_lossy(&r.body)
                .contains(user)
                .then(|| channel.to_owned())
        })
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn serve_http(mut stream: TcpStream, shared: &ApiShared) {
    if stream.set_read_timeout(Some(Duration::from_millis(20))).is_err() {
        return;
    }
    let mut pending = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut pending, &shared.stop) {
        lock(&shared.log).push(request.clone());
        let nth = {
            let mut counts = lock(&shared.per_route);
            let count = counts.entry(request.route()).or_default();
            *count += 1;
            *count
        };
        let answer = (shared.custom)(&request, nth).unwrap_or_else(|| usual_answer(shared, &request, nth));
        match answer {
            Answer::Hang => {
                let mut ignored = Vec::new();
                while read_more(&mut stream, &mut ignored, &shared.stop).is_some() {
                    ignored.clear();
                }
                break;
            }
            Answer::Reply {
                status,
                headers,
                body,
            } => {
                if request.route() == format!("POST {CHANNELS}") && status == 200 {
                    lock(&shared.made).push(Instant::now());
                }
                let mut head = format!("HTTP/1.1 {status} Status\r\n");
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
                if stream.write_all(head.as_bytes()).is_err() || stream.write_all(body.as_bytes()).is_err() {
                    break;
                }
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

fn usual_answer(shared: &ApiShared, request: &Request, nth: usize) -> Answer {
    let route = request.route();
    if route == format!("POST {CHANNELS}") {
        let mut channel = json!({
            "id": format!("c{nth}"),
            "connectUri": format!("ws://127.0.0.1:{}/c{nth}", shared.ws_port),
        });
        if let Some(expires) = (shared.expires)() {
            channel["expires"] = expires.into();
        }
        return Answer::json(200, channel.to_string());
    }
    if request.path.starts_with(CHANNELS) && request.path.ends_with("/subscriptions") {
        let topics: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_else(|_| json!([]));
        return Answer::json(200, json!({ "entities": topics }).to_string());
    }
    if request.method == "GET" && request.path == BULK {
        return Answer::json(200, "[]");
    }
    Answer::json(404, r#"{"message":"not scripted","status":404}"#)
}

fn read_request(stream: &mut TcpStream, pending: &mut Vec<u8>, stop: &AtomicBool) -> Option<Request> {
    let head_end = loop {
        if let Some(at) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        read_more(stream, pending, stop)?;
    };
    let head = String::from_utf8_lossy(&pending[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let (path, query) = (path.to_owned(), query.to_owned());
    while pending.len() < head_end + length {
        read_more(stream, pending, stop)?;
    }
    let body = pending[head_end..head_end + length].to_vec();
    pending.drain(..head_end + length);
    Some(Request {
        method,
        path,
        query,
        body,
    })
}

/// Appends what the client sent next; `None` when it left or at stop.
fn read_more(stream: &mut TcpStream, pending: &mut Vec<u8>, stop: &AtomicBool) -> Option<()> {
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => {
                pending.extend_from_slice(&chunk[..n]);
                return Some(());
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if stop.load(Ordering::SeqCst) {
                    return None;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

// ------------------------------------------------------------ the WebSocket side

/// What a served socket does, in order, when the test asks for it.
enum Push {
    Text(String),
    /// A ping; its pong (counted by [`Ws::pongs`]) comes once the watcher
    /// has read, and handed over, everything sent before it.
    Ping,
    /// A Close frame; the TCP connection is left open (the server never
    /// closes it).
    CloseFrame,
    /// The TCP connection is closed, without a Close frame.
    HangUp,
}

/// What the server does with its `n`-th connection (from 1).
enum Mode {
    /// The WebSocket handshake, then these pushes, then those queued for
    /// its path by [`Ws::push`], reading meanwhile.
    Serve(Vec<Push>),
    /// Reads the handshake request and answers it one byte every 0.4 s.
    Trickle,
}

#[derive(Default)]
struct WsShared {
    accepted: AtomicUsize,
    handshakes: AtomicUsize,
    pongs: AtomicUsize,
    /// When each [`Push::HangUp`] closed its connection.
    hung_up: Mutex<Vec<Instant>>,
    trickling: AtomicUsize,
    trickle_ended: AtomicUsize,
    queues: Mutex<HashMap<String, VecDeque<Push>>>,
    stop: AtomicBool,
}

/// A WebSocket server on 127.0.0.1 playing the notification service.
struct Ws {
    port: u16,
    shared: Arc<WsShared>,
}

impl Ws {
    fn start(mode: impl Fn(usize) -> Mode + Send + Sync + 'static) -> Ws {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(WsShared::default());
        let acceptor = Arc::clone(&shared);
        thread::spawn(move || {
            for tcp in listener.incoming() {
                if acceptor.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(tcp) = tcp else { continue };
                let n = acceptor.accepted.fetch_add(1, Ordering::SeqCst) + 1;
                let shared = Arc::clone(&acceptor);
                match mode(n) {
                    Mode::Serve(first) => thread::spawn(move || serve_ws(tcp, first, &shared)),
                    Mode::Trickle => thread::spawn(move || trickle(tcp, &shared)),
                };
            }
        });
        Ws { port, shared }
    }

    /// Queues pushes for the socket served at `path` (now or later).
    fn push(&self, path: &str, pushes: Vec<Push>) {
        lock(&self.shared.queues)
            .entry(path.to_owned())
            .or_default()
            .extend(pushes);
    }

    fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    fn handshakes(&self) -> usize {
        self.shared.handshakes.load(Ordering::SeqCst)
    }

    fn pongs(&self) -> usize {
        self.shared.pongs.load(Ordering::SeqCst)
    }

    /// When each [`Push::HangUp`] closed its connection, in order.
    fn hung_up(&self) -> Vec<Instant> {
        lock(&self.shared.hung_up).clone()
    }

    /// Trickled handshakes under way (their request read).
    fn trickling(&self) -> usize {
        self.shared.trickling.load(Ordering::SeqCst)
    }

    /// Trickled handshakes the client gave up on (closed the connection).
    fn trickle_ended(&self) -> usize {
        self.shared.trickle_ended.load(Ordering::SeqCst)
    }
}

impl Drop for Ws {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(
            &(std::net::Ipv4Addr::LOCALHOST, self.port).into(),
            Duration::from_secs(1),
        );
    }
}

fn serve_ws(tcp: TcpStream, first: Vec<Push>, shared: &WsShared) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(raw) = tcp.try_clone() else { return };
    let mut path = String::new();
    #[allow(clippy::result_large_err)] // tungstenite's callback type
    let record = |request: &tungstenite::handshake::server::Request, response| {
        path = request.uri().path().to_owned();
        Ok(response)
    };
    let Ok(mut ws) = tungstenite::accept_hdr(tcp, record) else {
        return;
    };
    shared.handshakes.fetch_add(1, Ordering::SeqCst);
    let _ = raw.set_read_timeout(Some(Duration::from_millis(10)));
    let mut todo: VecDeque<Push> = first.into();
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        if let Some(queued) = lock(&shared.queues).get_mut(&path) {
            todo.extend(queued.drain(..));
        }
        while let Some(push) = todo.pop_front() {
            let sent = match push {
                Push::Text(text) => ws.write(Message::text(text)),
                Push::Ping => ws.write(Message::Ping(Default::default())),
                Push::CloseFrame => {
                    let _ = ws.close(None);
                    let _ = ws.flush();
                    // Leave TCP open: hold it until the client closes it or the test ends.
                    let mut held = raw;
                    let mut ignored = Vec::new();
                    while read_more(&mut held, &mut ignored, &shared.stop).is_some() {
                        ignored.clear();
                    }
                    return;
                }
                Push::HangUp => {
                    let _ = ws.flush();
                    let _ = raw.shutdown(Shutdown::Both);
                    lock(&shared.hung_up).push(Instant::now());
                    return;
                }
            };
            if sent.is_err() {
                return;
            }
        }
        if ws.flush().is_err() {
            return;
        }
        match ws.read() {
            Ok(Message::Pong(_)) => {
                shared.pongs.fetch_add(1, Ordering::SeqCst);
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

/// Reads a handshake request and answers it one byte every 0.4 s, noting
/// when the client leaves.
fn trickle(mut tcp: TcpStream, shared: &WsShared) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
    if read_head(&mut tcp).is_none() {
        return;
    }
    shared.trickling.fetch_add(1, Ordering::SeqCst);
    let answer = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                   Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    let _ = tcp.set_read_timeout(Some(Duration::from_millis(50)));
    // Whether the client has closed the connection (waits up to 50 ms).
    let left = |tcp: &mut TcpStream| {
        let mut byte = [0u8; 1];
        match tcp.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(
                e.kind(),
                ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
            ),
        }
    };
    for byte in answer {
        for _ in 0..8 {
            if shared.stop.load(Ordering::SeqCst) {
                return;
            }
            if left(&mut tcp) {
                shared.trickle_ended.fetch_add(1, Ordering::SeqCst);
                return;
            }
        }
        if tcp.write_all(std::slice::from_ref(byte)).is_err() {
            shared.trickle_ended.fetch_add(1, Ordering::SeqCst);
            return;
        }
    }
}
