//! Reads one user's presence with genesys-presence and prints it.

fn main() -> Result<(), genesys_presence::Error> {
    let session = genesys_presence::Session::from_env()?;
    let user_id = std::env::args().nth(1).unwrap_or_default();
    let presence = genesys_presence::user::get_purecloud_presence(&session, &user_id)?;
    println!("{:?} {:?}", presence.presence_definition, presence.message);
    Ok(())
}
