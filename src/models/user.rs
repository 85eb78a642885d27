use serde::{Deserialize, Serialize};

use super::ExtraFields;

/// A reference to a Genesys Cloud user, as it appears inside other objects
/// (`createdBy`, `modifiedBy`, an out-of-office's `user`).
///
/// The API sends a full user object here; this crate reads the id, name and
/// link, and keeps every other field in [`extra`](User::extra).
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct User {
    /// The user's id (a UUID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user's display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The API link to the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Every other field the API sent (email, division, state, …).
    #[serde(flatten)]
    pub extra: ExtraFields,
}
