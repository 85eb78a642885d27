//! Finding users (the Users API, outside the Presence API): the token's own
//! user, and a user by e-mail address. Every presence operation takes a
//! user id; people know each other by e-mail.
//!
//! The official SDKs have these in their `UsersApi`. For the presences of a
//! user, see [`user`](crate::user).

use serde::{Deserialize, Serialize};

use crate::models::{null_as_default, UserDetails};
use crate::request::{self, Call};
use crate::{Result, Session};

/// Reads the user the session's token acts for, and with `expand_presence`
/// their presence ([`UserDetails::presence`]).
///
/// `GET /api/v2/users/me`, with `expand=presence` when asked. Official
/// SDKs: `get_users_me`, `getUsersMe`. Retried like every GET.
///
/// Only a user's token has a user: one from a sign-in (authorization code,
/// PKCE, SAML2), given with
/// [`access_token`](crate::SessionBuilder::access_token). A
/// client-credentials token has none, and the API refuses the call.
///
/// # Errors
///
/// an error of kind [`Api`](crate::ErrorKind::Api) for an error answer (a 4xx for a
/// client-credentials token), an error of kind [`Transport`](crate::ErrorKind::Transport)
/// when no answer arrived, an error of kind [`Decode`](crate::ErrorKind::Decode) when the
/// answer is not a user.
///
/// # Example
///
/// ```no_run
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// let me = genesys_presence::users::me(&session, true)?;
/// println!("{:?} <{:?}> is {:?}", me.name, me.email, me.presence.and_then(|p| p.system_presence_name()));
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn me(session: &Session, expand_presence: bool) -> Result<UserDetails> {
    let call = Call::get("/api/v2/users/me".into());
    let call = if expand_presence {
        call.query("expand", "presence")
    } else {
        call
    };
    request::send_json(session, &call)
}

/// Finds the user with an e-mail address; `None` when there is none.
///
/// `POST /api/v2/users/search` with the body
/// `{"query":[{"type":"EXACT","fields":["email"],"value":"<email>"}]}`.
/// Official SDKs: `post_users_search`, `postUsersSearch`. The search only
/// reads, so it is retried like a GET (gateway errors and lost connections
/// too, not only rate limits).
///
/// Of the results, the first whose `email` equals `email` ignoring case is
/// the answer; results with another address (the server's EXACT match may be
/// looser than that), and users without one, are passed over. Addresses are
/// compared whole: `alex@example.com` never finds `alex.morgan@example.com`.
///
/// # Errors
///
/// an error of kind [`InvalidInput`](crate::ErrorKind::InvalidInput) when `email` is not
/// `name@domain` (empty, with spaces or control characters, or over 254
/// characters), before anything is sent; an error of kind [`Api`](crate::ErrorKind::Api)
/// for an error answer; an error of kind [`Transport`](crate::ErrorKind::Transport) when
/// no answer arrived; an error of kind [`Decode`](crate::ErrorKind::Decode) when the
/// answer is not a search result.
///
/// # Example
///
/// ```no_run
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// use genesys_presence::{user, users};
///
/// match users::find_by_email(&session, "alex.morgan@example.com")? {
///     Some(alex) => {
///         let id = alex.id.unwrap_or_default();
///         println!("{:?}", user::get_purecloud_presence(&session, &id)?.message);
///     }
///     None => println!("no such user"),
/// }
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn find_by_email(session: &Session, email: &str) -> Result<Option<UserDetails>> {
    crate::args::require_email("email", email)?;
    let search = UserSearchRequest {
        query: [UserSearchCriteria {
            kind: "EXACT",
            fields: ["email"],
            value: email,
        }],
    };
    let call = Call::post("/api/v2/users/search".into())
        .json(&search)?
        .read_only();
    let found: UsersSearchResponse = request::send_json(session, &call)?;
    let wanted = email.to_lowercase();
    Ok(found
        .results
        .into_iter()
        .find(|user| user.email.as_deref().is_some_and(|e| e.to_lowercase() == wanted)))
}

/// The search this module sends: one criterion, fields in the fact sheet's
/// order (`{"query":[{"type":"EXACT","fields":["email"],"value":"…"}]}`).
#[derive(Serialize)]
struct UserSearchRequest<'a> {
    query: [UserSearchCriteria<'a>; 1],
}

#[derive(Serialize)]
struct UserSearchCriteria<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    fields: [&'static str; 1],
    value: &'a str,
}

/// The part of a UsersSearchResponse this module reads: `results` (absent
/// when nothing matched).
#[derive(Deserialize)]
struct UsersSearchResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    results: Vec<UserDetails>,
}
