//! What a watcher yields: the items ready to be yielded, in order, and the
//! last presence yielded for each user, so that a change is yielded once
//! whether it is pushed, read after a reconnection, or both, and a user's
//! presence never goes back to an older one.
//!
//! Memory is bounded by the number of users, not by the rate of changes:
//! a user has at most one event waiting, the latest, which counts the
//! changes folded into it ([`PresenceEvent::folded`]); errors waiting are
//! capped at [`MAX_QUEUED_ERRORS`], those past it dropped and counted.

use std::collections::{BTreeSet, HashMap, VecDeque};

use super::time;
use crate::models::{EventOrigin, PresenceEvent, UcUserPresence};
use crate::secret::Redactor;
use crate::{Error, Result};

/// How far (in ms) a change's date may be ahead of this machine's clock and
/// still be trusted to order changes: 10 minutes. A date further ahead (a
/// server clock far ahead, a bogus date) is taken as unknown, so that it
/// cannot hide every later change.
const MAX_CLOCK_AHEAD_MILLIS: i64 = 10 * 60 * 1000;

/// The most error items waiting to be read; further ones are dropped (and
/// counted) until the caller reads some.
pub const MAX_QUEUED_ERRORS: usize = 1000;

pub(super) struct Outbox {
    /// What to yield, in order: a user's waiting event, or an error.
    order: VecDeque<Entry>,
    /// The event waiting for each user in `order`.
    waiting: HashMap<String, PresenceEvent>,
    /// How many errors are in `order`.
    errors: usize,
    /// Errors dropped because [`MAX_QUEUED_ERRORS`] were waiting.
    dropped_errors: u64,
    /// The last presence yielded (or read) for each user.
    last: HashMap<String, Snapshot>,
    /// The wall clock, in ms since 1970: the system's (tests set their own).
    clock: fn() -> i64,
}

impl Default for Outbox {
    fn default() -> Outbox {
        Outbox {
            order: VecDeque::new(),
            waiting: HashMap::new(),
            errors: 0,
            dropped_errors: 0,
            last: HashMap::new(),
            clock: time::now_unix_millis,
        }
    }
}

enum Entry {
    Event(String),
    Error(Error),
}

impl Outbox {
    /// The next item to yield.
    pub(super) fn pop(&mut self) -> Option<Result<PresenceEvent>> {
        while let Some(entry) = self.order.pop_front() {
            match entry {
                Entry::Error(error) => {
                    self.errors -= 1;
                    return Some(Err(error));
                }
                Entry::Event(user) => {
                    if let Some(event) = self.waiting.remove(&user) {
                        return Some(Ok(event));
                    }
                }
            }
        }
        None
    }

    /// Whether nothing waits to be yielded.
    pub(super) fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Queues an error item (or counts it as dropped when too many wait).
    pub(super) fn report(&mut self, error: Error) {
        if self.errors >= MAX_QUEUED_ERRORS {
            self.dropped_errors += 1;
            return;
        }
        self.errors += 1;
        // Server texts in it (a close reason, a refused topic's reason)
        // are cut to the lengths every error keeps to.
        self.order
            .push_back(Entry::Error(error.bounded(&Redactor::default())));
    }

    /// Errors dropped because too many were waiting.
    pub(super) fn dropped_errors(&self) -> u64 {
        self.dropped_errors
    }

    /// Queues a pushed change, unless it is one already yielded (pushed on
    /// two channels while one replaces the other, or read already) or older
    /// than the last one yielded.
    pub(super) fn offer(&mut self, event: PresenceEvent) {
        let snapshot = Snapshot::of(&event, false, (self.clock)());
        if let Some(previous) = self.last.get(&event.user_id) {
            if previous.is_newer_than(&snapshot) || previous.same_change(&snapshot) {
                return;
            }
        }
        self.last.insert(event.user_id.clone(), snapshot);
        self.queue(event);
    }

    /// Takes in the current presences of `asked`, as read from the API:
    /// queues those that differ from the last yielded ([`EventOrigin::Resync`])
    /// and are not older than it, and, with `initial`, those of users without
    /// one ([`EventOrigin::Initial`]); remembers the others. Presences of
    /// users not asked for are ignored.
    pub(super) fn read(&mut self, asked: &[String], presences: Vec<UcUserPresence>, initial: bool) {
        let asked: BTreeSet<&str> = asked.iter().map(String::as_str).collect();
        let now = (self.clock)();
        for presence in presences {
            let Some(event) = event_of(presence) else {
                continue;
            };
            if !asked.contains(event.user_id.as_str()) {
                continue;
            }
            let snapshot = Snapshot::of(&event, true, now);
            let origin = match self.last.get(&event.user_id) {
                None if initial => Some(EventOrigin::Initial),
                None => None,
                // A live event came in after this read was sent.
                Some(previous) if previous.is_newer_than(&snapshot) => continue,
                Some(previous) if previous.differs(&snapshot) => Some(EventOrigin::Resync),
                Some(_) => continue,
            };
            self.last.insert(event.user_id.clone(), snapshot);
            if let Some(origin) = origin {
                self.queue(PresenceEvent { origin, ..event });
            }
        }
    }

