//! The API and login URLs a session accepts: never with a user or password
//! in them, and plain `http://` only to this machine unless the caller sets
//! `allow_insecure_http(true)`. Builder and environment alike.
//!
//! No request leaves 127.0.0.1: refused URLs are refused by `build()`, and
//! the hosts named below are never contacted.

use std::time::Duration;

use crate::config_errors::{built, config_message, env, refused};
use genesys_presence::ErrorKind;
use genesys_presence::{system, Session, SessionBuilder};

const TOKEN: &str = "tok-7Hq2-clear-text";
const PASSWORD: &str = "hunter2-Pa55word";
const INSECURE: &str = "allow_insecure_http(true)";

fn token_builder() -> SessionBuilder {
    Session::builder().access_token(TOKEN)
}

// ---------------------------------------------------------------- credentials in URLs

/// URLs carrying a user and/or [`PASSWORD`], well formed or not.
fn urls_with_credentials() -> Vec<String> {
    vec![
        format!("http://user:{PASSWORD}@127.0.0.1:8080"),
        format!("https://user:{PASSWORD}@api.mypurecloud.com"),
        format!("https://user:{PASSWORD}@api.mypurecloud.com/"),
        format!("http://:{PASSWORD}@127.0.0.1"),
        format!("http://{PASSWORD}@localhost:1"),
        format!("HTTP://user:{PASSWORD}@LOCALHOST:8080"),
        // Not URLs a parser accepts, but the password is still in them.
        format!("user:{PASSWORD}@127.0.0.1:8080"),
        format!("http://user:{PASSWORD} x@127.0.0.1"),
        format!("http://user:{PASSWORD}/x@127.0.0.1"),
        format!("ftp://user:{PASSWORD}@127.0.0.1"),
    ]
}

#[track_caller]
fn assert_credentials_refused(message: &str) {
    assert!(
        message.contains("credentials in URLs are not supported"),
        "{message}"
    );
}

#[test]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds an https:// session: needs TLS"
)]
fn a_base_or_login_url_with_a_user_or_password_is_refused_without_showing_it() {
    for url in urls_with_credentials() {
        let message = refused(token_builder().base_url(&url), "base_url", &[PASSWORD]);
        assert_credentials_refused(&message);
        // The opt-in to plain http does not let credentials through.
        let message = refused(
            token_builder().base_url(&url).allow_insecure_http(true),
            "base_url",
            &[PASSWORD],
        );
        assert_credentials_refused(&message);
        let message = refused(
            Session::builder()
                .base_url("https://api.mypurecloud.com")
                .login_url(&url)
                .client_credentials("id", "secret"),
            "login_url",
            &[PASSWORD],
        );
        assert_credentials_refused(&message);
        // Only a user name: no password to hide, refused all the same.
        let user_only = url.replace(&format!(":{PASSWORD}"), "");
        if user_only.contains('@') {
            let message = refused(token_builder().base_url(&user_only), "base_url", &[]);
            assert_credentials_refused(&message);
        }
    }
}

#[test]
fn an_environment_url_with_a_user_or_password_is_refused_naming_the_variable() {
    for url in urls_with_credentials() {
        for variable in [
            "GENESYSCLOUD_API_URL",
            "GENESYSCLOUD_API_REGION",
            "GENESYSCLOUD_REGION",
        ] {
            let vars = [
                (variable, url.clone()),
                ("GENESYSCLOUD_ACCESS_TOKEN", TOKEN.into()),
            ];
            // Either reading the variables or building refuses it.
            let err = SessionBuilder::from_env_with(env(&vars))
                .and_then(|builder| {
                    let debug = format!("{builder:?}");
                    assert!(!debug.contains(PASSWORD), "{variable}: {debug}");
                    builder.build()
                })
                .expect_err(variable);
            let message = config_message(err, variable, &[PASSWORD, TOKEN]);
            assert_credentials_refused(&message);
        }
    }
}

