//! Watch presence in real time: a blocking iterator of presence changes,
//! fed by the Notifications API over a WebSocket (feature `notifications`).
//!
//! ```
//! # // Runs against the stand-in org: only with the `fake` feature.
//! # #[cfg(not(feature = "fake"))]
//! # fn main() {}
//! # #[cfg(feature = "fake")]
//! # fn main() -> Result<(), genesys_presence::Error> {
//! use genesys_presence::{user, watch};
//! # let org = genesys_presence::fake::FakeOrg::start().expect("a stand-in org");
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
//! # Ok(())
//! # }
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
//!   channels, each with its socket and one reader thread; at most
//!   [`MAX_CHANNELS`] (20 000 users), the channels a user and OAuth client
//!   may hold.
//! - A topic the API refuses (missing permission, unknown user) is reported
//!   once, as an `Err` item of kind
//!   [`TopicRejected`](crate::ErrorKind::TopicRejected) with the reason
//!   ([`Error::topic`](crate::Error::topic) names it); the other users are
//!   watched.
//! - Heartbeats (`channel.metadata`) are read, not yielded. A socket that is
//!   silent for [`WatchBuilder::heartbeat_timeout`] is taken as dead.
//! - On `v2.system.socket_closing`, a WebSocket close, a dropped or dead
//!   connection, the watcher makes a new channel with the same
//!   subscriptions, waiting between failed attempts (bounded backoff). Once
//!   it is up, it reads that channel's users' current presences (in bulk
//!   calls of 50) and yields an event ([`EventOrigin::Resync`]) for each
//!   user whose presence differs from the last one yielded, so changes made
//!   while it was away are not lost. A read never takes a user back to a
//!   presence older (by `modifiedDate`) than one already yielded, however
//!   much older (a date more than 10 minutes ahead of this machine's clock
//!   is taken as unknown, so that it cannot hide later changes).
//! - Shortly before a channel's 24 hours run out it is renewed: the new
//!   channel is made, subscribed and connected while the old one still
//!   delivers; the old one is read two seconds more (changes published
//!   just before the new subscription took effect may be on their way on
//!   it), then closed, so nothing falls in a gap and nothing needs reading. Channels made together renew at different
//!   times, in the order they were made, so that at the limit of 20
//!   channels the one Genesys Cloud evicts (the one used longest ago) is
//!   the one being replaced. If the old socket ends first, its users are
//!   read again.
//! - Every call uses the session: with client credentials, tokens are
//!   renewed as they expire, however long the watch.
//! - The WebSocket connects the way the session's REST calls do, through
//!   its `ureq` agent: the proxy from `ALL_PROXY`/`HTTPS_PROXY`/`HTTP_PROXY`
//!   (minus `NO_PROXY`) or the one on an agent you gave
//!   ([`SessionBuilder::agent`](crate::SessionBuilder::agent)), and that
//!   agent's TLS roots and client certificate. Connecting is bounded by the
//!   session's connect timeout, the handshake as a whole by its timeout; a
//!   certificate that does not verify is a [`Socket`](crate::ErrorKind::Socket)
//!   error whose [`transport_kind`](crate::Error::transport_kind) is
//!   [`TransportKind::Tls`](crate::TransportKind::Tls).
//!
//! An `Err` item is not the end of the stream: the watcher goes on (a failed
//! reconnection is retried after a wait). The iterator ends only after
//! [`Watcher::close`] (dropping the watcher closes it too), or, with
//! [`WatchBuilder::auto_reconnect`] off, after a connection ends. Closing
//! stops every reader thread and closes every socket before it returns.
//!
//! # Threads and deadlines
//!
//! Nothing slow runs on the caller's thread but its own requests
//! ([`WatchBuilder::start`], [`Watcher::add_users`],
//! [`Watcher::remove_users`], whose REST calls it waits for). Each socket
//! has a reader thread that hands every message over as it comes, and one
//! recovery thread per watcher does the background work, one step at a
//! time, most urgent first: closing ended connections, reconnecting,
//! renewing, then re-reading presences. So events from channels that are up
//! keep flowing while another channel reconnects or a read waits out a
//! `429`; [`Watcher::next_timeout`] returns by its deadline whatever the
//! network does; [`Watcher::close`] and [`StopHandle::stop`] take effect at
//! once (a REST call in flight is left to finish on the recovery thread,
//! and its outcome dropped). A watcher has `1 + channels` threads and
//! one socket per channel (for two seconds after a renewal, the replaced
//! channel's too), plus the session's pooled REST connections.
//!
//! # When the caller falls behind
//!
//! Presence is a state, so a watcher keeps, for each user, only the latest
//! change the caller has not read yet: a newer one replaces it in the
//! queue (at the older one's place) and [`PresenceEvent::folded`] counts
//! the changes folded into it. Memory is bounded by the number of users,
//! not by how fast changes come or how slowly they are read. Error items
//! waiting are capped at [`MAX_QUEUED_ERRORS`]; past it they are dropped and
//! counted ([`Watcher::dropped_errors`]). A message over
//! [`WatchBuilder::max_message_size`] (64 KiB) is yielded as an error and
//! skipped.
//!
//! # Limits against storms
//!
//! - A channel whose `expires` is not in the future (a clock ahead of the
//!   server's, a misread offset) or cannot be read is taken to live the
//!   documented 24 hours; and none is renewed sooner than ten times the
//!   shortest backoff after it was made.
//! - At most [`WatchBuilder::max_channels_per_minute`] channels are made in
//!   any minute (40 by default); past it the watcher yields a
//!   [`Watch`](crate::ErrorKind::Watch) error whose
//!   [`watch_kind`](crate::Error::watch_kind) is
//!   [`ChannelCeiling`](crate::WatchErrorKind::ChannelCeiling), and waits.
//! - After [`WatchBuilder::max_empty_connections`] connections of a channel
//!   in a row end before delivering anything (5 by default: a server
//!   answering each new channel with `socket_closing`
//!   `no_longer_subscribed`, say), it yields a [`Watch`](crate::ErrorKind::Watch)
//!   error of kind [`EmptyConnections`](crate::WatchErrorKind::EmptyConnections)
//!   saying what keeps happening, and goes on; the caller may close it.
//!
//! # Costs
//!
//! For `n` users on `c = ⌈n / 1000⌉` channels: starting costs `c` channel
//! creations, `c` subscriptions and `⌈n / 50⌉` bulk reads; a renewal costs
//! one creation and one subscription; recovering a dropped channel costs
//! one creation, one subscription and `⌈users of that channel / 50⌉` reads.

