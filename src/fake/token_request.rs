//! The parts of a `POST /oauth/token` request that the token endpoint
//! (`oauth`) and the grants (`grants`) share: the decoded form, who is
//! asking, and the token error answer.

use serde_json::json;

use super::wire::Reply;

/// How the client identified itself at the token endpoint.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Client {
    /// `Authorization: Basic base64(id:secret)`, right.
    Confidential,
    /// No `Authorization`, and the right `client_id` in the form (PKCE).
    Public,
    /// Neither.
    Anonymous,
}

/// A form body's fields, decoded.
pub(super) struct Form(pub(super) Vec<(String, String)>);

impl Form {
    /// A field given at most once; 400 `invalid_request` if repeated.
    pub(super) fn get(&self, key: &str) -> Result<Option<&str>, Reply> {
        let mut values = self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(token_error(
                "invalid_request",
                &format!("{key} is given more than once"),
            ));
        }
        Ok(first)
    }

    /// A field that must be given once, not empty; else 400 `invalid_request`.
    pub(super) fn required(&self, key: &str) -> Result<&str, Reply> {
        match self.get(key)? {
            Some(value) if !value.is_empty() => Ok(value),
            _ => Err(token_error("invalid_request", &format!("{key} is required"))),
        }
    }
}

/// 400 `invalid_client` unless the client authenticated with its secret.
pub(super) fn confidential(client: Client) -> Result<(), Reply> {
    match client {
        Client::Confidential => Ok(()),
        Client::Public | Client::Anonymous => Err(authentication_failed()),
    }
}

/// 400 `invalid_client`: the client's authentication failed.
pub(super) fn authentication_failed() -> Reply {
    token_error("invalid_client", "authentication failed")
}

/// A 400 token error: `{"error", "description", "error_description"}`.
pub(super) fn token_error(error: &str, description: &str) -> Reply {
    Reply::json(
        400,
        json!({"error": error, "description": description, "error_description": description}),
    )
}
