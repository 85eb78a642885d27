//! `tokens::{me, revoke}` and `users::{me, find_by_email}`: the exact
//! requests (mockito), retries of the search (a scripted server), and the
//! same functions against the stand-in org.

use std::time::Duration;

use crate::mock::{api, assert_all, assert_invalid, nothing_else, session_for, MockExt, TOKEN, USER_AGENT};
use crate::script_server::{json as scripted, Server};
use genesys_presence::{tokens, users, ErrorKind, RetryPolicy, Session, SystemPresenceName};
use mockito::Matcher;
use serde_json::json;

const ME: &str = "/api/v2/users/me";
const TOKENS_ME: &str = "/api/v2/tokens/me";
const SEARCH: &str = "/api/v2/users/search";
const NOT_FOUND: &str = r#"{"message":"The requested resource was not found.","code":"not.found","status":404,"contextId":"c-404","details":[],"errors":[]}"#;

/// The search body for one address, as the fact sheet's section 14 shows it.
fn search_body(email: &str) -> serde_json::Value {
    json!({"query": [{"type": "EXACT", "fields": ["email"], "value": email}]})
}

// ---------------------------------------------------------------- tokens::me

#[test]
fn tokens_me_gets_the_token_info_and_keeps_unknown_fields() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", TOKENS_ME)
        .no_query()
        .no_body()
        .reply_json(200, fixture!("token_info.json"))
        .create();
    let guards = nothing_else(&mut server);

    let info = tokens::me(&session_for(&server)).unwrap();

    m.assert();
    assert_all(&guards);
    let org = info.organization.as_ref().unwrap();
    assert_eq!(org.id.as_deref(), Some("6f0e0b8e-2c1d-4b7a-9e3f-5a4b3c2d1e0f"));
    assert_eq!(org.name.as_deref(), Some("Example Corp"));
    assert_eq!(
        org.self_uri.as_deref(),
        Some("/api/v2/organizations/6f0e0b8e-2c1d-4b7a-9e3f-5a4b3c2d1e0f")
    );
    assert!(org.extra.is_empty());
    let home = info.home_organization.as_ref().unwrap();
    assert_eq!(home.name.as_deref(), Some("Example Partner"));
    assert_eq!(home.extra["thirdPartyOrgName"], "partner");
    assert_eq!(info.authorized_scope, ["presence", "users:readonly"]);
    let cloned = info.cloned_user.as_ref().unwrap();
    assert_eq!(cloned.id.as_deref(), Some("9b2e4c61-1f3a-4d8e-b5c7-0a6d2e8f4b13"));
    assert_eq!(cloned.name, None);
    assert_eq!(
        cloned.extra["organization"],
        json!({"id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"})
    );
    let client = info.oauth_client.as_ref().unwrap();
    assert_eq!(client.id.as_deref(), Some("b3c8a1d2-7e4f-4a5b-9c6d-8e7f6a5b4c3d"));
    assert_eq!(client.name.as_deref(), Some("Presence board"));
    assert_eq!(client.extra["authorizedGrantType"], "CODE");
    assert_eq!(client.extra["dateCreated"], "2023-01-10T09:00:00Z");
    assert_eq!(info.date_token_idles.as_deref(), Some("2024-05-02T15:03:11.123Z"));
    assert_eq!(info.extra.len(), 1);
    assert_eq!(info.extra["tokenKind"], "user");
    // What was decoded is written back with the API's names.
    let written = serde_json::to_value(&info).unwrap();
    let served: serde_json::Value = serde_json::from_str(fixture!("token_info.json")).unwrap();
    assert_eq!(written, served);
}

#[test]
fn tokens_me_accepts_an_empty_or_null_info() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", TOKENS_ME)
        .no_query()
        .no_body()
        .reply_json(200, r#"{"authorizedScope":null,"organization":null}"#)
        .expect(1)
        .create();

    let info = tokens::me(&session_for(&server)).unwrap();

    m.assert();
    assert_eq!(info, Default::default());
    assert!(info.authorized_scope.is_empty());
}

