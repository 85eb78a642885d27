//! Faults a real network and a real Genesys org produce, played by a small
//! scripted HTTP/1.1 server ([`script_server`]) so that each test knows
//! exactly which requests reached the server and on which connection.
//!
//! Covered:
//! - rate limits (`429`): `Retry-After` honoured, backoff without it, a wait
//!   longer than `max_total_wait` not taken, retried for PATCH too, given up
//!   after `max_attempts`;
//! - gateway errors (`502`, `503`, `504`): retried for GET, PUT and DELETE,
//!   never for PATCH or POST; the last answer returned after `max_attempts`,
//!   HTML error pages quoted;
//! - other statuses (`500`) never retried; correlation ids and excerpts kept;
//! - bad `2xx` bodies: empty, truncated, wrong shape, larger than
//!   `max_response_bytes` (and one exactly at the limit);
//! - transport faults: a server that never answers (timeout, not retried), a
//!   connection closed mid-body or without an answer (retried for GET, not for
//!   PATCH), bytes that are not HTTP, a truncated chunked body, a refused
//!   connection (retried for every method), a keep-alive connection the server
//!   closed between calls (for GET, and for a PATCH, which must not fail on it);
//! - unusual but valid answers: HTTP/1.0 without `content-length`, an
//!   unasked-for `100 Continue`;
//! - authentication: a token rejected by the API (`401`) fetched again once
//!   and the call replayed once (GET and PATCH), a second `401` returned, a
//!   fixed token's `401` returned at once, the token endpoint refusing the
//!   client, failing (`503`, `429`), answering garbage, never answering, or
//!   unreachable.

use std::time::{Duration, Instant};

use crate::credentials::{BASIC, CLIENT_ID, CLIENT_SECRET, FIRST_TOKEN, SECOND_TOKEN};
use crate::mock::{closed_port, TOKEN};
use crate::script_server::{json, raw, truncated, Server, Step};
use genesys_presence::definitions::{self, DefinitionQuery};
use genesys_presence::{
    system, user, Error, ErrorKind, OrganizationPresence, PresenceDefinition, RetryPolicy, Session,
    TransportKind, UserPresence,
};

const SYSTEM: &str = "/api/v2/systempresences";
const PRESENCE: &str = "/api/v2/users/u1/presences/purecloud";
const DEFINITIONS: &str = "/api/v2/presencedefinitions";
const DEFINITION: &str = "/api/v2/presencedefinitions/d1";
const OAUTH: &str = "/oauth/token";

const GET_SYSTEM: &str = "GET /api/v2/systempresences";
const GET_PRESENCE: &str = "GET /api/v2/users/u1/presences/purecloud";
const PATCH_PRESENCE: &str = "PATCH /api/v2/users/u1/presences/purecloud";
const POST_TOKEN: &str = "POST /oauth/token";

const UNAVAILABLE: &str = r#"{"message":"Service Unavailable","code":"service.unavailable","status":503}"#;

/// The longest any test call may take where the point is that it does not
/// wait (generous: the machine is shared).
const QUICK: Duration = Duration::from_secs(3);

// ---------------------------------------------------------------- helpers

/// The default policy with waits short enough for tests.
fn fast() -> RetryPolicy {
    RetryPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(20))
}

/// A session with the fixed access token [`TOKEN`].
fn token_session(server: &Server, policy: RetryPolicy) -> Session {
    Session::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        .retry_policy(policy)
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .expect("a valid test session")
}

/// A client-credentials session whose tokens come from the same server.
fn client_session(server: &Server, policy: RetryPolicy) -> Session {
    Session::builder()
        .base_url(server.url())
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(policy)
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .expect("a valid test session")
}

/// The PATCH body the presence tests send.
fn lunch() -> UserPresence {
    UserPresence {
        presence_definition: Some(PresenceDefinition::with_id(
            "c3a8e2f0-5d41-4b1e-a0f7-93d2c5b6e781",
        )),
        message: Some("Lunch, back 13:30".into()),
        ..Default::default()
    }
}

/// `lunch()` as the server must receive it.
fn lunch_json() -> serde_json::Value {
    serde_json::json!({
        "presenceDefinition": {"id": "c3a8e2f0-5d41-4b1e-a0f7-93d2c5b6e781"},
        "message": "Lunch, back 13:30"
    })
}

fn focus_time() -> OrganizationPresence {
    OrganizationPresence {
        language_labels: Some([("en_US".to_string(), "Focus time".to_string())].into()),
        system_presence: Some("Busy".into()),
        ..Default::default()
    }
}

fn ok_system() -> Step {
    json(200, fixture!("system_presences.json"))
}

fn ok_presence() -> Step {
    json(200, fixture!("user_presence.json"))
}

fn unavailable(correlation_id: &str) -> Step {
    json(503, UNAVAILABLE).header("inin-correlation-id", correlation_id)
}

/// Asserts `err` is a transport failure of `kind` after `attempts` sends.
#[track_caller]
fn assert_transport(err: &Error, method: &str, path: &str, kind: TransportKind, attempts: u32) {
    assert_eq!(
        err.kind(),
        ErrorKind::Transport,
        "expected a {kind:?} transport error, got {err:?}"
    );
    assert_eq!(
        (err.method(), err.path(), err.transport_kind()),
        (Some(method), Some(path), Some(kind)),
        "{err:?}"
    );
    assert_eq!(err.attempts(), Some(attempts), "{err:?}");
    assert_eq!(err.status(), None);
    assert_eq!(err.correlation_id(), None);
    let text = err.to_string();
    assert!(text.starts_with(&format!("{method} {path}: {kind}: ")), "{text}");
    if attempts > 1 {
        assert!(text.ends_with(&format!(" after {attempts} attempts")), "{text}");
    }
}

