//! Reads one user's presence directly with ureq + serde_json and prints it:
//! the same job as ../crate-app, with the token from the environment.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // printed through Debug only
struct PresenceDefinition {
    id: Option<String>,
    system_presence: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserPresence {
    presence_definition: Option<PresenceDefinition>,
    message: Option<String>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api = std::env::var("GENESYSCLOUD_API_URL").unwrap_or_else(|_| "https://api.mypurecloud.com".into());
    let token = std::env::var("GENESYSCLOUD_ACCESS_TOKEN")?;
    let user_id = std::env::args().nth(1).unwrap_or_default();
    let mut response = ureq::get(&format!("{api}/api/v2/users/{user_id}/presences/purecloud"))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Accept", "application/json")
        .call()?;
    let presence: UserPresence = serde_json::from_slice(&response.body_mut().read_to_vec()?)?;
    println!("{:?} {:?}", presence.presence_definition, presence.message);
    Ok(())
}
