//! Presence for many users at once: bulk reads and the bulk update, split
//! into calls of at most [`BULK_LIMIT`] users.

use std::collections::HashMap;

use crate::args::distinct_ids;
use crate::error::{BulkFailure, Repr};
use crate::models::{UcUserPresence, UserPresence};
use crate::request::{self, segment, Call};
use crate::{Error, Result, Session};

/// The most users one bulk call carries. The API documents "Limit 50" for the
/// bulk reads; the bulk update's own limit is not published, so it is split
/// the same way. Longer lists are split into several calls.
pub const BULK_LIMIT: usize = 50;

/// Reads the Genesys Cloud presence of any number of users, in calls of at
/// most [`BULK_LIMIT`], and returns one list in the order of `user_ids`
/// (repeated ids are asked for once; users the API does not return are
/// missing from the list).
///
/// `GET /api/v2/users/presences/purecloud/bulk?id=a%2Cb…` (the ids as one
/// comma-separated value). Official SDKs: `get_users_presences_purecloud_bulk`,
/// `getUsersPresencesPurecloudBulk`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for no ids or an empty
/// id; the first failing call's error, an [`Api`](crate::ErrorKind::Api)
/// error say (a read has no effect to undo, so nothing partial is
/// returned).
///
/// # Example
///
/// ```no_run
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// let team = ["3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44", "9b2e4f60-1c3d-4e5f-8a7b-6c5d4e3f2a10"];
/// for presence in genesys_presence::user::get_purecloud_presences_bulk(&session, &team)? {
///     println!("{:?}: {:?}", presence.user_id, presence.system_presence_name());
/// }
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn get_purecloud_presences_bulk<S: AsRef<str>>(
    session: &Session,
    user_ids: &[S],
) -> Result<Vec<UcUserPresence>> {
    read_bulk(session, "/api/v2/users/presences/purecloud/bulk", user_ids)
}

/// Reads the presence of any number of users for one presence source, as
/// [`get_purecloud_presences_bulk`] does for Genesys Cloud's own.
///
/// `GET /api/v2/users/presences/{sourceId}/bulk?id=…`. Official SDKs:
/// `get_users_presence_bulk`, `getUsersPresenceBulk`.
///
/// # Errors
///
/// As [`get_purecloud_presences_bulk`], and [`InvalidInput`](crate::ErrorKind::InvalidInput) for an
/// empty source id.
pub fn get_presences_bulk<S: AsRef<str>>(
    session: &Session,
    source_id: &str,
    user_ids: &[S],
) -> Result<Vec<UcUserPresence>> {
    let path = format!(
        "/api/v2/users/presences/{}/bulk",
        segment("source_id", source_id)?
    );
    read_bulk(session, &path, user_ids)
}

fn read_bulk<S: AsRef<str>>(session: &Session, path: &str, user_ids: &[S]) -> Result<Vec<UcUserPresence>> {
    if user_ids.is_empty() {
        return Err(Error::invalid("user_ids", "at least one user id is needed"));
    }
    let unique = distinct_ids("user_ids", user_ids)?;
    let mut all = Vec::with_capacity(unique.len());
    for batch in unique.chunks(BULK_LIMIT) {
        let call = Call::get(path.to_owned()).query("id", batch.join(","));
        all.extend(request::send_json::<Vec<UcUserPresence>>(session, &call)?);
    }
    // In input order; the API does not promise any.
    let position: HashMap<&str, usize> = unique.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    all.sort_by_key(|p| {
        p.user_id
            .as_deref()
            .or(p.id.as_deref())
            .and_then(|id| position.get(id).copied())
            .unwrap_or(usize::MAX)
    });
    Ok(all)
}

/// Sets the presence of any number of users. In each element, `id` is the
/// user to update; give `presence_definition` with an id, and optionally
/// `source`/`source_id`, `message` and `primary`. Lists longer than
/// [`BULK_LIMIT`] are sent in several calls, in order.
///
/// `PUT /api/v2/users/presences/bulk`. Official SDKs:
/// `put_users_presences_bulk`, `putUsersPresencesBulk`. The API does not
/// promise answers in the input order: match them to users by content.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty list or an element without a user
/// id; [`Api`](crate::ErrorKind::Api) for an error answer (400, 403 without permission, 413
/// for too large a batch). When a call fails after earlier ones succeeded,
/// a [`BulkIncomplete`](crate::ErrorKind::BulkIncomplete) error says which
/// users were applied and which were not ([`Error::bulk`]), around the
/// call's error ([`BulkFailure::failure`](crate::BulkFailure::failure)),
/// which its other accessors look through to: [`Error::is_retryable`] says
/// whether sending the users not applied again could help.
///
/// A `403` ([`Error::status`] `Some(403)`; its message names the missing
/// permission) means the token lacks `presence:userPresence:edit`. The bulk
/// update has needed it since 2021, for every user in the list, one's own
/// included; since 2025-07-20 the single-user updates
/// ([`update_purecloud_presence`](super::update_purecloud_presence)) need it
/// too, for other users. It is granted through a role: to the OAuth client
/// with client credentials, to the user for a user's token. Without it the
/// first call fails, before anything is applied. Retrying does not help:
/// add the permission to the role and fetch a new token.
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
    let mut applied = Vec::with_capacity(presences.len());
    for (n, batch) in presences.chunks(BULK_LIMIT).enumerate() {
        let call = Call::put("/api/v2/users/presences/bulk".into()).json(&batch)?;
        match request::send_json::<Vec<UserPresence>>(session, &call) {
            Ok(answers) => applied.extend(answers),
            Err(error) if n == 0 => return Err(error),
            Err(error) => {
                let user_ids = |presences: &[UserPresence]| -> Vec<String> {
                    presences.iter().filter_map(|p| p.id.clone()).collect()
                };
                let done = n * BULK_LIMIT;
                let bulk = BulkFailure::new(
                    user_ids(&presences[..done]),
                    user_ids(&presences[done..]),
                    applied,
                    error,
                );
                return Err(Repr::BulkIncomplete { bulk }.into());
            }
        }
    }
    Ok(applied)
}
