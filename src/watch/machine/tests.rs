//! The machine with a fake clock: every `now` is an offset from one instant.

use std::time::{Duration, Instant};

use super::*;
use crate::models::PresenceDefinition;
use crate::TransportKind;

mod users;

const MIN: Duration = Duration::from_secs(1);
const MAX: Duration = Duration::from_secs(60);
const RENEW_BEFORE: Duration = Duration::from_secs(300);
const DAY: Duration = Duration::from_secs(24 * 3600);
const MS: Duration = Duration::from_millis(1);

fn config() -> Config {
    Config {
        heartbeat_timeout: Duration::from_secs(90),
        backoff_min: MIN,
        backoff_max: MAX,
        max_users_per_channel: 2,
        initial_presences: false,
        renew_before: RENEW_BEFORE,
    }
}

/// Jitter that takes the whole backoff, so that waits are exact.
fn whole(full: Duration) -> Duration {
    full
}

fn machine() -> Machine {
    Machine::new(config(), whole)
}

fn ids(users: &[&str]) -> Vec<String> {
    users.iter().map(|u| (*u).to_owned()).collect()
}

fn error() -> Error {
    Error::Socket {
        host: "streaming.example".into(),
        kind: TransportKind::Io,
        detail: "closed by the server".into(),
    }
}

fn lost() -> Disconnect {
    Disconnect::Lost(error())
}

/// A change pushed by a notification.
fn change(user: &str, definition: &str, modified: &str) -> PresenceEvent {
    PresenceEvent {
        user_id: user.into(),
        presence_definition: Some(PresenceDefinition::with_id(definition)),
        modified_date: Some(modified.into()),
        ..Default::default()
    }
}

/// A presence as a bulk read returns it.
fn current(user: &str, definition: &str, modified: &str) -> UcUserPresence {
    UcUserPresence {
        user_id: Some(user.into()),
        presence_definition: Some(PresenceDefinition::with_id(definition)),
        modified_date: Some(modified.into()),
        ..Default::default()
    }
}

/// The one `Open` of `actions`: its slot and link.
#[track_caller]
fn open_of(actions: &[Action]) -> (usize, u64) {
    match actions {
        [Action::Open { slot, link, .. }] => (*slot, *link),
        other => panic!("expected one Open, got {other:?}"),
    }
}

/// The items ready to be yielded, as `user definition origin` or `refused topic` or `error`.
fn yielded(m: &mut Machine) -> Vec<String> {
    std::iter::from_fn(|| m.pop())
        .map(|item| match item {
            Ok(e) => format!(
                "{} {} {:?}",
                e.user_id,
                e.presence_definition_id().unwrap_or("-"),
                e.origin
            ),
            Err(Error::TopicRejected { topic, .. }) => format!("refused {topic}"),
            Err(_) => "error".to_owned(),
        })
        .collect()
}

/// Watches `users` on a new channel connected at `now`, expiring a day
/// later, whose read finds them as `presences`; returns the link.
fn connect(m: &mut Machine, users: &[&str], presences: Vec<UcUserPresence>, now: Instant) -> u64 {
    let (slot, link) = open_of(&m.add(ids(users)));
    let read = Read {
        slot,
        users: ids(users),
        resync: false,
    };
    assert_eq!(
        m.opened(slot, link, now + DAY, Vec::new(), now),
        [Action::Read(read.clone())]
    );
    m.presences_read(&read, presences);
    link
}

// ------------------------------------------------------------ renewal

#[test]
fn a_channel_is_renewed_once_shortly_before_it_expires() {
    let t0 = Instant::now();
    let mut m = machine();
    let old = connect(&mut m, &["a"], Vec::new(), t0);
    let renew_at = t0 + DAY - RENEW_BEFORE;
    assert_eq!(m.next_wake(), Some(renew_at));
    assert!(m.tick(t0).is_empty());
    assert!(m.tick(renew_at - MS).is_empty());

    let actions = m.tick(renew_at);
    let (slot, new) = open_of(&actions);
    assert_eq!(
        actions,
        [Action::Open {
            slot,
            link: new,
            users: ids(&["a"])
        }]
    );
    assert!(m.tick(renew_at).is_empty(), "asked for once");
    assert!(m.tick(renew_at + Duration::from_secs(10)).is_empty());
    assert_eq!(m.connected_channels(), 1, "the old channel serves meanwhile");

    let t1 = renew_at + Duration::from_secs(2);
    let read = Read {
        slot,
        users: ids(&["a"]),
        resync: true,
    };
    assert_eq!(
        m.opened(slot, new, t1 + DAY, Vec::new(), t1),
        [Action::Close { link: old }, Action::Read(read)]
    );
    assert_eq!(m.reconnections(), 1);
    assert!(m.last_disconnect().is_none(), "renewed, not lost");
    let next = t1 + DAY - RENEW_BEFORE;
    assert_eq!(m.next_wake(), Some(next));
    assert!(m.tick(t1).is_empty());
    assert!(
        m.tick(next - MS).is_empty(),
        "no renewal before the new channel's time"
    );
    assert_eq!(open_of(&m.tick(next)).0, slot);
}

