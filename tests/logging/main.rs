//! What the crate logs, through a capturing logger installed at trace level
//! (a logger is global to the process: hence a binary of its own, with one
//! test). Token, refresh, API and watch traffic must leave records at the
//! levels the README documents, and no record of a `genesys_presence`
//! target may hold a secret, in any form. The README's warning about ureq
//! is checked too: ureq_proto's trace dump carries the `Authorization`
//! header, and tungstenite's trace carries the handshake's headers.
//!
//! Needs `fake` (the stand-in org) and `notifications` (the watcher).

#![cfg(all(feature = "fake", feature = "notifications"))]

#[path = "../common/script_server.rs"]
mod script_server;
#[path = "../common/wait.rs"]
mod wait;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine;
use genesys_presence::fake::FakeOrg;
use genesys_presence::watch::WatchBuilder;
use genesys_presence::{user, PresenceDefinition, RetryPolicy, Session, UserPresence};
use log::{Level, LevelFilter, Log, Metadata, Record};

use script_server::{json, Server, Step};
use wait::eventually;

const CLIENT_ID: &str = "log-test-client";
const CLIENT_SECRET: &str = "Zq9/s3cr3t+value=\"x\"";
const TOKEN_1: &str = "tok-A1/x+y=first";
const TOKEN_2: &str = "tok-A2/x+y=second";
const GATEWAY_KEY: &str = "gw-key/7f3a+9c21=";
const CODE: &str = "code/9+xyz=\"q\"";
const VERIFIER: &str = "verifier-0123456789-abcdefghijklmnopqrstuvwxyz_~.";
const PKCE_TOKEN_1: &str = "pk-tok-1/a+b=";
const PKCE_TOKEN_2: &str = "pk-tok-2/c+d=";
const REFRESH_1: &str = "rt-1/abc+def=";
const REFRESH_2: &str = "rt-2/ghi+jkl=";
const USER: &str = "2f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44";
const OTHER_USER: &str = "7c0e4b9a-1d2f-4e3a-8b5c-6d7e8f901234";

/// One captured record.
#[derive(Debug, Clone)]
struct Entry {
    level: Level,
    target: String,
    message: String,
}

/// Keeps every record, from every target, at every level.
struct Capture(Mutex<Vec<Entry>>);

impl Log for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &Record<'_>) {
        let entry = Entry {
            level: record.level(),
            target: record.target().to_owned(),
            message: record.args().to_string(),
        };
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(entry);
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

