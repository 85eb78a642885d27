use serde::{Deserialize, Serialize};

use super::ExtraFields;

/// The organization's presence settings (see [`settings`](crate::settings)).
/// Read them, change what you need, and send them back: unknown fields are kept.
///
/// A non-breaking release may add fields: build it with `..Default::default()`
/// (or change a value read from the API), never naming every field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PresenceSettings {
    /// Id (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether, and for how long, a user's presence is restored after they reconnect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_presence_settings: Option<RestorePresenceSettings>,
    /// Whether agents may ask to go off queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requesting_off_queue_enabled: Option<bool>,
    /// The registered source made primary for users by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_primary_presence_registered_source_id: Option<String>,
    /// API link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Fields this crate does not know, kept so that they are sent back.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// How presence is restored after a user reconnects. When this object is
/// sent, the API requires all three settings.
///
/// A non-breaking release may add fields: build it with `..Default::default()`
/// (or change a value read from the API), never naming every field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RestorePresenceSettings {
    /// Whether presence is restored at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The window, in milliseconds, within which presence is restored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_time_milliseconds: Option<i64>,
    /// Whether an On Queue presence is restored too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_on_queue_enabled: Option<bool>,
    /// Fields this crate does not know, kept so that they are sent back.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// A user's primary presence source: the source whose presence is the user's
/// presence (see [`user::get_primary_source`](crate::user::get_primary_source)).
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct UserPrimarySource {
    /// Id (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The primary source's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// Whether that source is a registered one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered: Option<bool>,
    /// API link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Every other field the API sent.
    #[serde(flatten)]
    pub extra: ExtraFields,
}
