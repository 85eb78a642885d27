//! Profiles: named sets of region and credentials `login` saves, in one
//! file in the platform's configuration directory, readable by its owner
//! only. (Skeleton: the helper for login/logout/whoami completes it.)

use genesys_presence::SessionBuilder;

use crate::failure::{Failure, Outcome};

/// The profiles file.
pub struct Profiles;

impl Profiles {
    /// Opens the profiles file (it need not exist yet).
    pub fn open() -> Outcome<Profiles> {
        Ok(Profiles)
    }

    /// A session builder for profile `name`: its region and credentials,
    /// with new tokens saved back to the file as they rotate.
    pub fn session_builder(&self, name: &str) -> Outcome<SessionBuilder> {
        Err(Failure::other(format!(
            "no profile {name:?}: run `genesys-presence login`, or set GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET"
        )))
    }
}
