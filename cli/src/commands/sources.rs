//! `sources …`: the org's presence sources. A source is named by its id or
//! its name (`PURECLOUD` is Genesys Cloud's own).

use genesys_presence::{sources, Session, Source};
use serde::Serialize;

use crate::args::SourcesCommand;
use crate::context::Context;
use crate::failure::{Failure, Outcome};
use crate::output;

/// One source as the tool prints it (stable JSON: fields are only added).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SourceRow {
    id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    /// `System` or `User`.
    #[serde(rename = "type")]
    source_type: Option<String>,
    deactivated: bool,
}

impl From<Source> for SourceRow {
    fn from(source: Source) -> SourceRow {
        SourceRow {
            id: source.id,
            name: source.name,
            description: source.description,
            source_type: source.source_type,
            deactivated: source.deactivated.unwrap_or(false),
        }
    }
}

/// Runs a `sources` command.
pub fn run(context: &Context, command: &SourcesCommand) -> Outcome {
    let session = &context.session;
    let rows: Vec<SourceRow> = match command {
        SourcesCommand::List { deactivated } => {
            let mut all = sources::list(session)?.entities;
            if *deactivated {
                all.extend(sources::list_deactivated(session)?.entities);
            }
            all.into_iter().map(SourceRow::from).collect()
        }
        SourcesCommand::Show { source } => vec![sources::get(session, &find_id(session, source)?)?.into()],
        SourcesCommand::Create { name, description } => {
            let source = Source {
                name: Some(name.clone()),
                description: description.clone(),
                ..Default::default()
            };
            vec![sources::create(session, &source)?.into()]
        }
        SourcesCommand::Update {
            source,
            name,
            description,
            deactivated,
        } => {
            if name.is_none() && description.is_none() && deactivated.is_none() {
                return Err(Failure::usage(
                    "nothing to change: give --name, --description or --deactivated",
                ));
            }
            let id = find_id(session, source)?;
            let mut current = sources::get(session, &id)?;
            if name.is_some() {
                current.name.clone_from(name);
            }
            if description.is_some() {
                current.description.clone_from(description);
            }
            if deactivated.is_some() {
                current.deactivated = *deactivated;
            }
            vec![sources::update(session, &id, &current)?.into()]
        }
        SourcesCommand::Delete { source } => {
            let id = find_id(session, source)?;
            sources::delete(session, &id)?;
            // What is left: the source, deactivated.
            vec![sources::get(session, &id)?.into()]
        }
    };
    output::rows(context.json, &rows)
}

/// The id of the source `text` names: an active source with that id or
/// (ignoring case) that name, else `text` itself as an id (a deactivated
/// source, or one the listing does not show).
pub fn find_id(session: &Session, text: &str) -> Outcome<String> {
    let listing = sources::list(session)?.entities;
    if listing.iter().any(|s| s.id.as_deref() == Some(text)) {
        return Ok(text.to_owned());
    }
    let named: Vec<&Source> = listing
        .iter()
        .filter(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.trim().eq_ignore_ascii_case(text.trim()))
        })
        .collect();
    match named.as_slice() {
        [one] => one
            .id
            .clone()
            .ok_or_else(|| Failure::other(format!("the source {text:?} has no id"))),
        [] => Ok(text.to_owned()),
        _ => Err(Failure::other(format!(
            "several sources are called {text:?}: give its id ({})",
            named
                .iter()
                .filter_map(|s| s.id.as_deref())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

impl output::Row for SourceRow {
    const HEADER: &'static [&'static str] = &["ID", "NAME", "TYPE", "DEACTIVATED", "DESCRIPTION"];

    fn cells(&self) -> Vec<String> {
        vec![
            output::optional_cell(&self.id),
            output::optional_cell(&self.name),
            output::optional_cell(&self.source_type),
            output::yes_no(self.deactivated),
            output::optional_cell(&self.description),
        ]
    }
}
