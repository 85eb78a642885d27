//! A gateway in front of Genesys Cloud: API and login URLs with a path
//! (`https://gw.example.com/genesys/api`, `…/genesys/login`). Every request,
//! the token request included, goes under its prefix, with its query.

use crate::credentials::{token_endpoint, BASIC, CLIENT_ID, CLIENT_SECRET, FIRST_TOKEN};
use crate::mock::{api_with_token, assert_all, nothing_else, MockExt};
use genesys_presence::definitions::{self, DefinitionQuery};
use genesys_presence::{system, user, RetryPolicy, Session};
use mockito::Matcher;
use serde_json::json;

const API_PREFIX: &str = "/genesys/api";
const LOGIN_PREFIX: &str = "/genesys/login";

#[test]
fn every_request_goes_under_the_gateway_prefixes_of_the_api_and_login_urls() {
    let mut server = mockito::Server::new();
    // The token request, under the login prefix only.
    let token = server
        .mock("POST", format!("{LOGIN_PREFIX}/oauth/token").as_str())
        .match_query(Matcher::Missing)
        .match_header("authorization", BASIC)
        .match_body(Matcher::Exact("grant_type=client_credentials".into()))
        .reply_json(
            200,
            &json!({"access_token": FIRST_TOKEN, "expires_in": 86399}).to_string(),
        )
        .expect(1)
        .create();
    let under = |path: &str| format!("{API_PREFIX}{path}");
    let systems = api_with_token(&mut server, "GET", &under("/api/v2/systempresences"), FIRST_TOKEN)
        .no_query()
        .reply_json(200, "[]")
        .create();
    let page = api_with_token(
        &mut server,
        "GET",
        &under("/api/v2/presencedefinitions"),
        FIRST_TOKEN,
    )
    .match_query(Matcher::Exact("pageNumber=2&pageSize=5".into()))
    .reply_json(200, r#"{"entities": []}"#)
    .create();
    let bulk = api_with_token(
        &mut server,
        "GET",
        &under("/api/v2/users/presences/purecloud/bulk"),
        FIRST_TOKEN,
    )
    .match_query(Matcher::Exact("id=u1%2Cu2".into()))
    .reply_json(200, "[]")
    .create();
    let one = api_with_token(
        &mut server,
        "GET",
        &under("/api/v2/users/u%2F1/presences/purecloud"),
        FIRST_TOKEN,
    )
    .reply_json(200, r#"{"source": "PURECLOUD"}"#)
    .create();
    // Not at the root, and not under the other prefix.
    let unprefixed = token_endpoint(&mut server, "{}").expect(0).create();
    let guards = nothing_else(&mut server);

    let session = Session::builder()
        .base_url(format!("{}{API_PREFIX}/", server.url()))
        .login_url(format!("{}{LOGIN_PREFIX}", server.url()))
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    assert_eq!(session.api_url(), format!("{}{API_PREFIX}", server.url()));
    assert_eq!(session.login_url(), format!("{}{LOGIN_PREFIX}", server.url()));

    assert!(system::list(&session).unwrap().is_empty());
    let query = DefinitionQuery::default().page_size(5).page_number(2);
    assert!(definitions::list(&session, &query).unwrap().entities.is_empty());
    assert!(user::get_purecloud_presences_bulk(&session, &["u1", "u2"])
        .unwrap()
        .is_empty());
    let presence = user::get_purecloud_presence(&session, "u/1").unwrap();
    assert_eq!(presence.source.as_deref(), Some("PURECLOUD"));

    token.assert();
    assert_all(&[systems, page, bulk, one]);
    unprefixed.assert();
    assert_all(&guards);
}
