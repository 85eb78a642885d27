//! Secrets never leak: the client secret, the base64 `id:secret` pair and
//! access tokens appear in no `Debug` or `Display` output of sessions,
//! builders and errors, whole or as any 12-character piece, whatever the
//! servers answer.
//!
//! That includes what the crate quotes from servers (API error bodies, bodies
//! that do not decode, OAuth error codes) when a server echoes a secret.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use genesys_presence::{system, user, Error, ErrorKind, RetryPolicy, Session, SessionBuilder};
use mockito::Server;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;

const CLIENT_ID: &str = "presence-bot";
const SECRET: &str = "S3cr3t-Zq9!x";
/// base64 of `presence-bot:S3cr3t-Zq9!x`, computed outside Rust.
const PAIR: &str = "cHJlc2VuY2UtYm90OlMzY3IzdC1acTkheA==";
/// A token given to the builder.
const TOKEN: &str = "tok-ABCdef123456789";
/// The token the test token endpoints hand out.
const FETCHED: &str = "tok-XYZfetched987654321";
/// A token endpoint answer with [`FETCHED`].
const TOKEN_ANSWER: &str =
    r#"{"access_token":"tok-XYZfetched987654321","token_type":"bearer","expires_in":86399}"#;

/// Every secret of these tests, and the pieces of them that must not show.
const SECRETS: [&str; 4] = [SECRET, PAIR, TOKEN, FETCHED];
const PIECE: usize = 12;

/// The secrets (or 12-character pieces of them) that `text` contains.
fn leaks(text: &str) -> Vec<&'static str> {
    SECRETS
        .into_iter()
        .filter(|secret| {
            let bytes = secret.as_bytes();
            bytes
                .windows(PIECE.min(bytes.len()))
                .any(|piece| text.contains(std::str::from_utf8(piece).unwrap()))
        })
        .collect()
}

/// Asserts that no secret shows in `text`.
#[track_caller]
fn assert_no_leak(what: &str, text: &str) {
    let found = leaks(text);
    assert!(found.is_empty(), "{what} leaks {found:?}: {text}");
}

/// `Display`, `Debug` and pretty `Debug` of an error.
fn printed(err: &Error) -> [(&'static str, String); 3] {
    [
        ("Display", err.to_string()),
        ("Debug", format!("{err:?}")),
        ("pretty Debug", format!("{err:#?}")),
    ]
}

/// Asserts that no printed form of `err` shows a secret.
#[track_caller]
fn assert_error_keeps_secrets(case: &str, err: &Error) {
    for (form, text) in printed(err) {
        assert_no_leak(&format!("{case}: {form}"), &text);
    }
}

/// One line naming the printed forms of `err` that show a secret, for the
/// tests that list every leaking case before failing.
fn leaking_forms(case: &str, err: &Error) -> Option<String> {
    let forms: Vec<String> = printed(err)
        .into_iter()
        .filter_map(|(form, text)| {
            let found = leaks(&text);
            (!found.is_empty()).then(|| format!("{form} shows {found:?}"))
        })
        .collect();
    (!forms.is_empty()).then(|| format!("{case}: {}; Display: {err}", forms.join(", ")))
}

fn client_session(url: &str) -> Session {
    Session::builder()
        .base_url(url)
        .client_credentials(CLIENT_ID, SECRET)
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn token_session(url: &str) -> Session {
    Session::builder()
        .base_url(url)
        .access_token(TOKEN)
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[test]
fn the_helpers_see_every_secret_and_every_piece_of_one() {
    assert!(leaks("nothing here").is_empty());
    assert_eq!(leaks(&format!("x{SECRET}x")), [SECRET]);
    assert_eq!(leaks(&format!("Basic {PAIR}")), [PAIR]);
    assert_eq!(leaks(&PAIR[5..17]), [PAIR]);
    assert_eq!(leaks(&format!("Bearer {}", &TOKEN[3..15])), [TOKEN]);
    assert_eq!(leaks(&FETCHED[..PIECE]), [FETCHED]);
    assert!(leaks(&TOKEN[..PIECE - 1]).is_empty());
}

// ---------------------------------------------------------------- sessions and builders

/// Makes a builder for one case of the table.
type MakeBuilder = fn() -> SessionBuilder;

#[test]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds an https:// session: needs TLS"
)]
fn sessions_and_builders_never_print_secrets() {
    const CLIENT_ENV: &[(&str, &str)] = &[
        ("GENESYSCLOUD_REGION", "eu-west-1"),
        ("GENESYSCLOUD_OAUTHCLIENT_ID", CLIENT_ID),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET),
    ];
    const TOKEN_ENV: &[(&str, &str)] = &[
        ("GENESYSCLOUD_API_URL", "http://127.0.0.1:1"),
        ("GENESYSCLOUD_ACCESS_TOKEN", TOKEN),
    ];
    const EVERY_ENV: &[(&str, &str)] = &[
        ("GENESYSCLOUD_API_REGION", "https://api.mypurecloud.jp"),
        ("GENESYSCLOUD_ACCESS_TOKEN", TOKEN),
        ("GENESYSCLOUD_OAUTHCLIENT_ID", CLIENT_ID),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET),
    ];
    let builders: Vec<(&str, MakeBuilder)> = vec![
        ("client credentials", || {
            Session::builder()
                .base_url("http://127.0.0.1:1")
                .client_credentials(CLIENT_ID, SECRET)
        }),
        ("access token", || Session::builder().access_token(TOKEN)),
        ("access token with spaces around", || {
            Session::builder().access_token(format!("  {TOKEN}\t"))
        }),
        ("both kinds (refused by build)", || {
            Session::builder()
                .client_credentials(CLIENT_ID, SECRET)
                .access_token(TOKEN)
        }),
        ("every option set", || {
            Session::builder()
                .base_url("http://127.0.0.1:1")
                .login_url("http://127.0.0.1:2")
                .client_credentials(CLIENT_ID, SECRET)
                .timeout(Duration::from_secs(3))
                .connect_timeout(Duration::from_secs(1))
                .user_agent("status-light/1.0")
                .agent(ureq::Agent::new_with_defaults())
                .retry_policy(RetryPolicy::none())
                .max_response_bytes(1024)
        }),
        ("from_env_with client variables", || {
            SessionBuilder::from_env_with(env(CLIENT_ENV)).unwrap()
        }),
        ("from_env_with a token variable", || {
            SessionBuilder::from_env_with(env(TOKEN_ENV)).unwrap()
        }),
        ("from_env_with every variable", || {
            SessionBuilder::from_env_with(env(EVERY_ENV)).unwrap()
        }),
    ];
    for (case, make) in builders {
        let builder = make();
        assert_no_leak(&format!("{case}: builder Debug"), &format!("{builder:?}"));
        assert_no_leak(&format!("{case}: builder pretty Debug"), &format!("{builder:#?}"));
        match builder.build() {
            Ok(session) => {
                for s in [&session, &session.clone()] {
                    assert_no_leak(&format!("{case}: session Debug"), &format!("{s:?}"));
                    assert_no_leak(&format!("{case}: session pretty Debug"), &format!("{s:#?}"));
                }
            }
            Err(err) => assert_error_keeps_secrets(case, &err),
        }
    }
    for (case, vars) in [("client", CLIENT_ENV), ("token", TOKEN_ENV), ("every", EVERY_ENV)] {
        let session = Session::from_env_with(env(vars)).unwrap();
        assert_no_leak(
            &format!("Session::from_env_with {case}"),
            &format!("{session:#?}"),
        );
    }
}

