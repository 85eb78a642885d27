//! The person's sign-in end to end against the stand-in org: the loopback
//! PKCE helper with the test acting as the browser (a wrong `state`, a
//! person who declines, a timeout), and eight threads needing a refresh at once.
#![cfg(feature = "sign-in")]

use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

use genesys_presence::fake::FakeOrg;
use genesys_presence::sign_in::{LoopbackSignIn, PendingSignIn};
use genesys_presence::{users, Session, SessionBuilder, StoredTokens};

const THREADS: usize = 8;

pub(crate) fn builder(org: &FakeOrg) -> SessionBuilder {
    Session::builder()
        .base_url(org.base_url())
        .login_url(org.login_url())
        .timeout(Duration::from_secs(10))
}

pub(crate) fn browser() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent()
}

/// Opens the sign-in address as a browser would, without following the
/// redirect: returns where the org redirects to.
pub(crate) fn authorize(pending: &PendingSignIn) -> String {
    let response = browser().get(pending.url()).call().unwrap();
    assert_eq!(response.status().as_u16(), 302);
    let location = response.headers().get("location").unwrap().to_str().unwrap();
    assert!(location.starts_with(pending.redirect_uri()), "{location}");
    location.to_owned()
}

/// Comes back to the program at `location`: status and page.
fn come_back(location: &str) -> (u16, String) {
    let mut response = browser().get(location).call().unwrap();
    let status = response.status().as_u16();
    (status, response.body_mut().read_to_string().unwrap())
}

#[test]
fn a_person_signs_in_through_the_loopback_helper_with_pkce() {
    let org = FakeOrg::start().unwrap();
    let user = org.user_ids()[1].clone();
    assert!(org.set_signed_in_user(&user));
    let saved = Arc::new(Mutex::new(Vec::<StoredTokens>::new()));
    let sink = Arc::clone(&saved);
    let pending = LoopbackSignIn::new(
        builder(&org).on_new_tokens(move |t| sink.lock().unwrap().push(t.clone())),
        org.client_id(),
    )
    .timeout(Duration::from_secs(20))
    .authorize_options(|url| url.login_hint("sam.lee@example.com").prompt_login())
    .start()
    .unwrap();
    let url = pending.url().to_owned();
    assert!(url.contains("code_challenge_method=S256&state="), "{url}");
    assert!(
        url.ends_with("&login_hint=sam.lee%40example.com&prompt=login"),
        "{url}"
    );
    let program = thread::spawn(move || pending.finish());
    let location = authorize_from(&url);
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let (status, page) = come_back(&location);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("signed in"), "{page}");
    assert!(!page.contains(&code), "{page}");
    let session = program.join().unwrap().unwrap();
    assert_eq!(
        users::me(&session, false).unwrap().id.as_deref(),
        Some(user.as_str())
    );
    let saved = saved.lock().unwrap();
    assert_eq!(saved.len(), 1);
    assert!(saved[0].refresh_token().is_some());
    assert!(!page.contains(saved[0].access_token()));
}

