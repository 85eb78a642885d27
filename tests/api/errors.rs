//! How answers and failures become `Error`s: API errors, decode errors,
//! authentication and transport failures, and answers that must decode
//! although they hold more (or less) than this crate knows.

use std::time::{Duration, Instant};

use crate::credentials::{fixture_json, token_request, CLIENT_ID, CLIENT_SECRET};
use crate::mock::{api, assert_all, closed_port, nothing_else, session_for, MockExt, TOKEN};
use crate::script_server::{Server, Step};
use genesys_presence::definitions::{self, DefinitionQuery};
use genesys_presence::{
    system, user, Error, ErrorKind, RetryPolicy, Session, SystemPresenceName, TransportKind, UserPresence,
};
use serde_json::json;

const PURECLOUD_U1: &str = "/api/v2/users/u1/presences/purecloud";
const SYSTEM: &str = "/api/v2/systempresences";

// ---------------------------------------------------------------- API errors

#[test]
fn api_error_carries_status_code_message_and_correlation_id() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", PURECLOUD_U1)
        .no_query()
        .no_body()
        .with_status(404)
        .with_header("content-type", "application/json")
        .with_header("inin-correlation-id", "abc-123")
        .with_body(fixture!("error_not_found.json"))
        .expect(1)
        .create();

    let err = user::get_purecloud_presence(&session_for(&server), "u1").unwrap_err();

    m.assert();
    assert_eq!(err.kind(), ErrorKind::Api, "{err:?}");
    assert_eq!(err.method(), Some("GET"));
    assert_eq!(err.path(), Some(PURECLOUD_U1));
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some("not.found"));
    let body = err.body().unwrap();
    assert_eq!(
        body.message.as_deref(),
        Some("The requested resource was not found.")
    );
    assert_eq!(body.status, Some(404));
    assert_eq!(
        body.context_id.as_deref(),
        Some("5e0b7a93-2c4d-4f18-b6a1-9d3c8e7f2a05")
    );
    // The header wins over the body's contextId.
    assert_eq!(err.correlation_id(), Some("abc-123"));
    assert_eq!(err.retry_after(), None);
    assert_eq!(err.attempts(), Some(1));
    assert!(err.is_not_found());
    assert!(!err.is_timeout());
    assert_eq!(
        err.to_string(),
        "GET /api/v2/users/u1/presences/purecloud: 404 not.found: The requested resource was not found. \
         (correlation id abc-123)"
    );
}

#[test]
fn correlation_id_comes_from_the_body_without_the_header() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", PURECLOUD_U1)
        .no_query()
        .reply_json(404, fixture!("error_not_found.json"))
        .create();

    let err = user::get_purecloud_presence(&session_for(&server), "u1").unwrap_err();

    m.assert();
    assert_eq!(err.correlation_id(), Some("5e0b7a93-2c4d-4f18-b6a1-9d3c8e7f2a05"));
    assert_eq!(
        err.to_string(),
        "GET /api/v2/users/u1/presences/purecloud: 404 not.found: The requested resource was not found. \
         (correlation id 5e0b7a93-2c4d-4f18-b6a1-9d3c8e7f2a05)"
    );
}

#[test]
fn an_html_error_page_keeps_the_status_and_an_excerpt() {
    let html = fixture!("bad_gateway.html");
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", SYSTEM)
        .no_query()
        .with_status(502)
        .with_header("content-type", "text/html")
        .with_body(html)
        .expect(1)
        .create();

    let err = system::list(&session_for(&server)).unwrap_err();

    m.assert();
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(502),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(502));
    assert!(err.body().is_none());
    assert_eq!(err.code(), None);
    assert_eq!(err.correlation_id(), None);
    assert_eq!(err.attempts(), Some(1));
    let text = err.to_string();
    assert_eq!(
        text,
        format!("GET /api/v2/systempresences: 502; body starts {html:?}")
    );
    assert!(text.contains("502 Bad Gateway"), "{text}");
    assert!(!text.contains('\n'), "one line: {text}");
}

#[test]
fn a_long_error_page_is_cut_to_an_excerpt() {
    let page = format!("<html>{}<p>THE-END</p></html>", "é".repeat(400));
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", SYSTEM)
        .no_query()
        .with_status(504)
        .with_header("content-type", "text/html")
        .with_body(&page)
        .create();

    let err = system::list(&session_for(&server)).unwrap_err();

    m.assert();
    let text = err.to_string();
    let kept: String = page.chars().take(300).collect();
    assert_eq!(
        text,
        format!(
            "GET /api/v2/systempresences: 504; body starts {:?}",
            format!("{kept}…")
        )
    );
    assert!(!text.contains("THE-END"), "{text}");
}

#[test]
fn a_json_error_that_is_not_an_error_body_is_quoted() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", SYSTEM)
        .no_query()
        .reply_json(500, r#"{"fault":"upstream"}"#)
        .create();

    let err = system::list(&session_for(&server)).unwrap_err();

    m.assert();
    assert!(err.body().is_none(), "{err:?}");
    assert_eq!(err.status(), Some(500));
    assert_eq!(
        err.to_string(),
        r#"GET /api/v2/systempresences: 500; body starts "{\"fault\":\"upstream\"}""#
    );
}

#[test]
fn an_empty_error_body_says_so() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "DELETE", "/api/v2/presencedefinitions/x1")
        .no_query()
        .no_body()
        .with_status(503)
        .create();

    let err = definitions::delete(&session_for(&server), "x1").unwrap_err();

    m.assert();
    assert!(err.body().is_none());
    assert_eq!(
        err.to_string(),
        "DELETE /api/v2/presencedefinitions/x1: 503 with an empty body"
    );
}

