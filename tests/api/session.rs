//! The session: builder validation, environment, login URL, the client
//! credentials token flow (cache, refresh, 401 replay, concurrency) and
//! secrets kept out of every printed form.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use crate::credentials::{
    client_session_for, token_endpoint, token_request, BASIC, CLIENT_ID, CLIENT_SECRET, FIRST_TOKEN,
    SECOND_TOKEN,
};
use crate::mock::{api, api_with_token, assert_all, nothing_else, session_for, MockExt, TOKEN, USER_AGENT};
use genesys_presence::{system, user, Error, ErrorKind, Region, RetryPolicy, Session, SessionBuilder};

const SYSTEM: &str = "/api/v2/systempresences";
/// `BASIC` without its scheme: the base64 of `id:secret` must not leak either.
const BASIC_PAIR: &str = "bXktY2xpZW50LWlkOnMzY3IzdC8rP3ZhbHVl";

/// Asserts that `err` is `ErrorKind::Config` whose message contains every part.
#[track_caller]
fn assert_config(err: Error, parts: &[&str]) {
    let text = err.to_string();
    assert!(err.kind() == ErrorKind::Config, "expected Config, got {err:?}");
    assert!(text.starts_with("session configuration: "), "{text}");
    for part in parts {
        assert!(text.contains(part), "{text:?} does not contain {part:?}");
    }
}

fn build_err(builder: SessionBuilder) -> Error {
    builder
        .build()
        .expect_err("the builder must refuse this configuration")
}

/// Asserts that no secret of the tests appears in `text`.
#[track_caller]
fn assert_no_secret(text: &str) {
    for secret in [
        CLIENT_SECRET,
        "s3cr3t",
        BASIC_PAIR,
        FIRST_TOKEN,
        SECOND_TOKEN,
        "env-token-value",
    ] {
        assert!(!text.contains(secret), "{secret:?} leaked in {text:?}");
    }
}

// ---------------------------------------------------------------- builder validation

#[test]
fn build_without_credentials_is_refused() {
    assert_config(
        build_err(Session::builder()),
        &["no credentials", "client_credentials", "access_token"],
    );
    assert_config(
        build_err(Session::builder().base_url("http://127.0.0.1:1")),
        &["no credentials"],
    );
}

#[test]
fn build_with_two_kinds_of_credentials_is_refused() {
    let both = Session::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .access_token(TOKEN);
    assert_config(build_err(both), &["more than one set of credentials"]);
    let twice = Session::builder().access_token("a").access_token("b");
    assert_config(build_err(twice), &["more than one set of credentials"]);
    let twice = Session::builder()
        .client_credentials("a", "b")
        .client_credentials("c", "d");
    assert_config(build_err(twice), &["more than one set of credentials"]);
}

#[test]
fn build_with_empty_credentials_is_refused() {
    assert_config(
        build_err(Session::builder().access_token("")),
        &["access_token is empty"],
    );
    assert_config(
        build_err(Session::builder().access_token(" \t ")),
        &["access_token is empty"],
    );
    assert_config(
        build_err(Session::builder().client_credentials("", CLIENT_SECRET)),
        &["client id is empty"],
    );
    assert_config(
        build_err(Session::builder().client_credentials("  ", CLIENT_SECRET)),
        &["client id is empty"],
    );
    assert_config(
        build_err(Session::builder().client_credentials(CLIENT_ID, "")),
        &["client secret is empty"],
    );
}

#[test]
fn build_with_a_token_a_header_cannot_carry_is_refused_without_quoting_it() {
    let err = build_err(Session::builder().access_token("AAx1-first-token\n-Q9"));
    let text = err.to_string();
    assert_config(err, &["access_token"]);
    assert!(!text.contains("first-token"), "{text}");
}

