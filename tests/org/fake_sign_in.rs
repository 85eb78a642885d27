//! The stand-in org's sign-in side, driven with raw HTTP exactly as a client
//! would: `/oauth/authorize`, the authorization code grant (with the secret
//! and with PKCE), refresh with rotation, SAML2 bearer,
//! `/api/v2/tokens/me`, `/api/v2/users/me` and the user search.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use genesys_presence::fake::FakeOrg;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};

/// The verifier and challenge of RFC 7636, appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// A loopback redirect URI, which the org accepts without registration.
const REDIRECT: &str = "http://127.0.0.1:8400/callback";
const SAML2: &str = "urn:ietf:params:oauth:grant-type:saml2-bearer";
/// Base64 with `+`, `/` and `=`, which a form must percent-encode.
const ASSERTION: &str = "PHNhbWw6QXNzZXJ0aW9uPj8+/w==";

/// Every byte but `A-Z a-z 0-9 - . _ ~`.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

// ---------------------------------------------------------------- helpers

/// An answer: status, headers (lower-case names), body.
struct Answer {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.text()))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The `Location` of a 302: the URI before `?`, and the decoded query pairs.
    fn redirect(&self) -> (String, Vec<(String, String)>) {
        assert_eq!(self.status, 302, "{}", self.text());
        let location = self.header("location").expect("a Location header");
        let (base, query) = location.split_once('?').expect("a query in the Location");
        let pairs = query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').expect("key=value");
                (decode(k), decode(v))
            })
            .collect();
        (base.to_owned(), pairs)
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8().unwrap().into_owned()
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, ENCODED).to_string()
}

/// `k=v&…`, every value percent-encoded.
fn pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn send(
    org: &FakeOrg,
    method: &str,
    target: &str,
    headers: &[(&str, String)],
    body: Option<String>,
) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent();
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{target}", org.base_url()));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let mut response = match body {
        Some(text) => agent.run(request.body(text.into_bytes()).unwrap()),
        None => agent.run(request.body(()).unwrap()),
    }
    .unwrap();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_vec().unwrap();
    Answer {
        status,
        headers,
        body,
    }
}

/// `GET /oauth/authorize` with these query pairs.
fn authorize(org: &FakeOrg, query: &[(&str, &str)]) -> Answer {
    send(
        org,
        "GET",
        &format!("/oauth/authorize?{}", pairs(query)),
        &[],
        None,
    )
}

/// `GET /oauth/authorize` for a code to [`REDIRECT`], with `state` `s1` and
/// the PKCE challenge when given; returns the code.
fn code(org: &FakeOrg, challenge: Option<&str>) -> String {
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", org.client_id()),
        ("redirect_uri", REDIRECT),
        ("state", "s1"),
    ];
    if let Some(challenge) = challenge {
        query.extend([("code_challenge", challenge), ("code_challenge_method", "S256")]);
    }
    let (base, pairs) = authorize(org, &query).redirect();
    assert_eq!(base, REDIRECT);
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    assert_eq!((pairs[0].0.as_str(), pairs[1].0.as_str()), ("code", "state"));
    assert_eq!(pairs[1].1, "s1");
    pairs[0].1.clone()
}

fn basic(org: &FakeOrg) -> String {
    let pair = format!("{}:{}", org.client_id(), org.client_secret());
    format!("Basic {}", STANDARD.encode(pair))
}

/// `POST /oauth/token` with a form body, with Basic client authentication
/// when `with_secret`.
fn token(org: &FakeOrg, with_secret: bool, form: &[(&str, &str)]) -> Answer {
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded".to_owned())];
    if with_secret {
        headers.push(("Authorization", basic(org)));
    }
    send(org, "POST", "/oauth/token", &headers, Some(pairs(form)))
}