#[test]
fn the_builder_debug_hides_a_password_in_any_url_it_holds() {
    for url in urls_with_credentials() {
        let builder = token_builder().base_url(&url).login_url(&url);
        let debug = format!("{builder:?}");
        assert!(!debug.contains(PASSWORD), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }
}

// ---------------------------------------------------------------- clear text

/// Plain-http hosts that are not this machine (or not surely so).
const NOT_LOOPBACK: &[&str] = &[
    "http://api.mypurecloud.com",
    "http://api.mypurecloud.com:80/",
    "HTTP://API.MYPURECLOUD.COM",
    "http://login.mypurecloud.com",
    "http://10.0.0.1:8080",
    "http://192.168.1.10",
    "http://0.0.0.0:8080",
    "http://[::]:8080",
    "http://[fe80::1]:8080",
    "http://128.0.0.1",
    "http://127.0.0.1.nip.io:8080",
    "http://localhost.:8080",
    "http://LOCALHOST.:8080",
    "http://a.localhost:8080",
    "http://localhost.example.com",
    "http://127.1:8080",
    "http://2130706433:8080",
    "http://0x7f.0.0.1:8080",
];

/// Plain-http hosts on this machine: accepted without opting in.
const LOOPBACK: &[&str] = &[
    "http://127.0.0.1:8080",
    "http://127.0.0.1",
    "http://127.8.9.10:8080",
    "http://127.255.255.254:1",
    "http://[::1]:8080",
    "http://[::ffff:127.0.0.1]:8080",
    "http://localhost:8080",
    "http://LOCALHOST:8080",
    "http://LocalHost",
];

#[track_caller]
fn assert_clear_text_refused(message: &str) {
    assert!(message.contains("plain http://"), "{message}");
    assert!(message.contains(INSECURE), "the opt-in is not named: {message}");
    assert!(message.contains("https://"), "{message}");
}

#[test]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds an https:// session: needs TLS"
)]
fn plain_http_to_another_machine_is_refused_naming_the_setting() {
    for url in NOT_LOOPBACK {
        let message = refused(token_builder().base_url(*url), "base_url", &[TOKEN]);
        assert_clear_text_refused(&message);
        assert!(message.contains(&format!("{url:?}")), "{message}");
        let message = refused(
            Session::builder()
                .base_url("https://api.mypurecloud.com")
                .login_url(*url)
                .client_credentials("my-client-id", "my-secret-7"),
            "login_url",
            &["my-secret-7"],
        );
        assert_clear_text_refused(&message);
        // A loopback API does not make a remote login URL safe, nor the reverse.
        let message = refused(
            token_builder().base_url("http://127.0.0.1:1").login_url(*url),
            "login_url",
            &[TOKEN],
        );
        assert_clear_text_refused(&message);
        let message = refused(
            token_builder().base_url(*url).login_url("http://127.0.0.1:1"),
            "base_url",
            &[TOKEN],
        );
        assert_clear_text_refused(&message);
    }
}

#[test]
fn plain_http_to_another_machine_from_the_environment_is_refused_naming_the_variable() {
    for url in NOT_LOOPBACK {
        for variable in ["GENESYSCLOUD_API_URL", "GENESYSCLOUD_API_REGION"] {
            let vars = [
                (variable, (*url).to_owned()),
                ("GENESYSCLOUD_ACCESS_TOKEN", TOKEN.into()),
            ];
            let err = Session::from_env_with(env(&vars)).expect_err(url);
            let message = config_message(err, variable, &[TOKEN]);
            assert_clear_text_refused(&message);
        }
        let vars = [
            ("GENESYSCLOUD_API_URL", (*url).to_owned()),
            ("GENESYSCLOUD_OAUTHCLIENT_ID", "my-client-id".into()),
            ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "my-secret-7".into()),
        ];
        let err = Session::from_env_with(env(&vars)).expect_err(url);
        assert_clear_text_refused(&config_message(err, "GENESYSCLOUD_API_URL", &["my-secret-7"]));
    }
}

