//! `watch`: presence changes pushed over the stand-in org's notification
//! WebSocket, and what the watcher does when the socket closes, goes silent,
//! expires or is told to close. Changes are made through a second session,
//! as another program would make them.
//!
//! Heartbeats every 50 ms and a 600 ms heartbeat timeout keep every test
//! well under a second or two.

use std::time::{Duration, Instant};

use crate::wait::{eventually, settles_at, WAIT};
use genesys_presence::fake::FakeOrg;
use genesys_presence::watch::{self, Disconnect, WatchBuilder, Watcher};
use genesys_presence::{
    user, ErrorKind, EventOrigin, PresenceDefinition, PresenceEvent, Session, SystemPresenceName,
    UserPresence,
};

/// The watchers' heartbeat timeout (see [`builder`]).
const HEARTBEAT_TIMEOUT: Duration = Duration::from_millis(600);

fn org() -> FakeOrg {
    let org = FakeOrg::start().unwrap();
    org.set_heartbeat_interval(Duration::from_millis(50));
    org
}

fn builder() -> WatchBuilder {
    WatchBuilder::new()
        .heartbeat_timeout(HEARTBEAT_TIMEOUT)
        .reconnect_backoff(Duration::from_millis(10), Duration::from_millis(100))
}

/// A watcher of `users`, once the org serves each of its sockets.
fn watch(org: &FakeOrg, users: &[String]) -> Watcher {
    let watcher = builder().users(users).start(&org.session().unwrap()).unwrap();
    sockets_attached(org, watcher.connected_channels());
    watcher
}

/// Waits until the org has taken on `count` sockets in all (`sockets_opened`).
///
/// The org takes a socket on (counts it, and pushes it what is published
/// from then on) only after its side of the handshake, which can end after
/// the watcher's side, and so after `start()`, `add_users()` or a
/// reconnection has returned: a change made before that is not pushed, and
/// `silence_sockets()`, `close_sockets()` and the like miss the socket.
#[track_caller]
fn sockets_attached(org: &FakeOrg, count: usize) {
    settles_at("sockets the org has taken on", count, || org.sockets_opened());
}

/// Sets a presence from another session, as another program would.
fn set(session: &Session, user_id: &str, definition_id: &str, message: &str) -> UserPresence {
    user::update_purecloud_presence(
        session,
        user_id,
        &UserPresence {
            presence_definition: Some(PresenceDefinition::with_id(definition_id)),
            message: Some(message.into()),
            ..Default::default()
        },
    )
    .unwrap()
}

#[track_caller]
fn next_event(watcher: &mut Watcher) -> PresenceEvent {
    match watcher.next_timeout(WAIT) {
        Some(Ok(event)) => event,
        Some(Err(error)) => panic!("expected an event, got the error {error}"),
        None => panic!("no event within {WAIT:?}"),
    }
}

/// Asserts that nothing is yielded for `quiet` (heartbeats keep arriving meanwhile).
#[track_caller]
fn assert_quiet(watcher: &mut Watcher, quiet: Duration) {
    if let Some(item) = watcher.next_timeout(quiet) {
        panic!("expected nothing, got {item:?}");
    }
}

#[test]
fn events_for_changes_arrive_in_order_with_every_field() {
    let org = org();
    let users = org.user_ids();
    let mut watcher = watch(&org, &users[..1]);
    let other = org.session().unwrap();
    let steps = [
        ("Busy", "one"),
        ("Away", "two"),
        ("Available", "three"),
        ("Busy", "four"),
    ];
    // Each change is read before the next is made: changes a caller has
    // not read yet are folded into the latest (see `slow_consumer`).
    for (presence, message) in steps {
        let answer = set(&other, &users[0], &org.definition_id(presence).unwrap(), message);
        let event = next_event(&mut watcher);
        assert_eq!(event.user_id, users[0]);
        assert_eq!(event.origin, EventOrigin::Notification);
        assert_eq!(event.source.as_deref(), Some("PURECLOUD"));
        assert_eq!(
            event.system_presence_name(),
            Some(SystemPresenceName::parse(presence))
        );
        assert_eq!(
            event.presence_definition_id(),
            org.definition_id(presence).as_deref()
        );
        assert_eq!(event.message.as_deref(), Some(message));
        assert_eq!(event.primary, Some(true));
        assert_eq!(event.modified_date, answer.modified_date);
        assert_eq!(event.folded, 0);
        assert!(event.extra.is_empty(), "{:?}", event.extra);
    }
    // Heartbeats arrive every 50 ms; none is yielded.
    assert_quiet(&mut watcher, Duration::from_millis(300));
    assert_eq!(watcher.reconnections(), 0);
    assert_eq!(org.channels_created(), 1);
}

