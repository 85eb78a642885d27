//! Sign-in under odd answers and odd uses: a callback that calls back into
//! the session, signing out of a person's session, odd `expires_in` values.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use genesys_presence::{
    tokens, users, ErrorKind, OAuthClient, RetryPolicy, Session, SessionBuilder, StoredTokens,
};
use mockito::{Matcher, Server};

use crate::credentials::{CLIENT_ID, CLIENT_SECRET};
use crate::mock::api_with_token;

const ME: &str = r#"{"id":"u-1","name":"Alex Morgan"}"#;

fn builder(server: &Server) -> SessionBuilder {
    Session::builder()
        .base_url(server.url())
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
}

fn refresh_answer(server: &mut Server, old: &str, body: &str) -> mockito::Mock {
    server
        .mock("POST", "/oauth/token")
        .match_body(Matcher::Exact(format!(
            "grant_type=refresh_token&refresh_token={old}"
        )))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(body)
}

/// Runs `f` on another thread; panics if it has not finished by the deadline
/// (a deadlock).
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    let started = Instant::now();
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("still running after {:?}: deadlocked", started.elapsed()))
}

#[test]
fn a_callback_calling_the_session_for_another_token_does_not_deadlock() {
    let mut server = Server::new();
    let _token = server
        .mock("POST", "/oauth/token")
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(r#"{"access_token":"a-2","expires_in":0,"refresh_token":"r-2"}"#)
        .create();
    let _me = api_with_token(&mut server, "GET", "/api/v2/users/me", "a-2")
        .with_status(200)
        .with_body(ME)
        .create();
    let cell: Arc<OnceLock<Session>> = Arc::new(OnceLock::new());
    let inner = Arc::clone(&cell);
    let inner_outcome = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&inner_outcome);
    let session = builder(&server)
        .refresh_token(OAuthClient::confidential(CLIENT_ID, CLIENT_SECRET), "r-1")
        .on_new_tokens(move |_: &StoredTokens| {
            if let Some(session) = inner.get() {
                let outcome = users::me(session, false).map(|_| ()).map_err(|e| e.kind());
                sink.lock().unwrap().push(outcome);
            }
        })
        .build()
        .unwrap();
    assert!(cell.set(session).is_ok());
    let outer = within(Duration::from_secs(20), move || {
        users::me(cell.get().unwrap(), false).map(|u| u.name)
    });
    assert_eq!(outer.unwrap().as_deref(), Some("Alex Morgan"));
    let inner = inner_outcome.lock().unwrap();
    assert_eq!(inner.len(), 1);
    assert_eq!(inner[0], Err(ErrorKind::Config));
}

/// Signing out of a person's session: the login service here keeps the
/// refresh token working, yet the session must not sign back in by itself.
#[test]
fn signing_out_of_a_persons_session_does_not_sign_back_in_with_the_refresh_token() {
    let mut server = Server::new();
    let first = refresh_answer(
        &mut server,
        "r-1",
        r#"{"access_token":"a-2","expires_in":3600,"refresh_token":"r-2"}"#,
    )
    .expect(1)
    .create();
    let again = refresh_answer(
        &mut server,
        "r-2",
        r#"{"access_token":"a-3","expires_in":3600,"refresh_token":"r-3"}"#,
    )
    .expect(0)
    .create();
    let revoke = api_with_token(&mut server, "DELETE", "/api/v2/tokens/me", "a-2")
        .with_status(204)
        .expect(1)
        .create();
    let _old = api_with_token(&mut server, "GET", "/api/v2/users/me", "a-2")
        .with_status(401)
        .with_body(r#"{"status":401,"code":"bad.credentials","message":"Invalid login credentials."}"#)
        .create();
    let me_again = api_with_token(&mut server, "GET", "/api/v2/users/me", "a-3")
        .with_status(200)
        .with_body(ME)
        .expect(0)
        .create();
    let session = builder(&server)
        .refresh_token(OAuthClient::confidential(CLIENT_ID, CLIENT_SECRET), "r-1")
        .build()
        .unwrap();
    session.authenticate().unwrap();
    tokens::revoke(&session).unwrap();
    let error = users::me(&session, false).unwrap_err();
    assert!(error.is_sign_in_required(), "{error}");
    assert!(session.authenticate().unwrap_err().is_sign_in_required());
    first.assert();
    revoke.assert();
    again.assert();
    me_again.assert();
}
