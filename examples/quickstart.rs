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
use genesys_presence::{
    definitions, system, user, OrganizationPresence, PresenceDefinition, Session, SystemPresenceName,
    UserPresence,
};

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

    let all = definitions::list_all(&session, &definitions::DefinitionQuery::default())?;
    println!("{} presence definitions in the org:", all.len());
    for definition in &all {
        println!(
            "  {:<12} {:<10} {}",
            label(definition),
            definition.system_presence.as_deref().unwrap_or("?"),
            definition.id.as_deref().unwrap_or("?")
        );
    }

    let busy = all
        .iter()
        .filter(|d| d.system_presence_name() == Some(SystemPresenceName::Busy))
        .min_by_key(|d| d.primary != Some(true))
        .and_then(|d| d.id.clone())
        .ok_or("the org has no Busy presence definition")?;

    let before = user::get_purecloud_presence(&session, &user_id)?;
    let after = user::update_purecloud_presence(
        &session,
        &user_id,
        &UserPresence {
            presence_definition: Some(PresenceDefinition::with_id(busy)),
            message: Some("Heads down: set by the genesys-presence quickstart".into()),
            ..Default::default()
        },
    )?;
    let read_back = user::get_purecloud_presence(&session, &user_id)?;

    println!("User {user_id}:");
    println!("  before: {}", describe(&before));
    println!("  set:    {}", describe(&after));
    println!("  now:    {}", describe(&read_back));
    Ok(())
}

fn label(definition: &OrganizationPresence) -> &str {
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
