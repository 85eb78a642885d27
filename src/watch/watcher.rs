//! The [`Watcher`]: a thin I/O loop around the [`Machine`]. It carries out
//! the machine's actions with the REST calls and sockets of [`channel`],
//! tells the machine their outcomes and what the sockets report, and waits
//! for news until the machine has work due.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use super::channel::{self, Link};
use super::config::Config;
use super::machine::{Action, Disconnect, Machine};
use super::socket::Signal;
use crate::args::distinct_ids;
use crate::models::PresenceEvent;
use crate::transport::StreamStop;
use crate::{retry, user, Error, Result, Session};

/// A live stream of presence changes; see the [module docs](super).
///
/// Iterate it (`next()` blocks), or call [`next_timeout`](Watcher::next_timeout).
/// Dropping it closes it.
pub struct Watcher {
    session: Session,
    machine: Machine,
    /// The open connections, by the number the machine gave them.
    links: HashMap<u64, Link>,
    /// Handed to each reader thread.
    sender: Sender<Signal>,
    signals: Receiver<Signal>,
    /// Shuts every connection the watcher opens, also one being opened, when
    /// a [`StopHandle`] stops it.
    stop: StreamStop,
    closed: bool,
}

/// Closes a [`Watcher`] from another thread; see [`Watcher::stop_handle`].
/// Cheap to clone; stopping a watcher that is already closed or dropped
/// does nothing.
#[derive(Clone)]
pub struct StopHandle {
    sender: Sender<Signal>,
    connections: StreamStop,
}

impl fmt::Debug for StopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopHandle").finish_non_exhaustive()
    }
}

impl StopHandle {
    /// Asks the watcher to close: a `next()` blocked on it returns `None`,
    /// also when it is in the middle of a reconnection (the WebSocket being
    /// opened is shut down at once; a REST call of that reconnection runs
    /// to its end or its timeout first).
    pub fn stop(&self) {
        self.connections.stop();
        let _ = self.sender.send(Signal::Stop);
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
    /// with [`WatchBuilder::initial_presences`](super::WatchBuilder::initial_presences)).
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
        let new = distinct_ids("user_ids", user_ids)?
            .into_iter()
            .map(str::to_owned)
            .collect();
        let actions = self.machine.add(new);
        self.run(actions)
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
        let actions = self.machine.remove(&gone);
        self.run(actions)
    }

    /// Closes every socket, stops every reader thread (waiting for them),
    /// and ends the iteration: `next()` returns `None` from now on. The
    /// channels are left to expire. Closing twice does nothing.
    pub fn close(&mut self) {
        self.closed = true;
        self.machine.close();
        for (_, link) in self.links.drain() {
            link.close();
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
            connections: self.stop.clone(),
        }
    }

    /// True after [`close`](Watcher::close).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The users being watched (not those whose topic was refused), sorted.
    pub fn user_ids(&self) -> Vec<String> {
        self.machine.user_ids()
    }

    /// The users whose topic the API refused, with the reason, sorted.
    pub fn refused_users(&self) -> Vec<(String, String)> {
        self.machine.refused_users()
    }

    /// How many channels are connected now.
    pub fn connected_channels(&self) -> usize {
        self.machine.connected_channels()
    }

    /// How many times a channel was replaced (after a lost connection,
    /// `socket_closing`, or to renew it before it expires).
    pub fn reconnections(&self) -> u64 {
        self.machine.reconnections()
    }

    /// Why a connection last ended (the watcher then reconnected by itself),
    /// for logs; `None` if none has.
    pub fn last_disconnect(&self) -> Option<&Disconnect> {
        self.machine.last_disconnect()
    }

    // ------------------------------------------------------------ the loop

    /// Makes the channels for `users`, connects, subscribes and reads their
    /// presences; the first failure is returned (and the watcher dropped,
    /// which closes what was opened).
    pub(super) fn start(session: &Session, config: Config, users: Vec<String>) -> Result<Watcher> {
        let (sender, signals) = mpsc::channel();
        let mut watcher = Watcher {
            session: session.clone(),
            machine: Machine::new(config, retry::jitter),
            links: HashMap::new(),
            sender,
            signals,
            stop: StreamStop::default(),
            closed: false,
        };
        let actions = watcher.machine.add(users);
        watcher.run(actions)?;
        Ok(watcher)
    }

