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

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::network::WATCHED_USER;
use crate::wait::eventually;
use crate::watch_script::*;
use genesys_presence::watch::{Disconnect, WatchBuilder, Watcher};
use genesys_presence::{Error, ErrorKind, PresenceEvent, RetryPolicy, TransportKind, WatchErrorKind};
use serde_json::json;

const U1: &str = WATCHED_USER;
const U2: &str = "1d8b2f1f-2222-4333-8444-555566667777";
const U3: &str = "2e9c3a2a-3333-4444-8555-666677778888";

/// The slack allowed, on a slow and busy machine, for a deadline or a stop
/// that the watcher keeps on its own (condition variables, no I/O).
const PROMPT: Duration = Duration::from_secs(1);

// ------------------------------------------------------------ watchers

/// What is waiting to be yielded now, without waiting.
fn ready(watcher: &mut Watcher) -> Vec<genesys_presence::Result<PresenceEvent>> {
    std::iter::from_fn(|| watcher.next_timeout(Duration::ZERO)).collect()
}

/// Items until a [`ErrorKind::Watch`] error of `kind`, calling `next_timeout` for at
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
            Some(Err(error)) if error.watch_kind() == Some(kind) => {
                assert_eq!(error.kind(), ErrorKind::Watch, "{error:?}");
                // The ceiling passes by itself; empty connections say the
                // server keeps refusing.
                assert_eq!(
                    error.is_retryable(),
                    kind == WatchErrorKind::ChannelCeiling,
                    "{error}"
                );
                return (error, before, Instant::now());
            }
            Some(item) => before.push(describe(&item)),
            None if start.elapsed() >= within => {
                panic!("no {kind:?} error within {within:?}; items: {before:?}")
            }
            None => {}
        }
    }
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
        Some(Err(error)) if error.kind() == ErrorKind::Socket => {
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
        (stuck == Stuck::ChannelCreation && creation && nth >= 2).then_some(Step::Hang)
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
        Err(error) if error.kind() == ErrorKind::Socket => {
            assert_eq!(error.transport_kind(), Some(TransportKind::TooLarge), "{error}");
            assert!(!error.is_retryable(), "{error}");
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
        Err(error) if error.kind() == ErrorKind::Socket => {
            assert_eq!(error.transport_kind(), Some(TransportKind::TooLarge), "{error}")
        }
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
            Some(answer(429, r#"{"message":"rate limited","status":429}"#).header("Retry-After", "5"))
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
            Some(answer(429, r#"{"message":"rate limited","status":429}"#).header("Retry-After", "5"))
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
