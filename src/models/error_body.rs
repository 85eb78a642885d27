use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::secret::Redactor;

/// The JSON body of a Genesys Cloud error answer (any 4xx or 5xx).
///
/// Decoding is bounded, so that a hostile body costs little memory and
/// stack (whatever thread decodes it): nested `errors` are decoded
/// [`MAX_NESTING`](ErrorBody::MAX_NESTING) levels deep, and at most
/// [`MAX_ITEMS`](ErrorBody::MAX_ITEMS) nested bodies in all; `details` and
/// `messageParams` keep their first [`MAX_ITEMS`](ErrorBody::MAX_ITEMS)
/// entries, and a parameter's value its first two levels of arrays and
/// objects. What lies beyond is skipped (not kept). In an
/// [`Error`](crate::Error), each text is also cut to
/// [`Error::MAX_QUOTED_CHARS`](crate::Error::MAX_QUOTED_CHARS) characters
/// (then `…`), and [`MAX_TEXT_CHARS`](ErrorBody::MAX_TEXT_CHARS) in all.
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct ErrorBody {
    /// Human-readable message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Dotted error code, e.g. `not.found` or `too.many.requests.retry.after`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The HTTP status, repeated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<i64>,
    /// Id of the entity the error is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    /// Name of the entity the error is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_name: Option<String>,
    /// Message template whose placeholders are named in `message_params`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_with_params: Option<String>,
    /// Values for the template's placeholders.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "bounded_params"
    )]
    pub message_params: BTreeMap<String, Value>,
    /// Correlation id; the same as the `inin-correlation-id` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
    /// Field-level details.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "bounded_details")]
    pub details: Vec<ErrorDetail>,
    /// Nested errors.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nested_errors")]
    pub errors: Vec<ErrorBody>,
    /// The limit that was hit, on rate-limit and size errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<ErrorLimit>,
}

/// One field-level detail of an [`ErrorBody`].
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// Error code of this detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The request field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// Id of the entity at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    /// Name of the entity at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_name: Option<String>,
}

/// The limit named by an [`ErrorBody`].
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct ErrorLimit {
    /// The limit's key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The limit's namespace, e.g. `presence`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The limit's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
}

impl ErrorBody {
    /// Decodes an error answer's body: in full when every field has its
    /// type, else (a `status` sent as a string, an object where a list
    /// belongs) just its `message`, `code` and `contextId`, so that one
    /// mistyped field does not cost the caller the code. `None` when the
    /// body is not a JSON object with a code or a message.
    pub(crate) fn decode(bytes: &[u8]) -> Option<ErrorBody> {
        let body = serde_json::from_slice::<ErrorBody>(bytes).ok().or_else(|| {
            let essentials = serde_json::from_slice::<Essentials>(bytes).ok()?;
            Some(ErrorBody {
                message: essentials.message,
                code: essentials.code,
                context_id: essentials.context_id,
                ..ErrorBody::default()
            })
        })?;
        (body.code.is_some() || body.message.is_some()).then_some(body)
    }

    /// How many levels of nested `errors` are decoded below the body itself;
    /// deeper ones are skipped.
    pub const MAX_NESTING: usize = 4;

    /// The most entries decoded in `details` and in `messageParams`, and the
    /// most nested bodies (`errors`, at any level) decoded in all; later
    /// ones are skipped.
    pub const MAX_ITEMS: usize = 20;

    /// The most characters of text an error body keeps in an
    /// [`Error`](crate::Error), all its strings together (code and message
    /// first); past that, texts are cut to `…` and lists emptied.
    pub const MAX_TEXT_CHARS: usize = 4096;

    /// Cuts every text to [`Error::MAX_QUOTED_CHARS`](crate::Error::MAX_QUOTED_CHARS)
    /// (and all of them to [`MAX_TEXT_CHARS`](ErrorBody::MAX_TEXT_CHARS)), and
    /// replaces every secret `redactor` knows, in every string the body holds.
    pub(crate) fn bound(&mut self, redactor: &Redactor) {
        let mut budget = Budget {
            redactor,
            left: ErrorBody::MAX_TEXT_CHARS,
        };
        self.bound_within(&mut budget);
    }

    fn bound_within(&mut self, budget: &mut Budget<'_>) {
        for text in [
            &mut self.code,
            &mut self.message,
            &mut self.context_id,
            &mut self.entity_id,
            &mut self.entity_name,
            &mut self.message_with_params,
        ] {
            budget.text_opt(text);
        }
        let params = std::mem::take(&mut self.message_params);
        for (key, mut value) in params {
            if budget.spent() {
                break;
            }
            let key = budget.text(&key);
            budget.value(&mut value);
            self.message_params.insert(key, value);
        }
        budget.list(&mut self.details, |budget, detail| {
            for text in [
                &mut detail.error_code,
                &mut detail.field_name,
                &mut detail.entity_id,
                &mut detail.entity_name,
            ] {
                budget.text_opt(text);
            }
        });
        if let Some(limit) = &mut self.limit {
            budget.text_opt(&mut limit.key);
            budget.text_opt(&mut limit.namespace);
        }
        budget.list(&mut self.errors, |budget, nested| nested.bound_within(budget));
    }
}