#[test]
fn a_multi_line_message_stays_on_one_line() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", "/api/v2/presencedefinitions/x1")
        .no_query()
        .reply_json(
            409,
            r#"{"message":"The request conflicts\nwith the current state\r\n of the target resource.","status":409,"code":"conflict"}"#,
        )
        .create();

    let d = genesys_presence::OrganizationPresence {
        language_labels: Some([("en_US".to_string(), "X".to_string())].into()),
        ..Default::default()
    };
    let err = definitions::update(&session_for(&server), "x1", &d).unwrap_err();

    m.assert();
    assert_eq!(
        err.to_string(),
        "PUT /api/v2/presencedefinitions/x1: 409 conflict: The request conflicts with the current state of \
         the target resource."
    );
    // The body keeps the message as sent.
    assert_eq!(
        err.body().unwrap().message.as_deref(),
        Some("The request conflicts\nwith the current state\r\n of the target resource.")
    );
}

#[test]
fn with_retries_off_a_rate_limit_is_returned_with_its_retry_after() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", SYSTEM)
        .no_query()
        .no_body()
        .with_status(429)
        .with_header("content-type", "application/json")
        .with_header("retry-after", "7")
        .with_header("inin-correlation-id", "8b1f2c3d-4e5a-4b6c-9d7e-0f1a2b3c4d5e")
        .with_body(fixture!("error_rate_limited.json"))
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let started = Instant::now();
    let err = system::list(&session_for(&server)).unwrap_err();

    m.assert();
    assert_all(&guards);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no wait: {:?}",
        started.elapsed()
    );
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(err.code(), Some("too.many.requests.retry.after"));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(
        err.to_string(),
        "GET /api/v2/systempresences: 429 too.many.requests.retry.after: Rate limit exceeded the maximum. \
         Retry the request in [7] seconds (retry after 7s) (correlation id 8b1f2c3d-4e5a-4b6c-9d7e-0f1a2b3c4d5e)"
    );
}

#[test]
fn a_retry_after_that_is_not_seconds_is_ignored() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", SYSTEM)
        .no_query()
        .with_status(503)
        .with_header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")
        .with_header("content-type", "application/json")
        .with_body(r#"{"message":"Service Unavailable","code":"service.unavailable","status":503}"#)
        .create();

    let err = system::list(&session_for(&server)).unwrap_err();

    m.assert();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.retry_after(), None);
    assert_eq!(err.code(), Some("service.unavailable"));
}

#[test]
fn a_redirect_is_not_followed() {
    let mut server = mockito::Server::new();
    let moved = api(&mut server, "GET", SYSTEM)
        .no_query()
        .with_status(302)
        .with_header("location", "/elsewhere")
        .create();
    let elsewhere = server.mock("GET", "/elsewhere").expect(0).create();

    let err = system::list(&session_for(&server)).unwrap_err();

    moved.assert();
    elsewhere.assert();
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(302),
        "{err:?}"
    );
}

// ---------------------------------------------------------------- decode errors

#[test]
fn an_empty_success_body_is_a_decode_error_naming_the_type() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", PURECLOUD_U1)
        .no_query()
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_header("inin-correlation-id", "dec-1")
        .create();

    let err = user::get_purecloud_presence(&session_for(&server), "u1").unwrap_err();

    m.assert();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");
    assert_eq!(err.method(), Some("GET"));
    assert_eq!(err.path(), Some(PURECLOUD_U1));
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(err.correlation_id(), Some("dec-1"));
    let text = err.to_string();
    assert!(
        text.starts_with(
            "GET /api/v2/users/u1/presences/purecloud: 200 but the body is not a valid UserPresence: "
        ),
        "{text}"
    );
    assert!(
        text.ends_with("; body starts \"\" (correlation id dec-1)"),
        "{text}"
    );
}

#[test]
fn truncated_json_is_a_decode_error() {
    let full = fixture!("user_presence.json");
    let truncated = &full[..full.len() / 2];
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", PURECLOUD_U1)
        .no_query()
        .reply_json(200, truncated)
        .create();

    let err = user::get_purecloud_presence(&session_for(&server), "u1").unwrap_err();

    m.assert();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");
    let text = err.to_string();
    let reason = between(
        &text,
        "200 but the body is not a valid UserPresence: ",
        "; body starts ",
    );
    assert!(reason.contains("EOF"), "{text}");
    assert!(text.ends_with(&format!("; body starts {truncated:?}")), "{text}");
}

#[test]
fn an_object_where_a_list_is_expected_is_a_decode_error() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", SYSTEM)
        .no_query()
        .reply_json(200, r#"{"entities":[{"id":"Available"}]}"#)
        .create();

    let err = system::list(&session_for(&server)).unwrap_err();

    m.assert();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");
    assert_eq!(err.status(), Some(200));
    assert!(
        err.to_string().starts_with(
            "GET /api/v2/systempresences: 200 but the body is not a valid Vec<SystemPresence>: "
        ),
        "{err}"
    );
}

#[test]
fn a_field_of_the_wrong_type_is_a_decode_error() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", "/api/v2/presencedefinitions")
        .no_query()
        .reply_json(
            200,
            r#"{"entities":[{"id":"x","languageLabels":"Lunch"}],"pageCount":1}"#,
        )
        .create();

    let err = definitions::list(&session_for(&server), &DefinitionQuery::default()).unwrap_err();

    m.assert();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");
    assert!(
        err.to_string()
            .contains(": 200 but the body is not a valid OrganizationPresenceEntityListing: "),
        "{err}"
    );
}

