//! The stand-in org's limits and shortcuts: the optional rate limit (429,
//! `Retry-After`, `inin-ratelimit-*`), the 20-channel limit (which channel
//! a new one evicts), `set_presence_now` (a change pushed without a
//! request), and lookups that stay right at 20 000 users.

use std::collections::BTreeMap;
use std::net::TcpStream;

use crate::wait::{eventually, WAIT};
use genesys_presence::fake::FakeOrg;
use genesys_presence::models::ChannelTopic;
use genesys_presence::{notifications, user, watch, EventOrigin, RetryPolicy, Session, SystemPresenceName};
use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

const RATE_HEADERS: [&str; 3] = [
    "inin-ratelimit-count",
    "inin-ratelimit-allowed",
    "inin-ratelimit-reset",
];

/// A session with an access token of the org, and no retries, so that
/// each call is one request.
fn token_session(org: &FakeOrg, token: &str) -> Session {
    Session::builder()
        .base_url(org.base_url())
        .access_token(token)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// A raw answer: status, headers (lower-case names) and body.
struct Raw {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    fn number(&self, name: &str) -> u64 {
        let value = self.header(name).unwrap_or_else(|| panic!("no {name} header"));
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}: {value:?} is not a number"))
    }

    fn has_no_rate_headers(&self) -> bool {
        RATE_HEADERS.iter().all(|h| self.header(h).is_none()) && self.header("retry-after").is_none()
    }
}

fn raw(org: &FakeOrg, method: &str, path: &str, authorization: Option<&str>, body: &[u8]) -> Raw {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", org.base_url()));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    if method == "POST" {
        request = request.header("Content-Type", "application/x-www-form-urlencoded");
    }
    let mut response = agent.run(request.body(body.to_vec()).unwrap()).unwrap();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_vec().unwrap();
    Raw {
        status,
        headers,
        body,
    }
}

fn get(org: &FakeOrg, path: &str, token: &str) -> Raw {
    raw(org, "GET", path, Some(&format!("Bearer {token}")), b"")
}

/// A token from `POST /oauth/token`, and that answer.
fn token_request(org: &FakeOrg) -> (String, Raw) {
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        org.client_id(),
        org.client_secret()
    ));
    let answer = raw(
        org,
        "POST",
        "/oauth/token",
        Some(&format!("Basic {basic}")),
        b"grant_type=client_credentials",
    );
    assert_eq!(answer.status, 200);
    let token = answer.json()["access_token"].as_str().unwrap().to_owned();
    (token, answer)
}

// ---------------------------------------------------------------- rate limit

#[test]
fn without_a_rate_limit_answers_carry_no_rate_headers() {
    let org = FakeOrg::start().unwrap();
    let token = org.access_token();
    for _ in 0..5 {
        let answer = get(&org, "/api/v2/systempresences", &token);
        assert_eq!(answer.status, 200);
        assert!(answer.has_no_rate_headers(), "{:?}", answer.headers);
    }
    assert_eq!(org.rate_limited(), 0);
}