mod channel;
mod config;
mod machine;
mod outbox;
mod socket;
mod time;
mod watcher;

use std::time::Duration;

use config::Config;

use crate::args::distinct_ids;
use crate::notifications::MAX_TOPICS_PER_CHANNEL;
use crate::{Error, Result, Session};

pub use crate::models::{EventOrigin, PresenceEvent};
pub use machine::Disconnect;
pub use outbox::MAX_QUEUED_ERRORS;
pub use watcher::{RefusedUser, StopHandle, Watcher};

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

/// The most channels one user and OAuth client may hold at once (Genesys
/// Cloud: a 21st removes the one used longest ago), so the most a watcher
/// makes: up to 20 000 users at 1 000 a channel.
pub const MAX_CHANNELS: usize = 20;
/// The default [`WatchBuilder::max_channels_per_minute`]: 40, room for
/// [`MAX_CHANNELS`] to start and all to reconnect within one minute.
pub const DEFAULT_MAX_CHANNELS_PER_MINUTE: u32 = 40;
/// The default [`WatchBuilder::max_empty_connections`]: 5.
pub const DEFAULT_MAX_EMPTY_CONNECTIONS: u32 = 5;
/// The default [`WatchBuilder::max_message_size`]: 64 KiB (a presence event
/// is a few hundred bytes).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 * 1024;

