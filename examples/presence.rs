//! A small command-line tool for Genesys Cloud presence: the library calls
//! behind it. The tool to install is the workspace's `genesys-presence`
//! binary (`cargo install --path cli`; see the README's "Command-line tool").
//!
//! ```text
//! cargo run --example presence -- [--fake] [--json] COMMAND [ARGS]
//!
//!   get USER                         a user's Genesys Cloud presence
//!   set USER NAME [--message TEXT]   set it by name: Busy, "on queue", Lunch…
//!   definitions                      the org's presence definitions
//!   sources                          the org's presence sources
//!   bulk-get USER...                 many users' presences (any number)
//!
//!   --fake   use a local stand-in org; its users can be named @1, @2, @3
//!   --json   print JSON instead of a table
//! ```
//!
//! Without `--fake` the session comes from the `GENESYSCLOUD_*` variables
//! (see `Session::from_env`). Errors are one line on stderr, and the exit
//! code is 1 (2 for a usage error).

use std::collections::HashMap;
use std::process::ExitCode;

use genesys_presence::fake::FakeOrg;
use genesys_presence::presence_definitions::{self, PresenceDefinitionQuery};
use genesys_presence::{sources, user, PresenceDefinition, Session};
use serde::Serialize;

const USAGE: &str = "usage: presence [--fake] [--json] get USER | set USER NAME [--message TEXT] | \
                     definitions | sources | bulk-get USER...";

/// What the command line asks for.
struct Options {
    fake: bool,
    json: bool,
    message: Option<String>,
    command: Command,
}

/// The subcommands, with their arguments.
enum Command {
    Get(String),
    Set(String, String),
    Definitions,
    Sources,
    BulkGet(Vec<String>),
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("{problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let (mut fake, mut json, mut message, mut words) = (false, false, None, Vec::new());
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--fake" => fake = true,
            "--json" => json = true,
            "--message" | "-m" => message = Some(args.next().ok_or("--message needs a text")?),
            "-h" | "--help" => return Err("presence: read and set Genesys Cloud presence".into()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ => words.push(arg),
        }
    }
    let command = match words.as_slice() {
        [] => return Err("no command given".into()),
        [get, user] if get == "get" => Command::Get(user.clone()),
        [set, user, name] if set == "set" => Command::Set(user.clone(), name.clone()),
        [definitions] if definitions == "definitions" => Command::Definitions,
        [sources] if sources == "sources" => Command::Sources,
        [bulk, users @ ..] if bulk == "bulk-get" && !users.is_empty() => Command::BulkGet(users.to_vec()),
        [other, ..] => return Err(format!("unknown command or wrong arguments: {other}")),
    };
    if message.is_some() && !matches!(command, Command::Set(..)) {
        return Err("--message goes with set".into());
    }
    Ok(Options {
        fake,
        json,
        message,
        command,
    })
}

