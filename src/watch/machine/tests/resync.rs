//! Reading presences again after a gap, and what comes out: once, in order,
//! folded while the caller has not read it.

use std::collections::BTreeSet;
use std::time::Instant;

use super::*;

/// `u000` to `u119`, more than two reads' worth.
fn many() -> Vec<String> {
    (0..120).map(|i| format!("u{i:03}")).collect()
}

fn names(users: &[String]) -> Vec<&str> {
    users.iter().map(String::as_str).collect()
}

#[test]
fn changes_made_during_a_gap_come_out_once_after_the_resync() {
    let t0 = Instant::now();
    let mut m = machine();
    let dead = connect(&mut m, &["a", "b"], Vec::new(), t0);
    m.presence_pushed(dead, change("a", "A", "2024-05-02T10:00:00Z"));
    assert_eq!(yielded(&mut m), ["a A Notification"]);

    let now = t0 + MS;
    m.lost(dead, dropped(), now);
    m.presence_pushed(dead, change("a", "B", "2024-05-02T10:05:00Z"));
    assert_eq!(yielded(&mut m), NOTHING, "a push from the dead link is ignored");
    assert_eq!(due(&mut m, now), [Action::Close { link: dead }]);

    let now = now + MIN;
    let (slot, link) = open_of(&due(&mut m, now));
    assert_eq!(m.opened(slot, link, now + DAY, Vec::new(), now), []);
    let read = read_of(&due(&mut m, now));
    assert_eq!(Action::Read(read.clone()), super::read(slot, &["a", "b"], true));
    let b = current("b", "idle", "2024-05-02T09:00:00Z");
    m.presences_read(&read, vec![current("a", "B", "2024-05-02T10:05:00Z"), b]);
    assert_eq!(
        yielded(&mut m),
        ["a B Resync"],
        "b had not been yielded: no baseline to differ from"
    );
    assert_eq!(m.reconnections(), 1);

    m.presence_pushed(link, change("a", "B", "2024-05-02T10:05:00Z"));
    assert_eq!(yielded(&mut m), NOTHING, "the same change is not yielded twice");
    m.presence_pushed(link, change("a", "C", "2024-05-02T10:09:00Z"));
    assert_eq!(yielded(&mut m), ["a C Notification"]);
    m.presence_pushed(link, change("a", "C", "2024-05-02T10:09:00Z"));
    assert_eq!(yielded(&mut m), NOTHING, "nor pushed twice");
}

#[test]
fn a_failed_resync_is_yielded_and_tried_again_after_a_backoff() {
    let t0 = Instant::now();
    let mut m = machine();
    let link = connect(&mut m, &["a"], Vec::new(), t0);
    let (_, now, read) = reconnect(&mut m, 0, link, t0);
    assert!(m.read_failed(&read, error(), now).is_ok());
    assert_eq!(yielded(&mut m), ["error"]);
    assert_eq!(m.next_wake(now), Some(now + MIN));
    assert_eq!(m.next_due(now + MIN - MS), None);
    assert_eq!(due(&mut m, now + MIN), [Action::Read(read)]);
}

#[test]
fn a_failed_read_of_users_being_added_is_the_callers_error() {
    let t0 = Instant::now();
    let mut m = machine();
    let (slot, link) = open_of(&m.add(ids(&["a"]), t0).unwrap());
    let read = read_of(&m.opened(slot, link, t0 + DAY, Vec::new(), t0));
    assert!(!read.resync);
    assert!(m.read_failed(&read, error(), t0).is_err());
    assert_eq!(yielded(&mut m), NOTHING, "returned, not yielded");
    assert_eq!(m.next_wake(t0), Some(t0 + renewal(0)), "not read again");
}

#[test]
fn reads_after_a_reconnection_go_by_fifty_once_the_channel_is_up() {
    let t0 = Instant::now();
    let mut m = machine_with(Config {
        max_users_per_channel: 120,
        ..config()
    });
    let users = many();
    let users = names(&users);
    let link = connect(&mut m, &users, Vec::new(), t0);
    m.lost(link, dropped(), t0);
    assert_eq!(due(&mut m, t0), [Action::Close { link }]);
    let now = t0 + MIN;
    assert_eq!(due(&mut m, now), [open(0, 2, &users)], "nothing read while down");
    assert_eq!(m.opened(0, 2, now + DAY, Vec::new(), now), []);
    assert_eq!(
        due(&mut m, now),
        [
            read(0, &users[..50], true),
            read(0, &users[50..100], true),
            read(0, &users[100..], true),
        ]
    );
}