#[test]
fn a_region_given_as_a_plain_http_url_still_means_https() {
    let vars = [
        ("GENESYSCLOUD_REGION", "http://api.mypurecloud.ie".to_owned()),
        ("GENESYSCLOUD_ACCESS_TOKEN", TOKEN.into()),
    ];
    let session = Session::from_env_with(env(&vars)).unwrap();
    assert_eq!(session.api_url(), "https://api.mypurecloud.ie");
    assert_eq!(session.login_url(), "https://login.mypurecloud.ie");
}

#[test]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds an https:// session: needs TLS"
)]
fn plain_http_to_this_machine_is_accepted() {
    for url in LOOPBACK {
        let session = built(token_builder().base_url(*url));
        let expected = url.to_ascii_lowercase();
        assert_eq!(session.api_url(), expected);
        assert_eq!(session.login_url(), expected, "derived: the same server");
        let session = built(
            Session::builder()
                .base_url("https://api.mypurecloud.com")
                .login_url(*url)
                .client_credentials("id", "secret"),
        );
        assert_eq!(session.login_url(), expected);
        for variable in ["GENESYSCLOUD_API_URL", "GENESYSCLOUD_API_REGION"] {
            let vars = [
                (variable, (*url).to_owned()),
                ("GENESYSCLOUD_ACCESS_TOKEN", TOKEN.into()),
            ];
            let session = Session::from_env_with(env(&vars)).unwrap();
            assert_eq!(session.api_url(), expected, "{variable}");
        }
    }
}

#[test]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds an https:// session: needs TLS"
)]
fn https_is_accepted_for_any_host() {
    for url in [
        "https://api.mypurecloud.com",
        "https://api.example.test:8443/",
        "https://10.0.0.1",
        "https://0.0.0.0:1",
        "https://127.0.0.1.nip.io",
        "https://localhost.",
        "https://[fe80::1]:443",
    ] {
        let session = built(token_builder().base_url(url));
        assert!(session.api_url().starts_with("https://"), "{url}");
        let session = built(token_builder().base_url(url).login_url(url));
        assert!(session.login_url().starts_with("https://"), "{url}");
    }
}

#[test]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds an https:// session: needs TLS"
)]
fn the_api_url_reports_its_scheme_in_lower_case() {
    let session = built(token_builder().base_url("HTTPS://API.MyPureCloud.COM/"));
    assert_eq!(session.api_url(), "https://api.mypurecloud.com");
    assert_eq!(session.login_url(), "https://login.mypurecloud.com");
    let session = built(
        token_builder()
            .base_url("Https://api.example.test/Some/Path")
            .allow_insecure_http(false),
    );
    assert_eq!(session.api_url(), "https://api.example.test/Some/Path");
}

#[test]
fn allow_insecure_http_lets_plain_http_reach_any_host() {
    for url in NOT_LOOPBACK {
        let session = built(token_builder().base_url(*url).allow_insecure_http(true));
        assert!(session.api_url().starts_with("http://"), "{url}");
        let debug = format!("{session:?}");
        assert!(debug.contains("allow_insecure_http: true"), "{debug}");
        assert!(!debug.contains(TOKEN), "{debug}");
    }
    let session = built(
        token_builder()
            .base_url("http://api.example.test")
            .allow_insecure_http(true),
    );
    assert_eq!(session.login_url(), "http://login.example.test");
    // From the environment: the program opts in, not the variables.
    let vars = [
        ("GENESYSCLOUD_API_URL", "http://api.example.test".to_owned()),
        ("GENESYSCLOUD_ACCESS_TOKEN", TOKEN.into()),
    ];
    let session = built(
        SessionBuilder::from_env_with(env(&vars))
            .unwrap()
            .allow_insecure_http(true),
    );
    assert_eq!(session.api_url(), "http://api.example.test");
    // Turned back off, the rule holds again.
    refused(
        token_builder()
            .base_url("http://api.example.test")
            .allow_insecure_http(true)
            .allow_insecure_http(false),
        "base_url",
        &[TOKEN],
    );
}