// ---------------------------------------------------------------- authentication failures

#[test]
fn a_rejected_login_is_an_auth_error_naming_the_login_url() {
    let mut server = mockito::Server::new();
    let token = token_request(&mut server)
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_header("inin-correlation-id", "login-400")
        .with_body(fixture!("token_error_invalid_client.json"))
        .expect(1)
        .create();
    let guards = nothing_else(&mut server); // no API call without a token
    let s = crate::credentials::client_session_for(&server);

    let err = system::list(&s).unwrap_err();

    token.assert();
    assert_all(&guards);
    assert!(err.kind() == ErrorKind::Auth, "{err:?}");
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("invalid_client"));
    assert_eq!(err.correlation_id(), Some("login-400"));
    assert!(err.body().is_none());
    assert_eq!(
        err.to_string(),
        format!(
            "authentication failed at {}: 400 invalid_client: authentication failed (correlation id login-400)",
            server.url()
        )
    );
}

#[test]
fn a_login_error_without_a_json_body_still_has_its_status() {
    let mut server = mockito::Server::new();
    let token = token_request(&mut server)
        .with_status(503)
        .with_body("<html>down</html>")
        .create();

    let err = system::list(&crate::credentials::client_session_for(&server)).unwrap_err();

    token.assert();
    assert!(err.kind() == ErrorKind::Auth, "{err:?}");
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.code(), None);
    assert_eq!(
        err.to_string(),
        format!(
            "authentication failed at {}: 503 from the token endpoint",
            server.url()
        )
    );
}

#[test]
fn an_unreachable_login_service_is_an_auth_error() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let port = closed_port();
    let login = format!("http://127.0.0.1:{port}");
    let s = Session::builder()
        .base_url(server.url())
        .login_url(&login)
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .connect_timeout(Duration::from_secs(2))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    let err = system::list(&s).unwrap_err();

    assert_all(&guards);
    assert!(err.kind() == ErrorKind::Auth && err.status().is_none(), "{err:?}");
    assert_eq!(err.status(), None);
    assert_eq!(err.code(), None);
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "authentication failed at {login}: POST /oauth/token: connection failed"
        )),
        "{text}"
    );
    assert!(!text.contains(CLIENT_SECRET), "{text}");
}

// ---------------------------------------------------------------- transport failures

#[test]
fn an_unreachable_api_is_a_connect_error() {
    let port = closed_port();
    let s = Session::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .access_token(TOKEN)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    let err = system::list(&s).unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Transport, "{err:?}");
    assert_eq!(err.method(), Some("GET"));
    assert_eq!(err.path(), Some(SYSTEM));
    assert_eq!(err.transport_kind(), Some(TransportKind::Connect));
    assert!(!err.is_timeout());
    assert_eq!(err.status(), None);
    assert_eq!(err.attempts(), Some(1));
    assert!(
        err.to_string()
            .starts_with("GET /api/v2/systempresences: connection failed: "),
        "{err}"
    );
}

fn impatient_session(url: &str) -> Session {
    Session::builder()
        .base_url(url)
        .access_token(TOKEN)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = Server::start(vec![(format!("GET {SYSTEM}"), vec![Step::Hang])]);

    let started = Instant::now();
    let err = system::list(&impatient_session(&server.url())).unwrap_err();
    let took = started.elapsed();

    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(2),
        "took {took:?}"
    );
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Transport, "{err:?}");
    assert_eq!(err.transport_kind(), Some(TransportKind::Timeout));
    assert!(
        err.to_string()
            .starts_with("GET /api/v2/systempresences: timed out"),
        "{err}"
    );
}