#[test]
fn build_with_a_bad_base_url_is_refused() {
    let cases = [
        ("ftp://x", "must start with http:// or https://"),
        ("localhost:80", "must start with http:// or https://"),
        ("127.0.0.1:80", "must start with http:// or https://"),
        ("", "base_url"),
        ("not a url", "is not a valid URL"),
        ("http://", "base_url"),
    ];
    for (url, why) in cases {
        let err = build_err(Session::builder().base_url(url).access_token(TOKEN));
        assert_config(err, &["base_url", &format!("{url:?}"), why]);
    }
    // A query or fragment may carry a token: not quoted.
    for (url, shown) in [
        (
            "http://127.0.0.1:1/?access_token=tok-1",
            "\"http://127.0.0.1:1/?<redacted>\"",
        ),
        ("http://127.0.0.1:1/#tok-1", "\"http://127.0.0.1:1/#<redacted>\""),
    ] {
        let err = build_err(Session::builder().base_url(url).access_token(TOKEN));
        assert!(!format!("{err:?}").contains("tok-1"), "{err:?}");
        assert_config(err, &["base_url", shown, "must not have a query or fragment"]);
    }
    let err = build_err(Session::builder().login_url("ftp://login").access_token(TOKEN));
    assert_config(
        err,
        &[
            "login_url",
            "\"ftp://login\"",
            "must start with http:// or https://",
        ],
    );
}

#[test]
fn build_with_a_zero_timeout_is_refused() {
    let err = build_err(Session::builder().access_token(TOKEN).timeout(Duration::ZERO));
    assert_config(err, &["timeout must be greater than zero"]);
    let err = build_err(
        Session::builder()
            .access_token(TOKEN)
            .connect_timeout(Duration::ZERO),
    );
    assert_config(err, &["connect_timeout must be greater than zero"]);
}

#[test]
fn build_with_an_invalid_user_agent_is_refused() {
    let err = build_err(
        Session::builder()
            .access_token(TOKEN)
            .user_agent("status-light/1.0\r\nX-Evil: 1"),
    );
    assert_config(err, &["user_agent", "not a valid header value"]);
}

// ---------------------------------------------------------------- URLs

#[test]
fn urls_default_to_us_east_1() {
    let s = Session::builder().access_token(TOKEN).build().unwrap();
    assert_eq!(s.api_url(), "https://api.mypurecloud.com");
    assert_eq!(s.login_url(), "https://login.mypurecloud.com");
}

#[test]
fn region_sets_both_urls() {
    let s = Session::builder()
        .region(Region::EuCentral1)
        .access_token(TOKEN)
        .build()
        .unwrap();
    assert_eq!(s.api_url(), "https://api.mypurecloud.de");
    assert_eq!(s.login_url(), "https://login.mypurecloud.de");
    let s = Session::builder()
        .region(Region::ApSoutheast2)
        .access_token(TOKEN)
        .build()
        .unwrap();
    assert_eq!(s.api_url(), "https://api.mypurecloud.com.au");
    assert_eq!(s.login_url(), "https://login.mypurecloud.com.au");
}

#[test]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds an https:// session: needs TLS"
)]
fn login_url_is_derived_from_an_api_host() {
    let s = Session::builder()
        .base_url("https://api.example.test/")
        .access_token(TOKEN)
        .build()
        .unwrap();
    assert_eq!(s.api_url(), "https://api.example.test");
    assert_eq!(s.login_url(), "https://login.example.test");
    // base_url wins over the region, for the login URL too.
    let s = Session::builder()
        .region(Region::EuWest1)
        .base_url("https://api.usw2.pure.cloud")
        .access_token(TOKEN)
        .build()
        .unwrap();
    assert_eq!(s.api_url(), "https://api.usw2.pure.cloud");
    assert_eq!(s.login_url(), "https://login.usw2.pure.cloud");
}

#[test]
fn login_url_of_a_local_server_is_the_same_url() {
    let s = Session::builder()
        .base_url("http://127.0.0.1:8080/")
        .access_token(TOKEN)
        .build()
        .unwrap();
    assert_eq!(s.api_url(), "http://127.0.0.1:8080");
    assert_eq!(s.login_url(), "http://127.0.0.1:8080");
}

