//! The watcher's decisions, without I/O: which users share a channel, when to
//! make, renew or replace a channel, how long to wait after a failure, what to
//! read after a gap, and what to yield.
//!
//! The [`Machine`] opens no socket, sends no request, reads no clock and never
//! sleeps. It is told what happened, and when (`now`), and answers with
//! [`Action`]s for the I/O loop to carry out; the loop tells it their outcomes
//! in turn, and asks [`Machine::next_wake`] how long it may wait for news.
//! Connections are known by the number the machine gave them in
//! [`Action::Open`]: reports of a connection that was replaced are ignored.

mod action;
mod slot;
#[cfg(test)]
mod tests;
mod timing;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use super::config::Config;
use super::outbox::Outbox;
use crate::models::{presence_topic, PresenceEvent, UcUserPresence};
use crate::{Error, Result};
pub(super) use action::Action;
use action::Read;
use slot::{Connected, Opening, Slot, State};
use timing::{Jitter, Timing};

/// Why a watcher's connection last ended, from [`Watcher::last_disconnect`](super::Watcher::last_disconnect).
#[derive(Debug)]
#[non_exhaustive]
pub enum Disconnect {
    /// The server sent `v2.system.socket_closing`.
    Closing,
    /// The connection broke, was closed by the server, or stayed silent past
    /// the heartbeat timeout ([`Error::is_timeout`]).
    Lost(Error),
}

/// The state of a watcher's users and channels.
pub(super) struct Machine {
    config: Config,
    timing: Timing,
    /// Groups of users that share a channel; a slot keeps its index for good.
    slots: Vec<Slot>,
    outbox: Outbox,
    /// Users whose topic the API refused, and why.
    refused: BTreeMap<String, String>,
    links_made: u64,
    reconnections: u64,
    last_disconnect: Option<Disconnect>,
}

impl Machine {
    pub(super) fn new(config: Config, jitter: Jitter) -> Machine {
        Machine {
            timing: Timing::new(&config, jitter),
            config,
            slots: Vec::new(),
            outbox: Outbox::default(),
            refused: BTreeMap::new(),
            links_made: 0,
            reconnections: 0,
            last_disconnect: None,
        }
    }

    // ------------------------------------------------------------ inputs

    /// Starts watching users not watched yet: on channels with room, then on
    /// new ones. A user refused before is tried again.
    pub(super) fn add(&mut self, users: Vec<String>) -> Vec<Action> {
        let mut users: Vec<String> = users.into_iter().filter(|u| !self.is_watched(u)).collect();
        for user in &users {
            self.refused.remove(user);
        }
        let max = self.config.max_users_per_channel;
        let mut actions = Vec::new();
        for i in 0..self.slots.len() {
            let slot = &mut self.slots[i];
            let room = max.saturating_sub(slot.users.len()).min(users.len());
            // A channel being opened has its users already.
            if room == 0 || matches!(slot.state, State::Connecting { .. }) {
                continue;
            }
            let batch: Vec<String> = users.drain(..room).collect();
            match slot.state {
                State::Connected(up) => actions.push(Action::Subscribe {
                    slot: i,
                    link: up.link,
                    users: batch,
                }),
                State::Idle => {
                    slot.users.extend(batch);
                    actions.push(self.open(i, Opening::New));
                }
                // Subscribed, and read, when the slot connects again.
                _ => slot.users.extend(batch),
            }
        }
        for batch in users.chunks(max) {
            self.slots.push(Slot::new(batch));
            actions.push(self.open(self.slots.len() - 1, Opening::New));
        }
        actions
    }

    /// Stops watching users: their queued events are dropped, a channel left
    /// without users is closed, the others keep only the remaining users.
    pub(super) fn remove(&mut self, gone: &BTreeSet<String>) -> Vec<Action> {
        self.outbox.forget(gone);
        for user in gone {
            self.refused.remove(user);
        }
        let mut actions = Vec::new();
        for slot in &mut self.slots {
            let before = slot.users.len();
            slot.users.retain(|u| !gone.contains(u));
            if slot.users.len() == before {
                continue;
            }
            if slot.users.is_empty() {
                actions.extend(slot.idle().map(|link| Action::Close { link }));
            } else if let State::Connected(up) = slot.state {
                let users = slot.users.iter().cloned().collect();
                actions.push(Action::Resubscribe { link: up.link, users });
            }
        }
        actions
    }