/// What is left of [`ErrorBody::MAX_TEXT_CHARS`] while a body is bounded.
struct Budget<'a> {
    redactor: &'a Redactor,
    left: usize,
}

impl Budget<'_> {
    fn spent(&self) -> bool {
        self.left == 0
    }

    fn text(&mut self, text: &str) -> String {
        let max = self.left.min(crate::Error::MAX_QUOTED_CHARS);
        let (mut shown, cut) = self.redactor.redact_prefix(text, max);
        self.left -= shown.chars().count().min(self.left);
        if cut {
            shown.push('…');
        }
        shown
    }

    fn text_opt(&mut self, text: &mut Option<String>) {
        if let Some(t) = text {
            *t = self.text(t);
        }
    }

    fn value(&mut self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.text(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.value(v)),
            Value::Object(map) => {
                let entries = std::mem::take(map);
                for (key, mut v) in entries {
                    let key = self.text(&key);
                    self.value(&mut v);
                    map.insert(key, v);
                }
            }
            _ => {}
        }
    }

    /// Bounds each item in turn; once the budget is spent, drops the rest.
    fn list<T>(&mut self, items: &mut Vec<T>, mut each: impl FnMut(&mut Self, &mut T)) {
        let mut kept = 0;
        for item in items.iter_mut() {
            if self.spent() {
                break;
            }
            each(self, item);
            kept += 1;
        }
        items.truncate(kept);
    }
}

thread_local! {
    /// While an [`ErrorBody`] is decoded on this thread: how many levels of
    /// `errors` deep the decoder is, and how many nested bodies it decoded.
    static NESTING: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// Puts the nesting depth back when a level of `errors` is left, also on
/// an error.
struct LeaveLevel(usize);

impl Drop for LeaveLevel {
    fn drop(&mut self) {
        let (_, decoded) = NESTING.get();
        NESTING.set((self.0, decoded));
    }
}

/// `errors`: up to [`ErrorBody::MAX_NESTING`] levels and
/// [`ErrorBody::MAX_ITEMS`] bodies in all; `null` is an empty list.
fn nested_errors<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<ErrorBody>, D::Error> {
    let (depth, decoded) = NESTING.get();
    if depth >= ErrorBody::MAX_NESTING {
        IgnoredAny::deserialize(deserializer)?;
        return Ok(Vec::new());
    }
    // A body's own `errors` start the count afresh.
    NESTING.set((depth + 1, if depth == 0 { 0 } else { decoded }));
    let _leave = LeaveLevel(depth);
    deserializer.deserialize_option(Capped {
        accept: |decoded| {
            let (depth, count) = NESTING.get();
            let more = count < ErrorBody::MAX_ITEMS;
            if more && decoded {
                NESTING.set((depth, count + 1));
            }
            more
        },
        item: std::marker::PhantomData::<ErrorBody>,
    })
}

/// `details`: the first [`ErrorBody::MAX_ITEMS`]; `null` is an empty list.
fn bounded_details<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<ErrorDetail>, D::Error> {
    let count = Cell::new(0);
    deserializer.deserialize_option(Capped {
        accept: |decoded| {
            let more = count.get() < ErrorBody::MAX_ITEMS;
            if more && decoded {
                count.set(count.get() + 1);
            }
            more
        },
        item: std::marker::PhantomData::<ErrorDetail>,
    })
}

/// A list, `null` as empty, whose items are decoded while `accept(false)`
/// says so and skipped after; `accept(true)` counts a decoded item.
struct Capped<F, T> {
    accept: F,
    item: std::marker::PhantomData<T>,
}

impl<'de, F: Fn(bool) -> bool, T: Deserialize<'de>> Visitor<'de> for Capped<F, T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::new();
        while (self.accept)(false) {
            match seq.next_element::<T>()? {
                Some(item) => items.push(item),
                None => return Ok(items),
            }
            (self.accept)(true);
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(items)
    }
}

/// How many levels of arrays and objects a `messageParams` value keeps.
const PARAM_VALUE_LEVELS: usize = 2;

/// `messageParams`: the first [`ErrorBody::MAX_ITEMS`] entries, each value
/// [`PARAM_VALUE_LEVELS`] levels deep; `null` is an empty map.
fn bounded_params<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, Value>, D::Error> {
    struct Params;
    impl<'de> Visitor<'de> for Params {
        type Value = BTreeMap<String, Value>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object or null")
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }

        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_map(self)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut params = BTreeMap::new();
            while params.len() < ErrorBody::MAX_ITEMS {
                let Some(key) = map.next_key::<String>()? else {
                    return Ok(params);
                };
                let value = map.next_value_seed(BoundedValue(PARAM_VALUE_LEVELS))?;
                params.insert(key, value);
            }
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(params)
        }
    }
    deserializer.deserialize_option(Params)
}