/// Asserts the token requests of `server` are well-formed client credentials grants.
#[track_caller]
fn assert_token_requests(server: &Server, count: usize) {
    let requests = server.requests_to(OAUTH);
    assert_eq!(requests.len(), count, "{:?}", server.calls());
    for request in requests {
        assert_eq!(request.method, "POST");
        assert_eq!(request.header("authorization"), Some(BASIC));
        assert_eq!(
            request.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(request.body, b"grant_type=client_credentials");
    }
}

// ---------------------------------------------------------------- rate limits

#[test]
fn a_429_with_retry_after_zero_is_retried_and_then_succeeds() {
    let server = Server::start(vec![(
        GET_SYSTEM,
        vec![
            json(429, fixture!("error_rate_limited.json")).header("retry-after", "0"),
            ok_system(),
        ],
    )]);

    let started = Instant::now();
    let presences = system::list(&token_session(&server, fast())).unwrap();

    assert!(started.elapsed() < QUICK, "took {:?}", started.elapsed());
    assert_eq!(presences.len(), 10);
    assert_eq!(server.calls(), [GET_SYSTEM; 2]);
    for request in server.requests() {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
}

#[test]
fn a_retry_after_longer_than_max_total_wait_is_not_waited_for() {
    let server = Server::start(vec![(
        GET_SYSTEM,
        vec![
            json(429, fixture!("error_rate_limited.json"))
                .header("retry-after", "30")
                .header("inin-correlation-id", "rl-30"),
            ok_system(),
        ],
    )]);
    let policy = fast().max_total_wait(Duration::from_secs(2));

    let started = Instant::now();
    let err = system::list(&token_session(&server, policy)).unwrap_err();

    assert!(started.elapsed() < QUICK, "waited: {:?}", started.elapsed());
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(429),
        "{err:?}"
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(err.code(), Some("too.many.requests.retry.after"));
    assert_eq!(err.correlation_id(), Some("rl-30"));
    assert_eq!(
        err.to_string(),
        "GET /api/v2/systempresences: 429 too.many.requests.retry.after: Rate limit exceeded the maximum. \
         Retry the request in [7] seconds (retry after 30s) (correlation id rl-30)"
    );
    assert_eq!(server.calls(), [GET_SYSTEM]);
}

#[test]
fn a_429_without_retry_after_is_retried_after_a_backoff() {
    let server = Server::start(vec![(
        GET_PRESENCE,
        vec![json(429, fixture!("error_rate_limited.json")), ok_presence()],
    )]);

    let started = Instant::now();
    let presence = user::get_purecloud_presence(&token_session(&server, fast()), "u1").unwrap();

    assert!(started.elapsed() < QUICK, "took {:?}", started.elapsed());
    assert_eq!(presence.message.as_deref(), Some("Back at 2pm"));
    assert_eq!(server.calls(), [GET_PRESENCE; 2]);
}

#[test]
fn a_429_on_patch_is_retried_with_the_same_body_because_it_was_not_applied() {
    let server = Server::start(vec![(
        PATCH_PRESENCE,
        vec![
            json(429, fixture!("error_rate_limited.json")).header("retry-after", "0"),
            json(200, fixture!("user_presence_updated.json")),
        ],
    )]);

    let updated = user::update_purecloud_presence(&token_session(&server, fast()), "u1", &lunch()).unwrap();

    assert_eq!(updated.message.as_deref(), Some("Lunch, back 13:30"));
    assert_eq!(server.calls(), [PATCH_PRESENCE; 2]);
    let requests = server.requests();
    assert_eq!(
        requests[0].body, requests[1].body,
        "the replay sends the same body"
    );
    for request in &requests {
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(request.json(), lunch_json());
    }
}

#[test]
fn a_429_that_never_clears_is_returned_after_max_attempts() {
    let rate_limited = json(429, fixture!("error_rate_limited.json")).header("retry-after", "0");
    let server = Server::start(vec![(GET_SYSTEM, vec![rate_limited; 4])]);

    let err = system::list(&token_session(&server, fast().max_attempts(3))).unwrap_err();

    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(429),
        "{err:?}"
    );
    assert_eq!(err.attempts(), Some(3));
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    assert_eq!(err.code(), Some("too.many.requests.retry.after"));
    // Without the header, the body's contextId is the correlation id.
    assert_eq!(err.correlation_id(), Some("8b1f2c3d-4e5a-4b6c-9d7e-0f1a2b3c4d5e"));
    assert!(err.to_string().ends_with(" after 3 attempts"), "{err}");
    assert_eq!(server.calls(), [GET_SYSTEM; 3]);
}

// ---------------------------------------------------------------- gateway and server errors

#[test]
fn a_503_on_get_is_retried_and_then_succeeds() {
    // The gateway also says `connection: close`: the retry opens a new one.
    let server = Server::start(vec![(
        GET_SYSTEM,
        vec![unavailable("c-1").closing(), ok_system()],
    )]);

    let presences = system::list(&token_session(&server, fast())).unwrap();

    assert_eq!(presences.len(), 10);
    assert_eq!(server.calls(), [GET_SYSTEM; 2]);
    assert_eq!(server.connections(), 2);
}

#[test]
fn a_502_on_put_and_a_504_on_delete_are_retried() {
    let put = format!("PUT {DEFINITION}");
    let delete = format!("DELETE {DEFINITION}");
    let server = Server::start(vec![
        (
            &put,
            vec![
                json(502, fixture!("bad_gateway.html")).header("content-type", "text/html"),
                json(200, fixture!("definition_created.json")),
            ],
        ),
        (
            &delete,
            vec![
                json(504, "").header("content-type", "text/plain"),
                Step::empty(204),
            ],
        ),
    ]);
    let session = token_session(&server, fast());

    let updated = definitions::update(&session, "d1", &focus_time()).unwrap();
    definitions::delete(&session, "d1").unwrap();

    assert_eq!(
        updated.id.as_deref(),
        Some("e1c49d27-3b8a-4f60-9c15-7d2a0b6e8f31")
    );
    assert_eq!(server.calls(), [&*put, &put, &delete, &delete]);
    let requests = server.requests();
    assert_eq!(requests[0].body, requests[1].body);
    assert!(requests[2].body.is_empty() && requests[3].body.is_empty());
}

#[test]
fn a_503_on_patch_is_not_retried_because_it_may_have_been_applied() {
    let server = Server::start(vec![(PATCH_PRESENCE, vec![unavailable("c-503"), ok_presence()])]);

    let err = user::update_purecloud_presence(&token_session(&server, fast()), "u1", &lunch()).unwrap_err();

    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(503),
        "{err:?}"
    );
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(err.code(), Some("service.unavailable"));
    assert_eq!(err.correlation_id(), Some("c-503"));
    assert_eq!(
        err.to_string(),
        "PATCH /api/v2/users/u1/presences/purecloud: 503 service.unavailable: Service Unavailable \
         (correlation id c-503)"
    );
    assert_eq!(server.calls(), [PATCH_PRESENCE]);
}