#[test]
fn a_change_of_an_unwatched_user_is_not_yielded() {
    let org = org();
    let users = org.user_ids();
    let mut watcher = watch(&org, &users[..1]);
    let other = org.session().unwrap();
    set(
        &other,
        &users[1],
        &org.definition_id("Meeting").unwrap(),
        "not watched",
    );
    set(
        &other,
        &users[0],
        &org.definition_id("Meeting").unwrap(),
        "watched",
    );
    let event = next_event(&mut watcher);
    assert_eq!(
        (event.user_id.as_str(), event.message.as_deref()),
        (users[0].as_str(), Some("watched"))
    );
    assert_quiet(&mut watcher, Duration::from_millis(150));
}

#[test]
fn fifteen_hundred_users_are_spread_over_two_channels() {
    let org = org();
    for n in 0..1497 {
        assert!(org.add_user(&format!("user-{n:04}")));
    }
    let users = org.user_ids();
    assert_eq!(users.len(), 1500);
    let mut watcher = watch(&org, &users);

    let mut sizes: Vec<usize> = org.channel_topics().iter().map(Vec::len).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [500, 1000]);
    assert_eq!(watcher.connected_channels(), 2);
    assert_eq!(org.open_sockets(), 2);
    assert_eq!(watcher.user_ids().len(), 1500);

    // One user on each channel.
    let other = org.session().unwrap();
    let busy = org.definition_id("Busy").unwrap();
    set(&other, &users[3], &busy, "first channel");
    let first = next_event(&mut watcher);
    set(&other, &users[1499], &busy, "second channel");
    let second = next_event(&mut watcher);
    assert_eq!(first.user_id, users[3]);
    assert_eq!(second.user_id, users[1499]);
    assert_eq!(second.message.as_deref(), Some("second channel"));
}

#[test]
fn rejected_topics_are_reported_once_with_the_reason() {
    let org = org();
    let users = org.user_ids();
    let denied = format!("v2.users.{}.presence", users[1]);
    org.reject_topic(&denied, "Missing permission: directory:user:view");
    let watched = [users[0].clone(), users[1].clone(), "no-such-user".to_owned()];
    let mut watcher = watch(&org, &watched);

    let mut reported = Vec::new();
    for _ in 0..2 {
        match watcher.next_timeout(WAIT) {
            Some(Err(error)) if error.kind() == ErrorKind::TopicRejected => {
                assert!(!error.is_retryable(), "{error}");
                let topic = error.topic().unwrap();
                assert!(
                    error
                        .to_string()
                        .starts_with(&format!("subscription to {topic} rejected: ")),
                    "{error}"
                );
                reported.push(error.to_string());
            }
            other => panic!("expected a rejected topic, got {other:?}"),
        }
    }
    let mut expected = [
        "subscription to v2.users.no-such-user.presence rejected: user no-such-user not found".to_owned(),
        format!("subscription to {denied} rejected: Missing permission: directory:user:view"),
    ];
    reported.sort();
    expected.sort();
    assert_eq!(reported, expected);
    assert_eq!(watcher.user_ids(), [users[0].clone()]);
    let refused = watcher.refused_users();
    let refused: Vec<(&str, &str)> = refused.iter().map(|r| (r.user_id(), r.reason())).collect();
    let mut expected = vec![
        (users[1].as_str(), "Missing permission: directory:user:view"),
        ("no-such-user", "user no-such-user not found"),
    ];
    expected.sort();
    assert_eq!(refused, expected, "sorted by user id");

    // The others are watched; after a reconnection the refusals are not reported again.
    org.close_sockets();
    let other = org.session().unwrap();
    eventually("a reconnection", || {
        assert!(watcher.next_timeout(Duration::from_millis(20)).is_none());
        org.sockets_opened() == 2
    });
    set(
        &other,
        &users[0],
        &org.definition_id("Busy").unwrap(),
        "still watched",
    );
    let event = next_event(&mut watcher);
    assert_eq!(event.user_id, users[0]);
    assert_eq!(event.message.as_deref(), Some("still watched"));
    assert_quiet(&mut watcher, Duration::from_millis(150));

    // A removed user is no longer listed as refused.
    watcher.remove_users(&["no-such-user"]).unwrap();
    let refused = watcher.refused_users();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].user_id(), users[1]);
    assert_eq!(refused[0].reason(), "Missing permission: directory:user:view");
}