#[test]
fn a_session_that_fetched_and_refreshed_a_token_never_prints_it() {
    let mut server = Server::new();
    // Matching the header proves that PAIR is the pair the crate sends.
    let first = server
        .mock("POST", "/oauth/token")
        .match_header("authorization", format!("Basic {PAIR}").as_str())
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(TOKEN_ANSWER)
        .expect(1)
        .create();
    let second = server
        .mock("POST", "/oauth/token")
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(r#"{"access_token":"tok-ABCdef123456789","expires_in":3600}"#)
        .expect(1)
        .create();
    let rejected = server
        .mock("GET", "/api/v2/systempresences")
        .match_header("authorization", format!("Bearer {FETCHED}").as_str())
        .with_status(401)
        .with_body(r#"{"code":"credentials.expired","message":"expired"}"#)
        .expect(1)
        .create();
    let accepted = server
        .mock("GET", "/api/v2/systempresences")
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(200)
        .with_body("[]")
        .expect(2)
        .create();
    let session = client_session(&server.url());
    let clone = session.clone();

    system::list(&session).unwrap(); // fetches FETCHED, gets 401, fetches TOKEN
    system::list(&clone).unwrap();

    first.assert();
    second.assert();
    rejected.assert();
    accepted.assert();
    for s in [&session, &clone] {
        assert_no_leak("session after a refresh", &format!("{s:?}"));
        assert_no_leak("session after a refresh, pretty", &format!("{s:#?}"));
    }
}

// ---------------------------------------------------------------- configuration errors

#[test]
fn configuration_errors_never_print_secrets() {
    let bad: Vec<(&str, SessionBuilder)> = vec![
        (
            "both kinds of credentials",
            Session::builder()
                .client_credentials(CLIENT_ID, SECRET)
                .access_token(TOKEN),
        ),
        (
            "client credentials twice",
            Session::builder()
                .client_credentials(CLIENT_ID, SECRET)
                .client_credentials("other", SECRET),
        ),
        (
            "a token twice",
            Session::builder().access_token(TOKEN).access_token(FETCHED),
        ),
        (
            "an empty client id",
            Session::builder().client_credentials(" ", SECRET),
        ),
        (
            "a token with a line break",
            Session::builder().access_token(format!("{TOKEN}\nX")),
        ),
        (
            "a token with CR LF",
            Session::builder().access_token(format!("{TOKEN}\r\n{FETCHED}")),
        ),
        (
            "a token with NUL",
            Session::builder().access_token(format!("{TOKEN}\0")),
        ),
        (
            "a token with DEL",
            Session::builder().access_token(format!("{TOKEN}\u{7f}")),
        ),
        (
            "a bad base_url",
            Session::builder()
                .base_url("ftp://x")
                .client_credentials(CLIENT_ID, SECRET),
        ),
        (
            "a base_url with a query",
            Session::builder()
                .base_url("http://127.0.0.1:1/?q=1")
                .access_token(TOKEN),
        ),
        (
            "a bad login_url",
            Session::builder()
                .login_url("not a url")
                .client_credentials(CLIENT_ID, SECRET),
        ),
        (
            "a zero timeout",
            Session::builder()
                .client_credentials(CLIENT_ID, SECRET)
                .timeout(Duration::ZERO),
        ),
        (
            "a zero connect timeout",
            Session::builder()
                .access_token(TOKEN)
                .connect_timeout(Duration::ZERO),
        ),
        (
            "a zero response size limit",
            Session::builder().access_token(TOKEN).max_response_bytes(0),
        ),
        (
            "a user agent with a line break",
            Session::builder()
                .client_credentials(CLIENT_ID, SECRET)
                .user_agent("app/1\r\nX-Evil: 1"),
        ),
    ];
    for (case, builder) in bad {
        let err = builder.build().expect_err(case);
        assert!(err.kind() == ErrorKind::Config, "{case}: {err:?}");
        assert_error_keeps_secrets(case, &err);
    }

    const BAD_REGION: &[(&str, &str)] = &[
        ("GENESYSCLOUD_REGION", "mars-north-1"),
        ("GENESYSCLOUD_ACCESS_TOKEN", TOKEN),
        ("GENESYSCLOUD_OAUTHCLIENT_ID", CLIENT_ID),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET),
    ];
    const BAD_URL: &[(&str, &str)] = &[
        ("GENESYSCLOUD_API_URL", "ftp://x"),
        ("GENESYSCLOUD_OAUTHCLIENT_ID", CLIENT_ID),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET),
    ];
    const SECRET_ONLY: &[(&str, &str)] = &[("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET)];
    const BAD_TOKEN: &[(&str, &str)] = &[("GENESYSCLOUD_ACCESS_TOKEN", "tok-ABCdef123456789\u{1}")];
    for (case, vars) in [
        ("an unknown region", BAD_REGION),
        ("a bad API URL", BAD_URL),
        ("a secret without an id", SECRET_ONLY),
        ("a token with a control character", BAD_TOKEN),
    ] {
        let err = Session::from_env_with(env(vars)).expect_err(case);
        assert!(err.kind() == ErrorKind::Config, "{case}: {err:?}");
        assert_error_keeps_secrets(&format!("from_env_with {case}"), &err);
    }
}

// ---------------------------------------------------------------- the token endpoint

/// The ways a login service may quote what it was sent.
fn quotes() -> Vec<(&'static str, String)> {
    vec![
        ("the secret", SECRET.to_owned()),
        ("the secret in quotes", format!("'{SECRET}'.")),
        ("the base64 pair", PAIR.to_owned()),
        ("the pair without padding", PAIR.trim_end_matches('=').to_owned()),
        ("Basic <pair>", format!("Basic {PAIR}")),
        ("Basic <pair> on two lines", format!("basic\n{PAIR}")),
        ("the Authorization header", format!("Authorization: Basic {PAIR}")),
        ("the token", FETCHED.to_owned()),
        ("Bearer <token>", format!("Bearer {TOKEN}")),
        ("a token inside a word", format!("token={TOKEN};")),
        (
            "the form with the secret",
            format!("grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={SECRET}"),
        ),
        (
            "everything",
            format!("{CLIENT_ID}:{SECRET} Basic {PAIR} Bearer {FETCHED} {TOKEN}"),
        ),
    ]
}

/// A token endpoint answer quoting `quote`, in one of the places an answer
/// carries text: (what, content type, body).
fn placements(quote: &str) -> Vec<(&'static str, &'static str, String)> {
    let q = |fields: serde_json::Value| fields.to_string();
    let sentence = format!("client {CLIENT_ID} sent {quote} which is not valid");
    vec![
        (
            "error_description",
            "application/json",
            q(serde_json::json!({"error": "invalid_client", "error_description": sentence})),
        ),
        (
            "description",
            "application/json",
            q(serde_json::json!({"error": "invalid_grant", "description": sentence})),
        ),
        (
            "message",
            "application/json",
            q(serde_json::json!({"message": sentence})),
        ),
        (
            "every text field",
            "application/json",
            q(serde_json::json!({
                "error": quote, "error_description": quote, "description": quote, "message": quote
            })),
        ),
        (
            "error",
            "application/json",
            q(serde_json::json!({"error": quote})),
        ),
        (
            "raw HTML",
            "text/html",
            format!("<html><body><h1>Error</h1><pre>{quote}</pre></body></html>"),
        ),
        ("plain text", "text/plain", format!("{quote}\n")),
    ]
}

/// A client credentials session whose token endpoint answers `status` with
/// `body`; returns the error of a call.
fn failed_login(server: &mut Server, status: usize, content_type: &str, body: &str) -> Error {
    server.reset();
    let _token = server
        .mock("POST", "/oauth/token")
        .with_status(status)
        .with_header("content-type", content_type)
        .with_body(body)
        .create();
    system::list(&client_session(&server.url())).expect_err("the login must fail")
}

#[test]
fn token_endpoint_failures_quoting_the_credentials_never_print_them() {
    let mut server = Server::new();
    let mut cases = 0;
    for status in [400, 401, 500] {
        for (quoted, quote) in quotes() {
            for (place, content_type, body) in placements(&quote) {
                let err = failed_login(&mut server, status, content_type, &body);
                let case = format!("{status}, {quoted} in {place}");
                assert!(err.kind() == ErrorKind::Auth, "{case}: {err:?}");
                assert_eq!(err.status(), Some(status as u16), "{case}");
                assert_error_keeps_secrets(&case, &err);
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 3 * 12 * 7);
}

#[test]
fn unusable_token_answers_never_print_the_credentials() {
    let mut server = Server::new();
    let bodies = [
        format!(r#"{{"access_token":"{FETCHED}\u0000","expires_in":60}}"#),
        format!(r#"{{"access_token":"Bearer {FETCHED}\r\nX: {SECRET}","expires_in":60}}"#),
        format!(r#"{{"access_token":"{FETCHED}","expires_in":"{SECRET}"}}"#),
        format!(r#"{{"access_token":"{FETCHED}","expires_in":-1}}"#),
        format!(r#"{{"access_token":"{FETCHED}","expires_in":{{"basic":"{PAIR}"}}}}"#),
        format!(r#"{{"access_token":["{FETCHED}"],"client_secret":"{SECRET}"}}"#),
        format!(r#"{{"token":"{FETCHED}","authorization":"Basic {PAIR}"}}"#),
        format!(r#"[{{"access_token":"{FETCHED}"}}]"#),
        format!("access_token={FETCHED}&client_secret={SECRET}"),
        format!("<html>{FETCHED} {PAIR}</html>"),
    ];
    for body in bodies {
        let err = failed_login(&mut server, 200, "application/json", &body);
        assert!(err.kind() == ErrorKind::Auth, "{body}: {err:?}");
        assert_error_keeps_secrets(&body, &err);
    }
}

#[test]
fn a_failed_refresh_never_prints_the_old_token_or_the_secret() {
    let mut server = Server::new();
    let first = server
        .mock("POST", "/oauth/token")
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(TOKEN_ANSWER)
        .expect(1)
        .create();
    let refused = server
        .mock("POST", "/oauth/token")
        .with_status(401)
        .with_header("content-type", "application/json")
        .with_body(
            serde_json::json!({
                "error": "invalid_client",
                "error_description": format!("token {FETCHED} revoked; Basic {PAIR} ({SECRET}) refused"),
            })
            .to_string(),
        )
        .expect(1)
        .create();
    let rejected = server
        .mock("GET", "/api/v2/systempresences")
        .with_status(401)
        .with_body(r#"{"code":"credentials.expired","message":"The supplied credentials have expired."}"#)
        .expect(1)
        .create();

    let err = system::list(&client_session(&server.url())).unwrap_err();

    first.assert();
    refused.assert();
    rejected.assert();
    assert!(err.kind() == ErrorKind::Auth, "{err:?}");
    assert_eq!(err.code(), Some("invalid_client"));
    assert_error_keeps_secrets("a failed refresh", &err);
}

// ---------------------------------------------------------------- transport failures

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A server that reads one request and answers `raw` (or, for `None`,
/// nothing, holding the connection for two seconds).
fn raw_server(raw: Option<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let raw = raw.clone();
            std::thread::spawn(move || {
                stream.set_read_timeout(Some(Duration::from_secs(2))).ok();
                // The whole request, the token request's form body included:
                // an answer written before it all came in could be cut off
                // by the reset that closing with unread bytes sends.
                let mut request = Vec::new();
                let mut buf = [0; 4096];
                while !whole_request(&request) {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                match raw {
                    Some(raw) => {
                        let _ = stream.write_all(&raw);
                    }
                    None => std::thread::sleep(Duration::from_secs(2)),
                }
            });
        }
    });
    url
}

/// True once `request` holds a whole head and the `content-length` bytes after it.
fn whole_request(request: &[u8]) -> bool {
    let Some(head_end) = request.windows(4).position(|w| w == b"\r\n\r\n").map(|at| at + 4) else {
        return false;
    };
    let head = String::from_utf8_lossy(&request[..head_end]);
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    request.len() >= head_end + length
}

#[test]
fn transport_failures_never_print_secrets() {
    let quoting = |head: &str| {
        Some(
            format!("{head}\r\nx-echo: Bearer {TOKEN} Basic {PAIR}\r\ncontent-length: 5\r\n\r\n{SECRET}")
                .into_bytes(),
        )
    };
    let servers: Vec<(&str, String)> = vec![
        ("a closed port", format!("http://127.0.0.1:{}", closed_port())),
        ("a server that never answers", raw_server(None)),
        (
            "a bad status line quoting the token",
            raw_server(quoting(&format!("HTTP/1.1 2x0 {TOKEN}"))),
        ),
        (
            "a bad status line quoting the pair",
            raw_server(quoting(&format!("HTTP/1.1 {PAIR}"))),
        ),
        (
            "not HTTP at all",
            raw_server(Some(format!("Bearer {TOKEN} {SECRET}\r\n\r\n").into_bytes())),
        ),
        (
            "a header line without a colon",
            raw_server(Some(
                format!("HTTP/1.1 200 OK\r\nBearer {TOKEN}\r\n\r\n").into_bytes(),
            )),
        ),
        (
            "a body cut short",
            raw_server(Some(
                format!("HTTP/1.1 200 OK\r\ncontent-length: 999\r\n\r\n[{TOKEN}").into_bytes(),
            )),
        ),
        (
            "a bad chunk",
            raw_server(Some(
                format!("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n{TOKEN}\r\n").into_bytes(),
            )),
        ),
    ];
    for (case, url) in servers {
        let short = |b: SessionBuilder| {
            b.base_url(&url)
                .retry_policy(RetryPolicy::none())
                .timeout(Duration::from_millis(500))
                .build()
                .unwrap()
        };
        let with_token = short(Session::builder().access_token(TOKEN));
        let err = user::get_purecloud_presence(&with_token, "u1").unwrap_err();
        assert!(err.kind() == ErrorKind::Transport, "{case}: {err:?}");
        assert_error_keeps_secrets(&format!("API call, {case}"), &err);

        let with_client = short(Session::builder().client_credentials(CLIENT_ID, SECRET));
        let err = system::list(&with_client).unwrap_err();
        assert!(err.kind() == ErrorKind::Auth, "{case}: {err:?}");
        assert_error_keeps_secrets(&format!("token request, {case}"), &err);
    }
}

#[test]
fn an_answer_over_the_size_limit_never_prints_it() {
    let mut server = Server::new();
    let body = format!(r#"{{"message":"Bearer {TOKEN}","echo":"Basic {PAIR} {SECRET}"}}"#);
    let _api = server
        .mock("GET", "/api/v2/systempresences")
        .with_status(500)
        .with_body(&body)
        .create();
    let _token = server
        .mock("POST", "/oauth/token")
        .with_status(400)
        .with_body(&body)
        .create();
    let small = |b: SessionBuilder| {
        b.base_url(server.url())
            .retry_policy(RetryPolicy::none())
            .max_response_bytes(16)
            .build()
            .unwrap()
    };

    let err = system::list(&small(Session::builder().access_token(TOKEN))).unwrap_err();
    assert!(err.kind() == ErrorKind::Transport, "{err:?}");
    assert_error_keeps_secrets("API answer over the limit", &err);

    let err = system::list(&small(Session::builder().client_credentials(CLIENT_ID, SECRET))).unwrap_err();
    assert!(err.kind() == ErrorKind::Auth, "{err:?}");
    assert_error_keeps_secrets("token answer over the limit", &err);
}

// ---------------------------------------------------------------- what the API answers

/// API answers that echo the credentials: (case, status, content type, body).
fn echoing_answers(token: &str) -> Vec<(&'static str, usize, &'static str, String)> {
    let json = |v: serde_json::Value| v.to_string();
    vec![
        (
            "message quoting the Authorization header",
            401,
            "application/json",
            json(serde_json::json!({
                "code": "bad.credentials",
                "message": format!("Invalid Authorization header: Bearer {token}"),
            })),
        ),
        (
            "code holding the token",
            400,
            "application/json",
            json(serde_json::json!({"code": token, "message": "bad token"})),
        ),
        (
            "contextId holding the token",
            403,
            "application/json",
            json(serde_json::json!({"code": "forbidden", "message": "no", "contextId": token})),
        ),
        (
            "messageParams holding the header",
            400,
            "application/json",
            json(serde_json::json!({
                "code": "invalid.value",
                "message": "Value is not valid",
                "messageParams": {"authorization": format!("Bearer {token}")},
            })),
        ),
        (
            "nested errors quoting the token",
            400,
            "application/json",
            json(serde_json::json!({
                "code": "bad.request",
                "message": "bad",
                "errors": [{"code": "x", "message": format!("token {token}")}],
            })),
        ),
        (
            "an HTML page echoing the request headers",
            502,
            "text/html",
            format!("<html><pre>GET /api/v2/systempresences\nAuthorization: Bearer {token}\n</pre></html>"),
        ),
        (
            "a JSON body that is not an error body",
            500,
            "application/json",
            json(serde_json::json!({"request": {"headers": {"authorization": format!("Bearer {token}")}}})),
        ),
    ]
}

/// Found by these tests: `ErrorKind::Api` keeps what the server sent. `Display`
/// prints the body's `code` and `message` (and `contextId` as the correlation
/// id), or the first 300 characters of a body that is not an error body;
/// `Debug` prints the whole `ErrorBody` and the excerpt. A server that
/// echoes the `Authorization` header therefore gets the token printed,
/// against `Error`'s promise that no variant holds an access token.
#[test]
fn api_errors_echoing_the_token_never_print_it() {
    let mut server = Server::new();
    let mut found = Vec::new();
    for (session, token, kind) in [
        (token_session as fn(&str) -> Session, TOKEN, "fixed token"),
        (client_session, FETCHED, "fetched token"),
    ] {
        for (case, status, content_type, body) in echoing_answers(token) {
            server.reset();
            let _token = server
                .mock("POST", "/oauth/token")
                .with_status(200)
                .with_body(TOKEN_ANSWER)
                .create();
            let _api = server
                .mock("GET", "/api/v2/systempresences")
                .with_status(status)
                .with_header("content-type", content_type)
                .with_body(&body)
                .create();
            let err = system::list(&session(&server.url())).unwrap_err();
            assert!(err.kind() == ErrorKind::Api, "{case}: {err:?}");
            found.extend(leaking_forms(&format!("{kind}, {status} {case}"), &err));
        }
    }
    assert!(
        found.is_empty(),
        "{} cases leak:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// Found by these tests: `ErrorKind::Decode` prints the first 300 characters of a
/// 2xx body that does not decode (`Display` and `Debug`), and serde_json's
/// reason quotes a string of the wrong type in full.
#[test]
fn decode_errors_of_bodies_quoting_the_token_never_print_it() {
    let mut server = Server::new();
    let bodies = [
        ("HTML", format!("<html>Authorization: Bearer {TOKEN}</html>")),
        ("a string where a list is", format!(r#""Bearer {TOKEN}""#)),
        (
            "a list item of the wrong type",
            format!(r#"[{{"id":"Available"}}, "Bearer {TOKEN}"]"#),
        ),
        (
            "a field of the wrong type",
            format!(r#"[{{"id": ["Bearer {TOKEN}"]}}]"#),
        ),
        ("a cut body", format!(r#"[{{"id":"x","echo":"Bearer {TOKEN}""#)),
    ];
    let mut found = Vec::new();
    for (case, body) in bodies {
        server.reset();
        let _api = server
            .mock("GET", "/api/v2/systempresences")
            .with_status(200)
            .with_body(&body)
            .create();
        let err = system::list(&token_session(&server.url())).unwrap_err();
        assert!(err.kind() == ErrorKind::Decode, "{case}: {err:?}");
        found.extend(leaking_forms(case, &err));
    }
    assert!(
        found.is_empty(),
        "{} cases leak:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// The OAuth `error` code is printed when it looks like a code (letters,
/// digits, `_ . -`, at most 64 characters) and not like a token (16+
/// characters mixing letters and digits); it is not compared with the
/// secret. A secret of that shape (say 12 letters and digits, or a long
/// passphrase of letters) echoed as the `error` is printed.
#[test]
fn a_secret_shaped_like_an_error_code_is_never_printed() {
    let mut server = Server::new();
    let mut found = Vec::new();
    for secret in [
        "S3cr3tZq9xWv",
        "CorrectHorseBatteryStaple",
        "secret.value_2024-ok",
    ] {
        server.reset();
        let _token = server
            .mock("POST", "/oauth/token")
            .with_status(401)
            .with_body(serde_json::json!({"error": secret}).to_string())
            .create();
        let session = Session::builder()
            .base_url(server.url())
            .client_credentials(CLIENT_ID, secret)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let err = system::list(&session).unwrap_err();
        assert!(err.kind() == ErrorKind::Auth, "{err:?}");
        let forms: Vec<&str> = printed(&err)
            .into_iter()
            .filter(|(_, text)| text.contains(secret))
            .map(|(form, _)| form)
            .collect();
        if !forms.is_empty() {
            found.push(format!(
                "{secret:?} shows in {}; Display: {err}",
                forms.join(", ")
            ));
        }
    }
    assert!(
        found.is_empty(),
        "{} secrets leak:\n{}",
        found.len(),
        found.join("\n")
    );
}

// ---------------------------------------------------------------- fuzzing the token endpoint

/// Pieces of a token endpoint's text: the secrets in every form, glued to
/// punctuation, split over lines, and other words.
const PIECES: &[&str] = &[
    SECRET,
    PAIR,
    TOKEN,
    FETCHED,
    "Basic",
    "basic:",
    "Bearer",
    "BEARER",
    "Authorization:",
    "client_secret=",
    "presence-bot:",
    " ",
    "\n",
    "\t",
    "\r\n",
    "\u{2028}",
    "'",
    "\"",
    "(",
    ")",
    ",",
    ".",
    ";",
    "=",
    ":",
    "/",
    "é",
    "invalid_client",
    "the",
    "secret",
    "token",
    "12345678901234567890",
];

fn text() -> impl Strategy<Value = String> {
    vec(select(PIECES), 0..12).prop_map(|pieces| pieces.concat())
}

fn token_failure() -> impl Strategy<Value = (usize, String)> {
    let field = select(vec![
        "error",
        "error_description",
        "description",
        "message",
        "access_token",
        "expires_in",
    ]);
    (
        select(vec![200usize, 400, 401, 403, 429, 500, 503]),
        prop_oneof![
            4 => proptest::collection::btree_map(field, text(), 0..5)
                .prop_map(|fields| serde_json::to_string(&fields).unwrap()),
            1 => text(),
        ],
    )
}

proptest! {
    #![proptest_config(Config { cases: 200, failure_persistence: None, ..Config::default() })]

    #[test]
    fn no_token_endpoint_answer_makes_an_error_print_the_credentials((status, body) in token_failure()) {
        thread_local! {
            static SERVER: std::cell::RefCell<mockito::ServerGuard> = std::cell::RefCell::new(Server::new());
        }
        SERVER.with(|server| {
            let mut server = server.borrow_mut();
            server.reset();
            let _token = server
                .mock("POST", "/oauth/token")
                .with_status(status)
                .with_header("content-type", "application/json")
                .with_body(&body)
                .create();
            let _api = server
                .mock("GET", "/api/v2/systempresences")
                .with_status(200)
                .with_body("[]")
                .create();
            // tests/api/decoding.rs checks which errors these are; here, only what they print.
            if let Err(err) = system::list(&client_session(&server.url())) {
                assert_error_keeps_secrets(&format!("{status} {body:?}"), &err);
            }
        });
    }
}

// ---------------------------------------------------------------- secrets echoed escaped

/// A token with the characters escaping changes: `/` (`\/` in JSON), `+`
/// and `=` (percent-encoded in a URL, different in URL-safe base64).
const SLASHY_TOKEN: &str = "tok/Zq9+Xw7/Rt5=Yu3";
/// The token [`slashy_client_session`]'s token endpoint hands out.
const SLASHY_FETCHED: &str = "ft/Kp4+Lm8/Nb6=Vc2x";
/// A client secret with the same characters.
const SLASHY_SECRET: &str = "S3cr3t/Zq9+x?y=z";

/// base64 of `presence-bot:<SLASHY_SECRET>`.
fn slashy_pair() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{SLASHY_SECRET}"))
}

/// The forms a server may echo `secret` in: JSON escapes (`\/`, `\u00XX`
/// for some or every character), percent-encoding (upper and lower case,
/// reserved or every byte, JSON-escaped), HTML character references, and
/// base64 (standard and URL-safe, alone or inside an encoded header).
///
/// Each comes with the part of it that must not show: all of it, or for
/// base64 of a longer text the characters that encode the secret (those
/// before encode the header's name or the client id).
fn escaped_forms(secret: &str) -> Vec<(&'static str, String, String)> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine;
    let each = |f: &dyn Fn(usize, char) -> String| {
        secret
            .chars()
            .enumerate()
            .map(|(i, c)| f(i, c))
            .collect::<String>()
    };
    let reserved = |c: char| !(c.is_ascii_alphanumeric() || "-._~".contains(c));
    let whole = |name: &'static str, form: String| (name, form.clone(), form);
    // Base64 of `prefix` and the secret: the characters after those that
    // encode the prefix (and the one that mixes both).
    let after = |name: &'static str, form: String, prefix: &str| {
        let skip = (prefix.len() * 8).div_ceil(6) + 1;
        (name, form.clone(), form[skip..].to_owned())
    };
    let bearer = format!("Authorization: Bearer {secret}");
    let pair = format!("{CLIENT_ID}:{secret}");
    vec![
        whole("JSON \\/", secret.replace('/', "\\/")),
        whole(
            "JSON \\u00XX of every character",
            each(&|_, c| format!("\\u{:04x}", c as u32)),
        ),
        whole(
            "JSON \\u00XX of every other character",
            each(&|i, c| {
                if i % 2 == 0 {
                    format!("\\u{:04X}", c as u32)
                } else {
                    c.to_string()
                }
            }),
        ),
        whole(
            "percent-encoded",
            each(&|_, c| {
                if reserved(c) {
                    format!("%{:02X}", c as u32)
                } else {
                    c.to_string()
                }
            }),
        ),
        whole(
            "percent-encoded in lower case, every byte",
            each(&|_, c| format!("%{:02x}", c as u32)),
        ),
        whole(
            "percent-encoded, then JSON-escaped",
            each(&|_, c| {
                if reserved(c) {
                    format!("\\u0025{:02X}", c as u32)
                } else {
                    c.to_string()
                }
            }),
        ),
        whole(
            "HTML character references",
            each(&|i, c| {
                if i % 2 == 0 {
                    format!("&#{};", c as u32)
                } else {
                    format!("&#x{:X};", c as u32)
                }
            }),
        ),
        whole("base64", STANDARD.encode(secret)),
        whole("URL-safe base64", URL_SAFE_NO_PAD.encode(secret)),
        after(
            "base64 of a Bearer header",
            STANDARD.encode(&bearer),
            "Authorization: Bearer ",
        ),
        after(
            "base64 of a Basic pair",
            STANDARD.encode(&pair),
            &format!("{CLIENT_ID}:"),
        ),
        after(
            "URL-safe base64 of a Basic pair",
            URL_SAFE_NO_PAD.encode(&pair),
            &format!("{CLIENT_ID}:"),
        ),
    ]
}

/// The part of the base64 `id:secret` pair that encodes the secret (the
/// first 17 characters encode the client id, the 18th both).
fn secret_part_of_pair(pair: &str) -> &str {
    &pair[(CLIENT_ID.len() + 1) * 8 / 6 + 1..]
}

/// A JSON string literal's content for `text` where `"` and `\` would
/// break it (the forms above never hold them: they go in as they are).
fn raw(form: &str) -> &str {
    assert!(!form.contains('"'), "{form}");
    form
}

/// The places an API error answer may carry text: (case, status, content
/// type, body), `{f}` standing for the echoed form.
fn api_placements(f: &str) -> Vec<(&'static str, u16, &'static str, String)> {
    let f = raw(f);
    let json = "application/json";
    vec![
        (
            "message",
            401,
            json,
            format!(r#"{{"code":"bad.credentials","message":"Invalid token {f} given"}}"#),
        ),
        ("code", 400, json, format!(r#"{{"code":"{f}","message":"bad"}}"#)),
        (
            "contextId",
            403,
            json,
            format!(r#"{{"code":"x","message":"y","contextId":"{f}"}}"#),
        ),
        (
            "entity fields",
            400,
            json,
            format!(
                r#"{{"code":"x","message":"y","entityId":"{f}","entityName":"id {f}","messageWithParams":"{f} {{p}}"}}"#
            ),
        ),
        (
            "messageParams",
            400,
            json,
            format!(
                r#"{{"code":"x","message":"y","messageParams":{{"{f}":"{f}","list":["{f}",{{"k":"{f}"}}]}}}}"#
            ),
        ),
        (
            "details",
            400,
            json,
            format!(
                r#"{{"code":"x","message":"y","details":[{{"errorCode":"{f}","fieldName":"{f}","entityId":"{f}","entityName":"{f}"}}]}}"#
            ),
        ),
        (
            "nested errors",
            400,
            json,
            format!(
                r#"{{"code":"x","message":"y","errors":[{{"code":"z","errors":[{{"message":"token {f}","details":[{{"fieldName":"{f}"}}]}}]}}]}}"#
            ),
        ),
        (
            "limit",
            429,
            json,
            format!(r#"{{"code":"x","message":"y","limit":{{"key":"{f}","namespace":"{f}"}}}}"#),
        ),
        (
            "an HTML page",
            502,
            "text/html",
            format!("<html><pre>Authorization: Bearer {f}\n</pre></html>"),
        ),
        (
            "a JSON body that is not an error body",
            500,
            json,
            format!(r#"{{"headers":{{"authorization":"Bearer {f}"}}}}"#),
        ),
        (
            "a page where the excerpt's cut falls inside the secret",
            503,
            "text/plain",
            format!("{}{f} and more", "x".repeat(Error::MAX_QUOTED_CHARS - 4)),
        ),
    ]
}

/// The 12-character pieces of `secrets` and of `forms` (also as `Debug`
/// writes them) that `text` shows.
fn shown_pieces(text: &str, secrets: &[&str], forms: &[&str]) -> Vec<String> {
    let mut wanted: Vec<String> = Vec::new();
    for s in secrets.iter().chain(forms) {
        wanted.push((*s).to_owned());
        let debug = format!("{s:?}");
        wanted.push(debug[1..debug.len() - 1].to_owned());
    }
    let mut found = Vec::new();
    for w in wanted {
        let chars: Vec<char> = w.chars().collect();
        for piece in chars.windows(PIECE.min(chars.len())) {
            let piece: String = piece.iter().collect();
            if text.contains(&piece) && !found.contains(&w) {
                found.push(w.clone());
            }
        }
    }
    found
}

/// One line per printed form of `err` that shows a secret or a piece of
/// an echoed form.
fn leaking_escaped(case: &str, err: &Error, secrets: &[&str], form: &str) -> Option<String> {
    let forms: Vec<String> = printed(err)
        .into_iter()
        .filter_map(|(name, text)| {
            let found = shown_pieces(&text, secrets, &[form]);
            (!found.is_empty()).then(|| format!("{name} shows {found:?}"))
        })
        .collect();
    (!forms.is_empty()).then(|| format!("{case}: {}; Display: {err}", forms.join(", ")))
}

fn slashy_token_session(url: &str) -> Session {
    Session::builder()
        .base_url(url)
        .access_token(SLASHY_TOKEN)
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn slashy_client_session(url: &str) -> Session {
    Session::builder()
        .base_url(url)
        .client_credentials(CLIENT_ID, SLASHY_SECRET)
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[test]
fn api_errors_echoing_a_secret_escaped_never_print_it() {
    let pair = slashy_pair();
    let mut server = Server::new();
    let mut found = Vec::new();
    let mut cases = 0;
    type MakeSession = fn(&str) -> Session;
    let sessions: [(&str, MakeSession, Vec<&str>); 2] = [
        ("fixed token", slashy_token_session, vec![SLASHY_TOKEN]),
        (
            "client credentials",
            slashy_client_session,
            vec![SLASHY_FETCHED, SLASHY_SECRET, pair.as_str()],
        ),
    ];
    for (kind, session, echoed) in &sessions {
        let secrets = [
            SLASHY_TOKEN,
            SLASHY_FETCHED,
            SLASHY_SECRET,
            secret_part_of_pair(&pair),
        ];
        for secret in echoed {
            for (encoding, form, guarded) in escaped_forms(secret) {
                for (place, status, content_type, body) in api_placements(&form) {
                    server.reset();
                    let _token = server
                        .mock("POST", "/oauth/token")
                        .with_status(200)
                        .with_body(format!(
                            r#"{{"access_token":"{SLASHY_FETCHED}","expires_in":3600}}"#
                        ))
                        .create();
                    let _api = server
                        .mock("GET", "/api/v2/systempresences")
                        .with_status(status.into())
                        .with_header("content-type", content_type)
                        .with_header("inin-correlation-id", &form)
                        .with_body(&body)
                        .create();
                    let err = system::list(&session(&server.url())).unwrap_err();
                    let case = format!("{kind}: {secret} {encoding} in {place}");
                    assert!(err.kind() == ErrorKind::Api, "{case}: {err:?}");
                    assert_eq!(err.status(), Some(status), "{case}");
                    found.extend(leaking_escaped(&case, &err, &secrets, &guarded));
                    cases += 1;
                }
            }
        }
    }
    assert_eq!(cases, 4 * 12 * 11);
    assert!(
        found.is_empty(),
        "{} cases leak:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn api_errors_echoing_a_secret_escaped_keep_the_rest_of_the_text() {
    let mut server = Server::new();
    let form = SLASHY_TOKEN.replace('/', "\\/");
    let _api = server
        .mock("GET", "/api/v2/systempresences")
        .with_status(401)
        .with_header("content-type", "application/json")
        .with_body(format!(
            r#"{{"code":"bad.credentials","message":"Invalid token {form} given","contextId":"c-1","details":[{{"fieldName":"auth {form}"}}]}}"#
        ))
        .create();
    let err = system::list(&slashy_token_session(&server.url())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "GET /api/v2/systempresences: 401 bad.credentials: Invalid token <redacted> given (correlation id c-1)"
    );
    let body = err.body().unwrap();
    assert_eq!(body.details[0].field_name.as_deref(), Some("auth <redacted>"));
}

#[test]
fn decode_errors_of_bodies_echoing_a_secret_escaped_never_print_it() {
    let mut server = Server::new();
    let mut found = Vec::new();
    for (encoding, form, guarded) in escaped_forms(SLASHY_TOKEN) {
        let f = raw(&form);
        for (place, body) in [
            ("a string where a list is", format!(r#""Bearer {f}""#)),
            (
                "a list item of the wrong type",
                format!(r#"[{{"id":"Available"}}, "Bearer {f}"]"#),
            ),
            ("a field of the wrong type", format!(r#"[{{"id": ["{f}"]}}]"#)),
            ("a cut body", format!(r#"[{{"id":"x","echo":"Bearer {f}""#)),
            ("HTML", format!("<html>Authorization: Bearer {f}</html>")),
            (
                "a long body",
                format!(r#"[{{"id":"{}{f}"}}, 1]"#, "y".repeat(280)),
            ),
        ] {
            server.reset();
            let _api = server
                .mock("GET", "/api/v2/systempresences")
                .with_status(200)
                .with_header("inin-correlation-id", &form)
                .with_body(&body)
                .create();
            let err = system::list(&slashy_token_session(&server.url())).unwrap_err();
            let case = format!("{encoding} in {place}");
            assert!(err.kind() == ErrorKind::Decode, "{case}: {err:?}");
            found.extend(leaking_escaped(&case, &err, &[SLASHY_TOKEN], &guarded));
        }
    }
    assert!(
        found.is_empty(),
        "{} cases leak:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn auth_errors_of_answers_echoing_a_secret_escaped_never_print_it() {
    let pair = slashy_pair();
    let mut server = Server::new();
    let mut found = Vec::new();
    for secret in [SLASHY_SECRET, pair.as_str()] {
        for (encoding, form, guarded) in escaped_forms(secret) {
            let f = raw(&form);
            for (place, status, body) in [
                (
                    "error_description",
                    401,
                    format!(r#"{{"error":"invalid_client","error_description":"secret {f} refused"}}"#),
                ),
                (
                    "description and message",
                    400,
                    format!(r#"{{"error":"invalid_grant","description":"{f}","message":"Basic {f}"}}"#),
                ),
                ("error", 401, format!(r#"{{"error":"{f}"}}"#)),
                (
                    "an HTML page",
                    503,
                    format!("<html><pre>Authorization: Basic {f}</pre></html>"),
                ),
                ("a 200 without a token", 200, format!(r#"{{"token":"{f}"}}"#)),
            ] {
                server.reset();
                let _token = server
                    .mock("POST", "/oauth/token")
                    .with_status(status)
                    .with_header("content-type", "application/json")
                    .with_header("inin-correlation-id", &form)
                    .with_body(&body)
                    .create();
                let err = system::list(&slashy_client_session(&server.url())).unwrap_err();
                let case = format!("{secret} {encoding} in {place}");
                assert!(err.kind() == ErrorKind::Auth, "{case}: {err:?}");
                let secrets = [SLASHY_SECRET, secret_part_of_pair(&pair)];
                found.extend(leaking_escaped(&case, &err, &secrets, &guarded));
            }
        }
    }
    assert!(
        found.is_empty(),
        "{} cases leak:\n{}",
        found.len(),
        found.join("\n")
    );
}
