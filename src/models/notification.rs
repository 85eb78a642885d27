//! The Notifications API's models: channels, topic subscriptions, the
//! message envelope of the WebSocket, and the presence event.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{null_as_default, ExtraFields, PresenceDefinition, SystemPresenceName};

/// A notification channel: a WebSocket address and the topics subscribed on it.
///
/// Made by [`notifications::create_channel`](crate::notifications::create_channel).
/// A channel lives 24 hours; it carries at most 1 000 topics and one WebSocket.
/// The `connect_uri` is all a client needs to receive the channel's events
/// (the WebSocket takes no token), so treat it as you would a token.
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Channel {
    /// The channel's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The WebSocket URL to connect to, `wss://streaming.{domain}/channels/{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_uri: Option<String>,
    /// When the channel stops (ISO-8601), 24 hours after it was made.
    /// `None` when the answer gives none, or gives something other than a
    /// string (a number, say): the channel is usable all the same.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "string_or_none")]
    pub expires: Option<String>,
}

/// A string, or `None` for any other JSON value, so that a field the crate
/// only reads for information cannot make the whole answer unreadable.
fn string_or_none<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(match Value::deserialize(deserializer)? {
        Value::String(text) => Some(text),
        _ => None,
    })
}

/// The channels of a token or OAuth client, from
/// [`notifications::list_channels`](crate::notifications::list_channels).
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct ChannelEntityListing {
    /// The channels.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub entities: Vec<Channel>,
}

/// A topic subscription of a channel, e.g. `v2.users.{userId}.presence`.
///
/// In requests only `id` is sent ([`ChannelTopic::new`]); answers say
/// whether the topic was `Permitted` or `Rejected`, and why.
///
/// ```
/// use genesys_presence::models::ChannelTopic;
///
/// let topic = ChannelTopic::presence_of("3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44");
/// assert_eq!(
///     serde_json::to_string(&topic).unwrap(),
///     r#"{"id":"v2.users.3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44.presence"}"#
/// );
/// ```
///
/// A non-breaking release may add fields: build it with `..Default::default()`
/// (or change a value read from the API), never naming every field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChannelTopic {
    /// The topic name, e.g. `v2.users.3f1d….presence`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Whether the subscription was accepted (in answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<TopicState>,
    /// Why the topic was rejected, in words (in answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
    /// The permissions the caller lacks for this topic (in answers).
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub missing_permissions: Vec<String>,
    /// API link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Fields this crate does not know, kept so that they are sent back.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl ChannelTopic {
    /// A topic to subscribe to, by name: what a request body needs.
    pub fn new(id: impl Into<String>) -> Self {
        ChannelTopic {
            id: Some(id.into()),
            ..Default::default()
        }
    }

    /// The presence topic of a user, `v2.users.{userId}.presence`.
    pub fn presence_of(user_id: &str) -> Self {
        ChannelTopic::new(presence_topic(user_id))
    }

    /// True when the API rejected the topic.
    pub fn is_rejected(&self) -> bool {
        self.state == Some(TopicState::Rejected)
    }

    /// The user of a `v2.users.{userId}.…` topic.
    pub fn user_id(&self) -> Option<&str> {
        self.id.as_deref().and_then(user_of_topic)
    }
}

/// Whether a topic subscription was accepted. Values the API adds later are
/// kept as [`Other`](TopicState::Other).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum TopicState {
    /// The topic is subscribed.
    Permitted,
    /// The topic was refused (see `rejection_reason`).
    Rejected,
    /// A value this version of the crate does not know, as the API sent it.
    #[serde(untagged)]
    Other(String),
}

/// A channel's subscriptions, answered by every subscription operation.
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct ChannelTopicEntityListing {
    /// The topics, each with its state.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub entities: Vec<ChannelTopic>,
}

