//! One notification channel of a watcher: made, connected and subscribed
//! through the [`notifications`](crate::notifications) operations, and read
//! by a [`Reader`] thread.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::config::Config;
use super::socket::{self, Reader, ReaderSettings, Report};
use super::time;
use crate::models::{user_of_presence_topic, ChannelTopic};
use crate::session::is_loopback_host;
use crate::transport::StreamStop;
use crate::{notifications, Result, Session, TransportKind};

/// Used when the channel does not say when it expires, or says a time that
/// is not in the future (a clock ahead of the server's, a misread offset):
/// Genesys's documented 24 hours.
const ASSUMED_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The longest a channel lives (Genesys: set per OAuth client, at most 48
/// hours); a later `expires` is taken as this.
const LONGEST_LIFETIME: Duration = Duration::from_secs(48 * 3600);

/// A connected, subscribed channel.
pub(super) struct Link {
    pub(super) channel_id: String,
    /// When the channel expires.
    pub(super) expires: Instant,
    reader: Reader,
}

impl Link {
    /// Closes the socket and waits for its reader thread.
    pub(super) fn close(self) {
        self.reader.stop();
    }
}

/// A topic the API refused: the user and why.
pub(super) type Refusal = (String, String);

/// Makes a channel, connects its WebSocket, starts its reader and subscribes
/// the presence of `users`. Returns the link and the users whose topic was
/// refused (they are not subscribed).
pub(super) fn open(
    session: &Session,
    config: &Config,
    users: &[String],
    link: u64,
    report: Arc<dyn Report>,
    stop: &StreamStop,
) -> Result<(Link, Vec<Refusal>)> {
    let channel = notifications::create_channel(session)?;
    let missing = |what: &str| {
        socket::socket_error(
            "(none)",
            TransportKind::Other,
            format!("the new notification channel has no {what}"),
        )
    };
    let channel_id = channel.id.clone().ok_or_else(|| missing("id"))?;
    let uri = channel.connect_uri.clone().ok_or_else(|| missing("connectUri"))?;
    refuse_clear_text(session, &uri)?;
    let lifetime = channel
        .expires
        .as_deref()
        .and_then(time::until)
        .filter(|lifetime| !lifetime.is_zero())
        .unwrap_or(ASSUMED_LIFETIME)
        .min(LONGEST_LIFETIME);
    let now = Instant::now();
    let expires = now.checked_add(lifetime).unwrap_or(now);
    let socket = socket::connect(session.transport(), &uri, stop)?;
    let settings = ReaderSettings {
        link,
        heartbeat_timeout: config.heartbeat_timeout,
        max_message_size: config.max_message_size,
    };
    let reader = Reader::start(socket, settings, report)?;
    let link = Link {
        channel_id,
        expires,
        reader,
    };
    // On an error the link is dropped here, which stops its reader.
    let refused = if users.is_empty() {
        Vec::new()
    } else {
        subscribe(session, &link.channel_id, users)?
    };
    Ok((link, refused))
}

/// A plain `ws://` address carries the channel's events (and its address,
/// all it takes to read them) in clear text: refused while the API is
/// `https://`, and otherwise refused for a host off this machine unless
/// the session allows insecure HTTP (the rule of its own URLs).
fn refuse_clear_text(session: &Session, uri: &str) -> Result<()> {
    let plain = uri
        .trim_start()
        .get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("ws://"));
    if !plain {
        return Ok(());
    }
    let host = uri
        .parse::<tungstenite::http::Uri>()
        .ok()
        .and_then(|uri| uri.host().map(str::to_owned))
        .unwrap_or_default();
    let why = if session.api_is_https() {
        "the channel's connectUri is a plain ws:// address while the API is https://; refused rather than read events in clear text"
    } else if !is_loopback_host(&host) && !session.allows_insecure_http() {
        "the channel's connectUri is a plain ws:// address off this machine; refused unless SessionBuilder::allow_insecure_http(true)"
    } else {
        return Ok(());
    };
    let shown = if host.is_empty() {
        "(unknown host)"
    } else {
        host.as_str()
    };
    Err(socket::socket_error(shown, TransportKind::Tls, why))
}

/// Adds the presence topics of `users` to a channel; returns the refused ones.
pub(super) fn subscribe(session: &Session, channel_id: &str, users: &[String]) -> Result<Vec<Refusal>> {
    let topics: Vec<ChannelTopic> = users.iter().map(|u| ChannelTopic::presence_of(u)).collect();
    let answer = notifications::add_subscriptions(session, channel_id, &topics, true)?;
    Ok(refusals(&answer.entities, users))
}

/// Replaces a channel's topics with the presence of `users`; returns the refused ones.
pub(super) fn resubscribe(session: &Session, channel_id: &str, users: &[String]) -> Result<Vec<Refusal>> {
    if users.is_empty() {
        return notifications::delete_subscriptions(session, channel_id).map(|()| Vec::new());
    }
    let topics: Vec<ChannelTopic> = users.iter().map(|u| ChannelTopic::presence_of(u)).collect();
    let answer = notifications::replace_subscriptions(session, channel_id, &topics, true)?;
    Ok(refusals(&answer.entities, users))
}

fn refusals(answer: &[ChannelTopic], users: &[String]) -> Vec<Refusal> {
    answer
        .iter()
        .filter(|t| t.is_rejected())
        .filter_map(|t| {
            let user = user_of_presence_topic(t.id.as_deref()?)?;
            users
                .iter()
                .any(|u| u == user)
                .then(|| (user.to_owned(), reason(t)))
        })
        .collect()
}

/// The API's reason, with the missing permissions.
fn reason(topic: &ChannelTopic) -> String {
    let mut reason = topic
        .rejection_reason
        .clone()
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "rejected".to_owned());
    if !topic.missing_permissions.is_empty() {
        reason.push_str(&format!(
            " (missing permissions: {})",
            topic.missing_permissions.join(", ")
        ));
    }
    reason
}
