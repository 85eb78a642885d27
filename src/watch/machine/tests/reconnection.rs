//! Connections that end: backoff, connections that end while being opened,
//! connections that deliver nothing, reconnection off, and the order of the
//! background work.

use std::time::Instant;

use super::*;

#[test]
fn a_lost_connection_is_closed_then_retried_after_a_backoff_that_doubles_up_to_the_max() {
    let t0 = Instant::now();
    let mut m = machine();
    let link = connect(&mut m, &["a"], Vec::new(), t0);
    let mut now = t0 + 3 * SECOND; // not stable: under 10 × MIN
    m.lost(link, dropped(), now);
    assert!(matches!(m.last_disconnect(), Some(Disconnect::Lost(_))));
    assert_eq!(m.connected_channels(), 0);
    assert_eq!(yielded(&mut m), NOTHING, "a loss is not an item");
    assert_eq!(m.next_wake(now), Some(now), "the lost connection is to close");
    assert_eq!(due(&mut m, now), [Action::Close { link }]);

    for wait in [1, 2, 4, 8, 16, 32, 60, 60].map(Duration::from_secs) {
        assert_eq!(m.next_wake(now), Some(now + wait));
        assert_eq!(m.next_due(now + wait - MS), None, "not before {wait:?}");
        now += wait;
        // One attempt at a time.
        let (slot, link) = open_of(&due(&mut m, now));
        assert!(m.open_failed(slot, link, error(), now).is_ok());
        assert_eq!(yielded(&mut m), ["error"]);
    }
}

#[test]
fn the_jitter_keeps_the_wait_between_half_and_all_of_the_backoff() {
    let t0 = Instant::now();
    let jitters: [Jitter; 3] = [|_| Duration::ZERO, |full| full * 3, crate::retry::jitter];
    for jitter in jitters {
        let mut m = Machine::new(config(), jitter);
        let link = connect(&mut m, &["a"], Vec::new(), t0);
        let now = t0 + MS;
        m.lost(link, dropped(), now);
        assert_eq!(due(&mut m, now), [Action::Close { link }]);
        let retry_at = m.next_wake(now).unwrap();
        assert!(
            retry_at >= now + MIN / 2 && retry_at <= now + MIN,
            "{:?}",
            retry_at - now
        );
        assert_eq!(m.next_due(retry_at - MS), None);
        open_of(&due(&mut m, retry_at));
    }
}

#[test]
fn a_stable_connection_that_is_lost_reconnects_at_once_and_starts_the_backoff_over() {
    let t0 = Instant::now();
    let mut m = machine();
    let link = connect(&mut m, &["a"], Vec::new(), t0);
    // Two failures first, so that there is a backoff to start over.
    let mut now = t0 + MS;
    m.lost(link, dropped(), now);
    assert_eq!(due(&mut m, now), [Action::Close { link }]);
    now += MIN;
    let (slot, link) = open_of(&due(&mut m, now));
    m.open_failed(slot, link, error(), now).unwrap();
    now += 2 * MIN;
    let (slot, link) = open_of(&due(&mut m, now));
    assert_eq!(m.opened(slot, link, now + DAY, Vec::new(), now), []);
    assert_eq!(due(&mut m, now), [read(slot, &["a"], true)]);

    now += 10 * MIN; // stable: up for 10 × MIN
    m.lost(link, closing(), now);
    assert!(matches!(m.last_disconnect(), Some(Disconnect::Closing)));
    assert_eq!(m.next_wake(now), Some(now));
    assert_eq!(
        due(&mut m, now),
        [Action::Close { link }, open(slot, link + 1, &["a"])]
    );
    m.open_failed(slot, link + 1, error(), now).unwrap();
    assert_eq!(m.next_wake(now), Some(now + MIN), "the backoff starts over");
}

