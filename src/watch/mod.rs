//! Watch presence in real time: a blocking iterator of presence changes,
//! fed by the Notifications API over a WebSocket (feature `notifications`).
//!
//! ```
//! use genesys_presence::{user, watch};
//! # let org = genesys_presence::fake::FakeOrg::start()?;
//! # let session = org.session()?;
//! # let user_id = org.user_ids()[0].clone();
//! # let elsewhere = org.session()?;
//!
//! let mut watcher = watch::users(&session, &[&user_id])?;
//! # user::set_presence_by_name(&elsewhere, &user_id, "Busy", Some("Focus time"))?;
//! // Blocks until someone's presence changes.
//! for event in watcher.by_ref().take(1) {
//!     let event = event?;
//!     println!("{} is now {:?}: {:?}", event.user_id, event.system_presence_name(), event.message);
//! #   assert_eq!(event.message.as_deref(), Some("Focus time"));
//! }
//! watcher.close();
//! # Ok::<(), genesys_presence::Error>(())
//! ```
//!
//! # What a watcher does
//!
//! [`users`] (or [`WatchBuilder::start`]) makes a notification channel,
//! connects its WebSocket, subscribes `v2.users.{userId}.presence` for every
//! user, and reads everyone's current presence once. Then:
//!
//! - [`Watcher`] is an `Iterator` of `Result<`[`PresenceEvent`]`>`: `next()`
//!   blocks until a change arrives; [`Watcher::next_timeout`] waits at most
//!   a given time, for loops that do other work too.
//! - More users than a channel holds (1 000 topics) are spread over several
//!   channels, each with its socket and one reader thread.
//! - A topic the API refuses (missing permission, unknown user) is reported
//!   once, as an `Err(`[`Error::TopicRejected`]`)` item with the reason; the
//!   other users are watched.
//! - Heartbeats (`channel.metadata`) are read, not yielded. A socket that is
//!   silent for [`WatchBuilder::heartbeat_timeout`] is taken as dead.
//! - On `v2.system.socket_closing`, a dropped or dead connection, or shortly
//!   before the channel's 24 hours run out, the watcher makes a new channel
//!   with the same subscriptions, waiting between failed attempts (bounded
//!   backoff). After reconnecting it reads the users' current presences (in
//!   bulk calls of 50) and yields an event ([`EventOrigin::Resync`]) for each
//!   user whose presence differs from the last one yielded, so changes made
//!   while it was away are not lost.
//! - Every call uses the session: with client credentials, tokens are
//!   renewed as they expire, however long the watch.
//!
//! An `Err` item is not the end of the stream: the watcher goes on (a failed
//! reconnection is retried after a wait). The iterator ends only after
//! [`Watcher::close`]; dropping the watcher closes it too. Closing stops
//! every reader thread and closes every socket before it returns.

mod channel;
mod socket;
mod time;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use channel::{Link, Refusal};
use socket::Signal;

use crate::args::distinct_ids;
use crate::models::UcUserPresence;
use crate::notifications::MAX_TOPICS_PER_CHANNEL;
use crate::retry;
use crate::{user, Error, Result, Session};

pub use crate::models::{EventOrigin, PresenceEvent};

/// The default [`WatchBuilder::heartbeat_timeout`]: 90 s, three of Genesys
/// Cloud's heartbeats (one about every 30 s).
pub const DEFAULT_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(90);
/// The default shortest wait before reconnecting after a failure (see
/// [`WatchBuilder::reconnect_backoff`]).
pub const DEFAULT_BACKOFF_MIN: Duration = Duration::from_secs(1);
/// The default longest wait between reconnection attempts.
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(60);
/// The default [`WatchBuilder::renew_before`]: move to a new channel 5
/// minutes before the current one expires.
pub const DEFAULT_RENEW_BEFORE: Duration = Duration::from_secs(300);

/// Watches the presence of `user_ids` with the default settings; see the
/// [module docs](self) and [`WatchBuilder`] for the settings.
///
/// # Errors
///
/// [`Error::InvalidInput`] for no users or an empty id; otherwise the first
/// failure of making the channels, connecting, subscribing or reading the
/// current presences ([`Error::Api`], [`Error::Socket`], …). Refused topics
/// are not an error here: they are the watcher's first items.
pub fn users<S: AsRef<str>>(session: &Session, user_ids: &[S]) -> Result<Watcher> {
    if user_ids.is_empty() {
        return Err(Error::invalid("user_ids", "at least one user id is needed"));
    }
    WatchBuilder::new().users(user_ids).start(session)
}