    /// Forgets `users`: their waiting events (not the errors) and their last presence.
    pub(super) fn forget(&mut self, users: &BTreeSet<String>) {
        self.order
            .retain(|entry| !matches!(entry, Entry::Event(user) if users.contains(user)));
        for user in users {
            self.waiting.remove(user);
            self.last.remove(user);
        }
    }

    /// Drops every waiting item.
    pub(super) fn clear(&mut self) {
        self.order.clear();
        self.waiting.clear();
        self.errors = 0;
    }

    /// Queues `event`, folding it into the user's waiting one if there is one.
    fn queue(&mut self, mut event: PresenceEvent) {
        match self.waiting.get_mut(&event.user_id) {
            Some(waiting) => {
                event.folded = waiting.folded.saturating_add(1);
                *waiting = event;
            }
            None => {
                event.folded = 0;
                self.order.push_back(Entry::Event(event.user_id.clone()));
                self.waiting.insert(event.user_id.clone(), event);
            }
        }
    }
}

/// What was last yielded for a user, to compare with what comes next.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    definition_id: Option<String>,
    message: Option<String>,
    /// The change's date (ms since 1970), unless unreadable or more than
    /// [`MAX_CLOCK_AHEAD_MILLIS`] ahead of the clock when it arrived.
    modified: Option<i64>,
    /// Read from the API rather than pushed by a notification.
    from_read: bool,
}

impl Snapshot {
    fn of(event: &PresenceEvent, from_read: bool, now: i64) -> Snapshot {
        Snapshot {
            definition_id: event.presence_definition_id().map(str::to_owned),
            message: event.message.clone().filter(|m| !m.is_empty()),
            modified: event
                .modified_date
                .as_deref()
                .and_then(time::unix_millis)
                .filter(|&date| date <= now.saturating_add(MAX_CLOCK_AHEAD_MILLIS)),
            from_read,
        }
    }

    /// A different presence or message.
    fn differs(&self, other: &Snapshot) -> bool {
        self.definition_id != other.definition_id || self.message != other.message
    }

    /// Both dates are known and this one is later. Changes arrive out of
    /// order (two sockets during a renewal; a read sent before a change and
    /// answered after it, whose date may be days older), and the later date
    /// wins however far apart the two are; a date far ahead of the clock is
    /// not known (see [`Snapshot::modified`]).
    fn is_newer_than(&self, other: &Snapshot) -> bool {
        matches!((self.modified, other.modified), (Some(mine), Some(theirs)) if mine > theirs)
    }

    /// The same change, as far as can be told: the same presence and date;
    /// or, against a read, the same presence with a date missing.
    fn same_change(&self, other: &Snapshot) -> bool {
        if self.differs(other) {
            return false;
        }
        match (self.modified, other.modified) {
            (Some(mine), Some(theirs)) => mine == theirs,
            _ => self.from_read || other.from_read,
        }
    }
}

