//! Changing users' presences, as both the single PATCH (`presences`) and
//! the bulk PUT (`bulk`) do: finding the user, reading and checking a
//! change, applying it (and pushing the event, with `notifications`).

use serde_json::{Map, Value};

use super::clock::now_iso;
#[cfg(feature = "notifications")]
use super::presence_events::notify_presence;
use super::state::{SourcePresence, State, PURECLOUD};
use super::wire::Reply;

/// The fields of a PATCH (or of a bulk element) that change a presence.
pub(super) struct Change {
    pub(super) definition_id: Option<String>,
    pub(super) message: Option<String>,
    /// Only `true` has an effect: it makes this source the primary one.
    pub(super) primary: Option<bool>,
}

/// The index of a user, or 404.
pub(super) fn find_user(state: &State, user_id: &str) -> Result<usize, Reply> {
    state
        .user_index(user_id)
        .ok_or_else(|| Reply::not_found(format!("user {user_id} not found")))
}

/// Reads `presenceDefinition.id`, `message` and `primary`; `null` counts as
/// absent. `context` prefixes error messages (`element 3: `).
pub(super) fn parse_change(body: &Map<String, Value>, context: &str) -> Result<Change, Reply> {
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
pub(super) fn check_definition(state: &State, id: Option<&str>, context: &str) -> Result<(), Reply> {
    match id {
        Some(id) if state.active_definition(id).is_none() => Err(Reply::bad_request(format!(
            "{context}presence definition {id} does not exist or is deactivated"
        ))),
        _ => Ok(()),
    }
}

/// Sets a user's `PURECLOUD` presence to the primary definition of
/// `system_presence` (and the message, when given) as a PATCH of
/// `…/presences/purecloud` does, pushing the event the same way; false for
/// an unknown user or system presence.
pub(super) fn set_directly(
    state: &mut State,
    user_id: &str,
    system_presence: &str,
    message: Option<&str>,
) -> bool {
    let (Some(index), Some(definition_id)) = (
        state.user_index(user_id),
        state.primary_definition(system_presence),
    ) else {
        return false;
    };
    let change = Change {
        definition_id: Some(definition_id),
        message: message.map(str::to_owned),
        primary: None,
    };
    apply(state, index, PURECLOUD, &change);
    true
}

/// Applies a checked change to one of a user's presences (creating it,
/// Offline, for a new source) and returns it as JSON.
pub(super) fn apply(state: &mut State, index: usize, source: &str, change: &Change) -> Value {
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
                modified_date: now.clone(),
            });
            user.presences.len() - 1
        }
    };
    if change.primary == Some(true) {
        user.primary_source = source.to_owned();
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
    #[cfg(feature = "notifications")]
    notify_presence(state, index, source);
    let user = &state.users[index];
    user.presences
        .get(position)
        .map_or(Value::Null, |presence| state.presence_json(user, presence))
}
