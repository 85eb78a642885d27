//! What the org remembers of notification channels: each channel's topics,
//! expiry, last use and socket, the limit of [`MAX_CHANNELS`], and the
//! outboxes through which the sockets' threads (in `streaming`) are told
//! what to send.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use super::ids::uuid;

/// The most channels the org keeps for its OAuth client (Genesys Cloud: 20
/// per user and application); a new one removes the one used longest ago.
pub(super) const MAX_CHANNELS: usize = 20;

/// What a socket's thread is told to do.
pub(super) enum Outgoing {
    /// Send this text message.
    Text(String),
    /// Send a close frame and end.
    Close,
    /// End without a close frame (a dropped connection).
    Drop,
    /// Send nothing more, not even heartbeats, and stay open.
    Silence,
}

/// A connected socket, as its channel knows it.
pub(super) struct SocketHandle {
    pub(super) number: u64,
    pub(super) outbox: Sender<Outgoing>,
    pub(super) connected_at: SystemTime,
}

/// A notification channel.
pub(super) struct Channel {
    pub(super) id: String,
    pub(super) topics: Topics,
    pub(super) expires_at: Instant,
    pub(super) expires: String,
    pub(super) socket: Option<SocketHandle>,
    /// When the channel was last used (made, its subscriptions changed, or
    /// its socket connected), as a number from [`Notifications::next_use`].
    pub(super) last_used: u64,
}

/// A channel's topics: in the order they were subscribed, and as a set, so
/// that publishing to one of 20 000 users looks up rather than scans.
#[derive(Default)]
pub(super) struct Topics {
    order: Vec<String>,
    set: HashSet<String>,
}

impl Topics {
    pub(super) fn contains(&self, topic: &str) -> bool {
        self.set.contains(topic)
    }

    /// Adds a topic at the end, unless it is there already.
    pub(super) fn insert(&mut self, topic: String) {
        if !self.set.contains(&topic) {
            self.set.insert(topic.clone());
            self.order.push(topic);
        }
    }

    pub(super) fn len(&self) -> usize {
        self.order.len()
    }

    pub(super) fn iter(&self) -> std::slice::Iter<'_, String> {
        self.order.iter()
    }

    pub(super) fn to_vec(&self) -> Vec<String> {
        self.order.clone()
    }
}

/// A notification channel as [`FakeOrg::channels`](super::FakeOrg::channels)
/// reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChannelInfo {
    /// The channel id.
    pub id: String,
    /// The topics it is subscribed to, in the order they were added.
    pub topics: Vec<String>,
    /// When its current WebSocket connected (the org's side of the
    /// handshake); `None` while it has none.
    pub connected_at: Option<SystemTime>,
}

impl ChannelInfo {
    fn of(channel: &Channel) -> ChannelInfo {
        ChannelInfo {
            id: channel.id.clone(),
            topics: channel.topics.to_vec(),
            connected_at: channel.socket.as_ref().map(|s| s.connected_at),
        }
    }
}

/// Everything about notifications the org remembers.
pub(super) struct Notifications {
    /// `ws://127.0.0.1:PORT`, where the sockets are served.
    pub(super) streaming_url: String,
    pub(super) channels: Vec<Channel>,
    /// Topic -> why subscriptions to it are rejected.
    pub(super) rejected_topics: HashMap<String, String>,
    pub(super) channel_lifetime: Duration,
    pub(super) heartbeat_interval: Duration,
    pub(super) channels_created: usize,
    /// Channels removed to make room for a new one.
    pub(super) channels_evicted: usize,
    pub(super) open_sockets: usize,
    pub(super) sockets_opened: usize,
    next_socket: u64,
    uses: u64,
}

impl Default for Notifications {
    fn default() -> Self {
        Notifications {
            streaming_url: String::new(),
            channels: Vec::new(),
            rejected_topics: HashMap::new(),
            channel_lifetime: Duration::from_secs(24 * 3600),
            heartbeat_interval: Duration::from_secs(30),
            channels_created: 0,
            channels_evicted: 0,
            open_sockets: 0,
            sockets_opened: 0,
            next_socket: 0,
            uses: 0,
        }
    }
}

impl Notifications {
    /// A number for [`Channel::last_used`], larger than every one before.
    pub(super) fn next_use(&mut self) -> u64 {
        self.uses += 1;
        self.uses
    }

