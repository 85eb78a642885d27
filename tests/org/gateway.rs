//! The stand-in org behind a gateway's path prefixes
//! (`FakeOrg::start_behind_gateway`): a session on its prefixed API and login
//! URLs sends every request under its prefix, and what misses the prefix is
//! answered 404 and counted.

use std::io;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use genesys_presence::definitions::{self, DefinitionQuery};
use genesys_presence::fake::FakeOrg;
use genesys_presence::{system, user, PresenceDefinition, Session, UserPresence};

const API_PREFIX: &str = "/genesys/api";
const LOGIN_PREFIX: &str = "/genesys/login";

fn org() -> FakeOrg {
    FakeOrg::start_behind_gateway(API_PREFIX, LOGIN_PREFIX).unwrap()
}

/// `http://127.0.0.1:PORT`, the gateway's root.
fn root(org: &FakeOrg) -> String {
    org.base_url().strip_suffix(API_PREFIX).unwrap().to_owned()
}

fn presence(definition_id: &str, user_id: Option<&str>) -> UserPresence {
    // In a bulk update, `id` names the user.
    UserPresence {
        presence_definition: Some(PresenceDefinition::with_id(definition_id)),
        id: user_id.map(str::to_owned),
        message: Some("through the gateway".into()),
        ..Default::default()
    }
}

#[test]
fn a_session_on_the_prefixed_urls_sends_every_request_under_its_prefix() {
    let org = org();
    let root = root(&org);
    assert!(root.starts_with("http://127.0.0.1:"), "{root}");
    assert_eq!(org.login_url(), format!("{root}{LOGIN_PREFIX}"));
    let session = Session::builder()
        .base_url(org.base_url())
        .login_url(org.login_url())
        .client_credentials(org.client_id(), org.client_secret())
        .build()
        .unwrap();
    let users = org.user_ids();
    let (busy, away) = (
        org.definition_id("Busy").unwrap(),
        org.definition_id("Away").unwrap(),
    );

    user::update_purecloud_presence(&session, &users[0], &presence(&busy, None)).unwrap();
    let read = user::get_purecloud_presence(&session, &users[0]).unwrap();
    assert_eq!(read.presence_definition.and_then(|d| d.id), Some(busy.clone()));
    assert_eq!(read.message.as_deref(), Some("through the gateway"));
    user::update_presences_bulk(&session, &[presence(&away, Some(&users[2]))]).unwrap();
    let bulk = user::get_purecloud_presences_bulk(&session, &users).unwrap();
    let definitions: Vec<Option<String>> = bulk
        .into_iter()
        .map(|p| p.presence_definition.and_then(|d| d.id))
        .collect();
    // The second user is Busy from the start.
    assert_eq!(definitions, [Some(busy.clone()), Some(busy), Some(away)]);
    let listed = definitions::list(&session, &DefinitionQuery::default()).unwrap();
    assert_eq!(listed.entities.len(), 11);

    // The token request and five API calls, every one under its prefix.
    assert_eq!(org.token_requests(), 1);
    assert_eq!(org.requests(), 6);
    assert_eq!(org.requests_outside_gateway(), 0);
}

#[test]
fn requests_outside_their_prefix_are_answered_404_and_counted() {
    let org = org();
    let root = root(&org);
    let token = org.access_token();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let get = |url: String| {
        agent
            .get(url)
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .unwrap()
            .status()
            .as_u16()
    };
    let post_token = |url: String| {
        let basic = format!("{}:{}", org.client_id(), org.client_secret());
        agent
            .post(url)
            .header("Authorization", format!("Basic {}", STANDARD.encode(basic)))
            .content_type("application/x-www-form-urlencoded")
            .send("grant_type=client_credentials")
            .unwrap()
            .status()
            .as_u16()
    };
    let systems = "/api/v2/systempresences";
    assert_eq!(get(format!("{root}{systems}")), 404);
    assert_eq!(get(format!("{root}{LOGIN_PREFIX}{systems}")), 404);
    assert_eq!(post_token(format!("{root}/oauth/token")), 404);
    assert_eq!(post_token(format!("{root}{API_PREFIX}/oauth/token")), 404);
    assert_eq!(org.requests_outside_gateway(), 4);
    assert_eq!(org.token_requests(), 0);

    // Under its prefix: served, or the router's own 404 (not counted).
    assert_eq!(get(format!("{root}{API_PREFIX}{systems}")), 200);
    assert_eq!(get(format!("{root}{API_PREFIX}/api/v2/elsewhere")), 404);
    assert_eq!(post_token(format!("{root}{LOGIN_PREFIX}/oauth/token")), 200);
    assert_eq!(org.requests_outside_gateway(), 4);
    assert_eq!(org.token_requests(), 1);

    // The org's own session helper uses both prefixed URLs.
    assert_eq!(system::list(&org.session().unwrap()).unwrap().len(), 10);
    assert_eq!(org.token_requests(), 2);
    assert_eq!(org.requests_outside_gateway(), 4);
}

#[test]
fn prefixes_are_checked_and_empty_ones_are_no_gateway() {
    for (api, login) in [("genesys", ""), ("", "/genesys/"), ("/a?b", ""), ("", "/a b")] {
        let error = FakeOrg::start_behind_gateway(api, login).unwrap_err();
        assert_eq!(
            error.kind(),
            io::ErrorKind::InvalidInput,
            "{api:?} {login:?}: {error}"
        );
    }
    let org = FakeOrg::start_behind_gateway("", "").unwrap();
    assert_eq!(org.login_url(), org.base_url());
    let port = org
        .base_url()
        .strip_prefix("http://127.0.0.1:")
        .unwrap()
        .to_owned();
    assert!(port.parse::<u16>().is_ok(), "no path after the port: {port}");
    system::list(&org.session().unwrap()).unwrap();
    assert_eq!(org.requests_outside_gateway(), 0);
}
