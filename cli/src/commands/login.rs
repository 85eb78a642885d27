//! `login`: a person signs in in the browser (PKCE, loopback redirect), or
//! client credentials are checked; either is saved into the profile.

use std::io::{self, BufRead, IsTerminal};
use std::sync::{Arc, Mutex};

use genesys_presence::sign_in::{LoopbackSignIn, DEFAULT_SIGN_IN_TIMEOUT};
use genesys_presence::{tokens, users, Session, SessionBuilder, StoredTokens};
use serde::Serialize;

use super::auth::{Named, Person};
use crate::args::{Global, LoginArgs};
use crate::context::parse_region;
use crate::failure::{Failure, Outcome};
use crate::output;
use crate::profile::{Location, Profile, Profiles};

/// `login`.
pub fn run(global: &Global, args: &LoginArgs) -> Outcome {
    if global.fake {
        return fake(global, args);
    }
    let profiles = Profiles::open()?;
    let name = global.profile.as_str();
    let location = location(global, profiles.get(name)?)?;
    let client_id = args
        .client_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            Failure::usage("login needs the OAuth client's id: --client-id or GENESYSCLOUD_OAUTHCLIENT_ID")
        })?
        .to_owned();
    if args.client_credentials {
        let profile = Profile::client_credentials(location.clone(), client_id.clone(), client_secret()?);
        let session = profile.builder()?.build()?;
        let token = tokens::me(&session)?;
        profiles.save(name, profile)?;
        let report = LoggedIn {
            profile: Some(name.to_owned()),
            kind: "clientCredentials",
            client_id,
            user: None,
            organization: token.organization.map(Named::from),
            region: location.region,
            api_url: session.api_url().to_owned(),
            saved_in: Some(profiles.path().display().to_string()),
        };
        if global.json {
            return output::json(&report);
        }
        let org = report.organization.and_then(|o| o.name).unwrap_or_default();
        return output::line(&format!(
            "Client credentials work for org {}; saved in profile {name:?} ({})",
            output::cell(&org),
            profiles.path().display()
        ));
    }
    let latest: Arc<Mutex<Option<StoredTokens>>> = Arc::default();
    let keep = Arc::clone(&latest);
    let builder = location.builder()?.on_new_tokens(move |tokens| {
        if let Ok(mut latest) = keep.lock() {
            *latest = Some(tokens.clone());
        }
    });
    let (session, user) = sign_in(builder, &client_id, args)?;
    let tokens = latest
        .lock()
        .ok()
        .and_then(|latest| latest.clone())
        .ok_or_else(|| Failure::other("the sign-in gave no tokens to save"))?;
    let api_url = session.api_url().to_owned();
    drop(session);
    let profile = Profile::person(location.clone(), client_id.clone()).with_tokens(&tokens);
    profiles.save(name, profile)?;
    if global.json {
        return output::json(&LoggedIn {
            profile: Some(name.to_owned()),
            kind: "person",
            client_id,
            user: Some(user),
            organization: None,
            region: location.region,
            api_url,
            saved_in: Some(profiles.path().display().to_string()),
        });
    }
    output::line(&format!(
        "Signed in as {}; saved in profile {name:?} ({})",
        who(&user),
        profiles.path().display()
    ))
}

/// What `login --json` prints: every field always present (`null` when
/// unknown or not saved), fields only ever added. Never a secret.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LoggedIn {
    /// The profile saved; `null` for `--fake`, which saves none.
    profile: Option<String>,
    /// `person` (signed in in the browser) or `clientCredentials`.
    kind: &'static str,
    /// The OAuth client's id.
    client_id: String,
    /// The person signed in; `null` for client credentials.
    user: Option<Person>,
    /// The org, for client credentials (their check reads it).
    organization: Option<Named>,
    /// The region saved in the profile, if one was named.
    region: Option<String>,
    /// The API's base URL.
    api_url: String,
    /// The profiles file; `null` for `--fake`.
    saved_in: Option<String>,
}

