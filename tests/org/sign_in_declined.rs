//! A person who declines the loopback sign-in: the redirect's OAuth error
//! code is the error's `code()`, and no token request was sent.
#![cfg(feature = "sign-in")]

use std::time::Duration;

use genesys_presence::fake::FakeOrg;
use genesys_presence::sign_in::LoopbackSignIn;
use genesys_presence::{ErrorKind, Session};

#[test]
fn a_declined_sign_in_gives_its_oauth_error_code() {
    let org = FakeOrg::start().unwrap();
    let builder = Session::builder()
        .base_url(org.base_url())
        .timeout(Duration::from_secs(10));
    let pending = LoopbackSignIn::new(builder, org.client_id())
        .timeout(Duration::from_secs(20))
        .start()
        .unwrap();
    let state = pending
        .url()
        .split(['?', '&'])
        .find_map(|pair| pair.strip_prefix("state="))
        .unwrap()
        .to_owned();
    let declined = format!("{}?error=access_denied&state={state}", pending.redirect_uri());
    let browser = std::thread::spawn(move || {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent()
            .get(&declined)
            .call()
            .unwrap()
            .status()
            .as_u16()
    });

    let error = pending.finish().unwrap_err();

    assert_eq!(browser.join().unwrap(), 400);
    assert_eq!(error.kind(), ErrorKind::Auth, "{error:?}");
    assert_eq!(error.code(), Some("access_denied"), "{error:?}");
    assert!(error.to_string().contains("access_denied"), "{error}");
    assert_eq!(error.attempts(), None, "no token request was sent: {error:?}");
    assert!(!error.is_retryable() && !error.is_sign_in_required(), "{error}");
    assert_eq!(org.token_requests(), 0);
}
