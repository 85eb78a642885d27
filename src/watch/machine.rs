//! The watcher's decisions, without I/O: which users share a channel, when to
//! make, renew or replace a channel, how long to wait after a failure, what to
//! read after a gap, and what to yield.
//!
//! The [`Machine`] opens no socket, sends no request, reads no clock and never
//! sleeps. It is told what happened, and when (`now`), and answers with
//! [`Action`]s for the I/O loop to carry out: those of the caller's own
//! requests (adding and removing users) at once, background work (reconnecting,
//! renewing, re-reading, closing) one at a time from [`Machine::next_due`],
//! most urgent first. The loop tells it the outcomes in turn, and asks
//! [`Machine::next_wake`] how long it may wait for news. Connections are known
//! by the number the machine gave them in [`Action::Open`]: reports of a
//! connection that was replaced are ignored.

mod action;
mod slot;
#[cfg(test)]
mod tests;
mod timing;

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::time::{Duration, Instant};

use super::config::{Config, MAX_DURATION};
use super::outbox::Outbox;
use super::MAX_CHANNELS;
use crate::error::{Repr, WatchErrorKind};
use crate::models::{presence_topic, PresenceEvent, UcUserPresence};
use crate::{Error, Result};
pub(super) use action::Action;
use action::Read;
use slot::{Connected, Opening, Retiring, Slot, State};
use timing::{Jitter, Timing};

/// The most users one read after a reconnection asks for (the bulk call's limit).
const READ_CHUNK: usize = 50;

/// How long a channel replaced by a renewal is still read after its
/// successor serves: changes published just before the successor's
/// subscription took effect may still be on their way on the old socket.
const RETIRE_AFTER: Duration = Duration::from_secs(2);

/// The window of [`Config::max_channels_per_minute`].
const MINUTE: Duration = Duration::from_secs(60);

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

impl Disconnect {
    /// A copy (the error of [`Disconnect::Lost`] is a reader's
    /// [`Socket`](crate::ErrorKind::Socket) error, which is copied field by field).
    pub(super) fn duplicate(&self) -> Disconnect {
        match self {
            Disconnect::Closing => Disconnect::Closing,
            Disconnect::Lost(error) => Disconnect::Lost(copy(error)),
        }
    }
}

/// How a connection ended, as its reader saw it.
pub(super) struct Ending {
    /// `v2.system.socket_closing` came first.
    pub(super) closing: bool,
    /// What happened, as an error to yield when it matters.
    pub(super) error: Error,
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
    /// Connections that have delivered something (an event, a heartbeat).
    delivered: HashSet<u64>,
    /// Connections to close, for [`next_due`](Machine::next_due).
    to_close: Vec<u64>,
    /// When the channels of the last minute were made.
    creations: VecDeque<Instant>,
    /// When the channel ceiling was last reported.
    ceiling_reported: Option<Instant>,
    links_made: u64,
    reconnections: u64,
    last_disconnect: Option<Disconnect>,
    /// No more work: closed by the caller, or ended with reconnection off.
    closed: bool,
}

impl Machine {
    pub(super) fn new(config: Config, jitter: Jitter) -> Machine {
        Machine {
            timing: Timing::new(&config, jitter),
            config,
            slots: Vec::new(),
            outbox: Outbox::default(),
            refused: BTreeMap::new(),
            delivered: HashSet::new(),
            to_close: Vec::new(),
            creations: VecDeque::new(),
            ceiling_reported: None,
            links_made: 0,
            reconnections: 0,
            last_disconnect: None,
            closed: false,
        }
    }

    // ------------------------------------------------------------ the caller's requests

