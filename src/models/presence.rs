use serde::{Deserialize, Serialize};

use super::{null_as_default, ExtraFields, SystemPresenceName, User};

/// A user's presence for one presence source: what GET and PATCH on
/// `/api/v2/users/{userId}/presences/{sourceId}` exchange.
///
/// As a PATCH body, set only what you want to change; the API accepts three
/// forms, which may be combined:
/// - `primary: Some(true)` makes the source in the path the user's primary source;
/// - `presence_definition` with only an id sets the presence;
/// - `message` sets the status message.
///
/// ```
/// use genesys_presence::{PresenceDefinition, UserPresence};
///
/// let body = UserPresence {
///     presence_definition: Some(PresenceDefinition::with_id("31fe3bac-dea6-44b7-bed7-47f91660a1a0")),
///     message: Some("In a workshop".into()),
///     ..Default::default()
/// };
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"presenceDefinition":{"id":"31fe3bac-dea6-44b7-bed7-47f91660a1a0"},"message":"In a workshop"}"#
/// );
/// ```
///
/// In a bulk update ([`user::update_presences_bulk`](crate::user::update_presences_bulk))
/// `id` is the id of the user to update.
///
/// A non-breaking release may add fields: build it with `..Default::default()`
/// (or change a value read from the API), never naming every field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserPresence {
    /// Read-only in answers; in a bulk update, the id of the user to update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The presence source, e.g. `PURECLOUD` (deprecated by the API in favour of `source_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Id of a registered presence source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// Whether this source is the user's primary source; `true` on a PATCH makes it so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// The presence; when setting it, only the id is needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence_definition: Option<PresenceDefinition>,
    /// The user's desired future presence (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub future_presence_definition: Option<PresenceDefinition>,
    /// Free-text status message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When the presence last changed (ISO-8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// API link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Fields this crate does not know, kept so that they are sent back.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl UserPresence {
    /// The system presence of the current presence definition, parsed
    /// (`Busy`, `OnQueue`, …; see [`SystemPresenceName`]).
    pub fn system_presence_name(&self) -> Option<SystemPresenceName> {
        self.presence_definition
            .as_ref()
            .and_then(PresenceDefinition::system_presence_name)
    }
}

/// A reference to a presence definition, inside a [`UserPresence`].
///
/// A non-breaking release may add fields: build it with `..Default::default()`
/// (or change a value read from the API), never naming every field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PresenceDefinition {
    /// The definition's id; the only field needed when setting a presence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The system presence this definition belongs to, as the API spells it
    /// (spellings vary: `Available`, `AVAILABLE`, `ON_QUEUE`); see
    /// [`system_presence_name`](PresenceDefinition::system_presence_name) for a parsed value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_presence: Option<String>,
    /// API link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Fields this crate does not know, kept so that they are sent back.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl PresenceDefinition {
    /// A reference holding only the definition id: what a PATCH needs.
    pub fn with_id(id: impl Into<String>) -> Self {
        PresenceDefinition {
            id: Some(id.into()),
            ..Default::default()
        }
    }

    /// The system presence, parsed whatever its spelling.
    pub fn system_presence_name(&self) -> Option<SystemPresenceName> {
        self.system_presence.as_deref().map(SystemPresenceName::parse)
    }
}

/// A user's presence across sources with their out-of-office state: the answer
/// of the Microsoft Teams presence read
/// ([`user::get_microsoft_teams_presence`](crate::user::get_microsoft_teams_presence)).
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct PresenceExpand {
    /// Id (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The presences, one per source.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub presences: Vec<UserPresence>,
    /// Out-of-office periods.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub out_of_offices: Vec<OutOfOffice>,
    /// API link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

/// An out-of-office period, inside a [`PresenceExpand`].
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct OutOfOffice {
    /// Id (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user who is out of office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// Start (ISO-8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// End (ISO-8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// Whether the period is in force now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Whether the period has no end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indefinite: Option<bool>,
    /// API link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

/// One user's presence in a bulk read
/// ([`user::get_purecloud_presences_bulk`](crate::user::get_purecloud_presences_bulk),
/// [`user::get_presences_bulk`](crate::user::get_presences_bulk)).
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct UcUserPresence {
    /// Id (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user this presence belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The presence source (deprecated by the API in favour of `source_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The registered source that set this presence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// The presence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence_definition: Option<PresenceDefinition>,
    /// Free-text status message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When the presence last changed (ISO-8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// API link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

impl UcUserPresence {
    /// The system presence of the presence definition, parsed.
    pub fn system_presence_name(&self) -> Option<SystemPresenceName> {
        self.presence_definition
            .as_ref()
            .and_then(PresenceDefinition::system_presence_name)
    }
}
