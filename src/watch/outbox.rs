//! What a watcher yields: the items ready to be yielded, in order, and the
//! last presence yielded for each user, so that a change is yielded once
//! whether it is pushed, read after a reconnection, or both.

use std::collections::{BTreeSet, HashMap, VecDeque};

use super::time;
use crate::models::{EventOrigin, PresenceEvent, UcUserPresence};
use crate::{Error, Result};

#[derive(Default)]
pub(super) struct Outbox {
    /// Items ready to be yielded, in order.
    ready: VecDeque<Result<PresenceEvent>>,
    /// The last presence yielded (or read) for each user.
    last: HashMap<String, Snapshot>,
}

impl Outbox {
    /// The next item to yield.
    pub(super) fn pop(&mut self) -> Option<Result<PresenceEvent>> {
        self.ready.pop_front()
    }

    /// Queues an error item.
    pub(super) fn report(&mut self, error: Error) {
        self.ready.push_back(Err(error));
    }

    /// Queues a pushed change, unless a read already yielded the same change.
    pub(super) fn offer(&mut self, event: PresenceEvent) {
        let snapshot = Snapshot::of(&event, false);
        if let Some(previous) = self.last.get(&event.user_id) {
            if previous.from_read && previous.same_change(&snapshot) {
                return;
            }
        }
        self.last.insert(event.user_id.clone(), snapshot);
        self.ready.push_back(Ok(event));
    }

    /// Takes in the current presences of `asked`, as read from the API:
    /// queues those that differ from the last yielded ([`EventOrigin::Resync`]),
    /// and, with `initial`, those of users without one ([`EventOrigin::Initial`]);
    /// remembers the others. Presences of users not asked for are ignored.
    pub(super) fn read(&mut self, asked: &[String], presences: Vec<UcUserPresence>, initial: bool) {
        let asked: BTreeSet<&str> = asked.iter().map(String::as_str).collect();
        for presence in presences {
            let Some(event) = event_of(presence) else {
                continue;
            };
            if !asked.contains(event.user_id.as_str()) {
                continue;
            }
            let snapshot = Snapshot::of(&event, true);
            let origin = match self.last.get(&event.user_id) {
                None if initial => Some(EventOrigin::Initial),
                None => None,
                Some(previous) if previous.differs(&snapshot) => Some(EventOrigin::Resync),
                Some(_) => continue,
            };
            self.last.insert(event.user_id.clone(), snapshot);
            if let Some(origin) = origin {
                self.ready.push_back(Ok(PresenceEvent { origin, ..event }));
            }
        }
    }

    /// Forgets `users`: their queued events (not the errors) and their last presence.
    pub(super) fn forget(&mut self, users: &BTreeSet<String>) {
        self.ready
            .retain(|item| item.as_ref().map_or(true, |e| !users.contains(&e.user_id)));
        for user in users {
            self.last.remove(user);
        }
    }

    /// Drops every queued item.
    pub(super) fn clear(&mut self) {
        self.ready.clear();
    }
}

/// What was last yielded for a user, to compare with what comes next.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    definition_id: Option<String>,
    message: Option<String>,
    modified: Option<i64>,
    /// Read from the API rather than pushed by a notification.
    from_read: bool,
}

impl Snapshot {
    fn of(event: &PresenceEvent, from_read: bool) -> Snapshot {
        Snapshot {
            definition_id: event.presence_definition_id().map(str::to_owned),
            message: event.message.clone().filter(|m| !m.is_empty()),
            modified: event.modified_date.as_deref().and_then(time::unix_millis),
            from_read,
        }
    }

    /// A different presence or message.
    fn differs(&self, other: &Snapshot) -> bool {
        self.definition_id != other.definition_id || self.message != other.message
    }

    /// The same change, as far as can be told.
    fn same_change(&self, other: &Snapshot) -> bool {
        !self.differs(other)
            && (self.modified.is_none() || other.modified.is_none() || self.modified == other.modified)
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
}