/// Asserts a 400 token error with exactly this body.
#[track_caller]
fn assert_token_error(answer: &Answer, error: &str, description: &str) {
    assert_eq!(answer.status, 400, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(
        answer.json(),
        json!({"error": error, "description": description, "error_description": description})
    );
}

/// Asserts a 200 token answer (with a refresh token when `refresh`) and
/// returns the access token and the refresh token.
#[track_caller]
fn assert_tokens(answer: &Answer, refresh: bool) -> (String, Option<String>) {
    assert_eq!(answer.status, 200, "{}", answer.text());
    let body = answer.json();
    let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    if refresh {
        assert_eq!(
            keys,
            ["access_token", "expires_in", "refresh_token", "token_type"]
        );
    } else {
        assert_eq!(keys, ["access_token", "expires_in", "token_type"]);
    }
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 86_399);
    let access = body["access_token"].as_str().unwrap().to_owned();
    assert!(access.len() >= 32, "{access}");
    let refresh_token = body["refresh_token"].as_str().map(str::to_owned);
    if let Some(refresh_token) = &refresh_token {
        assert!(refresh_token.len() >= 32 && *refresh_token != access);
    }
    (access, refresh_token)
}

/// An API call with a bearer token.
fn api(org: &FakeOrg, method: &str, target: &str, token: &str, body: Option<Value>) -> Answer {
    let mut headers = vec![("Authorization", format!("Bearer {token}"))];
    if body.is_some() {
        headers.push(("Content-Type", "application/json".to_owned()));
    }
    send(org, method, target, &headers, body.map(|b| b.to_string()))
}

/// The code exchange of the confidential client.
fn exchange(org: &FakeOrg, code: &str) -> Answer {
    token(
        org,
        true,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ],
    )
}

/// The code exchange of a public client (PKCE).
fn exchange_pkce(org: &FakeOrg, code: &str, verifier: &str) -> Answer {
    token(
        org,
        false,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("client_id", org.client_id()),
            ("redirect_uri", REDIRECT),
        ],
    )
}

/// The user JSON the Users API answers for one of the org's users.
fn user_json(org: &FakeOrg, id: &str) -> Value {
    let division = org.home_division_id();
    let email = org.user_email(id).unwrap();
    json!({
        "id": id,
        "name": org.user_name(id).unwrap(),
        "email": email,
        "username": email,
        "state": "active",
        "division": {
            "id": division,
            "name": "Home",
            "selfUri": format!("/api/v2/authorization/divisions/{division}"),
        },
        "version": 1,
        "selfUri": format!("/api/v2/users/{id}"),
    })
}

fn users_me(org: &FakeOrg, token: &str) -> Answer {
    api(org, "GET", "/api/v2/users/me", token, None)
}

// ---------------------------------------------------------------- authorize

#[test]
fn authorize_redirects_with_a_code_and_the_state_exactly() {
    let org = FakeOrg::start().unwrap();
    let state = "a b&c=d/é+%~";
    let answer = authorize(
        &org,
        &[
            ("response_type", "code"),
            ("client_id", org.client_id()),
            ("redirect_uri", REDIRECT),
            ("state", state),
            ("login_hint", "sam.lee@example.com"),
            ("prompt", "login"),
        ],
    );
    assert_eq!(answer.status, 302);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert!(answer.body.is_empty());
    let location = answer.header("location").unwrap();
    let code = location
        .strip_prefix("http://127.0.0.1:8400/callback?code=")
        .and_then(|rest| rest.strip_suffix("&state=a%20b%26c%3Dd%2F%C3%A9%2B%25~"))
        .unwrap_or_else(|| panic!("{location}"));
    assert_eq!(code.len(), 43);
    assert!(code
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(answer.redirect().1[1], ("state".to_owned(), state.to_owned()));

    // A redirect URI with a query keeps it; no state, no `state`.
    let (base, pairs) = authorize(
        &org,
        &[
            ("client_id", org.client_id()),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost:9/cb?tab=1"),
        ],
    )
    .redirect();
    assert_eq!(base, "http://localhost:9/cb");
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["tab", "code"]);
    assert_eq!(pairs[0].1, "1");
    // An empty state is echoed, empty.
    let (_, pairs) = authorize(
        &org,
        &[
            ("response_type", "code"),
            ("client_id", org.client_id()),
            ("redirect_uri", REDIRECT),
            ("state", ""),
        ],
    )
    .redirect();
    assert_eq!(pairs[1], ("state".to_owned(), String::new()));
    assert_eq!(org.token_requests(), 0);
}