#[test]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds an https:// session: needs TLS"
)]
fn explicit_login_url_wins() {
    let s = Session::builder()
        .base_url("https://api.example.test")
        .login_url("http://127.0.0.1:9/")
        .access_token(TOKEN)
        .build()
        .unwrap();
    assert_eq!(s.api_url(), "https://api.example.test");
    assert_eq!(s.login_url(), "http://127.0.0.1:9");
    let s = Session::builder()
        .region(Region::EuWest1)
        .login_url("https://login.example.test")
        .access_token(TOKEN)
        .build()
        .unwrap();
    assert_eq!(s.api_url(), "https://api.mypurecloud.ie");
    assert_eq!(s.login_url(), "https://login.example.test");
}

#[test]
fn tokens_come_from_the_explicit_login_url() {
    let mut login = mockito::Server::new();
    let mut api_server = mockito::Server::new();
    let token = token_endpoint(&mut login, fixture!("token.json"))
        .expect(1)
        .create();
    let call = api_with_token(&mut api_server, "GET", SYSTEM, FIRST_TOKEN)
        .no_query()
        .no_body()
        .reply_json(200, fixture!("system_presences.json"))
        .expect(1)
        .create();
    let api_guards = nothing_else(&mut api_server);
    let s = Session::builder()
        .base_url(api_server.url())
        .login_url(login.url())
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap();

    assert_eq!(system::list(&s).unwrap().len(), 10);

    token.assert();
    call.assert();
    assert_all(&api_guards);
}

// ---------------------------------------------------------------- environment

fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
}

#[test]
fn from_env_reads_the_region_by_name_and_by_domain() {
    for region in ["eu-west-1", "EU_WEST_1", "mypurecloud.ie", " api.mypurecloud.ie "] {
        let s = Session::from_env_with(env(&[
            ("GENESYSCLOUD_REGION", region),
            ("GENESYSCLOUD_ACCESS_TOKEN", "env-token-value"),
        ]))
        .unwrap();
        assert_eq!(s.api_url(), "https://api.mypurecloud.ie", "{region}");
        assert_eq!(s.login_url(), "https://login.mypurecloud.ie", "{region}");
    }
}

#[test]
fn from_env_defaults_to_us_east_1() {
    let s = Session::from_env_with(env(&[
        ("GENESYSCLOUD_OAUTHCLIENT_ID", CLIENT_ID),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", CLIENT_SECRET),
    ]))
    .unwrap();
    assert_eq!(s.api_url(), "https://api.mypurecloud.com");
    assert_eq!(s.login_url(), "https://login.mypurecloud.com");
}

#[test]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds an https:// session: needs TLS"
)]
fn from_env_api_url_overrides_the_region() {
    let s = Session::from_env_with(env(&[
        ("GENESYSCLOUD_REGION", "eu-west-1"),
        ("GENESYSCLOUD_API_URL", "https://api.euw2.pure.cloud"),
        ("GENESYSCLOUD_API_REGION", "https://api.mypurecloud.jp"),
        ("GENESYSCLOUD_ACCESS_TOKEN", "env-token-value"),
    ]))
    .unwrap();
    assert_eq!(s.api_url(), "https://api.euw2.pure.cloud");
    assert_eq!(s.login_url(), "https://login.euw2.pure.cloud");
    // GENESYSCLOUD_API_REGION is read when GENESYSCLOUD_API_URL is not set.
    let s = Session::from_env_with(env(&[
        ("GENESYSCLOUD_API_REGION", "https://api.mypurecloud.jp"),
        ("GENESYSCLOUD_ACCESS_TOKEN", "env-token-value"),
    ]))
    .unwrap();
    assert_eq!(s.api_url(), "https://api.mypurecloud.jp");
}

