//! Adding, refusing and removing users.

use std::collections::BTreeSet;
use std::time::Instant;

use super::*;

fn set(users: &[&str]) -> BTreeSet<String> {
    ids(users).into_iter().collect()
}

#[test]
fn users_fill_channels_with_room_before_new_ones() {
    let t0 = Instant::now();
    let mut m = machine();
    let first = connect(&mut m, &["a"], Vec::new(), t0);
    let actions = m.add(ids(&["a", "b", "c", "d", "e"]), t0).unwrap();
    assert_eq!(
        actions,
        [
            Action::Subscribe {
                slot: 0,
                link: first,
                users: ids(&["b"])
            },
            open(1, 2, &["c", "d"]),
            open(2, 3, &["e"]),
        ]
    );
    assert_eq!(m.subscribed(0, ids(&["b"]), Vec::new()), [read(0, &["b"], false)]);
    assert_eq!(m.user_ids(), ids(&["a", "b", "c", "d", "e"]));
    assert_eq!(m.channels(), 3);
    assert_eq!(m.connected_channels(), 1, "two channels are being opened");
}

#[test]
fn users_added_while_a_channel_is_being_opened_get_another_channel() {
    let t0 = Instant::now();
    let mut m = machine();
    assert_eq!(m.add(ids(&["a"]), t0).unwrap(), [open(0, 1, &["a"])]);
    // Slot 0 has room, but its channel is being opened with its users.
    assert_eq!(m.add(ids(&["b"]), t0).unwrap(), [open(1, 2, &["b"])]);
    assert_eq!(m.add(ids(&["a", "b"]), t0).unwrap(), [], "already watched");
}

#[test]
fn a_failed_first_channel_is_the_callers_error_and_its_users_are_not_watched() {
    let t0 = Instant::now();
    let mut m = machine();
    let (slot, link) = open_of(&m.add(ids(&["a"]), t0).unwrap());
    assert!(m.open_failed(slot, link, error(), t0).is_err());
    assert_eq!(yielded(&mut m), NOTHING, "returned, not yielded");
    assert!(m.user_ids().is_empty());
    assert_eq!(m.next_wake(t0), None);
    assert_eq!(m.next_due(t0 + DAY), None, "not retried");
    // The empty slot takes the next users, on a new channel again.
    let (slot, link) = open_of(&m.add(ids(&["b"]), t0).unwrap());
    assert_eq!(slot, 0);
    assert!(m.open_failed(slot, link, error(), t0).is_err());
}

#[test]
fn users_added_to_a_disconnected_slot_join_its_next_channel_and_are_read() {
    let t0 = Instant::now();
    let mut m = machine();
    let link = connect(&mut m, &["a"], Vec::new(), t0);
    m.lost(link, dropped(), t0);
    assert_eq!(m.add(ids(&["b"]), t0).unwrap(), []);
    assert_eq!(m.user_ids(), ids(&["a", "b"]));
    assert_eq!(due(&mut m, t0), [Action::Close { link }]);
    let now = t0 + MIN;
    assert_eq!(due(&mut m, now), [open(0, 2, &["a", "b"])]);
    assert_eq!(m.opened(0, 2, now + DAY, Vec::new(), now), []);
    assert_eq!(due(&mut m, now), [read(0, &["a", "b"], true)]);
}

#[test]
fn refused_users_are_reported_once_and_dropped() {
    let t0 = Instant::now();
    let mut m = machine();
    let (slot, link) = open_of(&m.add(ids(&["a", "b"]), t0).unwrap());
    let refused = vec![("b".to_owned(), "Missing permission".to_owned())];
    assert_eq!(
        m.opened(slot, link, t0 + DAY, refused, t0),
        [read(slot, &["a"], false)]
    );
    assert_eq!(yielded(&mut m), ["refused v2.users.b.presence"]);
    assert_eq!(m.user_ids(), ids(&["a"]));
    assert_eq!(
        m.refused_users(),
        [("b".to_owned(), "Missing permission".to_owned())]
    );

    // Refused again (by a channel that still had it): not reported again.
    let refused = vec![("b".to_owned(), "Missing permission".to_owned())];
    assert_eq!(m.subscribed(slot, Vec::new(), refused), []);
    assert_eq!(yielded(&mut m), NOTHING);

    // Added again: tried again, and reported again when refused.
    let actions = m.add(ids(&["b"]), t0).unwrap();
    assert!(m.refused_users().is_empty());
    assert_eq!(
        actions,
        [Action::Subscribe {
            slot,
            link,
            users: ids(&["b"])
        }]
    );
    let refused = vec![("b".to_owned(), "Missing permission".to_owned())];
    assert_eq!(
        m.subscribed(slot, ids(&["b"]), refused),
        [],
        "nothing left to read"
    );
    assert_eq!(yielded(&mut m), ["refused v2.users.b.presence"]);
    assert_eq!(m.user_ids(), ids(&["a"]));
}

#[test]
fn a_channel_whose_users_are_all_refused_is_closed() {
    let t0 = Instant::now();
    let mut m = machine();
    let (slot, link) = open_of(&m.add(ids(&["a"]), t0).unwrap());
    let refused = vec![("a".to_owned(), "rejected".to_owned())];
    assert_eq!(
        m.opened(slot, link, t0 + DAY, refused, t0),
        [Action::Close { link }]
    );
    assert_eq!(yielded(&mut m), ["refused v2.users.a.presence"]);
    assert_eq!(m.connected_channels(), 0);
    assert_eq!(m.channels(), 0);
    assert_eq!(m.next_wake(t0), None);
}