    fn wait(&mut self, deadline: Option<Instant>) -> Option<Result<PresenceEvent>> {
        // Set when due work ran past the deadline: the caller gets what is
        // ready, then `None`, even if more work is due by then.
        let mut past_deadline = false;
        loop {
            // A stop asked for meanwhile (during a reconnection, say) closes
            // the watcher before anything more is yielded or done.
            self.take_signals();
            if self.closed {
                return None;
            }
            if let Some(item) = self.machine.pop() {
                return Some(item);
            }
            if past_deadline {
                return None;
            }
            let due = self.machine.tick(Instant::now());
            if !due.is_empty() {
                // Failures of this work are the machine's to yield, not returned.
                let _ = self.run(due);
                past_deadline = deadline.is_some_and(|d| Instant::now() >= d);
                continue;
            }
            let wake = [deadline, self.machine.next_wake()].into_iter().flatten().min();
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

    /// Handles the signals that have arrived, without waiting for more.
    fn take_signals(&mut self) {
        while !self.closed {
            match self.signals.try_recv() {
                Ok(signal) => self.handle(signal),
                Err(_) => break,
            }
        }
    }

    /// Tells the machine what a reader thread reported.
    fn handle(&mut self, signal: Signal) {
        let actions = match signal {
            Signal::Presence { link, event } => return self.machine.presence_pushed(link, event),
            Signal::Unreadable { link, error } => return self.machine.unreadable(link, error),
            Signal::Closing { link } => self.machine.lost(link, Disconnect::Closing, Instant::now()),
            Signal::Lost { link, error } => self.machine.lost(link, Disconnect::Lost(error), Instant::now()),
            Signal::Stop => return self.close(),
        };
        let _ = self.run(actions); // only closes
    }

    /// Carries out actions, and those that follow from their outcomes, in
    /// order; returns the first failure that is the caller's.
    fn run(&mut self, actions: Vec<Action>) -> Result<()> {
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

    fn execute(&mut self, action: Action) -> Result<Vec<Action>> {
        match action {
            Action::Open { slot, link, users } => {
                let config = self.machine.config();
                match channel::open(
                    &self.session,
                    config,
                    &users,
                    link,
                    self.sender.clone(),
                    &self.stop,
                ) {
                    Ok((opened, refused)) => {
                        let expires = opened.expires;
                        self.links.insert(link, opened);
                        Ok(self.machine.opened(slot, link, expires, refused, Instant::now()))
                    }
                    Err(error) => {
                        self.machine.open_failed(slot, link, error, Instant::now())?;
                        Ok(Vec::new())
                    }
                }
            }
            Action::Subscribe { slot, link, users } => {
                let Some(open) = self.links.get(&link) else {
                    return Ok(Vec::new()); // not expected: the machine names open links
                };
                let refused = channel::subscribe(&self.session, &open.channel_id, &users)?;
                Ok(self.machine.subscribed(slot, users, refused))
            }
            Action::Resubscribe { link, users } => {
                if let Some(open) = self.links.get(&link) {
                    channel::resubscribe(&self.session, &open.channel_id, &users)?;
                }
                Ok(Vec::new())
            }
            Action::Close { link } => {
                if let Some(open) = self.links.remove(&link) {
                    open.close();
                }
                Ok(Vec::new())
            }
            Action::Read(read) => {
                match user::get_purecloud_presences_bulk(&self.session, &read.users) {
                    Ok(presences) => self.machine.presences_read(&read, presences),
                    Err(error) => self.machine.read_failed(&read, error, Instant::now())?,
                }
                Ok(Vec::new())
            }
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
        f.debug_struct("Watcher")
            .field("users", &self.machine.user_ids().len())
            .field("channels", &self.machine.channels())
            .field("connected_channels", &self.connected_channels())
            .field("refused_users", &self.machine.refused_users().len())
            .field("reconnections", &self.reconnections())
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}
