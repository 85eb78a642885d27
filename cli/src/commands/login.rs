//! `login`: a person signs in in the browser (PKCE, loopback redirect), or
//! client credentials are checked; either is saved into the profile.

use std::io::{self, BufRead, IsTerminal};
use std::sync::{Arc, Mutex};

use genesys_presence::sign_in::{LoopbackSignIn, DEFAULT_SIGN_IN_TIMEOUT};
use genesys_presence::{tokens, users, Session, SessionBuilder, StoredTokens};

use crate::args::{Global, LoginArgs};
use crate::context::parse_region;
use crate::failure::{Failure, Outcome};
use crate::output;
use crate::profile::{Location, Profile, Profiles};

/// `login`.
pub fn run(global: &Global, args: &LoginArgs) -> Outcome {
    if global.fake {
        return fake(args);
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
        let profile = Profile::client_credentials(location, client_id, client_secret()?);
        let session = profile.builder()?.build()?;
        let token = tokens::me(&session)?;
        profiles.save(name, profile)?;
        let org = token.organization.and_then(|o| o.name).unwrap_or_default();
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
    let (session, who) = sign_in(builder, &client_id, args)?;
    let tokens = latest
        .lock()
        .ok()
        .and_then(|latest| latest.clone())
        .ok_or_else(|| Failure::other("the sign-in gave no tokens to save"))?;
    drop(session);
    profiles.save(name, Profile::person(location, client_id).with_tokens(&tokens))?;
    output::line(&format!(
        "Signed in as {who}; saved in profile {name:?} ({})",
        profiles.path().display()
    ))
}

/// `--fake login`: the same sign-in against a stand-in org started for it
/// (the address it prints signs in at once when opened); nothing is saved.
fn fake(args: &LoginArgs) -> Outcome {
    let org = genesys_presence::fake::FakeOrg::start()
        .map_err(|e| Failure::other(format!("cannot start the stand-in org: {e}")))?;
    let builder = Session::builder()
        .base_url(org.base_url())
        .login_url(org.login_url());
    let (_session, who) = sign_in(builder, org.client_id(), args)?;
    output::line(&format!(
        "Signed in to the stand-in org as {who} (--fake: no profile saved)"
    ))
}

/// Signs a person in: prints the address to open, waits for the browser to
/// come back, and says who signed in.
fn sign_in(builder: SessionBuilder, client_id: &str, args: &LoginArgs) -> Outcome<(Session, String)> {
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
    let name = output::cell(me.name.as_deref().unwrap_or("(no name)"));
    let who = match &me.email {
        Some(email) => format!("{name} <{}>", output::cell(email)),
        None => name,
    };
    Ok((session, who))
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
