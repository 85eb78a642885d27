//! `logout` and `whoami`.

use genesys_presence::models::NamedEntity;
use genesys_presence::{tokens, users, ErrorKind, Session, UserDetails};
use serde::Serialize;

use crate::args::Global;
use crate::context::{fake_session, Context, Source};
use crate::failure::{Failure, Outcome};
use crate::output;
use crate::profile::{Profile, Profiles};

/// `logout`: revokes the profile's token (one already unusable is fine)
/// and forgets the profile, tokens or client secret.
pub fn logout(global: &Global) -> Outcome {
    if global.fake {
        let (_org, session) = fake_session()?;
        tokens::revoke(&session)?;
        if global.json {
            return output::json(&LoggedOut::new(None, true, false));
        }
        return output::line("Signed out of the stand-in org (--fake: no profile)");
    }
    let name = global.profile.as_str();
    let profiles = Profiles::open()?;
    let Some(profile) = profiles.get(name)? else {
        output::note(&format!(
            "No profile {name:?} in {}: nothing to sign out of",
            profiles.path().display()
        ));
        if global.json {
            return output::json(&LoggedOut::new(Some(name), false, false));
        }
        return Ok(());
    };
    let revoked = if profile.is_person() {
        Some(revoke(&profile))
    } else {
        None
    };
    let removed = profiles.remove(name)?;
    if global.json {
        let was_revoked = matches!(revoked, Some(Ok(())));
        output::json(&LoggedOut::new(Some(name), was_revoked, removed))?;
    }
    match revoked.unwrap_or(Ok(())) {
        Ok(()) if global.json => Ok(()),
        Ok(()) if profile.is_person() => {
            output::line(&format!("Signed out: token revoked, profile {name:?} forgotten"))
        }
        Ok(()) => output::line(&format!("Client credentials of profile {name:?} forgotten")),
        Err(error) => Err(Failure::other(format!(
            "profile {name:?} forgotten, but its token could not be revoked: {error}"
        ))),
    }
}

/// What `logout --json` prints: every field always present, fields only
/// ever added.
#[derive(Debug, Serialize)]
struct LoggedOut {
    /// The profile; `null` for `--fake`.
    profile: Option<String>,
    /// Whether a person's token was revoked (or the API no longer took it);
    /// `false` for client credentials, which have none to revoke.
    revoked: bool,
    /// Whether the profile was removed from the profiles file.
    removed: bool,
}

impl LoggedOut {
    fn new(profile: Option<&str>, revoked: bool, removed: bool) -> LoggedOut {
        LoggedOut {
            profile: profile.map(str::to_owned),
            revoked,
            removed,
        }
    }
}

/// Revokes a person's token; one the API no longer takes is revoked already.
fn revoke(profile: &Profile) -> Outcome {
    let session = profile.builder()?.build()?;
    match tokens::revoke(&session) {
        Err(e) if e.kind() == ErrorKind::Auth || e.status() == Some(401) => Ok(()),
        other => Ok(other?),
    }
}

/// What `whoami --json` prints: every field always present (`null` when
/// unknown), fields only ever added.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WhoAmI {
    /// The person the token acts for; `null` for client credentials.
    user: Option<Person>,
    organization: Option<Named>,
    oauth_client: Option<Named>,
    /// When the access token expires (RFC 3339), when the profile knows.
    token_expires: Option<String>,
    /// When the token stops working if unused (as the API says).
    token_idles: Option<String>,
    /// `profile`, `environment` or `fake`.
    source: &'static str,
    /// The API's base URL.
    api_url: String,
    /// The profile's name, for `source` `profile`.
    profile: Option<String>,
}

/// A person as `whoami --json` and `login --json` show them.
#[derive(Debug, Serialize)]
pub(super) struct Person {
    pub id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
}

impl From<UserDetails> for Person {
    fn from(me: UserDetails) -> Person {
        Person {
            id: me.id,
            name: me.name,
            email: me.email,
        }
    }
}

/// An org or OAuth client as `whoami --json` and `login --json` show them.
#[derive(Debug, Serialize)]
pub(super) struct Named {
    pub id: Option<String>,
    pub name: Option<String>,
}

impl From<NamedEntity> for Named {
    fn from(entity: NamedEntity) -> Named {
        Named {
            id: entity.id,
            name: entity.name,
        }
    }
}

/// `whoami`: the token's user, org and OAuth client, and its expiry.
pub fn whoami(context: &Context) -> Outcome {
    let token = tokens::me(&context.session)?;
    let user = person(&context.session)?;
    let (source, profile) = match &context.source {
        Source::Fake => ("fake", None),
        Source::Environment => ("environment", None),
        Source::Profile(name) => ("profile", Some(name.clone())),
    };
    // Read after the calls: a token renewed by them is the one saved.
    let token_expires = match &profile {
        Some(name) => Profiles::open()?
            .get(name)?
            .and_then(|p| p.token_expires_at())
            .and_then(crate::time::rfc3339),
        None => None,
    };
    let who = WhoAmI {
        user,
        organization: token.organization.map(Named::from),
        oauth_client: token.oauth_client.map(Named::from),
        token_expires,
        token_idles: token.date_token_idles,
        source,
        api_url: context.session.api_url().to_owned(),
        profile,
    };
    if context.json {
        output::json(&who)
    } else {
        output::line(&text(&who))
    }
}

/// The token's person; `None` for a token that acts for no user (client
/// credentials), which `/api/v2/users/me` refuses with a 4xx.
fn person(session: &Session) -> Outcome<Option<Person>> {
    match users::me(session, false) {
        Ok(me) => Ok(Some(Person::from(me))),
        Err(e) if e.kind() == ErrorKind::Api && matches!(e.status(), Some(400 | 403 | 404)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// `whoami` for people: one `label  value` line each.
fn text(who: &WhoAmI) -> String {
    let named = |n: &Option<Named>| match n {
        Some(Named { id, name }) => format!(
            "{} ({})",
            output::cell(name.as_deref().unwrap_or("-")),
            output::cell(id.as_deref().unwrap_or("-"))
        ),
        None => "-".to_owned(),
    };
    let user = match &who.user {
        Some(p) => {
            let mut text = output::cell(p.name.as_deref().unwrap_or("-"));
            if let Some(email) = &p.email {
                text.push_str(&format!(" <{}>", output::cell(email)));
            }
            format!("{text} ({})", output::cell(p.id.as_deref().unwrap_or("-")))
        }
        None => "none (client credentials)".to_owned(),
    };
    let credentials = match &who.profile {
        Some(name) => format!("profile {name:?}"),
        None if who.source == "fake" => "--fake (a stand-in org for this run)".to_owned(),
        None => "GENESYSCLOUD_* variables".to_owned(),
    };
    let rows = [
        ("user", user),
        ("org", named(&who.organization)),
        ("client", named(&who.oauth_client)),
        ("expires", who.token_expires.clone().unwrap_or_else(|| "-".into())),
        ("idles", who.token_idles.clone().unwrap_or_else(|| "-".into())),
        ("from", credentials),
        ("api", who.api_url.clone()),
    ];
    rows.iter()
        .map(|(label, value)| format!("{label:<9}{value}"))
        .collect::<Vec<_>>()
        .join("\n")
}
