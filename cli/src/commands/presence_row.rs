//! One user's presence as `get`, `set` and `watch` print it: the row, how
//! it is made from each of the API's presence shapes, and its table.

use genesys_presence::watch::PresenceEvent;
use genesys_presence::{PresenceDefinition, UcUserPresence, UserPresence};
use serde::Serialize;

use crate::output;
use crate::user_refs::UserRef;

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

impl PresenceRow {
    /// A row for `user` from the parts every presence shape has.
    fn new(
        user: &UserRef,
        definition: Option<&PresenceDefinition>,
        message: Option<&String>,
        modified_date: Option<&String>,
    ) -> PresenceRow {
        PresenceRow {
            user: user.given.clone(),
            id: user.id.clone(),
            system_presence: definition.and_then(|d| d.system_presence.clone()),
            presence_definition_id: definition.and_then(|d| d.id.clone()),
            message: message.cloned(),
            modified_date: modified_date.cloned(),
        }
    }

    /// From a single read or update (`None`: the API said nothing of the user).
    pub fn from_presence(user: &UserRef, presence: Option<&UserPresence>) -> PresenceRow {
        PresenceRow::new(
            user,
            presence.and_then(|p| p.presence_definition.as_ref()),
            presence.and_then(|p| p.message.as_ref()),
            presence.and_then(|p| p.modified_date.as_ref()),
        )
    }

    /// From a bulk read.
    pub fn from_bulk_read(user: &UserRef, presence: Option<&UcUserPresence>) -> PresenceRow {
        PresenceRow::new(
            user,
            presence.and_then(|p| p.presence_definition.as_ref()),
            presence.and_then(|p| p.message.as_ref()),
            presence.and_then(|p| p.modified_date.as_ref()),
        )
    }

    /// From a watcher's event.
    pub fn from_event(user: &UserRef, event: &PresenceEvent) -> PresenceRow {
        PresenceRow::new(
            user,
            event.presence_definition.as_ref(),
            event.message.as_ref(),
            event.modified_date.as_ref(),
        )
    }
}

impl output::Row for PresenceRow {
    const HEADER: &'static [&'static str] = &["USER", "PRESENCE", "MESSAGE", "SINCE"];

    fn cells(&self) -> Vec<String> {
        vec![
            output::cell(&self.user),
            output::optional_cell(&self.system_presence),
            output::optional_cell(&self.message),
            output::optional_cell(&self.modified_date),
        ]
    }
}