#[test]
fn a_503_on_post_is_not_retried_because_it_may_have_been_applied() {
    let post = format!("POST {DEFINITIONS}");
    let server = Server::start(vec![(
        &post,
        vec![
            unavailable("c-post"),
            json(200, fixture!("definition_created.json")),
        ],
    )]);

    let err = definitions::create(&token_session(&server, fast()), &focus_time()).unwrap_err();

    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(503),
        "{err:?}"
    );
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(err.correlation_id(), Some("c-post"));
    assert_eq!(server.calls(), [post]);
}

#[test]
fn a_500_on_get_is_not_retried_and_keeps_its_excerpt_and_correlation_id() {
    let failing = json(500, "upstream exploded: NullPointerException")
        .header("content-type", "text/plain")
        .header("inin-correlation-id", "c-500");
    let server = Server::start(vec![(GET_SYSTEM, vec![failing; 3])]);

    let err = system::list(&token_session(&server, fast())).unwrap_err();

    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(500),
        "{err:?}"
    );
    assert_eq!(err.attempts(), Some(1));
    assert!(err.body().is_none());
    assert_eq!(err.correlation_id(), Some("c-500"));
    assert_eq!(
        err.to_string(),
        "GET /api/v2/systempresences: 500; body starts \"upstream exploded: NullPointerException\" \
         (correlation id c-500)"
    );
    assert_eq!(server.calls(), [GET_SYSTEM]);
}

#[test]
fn a_persistent_503_on_get_returns_the_last_answer_after_max_attempts() {
    let server = Server::start(vec![(
        GET_SYSTEM,
        vec![
            unavailable("c-1"),
            unavailable("c-2"),
            unavailable("c-3"),
            ok_system(),
        ],
    )]);

    let err = system::list(&token_session(&server, fast().max_attempts(3))).unwrap_err();

    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(503),
        "{err:?}"
    );
    assert_eq!(err.attempts(), Some(3));
    assert_eq!(err.correlation_id(), Some("c-3"), "the last answer");
    assert_eq!(
        err.to_string(),
        "GET /api/v2/systempresences: 503 service.unavailable: Service Unavailable (correlation id c-3) \
         after 3 attempts"
    );
    assert_eq!(server.calls(), [GET_SYSTEM; 3]);
}

#[test]
fn a_persistent_502_html_page_is_an_api_error_quoting_the_page() {
    let html = fixture!("bad_gateway.html");
    let page = json(502, html).header("content-type", "text/html");
    let server = Server::start(vec![(GET_SYSTEM, vec![page; 5])]);

    let err = system::list(&token_session(&server, fast())).unwrap_err();

    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(502),
        "{err:?}"
    );
    assert_eq!(err.attempts(), Some(4), "the default max_attempts");
    assert!(err.body().is_none());
    assert_eq!(err.code(), None);
    let text = err.to_string();
    assert_eq!(
        text,
        format!("GET /api/v2/systempresences: 502; body starts {html:?} after 4 attempts")
    );
    assert!(text.contains("<title>502 Bad Gateway</title>"), "{text}");
    assert_eq!(server.calls(), [GET_SYSTEM; 4]);
}

// ---------------------------------------------------------------- bad success bodies