#[test]
fn over_the_rate_limit_calls_get_a_429_with_retry_after_and_the_normalised_body() {
    let org = FakeOrg::start().unwrap();
    org.set_rate_limit(Some(3));
    let token = org.access_token();

    let mut last_reset = 60;
    for count in 1..=3 {
        let answer = get(&org, "/api/v2/systempresences", &token);
        assert_eq!(answer.status, 200);
        assert_eq!(answer.number("inin-ratelimit-count"), count);
        assert_eq!(answer.number("inin-ratelimit-allowed"), 3);
        let reset = answer.number("inin-ratelimit-reset");
        assert!(
            (1..=last_reset).contains(&reset),
            "reset {reset} after {last_reset}"
        );
        assert_eq!(answer.header("retry-after"), None);
        last_reset = reset;
    }

    let refused = get(&org, "/api/v2/systempresences", &token);
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("content-type"), Some("application/json"));
    let seconds = refused.number("retry-after");
    assert!((1..=60).contains(&seconds), "Retry-After {seconds}");
    assert_eq!(refused.number("inin-ratelimit-reset"), seconds);
    assert_eq!(refused.number("inin-ratelimit-count"), 3);
    assert_eq!(refused.number("inin-ratelimit-allowed"), 3);
    let correlation_id = refused.header("inin-correlation-id").unwrap();
    assert_eq!(
        refused.json(),
        json!({
            "message": format!("Rate limit exceeded the maximum. Retry the request in [{seconds}] seconds"),
            "code": "too.many.requests.retry.after",
            "status": 429,
            "contextId": correlation_id,
            "details": [],
            "errors": [],
        })
    );
    assert_eq!(org.rate_limited(), 1);

    // Every /api/ path counts, an unknown one too.
    assert_eq!(get(&org, "/api/v2/nowhere", &token).status, 429);
    // The crate sees a 429 with its Retry-After.
    let error = user::get_purecloud_presence(&token_session(&org, &token), &org.user_ids()[0]).unwrap_err();
    assert_eq!(error.status(), Some(429));
    let retry_after = error.retry_after().unwrap();
    assert!((1..=60).contains(&retry_after.as_secs()), "{retry_after:?}");
    assert_eq!(
        error.body().and_then(|b| b.code.as_deref()),
        Some("too.many.requests.retry.after")
    );
    assert_eq!(org.rate_limited(), 3);
    assert_eq!(org.requests(), 6);
}

#[test]
fn each_token_has_its_own_budget_and_token_requests_are_not_counted() {
    let org = FakeOrg::start().unwrap();
    org.set_rate_limit(Some(1));
    let (first, answer) = token_request(&org);
    assert!(answer.has_no_rate_headers(), "{:?}", answer.headers);
    assert_eq!(get(&org, "/api/v2/systempresences", &first).status, 200);
    assert_eq!(get(&org, "/api/v2/systempresences", &first).status, 429);

    // Token requests go on being answered, and a new token has its own budget.
    let (second, answer) = token_request(&org);
    assert!(answer.has_no_rate_headers());
    let fresh = get(&org, "/api/v2/systempresences", &second);
    assert_eq!(fresh.status, 200);
    assert_eq!(fresh.number("inin-ratelimit-count"), 1);

    // A call refused with 401 is neither counted nor marked.
    let unknown = get(&org, "/api/v2/systempresences", "no-such-token");
    assert_eq!(unknown.status, 401);
    assert!(unknown.has_no_rate_headers());
    assert_eq!(org.rate_limited(), 1);

    // Without a limit again, nothing is counted or marked.
    org.set_rate_limit(None);
    let free = get(&org, "/api/v2/systempresences", &first);
    assert_eq!(free.status, 200);
    assert!(free.has_no_rate_headers());
    // A new limit starts every window afresh.
    org.set_rate_limit(Some(1));
    assert_eq!(get(&org, "/api/v2/systempresences", &first).status, 200);
}

// ---------------------------------------------------------------- 20 channels

/// A WebSocket client of a channel (no heartbeat gets in the way: the org
/// sends one every 30 s by default).
fn connect(connect_uri: &str) -> WebSocket<TcpStream> {
    let address = connect_uri
        .strip_prefix("ws://")
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let tcp = TcpStream::connect(address).unwrap();
    tcp.set_read_timeout(Some(WAIT)).unwrap();
    // The org takes the socket on before its side of the handshake ends.
    let (ws, _) = tungstenite::client::client(connect_uri, tcp).unwrap();
    ws
}

/// The next text message, as JSON.
#[track_caller]
fn next_message(ws: &mut WebSocket<TcpStream>) -> Value {
    loop {
        match ws.read().unwrap() {
            Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
            Message::Close(frame) => panic!("closed ({frame:?}) instead of a message"),
            _ => {}
        }
    }
}

