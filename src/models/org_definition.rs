use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{null_as_default, ExtraFields, SystemPresenceName};

/// A presence definition of the organization, as the current
/// `/api/v2/presence/definitions` operations exchange it (see
/// [`presence_definitions`](crate::presence_definitions)).
///
/// Unlike the legacy [`OrganizationPresence`](crate::OrganizationPresence) it
/// has a `type` (`System` or `User`) and a division, and no creation or
/// modification stamps.
///
/// ```
/// use genesys_presence::OrganizationPresenceDefinition;
///
/// let lunch = OrganizationPresenceDefinition {
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
pub struct OrganizationPresenceDefinition {
    /// Id (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `System` for the org's built-in definitions, `User` for ones it added;
    /// kept as the API spells it.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub definition_type: Option<String>,
    /// The label per locale code, e.g. `{"en_US": "Lunch"}`; required when
    /// creating or updating.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_labels: Option<BTreeMap<String, String>>,
    /// The system presence this definition belongs to, as the API spells it;
    /// see [`system_presence_name`](OrganizationPresenceDefinition::system_presence_name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_presence: Option<String>,
    /// The division the definition belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub division_id: Option<String>,
    /// True once the definition is deleted (deactivated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivated: Option<bool>,
    /// API link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Fields this crate does not know, kept so that they are sent back.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl OrganizationPresenceDefinition {
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

    /// True for a definition the org added (`type` `User`), false for a built-in one.
    pub fn is_user_defined(&self) -> bool {
        self.definition_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("user"))
    }
}

/// The answer of [`presence_definitions::list`](crate::presence_definitions::list):
/// every matching definition at once (this listing is not paged).
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct OrganizationPresenceDefinitionEntityListing {
    /// How many definitions match.
    pub total: Option<i64>,
    /// The definitions.
    #[serde(deserialize_with = "null_as_default")]
    pub entities: Vec<OrganizationPresenceDefinition>,
    /// API link.
    pub self_uri: Option<String>,
}
