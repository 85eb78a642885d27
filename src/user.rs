//! A user's presence: read and set it per presence source, or for many users at once.
//!
//! Genesys Cloud's own source is `PURECLOUD` (path segment `purecloud`); other
//! sources (a calendar, a custom integration) have their own source ids.

use crate::http::{self, segment, Call};
use crate::models::{PresenceExpand, UserPresence};
use crate::{Error, Result, Session};

fn presence_path(user_id: &str, source: &str) -> Result<String> {
    Ok(format!(
        "/api/v2/users/{}/presences/{source}",
        segment("user_id", user_id)?
    ))
}

/// Reads a user's presence for a presence source, e.g. a custom source.
///
/// `GET /api/v2/users/{userId}/presences/{sourceId}`. Official SDKs:
/// `get_user_presence`, `getUserPresence`. For Genesys Cloud's own source use
/// [`get_purecloud_presence`].
///
/// # Errors
///
/// [`Error::InvalidInput`] for an empty user or source id; [`Error::Api`] for
/// an error answer (404 unknown user or source).
pub fn get_presence(session: &Session, user_id: &str, source_id: &str) -> Result<UserPresence> {
    let path = presence_path(user_id, &segment("source_id", source_id)?)?;
    http::send_json(session, &Call::get(path))
}

/// Reads a user's Genesys Cloud presence (the `PURECLOUD` source).
///
/// `GET /api/v2/users/{userId}/presences/purecloud`. Official SDKs:
/// `get_user_presences_purecloud`, `getUserPresencesPurecloud`.
///
/// # Errors
///
/// [`Error::InvalidInput`] for an empty user id; [`Error::Api`] for an error
/// answer (404 unknown user).
///
/// # Example
///
/// ```no_run
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// let presence = genesys_presence::user::get_purecloud_presence(&session, "3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44")?;
/// println!("{:?} {:?}", presence.system_presence_name(), presence.message);
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn get_purecloud_presence(session: &Session, user_id: &str) -> Result<UserPresence> {
    http::send_json(session, &Call::get(presence_path(user_id, "purecloud")?))
}

/// Reads a user's Microsoft Teams presence, mapped to a Genesys Cloud
/// presence, with activity details in the message. The source is read-only.
///
/// `GET /api/v2/users/{userId}/presences/microsoftteams`. Official SDKs:
/// `get_user_presences_microsoftteams` (Ruby seed page). Genesys removed this
/// operation from its public API definition in April 2022; an org that no
/// longer serves it answers 404, reported as [`Error::Api`].
///
/// # Errors
///
/// [`Error::InvalidInput`] for an empty user id; [`Error::Api`] for an error
/// answer (404, 403 without `integration:microsoftTeams:view`).
pub fn get_microsoft_teams_presence(session: &Session, user_id: &str) -> Result<PresenceExpand> {
    http::send_json(session, &Call::get(presence_path(user_id, "microsoftteams")?))
}

/// Changes a user's presence for a presence source (a custom source; the API
/// does not support registered sources here). Send only what changes; see
/// [`UserPresence`] for the three forms.
///
/// `PATCH /api/v2/users/{userId}/presences/{sourceId}`. Official SDKs:
/// `patch_user_presence`, `patchUserPresence`.
///
/// # Errors
///
/// [`Error::InvalidInput`] for an empty user or source id; [`Error::Api`] for
/// an error answer (400 unknown definition id, 404 unknown user).
pub fn update_presence(
    session: &Session,
    user_id: &str,
    source_id: &str,
    presence: &UserPresence,
) -> Result<UserPresence> {
    let path = presence_path(user_id, &segment("source_id", source_id)?)?;
    http::send_json(session, &Call::patch(path).json(presence)?)
}

/// Changes a user's Genesys Cloud presence (the `PURECLOUD` source). Send only
/// what changes; see [`UserPresence`] for the three forms.
///
/// `PATCH /api/v2/users/{userId}/presences/purecloud`. Official SDKs:
/// `patch_user_presences_purecloud`, `patchUserPresencesPurecloud`.
///
/// # Errors
///
/// [`Error::InvalidInput`] for an empty user id; [`Error::Api`] for an error
/// answer (400 unknown definition id, 404 unknown user).
///
/// # Example
///
/// ```no_run
/// use genesys_presence::{user, PresenceDefinition, UserPresence};
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// let now = user::update_purecloud_presence(&session, "3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44", &UserPresence {
///     presence_definition: Some(PresenceDefinition::with_id("31fe3bac-dea6-44b7-bed7-47f91660a1a0")),
///     message: Some("Lunch, back 13:30".into()),
///     ..Default::default()
/// })?;
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn update_purecloud_presence(
    session: &Session,
    user_id: &str,
    presence: &UserPresence,
) -> Result<UserPresence> {
    http::send_json(
        session,
        &Call::patch(presence_path(user_id, "purecloud")?).json(presence)?,
    )
}

/// Sets the presence of several users in one call. In each element, `id` is
/// the user to update; give `presence_definition` with an id, and optionally
/// `source`/`source_id`, `message` and `primary`.
///
/// `PUT /api/v2/users/presences/bulk`. Official SDKs:
/// `put_users_presences_bulk`, `putUsersPresencesBulk`. The API does not
/// promise answers in the input order: match them to users by content.
///
/// # Errors
///
/// [`Error::InvalidInput`] for an empty list or an element without a user
/// id; [`Error::Api`] for an error answer (400, 403 without
/// `presence:userPresence:edit`, 413 for too large a batch).
pub fn update_presences_bulk(session: &Session, presences: &[UserPresence]) -> Result<Vec<UserPresence>> {
    if presences.is_empty() {
        return Err(Error::invalid(
            "presences",
            "the bulk update needs at least one user",
        ));
    }
    if let Some(i) = presences
        .iter()
        .position(|p| p.id.as_deref().is_none_or(|id| id.trim().is_empty()))
    {
        return Err(Error::invalid(
            "presences",
            format!("element {i} has no id (the id of the user to update)"),
        ));
    }
    http::send_json(
        session,
        &Call::put("/api/v2/users/presences/bulk".into()).json(&presences)?,
    )
}