#[test]
fn a_connection_lost_before_its_reads_are_done_reads_everyone_on_the_next() {
    let t0 = Instant::now();
    let mut m = machine_with(Config {
        max_users_per_channel: 120,
        ..config()
    });
    let users = many();
    let users = names(&users);
    let link = connect(&mut m, &users, Vec::new(), t0);
    let (link, now, first) = reconnect(&mut m, 0, link, t0);
    assert_eq!(Action::Read(first), read(0, &users[..50], true));
    m.lost(link, dropped(), now);
    assert_eq!(due(&mut m, now), [Action::Close { link }], "no read while down");
    let now = m.next_wake(now).unwrap();
    let (slot, link) = open_of(&due(&mut m, now));
    assert_eq!(m.opened(slot, link, now + DAY, Vec::new(), now), []);
    assert_eq!(due(&mut m, now).len(), 3);
}

#[test]
fn a_read_that_fails_while_the_connection_is_down_waits_for_the_next_channel() {
    let t0 = Instant::now();
    let mut m = machine_with(Config {
        max_users_per_channel: 120,
        ..config()
    });
    let users = many();
    let users = names(&users);
    let link = connect(&mut m, &users, Vec::new(), t0);
    let (link, now, first) = reconnect(&mut m, 0, link, t0);
    m.lost(link, dropped(), now);
    assert!(m.read_failed(&first, error(), now).is_ok());
    assert_eq!(yielded(&mut m), ["error"]);
    assert_eq!(due(&mut m, now), [Action::Close { link }]);
    // The second failure in a row: 2 s.
    assert_eq!(m.next_wake(now), Some(now + 2 * MIN), "no read before");
    assert_eq!(due(&mut m, now + MIN), [], "no read while down");
    let now = now + 2 * MIN;
    assert_eq!(due(&mut m, now), [open(0, 3, &users)], "nor while connecting");
    assert_eq!(m.opened(0, 3, now + DAY, Vec::new(), now), []);
    assert_eq!(
        due(&mut m, now),
        [
            read(0, &users[..50], true),
            read(0, &users[50..100], true),
            read(0, &users[100..], true),
        ]
    );
}

#[test]
fn a_failed_read_puts_back_its_users_still_watched_and_the_reads_wait_a_backoff() {
    let t0 = Instant::now();
    let mut m = machine_with(Config {
        max_users_per_channel: 120,
        ..config()
    });
    let users = many();
    let users = names(&users);
    let link = connect(&mut m, &users, Vec::new(), t0);
    let (link, now, first) = reconnect(&mut m, 0, link, t0);
    assert_eq!(first.users, ids(&users[..50]));
    let gone: BTreeSet<String> = ids(&["u000"]).into_iter().collect();
    assert_eq!(
        m.remove(&gone),
        [Action::Resubscribe {
            link,
            users: ids(&users[1..])
        }]
    );
    assert!(m.read_failed(&first, error(), now).is_ok());
    assert_eq!(yielded(&mut m), ["error"]);
    assert_eq!(m.next_wake(now), Some(now + MIN));
    assert_eq!(m.next_due(now + MIN - MS), None);
    assert_eq!(
        due(&mut m, now + MIN),
        [
            read(0, &users[1..51], true),
            read(0, &users[51..101], true),
            read(0, &users[101..], true),
        ]
    );
}