#[test]
fn from_env_prefers_the_token_over_client_credentials() {
    let mut server = mockito::Server::new();
    let call = api_with_token(&mut server, "GET", SYSTEM, "env-token-value")
        .no_query()
        .no_body()
        .reply_json(200, fixture!("system_presences.json"))
        .expect(1)
        .create();
    let guards = nothing_else(&mut server); // no POST /oauth/token
    let url = server.url();
    let s = Session::from_env_with(env(&[
        ("GENESYSCLOUD_API_URL", &url),
        ("GENESYSCLOUD_ACCESS_TOKEN", "env-token-value"),
        ("GENESYSCLOUD_OAUTHCLIENT_ID", CLIENT_ID),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", CLIENT_SECRET),
    ]))
    .unwrap();

    system::list(&s).unwrap();

    call.assert();
    assert_all(&guards);
}

#[test]
fn from_env_uses_client_credentials_without_a_token() {
    let mut server = mockito::Server::new();
    let token = token_endpoint(&mut server, fixture!("token.json"))
        .expect(1)
        .create();
    let call = api_with_token(&mut server, "GET", SYSTEM, FIRST_TOKEN)
        .no_query()
        .no_body()
        .reply_json(200, fixture!("system_presences.json"))
        .expect(1)
        .create();
    let url = server.url();
    let s = Session::from_env_with(env(&[
        ("GENESYSCLOUD_API_URL", &url),
        ("GENESYSCLOUD_ACCESS_TOKEN", "   "), // blank counts as unset
        ("GENESYSCLOUD_OAUTHCLIENT_ID", CLIENT_ID),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", CLIENT_SECRET),
    ]))
    .unwrap();

    system::list(&s).unwrap();

    token.assert();
    call.assert();
}

#[test]
fn from_env_lists_the_missing_variables() {
    let err = Session::from_env_with(env(&[])).unwrap_err();
    assert_config(
        err,
        &[
            "GENESYSCLOUD_ACCESS_TOKEN",
            "missing: GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET",
        ],
    );
    let err = Session::from_env_with(env(&[("GENESYSCLOUD_OAUTHCLIENT_ID", CLIENT_ID)])).unwrap_err();
    let text = err.to_string();
    assert_config(err, &["missing: GENESYSCLOUD_OAUTHCLIENT_SECRET"]);
    assert!(!text.contains("missing: GENESYSCLOUD_OAUTHCLIENT_ID"), "{text}");
    let err = Session::from_env_with(env(&[("GENESYSCLOUD_OAUTHCLIENT_SECRET", CLIENT_SECRET)])).unwrap_err();
    let text = err.to_string();
    assert_config(err, &["missing: GENESYSCLOUD_OAUTHCLIENT_ID"]);
    assert_no_secret(&text);
}

#[test]
fn from_env_names_an_unknown_region_and_the_valid_ones() {
    let err = Session::from_env_with(env(&[
        ("GENESYSCLOUD_REGION", "mars-north-1"),
        ("GENESYSCLOUD_ACCESS_TOKEN", "env-token-value"),
    ]))
    .unwrap_err();
    let text = err.to_string();
    assert_config(
        err,
        &[
            "GENESYSCLOUD_REGION",
            "\"mars-north-1\"",
            "us-east-1",
            "eu-west-1",
            "ap-southeast-2",
        ],
    );
    for region in Region::ALL {
        assert!(text.contains(region.name()), "{text} lacks {region}");
    }
    assert_no_secret(&text);
}

#[test]
fn from_env_reports_a_bad_api_url() {
    let err = Session::from_env_with(env(&[
        ("GENESYSCLOUD_API_URL", "ftp://x"),
        ("GENESYSCLOUD_ACCESS_TOKEN", "env-token-value"),
    ]))
    .unwrap_err();
    assert_config(err, &["\"ftp://x\"", "must start with http:// or https://"]);
}

// ---------------------------------------------------------------- headers

#[test]
fn every_call_carries_the_crate_user_agent() {
    assert!(USER_AGENT.starts_with("genesys-presence/"));
    let mut server = mockito::Server::new();
    let m = server
        .mock("GET", SYSTEM)
        .match_header("user-agent", USER_AGENT)
        .reply_json(200, "[]")
        .create();

    system::list(&session_for(&server)).unwrap();

    m.assert();
}

