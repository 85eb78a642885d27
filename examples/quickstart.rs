//! Reads and sets a user's Genesys Cloud presence.
//!
//! ```text
//! cargo run --example quickstart            # no account: a local stand-in org
//! GENESYSCLOUD_REGION=eu-west-1 \
//! GENESYSCLOUD_OAUTHCLIENT_ID=… GENESYSCLOUD_OAUTHCLIENT_SECRET=… \
//!     cargo run --example quickstart -- USER_ID   # a real org (or GENESYSCLOUD_USER_ID)
//! ```
//!
//! It lists the system presences and the org's presence definitions, reads the
//! user's presence, sets it to Busy with a message, and reads it back.

use std::process::ExitCode;

use genesys_presence::fake::FakeOrg;
use genesys_presence::presence_definitions::{self, PresenceDefinitionQuery};
use genesys_presence::{system, user, OrganizationPresenceDefinition, Session, UserPresence};

const CREDENTIAL_VARIABLES: [&str; 3] = [
    "GENESYSCLOUD_ACCESS_TOKEN",
    "GENESYSCLOUD_OAUTHCLIENT_ID",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
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
    // Keeps the stand-in org alive until the end of `run`.
    let mut _fake_org = None;
    let uses_env = CREDENTIAL_VARIABLES
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    let (session, user_id) = if uses_env {
        let session = Session::from_env()?;
        let user_id = std::env::args()
            .nth(1)
            .or_else(|| std::env::var("GENESYSCLOUD_USER_ID").ok())
            .ok_or("give a user id as the first argument or in GENESYSCLOUD_USER_ID")?;
        println!(
            "Using the org at {} (from GENESYSCLOUD_* variables)",
            session.api_url()
        );
        (session, user_id)
    } else {
        let org = FakeOrg::start()?;
        println!(
            "No GENESYSCLOUD_* credentials set: using a local stand-in org at {}",
            org.base_url()
        );
        let session = org.session()?;
        let user_id = std::env::args()
            .nth(1)
            .unwrap_or_else(|| org.user_ids()[0].clone());
        _fake_org = Some(org);
        (session, user_id)
    };

    let system_presences = system::list(&session)?;
    println!("Authenticated. {} system presences:", system_presences.len());
    let names: Vec<&str> = system_presences
        .iter()
        .filter_map(|p| p.name.as_deref())
        .collect();
    println!("  {}", names.join(", "));

    let listing = presence_definitions::list(&session, &PresenceDefinitionQuery::default())?;
    println!("{} presence definitions in the org:", listing.entities.len());
    for definition in &listing.entities {
        println!(
            "  {:<12} {:<10} {:<6} {}",
            label(definition),
            definition.system_presence.as_deref().unwrap_or("?"),
            definition.definition_type.as_deref().unwrap_or("?"),
            definition.id.as_deref().unwrap_or("?")
        );
    }

    let before = user::get_purecloud_presence(&session, &user_id)?;
    // "Busy" names the org's built-in Busy definition; an org label
    // ("Lunch") works too. Only the presence and the message are sent.
    let after = user::set_presence_by_name(
        &session,
        &user_id,
        "Busy",
        Some("Heads down: set by the genesys-presence quickstart"),
    )?;
    let read_back = user::get_purecloud_presence(&session, &user_id)?;

    println!("User {user_id}:");
    println!("  before: {}", describe(&before));
    println!("  set:    {}", describe(&after));
    println!("  now:    {}", describe(&read_back));
    Ok(())
}

fn label(definition: &OrganizationPresenceDefinition) -> &str {
    definition
        .label("en_US")
        .or(definition.name.as_deref())
        .unwrap_or("(no label)")
}

fn describe(presence: &UserPresence) -> String {
    let system = presence
        .system_presence_name()
        .map_or_else(|| "unknown".to_owned(), |p| p.to_string());
    match presence.message.as_deref() {
        Some(message) if !message.is_empty() => format!("{system} \"{message}\""),
        _ => system,
    }
}
