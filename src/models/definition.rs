use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{null_as_default, ExtraFields, SystemPresenceName, User};

/// A presence definition of the organization, as the legacy
/// `/api/v2/presencedefinitions` operations exchange it (see
/// [`definitions`](crate::definitions)).
///
/// To create one, `language_labels` and `system_presence` are what matter:
///
/// ```
/// use genesys_presence::OrganizationPresence;
///
/// let lunch = OrganizationPresence {
///     language_labels: Some([("en_US".to_string(), "Lunch".to_string())].into()),
///     system_presence: Some("Meal".into()),
///     ..Default::default()
/// };
/// assert_eq!(
///     serde_json::to_value(&lunch).unwrap(),
///     serde_json::json!({"languageLabels": {"en_US": "Lunch"}, "systemPresence": "Meal"})
/// );
/// ```
///
/// A non-breaking release may add fields: build it with `..Default::default()`
/// (or change a value read from the API), never naming every field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OrganizationPresence {
    /// Id (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The label per locale code, e.g. `{"en_US": "Lunch", "fr": "Déjeuner"}`;
    /// required when creating or updating.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_labels: Option<BTreeMap<String, String>>,
    /// The system presence this definition belongs to, as the API spells it;
    /// see [`system_presence_name`](OrganizationPresence::system_presence_name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_presence: Option<String>,
    /// True once the definition is deleted (deactivated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivated: Option<bool>,
    /// True for the system's own definition of a system presence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Who created it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<User>,
    /// When it was created (ISO-8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// Who last changed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<User>,
    /// When it last changed (ISO-8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// API link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Fields this crate does not know, kept so that they are sent back.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl OrganizationPresence {
    /// The system presence, parsed whatever its spelling.
    pub fn system_presence_name(&self) -> Option<SystemPresenceName> {
        self.system_presence.as_deref().map(SystemPresenceName::parse)
    }

    /// The label for `locale_code` (e.g. `en_US`), if the definition has one.
    pub fn label(&self, locale_code: &str) -> Option<&str> {
        self.language_labels
            .as_ref()
            .and_then(|labels| labels.get(locale_code))
            .map(String::as_str)
    }
}

/// One page of presence definitions, as
/// [`definitions::list`](crate::definitions::list) returns it.
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct OrganizationPresenceEntityListing {
    /// The definitions on this page.
    #[serde(deserialize_with = "null_as_default")]
    pub entities: Vec<OrganizationPresence>,
    /// The page size used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<i64>,
    /// This page's number, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_number: Option<i64>,
    /// How many definitions match in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// How many pages there are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_count: Option<i64>,
    /// Link to the first page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_uri: Option<String>,
    /// Link to the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_uri: Option<String>,
    /// Link to the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_uri: Option<String>,
    /// Link to the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_uri: Option<String>,
    /// Link to this page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}
