//! What the org remembers of notification channels: each channel's topics,
//! expiry and socket, and the outboxes through which the sockets'
//! threads (in `streaming`) are told what to send.

use std::collections::HashMap;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use serde_json::json;

use super::ids::uuid;

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
}

/// A notification channel.
pub(super) struct Channel {
    pub(super) id: String,
    pub(super) topics: Vec<String>,
    pub(super) expires_at: Instant,
    pub(super) expires: String,
    pub(super) socket: Option<SocketHandle>,
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
    pub(super) open_sockets: usize,
    pub(super) sockets_opened: usize,
    next_socket: u64,
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
            open_sockets: 0,
            sockets_opened: 0,
            next_socket: 0,
        }
    }
}

impl Notifications {
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
        let channel = self.live_channel(channel_id)?;
        if let Some(old) = channel.socket.replace(SocketHandle { number, outbox }) {
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
                let text = socket_closing(&channel.id);
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
            if channel.expires_at > now && channel.topics.iter().any(|t| t == topic) {
                if let Some(socket) = &channel.socket {
                    let _ = socket.outbox.send(Outgoing::Text(text.to_owned()));
                }
            }
        }
    }
}

/// `v2.system.socket_closing`, as Genesys sends it before closing a socket.
fn socket_closing(channel_id: &str) -> String {
    json!({
        "topicName": "v2.system.socket_closing",
        "version": "2",
        "eventBody": {
            "channelId": channel_id,
            "systemTopicType": "no_longer_subscribed",
            "message": "The socket is closing",
        },
        "metadata": {"CorrelationId": uuid()},
    })
    .to_string()
}
