//! `watch USER…`: presence changes as they happen, until Ctrl-C.
//!
//! For people, one line per event: when the presence took effect, the user
//! as given, the system presence and the message. For programs (`--json`),
//! one JSON object per line: the fields of `get`'s rows plus `origin`
//! (`initial`, `change`, or `resync` for a change caught up after a
//! reconnection). Every line is flushed as it is written.

use std::collections::HashMap;
use std::io::{self, IsTerminal};
use std::sync::{Arc, OnceLock};

use genesys_presence::watch::{StopHandle, WatchBuilder};
use genesys_presence::{Error, ErrorKind, EventOrigin, PresenceEvent};
use serde::Serialize;

use super::presence_row::PresenceRow;
use crate::args::WatchArgs;
use crate::context::Context;
use crate::failure::{Failure, Outcome};
use crate::output::{self, Row};
use crate::user_refs::{self, UserRef};

/// The exit code of a Ctrl-C that comes before the watch is running.
const INTERRUPTED: i32 = 130;

/// One event as a JSON line.
#[derive(Serialize)]
struct EventLine<'a> {
    #[serde(flatten)]
    row: &'a PresenceRow,
    /// `initial`, `change` or `resync`.
    origin: &'static str,
}

/// Watches `args`' users until Ctrl-C (exit 0) or until standard output is
/// closed (quietly). A topic the API refuses, and any other error the
/// watcher reports while it goes on, is a line on stderr.
pub fn run(context: &Context, args: &WatchArgs) -> Outcome {
    let users = user_refs::resolve(&context.session, &args.users.users)?;
    let stop = catch_ctrl_c()?;
    let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    let mut watcher = WatchBuilder::new()
        .users(&ids)
        .initial_presences(!args.changes_only)
        .start(&context.session)?;
    // Set once, here: a second `set` cannot happen.
    let _ = stop.set(watcher.stop_handle());
    if io::stdout().is_terminal() && !context.json {
        note(&format!("watching {} user(s); Ctrl-C to stop", users.len()));
    }
    let printer = Printer::new(context.json, &users);
    for item in watcher.by_ref() {
        match item {
            Ok(event) => printer.event(&event)?,
            Err(error) => printer.error(&error),
        }
    }
    watcher.close();
    Ok(())
}

/// Installs the Ctrl-C (SIGINT) handler: it stops the watcher once there
/// is one, so the loop ends and the watcher closes cleanly; before that, it
/// ends the program as an interrupted one.
fn catch_ctrl_c() -> Outcome<Arc<OnceLock<StopHandle>>> {
    let stop: Arc<OnceLock<StopHandle>> = Arc::new(OnceLock::new());
    let handler_stop = Arc::clone(&stop);
    ctrlc::set_handler(move || match handler_stop.get() {
        Some(handle) => handle.stop(),
        None => std::process::exit(INTERRUPTED),
    })
    .map_err(|e| Failure::other(format!("cannot catch Ctrl-C: {e}")))?;
    Ok(stop)
}

/// How events are printed: the users by id, and the width of the user
/// column for people.
struct Printer<'a> {
    json: bool,
    users: HashMap<&'a str, &'a UserRef>,
    width: usize,
}

impl<'a> Printer<'a> {
    fn new(json: bool, users: &'a [UserRef]) -> Printer<'a> {
        Printer {
            json,
            users: users.iter().map(|u| (u.id.as_str(), u)).collect(),
            width: users
                .iter()
                .map(|u| output::cell(&u.given).chars().count())
                .max()
                .unwrap_or(0),
        }
    }

    /// The user as given for an id (the id itself for one not asked for).
    fn given(&self, id: &'a str) -> &'a str {
        self.users.get(id).map_or(id, |u| u.given.as_str())
    }

    /// Prints one event, as a line for people or a JSON line.
    fn event(&self, event: &PresenceEvent) -> Outcome {
        let user = UserRef {
            given: self.given(&event.user_id).to_owned(),
            id: event.user_id.clone(),
        };
        let row = PresenceRow::from_event(&user, event);
        if self.json {
            let origin = match event.origin {
                EventOrigin::Initial => "initial",
                EventOrigin::Resync => "resync",
                _ => "change",
            };
            return output::json_line(&EventLine { row: &row, origin });
        }
        let cells = row.cells();
        let [who, presence, message, since] = [0, 1, 2, 3].map(|i| cells.get(i).map_or("", String::as_str));
        let text = format!(
            "{since}  {who:<width$}  {presence:<9}  {message}",
            since = output::shown(since),
            presence = output::shown(presence),
            width = self.width,
        );
        output::line(text.trim_end())
    }

    /// An error the watcher reports and goes on after, on stderr.
    fn error(&self, error: &Error) {
        let refused = (error.kind() == ErrorKind::TopicRejected)
            .then(|| error.topic())
            .flatten()
            .and_then(|topic| topic.strip_prefix("v2.users.")?.strip_suffix(".presence"));
        match refused {
            Some(id) => note(&format!("not watching {}: {error}", output::cell(self.given(id)))),
            None => note(&format!("{error} (still watching)")),
        }
    }
}

/// A line on stderr, naming the tool (the watch goes on after it).
fn note(text: &str) {
    output::note(&format!("genesys-presence: {text}"));
}
