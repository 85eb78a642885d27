//! Prints users' presence changes as they happen, one line each.
//!
//! ```text
//! cargo run --example watch                       # no account: a local stand-in org
//! GENESYSCLOUD_REGION=eu-west-1 \
//! GENESYSCLOUD_OAUTHCLIENT_ID=… GENESYSCLOUD_OAUTHCLIENT_SECRET=… \
//!     cargo run --example watch -- USER_ID …      # a real org, until Ctrl-C
//! ```
//!
//! (In a clone of the repository the example's dev-dependency on the crate
//! enables the features it needs; from the published crate, add
//! `--features fake,notifications`.) Each user's current presence is printed
//! first, then every change. With no credentials it watches the stand-in
//! org's users while a background thread changes a few presences through
//! another session, and stops when that is done.

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use genesys_presence::fake::FakeOrg;
use genesys_presence::watch::{WatchBuilder, Watcher};
use genesys_presence::{user, EventOrigin, PresenceEvent, Session};

const CREDENTIAL_VARIABLES: [&str; 3] = [
    "GENESYSCLOUD_ACCESS_TOKEN",
    "GENESYSCLOUD_OAUTHCLIENT_ID",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
];

/// What the background thread does in the stand-in org: user (by index),
/// presence, message.
const CHANGES: [(usize, &str, &str); 6] = [
    (0, "Busy", "Writing the quarterly report"),
    (1, "Meeting", "Design review"),
    (2, "Available", ""),
    (0, "Meal", "Lunch, back at 13:30"),
    (1, "Available", ""),
    (0, "On Queue", ""),
];

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let uses_env = CREDENTIAL_VARIABLES
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    if uses_env {
        let session = Session::from_env()?;
        let users: Vec<String> = std::env::args().skip(1).collect();
        if users.is_empty() {
            return Err("give the ids of the users to watch as arguments".into());
        }
        println!(
            "Watching {} user(s) in the org at {} (Ctrl-C to stop)",
            users.len(),
            session.api_url()
        );
        let mut watcher = WatchBuilder::new()
            .initial_presences(true)
            .users(&users)
            .start(&session)?;
        for item in watcher.by_ref() {
            print_item(item);
        }
        return Ok(());
    }

    let org = FakeOrg::start()?;
    let users = org.user_ids();
    println!(
        "No GENESYSCLOUD_* credentials set: watching the {} users of a local stand-in org at {}",
        users.len(),
        org.base_url()
    );
    let session = org.session()?;
    let mut watcher = WatchBuilder::new()
        .initial_presences(true)
        .users(&users)
        .start(&session)?;
    for _ in 0..users.len() {
        next(&mut watcher)?;
    }

    // Another program changes presences meanwhile.
    let elsewhere = org.session()?;
    let changer = thread::spawn(move || -> Result<(), genesys_presence::Error> {
        for (user_index, presence, message) in CHANGES {
            thread::sleep(Duration::from_millis(400));
            user::set_presence_by_name(&elsewhere, &users[user_index], presence, Some(message))?;
        }
        Ok(())
    });
    for _ in 0..CHANGES.len() {
        next(&mut watcher)?;
    }
    changer.join().map_err(|_| "the background thread panicked")??;
    watcher.close();
    println!("Done: {} changes seen, the watcher is closed.", CHANGES.len());
    Ok(())
}

/// Prints the next item; gives up after 10 s of silence.
fn next(watcher: &mut Watcher) -> Result<(), Box<dyn std::error::Error>> {
    let item = watcher
        .next_timeout(Duration::from_secs(10))
        .ok_or("no change within 10 s")?;
    print_item(item);
    Ok(())
}

fn print_item(item: genesys_presence::Result<PresenceEvent>) {
    match item {
        Ok(event) => println!("{}", line(&event)),
        // A refused user, a failed reconnection: the watcher goes on.
        Err(error) => eprintln!("{}  warning: {error}", now()),
    }
}

/// `2024-05-02T14:03:11.123Z  3f1d5b1e-…  Busy        "message"  (source, origin)`
fn line(event: &PresenceEvent) -> String {
    let presence = event
        .system_presence_name()
        .map_or_else(|| "?".to_owned(), |p| p.to_string());
    let message = match event.message.as_deref() {
        Some(message) if !message.is_empty() => format!("{message:?}"),
        _ => String::new(),
    };
    let origin = match event.origin {
        EventOrigin::Initial => "now",
        EventOrigin::Resync => "changed while reconnecting",
        _ => "changed",
    };
    format!(
        "{}  {}  {presence:<10} {message:<32} ({}, {origin})",
        now(),
        event.user_id,
        event.source.as_deref().unwrap_or("?")
    )
}

/// The current UTC time, `2024-05-02T14:03:11.123Z`.
fn now() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let secs = i64::try_from(millis / 1000).unwrap_or(0);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        millis % 1000
    )
}