#[test]
fn a_server_that_stalls_in_the_body_times_out() {
    let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n[{\"id\":";
    let server = Server::start(vec![(format!("GET {SYSTEM}"), vec![Step::Stall(head.to_vec())])]);

    let started = Instant::now();
    let err = system::list(&impatient_session(&server.url())).unwrap_err();

    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert!(err.is_timeout(), "{err:?}");
}

// ---------------------------------------------------------------- answers richer or poorer than the models

#[test]
fn unknown_definition_fields_survive_get_then_update() {
    let mut server = mockito::Server::new();
    let id = "c3a8e2f0-5d41-4b1e-a0f7-93d2c5b6e781";
    let path = format!("/api/v2/presencedefinitions/{id}");
    let get = api(&mut server, "GET", &path)
        .no_query()
        .no_body()
        .reply_json(200, fixture!("definition_with_unknown_fields.json"))
        .create();
    let mut expected = fixture_json("definition_with_unknown_fields.json");
    expected["languageLabels"]["de"] = json!("Mittagessen");
    let put = api(&mut server, "PUT", &path)
        .no_query()
        .json_body(expected)
        .reply_json(200, fixture!("definition_with_unknown_fields.json"))
        .create();
    let guards = nothing_else(&mut server);
    let s = session_for(&server);

    let mut d = definitions::get(&s, id, None).unwrap();
    assert_eq!(
        d.extra.get("divisionId"),
        Some(&json!("d4e5f6a7-0b1c-4d2e-8f3a-5b6c7d8e9f01"))
    );
    assert_eq!(d.extra.get("type"), Some(&json!("User")));
    assert_eq!(d.extra.get("version"), Some(&json!(7)));
    assert_eq!(d.extra["displaySettings"]["icons"], json!(["meal", "clock"]));
    assert_eq!(d.extra.len(), 4, "{:?}", d.extra);
    let created_by = d.created_by.as_ref().unwrap();
    assert_eq!(created_by.name.as_deref(), Some("Ada Admin"));
    assert_eq!(created_by.extra.get("email"), Some(&json!("ada@example.com")));
    d.language_labels
        .as_mut()
        .unwrap()
        .insert("de".into(), "Mittagessen".into());
    let updated = definitions::update(&s, id, &d).unwrap();

    get.assert();
    put.assert();
    assert_all(&guards);
    assert_eq!(updated.extra.get("version"), Some(&json!(7)));
}

#[test]
fn unknown_user_presence_fields_are_sent_back() {
    let mut server = mockito::Server::new();
    let answer = r#"{"source":"PURECLOUD","primary":true,"presenceDefinition":{"id":"p1","systemPresence":"Available","colour":"green"},"message":"hi","integrationPresenceSource":"MicrosoftTeams","outOfOffice":{"active":false}}"#;
    let get = api(&mut server, "GET", PURECLOUD_U1)
        .no_query()
        .reply_json(200, answer)
        .create();
    let patch = api(&mut server, "PATCH", PURECLOUD_U1)
        .no_query()
        .json_body(json!({
            "source": "PURECLOUD",
            "primary": true,
            "presenceDefinition": {"id": "p1", "systemPresence": "Available", "colour": "green"},
            "message": "bye",
            "integrationPresenceSource": "MicrosoftTeams",
            "outOfOffice": {"active": false}
        }))
        .reply_json(200, answer)
        .create();
    let s = session_for(&server);

    let mut p = user::get_purecloud_presence(&s, "u1").unwrap();
    assert_eq!(
        p.extra.get("integrationPresenceSource"),
        Some(&json!("MicrosoftTeams"))
    );
    p.message = Some("bye".into());
    user::update_purecloud_presence(&s, "u1", &p).unwrap();

    get.assert();
    patch.assert();
}

#[test]
fn a_new_system_presence_and_unknown_fields_decode() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", SYSTEM)
        .no_query()
        .reply_json(200, fixture!("system_presences_new_value.json"))
        .create();

    let list = system::list(&session_for(&server)).unwrap();

    m.assert();
    assert_eq!(list.len(), 2);
    let focus = &list[1];
    assert_eq!(focus.id.as_deref(), Some("Focus"));
    assert_eq!(focus.name.as_deref(), Some("Focus"));
    assert_eq!(focus.self_uri.as_deref(), Some("/api/v2/systempresences/Focus"));
    let name = focus.system_presence_name().unwrap();
    assert_eq!(name, SystemPresenceName::Other("Focus".into()));
    assert_eq!(name.as_str(), "Focus");
    assert_eq!(
        list[0].system_presence_name(),
        Some(SystemPresenceName::Available)
    );
}

#[test]
fn a_new_system_presence_in_a_user_presence_is_data() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", PURECLOUD_U1)
        .no_query()
        .reply_json(
            200,
            r#"{"source":"PURECLOUD","presenceDefinition":{"id":"f1","systemPresence":"FOCUS_MODE"}}"#,
        )
        .create();

    let p: UserPresence = user::get_purecloud_presence(&session_for(&server), "u1").unwrap();

    m.assert();
    assert_eq!(
        p.system_presence_name(),
        Some(SystemPresenceName::Other("FOCUS_MODE".into()))
    );
}

#[test]
fn null_lists_decode_as_empty() {
    let mut server = mockito::Server::new();
    let listing = api(&mut server, "GET", "/api/v2/presencedefinitions")
        .no_query()
        .reply_json(200, fixture!("definitions_null_entities.json"))
        .create();
    let expand = api(&mut server, "GET", "/api/v2/users/u1/presences/microsoftteams")
        .no_query()
        .reply_json(200, fixture!("presence_expand_nulls.json"))
        .create();
    let error = api(&mut server, "POST", "/api/v2/presencedefinitions")
        .no_query()
        .reply_json(400, fixture!("error_bad_request.json"))
        .create();
    let s = session_for(&server);

    let page = definitions::list(&s, &DefinitionQuery::default()).unwrap();
    assert!(page.entities.is_empty());
    assert_eq!(page.next_uri, None);
    assert_eq!(page.total, Some(0));

    let e = user::get_microsoft_teams_presence(&s, "u1").unwrap();
    assert!(e.presences.is_empty());
    assert!(e.out_of_offices.is_empty());
    assert_eq!(e.name.as_deref(), Some("Grace Hopper"));

    let d = genesys_presence::OrganizationPresence {
        language_labels: Some([("en_US".to_string(), "Nap".to_string())].into()),
        ..Default::default()
    };
    let err = definitions::create(&s, &d).unwrap_err();
    let body = err
        .body()
        .expect("an error body with \"errors\": null still decodes");
    assert!(body.errors.is_empty());
    assert_eq!(body.details.len(), 1);
    assert_eq!(err.code(), Some("invalid.value"));

    listing.assert();
    expand.assert();
    error.assert();
}

#[test]
fn missing_fields_decode_as_none() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", PURECLOUD_U1)
        .no_query()
        .reply_json(200, "{}")
        .create();

    let p = user::get_purecloud_presence(&session_for(&server), "u1").unwrap();

    m.assert();
    assert_eq!(p, UserPresence::default());
}

// ---------------------------------------------------------------- sizes

/// A user id of about 100 KB made of `unit`.
fn huge_id(unit: &str) -> String {
    unit.repeat(100_000 / unit.len())
}

