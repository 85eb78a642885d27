use serde::{Deserialize, Serialize};

use super::{null_as_default, ExtraFields};

/// What the API knows of the access token a call is made with: the answer of
/// [`tokens::me`](crate::tokens::me) (`GET /api/v2/tokens/me`).
///
/// Every field may be missing; fields this crate does not know are kept in
/// [`extra`](TokenInfo::extra).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct TokenInfo {
    /// The organization the token works in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<NamedEntity>,
    /// The organization the token's user or OAuth client belongs to (another
    /// one for a token of a trusted org).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_organization: Option<NamedEntity>,
    /// The scopes the token was granted (empty when absent).
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub authorized_scope: Vec<String>,
    /// The user the token's user is a clone of, for a cloned user's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloned_user: Option<NamedEntity>,
    /// When the token idles out (ISO-8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_token_idles: Option<String>,
    /// The OAuth client the token was issued to (JSON name `OAuthClient`).
    #[serde(rename = "OAuthClient", skip_serializing_if = "Option::is_none")]
    pub oauth_client: Option<NamedEntity>,
    /// Every other field the API sent.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// An organization, OAuth client or user inside a [`TokenInfo`]: its id and
/// name, and whatever else the API sent in [`extra`](NamedEntity::extra)
/// (an OAuth client's `authorizedGrantType`, say).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct NamedEntity {
    /// The id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// API link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Every other field the API sent.
    #[serde(flatten)]
    pub extra: ExtraFields,
}
