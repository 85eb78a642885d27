//! What the [`Machine`](super::Machine) asks the I/O loop to do, in order.

#[derive(Debug, PartialEq)]
pub(in crate::watch) enum Action {
    /// Make a channel numbered `link`, connect it and subscribe `users`; then
    /// tell [`opened`](super::Machine::opened) or [`open_failed`](super::Machine::open_failed).
    Open {
        slot: usize,
        link: u64,
        users: Vec<String>,
    },
    /// Add `users` (already counted as the slot's) to the channel of
    /// `link`; then tell [`subscribed`](super::Machine::subscribed) or
    /// [`subscribe_failed`](super::Machine::subscribe_failed). A failure is
    /// the caller's error.
    Subscribe {
        slot: usize,
        link: u64,
        users: Vec<String>,
    },
    /// Make `users` the only subscriptions of `link`'s channel. A failure is
    /// the caller's error.
    Resubscribe { link: u64, users: Vec<String> },
    /// Close the connection `link` and stop its reader.
    Close { link: u64 },
    /// Read the current presences of users; then tell
    /// [`presences_read`](super::Machine::presences_read) or [`read_failed`](super::Machine::read_failed).
    Read(Read),
}

/// A read of current presences.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::watch) struct Read {
    pub(in crate::watch) slot: usize,
    pub(in crate::watch) users: Vec<String>,
    /// A read after a reconnection, whose failure is yielded and retried;
    /// otherwise a read of users being added, whose failure is the caller's.
    pub(in crate::watch) resync: bool,
}

impl Read {
    /// The action of reading `users`, if there are any.
    pub(super) fn of(slot: usize, users: Vec<String>, resync: bool) -> Option<Action> {
        (!users.is_empty()).then_some(Action::Read(Read { slot, users, resync }))
    }
}