/// `--fake login`: the same sign-in against a stand-in org started for it
/// (the address it prints signs in at once when opened); nothing is saved.
fn fake(global: &Global, args: &LoginArgs) -> Outcome {
    let org = genesys_presence::fake::FakeOrg::start()
        .map_err(|e| Failure::other(format!("cannot start the stand-in org: {e}")))?;
    let builder = Session::builder()
        .base_url(org.base_url())
        .login_url(org.login_url());
    let (_session, user) = sign_in(builder, org.client_id(), args)?;
    if global.json {
        return output::json(&LoggedIn {
            profile: None,
            kind: "person",
            client_id: org.client_id().to_owned(),
            user: Some(user),
            organization: None,
            region: None,
            api_url: org.base_url().to_owned(),
            saved_in: None,
        });
    }
    output::line(&format!(
        "Signed in to the stand-in org as {} (--fake: no profile saved)",
        who(&user)
    ))
}

/// Signs a person in: prints the address to open, waits for the browser to
/// come back, and says who signed in.
fn sign_in(builder: SessionBuilder, client_id: &str, args: &LoginArgs) -> Outcome<(Session, Person)> {
    let pending = LoopbackSignIn::new(builder, client_id)
        .port(args.port.unwrap_or(0))
        .start()?;
    output::note(&format!(
        "Open this address in your browser to sign in (waiting up to {} minutes; \
         the OAuth client must accept the redirect URI {}):\n  {}",
        DEFAULT_SIGN_IN_TIMEOUT.as_secs() / 60,
        pending.redirect_uri(),
        pending.url()
    ));
    let session = pending.finish()?;
    let me = users::me(&session, false)?;
    Ok((session, Person::from(me)))
}

/// A person for people: their name and e-mail.
fn who(person: &Person) -> String {
    let name = output::cell(person.name.as_deref().unwrap_or("(no name)"));
    match &person.email {
        Some(email) => format!("{name} <{}>", output::cell(email)),
        None => name,
    }
}

/// Where to sign in: `--region`, else the `GENESYSCLOUD_*` variables, else
/// the profile's location, else the default region.
fn location(global: &Global, saved: Option<Profile>) -> Outcome<Location> {
    if let Some(region) = &global.region {
        return Ok(Location {
            region: Some(parse_region(region)?.to_string()),
            api_url: None,
        });
    }
    let variable = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    if let Some(url) = variable("GENESYSCLOUD_API_URL").or_else(|| variable("GENESYSCLOUD_API_REGION")) {
        return Ok(Location {
            region: None,
            api_url: Some(url),
        });
    }
    if let Some(region) = variable("GENESYSCLOUD_REGION") {
        let region = region.parse::<genesys_presence::Region>().map_err(|_| {
            Failure::usage("GENESYSCLOUD_REGION is not a Genesys Cloud region (e.g. us-east-1)")
        })?;
        return Ok(Location {
            region: Some(region.to_string()),
            api_url: None,
        });
    }
    Ok(saved.map(|p| p.location).unwrap_or_default())
}

/// The client secret: GENESYSCLOUD_OAUTHCLIENT_SECRET, else the first line
/// of standard input (never from a terminal, where it would show as typed).
fn client_secret() -> Outcome<String> {
    if let Some(secret) = std::env::var("GENESYSCLOUD_OAUTHCLIENT_SECRET")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        return Ok(secret.trim().to_owned());
    }
    let stdin = io::stdin();
    if stdin.is_terminal() {
        return Err(Failure::usage(
            "give the client secret on standard input (… < secret.txt) or in \
             GENESYSCLOUD_OAUTHCLIENT_SECRET; it is not read from a terminal, which would show it",
        ));
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::other(format!("cannot read the client secret from standard input: {e}")))?;
    let secret = line.trim();
    if secret.is_empty() {
        return Err(Failure::usage("standard input held no client secret (one line)"));
    }
    Ok(secret.to_owned())
}