#[test]
fn a_socket_that_ends_while_its_channel_is_opened_is_closed_then_and_retried_after_a_backoff() {
    let t0 = Instant::now();
    let mut m = machine();
    let (slot, link) = open_of(&m.add(ids(&["a"]), t0).unwrap());
    m.lost(link, dropped_with("reset while subscribing"), t0 + MS);
    assert_eq!(m.next_wake(t0 + MS), None, "nothing to do until it is opened");
    assert_eq!(due(&mut m, t0 + MS), []);

    // The users being added are read all the same (for the caller).
    let now = t0 + 2 * MS;
    assert_eq!(
        m.opened(slot, link, now + DAY, Vec::new(), now),
        [Action::Close { link }, read(slot, &["a"], false)]
    );
    assert_eq!(m.connected_channels(), 0);
    assert_eq!(m.user_ids(), ids(&["a"]));
    assert_eq!(m.reconnections(), 0);
    assert!(matches!(
        m.last_disconnect(),
        Some(Disconnect::Lost(error)) if socket_detail(error) == Some("reset while subscribing")
    ));
    assert_eq!(yielded(&mut m), NOTHING);
    assert_eq!(m.next_wake(now), Some(now + MIN));
    assert_eq!(m.next_due(now + MIN - MS), None);

    // The same again on the reconnection: the wait doubles.
    let now = now + MIN;
    assert_eq!(due(&mut m, now), [open(slot, 2, &["a"])]);
    m.lost(2, dropped(), now);
    assert_eq!(
        m.opened(slot, 2, now + DAY, Vec::new(), now),
        [Action::Close { link: 2 }]
    );
    assert_eq!(due(&mut m, now), [], "not read: not connected");
    assert_eq!(m.next_wake(now), Some(now + 2 * MIN));
    let now = now + 2 * MIN;
    assert_eq!(due(&mut m, now), [open(slot, 3, &["a"])]);
    assert_eq!(m.opened(slot, 3, now + DAY, Vec::new(), now), []);
    assert_eq!(due(&mut m, now), [read(slot, &["a"], true)]);
    assert_eq!(m.reconnections(), 1);
}

#[test]
fn a_socket_that_ends_while_its_renewal_is_opened_leaves_the_old_channel_in_place() {
    let t0 = Instant::now();
    let mut m = machine();
    let old = connect(&mut m, &["a"], Vec::new(), t0);
    let renew_at = t0 + renewal(0);
    let (slot, new) = open_of(&due(&mut m, renew_at));
    m.lost(new, dropped(), renew_at);
    assert_eq!(due(&mut m, renew_at), [], "closed once it is opened");
    assert_eq!(
        m.opened(slot, new, renew_at + DAY, Vec::new(), renew_at),
        [Action::Close { link: new }]
    );
    assert_eq!(m.connected_channels(), 1);
    assert_eq!(m.reconnections(), 0);
    assert_eq!(
        due(&mut m, renew_at),
        [],
        "nothing to read: the old channel served"
    );
    m.presence_pushed(new, change("a", "away", "2024-05-02T09:00:00Z"));
    m.presence_pushed(old, change("a", "busy", "2024-05-02T10:00:00Z"));
    assert_eq!(yielded(&mut m), ["a busy Notification"]);

    assert_eq!(m.next_wake(renew_at), Some(renew_at + MIN));
    assert_eq!(m.next_due(renew_at + MIN - MS), None);
    let now = renew_at + MIN;
    assert_eq!(due(&mut m, now), [open(slot, 3, &["a"])]);
    assert_eq!(m.opened(slot, 3, now + DAY, Vec::new(), now), []);
    assert_eq!(due(&mut m, now), []);
    assert_eq!(due(&mut m, now + RETIRE), [Action::Close { link: old }]);
}

// ------------------------------------------------------------ reconnection off

fn without_reconnection() -> Machine {
    machine_with(Config {
        auto_reconnect: false,
        ..config()
    })
}

#[test]
fn without_auto_reconnect_the_first_lost_connection_ends_the_watcher() {
    for ending in [dropped_with("reset by peer"), closing()] {
        let t0 = Instant::now();
        let was_closing = ending.closing;
        let detail = match socket_detail(&ending.error) {
            Some(detail) => detail.to_owned(),
            None => panic!("{:?}", ending.error),
        };
        let mut m = without_reconnection();
        let link = connect(&mut m, &["a"], Vec::new(), t0);
        m.presence_pushed(link, change("a", "busy", "2024-05-02T10:00:00Z"));
        let now = t0 + HOUR;
        m.lost(link, ending, now);

        assert!(m.is_closed());
        assert!(!m.is_over(), "items wait to be yielded");
        assert_eq!(
            m.next_due(now),
            None,
            "not even the close: the loop closes everything"
        );
        assert_eq!(m.next_wake(now), None);
        assert!(matches!(m.pop(), Some(Ok(event)) if event.user_id == "a"));
        assert!(matches!(m.pop(), Some(Err(e)) if socket_detail(&e) == Some(detail.as_str())));
        assert!(m.pop().is_none());
        assert!(m.is_over());
        if was_closing {
            assert!(matches!(m.last_disconnect(), Some(Disconnect::Closing)));
        } else {
            assert!(matches!(
                m.last_disconnect(),
                Some(Disconnect::Lost(e)) if socket_detail(e) == Some(detail.as_str())
            ));
        }
        assert!(m.user_ids().is_empty());
        assert_eq!(m.next_due(now + DAY), None);
        assert!(m.add(ids(&["b"]), now).is_err());
        m.lost(link, dropped(), now);
        assert!(m.pop().is_none());
    }
}

