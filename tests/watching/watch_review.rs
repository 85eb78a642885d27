//! A new user's attempts to break the watcher with inputs of the kinds of
//! issue 13 that the other tests do not use: hostile channel answers, odd
//! frames and dates, racing stops. The scripted servers (REST and
//! WebSocket, on 127.0.0.1) are those of `watch_limits.rs`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crate::network::WATCHED_USER;
use crate::wait::eventually;
use crate::watch_script::*;
use genesys_presence::watch::{Disconnect, Watcher};
use genesys_presence::{ErrorKind, RetryPolicy, TransportKind};
use serde_json::json;

const U1: &str = WATCHED_USER;
const U2: &str = "1d8b2f1f-2222-4333-8444-555566667777";
const U3: &str = "2e9c3a2a-3333-4444-8555-666677778888";

/// The slack allowed, on a slow and busy machine, for a deadline or a stop
/// that the watcher keeps on its own (condition variables, no I/O).
const PROMPT: Duration = Duration::from_secs(1);

// ------------------------------------------------------------ watchers

// ------------------------------------------------------------ the review's attempts

/// The API answering channel creation with `channel` (a JSON object whose
/// `connectUri` is filled in).
fn channel_answer(ws_port: u16, nth: usize, mut channel: serde_json::Value) -> Step {
    channel["id"] = format!("c{nth}").into();
    channel["connectUri"] = format!("ws://127.0.0.1:{ws_port}/c{nth}").into();
    answer(200, channel.to_string())
}

/// `expires` as a number (epoch milliseconds), an object, a boolean, an
/// empty string: an expiry that cannot be read is taken as unknown (24
/// hours), it does not make the channel unreadable. One channel, live
/// events flow.
#[test]
fn an_expires_that_is_not_a_string_is_unknown_not_a_failed_channel() {
    let cases: [(&str, serde_json::Value); 4] = [
        ("a number", json!(1_900_000_000_000_u64)),
        ("an object", json!({"at": "2099-01-01T00:00:00Z"})),
        ("a boolean", json!(true)),
        ("an empty string", json!("")),
    ];
    for (name, expires) in cases {
        let ws = Ws::start(|_| Mode::Serve(Vec::new()));
        let port = ws.port;
        let api = Api::start(&ws, far_future, move |request, nth| {
            (request.route() == format!("POST {CHANNELS}"))
                .then(|| channel_answer(port, nth, json!({ "expires": expires.clone() })))
        });
        let mut watcher = match builder().users(&[U1]).start(&session(&api, RetryPolicy::none())) {
            Ok(watcher) => watcher,
            Err(error) => panic!("{name}: the watcher did not start: {error}"),
        };
        ws.push(
            "/c1",
            vec![Push::Text(presence(U1, "Busy", "hello", &nth_date(1)))],
        );
        let item = watcher.next_timeout(Duration::from_secs(5));
        assert!(
            matches!(&item, Some(Ok(event)) if event.message.as_deref() == Some("hello")),
            "{name}: {item:?}"
        );
        assert_eq!(api.channels_made(), 1, "{name}");
    }
}

/// A pushed change dated far in the future (a server clock gone wrong, a
/// misread year) must not make every later change of that user look
/// older, and so be dropped, for ever.
#[test]
fn a_change_dated_far_ahead_does_not_hide_every_later_change() {
    let ws = Ws::start(|_| Mode::Serve(Vec::new()));
    let api = Api::plain(&ws);
    let mut watcher = start(builder(), &api, &[U1]);
    ws.push(
        "/c1",
        vec![Push::Text(presence(
            U1,
            "Busy",
            "from the future",
            "2999-01-01T00:00:00Z",
        ))],
    );
    let first = watcher.next_timeout(Duration::from_secs(5));
    assert!(matches!(&first, Some(Ok(_))), "{first:?}");
    let now = iso(SystemTime::now());
    ws.push("/c1", vec![Push::Text(presence(U1, "Away", "now", &now))]);
    let second = watcher.next_timeout(Duration::from_secs(3));
    assert!(
        matches!(&second, Some(Ok(event)) if event.message.as_deref() == Some("now")),
        "the change made now was dropped: {second:?}"
    );
}

