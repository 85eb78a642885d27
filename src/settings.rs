//! The organization's presence settings (`/api/v2/presence/settings`).

use crate::models::PresenceSettings;
use crate::request::{self, Call};
use crate::{Error, Result, Session};

const PATH: &str = "/api/v2/presence/settings";

/// Reads the organization's presence settings.
///
/// `GET /api/v2/presence/settings`. Official SDKs: `get_presence_settings`,
/// `getPresenceSettings`.
///
/// # Errors
///
/// [`Api`](crate::ErrorKind::Api) for an error answer (403 without `presence:settings:view`).
pub fn get(session: &Session) -> Result<PresenceSettings> {
    request::send_json(session, &Call::get(PATH.into()))
}

/// Replaces the organization's presence settings. Read them with [`get`],
/// change what you need and send them back: unknown fields are kept.
///
/// `PUT /api/v2/presence/settings`. Official SDKs: `put_presence_settings`,
/// `putPresenceSettings`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) when `restore_presence_settings` is sent without
/// all three of its fields (the API requires them); [`Api`](crate::ErrorKind::Api) for an
/// error answer (403 without `presence:settings:edit`).
///
/// # Example
///
/// ```no_run
/// use genesys_presence::settings;
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// let mut current = settings::get(&session)?;
/// current.requesting_off_queue_enabled = Some(true);
/// settings::update(&session, &current)?;
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn update(session: &Session, settings: &PresenceSettings) -> Result<PresenceSettings> {
    if let Some(restore) = &settings.restore_presence_settings {
        if restore.enabled.is_none()
            || restore.restore_time_milliseconds.is_none()
            || restore.restore_on_queue_enabled.is_none()
        {
            return Err(Error::invalid(
                "settings",
                "restore_presence_settings needs enabled, restore_time_milliseconds and \
                 restore_on_queue_enabled",
            ));
        }
    }
    request::send_json(session, &Call::put(PATH.into()).json(settings)?)
}