#[test]
fn removed_users_leave_their_channels_and_the_queue() {
    let t0 = Instant::now();
    let mut m = machine();
    let first = connect(&mut m, &["a", "b"], Vec::new(), t0);
    let second = connect(&mut m, &["c"], Vec::new(), t0);
    m.presence_pushed(first, change("a", "A", "2024-05-02T10:00:00Z"));
    m.presence_pushed(first, change("b", "B", "2024-05-02T10:00:00Z"));
    m.presence_pushed(second, change("c", "C", "2024-05-02T10:00:00Z"));

    assert_eq!(
        m.remove(&set(&["a", "c"])),
        [
            Action::Resubscribe {
                link: first,
                users: ids(&["b"])
            },
            Action::Close { link: second },
        ]
    );
    assert_eq!(yielded(&mut m), ["b B Notification"]);
    assert_eq!(m.user_ids(), ids(&["b"]));
    assert_eq!(m.connected_channels(), 1);
    m.presence_pushed(second, change("c", "D", "2024-05-02T10:01:00Z"));
    m.presence_pushed(first, change("a", "D", "2024-05-02T10:01:00Z"));
    assert_eq!(yielded(&mut m), NOTHING);
    // Only the remaining channel is renewed.
    assert_eq!(m.next_wake(t0), Some(t0 + renewal(0)));
    assert_eq!(due(&mut m, t0 + renewal(0)), [open(0, 3, &["b"])]);
    assert_eq!(due(&mut m, t0 + renewal(1)), []);
}

#[test]
fn closing_drops_everything_queued() {
    let t0 = Instant::now();
    let mut m = machine();
    let link = connect(&mut m, &["a"], Vec::new(), t0);
    m.presence_pushed(link, change("a", "A", "2024-05-02T10:00:00Z"));
    m.lost(link, dropped(), t0);
    m.close();
    assert!(m.pop().is_none());
    assert!(m.is_over());
    assert!(m.user_ids().is_empty());
    assert_eq!(m.next_wake(t0), None);
    assert_eq!(m.next_due(t0 + DAY), None, "not even the close of the lost link");
    assert_eq!(
        m.add(ids(&["b"]), t0).map_err(|e| e.argument()).err(),
        Some(Some("watcher"))
    );
}

#[test]
fn a_channel_opened_for_users_removed_meanwhile_is_closed() {
    let t0 = Instant::now();
    let mut m = machine();
    let (slot, link) = open_of(&m.add(ids(&["a"]), t0).unwrap());
    // Closing a link not open yet does nothing; `opened` closes it again.
    assert_eq!(m.remove(&set(&["a"])), [Action::Close { link }]);
    assert_eq!(
        m.opened(slot, link, t0 + DAY, Vec::new(), t0),
        [Action::Close { link }]
    );
    assert_eq!(m.connected_channels(), 0);
    assert_eq!(m.next_wake(t0), None);
}

#[test]
fn users_subscribed_while_their_channel_is_renewed_are_subscribed_on_the_new_one() {
    let t0 = Instant::now();
    let mut m = machine();
    let old = connect(&mut m, &["a"], Vec::new(), t0);
    let renew_at = t0 + renewal(0);
    // The caller adds b: a subscription on the current channel…
    assert_eq!(
        m.add(ids(&["b"]), renew_at).unwrap(),
        [Action::Subscribe {
            slot: 0,
            link: old,
            users: ids(&["b"])
        }]
    );
    // …while the recovery thread starts the renewal: b counts as the
    // slot's from the moment it was added, so the new channel carries it.
    assert_eq!(m.next_due(renew_at), Some(open(0, 2, &["a", "b"])));
    let mut actions = m.subscribed(0, ids(&["b"]), Vec::new());
    actions.extend(m.opened(0, 2, renew_at + DAY, Vec::new(), renew_at));
    assert_eq!(m.user_ids(), ids(&["a", "b"]));
    assert_eq!(
        actions,
        [Action::Read(Read {
            slot: 0,
            users: ids(&["b"]),
            resync: false
        }),]
    );
    assert_eq!(due(&mut m, renew_at + RETIRE), [Action::Close { link: old }]);
}

#[test]
fn connections_replaced_or_given_up_are_forgotten() {
    let t0 = Instant::now();
    let mut m = machine_with(Config {
        max_users_per_channel: 1,
        ..config()
    });
    let old = connect(&mut m, &["a"], Vec::new(), t0);
    let other = connect(&mut m, &["b"], Vec::new(), t0);
    m.heard(old);
    m.heard(other);
    assert_eq!(m.remove(&set(&["b"])), [Action::Close { link: other }]);
    let renew_at = t0 + renewal(0);
    let (slot, new) = open_of(&due(&mut m, renew_at));
    assert_eq!(m.opened(slot, new, renew_at + DAY, Vec::new(), renew_at), []);
    assert_eq!(due(&mut m, renew_at + RETIRE), [Action::Close { link: old }]);
    // Reports of either are ignored from now on: nothing needs them.
    assert!(m.delivered.is_empty(), "{:?}", m.delivered);
}
