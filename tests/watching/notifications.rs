//! `notifications::{create_channel, list_channels, channel_exists,
//! get_subscriptions, add_subscriptions, replace_subscriptions,
//! delete_subscriptions, list_available_topics}`: `/api/v2/notifications/…`,
//! the models of the WebSocket's messages, and the stand-in org's side.

use crate::mock::{
    api, assert_all, assert_invalid, nothing_else, session_for, MockExt, AWKWARD_ID, AWKWARD_ID_ENCODED,
};
use genesys_presence::models::{ChannelTopic, NotificationMessage, TopicState};
use genesys_presence::notifications::{self, IncludeChannels};
use genesys_presence::{EventOrigin, PresenceEvent, SystemPresenceName};
use mockito::Matcher;
use serde_json::json;

const CHANNELS: &str = "/api/v2/notifications/channels";
const CHANNEL: &str = "streaming-0-fmtdmf8cdis7jh14udg5p89t6z";
const USER: &str = "3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44";
const OTHER_USER: &str = "71b0c9a2-6e5d-4f3c-8a1b-2d9e7f6c5b40";

fn subscriptions(channel: &str) -> String {
    format!("{CHANNELS}/{channel}/subscriptions")
}

fn topic(user: &str) -> String {
    format!("v2.users.{user}.presence")
}

// ---------------------------------------------------------------- channels

#[test]
fn create_channel_posts_without_a_body_and_decodes_the_channel() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", CHANNELS)
        .no_query()
        .no_body()
        .reply_json(200, fixture!("notification_channel.json"))
        .create();
    let guards = nothing_else(&mut server);

    let channel = notifications::create_channel(&session_for(&server)).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(channel.id.as_deref(), Some(CHANNEL));
    assert_eq!(
        channel.connect_uri.as_deref(),
        Some("wss://streaming.mypurecloud.com/channels/streaming-0-fmtdmf8cdis7jh14udg5p89t6z")
    );
    assert_eq!(channel.expires.as_deref(), Some("2024-05-03T14:03:11.123Z"));
}

