//! Moving to a new channel before the current one expires.

use std::time::Instant;

use super::*;

#[test]
fn a_channel_is_renewed_once_in_the_last_tenth_of_its_lifetime_without_a_read() {
    let t0 = Instant::now();
    let mut m = machine();
    let old = connect(&mut m, &["a"], Vec::new(), t0);
    let renew_at = t0 + renewal(0);
    assert!(renew_at > t0 + DAY - DAY / 10 && renew_at < t0 + DAY - RENEW_BEFORE);
    assert_eq!(m.next_wake(t0), Some(renew_at));
    assert_eq!(m.next_due(t0), None);
    assert_eq!(m.next_due(renew_at - MS), None);

    // The new channel is opened first; the old one serves meanwhile.
    assert_eq!(m.next_due(renew_at), Some(open(0, 2, &["a"])));
    assert_eq!(m.next_due(renew_at), None, "asked for once");
    assert_eq!(m.next_due(renew_at + 10 * SECOND), None);
    assert_eq!(m.next_wake(renew_at), None, "only its opening can bring work");
    assert_eq!(m.connected_channels(), 1);

    // The old one is closed once the new one is up, and nothing is read:
    // the old channel served until the new one did.
    let t1 = renew_at + 2 * SECOND;
    assert_eq!(m.opened(0, 2, t1 + DAY, Vec::new(), t1), []);
    assert_eq!(due(&mut m, t1), []);
    // The old one is still read a moment (changes may be on their way on
    // it), then closed.
    assert_eq!(m.next_wake(t1), Some(t1 + RETIRE));
    assert_eq!(due(&mut m, t1 + RETIRE), [Action::Close { link: old }]);
    assert_eq!(m.reconnections(), 1);
    assert!(m.last_disconnect().is_none(), "renewed, not lost");
    assert_eq!(m.connected_channels(), 1);

    let next = t1 + renewal(0);
    assert_eq!(m.next_wake(t1), Some(next));
    assert_eq!(
        m.next_due(next - MS),
        None,
        "no renewal before the new channel's time"
    );
    assert_eq!(due(&mut m, next), [open(0, 3, &["a"])]);
}

#[test]
fn a_short_lived_channel_is_renewed_in_the_last_tenth_of_its_lifetime() {
    let t0 = Instant::now();
    let mut m = machine();
    let (slot, link) = open_of(&m.add(ids(&["a"]), t0).unwrap());
    m.opened(slot, link, t0 + 100 * SECOND, Vec::new(), t0);
    // A tenth: 10 s; the last renewal 5 s before the end (half the tenth,
    // as `RENEW_BEFORE` is longer); the first (0.25 s apart) 9.75 s before.
    assert_eq!(m.next_wake(t0), Some(t0 + Duration::from_millis(90_250)));
}

#[test]
fn both_channels_deliver_while_one_replaces_the_other_and_a_change_comes_out_once() {
    let t0 = Instant::now();
    let mut m = machine();
    let old = connect(&mut m, &["a", "b"], Vec::new(), t0);
    let renew_at = t0 + renewal(0);
    let (slot, new) = open_of(&due(&mut m, renew_at));

    // The new socket delivers from the start, before the channel is ready.
    m.presence_pushed(new, change("a", "busy", "2024-05-02T10:00:00Z"));
    m.presence_pushed(old, change("a", "busy", "2024-05-02T10:00:00Z"));
    m.presence_pushed(old, change("b", "away", "2024-05-02T10:00:01Z"));
    assert_eq!(yielded(&mut m), ["a busy Notification", "b away Notification"]);
    m.presence_pushed(new, change("b", "away", "2024-05-02T10:00:01Z"));
    assert_eq!(yielded(&mut m), NOTHING, "already yielded from the old channel");
    m.presence_pushed(new, change("a", "meal", "2024-05-02T10:00:02Z"));
    m.presence_pushed(old, change("b", "away", "2024-05-02T10:00:03Z"));
    assert_eq!(
        yielded(&mut m),
        ["a meal Notification", "b away Notification"],
        "the same presence set again later is a change"
    );
    m.presence_pushed(old, change("a", "meal", "2024-05-02T10:00:02Z"));
    assert_eq!(yielded(&mut m), NOTHING);

    let now = renew_at + SECOND;
    assert_eq!(m.opened(slot, new, now + DAY, Vec::new(), now), []);
    // A change published just before the new subscription took effect,
    // late on the old socket: still taken in.
    m.presence_pushed(old, change("b", "busy", "2024-05-02T10:00:04Z"));
    assert_eq!(yielded(&mut m), ["b busy Notification"]);
    m.presence_pushed(new, change("b", "busy", "2024-05-02T10:00:04Z"));
    assert_eq!(yielded(&mut m), NOTHING, "already yielded from the old channel");
    assert_eq!(due(&mut m, now + RETIRE), [Action::Close { link: old }]);
    m.presence_pushed(old, change("b", "meal", "2024-05-02T10:00:05Z"));
    assert_eq!(yielded(&mut m), NOTHING, "the old channel is closed");
    m.presence_pushed(new, change("b", "meal", "2024-05-02T10:00:05Z"));
    assert_eq!(yielded(&mut m), ["b meal Notification"]);
}