#[test]
fn authorize_answers_a_page_for_an_unknown_client_or_redirect_uri() {
    let org = FakeOrg::start().unwrap();
    let page = |answer: Answer, message: &str| {
        assert_eq!(answer.status, 400, "{}", answer.text());
        assert_eq!(answer.header("location"), None);
        assert_eq!(answer.header("content-type"), Some("text/html; charset=utf-8"));
        assert!(answer.text().contains(message), "{}", answer.text());
    };
    let client = "The client_id is missing or unknown.";
    let redirect = "The redirect_uri is missing or not registered for this client.";
    let with = |client_id: &str, redirect_uri: &str| {
        authorize(
            &org,
            &[
                ("response_type", "code"),
                ("client_id", client_id),
                ("redirect_uri", redirect_uri),
                ("state", "<script>"),
            ],
        )
    };
    page(with("someone-else", REDIRECT), client);
    page(
        authorize(&org, &[("response_type", "code"), ("redirect_uri", REDIRECT)]),
        client,
    );
    page(with(org.client_id(), "https://app.example/callback"), redirect);
    page(
        with(org.client_id(), "http://127.0.0.1:8400/callback#frag"),
        redirect,
    );
    page(with(org.client_id(), "http://127.0.0.1.example:80/cb"), redirect);
    page(
        authorize(&org, &[("response_type", "code"), ("client_id", org.client_id())]),
        redirect,
    );
    // The page never echoes the request.
    assert!(!with("x", REDIRECT).text().contains("<script>"));

    org.add_redirect_uri("https://app.example/callback");
    assert_eq!(with(org.client_id(), "https://app.example/callback").status, 302);
    page(with(org.client_id(), "https://app.example/callback/"), redirect);
    org.set_loopback_redirects(false);
    page(with(org.client_id(), REDIRECT), redirect);
    assert_eq!(with(org.client_id(), "https://app.example/callback").status, 302);
}

#[test]
fn authorize_sends_other_problems_back_with_the_state() {
    let org = FakeOrg::start().unwrap();
    let id = org.client_id().to_owned();
    let org_id = org.org_id();
    let base = [
        ("client_id", id.as_str()),
        ("redirect_uri", REDIRECT),
        ("state", "s 1"),
    ];
    let with = |extra: &[(&str, &str)]| {
        let mut query = base.to_vec();
        query.extend_from_slice(extra);
        authorize(&org, &query)
    };
    let expect = |answer: Answer, error: &str, description: &str| {
        assert_eq!(
            answer.header("location"),
            Some(
                format!(
                    "{REDIRECT}?error={error}&error_description={}&state=s%201",
                    encode(description)
                )
                .as_str()
            )
        );
    };
    expect(with(&[]), "invalid_request", "response_type is required");
    expect(
        with(&[("response_type", "token")]),
        "unsupported_response_type",
        "only response_type=code is supported",
    );
    let code = ("response_type", "code");
    expect(
        with(&[code, ("code_challenge", CHALLENGE)]),
        "invalid_request",
        "code_challenge_method must be S256",
    );
    expect(
        with(&[
            code,
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "plain"),
        ]),
        "invalid_request",
        "code_challenge_method must be S256",
    );
    for challenge in [
        "short",
        &format!("{}=", &CHALLENGE[..42]),
        &format!("{CHALLENGE}A"),
    ] {
        expect(
            with(&[
                code,
                ("code_challenge", challenge),
                ("code_challenge_method", "S256"),
            ]),
            "invalid_request",
            "code_challenge must be 43 characters of base64url (S256)",
        );
    }
    expect(
        with(&[code, ("code_challenge_method", "S256")]),
        "invalid_request",
        "code_challenge_method needs a code_challenge",
    );
    expect(
        with(&[code, ("org", "stand-in-org")]),
        "invalid_request",
        "org and provider go together",
    );
    expect(
        with(&[code, ("org", "another-org"), ("provider", "Okta")]),
        "invalid_request",
        "unknown org or provider",
    );
    assert_eq!(
        with(&[
            code,
            ("org", "Stand-In-Org"),
            ("provider", "Okta"),
            ("target", &org_id)
        ])
        .status,
        302
    );
    expect(
        with(&[code, ("target", "9b2e4c61-1f3a-4d8e-b5c7-0a6d2e8f4b13")]),
        "invalid_request",
        "target is not an authorized org",
    );
    expect(
        with(&[code, ("response_type", "code")]),
        "invalid_request",
        "response_type is given more than once",
    );
    org.set_sign_in_refused(true);
    expect(with(&[code]), "access_denied", "the user declined to sign in");
    org.set_sign_in_refused(false);
    assert_eq!(with(&[code]).status, 302);
}

