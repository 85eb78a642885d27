//! Helpers shared by the integration tests: sessions pointed at a mockito
//! server, mock builders that pin the headers every call must carry, and the
//! fixture loader.
//!
//! Every test file includes this module, and none uses all of it.
#![allow(dead_code, unused_macros)]

pub mod network;
pub mod script_server;
pub mod wait;
pub mod watch_script;

use std::net::TcpListener;
use std::time::Duration;

use genesys_presence::{Error, ErrorKind, RetryPolicy, Session};
use mockito::{Matcher, Mock, Server};
use serde_json::Value;

/// The access token of [`session_for`].
pub const TOKEN: &str = "test-token";

/// The `User-Agent` the crate sends when the caller sets none.
pub const USER_AGENT: &str = concat!("genesys-presence/", env!("CARGO_PKG_VERSION"));

/// The client credentials of [`client_session_for`].
pub const CLIENT_ID: &str = "my-client-id";
/// Contains `/`, `+` and `?` so that a wrong encoding of the pair would show.
pub const CLIENT_SECRET: &str = "s3cr3t/+?value";
/// `Basic base64("my-client-id:s3cr3t/+?value")`, computed outside Rust.
pub const BASIC: &str = "Basic bXktY2xpZW50LWlkOnMzY3IzdC8rP3ZhbHVl";

/// The `access_token` of `fixtures/token.json` and `fixtures/token_short_lived.json`.
pub const FIRST_TOKEN: &str = "AAx1-first-token-Q9";
/// The `access_token` of `fixtures/token_refreshed.json`.
pub const SECOND_TOKEN: &str = "BBx2-second-token-Z7";

/// A user id that needs every kind of escaping in a path segment.
pub const AWKWARD_ID: &str = "a/b?c#d é";
/// [`AWKWARD_ID`] as it must appear in the path.
pub const AWKWARD_ID_ENCODED: &str = "a%2Fb%3Fc%23d%20%C3%A9";

/// The text of `tests/fixtures/<name>`, built into the test binary so that it
/// is served byte for byte.
macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/", $name))
    };
}

/// Reads `tests/fixtures/<name>` at run time and parses it as JSON, for
/// building expected request bodies (never for serving).
pub fn fixture_json(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// A session for `server` authenticated with the access token [`TOKEN`].
///
/// Retrying is off in these sessions so that each mock sees exactly the
/// requests a test names; `tests/retries.rs` and `tests/faults.rs` test the
/// retry policy.
pub fn session_for(server: &Server) -> Session {
    Session::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .expect("a valid test session")
}

/// A session for `server` with client credentials ([`CLIENT_ID`],
/// [`CLIENT_SECRET`]); tokens are requested from the same server. Retrying
/// is off, as in [`session_for`].
pub fn client_session_for(server: &Server) -> Session {
    Session::builder()
        .base_url(server.url())
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .expect("a valid test session")
}

/// A mock for an API call with the headers every call must carry: the
/// bearer token [`TOKEN`], `accept: application/json` and the crate's
/// `User-Agent`. Add the query, body and answer.
pub fn api(server: &mut Server, method: &str, path: &str) -> Mock {
    api_with_token(server, method, path, TOKEN)
}

/// Like [`api`], for a call made with the bearer token `token`.
pub fn api_with_token(server: &mut Server, method: &str, path: &str, token: &str) -> Mock {
    server
        .mock(method, path)
        .match_header("authorization", format!("Bearer {token}").as_str())
        .match_header("accept", "application/json")
        .match_header("user-agent", USER_AGENT)
}

/// A mock for the token request of the client credentials grant, exactly as
/// the fact sheet describes it, answering 200 with `body`.
pub fn token_endpoint(server: &mut Server, body: &str) -> Mock {
    token_request(server)
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(body)
}

/// The token request matchers without an answer.
pub fn token_request(server: &mut Server) -> Mock {
    server
        .mock("POST", "/oauth/token")
        .match_query(Matcher::Missing)
        .match_header("authorization", BASIC)
        .match_header("content-type", "application/x-www-form-urlencoded")
        .match_header("accept", "application/json")
        .match_body(Matcher::Exact("grant_type=client_credentials".into()))
}

/// Mocks that match any request of any method and expect none: create them
/// after the real mocks, then assert them to prove nothing else was sent.
pub fn nothing_else(server: &mut Server) -> Vec<Mock> {
    ["GET", "POST", "PUT", "PATCH", "DELETE"]
        .into_iter()
        .map(|method| server.mock(method, Matcher::Any).expect(0).create())
        .collect()
}

/// Asserts every mock of `mocks`.
pub fn assert_all(mocks: &[Mock]) {
    for mock in mocks {
        mock.assert();
    }
}

/// Chainable additions to a [`Mock`].
pub trait MockExt: Sized {
    /// The request has no query string.
    fn no_query(self) -> Self;
    /// The request has no body and no `content-type`.
    fn no_body(self) -> Self;
    /// The request body is exactly `body` (as JSON) with `content-type: application/json`.
    fn json_body(self, body: Value) -> Self;
    /// Answers `status` with a JSON body, served as given.
    fn reply_json(self, status: usize, body: &str) -> Self;
}

impl MockExt for Mock {
    fn no_query(self) -> Self {
        self.match_query(Matcher::Missing)
    }

    fn no_body(self) -> Self {
        self.match_header("content-type", Matcher::Missing)
            .match_body(Matcher::Missing)
    }

    fn json_body(self, body: Value) -> Self {
        self.match_header("content-type", "application/json")
            .match_body(Matcher::Json(body))
    }

    fn reply_json(self, status: usize, body: &str) -> Self {
        self.with_status(status)
            .with_header("content-type", "application/json")
            .with_body(body)
    }
}

/// Asserts that `err` is an [`ErrorKind::InvalidInput`] error about `what`,
/// that its message names it, and that nothing was sent.
#[track_caller]
pub fn assert_invalid(err: Error, what: &str) {
    let text = err.to_string();
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidInput,
        "expected InvalidInput about {what}, got {err:?}"
    );
    assert_eq!(err.argument(), Some(what), "{text}");
    assert!(text.starts_with(&format!("invalid {what}: ")), "{text}");
    assert_eq!(err.attempts(), None, "{text}");
    assert_eq!(err.status(), None, "{text}");
}

/// A local port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    port
}