#[test]
fn an_old_channel_lost_during_its_renewal_turns_it_into_a_reconnection() {
    let t0 = Instant::now();
    let mut m = machine();
    let old = connect(&mut m, &["a", "b"], Vec::new(), t0);
    let renew_at = t0 + renewal(0);
    let (slot, new) = open_of(&due(&mut m, renew_at));

    let now = renew_at + SECOND;
    m.lost(old, closing(), now);
    assert!(matches!(m.last_disconnect(), Some(Disconnect::Closing)));
    assert_eq!(m.connected_channels(), 0);
    m.presence_pushed(old, change("a", "busy", "2024-05-02T10:00:00Z"));
    assert_eq!(yielded(&mut m), NOTHING, "the old channel no longer counts");
    m.lost(old, dropped(), now);
    assert_eq!(due(&mut m, now), [Action::Close { link: old }], "closed once");
    m.presence_pushed(new, change("b", "busy", "2024-05-02T10:00:00Z"));
    assert_eq!(yielded(&mut m), ["b busy Notification"], "the new one counts");

    // A gap: the users are read again once the new channel is up.
    assert_eq!(m.opened(slot, new, now + DAY, Vec::new(), now), []);
    assert_eq!(m.reconnections(), 1);
    assert_eq!(due(&mut m, now), [read(slot, &["a", "b"], true)]);
}

#[test]
fn an_old_channel_lost_during_a_renewal_that_fails_is_reconnected_after_a_backoff() {
    let t0 = Instant::now();
    let mut m = machine();
    let old = connect(&mut m, &["a"], Vec::new(), t0);
    let renew_at = t0 + renewal(0);
    let (slot, new) = open_of(&due(&mut m, renew_at));
    m.lost(old, dropped(), renew_at);
    assert!(m.open_failed(slot, new, error(), renew_at).is_ok());
    assert_eq!(yielded(&mut m), ["error"]);
    assert_eq!(due(&mut m, renew_at), [Action::Close { link: old }]);
    assert_eq!(m.next_wake(renew_at), Some(renew_at + MIN));
    let now = renew_at + MIN;
    assert_eq!(due(&mut m, now), [open(slot, 3, &["a"])]);
    assert_eq!(m.opened(slot, 3, now + DAY, Vec::new(), now), []);
    assert_eq!(due(&mut m, now), [read(slot, &["a"], true)]);
}

