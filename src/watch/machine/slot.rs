//! A group of users that share a channel, and the state of its connection.

use std::collections::BTreeSet;
use std::time::Instant;

use super::timing::Timing;
use super::Ending;

/// A group of users that share a channel.
pub(super) struct Slot {
    pub(super) users: BTreeSet<String>,
    pub(super) state: State,
    /// Users whose presence is to be read again (after a reconnection).
    pub(super) to_read: BTreeSet<String>,
    /// When to read them (later after a failed read).
    pub(super) read_at: Option<Instant>,
    /// Failed attempts since the last connection that stayed up.
    pub(super) failures: u32,
    /// Connections in a row that ended before delivering anything.
    pub(super) empty_in_a_row: u32,
    /// Failed re-reads in a row.
    pub(super) read_failures: u32,
    /// The renewal being made will evict a channel (the watcher holds the
    /// most it may): its users are read once it is done.
    pub(super) renewal_evicts: bool,
    /// The connection a renewal replaced, still read for a moment.
    pub(super) retiring: Option<Retiring>,
}

/// A connection replaced by a renewal: its events are still taken in until
/// `close_at` (changes published just before its successor's subscription
/// took effect may still be on their way on it); then it is closed.
#[derive(Clone, Copy)]
pub(super) struct Retiring {
    pub(super) link: u64,
    pub(super) close_at: Instant,
}

pub(super) enum State {
    /// No users, so no channel.
    Idle,
    /// Not connected: connect at `retry_at`.
    Waiting {
        retry_at: Instant,
    },
    /// A new channel was asked for ([`Action::Open`](super::Action::Open)).
    Connecting {
        link: u64,
        why: Opening,
        /// Its socket ended before the channel was ready.
        ended: Option<Ending>,
    },
    Connected(Connected),
}

/// Why a channel is being opened.
pub(super) enum Opening {
    /// The first channel of users being added: a failure is the caller's.
    New,
    /// After a connection ended or an attempt failed.
    Reconnect,
    /// To move from a working channel before it expires.
    Renew(Connected),
}

/// A connected, subscribed channel.
#[derive(Clone, Copy)]
pub(super) struct Connected {
    pub(super) link: u64,
    pub(super) opened_at: Instant,
    /// When the channel expires.
    pub(super) expires: Instant,
    /// When to move to a new channel, shortly before this one expires.
    pub(super) renew_at: Instant,
}

impl State {
    /// The connection that serves the slot: the connected one, also while
    /// its replacement is being opened.
    pub(super) fn live(&self) -> Option<Connected> {
        match self {
            State::Connected(up)
            | State::Connecting {
                why: Opening::Renew(up),
                ..
            } => Some(*up),
            _ => None,
        }
    }

    /// Whether `link` is this state's: the live connection or the one being opened.
    pub(super) fn has_link(&self, link: u64) -> bool {
        self.live().is_some_and(|up| up.link == link)
            || matches!(self, State::Connecting { link: l, .. } if *l == link)
    }
}

impl Slot {
    /// A slot for `users`, to be connected.
    pub(super) fn new(users: &[String]) -> Slot {
        Slot {
            users: users.iter().cloned().collect(),
            state: State::Idle,
            to_read: BTreeSet::new(),
            read_at: None,
            failures: 0,
            empty_in_a_row: 0,
            read_failures: 0,
            renewal_evicts: false,
            retiring: None,
        }
    }

    /// When the slot's users are due to be read, if they are: only once
    /// its channel is up, so that changes meanwhile are pushed.
    pub(super) fn read_due(&self) -> Option<Instant> {
        match self.state {
            State::Connected(_) if !self.to_read.is_empty() => self.read_at,
            _ => None,
        }
    }

    /// The earliest time the slot needs work: a connection, a renewal or a read.
    pub(super) fn due(&self) -> Option<Instant> {
        if self.users.is_empty() {
            return None;
        }
        let link = match &self.state {
            State::Waiting { retry_at } => Some(*retry_at),
            State::Connected(up) => Some(up.renew_at),
            State::Idle | State::Connecting { .. } => None,
        };
        let retire = self.retiring.map(|r| r.close_at);
        [link, self.read_due(), retire].into_iter().flatten().min()
    }

    /// Leaves a slot without users idle; returns the connections to close.
    pub(super) fn idle(&mut self) -> Vec<u64> {
        let mut links: Vec<u64> = self.state.live().map(|up| up.link).into_iter().collect();
        if let State::Connecting { link, .. } = self.state {
            links.push(link);
        }
        links.extend(self.retiring.take().map(|r| r.link));
        self.state = State::Idle;
        self.to_read.clear();
        self.read_at = None;
        links
    }

    /// A failed attempt: when to try again.
    pub(super) fn failed(&mut self, now: Instant, timing: &Timing) -> Instant {
        self.failures += 1;
        now + timing.backoff(self.failures)
    }

    /// When to connect again after a connection opened at `opened_at` ended:
    /// at once if it had stayed up for a while, else after a backoff.
    pub(super) fn retry_after_loss(&mut self, opened_at: Instant, now: Instant, timing: &Timing) -> Instant {
        if timing.stable(opened_at, now) {
            self.failures = 0;
            now
        } else {
            self.failed(now, timing)
        }
    }

    /// Why `link` was being opened, and whether its socket already ended,
    /// if it still is being opened; the state is left idle until the caller
    /// sets the new one.
    pub(super) fn take_opening(&mut self, link: u64) -> Option<(Opening, Option<Ending>)> {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Connecting { link: l, why, ended } if l == link => Some((why, ended)),
            other => {
                self.state = other;
                None
            }
        }
    }
}