#[test]
fn a_short_lived_channel_is_renewed_a_tenth_of_its_lifetime_early() {
    let t0 = Instant::now();
    let mut m = machine();
    let (slot, link) = open_of(&m.add(ids(&["a"])));
    m.opened(slot, link, t0 + Duration::from_secs(100), Vec::new(), t0);
    assert_eq!(m.next_wake(), Some(t0 + Duration::from_secs(90)));
}

#[test]
fn a_channel_said_to_have_expired_is_renewed_once_it_counts_as_stable() {
    let t0 = Instant::now();
    let mut m = machine();
    let (slot, link) = open_of(&m.add(ids(&["a"])));
    m.opened(slot, link, t0, Vec::new(), t0);
    // Ten times the shortest backoff (1 s), at most the longest (60 s).
    let stable = t0 + 10 * MIN;
    assert_eq!(m.next_wake(), Some(stable));
    assert!(m.tick(t0).is_empty(), "not renewed at once");
    assert!(m.tick(stable - MS).is_empty());
    assert_eq!(open_of(&m.tick(stable)).0, slot);
}

#[test]
fn a_failed_renewal_keeps_the_channel_and_is_tried_again_after_a_backoff() {
    let t0 = Instant::now();
    let mut m = machine();
    let old = connect(&mut m, &["a"], Vec::new(), t0);
    let renew_at = t0 + DAY - RENEW_BEFORE;
    let (slot, new) = open_of(&m.tick(renew_at));
    assert!(m.open_failed(slot, new, error(), renew_at).is_ok());
    assert_eq!(yielded(&mut m), ["error"]);
    assert_eq!(m.connected_channels(), 1);
    m.presence_pushed(old, change("a", "busy", "2024-05-02T10:00:00Z"));
    assert_eq!(
        yielded(&mut m),
        ["a busy Notification"],
        "the old channel still counts"
    );
    assert!(m.tick(renew_at + MIN - MS).is_empty());
    assert_eq!(open_of(&m.tick(renew_at + MIN)).0, slot);
}

// ------------------------------------------------------------ reconnection

#[test]
fn a_lost_connection_is_retried_after_a_backoff_that_doubles_up_to_the_max() {
    let t0 = Instant::now();
    let mut m = machine();
    let link = connect(&mut m, &["a"], Vec::new(), t0);
    let mut now = t0 + Duration::from_secs(3); // not stable: under 10 × MIN
    assert_eq!(m.lost(link, lost(), now), [Action::Close { link }]);
    assert!(matches!(m.last_disconnect(), Some(Disconnect::Lost(_))));
    assert_eq!(m.connected_channels(), 0);

    for wait in [1, 2, 4, 8, 16, 32, 60, 60].map(Duration::from_secs) {
        assert_eq!(m.next_wake(), Some(now + wait));
        assert!(m.tick(now + wait - MS).is_empty(), "not before {wait:?}");
        now += wait;
        let (slot, link) = open_of(&m.tick(now));
        assert!(m.tick(now).is_empty(), "one attempt at a time");
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
        m.lost(link, lost(), now);
        let retry_at = m.next_wake().unwrap();
        assert!(
            retry_at >= now + MIN / 2 && retry_at <= now + MIN,
            "{:?}",
            retry_at - now
        );
        assert!(m.tick(retry_at - MS).is_empty());
        open_of(&m.tick(retry_at));
    }
}

#[test]
fn a_stable_connection_that_is_lost_reconnects_at_once_and_starts_the_backoff_over() {
    let t0 = Instant::now();
    let mut m = machine();
    let link = connect(&mut m, &["a"], Vec::new(), t0);
    // Two failures first, so that there is a backoff to start over.
    let mut now = t0 + MS;
    m.lost(link, lost(), now);
    now += MIN;
    let (slot, link) = open_of(&m.tick(now));
    m.open_failed(slot, link, error(), now).unwrap();
    now += 2 * MIN;
    let (slot, link) = open_of(&m.tick(now));
    m.opened(slot, link, now + DAY, Vec::new(), now);

    now += 10 * MIN; // stable: up for 10 × MIN
    assert_eq!(m.lost(link, Disconnect::Closing, now), [Action::Close { link }]);
    assert!(matches!(m.last_disconnect(), Some(Disconnect::Closing)));
    assert_eq!(m.next_wake(), Some(now));
    let (slot, link) = open_of(&m.tick(now));
    m.open_failed(slot, link, error(), now).unwrap();
    assert_eq!(m.next_wake(), Some(now + MIN), "the backoff starts over");
}