#[track_caller]
fn assert_decode(err: &Error, path: &str, type_name: &str) {
    assert_eq!(
        err.kind(),
        ErrorKind::Decode,
        "expected a Decode error, got {err:?}"
    );
    assert_eq!(
        (err.method(), err.path(), err.status()),
        (Some("GET"), Some(path), Some(200))
    );
    assert!(!err.is_retryable());
    assert_eq!(err.attempts(), Some(1));
    assert!(
        err.to_string().starts_with(&format!(
            "GET {path}: 200 but the body is not a valid {type_name}: "
        )),
        "{err}"
    );
}

#[test]
fn an_empty_200_body_is_a_decode_error_naming_the_type_and_is_not_retried() {
    let server = Server::start(vec![(
        GET_PRESENCE,
        vec![
            json(200, "").header("inin-correlation-id", "c-empty"),
            ok_presence(),
        ],
    )]);

    let err = user::get_purecloud_presence(&token_session(&server, fast()), "u1").unwrap_err();

    assert_decode(&err, PRESENCE, "UserPresence");
    assert_eq!(err.correlation_id(), Some("c-empty"));
    assert!(
        err.to_string()
            .ends_with("; body starts \"\" (correlation id c-empty)"),
        "{err}"
    );
    assert_eq!(server.calls(), [GET_PRESENCE]);
}