// ---------------------------------------------------------------- code grant

#[test]
fn code_exchange_with_the_secret_signs_in_the_configured_user() {
    let org = FakeOrg::start().unwrap();
    let users = org.user_ids();
    let (access, refresh) = assert_tokens(&exchange(&org, &code(&org, None)), true);
    assert!(refresh.is_some());
    let me = users_me(&org, &access);
    assert_eq!(me.status, 200);
    assert_eq!(me.json(), user_json(&org, &users[0]));
    assert_eq!(me.json()["name"], "Alex Morgan");

    assert!(org.set_signed_in_user(&users[1]));
    assert!(!org.set_signed_in_user("nobody"));
    let (access, _) = assert_tokens(&exchange(&org, &code(&org, None)), true);
    assert_eq!(users_me(&org, &access).json(), user_json(&org, &users[1]));
    assert_eq!(org.token_requests(), 2);
}

#[test]
fn codes_work_once_only_for_their_redirect_uri_and_expire() {
    let org = FakeOrg::start().unwrap();
    let first = code(&org, None);
    assert_tokens(&exchange(&org, &first), true);
    let spent = "the authorization code is invalid or was already used";
    assert_token_error(&exchange(&org, &first), "invalid_grant", spent);
    assert_token_error(&exchange(&org, "not-a-code"), "invalid_grant", spent);

    // Another redirect_uri: refused, and the code is spent.
    let second = code(&org, None);
    let elsewhere = token(
        &org,
        true,
        &[
            ("grant_type", "authorization_code"),
            ("code", &second),
            ("redirect_uri", "http://127.0.0.1:8400/other"),
        ],
    );
    assert_token_error(
        &elsewhere,
        "invalid_grant",
        "redirect_uri does not match the one of the authorization request",
    );
    assert_token_error(&exchange(&org, &second), "invalid_grant", spent);

    org.set_code_lifetime(Duration::ZERO);
    let expired = code(&org, None);
    assert_token_error(
        &exchange(&org, &expired),
        "invalid_grant",
        "the authorization code has expired",
    );

    // Fields missing or repeated.
    org.set_code_lifetime(Duration::from_secs(60));
    let third = code(&org, None);
    let missing = token(
        &org,
        true,
        &[("grant_type", "authorization_code"), ("code", &third)],
    );
    assert_token_error(&missing, "invalid_request", "redirect_uri is required");
    let repeated = token(
        &org,
        true,
        &[
            ("grant_type", "authorization_code"),
            ("code", &third),
            ("code", &third),
            ("redirect_uri", REDIRECT),
        ],
    );
    assert_token_error(&repeated, "invalid_request", "code is given more than once");
    assert_tokens(&exchange(&org, &third), true);
    // Without any client authentication.
    let anonymous = token(
        &org,
        false,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code(&org, None)),
            ("redirect_uri", REDIRECT),
        ],
    );
    assert_token_error(&anonymous, "invalid_client", "authentication failed");
    assert_eq!(org.token_requests(), 2);
}

