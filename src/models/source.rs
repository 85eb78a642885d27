use serde::{Deserialize, Serialize};

use super::{null_as_default, ExtraFields};

/// A presence source: a system that sets users' presence, such as Genesys
/// Cloud itself, a calendar or your own integration (see
/// [`sources`](crate::sources)).
///
/// ```
/// use genesys_presence::Source;
///
/// let mine = Source { name: Some("Door sensor".into()), ..Default::default() };
/// assert_eq!(serde_json::to_string(&mine).unwrap(), r#"{"name":"Door sensor"}"#);
/// ```
///
/// A non-breaking release may add fields: build it with `..Default::default()`
/// (or change a value read from the API), never naming every field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Source {
    /// Id (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name; required when creating or updating.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `System` or `User`, as the API spells it.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    /// True once the source is deleted (deactivated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivated: Option<bool>,
    /// API link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Fields this crate does not know, kept so that they are sent back.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// The answer of [`sources::list`](crate::sources::list): every matching
/// source at once (this listing is not paged).
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct SourceEntityListing {
    /// How many sources match.
    pub total: Option<i64>,
    /// The sources.
    #[serde(deserialize_with = "null_as_default")]
    pub entities: Vec<Source>,
    /// API link.
    pub self_uri: Option<String>,
}