    /// The work that is due at `now`: connections, renewals and reads.
    pub(super) fn tick(&mut self, now: Instant) -> Vec<Action> {
        let mut actions = Vec::new();
        for i in 0..self.slots.len() {
            let slot = &self.slots[i];
            if slot.users.is_empty() || slot.due().is_none_or(|due| due > now) {
                continue;
            }
            match slot.state {
                State::Waiting { retry_at } if retry_at <= now => {
                    actions.push(self.open(i, Opening::Reconnect));
                }
                State::Connected(up) if up.renew_at <= now => {
                    actions.push(self.open(i, Opening::Renew(up)));
                }
                _ => actions.extend(self.resync(i)),
            }
        }
        actions
    }

    /// The channel of [`Action::Open`] is connected and subscribed (but for
    /// the `refused` users and why); it `expires` then.
    pub(super) fn opened(
        &mut self,
        slot: usize,
        link: u64,
        expires: Instant,
        refused: Vec<(String, String)>,
        now: Instant,
    ) -> Vec<Action> {
        let Some(why) = self.take_opening(slot, link) else {
            return vec![Action::Close { link }];
        };
        let renew_at = self.timing.renew_at(expires, now);
        let mut actions = Vec::new();
        let s = &mut self.slots[slot];
        s.state = State::Connected(Connected {
            link,
            opened_at: now,
            renew_at,
        });
        let resync = !matches!(why, Opening::New);
        if let Opening::Renew(old) = why {
            // The old channel stayed up until now.
            s.failures = 0;
            actions.push(Action::Close { link: old.link });
        }
        if resync {
            s.resync_at = None;
            self.reconnections += 1;
        }
        actions.extend(self.refuse(slot, refused));
        actions.extend(self.read(slot, resync));
        actions
    }

    /// The [`Action::Open`] failed. A new slot's users are not watched and the
    /// error is returned, for the caller; otherwise it is yielded and the
    /// attempt made again after a backoff (the current channel, when
    /// renewing, is kept meanwhile).
    pub(super) fn open_failed(&mut self, slot: usize, link: u64, error: Error, now: Instant) -> Result<()> {
        let Some(why) = self.take_opening(slot, link) else {
            return Ok(()); // no longer wanted
        };
        let s = &mut self.slots[slot];
        s.state = match why {
            Opening::New => {
                s.users.clear();
                return Err(error);
            }
            Opening::Reconnect => State::Waiting {
                retry_at: s.failed(now, &self.timing),
            },
            // The current channel is kept meanwhile.
            Opening::Renew(up) => State::Connected(Connected {
                renew_at: s.failed(now, &self.timing),
                ..up
            }),
        };
        self.outbox.report(error);
        Ok(())
    }

    /// The [`Action::Subscribe`] was made; the `refused` users were not subscribed.
    pub(super) fn subscribed(
        &mut self,
        slot: usize,
        users: Vec<String>,
        refused: Vec<(String, String)>,
    ) -> Vec<Action> {
        let s = &mut self.slots[slot];
        s.users.extend(users.iter().cloned());
        let mut actions: Vec<Action> = self.refuse(slot, refused).into_iter().collect();
        let users = users.into_iter().filter(|u| !self.refused.contains_key(u));
        actions.extend(Read::of(slot, users.collect(), false));
        actions
    }

    /// The presences the [`Action::Read`] asked for.
    pub(super) fn presences_read(&mut self, read: &Read, presences: Vec<UcUserPresence>) {
        let initial = self.config.initial_presences;
        self.outbox.read(&read.users, presences, initial);
    }

    /// The [`Action::Read`] failed: a resync is yielded and tried again after
    /// a backoff; a read of users being added returns the error, for the caller.
    pub(super) fn read_failed(&mut self, read: &Read, error: Error, now: Instant) -> Result<()> {
        if !read.resync {
            return Err(error);
        }
        let retry_at = now + self.timing.backoff(1);
        if let Some(slot) = self.slots.get_mut(read.slot) {
            slot.resync_at = Some(retry_at);
        }
        self.outbox.report(error);
        Ok(())
    }

    /// A presence change pushed over `link`: yielded if the link is current
    /// and the user watched there.
    pub(super) fn presence_pushed(&mut self, link: u64, event: PresenceEvent) {
        if let Some(i) = self.slot_of_link(link) {
            if self.slots[i].users.contains(&event.user_id) {
                self.outbox.offer(event);
            }
        }
    }

