//! The [`Watcher`]: the I/O around the [`Machine`], on three kinds of
//! thread that share it under one lock, never held during I/O.
//!
//! - The caller's thread pops what is ready ([`Watcher::next_timeout`]
//!   waits on a condition variable, so it returns by its deadline whatever
//!   the network does), and carries out its own requests (adding and
//!   removing users) and their REST calls.
//! - One reader thread per socket hands each message to the machine as it
//!   comes ([`Report`]), so events flow while other work waits.
//! - One recovery thread carries out the background work, one action at a
//!   time, most urgent first: closing ended connections, reconnecting,
//!   renewing, re-reading. A slow or rate-limited REST call delays only it.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::channel::{self, Link};
use super::config::Config;
use super::machine::{Action, Disconnect, Ending, Machine};
use super::socket::{Report, Signal};
use crate::args::distinct_ids;
use crate::models::PresenceEvent;
use crate::transport::StreamStop;
use crate::{retry, user, Error, Result, Session};

/// How long [`Watcher::close`] waits for the recovery thread to end; one in
/// the middle of a REST call is left to finish it (its outcome is dropped).
const CLOSE_WAIT: Duration = Duration::from_millis(250);

/// A live stream of presence changes; see the [module docs](super).
///
/// Iterate it (`next()` blocks), or call [`next_timeout`](Watcher::next_timeout).
/// Dropping it closes it.
pub struct Watcher {
    shared: Arc<Shared>,
    /// The recovery thread, and word of its end (the sender drops then).
    recovery: Option<(JoinHandle<()>, Receiver<()>)>,
}

/// Closes a [`Watcher`] from another thread; see [`Watcher::stop_handle`].
/// Cheap to clone; stopping a watcher that is already closed or dropped
/// does nothing.
#[derive(Clone)]
pub struct StopHandle {
    shared: Arc<Shared>,
}

impl fmt::Debug for StopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopHandle").finish_non_exhaustive()
    }
}

impl StopHandle {
    /// Closes the watcher as [`Watcher::close`] does, from this thread: a
    /// `next()` blocked on it returns `None` at once, also in the middle of
    /// a reconnection (a WebSocket being opened is shut down at once; a
    /// REST call in flight is left to finish on the recovery thread, and
    /// its outcome dropped).
    pub fn stop(&self) {
        self.shared.shut_down();
    }
}

/// A user whose presence topic the API refused, and why: what
/// [`Watcher::refused_users`] lists.
///
/// Read it through its accessors; a non-breaking release may add more.
///
/// ```no_run
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// let watcher = genesys_presence::watch::users(&session, &["3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44"])?;
/// for refused in watcher.refused_users() {
///     eprintln!("not watching {}: {}", refused.user_id(), refused.reason());
/// }
/// # Ok::<(), genesys_presence::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RefusedUser {
    user_id: String,
    reason: String,
}

impl RefusedUser {
    /// The user whose topic was refused.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// Why, as the API put it (its `rejectionReason`, e.g.
    /// `Missing permission: directory:user:view`).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// What the caller's thread, the recovery thread and the reader threads share.
struct Shared {
    session: Session,
    machine: Mutex<Machine>,
    /// Told when items may be ready to yield, or the watcher closed.
    items: Condvar,
    /// Told when background work may be due, or the watcher closed.
    work: Condvar,
    /// The open connections, by the number the machine gave them.
    links: Mutex<HashMap<u64, Link>>,
    /// Shuts every connection the watcher opens, also one being opened.
    stop: StreamStop,
}

impl Watcher {
    /// The next change, waiting at most `timeout`; `None` when nothing came
    /// in that time, or when the watcher is closed ([`is_closed`](Watcher::is_closed)).
    ///
    /// It only waits for what the watcher's threads deliver, so it returns
    /// within `timeout` (plus the scheduler's delay in waking the thread)
    /// whatever the network does: reconnections, renewals and re-reads run
    /// on the watcher's recovery thread.
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
    /// with [`WatchBuilder::initial_presences`](super::WatchBuilder::initial_presences)).
    /// The calls run on this thread.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id, a closed watcher, or users
    /// that would need more than [`MAX_CHANNELS`](super::MAX_CHANNELS)
    /// channels; [`Watch`](crate::ErrorKind::Watch) when the channels they need would pass
    /// [`max_channels_per_minute`](super::WatchBuilder::max_channels_per_minute);
    /// the failure of a subscription or a new channel (those users are then
    /// not watched), or of the read of their current presences (they are
    /// watched; changes from now on are yielded).
    pub fn add_users<S: AsRef<str>>(&mut self, user_ids: &[S]) -> Result<()> {
        let new = distinct_ids("user_ids", user_ids)?
            .into_iter()
            .map(str::to_owned)
            .collect();
        let actions = self.shared.lock().add(new, Instant::now())?;
        self.shared.run(actions)
    }

    /// Stops watching users; their pending events are dropped. A channel
    /// left without users is closed.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id; the failure of replacing a
    /// channel's subscriptions (the users are no longer yielded all the same).
    pub fn remove_users<S: AsRef<str>>(&mut self, user_ids: &[S]) -> Result<()> {
        let gone: BTreeSet<String> = distinct_ids("user_ids", user_ids)?
            .into_iter()
            .map(str::to_owned)
            .collect();
        let actions = self.shared.lock().remove(&gone);
        self.shared.run(actions)
    }