#[test]
fn a_caller_user_agent_comes_before_the_crate_one() {
    let mut server = mockito::Server::new();
    let m = server
        .mock("GET", SYSTEM)
        .match_header("user-agent", format!("status-light/1.0 {USER_AGENT}").as_str())
        .match_header("authorization", "Bearer test-token")
        .reply_json(200, "[]")
        .create();
    let s = Session::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        .user_agent(" status-light/1.0 ")
        .build()
        .unwrap();

    system::list(&s).unwrap();

    m.assert();
}

#[test]
fn a_caller_agent_still_reports_error_bodies() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", "/api/v2/users/u1/presences/purecloud")
        .no_query()
        .no_body()
        .reply_json(404, fixture!("error_not_found.json"))
        .create();
    // A default ureq agent turns 4xx into errors and drops the body.
    let s = Session::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        .agent(ureq::Agent::new_with_defaults())
        .build()
        .unwrap();

    let err = user::get_purecloud_presence(&s, "u1").unwrap_err();

    m.assert();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.code(), Some("not.found"));
    assert_eq!(err.correlation_id(), Some("5e0b7a93-2c4d-4f18-b6a1-9d3c8e7f2a05"));
}

// ---------------------------------------------------------------- token flow

#[test]
fn client_credentials_request_a_token_then_call_with_it() {
    let mut server = mockito::Server::new();
    let token = token_request(&mut server)
        .match_header("user-agent", USER_AGENT)
        .reply_json(200, fixture!("token.json"))
        .expect(1)
        .create();
    let call = api_with_token(&mut server, "GET", SYSTEM, FIRST_TOKEN)
        .no_query()
        .no_body()
        .reply_json(200, fixture!("system_presences.json"))
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let list = system::list(&client_session_for(&server)).unwrap();

    token.assert();
    call.assert();
    assert_all(&guards);
    assert_eq!(list.len(), 10);
    assert_eq!(BASIC, format!("Basic {BASIC_PAIR}"));
}

#[test]
fn one_token_serves_many_calls_and_every_clone() {
    let mut server = mockito::Server::new();
    let token = token_endpoint(&mut server, fixture!("token.json"))
        .expect(1)
        .create();
    let calls = api_with_token(&mut server, "GET", SYSTEM, FIRST_TOKEN)
        .no_query()
        .no_body()
        .reply_json(200, "[]")
        .expect(5)
        .create();
    let guards = nothing_else(&mut server);
    let s = client_session_for(&server);
    let clone = s.clone();

    for _ in 0..3 {
        system::list(&s).unwrap();
    }
    for _ in 0..2 {
        system::list(&clone).unwrap();
    }

    token.assert();
    calls.assert();
    assert_all(&guards);
}

#[test]
fn a_token_is_replaced_before_it_expires() {
    // `expires_in` 1: the token is replaced 0.9 s after it was asked for.
    const FRESH_FOR: Duration = Duration::from_millis(900);
    // The second call must come while the token is fresh. It is asked for
    // after `before_token`, so a run whose first two calls together took
    // less than 0.9 s proves it; a run that a busy machine slowed down
    // more than that proves nothing and is made again, on a new server.
    for _ in 0..5 {
        let mut server = mockito::Server::new();
        let first = token_endpoint(&mut server, fixture!("token_short_lived.json"))
            .expect(1)
            .create();
        let second = token_endpoint(&mut server, fixture!("token_refreshed.json"))
            .expect(1)
            .create();
        let with_first = api_with_token(&mut server, "GET", SYSTEM, FIRST_TOKEN)
            .no_query()
            .reply_json(200, "[]")
            .expect(2)
            .create();
        let with_second = api_with_token(&mut server, "GET", SYSTEM, SECOND_TOKEN)
            .no_query()
            .reply_json(200, "[]")
            .expect(1)
            .create();
        let s = client_session_for(&server);

        let before_token = Instant::now();
        system::list(&s).unwrap();
        system::list(&s).unwrap(); // still fresh: no new token
        if before_token.elapsed() >= FRESH_FOR {
            continue;
        }
        std::thread::sleep(Duration::from_millis(1100)); // expires_in 1
        system::list(&s).unwrap();

        first.assert();
        second.assert();
        with_first.assert();
        with_second.assert();
        return;
    }
    panic!("in 5 runs, two calls never took less than {FRESH_FOR:?}");
}

