//! Sessions pointed at a mockito server, mock builders that pin the headers
//! every call must carry, and the fixture loader.

use std::net::TcpListener;
use std::time::Duration;

use genesys_presence::{Error, ErrorKind, RetryPolicy, Session};
use mockito::{Matcher, Mock, Server};
use serde_json::Value;

/// The access token of [`session_for`].
pub const TOKEN: &str = "test-token";

/// The `User-Agent` the crate sends when the caller sets none.
pub const USER_AGENT: &str = concat!("genesys-presence/", env!("CARGO_PKG_VERSION"));

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

/// A session for `server` authenticated with the access token [`TOKEN`].
///
/// Retrying is off in these sessions so that each mock sees exactly the
/// requests a test names; the retry policy has tests of its own
/// (`tests/api/faults.rs`, `tests/api/errors.rs`).
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
