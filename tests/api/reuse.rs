//! Connection reuse: sequential calls on one session share one keep-alive
//! connection, the token request included, against a server that counts the
//! TCP connections it accepts.

use crate::credentials::{CLIENT_ID, CLIENT_SECRET};
use crate::script_server::{json, Server, Step};
use genesys_presence::{system, user, PresenceDefinition, RetryPolicy, Session, UserPresence};

const PRESENCE: &str = "/api/v2/users/u1/presences/purecloud";

/// `count` keep-alive answers of `body`.
fn answers(count: usize, body: &str) -> Vec<Step> {
    vec![json(200, body); count]
}

#[test]
fn sequential_calls_and_the_token_request_share_one_connection() {
    let server = Server::start(vec![
        ("POST /oauth/token", answers(1, fixture!("token.json"))),
        (
            "GET /api/v2/users/u1/presences/purecloud",
            answers(10, fixture!("user_presence.json")),
        ),
        (
            "PATCH /api/v2/users/u1/presences/purecloud",
            answers(10, fixture!("user_presence.json")),
        ),
        (
            "GET /api/v2/systempresences",
            answers(10, fixture!("system_presences.json")),
        ),
    ]);
    let session = Session::builder()
        .base_url(server.url())
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let busy = UserPresence {
        presence_definition: Some(PresenceDefinition::with_id(
            "31fe3bac-dea6-44b7-bed7-47f91660a1a0",
        )),
        ..Default::default()
    };

    for _ in 0..10 {
        user::get_purecloud_presence(&session, "u1").unwrap();
        user::update_purecloud_presence(&session, "u1", &busy).unwrap();
        system::list(&session).unwrap();
    }

    assert_eq!(server.requests_to("/oauth/token").len(), 1);
    assert_eq!(server.requests().len(), 31);
    assert_eq!(server.connections(), 1);
}

#[test]
fn clones_of_a_session_share_its_connection() {
    let server = Server::start(vec![(
        "GET /api/v2/users/u1/presences/purecloud",
        answers(10, fixture!("user_presence.json")),
    )]);
    let session = Session::builder()
        .base_url(server.url())
        .access_token("t")
        .build()
        .unwrap();
    let clone = session.clone();

    for _ in 0..5 {
        user::get_purecloud_presence(&session, "u1").unwrap();
        user::get_purecloud_presence(&clone, "u1").unwrap();
    }

    assert_eq!(server.requests_to(PRESENCE).len(), 10);
    assert_eq!(server.requests().len(), 10);
    assert_eq!(server.connections(), 1);
}