#[test]
fn truncated_json_is_a_decode_error_and_is_not_retried() {
    let full = fixture!("user_presence.json");
    let half = &full[..full.len() / 2];
    let server = Server::start(vec![(GET_PRESENCE, vec![json(200, half), ok_presence()])]);

    let err = user::get_purecloud_presence(&token_session(&server, fast()), "u1").unwrap_err();

    assert_decode(&err, PRESENCE, "UserPresence");
    let text = err.to_string();
    let (reason, excerpt) = text
        .strip_prefix(&format!(
            "GET {PRESENCE}: 200 but the body is not a valid UserPresence: "
        ))
        .and_then(|rest| rest.split_once("; body starts "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(reason.contains("EOF"), "{reason}");
    assert_eq!(excerpt, format!("{half:?}"));
    assert_eq!(server.calls(), [GET_PRESENCE]);
}

#[test]
fn an_object_where_a_list_is_expected_is_a_decode_error_and_is_not_retried() {
    let server = Server::start(vec![(
        GET_SYSTEM,
        vec![json(200, r#"{"entities":[{"id":"Available"}]}"#), ok_system()],
    )]);

    let err = system::list(&token_session(&server, fast())).unwrap_err();

    assert_decode(&err, SYSTEM, "Vec<SystemPresence>");
    assert_eq!(server.calls(), [GET_SYSTEM]);
}

#[test]
fn a_body_larger_than_max_response_bytes_is_too_large_and_is_not_retried() {
    // A valid list, padded with whitespace to 4 KiB.
    let body = format!("[{}]", " ".repeat(4094));
    assert_eq!(body.len(), 4096);
    let server = Server::start(vec![(GET_SYSTEM, vec![json(200, &body), json(200, "[]")])]);
    let session = Session::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        .retry_policy(fast())
        .max_response_bytes(1024)
        .build()
        .unwrap();

    let err = system::list(&session).unwrap_err();

    assert_transport(&err, "GET", SYSTEM, TransportKind::TooLarge, 1);
    assert!(err.to_string().contains("larger than 1024 bytes"), "{err}");
    assert_eq!(server.calls(), [GET_SYSTEM]);
}

#[test]
fn a_body_of_exactly_max_response_bytes_is_read() {
    let body = format!("[{}]", " ".repeat(1022));
    assert_eq!(body.len(), 1024);
    let server = Server::start(vec![(GET_SYSTEM, vec![json(200, &body)])]);
    let session = Session::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        .retry_policy(fast())
        .max_response_bytes(1024)
        .build()
        .unwrap();

    assert!(system::list(&session).unwrap().is_empty());
    assert_eq!(server.calls(), [GET_SYSTEM]);
}

// ---------------------------------------------------------------- transport faults

#[test]
fn a_server_that_never_answers_times_out_once_without_retry() {
    let server = Server::start(vec![(GET_SYSTEM, vec![Step::Hang, ok_system()])]);
    let session = Session::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        .retry_policy(fast())
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();

    let started = Instant::now();
    let err = system::list(&session).unwrap_err();
    let took = started.elapsed();

    assert!(took < QUICK, "took {took:?}");
    assert!(err.is_timeout(), "{err:?}");
    assert_transport(&err, "GET", SYSTEM, TransportKind::Timeout, 1);
    assert_eq!(server.calls(), [GET_SYSTEM]);
}

#[test]
fn a_get_whose_connection_breaks_mid_body_is_retried_on_a_new_connection() {
    let server = Server::start(vec![(
        GET_SYSTEM,
        vec![truncated(200, 100, br#"[{"id":"Av"#), ok_system()],
    )]);

    let presences = system::list(&token_session(&server, fast())).unwrap();

    assert_eq!(presences.len(), 10);
    assert_eq!(server.calls(), [GET_SYSTEM; 2]);
    assert_eq!(server.connections(), 2);
    let requests = server.requests();
    assert_ne!(requests[0].connection, requests[1].connection);
}

#[test]
fn a_patch_whose_connection_breaks_mid_body_is_not_retried() {
    let server = Server::start(vec![(
        PATCH_PRESENCE,
        vec![truncated(200, 100, br#"{"source":"#), ok_presence()],
    )]);

    let err = user::update_purecloud_presence(&token_session(&server, fast()), "u1", &lunch()).unwrap_err();

    assert_transport(&err, "PATCH", PRESENCE, TransportKind::Io, 1);
    assert_eq!(server.calls(), [PATCH_PRESENCE]);
}

#[test]
fn a_get_whose_connection_closes_without_an_answer_is_retried() {
    let server = Server::start(vec![(GET_SYSTEM, vec![Step::Close, ok_system()])]);

    let presences = system::list(&token_session(&server, fast())).unwrap();

    assert_eq!(presences.len(), 10);
    assert_eq!(server.calls(), [GET_SYSTEM; 2]);
    assert_eq!(server.connections(), 2);
}

#[test]
fn a_patch_whose_connection_closes_without_an_answer_is_not_retried() {
    let server = Server::start(vec![(PATCH_PRESENCE, vec![Step::Close, ok_presence()])]);

    let err = user::update_purecloud_presence(&token_session(&server, fast()), "u1", &lunch()).unwrap_err();

    assert_transport(&err, "PATCH", PRESENCE, TransportKind::Io, 1);
    assert_eq!(server.calls(), [PATCH_PRESENCE]);
}

#[test]
fn bytes_that_are_not_http_are_a_transport_error_not_a_panic() {
    let garbage = raw(b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff\xfe garbage\r\n\r\n");
    let server = Server::start(vec![(GET_SYSTEM, vec![garbage; 3])]);

    let err = system::list(&token_session(&server, fast().max_attempts(2))).unwrap_err();

    assert_transport(&err, "GET", SYSTEM, TransportKind::Io, 2);
    assert_eq!(server.calls(), [GET_SYSTEM; 2]);
}

#[test]
fn a_truncated_chunked_body_is_retried_for_get() {
    let cut = raw(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n40\r\n[{\"id\":\"Avail");
    let server = Server::start(vec![(GET_SYSTEM, vec![cut, ok_system()])]);

    let presences = system::list(&token_session(&server, fast())).unwrap();

    assert_eq!(presences.len(), 10);
    assert_eq!(server.calls(), [GET_SYSTEM; 2]);
}

#[test]
fn an_http_1_0_answer_without_content_length_is_read_until_close() {
    let mut answer = b"HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n".to_vec();
    answer.extend_from_slice(fixture!("system_presences.json").as_bytes());
    let server = Server::start(vec![(GET_SYSTEM, vec![Step::Raw(answer)])]);

    let presences = system::list(&token_session(&server, fast())).unwrap();

    assert_eq!(presences.len(), 10);
    assert_eq!(server.calls(), [GET_SYSTEM]);
}

#[test]
fn an_unasked_for_100_continue_before_the_answer_is_skipped() {
    let mut answer = b"HTTP/1.1 100 Continue\r\n\r\n".to_vec();
    answer.extend_from_slice(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n");
    let body = fixture!("user_presence_updated.json");
    answer.extend_from_slice(format!("content-length: {}\r\n\r\n{body}", body.len()).as_bytes());
    let server = Server::start(vec![(PATCH_PRESENCE, vec![Step::Raw(answer)])]);

    let updated = user::update_purecloud_presence(&token_session(&server, fast()), "u1", &lunch()).unwrap();

    assert_eq!(updated.message.as_deref(), Some("Lunch, back 13:30"));
    assert_eq!(server.calls(), [PATCH_PRESENCE]);
}

#[test]
fn a_keep_alive_connection_closed_by_the_server_between_calls_is_replaced() {
    let server = Server::start(vec![(
        GET_SYSTEM,
        vec![ok_system(), ok_system().hang_up(), ok_system()],
    )]);
    let session = token_session(&server, RetryPolicy::none());

    system::list(&session).unwrap();
    system::list(&session).unwrap(); // same connection; the server then closes it
    server.wait_until_closed(1);
    system::list(&session).unwrap();

    assert_eq!(server.calls(), [GET_SYSTEM; 3]);
    assert_eq!(server.connections(), 2);
    let on: Vec<usize> = server.requests().iter().map(|r| r.connection).collect();
    assert_eq!(on, [1, 1, 2]);
}

#[test]
fn a_patch_after_the_server_closed_the_idle_connection_is_sent_on_a_new_one() {
    // A PATCH is never retried after a broken connection, so a stale pooled
    // connection must be noticed before the request is written.
    let server = Server::start(vec![
        (GET_SYSTEM, vec![ok_system().hang_up()]),
        (
            PATCH_PRESENCE,
            vec![json(200, fixture!("user_presence_updated.json"))],
        ),
    ]);
    let session = token_session(&server, RetryPolicy::none());

    system::list(&session).unwrap();
    server.wait_until_closed(1);
    let updated = user::update_purecloud_presence(&session, "u1", &lunch()).unwrap();

    assert_eq!(updated.message.as_deref(), Some("Lunch, back 13:30"));
    assert_eq!(server.calls(), [GET_SYSTEM, PATCH_PRESENCE]);
    assert_eq!(server.connections(), 2);
}

#[test]
fn a_refused_connection_is_retried_for_get_and_patch_up_to_max_attempts() {
    let port = closed_port();
    let session = Session::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .access_token(TOKEN)
        .retry_policy(fast().max_attempts(3))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap();

    let started = Instant::now();
    let get = system::list(&session).unwrap_err();
    let patch = user::update_purecloud_presence(&session, "u1", &lunch()).unwrap_err();

    assert!(started.elapsed() < QUICK, "took {:?}", started.elapsed());
    assert_transport(&get, "GET", SYSTEM, TransportKind::Connect, 3);
    assert_transport(&patch, "PATCH", PRESENCE, TransportKind::Connect, 3);
}

/// A name that cannot resolve (RFC 6761 reserves `.invalid`), or `None`
/// when this machine's resolver answers for it anyway: then a connection
/// could leave 127.0.0.0/8, and the test does not run.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn unresolvable_host() -> Option<&'static str> {
    use std::net::ToSocketAddrs;
    const HOST: &str = "no-such-host.invalid";
    match (HOST, 443).to_socket_addrs() {
        Err(_) => Some(HOST),
        Ok(found) => {
            eprintln!("{HOST} resolves here ({:?}): skipped", found.collect::<Vec<_>>());
            None
        }
    }
}

// The address is `https://`: a plain `http://` one is for loopback hosts.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
#[test]
fn a_host_that_does_not_resolve_is_retried_for_every_method_up_to_max_attempts() {
    let Some(host) = unresolvable_host() else { return };
    let session = Session::builder()
        .base_url(format!("https://{host}"))
        .access_token(TOKEN)
        .retry_policy(fast().max_attempts(3))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap();

    let started = Instant::now();
    let post = definitions::create(&session, &focus_time()).unwrap_err();
    let patch = user::update_purecloud_presence(&session, "u1", &lunch()).unwrap_err();
    let get = system::list(&session).unwrap_err();

    assert!(started.elapsed() < QUICK, "took {:?}", started.elapsed());
    // The server never saw them: a POST and a PATCH are sent again too.
    assert_transport(&post, "POST", DEFINITIONS, TransportKind::Dns, 3);
    assert_transport(&patch, "PATCH", PRESENCE, TransportKind::Dns, 3);
    assert_transport(&get, "GET", SYSTEM, TransportKind::Dns, 3);
    assert!(post.to_string().contains("host not found"), "{post}");

    // The token request, the same way.
    let session = Session::builder()
        .base_url(format!("https://{host}"))
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(fast().max_attempts(3))
        .build()
        .unwrap();
    let err = definitions::create(&session, &focus_time()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err:?}");
    assert_eq!(err.transport_kind(), Some(TransportKind::Dns), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), Some(3), "{err}");
}

// ---------------------------------------------------------------- tokens

#[test]
fn an_expired_token_is_fetched_again_once_and_the_call_replayed_with_it() {
    let server = Server::start(vec![
        (
            POST_TOKEN,
            vec![
                json(200, fixture!("token.json")),
                json(200, fixture!("token_refreshed.json")),
            ],
        ),
        (
            GET_PRESENCE,
            vec![
                json(401, fixture!("error_credentials_expired.json")),
                ok_presence(),
            ],
        ),
    ]);

    let presence = user::get_purecloud_presence(&client_session(&server, fast()), "u1").unwrap();

    assert_eq!(presence.message.as_deref(), Some("Back at 2pm"));
    assert_eq!(
        server.calls(),
        [POST_TOKEN, GET_PRESENCE, POST_TOKEN, GET_PRESENCE]
    );
    assert_token_requests(&server, 2);
    let api = server.requests_to(PRESENCE);
    assert_eq!(
        api[0].header("authorization"),
        Some(format!("Bearer {FIRST_TOKEN}").as_str())
    );
    assert_eq!(
        api[1].header("authorization"),
        Some(format!("Bearer {SECOND_TOKEN}").as_str())
    );
}

#[test]
fn a_401_on_patch_is_replayed_once_with_the_new_token_and_the_same_body() {
    let server = Server::start(vec![
        (
            POST_TOKEN,
            vec![
                json(200, fixture!("token.json")),
                json(200, fixture!("token_refreshed.json")),
            ],
        ),
        (
            PATCH_PRESENCE,
            vec![
                json(401, fixture!("error_credentials_expired.json")),
                json(200, fixture!("user_presence_updated.json")),
            ],
        ),
    ]);

    let updated =
        user::update_purecloud_presence(&client_session(&server, RetryPolicy::none()), "u1", &lunch())
            .unwrap();

    assert_eq!(updated.message.as_deref(), Some("Lunch, back 13:30"));
    assert_eq!(
        server.calls(),
        [POST_TOKEN, PATCH_PRESENCE, POST_TOKEN, PATCH_PRESENCE]
    );
    let api = server.requests_to(PRESENCE);
    assert_eq!(api[0].json(), lunch_json());
    assert_eq!(api[1].body, api[0].body);
    assert_eq!(
        api[1].header("authorization"),
        Some(format!("Bearer {SECOND_TOKEN}").as_str())
    );
}

#[test]
fn a_second_401_after_a_fresh_token_is_returned_without_looping() {
    let expired =
        json(401, fixture!("error_credentials_expired.json")).header("inin-correlation-id", "c-401");
    let server = Server::start(vec![
        (
            POST_TOKEN,
            vec![
                json(200, fixture!("token.json")),
                json(200, fixture!("token_refreshed.json")),
                json(200, fixture!("token.json")),
            ],
        ),
        (GET_PRESENCE, vec![expired.clone(), expired, ok_presence()]),
    ]);

    let err = user::get_purecloud_presence(&client_session(&server, fast()), "u1").unwrap_err();

    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(401),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("credentials.expired"));
    assert_eq!(err.correlation_id(), Some("c-401"));
    assert_eq!(
        err.attempts(),
        Some(2),
        "sent with the old token, then the new one"
    );
    assert_eq!(
        server.calls(),
        [POST_TOKEN, GET_PRESENCE, POST_TOKEN, GET_PRESENCE]
    );
    assert_token_requests(&server, 2);
}

#[test]
fn a_401_with_a_fixed_access_token_is_returned_at_once() {
    let server = Server::start(vec![(
        GET_SYSTEM,
        vec![json(401, fixture!("error_credentials_expired.json")), ok_system()],
    )]);

    let err = system::list(&token_session(&server, fast())).unwrap_err();

    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(401),
        "{err:?}"
    );
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(err.code(), Some("credentials.expired"));
    assert_eq!(server.calls(), [GET_SYSTEM]);
}

#[test]
fn a_401_then_a_429_are_both_handled_within_one_call() {
    let server = Server::start(vec![
        (
            POST_TOKEN,
            vec![
                json(200, fixture!("token.json")),
                json(200, fixture!("token_refreshed.json")),
            ],
        ),
        (
            GET_SYSTEM,
            vec![
                json(401, fixture!("error_credentials_expired.json")),
                json(429, fixture!("error_rate_limited.json")).header("retry-after", "0"),
                ok_system(),
            ],
        ),
    ]);

    let presences = system::list(&client_session(&server, fast())).unwrap();

    assert_eq!(presences.len(), 10);
    assert_eq!(
        server.calls(),
        [POST_TOKEN, GET_SYSTEM, POST_TOKEN, GET_SYSTEM, GET_SYSTEM]
    );
    let api = server.requests_to(SYSTEM);
    assert_eq!(
        api[2].header("authorization"),
        Some(format!("Bearer {SECOND_TOKEN}").as_str())
    );
}

#[test]
fn a_rejected_client_is_an_auth_error_and_no_api_call_is_made() {
    let server = Server::start(vec![(
        POST_TOKEN,
        vec![json(400, fixture!("token_error_invalid_client.json")).header("inin-correlation-id", "c-login")],
    )]);

    let err = system::list(&client_session(&server, fast())).unwrap_err();

    assert!(err.kind() == ErrorKind::Auth, "{err:?}");
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("invalid_client"));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(err.correlation_id(), Some("c-login"));
    let text = err.to_string();
    assert_eq!(
        text,
        format!(
            "authentication failed at {}: 400 invalid_client: authentication failed (correlation id c-login)",
            server.url()
        )
    );
    assert!(!text.contains(CLIENT_SECRET), "{text}");
    assert_eq!(server.calls(), [POST_TOKEN]);
    assert_token_requests(&server, 1);
}

#[test]
fn a_token_endpoint_that_stays_throttled_gives_up_after_max_attempts() {
    // The login service throttles with `400 invalid_request`, "rate limit
    // exceeded", which is retried as a 429 would be; then given up.
    let throttled = json(
        400,
        r#"{"error":"invalid_request","error_description":"rate limit exceeded; try again later"}"#,
    );
    let server = Server::start(vec![(POST_TOKEN, vec![throttled; 5])]);
    let started = Instant::now();
    let err = system::list(&client_session(&server, fast())).unwrap_err();

    assert!(started.elapsed() < QUICK, "took {:?}", started.elapsed());
    assert!(err.kind() == ErrorKind::Auth, "{err:?}");
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("invalid_request"));
    assert_eq!(err.attempts(), Some(4), "the default policy's sends");
    assert!(err.to_string().ends_with(" after 4 attempts"), "{err}");
    assert_token_requests(&server, 4);
}

#[test]
fn a_503_from_the_token_endpoint_is_retried_before_the_call() {
    let server = Server::start(vec![
        (
            POST_TOKEN,
            vec![unavailable("c-t"), json(200, fixture!("token.json"))],
        ),
        (GET_SYSTEM, vec![ok_system()]),
    ]);

    let presences = system::list(&client_session(&server, fast())).unwrap();

    assert_eq!(presences.len(), 10);
    assert_eq!(server.calls(), [POST_TOKEN, POST_TOKEN, GET_SYSTEM]);
    assert_token_requests(&server, 2);
    assert_eq!(
        server.requests_to(SYSTEM)[0].header("authorization"),
        Some(format!("Bearer {FIRST_TOKEN}").as_str())
    );
}

#[test]
fn a_429_from_the_token_endpoint_is_retried_after_retry_after() {
    let server = Server::start(vec![
        (
            POST_TOKEN,
            vec![
                json(429, fixture!("error_rate_limited.json")).header("retry-after", "0"),
                json(200, fixture!("token.json")),
            ],
        ),
        (GET_SYSTEM, vec![ok_system()]),
    ]);

    system::list(&client_session(&server, fast())).unwrap();

    assert_eq!(server.calls(), [POST_TOKEN, POST_TOKEN, GET_SYSTEM]);
}

#[test]
fn a_token_endpoint_that_stays_unavailable_gives_up_after_max_attempts() {
    let server = Server::start(vec![(
        POST_TOKEN,
        vec![unavailable("c-1"), unavailable("c-2"), unavailable("c-3")],
    )]);

    let err = system::list(&client_session(&server, fast().max_attempts(3))).unwrap_err();

    assert!(err.kind() == ErrorKind::Auth, "{err:?}");
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.attempts(), Some(3));
    assert_eq!(err.correlation_id(), Some("c-3"));
    assert!(err.to_string().ends_with(" after 3 attempts"), "{err}");
    assert_eq!(server.calls(), [POST_TOKEN; 3]);
}

#[test]
fn a_token_answer_that_is_not_json_is_an_auth_error() {
    let server = Server::start(vec![(
        POST_TOKEN,
        vec![json(200, "<html>Sign in</html>").header("content-type", "text/html")],
    )]);

    let err = system::list(&client_session(&server, fast())).unwrap_err();

    assert!(err.kind() == ErrorKind::Auth, "{err:?}");
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.attempts(), Some(1));
    assert!(err.to_string().contains("not a token answer"), "{err}");
    assert_eq!(server.calls(), [POST_TOKEN]);
}

#[test]
fn a_token_endpoint_that_never_answers_times_out_without_retry() {
    let server = Server::start(vec![(
        POST_TOKEN,
        vec![Step::Hang, json(200, fixture!("token.json"))],
    )]);
    let session = Session::builder()
        .base_url(server.url())
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(fast())
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();

    let started = Instant::now();
    let err = system::list(&session).unwrap_err();

    assert!(started.elapsed() < QUICK, "took {:?}", started.elapsed());
    assert!(err.kind() == ErrorKind::Auth && err.status().is_none(), "{err:?}");
    assert_eq!(err.attempts(), Some(1));
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.to_string().contains("POST /oauth/token: timed out"), "{err}");
    assert_eq!(server.calls(), [POST_TOKEN]);
}

#[test]
fn an_unreachable_token_endpoint_is_an_auth_error_after_max_attempts() {
    let server = Server::start(Vec::<(&str, Vec<Step>)>::new());
    let login = format!("http://127.0.0.1:{}", closed_port());
    let session = Session::builder()
        .base_url(server.url())
        .login_url(&login)
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(fast().max_attempts(3))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap();

    let started = Instant::now();
    let err = system::list(&session).unwrap_err();

    assert!(started.elapsed() < QUICK, "took {:?}", started.elapsed());
    assert!(err.kind() == ErrorKind::Auth && err.status().is_none(), "{err:?}");
    assert_eq!(err.status(), None);
    assert_eq!(err.code(), None);
    assert_eq!(err.attempts(), Some(3));
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "authentication failed at {login}: POST /oauth/token: connection failed"
        )),
        "{text}"
    );
    assert!(text.ends_with(" after 3 attempts"), "{text}");
    assert!(!text.contains(CLIENT_SECRET), "{text}");
    assert!(server.calls().is_empty(), "{:?}", server.calls());
}