    /// A message on `link` that could not be read: yielded if the link is current.
    pub(super) fn unreadable(&mut self, link: u64, error: Error) {
        if self.slot_of_link(link).is_some() {
            self.outbox.report(error);
        }
    }

    /// The connection `link` ended. If it is current it is closed, and the
    /// next attempt planned: at once if it had stayed up for a while
    /// (backoff min × 10, at most the backoff max), else after a backoff.
    pub(super) fn lost(&mut self, link: u64, reason: Disconnect, now: Instant) -> Vec<Action> {
        let Some(i) = self.slot_of_link(link) else {
            return Vec::new();
        };
        self.last_disconnect = Some(reason);
        self.slots[i].lost(now, &self.timing);
        vec![Action::Close { link }]
    }

    /// Forgets every slot and queued item: nothing is yielded any more.
    pub(super) fn close(&mut self) {
        self.slots.clear();
        self.outbox.clear();
    }

    // ------------------------------------------------------------ outputs

    /// The next item to yield.
    pub(super) fn pop(&mut self) -> Option<Result<PresenceEvent>> {
        self.outbox.pop()
    }

    /// When [`tick`](Machine::tick) has work next; `None` when only news can bring any.
    pub(super) fn next_wake(&self) -> Option<Instant> {
        self.slots
            .iter()
            .filter(|s| !s.users.is_empty())
            .filter_map(Slot::due)
            .min()
    }

    pub(super) fn config(&self) -> &Config {
        &self.config
    }

    /// The users being watched, sorted.
    pub(super) fn user_ids(&self) -> Vec<String> {
        let mut users: Vec<String> = self.slots.iter().flat_map(|s| s.users.iter().cloned()).collect();
        users.sort();
        users
    }

    pub(super) fn refused_users(&self) -> Vec<(String, String)> {
        self.refused.iter().map(|(u, r)| (u.clone(), r.clone())).collect()
    }

    pub(super) fn channels(&self) -> usize {
        self.slots.len()
    }

    pub(super) fn connected_channels(&self) -> usize {
        self.slots.iter().filter(|s| s.state.live().is_some()).count()
    }

    pub(super) fn reconnections(&self) -> u64 {
        self.reconnections
    }

    pub(super) fn last_disconnect(&self) -> Option<&Disconnect> {
        self.last_disconnect.as_ref()
    }

    // ------------------------------------------------------------ internals

    fn is_watched(&self, user: &str) -> bool {
        self.slots.iter().any(|s| s.users.contains(user))
    }

    fn slot_of_link(&self, link: u64) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.state.live().is_some_and(|up| up.link == link))
    }

    /// Asks for a new channel for a slot's users.
    fn open(&mut self, i: usize, why: Opening) -> Action {
        self.links_made += 1;
        let link = self.links_made;
        let slot = &mut self.slots[i];
        slot.state = State::Connecting { link, why };
        let users = slot.users.iter().cloned().collect();
        Action::Open { slot: i, link, users }
    }

    /// Why `link` was being opened for a slot, if it still is; the slot is
    /// left idle until the caller sets its new state.
    fn take_opening(&mut self, slot: usize, link: u64) -> Option<Opening> {
        self.slots.get_mut(slot)?.take_opening(link)
    }

    /// Reads a slot's presences after a reconnection.
    fn resync(&mut self, i: usize) -> Option<Action> {
        self.slots[i].resync_at = None;
        self.read(i, true)
    }

    fn read(&self, slot: usize, resync: bool) -> Option<Action> {
        Read::of(slot, self.slots[slot].users.iter().cloned().collect(), resync)
    }

    /// Drops refused users from a slot and reports each once; a slot left
    /// without users closes its channel.
    fn refuse(&mut self, i: usize, refused: Vec<(String, String)>) -> Option<Action> {
        let slot = &mut self.slots[i];
        for (user, reason) in refused {
            slot.users.remove(&user);
            if !self.refused.contains_key(&user) {
                self.outbox.report(Error::TopicRejected {
                    topic: presence_topic(&user),
                    reason: reason.clone(),
                });
                self.refused.insert(user, reason);
            }
        }
        if slot.users.is_empty() {
            slot.idle().map(|link| Action::Close { link })
        } else {
            None
        }
    }
}
