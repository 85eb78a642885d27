//! `/api/v2/tokens/me`: what the caller's token is (`GET`, `HEAD`), and
//! signing out (`DELETE`).

use serde_json::{json, Value};

use super::clock::iso_at;
use super::oauth::bearer;
use super::state::State;
use super::url::percent_encode;
use super::wire::{Incoming, Outcome, Reply};

/// The scopes every token of the org has.
const SCOPES: [&str; 3] = ["presence", "users:readonly", "notifications"];

/// `GET` (and `HEAD`) `/api/v2/tokens/me`: a TokenInfo. `dateTokenIdles`
/// (when the token stops working) only for tokens that act for a user.
pub(super) fn get(state: &mut State, request: &Incoming) -> Outcome {
    let token = bearer(request).unwrap_or_default();
    let organization = json!({
        "id": state.org_id,
        "name": state.org_name,
        "selfUri": format!("/api/v2/organizations/{}", percent_encode(&state.org_id)),
    });
    let mut info = json!({
        "organization": organization,
        "homeOrganization": organization,
        "authorizedScope": SCOPES,
        "OAuthClient": {
            "id": state.client_id,
            "name": "Stand-in OAuth client",
            "organization": {"id": state.org_id},
        },
    });
    if state.tokens.holder(token).user_id.is_some() {
        if let Some(idles) = state.tokens.idles_at(token) {
            info["dateTokenIdles"] = Value::String(iso_at(idles));
        }
    }
    Ok(Reply::json(200, info))
}

/// `DELETE /api/v2/tokens/me`: revokes the token (every later call with it
/// answers 401 `bad.credentials`) and ends its sign-in, so the sign-in's
/// refresh token stops working too. 204.
pub(super) fn revoke(state: &mut State, request: &Incoming) -> Outcome {
    let token = bearer(request).unwrap_or_default();
    if let Some(sign_in) = state.tokens.revoke(token).and_then(|holder| holder.sign_in) {
        state.sign_in.end(sign_in);
    }
    Ok(Reply::empty(204))
}