#[test]
fn channels_opened_together_renew_in_the_order_they_opened_over_the_last_tenth() {
    let t0 = Instant::now();
    let mut m = machine_with(Config {
        max_users_per_channel: 1,
        ..config()
    });
    let users: Vec<String> = (0..MAX_CHANNELS).map(|i| format!("u{i:02}")).collect();
    let actions = m.add(users.clone(), t0).unwrap();
    assert_eq!(actions.len(), MAX_CHANNELS);
    // They open in the reverse order of their slots: the last slot first.
    for slot in (0..MAX_CHANNELS).rev() {
        assert_eq!(
            m.opened(slot, slot as u64 + 1, t0 + DAY, Vec::new(), t0),
            [read(slot, &[users[slot].as_str()], false)]
        );
    }
    assert!(renewal(0) > DAY - DAY / 10, "in the last tenth");
    assert_eq!(renewal(19), DAY - RENEW_BEFORE, "the last `RENEW_BEFORE` ahead");
    for rank in 0..MAX_CHANNELS as u32 {
        let slot = MAX_CHANNELS - 1 - rank as usize;
        let at = t0 + renewal(rank);
        assert_eq!(m.next_wake(t0), Some(at), "rank {rank}");
        assert_eq!(m.next_due(at - MS), None, "rank {rank}");
        let link = MAX_CHANNELS as u64 + 1 + u64::from(rank);
        assert_eq!(
            m.next_due(at),
            Some(open(slot, link, &[users[slot].as_str()])),
            "rank {rank}"
        );
    }
    assert_eq!(m.next_wake(t0), None, "all being renewed");
}

#[test]
fn when_renewals_are_due_together_the_channel_opened_longest_ago_goes_first() {
    let t0 = Instant::now();
    let mut m = machine_with(Config {
        max_users_per_channel: 1,
        ..config()
    });
    assert_eq!(
        m.add(ids(&["a", "b"]), t0).unwrap(),
        [open(0, 1, &["a"]), open(1, 2, &["b"])]
    );
    // Slot 1 opens first, for a day; slot 0 a second later, for an hour, so
    // it is due first, and has the lower index.
    m.opened(1, 2, t0 + DAY, Vec::new(), t0);
    m.opened(0, 1, t0 + SECOND + HOUR, Vec::new(), t0 + SECOND);
    assert!(m.next_wake(t0).unwrap() < t0 + HOUR);
    let late = t0 + DAY;
    assert_eq!(due(&mut m, late), [open(1, 3, &["b"]), open(0, 4, &["a"])]);
}

#[test]
fn a_channel_about_to_expire_is_kept_ten_times_the_shortest_backoff() {
    let t0 = Instant::now();
    for expires_in in [Duration::ZERO, MS, SECOND] {
        let mut m = machine();
        let (slot, link) = open_of(&m.add(ids(&["a"]), t0).unwrap());
        m.opened(slot, link, t0 + expires_in, Vec::new(), t0);
        // Ten times the shortest backoff (1 s), as it is under the longest (60 s).
        let stable = t0 + 10 * MIN;
        assert_eq!(m.next_wake(t0), Some(stable), "{expires_in:?}");
        assert_eq!(m.next_due(t0), None, "not renewed at once");
        assert_eq!(m.next_due(stable - MS), None);
        assert_eq!(due(&mut m, stable), [open(slot, 2, &["a"])]);
    }
}

#[test]
fn a_channel_about_to_expire_is_kept_at_most_the_longest_backoff() {
    let t0 = Instant::now();
    let mut m = machine_with(Config {
        backoff_min: 10 * SECOND,
        backoff_max: MAX,
        ..config()
    });
    let (slot, link) = open_of(&m.add(ids(&["a"]), t0).unwrap());
    m.opened(slot, link, t0 + SECOND, Vec::new(), t0);
    // Ten times 10 s is more than the longest backoff: 60 s.
    assert_eq!(m.next_wake(t0), Some(t0 + MAX));
    assert_eq!(m.next_due(t0 + MAX - MS), None);
    assert_eq!(due(&mut m, t0 + MAX), [open(slot, 2, &["a"])]);
}

#[test]
fn a_failed_renewal_keeps_the_channel_and_is_tried_again_after_a_backoff() {
    let t0 = Instant::now();
    let mut m = machine();
    let old = connect(&mut m, &["a"], Vec::new(), t0);
    let renew_at = t0 + renewal(0);
    let (slot, new) = open_of(&due(&mut m, renew_at));
    assert!(m.open_failed(slot, new, error(), renew_at).is_ok());
    assert_eq!(yielded(&mut m), ["error"]);
    assert_eq!(m.connected_channels(), 1);
    assert!(m.last_disconnect().is_none());
    m.presence_pushed(new, change("a", "away", "2024-05-02T09:00:00Z"));
    assert_eq!(yielded(&mut m), NOTHING, "the failed link is not the slot's");
    m.presence_pushed(old, change("a", "busy", "2024-05-02T10:00:00Z"));
    assert_eq!(
        yielded(&mut m),
        ["a busy Notification"],
        "the old channel still counts"
    );
    assert_eq!(m.next_wake(renew_at), Some(renew_at + MIN));
    assert_eq!(m.next_due(renew_at + MIN - MS), None);
    assert_eq!(due(&mut m, renew_at + MIN), [open(slot, 3, &["a"])]);
    // Failing again doubles the wait.
    assert!(m.open_failed(slot, 3, error(), renew_at + MIN).is_ok());
    assert_eq!(m.next_wake(renew_at + MIN), Some(renew_at + 3 * MIN));
}