/// Settings of a [`Watcher`]; every setter names its default.
///
/// ```no_run
/// use std::time::Duration;
/// use genesys_presence::watch::WatchBuilder;
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
///
/// let watcher = WatchBuilder::new()
///     .users(&["3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44"])
///     .heartbeat_timeout(Duration::from_secs(60))
///     .initial_presences(true)
///     .start(&session)?;
/// # Ok::<(), genesys_presence::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WatchBuilder {
    user_ids: Vec<String>,
    config: Config,
}

#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) heartbeat_timeout: Duration,
    backoff_min: Duration,
    backoff_max: Duration,
    max_users_per_channel: usize,
    initial_presences: bool,
    pub(crate) renew_before: Duration,
}

impl Default for WatchBuilder {
    fn default() -> Self {
        WatchBuilder {
            user_ids: Vec::new(),
            config: Config {
                heartbeat_timeout: DEFAULT_HEARTBEAT_TIMEOUT,
                backoff_min: DEFAULT_BACKOFF_MIN,
                backoff_max: DEFAULT_BACKOFF_MAX,
                max_users_per_channel: MAX_TOPICS_PER_CHANNEL,
                initial_presences: false,
                renew_before: DEFAULT_RENEW_BEFORE,
            },
        }
    }
}

impl WatchBuilder {
    /// Settings with every default and no users.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds users to watch (repeated ids are watched once). Default: none;
    /// a watcher started without users waits for [`Watcher::add_users`].
    pub fn users<S: AsRef<str>>(mut self, user_ids: &[S]) -> Self {
        self.user_ids
            .extend(user_ids.iter().map(|id| id.as_ref().to_owned()));
        self
    }

    /// How long a socket may stay silent (no event and no heartbeat) before
    /// it is taken as dead and replaced. Default: [`DEFAULT_HEARTBEAT_TIMEOUT`]
    /// (90 s). Must not be zero.
    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.config.heartbeat_timeout = timeout;
        self
    }

    /// The waits between failed reconnection attempts: `min` after the first
    /// failure, doubling up to `max` (each with jitter). A connection that
    /// drops soon after it was made counts as a failure, so a server that
    /// keeps closing sockets is not hammered. Default:
    /// [`DEFAULT_BACKOFF_MIN`] (1 s) to [`DEFAULT_BACKOFF_MAX`] (60 s).
    /// `min` must not be zero or above `max`.
    pub fn reconnect_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.config.backoff_min = min;
        self.config.backoff_max = max;
        self
    }

    /// The most users one channel carries. Default and maximum: 1 000
    /// ([`MAX_TOPICS_PER_CHANNEL`]). Must not be zero.
    pub fn max_users_per_channel(mut self, users: usize) -> Self {
        self.config.max_users_per_channel = users;
        self
    }

    /// Whether the watcher first yields every user's current presence
    /// ([`EventOrigin::Initial`]), as a status light needs, and likewise for
    /// users added later. Default: `false` (only changes are yielded).
    pub fn initial_presences(mut self, yes: bool) -> Self {
        self.config.initial_presences = yes;
        self
    }

    /// How long before a channel expires the watcher moves to a new one (at
    /// most a tenth of the channel's lifetime). Default:
    /// [`DEFAULT_RENEW_BEFORE`] (5 minutes).
    pub fn renew_before(mut self, margin: Duration) -> Self {
        self.config.renew_before = margin;
        self
    }

    /// Makes the channels, connects, subscribes and reads the current
    /// presences; see the [module docs](self).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty user id or a bad setting;
    /// otherwise the first failure of the calls or the connections (nothing
    /// is left open then).
    pub fn start(self, session: &Session) -> Result<Watcher> {
        let config = self.config;
        if config.heartbeat_timeout.is_zero() {
            return Err(Error::invalid("heartbeat_timeout", "must be greater than zero"));
        }
        if config.backoff_min.is_zero() || config.backoff_min > config.backoff_max {
            return Err(Error::invalid(
                "reconnect_backoff",
                "min must be greater than zero and at most max",
            ));
        }
        if !(1..=MAX_TOPICS_PER_CHANNEL).contains(&config.max_users_per_channel) {
            return Err(Error::invalid(
                "max_users_per_channel",
                format!("must be from 1 to {MAX_TOPICS_PER_CHANNEL}"),
            ));
        }
        let users: Vec<String> = distinct_ids("user_ids", &self.user_ids)?
            .into_iter()
            .map(str::to_owned)
            .collect();
        let (sender, signals) = mpsc::channel();
        let mut watcher = Watcher {
            session: session.clone(),
            config,
            slots: Vec::new(),
            sender,
            signals,
            pending: VecDeque::new(),
            last: HashMap::new(),
            refused: BTreeMap::new(),
            links_made: 0,
            reconnections: 0,
            last_disconnect: None,
            closed: false,
        };
        // On an error the watcher is dropped, which closes what was opened.
        watcher.add_new(users)?;
        Ok(watcher)
    }
}

