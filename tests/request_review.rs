//! A review of the request path with inputs no other test uses: long
//! values quoted in configuration errors, client secrets with runs of
//! white space, and error bodies whose fields are of unexpected types.

#[macro_use]
#[allow(unused)]
mod common;

use std::time::{Duration, Instant};

use common::script_server::{json, Server};
use genesys_presence::{system, Error, RetryPolicy, Session};

/// What a configuration error says after the quoted value must survive a
/// long value: the value is cut to `MAX_QUOTED_CHARS`, not the reason.
#[test]
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
