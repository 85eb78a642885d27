//! Presence sources: the systems that set users' presence (Genesys Cloud
//! itself, calendars, your own integrations), `/api/v2/presence/sources`.
//!
//! A job that syncs presence from another system registers a source once
//! ([`create`]), then sets each user's presence for it with
//! [`user::update_presence`](crate::user::update_presence).

use crate::models::{Source, SourceEntityListing};
use crate::request::{self, segment, Call};
use crate::{Error, Result, Session};

const BASE: &str = "/api/v2/presence/sources";

fn source_path(id: &str) -> Result<String> {
    Ok(format!("{BASE}/{}", segment("source_id", id)?))
}

fn require_name(source: &Source) -> Result<()> {
    match source.name.as_deref() {
        Some(name) if !name.trim().is_empty() => Ok(()),
        _ => Err(Error::invalid("source", "name is required")),
    }
}

/// Lists the active presence sources, all at once.
///
/// `GET /api/v2/presence/sources` (the API's default `deactivated=false` is
/// not sent). Official SDKs: `get_presence_sources`, `getPresenceSources`.
///
/// # Errors
///
/// [`Api`](crate::ErrorKind::Api) for an error answer (403 without `presence:source:view`).
///
/// # Example
///
/// ```no_run
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// for source in genesys_presence::sources::list(&session)?.entities {
///     println!("{:?} {:?}", source.id, source.name);
/// }
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn list(session: &Session) -> Result<SourceEntityListing> {
    request::send_json(session, &Call::get(BASE.into()))
}

/// Lists the deactivated (deleted) presence sources.
///
/// `GET /api/v2/presence/sources?deactivated=true`.
///
/// # Errors
///
/// As [`list`].
pub fn list_deactivated(session: &Session) -> Result<SourceEntityListing> {
    request::send_json(session, &Call::get(BASE.into()).query("deactivated", "true"))
}

/// Reads one presence source.
///
/// `GET /api/v2/presence/sources/{sourceId}`. Official SDKs:
/// `get_presence_source`, `getPresenceSource`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id; [`Api`](crate::ErrorKind::Api) with status 404
/// for an unknown id.
pub fn get(session: &Session, source_id: &str) -> Result<Source> {
    request::send_json(session, &Call::get(source_path(source_id)?))
}

/// Registers a presence source; `name` is required.
///
/// `POST /api/v2/presence/sources`. Official SDKs: `post_presence_sources`,
/// `postPresenceSources`. A POST is never retried after a gateway error: on
/// a `503`, list before creating again.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) without a name; [`Api`](crate::ErrorKind::Api) for an error answer
/// (400, 403 without `presence:source:add`).
pub fn create(session: &Session, source: &Source) -> Result<Source> {
    require_name(source)?;
    request::send_json(session, &Call::post(BASE.into()).json(source)?)
}

/// Replaces a presence source with `source`; `name` is required.
///
/// `PUT /api/v2/presence/sources/{sourceId}`. Official SDKs:
/// `put_presence_source`, `putPresenceSource`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id or no name; [`Api`](crate::ErrorKind::Api) for an
/// error answer (404 unknown id).
pub fn update(session: &Session, source_id: &str, source: &Source) -> Result<Source> {
    let path = source_path(source_id)?;
    require_name(source)?;
    request::send_json(session, &Call::put(path).json(source)?)
}

/// Deactivates (soft-deletes) a presence source.
///
/// `DELETE /api/v2/presence/sources/{sourceId}`. Official SDKs:
/// `delete_presence_source`, `deletePresenceSource`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id; [`Api`](crate::ErrorKind::Api) for an error
/// answer (404 unknown id).
pub fn delete(session: &Session, source_id: &str) -> Result<()> {
    request::send_empty(session, &Call::delete(source_path(source_id)?))
}
