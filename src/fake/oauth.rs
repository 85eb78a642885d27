//! `POST /oauth/token` (client credentials grant) and the bearer check of API calls.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::json;

use super::state::{State, TokenProblem};
use super::url::parse_form;
use super::wire::{Incoming, Outcome, Reply};

/// `POST /oauth/token`: `Authorization: Basic base64(id:secret)` and the form
/// body `grant_type=client_credentials` give a new token.
pub(super) fn token(state: &mut State, request: &Incoming) -> Outcome {
    let pair = format!("{}:{}", state.client_id, state.client_secret);
    let expected = STANDARD.encode(pair);
    let authenticated = credentials(request, "basic").is_some_and(|given| given == expected);
    if !authenticated {
        return Err(token_error("invalid_client", "authentication failed"));
    }
    let form = parse_form(&String::from_utf8_lossy(&request.body));
    match form
        .iter()
        .find(|(key, _)| key == "grant_type")
        .map(|(_, v)| v.as_str())
    {
        Some("client_credentials") => {}
        Some(other) => {
            return Err(token_error(
                "unsupported_grant_type",
                &format!("grant type {other:?} is not supported"),
            ))
        }
        None => return Err(token_error("invalid_request", "grant_type is required")),
    }
    state.token_requests += 1;
    let token = state.issue_token();
    Ok(Reply::json(
        200,
        json!({"access_token": token, "token_type": "bearer", "expires_in": state.token_lifetime}),
    ))
}

/// Checks the bearer token of an API call, and returns it: 401
/// `authentication.required` (none), `bad.credentials` (unknown) or
/// `credentials.expired`.
pub(super) fn authorize<'a>(state: &State, request: &'a Incoming) -> Result<&'a str, Reply> {
    let Some(token) = credentials(request, "bearer") else {
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

/// The non-empty credentials of an `Authorization: <scheme> <credentials>`
/// header, the scheme compared case-insensitively.
fn credentials<'a>(request: &'a Incoming, scheme: &str) -> Option<&'a str> {
    let (given, rest) = request.authorization.as_deref()?.trim().split_once(' ')?;
    let rest = rest.trim();
    (given.eq_ignore_ascii_case(scheme) && !rest.is_empty()).then_some(rest)
}

fn token_error(error: &str, description: &str) -> Reply {
    Reply::json(
        400,
        json!({"error": error, "description": description, "error_description": description}),
    )
}
