use serde::{Deserialize, Serialize};

use super::{ExtraFields, UserPresence};

/// A user as the Users API answers it: the answer of
/// [`users::me`](crate::users::me) and the results of
/// [`users::find_by_email`](crate::users::find_by_email).
///
/// The official SDKs call this model `User`; in this crate
/// [`User`](super::User) is the short reference to a user found inside other
/// objects (`createdBy`, say). Every field may be missing; fields this crate
/// does not know (division, department, title, …) are kept in
/// [`extra`](UserDetails::extra).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct UserDetails {
    /// The user's id (a UUID): what the presence operations take.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user's display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user's e-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The name the user signs in with (often the e-mail address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `active`, `inactive` or `deleted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The user's presence, when asked for (`expand=presence`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence: Option<UserPresence>,
    /// API link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Every other field the API sent.
    #[serde(flatten)]
    pub extra: ExtraFields,
}
