//! A group of users that share a channel, and the state of its connection.

use std::collections::BTreeSet;
use std::time::Instant;

use super::timing::Timing;

/// A group of users that share a channel.
pub(super) struct Slot {
    pub(super) users: BTreeSet<String>,
    pub(super) state: State,
    /// When to read the users' presences again (after a failed read).
    pub(super) resync_at: Option<Instant>,
    /// Failed attempts since the last connection that stayed up.
    pub(super) failures: u32,
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
    /// When to move to a new channel, shortly before this one expires.
    pub(super) renew_at: Instant,
}

impl State {
    /// The connection whose reports count: the connected one, also while
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
}

impl Slot {
    /// A slot for `users`, to be connected.
    pub(super) fn new(users: &[String]) -> Slot {
        Slot {
            users: users.iter().cloned().collect(),
            state: State::Idle,
            resync_at: None,
            failures: 0,
        }
    }

    /// The earliest time the slot needs work: a connection, a renewal or a read.
    pub(super) fn due(&self) -> Option<Instant> {
        let link = match &self.state {
            State::Waiting { retry_at } => Some(*retry_at),
            State::Connected(up) => Some(up.renew_at),
            State::Idle | State::Connecting { .. } => return None,
        };
        [link, self.resync_at].into_iter().flatten().min()
    }

    /// Leaves a slot without users idle; returns the connection to close, if any.
    pub(super) fn idle(&mut self) -> Option<u64> {
        let live = self.state.live();
        self.state = State::Idle;
        self.resync_at = None;
        live.map(|up| up.link)
    }

    /// A failed attempt: when to try again.
    pub(super) fn failed(&mut self, now: Instant, timing: &Timing) -> Instant {
        self.failures += 1;
        now + timing.backoff(self.failures)
    }

    /// Its connection ended: plans the next attempt, at once if the
    /// connection had stayed up for a while, else after a backoff.
    pub(super) fn lost(&mut self, now: Instant, timing: &Timing) {
        let Some(up) = self.state.live() else {
            return;
        };
        let retry_at = if timing.stable(up.opened_at, now) {
            self.failures = 0;
            now
        } else {
            self.failed(now, timing)
        };
        match &mut self.state {
            // The replacement being opened reconnects instead.
            State::Connecting { why, .. } => *why = Opening::Reconnect,
            state => *state = State::Waiting { retry_at },
        }
    }

    /// Why `link` was being opened, if it still is; the state is left idle
    /// until the caller sets the new one.
    pub(super) fn take_opening(&mut self, link: u64) -> Option<Opening> {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Connecting { link: l, why } if l == link => Some(why),
            other => {
                self.state = other;
                None
            }
        }
    }
}
