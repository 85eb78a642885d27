//! Settings from the `GENESYSCLOUD_*` environment variables that Genesys's
//! own CLI and Terraform provider read.

use super::Session;
use super::SessionBuilder;
use crate::error::{Error, Result};
use crate::region::Region;

impl SessionBuilder {
    /// A builder filled from the `GENESYSCLOUD_*` environment variables (see
    /// [`Session::from_env`]), to adjust before [`build`](SessionBuilder::build).
    ///
    /// # Errors
    ///
    /// [`Config`](crate::ErrorKind::Config) naming what is missing or wrong.
    pub fn from_env() -> Result<SessionBuilder> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](SessionBuilder::from_env), reading each variable through `lookup`.
    ///
    /// # Errors
    ///
    /// [`Config`](crate::ErrorKind::Config) naming what is missing or wrong.
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<SessionBuilder> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut builder = Session::builder();
        if let Some(region) = get("GENESYSCLOUD_REGION") {
            if region.contains('@') {
                // Not quoted: `https://user:password@…` would show the password.
                return Err(Error::config(
                    "GENESYSCLOUD_REGION has a user name or password in it (`user:password@host`): \
                     credentials in URLs are not supported"
                        .into(),
                ));
            }
            let region = region
                .parse::<Region>()
                .map_err(|e| Error::config(format!("GENESYSCLOUD_REGION: {e}")))?;
            builder = builder.region(region);
        }
        if let Some(url) = get("GENESYSCLOUD_API_URL") {
            builder = builder.base_url_from(url, "GENESYSCLOUD_API_URL");
        } else if let Some(url) = get("GENESYSCLOUD_API_REGION") {
            builder = builder.base_url_from(url, "GENESYSCLOUD_API_REGION");
        }
        let id = get("GENESYSCLOUD_OAUTHCLIENT_ID");
        let secret = get("GENESYSCLOUD_OAUTHCLIENT_SECRET");
        builder = match (get("GENESYSCLOUD_ACCESS_TOKEN"), id, secret) {
            (Some(token), _, _) => builder.access_token_from(token, "GENESYSCLOUD_ACCESS_TOKEN"),
            (None, Some(id), Some(secret)) => builder.client_credentials(id, secret),
            (None, id, secret) => {
                let mut missing = Vec::new();
                if id.is_none() {
                    missing.push("GENESYSCLOUD_OAUTHCLIENT_ID");
                }
                if secret.is_none() {
                    missing.push("GENESYSCLOUD_OAUTHCLIENT_SECRET");
                }
                return Err(Error::config(format!(
                    "no credentials in the environment: set GENESYSCLOUD_ACCESS_TOKEN, or \
                     GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET (missing: {})",
                    missing.join(", ")
                )));
            }
        };
        Ok(builder)
    }
}
