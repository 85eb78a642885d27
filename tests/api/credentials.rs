//! Client credentials and the token request: the sessions, constants and
//! mocks of the tests that sign in with the client credentials grant, and
//! fixtures read as JSON for expected request bodies.

use std::time::Duration;

use genesys_presence::{RetryPolicy, Session};
use mockito::{Matcher, Mock, Server};
use serde_json::Value;

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

/// Reads `tests/fixtures/<name>` at run time and parses it as JSON, for
/// building expected request bodies (never for serving).
pub fn fixture_json(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
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