/// A live stream of presence changes; see the [module docs](self).
///
/// Iterate it (`next()` blocks), or call [`next_timeout`](Watcher::next_timeout).
/// Dropping it closes it.
pub struct Watcher {
    session: Session,
    config: Config,
    slots: Vec<Slot>,
    /// Handed to each reader thread.
    sender: Sender<Signal>,
    signals: Receiver<Signal>,
    /// Items ready to be yielded, in order.
    pending: VecDeque<Result<PresenceEvent>>,
    /// The last presence yielded (or read) for each user.
    last: HashMap<String, Snapshot>,
    /// Users whose topic the API refused, and why.
    refused: BTreeMap<String, String>,
    links_made: u64,
    reconnections: u64,
    last_disconnect: Option<Disconnect>,
    closed: bool,
}

/// Closes a [`Watcher`] from another thread; see [`Watcher::stop_handle`].
/// Cheap to clone; stopping a watcher that is already closed or dropped
/// does nothing.
#[derive(Debug, Clone)]
pub struct StopHandle {
    sender: Sender<Signal>,
}

impl StopHandle {
    /// Asks the watcher to close: a `next()` blocked on it returns `None`.
    pub fn stop(&self) {
        let _ = self.sender.send(Signal::Stop);
    }
}

/// Why a watcher's connection last ended, from [`Watcher::last_disconnect`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Disconnect {
    /// The server sent `v2.system.socket_closing`.
    Closing,
    /// The connection broke, was closed by the server, or stayed silent past
    /// the heartbeat timeout ([`Error::is_timeout`]).
    Lost(Error),
}

/// A group of users that share a channel.
struct Slot {
    users: BTreeSet<String>,
    link: Option<Link>,
    /// When to try to connect again (while `link` is `None`).
    retry_at: Option<Instant>,
    /// When to read the users' presences again (after a failed read).
    resync_at: Option<Instant>,
    /// Failed attempts since the last connection that stayed up.
    failures: u32,
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

impl Watcher {
    /// The next change, waiting at most `timeout`; `None` when nothing came
    /// in that time, or when the watcher is closed ([`is_closed`](Watcher::is_closed)).
    ///
    /// Reconnections, heartbeats and channel renewals are handled inside
    /// this call (and `next()`), on the caller's thread.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # let session = genesys_presence::Session::builder().access_token("t").build()?;
    /// let mut watcher = genesys_presence::watch::users(&session, &["3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44"])?;
    /// while !watcher.is_closed() {
    ///     match watcher.next_timeout(Duration::from_secs(1)) {
    ///         Some(Ok(event)) => println!("{event:?}"),
    ///         Some(Err(error)) => eprintln!("{error}"),
    ///         None => { /* blink the light, check for shutdown, … */ }
    ///     }
    /// }
    /// # Ok::<(), genesys_presence::Error>(())
    /// ```
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<Result<PresenceEvent>> {
        self.wait(Instant::now().checked_add(timeout))
    }

    /// Starts watching more users: on channels with room, or on new ones.
    /// Users already watched are skipped; a user whose topic was refused
    /// before is tried again. Their current presence is read (and yielded
    /// with [`WatchBuilder::initial_presences`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty id or a closed watcher; the
    /// failure of a subscription, a new channel or the read (the users of
    /// the failing step are then not watched).
    pub fn add_users<S: AsRef<str>>(&mut self, user_ids: &[S]) -> Result<()> {
        if self.closed {
            return Err(Error::invalid("watcher", "is closed"));
        }
        let new: Vec<String> = distinct_ids("user_ids", user_ids)?
            .into_iter()
            .filter(|u| self.slot_of_user(u).is_none())
            .map(str::to_owned)
            .collect();
        for user in &new {
            self.refused.remove(user);
        }
        self.add_new(new)
    }