/// [`authorize`] for an address already taken out of the pending sign-in.
fn authorize_from(url: &str) -> String {
    let response = browser().get(url).call().unwrap();
    assert_eq!(response.status().as_u16(), 302);
    response
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_person_signs_in_through_a_gateways_login_prefix() {
    let org = FakeOrg::start_behind_gateway("/genesys/api", "/genesys/login").unwrap();
    let pending = LoopbackSignIn::new(builder(&org), org.client_id())
        .timeout(Duration::from_secs(20))
        .start()
        .unwrap();
    let authorize_url = format!("{}/oauth/authorize?", org.login_url());
    assert!(org.login_url().ends_with("/genesys/login"), "{}", org.login_url());
    assert!(pending.url().starts_with(&authorize_url), "{}", pending.url());
    let location = authorize(&pending);
    let program = thread::spawn(move || pending.finish());
    let (status, page) = come_back(&location);
    assert_eq!(status, 200, "{page}");
    let session = program.join().unwrap().unwrap();
    assert_eq!(
        users::me(&session, false).unwrap().id,
        Some(org.user_ids()[0].clone())
    );
    // The authorize request, the code's exchange and `users/me`.
    assert_eq!(org.requests(), 3);
    assert_eq!(org.token_requests(), 1);
    assert_eq!(org.requests_outside_gateway(), 0);
}

#[test]
fn a_wrong_state_is_refused_without_a_token_request() {
    let org = FakeOrg::start().unwrap();
    let pending = LoopbackSignIn::new(builder(&org), org.client_id())
        .timeout(Duration::from_secs(20))
        .start()
        .unwrap();
    let location = authorize(&pending);
    let (base, state) = location.split_once("state=").unwrap();
    let forged = format!("{base}state=forged{}", &state[state.len().min(3)..]);
    let program = thread::spawn(move || pending.finish());
    // A favicon request first: answered 404, the helper waits on.
    let (status, _) = come_back(&format!(
        "{}favicon.ico",
        &base[..base.find("/callback").unwrap() + 1]
    ));
    assert_eq!(status, 404);
    let (status, page) = come_back(&forged);
    assert_eq!(status, 400, "{page}");
    let error = program.join().unwrap().unwrap_err();
    assert!(error.to_string().contains("state"), "{error}");
    assert!(!error.to_string().contains(state), "{error}");
    assert_eq!(org.token_requests(), 0);
}

#[test]
fn a_person_who_declines_gets_an_error_naming_it_and_no_token_request() {
    let org = FakeOrg::start().unwrap();
    org.set_sign_in_refused(true);
    let pending = LoopbackSignIn::new(builder(&org), org.client_id())
        .timeout(Duration::from_secs(20))
        .start()
        .unwrap();
    let location = authorize(&pending);
    assert!(location.contains("error=access_denied"), "{location}");
    assert!(!location.contains("code="), "{location}");
    let program = thread::spawn(move || pending.finish());
    let (status, page) = come_back(&location);
    assert_eq!(status, 400, "{page}");
    let error = program.join().unwrap().unwrap_err();
    assert_eq!(error.kind(), genesys_presence::ErrorKind::Auth, "{error:?}");
    assert!(error.to_string().contains("error access_denied"), "{error}");
    assert_eq!(org.token_requests(), 0);
}

#[test]
fn nobody_signing_in_times_out() {
    let org = FakeOrg::start().unwrap();
    let pending = LoopbackSignIn::new(builder(&org), org.client_id())
        .timeout(Duration::from_millis(200))
        .start()
        .unwrap();
    let error = pending.finish().unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(!error.is_sign_in_required());
    assert_eq!(org.token_requests(), 0);
}

/// A session signed in through the code grant (confidential client).
fn signed_in(org: &FakeOrg) -> Session {
    let redirect = "http://127.0.0.1:8400/callback";
    let pending_url = genesys_presence::AuthorizeUrl::new(org.login_url(), org.client_id(), redirect)
        .state("s1")
        .to_url();
    let location = authorize_from(&pending_url);
    let code = location.split("code=").nth(1).unwrap().split('&').next().unwrap();
    let session = builder(org)
        .authorization_code(org.client_id(), org.client_secret(), code, redirect)
        .build()
        .unwrap();
    session.authenticate().unwrap();
    session
}

#[test]
fn eight_threads_with_an_expired_user_token_make_one_refresh_and_rotation_holds() {
    let org = FakeOrg::start().unwrap();
    let session = signed_in(&org);
    assert_eq!(org.token_requests(), 1);
    for round in 1..=2 {
        org.expire_tokens();
        let barrier = Barrier::new(THREADS);
        thread::scope(|scope| {
            for _ in 0..THREADS {
                scope.spawn(|| {
                    barrier.wait();
                    users::me(&session, false).unwrap();
                });
            }
        });
        // One refresh per round; the second works only with the rotated token.
        assert_eq!(org.token_requests(), 1 + round);
    }
    org.revoke_refresh_tokens();
    org.expire_tokens();
    let error = users::me(&session, false).unwrap_err();
    assert!(error.is_sign_in_required(), "{error}");
    assert!(error.to_string().contains("must sign in again"), "{error}");
}
