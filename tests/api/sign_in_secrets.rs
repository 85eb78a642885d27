//! Secrets of the person's grants never appear in `Debug`, `Display` or
//! errors: refresh tokens, codes, PKCE verifiers, `state`, assertions.

use std::time::{Duration, SystemTime};

use genesys_presence::{AuthorizeUrl, OAuthClient, Session, StoredTokens};

const SECRETS: [&str; 6] = [
    "refresh-SECRET-7781",
    "code-SECRET-5521",
    "verifierSECRET0123456789abcdefghijklmnopqrstuvwxyz",
    "state-SECRET-9931",
    "assertion-SECRET-4471",
    "client-SECRET-3310",
];

fn assert_hidden(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} shown in {text}");
    }
}

#[test]
fn builders_tokens_clients_and_urls_hide_every_secret_in_debug() {
    let stored = StoredTokens::new(
        "access-SECRET-1",
        Some(SystemTime::now()),
        Some(SECRETS[0].into()),
    );
    let builders = [
        Session::builder().tokens(OAuthClient::confidential("id", SECRETS[5]), stored.clone()),
        Session::builder().authorization_code("id", SECRETS[5], SECRETS[1], "http://127.0.0.1/cb"),
        Session::builder().pkce_authorization_code("id", SECRETS[1], SECRETS[2], "http://127.0.0.1/cb"),
        Session::builder().saml2_bearer("id", SECRETS[5], "org", SECRETS[4]),
        Session::builder().refresh_token(OAuthClient::public("id"), SECRETS[0]),
    ];
    for builder in builders {
        let builder = builder.base_url("http://127.0.0.1:9").on_new_tokens(|_| {});
        assert_hidden(&format!("{builder:?}"));
        let session = builder.build().unwrap();
        assert_hidden(&format!("{session:?}"));
    }
    let text = format!("{stored:?}");
    assert_hidden(&text);
    assert!(!text.contains("access-SECRET-1"), "{text}");
    assert_hidden(&format!("{:?}", OAuthClient::confidential("id", SECRETS[5])));
    let url = AuthorizeUrl::new("https://login.example", "id", "http://127.0.0.1/cb").state(SECRETS[3]);
    assert_hidden(&format!("{url:?}"));
}

#[test]
fn a_failed_exchange_shows_no_code_verifier_or_assertion() {
    // Nothing listens on port 9: the token request fails to connect.
    let sessions = [
        Session::builder().pkce_authorization_code("id", SECRETS[1], SECRETS[2], "http://127.0.0.1/cb"),
        Session::builder().saml2_bearer("id", SECRETS[5], "org", SECRETS[4]),
        Session::builder().refresh_token(OAuthClient::public("id"), SECRETS[0]),
    ];
    for builder in sessions {
        let session = builder
            .base_url("http://127.0.0.1:9")
            .retry_policy(genesys_presence::RetryPolicy::none())
            .connect_timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let error = session.authenticate().unwrap_err();
        assert_hidden(&format!("{error} {error:?}"));
    }
}

#[cfg(feature = "sign-in")]
#[test]
fn pkce_verifiers_and_pending_sign_ins_hide_their_secrets() {
    use genesys_presence::sign_in::{LoopbackSignIn, PkceVerifier};

    let verifier = PkceVerifier::new(SECRETS[2]).unwrap();
    assert_hidden(&format!("{verifier:?}"));
    let pending = LoopbackSignIn::new(Session::builder().base_url("http://127.0.0.1:9"), "id")
        .start()
        .unwrap();
    let text = format!("{pending:?}");
    let state = pending
        .url()
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert!(!text.contains(state), "{text}");
    let error = PkceVerifier::new("short-SECRET").unwrap_err();
    assert!(!error.to_string().contains("short-SECRET"), "{error}");
}
