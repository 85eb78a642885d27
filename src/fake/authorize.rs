//! `GET /oauth/authorize`: the browser's side of the authorization code and
//! PKCE grants. No one is asked anything: the org approves at once as the
//! signed-in user and redirects to the client's `redirect_uri` with a code
//! and the `state` it was given.

use super::pkce::valid_challenge;
use super::state::State;
use super::url::percent_encode;
use super::wire::{Incoming, Outcome, Reply};

/// Parameters that may appear at most once (RFC 6749 §3.1).
const SINGLE: [&str; 11] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
    "org",
    "provider",
    "target",
    "login_hint",
    "prompt",
];

/// Checks the request and answers 302 to `redirect_uri?code=…&state=…`.
///
/// An unknown `client_id` or a `redirect_uri` that is missing or not allowed
/// gets a 400 page and no redirect, as it would be unsafe to send anything
/// there. Every other problem is sent back to the client as
/// `redirect_uri?error=…&error_description=…&state=…`.
pub(super) fn authorize(state: &mut State, request: &Incoming) -> Outcome {
    let repeated = |key: &str| request.query.iter().filter(|(k, _)| k == key).count() > 1;
    if repeated("client_id") || request.query("client_id") != Some(state.client_id.as_str()) {
        return Err(page("The client_id is missing or unknown."));
    }
    let redirect_uri = match request.query("redirect_uri") {
        Some(uri) if !repeated("redirect_uri") && state.sign_in.redirect_allowed(uri) => uri,
        _ => {
            return Err(page(
                "The redirect_uri is missing or not registered for this client.",
            ))
        }
    };
    let given_state = request.query("state").filter(|_| !repeated("state"));
    let fail = |error: &str, description: &str| {
        redirect(
            redirect_uri,
            &[("error", error), ("error_description", description)],
            given_state,
        )
    };
    if let Some(key) = SINGLE.iter().find(|key| repeated(key)) {
        return Err(fail("invalid_request", &format!("{key} is given more than once")));
    }
    match request.query("response_type") {
        Some("code") => {}
        None => return Err(fail("invalid_request", "response_type is required")),
        Some(_) => {
            return Err(fail(
                "unsupported_response_type",
                "only response_type=code is supported",
            ))
        }
    }
    let challenge = match (
        request.query("code_challenge"),
        request.query("code_challenge_method"),
    ) {
        (None, None) => None,
        (Some(challenge), Some("S256")) if valid_challenge(challenge) => Some(challenge),
        (Some(_), Some("S256")) => {
            return Err(fail(
                "invalid_request",
                "code_challenge must be 43 characters of base64url (S256)",
            ))
        }
        (Some(_), _) => return Err(fail("invalid_request", "code_challenge_method must be S256")),
        (None, Some(_)) => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method needs a code_challenge",
            ))
        }
    };
    match (request.query("org"), request.query("provider")) {
        (None, None) => {}
        (Some(org), Some(provider)) if org.eq_ignore_ascii_case(&state.org_name) && !provider.is_empty() => {}
        (Some(_), Some(_)) => return Err(fail("invalid_request", "unknown org or provider")),
        _ => return Err(fail("invalid_request", "org and provider go together")),
    }
    if request
        .query("target")
        .is_some_and(|target| target != state.org_id)
    {
        return Err(fail("invalid_request", "target is not an authorized org"));
    }
    if state.sign_in.refused {
        return Err(fail("access_denied", "the user declined to sign in"));
    }
    let user_id = match &state.sign_in.signed_in_user {
        Some(id) => id.clone(),
        None => state.users.first().map(|u| u.id.clone()).unwrap_or_default(),
    };
    let code = state.sign_in.new_code(&user_id, redirect_uri, challenge);
    Ok(redirect(redirect_uri, &[("code", &code)], given_state))
}

/// A 302 to `uri` with `pairs` (and `state`, when given) added to its query.
fn redirect(uri: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Reply {
    let mut location = uri.to_owned();
    let state = state.map(|value| ("state", value));
    for (key, value) in pairs.iter().copied().chain(state) {
        if !location.ends_with(['?', '&']) {
            location.push(if location.contains('?') { '&' } else { '?' });
        }
        location.push_str(key);
        location.push('=');
        location.push_str(&percent_encode(value));
    }
    Reply::empty(302)
        .with_header("Location", location)
        .with_header("Cache-Control", "no-store".to_owned())
}

/// A 400 page for the person at the browser; `message` is fixed text (no
/// part of the request is echoed).
fn page(message: &str) -> Reply {
    Reply::html(
        400,
        format!(
            "<!DOCTYPE html>\n<html><head><title>Sign-in failed</title></head>\
             <body><h1>Sign-in failed</h1><p>{message}</p></body></html>\n"
        ),
    )
}
