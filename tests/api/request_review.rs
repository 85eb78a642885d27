//! A review of the request path with inputs no other test uses: long
//! values quoted in configuration errors, client secrets with runs of
//! white space, and error bodies whose fields are of unexpected types.

use std::time::{Duration, Instant};

use crate::script_server::{json, Server};
use genesys_presence::{system, Error, RetryPolicy, Session};

/// What a configuration error says after the quoted value must survive a
/// long value: the value is cut to `MAX_QUOTED_CHARS`, not the reason.
#[test]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds an https:// session: needs TLS"
)]
fn a_long_value_in_a_configuration_error_is_cut_not_the_reason() {
    let long = "a".repeat(5000);
    let cases = [
        (
            Session::builder()
                .base_url(format!("ftp://{long}"))
                .access_token("t")
                .build(),
            "must start with http:// or https://",
        ),
        (
            Session::builder()
                .base_url(format!("http://example.com/{long}"))
                .access_token("t")
                .build(),
            "allow_insecure_http(true)",
        ),
        (
            Session::builder()
                .base_url("http://127.0.0.1:1")
                .login_url(format!("https://h/{long}?q"))
                .access_token("t")
                .build(),
            "must not have a query or fragment",
        ),
        (
            Session::from_env_with(|name| match name {
                "GENESYSCLOUD_REGION" => Some(long.clone()),
                "GENESYSCLOUD_ACCESS_TOKEN" => Some("t".into()),
                _ => None,
            }),
            "valid names: us-east-1",
        ),
    ];
    for (result, reason) in cases {
        let err = result.unwrap_err();
        let (text, debug) = (err.to_string(), format!("{err:?}"));
        assert!(text.contains(reason), "the reason is lost: {text}");
        assert!(text.contains('…'), "the value is not marked as cut: {text}");
        let longest = Error::MAX_QUOTED_CHARS + 400;
        assert!(text.chars().count() < longest, "{} chars: {text}", text.len());
        assert!(debug.chars().count() < longest, "Debug is {} chars", debug.len());
    }
}

/// A client secret is any text without control characters, spaces
/// included; redacting it from an error must not take long whatever the
/// server echoes.
#[test]
fn a_secret_with_a_long_run_of_spaces_is_redacted_quickly() {
    for (secret, echoed) in [
        (" ".repeat(300), " ".repeat(2000)),
        (
            format!("pass{}phrase", " ".repeat(200)),
            format!("pass{}phrase", " ".repeat(1500)),
        ),
    ] {
        let body = format!(r#"{{"message":"[{echoed}]","code":"bad.request"}}"#);
        let server = Server::start(vec![
            (
                "POST /oauth/token",
                vec![json(
                    200,
                    r#"{"access_token":"tok-abcdefghijk","expires_in":100}"#,
                )],
            ),
            ("GET /api/v2/systempresences", vec![json(400, &body)]),
        ]);
        let session = Session::builder()
            .base_url(server.url())
            .client_credentials("id", secret.clone())
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let started = Instant::now();
        let err = system::list(&session).unwrap_err();
        let took = started.elapsed();
        assert!(took < Duration::from_secs(5), "took {took:?}");
        assert_eq!(err.code(), Some("bad.request"));
        let message = err.body().and_then(|b| b.message.as_deref()).unwrap();
        assert!(message.contains("<redacted>"), "{message:?}");
        assert!(!message.contains("phrase"), "{message:?}");
    }
}

/// A Genesys error body whose `code` and `message` are fine but another
/// field has an unexpected type or an out-of-range number loses them all:
/// `Error::code()` is `None` and only a raw excerpt is shown.
#[test]
fn an_error_body_with_one_mistyped_field_keeps_its_code_and_message() {
    let bodies = [
        r#"{"message":"m","code":"c","status":18446744073709551616}"#,
        r#"{"message":"m","code":"c","status":"404"}"#,
        r#"{"message":"m","code":"c","limit":{"value":1.5}}"#,
        r#"{"message":"m","code":"c","details":{}}"#,
        r#"{"message":"m","code":"c","entityId":7}"#,
    ];
    let server = Server::start(vec![(
        "GET /api/v2/systempresences",
        bodies.iter().map(|b| json(400, b)).collect(),
    )]);
    let session = Session::builder()
        .base_url(server.url())
        .access_token("tok-abcdefghijk")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    for body in bodies {
        let err = system::list(&session).unwrap_err();
        assert_eq!(err.code(), Some("c"), "{body}: {err}");
    }
}