/// `socket_closing` variants: another `systemTopicType`, no body, a null
/// body, a body that is not an object, twice in a row. Each ends its
/// connection once: one new channel per closing socket, the events after
/// it flow on the new channel, and nothing panics.
#[test]
fn socket_closing_variants_each_lead_to_one_new_channel() {
    let closings = [
        json!({"topicName": "v2.system.socket_closing", "eventBody": {"systemTopicType": "temporary_disconnect"}}),
        json!({"topicName": "v2.system.socket_closing"}),
        json!({"topicName": "v2.system.socket_closing", "eventBody": null}),
        json!({"topicName": "v2.system.socket_closing", "eventBody": [1, 2, 3]}),
        json!({"topicName": "v2.system.socket_closing", "eventBody": {"systemTopicType": 42}}),
    ];
    for closing in closings {
        let text = closing.to_string();
        let ws = {
            let text = text.clone();
            Ws::start(move |n| match n {
                1 => Mode::Serve(vec![Push::Text(text.clone()), Push::Text(text.clone())]),
                _ => Mode::Serve(Vec::new()),
            })
        };
        let api = Api::plain(&ws);
        let mut watcher = start(builder(), &api, &[U1]);
        eventually("a second channel", || {
            ws.handshakes() == 2 && watcher.connected_channels() == 1
        });
        ws.push(
            "/c2",
            vec![Push::Text(presence(U1, "Busy", "after", &nth_date(1)))],
        );
        let mut items = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let item = watcher.next_timeout(deadline.saturating_duration_since(Instant::now()));
            match item {
                Some(Ok(event)) if event.message.as_deref() == Some("after") => break,
                Some(other) => items.push(describe(&other)),
                None => panic!("{text}: no event after the closing; items {items:?}"),
            }
        }
        assert!(
            matches!(watcher.last_disconnect(), Some(Disconnect::Closing)),
            "{text}"
        );
        assert_eq!(api.channels_made(), 2, "{text}");
        assert_eq!(watcher.reconnections(), 1, "{text}");
    }
}

/// Binary messages (one empty, one large, a flood of small ones) are
/// errors, yielded once each (the flood within the error cap), and the
/// socket reads on: the event after them is yielded, no new channel.
#[test]
fn binary_messages_are_errors_and_the_socket_reads_on() {
    let ws = Ws::start(|_| Mode::Serve(Vec::new()));
    let api = Api::plain(&ws);
    let mut watcher = start(builder(), &api, &[U1]);
    let mut pushes = vec![Push::Binary(Vec::new()), Push::Binary(vec![0xff; 200 * 1024])];
    pushes.extend((0..1500).map(|_| Push::Binary(vec![1, 2, 3])));
    pushes.push(Push::Text(presence(
        U1,
        "Busy",
        "after the binaries",
        &nth_date(1),
    )));
    ws.push("/c1", pushes);
    let mut errors = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match watcher.next_timeout(deadline.saturating_duration_since(Instant::now())) {
            Some(Ok(event)) => {
                assert_eq!(event.message.as_deref(), Some("after the binaries"));
                break;
            }
            Some(Err(error)) if error.kind() == ErrorKind::Socket => {
                assert!(error.to_string().contains("binary"), "{error}");
                errors += 1;
            }
            other => panic!("{other:?} after {errors} errors"),
        }
    }
    let dropped = watcher.dropped_errors();
    assert_eq!(
        errors as u64 + dropped,
        1502,
        "errors yielded {errors}, dropped {dropped}"
    );
    assert_eq!(api.channels_made(), 1);
}