#[test]
fn a_401_fetches_a_new_token_and_replays_once() {
    let mut server = mockito::Server::new();
    let first = token_endpoint(&mut server, fixture!("token.json"))
        .expect(1)
        .create();
    let second = token_endpoint(&mut server, fixture!("token_refreshed.json"))
        .expect(1)
        .create();
    let rejected = api_with_token(
        &mut server,
        "GET",
        "/api/v2/users/u1/presences/purecloud",
        FIRST_TOKEN,
    )
    .no_query()
    .no_body()
    .reply_json(401, fixture!("error_credentials_expired.json"))
    .expect(1)
    .create();
    let accepted = api_with_token(
        &mut server,
        "GET",
        "/api/v2/users/u1/presences/purecloud",
        SECOND_TOKEN,
    )
    .no_query()
    .no_body()
    .reply_json(200, fixture!("user_presence.json"))
    .expect(1)
    .create();
    let guards = nothing_else(&mut server);
    let s = client_session_for(&server);

    let p = user::get_purecloud_presence(&s, "u1").unwrap();

    first.assert();
    second.assert();
    rejected.assert();
    accepted.assert();
    assert_all(&guards);
    assert_eq!(p.message.as_deref(), Some("Back at 2pm"));
}

#[test]
fn a_replayed_write_sends_the_same_body() {
    let mut server = mockito::Server::new();
    let first = token_endpoint(&mut server, fixture!("token.json"))
        .expect(1)
        .create();
    let second = token_endpoint(&mut server, fixture!("token_refreshed.json"))
        .expect(1)
        .create();
    let body = serde_json::json!({"message": "Back soon"});
    let rejected = api_with_token(
        &mut server,
        "PATCH",
        "/api/v2/users/u1/presences/purecloud",
        FIRST_TOKEN,
    )
    .no_query()
    .json_body(body.clone())
    .reply_json(401, fixture!("error_credentials_expired.json"))
    .expect(1)
    .create();
    let accepted = api_with_token(
        &mut server,
        "PATCH",
        "/api/v2/users/u1/presences/purecloud",
        SECOND_TOKEN,
    )
    .no_query()
    .json_body(body)
    .reply_json(200, fixture!("user_presence.json"))
    .expect(1)
    .create();
    let s = client_session_for(&server);

    let change = genesys_presence::UserPresence {
        message: Some("Back soon".into()),
        ..Default::default()
    };
    user::update_purecloud_presence(&s, "u1", &change).unwrap();

    first.assert();
    second.assert();
    rejected.assert();
    accepted.assert();
}

#[test]
fn a_second_401_after_the_refresh_is_returned() {
    let mut server = mockito::Server::new();
    let first = token_endpoint(&mut server, fixture!("token.json"))
        .expect(1)
        .create();
    let second = token_endpoint(&mut server, fixture!("token_refreshed.json"))
        .expect(1)
        .create();
    let rejected_first = api_with_token(&mut server, "GET", SYSTEM, FIRST_TOKEN)
        .no_query()
        .reply_json(401, fixture!("error_credentials_expired.json"))
        .expect(1)
        .create();
    let rejected_second = api_with_token(&mut server, "GET", SYSTEM, SECOND_TOKEN)
        .no_query()
        .reply_json(401, fixture!("error_credentials_expired.json"))
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);
    let s = client_session_for(&server);

    let err = system::list(&s).unwrap_err();

    first.assert();
    second.assert();
    rejected_first.assert();
    rejected_second.assert();
    assert_all(&guards);
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(401),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.code(), Some("credentials.expired"));
    assert_eq!(err.attempts(), Some(2));
    assert_eq!(err.correlation_id(), Some("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"));
    let text = err.to_string();
    assert!(
        text.starts_with("GET /api/v2/systempresences: 401 credentials.expired"),
        "{text}"
    );
    assert_no_secret(&text);
    assert_no_secret(&format!("{err:?}"));
}