    /// Closes every socket, stops every reader thread (waiting for them),
    /// and ends the iteration: `next()` returns `None` from now on. The
    /// channels are left to expire. A REST call the recovery thread has in
    /// flight is left to finish (it makes no other), and its outcome
    /// dropped; `close` waits for that thread at most 250 ms. Closing
    /// twice does nothing.
    pub fn close(&mut self) {
        self.shared.shut_down();
        if let Some((thread, done)) = self.recovery.take() {
            if matches!(
                done.recv_timeout(CLOSE_WAIT),
                Err(mpsc::RecvTimeoutError::Disconnected)
            ) {
                let _ = thread.join();
            }
        }
    }

    /// A handle that closes this watcher from another thread, waking a
    /// `next()` blocked there: it then returns `None`.
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
            shared: Arc::clone(&self.shared),
        }
    }

    /// True once the iteration is over: after [`close`](Watcher::close) or
    /// a [`StopHandle`], or, with [`auto_reconnect`](super::WatchBuilder::auto_reconnect)
    /// off, after a connection ended and what was left to yield was yielded.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().is_over()
    }

    /// The users being watched (not those whose topic was refused), sorted.
    pub fn user_ids(&self) -> Vec<String> {
        self.shared.lock().user_ids()
    }

    /// The users whose topic the API refused, with the reason, sorted by
    /// user id. A user leaves this list when [`add_users`](Watcher::add_users)
    /// tries it again, or [`remove_users`](Watcher::remove_users) removes it.
    pub fn refused_users(&self) -> Vec<RefusedUser> {
        self.shared
            .lock()
            .refused_users()
            .into_iter()
            .map(|(user_id, reason)| RefusedUser { user_id, reason })
            .collect()
    }

    /// How many channels are connected now.
    pub fn connected_channels(&self) -> usize {
        self.shared.lock().connected_channels()
    }

    /// How many times a channel was replaced (after a lost connection,
    /// `socket_closing`, or to renew it before it expires).
    pub fn reconnections(&self) -> u64 {
        self.shared.lock().reconnections()
    }

    /// How many error items were dropped because
    /// [`MAX_QUEUED_ERRORS`](super::MAX_QUEUED_ERRORS) were waiting to be
    /// read (events are never dropped: a user's are folded into one).
    pub fn dropped_errors(&self) -> u64 {
        self.shared.lock().dropped_errors()
    }

    /// Why a connection last ended (the watcher then reconnected by itself),
    /// for logs; `None` if none has.
    pub fn last_disconnect(&self) -> Option<Disconnect> {
        self.shared.lock().last_disconnect().map(Disconnect::duplicate)
    }

    // ------------------------------------------------------------ the loop

    /// Starts the recovery thread, then makes the channels for `users`,
    /// connects, subscribes and reads their presences on this thread; the
    /// first failure is returned (and the watcher dropped, which closes
    /// what was opened).
    pub(super) fn start(session: &Session, config: Config, users: Vec<String>) -> Result<Watcher> {
        let shared = Arc::new(Shared {
            session: session.clone(),
            machine: Mutex::new(Machine::new(config, retry::jitter)),
            items: Condvar::new(),
            work: Condvar::new(),
            links: Mutex::new(HashMap::new()),
            stop: StreamStop::default(),
        });
        let (done, finished) = mpsc::channel::<()>();
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("genesys-watch-recovery".into())
                .spawn(move || {
                    let _done = done; // dropped when the thread ends
                    shared.recover();
                })
                .map_err(|e| Error::system(format!("watch: cannot start the recovery thread: {e}")))?
        };
        let mut watcher = Watcher {
            shared,
            recovery: Some((thread, finished)),
        };
        watcher.add_users(&users)?;
        Ok(watcher)
    }

    fn wait(&mut self, deadline: Option<Instant>) -> Option<Result<PresenceEvent>> {
        let mut machine = self.shared.lock();
        loop {
            if let Some(item) = machine.pop() {
                return Some(item);
            }
            if machine.is_over() {
                return None;
            }
            machine = match deadline {
                None => self
                    .shared
                    .items
                    .wait(machine)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(at) => {
                    let left = at.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return None;
                    }
                    self.shared
                        .items
                        .wait_timeout(machine, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Machine> {
        self.machine.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn links(&self) -> MutexGuard<'_, HashMap<u64, Link>> {
        self.links.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells the machine something with `change`, then wakes whoever waits.
    fn update<T>(&self, change: impl FnOnce(&mut Machine) -> T) -> T {
        let outcome = change(&mut self.lock());
        self.items.notify_all();
        self.work.notify_all();
        outcome
    }

    /// Closes the machine, every connection (also one being opened) and
    /// every reader; wakes every waiting thread.
    fn shut_down(&self) {
        self.update(Machine::close);
        self.stop.stop();
        self.close_links();
    }

    fn close_links(&self) {
        let links: Vec<Link> = self.links().drain().map(|(_, link)| link).collect();
        for link in links {
            link.close();
        }
    }

    /// The recovery thread: carries out the machine's background work, one
    /// action (and what follows from it) at a time, until the watcher closes.
    fn recover(self: &Arc<Self>) {
        loop {
            let action = {
                let mut machine = self.lock();
                loop {
                    if machine.is_closed() {
                        break None;
                    }
                    let now = Instant::now();
                    if let Some(action) = machine.next_due(now) {
                        break Some(action);
                    }
                    // Looking for work may have queued an error (the
                    // channel ceiling): a caller waiting for items sees it.
                    self.items.notify_all();
                    machine = match machine.next_wake(now) {
                        None => self.work.wait(machine).unwrap_or_else(PoisonError::into_inner),
                        Some(at) => {
                            self.work
                                .wait_timeout(machine, at.saturating_duration_since(now))
                                .unwrap_or_else(PoisonError::into_inner)
                                .0
                        }
                    };
                }
            };
            self.items.notify_all();
            let Some(action) = action else { break };
            // Failures of background work are the machine's to yield.
            let _ = self.run(vec![action]);
        }
        self.close_links();
    }

    /// Carries out actions, and those that follow from their outcomes, in
    /// order; returns the first failure that is the caller's.
    fn run(self: &Arc<Self>, actions: Vec<Action>) -> Result<()> {
        let mut todo = VecDeque::from(actions);
        let mut first_error = None;
        while let Some(action) = todo.pop_front() {
            match self.execute(action) {
                Ok(next) => todo.extend(next),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn execute(self: &Arc<Self>, action: Action) -> Result<Vec<Action>> {
        match action {
            Action::Open { slot, link, users } => {
                let config = self.lock().config().clone();
                let report: Arc<dyn Report> = Arc::clone(self) as Arc<dyn Report>;
                match channel::open(&self.session, &config, &users, link, report, &self.stop) {
                    Ok((opened, refused)) => {
                        let expires = opened.expires;
                        let mut machine = self.lock();
                        if machine.is_closed() {
                            drop(machine);
                            opened.close();
                            return Ok(Vec::new());
                        }
                        self.links().insert(link, opened);
                        let next = machine.opened(slot, link, expires, refused, Instant::now());
                        drop(machine);
                        self.items.notify_all();
                        Ok(next)
                    }
                    Err(error) => {
                        self.update(|m| m.open_failed(slot, link, error, Instant::now()))?;
                        Ok(Vec::new())
                    }
                }
            }
            Action::Subscribe { slot, link, users } => {
                let Some(channel_id) = self.channel_id(link) else {
                    // Ended meanwhile: its successor subscribes them.
                    return Ok(Vec::new());
                };
                log::info!("subscribing {} more users on connection {link}", users.len());
                match channel::subscribe(&self.session, &channel_id, &users) {
                    Ok(refused) => Ok(self.update(|m| m.subscribed(slot, users, refused))),
                    Err(error) => {
                        self.update(|m| m.subscribe_failed(slot, link, &users));
                        Err(error)
                    }
                }
            }
            Action::Resubscribe { link, users } => {
                if let Some(channel_id) = self.channel_id(link) {
                    log::info!("replacing the topics of connection {link}: {} users", users.len());
                    channel::resubscribe(&self.session, &channel_id, &users)?;
                }
                Ok(Vec::new())
            }
            Action::Close { link } => {
                let link = self.links().remove(&link);
                if let Some(link) = link {
                    link.close();
                }
                Ok(Vec::new())
            }
            Action::Read(read) => {
                let answer = user::get_purecloud_presences_bulk(&self.session, &read.users);
                self.update(|m| match answer {
                    Ok(presences) => {
                        m.presences_read(&read, presences);
                        Ok(())
                    }
                    Err(error) => m.read_failed(&read, error, Instant::now()),
                })?;
                Ok(Vec::new())
            }
        }
    }

    fn channel_id(&self, link: u64) -> Option<String> {
        self.links().get(&link).map(|open| open.channel_id.clone())
    }
}

impl Report for Shared {
    fn report(&self, signal: Signal) {
        let now = Instant::now();
        let mut machine = self.lock();
        let ended = matches!(signal, Signal::Ended { .. });
        match signal {
            Signal::Presence { link, event } => machine.presence_pushed(link, event),
            Signal::Heard { link } => machine.heard(link),
            Signal::Unreadable { link, error } => machine.unreadable(link, error),
            Signal::Ended { link, closing, error } => machine.lost(link, Ending { closing, error }, now),
        }
        drop(machine);
        self.items.notify_all();
        if ended {
            // Work is due: closing it, and reconnecting.
            self.work.notify_all();
        }
    }
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
        let machine = self.shared.lock();
        f.debug_struct("Watcher")
            .field("users", &machine.user_ids().len())
            .field("channels", &machine.channels())
            .field("connected_channels", &machine.connected_channels())
            .field("refused_users", &machine.refused_users().len())
            .field("reconnections", &machine.reconnections())
            .field("closed", &machine.is_over())
            .finish_non_exhaustive()
    }
}
