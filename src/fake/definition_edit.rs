//! What both views of presence definitions do to a stored definition: find
//! it, replace its fields, deactivate it (each with its 400 or 404).

use serde_json::{Map, Value};

use super::clock::now_iso;
use super::state::State;
use super::stored_definition::Definition;
use super::wire::Reply;

/// A definition by id (deleted ones too), or 404.
pub(super) fn find<'a>(state: &'a State, id: &str) -> Result<&'a Definition, Reply> {
    state
        .definition(id)
        .ok_or_else(|| Reply::not_found(format!("presence definition {id} not found")))
}

/// Replaces the client fields of a known definition (keeping the system
/// presence of a primary one) and, when given, its division; stamps it.
pub(super) fn replace<'a>(
    state: &'a mut State,
    id: &str,
    mut fields: Map<String, Value>,
    division_id: Option<String>,
) -> Result<&'a Definition, Reply> {
    let definition = state
        .definition_mut(id)
        .ok_or_else(|| Reply::not_found(format!("presence definition {id} not found")))?;
    if definition.primary {
        if let Some(system) = definition.fields.get("systemPresence") {
            fields.insert("systemPresence".into(), system.clone());
        }
    }
    definition.fields = fields;
    if let Some(division_id) = division_id {
        definition.division_id = division_id;
    }
    definition.modified_date = now_iso();
    Ok(definition)
}

/// Deactivates a definition (both views' DELETE): 404 for an unknown or
/// already deactivated one, 400 for a primary one.
pub(super) fn deactivate(state: &mut State, id: &str) -> Result<(), Reply> {
    let definition = state
        .definition_mut(id)
        .ok_or_else(|| Reply::not_found(format!("presence definition {id} not found")))?;
    if definition.primary {
        return Err(Reply::bad_request(format!(
            "presence definition {id} is the primary definition of {} and cannot be deleted",
            definition.system_presence().unwrap_or("a system presence")
        )));
    }
    if definition.deactivated {
        return Err(Reply::not_found(format!(
            "presence definition {id} is already deleted"
        )));
    }
    definition.deactivated = true;
    definition.modified_date = now_iso();
    Ok(())
}
