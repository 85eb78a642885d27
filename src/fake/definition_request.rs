//! What both views of presence definitions (`definitions`, the legacy
//! operations, and `presence_definitions`, the current ones) read from a
//! request: the create/update body and the `localeCode` to show labels in.

use serde_json::{Map, Value};

use crate::SystemPresenceName;

use super::wire::{json_object, Incoming, Reply};

/// Fields the server sets, in either view; whatever a client sends for them
/// is ignored (`divisionId` is read separately by the current view).
const SERVER_FIELDS: [&str; 10] = [
    "id",
    "type",
    "primary",
    "deactivated",
    "createdBy",
    "createdDate",
    "modifiedBy",
    "modifiedDate",
    "selfUri",
    "divisionId",
];

/// The `localeCode` to filter labels by; `None` for every label (absent, empty or `ALL`).
pub(super) fn locale(request: &Incoming) -> Option<&str> {
    request
        .query("localeCode")
        .filter(|code| !code.is_empty() && !code.eq_ignore_ascii_case("all"))
}

/// A checked create/update body.
pub(super) struct DefinitionBody {
    /// The client's fields, without the server's (of either view).
    pub(super) fields: Map<String, Value>,
    /// The division named, if any (only the current view uses it).
    pub(super) division_id: Option<String>,
}

/// A create/update body: a JSON object with non-empty `languageLabels`, if
/// given a known `systemPresence` (stored in PascalCase) and a non-empty
/// string `divisionId`; the server's fields removed.
pub(super) fn parse(body: &[u8]) -> Result<DefinitionBody, Reply> {
    let mut definition = json_object(body, "the body must be a JSON object (a presence definition)")?;
    match definition.get("languageLabels") {
        Some(Value::Object(labels)) if !labels.is_empty() && labels.values().all(Value::is_string) => {}
        _ => {
            return Err(Reply::bad_request(
                "languageLabels is required: an object of locale code to label, with at least one entry",
            ))
        }
    }
    match definition.get("systemPresence") {
        None => {}
        Some(Value::Null) => {
            definition.remove("systemPresence");
        }
        Some(Value::String(text)) => match SystemPresenceName::parse(text) {
            SystemPresenceName::Other(_) => {
                return Err(Reply::bad_request(format!(
                    "systemPresence {text:?} is not a system presence"
                )))
            }
            known => {
                definition.insert("systemPresence".into(), Value::String(known.as_str().to_owned()));
            }
        },
        Some(_) => return Err(Reply::bad_request("systemPresence must be a string")),
    }
    let division_id = match definition.get("divisionId") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if !id.trim().is_empty() => Some(id.clone()),
        Some(_) => return Err(Reply::bad_request("divisionId must be a non-empty string")),
    };
    for key in SERVER_FIELDS {
        definition.remove(key);
    }
    Ok(DefinitionBody {
        fields: definition,
        division_id,
    })
}