/// The size limit is in bytes: a message of exactly `max_message_size`
/// bytes is read (whatever its count of characters), one byte more is an
/// error. Multibyte characters right at the limit.
#[test]
fn the_message_size_limit_is_in_bytes_right_at_the_limit() {
    let base = presence(U1, "Busy", "", &nth_date(1));
    let limit = base.len() + 30;
    let ws = Ws::start(|_| Mode::Serve(Vec::new()));
    let api = Api::plain(&ws);
    let mut watcher = start(builder().max_message_size(limit), &api, &[U1]);
    // 15 two-byte characters: 30 bytes, exactly the limit.
    let at_limit = presence(U1, "Busy", &"é".repeat(15), &nth_date(1));
    assert_eq!(at_limit.len(), limit);
    // 10 three-byte characters and one byte more: over by one.
    let over = presence(U1, "Away", &format!("{}x", "€".repeat(10)), &nth_date(2));
    assert_eq!(over.len(), limit + 1);
    ws.push("/c1", vec![Push::Text(at_limit), Push::Text(over)]);
    let first = watcher.next_timeout(Duration::from_secs(5));
    assert!(
        matches!(&first, Some(Ok(event)) if event.message.as_deref() == Some(&*"é".repeat(15))),
        "{first:?}"
    );
    let second = watcher.next_timeout(Duration::from_secs(5));
    assert!(
        matches!(
            &second,
            Some(Err(error)) if error.kind() == ErrorKind::Socket
                && error.transport_kind() == Some(TransportKind::TooLarge)
        ),
        "{second:?}"
    );
    assert_eq!(api.channels_made(), 1);
}

/// A flood of pings, then an event: the event comes, the socket stays,
/// every ping is answered, nothing is yielded for the pings.
#[test]
fn a_ping_flood_is_answered_and_events_still_flow() {
    let ws = Ws::start(|_| Mode::Serve(Vec::new()));
    let api = Api::plain(&ws);
    let mut watcher = start(builder(), &api, &[U1]);
    let mut pushes: Vec<Push> = (0..3000).map(|_| Push::Ping).collect();
    pushes.push(Push::Text(presence(U1, "Busy", "after the pings", &nth_date(1))));
    ws.push("/c1", pushes);
    let item = watcher.next_timeout(Duration::from_secs(20));
    assert!(
        matches!(&item, Some(Ok(event)) if event.message.as_deref() == Some("after the pings")),
        "{item:?}"
    );
    assert_eq!(api.channels_made(), 1);
    assert!(watcher.next_timeout(Duration::ZERO).is_none());
}

/// A bulk read that returns users not asked for, and one user twice (the
/// same presence), with `initial_presences`: one initial event per asked
/// user, none for the others, nothing folded.
#[test]
fn a_bulk_read_with_strangers_and_duplicates_yields_one_event_per_asked_user() {
    let ws = Ws::start(|_| Mode::Serve(Vec::new()));
    let stranger = "9f9f9f9f-0000-4000-8000-000000000000";
    let presence_of = |user: &str| {
        json!({
            "userId": user,
            "source": "PURECLOUD",
            "presenceDefinition": {"id": "Busy", "systemPresence": "Busy"},
            "message": "read",
            "modifiedDate": nth_date(5)
        })
    };
    let body = json!([
        presence_of(U1),
        presence_of(stranger),
        presence_of(U1),
        presence_of(U2)
    ])
    .to_string();
    let api = Api::start(&ws, far_future, move |request, _| {
        (request.method == "GET" && request.path == BULK).then(|| answer(200, body.clone()))
    });
    let mut watcher = start(builder().initial_presences(true), &api, &[U1, U2]);
    let items = items_until(&mut watcher, Instant::now(), Duration::from_millis(500));
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items.iter().all(|item| !item.contains(stranger)), "{items:?}");
}

