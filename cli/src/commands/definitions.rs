//! `definitions …`: the org's presence definitions (the current
//! `/api/v2/presence/definitions` operations). A definition is named by its
//! id or as `set` names presences (a label, a system presence).

use std::collections::BTreeMap;

use genesys_presence::presence_definitions::{self, PresenceDefinitionQuery};
use genesys_presence::{ErrorKind, OrganizationPresenceDefinition, Session, SystemPresenceName};
use serde::Serialize;

use crate::args::DefinitionsCommand;
use crate::context::Context;
use crate::failure::{Failure, Outcome};
use crate::output;

/// The locale whose label the table shows first.
const TABLE_LOCALE: &str = "en_US";

/// One definition as the tool prints it (stable JSON: fields are only added).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DefinitionRow {
    id: Option<String>,
    /// The `en_US` label, else the first one.
    label: Option<String>,
    /// Every label, by locale.
    labels: BTreeMap<String, String>,
    system_presence: Option<String>,
    /// `System` (built in) or `User` (added by the org).
    #[serde(rename = "type")]
    definition_type: Option<String>,
    division_id: Option<String>,
    deactivated: bool,
}

impl From<OrganizationPresenceDefinition> for DefinitionRow {
    fn from(definition: OrganizationPresenceDefinition) -> DefinitionRow {
        let labels = definition.language_labels.unwrap_or_default();
        let label = labels
            .get(TABLE_LOCALE)
            .or_else(|| labels.values().next())
            .cloned();
        DefinitionRow {
            id: definition.id,
            label,
            labels,
            system_presence: definition.system_presence,
            definition_type: definition.definition_type,
            division_id: definition.division_id,
            deactivated: definition.deactivated.unwrap_or(false),
        }
    }
}

/// Runs a `definitions` command.
pub fn run(context: &Context, command: &DefinitionsCommand) -> Outcome {
    let session = &context.session;
    let rows: Vec<DefinitionRow> = match command {
        DefinitionsCommand::List { deactivated } => {
            let mut all = list(session, false)?;
            if *deactivated {
                all.extend(list(session, true)?);
            }
            return output::rows(context.json, &all);
        }
        DefinitionsCommand::Show { definition } => vec![find(session, definition)?.into()],
        DefinitionsCommand::Create {
            label,
            system_presence,
            locale,
        } => {
            let definition = OrganizationPresenceDefinition {
                language_labels: Some(BTreeMap::from([(locale.clone(), label.clone())])),
                system_presence: Some(SystemPresenceName::parse(system_presence).as_str().to_owned()),
                ..Default::default()
            };
            vec![presence_definitions::create(session, &definition)?.into()]
        }
        DefinitionsCommand::Update {
            definition,
            label,
            locale,
            deactivated,
        } => {
            if label.is_none() && deactivated.is_none() {
                return Err(Failure::usage(
                    "nothing to change: give --label, --deactivated or both",
                ));
            }
            let mut current = find(session, definition)?;
            let id = id_of(&current)?;
            if let Some(label) = label {
                current
                    .language_labels
                    .get_or_insert_with(BTreeMap::new)
                    .insert(locale.clone(), label.clone());
            }
            if deactivated.is_some() {
                current.deactivated = *deactivated;
            }
            vec![presence_definitions::update(session, &id, &current)?.into()]
        }
        DefinitionsCommand::Delete { definition } => {
            let id = id_of(&find(session, definition)?)?;
            presence_definitions::delete(session, &id)?;
            // What is left: the definition, deactivated.
            vec![presence_definitions::get(session, &id, Some("ALL"))?.into()]
        }
    };
    output::rows(context.json, &rows)
}

/// The active (or the deactivated) definitions, labels in every locale.
fn list(session: &Session, deactivated: bool) -> Outcome<Vec<DefinitionRow>> {
    let query = PresenceDefinitionQuery::default()
        .deactivated(deactivated)
        .locale_code("ALL");
    let listing = presence_definitions::list(session, &query)?;
    Ok(listing.entities.into_iter().map(DefinitionRow::from).collect())
}

/// The definition `text` names: an active one by name (a label, a system
/// presence, as `set` finds them), else any by id.
fn find(session: &Session, text: &str) -> Outcome<OrganizationPresenceDefinition> {
    let by_name = match presence_definitions::find_by_name(session, text) {
        Ok(definition) => return Ok(definition),
        Err(error) if error.kind() == ErrorKind::InvalidInput && error.argument() == Some("name") => error,
        Err(error) => return Err(error.into()),
    };
    match presence_definitions::get(session, text, Some("ALL")) {
        Ok(definition) => Ok(definition),
        Err(error) if error.is_not_found() || error.kind() == ErrorKind::InvalidInput => Err(Failure::other(
            format!("no presence definition has the id or name {text:?} ({by_name})"),
        )),
        Err(error) => Err(error.into()),
    }
}

/// A definition's id (the API always gives one).
fn id_of(definition: &OrganizationPresenceDefinition) -> Outcome<String> {
    definition
        .id
        .clone()
        .ok_or_else(|| Failure::other("the API gave a presence definition without an id"))
}

impl output::Row for DefinitionRow {
    const HEADER: &'static [&'static str] = &["ID", "LABEL", "PRESENCE", "TYPE", "DEACTIVATED"];

    fn cells(&self) -> Vec<String> {
        vec![
            output::optional_cell(&self.id),
            output::optional_cell(&self.label),
            output::optional_cell(&self.system_presence),
            output::optional_cell(&self.definition_type),
            output::yes_no(self.deactivated),
        ]
    }
}