fn entries() -> Vec<Entry> {
    CAPTURE.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

fn ours(entries: &[Entry]) -> Vec<&Entry> {
    entries
        .iter()
        .filter(|e| e.target == "genesys_presence" || e.target.starts_with("genesys_presence::"))
        .collect()
}

/// Asserts that a record of ours at `level`, from a target starting with
/// `target`, holds every one of `parts`.
#[track_caller]
fn assert_record(entries: &[Entry], level: Level, target: &str, parts: &[&str]) {
    let found = ours(entries).into_iter().any(|e| {
        e.level == level && e.target.starts_with(target) && parts.iter().all(|p| e.message.contains(p))
    });
    assert!(
        found,
        "no {level} record from {target} with {parts:?}; ours:\n{}",
        shown(&ours(entries))
    );
}

fn shown(entries: &[&Entry]) -> String {
    entries
        .iter()
        .map(|e| format!("{} {}: {}", e.level, e.target, e.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every form in which `secret` could be printed: as it is, percent-encoded
/// (either case, `+` or `%20` for a space), JSON-escaped, and in base64
/// (both alphabets, with and without padding).
fn forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    let percent: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    forms.push(percent.to_lowercase());
    forms.push(percent);
    let json = serde_json::to_string(secret).unwrap();
    forms.push(json[1..json.len() - 1].to_owned());
    forms.push(json[1..json.len() - 1].replace('/', "\\/"));
    for encoded in [STANDARD.encode(secret), URL_SAFE.encode(secret)] {
        forms.push(encoded.trim_end_matches('=').to_owned());
        forms.push(encoded);
    }
    forms
}

/// The bytes of ureq_proto's hex dump rows (`4745 5420 …  GET …`), joined.
fn dumped_bytes(entries: &[Entry]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in entries.iter().filter(|e| e.target.starts_with("ureq_proto")) {
        // 8 groups of 2 bytes, each 4 hex digits (or `----`) and a space.
        let Some(hex) = entry.message.get(..40) else {
            continue;
        };
        let digits: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
        for pair in digits.as_bytes().chunks(2) {
            if let Ok(text) = std::str::from_utf8(pair) {
                if let Ok(byte) = u8::from_str_radix(text, 16) {
                    bytes.push(byte);
                }
            }
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn token_answer(access: &str, refresh: Option<&str>) -> Step {
    let mut body = serde_json::json!({"access_token": access, "expires_in": 3600});
    if let Some(refresh) = refresh {
        body["refresh_token"] = refresh.into();
    }
    json(200, body.to_string())
}

/// Client credentials: a token, a call answered 429 then 401 (a new
/// token), then 200 with a body that echoes secrets; a call that gives up
/// after three 503s.
fn client_credentials_traffic() {
    let path = format!("/api/v2/users/{USER}/presences/purecloud");
    let echo = serde_json::json!({"source": "PURECLOUD", "message": format!("echo {TOKEN_2} {CLIENT_SECRET} {GATEWAY_KEY}")});
    let server = Server::start(vec![
        (
            "POST /oauth/token",
            vec![token_answer(TOKEN_1, None), token_answer(TOKEN_2, None)],
        ),
        (
            &*format!("GET {path}"),
            vec![
                json(429, r#"{"status":429}"#)
                    .header("retry-after", "0")
                    .header("inin-correlation-id", "corr-429"),
                json(401, r#"{"status":401}"#).header("inin-correlation-id", "corr-401"),
                json(200, echo.to_string()).header("inin-correlation-id", "corr-200"),
            ],
        ),
        (
            &*format!("GET /api/v2/users/{OTHER_USER}/presences/purecloud"),
            vec![json(503, "{}"), json(503, "{}"), json(503, "{}")],
        ),
    ]);
    let session = Session::builder()
        .base_url(server.url())
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .header("X-Gateway-Key", GATEWAY_KEY)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .backoff(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .build()
        .unwrap();
    let presence = user::get_purecloud_presence(&session, USER).unwrap();
    assert!(presence.message.unwrap().contains(TOKEN_2));
    let error = user::get_purecloud_presence(&session, OTHER_USER).unwrap_err();
    assert_eq!((error.status(), error.attempts()), (Some(503), Some(3)));
}

/// A person's tokens: a PKCE code exchanged, a 401 answered with the
/// refresh token, then a refresh token the login service refuses.
fn pkce_and_refresh_traffic() {
    let path = format!("/api/v2/users/{USER}/presences/purecloud");
    let server = Server::start(vec![
        (
            "POST /oauth/token",
            vec![
                token_answer(PKCE_TOKEN_1, Some(REFRESH_1)),
                token_answer(PKCE_TOKEN_2, Some(REFRESH_2)),
                json(
                    400,
                    format!(
                        r#"{{"error":"invalid_grant","error_description":"refresh token {REFRESH_2} revoked"}}"#
                    ),
                ),
            ],
        ),
        (
            &*format!("GET {path}"),
            vec![
                json(401, r#"{"status":401}"#),
                json(200, r#"{"source":"PURECLOUD"}"#),
                json(401, r#"{"status":401}"#),
            ],
        ),
    ]);
    let session = Session::builder()
        .base_url(server.url())
        .pkce_authorization_code(CLIENT_ID, CODE, VERIFIER, "http://127.0.0.1:8400/callback")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    user::get_purecloud_presence(&session, USER).unwrap();
    let error = user::get_purecloud_presence(&session, USER).unwrap_err();
    assert!(error.is_sign_in_required(), "{error}");
    let forms: Vec<String> = server
        .requests_to("/oauth/token")
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert!(forms[0].contains("code_verifier="), "{forms:?}");
    assert!(forms[1].starts_with("grant_type=refresh_token"), "{forms:?}");
}

/// A watcher against the stand-in org: connect, a change, a dropped
/// connection, the reconnection and the re-read. Returns the secrets the
/// org's sessions used.
fn watch_traffic() -> Vec<String> {
    let org = FakeOrg::start().unwrap();
    org.set_heartbeat_interval(Duration::from_millis(50));
    let tokens = Arc::new(Mutex::new(Vec::new()));
    let session = {
        let tokens = Arc::clone(&tokens);
        Session::builder()
            .base_url(org.base_url())
            .client_credentials(org.client_id(), org.client_secret())
            .header("X-Gateway-Key", GATEWAY_KEY)
            .on_new_tokens(move |t| tokens.lock().unwrap().push(t.access_token().to_owned()))
            .build()
            .unwrap()
    };
    let users = org.user_ids();
    let mut watcher = WatchBuilder::new()
        .heartbeat_timeout(Duration::from_millis(600))
        .reconnect_backoff(Duration::from_millis(10), Duration::from_millis(100))
        .users(&users[..2])
        .start(&session)
        .unwrap();
    eventually("the org takes the socket on", || org.sockets_opened() == 1);
    let busy = org.definition_id("Busy").unwrap();
    let change = UserPresence {
        presence_definition: Some(PresenceDefinition::with_id(busy)),
        message: Some("logged".into()),
        ..Default::default()
    };
    user::update_purecloud_presence(&session, &users[0], &change).unwrap();
    let event = watcher.next_timeout(Duration::from_secs(5)).unwrap().unwrap();
    assert_eq!(event.message.as_deref(), Some("logged"));
    org.close_sockets();
    eventually("the watcher reconnects and reads again", || {
        let entries = entries();
        let ours = ours(&entries);
        ours.iter()
            .any(|e| e.message.starts_with("connection 2 up (reconnected)"))
            && ours
                .iter()
                .any(|e| e.message.starts_with("re-reading the presences of 2 users"))
    });
    watcher.close();
    let mut secrets = vec![org.client_secret().to_owned()];
    secrets.extend(tokens.lock().unwrap().iter().cloned());
    assert!(secrets.len() >= 2, "{secrets:?}");
    secrets
}

#[test]
fn records_come_at_the_documented_levels_and_never_hold_a_secret() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(LevelFilter::Trace);

    client_credentials_traffic();
    let after_client = entries().len();
    pkce_and_refresh_traffic();
    let org_secrets = watch_traffic();
    let all = entries();
    let client = &all[..after_client];

    // One debug record per exchange, answered or not.
    let path = format!("/api/v2/users/{USER}/presences/purecloud");
    for (status, attempt, id) in [(429, 1, "corr-429"), (401, 2, "corr-401"), (200, 3, "corr-200")] {
        assert_record(
            client,
            Level::Debug,
            "genesys_presence::transport",
            &[
                &format!("API GET {path}: {status} in "),
                &format!(" ms, attempt {attempt}, correlation id {id}"),
            ],
        );
    }
    assert_record(
        client,
        Level::Debug,
        "genesys_presence::transport",
        &[
            "token POST /oauth/token: 200 in ",
            "attempt 1, correlation id none",
        ],
    );
    let exchanges = ours(client)
        .iter()
        .filter(|e| e.level == Level::Debug && e.target == "genesys_presence::transport")
        .count();
    // 2 token requests, 3 sends of the first call, 3 of the second.
    assert_eq!(exchanges, 8, "{}", shown(&ours(client)));
    // Retries and waits, token fetches, at info; giving up at warn.
    assert_record(
        client,
        Level::Info,
        "genesys_presence::retry",
        &[&format!(
            "GET {path}: answered 429; sending again in 0 ms (attempt 2 of at most 3)"
        )],
    );
    assert_record(
        client,
        Level::Info,
        "genesys_presence::request",
        &[&format!(
            "GET {path}: answered 401; asking for a new token and sending again"
        )],
    );
    assert_record(
        client,
        Level::Info,
        "genesys_presence::auth",
        &["access token obtained with the client credentials grant: valid for 3600 s, replaced in 35"],
    );
    assert_record(
        client,
        Level::Info,
        "genesys_presence::auth",
        &["access token renewed with the client credentials grant: valid for 3600 s"],
    );
    assert_record(
        client,
        Level::Warn,
        "genesys_presence::retry",
        &[&format!(
            "GET /api/v2/users/{OTHER_USER}/presences/purecloud: answered 503; giving up after 3 attempts"
        )],
    );
    // Bodies at trace only, with secrets hidden; token bodies by size only.
    assert_record(
        client,
        Level::Trace,
        "genesys_presence::request",
        &[
            &format!("GET {path}: answer body ("),
            "echo <redacted> <redacted> <redacted>",
        ],
    );
    assert_record(
        client,
        Level::Trace,
        "genesys_presence::auth",
        &["POST /oauth/token: a form of 29 bytes (never logged), attempt 1"],
    );
    let leaked_body = ours(&all).into_iter().find(|e| {
        e.level != Level::Trace && (e.message.contains("echo") || e.message.contains("PURECLOUD\""))
    });
    assert!(leaked_body.is_none(), "a body above trace: {leaked_body:?}");

    // A person's tokens.
    assert_record(
        &all,
        Level::Info,
        "genesys_presence::auth",
        &[
            "access token obtained with the authorization code (PKCE) grant: valid for 3600 s",
            "with a new refresh token",
        ],
    );
    assert_record(
        &all,
        Level::Info,
        "genesys_presence::auth",
        &["access token renewed with the refresh token grant: valid for 3600 s"],
    );
    assert_record(
        &all,
        Level::Warn,
        "genesys_presence::auth",
        &[
            "no access token renewed with the refresh token grant: ",
            "invalid_grant",
        ],
    );

    // The watcher.
    for (level, parts) in [
        (Level::Debug, &["WebSocket GET 127.0.0.1: 101 in "][..]),
        (
            Level::Info,
            &["connection 1 up (new): 2 users, its channel expires in "][..],
        ),
        (Level::Info, &["connection 1 ended: "][..]),
        (
            Level::Info,
            &["reconnecting: new channel (connection 2) for 2 users"][..],
        ),
        (Level::Info, &["connection 2 up (reconnected): 2 users"][..]),
        (
            Level::Info,
            &["re-reading the presences of 2 users after a gap (0 more to read)"][..],
        ),
        (
            Level::Trace,
            &["connection 1: a ", "-byte message on \"v2.users."][..],
        ),
    ] {
        assert_record(&all, level, "genesys_presence::watch::", parts);
    }

    // No secret in any record of ours, in any form.
    let basic = STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let mut secrets: Vec<String> = [
        CLIENT_SECRET,
        TOKEN_1,
        TOKEN_2,
        GATEWAY_KEY,
        CODE,
        VERIFIER,
        PKCE_TOKEN_1,
        PKCE_TOKEN_2,
        REFRESH_1,
        REFRESH_2,
        &basic,
    ]
    .map(str::to_owned)
    .to_vec();
    secrets.extend(org_secrets);
    for secret in &secrets {
        for form in forms(secret) {
            let leak = ours(&all).into_iter().find(|e| e.message.contains(&form));
            assert!(
                leak.is_none(),
                "a record shows {form:?} (of {secret:?}): {leak:?}"
            );
        }
    }

    // ureq's own records (not ureq_proto's) hide the Authorization header
    // and the caller's headers, at every level.
    let ureq_own: Vec<&Entry> = all
        .iter()
        .filter(|e| e.target == "ureq" || e.target.starts_with("ureq::"))
        .collect();
    assert!(!ureq_own.is_empty());
    for secret in &secrets {
        let leak = ureq_own.iter().find(|e| e.message.contains(secret.as_str()));
        assert!(leak.is_none(), "ureq shows {secret:?}: {leak:?}");
    }
    // What the README warns of: ureq_proto's trace dumps every byte sent,
    // the Authorization header, the caller's headers and the token form
    // included, and every byte received, tokens included.
    let dumped = dumped_bytes(client);
    assert!(
        contains(&dumped, &format!("Basic {basic}")),
        "no Basic value in the dump"
    );
    assert!(
        contains(&dumped, &format!("Bearer {TOKEN_1}")),
        "no bearer token in the dump"
    );
    assert!(
        contains(&dumped, &format!("x-gateway-key: {GATEWAY_KEY}")),
        "no header value in the dump"
    );
    assert!(contains(&dumped, TOKEN_2), "no token answer in the dump");
    // And tungstenite's trace shows the handshake request, headers included.
    let handshake = all
        .iter()
        .find(|e| e.target.starts_with("tungstenite") && e.message.starts_with("Request: "))
        .expect("tungstenite's trace of the handshake request");
    assert!(handshake.message.contains(GATEWAY_KEY), "{handshake:?}");
    assert_eq!(handshake.level, Level::Trace);
}