#[test]
fn a_silent_socket_is_replaced_after_the_heartbeat_timeout() {
    let org = org();
    let users = org.user_ids();
    let mut watcher = watch(&org, &users[..1]);
    let other = org.session().unwrap();
    let busy = org.definition_id("Busy").unwrap();
    // A last message, then silence. The socket's thread sends them in that
    // order, and the message is published after `started`: the watcher
    // hears it after `started`, so it cannot give up on the socket before
    // `started` + the heartbeat timeout, however late heartbeats came.
    let started = Instant::now();
    set(&other, &users[0], &busy, "last words");
    org.silence_sockets();
    let event = next_event(&mut watcher);
    assert_eq!(
        (event.message.as_deref(), event.origin),
        (Some("last words"), EventOrigin::Notification)
    );
    // Replaced on the recovery thread: done once the new channel serves.
    eventually("a second socket, serving", || {
        let _ = watcher.next_timeout(Duration::from_millis(20));
        org.sockets_opened() == 2 && watcher.reconnections() == 1
    });
    assert!(started.elapsed() >= HEARTBEAT_TIMEOUT, "{:?}", started.elapsed());
    assert_eq!(org.channels_created(), 2);
    match watcher.last_disconnect() {
        Some(Disconnect::Lost(error)) => assert!(error.is_timeout(), "{error}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    eventually("the silent socket closed", || org.open_sockets() == 1);

    set(&other, &users[0], &busy, "after");
    assert_eq!(next_event(&mut watcher).message.as_deref(), Some("after"));
}

#[test]
fn socket_closing_leads_to_a_new_channel_with_a_new_token() {
    let org = org();
    let users = org.user_ids();
    let mut watcher = watch(&org, &users[..2]);
    assert_eq!(org.token_requests(), 1);
    // The token dies with the old socket: the new channel needs a new one.
    org.expire_tokens();
    org.send_socket_closing();
    eventually("a new channel", || {
        let _ = watcher.next_timeout(Duration::from_millis(20));
        org.channels_created() == 2
    });
    assert!(matches!(watcher.last_disconnect(), Some(Disconnect::Closing)));
    assert_eq!(org.token_requests(), 2, "one new token, fetched transparently");
    // Open: the new socket, once the org has taken it on; not the old one.
    settles_at("(sockets taken on, open)", (2, 1), || {
        (org.sockets_opened(), org.open_sockets())
    });
    let mut expected: Vec<String> = users[..2]
        .iter()
        .map(|u| format!("v2.users.{u}.presence"))
        .collect();
    expected.sort();
    // Subscribed by the recovery thread once the socket is up.
    settles_at("the new channel's topics", expected, || {
        let mut topics = org.channel_topics().pop().unwrap_or_default();
        topics.sort();
        topics
    });

    let other = org.session().unwrap();
    set(&other, &users[1], &org.definition_id("Meal").unwrap(), "lunch");
    let event = next_event(&mut watcher);
    assert_eq!(
        (event.user_id.as_str(), event.origin),
        (users[1].as_str(), EventOrigin::Notification)
    );
}

#[test]
fn changes_made_while_disconnected_are_yielded_after_the_reconnect() {
    let org = org();
    let users = org.user_ids();
    let mut watcher = watch(&org, &users);
    let other = org.session().unwrap();
    let before_1 = user::get_purecloud_presence(&other, &users[1]).unwrap();
    let (busy, meeting) = (
        org.definition_id("Busy").unwrap(),
        org.definition_id("Meeting").unwrap(),
    );

    // While the socket is silent, user 0 changes, and user 1 changes and changes back.
    org.silence_sockets();
    let changed = set(&other, &users[0], &meeting, "while away");
    set(&other, &users[1], &busy, "brief");
    let back = before_1
        .presence_definition
        .as_ref()
        .and_then(|d| d.id.clone())
        .unwrap();
    user::update_purecloud_presence(
        &other,
        &users[1],
        &UserPresence {
            presence_definition: Some(PresenceDefinition::with_id(back)),
            message: Some(String::new()),
            ..Default::default()
        },
    )
    .unwrap();

    let event = next_event(&mut watcher);
    assert_eq!(watcher.reconnections(), 1);
    assert_eq!(event.user_id, users[0]);
    assert_eq!(event.origin, EventOrigin::Resync);
    assert_eq!(event.presence_definition_id(), Some(meeting.as_str()));
    assert_eq!(event.system_presence_name(), Some(SystemPresenceName::Meeting));
    assert_eq!(event.message.as_deref(), Some("while away"));
    assert_eq!(event.modified_date, changed.modified_date);
    // User 1 is as it was: nothing to yield. Nor is anything yielded twice.
    assert_quiet(&mut watcher, Duration::from_millis(200));

    sockets_attached(&org, 2);
    set(&other, &users[2], &busy, "live again");
    let event = next_event(&mut watcher);
    assert_eq!(
        (event.user_id.as_str(), event.origin),
        (users[2].as_str(), EventOrigin::Notification)
    );
}

#[test]
fn dropped_connections_and_expired_channels_are_replaced() {
    let org = org();
    let users = org.user_ids();
    let mut watcher = watch(&org, &users[..1]);
    let other = org.session().unwrap();
    let busy = org.definition_id("Busy").unwrap();

    org.close_sockets();
    set(&other, &users[0], &busy, "during the drop");
    let event = next_event(&mut watcher);
    assert_eq!(event.message.as_deref(), Some("during the drop"));
    assert_eq!(org.channels_created(), 2);
    sockets_attached(&org, 2);

    org.expire_channels();
    eventually("a third channel", || {
        let _ = watcher.next_timeout(Duration::from_millis(20));
        org.channels_created() == 3
    });
    sockets_attached(&org, 3);
    set(&other, &users[0], &busy, "after the expiry");
    assert_eq!(
        next_event(&mut watcher).message.as_deref(),
        Some("after the expiry")
    );
    // The new channel's events count from its subscription, a moment
    // before the recovery thread records it as serving.
    eventually("two reconnections", || watcher.reconnections() == 2);
    eventually("one socket open", || org.open_sockets() == 1);
}

#[test]
fn a_channel_is_renewed_before_it_expires() {
    let org = org();
    org.set_channel_lifetime(Duration::from_secs(3));
    let users = org.user_ids();
    let started = Instant::now();
    let mut watcher = builder()
        .renew_before(Duration::from_secs(60))
        .users(&users[..1])
        .start(&org.session().unwrap())
        .unwrap();
    sockets_attached(&org, 1);
    // Renewed about a tenth of the lifetime (300 ms) before the org would
    // close it (the first of the channels to renew renews that early), on
    // the recovery thread: done once the new channel serves.
    eventually("a second channel, serving", || {
        assert!(watcher.next_timeout(Duration::from_millis(20)).is_none());
        org.channels_created() == 2 && watcher.reconnections() == 1
    });
    let renewed_after = started.elapsed();
    assert!(renewed_after >= Duration::from_millis(2600), "{renewed_after:?}");
    assert_eq!(watcher.reconnections(), 1);
    assert!(watcher.last_disconnect().is_none(), "renewed, not lost");
    // Open: the new socket, once the org has taken it on; not the old one.
    settles_at("(sockets taken on, open)", (2, 1), || {
        (org.sockets_opened(), org.open_sockets())
    });
    let other = org.session().unwrap();
    set(&other, &users[0], &org.definition_id("Busy").unwrap(), "renewed");
    assert_eq!(next_event(&mut watcher).message.as_deref(), Some("renewed"));
    assert!(watcher.last_disconnect().is_none());
}

#[test]
fn users_can_be_added_and_removed() {
    let org = org();
    let users = org.user_ids();
    let mut watcher = builder()
        .max_users_per_channel(2)
        .users(&users[..1])
        .start(&org.session().unwrap())
        .unwrap();
    sockets_attached(&org, 1);
    let other = org.session().unwrap();
    let busy = org.definition_id("Busy").unwrap();

    watcher.add_users(&users).unwrap();
    assert_eq!(watcher.user_ids().len(), 3);
    assert_eq!(watcher.connected_channels(), 2, "two per channel");
    sockets_attached(&org, 2);
    set(&other, &users[2], &busy, "added");
    assert_eq!(next_event(&mut watcher).user_id, users[2]);

    watcher.remove_users(&users[..2]).unwrap();
    assert_eq!(watcher.user_ids(), [users[2].clone()]);
    assert_eq!(watcher.connected_channels(), 1, "the emptied channel is closed");
    eventually("one socket open", || org.open_sockets() == 1);
    set(&other, &users[0], &busy, "removed");
    set(&other, &users[2], &busy, "kept");
    let event = next_event(&mut watcher);
    assert_eq!(
        (event.user_id.as_str(), event.message.as_deref()),
        (users[2].as_str(), Some("kept"))
    );
}

#[test]
fn initial_presences_are_yielded_when_asked_for() {
    let org = org();
    let users = org.user_ids();
    let mut watcher = builder()
        .initial_presences(true)
        .users(&users)
        .start(&org.session().unwrap())
        .unwrap();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let event = next_event(&mut watcher);
        assert_eq!(event.origin, EventOrigin::Initial);
        seen.push((
            event.user_id.clone(),
            event.system_presence_name().unwrap().to_string(),
        ));
    }
    seen.sort();
    let mut expected: Vec<(String, String)> = users
        .iter()
        .zip(["Available", "Busy", "Offline"])
        .map(|(u, p)| (u.clone(), p.to_owned()))
        .collect();
    expected.sort();
    assert_eq!(seen, expected);
    assert_quiet(&mut watcher, Duration::from_millis(100));
}

#[test]
fn close_ends_the_iterator() {
    let org = org();
    let users = org.user_ids();
    let mut watcher = watch::users(&org.session().unwrap(), &users).unwrap();
    // So that the change below is pushed, and the closing seen by the org.
    sockets_attached(&org, 1);
    let other = org.session().unwrap();
    set(&other, &users[0], &org.definition_id("Busy").unwrap(), "pending");
    watcher.close();
    assert!(watcher.is_closed());
    assert!(
        watcher.next().is_none(),
        "nothing after close, not even what was pending"
    );
    assert!(watcher.next_timeout(Duration::from_secs(1)).is_none());
    assert_eq!(watcher.connected_channels(), 0);
    watcher.close();
    assert!(watcher.add_users(&users).is_err());
    eventually("the socket closed", || org.open_sockets() == 0);
}

#[test]
fn a_stop_handle_wakes_a_blocked_next_from_another_thread() {
    let org = org();
    let users = org.user_ids();
    let mut watcher = watch::users(&org.session().unwrap(), &users).unwrap();
    // So that the closing is seen by the org.
    sockets_attached(&org, 1);
    let stop = watcher.stop_handle();
    // Taken before the stopper starts its 200 ms, so they cannot end
    // before `started` + 200 ms, however the threads are scheduled.
    let started = Instant::now();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        stop.stop();
        stop // returned so that a second stop after the close can be tried
    });

    assert!(watcher.next().is_none(), "next() ends when stopped");
    let waited = started.elapsed();

    assert!(waited >= Duration::from_millis(200), "it did block: {waited:?}");
    assert!(watcher.is_closed());
    assert_eq!(watcher.connected_channels(), 0);
    eventually("the socket closed", || org.open_sockets() == 0);
    let stop = stopper.join().unwrap();
    drop(watcher);
    stop.stop(); // after the drop: nothing happens
}