    /// Starts watching users not watched yet: on channels with room, then on
    /// new ones. A user refused before is tried again.
    ///
    /// # Errors
    ///
    /// When the watcher is closed, when the users need more than
    /// [`MAX_CHANNELS`] channels, or when making the channels they need now
    /// would pass the ceiling per minute; nothing changes then.
    pub(super) fn add(&mut self, users: Vec<String>, now: Instant) -> Result<Vec<Action>> {
        if self.closed {
            return Err(Error::invalid("watcher", "is closed"));
        }
        let mut users: Vec<String> = users.into_iter().filter(|u| !self.is_watched(u)).collect();
        let max = self.config.max_users_per_channel;
        self.check_room(users.len(), now)?;
        for user in &users {
            self.refused.remove(user);
        }
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
                // Theirs at once, so that a reconnection meanwhile includes them.
                State::Connected(up) => {
                    slot.users.extend(batch.iter().cloned());
                    actions.push(Action::Subscribe {
                        slot: i,
                        link: up.link,
                        users: batch,
                    });
                }
                State::Idle => {
                    slot.users.extend(batch);
                    actions.push(self.open(i, Opening::New, now));
                }
                // Subscribed, and read, when the slot connects again.
                _ => slot.users.extend(batch),
            }
        }
        for batch in users.chunks(max) {
            self.slots.push(Slot::new(batch));
            actions.push(self.open(self.slots.len() - 1, Opening::New, now));
        }
        Ok(actions)
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
            slot.to_read.retain(|u| !gone.contains(u));
            if slot.users.len() == before {
                continue;
            }
            if slot.users.is_empty() {
                for link in slot.idle() {
                    self.delivered.remove(&link);
                    actions.push(Action::Close { link });
                }
            } else if let State::Connected(up) = slot.state {
                let users = slot.users.iter().cloned().collect();
                actions.push(Action::Resubscribe { link: up.link, users });
            }
        }
        actions
    }

    /// Forgets every slot and queued item: nothing is yielded any more.
    pub(super) fn close(&mut self) {
        self.closed = true;
        self.slots.clear();
        self.outbox.clear();
    }

    // ------------------------------------------------------------ background work

    /// The most urgent background work due at `now`, if any: closing ended
    /// connections, then reconnecting, then re-reading presences (50 users
    /// at a time), then renewing (the channel opened longest ago first). So
    /// every channel is up again before the reads, and the reads a renewal
    /// needs are done before the next renewal starts: renewals due together
    /// go one at a time, within the rate budget, rather than in a burst.
    pub(super) fn next_due(&mut self, now: Instant) -> Option<Action> {
        if self.closed {
            return None;
        }
        if let Some(link) = self.to_close.pop() {
            return Some(Action::Close { link });
        }
        let retired = self
            .slots
            .iter_mut()
            .find(|s| s.retiring.is_some_and(|r| r.close_at <= now))
            .and_then(|s| s.retiring.take());
        if let Some(retired) = retired {
            self.delivered.remove(&retired.link);
            return Some(Action::Close { link: retired.link });
        }
        let waiting = (0..self.slots.len()).find(|&i| {
            let slot = &self.slots[i];
            !slot.users.is_empty() && matches!(slot.state, State::Waiting { retry_at } if retry_at <= now)
        });
        if let Some(i) = waiting {
            return match self.ceiling_allows(now) {
                Ok(()) => {
                    let action = self.open(i, Opening::Reconnect, now);
                    if let Action::Open { link, users, .. } = &action {
                        log::info!(
                            "reconnecting: new channel (connection {link}) for {} users",
                            users.len()
                        );
                    }
                    Some(action)
                }
                Err(free_at) => {
                    self.slots[i].state = State::Waiting { retry_at: free_at };
                    self.next_due(now)
                }
            };
        }
        let reading = self
            .slots
            .iter()
            .position(|s| s.read_due().is_some_and(|at| at <= now));
        if let Some(i) = reading {
            let slot = &mut self.slots[i];
            let users: Vec<String> = slot.to_read.iter().take(READ_CHUNK).cloned().collect();
            for user in &users {
                slot.to_read.remove(user);
            }
            log::info!(
                "re-reading the presences of {} users after a gap ({} more to read)",
                users.len(),
                slot.to_read.len()
            );
            return Read::of(i, users, true);
        }
        let renewal = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.users.is_empty())
            .filter_map(|(i, s)| match s.state {
                State::Connected(up) if up.renew_at <= now => Some((i, up)),
                _ => None,
            })
            .min_by_key(|(_, up)| up.opened_at);
        let (i, up) = renewal?;
        match self.ceiling_allows(now) {
            Ok(()) => {
                // At the limit, the new channel evicts one for sure: the
                // one used longest ago, which renewing in order of opening
                // makes this very channel. Its users are read again then.
                self.slots[i].renewal_evicts = self.channels_held() >= MAX_CHANNELS;
                let action = self.open(i, Opening::Renew(up), now);
                if let Action::Open { link, users, .. } = &action {
                    log::info!(
                        "renewing connection {} ({} users) {} s before its channel expires: new channel (connection {link})",
                        up.link,
                        users.len(),
                        up.expires.saturating_duration_since(now).as_secs()
                    );
                }
                Some(action)
            }
            Err(free_at) => {
                self.slots[i].state = State::Connected(Connected {
                    renew_at: free_at,
                    ..up
                });
                self.next_due(now)
            }
        }
    }

    /// When background work is due next; `None` when only news can bring any.
    pub(super) fn next_wake(&self, now: Instant) -> Option<Instant> {
        if self.closed {
            return None;
        }
        if !self.to_close.is_empty() {
            return Some(now);
        }
        self.slots.iter().filter_map(Slot::due).min()
    }

    // ------------------------------------------------------------ outcomes

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
        let Some((why, ended)) = self.take_opening(slot, link) else {
            return vec![Action::Close { link }];
        };
        let rank = self
            .slots
            .iter()
            .enumerate()
            .filter(|(j, s)| *j != slot && s.state.live().is_some())
            .count();
        let initial = matches!(why, Opening::New);
        let mut actions = Vec::new();
        let s = &mut self.slots[slot];
        let evicts = std::mem::take(&mut s.renewal_evicts);
        if let Some(ending) = ended {
            // Its socket ended before it was ready: as a failed attempt
            // (when renewing, the current channel is kept meanwhile, and it
            // is the current channel's end, not this one's, that counts).
            let renewing = matches!(why, Opening::Renew(_));
            s.state = match why {
                Opening::Renew(up) => State::Connected(Connected {
                    renew_at: s.failed(now, &self.timing),
                    ..up
                }),
                _ => State::Waiting {
                    retry_at: s.failed(now, &self.timing),
                },
            };
            actions.push(Action::Close { link });
            if renewing {
                self.delivered.remove(&link);
            } else {
                self.ended(slot, link, ending);
            }
            if self.closed {
                return actions;
            }
        } else {
            log::info!(
                "connection {link} up ({}): {} users, its channel expires in {} s",
                match why {
                    Opening::New => "new",
                    Opening::Reconnect => "reconnected",
                    Opening::Renew(_) => "renewal",
                },
                s.users.len(),
                expires.saturating_duration_since(now).as_secs()
            );
            s.state = State::Connected(Connected {
                link,
                opened_at: now,
                expires,
                renew_at: self.timing.renew_at(expires, now, rank),
            });
            match why {
                Opening::New => {}
                Opening::Renew(old) => {
                    // The old channel served until now, and is still read
                    // for a moment: nothing falls in a gap, unless making
                    // the new one evicted it.
                    s.failures = 0;
                    if let Some(earlier) = s.retiring.take() {
                        self.delivered.remove(&earlier.link);
                        actions.push(Action::Close { link: earlier.link });
                    }
                    // Closed before it expires (when the server would
                    // close it): a channel renewed late is read half of
                    // what it has left.
                    let left = old.expires.saturating_duration_since(now);
                    s.retiring = Some(Retiring {
                        link: old.link,
                        close_at: now + RETIRE_AFTER.min(left / 2),
                    });
                    if evicts {
                        s.to_read = s.users.clone();
                        s.read_at = Some(now);
                    }
                    self.reconnections += 1;
                }
                Opening::Reconnect => {
                    // Changes made while it was down are read now it is up.
                    s.to_read = s.users.clone();
                    s.read_at = Some(now);
                    self.reconnections += 1;
                }
            }
        }
        actions.extend(self.refuse(slot, refused));
        if initial {
            actions.extend(self.read(slot));
        }
        actions
    }

    /// The [`Action::Open`] failed. A new slot's users are not watched and the
    /// error is returned, for the caller; otherwise it is yielded and the
    /// attempt made again after a backoff (the current channel, when
    /// renewing, is kept meanwhile).
    pub(super) fn open_failed(&mut self, slot: usize, link: u64, error: Error, now: Instant) -> Result<()> {
        let Some((why, _)) = self.take_opening(slot, link) else {
            return Ok(()); // no longer wanted
        };
        let s = &mut self.slots[slot];
        s.renewal_evicts = false;
        // Not before the server said to try again, if it did (a 429).
        let retry_at = s
            .failed(now, &self.timing)
            .max(now + error.retry_after().unwrap_or_default().min(MAX_DURATION));
        if !matches!(why, Opening::New) {
            log::warn!(
                "making a channel for {} users failed; trying again in {} ms: {error}",
                s.users.len(),
                retry_at.saturating_duration_since(now).as_millis()
            );
        }
        s.state = match why {
            Opening::New => {
                s.users.clear();
                return Err(error);
            }
            Opening::Reconnect => State::Waiting { retry_at },
            // The current channel is kept meanwhile.
            Opening::Renew(up) => State::Connected(Connected {
                renew_at: retry_at,
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
        let Some(s) = self.slots.get_mut(slot) else {
            return Vec::new(); // closed meanwhile
        };
        s.users.extend(users.iter().cloned());
        let mut actions: Vec<Action> = self.refuse(slot, refused).into_iter().collect();
        let users = users.into_iter().filter(|u| !self.refused.contains_key(u));
        actions.extend(Read::of(slot, users.collect(), false));
        actions
    }

    /// The [`Action::Subscribe`] failed: its users are not watched, unless
    /// the channel was replaced meanwhile (its successor has them).
    pub(super) fn subscribe_failed(&mut self, slot: usize, link: u64, users: &[String]) {
        if let Some(s) = self.slots.get_mut(slot) {
            if s.state.live().is_some_and(|up| up.link == link) {
                for user in users {
                    s.users.remove(user);
                }
            }
        }
    }

    /// The presences the [`Action::Read`] asked for.
    pub(super) fn presences_read(&mut self, read: &Read, presences: Vec<UcUserPresence>) {
        if let Some(slot) = self.slots.get_mut(read.slot) {
            slot.read_failures = 0;
        }
        let initial = self.config.initial_presences;
        // Users removed while the read was under way are left out.
        let watched: Vec<String> = read
            .users
            .iter()
            .filter(|u| self.is_watched(u))
            .cloned()
            .collect();
        self.outbox.read(&watched, presences, initial);
    }

    /// The [`Action::Read`] failed: a re-read is yielded and tried again after
    /// a backoff; a read of users being added returns the error, for the caller.
    pub(super) fn read_failed(&mut self, read: &Read, error: Error, now: Instant) -> Result<()> {
        if !read.resync {
            return Err(error);
        }
        if let Some(slot) = self.slots.get_mut(read.slot) {
            let still_watched = read.users.iter().filter(|u| slot.users.contains(*u));
            slot.to_read.extend(still_watched.cloned());
            slot.read_failures += 1;
            let wait = self
                .timing
                .backoff(slot.read_failures)
                .max(error.retry_after().unwrap_or_default());
            slot.read_at = Some(now + wait.min(MAX_DURATION));
            log::warn!(
                "re-reading the presences of {} users failed; trying again in {} ms: {error}",
                read.users.len(),
                wait.min(MAX_DURATION).as_millis()
            );
        }
        self.outbox.report(error);
        Ok(())
    }

    // ------------------------------------------------------------ what the sockets report

    /// A presence change pushed over `link`: yielded if the link serves the
    /// user (while a channel is replaced, both the old and the new one do).
    pub(super) fn presence_pushed(&mut self, link: u64, event: PresenceEvent) {
        if let Some(i) = self.slot_of_link(link) {
            self.delivered.insert(link);
            if self.slots[i].users.contains(&event.user_id) {
                self.outbox.offer(event);
            }
        }
    }

    /// `link` delivered a message that is not a change (a heartbeat).
    pub(super) fn heard(&mut self, link: u64) {
        if self.slot_of_link(link).is_some() {
            self.delivered.insert(link);
        }
    }

    /// A message on `link` that could not be read: yielded if the link is current.
    pub(super) fn unreadable(&mut self, link: u64, error: Error) {
        if self.slot_of_link(link).is_some() {
            self.delivered.insert(link);
            self.outbox.report(error);
        }
    }

    /// The connection `link` ended. If it served a slot it is closed and the
    /// next attempt planned (see [`Slot::retry_after_loss`]); with
    /// reconnection off, the watcher yields why and ends instead.
    pub(super) fn lost(&mut self, link: u64, ending: Ending, now: Instant) {
        if self.slot_of_link(link).is_some() {
            log::info!("connection {link} ended: {}", ending.error);
        }
        // A channel just replaced by a renewal, ending while it is still
        // read: it may have ended before its successor was subscribed
        // (evicted when the successor was made), so its users are read again.
        if let Some(slot) = self
            .slots
            .iter_mut()
            .find(|s| s.retiring.is_some_and(|r| r.link == link))
        {
            slot.retiring = None;
            if matches!(slot.state, State::Connected(_)) {
                slot.to_read = slot.users.clone();
                slot.read_at = Some(now);
            }
            self.delivered.remove(&link);
            self.to_close.push(link);
            self.last_disconnect = Some(disconnect(ending));
            return;
        }
        let Some(i) = self.slot_of_link(link) else {
            return;
        };
        match &mut self.slots[i].state {
            // Still being opened: the opener finds out when it is done.
            State::Connecting { link: l, ended, .. } if *l == link => {
                *ended = Some(ending);
            }
            // The channel being replaced, with reconnection off: that is
            // the end, as for any connection that ends.
            State::Connecting { .. } if !self.config.auto_reconnect => {
                self.to_close.push(link);
                self.ended(i, link, ending);
            }
            // The channel being replaced: its successor takes over as a
            // reconnection (its users are read again).
            State::Connecting { why, .. } => {
                *why = Opening::Reconnect;
                self.to_close.push(link);
                self.delivered.remove(&link);
                self.last_disconnect = Some(disconnect(ending));
            }
            State::Connected(up) => {
                let opened_at = up.opened_at;
                let retry_at = self.slots[i].retry_after_loss(opened_at, now, &self.timing);
                self.slots[i].state = State::Waiting { retry_at };
                self.slots[i].to_read.clear();
                self.to_close.push(link);
                self.ended(i, link, ending);
            }
            State::Idle | State::Waiting { .. } => {}
        }
    }

    // ------------------------------------------------------------ outputs

    /// The next item to yield.
    pub(super) fn pop(&mut self) -> Option<Result<PresenceEvent>> {
        self.outbox.pop()
    }

    /// True once nothing more will be yielded: closed, and nothing waiting.
    pub(super) fn is_over(&self) -> bool {
        self.closed && self.outbox.is_empty()
    }

    /// True once closed (items may still wait to be yielded).
    pub(super) fn is_closed(&self) -> bool {
        self.closed
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
        self.slots.iter().filter(|s| !s.users.is_empty()).count()
    }

    pub(super) fn connected_channels(&self) -> usize {
        self.slots.iter().filter(|s| s.state.live().is_some()).count()
    }

    pub(super) fn reconnections(&self) -> u64 {
        self.reconnections
    }

    pub(super) fn dropped_errors(&self) -> u64 {
        self.outbox.dropped_errors()
    }

    pub(super) fn last_disconnect(&self) -> Option<&Disconnect> {
        self.last_disconnect.as_ref()
    }

    // ------------------------------------------------------------ internals

    fn is_watched(&self, user: &str) -> bool {
        self.slots.iter().any(|s| s.users.contains(user))
    }

    /// The channels the watcher holds now, those being made included.
    fn channels_held(&self) -> usize {
        self.slots
            .iter()
            .map(|s| {
                usize::from(s.state.live().is_some())
                    + usize::from(matches!(s.state, State::Connecting { .. }))
                    + usize::from(s.retiring.is_some())
            })
            .sum()
    }

    /// The slot `link` serves: its live connection, the one being opened,
    /// or the one a renewal just replaced.
    fn slot_of_link(&self, link: u64) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.state.has_link(link) || s.retiring.is_some_and(|r| r.link == link))
    }

    /// Whether `users` more fit: in [`MAX_CHANNELS`] channels, and in the
    /// channels that may be made this minute.
    fn check_room(&mut self, users: usize, now: Instant) -> Result<()> {
        let max = self.config.max_users_per_channel;
        let mut left = users;
        let mut opens = 0;
        for slot in &self.slots {
            let room = max.saturating_sub(slot.users.len()).min(left);
            if room == 0 || matches!(slot.state, State::Connecting { .. }) {
                continue;
            }
            left -= room;
            opens += usize::from(matches!(slot.state, State::Idle));
        }
        let new_slots = left.div_ceil(max);
        if self.slots.len() + new_slots > MAX_CHANNELS {
            return Err(Error::invalid(
                "user_ids",
                format!(
                    "watching {} more users needs {} more channels of {max} users; a user and OAuth client may hold {MAX_CHANNELS} channels",
                    users, new_slots
                ),
            ));
        }
        self.forget_old_creations(now);
        let ceiling = self.config.max_channels_per_minute as usize;
        if self.creations.len() + opens + new_slots > ceiling {
            return Err(self.ceiling_error());
        }
        Ok(())
    }

    /// `Ok` if a channel may be made now; else when one may be, having
    /// yielded the ceiling error (once a minute).
    fn ceiling_allows(&mut self, now: Instant) -> std::result::Result<(), Instant> {
        self.forget_old_creations(now);
        if self.creations.len() < self.config.max_channels_per_minute as usize {
            return Ok(());
        }
        if self
            .ceiling_reported
            .is_none_or(|at| now.saturating_duration_since(at) >= MINUTE)
        {
            self.ceiling_reported = Some(now);
            let error = self.ceiling_error();
            log::warn!("{error}");
            self.outbox.report(error);
        }
        Err(self.creations.front().map_or(now, |first| *first + MINUTE))
    }

    fn forget_old_creations(&mut self, now: Instant) {
        while self
            .creations
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= MINUTE)
        {
            self.creations.pop_front();
        }
    }

    fn ceiling_error(&self) -> Error {
        Repr::Watch {
            kind: WatchErrorKind::ChannelCeiling,
            detail: format!(
                "{} channels were made in the last minute, the ceiling (max_channels_per_minute); the next waits",
                self.creations.len()
            ),
        }
        .into()
    }

    /// Asks for a new channel for a slot's users.
    fn open(&mut self, i: usize, why: Opening, now: Instant) -> Action {
        self.creations.push_back(now);
        self.links_made += 1;
        let link = self.links_made;
        let slot = &mut self.slots[i];
        slot.state = State::Connecting {
            link,
            why,
            ended: None,
        };
        let users = slot.users.iter().cloned().collect();
        Action::Open { slot: i, link, users }
    }

    /// Why `link` was being opened for a slot, if it still is; the slot is
    /// left idle until the caller sets its new state.
    fn take_opening(&mut self, slot: usize, link: u64) -> Option<(Opening, Option<Ending>)> {
        self.slots.get_mut(slot)?.take_opening(link)
    }

    /// A connection of slot `i` ended: counts connections in a row that
    /// delivered nothing (yielding an error at the limit), or, with
    /// reconnection off, yields why and ends the watcher.
    fn ended(&mut self, i: usize, link: u64, ending: Ending) {
        let delivered = self.delivered.remove(&link);
        let slot = &mut self.slots[i];
        if !self.config.auto_reconnect {
            self.last_disconnect = Some(if ending.closing {
                Disconnect::Closing
            } else {
                Disconnect::Lost(copy(&ending.error))
            });
            self.outbox.report(ending.error);
            self.closed = true;
            self.slots.clear();
            return;
        }
        if delivered {
            slot.empty_in_a_row = 0;
        } else {
            slot.empty_in_a_row += 1;
            if slot.empty_in_a_row >= self.config.max_empty_connections {
                slot.empty_in_a_row = 0;
                self.outbox.report(
                    Repr::Watch {
                        kind: WatchErrorKind::EmptyConnections,
                        detail: format!(
                            "{} connections in a row ended before delivering anything (the last: {}); reconnecting",
                            self.config.max_empty_connections, ending.error
                        ),
                    }
                    .into(),
                );
            }
        }
        self.last_disconnect = Some(disconnect(ending));
    }

    /// Reads a new slot's presences (a failure is the caller's).
    fn read(&self, slot: usize) -> Option<Action> {
        let users = self.slots.get(slot)?.users.iter().cloned().collect();
        Read::of(slot, users, false)
    }

    /// Drops refused users from a slot and reports each once; a slot left
    /// without users closes its channel.
    fn refuse(&mut self, i: usize, refused: Vec<(String, String)>) -> Vec<Action> {
        let Some(slot) = self.slots.get_mut(i) else {
            return Vec::new();
        };
        for (user, reason) in refused {
            slot.users.remove(&user);
            slot.to_read.remove(&user);
            if !self.refused.contains_key(&user) {
                self.outbox.report(
                    Repr::TopicRejected {
                        topic: presence_topic(&user),
                        reason: reason.clone(),
                    }
                    .into(),
                );
                self.refused.insert(user, reason);
            }
        }
        if slot.users.is_empty() {
            let links = slot.idle();
            for link in &links {
                self.delivered.remove(link);
            }
            links.into_iter().map(|link| Action::Close { link }).collect()
        } else {
            Vec::new()
        }
    }
}

fn disconnect(ending: Ending) -> Disconnect {
    if ending.closing {
        Disconnect::Closing
    } else {
        Disconnect::Lost(ending.error)
    }
}

/// A copy of a reader's error (always a [`Socket`](crate::ErrorKind::Socket)
/// error; another is copied as a [`System`](crate::ErrorKind::System) error
/// saying the same).
fn copy(error: &Error) -> Error {
    match error.repr() {
        Repr::Socket { host, kind, detail } => Repr::Socket {
            host: host.clone(),
            kind: *kind,
            detail: detail.clone(),
        }
        .into(),
        _ => Error::system(error.to_string()),
    }
}