#[test]
fn tokens_me_reports_a_body_that_is_not_a_token_info() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", TOKENS_ME)
        .reply_json(200, r#"["not", "an", "object"]"#)
        .create();

    let err = tokens::me(&session_for(&server)).unwrap_err();

    m.assert();
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::Decode, Some(200)),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("GET /api/v2/tokens/me: 200 but the body is not a valid TokenInfo"),
        "{text}"
    );
}

#[test]
fn tokens_me_reports_a_401_with_its_code() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", TOKENS_ME)
        .reply_json(
            401,
            r#"{"message":"Invalid login credentials.","code":"bad.credentials","status":401}"#,
        )
        .create();

    let err = tokens::me(&session_for(&server)).unwrap_err();

    m.assert();
    assert_eq!((err.status(), err.code()), (Some(401), Some("bad.credentials")));
    assert!(!err.to_string().contains(TOKEN), "{err}");
}

// ---------------------------------------------------------------- tokens::revoke

#[test]
fn revoke_deletes_the_token_and_accepts_204_or_200() {
    for (status, body) in [(204, ""), (200, "{}")] {
        let mut server = mockito::Server::new();
        let m = api(&mut server, "DELETE", TOKENS_ME)
            .no_query()
            .no_body()
            .with_status(status)
            .with_body(body)
            .create();
        let guards = nothing_else(&mut server);

        tokens::revoke(&session_for(&server)).unwrap();

        m.assert();
        assert_all(&guards);
    }
}

#[test]
fn revoke_reports_an_error_answer() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "DELETE", TOKENS_ME)
        .reply_json(404, NOT_FOUND)
        .create();

    let err = tokens::revoke(&session_for(&server)).unwrap_err();

    m.assert();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.correlation_id(), Some("c-404"));
}

// ---------------------------------------------------------------- users::me

#[test]
fn users_me_gets_the_user_without_a_query() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", ME)
        .no_query()
        .no_body()
        .reply_json(
            200,
            r#"{"id":"3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44","name":"Alex Morgan","email":"alex.morgan@example.com","state":"active"}"#,
        )
        .create();
    let guards = nothing_else(&mut server);

    let me = users::me(&session_for(&server), false).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(me.id.as_deref(), Some("3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44"));
    assert_eq!(me.name.as_deref(), Some("Alex Morgan"));
    assert_eq!(me.email.as_deref(), Some("alex.morgan@example.com"));
    assert_eq!(me.state.as_deref(), Some("active"));
    assert_eq!((me.username, me.presence, me.self_uri), (None, None, None));
    assert!(me.extra.is_empty());
}

#[test]
fn users_me_with_presence_sends_expand_and_decodes_it() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", ME)
        .match_query(Matcher::Exact("expand=presence".into()))
        .no_body()
        .reply_json(200, fixture!("user_me.json"))
        .create();
    let guards = nothing_else(&mut server);

    let me = users::me(&session_for(&server), true).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(me.id.as_deref(), Some("3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44"));
    assert_eq!(me.username.as_deref(), Some("alex.morgan@example.com"));
    assert_eq!(
        me.self_uri.as_deref(),
        Some("/api/v2/users/3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44")
    );
    let presence = me.presence.as_ref().unwrap();
    assert_eq!(
        presence.system_presence_name(),
        Some(SystemPresenceName::Available)
    );
    assert_eq!(presence.message.as_deref(), Some("Back at 2pm"));
    assert_eq!(presence.primary, Some(true));
    let extra: Vec<&str> = me.extra.keys().map(String::as_str).collect();
    assert_eq!(extra, ["acdAutoAnswer", "division", "title", "version"]);
    assert_eq!(me.extra["division"]["name"], "Home");
    let written = serde_json::to_value(&me).unwrap();
    let served: serde_json::Value = serde_json::from_str(fixture!("user_me.json")).unwrap();
    assert_eq!(written, served);
}