#[test]
fn a_read_older_than_a_change_already_yielded_is_not_yielded() {
    let t0 = Instant::now();
    let mut m = machine();
    let link = connect(&mut m, &["a", "b"], Vec::new(), t0);
    m.presence_pushed(link, change("a", "busy", "2024-05-02T10:05:00Z"));
    m.presence_pushed(link, change("b", "away", "2024-05-02T10:00:00Z"));
    assert_eq!(yielded(&mut m), ["a busy Notification", "b away Notification"]);
    let (link, _, read) = reconnect(&mut m, 0, link, t0);
    // b changes after the read was sent, before it is answered.
    m.presence_pushed(link, change("b", "meal", "2024-05-02T10:10:00Z"));
    assert_eq!(yielded(&mut m), ["b meal Notification"]);
    m.presences_read(
        &read,
        vec![
            current("a", "away", "2024-05-02T10:00:00Z"),
            current("b", "busy", "2024-05-02T10:05:00Z"),
        ],
    );
    assert_eq!(yielded(&mut m), NOTHING, "both older than what was yielded");
    // A newer read is yielded.
    m.presences_read(&read, vec![current("a", "away", "2024-05-02T10:20:00Z")]);
    assert_eq!(yielded(&mut m), ["a away Resync"]);
    // And a push older than it is not.
    m.presence_pushed(link, change("a", "busy", "2024-05-02T10:15:00Z"));
    assert_eq!(yielded(&mut m), NOTHING);
}

#[test]
fn changes_not_read_yet_are_folded_into_the_latest_and_counted() {
    let t0 = Instant::now();
    let mut m = machine();
    let link = connect(&mut m, &["a", "b"], Vec::new(), t0);
    m.presence_pushed(link, change("a", "A", "2024-05-02T10:00:00Z"));
    m.presence_pushed(link, change("a", "B", "2024-05-02T10:01:00Z"));
    m.presence_pushed(link, change("b", "X", "2024-05-02T10:01:00Z"));
    m.presence_pushed(link, change("a", "C", "2024-05-02T10:02:00Z"));
    let items: Vec<(String, String, u32)> = std::iter::from_fn(|| m.pop())
        .map(|item| {
            let event = item.unwrap();
            let definition = event.presence_definition_id().unwrap().to_owned();
            (event.user_id, definition, event.folded)
        })
        .collect();
    assert_eq!(
        items,
        [("a".into(), "C".into(), 2), ("b".into(), "X".into(), 0)],
        "one per user, in the order users first changed"
    );
    m.presence_pushed(link, change("a", "D", "2024-05-02T10:03:00Z"));
    assert!(matches!(m.pop(), Some(Ok(event)) if event.folded == 0));

    // A re-read folds into a change the caller has not read yet.
    m.presence_pushed(link, change("a", "E", "2024-05-02T10:04:00Z"));
    let (_, _, read) = reconnect(&mut m, 0, link, t0);
    m.presences_read(&read, vec![current("a", "F", "2024-05-02T10:05:00Z")]);
    let event = m.pop().unwrap().unwrap();
    assert_eq!(event.presence_definition_id(), Some("F"));
    assert_eq!(event.origin, EventOrigin::Resync);
    assert_eq!(event.folded, 1);
    assert!(m.pop().is_none());
}

#[test]
fn initial_presences_are_yielded_when_asked_for() {
    let t0 = Instant::now();
    let mut m = machine_with(Config {
        initial_presences: true,
        ..config()
    });
    connect(
        &mut m,
        &["a"],
        vec![current("a", "A", "2024-05-02T10:00:00Z")],
        t0,
    );
    assert_eq!(yielded(&mut m), ["a A Initial"]);
}

#[test]
fn a_read_answered_after_its_users_were_removed_yields_nothing_of_them() {
    let t0 = Instant::now();
    let mut m = machine_with(Config {
        initial_presences: true,
        ..config()
    });
    let presences = vec![
        current("a", "A", "2024-05-02T10:00:00Z"),
        current("b", "B", "2024-05-02T10:00:00Z"),
    ];
    let link = connect(&mut m, &["a", "b"], presences, t0);
    assert_eq!(yielded(&mut m), ["a A Initial", "b B Initial"]);
    let (link, _, read) = reconnect(&mut m, 0, link, t0);
    // The caller removes b while the re-read is in flight.
    let gone: BTreeSet<String> = ids(&["b"]).into_iter().collect();
    assert_eq!(
        m.remove(&gone),
        [Action::Resubscribe {
            link,
            users: ids(&["a"])
        }]
    );
    m.presences_read(
        &read,
        vec![
            current("a", "A2", "2024-05-02T10:05:00Z"),
            current("b", "B2", "2024-05-02T10:05:00Z"),
        ],
    );
    assert_eq!(yielded(&mut m), ["a A2 Resync"]);
}
