//! Presence for many users at once: `PUT /api/v2/users/presences/bulk` and
//! the bulk reads `GET /api/v2/users/presences/{sourceId}/bulk` (and
//! `purecloud`), each limited to [`LIMIT`] users per call.

use serde_json::Value;

use super::presence_edit::{apply, check_definition, parse_change};
use super::state::{source_key, State, PURECLOUD};
use super::wire::{parse_json, Incoming, Outcome, Reply};

/// The most users one bulk call may carry (the API's "Limit 50").
pub(super) const LIMIT: usize = 50;

/// `PUT /api/v2/users/presences/bulk`: at most [`LIMIT`] elements, each
/// checked before any is applied; the answer lists the resulting presences in
/// input order, each with `id` set to its user's id.
pub(super) fn update(state: &mut State, request: &Incoming) -> Outcome {
    let Value::Array(elements) = parse_json(&request.body)? else {
        return Err(Reply::bad_request(
            "the body must be a JSON array of MutableUserPresence",
        ));
    };
    check_limit(elements.len(), "presences")?;
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

/// `GET /api/v2/users/presences/{sourceId}/bulk?id=a,b` (`id` also repeated):
/// the UcUserPresences of at most [`LIMIT`] users, in input order, each user
/// once. Unknown users, and users without a presence for the source, are
/// left out; a source that is neither registered nor used by anyone is a 404.
pub(super) fn read(state: &mut State, request: &Incoming) -> Outcome {
    let source = source_key(request.param(0));
    let ids = request.query_list("id");
    if ids.is_empty() {
        return Err(Reply::bad_request(
            "id is required: one or more user ids, comma-separated",
        ));
    }
    check_limit(ids.len(), "user ids")?;
    let known = state.source(&source).is_some() || state.users.iter().any(|u| u.presence(&source).is_some());
    if !known {
        return Err(Reply::not_found(format!("presence source {source} not found")));
    }
    let mut seen = std::collections::HashSet::new();
    let presences = ids
        .into_iter()
        .filter(|id| seen.insert(*id))
        .filter_map(|id| state.users.get(state.user_index(id)?))
        .filter_map(|user| {
            let mut out = state.presence_json(user, user.presence(&source)?);
            if let Value::Object(fields) = &mut out {
                fields.remove("primary");
                fields.insert("userId".into(), Value::String(user.id.clone()));
                fields.insert("sourceId".into(), Value::String(source.clone()));
            }
            Some(out)
        })
        .collect();
    Ok(Reply::json(200, Value::Array(presences)))
}

/// 400 for more than [`LIMIT`] items in one call.
fn check_limit(count: usize, what: &str) -> Result<(), Reply> {
    if count > LIMIT {
        return Err(Reply::bad_request(format!(
            "Limit {LIMIT}: {count} {what} were sent; send at most {LIMIT} per call"
        )));
    }
    Ok(())
}