/// The event a bulk read's presence stands for.
fn event_of(presence: UcUserPresence) -> Option<PresenceEvent> {
    let user_id = presence.user_id.or(presence.id)?;
    Some(PresenceEvent {
        user_id,
        source: presence.source.or(presence.source_id),
        presence_definition: presence.presence_definition,
        message: presence.message,
        modified_date: presence.modified_date,
        origin: EventOrigin::Resync,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::PresenceDefinition;

    fn pushed(user: &str, definition: &str, modified: &str) -> PresenceEvent {
        PresenceEvent {
            user_id: user.into(),
            presence_definition: Some(PresenceDefinition {
                id: Some(definition.into()),
                ..Default::default()
            }),
            modified_date: Some(modified.into()),
            ..Default::default()
        }
    }

    fn read_of(event: &PresenceEvent) -> UcUserPresence {
        UcUserPresence {
            user_id: Some(event.user_id.clone()),
            presence_definition: event.presence_definition.clone(),
            modified_date: event.modified_date.clone(),
            ..Default::default()
        }
    }

    fn drain(outbox: &mut Outbox) -> Vec<PresenceEvent> {
        std::iter::from_fn(|| outbox.pop())
            .map(|item| item.unwrap())
            .collect()
    }

    #[test]
    fn a_read_that_matches_a_pushed_change_is_the_same_change() {
        let pushed = Snapshot {
            definition_id: Some("d".into()),
            message: None,
            modified: Some(5),
            from_read: false,
        };
        let read = Snapshot {
            from_read: true,
            ..pushed.clone()
        };
        assert!(read.same_change(&pushed));
        let later = Snapshot {
            modified: Some(6),
            ..pushed.clone()
        };
        assert!(!read.same_change(&later), "set again later: a new change");
        let other = Snapshot {
            message: Some("m".into()),
            ..pushed
        };
        assert!(read.differs(&other));
    }

    #[test]
    fn changes_the_caller_has_not_read_are_folded_into_the_latest() {
        let mut outbox = Outbox::default();
        for (i, definition) in ["busy", "away", "busy", "meal"].iter().enumerate() {
            outbox.offer(pushed("u1", definition, &format!("2024-05-02T14:03:1{i}Z")));
        }
        outbox.offer(pushed("u2", "busy", "2024-05-02T14:03:11Z"));
        let events = drain(&mut outbox);
        assert_eq!(events.len(), 2, "one per user");
        assert_eq!(events[0].user_id, "u1", "in the order users first changed");
        assert_eq!(events[0].presence_definition_id(), Some("meal"));
        assert_eq!(events[0].folded, 3);
        assert_eq!(events[1].folded, 0);
    }

    #[test]
    fn the_same_change_pushed_twice_or_an_older_one_is_not_yielded() {
        let mut outbox = Outbox::default();
        outbox.offer(pushed("u1", "busy", "2024-05-02T14:03:12Z"));
        outbox.offer(pushed("u1", "busy", "2024-05-02T14:03:12Z"));
        outbox.offer(pushed("u1", "away", "2024-05-02T14:03:11Z"));
        let events = drain(&mut outbox);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].folded, 0);
    }

    #[test]
    fn a_read_older_than_a_live_event_does_not_overwrite_it() {
        let mut outbox = Outbox::default();
        let old = pushed("u1", "busy", "2024-05-02T14:03:11Z");
        outbox.read(&["u1".into()], vec![read_of(&old)], false);
        let live = pushed("u1", "away", "2024-05-02T14:03:20Z");
        outbox.offer(live.clone());
        // A read sent before the live change, answered after it.
        outbox.read(&["u1".into()], vec![read_of(&old)], false);
        let events = drain(&mut outbox);
        assert_eq!(events, vec![live]);
        // A newer read is yielded.
        let newer = pushed("u1", "meal", "2024-05-02T14:03:30Z");
        outbox.read(&["u1".into()], vec![read_of(&newer)], false);
        let events = drain(&mut outbox);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].origin, EventOrigin::Resync);
    }

    #[test]
    fn a_read_years_older_than_a_live_change_does_not_overwrite_it() {
        // A user whose last change was long ago changes now; the re-read
        // after a reconnection was sent before the change, answered after it.
        let mut outbox = Outbox::default();
        let old = pushed("u1", "busy", "2023-11-20T09:15:00.000Z");
        outbox.read(&["u1".into()], vec![read_of(&old)], false);
        let live = pushed("u1", "away", "2026-11-30T18:00:00Z");
        outbox.offer(live.clone());
        outbox.read(&["u1".into()], vec![read_of(&old)], false);
        assert_eq!(drain(&mut outbox), vec![live]);
    }

    #[test]
    fn a_date_ahead_of_the_clock_orders_changes_until_it_is_too_far_ahead() {
        fn clock() -> i64 {
            time::unix_millis("2024-05-02T14:00:00Z").unwrap()
        }
        let mut outbox = Outbox {
            clock,
            ..Outbox::default()
        };
        // 9 minutes ahead of the clock: trusted, the older change is dropped.
        outbox.offer(pushed("u1", "busy", "2024-05-02T14:09:00Z"));
        outbox.offer(pushed("u1", "away", "2024-05-02T14:01:00Z"));
        let events = drain(&mut outbox);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].presence_definition_id(), Some("busy"));
        // 11 minutes ahead: not trusted, the next change is yielded.
        outbox.offer(pushed("u2", "busy", "2024-05-02T14:11:00Z"));
        outbox.offer(pushed("u2", "away", "2024-05-02T14:01:00Z"));
        let events = drain(&mut outbox);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].presence_definition_id(), Some("away"));
        assert_eq!(events[0].folded, 1);
    }

    #[test]
    fn a_date_far_ahead_does_not_hide_later_changes() {
        let mut outbox = Outbox::default();
        outbox.offer(pushed("u1", "busy", "2999-01-01T00:00:00Z"));
        outbox.offer(pushed("u1", "away", "2024-05-02T14:03:11Z"));
        outbox.offer(pushed("u1", "meal", "2024-05-02T14:03:10Z"));
        let events = drain(&mut outbox);
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(
            events[0].presence_definition_id(),
            Some("away"),
            "a second older: out of date"
        );
        assert_eq!(events[0].folded, 1);
    }

    #[test]
    fn errors_waiting_are_capped_and_counted() {
        let mut outbox = Outbox::default();
        for _ in 0..MAX_QUEUED_ERRORS + 5 {
            outbox.report(Error::invalid("x", "y"));
        }
        assert_eq!(outbox.dropped_errors(), 5);
        let mut count = 0;
        while outbox.pop().is_some() {
            count += 1;
        }
        assert_eq!(count, MAX_QUEUED_ERRORS);
        outbox.report(Error::invalid("x", "y"));
        assert!(outbox.pop().is_some(), "room again once read");
    }
}