#[test]
fn users_me_reports_404_and_a_client_credentials_refusal() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", ME).reply_json(404, NOT_FOUND).create();
    let err = users::me(&session_for(&server), false).unwrap_err();
    m.assert();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "GET /api/v2/users/me: 404 not.found: The requested resource was not found. (correlation id c-404)"
    );
    m.remove();

    let m = api(&mut server, "GET", ME)
        .reply_json(
            400,
            r#"{"message":"This request requires a user context.","code":"requires.user.context","status":400}"#,
        )
        .create();
    let err = users::me(&session_for(&server), false).unwrap_err();
    m.assert();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("requires.user.context"))
    );
}

#[test]
fn users_me_reports_a_body_that_is_not_a_user() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", ME)
        .reply_json(200, r#"{"id": 42}"#)
        .create();

    let err = users::me(&session_for(&server), false).unwrap_err();

    m.assert();
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::Decode, Some(200)),
        "{err:?}"
    );
    assert!(err.to_string().contains("UserDetails"), "{err}");
}

// ---------------------------------------------------------------- users::find_by_email

#[test]
fn find_by_email_posts_the_exact_search_and_picks_the_first_exact_address() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", SEARCH)
        .no_query()
        .json_body(search_body("alex@example.com"))
        .reply_json(200, fixture!("users_search.json"))
        .create();
    let guards = nothing_else(&mut server);

    let found = users::find_by_email(&session_for(&server), "alex@example.com")
        .unwrap()
        .unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(found.id.as_deref(), Some("33333333-3333-4333-8333-333333333333"));
    assert_eq!(found.name.as_deref(), Some("Alex Morgan"));
    assert_eq!(found.email.as_deref(), Some("Alex@Example.COM"));
    assert_eq!(found.extra["department"], "Support");
}

#[test]
fn find_by_email_sends_the_address_as_given_in_the_fact_sheets_order() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", SEARCH)
        .no_query()
        .match_header("content-type", "application/json")
        .match_body(Matcher::Exact(
            r#"{"query":[{"type":"EXACT","fields":["email"],"value":"ALEX+news@Example.com"}]}"#.into(),
        ))
        .reply_json(200, fixture!("users_search.json"))
        .create();

    let found = users::find_by_email(&session_for(&server), "ALEX+news@Example.com").unwrap();

    m.assert();
    assert_eq!(found, None);
}

#[test]
fn find_by_email_is_none_without_results() {
    for body in [
        r#"{"total":0,"pageCount":0,"pageSize":25,"pageNumber":1,"types":["users"]}"#,
        r#"{"total":0,"results":null}"#,
        r#"{"results":[]}"#,
        r#"{"results":[{"id":"u1","name":"Alex","email":"alex@example.co"}]}"#,
    ] {
        let mut server = mockito::Server::new();
        let m = api(&mut server, "POST", SEARCH)
            .json_body(search_body("alex@example.com"))
            .reply_json(200, body)
            .create();

        let found = users::find_by_email(&session_for(&server), "alex@example.com").unwrap();

        m.assert();
        assert_eq!(found, None, "{body}");
    }
}

#[test]
fn find_by_email_checks_the_address_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);
    for email in [
        "",
        "  ",
        "alex",
        "@example.com",
        "alex@",
        "alex @example.com",
        "alex@example.com\r\n",
    ] {
        assert_invalid(users::find_by_email(&session, email).unwrap_err(), "email");
    }
    let long = format!("{}@example.com", "a".repeat(300));
    let err = users::find_by_email(&session, &long).unwrap_err();
    assert_eq!(err.to_string(), "invalid email: must be at most 254 characters");
    assert_all(&guards);
}