/// Reads until the org closes the socket; panics on a text message.
#[track_caller]
fn closed(ws: &mut WebSocket<TcpStream>) {
    loop {
        match ws.read() {
            Ok(Message::Close(_)) => {}
            Ok(Message::Text(text)) => panic!("a message instead of the close: {text}"),
            Ok(_) => {}
            Err(tungstenite::Error::ConnectionClosed) => return,
            Err(e) => panic!("expected a close, got {e}"),
        }
    }
}

fn channel_ids(org: &FakeOrg) -> Vec<String> {
    org.channels().into_iter().map(|c| c.id).collect()
}

fn without(ids: &[String], gone: &[&String]) -> Vec<String> {
    ids.iter().filter(|id| !gone.contains(id)).cloned().collect()
}

#[test]
fn among_unconnected_channels_a_new_one_evicts_the_one_used_longest_ago() {
    let org = FakeOrg::start().unwrap();
    let session = token_session(&org, &org.access_token());
    let ids: Vec<String> = (0..20)
        .map(|_| notifications::create_channel(&session).unwrap().id.unwrap())
        .collect();
    assert_eq!(channel_ids(&org), ids);
    assert_eq!(org.channels_evicted(), 0);
    // Changing the subscriptions of the first two uses them: the third is
    // now the one used longest ago.
    let topic = ChannelTopic::presence_of(&org.user_ids()[0]);
    notifications::add_subscriptions(&session, &ids[0], &[topic], false).unwrap();
    notifications::delete_subscriptions(&session, &ids[1]).unwrap();
    // Reading a channel does not use it.
    assert!(notifications::channel_exists(&session, &ids[2]).unwrap());
    notifications::get_subscriptions(&session, &ids[2]).unwrap();

    let twenty_first = notifications::create_channel(&session).unwrap().id.unwrap();
    assert_eq!(org.channels_evicted(), 1);
    let mut expected = without(&ids, &[&ids[2]]);
    expected.push(twenty_first.clone());
    assert_eq!(channel_ids(&org), expected);
    // The evicted channel and its subscriptions are gone.
    assert!(!notifications::channel_exists(&session, &ids[2]).unwrap());
    let error = notifications::get_subscriptions(&session, &ids[2]).unwrap_err();
    assert_eq!(error.status(), Some(404));

    let twenty_second = notifications::create_channel(&session).unwrap().id.unwrap();
    assert_eq!(org.channels_evicted(), 2);
    let mut expected = without(&ids, &[&ids[2], &ids[3]]);
    expected.extend([twenty_first, twenty_second]);
    assert_eq!(channel_ids(&org), expected);
    assert_eq!(org.channels_created(), 22);
    // The first channel kept its subscription.
    assert_eq!(
        org.channels()[0].topics,
        [format!("v2.users.{}.presence", org.user_ids()[0])]
    );
}

#[test]
fn connected_channels_are_evicted_last_with_socket_closing_and_a_close() {
    let org = FakeOrg::start().unwrap();
    let session = token_session(&org, &org.access_token());
    let channels: Vec<_> = (0..20)
        .map(|_| notifications::create_channel(&session).unwrap())
        .collect();
    let ids: Vec<String> = channels.iter().map(|c| c.id.clone().unwrap()).collect();
    // Connected in reverse: the last channel's connection is the oldest use.
    let mut sockets: Vec<Option<WebSocket<TcpStream>>> = (0..20).map(|_| None).collect();
    for i in (0..20).rev() {
        sockets[i] = Some(connect(channels[i].connect_uri.as_deref().unwrap()));
    }
    assert_eq!(org.sockets_opened(), 20);
    assert!(org.channels().iter().all(|c| c.connected_at.is_some()));
    // A subscription change uses the last channel again: the one before is
    // now the one used longest ago.
    let topic = ChannelTopic::presence_of(&org.user_ids()[0]);
    notifications::add_subscriptions(&session, &ids[19], &[topic], false).unwrap();

    let twenty_first = notifications::create_channel(&session).unwrap().id.unwrap();
    assert_eq!(org.channels_evicted(), 1);
    let mut expected = without(&ids, &[&ids[18]]);
    expected.push(twenty_first.clone());
    assert_eq!(channel_ids(&org), expected);
    let evicted = sockets[18].as_mut().unwrap();
    let closing = next_message(evicted);
    assert_eq!(closing["topicName"], "v2.system.socket_closing");
    assert_eq!(closing["eventBody"]["channelId"], ids[18].as_str());
    assert_eq!(closing["eventBody"]["systemTopicType"], "no_longer_subscribed");
    closed(evicted);
    eventually("the evicted socket ends", || org.open_sockets() == 19);

    // The new channel has no socket: it goes before any connected one,
    // although it is the newest.
    let twenty_second = notifications::create_channel(&session).unwrap().id.unwrap();
    assert_eq!(org.channels_evicted(), 2);
    let mut expected = without(&ids, &[&ids[18]]);
    expected.push(twenty_second);
    assert_eq!(channel_ids(&org), expected);
    assert_eq!(org.open_sockets(), 19);
    assert!(!expected.contains(&twenty_first));
}