#[test]
fn listing_definitions_survives_a_503_and_a_dropped_connection() {
    let list = format!("GET {DEFINITIONS}");
    let page = r#"{"entities":[],"pageSize":25,"pageNumber":1,"total":0,"pageCount":1}"#;
    let server = Server::start(vec![(
        &list,
        vec![unavailable("c-1"), Step::Close, json(200, page)],
    )]);

    let listing = definitions::list(&token_session(&server, fast()), &DefinitionQuery::default()).unwrap();

    assert!(listing.entities.is_empty());
    assert_eq!(server.calls(), [&*list; 3]);
}

// ---------------------------------------------------------------- crate bugs found here

#[test]
fn an_absurd_retry_after_after_an_earlier_wait_is_returned_not_a_panic() {
    let server = Server::start(vec![(
        GET_SYSTEM,
        vec![
            json(429, fixture!("error_rate_limited.json")).header("retry-after", "1"),
            json(429, fixture!("error_rate_limited.json")).header("retry-after", "18446744073709551615"),
            ok_system(),
        ],
    )]);
    let session = token_session(&server, fast());

    let started = Instant::now();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| system::list(&session).err()));

    let err = outcome
        .expect("the client must not panic on a server's Retry-After")
        .expect("an error");
    assert!(started.elapsed() < QUICK, "took {:?}", started.elapsed());
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(429),
        "{err:?}"
    );
    assert_eq!(err.attempts(), Some(2));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(u64::MAX)));
    assert_eq!(server.calls(), [GET_SYSTEM; 2]);
}

#[test]
fn a_decode_error_after_a_retry_counts_every_attempt() {
    let full = fixture!("user_presence.json");
    let server = Server::start(vec![(
        GET_PRESENCE,
        vec![unavailable("c-1"), json(200, &full[..full.len() / 2])],
    )]);

    let err = user::get_purecloud_presence(&token_session(&server, fast()), "u1").unwrap_err();

    assert!(err.kind() == ErrorKind::Decode, "{err:?}");
    assert_eq!(server.calls(), [GET_PRESENCE; 2]);
    assert_eq!(err.attempts(), Some(2), "two sends were made");
    assert!(err.to_string().ends_with(" after 2 attempts"), "{err}");
}