/// `id` as the crate puts it in a path.
fn encoded(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Asserts that no printed form of `err` is longer than `max` characters,
/// and returns `Display`.
#[track_caller]
fn assert_printed_within(err: &Error, display_max: usize, debug_max: usize) -> String {
    let display = err.to_string();
    let count = |text: &str| text.chars().count();
    assert!(
        count(&display) <= display_max,
        "Display: {} chars",
        count(&display)
    );
    for debug in [format!("{err:?}"), format!("{err:#?}")] {
        assert!(count(&debug) <= debug_max, "Debug: {} chars", count(&debug));
    }
    display
}

/// The text between `start` and the next `end` in `text`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .map(|at| at + start.len())
        .unwrap_or_else(|| panic!("{start:?} in {text}"));
    let to = text[from..].find(end).map_or(text.len(), |at| from + at);
    &text[from..to]
}

#[test]
fn a_100_kb_user_id_gives_a_short_error() {
    // ureq refuses a URI that long before connecting: the error quotes the path.
    let server = Server::start(Vec::<(String, Vec<Step>)>::new());
    for base_url in [server.url(), format!("http://127.0.0.1:{}", closed_port())] {
        for unit in ["a", "é", "😀", "a/b"] {
            let id = huge_id(unit);
            let session = Session::builder()
                .base_url(&base_url)
                .access_token(TOKEN)
                .retry_policy(RetryPolicy::none())
                .build()
                .unwrap();
            let err = user::get_purecloud_presence(&session, &id).unwrap_err();
            let display = assert_printed_within(&err, 2 * Error::MAX_QUOTED_CHARS + 100, 2_000);
            let shown_path = between(&display, "GET ", ": ");
            assert_eq!(shown_path.chars().count(), Error::MAX_QUOTED_CHARS + 1, "{unit}");
            assert!(shown_path.ends_with('…'), "{unit}");
            let path = format!("/api/v2/users/{}", encoded(&id));
            assert!(path.starts_with(shown_path.trim_end_matches('…')), "{unit}");
        }
    }
    assert!(server.requests().is_empty());
}

#[test]
fn a_server_echoing_a_long_id_at_length_gives_a_short_error() {
    let max = Error::MAX_QUOTED_CHARS;
    for unit in ["a", "é", "😀", "a/b"] {
        // As long as a URI may be (64 KiB) once encoded.
        let id = unit.repeat(8_000 / unit.len());
        let path = format!("/api/v2/users/{}/presences/purecloud", encoded(&id));
        let echo = format!("User {} not found", id.repeat(20));
        let body = json!({
            "code": format!("not.found.{}", id.repeat(20)), "message": echo, "contextId": id,
            "entityId": id, "details": [{"entityId": id}], "errors": [{"message": echo}],
        });
        let server = Server::start(vec![(
            format!("GET {path}"),
            vec![crate::script_server::json(404, body.to_string())
                .header("inin-correlation-id", &"c".repeat(20_000))],
        )]);
        let session = Session::builder()
            .base_url(server.url())
            .access_token(TOKEN)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();

        let err = user::get_purecloud_presence(&session, &id).unwrap_err();

        assert_eq!(server.requests().len(), 1, "{unit}");
        assert_eq!(err.status(), Some(404), "{unit}");
        let display = assert_printed_within(&err, 4 * (max + 1) + 100, 4 * 4096);
        // Each quoted text: its first 300 characters, then `…`.
        let shown_path = between(&display, "GET ", ": 404");
        assert_eq!(shown_path.chars().count(), max + 1, "{unit}");
        assert!(path.starts_with(shown_path.trim_end_matches('…')), "{unit}");
        let body = err.body().unwrap();
        for text in [&body.code, &body.message, &body.context_id, &body.entity_id] {
            let text = text.as_deref().unwrap();
            assert_eq!(text.chars().count(), max + 1, "{unit}");
            assert!(text.ends_with('…'), "{unit}");
        }
        assert_eq!(err.correlation_id().unwrap(), format!("{}…", "c".repeat(max)));
    }
}

