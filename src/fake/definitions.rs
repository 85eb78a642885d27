//! `/api/v2/systempresences` and the legacy `/api/v2/presencedefinitions` operations.

use serde_json::{json, Map, Value};

use super::server::{Incoming, Outcome, Reply};
use super::state::{is_deactivated, stamp, str_field, Definition, State, SYSTEM_PRESENCES};
use super::util::{now_iso, percent_encode, uuid};

/// Fields the server sets; whatever a client sends for them is ignored.
const SERVER_FIELDS: [&str; 8] = [
    "id",
    "primary",
    "deactivated",
    "createdBy",
    "createdDate",
    "modifiedBy",
    "modifiedDate",
    "selfUri",
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
        None | Some("false") => |d| !is_deactivated(d),
        Some("true") => is_deactivated,
        Some("all") => |_| true,
        Some(other) => {
            return Err(Reply::bad_request(format!(
                "deleted must be true, false or all, not {other:?}"
            )))
        }
    };
    let locale = locale(request);
    let matching: Vec<&Definition> = state.definitions.iter().filter(|d| wanted(d)).collect();
    let total = matching.len() as u64;
    let page_count = total.div_ceil(page_size);
    let skip = (page_number - 1).saturating_mul(page_size);
    let entities: Vec<Value> = matching
        .into_iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(page_size).unwrap_or(usize::MAX))
        .map(|d| localized(d, locale))
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
    Ok(Reply::json(200, localized(definition, locale(request))))
}

/// `POST /api/v2/presencedefinitions`: a new, active, non-primary definition.
pub(super) fn create(state: &mut State, request: &Incoming) -> Outcome {
    let mut definition = parse(&request.body)?;
    let id = uuid();
    let admin = state.admin_ref();
    definition.insert("primary".into(), Value::Bool(false));
    definition.insert("deactivated".into(), Value::Bool(false));
    definition.insert("createdBy".into(), admin.clone());
    definition.insert("createdDate".into(), Value::String(now_iso()));
    stamp(&mut definition, &id, admin);
    state.definitions.push(definition.clone());
    Ok(Reply::json(200, Value::Object(definition)))
}

/// `PUT /api/v2/presencedefinitions/{id}`: replaces everything but the
/// server's fields (and the system presence of a primary definition).
pub(super) fn update(state: &mut State, request: &Incoming) -> Outcome {
    let id = request.param(0);
    let old = find(state, id)?.clone();
    let mut definition = parse(&request.body)?;
    for key in ["primary", "deactivated", "createdBy", "createdDate"] {
        if let Some(value) = old.get(key) {
            definition.insert(key.into(), value.clone());
        }
    }
    if old.get("primary") == Some(&Value::Bool(true)) {
        if let Some(system) = old.get("systemPresence") {
            definition.insert("systemPresence".into(), system.clone());
        }
    }
    stamp(&mut definition, id, state.admin_ref());
    if let Some(slot) = state.definition_mut(id) {
        *slot = definition.clone();
    }
    Ok(Reply::json(200, Value::Object(definition)))
}

/// `DELETE /api/v2/presencedefinitions/{id}`: deactivates it; 204.
pub(super) fn delete(state: &mut State, request: &Incoming) -> Outcome {
    let id = request.param(0);
    let definition = find(state, id)?;
    if definition.get("primary") == Some(&Value::Bool(true)) {
        return Err(Reply::bad_request(format!(
            "presence definition {id} is the primary definition of {} and cannot be deleted",
            str_field(definition, "systemPresence").unwrap_or("a system presence")
        )));
    }
    if is_deactivated(definition) {
        return Err(Reply::not_found(format!(
            "presence definition {id} is already deleted"
        )));
    }
    let admin = state.admin_ref();
    if let Some(definition) = state.definition_mut(id) {
        definition.insert("deactivated".into(), Value::Bool(true));
        stamp(definition, id, admin);
    }
    Ok(Reply::empty(204))
}

fn find<'a>(state: &'a State, id: &str) -> Result<&'a Definition, Reply> {
    state
        .definition(id)
        .ok_or_else(|| Reply::not_found(format!("presence definition {id} not found")))
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
fn locale(request: &Incoming) -> Option<&str> {
    request
        .query("localeCode")
        .filter(|code| !code.is_empty() && !code.eq_ignore_ascii_case("all"))
}

/// The definition with only the labels of `locale` (all labels when `None`).
fn localized(definition: &Definition, locale: Option<&str>) -> Value {
    let mut out = definition.clone();
    if let (Some(code), Some(Value::Object(labels))) = (locale, out.get_mut("languageLabels")) {
        labels.retain(|key, _| key.eq_ignore_ascii_case(code));
    }
    Value::Object(out)
}

/// A create/update body: a JSON object with non-empty `languageLabels` and, if
/// given, a known `systemPresence` (stored in PascalCase); server fields removed.
fn parse(body: &[u8]) -> Result<Map<String, Value>, Reply> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Reply::bad_request(format!("the body is not valid JSON: {e}")))?;
    let Value::Object(mut definition) = value else {
        return Err(Reply::bad_request(
            "the body must be a JSON object (an OrganizationPresence)",
        ));
    };
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
    for key in SERVER_FIELDS {
        definition.remove(key);
    }
    Ok(definition)
}