#[test]
fn pkce_public_clients_need_the_right_verifier() {
    let org = FakeOrg::start().unwrap();
    let (access, refresh) = assert_tokens(&exchange_pkce(&org, &code(&org, Some(CHALLENGE)), VERIFIER), true);
    assert!(refresh.is_some());
    assert_eq!(users_me(&org, &access).status, 200);

    // A wrong verifier spends the code.
    let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl";
    let pending = code(&org, Some(CHALLENGE));
    assert_token_error(
        &exchange_pkce(&org, &pending, wrong),
        "invalid_grant",
        "code_verifier does not match the code_challenge",
    );
    assert_token_error(
        &exchange_pkce(&org, &pending, VERIFIER),
        "invalid_grant",
        "the authorization code is invalid or was already used",
    );

    // A malformed verifier is refused before the code is looked at.
    let pending = code(&org, Some(CHALLENGE));
    let malformed = "the verifier must be made of unreserved characters only!";
    for verifier in [&VERIFIER[..42], malformed, &"a".repeat(129)] {
        assert_token_error(
            &exchange_pkce(&org, &pending, verifier),
            "invalid_request",
            "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
        );
    }
    assert_tokens(&exchange_pkce(&org, &pending, VERIFIER), true);

    // A code with a challenge needs its verifier, even with the secret.
    assert_token_error(
        &exchange(&org, &code(&org, Some(CHALLENGE))),
        "invalid_grant",
        "code_verifier is required",
    );
    // A verifier for a code without a challenge.
    assert_token_error(
        &exchange_pkce(&org, &code(&org, None), VERIFIER),
        "invalid_grant",
        "the authorization request had no code_challenge",
    );
    // A public client without PKCE.
    let no_pkce = token(
        &org,
        false,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code(&org, None)),
            ("client_id", org.client_id()),
            ("redirect_uri", REDIRECT),
        ],
    );
    assert_token_error(
        &no_pkce,
        "invalid_client",
        "a client without its secret must use PKCE",
    );
    // Another client.
    let stranger = token(
        &org,
        false,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code(&org, Some(CHALLENGE))),
            ("code_verifier", VERIFIER),
            ("client_id", "someone-else"),
            ("redirect_uri", REDIRECT),
        ],
    );
    assert_token_error(&stranger, "invalid_client", "client not found");
    assert_eq!(org.token_requests(), 2);
}

// ---------------------------------------------------------------- refresh

fn refresh(org: &FakeOrg, with_secret: bool, refresh_token: &str, public: bool) -> Answer {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
    if public {
        form.push(("client_id", org.client_id()));
    }
    token(org, with_secret, &form)
}

#[test]
fn refresh_rotates_and_a_used_refresh_token_stops_working() {
    let org = FakeOrg::start().unwrap();
    let user = org.user_ids()[0].clone();
    let (first_access, first) = assert_tokens(&exchange(&org, &code(&org, None)), true);
    let first = first.unwrap();
    let (second_access, second) = assert_tokens(&refresh(&org, true, &first, false), true);
    let second = second.unwrap();
    assert_ne!(second, first);
    assert_ne!(second_access, first_access);
    assert_eq!(users_me(&org, &second_access).json()["id"], user.as_str());
    // The old access token still works until it expires.
    assert_eq!(users_me(&org, &first_access).status, 200);

    let used = "the refresh token is invalid or was already used";
    assert_token_error(&refresh(&org, true, &first, false), "invalid_grant", used);
    // A confidential client's refresh token needs the secret: refused, not spent.
    assert_token_error(
        &refresh(&org, false, &second, true),
        "invalid_client",
        "authentication failed",
    );
    let (_, third) = assert_tokens(&refresh(&org, true, &second, false), true);
    assert_token_error(&refresh(&org, true, &second, false), "invalid_grant", used);
    assert_token_error(
        &token(&org, true, &[("grant_type", "refresh_token")]),
        "invalid_request",
        "refresh_token is required",
    );

    // Expired access tokens leave refresh tokens working; revoking them does not.
    org.expire_tokens();
    assert_eq!(users_me(&org, &second_access).status, 401);
    let (_, fourth) = assert_tokens(&refresh(&org, true, &third.unwrap(), false), true);
    org.revoke_refresh_tokens();
    assert_token_error(
        &refresh(&org, true, &fourth.unwrap(), false),
        "invalid_grant",
        used,
    );
    assert_eq!(org.token_requests(), 4);
}