#[test]
fn expired_channels_do_not_count_toward_the_limit() {
    let org = FakeOrg::start().unwrap();
    let session = token_session(&org, &org.access_token());
    for _ in 0..20 {
        notifications::create_channel(&session).unwrap();
    }
    org.expire_channels();
    for _ in 0..20 {
        notifications::create_channel(&session).unwrap();
    }
    assert_eq!(org.channels_evicted(), 0);
    assert_eq!(org.channels().len(), 20);
    // Tokens of the same client share the limit.
    let other = token_session(&org, &org.access_token());
    notifications::create_channel(&other).unwrap();
    assert_eq!(org.channels_evicted(), 1);
}

// ---------------------------------------------------------------- set_presence_now

#[test]
fn set_presence_now_pushes_what_a_patch_pushes_without_a_request() {
    let org = FakeOrg::start().unwrap();
    let session = org.session().unwrap();
    let user_id = org.user_ids()[0].clone();
    let channel = notifications::create_channel(&session).unwrap();
    let mut ws = connect(channel.connect_uri.as_deref().unwrap());
    let topic = ChannelTopic::presence_of(&user_id);
    notifications::add_subscriptions(&session, channel.id.as_deref().unwrap(), &[topic], false).unwrap();

    user::set_presence_by_name(&session, &user_id, "Busy", Some("through a PATCH")).unwrap();
    let patched = next_message(&mut ws);
    let requests = org.requests();
    assert!(org.set_presence_now(&user_id, "Away", Some("directly")));
    let direct = next_message(&mut ws);
    assert_eq!(org.requests(), requests, "no request is made");

    let topic_name = format!("v2.users.{user_id}.presence");
    assert_eq!(patched["topicName"], topic_name.as_str());
    assert_eq!(direct["topicName"], topic_name.as_str());
    assert_eq!(direct["version"], "2");
    let keys = |message: &Value| -> Vec<String> {
        message["eventBody"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(keys(&direct), keys(&patched));
    let away = org.definition_id("Away").unwrap();
    let body = &direct["eventBody"];
    assert_eq!(
        body["presenceDefinition"],
        json!({"id": away, "systemPresence": "Away"})
    );
    assert_eq!(body["message"], "directly");
    assert_eq!(body["source"], "PURECLOUD");
    assert_eq!(body["primary"], true);

    // The org's state changed as a PATCH changes it; `None` keeps the message.
    assert!(org.set_presence_now(&user_id, "on queue", None));
    let queued = next_message(&mut ws);
    assert_eq!(
        queued["eventBody"]["presenceDefinition"]["systemPresence"],
        "OnQueue"
    );
    assert_eq!(queued["eventBody"]["message"], "directly");
    let now = user::get_purecloud_presence(&session, &user_id).unwrap();
    assert_eq!(
        now.presence_definition.and_then(|d| d.id),
        org.definition_id("OnQueue")
    );
    assert_eq!(now.message.as_deref(), Some("directly"));
    assert_eq!(
        now.modified_date.as_deref(),
        queued["eventBody"]["modifiedDate"].as_str()
    );

    assert!(!org.set_presence_now("no-such-user", "Busy", None));
    assert!(!org.set_presence_now(&user_id, "Asleep", Some("never set")));
    let unchanged = user::get_purecloud_presence(&session, &user_id).unwrap();
    assert_eq!(unchanged.message.as_deref(), Some("directly"));
}

#[test]
fn a_watcher_yields_a_change_made_with_set_presence_now() {
    let org = FakeOrg::start().unwrap();
    org.set_rate_limit(Some(300));
    let user_id = org.user_ids()[1].clone();
    let mut watcher = watch::users(&org.session().unwrap(), &[&user_id]).unwrap();
    eventually("the org has taken the socket on", || org.sockets_opened() == 1);
    assert!(org.set_presence_now(&user_id, "Meal", Some("lunch")));
    let event = match watcher.next_timeout(WAIT) {
        Some(Ok(event)) => event,
        other => panic!("expected the change, got {other:?}"),
    };
    assert_eq!(event.user_id, user_id);
    assert_eq!(event.system_presence_name(), Some(SystemPresenceName::Meal));
    assert_eq!(event.message.as_deref(), Some("lunch"));
    assert_eq!(event.origin, EventOrigin::Notification);
    assert_eq!(org.rate_limited(), 0);
}

// ---------------------------------------------------------------- scale

#[test]
fn twenty_thousand_users_keep_their_order_and_their_topics_their_set() {
    let org = FakeOrg::start().unwrap();
    let ids: Vec<String> = (0..20_000).map(|i| format!("user-{i:05}")).collect();
    for id in &ids {
        assert!(org.add_user(id));
    }
    assert!(!org.add_user(&ids[12_345]), "taken");
    assert_eq!(org.user_ids()[3..], ids[..]);
    let token = org.access_token();
    let session = token_session(&org, &token);

    // A bulk read answers in input order, each user once, unknown ones left out.
    let mut asked: Vec<&str> = ids
        .iter()
        .rev()
        .step_by(401)
        .take(48)
        .map(String::as_str)
        .collect();
    asked.push("no-such-user");
    asked.push(asked[0]);
    let path = format!("/api/v2/users/presences/purecloud/bulk?id={}", asked.join(","));
    let read = get(&org, &path, &token);
    assert_eq!(read.status, 200);
    let users: Vec<String> = read
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["userId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(users, asked[..48]);

    // Topics keep their order, once each; 1 000 at most.
    let channel = notifications::create_channel(&session).unwrap().id.unwrap();
    let topics: Vec<ChannelTopic> = ids[..1000].iter().map(|u| ChannelTopic::presence_of(u)).collect();
    notifications::replace_subscriptions(&session, &channel, &topics[..600], false).unwrap();
    let answer = notifications::add_subscriptions(&session, &channel, &topics[300..], false).unwrap();
    let subscribed: Vec<String> = answer.entities.iter().map(|t| t.id.clone().unwrap()).collect();
    let expected: Vec<String> = ids[..1000]
        .iter()
        .map(|u| format!("v2.users.{u}.presence"))
        .collect();
    assert_eq!(subscribed, expected);
    let one_more = [ChannelTopic::presence_of(&ids[1000])];
    let error = notifications::add_subscriptions(&session, &channel, &one_more, false).unwrap_err();
    assert_eq!(error.status(), Some(400));
    assert_eq!(org.channels()[0].topics, expected);

    // A change reaches the socket of the channel that has the user, and only it.
    let other = notifications::create_channel(&session).unwrap();
    let mut other_ws = connect(other.connect_uri.as_deref().unwrap());
    notifications::add_subscriptions(&session, other.id.as_deref().unwrap(), &one_more, false).unwrap();
    assert!(org.set_presence_now(&ids[999], "Busy", Some("not for this socket")));
    assert!(org.set_presence_now(&ids[1000], "Busy", Some("for this socket")));
    let message = next_message(&mut other_ws);
    assert_eq!(message["eventBody"]["message"], "for this socket");
}
