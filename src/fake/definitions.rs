//! `/api/v2/systempresences` and the legacy `/api/v2/presencedefinitions`
//! operations: paged lists, OrganizationPresence bodies.

use serde_json::{json, Value};

use super::definition_edit::{deactivate, find, replace};
use super::definition_request::{locale, parse};
use super::state::State;
use super::stored_definition::{new_definition, Definition, SYSTEM_PRESENCES};
use super::url::percent_encode;
use super::wire::{Incoming, Outcome, Reply};

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