fn run(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    // The stand-in org lives until the command is done.
    let fake = if options.fake {
        Some(FakeOrg::start()?)
    } else {
        None
    };
    let session = match &fake {
        Some(org) => org.session()?,
        None => Session::from_env()?,
    };
    let user_ref = |word: &str| resolve_user(fake.as_ref(), word);
    const PRESENCE_COLUMNS: [&str; 5] = ["USER", "PRESENCE", "SYSTEM", "MESSAGE", "DEFINITION ID"];
    match &options.command {
        Command::Get(user) => {
            let user_id = user_ref(user)?;
            let presence = user::get_purecloud_presence(&session, &user_id)?;
            let labels = Labels::read(&session, options)?;
            let row = labels.row(&user_id, &presence.presence_definition, &presence.message);
            print(options, &presence, &PRESENCE_COLUMNS, vec![row]);
        }
        Command::Set(user, name) => {
            let user_id = user_ref(user)?;
            let presence = user::set_presence_by_name(&session, &user_id, name, options.message.as_deref())?;
            let labels = Labels::read(&session, options)?;
            let row = labels.row(&user_id, &presence.presence_definition, &presence.message);
            print(options, &presence, &PRESENCE_COLUMNS, vec![row]);
        }
        Command::Definitions => {
            let listing = presence_definitions::list(&session, &PresenceDefinitionQuery::default())?;
            let rows = listing
                .entities
                .iter()
                .map(|d| {
                    vec![
                        label_or_name(d.label("en_US"), &d.name),
                        text(&d.system_presence),
                        text(&d.definition_type),
                        text(&d.id),
                    ]
                })
                .collect();
            print(
                options,
                &listing.entities,
                &["LABEL", "SYSTEM", "TYPE", "ID"],
                rows,
            );
        }
        Command::Sources => {
            let listing = sources::list(&session)?;
            let rows = listing
                .entities
                .iter()
                .map(|s| vec![text(&s.name), text(&s.source_type), text(&s.id)])
                .collect();
            print(options, &listing.entities, &["NAME", "TYPE", "ID"], rows);
        }
        Command::BulkGet(users) => {
            let ids = users
                .iter()
                .map(|id| user_ref(id))
                .collect::<Result<Vec<_>, _>>()?;
            let presences = user::get_purecloud_presences_bulk(&session, &ids)?;
            let labels = Labels::read(&session, options)?;
            let rows = presences
                .iter()
                .map(|p| labels.row(&text(&p.user_id), &p.presence_definition, &p.message))
                .collect();
            print(options, &presences, &PRESENCE_COLUMNS, rows);
        }
    }
    Ok(())
}

/// `@N` names the stand-in org's N-th user; anything else is a user id.
fn resolve_user(fake: Option<&FakeOrg>, word: &str) -> Result<String, String> {
    match (word.strip_prefix('@'), fake) {
        (Some(n), Some(org)) => {
            let users = org.user_ids();
            n.parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| users.get(i).cloned())
                .ok_or_else(|| format!("{word}: the stand-in org has users @1 to @{}", users.len()))
        }
        (Some(_), None) => Err(format!("{word}: @N user names work only with --fake")),
        (None, _) => Ok(word.to_owned()),
    }
}

/// Definition labels by id, to show presences by name in tables.
struct Labels(HashMap<String, String>);

impl Labels {
    /// Reads the definitions once, for a table; nothing for `--json`.
    fn read(session: &Session, options: &Options) -> Result<Labels, genesys_presence::Error> {
        if options.json {
            return Ok(Labels(HashMap::new()));
        }
        let listing = presence_definitions::list(session, &PresenceDefinitionQuery::default())?;
        let labels = listing
            .entities
            .into_iter()
            .filter_map(|d| {
                let label = label_or_name(d.label("en_US"), &d.name);
                Some((d.id?, label))
            })
            .collect();
        Ok(Labels(labels))
    }

    fn row(
        &self,
        user_id: &str,
        definition: &Option<PresenceDefinition>,
        message: &Option<String>,
    ) -> Vec<String> {
        let id = definition.as_ref().and_then(|d| d.id.clone());
        let label = id.as_ref().and_then(|id| self.0.get(id)).cloned();
        let system = definition.as_ref().and_then(|d| d.system_presence.clone());
        vec![
            user_id.to_owned(),
            text(&label),
            text(&system),
            text(message),
            text(&id),
        ]
    }
}

fn label_or_name(label: Option<&str>, name: &Option<String>) -> String {
    label.map(str::to_owned).unwrap_or_else(|| text(name))
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "-".to_owned())
}

/// Prints `value` as JSON with `--json`, else `rows` as a table under `headers`.
fn print(options: &Options, value: &impl Serialize, headers: &[&str], rows: Vec<Vec<String>>) {
    if options.json {
        match serde_json::to_string_pretty(value) {
            Ok(json) => out(&json),
            Err(error) => eprintln!("error: cannot write JSON: {error}"),
        }
        return;
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out(padded.join("  ").trim_end());
    };
    line(headers.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Writes `line` to stdout. When stdout is closed (`presence … | head`), the
/// program stops quietly with exit code 1 instead of panicking as
/// `println!` does; another write error is one line on stderr.
fn out(line: &str) {
    use std::io::Write;
    if let Err(error) = writeln!(std::io::stdout().lock(), "{line}") {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write: {error}");
        }
        std::process::exit(1);
    }
}
