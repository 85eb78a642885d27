//! A user's presence: read and set it per presence source, or for many users at once.
//!
//! Genesys Cloud's own source is `PURECLOUD` (path segment `purecloud`); other
//! sources (a calendar, a custom integration) have their own source ids.

mod bulk;
mod primary_source;

pub use bulk::{get_presences_bulk, get_purecloud_presences_bulk, update_presences_bulk, BULK_LIMIT};
pub use primary_source::{get_primary_source, set_primary_source};

use crate::models::{PresenceDefinition, PresenceExpand, UserPresence};
use crate::request::{self, push_segment, segment, Call};
use crate::{Result, Session};

fn presence_path(user_id: &str, source: &str) -> Result<String> {
    // Built by hand rather than with `format!`: this is the hottest path of
    // the crate, and the formatting machinery was 2% of a call's instructions.
    let mut path = String::with_capacity(48 + user_id.len() + source.len());
    path.push_str("/api/v2/users/");
    push_segment(&mut path, "user_id", user_id)?;
    path.push_str("/presences/");
    path.push_str(source);
    Ok(path)
}

/// Reads a user's presence for a presence source, e.g. a custom source.
///
/// `GET /api/v2/users/{userId}/presences/{sourceId}`. Official SDKs:
/// `get_user_presence`, `getUserPresence`. For Genesys Cloud's own source use
/// [`get_purecloud_presence`].
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty user or source id; [`Api`](crate::ErrorKind::Api) for
/// an error answer (404 unknown user or source).
pub fn get_presence(session: &Session, user_id: &str, source_id: &str) -> Result<UserPresence> {
    let path = presence_path(user_id, &segment("source_id", source_id)?)?;
    request::send_json(session, &Call::get(path))
}

/// Reads a user's Genesys Cloud presence (the `PURECLOUD` source).
///
/// `GET /api/v2/users/{userId}/presences/purecloud`. Official SDKs:
/// `get_user_presences_purecloud`, `getUserPresencesPurecloud`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty user id; [`Api`](crate::ErrorKind::Api) for an error
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
    request::send_json(session, &Call::get(presence_path(user_id, "purecloud")?))
}

/// Reads a user's Microsoft Teams presence, mapped to a Genesys Cloud
/// presence, with activity details in the message. The source is read-only.
///
/// `GET /api/v2/users/{userId}/presences/microsoftteams`. Official SDKs:
/// `get_user_presences_microsoftteams` (Ruby seed page). Genesys removed this
/// operation from its public API definition in April 2022; an org that no
/// longer serves it answers 404, reported as [`Api`](crate::ErrorKind::Api).
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty user id; [`Api`](crate::ErrorKind::Api) for an error
/// answer (404, 403 without `integration:microsoftTeams:view`).
pub fn get_microsoft_teams_presence(session: &Session, user_id: &str) -> Result<PresenceExpand> {
    request::send_json(session, &Call::get(presence_path(user_id, "microsoftteams")?))
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
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty user or source id; [`Api`](crate::ErrorKind::Api) for
/// an error answer (400 unknown definition id, 403 without permission, 404
/// unknown user).
///
/// A `403` ([`Api`](crate::ErrorKind::Api) with
/// [`status`](crate::Error::status) `Some(403)`; its message names the missing
/// permission, code e.g. `missing.any.permissions`) means the token may not
/// change this user's presence: since 2025-07-20, changing **another**
/// user's presence needs the `presence:userPresence:edit` permission —
/// granted through a role to the OAuth client (client credentials, whose
/// tokens have no user, so every user is another user) or to the user
/// whose token it is. Changing one's own presence needs none. Retrying does
/// not help: add the permission to the role and fetch a new token.
pub fn update_presence(
    session: &Session,
    user_id: &str,
    source_id: &str,
    presence: &UserPresence,
) -> Result<UserPresence> {
    let path = presence_path(user_id, &segment("source_id", source_id)?)?;
    request::send_json(session, &Call::patch(path).json(presence)?)
}

/// Changes a user's Genesys Cloud presence (the `PURECLOUD` source). Send only
/// what changes; see [`UserPresence`] for the three forms.
///
/// `PATCH /api/v2/users/{userId}/presences/purecloud`. Official SDKs:
/// `patch_user_presences_purecloud`, `patchUserPresencesPurecloud`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty user id; [`Api`](crate::ErrorKind::Api) for an error
/// answer (400 unknown definition id, 403 without permission, 404 unknown user).
///
/// A `403` ([`Api`](crate::ErrorKind::Api) with
/// [`status`](crate::Error::status) `Some(403)`; its message names the missing
/// permission, code e.g. `missing.any.permissions`) means the token may not
/// change this user's presence: since 2025-07-20, changing **another**
/// user's presence needs the `presence:userPresence:edit` permission —
/// granted through a role to the OAuth client (client credentials, whose
/// tokens have no user, so every user is another user) or to the user
/// whose token it is. Changing one's own presence needs none. Retrying does
/// not help: add the permission to the role and fetch a new token.
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
    request::send_json(
        session,
        &Call::patch(presence_path(user_id, "purecloud")?).json(presence)?,
    )
}

/// Sets a user's Genesys Cloud presence by name — `"Busy"`, `"on queue"`, or
/// an org label such as `"Lunch"` — and, when given, the status message.
///
/// The name is resolved with
/// [`presence_definitions::find_by_name`](crate::presence_definitions::find_by_name)
/// (cached definitions, case-insensitive, the session's locale first), then
/// sent as [`update_purecloud_presence`] would. `message: None` leaves the
/// message as it is.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty user id,
/// or naming `name` when it matches no definition (listing the known names)
/// or several; [`IncompleteListing`](crate::ErrorKind::IncompleteListing)
/// when the definitions listing does not add up (its `total` differs from
/// what it holds), since "no such name" needs the whole list; otherwise as
/// [`update_purecloud_presence`].
///
/// A `403` ([`Api`](crate::ErrorKind::Api), [`status`](crate::Error::status)
/// `Some(403)`) comes from one of the two calls, and its message names the
/// missing permission: reading the definitions
/// (`GET /api/v2/presence/definitions`) needs
/// `presence:presenceDefinition:view`; the change itself, since 2025-07-20,
/// needs `presence:userPresence:edit` when the user is **another** user
/// (always, with client credentials, whose tokens have no user) and none
/// for one's own presence. The error's method and `path` (in its message
/// too) tell the two apart. Retrying does not help: add the permission to
/// the role and fetch a new token.
///
/// # Example
///
/// ```no_run
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// let team = ["3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44", "9b2e4f60-1c3d-4e5f-8a7b-6c5d4e3f2a10"];
/// for user_id in team {
///     genesys_presence::user::set_presence_by_name(&session, user_id, "Meeting", Some("All-hands"))?;
/// }
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn set_presence_by_name(
    session: &Session,
    user_id: &str,
    name: &str,
    message: Option<&str>,
) -> Result<UserPresence> {
    // A bad user id is reported before the definitions are read.
    crate::args::require_text("user_id", user_id)?;
    let definition = crate::presence_definitions::find_by_name(session, name)?;
    let id = definition.id.ok_or_else(|| {
        crate::Error::invalid(
            "name",
            format!("the definition called {} has no id", crate::error::quoted(name)),
        )
    })?;
    let body = UserPresence {
        presence_definition: Some(PresenceDefinition::with_id(id)),
        message: message.map(str::to_owned),
        ..Default::default()
    };
    update_purecloud_presence(session, user_id, &body)
}
