//! Adding, refusing and removing users.

use std::collections::BTreeSet;
use std::time::Instant;

use super::*;

#[test]
fn users_fill_channels_with_room_before_new_ones() {
    let t0 = Instant::now();
    let mut m = machine();
    let first = connect(&mut m, &["a"], Vec::new(), t0);
    let actions = m.add(ids(&["a", "b", "c", "d", "e"]));
    assert_eq!(
        actions,
        [
            Action::Subscribe {
                slot: 0,
                link: first,
                users: ids(&["b"])
            },
            Action::Open {
                slot: 1,
                link: 2,
                users: ids(&["c", "d"])
            },
            Action::Open {
                slot: 2,
                link: 3,
                users: ids(&["e"])
            },
        ]
    );
    let read = Read {
        slot: 0,
        users: ids(&["b"]),
        resync: false,
    };
    assert_eq!(m.subscribed(0, ids(&["b"]), Vec::new()), [Action::Read(read)]);
    assert_eq!(m.user_ids(), ids(&["a", "b", "c", "d", "e"]));
    assert_eq!(m.channels(), 3);
}

#[test]
fn a_failed_first_channel_is_the_callers_error_and_its_users_are_not_watched() {
    let t0 = Instant::now();
    let mut m = machine();
    let (slot, link) = open_of(&m.add(ids(&["a"])));
    assert!(m.open_failed(slot, link, error(), t0).is_err());
    assert!(yielded(&mut m).is_empty(), "returned, not yielded");
    assert!(m.user_ids().is_empty());
    assert_eq!(m.next_wake(), None);
    // The empty slot takes the next users, on a new channel again.
    let (slot, link) = open_of(&m.add(ids(&["b"])));
    assert_eq!(slot, 0);
    assert!(m.open_failed(slot, link, error(), t0).is_err());
}

#[test]
fn users_added_to_a_disconnected_slot_join_its_next_channel() {
    let t0 = Instant::now();
    let mut m = machine();
    let link = connect(&mut m, &["a"], Vec::new(), t0);
    m.lost(link, lost(), t0);
    assert!(m.add(ids(&["b"])).is_empty());
    match &m.tick(t0 + MIN)[..] {
        [Action::Open { users, .. }] => assert_eq!(users, &ids(&["a", "b"])),
        other => panic!("{other:?}"),
    }
}

#[test]
fn refused_users_are_reported_once_and_dropped() {
    let t0 = Instant::now();
    let mut m = machine();
    let (slot, link) = open_of(&m.add(ids(&["a", "b"])));
    let refused = vec![("b".to_owned(), "Missing permission".to_owned())];
    let read = Read {
        slot,
        users: ids(&["a"]),
        resync: false,
    };
    assert_eq!(m.opened(slot, link, t0 + DAY, refused, t0), [Action::Read(read)]);
    assert_eq!(yielded(&mut m), ["refused v2.users.b.presence"]);
    assert_eq!(m.user_ids(), ids(&["a"]));
    assert_eq!(
        m.refused_users(),
        [("b".to_owned(), "Missing permission".to_owned())]
    );

    // Refused again (by a channel that still had it): not reported again.
    let refused = vec![("b".to_owned(), "Missing permission".to_owned())];
    m.subscribed(slot, Vec::new(), refused);
    assert!(yielded(&mut m).is_empty());

    // Added again: tried again, and reported again when refused.
    let actions = m.add(ids(&["b"]));
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
    assert!(
        m.subscribed(slot, ids(&["b"]), refused).is_empty(),
        "nothing left to read"
    );
    assert_eq!(yielded(&mut m), ["refused v2.users.b.presence"]);
}

#[test]
fn a_channel_whose_users_are_all_refused_is_closed() {
    let t0 = Instant::now();
    let mut m = machine();
    let (slot, link) = open_of(&m.add(ids(&["a"])));
    let refused = vec![("a".to_owned(), "rejected".to_owned())];
    assert_eq!(
        m.opened(slot, link, t0 + DAY, refused, t0),
        [Action::Close { link }]
    );
    assert_eq!(m.connected_channels(), 0);
    assert_eq!(m.next_wake(), None);
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

    let gone: BTreeSet<String> = ids(&["a", "c"]).into_iter().collect();
    assert_eq!(
        m.remove(&gone),
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
    assert!(yielded(&mut m).is_empty());
    // Only the remaining channel is renewed.
    assert_eq!(m.next_wake(), Some(t0 + DAY - RENEW_BEFORE));
}

#[test]
fn closing_drops_everything_queued() {
    let t0 = Instant::now();
    let mut m = machine();
    let link = connect(&mut m, &["a"], Vec::new(), t0);
    m.presence_pushed(link, change("a", "A", "2024-05-02T10:00:00Z"));
    m.close();
    assert!(m.pop().is_none());
    assert!(m.user_ids().is_empty());
    assert_eq!(m.next_wake(), None);
}

#[test]
fn a_channel_opened_for_users_removed_meanwhile_is_closed() {
    let t0 = Instant::now();
    let mut m = machine();
    let (slot, link) = open_of(&m.add(ids(&["a"])));
    let gone: BTreeSet<String> = ids(&["a"]).into_iter().collect();
    assert!(m.remove(&gone).is_empty(), "nothing open yet");
    assert_eq!(
        m.opened(slot, link, t0 + DAY, Vec::new(), t0),
        [Action::Close { link }]
    );
    assert_eq!(m.connected_channels(), 0);
    assert_eq!(m.next_wake(), None);
}
