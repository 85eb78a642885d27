//! Where a command's session comes from, in this order: `--fake` (a
//! stand-in org started for this run), the `GENESYSCLOUD_*` variables
//! (they win over the profile), then the profile `login` saved.

use genesys_presence::fake::FakeOrg;
use genesys_presence::{Region, Session, SessionBuilder};

use crate::args::Global;
use crate::failure::{Failure, Outcome};
use crate::profile::Profiles;

/// Everything a command needs: the session, and how to print.
pub struct Context {
    pub session: Session,
    /// `--json`.
    pub json: bool,
    /// The stand-in org of `--fake`, kept running for the command.
    #[allow(dead_code, reason = "held so that the org runs as long as the command")]
    pub fake: Option<FakeOrg>,
    /// Where the credentials came from.
    pub source: Source,
}

/// Where a command's credentials came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--fake`: a person's token of the stand-in org.
    Fake,
    /// The `GENESYSCLOUD_*` variables.
    Environment,
    /// The profile of this name.
    Profile(String),
}

/// The variables that, when set, say the session comes from the environment.
const CREDENTIAL_VARIABLES: [&str; 2] = ["GENESYSCLOUD_ACCESS_TOKEN", "GENESYSCLOUD_OAUTHCLIENT_ID"];

impl Context {
    /// The session for `global`'s options.
    ///
    /// # Errors
    ///
    /// A usage error for an unknown region; an error for a profile that
    /// cannot be read or has no credentials; the library's `Config` errors.
    pub fn new(global: &Global) -> Outcome<Context> {
        if global.fake {
            let (org, session) = fake_session()?;
            return Ok(Context {
                session,
                json: global.json,
                fake: Some(org),
                source: Source::Fake,
            });
        }
        // A wrong --region is a usage error, whatever else is wrong.
        let region = global.region.as_deref().map(parse_region).transpose()?;
        let from_env = CREDENTIAL_VARIABLES
            .iter()
            .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
        let (builder, source) = if from_env {
            (SessionBuilder::from_env()?, Source::Environment)
        } else {
            let builder = Profiles::open()?.session_builder(&global.profile)?;
            (builder, Source::Profile(global.profile.clone()))
        };
        let builder = match region {
            Some(region) => builder.region(region),
            None => builder,
        };
        Ok(Context {
            session: builder.build()?,
            json: global.json,
            fake: None,
            source,
        })
    }
}

/// A stand-in org, and a session signed in to it as its first user (Alex
/// Morgan), as a person who ran `login` would be: `me` works.
pub fn fake_session() -> Outcome<(FakeOrg, Session)> {
    let org = FakeOrg::start().map_err(|e| Failure::other(format!("cannot start the stand-in org: {e}")))?;
    let first = org.user_ids().into_iter().next();
    let token = first
        .and_then(|id| org.user_access_token(&id))
        .ok_or_else(|| Failure::other("the stand-in org has no user to sign in as"))?;
    let session = Session::builder()
        .base_url(org.base_url())
        .login_url(org.login_url())
        .access_token(token)
        .build()?;
    Ok((org, session))
}

/// A region by name (`eu-west-1`) or domain (`mypurecloud.ie`).
pub fn parse_region(text: &str) -> Outcome<Region> {
    text.parse::<Region>().map_err(|_| {
        Failure::usage(format!(
            "--region {text:?} is not a Genesys Cloud region (e.g. us-east-1, eu-west-1, mypurecloud.ie)"
        ))
    })
}