/// Watches the presence of `user_ids` with the default settings; see the
/// [module docs](self) and [`WatchBuilder`] for the settings.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for no users or an
/// empty id; otherwise the first failure of making the channels,
/// connecting, subscribing or reading the current presences
/// ([`Api`](crate::ErrorKind::Api), [`Socket`](crate::ErrorKind::Socket),
/// [`System`](crate::ErrorKind::System) when a reader thread cannot be
/// started, …). Refused topics
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
                max_channels_per_minute: DEFAULT_MAX_CHANNELS_PER_MINUTE,
                max_empty_connections: DEFAULT_MAX_EMPTY_CONNECTIONS,
                auto_reconnect: true,
                max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
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
    /// (90 s). From 1 ns to 24 hours.
    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.config.heartbeat_timeout = timeout;
        self
    }

    /// The waits between failed reconnection attempts: `min` after the first
    /// failure, doubling up to `max` (each with jitter). A connection that
    /// drops soon after it was made counts as a failure, so a server that
    /// keeps closing sockets is not hammered. Default:
    /// [`DEFAULT_BACKOFF_MIN`] (1 s) to [`DEFAULT_BACKOFF_MAX`] (60 s).
    /// `min` must not be zero or above `max`; `max` at most 24 hours.
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

    /// How long before a channel expires the watcher moves to a new one, for
    /// the last channel to renew (at most a twentieth of the channel's
    /// lifetime). Channels made together renew one after another, spread
    /// over the last tenth of their lifetime (about 7 minutes apart for 20
    /// channels of 24 hours). Default: [`DEFAULT_RENEW_BEFORE`] (5
    /// minutes; at most 24 hours). However soon a channel says it expires, it is kept for ten
    /// times the shortest [backoff](WatchBuilder::reconnect_backoff) (at
    /// most the longest) before it is renewed; if it ends sooner, it is
    /// replaced then.
    pub fn renew_before(mut self, margin: Duration) -> Self {
        self.config.renew_before = margin;
        self
    }

    /// The ceiling on channels the watcher makes in any minute (new users,
    /// reconnections, renewals together). Past it the watcher makes no more
    /// until the minute allows: it yields a [`Watch`](crate::ErrorKind::Watch)
    /// error of kind [`ChannelCeiling`](crate::WatchErrorKind::ChannelCeiling) (at most
    /// once a minute) and waits; [`Watcher::add_users`] returns that error.
    /// Each channel costs API requests and, at 20 per user and OAuth
    /// client, may evict another program's. Default:
    /// [`DEFAULT_MAX_CHANNELS_PER_MINUTE`] (40). Must not be zero.
    pub fn max_channels_per_minute(mut self, channels: u32) -> Self {
        self.config.max_channels_per_minute = channels;
        self
    }

    /// After this many connections of a channel in a row that end before
    /// delivering anything (no event, no heartbeat: a server answering every
    /// new channel with `socket_closing`, say), the watcher yields a
    /// [`Watch`](crate::ErrorKind::Watch) error of kind
    /// [`EmptyConnections`](crate::WatchErrorKind::EmptyConnections)
    /// that says what keeps happening, and goes on reconnecting (with
    /// backoff); the caller may [`close`](Watcher::close) it. Default:
    /// [`DEFAULT_MAX_EMPTY_CONNECTIONS`] (5). Must not be zero.
    pub fn max_empty_connections(mut self, connections: u32) -> Self {
        self.config.max_empty_connections = connections;
        self
    }

    /// Whether a connection that ends is replaced by a new channel (with
    /// its users read again). Off, the first connection that ends (not a
    /// renewal) ends the watcher: the iterator yields why, as an `Err`,
    /// then `None`. Default: `true`.
    pub fn auto_reconnect(mut self, yes: bool) -> Self {
        self.config.auto_reconnect = yes;
        self
    }

    /// The largest notification message taken in, in bytes. A larger one
    /// is yielded as a [`Socket`](crate::ErrorKind::Socket) error of
    /// transport kind [`TooLarge`](crate::TransportKind::TooLarge), once, and the socket
    /// read on; one over 1 MiB cannot be skipped, so its connection is
    /// replaced too. Default: [`DEFAULT_MAX_MESSAGE_SIZE`] (64 KiB); from 1
    /// byte to 1 MiB.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.config.max_message_size = bytes;
        self
    }

    /// Makes the channels, connects, subscribes and reads the current
    /// presences; see the [module docs](self).
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty user id or a bad setting;
    /// otherwise the first failure of the calls or the connections (nothing
    /// is left open then).
    pub fn start(self, session: &Session) -> Result<Watcher> {
        self.config.check()?;
        let users = distinct_ids("user_ids", &self.user_ids)?
            .into_iter()
            .map(str::to_owned)
            .collect();
        Watcher::start(session, self.config, users)
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
}
