//! Users as the command line names them: an id, an e-mail address (looked
//! up), `me` (the signed-in user), or `-` for one per line on standard input.

use std::io::{self, BufRead};

use genesys_presence::{users, Error, ErrorKind, Session};

use crate::failure::{Failure, Outcome};

/// A user named on the command line, resolved to an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef {
    /// As it was given (`me`, `alex@example.com`, an id).
    pub given: String,
    /// The user's id.
    pub id: String,
}

/// The users `args` name, in order, duplicates kept out: `-` reads standard
/// input (one per line; blank lines and lines starting with `#` skipped).
/// E-mail addresses are looked up (one search each), `me` is the signed-in
/// user (one call, and only for a token that belongs to a person).
///
/// # Errors
///
/// An error for an e-mail address no user has; a usage error for `-` given twice;
/// an API error for a failed lookup; an error when standard input cannot be read.
pub fn resolve(session: &Session, args: &[String]) -> Outcome<Vec<UserRef>> {
    let mut given = Vec::new();
    let mut read_stdin = false;
    for arg in args {
        if arg == "-" {
            if read_stdin {
                return Err(Failure::usage("`-` (standard input) is given twice"));
            }
            read_stdin = true;
            for line in io::stdin().lock().lines() {
                let line = line.map_err(|e| Failure::other(format!("cannot read standard input: {e}")))?;
                let line = line.trim();
                if !line.is_empty() && !line.starts_with('#') {
                    given.push(line.to_owned());
                }
            }
        } else {
            given.push(arg.trim().to_owned());
        }
    }
    let mut me: Option<String> = None;
    let mut resolved: Vec<UserRef> = Vec::with_capacity(given.len());
    for name in given {
        if name.is_empty() {
            return Err(Failure::usage(
                "a user is empty: give an id, an e-mail address or `me`",
            ));
        }
        let id = if name.eq_ignore_ascii_case("me") {
            match &me {
                Some(id) => id.clone(),
                None => {
                    let id = users::me(session, false)
                        .map_err(me_refused)?
                        .id
                        .ok_or_else(|| Failure::other("the API did not say who `me` is (no id)"))?;
                    me = Some(id.clone());
                    id
                }
            }
        } else if name.contains('@') {
            users::find_by_email(session, &name)?
                .and_then(|user| user.id)
                .ok_or_else(|| Failure::other(format!("no user has the e-mail address {name:?}")))?
        } else {
            name.clone()
        };
        if !resolved.iter().any(|r| r.id == id) {
            resolved.push(UserRef { given: name, id });
        }
    }
    if resolved.is_empty() {
        return Err(Failure::usage("no users given (standard input was empty)"));
    }
    Ok(resolved)
}

/// A `me` the API refuses (a 4xx: client credentials act for no user) says
/// what to give instead, with the call and status; other errors as they are.
fn me_refused(error: Error) -> Failure {
    if error.kind() == ErrorKind::Api && matches!(error.status(), Some(400 | 403 | 404)) {
        Failure::other(format!(
            "`me` is the signed-in person, and this token acts for none (client credentials?): \
             name users by id or e-mail instead ({error})"
        ))
    } else {
        error.into()
    }
}
