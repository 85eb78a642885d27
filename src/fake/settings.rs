//! The org's presence settings: `GET` and `PUT /api/v2/presence/settings`.

use serde_json::{Map, Value};

use super::state::State;
use super::wire::{json_object, Incoming, Outcome, Reply};

/// The fields of `restorePresenceSettings` a PUT must give, and whether each
/// is a boolean (else a non-negative integer).
const RESTORE_FIELDS: [(&str, bool); 3] = [
    ("enabled", true),
    ("restoreTimeMilliseconds", false),
    ("restoreOnQueueEnabled", true),
];

/// `GET /api/v2/presence/settings`.
pub(super) fn get(state: &mut State, _: &Incoming) -> Outcome {
    Ok(Reply::json(200, Value::Object(state.settings.clone())))
}

/// `PUT /api/v2/presence/settings`: replaces the settings (unknown fields
/// kept; `id` and `selfUri` are the server's) and returns them. 400 for a
/// `restorePresenceSettings` without all three of its fields, a
/// non-boolean `requestingOffQueueEnabled`, or a
/// `defaultPrimaryPresenceRegisteredSourceId` that is no active source.
pub(super) fn update(state: &mut State, request: &Incoming) -> Outcome {
    let mut settings = json_object(
        &request.body,
        "the body must be a JSON object (a PresenceSettings)",
    )?;
    match settings.get("restorePresenceSettings") {
        None | Some(Value::Null) => {}
        Some(Value::Object(restore)) => check_restore(restore)?,
        Some(_) => return Err(Reply::bad_request("restorePresenceSettings must be an object")),
    }
    match settings.get("requestingOffQueueEnabled") {
        None | Some(Value::Null | Value::Bool(_)) => {}
        Some(_) => {
            return Err(Reply::bad_request(
                "requestingOffQueueEnabled must be true or false",
            ))
        }
    }
    match settings.get("defaultPrimaryPresenceRegisteredSourceId") {
        None | Some(Value::Null) => {}
        Some(Value::String(id)) if state.active_source(id).is_some() => {}
        Some(other) => {
            return Err(Reply::bad_request(format!(
                "defaultPrimaryPresenceRegisteredSourceId {other} is not an active presence source"
            )))
        }
    }
    for key in ["id", "selfUri"] {
        match state.settings.get(key) {
            Some(value) => settings.insert(key.into(), value.clone()),
            None => settings.remove(key),
        };
    }
    state.settings = settings.clone();
    Ok(Reply::json(200, Value::Object(settings)))
}

/// 400 unless every field of [`RESTORE_FIELDS`] is there with its type.
fn check_restore(restore: &Map<String, Value>) -> Result<(), Reply> {
    for (key, boolean) in RESTORE_FIELDS {
        let value = restore.get(key);
        let fits = if boolean {
            value.is_some_and(Value::is_boolean)
        } else {
            value.and_then(Value::as_u64).is_some()
        };
        if !fits {
            let kind = if boolean {
                "true or false"
            } else {
                "a non-negative integer"
            };
            return Err(Reply::bad_request(format!(
                "restorePresenceSettings.{key} is required: {kind}"
            )));
        }
    }
    Ok(())
}
