//! `/api/v2/systempresences` and the legacy `/api/v2/presencedefinitions`
//! operations, plus what they share with the current view
//! ([`presence_definitions`](super::presence_definitions)): body checks,
//! lookup, deactivation and locale filtering.

use serde_json::{json, Map, Value};

use super::server::{Incoming, Outcome, Reply};
use super::state::{new_definition, Definition, State, SYSTEM_PRESENCES};
use super::util::{json_object, now_iso, percent_encode};

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

/// `GET /api/v2/systempresences`: the ten system presences.
pub(super) fn system_presences(_: &mut State, _: &Incoming) -> Outcome {
    let list: Vec<Value> = SYSTEM_PRESENCES
        .iter()
        .map(|(id, name, _)| json!({"id": id, "name": name, "selfUri": format!("/api/v2/systempresences/{id}")}))
        .collect();
    Ok(Reply::json(200, Value::Array(list)))
}

/// `GET /api/v2/presencedefinitions?pageNumber&pageSize&deleted&localeCode`.
pub(super) fn list(state: &mut State, request: &Incoming) -> Outcome {
    let page_size = positive(request, "pageSize", 25)?;
    let page_number = positive(request, "pageNumber", 1)?;
    let deleted = request.query("deleted");
    let wanted: fn(&Definition) -> bool = match deleted.map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") => |d| !d.deactivated,
        Some("true") => |d| d.deactivated,
        Some("all") => |_| true,
        Some(other) => {
            return Err(Reply::bad_request(format!(
                "deleted must be true, false or all, not {other:?}"
            )))
        }
    };
    let locale = locale(request);
    let admin = state.admin_ref();
    let matching: Vec<&Definition> = state.definitions.iter().filter(|d| wanted(d)).collect();
    let total = matching.len() as u64;
    let page_count = total.div_ceil(page_size);
    let skip = (page_number - 1).saturating_mul(page_size);
    let entities: Vec<Value> = matching
        .into_iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(page_size).unwrap_or(usize::MAX))
        .map(|d| d.legacy_json(&admin, locale))
        .collect();
    let mut filters = String::new();
    if let Some(deleted) = deleted {
        filters.push_str(&format!("&deleted={}", percent_encode(deleted)));
    }
    if let Some(code) = locale {
        filters.push_str(&format!("&localeCode={}", percent_encode(code)));
    }
    let uri = |n: u64| format!("/api/v2/presencedefinitions?pageSize={page_size}&pageNumber={n}{filters}");
    let mut page = json!({
        "entities": entities,
        "pageSize": page_size,
        "pageNumber": page_number,
        "total": total,
        "pageCount": page_count,
        "firstUri": uri(1),
        "selfUri": uri(page_number),
        "lastUri": uri(page_count.max(1)),
    });
    if page_number < page_count {
        page["nextUri"] = Value::String(uri(page_number + 1));
    }
    if page_number > 1 {
        page["previousUri"] = Value::String(uri(page_number - 1));
    }
    Ok(Reply::json(200, page))
}

/// `GET /api/v2/presencedefinitions/{id}?localeCode`: deleted ones too.
pub(super) fn get(state: &mut State, request: &Incoming) -> Outcome {
    let definition = find(state, request.param(0))?;
    Ok(Reply::json(
        200,
        definition.legacy_json(&state.admin_ref(), locale(request)),
    ))
}

/// `POST /api/v2/presencedefinitions`: a new, active, non-primary (`User`)
/// definition in the home division.
pub(super) fn create(state: &mut State, request: &Incoming) -> Outcome {
    let body = parse(&request.body)?;
    let definition = new_definition(body.fields, state.home_division_id.clone());
    let answer = definition.legacy_json(&state.admin_ref(), None);
    state.definitions.push(definition);
    Ok(Reply::json(200, answer))
}

/// `PUT /api/v2/presencedefinitions/{id}`: replaces everything but the
/// server's fields (and the system presence of a primary definition).
pub(super) fn update(state: &mut State, request: &Incoming) -> Outcome {
    let id = request.param(0);
    find(state, id)?;
    let body = parse(&request.body)?;
    let admin = state.admin_ref();
    let definition = replace(state, id, body.fields, None)?;
    Ok(Reply::json(200, definition.legacy_json(&admin, None)))
}

/// `DELETE /api/v2/presencedefinitions/{id}`: deactivates it; 204.
pub(super) fn delete(state: &mut State, request: &Incoming) -> Outcome {
    deactivate(state, request.param(0))?;
    Ok(Reply::empty(204))
}

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

/// A query parameter that must be a positive integer, or its default.
fn positive(request: &Incoming, key: &str, default: u64) -> Result<u64, Reply> {
    match request.query(key) {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| Reply::bad_request(format!("{key} must be a positive integer, not {text:?}"))),
    }
}

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
        Some(Value::String(text)) => match crate::SystemPresenceName::parse(text) {
            crate::SystemPresenceName::Other(_) => {
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
