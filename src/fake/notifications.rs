//! Notification channels and their subscriptions (`/api/v2/notifications/…`),
//! and the presence events they push to the sockets of
//! [`streaming`](super::streaming).

use std::collections::HashMap;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};

use super::server::{Incoming, Outcome, Reply};
use super::state::{State, PURECLOUD};
use super::util::{iso_at, parse_json, percent_encode, uuid};

/// The most topics a channel carries (the API's limit).
pub(super) const MAX_TOPICS: usize = 1000;

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
                let text = super::streaming::socket_closing(&channel.id);
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
    fn publish(&self, topic: &str, text: &str) {
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

impl State {
    /// Pushes a user's presence to the channels subscribed to
    /// `v2.users.{id}.presence`, when the presence of their primary source changed.
    pub(super) fn notify_presence(&self, index: usize, source: &str) {
        let Some(user) = self.users.get(index) else {
            return;
        };
        let Some(presence) = user.presence(&user.primary_source) else {
            return;
        };
        if presence.source != source {
            return;
        }
        let mut body = json!({
            "source": if presence.source == PURECLOUD { PURECLOUD } else { "CUSTOM" },
            "presenceDefinition": {"id": presence.definition_id},
            "primary": true,
            "modifiedDate": presence.modified_date,
        });
        if let Some(system) = self
            .definition(&presence.definition_id)
            .and_then(super::state::Definition::system_presence)
        {
            body["presenceDefinition"]["systemPresence"] = Value::String(system.to_owned());
        }
        if let Some(message) = &presence.message {
            body["message"] = Value::String(message.clone());
        }
        let topic = format!("v2.users.{}.presence", user.id);
        let message = json!({
            "topicName": topic,
            "version": "2",
            "eventBody": body,
            "metadata": {"CorrelationId": uuid()},
        });
        self.notifications.publish(&topic, &message.to_string());
    }

    /// Why a topic cannot be subscribed, or `None` when it can.
    fn refusal(&self, topic: &str) -> Option<String> {
        if let Some(reason) = self.notifications.rejected_topics.get(topic) {
            return Some(reason.clone());
        }
        let Some(user) = user_of_presence_topic(topic) else {
            return Some(format!(
                "topic {topic} is not served by the stand-in org (only v2.users.{{id}}.presence)"
            ));
        };
        self.user_index(user)
            .is_none()
            .then(|| format!("user {user} not found"))
    }
}

/// The user of a `v2.users.{userId}.presence` topic.
fn user_of_presence_topic(topic: &str) -> Option<&str> {
    topic
        .strip_prefix("v2.users.")?
        .strip_suffix(".presence")
        .filter(|user| !user.is_empty())
}

fn channel_json(channel: &Channel, streaming_url: &str) -> Value {
    json!({
        "connectUri": format!("{streaming_url}/channels/{}", percent_encode(&channel.id)),
        "id": channel.id,
        "expires": channel.expires,
    })
}

fn topics_json(channel: &Channel) -> Value {
    let entities: Vec<Value> = channel
        .topics
        .iter()
        .map(|t| json!({"id": t, "state": "Permitted"}))
        .collect();
    json!({ "entities": entities })
}

/// `POST /api/v2/notifications/channels`: a channel that lives for the org's
/// channel lifetime (24 h).
pub(super) fn create_channel(state: &mut State, _request: &Incoming) -> Outcome {
    let lifetime = state.notifications.channel_lifetime;
    let channel = Channel {
        id: format!("streaming-0-{}", uuid().replace('-', "")),
        topics: Vec::new(),
        expires_at: Instant::now() + lifetime,
        expires: iso_at(SystemTime::now() + lifetime),
        socket: None,
    };
    let answer = channel_json(&channel, &state.notifications.streaming_url);
    let now = Instant::now();
    // Expired channels are forgotten when a new one is made.
    state
        .notifications
        .channels
        .retain(|c| c.expires_at > now || c.socket.is_some());
    state.notifications.channels.push(channel);
    state.notifications.channels_created += 1;
    Ok(Reply::json(200, answer))
}

/// `GET /api/v2/notifications/channels[?includechannels=token|oauthclient]`:
/// every live channel (the org has one OAuth client).
pub(super) fn list_channels(state: &mut State, request: &Incoming) -> Outcome {
    match request.query("includechannels") {
        None | Some("token" | "oauthclient") => {}
        Some(other) => {
            return Err(Reply::bad_request(format!(
                "includechannels must be token or oauthclient, not {other:?}"
            )))
        }
    }
    let now = Instant::now();
    let notifications = &state.notifications;
    let entities: Vec<Value> = notifications
        .channels
        .iter()
        .filter(|c| c.expires_at > now)
        .map(|c| channel_json(c, &notifications.streaming_url))
        .collect();
    Ok(Reply::json(200, json!({ "entities": entities })))
}

/// `HEAD /api/v2/notifications/channels/{channelId}`: 200, or 404.
pub(super) fn head_channel(state: &mut State, request: &Incoming) -> Outcome {
    live(state, request.param(0))?;
    Ok(Reply::empty(200))
}

/// `GET …/{channelId}/subscriptions`.
pub(super) fn get_subscriptions(state: &mut State, request: &Incoming) -> Outcome {
    Ok(Reply::json(200, topics_json(live(state, request.param(0))?)))
}

/// `POST …/{channelId}/subscriptions[?ignoreErrors=true]`: adds topics.
pub(super) fn add_subscriptions(state: &mut State, request: &Incoming) -> Outcome {
    subscribe(state, request, false)
}

/// `PUT …/{channelId}/subscriptions[?ignoreErrors=true]`: replaces the topics.
pub(super) fn replace_subscriptions(state: &mut State, request: &Incoming) -> Outcome {
    subscribe(state, request, true)
}

/// `DELETE …/{channelId}/subscriptions`: removes every topic.
pub(super) fn delete_subscriptions(state: &mut State, request: &Incoming) -> Outcome {
    live(state, request.param(0))?.topics.clear();
    Ok(Reply::empty(204))
}

/// `GET /api/v2/notifications/availabletopics`: the presence topic.
pub(super) fn available_topics(_state: &mut State, request: &Incoming) -> Outcome {
    request.query_flag("includePreview")?;
    Ok(Reply::json(
        200,
        json!({"entities": [{
            "id": "v2.users.{id}.presence",
            "description": "A user's presence",
            "requiresPermissions": [],
            "visibility": "Public",
            "transports": ["All"],
            "publicApiTemplateUriPaths": ["/api/v2/users/{id}/presences/purecloud"],
        }]}),
    ))
}

fn live<'a>(state: &'a mut State, id: &str) -> Result<&'a mut Channel, Reply> {
    state
        .notifications
        .live_channel(id)
        .ok_or_else(|| Reply::not_found(format!("channel {id} not found (or expired)")))
}