#[test]
fn a_100_kb_name_gives_a_short_invalid_input_error() {
    let mut server = mockito::Server::new();
    let _definitions = server
        .mock("GET", "/api/v2/presence/definitions")
        .match_query(mockito::Matcher::Any)
        .reply_json(
            200,
            &json!({"entities": [{"id": "d1", "languageLabels": {"en_US": huge_id("L")}}]}).to_string(),
        )
        .create();
    let err = genesys_presence::presence_definitions::find_by_name(&session_for(&server), &huge_id("n"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err:?}");
    assert_eq!(err.argument(), Some("name"));
    let display = assert_printed_within(
        &err,
        Error::MAX_EXPLANATION_CHARS + 100,
        Error::MAX_EXPLANATION_CHARS + 200,
    );
    assert!(
        display.starts_with("invalid name: no presence definition is called \"nnn"),
        "{display}"
    );
    assert!(display.ends_with('…'), "{display}");
}

#[test]
fn a_success_body_with_a_100_kb_string_of_the_wrong_type_gives_a_short_decode_error() {
    let mut server = mockito::Server::new();
    let _api = api(&mut server, "GET", SYSTEM)
        .reply_json(200, &json!(huge_id("é")).to_string())
        .create();
    let err = system::list(&session_for(&server)).unwrap_err();
    assert!(err.kind() == ErrorKind::Decode, "{err:?}");
    let display = assert_printed_within(
        &err,
        3 * Error::MAX_QUOTED_CHARS + 200,
        3 * Error::MAX_QUOTED_CHARS + 400,
    );
    assert!(display.contains("invalid type: string \"ééé"), "{display}");
}

#[test]
fn an_error_body_with_huge_lists_keeps_a_bounded_part_of_them() {
    let many = 20_000;
    let body = json!({
        "code": "bad.request",
        "message": "m".repeat(50_000),
        "details": vec![json!({"fieldName": "f".repeat(100), "entityName": "e".repeat(100)}); many],
        "errors": vec![json!({"code": "nested", "errors": [{"message": "x".repeat(100)}]}); many],
        "messageParams": (0..many).map(|i| (format!("p{i}"), json!([[["deep"]]]))).collect::<serde_json::Map<_, _>>(),
    });
    let mut server = mockito::Server::new();
    let _api = api(&mut server, "GET", SYSTEM)
        .reply_json(400, &body.to_string())
        .create();
    let err = system::list(&session_for(&server)).unwrap_err();
    let display = assert_printed_within(&err, 3 * Error::MAX_QUOTED_CHARS + 100, 32 * 1024);
    assert!(
        display.starts_with("GET /api/v2/systempresences: 400 bad.request: mmmm"),
        "{display}"
    );
    let body = err.body().unwrap();
    assert!(body.details.len() <= genesys_presence::ErrorBody::MAX_ITEMS);
    assert!(body.errors.len() <= genesys_presence::ErrorBody::MAX_ITEMS);
    assert!(body.message_params.len() <= genesys_presence::ErrorBody::MAX_ITEMS);
    let text = serde_json::to_string(body).unwrap();
    assert!(
        text.chars().count() < 2 * genesys_presence::ErrorBody::MAX_TEXT_CHARS,
        "{}",
        text.len()
    );
}

/// Runs `f` on a thread with a 256 KiB stack (a debug build).
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .expect("the thread ends without overflowing its stack")
}

/// An error body whose `errors` nest `levels` deep.
fn nested_errors(levels: usize) -> String {
    format!(
        "{}{{\"code\":\"deepest\"}}{}",
        r#"{"code":"nested","errors":["#.repeat(levels),
        "]}".repeat(levels)
    )
}

#[test]
fn an_error_body_nested_100_000_levels_decodes_on_a_small_stack() {
    let mut server = mockito::Server::new();
    let _api = api(&mut server, "GET", SYSTEM)
        .reply_json(400, &nested_errors(100_000))
        .create();
    let url = server.url();
    let err = on_small_stack(move || {
        let session = Session::builder()
            .base_url(url)
            .access_token(TOKEN)
            .build()
            .unwrap();
        system::list(&session).unwrap_err()
    });
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("nested"));
    let mut depth = 0;
    let mut body = err.body().unwrap();
    while let Some(inner) = body.errors.first() {
        depth += 1;
        body = inner;
    }
    assert_eq!(depth, genesys_presence::ErrorBody::MAX_NESTING);
    // Decoded directly, too: the bound is the type's own.
    let deepest = on_small_stack(|| {
        serde_json::from_str::<genesys_presence::ErrorBody>(&nested_errors(100_000)).map(|b| b.code)
    });
    assert_eq!(deepest.unwrap().as_deref(), Some("nested"));
}

#[test]
fn success_bodies_nested_past_serde_jsons_limit_are_decode_errors_on_a_small_stack() {
    // serde_json stops at 128 levels; the deepest it accepts decodes on a
    // 256 KiB stack (debug build), and anything deeper is refused there.
    let extra = |levels: usize| {
        format!(
            r#"{{"id":"p1","name":"x","extra":{}1{}}}"#,
            "[".repeat(levels),
            "]".repeat(levels)
        )
    };
    let mut server = mockito::Server::new();
    let _deepest_accepted = api(&mut server, "GET", "/api/v2/users/deep/presences/purecloud")
        .reply_json(200, &extra(126))
        .create();
    let _too_deep = api(&mut server, "GET", "/api/v2/users/deeper/presences/purecloud")
        .reply_json(200, &extra(100_000))
        .create();
    let url = server.url();
    let (accepted, refused) = on_small_stack(move || {
        let session = Session::builder()
            .base_url(url)
            .access_token(TOKEN)
            .build()
            .unwrap();
        (
            user::get_purecloud_presence(&session, "deep").map(|p| p.extra.len()),
            user::get_purecloud_presence(&session, "deeper").unwrap_err(),
        )
    });
    assert_eq!(accepted.unwrap(), 1);
    assert!(refused.kind() == ErrorKind::Decode, "{refused:?}");
    assert!(
        refused.to_string().contains("recursion limit exceeded"),
        "{refused}"
    );
    assert_printed_within(
        &refused,
        3 * Error::MAX_QUOTED_CHARS + 200,
        3 * Error::MAX_QUOTED_CHARS + 400,
    );
}

// ---------------------------------------------------------------- kinds, accessors and predicates

/// Everything an error answers through its accessors and predicates, to be
/// compared whole.
#[derive(Debug, Clone, PartialEq)]
struct Facts {
    kind: ErrorKind,
    status: Option<u16>,
    code: Option<String>,
    retry_after: Option<Duration>,
    attempts: Option<u32>,
    method: Option<&'static str>,
    path: Option<String>,
    transport_kind: Option<TransportKind>,
    argument: Option<&'static str>,
    #[cfg(feature = "notifications")]
    topic: Option<String>,
    #[cfg(feature = "notifications")]
    watch_kind: Option<genesys_presence::WatchErrorKind>,
    bulk: bool,
    rate_limited: bool,
    not_found: bool,
    auth: bool,
    timeout: bool,
    retryable: bool,
}