    /// Stops watching users; their pending events are dropped. A channel
    /// left without users is closed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty id; the failure of replacing a
    /// channel's subscriptions (the users are no longer yielded all the same).
    pub fn remove_users<S: AsRef<str>>(&mut self, user_ids: &[S]) -> Result<()> {
        let gone: BTreeSet<String> = distinct_ids("user_ids", user_ids)?
            .into_iter()
            .map(str::to_owned)
            .collect();
        self.pending
            .retain(|item| item.as_ref().map_or(true, |e| !gone.contains(&e.user_id)));
        for user in &gone {
            self.last.remove(user);
            self.refused.remove(user);
        }
        let mut first_error = None;
        for slot in &mut self.slots {
            let before = slot.users.len();
            slot.users.retain(|u| !gone.contains(u));
            if slot.users.len() == before {
                continue;
            }
            if slot.users.is_empty() {
                slot.retry_at = None;
                slot.resync_at = None;
                if let Some(link) = slot.link.take() {
                    link.close();
                }
            } else if let Some(link) = &slot.link {
                let remaining: Vec<String> = slot.users.iter().cloned().collect();
                if let Err(error) = channel::resubscribe(&self.session, &link.channel_id, &remaining) {
                    first_error.get_or_insert(error);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Closes every socket, stops every reader thread (waiting for them),
    /// and ends the iteration: `next()` returns `None` from now on. The
    /// channels are left to expire. Closing twice does nothing.
    pub fn close(&mut self) {
        self.closed = true;
        self.pending.clear();
        for slot in self.slots.drain(..) {
            if let Some(link) = slot.link {
                link.close();
            }
        }
    }

    /// A handle that closes this watcher from another thread, waking a
    /// `next()` blocked there: it then returns `None`. (The closing itself,
    /// sockets and reader threads included, happens on the watcher's thread.)
    ///
    /// ```no_run
    /// # let session = genesys_presence::Session::builder().access_token("t").build()?;
    /// let watcher = genesys_presence::watch::users(&session, &["3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44"])?;
    /// let stop = watcher.stop_handle();
    /// std::thread::spawn(move || {
    ///     std::thread::sleep(std::time::Duration::from_secs(60));
    ///     stop.stop();
    /// });
    /// for event in watcher {
    ///     println!("{event:?}"); // ends after a minute
    /// }
    /// # Ok::<(), genesys_presence::Error>(())
    /// ```
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            sender: self.sender.clone(),
        }
    }

    /// True after [`close`](Watcher::close).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The users being watched (not those whose topic was refused), sorted.
    pub fn user_ids(&self) -> Vec<String> {
        let mut users: Vec<String> = self.slots.iter().flat_map(|s| s.users.iter().cloned()).collect();
        users.sort();
        users
    }

    /// The users whose topic the API refused, with the reason, sorted.
    pub fn refused_users(&self) -> Vec<(String, String)> {
        self.refused.iter().map(|(u, r)| (u.clone(), r.clone())).collect()
    }

    /// How many channels are connected now.
    pub fn connected_channels(&self) -> usize {
        self.slots.iter().filter(|s| s.link.is_some()).count()
    }

    /// How many times a channel was replaced (after a lost connection,
    /// `socket_closing`, or to renew it before it expires).
    pub fn reconnections(&self) -> u64 {
        self.reconnections
    }

    /// Why a connection last ended (the watcher then reconnected by itself),
    /// for logs; `None` if none has.
    pub fn last_disconnect(&self) -> Option<&Disconnect> {
        self.last_disconnect.as_ref()
    }

    // ------------------------------------------------------------ internals

    fn wait(&mut self, deadline: Option<Instant>) -> Option<Result<PresenceEvent>> {
        loop {
            if self.closed {
                return None;
            }
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            self.maintain();
            if !self.pending.is_empty() {
                continue;
            }
            let wake = [deadline, self.next_due()].into_iter().flatten().min();
            let signal = match wake {
                // The watcher holds a sender, so this never ends in an error.
                None => self.signals.recv().ok(),
                Some(at) => self
                    .signals
                    .recv_timeout(at.saturating_duration_since(Instant::now()))
                    .ok(),
            };
            match signal {
                Some(signal) => self.handle(signal),
                None if deadline.is_some_and(|d| Instant::now() >= d) => return None,
                None => {}
            }
        }
    }

    /// The earliest time a slot needs work: a reconnection, a renewal or a read.
    fn next_due(&self) -> Option<Instant> {
        self.slots
            .iter()
            .flat_map(|slot| {
                let renew = slot.link.as_ref().map(|l| l.renew_at);
                [slot.retry_at, renew, slot.resync_at]
            })
            .flatten()
            .min()
    }

    /// Does the work that is due: reconnections, renewals and reads.
    fn maintain(&mut self) {
        let now = Instant::now();
        for i in 0..self.slots.len() {
            let slot = &self.slots[i];
            if slot.users.is_empty() {
                continue;
            }
            let reconnect = slot.link.is_none() && slot.retry_at.is_some_and(|t| t <= now);
            let renew = slot.link.as_ref().is_some_and(|l| l.renew_at <= now);
            if reconnect || renew {
                self.reopen(i);
            } else if slot.resync_at.is_some_and(|t| t <= now) {
                self.resync(i);
            }
        }
    }

    fn handle(&mut self, signal: Signal) {
        match signal {
            Signal::Presence { link, event } => {
                let watched = self
                    .slot_of_link(link)
                    .is_some_and(|i| self.slots[i].users.contains(&event.user_id));
                if watched {
                    self.offer(event);
                }
            }
            Signal::Unreadable { link, error } => {
                if self.slot_of_link(link).is_some() {
                    self.pending.push_back(Err(error));
                }
            }
            Signal::Closing { link } => {
                if let Some(i) = self.slot_of_link(link) {
                    self.last_disconnect = Some(Disconnect::Closing);
                    self.lost(i);
                }
            }
            Signal::Lost { link, error } => {
                if let Some(i) = self.slot_of_link(link) {
                    self.last_disconnect = Some(Disconnect::Lost(error));
                    self.lost(i);
                }
            }
            Signal::Stop => self.close(),
        }
    }

    /// Yields a pushed event, unless a read already yielded the same change.
    fn offer(&mut self, event: PresenceEvent) {
        let snapshot = Snapshot::of(&event, false);
        if let Some(previous) = self.last.get(&event.user_id) {
            if previous.from_read && previous.same_change(&snapshot) {
                return;
            }
        }
        self.last.insert(event.user_id.clone(), snapshot);
        self.pending.push_back(Ok(event));
    }

    /// A slot's connection ended: close it and plan the next attempt, at
    /// once if the connection had stayed up for a while.
    fn lost(&mut self, i: usize) {
        let stable_after = (self.config.backoff_min * 10).min(self.config.backoff_max);
        let (min, max) = (self.config.backoff_min, self.config.backoff_max);
        let slot = &mut self.slots[i];
        let Some(link) = slot.link.take() else {
            return;
        };
        let stable = link.opened_at.elapsed() >= stable_after;
        link.close();
        let now = Instant::now();
        if stable {
            slot.failures = 0;
            slot.retry_at = Some(now);
        } else {
            slot.failures += 1;
            slot.retry_at = Some(now + retry::backoff(slot.failures, min, max));
        }
    }

    fn backoff(&self, failures: u32) -> Duration {
        retry::backoff(failures, self.config.backoff_min, self.config.backoff_max)
    }

    /// Moves a slot to a new channel (after a loss, or to renew it), then
    /// reads its users' presences and yields what changed meanwhile.
    fn reopen(&mut self, i: usize) {
        let users: Vec<String> = self.slots[i].users.iter().cloned().collect();
        let number = self.next_link_number();
        match channel::open(&self.session, &self.config, &users, number, self.sender.clone()) {
            Ok((link, refused)) => {
                let slot = &mut self.slots[i];
                if let Some(old) = slot.link.replace(link) {
                    // A renewal: the old channel had stayed up.
                    slot.failures = 0;
                    old.close();
                }
                slot.retry_at = None;
                self.reconnections += 1;
                self.refuse(i, refused);
                self.resync(i);
            }
            Err(error) => {
                let slot = &mut self.slots[i];
                slot.failures += 1;
                let wait = retry::backoff(slot.failures, self.config.backoff_min, self.config.backoff_max);
                match &mut slot.link {
                    // A renewal failed: the current channel still works.
                    Some(link) => link.renew_at = Instant::now() + wait,
                    None => slot.retry_at = Some(Instant::now() + wait),
                }
                self.pending.push_back(Err(error));
            }
        }
    }

    /// Reads the presences of a slot's users; a failure is yielded and the
    /// read is tried again later.
    fn resync(&mut self, i: usize) {
        let users: Vec<String> = self.slots[i].users.iter().cloned().collect();
        self.slots[i].resync_at = None;
        if users.is_empty() {
            return;
        }
        if let Err(error) = self.read_presences(&users) {
            let wait = self.backoff(1);
            self.slots[i].resync_at = Some(Instant::now() + wait);
            self.pending.push_back(Err(error));
        }
    }

    /// Reads the current presences of `users`, yields those that differ
    /// from the last yielded, and remembers the others.
    fn read_presences(&mut self, users: &[String]) -> Result<()> {
        let asked: BTreeSet<&str> = users.iter().map(String::as_str).collect();
        for presence in user::get_purecloud_presences_bulk(&self.session, users)? {
            let Some(event) = event_of(presence) else {
                continue;
            };
            if !asked.contains(event.user_id.as_str()) {
                continue;
            }
            let snapshot = Snapshot::of(&event, true);
            let origin = match self.last.get(&event.user_id) {
                None if self.config.initial_presences => Some(EventOrigin::Initial),
                None => None,
                Some(previous) if previous.differs(&snapshot) => Some(EventOrigin::Resync),
                Some(_) => continue,
            };
            self.last.insert(event.user_id.clone(), snapshot);
            if let Some(origin) = origin {
                self.pending.push_back(Ok(PresenceEvent { origin, ..event }));
            }
        }
        Ok(())
    }

    /// Watches users not watched yet: fills channels with room, then opens
    /// new ones, then reads their presences.
    fn add_new(&mut self, mut users: Vec<String>) -> Result<()> {
        let max = self.config.max_users_per_channel;
        let mut added = Vec::new();
        for i in 0..self.slots.len() {
            let room = max.saturating_sub(self.slots[i].users.len());
            if room == 0 || users.is_empty() {
                continue;
            }
            let batch: Vec<String> = users.drain(..room.min(users.len())).collect();
            match &self.slots[i].link {
                Some(link) => {
                    let refused = channel::subscribe(&self.session, &link.channel_id, &batch)?;
                    self.slots[i].users.extend(batch.iter().cloned());
                    self.refuse(i, refused);
                    added.extend(batch);
                }
                // Subscribed, and read, when the slot reconnects.
                None => {
                    let slot = &mut self.slots[i];
                    slot.users.extend(batch);
                    slot.retry_at.get_or_insert_with(Instant::now);
                }
            }
        }
        for batch in users.chunks(max) {
            let number = self.next_link_number();
            let (link, refused) =
                channel::open(&self.session, &self.config, batch, number, self.sender.clone())?;
            self.slots.push(Slot {
                users: batch.iter().cloned().collect(),
                link: Some(link),
                retry_at: None,
                resync_at: None,
                failures: 0,
            });
            self.refuse(self.slots.len() - 1, refused);
            added.extend(batch.iter().cloned());
        }
        added.retain(|u| !self.refused.contains_key(u));
        if added.is_empty() {
            return Ok(());
        }
        self.read_presences(&added)
    }

    /// Drops refused users from a slot and reports each once.
    fn refuse(&mut self, i: usize, refused: Vec<Refusal>) {
        for refusal in refused {
            let slot = &mut self.slots[i];
            slot.users.remove(&refusal.0);
            if !self.refused.contains_key(&refusal.0) {
                self.pending.push_back(Err(channel::refusal_error(&refusal)));
                self.refused.insert(refusal.0, refusal.1);
            }
        }
        let slot = &mut self.slots[i];
        if slot.users.is_empty() {
            if let Some(link) = slot.link.take() {
                link.close();
            }
            slot.retry_at = None;
        }
    }

    fn slot_of_link(&self, number: u64) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.link.as_ref().is_some_and(|l| l.number == number))
    }

    fn slot_of_user(&self, user: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.users.contains(user))
    }

    fn next_link_number(&mut self) -> u64 {
        self.links_made += 1;
        self.links_made
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

impl Iterator for Watcher {
    type Item = Result<PresenceEvent>;

    /// Blocks until the next change (or error item); `None` once closed.
    fn next(&mut self) -> Option<Self::Item> {
        self.wait(None)
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for Watcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watcher")
            .field("users", &self.slots.iter().map(|s| s.users.len()).sum::<usize>())
            .field("channels", &self.slots.len())
            .field("connected_channels", &self.connected_channels())
            .field("refused_users", &self.refused.len())
            .field("reconnections", &self.reconnections)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watcher_can_move_to_another_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<Watcher>();
        assert_send::<WatchBuilder>();
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
}