#[test]
fn without_auto_reconnect_a_socket_that_ends_while_its_channel_is_opened_ends_the_watcher() {
    let t0 = Instant::now();
    let mut m = without_reconnection();
    let (slot, link) = open_of(&m.add(ids(&["a"]), t0).unwrap());
    m.lost(link, dropped(), t0);
    assert!(!m.is_closed(), "known once it is opened");
    assert_eq!(
        m.opened(slot, link, t0 + DAY, Vec::new(), t0),
        [Action::Close { link }]
    );
    assert_eq!(yielded(&mut m), ["error"]);
    assert!(m.is_over());
    assert_eq!(m.next_due(t0 + DAY), None);
}

#[test]
fn without_auto_reconnect_a_renewal_goes_on() {
    let t0 = Instant::now();
    let mut m = without_reconnection();
    let old = connect(&mut m, &["a"], Vec::new(), t0);
    let renew_at = t0 + renewal(0);
    let (slot, new) = open_of(&due(&mut m, renew_at));
    assert_eq!(m.opened(slot, new, renew_at + DAY, Vec::new(), renew_at), []);
    // The replaced channel's end, reported late: not the end of the
    // watcher (its successor serves), but it may have ended before the
    // successor was subscribed, so its users are read again.
    m.lost(old, dropped(), renew_at);
    assert!(!m.is_closed());
    assert_eq!(
        due(&mut m, renew_at),
        [Action::Close { link: old }, read(0, &["a"], true)]
    );
    m.presence_pushed(new, change("a", "busy", "2024-05-02T10:00:00Z"));
    assert_eq!(yielded(&mut m), ["a busy Notification"]);
    assert_eq!(m.next_wake(renew_at), Some(renew_at + renewal(0)));
}

#[test]
fn without_auto_reconnect_a_connection_lost_during_its_renewal_ends_the_watcher() {
    let t0 = Instant::now();
    let mut m = without_reconnection();
    let old = connect(&mut m, &["a"], Vec::new(), t0);
    let renew_at = t0 + renewal(0);
    let (slot, new) = open_of(&due(&mut m, renew_at));
    m.lost(old, dropped_with("reset by peer"), renew_at);
    assert!(m.is_closed(), "a connection that ended is not replaced");
    assert_eq!(yielded(&mut m), ["error"]);
    assert!(m.is_over());
    assert_eq!(
        m.opened(slot, new, renew_at + DAY, Vec::new(), renew_at),
        [Action::Close { link: new }]
    );
    assert_eq!(m.next_due(renew_at), None);
}

#[test]
fn without_auto_reconnect_a_renewal_whose_socket_ends_while_opened_keeps_the_old_channel() {
    let t0 = Instant::now();
    let mut m = without_reconnection();
    let old = connect(&mut m, &["a"], Vec::new(), t0);
    let renew_at = t0 + renewal(0);
    let (slot, new) = open_of(&due(&mut m, renew_at));
    m.lost(new, dropped(), renew_at);
    assert_eq!(
        m.opened(slot, new, renew_at + DAY, Vec::new(), renew_at),
        [Action::Close { link: new }]
    );
    assert!(!m.is_closed(), "as when the renewal's open fails");
    assert_eq!(m.connected_channels(), 1);
    m.presence_pushed(old, change("a", "busy", "2024-05-02T10:00:00Z"));
    assert_eq!(yielded(&mut m), ["a busy Notification"]);
    assert_eq!(due(&mut m, renew_at + MIN), [open(slot, 3, &["a"])]);
}

// ------------------------------------------------------------ empty connections

/// Lets the connection `link` end at `now` with `detail`, then reconnects
/// as the I/O loop would, the new channel opened at once; returns its link
/// and the time.
fn end_and_reconnect(m: &mut Machine, link: u64, detail: &str, now: Instant) -> (u64, Instant) {
    m.lost(link, dropped_with(detail), now);
    assert_eq!(due(m, now), [Action::Close { link }]);
    let now = m.next_wake(now).expect("a reconnection is planned");
    let (slot, new) = open_of(&due(m, now));
    assert_eq!(m.opened(slot, new, now + DAY, Vec::new(), now), []);
    // The re-read is not the subject here.
    let _ = due(m, now);
    (new, now)
}

