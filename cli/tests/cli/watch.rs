//! `watch`: current presences, then changes made by another process, as
//! lines or JSON lines; refused users on stderr; Ctrl-C ends it cleanly.
#![cfg(unix)]

use genesys_presence::fake::FakeOrg;
use genesys_presence::user;

use crate::harness::{against, run, ConfigDir};
use std::time::{Duration, Instant};

use crate::streams::{columns, until, Running, PATIENCE};

#[test]
fn watch_prints_changes_another_process_makes_and_ends_on_ctrl_c() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("watch-lines");
    let ids = org.user_ids();
    let email = org.user_email(&ids[1]).expect("an e-mail address");

    let watch = Running::start(against(&org, &config).args(["watch", &ids[0], &email]));
    // Each user's presence first (Alex Available, Sam Busy), in any order.
    let mut first = [watch.line(), watch.line()];
    first.sort_by_key(|line| line.contains(&email));
    let width = ids[0].len().max(email.len());
    assert!(
        first[0].contains(&format!("  {:<width$}  Available", ids[0])),
        "{first:?}"
    );
    assert!(
        first[1].contains(&format!("  {email:<width$}  Busy")),
        "{first:?}"
    );

    let set = run(
        against(&org, &config).args(["set", "Meeting", "--message", "Design review", &email]),
        "",
    );
    assert_eq!(set.status.code(), Some(0));
    let change = watch.line();
    let (since, rest) = change.split_once("  ").expect("columns");
    assert!(since.ends_with('Z') || since.contains('+'), "{change}");
    assert_eq!(rest, format!("{email:<width$}  Meeting    Design review"));

    watch.interrupt();
    let (status, rest, stderr) = watch.finish();
    assert_eq!((status.code(), rest.len(), stderr.as_str()), (Some(0), 0, ""));
    until("the watcher's socket to close", || org.open_sockets() == 0);
}

#[test]
fn watch_json_lines_parse_back() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("watch-json");
    let id = org.user_ids()[0].clone();

    let watch = Running::start(against(&org, &config).args(["--json", "watch", &id]));
    let initial: serde_json::Value = serde_json::from_str(&watch.line()).expect("a JSON line");
    assert_eq!(initial["origin"], "initial");
    assert_eq!(initial["user"], id.as_str());
    assert_eq!(initial["id"], id.as_str());
    assert_eq!(initial["systemPresence"], "Available");

    let session = org.session().expect("a session");
    user::set_presence_by_name(&session, &id, "Busy", Some("Deep\nwork")).expect("a change");
    let change: serde_json::Value = serde_json::from_str(&watch.line()).expect("a JSON line");
    assert_eq!(change["origin"], "change");
    assert_eq!(change["systemPresence"], "Busy");
    assert_eq!(change["message"], "Deep\nwork");
    assert!(change["presenceDefinitionId"].is_string());
    assert!(change["modifiedDate"].is_string());

    watch.interrupt();
    let (status, rest, stderr) = watch.finish();
    assert_eq!((status.code(), rest.len(), stderr.as_str()), (Some(0), 0, ""));
}

#[test]
fn changes_only_skips_the_current_presence_and_a_refused_user_is_reported() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("watch-refused");
    let ids = org.user_ids();
    org.reject_topic(
        &format!("v2.users.{}.presence", ids[1]),
        "Missing permission: directory:user:view",
    );

    let watch = Running::start(against(&org, &config).args(["watch", "--changes-only", &ids[0], &ids[1]]));
    // Nothing says when the watcher has read its starting point, and a
    // change made before that is not a change to it: change the presence
    // until one is printed. The first line is a change, never the current
    // presence (Available).
    let deadline = Instant::now() + PATIENCE;
    let line = 'changes: loop {
        assert!(Instant::now() < deadline, "no change printed in time");
        for presence in ["Away", "Busy"] {
            org.set_presence_now(&ids[0], presence, None);
            if let Some(line) = watch.line_within(Duration::from_millis(500)) {
                break 'changes line;
            }
        }
    };
    let cells = columns(&line);
    assert_eq!(cells.len(), 3, "{line}");
    assert_eq!(cells[1], ids[0].as_str());
    assert!(["Away", "Busy"].contains(&cells[2]), "{line}");

    watch.interrupt();
    let (status, rest, stderr) = watch.finish();
    assert_eq!((status.code(), rest.len()), (Some(0), 0), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("genesys-presence: not watching {}: ", ids[1])),
        "{stderr}"
    );
    assert!(
        stderr.contains("Missing permission: directory:user:view"),
        "{stderr}"
    );
}
