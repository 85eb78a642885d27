//! Users' presences: `/api/v2/users/{userId}/presences/{sourceId}` (and
//! `purecloud`, `microsoftteams`) and `PUT /api/v2/users/presences/bulk`.

use serde_json::{json, Map, Value};

use super::server::{Incoming, Outcome, Reply};
use super::state::{source_key, SourcePresence, State, PURECLOUD};
use super::util::{now_iso, percent_encode};

/// The fields of a PATCH (or of a bulk element) that change a presence.
struct Change {
    definition_id: Option<String>,
    message: Option<String>,
    /// Only `true` has an effect: it makes this source the primary one.
    primary: Option<bool>,
}

/// `GET /api/v2/users/{userId}/presences/{sourceId}`.
pub(super) fn get(state: &mut State, request: &Incoming) -> Outcome {
    let user_id = request.param(0);
    let source = source_key(request.param(1));
    let user = &state.users[user(state, user_id)?];
    let presence = user
        .presences
        .iter()
        .find(|p| p.source == source)
        .ok_or_else(|| Reply::not_found(format!("user {user_id} has no presence for source {source}")))?;
    Ok(Reply::json(200, state.presence_json(user_id, presence)))
}

/// `PATCH /api/v2/users/{userId}/presences/{sourceId}`: applies only the
/// fields present; a source the user has no presence for yet gets one.
pub(super) fn patch(state: &mut State, request: &Incoming) -> Outcome {
    let body = object(&request.body, "the body must be a JSON object (a UserPresence)")?;
    let change = parse_change(&body, "")?;
    let index = user(state, request.param(0))?;
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
    let user = &state.users[user(state, user_id)?];
    let presences: Vec<Value> = user
        .presences
        .iter()
        .map(|p| state.presence_json(user_id, p))
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

/// `PUT /api/v2/users/presences/bulk`: every element is checked before any is
/// applied; the answer lists the resulting presences in input order, each
/// with `id` set to its user's id.
pub(super) fn bulk(state: &mut State, request: &Incoming) -> Outcome {
    let value: Value = serde_json::from_slice(&request.body)
        .map_err(|e| Reply::bad_request(format!("the body is not valid JSON: {e}")))?;
    let Value::Array(elements) = value else {
        return Err(Reply::bad_request(
            "the body must be a JSON array of MutableUserPresence",
        ));
    };
    let mut planned = Vec::with_capacity(elements.len());
    for (i, element) in elements.iter().enumerate() {
        let context = format!("element {i}: ");
        let Value::Object(element) = element else {
            return Err(Reply::bad_request(format!("{context}must be a JSON object")));
        };
        let user_id = match element.get("id") {
            Some(Value::String(id)) if !id.is_empty() => id,
            _ => {
                return Err(Reply::bad_request(format!(
                    "{context}id (the user id) is required"
                )))
            }
        };
        let index = state
            .user_index(user_id)
            .ok_or_else(|| Reply::bad_request(format!("{context}user {user_id} not found")))?;
        let change = parse_change(element, &context)?;
        if change.definition_id.is_none() {
            return Err(Reply::bad_request(format!(
                "{context}presenceDefinition.id is required"
            )));
        }
        check_definition(state, change.definition_id.as_deref(), &context)?;
        let source = match element.get("sourceId").or_else(|| element.get("source")) {
            None | Some(Value::Null) => PURECLOUD.to_owned(),
            Some(Value::String(source)) if !source.is_empty() => source_key(source),
            Some(_) => return Err(Reply::bad_request(format!("{context}source must be a string"))),
        };
        planned.push((index, source, change));
    }
    let results = planned
        .iter()
        .map(|(index, source, change)| {
            let mut result = apply(state, *index, source, change);
            result["id"] = Value::String(state.users.get(*index).map(|u| u.id.clone()).unwrap_or_default());
            result
        })
        .collect();
    Ok(Reply::json(200, Value::Array(results)))
}

/// The index of a user, or 404.
fn user(state: &State, user_id: &str) -> Result<usize, Reply> {
    state
        .user_index(user_id)
        .ok_or_else(|| Reply::not_found(format!("user {user_id} not found")))
}

fn object(body: &[u8], what: &str) -> Result<Map<String, Value>, Reply> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Reply::bad_request(what)),
        Err(e) => Err(Reply::bad_request(format!("the body is not valid JSON: {e}"))),
    }
}

/// Reads `presenceDefinition.id`, `message` and `primary`; `null` counts as absent.
fn parse_change(body: &Map<String, Value>, context: &str) -> Result<Change, Reply> {
    let bad = |what: &str| Reply::bad_request(format!("{context}{what}"));
    let definition_id = match body.get("presenceDefinition") {
        None | Some(Value::Null) => None,
        Some(Value::Object(definition)) => match definition.get("id") {
            Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
            _ => return Err(bad("presenceDefinition.id must be a non-empty string")),
        },
        Some(_) => return Err(bad("presenceDefinition must be an object with an id")),
    };
    let message = match body.get("message") {
        None | Some(Value::Null) => None,
        Some(Value::String(message)) => Some(message.clone()),
        Some(_) => return Err(bad("message must be a string")),
    };
    let primary = match body.get("primary") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(primary)) => Some(*primary),
        Some(_) => return Err(bad("primary must be true or false")),
    };
    Ok(Change {
        definition_id,
        message,
        primary,
    })
}

/// 400 unless `id` (when given) is an active definition.
fn check_definition(state: &State, id: Option<&str>, context: &str) -> Result<(), Reply> {
    match id {
        Some(id) if state.active_definition(id).is_none() => Err(Reply::bad_request(format!(
            "{context}presence definition {id} does not exist or is deactivated"
        ))),
        _ => Ok(()),
    }
}

/// Applies a checked change to one of a user's presences and returns it as JSON.
fn apply(state: &mut State, index: usize, source: &str, change: &Change) -> Value {
    let offline = state.primary_definition("Offline").unwrap_or_default();
    let now = now_iso();
    let Some(user) = state.users.get_mut(index) else {
        return Value::Null;
    };
    let position = match user.presences.iter().position(|p| p.source == source) {
        Some(position) => position,
        None => {
            user.presences.push(SourcePresence {
                source: source.to_owned(),
                definition_id: offline,
                message: None,
                primary: false,
                modified_date: now.clone(),
            });
            user.presences.len() - 1
        }
    };
    if change.primary == Some(true) {
        for (i, presence) in user.presences.iter_mut().enumerate() {
            presence.primary = i == position;
        }
    }
    if let Some(presence) = user.presences.get_mut(position) {
        if let Some(id) = &change.definition_id {
            presence.definition_id = id.clone();
        }
        if let Some(message) = &change.message {
            presence.message = Some(message.clone());
        }
        presence.modified_date = now;
    }
    let user = &state.users[index];
    user.presences
        .get(position)
        .map_or(Value::Null, |presence| state.presence_json(&user.id, presence))
}
