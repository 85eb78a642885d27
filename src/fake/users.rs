//! The Users API, as far as finding users goes: `GET /api/v2/users/me` (the
//! token's own user) and `POST /api/v2/users/search` (EXACT criteria).

use serde_json::{json, Map, Value};

use super::oauth::bearer;
use super::state::State;
use super::url::percent_encode;
use super::wire::{json_object, Incoming, Outcome, Reply};

/// Search results per page unless `pageSize` says otherwise, and the most.
const PAGE_SIZE: u64 = 25;
const MAX_PAGE_SIZE: u64 = 100;

/// `GET /api/v2/users/me[?expand=presence]`: the user the token acts for;
/// 400 `requires.user.context` for a client-credentials token.
pub(super) fn me(state: &mut State, request: &Incoming) -> Outcome {
    let token = bearer(request).unwrap_or_default();
    let Some(user_id) = state.tokens.holder(token).user_id else {
        return Err(Reply::error(
            400,
            "requires.user.context",
            "This request requires a user context. Client credentials cannot be used for requests to this resource.",
        ));
    };
    let index = state
        .user_index(&user_id)
        .ok_or_else(|| Reply::not_found(format!("user {user_id} not found")))?;
    let presence = request.query_list("expand").contains(&"presence");
    Ok(Reply::json(200, user_json(state, index, presence)))
}

/// `POST /api/v2/users/search` with a UserSearchRequest: every criterion of
/// `query` must hold (`type` `EXACT` only; `fields` among `email`, `name`,
/// `id`; `value` or `values`, compared case-insensitively); `pageSize`
/// (1–100, default 25), `pageNumber` (default 1) and `expand: ["presence"]`
/// apply. The answer has no `results` when nothing matches.
pub(super) fn search(state: &mut State, request: &Incoming) -> Outcome {
    let body = json_object(
        &request.body,
        "the body must be a JSON object (a UserSearchRequest)",
    )?;
    let criteria = match body.get("query") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(Criterion::parse)
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(Reply::bad_request("query must be a non-empty array of criteria")),
    };
    let page_size = count(&body, "pageSize", PAGE_SIZE)?;
    if page_size > MAX_PAGE_SIZE {
        return Err(Reply::bad_request(format!(
            "pageSize must be at most {MAX_PAGE_SIZE}"
        )));
    }
    let page_number = count(&body, "pageNumber", 1)?;
    let presence = match body.get("expand") {
        None | Some(Value::Null) => false,
        Some(Value::Array(values)) => values.iter().any(|v| v.as_str() == Some("presence")),
        Some(_) => return Err(Reply::bad_request("expand must be an array of strings")),
    };
    let matches: Vec<usize> = (0..state.users.len())
        .filter(|&i| criteria.iter().all(|c| c.matches(state, i)))
        .collect();
    let total = matches.len() as u64;
    let skip = usize::try_from((page_number - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
    let results: Vec<Value> = matches
        .iter()
        .skip(skip)
        .take(usize::try_from(page_size).unwrap_or(usize::MAX))
        .map(|&i| user_json(state, i, presence))
        .collect();
    let mut answer = json!({
        "total": total,
        "pageCount": total.div_ceil(page_size),
        "pageSize": page_size,
        "pageNumber": page_number,
        "types": ["users"],
    });
    if !results.is_empty() {
        answer["results"] = Value::Array(results);
    }
    Ok(Reply::json(200, answer))
}

/// One EXACT criterion: any of `fields` equals any of `values`.
struct Criterion {
    fields: Vec<Field>,
    values: Vec<String>,
}

#[derive(Clone, Copy)]
enum Field {
    Email,
    Name,
    Id,
}

impl Criterion {
    fn parse(value: &Value) -> Result<Criterion, Reply> {
        let Value::Object(criterion) = value else {
            return Err(Reply::bad_request("each criterion must be a JSON object"));
        };
        match criterion.get("type").and_then(Value::as_str) {
            Some(kind) if kind.eq_ignore_ascii_case("EXACT") => {}
            _ => {
                return Err(Reply::bad_request(
                    "the stand-in org supports only EXACT criteria",
                ))
            }
        }
        let fields = strings(criterion.get("fields"))
            .filter(|fields| !fields.is_empty())
            .ok_or_else(|| Reply::bad_request("fields must be a non-empty array of strings"))?
            .iter()
            .map(|field| match field.as_str() {
                "email" => Ok(Field::Email),
                "name" => Ok(Field::Name),
                "id" => Ok(Field::Id),
                _ => Err(Reply::bad_request(
                    "the stand-in org searches only the fields email, name and id",
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut values = strings(criterion.get("values")).unwrap_or_default();
        if let Some(value) = criterion.get("value").and_then(Value::as_str) {
            values.push(value.to_owned());
        }
        if values.is_empty() {
            return Err(Reply::bad_request("an EXACT criterion needs a value or values"));
        }
        let values = values.iter().map(|v| v.to_lowercase()).collect();
        Ok(Criterion { fields, values })
    }

    fn matches(&self, state: &State, index: usize) -> bool {
        let user = &state.users[index];
        self.fields.iter().any(|field| {
            let text = match field {
                Field::Email => user.email.as_deref(),
                Field::Name => Some(user.name.as_str()),
                Field::Id => Some(user.id.as_str()),
            };
            text.is_some_and(|text| self.values.contains(&text.to_lowercase()))
        })
    }
}

/// An array of strings; `None` for anything else.
fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    value?
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// A positive whole number field of the body, or `default` when absent.
fn count(body: &Map<String, Value>, key: &str, default: u64) -> Result<u64, Reply> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value
            .as_u64()
            .filter(|&n| n >= 1)
            .ok_or_else(|| Reply::bad_request(format!("{key} must be a whole number from 1"))),
    }
}

/// A User as the Users API answers it, with the presence of the user's
/// primary source when `presence`.
pub(super) fn user_json(state: &State, index: usize, presence: bool) -> Value {
    let user = &state.users[index];
    let mut out = json!({
        "id": user.id,
        "name": user.name,
        "division": {
            "id": state.home_division_id,
            "name": "Home",
            "selfUri": format!("/api/v2/authorization/divisions/{}", percent_encode(&state.home_division_id)),
        },
        "state": "active",
        "username": user.email.as_deref().unwrap_or(&user.id),
        "version": 1,
        "selfUri": format!("/api/v2/users/{}", percent_encode(&user.id)),
    });
    if let Some(email) = &user.email {
        out["email"] = Value::String(email.clone());
    }
    if presence {
        let current = user.presence(&user.primary_source).or(user.presences.first());
        if let Some(current) = current {
            out["presence"] = state.presence_json(user, current);
        }
    }
    out
}