/// A server that answers every subscription after the first with a 500
/// (or a 429 with `Retry-After: 1`) while the first socket is dropped:
/// the failures are yielded as errors, the channels made stay within the
/// ceiling, and `next_timeout` and `close` keep their deadlines.
#[test]
fn subscriptions_refused_during_reconnection_are_errors_within_the_ceiling() {
    for status in [500_u16, 429] {
        let ws = Ws::start(|n| match n {
            1 => Mode::Serve(vec![Push::HangUp]),
            _ => Mode::Serve(Vec::new()),
        });
        // Counted over every channel (the route's count is per channel).
        let subscriptions = AtomicUsize::new(0);
        let api = Api::start(&ws, far_future, move |request, _| {
            let subscription = request.path.ends_with("/subscriptions");
            let nth = if subscription {
                subscriptions.fetch_add(1, Ordering::SeqCst) + 1
            } else {
                0
            };
            (nth >= 2).then(|| answer(status, r#"{"message":"no","status":0}"#).header("retry-after", "1"))
        });
        let mut watcher = start(builder().max_channels_per_minute(4), &api, &[U1]);
        let from = Instant::now();
        let mut errors = 0;
        while from.elapsed() < Duration::from_secs(3) {
            let asked = Instant::now();
            let item = watcher.next_timeout(Duration::from_millis(200));
            assert!(
                asked.elapsed() < PROMPT,
                "{status}: next_timeout took {:?}",
                asked.elapsed()
            );
            if let Some(Err(_)) = item {
                errors += 1;
            }
        }
        assert!(errors >= 1, "{status}: no error yielded");
        assert!(
            api.channels_made() <= 4,
            "{status}: {} channels",
            api.channels_made()
        );
        let asked = Instant::now();
        drop(watcher);
        assert!(
            asked.elapsed() < PROMPT,
            "{status}: drop took {:?}",
            asked.elapsed()
        );
    }
}

/// Stops from several threads at once, while a reconnection trickles
/// through its handshake and the caller is blocked: every stop returns
/// promptly, the caller gets `None`, and a later stop does nothing.
#[test]
fn stops_from_several_threads_during_a_reconnection_are_prompt() {
    let ws = Ws::start(|n| match n {
        1 => Mode::Serve(vec![Push::HangUp]),
        _ => Mode::Trickle,
    });
    let api = Api::plain(&ws);
    let mut watcher = start(builder(), &api, &[U1]);
    eventually("the reconnection trickling", || ws.trickling() == 1);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let stop = watcher.stop_handle();
            thread::spawn(move || {
                let at = Instant::now();
                stop.stop();
                stop.stop();
                at.elapsed()
            })
        })
        .collect();
    let asked = Instant::now();
    let item = watcher.next_timeout(Duration::from_secs(10));
    assert!(item.is_none(), "{item:?}");
    assert!(
        asked.elapsed() < PROMPT + PROMPT,
        "None after {:?}",
        asked.elapsed()
    );
    for handle in handles {
        let took = handle.join().unwrap();
        assert!(took < PROMPT, "stop() took {took:?}");
    }
    assert!(watcher.is_closed());
    let stop = watcher.stop_handle();
    drop(watcher);
    stop.stop();
    within("the trickled handshake given up", PROMPT, || {
        ws.trickle_ended() == 1
    });
}

/// `next_timeout(Duration::ZERO)` returns at once, `Duration::MAX` waits
/// (no overflow) until a stop.
#[test]
fn next_timeout_of_zero_and_of_the_longest_duration() {
    let ws = Ws::start(|_| Mode::Serve(Vec::new()));
    let api = Api::plain(&ws);
    let mut watcher = start(builder(), &api, &[U1]);
    let asked = Instant::now();
    assert!(watcher.next_timeout(Duration::ZERO).is_none());
    assert!(asked.elapsed() < PROMPT);
    let stop = watcher.stop_handle();
    let stopper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        stop.stop();
    });
    let asked = Instant::now();
    assert!(watcher.next_timeout(Duration::MAX).is_none());
    assert!(asked.elapsed() < Duration::from_millis(200) + PROMPT);
    stopper.join().unwrap();
}

