//! Users' presences, one user at a time:
//! `/api/v2/users/{userId}/presences/{sourceId}` (and `purecloud`,
//! `microsoftteams`).

use serde_json::{json, Value};

use super::presence_edit::{apply, check_definition, find_user, parse_change};
use super::state::{source_key, State};
use super::url::percent_encode;
use super::wire::{json_object, Incoming, Outcome, Reply};

/// `GET /api/v2/users/{userId}/presences/{sourceId}`.
pub(super) fn get(state: &mut State, request: &Incoming) -> Outcome {
    let user_id = request.param(0);
    let source = source_key(request.param(1));
    let user = &state.users[find_user(state, user_id)?];
    let presence = user
        .presence(&source)
        .ok_or_else(|| Reply::not_found(format!("user {user_id} has no presence for source {source}")))?;
    Ok(Reply::json(200, state.presence_json(user, presence)))
}

/// `PATCH /api/v2/users/{userId}/presences/{sourceId}`: applies only the
/// fields present; a source the user has no presence for yet gets one.
pub(super) fn patch(state: &mut State, request: &Incoming) -> Outcome {
    let body = json_object(&request.body, "the body must be a JSON object (a UserPresence)")?;
    let change = parse_change(&body, "")?;
    let index = find_user(state, request.param(0))?;
    check_definition(state, change.definition_id.as_deref(), "")?;
    Ok(Reply::json(
        200,
        apply(state, index, &source_key(request.param(1)), &change),
    ))
}

/// `GET /api/v2/users/{userId}/presences/microsoftteams`: a PresenceExpand
/// with every presence of the user.
pub(super) fn microsoft_teams(state: &mut State, request: &Incoming) -> Outcome {
    let user_id = request.param(0);
    let user = &state.users[find_user(state, user_id)?];
    let presences: Vec<Value> = user
        .presences
        .iter()
        .map(|p| state.presence_json(user, p))
        .collect();
    Ok(Reply::json(
        200,
        json!({
            "id": user_id,
            "presences": presences,
            "outOfOffices": [],
            "selfUri": format!("/api/v2/users/{}/presences/microsoftteams", percent_encode(user_id)),
        }),
    ))
}
