//! A watcher through a gateway's path prefixes: the stand-in org
//! (`FakeOrg::start_behind_gateway`) serves the API, the token request and
//! the channels' WebSockets only under their prefixes, so a change seen
//! means the channel, its subscription and its socket all went through them.

use crate::wait::{settles_at, WAIT};
use genesys_presence::fake::FakeOrg;
use genesys_presence::watch::WatchBuilder;
use genesys_presence::{user, EventOrigin, PresenceDefinition, Session, UserPresence};

const API_PREFIX: &str = "/genesys/api";
const LOGIN_PREFIX: &str = "/genesys/login";

#[test]
fn a_watcher_on_the_prefixed_urls_sees_a_change_made_through_the_api() {
    let org = FakeOrg::start_behind_gateway(API_PREFIX, LOGIN_PREFIX).unwrap();
    let streaming_root = org.streaming_url().strip_suffix(API_PREFIX).unwrap().to_owned();
    assert!(streaming_root.starts_with("ws://127.0.0.1:"), "{streaming_root}");
    let user_id = org.user_ids()[0].clone();
    let session = Session::builder()
        .base_url(org.base_url())
        .login_url(org.login_url())
        .client_credentials(org.client_id(), org.client_secret())
        .build()
        .unwrap();
    let mut watcher = WatchBuilder::new()
        .users(std::slice::from_ref(&user_id))
        .start(&session)
        .unwrap();
    settles_at("sockets the org has taken on", 1, || org.sockets_opened());
    let channels = org.channels();
    assert_eq!(channels.len(), 1);
    assert_eq!(channels[0].topics, [format!("v2.users.{user_id}.presence")]);
    assert!(channels[0].connected_at.is_some());

    // Another program, through the same gateway, changes the presence.
    let busy = org.definition_id("Busy").unwrap();
    let change = UserPresence {
        presence_definition: Some(PresenceDefinition::with_id(busy.as_str())),
        message: Some("behind the gateway".into()),
        ..Default::default()
    };
    user::update_purecloud_presence(&org.session().unwrap(), &user_id, &change).unwrap();
    let event = match watcher.next_timeout(WAIT) {
        Some(Ok(event)) => event,
        other => panic!("expected an event within {WAIT:?}, got {other:?}"),
    };
    assert_eq!(event.user_id, user_id);
    assert_eq!(event.origin, EventOrigin::Notification);
    assert_eq!(event.presence_definition_id(), Some(busy.as_str()));
    assert_eq!(event.message.as_deref(), Some("behind the gateway"));
    assert_eq!(org.token_requests(), 2);
    assert_eq!(org.requests_outside_gateway(), 0);

    // The channel's socket, asked for without the prefix, is refused and counted.
    let unprefixed = format!("{streaming_root}/channels/{}", channels[0].id);
    match tungstenite::connect(unprefixed.as_str()) {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status().as_u16(), 404),
        other => panic!("expected a 404 for {unprefixed}, got {:?}", other.map(|_| ())),
    }
    assert_eq!(org.requests_outside_gateway(), 1);
    assert_eq!(org.sockets_opened(), 1);
}
