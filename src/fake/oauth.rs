//! `POST /oauth/token` (which client is asking, and which grant), and the
//! bearer check of API calls. The grants themselves are in
//! [`grants`](super::grants).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::json;

use super::grants;
use super::state::State;
use super::token_request::{authentication_failed, confidential, token_error, Client, Form};
use super::tokens::TokenProblem;
use super::url::parse_form;
use super::wire::{Incoming, Outcome, Reply};

/// The SAML2 bearer grant's `grant_type`.
const SAML2_BEARER: &str = "urn:ietf:params:oauth:grant-type:saml2-bearer";

/// `POST /oauth/token`, form-encoded. Client credentials and SAML2 bearer
/// need Basic client authentication; the code and refresh grants take it, or
/// the `client_id` alone for a public (PKCE) client. Counts every token
/// issued in [`State::token_requests`].
pub(super) fn token(state: &mut State, request: &Incoming) -> Outcome {
    let form = Form(parse_form(&String::from_utf8_lossy(&request.body)));
    let client = client(state, request, &form)?;
    let answer = match form.get("grant_type")? {
        Some("client_credentials") => {
            confidential(client)?;
            let token = state.issue_token();
            json!({"access_token": token, "token_type": "bearer", "expires_in": state.token_lifetime})
        }
        Some("authorization_code") => grants::authorization_code(state, &form, client)?,
        Some("refresh_token") => grants::refresh(state, &form, client)?,
        Some(SAML2_BEARER) => {
            confidential(client)?;
            grants::saml2_bearer(state, &form)?
        }
        Some(other) => {
            confidential(client)?;
            return Err(token_error(
                "unsupported_grant_type",
                &format!("grant type {other:?} is not supported"),
            ));
        }
        None => {
            confidential(client)?;
            return Err(token_error("invalid_request", "grant_type is required"));
        }
    };
    state.token_requests += 1;
    Ok(Reply::json(200, answer))
}

/// Who is asking: a wrong `Authorization`, or a `client_id` that is not the
/// org's client, is 400 `invalid_client`.
fn client(state: &State, request: &Incoming, form: &Form) -> Result<Client, Reply> {
    let named = form.get("client_id")?;
    if named.is_some_and(|id| id != state.client_id) {
        return Err(token_error("invalid_client", "client not found"));
    }
    if request.authorization.is_none() {
        return Ok(if named.is_some() {
            Client::Public
        } else {
            Client::Anonymous
        });
    }
    let expected = STANDARD.encode(format!("{}:{}", state.client_id, state.client_secret));
    if credentials(request, "basic").is_some_and(|given| given == expected) {
        Ok(Client::Confidential)
    } else {
        Err(authentication_failed())
    }
}

/// Checks the bearer token of an API call, and returns it: 401
/// `authentication.required` (none), `bad.credentials` (unknown or revoked)
/// or `credentials.expired`.
pub(super) fn authorize<'a>(state: &State, request: &'a Incoming) -> Result<&'a str, Reply> {
    let Some(token) = bearer(request) else {
        return Err(Reply::error(
            401,
            "authentication.required",
            "No authentication bearer token specified in authorization header.",
        ));
    };
    state
        .check_token(token)
        .map(|()| token)
        .map_err(|problem| match problem {
            TokenProblem::Unknown => Reply::error(401, "bad.credentials", "Invalid login credentials."),
            TokenProblem::Expired => Reply::error(
                401,
                "credentials.expired",
                "The authentication token has expired.",
            ),
        })
}

/// The bearer token of a request (checked by [`authorize`] before any
/// `/api/` handler runs).
pub(super) fn bearer(request: &Incoming) -> Option<&str> {
    credentials(request, "bearer")
}

/// The non-empty credentials of an `Authorization: <scheme> <credentials>`
/// header, the scheme compared case-insensitively.
fn credentials<'a>(request: &'a Incoming, scheme: &str) -> Option<&'a str> {
    let (given, rest) = request.authorization.as_deref()?.trim().split_once(' ')?;
    let rest = rest.trim();
    (given.eq_ignore_ascii_case(scheme) && !rest.is_empty()).then_some(rest)
}
