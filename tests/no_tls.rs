//! A build without TLS (`--no-default-features --features
//! fake,notifications`). A `wss://` connectUri, or an `https://` API, must
//! give a clear error that says TLS is not built in, not a panic and not a
//! hang (the session builder already refuses an `https://` API so).

#![cfg(not(any(feature = "rustls", feature = "native-tls")))]

use std::net::TcpListener;
use std::time::{Duration, Instant};

use genesys_presence::{watch, Error, RetryPolicy, Session, TransportKind};
use mockito::{Matcher, Server};

const USER: &str = "0c7a1f0e-1111-4222-8333-444455556666";

fn session(base_url: &str) -> Session {
    Session::builder()
        .base_url(base_url)
        .access_token("test-token")
        .retry_policy(RetryPolicy::none())
        .connect_timeout(Duration::from_secs(1))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

fn kind_of(error: &Error) -> Option<TransportKind> {
    match error {
        Error::Transport { kind, .. } | Error::Socket { kind, .. } => Some(*kind),
        _ => None,
    }
}

#[test]
fn without_tls_a_wss_connect_uri_says_tls_is_not_built_in() {
    // Something listens, so that the failure is not a refused connection.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut api = Server::new();
    api.mock("POST", "/api/v2/notifications/channels")
        .with_header("content-type", "application/json")
        .with_body(
            serde_json::json!({
                "id": "c1",
                "connectUri": format!("wss://127.0.0.1:{port}/channels/c1"),
                "expires": "2099-01-01T00:00:00Z"
            })
            .to_string(),
        )
        .create();
    api.mock("POST", "/api/v2/notifications/channels/c1/subscriptions")
        .match_query(Matcher::Any)
        .with_body(format!(r#"{{"entities":[{{"id":"v2.users.{USER}.presence"}}]}}"#))
        .create();
    let started = Instant::now();
    let error = watch::users(&session(&api.url()), &[USER]).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
    assert!(matches!(error, Error::Socket { .. }), "{error:?}");
    assert_eq!(kind_of(&error), Some(TransportKind::Tls), "{error}");

    // The session builder refuses an https:// API in this build, and says why;
    // the WebSocket's error should say it as plainly.
    let rest = Session::builder()
        .base_url(format!("https://127.0.0.1:{port}"))
        .access_token("t")
        .build()
        .unwrap_err();
    assert!(rest.to_string().contains("`rustls` or `native-tls`"), "{rest}");
    let text = error.to_string();
    assert!(
        text.contains("`rustls` or `native-tls`"),
        "the error does not say that TLS is not built in: {text}"
    );
    drop(listener);
}
