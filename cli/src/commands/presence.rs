//! `get` and `set`: users' Genesys Cloud presence.

use std::collections::{HashMap, HashSet};

use genesys_presence::{
    presence_definitions, user, Error, ErrorKind, PresenceDefinition, UcUserPresence, UserPresence,
};

use super::presence_row::PresenceRow;
use crate::args::{GetArgs, SetArgs};
use crate::context::Context;
use crate::failure::{Failure, Outcome};
use crate::output;
use crate::user_refs::{self, UserRef};

/// `get USER…`: one call for one user, the bulk read for more.
pub fn get(context: &Context, args: &GetArgs) -> Outcome {
    let users = user_refs::resolve(&context.session, &args.users.users)?;
    let (rows, missing) = read(context, &users)?;
    if missing.is_empty() || !rows.is_empty() {
        output::rows(context.json, &rows)?;
    }
    match missing.as_slice() {
        [] => Ok(()),
        _ => Err(Failure::other(format!(
            "no presence for {} of the {} users, who may not exist: {} \
             (GET /api/v2/users/presences/purecloud/bulk left them out)",
            missing.len(),
            users.len(),
            first_few(&missing)
        ))),
    }
}

/// At most five users as given, quoted, and how many more there are.
fn first_few(users: &[&UserRef]) -> String {
    const SHOWN: usize = 5;
    let mut text = users
        .iter()
        .take(SHOWN)
        .map(|u| format!("{:?}", u.given))
        .collect::<Vec<_>>()
        .join(", ");
    if users.len() > SHOWN {
        text.push_str(&format!(" and {} more", users.len() - SHOWN));
    }
    text
}

/// `set PRESENCE [--message M] USER…`: the single update for one user, the
/// bulk update (in calls of 50) for more; prints the presences the API
/// answered. A bulk update that stops part-way prints the users it did
/// apply, then fails naming the call that stopped it.
pub fn set(context: &Context, args: &SetArgs) -> Outcome {
    let users = user_refs::resolve(&context.session, &args.users.users)?;
    let message = args.message.as_deref();
    if let [one] = users.as_slice() {
        let presence = user::set_presence_by_name(&context.session, &one.id, &args.presence, message)
            .map_err(|e| unknown_presence(&args.presence, e))?;
        return output::rows(context.json, &[PresenceRow::from_presence(one, Some(&presence))]);
    }
    let definition_id = presence_definitions::find_by_name(&context.session, &args.presence)
        .map_err(|e| unknown_presence(&args.presence, e))?
        .id
        .ok_or_else(|| Failure::other(format!("the presence {:?} has no id", args.presence)))?;
    let changes: Vec<UserPresence> = users
        .iter()
        .map(|u| UserPresence {
            id: Some(u.id.clone()),
            presence_definition: Some(PresenceDefinition::with_id(definition_id.as_str())),
            message: message.map(str::to_owned),
            ..Default::default()
        })
        .collect();
    match user::update_presences_bulk(&context.session, &changes) {
        Ok(answers) => output::rows(context.json, &rows_of(&users, &answers)),
        Err(error) => match error.bulk() {
            Some(bulk) => {
                let done: HashSet<&str> = bulk.applied_user_ids().iter().map(String::as_str).collect();
                let applied: Vec<UserRef> = users
                    .iter()
                    .filter(|u| done.contains(u.id.as_str()))
                    .cloned()
                    .collect();
                output::rows(context.json, &rows_of(&applied, bulk.applied()))?;
                Err(Failure::other(format!(
                    "{error} (the {} users above were set; the other {} were not)",
                    applied.len(),
                    bulk.not_applied_user_ids().len()
                )))
            }
            None => Err(error.into()),
        },
    }
}

/// A presence name the org has no definition for is the caller's mistake,
/// but one only the org can tell: one line naming it (and the names there
/// are, as the library lists them), exit 1 like the other failed look-ups.
fn unknown_presence(name: &str, error: Error) -> Failure {
    if error.kind() == ErrorKind::InvalidInput && error.argument() == Some("name") {
        Failure::other(format!("unknown presence {name:?}: {error}"))
    } else {
        error.into()
    }
}

/// The rows for `users` from update answers, matched by user id (the API
/// does not promise their order).
fn rows_of(users: &[UserRef], answers: &[UserPresence]) -> Vec<PresenceRow> {
    let by_user: HashMap<&str, &UserPresence> = answers
        .iter()
        .filter_map(|a| Some((a.id.as_deref()?, a)))
        .collect();
    users
        .iter()
        .map(|u| PresenceRow::from_presence(u, by_user.get(u.id.as_str()).copied()))
        .collect()
}

/// The presences of `users`, in their order, and the users the bulk read
/// left out (as a single read's 404 would, it says nothing of unknown ids).
fn read<'a>(context: &Context, users: &'a [UserRef]) -> Outcome<(Vec<PresenceRow>, Vec<&'a UserRef>)> {
    if let [one] = users {
        let presence = user::get_purecloud_presence(&context.session, &one.id)?;
        return Ok((vec![PresenceRow::from_presence(one, Some(&presence))], Vec::new()));
    }
    let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    let presences = user::get_purecloud_presences_bulk(&context.session, &ids)?;
    let by_user: HashMap<&str, &UcUserPresence> = presences
        .iter()
        .filter_map(|p| Some((p.user_id.as_deref()?, p)))
        .collect();
    let (found, missing): (Vec<&UserRef>, Vec<&UserRef>) =
        users.iter().partition(|u| by_user.contains_key(u.id.as_str()));
    let rows = found
        .into_iter()
        .map(|u| PresenceRow::from_bulk_read(u, by_user.get(u.id.as_str()).copied()))
        .collect();
    Ok((rows, missing))
}
