//! `get` and `set`: users' Genesys Cloud presence.

use genesys_presence::user;
use serde::Serialize;

use crate::args::{GetArgs, SetArgs};
use crate::context::Context;
use crate::failure::Outcome;
use crate::output;
use crate::user_refs::{self, UserRef};

/// One user's presence as the tool prints it (the JSON shape is stable:
/// fields are only ever added).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PresenceRow {
    /// The user as given on the command line (`me`, an e-mail, an id).
    pub user: String,
    /// The user's id.
    pub id: String,
    /// The system presence (`Available`, `Busy`, …) as the API names it.
    pub system_presence: Option<String>,
    /// The presence definition's id.
    pub presence_definition_id: Option<String>,
    /// The status message.
    pub message: Option<String>,
    /// When it last changed (ISO 8601).
    pub modified_date: Option<String>,
}

/// `get USER…`: one call for one user, the bulk read for more.
pub fn get(context: &Context, args: &GetArgs) -> Outcome {
    let users = user_refs::resolve(&context.session, &args.users.users)?;
    let rows = read(context, &users)?;
    print(context, &rows)
}

/// `set PRESENCE USER…`.
pub fn set(_context: &Context, _args: &SetArgs) -> Outcome {
    Err(crate::failure::Failure::other("set: not yet"))
}

/// The presences of `users`, in their order.
fn read(context: &Context, users: &[UserRef]) -> Outcome<Vec<PresenceRow>> {
    if let [one] = users {
        let presence = user::get_purecloud_presence(&context.session, &one.id)?;
        let definition = presence.presence_definition.as_ref();
        return Ok(vec![PresenceRow {
            user: one.given.clone(),
            id: one.id.clone(),
            system_presence: definition.and_then(|d| d.system_presence.clone()),
            presence_definition_id: definition.and_then(|d| d.id.clone()),
            message: presence.message,
            modified_date: presence.modified_date,
        }]);
    }
    let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    let presences = user::get_purecloud_presences_bulk(&context.session, &ids)?;
    Ok(users
        .iter()
        .map(|u| {
            let presence = presences
                .iter()
                .find(|p| p.user_id.as_deref() == Some(u.id.as_str()));
            let definition = presence.and_then(|p| p.presence_definition.as_ref());
            PresenceRow {
                user: u.given.clone(),
                id: u.id.clone(),
                system_presence: definition.and_then(|d| d.system_presence.clone()),
                presence_definition_id: definition.and_then(|d| d.id.clone()),
                message: presence.and_then(|p| p.message.clone()),
                modified_date: presence.and_then(|p| p.modified_date.clone()),
            }
        })
        .collect())
}

/// Prints `rows` as a table, or as a JSON array.
fn print(context: &Context, rows: &[PresenceRow]) -> Outcome {
    if context.json {
        return output::json(rows);
    }
    let text = |value: &Option<String>| output::cell(value.as_deref().unwrap_or_default());
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            vec![
                output::cell(&row.user),
                text(&row.system_presence),
                text(&row.message),
                text(&row.modified_date),
            ]
        })
        .collect();
    output::table(&["USER", "PRESENCE", "MESSAGE", "SINCE"], &table)
}