/// Any JSON value, with at most `.0` levels of arrays and objects (a deeper
/// one is `null`) and [`ErrorBody::MAX_ITEMS`] entries in each.
struct BoundedValue(usize);

impl<'de> DeserializeSeed<'de> for BoundedValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for BoundedValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        if self.0 > 0 {
            while items.len() < ErrorBody::MAX_ITEMS {
                match seq.next_element_seed(BoundedValue(self.0 - 1))? {
                    Some(item) => items.push(item),
                    None => return Ok(Value::Array(items)),
                }
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(if self.0 > 0 {
            Value::Array(items)
        } else {
            Value::Null
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = serde_json::Map::new();
        if self.0 > 0 {
            while entries.len() < ErrorBody::MAX_ITEMS {
                let Some(key) = map.next_key::<String>()? else {
                    return Ok(Value::Object(entries));
                };
                entries.insert(key, map.next_value_seed(BoundedValue(self.0 - 1))?);
            }
        }
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(if self.0 > 0 {
            Value::Object(entries)
        } else {
            Value::Null
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        let mut body = String::from(r#"{"code":"deepest"}"#);
        for level in (0..levels).rev() {
            body = format!(r#"{{"code":"level{level}","errors":[{body}]}}"#);
        }
        body
    }

    fn depth(body: &ErrorBody) -> usize {
        body.errors.first().map_or(0, |e| 1 + depth(e))
    }

    #[test]
    fn nested_errors_are_decoded_to_a_bounded_depth() {
        let body: ErrorBody = serde_json::from_str(&nested(3)).unwrap();
        assert_eq!(depth(&body), 3);
        let body: ErrorBody = serde_json::from_str(&nested(10)).unwrap();
        assert_eq!(body.code.as_deref(), Some("level0"));
        assert_eq!(depth(&body), ErrorBody::MAX_NESTING);
        // The thread is ready for the next body.
        let body: ErrorBody = serde_json::from_str(&nested(2)).unwrap();
        assert_eq!(depth(&body), 2);
    }

    #[test]
    fn lists_and_params_keep_their_first_entries() {
        let many: Vec<String> = (0..100)
            .map(|i| format!(r#"{{"code":"c{i}","errors":[{{}}]}}"#))
            .collect();
        let details: Vec<String> = (0..100).map(|i| format!(r#"{{"fieldName":"f{i}"}}"#)).collect();
        let params: Vec<String> = (0..100)
            .map(|i| format!(r#""p{i:03}":[[[1]],{{"a":{{"b":2}}}}]"#))
            .collect();
        let text = format!(
            r#"{{"code":"top","errors":[{}],"details":[{}],"messageParams":{{{}}}}}"#,
            many.join(","),
            details.join(","),
            params.join(",")
        );
        let body: ErrorBody = serde_json::from_str(&text).unwrap();
        let nested: usize = body.errors.iter().map(|e| 1 + e.errors.len()).sum();
        assert_eq!(nested, ErrorBody::MAX_ITEMS);
        assert_eq!(body.details.len(), ErrorBody::MAX_ITEMS);
        assert_eq!(body.details[19].field_name.as_deref(), Some("f19"));
        assert_eq!(body.message_params.len(), ErrorBody::MAX_ITEMS);
        assert_eq!(
            body.message_params["p000"],
            serde_json::json!([[null], {"a": null}])
        );
    }

    #[test]
    fn nulls_are_empty_and_wrong_types_fail() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"errors":null,"details":null,"messageParams":null}"#).unwrap();
        assert_eq!(body, ErrorBody::default());
        assert!(serde_json::from_str::<ErrorBody>(r#"{"errors":"x"}"#).is_err());
        assert!(serde_json::from_str::<ErrorBody>(r#"{"messageParams":[1]}"#).is_err());
    }

    #[test]
    fn bounding_cuts_each_text_and_the_whole() {
        let long = "m".repeat(10_000);
        let mut body = ErrorBody {
            code: Some("c".into()),
            message: Some(long.clone()),
            errors: vec![
                ErrorBody {
                    message: Some(long),
                    ..ErrorBody::default()
                };
                20
            ],
            ..ErrorBody::default()
        };
        body.bound(&Redactor::default());
        assert_eq!(body.code.as_deref(), Some("c"));
        let message = body.message.as_deref().unwrap();
        assert_eq!(message.chars().count(), crate::Error::MAX_QUOTED_CHARS + 1);
        assert!(message.ends_with('…'));
        let text = serde_json::to_string(&body).unwrap();
        assert!(text.len() < ErrorBody::MAX_TEXT_CHARS + 2_000, "{}", text.len());
        assert!(body.errors.len() < 20);
    }
}

/// The fields of an error body worth keeping when others do not decode.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Essentials {
    #[serde(default, deserialize_with = "text_only")]
    message: Option<String>,
    #[serde(default, deserialize_with = "text_only")]
    code: Option<String>,
    #[serde(default, deserialize_with = "text_only")]
    context_id: Option<String>,
}

/// A string, or `None` for any other JSON value.
fn text_only<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(text) => Some(text),
        _ => None,
    })
}