#[test]
fn list_channels_sends_includechannels_only_when_given() {
    let mut server = mockito::Server::new();
    let plain = api(&mut server, "GET", CHANNELS)
        .no_query()
        .no_body()
        .reply_json(200, fixture!("notification_channels.json"))
        .expect(1)
        .create();
    let client = api(&mut server, "GET", CHANNELS)
        .match_query(Matcher::Exact("includechannels=oauthclient".into()))
        .no_body()
        .reply_json(200, fixture!("notification_channels.json"))
        .expect(1)
        .create();
    let token = api(&mut server, "GET", CHANNELS)
        .match_query(Matcher::Exact("includechannels=token".into()))
        .no_body()
        .reply_json(200, r#"{"entities": null}"#)
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    let listing = notifications::list_channels(&session, None).unwrap();
    let ids: Vec<_> = listing
        .entities
        .iter()
        .map(|c| c.id.as_deref().unwrap())
        .collect();
    assert_eq!(ids, [CHANNEL, "streaming-1-2kqd8v3mz0a7b1c9e4f6g5h8j0"]);
    assert_eq!(
        listing.entities[1].expires.as_deref(),
        Some("2024-05-03T15:10:00Z")
    );
    assert_eq!(
        notifications::list_channels(&session, Some(IncludeChannels::OauthClient))
            .unwrap()
            .entities
            .len(),
        2
    );
    assert!(
        notifications::list_channels(&session, Some(IncludeChannels::Token))
            .unwrap()
            .entities
            .is_empty()
    );

    plain.assert();
    client.assert();
    token.assert();
    assert_all(&guards);
}

#[test]
fn channel_exists_is_a_head_request_true_for_200_false_for_404() {
    let mut server = mockito::Server::new();
    let here = api(&mut server, "HEAD", &format!("{CHANNELS}/{CHANNEL}"))
        .no_query()
        .no_body()
        .with_status(200)
        .create();
    let gone = api(&mut server, "HEAD", &format!("{CHANNELS}/gone"))
        .with_status(404)
        .create();
    let broken = api(&mut server, "HEAD", &format!("{CHANNELS}/broken"))
        .with_status(500)
        .create();
    let escaped = api(&mut server, "HEAD", &format!("{CHANNELS}/{AWKWARD_ID_ENCODED}"))
        .with_status(200)
        .create();
    let session = session_for(&server);

    assert!(notifications::channel_exists(&session, CHANNEL).unwrap());
    assert!(!notifications::channel_exists(&session, "gone").unwrap());
    let error = notifications::channel_exists(&session, "broken").unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert!(
        error
            .to_string()
            .starts_with("HEAD /api/v2/notifications/channels/broken: 500"),
        "{error}"
    );
    assert!(notifications::channel_exists(&session, AWKWARD_ID).unwrap());
    assert_invalid(
        notifications::channel_exists(&session, "").unwrap_err(),
        "channel_id",
    );

    for m in [here, gone, broken, escaped] {
        m.assert();
    }
}

// ---------------------------------------------------------------- subscriptions

#[test]
fn get_subscriptions_decodes_states_reasons_and_new_values() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &subscriptions(CHANNEL))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("notification_subscriptions.json"))
        .create();
    let guards = nothing_else(&mut server);

    let listing = notifications::get_subscriptions(&session_for(&server), CHANNEL).unwrap();

    m.assert();
    assert_all(&guards);
    let [permitted, rejected, pending] = &listing.entities[..] else {
        panic!("{listing:?}")
    };
    assert_eq!(permitted.id.as_deref(), Some(topic(USER).as_str()));
    assert_eq!(permitted.state, Some(TopicState::Permitted));
    assert_eq!(permitted.user_id(), Some(USER));
    assert!(!permitted.is_rejected());
    assert_eq!(
        permitted.self_uri.as_deref(),
        Some("/api/v2/notifications/channels/streaming-0-fmtdmf8cdis7jh14udg5p89t6z/subscriptions")
    );
    assert!(rejected.is_rejected());
    assert_eq!(rejected.rejection_reason.as_deref(), Some("Missing permission"));
    assert_eq!(rejected.missing_permissions, ["directory:user:view"]);
    assert_eq!(pending.state, Some(TopicState::Other("Pending".into())));
    assert_eq!(pending.extra.get("priority"), Some(&json!(3)));
}

#[test]
fn add_subscriptions_posts_only_the_ids_with_ignore_errors() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", &subscriptions(CHANNEL))
        .match_query(Matcher::Exact("ignoreErrors=true".into()))
        .json_body(json!([{"id": topic(USER)}, {"id": topic(OTHER_USER)}]))
        .reply_json(200, fixture!("notification_subscriptions.json"))
        .create();
    let guards = nothing_else(&mut server);
    // A topic read from an answer: its state and reason are not sent back.
    let mut answered = ChannelTopic::presence_of(OTHER_USER);
    answered.state = Some(TopicState::Rejected);
    answered.rejection_reason = Some("Missing permission".into());

    let listing = notifications::add_subscriptions(
        &session_for(&server),
        CHANNEL,
        &[ChannelTopic::presence_of(USER), answered],
        true,
    )
    .unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(listing.entities.len(), 3);
}

#[test]
fn add_subscriptions_without_ignore_errors_sends_no_query_and_reports_the_400() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", &subscriptions(AWKWARD_ID_ENCODED))
        .no_query()
        .json_body(json!([{"id": topic(USER)}]))
        .reply_json(400, fixture!("error_bad_request.json"))
        .create();

    let error = notifications::add_subscriptions(
        &session_for(&server),
        AWKWARD_ID,
        &[ChannelTopic::presence_of(USER)],
        false,
    )
    .unwrap_err();

    m.assert();
    assert_eq!(error.status(), Some(400));
    assert_eq!(error.code(), Some("invalid.value"));
}