/// Neither the channel's address (its path is all it takes to read the
/// channel's events) nor the token shows in `Debug` of the watcher, its
/// stop handle, or the errors of a failed handshake and a lost socket.
#[test]
fn no_channel_address_or_token_shows_in_debug_or_errors() {
    let ws = Ws::start(|n| match n {
        1 => Mode::Serve(vec![Push::CloseWith(1011, "going away".into())]),
        _ => Mode::Serve(Vec::new()),
    });
    let port = crate::mock::closed_port();
    let api = Api::start(&ws, far_future, move |request, nth| {
        (request.route() == format!("POST {CHANNELS}") && nth >= 2).then(|| {
            // A handshake that fails: a closed port.
            answer(
                200,
                json!({"id": "c2", "connectUri": format!("ws://127.0.0.1:{port}/secretpath-c2?x=1")})
                    .to_string(),
            )
        })
    });
    let mut watcher = start(builder(), &api, &[U1]);
    let items = items_until(&mut watcher, Instant::now(), Duration::from_millis(800));
    let shown = format!(
        "{items:?} {watcher:?} {:?} {:?}",
        watcher.stop_handle(),
        watcher.last_disconnect()
    );
    assert!(!shown.contains("test-token"), "{shown}");
    assert!(!shown.contains("secretpath"), "{shown}");
}

/// The first socket gets a Close frame while its subscription is still
/// being answered (the server takes 300 ms): the start succeeds, a new
/// channel replaces it, and events flow on that one.
#[test]
fn a_close_frame_while_the_subscription_is_answered_leads_to_a_new_channel() {
    let ws = Ws::start(|n| match n {
        1 => Mode::Serve(vec![Push::CloseWith(1001, "going away".into())]),
        _ => Mode::Serve(Vec::new()),
    });
    let api = Api::start(&ws, far_future, |request, _| {
        if request.path == format!("{CHANNELS}/c1/subscriptions") {
            // A server slow to answer (the only sleep: on the server's side).
            thread::sleep(Duration::from_millis(300));
        }
        None
    });
    let mut watcher = start(builder(), &api, &[U1]);
    eventually("a second channel connected", || {
        ws.handshakes() == 2 && watcher.connected_channels() == 1
    });
    ws.push(
        "/c2",
        vec![Push::Text(presence(U1, "Busy", "on c2", &nth_date(1)))],
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match watcher.next_timeout(deadline.saturating_duration_since(Instant::now())) {
            Some(Ok(event)) if event.message.as_deref() == Some("on c2") => break,
            Some(_) => {}
            None => panic!("no event on the new channel"),
        }
    }
    assert_eq!(api.channels_made(), 2);
}

/// Five watchers on one session, each dropped while its own reconnection
/// trickles through a handshake: every drop is prompt, the others go on.
#[test]
fn many_watchers_on_one_session_dropped_during_their_reconnections() {
    let ws = Ws::start(|n| {
        if n <= 5 {
            Mode::Serve(Vec::new())
        } else {
            Mode::Trickle
        }
    });
    let api = Api::plain(&ws);
    let session = session(&api, RetryPolicy::none());
    let users = [
        U1,
        U2,
        U3,
        "3f3f3f3f-0000-4000-8000-000000000001",
        "3f3f3f3f-0000-4000-8000-000000000002",
    ];
    let mut watchers: Vec<Watcher> = users
        .iter()
        .map(|user| builder().users(&[*user]).start(&session).unwrap())
        .collect();
    assert_eq!(ws.handshakes(), 5);
    // Every socket drops; every reconnection then trickles.
    for n in 1..=5 {
        ws.push(&format!("/c{n}"), vec![Push::HangUp]);
    }
    eventually("five reconnections trickling", || ws.trickling() == 5);
    while let Some(watcher) = watchers.pop() {
        let asked = Instant::now();
        drop(watcher);
        assert!(asked.elapsed() < PROMPT, "drop took {:?}", asked.elapsed());
    }
    within("every trickled handshake given up", PROMPT, || {
        ws.trickle_ended() == 5
    });
}
