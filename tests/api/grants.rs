//! The person's grants against mockito: each token request pinned exactly
//! (method, path, `Content-Type`, `Authorization` or none, form fields and
//! nothing else), refresh before expiry and after a 401, rotation, the
//! sign-in-again error, and the new-tokens callback.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use genesys_presence::{users, ErrorKind, OAuthClient, RetryPolicy, Session, SessionBuilder, StoredTokens};
use mockito::{Matcher, Mock, Server};

use crate::credentials::{BASIC, CLIENT_ID, CLIENT_SECRET};
use crate::mock::{api_with_token, nothing_else};

/// `http://127.0.0.1:8400/callback`, form-encoded.
const REDIRECT: &str = "http://127.0.0.1:8400/callback";
const REDIRECT_ENCODED: &str = "http%3A%2F%2F127.0.0.1%3A8400%2Fcallback";
/// RFC 7636's example verifier.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// Has `+`, `/` and `=`, which a form must percent-encode.
const ASSERTION: &str = "PHNhbWw6QXNzZXJ0aW9uPj8+/w==";
const ME: &str = r#"{"id":"u-1","name":"Alex Morgan"}"#;

fn builder(server: &Server) -> SessionBuilder {
    Session::builder()
        .base_url(server.url())
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
}

/// The token request: exact form `body`, with `Basic` when `basic`, else no `Authorization`.
fn token(server: &mut Server, basic: bool, body: &str) -> Mock {
    let mock = server
        .mock("POST", "/oauth/token")
        .match_query(Matcher::Missing)
        .match_header("content-type", "application/x-www-form-urlencoded")
        .match_header("accept", "application/json")
        .match_body(Matcher::Exact(body.into()));
    if basic {
        mock.match_header("authorization", BASIC)
    } else {
        mock.match_header("authorization", Matcher::Missing)
    }
}

