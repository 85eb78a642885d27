//! The user grants of `POST /oauth/token`: authorization code (with a secret
//! or PKCE), refresh with rotation, and SAML2 bearer. Each answers the token
//! JSON, or a 400 token error.

use serde_json::{json, Value};

use super::pkce::{valid_verifier, verifies};
use super::sign_in::RefreshGrant;
use super::state::State;
use super::token_request::{token_error, Client, Form};
use super::wire::Reply;

/// `grant_type=authorization_code` with `code`, `redirect_uri` and, for a
/// code made with a PKCE challenge, `code_verifier`. A code works once (the
/// first attempt spends it, whatever its outcome) and only until it expires.
pub(super) fn authorization_code(state: &mut State, form: &Form, client: Client) -> Result<Value, Reply> {
    if client == Client::Anonymous {
        return Err(token_error("invalid_client", "authentication failed"));
    }
    let code = form.required("code")?;
    let redirect_uri = form.required("redirect_uri")?;
    let verifier = form.get("code_verifier")?;
    if verifier.is_some_and(|v| !valid_verifier(v)) {
        return Err(token_error(
            "invalid_request",
            "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
        ));
    }
    let pending = state
        .sign_in
        .take_code(code)
        .ok_or_else(|| invalid_grant("the authorization code is invalid or was already used"))?;
    if pending.expired() {
        return Err(invalid_grant("the authorization code has expired"));
    }
    if pending.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "redirect_uri does not match the one of the authorization request",
        ));
    }
    match (pending.challenge.as_deref(), verifier) {
        (Some(challenge), Some(verifier)) if verifies(verifier, challenge) => {}
        (Some(_), Some(_)) => return Err(invalid_grant("code_verifier does not match the code_challenge")),
        (Some(_), None) => return Err(invalid_grant("code_verifier is required")),
        (None, Some(_)) => return Err(invalid_grant("the authorization request had no code_challenge")),
        (None, None) if client == Client::Public => {
            return Err(token_error(
                "invalid_client",
                "a client without its secret must use PKCE",
            ))
        }
        (None, None) => {}
    }
    let sign_in = state.sign_in.begin();
    let public = client == Client::Public;
    Ok(user_tokens(state, &pending.user_id, sign_in, public))
}

/// `grant_type=refresh_token` with `refresh_token`: a new access token and a
/// new refresh token; the one used stops working. A refresh token issued to
/// a public client takes its `client_id` alone; any other needs the secret.
pub(super) fn refresh(state: &mut State, form: &Form, client: Client) -> Result<Value, Reply> {
    if client == Client::Anonymous {
        return Err(token_error("invalid_client", "authentication failed"));
    }
    let token = form.required("refresh_token")?;
    let grant = state
        .sign_in
        .refresh_grant(token)
        .ok_or_else(|| invalid_grant("the refresh token is invalid or was already used"))?;
    if !grant.public && client != Client::Confidential {
        return Err(token_error("invalid_client", "authentication failed"));
    }
    state.sign_in.spend_refresh_token(token);
    Ok(user_tokens(state, &grant.user_id, grant.sign_in, grant.public))
}

/// `grant_type=urn:ietf:params:oauth:grant-type:saml2-bearer` with `orgName`
/// (the org's name, any case) and `assertion` (one set with
/// `FakeOrg::set_saml_assertion`, as sent): a token for its user, without
/// a refresh token.
pub(super) fn saml2_bearer(state: &mut State, form: &Form) -> Result<Value, Reply> {
    let org_name = form.required("orgName")?;
    let assertion = form.required("assertion")?;
    if !org_name.eq_ignore_ascii_case(&state.org_name) {
        return Err(invalid_grant("unknown organization"));
    }
    let user_id = state
        .sign_in
        .saml_assertions
        .get(assertion)
        .cloned()
        .ok_or_else(|| invalid_grant("the SAML assertion is not valid"))?;
    let token = state.issue_user_token(&user_id, None);
    Ok(json!({"access_token": token, "token_type": "bearer", "expires_in": state.token_lifetime}))
}

/// The answer of the code grants: an access token acting for the user and a
/// refresh token of the same sign-in.
fn user_tokens(state: &mut State, user_id: &str, sign_in: u64, public: bool) -> Value {
    let access = state.issue_user_token(user_id, Some(sign_in));
    let refresh = state.sign_in.new_refresh_token(RefreshGrant {
        user_id: user_id.to_owned(),
        public,
        sign_in,
    });
    json!({
        "access_token": access,
        "token_type": "bearer",
        "expires_in": state.token_lifetime,
        "refresh_token": refresh,
    })
}

fn invalid_grant(description: &str) -> Reply {
    token_error("invalid_grant", description)
}