#[test]
fn find_by_email_reports_404_and_bad_bodies() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", SEARCH)
        .reply_json(404, NOT_FOUND)
        .create();
    let err = users::find_by_email(&session_for(&server), "alex@example.com").unwrap_err();
    m.assert();
    assert!(err.is_not_found(), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("POST /api/v2/users/search: 404 not.found"),
        "{err}"
    );
    m.remove();

    let m = api(&mut server, "POST", SEARCH)
        .reply_json(200, r#"{"results":{"id":"u1"}}"#)
        .create();
    let err = users::find_by_email(&session_for(&server), "alex@example.com").unwrap_err();
    m.assert();
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::Decode, Some(200)),
        "{err:?}"
    );
    assert!(err.to_string().contains("UsersSearchResponse"), "{err}");
}

#[test]
fn find_by_email_is_retried_after_a_gateway_error_as_it_only_reads() {
    let server = Server::start(vec![(
        "POST /api/v2/users/search",
        vec![
            scripted(
                503,
                r#"{"message":"Service Unavailable","code":"service.unavailable","status":503}"#,
            ),
            scripted(200, fixture!("users_search.json")),
        ],
    )]);
    let session = Session::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        .retry_policy(RetryPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(20)))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();

    let found = users::find_by_email(&session, "alex@example.com")
        .unwrap()
        .unwrap();

    assert_eq!(found.id.as_deref(), Some("33333333-3333-4333-8333-333333333333"));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", SEARCH));
        assert_eq!(request.header("authorization"), Some("Bearer test-token"));
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(request.header("user-agent"), Some(USER_AGENT));
        assert_eq!(request.json(), search_body("alex@example.com"));
    }
}

// ---------------------------------------------------------------- against the stand-in org

#[cfg(feature = "fake")]
#[test]
fn a_signed_in_user_finds_itself_and_signs_out() {
    let org = genesys_presence::fake::FakeOrg::start().unwrap();
    let sam = org.user_ids()[1].clone();
    let session = Session::builder()
        .base_url(org.base_url())
        .access_token(org.user_access_token(&sam).unwrap())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    let me = users::me(&session, true).unwrap();
    assert_eq!(me.id.as_deref(), Some(sam.as_str()));
    assert_eq!(me.name.as_deref(), Some("Sam Lee"));
    assert_eq!(me.email.as_deref(), Some("sam.lee@example.com"));
    assert_eq!(
        me.presence.unwrap().system_presence_name(),
        Some(SystemPresenceName::Busy)
    );
    assert_eq!(users::me(&session, false).unwrap().presence, None);

    let alex = users::find_by_email(&session, "ALEX.MORGAN@example.com")
        .unwrap()
        .unwrap();
    assert_eq!(alex.id, Some(org.user_ids()[0].clone()));
    assert_eq!(
        users::find_by_email(&session, "nobody@example.com").unwrap(),
        None
    );

    let info = tokens::me(&session).unwrap();
    assert_eq!(info.organization.unwrap().id, Some(org.org_id()));
    assert_eq!(info.oauth_client.unwrap().id.as_deref(), Some(org.client_id()));
    assert!(info.date_token_idles.is_some());

    tokens::revoke(&session).unwrap();
    let err = users::me(&session, false).unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(401), Some("bad.credentials")));
}

#[cfg(feature = "fake")]
#[test]
fn a_client_credentials_session_has_no_user_but_can_search() {
    let org = genesys_presence::fake::FakeOrg::start().unwrap();
    let session = org.session().unwrap();

    let err = users::me(&session, false).unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("requires.user.context"))
    );
    let kim = users::find_by_email(&session, "kim.ortiz@example.com")
        .unwrap()
        .unwrap();
    assert_eq!(kim.id, Some(org.user_ids()[2].clone()));
    assert_eq!(tokens::me(&session).unwrap().date_token_idles, None);

    // Revoked: the next call gets a 401, fetches a new token and goes on.
    tokens::revoke(&session).unwrap();
    assert_eq!(org.token_requests(), 1);
    assert!(tokens::me(&session).is_ok());
    assert_eq!(org.token_requests(), 2);
}
