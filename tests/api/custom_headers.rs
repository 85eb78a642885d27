//! The caller's own headers (`SessionBuilder::header`): sent exactly as set
//! on API calls and token requests, refused when the session sets them or
//! the connection owns them, and their values never shown.

use genesys_presence::{user, RetryPolicy, Session, SessionBuilder};

use crate::config_errors::{built, refused};
use crate::credentials::{CLIENT_ID, CLIENT_SECRET};
use crate::script_server::{json, Request, Server};

const KEY: &str = "gw-key-7f3a9c21e8";
const USER: &str = "2f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44";

fn builder(url: &str) -> SessionBuilder {
    Session::builder()
        .base_url(url)
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(RetryPolicy::none())
}

/// The headers of `request` that are not the crate's usual ones, in order.
fn extra_headers(request: &Request) -> Vec<(String, String)> {
    const USUAL: &[&str] = &[
        "accept",
        "authorization",
        "user-agent",
        "host",
        "content-type",
        "content-length",
        "accept-encoding",
    ];
    request
        .headers
        .iter()
        .filter(|(name, _)| !USUAL.contains(&name.to_ascii_lowercase().as_str()))
        .cloned()
        .collect()
}

#[test]
fn every_api_and_token_request_carries_the_headers_as_set() {
    let server = Server::start(vec![
        (
            "POST /oauth/token",
            vec![json(200, r#"{"access_token":"tok-1","expires_in":3600}"#)],
        ),
        (
            &*format!("GET /api/v2/users/{USER}/presences/purecloud"),
            vec![json(200, r#"{"source":"PURECLOUD"}"#)],
        ),
    ]);
    let session = built(
        builder(&server.url())
            .header("X-Gateway-Key", "old value, replaced")
            .header("Genesys-App", "  status-sync\t")
            .header("x-gateway-key", KEY)
            .header("X-Trace", "a\tb c!~"),
    );
    user::get_purecloud_presence(&session, USER).unwrap();
    let requests = server.requests();
    assert_eq!(
        requests.iter().map(Request::route).collect::<Vec<_>>(),
        [
            "POST /oauth/token".to_owned(),
            format!("GET /api/v2/users/{USER}/presences/purecloud")
        ]
    );
    // The first spelling of a name is kept, with the last value; spaces and
    // tabs around a value are dropped (HTTP ignores them anyway).
    let expected = vec![
        ("x-gateway-key".to_owned(), KEY.to_owned()),
        ("genesys-app".to_owned(), "status-sync".to_owned()),
        ("x-trace".to_owned(), "a\tb c!~".to_owned()),
    ];
    for request in &requests {
        assert_eq!(extra_headers(request), expected, "{}", request.route());
    }
    assert!(requests[0].header("authorization").unwrap().starts_with("Basic "));
    assert_eq!(requests[1].header("authorization"), Some("Bearer tok-1"));
    assert_eq!(requests[1].header("accept"), Some("application/json"));
}

#[test]
fn headers_the_session_or_the_connection_owns_are_refused_by_name() {
    for name in [
        "Authorization",
        "proxy-authorization",
        "HOST",
        "Content-Length",
        "Transfer-Encoding",
        "Connection",
        "Upgrade",
        "TE",
        "Content-Type",
        "Accept",
        "Accept-Encoding",
        "Content-Encoding",
        "Cookie",
        "Keep-Alive",
        "Proxy-Connection",
        "Trailer",
        "Expect",
        "Sec-WebSocket-Key",
        "sec-websocket-protocol",
    ] {
        let message = refused(
            builder("https://api.example.com").header(name, KEY),
            &format!("header {name:?} cannot be set: "),
            &[KEY, CLIENT_SECRET],
        );
        assert!(!message.contains(KEY), "{message}");
    }
    let message = refused(
        builder("https://api.example.com").header("User-Agent", "bot/1"),
        "header \"User-Agent\" cannot be set: ",
        &[],
    );
    assert!(message.contains("use SessionBuilder::user_agent"), "{message}");
}

#[test]
fn a_bad_value_names_the_header_without_quoting_the_value() {
    for value in [
        format!("{KEY}\r\nX-Injected: 1"),
        format!("{KEY}\u{e9}"),
        format!("{KEY}\u{7f}"),
        format!("{KEY}{}", "x".repeat(4096)),
    ] {
        let message = refused(
            builder("https://api.example.com").header("X-Gateway-Key", value.clone()),
            "header \"X-Gateway-Key\": the value ",
            &[KEY, &value],
        );
        assert!(!message.contains("gw-key"), "{message}");
    }
    // A value given as part of the name is not quoted either.
    let message = refused(
        builder("https://api.example.com").header(format!("X-Gateway-Key: {KEY}"), ""),
        "header name \"X-Gateway-Key\"… has a character a header name cannot have",
        &[KEY],
    );
    assert!(message.ends_with("(no spaces, no `:`)"), "{message}");
}

#[test]
fn debug_shows_header_names_never_values() {
    let builder = builder("http://127.0.0.1:9")
        .header("X-Gateway-Key", KEY)
        .header("Genesys-App", "status-sync-app");
    let shown = format!("{builder:?}");
    assert!(
        shown.contains(r#"headers: ["X-Gateway-Key", "Genesys-App"]"#),
        "{shown}"
    );
    assert!(
        !shown.contains(KEY) && !shown.contains("status-sync-app"),
        "{shown}"
    );
    let session = builder.build().unwrap();
    let shown = format!("{session:?}");
    assert!(
        shown.contains(r#"headers: ["x-gateway-key", "genesys-app"]"#),
        "{shown}"
    );
    assert!(
        !shown.contains(KEY) && !shown.contains("status-sync-app"),
        "{shown}"
    );
}

#[test]
fn an_error_body_echoing_a_header_value_shows_it_hidden() {
    let path = format!("/api/v2/users/{USER}/presences/purecloud");
    let server = Server::start(vec![
        (
            "POST /oauth/token",
            vec![json(200, r#"{"access_token":"tok-1","expires_in":3600}"#)],
        ),
        (
            &*format!("GET {path}"),
            vec![json(403, format!("denied for key {KEY}"))],
        ),
    ]);
    let session = built(builder(&server.url()).header("X-Gateway-Key", KEY));
    let error = user::get_purecloud_presence(&session, USER).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("denied for key <redacted>"), "{text}");
    assert!(
        !text.contains(KEY) && !format!("{error:?}").contains(KEY),
        "{error:?}"
    );
}

#[test]
fn a_short_value_is_hidden_when_the_name_says_it_is_a_credential() {
    let path = format!("/api/v2/users/{USER}/presences/purecloud");
    let server = Server::start(vec![
        (
            "POST /oauth/token",
            vec![json(200, r#"{"access_token":"tok-1","expires_in":3600}"#)],
        ),
        (
            &*format!("GET {path}"),
            vec![json(403, "key k3y-42 refused for version v2")],
        ),
    ]);
    let session = built(
        builder(&server.url())
            .header("X-Api-Key", "k3y-42")
            .header("X-Api-Version", "v2"),
    );
    let error = user::get_purecloud_presence(&session, USER).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("key <redacted> refused for version v2"), "{text}");
    assert!(!format!("{error:?}").contains("k3y-42"), "{error:?}");
}