#[test]
fn public_clients_refresh_with_their_client_id() {
    let org = FakeOrg::start().unwrap();
    let (_, first) = assert_tokens(&exchange_pkce(&org, &code(&org, Some(CHALLENGE)), VERIFIER), true);
    let first = first.unwrap();
    let (access, second) = assert_tokens(&refresh(&org, false, &first, true), true);
    assert_eq!(users_me(&org, &access).status, 200);
    assert_token_error(
        &refresh(&org, false, &first, true),
        "invalid_grant",
        "the refresh token is invalid or was already used",
    );
    // Without the client_id nobody is known.
    assert_token_error(
        &refresh(&org, false, second.as_deref().unwrap(), false),
        "invalid_client",
        "authentication failed",
    );
    assert_tokens(&refresh(&org, false, &second.unwrap(), true), true);
}

// ---------------------------------------------------------------- SAML2

fn saml2(org: &FakeOrg, with_secret: bool, org_name: &str, assertion: &str) -> Answer {
    token(
        org,
        with_secret,
        &[
            ("grant_type", SAML2),
            ("orgName", org_name),
            ("assertion", assertion),
        ],
    )
}

#[test]
fn saml2_bearer_signs_in_the_user_of_a_configured_assertion() {
    let org = FakeOrg::start().unwrap();
    let sam = org.user_ids()[1].clone();
    assert!(org.set_saml_assertion(ASSERTION, &sam));
    assert!(!org.set_saml_assertion("other", "nobody"));
    assert_eq!(org.org_name(), "stand-in-org");

    let (access, refresh) = assert_tokens(&saml2(&org, true, "stand-in-org", ASSERTION), false);
    assert_eq!(refresh, None);
    assert_eq!(users_me(&org, &access).json(), user_json(&org, &sam));
    assert_tokens(&saml2(&org, true, "STAND-IN-ORG", ASSERTION), false);

    assert_token_error(
        &saml2(&org, true, "stand-in-org", "PHNhbWw+"),
        "invalid_grant",
        "the SAML assertion is not valid",
    );
    // `+` sent raw in a form is a space: not the assertion.
    let raw_plus = send(
        &org,
        "POST",
        "/oauth/token",
        &[
            ("Authorization", basic(&org)),
            ("Content-Type", "application/x-www-form-urlencoded".to_owned()),
        ],
        Some(format!(
            "grant_type={}&orgName=stand-in-org&assertion={ASSERTION}",
            encode(SAML2)
        )),
    );
    assert_token_error(&raw_plus, "invalid_grant", "the SAML assertion is not valid");
    assert_token_error(
        &saml2(&org, true, "another-org", ASSERTION),
        "invalid_grant",
        "unknown organization",
    );
    assert_token_error(
        &saml2(&org, false, "stand-in-org", ASSERTION),
        "invalid_client",
        "authentication failed",
    );
    assert_token_error(
        &token(&org, true, &[("grant_type", SAML2), ("orgName", "stand-in-org")]),
        "invalid_request",
        "assertion is required",
    );
    assert_eq!(org.token_requests(), 2);
}

// ---------------------------------------------------------------- tokens/me

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn is_timestamp(text: &str) -> bool {
    let digits = |range: std::ops::Range<usize>| {
        text.get(range)
            .is_some_and(|s| s.bytes().all(|b| b.is_ascii_digit()))
    };
    text.len() == 24
        && digits(0..4)
        && digits(5..7)
        && digits(8..10)
        && digits(11..13)
        && digits(14..16)
        && digits(17..19)
        && digits(20..23)
        && text.as_bytes()[4] == b'-'
        && text.as_bytes()[10] == b'T'
        && text.ends_with('Z')
}

