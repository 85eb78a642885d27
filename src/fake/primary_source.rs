//! A user's primary presence source:
//! `GET` and `PUT /api/v2/presence/users/{userId}/primarysource`.

use serde_json::{json, Value};

use super::presence_edit::find_user;
use super::state::{source_key, State};
use super::url::percent_encode;
use super::wire::{json_object, Incoming, Outcome, Reply};

/// `GET /api/v2/presence/users/{userId}/primarysource`; 404 for an unknown user.
pub(super) fn get(state: &mut State, request: &Incoming) -> Outcome {
    let index = find_user(state, request.param(0))?;
    Ok(Reply::json(200, answer(state, index)))
}

/// `PUT /api/v2/presence/users/{userId}/primarysource` with `{"sourceId": …}`:
/// 400 for a bad body or a source that is not an active presence source,
/// 404 for an unknown user.
pub(super) fn update(state: &mut State, request: &Incoming) -> Outcome {
    let body = json_object(
        &request.body,
        "the body must be a JSON object (a UserPrimarySource)",
    )?;
    let source_id = match body.get("sourceId") {
        Some(Value::String(id)) if !id.trim().is_empty() => source_key(id),
        _ => return Err(Reply::bad_request("sourceId is required: a non-empty string")),
    };
    let index = find_user(state, request.param(0))?;
    if state.active_source(&source_id).is_none() {
        return Err(Reply::bad_request(format!(
            "presence source {source_id} does not exist or is deactivated"
        )));
    }
    if let Some(user) = state.users.get_mut(index) {
        user.primary_source = source_id;
    }
    Ok(Reply::json(200, answer(state, index)))
}

/// The UserPrimarySource of a user; `registered` says whether the source is
/// one of `/api/v2/presence/sources` (a PATCH may have made another one primary).
fn answer(state: &State, index: usize) -> Value {
    let Some(user) = state.users.get(index) else {
        return Value::Null;
    };
    json!({
        "id": user.id,
        "sourceId": user.primary_source,
        "registered": state.source(&user.primary_source).is_some(),
        "selfUri": format!("/api/v2/presence/users/{}/primarysource", percent_encode(&user.id)),
    })
}