impl Facts {
    /// What `err` answers.
    fn of(err: &Error) -> Facts {
        Facts {
            kind: err.kind(),
            status: err.status(),
            code: err.code().map(str::to_owned),
            retry_after: err.retry_after(),
            attempts: err.attempts(),
            method: err.method(),
            path: err.path().map(str::to_owned),
            transport_kind: err.transport_kind(),
            argument: err.argument(),
            #[cfg(feature = "notifications")]
            topic: err.topic().map(str::to_owned),
            #[cfg(feature = "notifications")]
            watch_kind: err.watch_kind(),
            bulk: err.bulk().is_some(),
            rate_limited: err.is_rate_limited(),
            not_found: err.is_not_found(),
            auth: err.is_auth(),
            timeout: err.is_timeout(),
            retryable: err.is_retryable(),
        }
    }

    /// A `kind` that answers `None` and `false` to everything.
    fn none(kind: ErrorKind) -> Facts {
        Facts {
            kind,
            status: None,
            code: None,
            retry_after: None,
            attempts: None,
            method: None,
            path: None,
            transport_kind: None,
            argument: None,
            #[cfg(feature = "notifications")]
            topic: None,
            #[cfg(feature = "notifications")]
            watch_kind: None,
            bulk: false,
            rate_limited: false,
            not_found: false,
            auth: false,
            timeout: false,
            retryable: false,
        }
    }

    /// A `GET` of the system presences answered `status`, sent once.
    fn api(status: u16) -> Facts {
        Facts {
            status: Some(status),
            attempts: Some(1),
            method: Some("GET"),
            path: Some(SYSTEM.to_owned()),
            ..Facts::none(ErrorKind::Api)
        }
    }
}

#[test]
fn each_api_status_answers_the_predicates_it_should() {
    // (status, code, rate limited, not found, auth, retryable)
    let cases = [
        (400, "bad.request", false, false, false, false),
        (401, "bad.credentials", false, false, true, false),
        (403, "missing.any.permissions", false, false, false, false),
        (404, "not.found", false, true, false, false),
        (408, "request.timeout", false, false, false, true),
        (409, "conflict", false, false, false, false),
        (429, "too.many.requests", true, false, false, true),
        (500, "internal.server.error", false, false, false, true),
        (501, "not.implemented", false, false, false, false),
        (502, "bad.gateway", false, false, false, true),
        (503, "service.unavailable", false, false, false, true),
        (504, "gateway.timeout", false, false, false, true),
    ];
    for (status, code, rate_limited, not_found, auth, retryable) in cases {
        let mut server = mockito::Server::new();
        let mut mock = api(&mut server, "GET", SYSTEM).no_query().no_body().reply_json(
            status.into(),
            &json!({"status": status, "code": code, "message": "m"}).to_string(),
        );
        if status == 429 {
            mock = mock.with_header("retry-after", "7");
        }
        let m = mock.expect(1).create();
        let guards = nothing_else(&mut server);

        let err = system::list(&session_for(&server)).unwrap_err();

        m.assert();
        assert_all(&guards);
        assert_eq!(
            Facts::of(&err),
            Facts {
                code: Some(code.to_owned()),
                retry_after: (status == 429).then_some(Duration::from_secs(7)),
                rate_limited,
                not_found,
                auth,
                retryable,
                ..Facts::api(status)
            },
            "{err}"
        );
        assert!(std::error::Error::source(&err).is_none());
        assert!(format!("{err:?}").starts_with("Api {"), "{err:?}");
    }
}

#[test]
fn a_decode_error_is_not_retryable() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", SYSTEM)
        .no_query()
        .reply_json(200, "{")
        .expect(1)
        .create();

    let err = system::list(&session_for(&server)).unwrap_err();

    m.assert();
    assert_eq!(
        Facts::of(&err),
        Facts {
            status: Some(200),
            attempts: Some(1),
            method: Some("GET"),
            path: Some(SYSTEM.to_owned()),
            ..Facts::none(ErrorKind::Decode)
        },
        "{err}"
    );
}

#[test]
fn a_timeout_is_retryable_and_has_no_status() {
    let server = Server::start(vec![(format!("GET {SYSTEM}"), vec![Step::Hang])]);
    let session = Session::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        .timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    let err = system::list(&session).unwrap_err();

    assert_eq!(
        Facts::of(&err),
        Facts {
            attempts: Some(1),
            method: Some("GET"),
            path: Some(SYSTEM.to_owned()),
            transport_kind: Some(TransportKind::Timeout),
            timeout: true,
            retryable: true,
            ..Facts::none(ErrorKind::Transport)
        },
        "{err}"
    );
}

#[test]
fn a_refused_connection_is_retryable() {
    let s = Session::builder()
        .base_url(format!("http://127.0.0.1:{}", closed_port()))
        .access_token(TOKEN)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    let err = user::get_purecloud_presence(&s, "u1").unwrap_err();

    assert_eq!(
        Facts::of(&err),
        Facts {
            attempts: Some(1),
            method: Some("GET"),
            path: Some(PURECLOUD_U1.to_owned()),
            transport_kind: Some(TransportKind::Connect),
            retryable: true,
            ..Facts::none(ErrorKind::Transport)
        },
        "{err}"
    );
}

#[test]
fn an_invalid_argument_names_it_and_was_never_sent() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);

    let err = user::get_purecloud_presence(&session_for(&server), "").unwrap_err();

    assert_all(&guards);
    assert_eq!(
        Facts::of(&err),
        Facts {
            argument: Some("user_id"),
            ..Facts::none(ErrorKind::InvalidInput)
        },
        "{err}"
    );
    assert!(err.to_string().starts_with("invalid user_id: "), "{err}");
}

