//! The machine with a fake clock: every `now` is an offset from one instant,
//! and the jitter takes the whole backoff, so that every wait is exact.

use std::time::{Duration, Instant};

use super::*;
use crate::models::{EventOrigin, PresenceDefinition};
use crate::watch::{
    DEFAULT_MAX_CHANNELS_PER_MINUTE, DEFAULT_MAX_EMPTY_CONNECTIONS, DEFAULT_MAX_MESSAGE_SIZE,
};
use crate::TransportKind;

mod limits;
mod reconnection;
mod renewal;
mod resync;
mod users;

const MIN: Duration = Duration::from_secs(1);
const MAX: Duration = Duration::from_secs(60);
const RENEW_BEFORE: Duration = Duration::from_secs(300);
const DAY: Duration = Duration::from_secs(24 * 3600);
const HOUR: Duration = Duration::from_secs(3600);
const MS: Duration = Duration::from_millis(1);
const SECOND: Duration = Duration::from_secs(1);
/// How long a channel replaced by a renewal is still read (`RETIRE_AFTER`).
const RETIRE: Duration = Duration::from_secs(2);

/// The time between the renewals of channels opened together for a `DAY`:
/// their renewals are spread over the last tenth of the lifetime (8 640 s)
/// but for `RENEW_BEFORE` (300 s), in [`MAX_CHANNELS`] (20) steps:
/// (8 640 − 300) / 20 = 417 s.
const STEP: Duration = Duration::from_secs(417);

/// How long after its opening a channel opened for a `DAY` is renewed, when
/// `rank` other channels were connected as it opened: the first renews
/// 300 + 19 × 417 s before it expires, the twentieth `RENEW_BEFORE` before.
fn renewal(rank: u32) -> Duration {
    DAY - RENEW_BEFORE - STEP * (19 - rank)
}

fn config() -> Config {
    Config {
        heartbeat_timeout: Duration::from_secs(90),
        backoff_min: MIN,
        backoff_max: MAX,
        max_users_per_channel: 2,
        initial_presences: false,
        renew_before: RENEW_BEFORE,
        max_channels_per_minute: DEFAULT_MAX_CHANNELS_PER_MINUTE,
        max_empty_connections: DEFAULT_MAX_EMPTY_CONNECTIONS,
        auto_reconnect: true,
        max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
    }
}

/// Jitter that takes the whole backoff, so that waits are exact.
fn whole(full: Duration) -> Duration {
    full
}

fn machine() -> Machine {
    Machine::new(config(), whole)
}

fn machine_with(config: Config) -> Machine {
    Machine::new(config, whole)
}

fn ids(users: &[&str]) -> Vec<String> {
    users.iter().map(|u| (*u).to_owned()).collect()
}

/// A reader's error, saying `detail`.
fn error_with(detail: &str) -> Error {
    Repr::Socket {
        host: "streaming.example".into(),
        kind: TransportKind::Io,
        detail: detail.into(),
    }
    .into()
}

/// The detail of a socket error, `None` for another error.
fn socket_detail(error: &Error) -> Option<&str> {
    match error.repr() {
        Repr::Socket { detail, .. } => Some(detail),
        _ => None,
    }
}

fn error() -> Error {
    error_with("closed by the server")
}

/// A connection that broke, saying `detail`.
fn dropped_with(detail: &str) -> Ending {
    Ending {
        closing: false,
        error: error_with(detail),
    }
}

fn dropped() -> Ending {
    dropped_with("closed by the server")
}

/// A connection that ended with `v2.system.socket_closing`.
fn closing() -> Ending {
    Ending {
        closing: true,
        error: error_with("the server is closing the socket"),
    }
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

fn open(slot: usize, link: u64, users: &[&str]) -> Action {
    Action::Open {
        slot,
        link,
        users: ids(users),
    }
}

fn read(slot: usize, users: &[&str], resync: bool) -> Action {
    Action::Read(Read {
        slot,
        users: ids(users),
        resync,
    })
}

/// The one `Open` of `actions`: its slot and link.
#[track_caller]
fn open_of(actions: &[Action]) -> (usize, u64) {
    match actions {
        [Action::Open { slot, link, .. }] => (*slot, *link),
        other => panic!("expected one Open, got {other:?}"),
    }
}

/// The one `Read` of `actions`.
#[track_caller]
fn read_of(actions: &[Action]) -> Read {
    match actions {
        [Action::Read(read)] => read.clone(),
        other => panic!("expected one Read, got {other:?}"),
    }
}

/// Every piece of background work due at `now`, in the order the machine
/// hands it out (as the recovery thread asks for it, one at a time).
fn due(m: &mut Machine, now: Instant) -> Vec<Action> {
    let actions: Vec<Action> = std::iter::from_fn(|| m.next_due(now)).take(1000).collect();
    assert!(actions.len() < 1000, "next_due never runs dry");
    actions
}

/// The items ready to be yielded, as `user definition origin`, `refused
/// topic`, the [`WatchErrorKind`] of a watcher's limit, or `error` for any
/// other error.
fn yielded(m: &mut Machine) -> Vec<String> {
    std::iter::from_fn(|| m.pop())
        .map(|item| match item {
            Ok(e) => format!(
                "{} {} {:?}",
                e.user_id,
                e.presence_definition_id().unwrap_or("-"),
                e.origin
            ),
            Err(error) => match (error.topic(), error.watch_kind()) {
                (Some(topic), _) => format!("refused {topic}"),
                (_, Some(kind)) => format!("{kind:?}"),
                _ => "error".to_owned(),
            },
        })
        .collect()
}

/// Nothing to yield.
const NOTHING: [&str; 0] = [];

/// Watches `users` on a new channel connected at `now`, expiring a day
/// later, whose read finds them as `presences`; returns the link.
#[track_caller]
fn connect(m: &mut Machine, users: &[&str], presences: Vec<UcUserPresence>, now: Instant) -> u64 {
    let (slot, link) = open_of(&m.add(ids(users), now).unwrap());
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

/// Loses the connection `link` of `slot` (not stable: up for less than
/// ten times the shortest backoff) at `now`, then reconnects it as the I/O
/// loop would, the channel opening at once; returns the new link, the time
/// and the first re-read the machine then asks for (of at most 50 users;
/// any others are left to ask for).
#[track_caller]
fn reconnect(m: &mut Machine, slot: usize, link: u64, now: Instant) -> (u64, Instant, Read) {
    m.lost(link, dropped(), now);
    assert_eq!(due(m, now), [Action::Close { link }]);
    let now = m.next_wake(now).expect("a reconnection is planned");
    let actions = due(m, now);
    let (opened_slot, new) = open_of(&actions);
    assert_eq!(opened_slot, slot);
    assert_eq!(m.opened(slot, new, now + DAY, Vec::new(), now), []);
    match m.next_due(now) {
        Some(Action::Read(read)) if read.resync => (new, now, read),
        other => panic!("expected a re-read, got {other:?}"),
    }
}
