//! A build without TLS (`--no-default-features --features
//! fake,notifications`). A `wss://` connectUri, or an `https://` API, must
//! give a clear error that says TLS is not built in, not a panic and not a
//! hang (the session builder already refuses an `https://` API so).

#![cfg(not(any(feature = "rustls", feature = "native-tls")))]

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::network::{watch_api, FAR_FUTURE, WATCHED_USER as USER};
use genesys_presence::{watch, ErrorKind, RetryPolicy, Session, TransportKind};

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

#[test]
fn without_tls_a_wss_connect_uri_says_tls_is_not_built_in() {
    // Something listens, so that the failure is not a refused connection.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (api, _) = watch_api(&format!("wss://127.0.0.1:{port}/channels/c1"), FAR_FUTURE);
    let started = Instant::now();
    let error = watch::users(&session(&api.url()), &[USER]).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
    assert!(error.kind() == ErrorKind::Socket, "{error:?}");
    assert_eq!(error.transport_kind(), Some(TransportKind::Tls), "{error}");

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