#[test]
fn tokens_me_answers_get_and_head_and_delete_revokes() {
    let org = FakeOrg::start().unwrap();
    let (access, refresh_token) = assert_tokens(&exchange(&org, &code(&org, None)), true);
    let organization = json!({
        "id": org.org_id(),
        "name": "stand-in-org",
        "selfUri": format!("/api/v2/organizations/{}", org.org_id()),
    });
    let expected = json!({
        "organization": organization,
        "homeOrganization": organization,
        "authorizedScope": ["presence", "users:readonly", "notifications"],
        "OAuthClient": {
            "id": org.client_id(),
            "name": "Stand-in OAuth client",
            "organization": {"id": org.org_id()},
        },
    });

    let answer = api(&org, "GET", "/api/v2/tokens/me", &access, None);
    assert_eq!(answer.status, 200);
    let mut info = answer.json();
    let idles = info.as_object_mut().unwrap().remove("dateTokenIdles").unwrap();
    assert!(is_timestamp(idles.as_str().unwrap()), "{idles}");
    assert_eq!(info, expected);

    // A client-credentials token: no dateTokenIdles.
    let client_token = org.access_token();
    assert_eq!(
        api(&org, "GET", "/api/v2/tokens/me", &client_token, None).json(),
        expected
    );

    let head = api(&org, "HEAD", "/api/v2/tokens/me", &access, None);
    assert_eq!((head.status, head.body.len()), (200, 0));

    let revoked = api(&org, "DELETE", "/api/v2/tokens/me", &access, None);
    assert_eq!((revoked.status, revoked.body.len()), (204, 0));
    for (method, path) in [
        ("GET", "/api/v2/tokens/me"),
        ("DELETE", "/api/v2/tokens/me"),
        ("GET", "/api/v2/users/me"),
        ("GET", "/api/v2/systempresences"),
    ] {
        let answer = api(&org, method, path, &access, None);
        assert_eq!(answer.status, 401, "{method} {path}");
        assert_eq!(answer.json()["code"], "bad.credentials");
    }
    assert_eq!(api(&org, "HEAD", "/api/v2/tokens/me", &access, None).status, 401);
    // Signing out ended the sign-in: its refresh token is gone too.
    assert_token_error(
        &refresh(&org, true, &refresh_token.unwrap(), false),
        "invalid_grant",
        "the refresh token is invalid or was already used",
    );
    // Other tokens are untouched.
    assert_eq!(
        api(&org, "GET", "/api/v2/tokens/me", &client_token, None).status,
        200
    );
    let post = api(&org, "POST", "/api/v2/tokens/me", &client_token, None);
    assert_eq!(
        (post.status, post.header("allow")),
        (405, Some("GET, HEAD, DELETE"))
    );
}

// ---------------------------------------------------------------- users/me

#[test]
fn users_me_is_the_tokens_user_and_refuses_client_credentials() {
    let org = FakeOrg::start().unwrap();
    let kim = org.user_ids()[2].clone();
    let token = org.user_access_token(&kim).unwrap();
    assert_eq!(org.user_access_token("nobody"), None);
    assert_eq!(users_me(&org, &token).json(), user_json(&org, &kim));

    let expanded = api(&org, "GET", "/api/v2/users/me?expand=presence", &token, None);
    let mut body = expanded.json();
    let presence = body.as_object_mut().unwrap().remove("presence").unwrap();
    assert_eq!(body, user_json(&org, &kim));
    assert_eq!(presence["source"], "PURECLOUD");
    assert_eq!(presence["primary"], true);
    assert_eq!(presence["presenceDefinition"]["systemPresence"], "Offline");
    assert_eq!(
        presence["selfUri"],
        format!("/api/v2/users/{kim}/presences/PURECLOUD")
    );

    let refused = users_me(&org, &org.access_token());
    assert_eq!(refused.status, 400);
    let body = refused.json();
    assert_eq!(body["code"], "requires.user.context");
    assert_eq!(
        body["message"],
        "This request requires a user context. Client credentials cannot be used for requests to this resource."
    );
    assert_eq!(users_me(&org, "unknown-token").status, 401);
}

// ---------------------------------------------------------------- search

fn search(org: &FakeOrg, body: Value) -> Answer {
    api(
        org,
        "POST",
        "/api/v2/users/search",
        &org.access_token(),
        Some(body),
    )
}

fn by_email(email: &str) -> Value {
    json!({"query": [{"type": "EXACT", "fields": ["email"], "value": email}]})
}

