//! The predicates and `attempts()` of `Auth` errors as callers meet them:
//! the login service's own way of throttling (`400 invalid_request`, "rate
//! limit exceeded"), and an error known without asking the login service.

use std::time::{Duration, SystemTime};

use genesys_presence::{system, ErrorKind, OAuthClient, RetryPolicy, Session, StoredTokens};
use mockito::{Matcher, Server};

use crate::mock::{assert_all, nothing_else};

#[test]
fn a_login_service_that_stays_throttled_is_rate_limited_and_retryable() {
    let mut server = Server::new();
    let throttled = server
        .mock("POST", "/oauth/token")
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_body(
            r#"{"error":"invalid_request","error_description":"rate limit exceeded; try again later"}"#,
        )
        .expect(2)
        .create();
    let others = nothing_else(&mut server);
    let session = Session::builder()
        .base_url(server.url())
        .client_credentials("id", "secret")
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(2)
                .backoff(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .build()
        .unwrap();

    let err = system::list(&session).unwrap_err();

    throttled.assert();
    assert_all(&others);
    assert_eq!(err.kind(), ErrorKind::Auth, "{err:?}");
    // As it answered; the predicates say what it meant.
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("invalid_request"));
    assert_eq!(err.attempts(), Some(2));
    assert!(err.is_rate_limited(), "{err}");
    assert!(err.is_retryable(), "{err}");
    assert!(err.is_auth(), "{err}");
    assert!(!err.is_sign_in_required(), "{err}");
}

#[test]
fn another_invalid_request_from_the_login_service_is_neither() {
    let mut server = Server::new();
    let refused = server
        .mock("POST", "/oauth/token")
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_body(r#"{"error":"invalid_request","error_description":"grant type missing"}"#)
        .expect(1)
        .create();
    let session = Session::builder()
        .base_url(server.url())
        .client_credentials("id", "secret")
        .build()
        .unwrap();

    let err = system::list(&session).unwrap_err();

    refused.assert();
    assert_eq!(err.status(), Some(400));
    assert!(!err.is_rate_limited(), "{err}");
    assert!(!err.is_retryable(), "{err}");
}

#[test]
fn an_auth_error_known_without_asking_has_no_attempts() {
    let mut server = Server::new();
    let others = [
        server.mock("POST", Matcher::Any).expect(0).create(),
        server.mock("GET", Matcher::Any).expect(0).create(),
    ];
    let expired = SystemTime::now() - Duration::from_secs(10);
    let session = Session::builder()
        .base_url(server.url())
        .tokens(
            OAuthClient::public("id"),
            StoredTokens::new("old-token", Some(expired), None),
        )
        .build()
        .unwrap();

    let err = system::list(&session).unwrap_err();

    assert_all(&others);
    assert!(err.is_sign_in_required(), "{err}");
    assert_eq!(err.attempts(), None, "nothing was sent: {err:?}");
}
