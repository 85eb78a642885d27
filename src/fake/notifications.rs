//! The Notifications API of the stand-in org: channels and their
//! subscriptions (`/api/v2/notifications/…`), and the topics it serves.

use std::time::{Instant, SystemTime};

use serde_json::{json, Value};

use super::channels::{Channel, Topics};
use super::clock::iso_at;
use super::ids::uuid;
use super::state::State;
use super::url::percent_encode;
use super::wire::{parse_json, Incoming, Outcome, Reply};
use crate::ChannelTopic;

/// The most topics a channel carries (the API's limit).
const MAX_TOPICS: usize = 1000;

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
/// channel lifetime (24 h); at the limit of 20, the one used longest ago
/// makes room (see `Notifications::add`).
pub(super) fn create_channel(state: &mut State, _request: &Incoming) -> Outcome {
    let lifetime = state.notifications.channel_lifetime;
    let channel = Channel {
        id: format!("streaming-0-{}", uuid().replace('-', "")),
        topics: Topics::default(),
        expires_at: Instant::now() + lifetime,
        expires: iso_at(SystemTime::now() + lifetime),
        socket: None,
        last_used: 0,
    };
    let answer = channel_json(&channel, &state.notifications.streaming_url);
    state.notifications.add(channel);
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
    let used = state.notifications.next_use();
    let channel = live(state, request.param(0))?;
    channel.topics = Topics::default();
    channel.last_used = used;
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
        match refusal(state, &topic) {
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
    let used = state.notifications.next_use();
    let channel = live(state, request.param(0))?;
    let mut topics = Topics::default();
    if !replace {
        for topic in channel.topics.iter() {
            topics.insert(topic.clone());
        }
    }
    for topic in accepted {
        topics.insert(topic);
    }
    if topics.len() > MAX_TOPICS {
        return Err(Reply::bad_request(format!(
            "a channel carries at most {MAX_TOPICS} topics; this would make {}",
            topics.len()
        )));
    }
    channel.topics = topics;
    channel.last_used = used;
    let mut answer = topics_json(channel);
    if let Some(Value::Array(entities)) = answer.get_mut("entities") {
        entities.extend(rejected);
    }
    Ok(Reply::json(200, answer))
}

/// Why a topic cannot be subscribed, or `None` when it can.
fn refusal(state: &State, topic: &str) -> Option<String> {
    if let Some(reason) = state.notifications.rejected_topics.get(topic) {
        return Some(reason.clone());
    }
    // The crate's own reading of a topic: `v2.users.{id}.{what}`.
    let parsed = ChannelTopic::new(topic);
    let Some(user) = parsed.user_id().filter(|_| topic.ends_with(".presence")) else {
        return Some(format!(
            "topic {topic} is not served by the stand-in org (only v2.users.{{id}}.presence)"
        ));
    };
    state
        .user_index(user)
        .is_none()
        .then(|| format!("user {user} not found"))
}