#[test]
fn a_401_with_a_fixed_token_is_returned_at_once() {
    let mut server = mockito::Server::new();
    let rejected = api(&mut server, "GET", SYSTEM)
        .no_query()
        .no_body()
        .reply_json(401, fixture!("error_credentials_expired.json"))
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let err = system::list(&session_for(&server)).unwrap_err();

    rejected.assert();
    assert_all(&guards);
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.code(), Some("credentials.expired"));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(
        err.to_string(),
        "GET /api/v2/systempresences: 401 credentials.expired: The supplied credentials have expired. \
         (correlation id 1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d)"
    );
}

#[test]
fn threads_sharing_a_session_cause_one_token_request() {
    const THREADS: usize = 8;
    let mut server = mockito::Server::new();
    let token = token_request(&mut server)
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body_from_request(|_| {
            // A slow login service, so that every thread asks while the first waits.
            std::thread::sleep(Duration::from_millis(150));
            fixture!("token.json").as_bytes().to_vec()
        })
        .expect(1)
        .create();
    let calls = api_with_token(&mut server, "GET", SYSTEM, FIRST_TOKEN)
        .no_query()
        .no_body()
        .reply_json(200, "[]")
        .expect(THREADS)
        .create();
    let guards = nothing_else(&mut server);
    let s = client_session_for(&server);
    let barrier = Barrier::new(THREADS);

    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    system::list(&s).map(|list| list.len()).map_err(|e| e.to_string())
                })
            })
            .collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap(), Ok(0));
        }
    });

    token.assert();
    calls.assert();
    assert_all(&guards);
}

#[test]
fn session_is_send_sync_and_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Session>();
    fn check_builder<T: Send + Sync>() {}
    check_builder::<SessionBuilder>();
}

// ---------------------------------------------------------------- secrets

#[test]
fn debug_of_session_and_builder_hides_secrets() {
    let builder = Session::builder()
        .base_url("http://127.0.0.1:1")
        .client_credentials(CLIENT_ID, CLIENT_SECRET);
    let text = format!("{builder:?}");
    assert_no_secret(&text);
    assert!(text.contains(CLIENT_ID), "{text}");
    let s = builder.build().unwrap();
    let text = format!("{s:?}");
    assert_no_secret(&text);
    assert!(text.contains(CLIENT_ID), "{text}");
    assert!(text.contains("http://127.0.0.1:1"), "{text}");

    let builder = Session::builder().access_token(FIRST_TOKEN);
    assert_no_secret(&format!("{builder:?}"));
    assert_no_secret(&format!("{builder:#?}"));
    let s = builder.build().unwrap();
    assert_no_secret(&format!("{s:?}"));
    assert_no_secret(&format!("{s:#?}"));
}

#[test]
fn debug_of_a_session_with_a_cached_token_hides_it() {
    let mut server = mockito::Server::new();
    let _token = token_endpoint(&mut server, fixture!("token.json")).create();
    let _call = api_with_token(&mut server, "GET", SYSTEM, FIRST_TOKEN)
        .reply_json(200, "[]")
        .create();
    let s = client_session_for(&server);

    system::list(&s).unwrap();

    assert_no_secret(&format!("{s:?}"));
    assert_no_secret(&format!("{s:#?}"));
}

