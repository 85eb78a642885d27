//! The observer (`SessionBuilder::observer`) and `Session::rate_limit`: every
//! exchange of a call, its retries and its token requests, with the figures
//! each answer carried.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use genesys_presence::exchange::{Exchange, ExchangeKind, RateLimit};
use genesys_presence::{user, RetryPolicy, Session};

use crate::credentials::{CLIENT_ID, CLIENT_SECRET};
use crate::script_server::{json, Server};

const USER: &str = "2f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44";

/// What a test compares of an [`Exchange`]: all but the duration.
type Seen = (
    ExchangeKind,
    &'static str,
    String,
    u16,
    u32,
    Option<String>,
    Option<Duration>,
    Option<(u64, u64, Option<Duration>)>,
);

fn seen(exchange: &Exchange) -> Seen {
    (
        exchange.kind,
        exchange.method,
        exchange.path.clone(),
        exchange.status,
        exchange.attempt,
        exchange.correlation_id.clone(),
        exchange.retry_after,
        exchange.rate_limit.map(|l| (l.count, l.allowed, l.reset)),
    )
}

fn token(value: &str) -> crate::script_server::Step {
    json(200, format!(r#"{{"access_token":"{value}","expires_in":3600}}"#))
}

#[test]
fn the_observer_sees_every_exchange_of_a_call_retried_after_a_429_and_a_new_token() {
    let path = format!("/api/v2/users/{USER}/presences/purecloud");
    let server = Server::start(vec![
        ("POST /oauth/token", vec![token("tok-1"), token("tok-2")]),
        (
            &*format!("GET {path}"),
            vec![
                json(429, r#"{"message":"slow down","status":429}"#)
                    .header("retry-after", "1")
                    .header("inin-correlation-id", "c-1")
                    .header("inin-ratelimit-count", "301")
                    .header("inin-ratelimit-allowed", "300")
                    .header("inin-ratelimit-reset", "1"),
                json(401, r#"{"message":"expired","status":401}"#).header("inin-correlation-id", "c-2"),
                json(200, r#"{"source":"PURECLOUD"}"#)
                    .header("inin-correlation-id", "c-3")
                    .header("inin-ratelimit-count", "5")
                    .header("inin-ratelimit-allowed", "300")
                    .header("inin-ratelimit-reset", "55"),
            ],
        ),
    ]);
    let log = Arc::new(Mutex::new(Vec::new()));
    let session = {
        let log = Arc::clone(&log);
        Session::builder()
            .base_url(server.url())
            .client_credentials(CLIENT_ID, CLIENT_SECRET)
            .retry_policy(RetryPolicy::default())
            .observer(move |exchange| log.lock().unwrap().push(exchange.clone()))
            .build()
            .unwrap()
    };
    assert_eq!(session.rate_limit(), None);
    user::get_purecloud_presence(&session, USER).unwrap();

    let log = log.lock().unwrap().clone();
    let token = |status| {
        (
            ExchangeKind::Token,
            "POST",
            "/oauth/token".to_owned(),
            status,
            1,
            None,
            None,
            None,
        )
    };
    let api = |status, attempt, id: &str, retry_after, limit| {
        (
            ExchangeKind::Api,
            "GET",
            path.clone(),
            status,
            attempt,
            Some(id.to_owned()),
            retry_after,
            limit,
        )
    };
    let expected: Vec<Seen> = vec![
        token(200),
        api(
            429,
            1,
            "c-1",
            Some(Duration::from_secs(1)),
            Some((301, 300, Some(Duration::from_secs(1)))),
        ),
        api(401, 2, "c-2", None, None),
        token(200),
        api(200, 3, "c-3", None, Some((5, 300, Some(Duration::from_secs(55))))),
    ];
    assert_eq!(log.iter().map(seen).collect::<Vec<_>>(), expected);
    for exchange in &log {
        assert!(exchange.duration < Duration::from_secs(5), "{exchange:?}");
    }
    // The replay went with the new token.
    let sent: Vec<Option<String>> = server
        .requests_to(&path)
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        sent,
        ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"].map(|t| Some(t.to_owned()))
    );
    // The latest figures, as the last answer gave them.
    let latest: RateLimit = session.rate_limit().unwrap();
    assert_eq!((latest.count, latest.allowed, latest.remaining()), (5, 300, 295));
    assert_eq!(latest.reset, Some(Duration::from_secs(55)));
}

#[test]
fn an_observer_calling_its_own_session_is_refused_rather_than_waiting_for_ever() {
    use genesys_presence::{presence_definitions, ErrorKind};
    use std::sync::OnceLock;

    let path = format!("/api/v2/users/{USER}/presences/purecloud");
    let server = Server::start(vec![
        ("POST /oauth/token", vec![token("tok-1")]),
        (
            &*format!("GET {path}"),
            vec![json(200, r#"{"source":"PURECLOUD"}"#)],
        ),
    ]);
    let own: Arc<OnceLock<Session>> = Arc::new(OnceLock::new());
    let other = Session::builder()
        .base_url(server.url())
        .access_token("other-token")
        .build()
        .unwrap();
    let inner = Arc::new(Mutex::new(Vec::new()));
    let session = {
        let (own, inner) = (Arc::clone(&own), Arc::clone(&inner));
        Session::builder()
            .base_url(server.url())
            .client_credentials(CLIENT_ID, CLIENT_SECRET)
            .observer(move |exchange| {
                // During the token request, the session holds the lock every
                // call that needs a token waits for.
                let session = own.get().unwrap();
                let outcomes = [
                    user::get_purecloud_presence(session, USER).map(drop),
                    session.authenticate(),
                    presence_definitions::find_by_name(session, "Busy").map(drop),
                ];
                // What takes no lock still works, and so does another session.
                session.forget_cached_definitions();
                let _ = session.rate_limit();
                let other_ok = other.authenticate().is_ok();
                inner.lock().unwrap().push((exchange.kind, outcomes, other_ok));
            })
            .build()
            .unwrap()
    };
    own.set(session.clone()).unwrap();
    let (sent, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sent.send(user::get_purecloud_presence(&session, USER).map(drop));
    });
    outcome
        .recv_timeout(Duration::from_secs(20))
        .expect("the call came back")
        .unwrap();

    let inner = inner.lock().unwrap();
    let kinds: Vec<ExchangeKind> = inner.iter().map(|(kind, _, _)| *kind).collect();
    assert_eq!(kinds, [ExchangeKind::Token, ExchangeKind::Api]);
    for (kind, outcomes, other_ok) in inner.iter() {
        assert!(*other_ok, "{kind:?}");
        for outcome in outcomes {
            let error = outcome.as_ref().unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Config, "{kind:?}: {error}");
            assert!(
                error
                    .to_string()
                    .contains("the observer made a call with its own session"),
                "{error}"
            );
        }
    }
    // Nothing was sent for the refused calls.
    assert_eq!(
        server.calls(),
        ["POST /oauth/token".to_owned(), format!("GET {path}")]
    );
}

#[test]
fn a_call_back_into_the_session_through_another_sessions_observer_is_refused_too() {
    use genesys_presence::ErrorKind;
    use std::sync::OnceLock;

    let path = format!("/api/v2/users/{USER}/presences/purecloud");
    let answer = || json(200, r#"{"source":"PURECLOUD"}"#);
    let server = Server::start(vec![
        ("POST /oauth/token", vec![token("tok-1")]),
        (&*format!("GET {path}"), vec![answer(), answer()]),
    ]);
    let first: Arc<OnceLock<Session>> = Arc::new(OnceLock::new());
    let refused = Arc::new(Mutex::new(Vec::new()));
    // The second session's observer calls the first session.
    let second = {
        let (first, refused) = (Arc::clone(&first), Arc::clone(&refused));
        Session::builder()
            .base_url(server.url())
            .access_token("second-token")
            .observer(move |_| {
                let outcome = user::get_purecloud_presence(first.get().unwrap(), USER);
                refused.lock().unwrap().push(outcome.unwrap_err().kind());
            })
            .build()
            .unwrap()
    };
    // The first session's observer, during its token request, calls the second.
    let session = Session::builder()
        .base_url(server.url())
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .observer(move |exchange| {
            if exchange.kind == ExchangeKind::Token {
                user::get_purecloud_presence(&second, USER).unwrap();
            }
        })
        .build()
        .unwrap();
    first.set(session.clone()).unwrap();
    let (sent, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sent.send(user::get_purecloud_presence(&session, USER).map(drop));
    });
    outcome
        .recv_timeout(Duration::from_secs(20))
        .expect("the call came back")
        .unwrap();
    assert_eq!(*refused.lock().unwrap(), [ErrorKind::Config]);
    assert_eq!(server.calls().len(), 3, "{:?}", server.calls());
}