    /// Adds a new channel: expired channels are forgotten (once their socket
    /// has ended), and at [`MAX_CHANNELS`] live ones, the one used longest
    /// ago is removed, unconnected ones first (see [`evict`](Notifications::evict)).
    pub(super) fn add(&mut self, mut channel: Channel) {
        let now = Instant::now();
        self.channels.retain(|c| c.expires_at > now || c.socket.is_some());
        while self.channels.iter().filter(|c| c.expires_at > now).count() >= MAX_CHANNELS {
            let oldest = self
                .channels
                .iter()
                .enumerate()
                .filter(|(_, c)| c.expires_at > now)
                .min_by_key(|(_, c)| (c.socket.is_some(), c.last_used))
                .map(|(i, _)| i);
            let Some(oldest) = oldest else { break };
            self.evict(oldest);
        }
        channel.last_used = self.next_use();
        self.channels.push(channel);
        self.channels_created += 1;
    }

    /// Removes a channel, with its subscriptions: its socket, if it has one,
    /// gets `v2.system.socket_closing` and a close frame.
    fn evict(&mut self, index: usize) {
        let channel = self.channels.remove(index);
        if let Some(socket) = &channel.socket {
            let text = socket_closing(
                &channel.id,
                "The channel was removed: a newer channel of the same client took its place",
            );
            let _ = socket.outbox.send(Outgoing::Text(text));
            let _ = socket.outbox.send(Outgoing::Close);
        }
        self.channels_evicted += 1;
    }

    /// Every live channel, in the order they were made.
    pub(super) fn infos(&self) -> Vec<ChannelInfo> {
        let now = Instant::now();
        self.channels
            .iter()
            .filter(|c| c.expires_at > now)
            .map(ChannelInfo::of)
            .collect()
    }

    /// A channel that has not expired.
    pub(super) fn live_channel(&mut self, id: &str) -> Option<&mut Channel> {
        let now = Instant::now();
        self.channels
            .iter_mut()
            .find(|c| c.id == id && c.expires_at > now)
    }

    /// Registers a new socket of a channel (closing the one it had: one
    /// socket per channel); returns its number and when the channel expires.
    pub(super) fn attach(&mut self, channel_id: &str, outbox: Sender<Outgoing>) -> Option<(u64, Instant)> {
        self.next_socket += 1;
        let number = self.next_socket;
        let used = self.next_use();
        let channel = self.live_channel(channel_id)?;
        channel.last_used = used;
        let socket = SocketHandle {
            number,
            outbox,
            connected_at: SystemTime::now(),
        };
        if let Some(old) = channel.socket.replace(socket) {
            let _ = old.outbox.send(Outgoing::Close);
        }
        let expires_at = channel.expires_at;
        self.open_sockets += 1;
        self.sockets_opened += 1;
        Some((number, expires_at))
    }

    /// Forgets a socket whose thread ended.
    pub(super) fn detach(&mut self, channel_id: &str, number: u64) {
        self.open_sockets = self.open_sockets.saturating_sub(1);
        for channel in self.channels.iter_mut().filter(|c| c.id == channel_id) {
            if channel.socket.as_ref().is_some_and(|s| s.number == number) {
                channel.socket = None;
            }
        }
    }

    /// Tells every open socket `what` (made fresh for each).
    pub(super) fn tell_all(&self, what: impl Fn() -> Outgoing) {
        for socket in self.channels.iter().filter_map(|c| c.socket.as_ref()) {
            let _ = socket.outbox.send(what());
        }
    }

    /// Sends `v2.system.socket_closing` on every open socket.
    pub(super) fn send_socket_closing(&self) {
        for channel in &self.channels {
            if let Some(socket) = &channel.socket {
                let text = socket_closing(&channel.id, "The socket is closing");
                let _ = socket.outbox.send(Outgoing::Text(text));
            }
        }
    }

    /// Every channel expires now: its socket gets a close frame, and the
    /// REST operations answer 404.
    pub(super) fn expire_all(&mut self) {
        let now = Instant::now();
        for channel in &mut self.channels {
            channel.expires_at = channel.expires_at.min(now);
            if let Some(socket) = &channel.socket {
                let _ = socket.outbox.send(Outgoing::Close);
            }
        }
    }

    /// Sends `text` on the sockets of the live channels subscribed to `topic`.
    pub(super) fn publish(&self, topic: &str, text: &str) {
        let now = Instant::now();
        for channel in &self.channels {
            if channel.expires_at > now && channel.topics.contains(topic) {
                if let Some(socket) = &channel.socket {
                    let _ = socket.outbox.send(Outgoing::Text(text.to_owned()));
                }
            }
        }
    }
}

/// `v2.system.socket_closing`, as Genesys sends it before closing a socket.
fn socket_closing(channel_id: &str, message: &str) -> String {
    json!({
        "topicName": "v2.system.socket_closing",
        "version": "2",
        "eventBody": {
            "channelId": channel_id,
            "systemTopicType": "no_longer_subscribed",
            "message": message,
        },
        "metadata": {"CorrelationId": uuid()},
    })
    .to_string()
}