#[test]
fn a_configuration_error_is_neither_auth_nor_retryable() {
    let err = Session::builder().access_token("Bearer abc").build().unwrap_err();

    assert_eq!(Facts::of(&err), Facts::none(ErrorKind::Config), "{err}");
    assert!(err.to_string().starts_with("session configuration: "), "{err}");
}

/// The login service's answers: each is an `Auth` error (so `is_auth`),
/// rate limited for a `429`, retryable for a `429` or a `5xx`.
#[test]
fn each_login_service_answer_answers_the_predicates_it_should() {
    // (status, OAuth code, rate limited, retryable)
    let cases = [
        (400, Some("invalid_grant"), false, false),
        (401, Some("invalid_client"), false, false),
        (429, None, true, true),
        (503, None, false, true),
    ];
    for (status, code, rate_limited, retryable) in cases {
        let mut server = mockito::Server::new();
        let body = match code {
            Some(code) => json!({"error": code, "description": "no"}),
            None => json!({"message": "busy"}),
        };
        let token = token_request(&mut server)
            .with_status(status.into())
            .with_header("content-type", "application/json")
            .with_body(body.to_string())
            .expect(1)
            .create();
        let guards = nothing_else(&mut server);
        let session = Session::builder()
            .base_url(server.url())
            .client_credentials(CLIENT_ID, CLIENT_SECRET)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();

        let err = system::list(&session).unwrap_err();

        token.assert();
        assert_all(&guards);
        assert_eq!(
            Facts::of(&err),
            Facts {
                status: Some(status),
                code: code.map(str::to_owned),
                attempts: Some(1),
                rate_limited,
                auth: true,
                retryable,
                ..Facts::none(ErrorKind::Auth)
            },
            "{err}"
        );
    }
}

#[test]
fn an_unreachable_login_service_is_auth_and_retryable() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let s = Session::builder()
        .base_url(server.url())
        .login_url(format!("http://127.0.0.1:{}", closed_port()))
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    let err = system::list(&s).unwrap_err();

    assert_all(&guards);
    assert_eq!(
        Facts::of(&err),
        Facts {
            attempts: Some(1),
            transport_kind: Some(TransportKind::Connect),
            auth: true,
            retryable: true,
            ..Facts::none(ErrorKind::Auth)
        },
        "{err}"
    );
}

/// A bulk update whose second call is rate limited: the error is
/// `BulkIncomplete`, its accessors and predicates are the failing call's,
/// `source()` is `None` and the failing call's message is printed once.
#[test]
fn a_bulk_update_failing_part_way_looks_through_to_the_failing_call() {
    let ids: Vec<String> = (0..60).map(|i| format!("u{i:02}")).collect();
    let presence =
        |id: &String| json!({"id": id, "presenceDefinition": {"id": "6a3af858-942f-489d-9700-5f9bcdcdae9b"}});
    let mut server = mockito::Server::new();
    let first = api(&mut server, "PUT", "/api/v2/users/presences/bulk")
        .json_body(json!(ids[..50].iter().map(presence).collect::<Vec<_>>()))
        .reply_json(
            200,
            &json!(ids[..50].iter().map(presence).collect::<Vec<_>>()).to_string(),
        )
        .expect(1)
        .create();
    let second = api(&mut server, "PUT", "/api/v2/users/presences/bulk")
        .json_body(json!(ids[50..].iter().map(presence).collect::<Vec<_>>()))
        .reply_json(
            429,
            r#"{"status":429,"code":"too.many.requests","message":"Slow down."}"#,
        )
        .with_header("retry-after", "3")
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);
    let body: Vec<UserPresence> = ids
        .iter()
        .map(|id| serde_json::from_value(presence(id)).unwrap())
        .collect();

    let err = user::update_presences_bulk(&session_for(&server), &body).unwrap_err();

    first.assert();
    second.assert();
    assert_all(&guards);
    let failing = Facts {
        status: Some(429),
        code: Some("too.many.requests".to_owned()),
        retry_after: Some(Duration::from_secs(3)),
        attempts: Some(1),
        method: Some("PUT"),
        path: Some("/api/v2/users/presences/bulk".to_owned()),
        rate_limited: true,
        retryable: true,
        ..Facts::none(ErrorKind::Api)
    };
    assert_eq!(
        Facts::of(&err),
        Facts {
            kind: ErrorKind::BulkIncomplete,
            bulk: true,
            ..failing.clone()
        },
        "{err}"
    );
    let bulk = err.bulk().unwrap();
    assert_eq!(bulk.applied_user_ids(), &ids[..50]);
    assert_eq!(bulk.not_applied_user_ids(), &ids[50..]);
    assert_eq!(bulk.applied().len(), 50);
    assert_eq!(Facts::of(bulk.failure()), failing);

    let cause = "PUT /api/v2/users/presences/bulk: 429 too.many.requests: Slow down. (retry after 3s)";
    assert_eq!(bulk.failure().to_string(), cause);
    assert_eq!(
        err.to_string(),
        format!("bulk update stopped after 50 of 60 users: {cause}")
    );
    assert!(std::error::Error::source(&err).is_none());
    // What a reporter printing the chain of sources prints: the cause once.
    let mut report = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(inner) = source {
        report.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    assert_eq!(report.matches("Slow down.").count(), 1, "{report}");
}

#[test]
fn an_error_is_one_pointer_wide() {
    assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    assert_eq!(
        std::mem::size_of::<genesys_presence::Result<()>>(),
        std::mem::size_of::<usize>()
    );
}
