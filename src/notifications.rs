//! The Notifications API: channels and their topic subscriptions, the
//! REST side of real-time events (feature `notifications`).
//!
//! A channel is a WebSocket address ([`Channel::connect_uri`]); topics such
//! as `v2.users.{userId}.presence` are subscribed on it, and their events
//! arrive on the socket. [`watch`](crate::watch) does all of this for
//! presence, reconnections included; these functions are the single calls,
//! for other topics or your own loop.
//!
//! Limits (Genesys Cloud): a channel lives 24 hours and carries at most
//! [`MAX_TOPICS_PER_CHANNEL`] topics and one WebSocket; a user and OAuth
//! client have at most 20 channels (a 21st replaces the least recently used).
//! None of these operations needs a permission, but each topic does: a
//! topic the caller may not see comes back `Rejected`.
//!
//! ```
//! # // Runs against the stand-in org: only with the `fake` feature.
//! # #[cfg(not(feature = "fake"))]
//! # fn main() {}
//! # #[cfg(feature = "fake")]
//! # fn main() -> Result<(), genesys_presence::Error> {
//! use genesys_presence::models::ChannelTopic;
//! use genesys_presence::notifications;
//! # let org = genesys_presence::fake::FakeOrg::start().expect("a stand-in org");
//! # let session = org.session()?;
//! # let user_id = org.user_ids()[0].clone();
//!
//! let channel = notifications::create_channel(&session)?;
//! let channel_id = channel.id.as_deref().unwrap_or_default();
//! let topics = [ChannelTopic::presence_of(&user_id)];
//! let subscribed = notifications::add_subscriptions(&session, channel_id, &topics, true)?;
//! for topic in subscribed.entities.iter().filter(|t| t.is_rejected()) {
//!     eprintln!("{:?} rejected: {:?}", topic.id, topic.rejection_reason);
//! }
//! // Connect a WebSocket to channel.connect_uri to receive the events.
//! # assert_eq!(subscribed.entities.len(), 1);
//! # Ok(())
//! # }
//! ```

use crate::models::{
    AvailableTopicEntityListing, Channel, ChannelEntityListing, ChannelTopic, ChannelTopicEntityListing,
};
use crate::request::{self, segment, Call};
use crate::{Error, Result, Session};

const CHANNELS: &str = "/api/v2/notifications/channels";

/// The most topics one channel carries (more are refused with 400).
pub const MAX_TOPICS_PER_CHANNEL: usize = 1000;

/// Which channels [`list_channels`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum IncludeChannels {
    /// Those made with the current token (the API's default).
    #[default]
    Token,
    /// Those made by any token of the current OAuth client.
    OauthClient,
}

impl IncludeChannels {
    /// The query value, `token` or `oauthclient`.
    pub fn as_str(self) -> &'static str {
        match self {
            IncludeChannels::Token => "token",
            IncludeChannels::OauthClient => "oauthclient",
        }
    }
}

fn channel_path(channel_id: &str) -> Result<String> {
    Ok(format!("{CHANNELS}/{}", segment("channel_id", channel_id)?))
}

fn subscriptions_path(channel_id: &str) -> Result<String> {
    Ok(format!("{}/subscriptions", channel_path(channel_id)?))
}

/// Creates a notification channel: a WebSocket address that lives 24 hours.
///
/// `POST /api/v2/notifications/channels` (no body). Official SDKs:
/// `post_notifications_channels`, `postNotificationsChannels`. A POST is not
/// retried after a gateway error; an extra channel would do no harm, but the
/// rule is the same for every POST.
///
/// # Errors
///
/// [`Api`](crate::ErrorKind::Api) for an error answer (401, 429).
pub fn create_channel(session: &Session) -> Result<Channel> {
    request::send_json(session, &Call::post(CHANNELS.into()))
}

/// Lists the channels of the current token, or of the whole OAuth client.
///
/// `GET /api/v2/notifications/channels[?includechannels=token|oauthclient]`
/// (`None` sends no query: the API's default is `token`). Official SDKs:
/// `get_notifications_channels`, `getNotificationsChannels`.
///
/// # Errors
///
/// [`Api`](crate::ErrorKind::Api) for an error answer.
pub fn list_channels(session: &Session, include: Option<IncludeChannels>) -> Result<ChannelEntityListing> {
    let call = Call::get(CHANNELS.into()).query_opt("includechannels", include.map(IncludeChannels::as_str));
    request::send_json(session, &call)
}

/// Whether a channel still exists (it has not expired).
///
/// `HEAD /api/v2/notifications/channels/{channelId}`: 200 is `true`, 404 is
/// `false`. Official SDKs: `head_notifications_channel`, `headNotificationsChannel`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id; [`Api`](crate::ErrorKind::Api) for an answer
/// other than 2xx and 404.
pub fn channel_exists(session: &Session, channel_id: &str) -> Result<bool> {
    match request::send_empty(
        session,
        &Call::new(crate::transport::Method::Head, channel_path(channel_id)?),
    ) {
        Ok(()) => Ok(true),
        Err(error) if error.is_not_found() => Ok(false),
        Err(error) => Err(error),
    }
}