#[test]
fn replace_subscriptions_puts_the_set_and_an_empty_set_clears_it() {
    let mut server = mockito::Server::new();
    let some = api(&mut server, "PUT", &subscriptions(CHANNEL))
        .match_query(Matcher::Exact("ignoreErrors=true".into()))
        .json_body(json!([{"id": topic(USER)}]))
        .reply_json(200, fixture!("notification_subscriptions.json"))
        .create();
    let none = api(&mut server, "PUT", &subscriptions("other"))
        .no_query()
        .json_body(json!([]))
        .reply_json(200, r#"{"entities": []}"#)
        .create();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    let listing =
        notifications::replace_subscriptions(&session, CHANNEL, &[ChannelTopic::presence_of(USER)], true)
            .unwrap();
    assert_eq!(listing.entities.len(), 3);
    assert!(notifications::replace_subscriptions(&session, "other", &[], true)
        .unwrap()
        .entities
        .is_empty());

    some.assert();
    none.assert();
    assert_all(&guards);
}

#[test]
fn delete_subscriptions_accepts_an_empty_answer() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "DELETE", &subscriptions(CHANNEL))
        .no_query()
        .no_body()
        .with_status(204)
        .create();
    let guards = nothing_else(&mut server);

    notifications::delete_subscriptions(&session_for(&server), CHANNEL).unwrap();

    m.assert();
    assert_all(&guards);
}

#[test]
fn bad_subscription_arguments_are_rejected_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);
    let topics = [ChannelTopic::presence_of(USER)];

    assert_invalid(
        notifications::add_subscriptions(&session, "", &topics, true).unwrap_err(),
        "channel_id",
    );
    assert_invalid(
        notifications::add_subscriptions(&session, CHANNEL, &[], true).unwrap_err(),
        "topics",
    );
    assert_invalid(
        notifications::add_subscriptions(&session, CHANNEL, &[ChannelTopic::default()], true).unwrap_err(),
        "topics",
    );
    assert_invalid(
        notifications::replace_subscriptions(&session, CHANNEL, &[ChannelTopic::new(" ")], false)
            .unwrap_err(),
        "topics",
    );
    assert_invalid(
        notifications::get_subscriptions(&session, " ").unwrap_err(),
        "channel_id",
    );
    assert_invalid(
        notifications::delete_subscriptions(&session, "").unwrap_err(),
        "channel_id",
    );
    assert_invalid(
        notifications::list_available_topics(&session, &[""], None).unwrap_err(),
        "expand",
    );
    assert_all(&guards);
}

// ---------------------------------------------------------------- topics

#[test]
fn list_available_topics_sends_expand_as_one_value_and_include_preview() {
    let mut server = mockito::Server::new();
    let path = "/api/v2/notifications/availabletopics";
    let expanded = api(&mut server, "GET", path)
        .match_query(Matcher::Exact(
            "expand=schema%2CrequiresPermissions&includePreview=false".into(),
        ))
        .no_body()
        .reply_json(200, fixture!("notification_topics.json"))
        .create();
    let bare = api(&mut server, "GET", path)
        .no_query()
        .no_body()
        .reply_json(200, fixture!("notification_topics.json"))
        .create();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    let listing =
        notifications::list_available_topics(&session, &["schema", "requiresPermissions"], Some(false))
            .unwrap();
    let presence = &listing.entities[0];
    assert_eq!(presence.id.as_deref(), Some("v2.users.{id}.presence"));
    assert_eq!(presence.visibility.as_deref(), Some("Public"));
    assert!(presence.requires_permissions.is_empty());
    assert_eq!(presence.schema.as_ref().unwrap()["type"], "object");
    assert_eq!(presence.extra["transports"], json!(["All"]));
    assert_eq!(
        notifications::list_available_topics(&session, &[], None)
            .unwrap()
            .entities
            .len(),
        1
    );

    expanded.assert();
    bare.assert();
    assert_all(&guards);
}

// ---------------------------------------------------------------- messages