/// A topic one can subscribe to, from
/// [`notifications::list_available_topics`](crate::notifications::list_available_topics).
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct AvailableTopic {
    /// The topic pattern, e.g. `v2.users.{id}.presence`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What the topic reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Permissions a subscriber needs.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub requires_permissions: Vec<String>,
    /// `Public` or `Preview`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    /// The JSON schema of the topic's event body (with `expand=schema`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
    /// Every other field the API sent (`transports`, `permissionDetails`, …).
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// The topics one can subscribe to.
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct AvailableTopicEntityListing {
    /// The topics.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub entities: Vec<AvailableTopic>,
}

/// One message on a channel's WebSocket:
/// `{"topicName", "version", "eventBody", "metadata"}`.
///
/// `channel.metadata` messages are heartbeats; `v2.system.socket_closing`
/// says the server is about to close the socket.
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct NotificationMessage {
    /// The topic, e.g. `v2.users.{userId}.presence` or `channel.metadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic_name: Option<String>,
    /// The event body's schema version, a string (`"2"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Value>,
    /// The event, whose shape depends on the topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_body: Option<Value>,
    /// Metadata, e.g. `{"CorrelationId": "…"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// Where a [`PresenceEvent`] comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventOrigin {
    /// A notification pushed by Genesys Cloud as the presence changed.
    #[default]
    Notification,
    /// A read of the current presence after a reconnection, for a user whose
    /// presence changed while the watcher was not connected.
    Resync,
    /// A read of the current presence when the user started being watched
    /// (only with [`WatchBuilder::initial_presences`](crate::watch::WatchBuilder::initial_presences)).
    Initial,
}

/// A user's presence as it changed: what a [`Watcher`](crate::watch::Watcher) yields.
///
/// Decoded from the event body of a `v2.users.{userId}.presence`
/// notification (the user id comes from the topic), or built from a presence
/// read after a reconnection ([`EventOrigin::Resync`]). Fields the API may
/// leave out are `Option`s; fields this crate does not know are in `extra`.
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct PresenceEvent {
    /// The user whose presence changed.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user_id: String,
    /// The presence source that set it, e.g. `PURECLOUD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The presence: definition id and system presence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence_definition: Option<PresenceDefinition>,
    /// Whether `source` is the user's primary presence source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// The status message, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When the presence changed (ISO-8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// The presence the user is scheduled to take next, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub future_presence_definition: Option<PresenceDefinition>,
    /// Where the event comes from (not part of the API's JSON).
    #[serde(skip)]
    pub origin: EventOrigin,
    /// How many earlier changes of this user this event replaces: a
    /// [`Watcher`](crate::watch::Watcher) keeps only the latest presence of
    /// a user the caller has not read yet, and counts the ones it folded
    /// into it (0: none; not part of the API's JSON).
    #[serde(skip)]
    pub folded: u32,
    /// Fields this crate does not know.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl PresenceEvent {
    /// The system presence (`Busy`, `OnQueue`, …; see [`SystemPresenceName`]).
    pub fn system_presence_name(&self) -> Option<SystemPresenceName> {
        self.presence_definition
            .as_ref()
            .and_then(PresenceDefinition::system_presence_name)
    }

    /// The presence definition id.
    pub fn presence_definition_id(&self) -> Option<&str> {
        self.presence_definition.as_ref().and_then(|d| d.id.as_deref())
    }
}

/// `v2.users.{userId}.presence`.
pub(crate) fn presence_topic(user_id: &str) -> String {
    format!("v2.users.{user_id}.presence")
}

/// The user of a `v2.users.{userId}.{what}` topic (a user id may itself
/// contain dots, so the last segment is cut from the right).
pub(crate) fn user_of_topic(topic: &str) -> Option<&str> {
    let rest = topic.strip_prefix("v2.users.")?;
    let (user, _) = rest.rsplit_once('.')?;
    (!user.is_empty()).then_some(user)
}

/// The user of a `v2.users.{userId}.presence` topic.
pub(crate) fn user_of_presence_topic(topic: &str) -> Option<&str> {
    topic
        .strip_prefix("v2.users.")?
        .strip_suffix(".presence")
        .filter(|user| !user.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_name_their_user() {
        assert_eq!(user_of_presence_topic("v2.users.a.b.presence"), Some("a.b"));
        assert_eq!(user_of_presence_topic("v2.users..presence"), None);
        assert_eq!(user_of_presence_topic("channel.metadata"), None);
        assert_eq!(user_of_topic("v2.users.u1.activity"), Some("u1"));
        assert_eq!(ChannelTopic::presence_of("u 1").user_id(), Some("u 1"));
    }

    #[test]
    fn topic_states_keep_new_values() {
        let t: ChannelTopic = serde_json::from_str(r#"{"id":"x","state":"Pending"}"#).unwrap();
        assert_eq!(t.state, Some(TopicState::Other("Pending".into())));
        let t: ChannelTopic = serde_json::from_str(r#"{"id":"x","state":"Rejected"}"#).unwrap();
        assert!(t.is_rejected());
    }
}
