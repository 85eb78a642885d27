//! Presence sources: `/api/v2/presence/sources` and `/api/v2/presence/sources/{id}`.
//! `PURECLOUD` is the org's `System` source and cannot be changed; created
//! sources are `User` sources; DELETE deactivates.

use serde_json::{json, Map, Value};

use super::ids::uuid;
use super::state::{is_deactivated, str_field, Source, State};
use super::url::percent_encode;
use super::wire::{json_object, Incoming, Outcome, Reply};

const BASE: &str = "/api/v2/presence/sources";

/// Fields the server sets; whatever a client sends for them is ignored.
const SERVER_FIELDS: [&str; 4] = ["id", "type", "deactivated", "selfUri"];

/// `GET /api/v2/presence/sources?deactivated`: every active (or, with
/// `deactivated=true`, deactivated) source at once.
pub(super) fn list(state: &mut State, request: &Incoming) -> Outcome {
    let deactivated = request.query_flag("deactivated")?.unwrap_or(false);
    let entities: Vec<Value> = state
        .sources
        .iter()
        .filter(|s| is_deactivated(s) == deactivated)
        .cloned()
        .map(Value::Object)
        .collect();
    Ok(Reply::json(
        200,
        json!({
            "total": entities.len(),
            "entities": entities,
            "selfUri": format!("{BASE}?deactivated={deactivated}"),
        }),
    ))
}

/// `GET /api/v2/presence/sources/{id}`: deactivated ones too.
pub(super) fn get(state: &mut State, request: &Incoming) -> Outcome {
    Ok(Reply::json(
        200,
        Value::Object(find(state, request.param(0))?.clone()),
    ))
}

/// `POST /api/v2/presence/sources`: a new, active `User` source.
pub(super) fn create(state: &mut State, request: &Incoming) -> Outcome {
    let mut source = parse(&request.body)?;
    let id = uuid();
    source.insert("type".into(), Value::String("User".into()));
    source.insert("deactivated".into(), Value::Bool(false));
    identify(&mut source, &id);
    state.sources.push(source.clone());
    Ok(Reply::json(200, Value::Object(source)))
}

/// `PUT /api/v2/presence/sources/{id}`: replaces everything but the server's
/// fields; 400 for the `System` source.
pub(super) fn update(state: &mut State, request: &Incoming) -> Outcome {
    let id = request.param(0);
    let old = changeable(state, id)?;
    let mut source = parse(&request.body)?;
    for key in ["type", "deactivated"] {
        if let Some(value) = old.get(key) {
            source.insert(key.into(), value.clone());
        }
    }
    let id = str_field(old, "id").unwrap_or(id).to_owned();
    identify(&mut source, &id);
    if let Some(slot) = state.source_mut(&id) {
        *slot = source.clone();
    }
    Ok(Reply::json(200, Value::Object(source)))
}

/// `DELETE /api/v2/presence/sources/{id}`: deactivates it; 204. 400 for the
/// `System` source, 404 for an unknown or already deactivated one.
pub(super) fn delete(state: &mut State, request: &Incoming) -> Outcome {
    let id = request.param(0);
    if is_deactivated(changeable(state, id)?) {
        return Err(Reply::not_found(format!(
            "presence source {id} is already deleted"
        )));
    }
    if let Some(source) = state.source_mut(id) {
        source.insert("deactivated".into(), Value::Bool(true));
    }
    Ok(Reply::empty(204))
}

/// A source by id, or 404.
fn find<'a>(state: &'a State, id: &str) -> Result<&'a Source, Reply> {
    state
        .source(id)
        .ok_or_else(|| Reply::not_found(format!("presence source {id} not found")))
}

/// A source clients may change: known (else 404) and not `System` (else 400).
fn changeable<'a>(state: &'a State, id: &str) -> Result<&'a Source, Reply> {
    let source = find(state, id)?;
    if str_field(source, "type") == Some("System") {
        return Err(Reply::bad_request(format!(
            "presence source {id} is a System source and cannot be changed or deleted"
        )));
    }
    Ok(source)
}

/// Sets `id` and `selfUri`.
fn identify(source: &mut Source, id: &str) {
    source.insert("id".into(), Value::String(id.to_owned()));
    source.insert(
        "selfUri".into(),
        Value::String(format!("{BASE}/{}", percent_encode(id))),
    );
}

/// A create/update body: a JSON object with a non-empty string `name` and,
/// if given, a string `description`; the server's fields removed.
fn parse(body: &[u8]) -> Result<Map<String, Value>, Reply> {
    let mut source = json_object(body, "the body must be a JSON object (a Source)")?;
    match source.get("name") {
        Some(Value::String(name)) if !name.trim().is_empty() => {}
        _ => return Err(Reply::bad_request("name is required: a non-empty string")),
    }
    match source.get("description") {
        None | Some(Value::String(_)) => {}
        Some(Value::Null) => {
            source.remove("description");
        }
        Some(_) => return Err(Reply::bad_request("description must be a string")),
    }
    for key in SERVER_FIELDS {
        source.remove(key);
    }
    Ok(source)
}