#[test]
fn a_presence_message_decodes_with_unknown_fields_and_new_values() {
    let message: NotificationMessage =
        serde_json::from_str(fixture!("notification_presence_event.json")).unwrap();
    assert_eq!(message.topic_name.as_deref(), Some(topic(USER).as_str()));
    assert_eq!(message.version, Some(json!("2")));
    assert_eq!(
        message.metadata.as_ref().unwrap()["CorrelationId"],
        "5e0b7a93-2c51-4d77-9a1f-3b8c6d2e4f10"
    );

    let event: PresenceEvent = serde_json::from_value(message.event_body.unwrap()).unwrap();
    assert_eq!(event.user_id, "", "the user comes from the topic");
    assert_eq!(event.origin, EventOrigin::Notification);
    assert_eq!(event.source.as_deref(), Some("PURECLOUD"));
    assert_eq!(
        event.presence_definition_id(),
        Some("e08eaf1b-ee47-4fa9-a231-1200e284798f")
    );
    assert_eq!(
        event.system_presence_name(),
        Some(SystemPresenceName::Other("FOCUS".into()))
    );
    assert_eq!(event.primary, Some(true));
    assert_eq!(event.message.as_deref(), Some("Heads down"));
    assert_eq!(event.modified_date.as_deref(), Some("2024-05-02T14:03:11.123Z"));
    assert_eq!(
        event.future_presence_definition.unwrap().system_presence_name(),
        Some(SystemPresenceName::Available)
    );
    assert_eq!(event.extra["currentActivity"], json!({"kind": "call"}));

    // Nothing required: an empty body is an event without details.
    let empty: PresenceEvent = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, PresenceEvent::default());
}

// ---------------------------------------------------------------- the stand-in org

#[cfg(feature = "fake")]
#[test]
fn the_stand_in_org_serves_channels_and_subscriptions() {
    let org = genesys_presence::fake::FakeOrg::start().unwrap();
    let session = org.session().unwrap();
    let users = org.user_ids();
    org.reject_topic(&topic(&users[2]), "Missing permission");

    let channel = notifications::create_channel(&session).unwrap();
    let id = channel.id.clone().unwrap();
    assert_eq!(
        channel.connect_uri.as_deref(),
        Some(format!("{}/channels/{id}", org.streaming_url()).as_str())
    );
    assert!(org.streaming_url().starts_with("ws://127.0.0.1:"));
    assert!(channel.expires.is_some());
    assert!(notifications::channel_exists(&session, &id).unwrap());
    assert_eq!(
        notifications::list_channels(&session, None).unwrap().entities,
        [channel]
    );

    // Without ignoreErrors a refused topic fails the call and changes nothing.
    let all: Vec<ChannelTopic> = users.iter().map(|u| ChannelTopic::presence_of(u)).collect();
    let error = notifications::add_subscriptions(&session, &id, &all, false).unwrap_err();
    assert_eq!(error.status(), Some(400));
    assert!(notifications::get_subscriptions(&session, &id)
        .unwrap()
        .entities
        .is_empty());

    let answer = notifications::add_subscriptions(&session, &id, &all, true).unwrap();
    let states: Vec<_> = answer.entities.iter().map(|t| t.state.clone().unwrap()).collect();
    assert_eq!(
        states,
        [TopicState::Permitted, TopicState::Permitted, TopicState::Rejected]
    );
    assert_eq!(
        answer.entities[2].rejection_reason.as_deref(),
        Some("Missing permission")
    );
    assert_eq!(
        notifications::get_subscriptions(&session, &id)
            .unwrap()
            .entities
            .len(),
        2
    );

    let replaced = notifications::replace_subscriptions(&session, &id, &all[..1], false).unwrap();
    assert_eq!(replaced.entities.len(), 1);
    notifications::delete_subscriptions(&session, &id).unwrap();
    assert!(notifications::get_subscriptions(&session, &id)
        .unwrap()
        .entities
        .is_empty());

    // 1 000 topics at most.
    for n in 0..1001 {
        org.add_user(&format!("u{n}"));
    }
    let many: Vec<ChannelTopic> = (0..1001)
        .map(|n| ChannelTopic::presence_of(&format!("u{n}")))
        .collect();
    let error = notifications::add_subscriptions(&session, &id, &many, true).unwrap_err();
    assert_eq!(error.status(), Some(400));
    notifications::add_subscriptions(&session, &id, &many[..1000], true).unwrap();

    org.expire_channels();
    assert!(!notifications::channel_exists(&session, &id).unwrap());
    assert!(notifications::get_subscriptions(&session, &id)
        .unwrap_err()
        .is_not_found());
    assert!(notifications::list_channels(&session, None)
        .unwrap()
        .entities
        .is_empty());
    assert_eq!(org.channels_created(), 1);
}
