//! The current `/api/v2/presence/definitions` operations: the same
//! definitions as the legacy ones, shown as OrganizationPresenceDefinitions
//! (`type`, `divisionId`, no creation stamps), listed unpaged.

use serde_json::{json, Value};

use super::definition_edit::{deactivate, find, replace};
use super::definition_request::{locale, parse};
use super::state::State;
use super::stored_definition::new_definition;
use super::url::percent_encode;
use super::wire::{Incoming, Outcome, Reply};

const BASE: &str = "/api/v2/presence/definitions";

/// The `localeCode` values the current operations accept (the API's enum).
const LOCALES: [&str; 25] = [
    "ALL", "he", "fr", "en_US", "da", "de", "it", "cs", "es", "fi", "ar", "ja", "ko", "nl", "no", "pl",
    "pt_BR", "pt_PT", "ru", "sv", "th", "tr", "uk", "zh_CN", "zh_TW",
];

/// `GET /api/v2/presence/definitions?deactivated&divisionId&localeCode`:
/// every match at once; `divisionId` may be comma-separated and/or repeated.
pub(super) fn list(state: &mut State, request: &Incoming) -> Outcome {
    let deactivated = request.query_flag("deactivated")?.unwrap_or(false);
    let divisions = request.query_list("divisionId");
    let locale = checked_locale(request)?;
    let entities: Vec<Value> = state
        .definitions
        .iter()
        .filter(|d| d.deactivated == deactivated)
        .filter(|d| divisions.is_empty() || divisions.contains(&d.division_id.as_str()))
        .map(|d| d.current_json(locale))
        .collect();
    let mut filters = vec![format!("deactivated={deactivated}")];
    if !divisions.is_empty() {
        let joined: Vec<String> = divisions.iter().map(|d| percent_encode(d)).collect();
        filters.push(format!("divisionId={}", joined.join(",")));
    }
    if let Some(code) = request.query("localeCode") {
        filters.push(format!("localeCode={}", percent_encode(code)));
    }
    Ok(Reply::json(
        200,
        json!({
            "total": entities.len(),
            "entities": entities,
            "selfUri": format!("{BASE}?{}", filters.join("&")),
        }),
    ))
}

/// `GET /api/v2/presence/definitions/{id}?localeCode`: deactivated ones too.
pub(super) fn get(state: &mut State, request: &Incoming) -> Outcome {
    let definition = find(state, request.param(0))?;
    Ok(Reply::json(
        200,
        definition.current_json(checked_locale(request)?),
    ))
}

/// `POST /api/v2/presence/definitions`: a new, active `User` definition, in
/// the division the body names or else the home division.
pub(super) fn create(state: &mut State, request: &Incoming) -> Outcome {
    let body = parse(&request.body)?;
    let division_id = body.division_id.unwrap_or_else(|| state.home_division_id.clone());
    let definition = new_definition(body.fields, division_id);
    let answer = definition.current_json(None);
    state.definitions.push(definition);
    Ok(Reply::json(200, answer))
}

/// `PUT /api/v2/presence/definitions/{id}`: replaces the client's fields
/// (and the division when the body names one).
pub(super) fn update(state: &mut State, request: &Incoming) -> Outcome {
    let id = request.param(0);
    find(state, id)?;
    let body = parse(&request.body)?;
    Ok(Reply::json(
        200,
        replace(state, id, body.fields, body.division_id)?.current_json(None),
    ))
}

/// `DELETE /api/v2/presence/definitions/{id}`: deactivates it (seen by both
/// views); 204.
pub(super) fn delete(state: &mut State, request: &Incoming) -> Outcome {
    deactivate(state, request.param(0))?;
    Ok(Reply::empty(204))
}

/// The labels' locale (`None` for all), or 400 for a code outside the API's list.
fn checked_locale(request: &Incoming) -> Result<Option<&str>, Reply> {
    if let Some(code) = request.query("localeCode") {
        if !LOCALES.iter().any(|known| known.eq_ignore_ascii_case(code)) {
            return Err(Reply::bad_request(format!(
                "localeCode {code:?} is not one of {}",
                LOCALES.join(", ")
            )));
        }
    }
    Ok(locale(request))
}
