//! A user's primary presence source (`/api/v2/presence/users/{userId}/primarysource`).

use crate::args::require_text;
use crate::models::UserPrimarySource;
use crate::request::{self, segment, Call};
use crate::{Result, Session};

fn path(user_id: &str) -> Result<String> {
    Ok(format!(
        "/api/v2/presence/users/{}/primarysource",
        segment("user_id", user_id)?
    ))
}

/// Reads which presence source is a user's primary one: the source whose
/// presence is the user's presence.
///
/// `GET /api/v2/presence/users/{userId}/primarysource`. Official SDKs:
/// `get_presence_user_primarysource`, `getPresenceUserPrimarysource`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty user id; [`Api`](crate::ErrorKind::Api) for an error
/// answer (404 unknown user, 403 without `presence:userPrimarySource:view`).
pub fn get_primary_source(session: &Session, user_id: &str) -> Result<UserPrimarySource> {
    request::send_json(session, &Call::get(path(user_id)?))
}

/// Makes `source_id` a user's primary presence source.
///
/// `PUT /api/v2/presence/users/{userId}/primarysource` with body
/// `{"sourceId": …}`. Official SDKs: `put_presence_user_primarysource`,
/// `putPresenceUserPrimarysource`. (A PATCH of the user's presence with
/// `primary: true` does the same for one source.)
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty user or source id; [`Api`](crate::ErrorKind::Api)
/// for an error answer (400 unknown source, 404 unknown user, 403 without
/// `presence:userPrimarySource:edit`).
pub fn set_primary_source(session: &Session, user_id: &str, source_id: &str) -> Result<UserPrimarySource> {
    let path = path(user_id)?;
    require_text("source_id", source_id)?;
    let body = UserPrimarySource {
        source_id: Some(source_id.to_owned()),
        ..Default::default()
    };
    request::send_json(session, &Call::put(path).json(&body)?)
}