#[test]
fn reports_of_a_replaced_connection_are_ignored() {
    let t0 = Instant::now();
    let mut m = machine();
    let old = connect(&mut m, &["a"], Vec::new(), t0);
    let renew_at = t0 + DAY - RENEW_BEFORE;
    let (slot, new) = open_of(&m.tick(renew_at));
    m.opened(slot, new, renew_at + DAY, Vec::new(), renew_at);
    m.presence_pushed(old, change("a", "busy", "2024-05-02T10:00:00Z"));
    m.unreadable(old, error());
    assert!(m.lost(old, lost(), renew_at).is_empty());
    assert!(yielded(&mut m).is_empty());
    assert!(m.last_disconnect().is_none());
    assert_eq!(m.connected_channels(), 1);
}

// ------------------------------------------------------------ resync

#[test]
fn changes_made_during_a_gap_come_out_once_after_the_resync() {
    let t0 = Instant::now();
    let mut m = machine();
    let dead = connect(&mut m, &["a", "b"], Vec::new(), t0);
    m.presence_pushed(dead, change("a", "A", "2024-05-02T10:00:00Z"));
    assert_eq!(yielded(&mut m), ["a A Notification"]);

    let now = t0 + MS;
    m.lost(dead, lost(), now);
    m.presence_pushed(dead, change("a", "B", "2024-05-02T10:05:00Z"));
    assert!(yielded(&mut m).is_empty(), "a push from the dead link is ignored");

    let now = now + MIN;
    let (slot, link) = open_of(&m.tick(now));
    let read = Read {
        slot,
        users: ids(&["a", "b"]),
        resync: true,
    };
    assert_eq!(
        m.opened(slot, link, now + DAY, Vec::new(), now),
        [Action::Read(read.clone())]
    );
    let b = current("b", "idle", "2024-05-02T09:00:00Z");
    m.presences_read(&read, vec![current("a", "B", "2024-05-02T10:05:00Z"), b]);
    assert_eq!(
        yielded(&mut m),
        ["a B Resync"],
        "b had not been yielded: no baseline to differ from"
    );
    assert_eq!(m.reconnections(), 1);

    m.presence_pushed(link, change("a", "B", "2024-05-02T10:05:00Z"));
    assert!(yielded(&mut m).is_empty(), "the same change is not yielded twice");
    m.presence_pushed(link, change("a", "C", "2024-05-02T10:09:00Z"));
    assert_eq!(yielded(&mut m), ["a C Notification"]);
    m.presence_pushed(link, change("a", "C", "2024-05-02T10:09:00Z"));
    assert_eq!(
        yielded(&mut m),
        ["a C Notification"],
        "pushes are not deduplicated"
    );
}

#[test]
fn a_failed_resync_is_yielded_and_tried_again() {
    let t0 = Instant::now();
    let mut m = machine();
    let link = connect(&mut m, &["a"], Vec::new(), t0);
    m.lost(link, lost(), t0);
    let now = t0 + MIN;
    let (slot, link) = open_of(&m.tick(now));
    let actions = m.opened(slot, link, now + DAY, Vec::new(), now);
    let [Action::Read(read)] = &actions[..] else {
        panic!("{actions:?}")
    };
    assert!(m.read_failed(read, error(), now).is_ok());
    assert_eq!(yielded(&mut m), ["error"]);
    assert_eq!(m.next_wake(), Some(now + MIN));
    assert!(m.tick(now + MIN - MS).is_empty());
    assert_eq!(m.tick(now + MIN), [Action::Read(read.clone())]);
}

#[test]
fn initial_presences_are_yielded_when_asked_for() {
    let t0 = Instant::now();
    let mut m = Machine::new(
        Config {
            initial_presences: true,
            ..config()
        },
        whole,
    );
    connect(
        &mut m,
        &["a"],
        vec![current("a", "A", "2024-05-02T10:00:00Z")],
        t0,
    );
    assert_eq!(yielded(&mut m), ["a A Initial"]);
}