/// Lists a channel's topic subscriptions.
///
/// `GET /api/v2/notifications/channels/{channelId}/subscriptions`. Official
/// SDKs: `get_notifications_channel_subscriptions`,
/// `getNotificationsChannelSubscriptions`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id; [`Api`](crate::ErrorKind::Api) for an error
/// answer (404 for an unknown or expired channel).
pub fn get_subscriptions(session: &Session, channel_id: &str) -> Result<ChannelTopicEntityListing> {
    request::send_json(session, &Call::get(subscriptions_path(channel_id)?))
}

/// Adds topics to a channel's subscriptions.
///
/// `POST /api/v2/notifications/channels/{channelId}/subscriptions`, the body
/// `[{"id": "v2.users.….presence"}, …]`. Official SDKs:
/// `post_notifications_channel_subscriptions`, `postNotificationsChannelSubscriptions`.
///
/// With `ignore_errors` (`?ignoreErrors=true`) the topics the caller may not
/// subscribe to come back `Rejected` with a reason, and the others are
/// subscribed; without it, one such topic fails the whole call. The answer
/// lists the channel's topics.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty channel id, no topics, or a topic
/// without an id; [`Api`](crate::ErrorKind::Api) for an error answer (400 for a rejected
/// topic without `ignore_errors`, or past [`MAX_TOPICS_PER_CHANNEL`]; 404
/// for an unknown or expired channel).
pub fn add_subscriptions(
    session: &Session,
    channel_id: &str,
    topics: &[ChannelTopic],
    ignore_errors: bool,
) -> Result<ChannelTopicEntityListing> {
    let call = subscription_call(Call::post(subscriptions_path(channel_id)?), topics, ignore_errors)?;
    request::send_json(session, &call)
}

/// Replaces a channel's subscriptions with `topics` (an empty list removes them all).
///
/// `PUT /api/v2/notifications/channels/{channelId}/subscriptions`. Official
/// SDKs: `put_notifications_channel_subscriptions`,
/// `putNotificationsChannelSubscriptions`. `ignore_errors` as for
/// [`add_subscriptions`].
///
/// # Errors
///
/// As [`add_subscriptions`], except that an empty list is allowed.
pub fn replace_subscriptions(
    session: &Session,
    channel_id: &str,
    topics: &[ChannelTopic],
    ignore_errors: bool,
) -> Result<ChannelTopicEntityListing> {
    let path = subscriptions_path(channel_id)?;
    let call = if topics.is_empty() {
        Call::put(path).json(&topics)?
    } else {
        subscription_call(Call::put(path), topics, ignore_errors)?
    };
    request::send_json(session, &call)
}

/// Removes every subscription of a channel.
///
/// `DELETE /api/v2/notifications/channels/{channelId}/subscriptions`.
/// Official SDKs: `delete_notifications_channel_subscriptions`,
/// `deleteNotificationsChannelSubscriptions`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id; [`Api`](crate::ErrorKind::Api) for an error
/// answer (404 for an unknown or expired channel).
pub fn delete_subscriptions(session: &Session, channel_id: &str) -> Result<()> {
    request::send_empty(session, &Call::delete(subscriptions_path(channel_id)?))
}

/// Lists the topics one can subscribe to.
///
/// `GET /api/v2/notifications/availabletopics[?expand=a,b][&includePreview=false]`
/// (`expand` as one comma-separated value: `description`, `schema`,
/// `requiresPermissions`, `enforced`, `visibility`, `transports`,
/// `publicApiTemplateUriPaths`, `permissionDetails`, `topicParameters`).
/// Official SDKs: `get_notifications_availabletopics`, `getNotificationsAvailabletopics`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty `expand` value; [`Api`](crate::ErrorKind::Api) for an
/// error answer.
pub fn list_available_topics(
    session: &Session,
    expand: &[&str],
    include_preview: Option<bool>,
) -> Result<AvailableTopicEntityListing> {
    if expand.iter().any(|e| e.trim().is_empty()) {
        return Err(Error::invalid("expand", "values must not be empty"));
    }
    let call = Call::get("/api/v2/notifications/availabletopics".into())
        .query_opt("expand", (!expand.is_empty()).then(|| expand.join(",")))
        .query_opt("includePreview", include_preview.map(|b| b.to_string()));
    request::send_json(session, &call)
}

/// Checks the topics, then adds the body and `ignoreErrors`.
fn subscription_call(call: Call, topics: &[ChannelTopic], ignore_errors: bool) -> Result<Call> {
    if topics.is_empty() {
        return Err(Error::invalid("topics", "at least one topic is needed"));
    }
    if let Some(i) = topics
        .iter()
        .position(|t| t.id.as_deref().is_none_or(|id| id.trim().is_empty()))
    {
        return Err(Error::invalid(
            "topics",
            format!("element {i} has no id (the topic name)"),
        ));
    }
    // Only the ids: answers' states and reasons are not sent back.
    let body: Vec<ChannelTopic> = topics
        .iter()
        .map(|t| ChannelTopic {
            id: t.id.clone(),
            extra: t.extra.clone(),
            ..Default::default()
        })
        .collect();
    call.query_opt("ignoreErrors", ignore_errors.then_some("true"))
        .json(&body)
}
