//! The organization-wide system presences (`/api/v2/systempresences`).

use crate::models::SystemPresence;
use crate::request::{self, Call};
use crate::{Result, Session};

/// Lists the system presences: the fixed categories (Available, Busy, Away,
/// On Queue, …) that every presence definition belongs to.
///
/// `GET /api/v2/systempresences`. Official SDKs: `get_systempresences`,
/// `getSystempresences`.
///
/// # Errors
///
/// [`Api`](crate::ErrorKind::Api) for an error answer (401, 403, 429, 5xx),
/// [`Transport`](crate::ErrorKind::Transport) when no answer arrived,
/// [`Decode`](crate::ErrorKind::Decode) when the answer is not a list.
///
/// # Example
///
/// ```no_run
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// for presence in genesys_presence::system::list(&session)? {
///     println!("{:?} {:?}", presence.id, presence.name);
/// }
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn list(session: &Session) -> Result<Vec<SystemPresence>> {
    request::send_json(session, &Call::get("/api/v2/systempresences".into()))
}