// ---------------------------------------------------------------- through a proxy

fn agent_with_proxy(proxy: ureq::Proxy) -> ureq::Agent {
    ureq::Agent::config_builder()
        .proxy(Some(proxy))
        .build()
        .new_agent()
}

#[test]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds an https:// session: needs TLS"
)]
fn plain_http_to_this_machine_through_a_remote_proxy_is_refused() {
    let remote = || ureq::Proxy::new("http://proxy.example.test:3128").unwrap();
    let message = refused(
        token_builder()
            .base_url("http://127.0.0.1:8080")
            .agent(agent_with_proxy(remote())),
        "base_url",
        &[TOKEN],
    );
    assert!(message.contains("proxy.example.test"), "{message}");
    assert!(message.contains(INSECURE), "{message}");
    assert!(message.contains("NO_PROXY"), "{message}");
    // Accepted: opting in, https, a proxy on this machine, a host the proxy skips.
    built(
        token_builder()
            .base_url("http://127.0.0.1:8080")
            .agent(agent_with_proxy(remote()))
            .allow_insecure_http(true),
    );
    built(
        token_builder()
            .base_url("https://api.mypurecloud.com")
            .agent(agent_with_proxy(remote())),
    );
    for local in [
        "http://127.0.0.1:3128",
        "http://localhost:3128",
        "http://[::1]:3128",
    ] {
        built(
            token_builder()
                .base_url("http://127.0.0.1:8080")
                .agent(agent_with_proxy(ureq::Proxy::new(local).unwrap())),
        );
    }
    let skipping = ureq::Proxy::builder(ureq::ProxyProtocol::Http)
        .host("proxy.example.test")
        .port(3128)
        .no_proxy("127.0.0.1")
        .build()
        .unwrap();
    built(
        token_builder()
            .base_url("http://127.0.0.1:8080")
            .agent(agent_with_proxy(skipping)),
    );
}

// ---------------------------------------------------------------- calls

#[test]
fn a_session_on_localhost_makes_its_calls() {
    let mut server = mockito::Server::new();
    let port = server.host_with_port().rsplit(':').next().unwrap().to_owned();
    let m = server
        .mock("GET", "/api/v2/systempresences")
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_header("content-type", "application/json")
        .with_body("[]")
        .create();
    let session = built(
        token_builder()
            .base_url(format!("http://LOCALHOST:{port}/"))
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5)),
    );
    assert_eq!(session.api_url(), format!("http://localhost:{port}"));
    assert_eq!(system::list(&session).unwrap(), []);
    m.assert();
}

#[test]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds an https:// session: needs TLS"
)]
fn a_failed_login_names_the_login_url_as_the_session_reports_it() {
    let mut server = mockito::Server::new();
    let port = server.host_with_port().rsplit(':').next().unwrap().to_owned();
    let login = server
        .mock("POST", "/oauth/token")
        .with_status(401)
        .with_header("content-type", "application/json")
        .with_body(r#"{"error":"invalid_client","description":"authentication failed"}"#)
        .create();
    let session = built(
        Session::builder()
            .base_url("https://api.mypurecloud.com")
            .login_url(format!("HTTP://LocalHost:{port}/"))
            .client_credentials("my-client-id", "my-secret-7")
            .retry_policy(genesys_presence::RetryPolicy::none()),
    );
    let expected = format!("http://localhost:{port}");
    assert_eq!(session.login_url(), expected);
    let debug = format!("{session:?}");
    assert!(
        debug.contains(&expected) && !debug.contains("my-secret-7"),
        "{debug}"
    );
    let err = system::list(&session).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err:?}");
    assert!(err.is_auth());
    assert!(
        err.to_string()
            .starts_with(&format!("authentication failed at {expected}: ")),
        "{err}"
    );
    assert!(!err.to_string().contains("my-secret-7"), "{err}");
    login.assert();
}