#[test]
fn a_replaced_connection_counts_a_moment_then_its_reports_are_ignored() {
    let t0 = Instant::now();
    let mut m = machine();
    let old = connect(&mut m, &["a"], Vec::new(), t0);
    let renew_at = t0 + renewal(0);
    let (slot, new) = open_of(&due(&mut m, renew_at));
    assert_eq!(m.opened(slot, new, renew_at + DAY, Vec::new(), renew_at), []);
    // Its end while it is still read: it may have come before its
    // successor was subscribed (an eviction), so the users are read again.
    m.lost(old, dropped(), renew_at);
    assert!(m.last_disconnect().is_some());
    assert_eq!(m.connected_channels(), 1);
    assert_eq!(
        due(&mut m, renew_at),
        [Action::Close { link: old }, read(0, &["a"], true)]
    );
    // Closed: whatever it reports now is ignored.
    m.presence_pushed(old, change("a", "busy", "2024-05-02T10:00:00Z"));
    m.heard(old);
    m.unreadable(old, error());
    m.lost(old, dropped(), renew_at);
    assert_eq!(yielded(&mut m), NOTHING);
    assert_eq!(due(&mut m, renew_at + RETIRE), []);
    assert_eq!(m.next_wake(renew_at), Some(renew_at + renewal(0)));
}

/// Holding the 20 channels a user and client may, a renewal's new channel
/// evicts one for sure (the one used longest ago: the one it replaces, as
/// channels renew in the order they opened), so its users are read once the
/// new channel serves. Below the limit, nothing is read.
#[test]
fn at_the_limit_of_channels_a_renewal_reads_its_users_again() {
    let t0 = Instant::now();
    let mut m = machine_with(Config {
        max_users_per_channel: 1,
        ..config()
    });
    let users: Vec<String> = (0..MAX_CHANNELS).map(|i| format!("u{i:02}")).collect();
    let mut links = Vec::new();
    for (i, user) in users.iter().enumerate() {
        // One a second, in order, so that they renew in that order.
        links.push(connect(
            &mut m,
            &[user.as_str()],
            Vec::new(),
            t0 + SECOND * i as u32,
        ));
    }
    assert_eq!(m.connected_channels(), MAX_CHANNELS);
    let first_due = m.next_wake(t0 + DAY / 2).unwrap();
    let (slot, new) = open_of(&due(&mut m, first_due));
    assert_eq!(slot, 0, "the channel opened first renews first");
    assert_eq!(m.opened(slot, new, first_due + DAY, Vec::new(), first_due), []);
    assert_eq!(due(&mut m, first_due), [read(0, &["u00"], true)]);
    assert_eq!(
        due(&mut m, first_due + RETIRE),
        [Action::Close { link: links[0] }]
    );

    // Below the limit (a channel fewer), a renewal reads nothing.
    let mut m = machine_with(Config {
        max_users_per_channel: 1,
        ..config()
    });
    let mut links = Vec::new();
    for (i, user) in users[1..].iter().enumerate() {
        links.push(connect(
            &mut m,
            &[user.as_str()],
            Vec::new(),
            t0 + SECOND * i as u32,
        ));
    }
    let first_due = m.next_wake(t0 + DAY / 2).unwrap();
    let (slot, new) = open_of(&due(&mut m, first_due));
    assert_eq!(m.opened(slot, new, first_due + DAY, Vec::new(), first_due), []);
    assert_eq!(due(&mut m, first_due), []);
    assert_eq!(
        due(&mut m, first_due + RETIRE),
        [Action::Close { link: links[0] }]
    );
}