/// A token answer with `access`, lasting `expires_in` s, and `refresh`.
fn tokens(mock: Mock, access: &str, expires_in: u64, refresh: Option<&str>) -> Mock {
    let refresh = refresh.map_or(String::new(), |r| format!(r#","refresh_token":"{r}""#));
    mock.with_status(200)
        .with_header("content-type", "application/json")
        .with_body(format!(
            r#"{{"access_token":"{access}","token_type":"bearer","expires_in":{expires_in}{refresh}}}"#
        ))
}

fn me(server: &mut Server, token: &str) -> Mock {
    api_with_token(server, "GET", "/api/v2/users/me", token)
        .with_status(200)
        .with_body(ME)
}

#[test]
fn authorization_code_is_exchanged_with_basic_auth_and_exactly_its_form_fields() {
    let mut server = Server::new();
    let body = format!("grant_type=authorization_code&code=c%2Fode%2B1&redirect_uri={REDIRECT_ENCODED}");
    let exchange = tokens(
        token(&mut server, true, &body),
        "access-1",
        3600,
        Some("refresh-1"),
    )
    .expect(1)
    .create();
    let call = me(&mut server, "access-1").expect(2).create();
    let others = nothing_else(&mut server);
    let session = builder(&server)
        .authorization_code(CLIENT_ID, CLIENT_SECRET, "c/ode+1", REDIRECT)
        .build()
        .unwrap();
    session.authenticate().unwrap();
    users::me(&session, false).unwrap();
    users::me(&session, false).unwrap();
    exchange.assert();
    call.assert();
    others.iter().for_each(Mock::assert);
}

#[test]
fn pkce_code_is_exchanged_without_authorization_with_verifier_and_client_id() {
    let mut server = Server::new();
    let body = format!(
        "grant_type=authorization_code&code=the-code&code_verifier={VERIFIER}&client_id={CLIENT_ID}&redirect_uri={REDIRECT_ENCODED}"
    );
    let exchange = tokens(
        token(&mut server, false, &body),
        "access-1",
        3600,
        Some("refresh-1"),
    )
    .expect(1)
    .create();
    let call = me(&mut server, "access-1").expect(1).create();
    let session = builder(&server)
        .pkce_authorization_code(CLIENT_ID, "the-code", VERIFIER, REDIRECT)
        .build()
        .unwrap();
    users::me(&session, false).unwrap();
    exchange.assert();
    call.assert();
}

#[test]
fn saml2_bearer_sends_org_name_and_the_encoded_assertion_with_basic_auth() {
    let mut server = Server::new();
    let body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Asaml2-bearer&orgName=my%20org\
                &assertion=PHNhbWw6QXNzZXJ0aW9uPj8%2B%2Fw%3D%3D";
    let exchange = tokens(token(&mut server, true, body), "access-1", 3600, None)
        .expect(1)
        .create();
    let session = builder(&server)
        .saml2_bearer(CLIENT_ID, CLIENT_SECRET, "my org", ASSERTION)
        .build()
        .unwrap();
    session.authenticate().unwrap();
    exchange.assert();
}

#[test]
fn refresh_token_of_a_public_client_names_it_and_of_a_confidential_one_uses_basic() {
    let mut server = Server::new();
    let public = tokens(
        token(
            &mut server,
            false,
            &format!("grant_type=refresh_token&refresh_token=R1&client_id={CLIENT_ID}"),
        ),
        "access-1",
        3600,
        Some("R2"),
    )
    .expect(1)
    .create();
    let confidential = tokens(
        token(&mut server, true, "grant_type=refresh_token&refresh_token=R9"),
        "access-9",
        3600,
        Some("R10"),
    )
    .expect(1)
    .create();
    let others = nothing_else(&mut server);
    builder(&server)
        .refresh_token(OAuthClient::public(CLIENT_ID), "R1")
        .build()
        .unwrap()
        .authenticate()
        .unwrap();
    builder(&server)
        .refresh_token(OAuthClient::confidential(CLIENT_ID, CLIENT_SECRET), "R9")
        .build()
        .unwrap()
        .authenticate()
        .unwrap();
    public.assert();
    confidential.assert();
    others.iter().for_each(Mock::assert);
}

/// Collects what the new-tokens callback is given.
fn recorder() -> (
    Arc<Mutex<Vec<StoredTokens>>>,
    impl Fn(&StoredTokens) + Send + Sync + 'static,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    (seen, move |t: &StoredTokens| sink.lock().unwrap().push(t.clone()))
}

#[test]
fn a_401_refreshes_once_and_rotation_keeps_the_newest_refresh_token() {
    let mut server = Server::new();
    let far = SystemTime::now() + Duration::from_secs(3600);
    let stored = StoredTokens::new("A", Some(far), Some("R1".into()));
    let refused_a = api_with_token(&mut server, "GET", "/api/v2/users/me", "A")
        .with_status(401)
        .with_body(r#"{"status":401,"code":"credentials.expired","message":"expired"}"#)
        .expect(1)
        .create();
    let first = tokens(
        token(
            &mut server,
            false,
            &format!("grant_type=refresh_token&refresh_token=R1&client_id={CLIENT_ID}"),
        ),
        "B",
        3600,
        Some("R2"),
    )
    .expect(1)
    .create();
    let refused_b = api_with_token(&mut server, "GET", "/api/v2/users/me", "B")
        .with_status(401)
        .with_body(r#"{"status":401,"code":"credentials.expired","message":"expired"}"#)
        .expect(2)
        .create();
    let second = tokens(
        token(
            &mut server,
            false,
            &format!("grant_type=refresh_token&refresh_token=R2&client_id={CLIENT_ID}"),
        ),
        "C",
        3600,
        Some("R3"),
    )
    .expect(1)
    .create();
    let with_c = me(&mut server, "C").expect(2).create();
    let others = nothing_else(&mut server);
    let (seen, callback) = recorder();
    let session = builder(&server)
        .tokens(OAuthClient::public(CLIENT_ID), stored)
        .on_new_tokens(callback)
        .build()
        .unwrap();
    // A → 401 → refresh with R1 → B → 401 (one refresh per call): the 401 is returned.
    let error = users::me(&session, false).unwrap_err();
    assert_eq!(error.status(), Some(401), "{error}");
    // B → 401 → refresh with R2 (never R1 again) → C; then C again.
    users::me(&session, false).unwrap();
    users::me(&session, false).unwrap();
    for mock in [&refused_a, &first, &refused_b, &second, &with_c] {
        mock.assert();
    }
    others.iter().for_each(Mock::assert);
    let seen = seen.lock().unwrap();
    let pairs: Vec<_> = seen
        .iter()
        .map(|t| (t.access_token(), t.refresh_token()))
        .collect();
    assert_eq!(pairs, [("B", Some("R2")), ("C", Some("R3"))]);
    let expiry = seen[1].expires_at().unwrap();
    assert!(expiry > SystemTime::now() + Duration::from_secs(3500));
}

#[test]
fn a_token_about_to_expire_is_refreshed_before_the_call() {
    let mut server = Server::new();
    // Within the minute before expiry: replaced before use.
    let soon = SystemTime::now() + Duration::from_secs(30);
    let refresh = tokens(
        token(&mut server, true, "grant_type=refresh_token&refresh_token=R1"),
        "B",
        3600,
        Some("R2"),
    )
    .expect(1)
    .create();
    let call = me(&mut server, "B").expect(1).create();
    let others = nothing_else(&mut server);
    let session = builder(&server)
        .tokens(
            OAuthClient::confidential(CLIENT_ID, CLIENT_SECRET),
            StoredTokens::new("A", Some(soon), Some("R1".into())),
        )
        .build()
        .unwrap();
    users::me(&session, false).unwrap();
    refresh.assert();
    call.assert();
    others.iter().for_each(Mock::assert);
}

#[test]
fn a_refused_refresh_token_says_sign_in_again_and_is_never_sent_twice() {
    let mut server = Server::new();
    // The login service echoes the refresh token: the error must not.
    let refused = token(
        &mut server,
        true,
        "grant_type=refresh_token&refresh_token=R1-secret-refresh-42",
    )
    .with_status(400)
    .with_body(r#"{"error":"invalid_grant","error_description":"token R1-secret-refresh-42 was revoked"}"#)
    .expect(1)
    .create();
    let others = nothing_else(&mut server);
    let session = builder(&server)
        .refresh_token(
            OAuthClient::confidential(CLIENT_ID, CLIENT_SECRET),
            "R1-secret-refresh-42",
        )
        .build()
        .unwrap();
    for _ in 0..2 {
        let error = users::me(&session, false).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Auth);
        assert!(error.is_sign_in_required(), "{error}");
        let text = format!("{error} {error:?}");
        assert!(text.contains("must sign in again"), "{text}");
        assert!(!text.contains("R1-secret-refresh-42"), "{text}");
    }
    refused.assert();
    others.iter().for_each(Mock::assert);
}

#[test]
fn stored_tokens_without_a_refresh_token_say_sign_in_again_once_expired() {
    let server = Server::new();
    let past = SystemTime::now() - Duration::from_secs(10);
    let session = builder(&server)
        .tokens(
            OAuthClient::public(CLIENT_ID),
            StoredTokens::new("A", Some(past), None),
        )
        .build()
        .unwrap();
    let error = session.authenticate().unwrap_err();
    assert!(error.is_sign_in_required(), "{error}");
}

#[test]
fn bad_grant_inputs_are_refused_by_build() {
    let server = Server::new();
    let cases: Vec<(SessionBuilder, &str)> = vec![
        (
            builder(&server).pkce_authorization_code(CLIENT_ID, "c", "too-short", REDIRECT),
            "code_verifier",
        ),
        (
            builder(&server).authorization_code(CLIENT_ID, CLIENT_SECRET, " ", REDIRECT),
            "authorization code is empty",
        ),
        (
            builder(&server).saml2_bearer(CLIENT_ID, CLIENT_SECRET, "", ASSERTION),
            "orgName is empty",
        ),
        (
            builder(&server).refresh_token(OAuthClient::public(CLIENT_ID), "a b"),
            "refresh_token",
        ),
        (
            builder(&server).refresh_token(OAuthClient::public("a:b"), "r"),
            "client id",
        ),
    ];
    for (builder, expected) in cases {
        let error = builder.build().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config);
        assert!(error.to_string().contains(expected), "{error}");
    }
}

#[test]
fn the_authorize_address_carries_every_option_in_order_and_encoded() {
    let url = genesys_presence::AuthorizeUrl::new(
        "https://login.mypurecloud.ie",
        "client-1",
        "http://127.0.0.1:8400/callback",
    )
    .code_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    .state("s t&ate")
    .identity_provider("my org", "okta")
    .target("org-2")
    .login_hint("sam.lee+x@example.com")
    .prompt_login()
    .to_url();
    assert_eq!(
        url,
        "https://login.mypurecloud.ie/oauth/authorize?response_type=code&client_id=client-1\
         &redirect_uri=http%3A%2F%2F127.0.0.1%3A8400%2Fcallback\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256\
         &state=s%20t%26ate&org=my%20org&provider=okta&target=org-2\
         &login_hint=sam.lee%2Bx%40example.com&prompt=login"
    );
    // Without options: the three fields the API needs.
    let plain =
        genesys_presence::AuthorizeUrl::new("https://login.mypurecloud.com", "c", "http://127.0.0.1:1/cb");
    assert_eq!(
        plain.to_url(),
        "https://login.mypurecloud.com/oauth/authorize?response_type=code&client_id=c\
         &redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb"
    );
}