#[test]
fn search_finds_users_by_exact_email_in_any_case() {
    let org = FakeOrg::start().unwrap();
    let sam = org.user_ids()[1].clone();
    let found = search(&org, by_email("SAM.Lee@Example.com"));
    assert_eq!(found.status, 200);
    assert_eq!(
        found.json(),
        json!({
            "total": 1, "pageCount": 1, "pageSize": 25, "pageNumber": 1, "types": ["users"],
            "results": [user_json(&org, &sam)],
        })
    );
    // Nothing found: no `results` at all.
    for email in ["sam@example.com", "sam.lee@example", "lee@example.com"] {
        assert_eq!(
            search(&org, by_email(email)).json(),
            json!({"total": 0, "pageCount": 0, "pageSize": 25, "pageNumber": 1, "types": ["users"]}),
            "{email}"
        );
    }
    // New users are found; e-mail addresses are unique in any case.
    assert!(org.add_user_with_email("u-4", "Robin Park", "robin.park@example.com"));
    assert!(!org.add_user_with_email("u-5", "Robin Two", "ROBIN.PARK@example.com"));
    assert!(!org.add_user_with_email("u-4", "Robin Three", "robin3@example.com"));
    assert!(org.add_user("u-6"));
    assert_eq!(org.user_email("u-6"), None);
    assert_eq!(org.user_name("u-6").as_deref(), Some("u-6"));
    let robin = search(&org, by_email("robin.park@example.com")).json();
    assert_eq!(robin["results"][0]["id"], "u-4");
    assert_eq!(robin["results"][0]["name"], "Robin Park");
    // With the presence, and several values.
    let both = search(
        &org,
        json!({
            "query": [{"type": "EXACT", "fields": ["email"], "values": ["robin.park@example.com", "alex.morgan@example.com"]}],
            "expand": ["presence"],
            "pageSize": 1,
            "pageNumber": 2,
        }),
    )
    .json();
    assert_eq!(
        (both["total"].clone(), both["pageCount"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(both["results"].as_array().unwrap().len(), 1);
    assert_eq!(both["results"][0]["id"], "u-4");
    assert_eq!(
        both["results"][0]["presence"]["presenceDefinition"]["systemPresence"],
        "Offline"
    );
}

#[test]
fn search_refuses_what_it_does_not_support() {
    let org = FakeOrg::start().unwrap();
    for (body, message) in [
        (json!([]), "the body must be a JSON object (a UserSearchRequest)"),
        (json!({}), "query must be a non-empty array of criteria"),
        (
            json!({"query": []}),
            "query must be a non-empty array of criteria",
        ),
        (
            json!({"query": [{"type": "CONTAINS", "fields": ["email"], "value": "a"}]}),
            "the stand-in org supports only EXACT criteria",
        ),
        (
            json!({"query": [{"type": "EXACT", "fields": ["title"], "value": "a"}]}),
            "the stand-in org searches only the fields email, name and id",
        ),
        (
            json!({"query": [{"type": "EXACT", "fields": [], "value": "a"}]}),
            "fields must be a non-empty array of strings",
        ),
        (
            json!({"query": [{"type": "EXACT", "fields": ["email"]}]}),
            "an EXACT criterion needs a value or values",
        ),
        (
            json!({"query": [{"type": "EXACT", "fields": ["email"], "value": "a"}], "pageSize": 0}),
            "pageSize must be a whole number from 1",
        ),
        (
            json!({"query": [{"type": "EXACT", "fields": ["email"], "value": "a"}], "pageSize": 101}),
            "pageSize must be at most 100",
        ),
    ] {
        let answer = search(&org, body.clone());
        assert_eq!(answer.status, 400, "{body}");
        assert_eq!(answer.json()["code"], "bad.request");
        assert_eq!(answer.json()["message"], message, "{body}");
    }
    let unauthenticated = send(
        &org,
        "POST",
        "/api/v2/users/search",
        &[],
        Some(by_email("alex.morgan@example.com").to_string()),
    );
    assert_eq!(unauthenticated.status, 401);
}