/// Builds a client credentials session whose token endpoint answers
/// `status` with `body`, makes a call, and returns the error.
fn failed_login(status: usize, body: &str) -> Error {
    let mut server = mockito::Server::new();
    let token = token_request(&mut server)
        .with_status(status)
        .with_header("content-type", "application/json")
        .with_body(body)
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let err = system::list(&client_session_for(&server)).unwrap_err();

    token.assert();
    assert_all(&guards);
    let display = err.to_string();
    let debug = format!("{err:?}");
    assert_no_secret(&display);
    assert_no_secret(&debug);
    assert!(err.kind() == ErrorKind::Auth, "{debug}");
    err
}

#[test]
fn a_rejected_login_does_not_leak_secrets() {
    let err = failed_login(400, fixture!("token_error_invalid_client.json"));
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("invalid_client"));
}

#[test]
fn a_failed_login_quoting_the_secrets_in_its_body_does_not_leak_them() {
    let body = format!(
        "<html><body>500 Internal Server Error: client {CLIENT_ID} secret {CLIENT_SECRET} \
         header {BASIC} token {FIRST_TOKEN}</body></html>"
    );
    let err = failed_login(500, &body);
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.code(), None);
}

#[test]

fn a_failed_login_echoing_the_secret_in_its_error_fields_does_not_leak_it() {
    let body = serde_json::json!({
        "error": "server_error",
        "error_description": format!("could not check secret {CLIENT_SECRET} ({BASIC}); token {FIRST_TOKEN}"),
    })
    .to_string();
    let err = failed_login(500, &body);
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.code(), Some("server_error"));
}

#[test]
fn a_garbled_token_answer_does_not_leak_secrets() {
    let bodies = [
        format!("access_token={FIRST_TOKEN}&expires_in=86399 {CLIENT_SECRET}"),
        format!(r#"{{"access_token": 12345, "echo": "{CLIENT_SECRET}", "token": "{FIRST_TOKEN}"}}"#),
        format!(r#"{{"token_type":"bearer","expires_in":86399,"note":"{FIRST_TOKEN} {CLIENT_SECRET}"}}"#),
        format!(r#"{{"access_token":"{FIRST_TOKEN}","expires_in":"soon {CLIENT_SECRET}"}}"#),
        format!(r#"{{"access_token":"{FIRST_TOKEN}\n{CLIENT_SECRET}","expires_in":86399}}"#),
        format!(r#"{{"access_token":"{FIRST_TOKEN}"#),
    ];
    for body in bodies {
        let err = failed_login(200, &body);
        assert_eq!(err.status(), Some(200), "{body}");
        assert_eq!(err.code(), None, "{body}");
    }
}

/// A session for `server` with client credentials that retries quickly.
fn fast_retrying_client_session(server: &mockito::Server) -> Session {
    Session::builder()
        .base_url(server.url())
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(RetryPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(20)))
        .build()
        .unwrap()
}

#[test]
fn a_throttled_token_request_is_retried() {
    let mut server = mockito::Server::new();
    // The token endpoint throttles with a 400, not a 429.
    let throttled = token_request(&mut server)
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_body(
            r#"{"error":"invalid_request","description":"rate limit exceeded; try again later","error_description":"rate limit exceeded; try again later"}"#,
        )
        .expect(1)
        .create();
    let granted = token_endpoint(&mut server, fixture!("token.json"))
        .expect(1)
        .create();
    let api = api_with_token(&mut server, "GET", "/api/v2/systempresences", FIRST_TOKEN)
        .no_query()
        .reply_json(200, "[]")
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let listed = system::list(&fast_retrying_client_session(&server)).unwrap();

    throttled.assert();
    granted.assert();
    api.assert();
    assert_all(&guards);
    assert!(listed.is_empty());
}

#[test]
fn a_rejected_client_is_not_retried() {
    let mut server = mockito::Server::new();
    let rejected = token_request(&mut server)
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_body(r#"{"error":"invalid_request","error_description":"grant type missing"}"#)
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let err = system::list(&fast_retrying_client_session(&server)).unwrap_err();

    rejected.assert();
    assert_all(&guards);
    assert_eq!(err.code(), Some("invalid_request"));
    assert_eq!(err.attempts(), Some(1));
}