fn empty_connections_of(m: &mut Machine) -> Vec<String> {
    std::iter::from_fn(|| m.pop())
        .map(|item| match item {
            Err(error) if error.watch_kind() == Some(WatchErrorKind::EmptyConnections) => error.to_string(),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn connections_that_deliver_nothing_in_a_row_are_reported_once_then_counted_again() {
    let t0 = Instant::now();
    let mut m = machine_with(Config {
        max_empty_connections: 3,
        ..config()
    });
    let (mut link, mut now) = (connect(&mut m, &["a"], Vec::new(), t0), t0);
    for round in 1..=2 {
        for i in 1..=3 {
            let detail = format!("closed #{round}.{i}");
            (link, now) = end_and_reconnect(&mut m, link, &detail, now + MS);
            let reported = empty_connections_of(&mut m);
            if i < 3 {
                assert_eq!(reported, NOTHING, "{detail}");
            } else {
                assert_eq!(reported.len(), 1, "{detail}: {reported:?}");
                assert!(reported[0].contains("3 connections"), "{}", reported[0]);
                assert!(reported[0].contains(&detail), "names the last: {}", reported[0]);
            }
        }
    }
}

#[test]
fn a_connection_that_delivered_anything_starts_the_count_over() {
    type Delivery = fn(&mut Machine, u64);
    let deliveries: [Delivery; 3] = [
        |m, link| m.heard(link),
        |m, link| m.presence_pushed(link, change("a", "busy", "2024-05-02T10:00:00Z")),
        |m, link| m.unreadable(link, error()),
    ];
    for deliver in deliveries {
        let t0 = Instant::now();
        let mut m = machine_with(Config {
            max_empty_connections: 3,
            ..config()
        });
        let (mut link, mut now) = (connect(&mut m, &["a"], Vec::new(), t0), t0);
        (link, now) = end_and_reconnect(&mut m, link, "empty 1", now + MS);
        (link, now) = end_and_reconnect(&mut m, link, "empty 2", now + MS);
        deliver(&mut m, link);
        let _ = m.pop(); // what it delivered
        (link, now) = end_and_reconnect(&mut m, link, "delivered", now + MS);
        (link, now) = end_and_reconnect(&mut m, link, "empty 1", now + MS);
        (link, now) = end_and_reconnect(&mut m, link, "empty 2", now + MS);
        assert_eq!(empty_connections_of(&mut m), NOTHING);
        end_and_reconnect(&mut m, link, "empty 3", now + MS);
        assert_eq!(empty_connections_of(&mut m).len(), 1);
    }
}

#[test]
fn a_socket_that_ends_before_its_channel_is_ready_counts_as_an_empty_connection() {
    let t0 = Instant::now();
    let mut m = machine_with(Config {
        max_empty_connections: 2,
        ..config()
    });
    let (slot, link) = open_of(&m.add(ids(&["a"]), t0).unwrap());
    m.lost(link, dropped_with("first"), t0);
    m.opened(slot, link, t0 + DAY, Vec::new(), t0);
    assert_eq!(empty_connections_of(&mut m), NOTHING);
    let now = t0 + MIN;
    let (slot, link) = open_of(&due(&mut m, now));
    m.lost(link, dropped_with("second"), now);
    assert_eq!(
        m.opened(slot, link, now + DAY, Vec::new(), now),
        [Action::Close { link }]
    );
    let reported = empty_connections_of(&mut m);
    assert_eq!(reported.len(), 1);
    assert!(reported[0].contains("second"), "{}", reported[0]);
}

// ------------------------------------------------------------ order of the work

#[test]
fn background_work_comes_closes_first_then_reconnections_then_reads_then_renewals() {
    let t0 = Instant::now();
    let mut m = machine();
    let first = connect(&mut m, &["a", "b"], Vec::new(), t0);
    let second = connect(&mut m, &["c", "d"], Vec::new(), t0);
    let third = connect(&mut m, &["e"], Vec::new(), t0);
    assert_eq!((first, second, third), (1, 2, 3));
    let renew_at = t0 + renewal(0);

    // The third channel was replaced a while ago; its users are not read yet.
    let before = renew_at - 100 * SECOND;
    m.lost(third, closing(), before);
    assert_eq!(m.next_due(before), Some(Action::Close { link: third }));
    assert_eq!(m.next_due(before), Some(open(2, 4, &["e"])));
    assert_eq!(m.next_due(before), None, "no read before the channel is up");
    assert_eq!(m.opened(2, 4, before + DAY, Vec::new(), before), []);

    // The second channel is lost as the first is due for renewal.
    m.lost(second, closing(), renew_at);
    assert_eq!(
        due(&mut m, renew_at),
        [
            Action::Close { link: second },
            open(1, 5, &["c", "d"]),
            // Reads before renewals: a renewal's own reads (at the limit)
            // are done before the next renewal starts.
            read(2, &["e"], true),
            open(0, 6, &["a", "b"]),
        ]
    );
    assert_eq!(m.opened(1, 5, renew_at + DAY, Vec::new(), renew_at), []);
    assert_eq!(m.opened(0, 6, renew_at + DAY, Vec::new(), renew_at), []);
    assert_eq!(due(&mut m, renew_at), [read(1, &["c", "d"], true)]);
    // The renewed channel's predecessor is closed a moment later.
    assert_eq!(due(&mut m, renew_at + RETIRE), [Action::Close { link: first }]);
}
