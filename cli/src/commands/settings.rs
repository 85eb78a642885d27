//! `settings …` (the org's presence settings) and `primary-source …` (a
//! user's primary presence source).

use std::collections::HashMap;

use genesys_presence::{
    settings, sources, user, PresenceSettings, RestorePresenceSettings, UserPrimarySource,
};
use serde::Serialize;

use super::sources::find_id;
use crate::args::{PrimarySourceCommand, SettingsCommand};
use crate::context::Context;
use crate::failure::{Failure, Outcome};
use crate::output;
use crate::user_refs::{self, UserRef};

/// The settings as the tool prints them (stable JSON: fields are only added;
/// the API's names).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SettingsView {
    requesting_off_queue_enabled: Option<bool>,
    default_primary_presence_registered_source_id: Option<String>,
    restore_presence_settings: RestoreView,
}

/// `restorePresenceSettings`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RestoreView {
    enabled: Option<bool>,
    restore_time_milliseconds: Option<i64>,
    restore_on_queue_enabled: Option<bool>,
}

impl From<PresenceSettings> for SettingsView {
    fn from(settings: PresenceSettings) -> SettingsView {
        let restore = settings.restore_presence_settings.unwrap_or_default();
        SettingsView {
            requesting_off_queue_enabled: settings.requesting_off_queue_enabled,
            default_primary_presence_registered_source_id: settings
                .default_primary_presence_registered_source_id,
            restore_presence_settings: RestoreView {
                enabled: restore.enabled,
                restore_time_milliseconds: restore.restore_time_milliseconds,
                restore_on_queue_enabled: restore.restore_on_queue_enabled,
            },
        }
    }
}

/// Runs a `settings` command.
pub fn run_settings(context: &Context, command: &SettingsCommand) -> Outcome {
    let session = &context.session;
    let now = match command {
        SettingsCommand::Show => settings::get(session)?,
        SettingsCommand::Update {
            requesting_off_queue,
            default_primary_source,
            restore,
            restore_within_ms,
            restore_on_queue,
        } => {
            let restoring = restore.is_some() || restore_within_ms.is_some() || restore_on_queue.is_some();
            if requesting_off_queue.is_none() && default_primary_source.is_none() && !restoring {
                return Err(Failure::usage("nothing to change: give at least one setting"));
            }
            let mut current = settings::get(session)?;
            if requesting_off_queue.is_some() {
                current.requesting_off_queue_enabled = *requesting_off_queue;
            }
            if let Some(source) = default_primary_source {
                current.default_primary_presence_registered_source_id = Some(find_id(session, source)?);
            }
            if restoring {
                // The API takes the three restore settings together.
                let old = current.restore_presence_settings.take().unwrap_or_default();
                current.restore_presence_settings = Some(RestorePresenceSettings {
                    enabled: restore.or(old.enabled),
                    restore_time_milliseconds: restore_within_ms.or(old.restore_time_milliseconds),
                    restore_on_queue_enabled: restore_on_queue.or(old.restore_on_queue_enabled),
                    ..old
                });
            }
            settings::update(session, &current)?
        }
    };
    let view = SettingsView::from(now);
    if context.json {
        return output::json(&view);
    }
    let flag = |value: Option<bool>| value.map(output::yes_no).unwrap_or_default();
    let restore = &view.restore_presence_settings;
    let rows = vec![
        vec![
            "requesting off queue".to_owned(),
            flag(view.requesting_off_queue_enabled),
        ],
        vec![
            "default primary source".to_owned(),
            output::optional_cell(&view.default_primary_presence_registered_source_id),
        ],
        vec!["restore presence".to_owned(), flag(restore.enabled)],
        vec![
            "restore within (ms)".to_owned(),
            restore
                .restore_time_milliseconds
                .map(|ms| ms.to_string())
                .unwrap_or_default(),
        ],
        vec![
            "restore on queue".to_owned(),
            flag(restore.restore_on_queue_enabled),
        ],
    ];
    output::table(&["SETTING", "VALUE"], &rows)
}

/// One user's primary source as the tool prints it (stable JSON).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PrimarySourceRow {
    /// The user as given.
    user: String,
    /// The user's id.
    id: String,
    source_id: Option<String>,
    /// The source's name, when it is one of the org's sources.
    source_name: Option<String>,
    registered: Option<bool>,
}

/// Runs a `primary-source` command: one call per user (the API has no bulk form).
pub fn run_primary_source(context: &Context, command: &PrimarySourceCommand) -> Outcome {
    let session = &context.session;
    let (users, source_id) = match command {
        PrimarySourceCommand::Show { users } => (&users.users, None),
        PrimarySourceCommand::Set { source, users } => (&users.users, Some(find_id(session, source)?)),
    };
    let users = user_refs::resolve(session, users)?;
    // Names are a nicety: without the right to list sources, ids do.
    let names: HashMap<String, String> = sources::list(session)
        .map(|listing| {
            listing
                .entities
                .into_iter()
                .filter_map(|s| Some((s.id?, s.name?)))
                .collect()
        })
        .unwrap_or_default();
    let mut rows = Vec::with_capacity(users.len());
    let mut failure = None;
    for user_ref in &users {
        let primary = match &source_id {
            Some(source_id) => user::set_primary_source(session, &user_ref.id, source_id),
            None => user::get_primary_source(session, &user_ref.id),
        };
        match primary {
            Ok(primary) => rows.push(primary_row(user_ref, primary, &names)),
            Err(error) => {
                failure = Some(error);
                break;
            }
        }
    }
    // The users done before a failure are printed, then the failure.
    if failure.is_none() || !rows.is_empty() {
        output::rows(context.json, &rows)?;
    }
    match failure {
        Some(error) => Err(error.into()),
        None => Ok(()),
    }
}

impl output::Row for PrimarySourceRow {
    const HEADER: &'static [&'static str] = &["USER", "SOURCE", "NAME", "REGISTERED"];

    fn cells(&self) -> Vec<String> {
        vec![
            output::cell(&self.user),
            output::optional_cell(&self.source_id),
            output::optional_cell(&self.source_name),
            self.registered.map(output::yes_no).unwrap_or_default(),
        ]
    }
}

fn primary_row(
    user: &UserRef,
    primary: UserPrimarySource,
    names: &HashMap<String, String>,
) -> PrimarySourceRow {
    PrimarySourceRow {
        user: user.given.clone(),
        id: user.id.clone(),
        source_name: primary.source_id.as_ref().and_then(|id| names.get(id)).cloned(),
        source_id: primary.source_id,
        registered: primary.registered,
    }
}