/// POST (add) or PUT (replace): every topic is checked; a refused one is a
/// 400 unless `ignoreErrors=true`, when it is listed as `Rejected`.
fn subscribe(state: &mut State, request: &Incoming, replace: bool) -> Outcome {
    let ignore_errors = request.query_flag("ignoreErrors")?.unwrap_or(false);
    let Value::Array(elements) = parse_json(&request.body)? else {
        return Err(Reply::bad_request(
            "the body must be a JSON array of ChannelTopic",
        ));
    };
    let mut wanted = Vec::with_capacity(elements.len());
    for (i, element) in elements.iter().enumerate() {
        match element.get("id") {
            Some(Value::String(id)) if !id.is_empty() => wanted.push(id.clone()),
            _ => {
                return Err(Reply::bad_request(format!(
                    "element {i}: id (the topic) is required"
                )))
            }
        }
    }
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    for topic in wanted {
        match state.refusal(&topic) {
            Some(reason) if !ignore_errors => {
                return Err(Reply::bad_request(format!(
                    "topic {topic} was rejected: {reason}"
                )))
            }
            Some(reason) => rejected.push(json!({
                "id": topic, "state": "Rejected", "rejectionReason": reason,
            })),
            None => accepted.push(topic),
        }
    }
    let channel = live(state, request.param(0))?;
    let mut topics = if replace {
        Vec::new()
    } else {
        channel.topics.clone()
    };
    for topic in accepted {
        if !topics.contains(&topic) {
            topics.push(topic);
        }
    }
    if topics.len() > MAX_TOPICS {
        return Err(Reply::bad_request(format!(
            "a channel carries at most {MAX_TOPICS} topics; this would make {}",
            topics.len()
        )));
    }
    channel.topics = topics;
    let mut answer = topics_json(channel);
    if let Some(Value::Array(entities)) = answer.get_mut("entities") {
        entities.extend(rejected);
    }
    Ok(Reply::json(200, answer))
}

#[cfg(test)]
mod tests {
    use super::user_of_presence_topic;

    #[test]
    fn presence_topics_name_their_user() {
        assert_eq!(user_of_presence_topic("v2.users.a.b.presence"), Some("a.b"));
        assert_eq!(user_of_presence_topic("v2.users..presence"), None);
        assert_eq!(user_of_presence_topic("channel.metadata"), None);
    }
}