#[test]
fn bad_settings_and_ids_are_rejected_before_any_call() {
    let org = org();
    let session = org.session().unwrap();
    let none: [&str; 0] = [];
    let cases = [
        watch::users(&session, &none).unwrap_err(),
        watch::users(&session, &[""]).unwrap_err(),
        builder()
            .heartbeat_timeout(Duration::ZERO)
            .start(&session)
            .unwrap_err(),
        builder()
            .reconnect_backoff(Duration::from_secs(2), Duration::from_secs(1))
            .start(&session)
            .unwrap_err(),
        builder().max_users_per_channel(1001).start(&session).unwrap_err(),
        // Durations that would overflow the arithmetic of instants later.
        builder()
            .heartbeat_timeout(Duration::MAX)
            .start(&session)
            .unwrap_err(),
        builder()
            .reconnect_backoff(Duration::MAX, Duration::MAX)
            .start(&session)
            .unwrap_err(),
        builder()
            .reconnect_backoff(Duration::from_secs(1), Duration::from_secs(24 * 3600 + 1))
            .start(&session)
            .unwrap_err(),
        builder().renew_before(Duration::MAX).start(&session).unwrap_err(),
        builder().max_channels_per_minute(0).start(&session).unwrap_err(),
        builder().max_empty_connections(0).start(&session).unwrap_err(),
        builder().max_message_size(0).start(&session).unwrap_err(),
        builder()
            .max_message_size(1024 * 1024 + 1)
            .start(&session)
            .unwrap_err(),
        // 21 channels of 1 000: more than a user and client may hold.
        builder()
            .max_users_per_channel(1000)
            .users(&(0..20_001).map(|i| format!("user-{i}")).collect::<Vec<_>>())
            .start(&session)
            .unwrap_err(),
    ];
    let whats: Vec<&str> = cases
        .iter()
        .map(|e| match e.argument() {
            Some(what) if e.kind() == ErrorKind::InvalidInput => what,
            _ => panic!("{e:?}"),
        })
        .collect();
    assert_eq!(
        whats,
        [
            "user_ids",
            "user_ids",
            "heartbeat_timeout",
            "reconnect_backoff",
            "max_users_per_channel",
            "heartbeat_timeout",
            "reconnect_backoff",
            "reconnect_backoff",
            "renew_before",
            "max_channels_per_minute",
            "max_empty_connections",
            "max_message_size",
            "max_message_size",
            "user_ids",
        ]
    );
    assert!(
        cases.last().unwrap().to_string().contains("20 channels"),
        "{}",
        cases.last().unwrap()
    );
    assert_eq!(org.requests(), 0);
}

#[test]
fn a_watcher_without_users_waits_for_them() {
    let org = org();
    let users = org.user_ids();
    let mut watcher = builder().start(&org.session().unwrap()).unwrap();
    assert_eq!(org.channels_created(), 0);
    assert!(watcher.next_timeout(Duration::from_millis(50)).is_none());
    watcher.add_users(&users[1..2]).unwrap();
    sockets_attached(&org, 1);
    let other = org.session().unwrap();
    set(
        &other,
        &users[1],
        &org.definition_id("Away").unwrap(),
        "back soon",
    );
    assert_eq!(
        next_event(&mut watcher).system_presence_name(),
        Some(SystemPresenceName::Away)
    );
}
