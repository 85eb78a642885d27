//! A person signs in with PKCE in their browser, sees their own name and
//! presence, and sets it by name.
//!
//! ```text
//! cargo run --example login                        # no account: a local stand-in org,
//!                                                  # and this program plays the browser
//! cargo run --example login -- Meeting "Weekly sync"
//! GENESYSCLOUD_REGION=eu-west-1 GENESYSCLOUD_OAUTHCLIENT_ID=… \
//!     cargo run --example login -- Busy "In a workshop"   # a real org
//! ```
//!
//! For a real org, `GENESYSCLOUD_OAUTHCLIENT_ID` is a "Code Authorization"
//! OAuth client with PKCE whose redirect URI is
//! `http://127.0.0.1:8400/callback`. The program prints the address to open;
//! sign in there, and the browser comes back to the program. A program of
//! your own would save the refresh token it is handed
//! (`SessionBuilder::on_new_tokens`) and start from it next time
//! (`SessionBuilder::tokens`), without the browser.

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, SystemTime};

use genesys_presence::fake::FakeOrg;
use genesys_presence::sign_in::LoopbackSignIn;
use genesys_presence::{user, users, Region, Session};

/// The port of the redirect URI registered on a real org's OAuth client.
const REDIRECT_PORT: u16 = 8400;

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
    let mut args = std::env::args().skip(1);
    let presence = args.next().unwrap_or_else(|| "Busy".to_owned());
    let message = args
        .next()
        .unwrap_or_else(|| "Signed in with the login example".to_owned());

    // Keeps the stand-in org alive until the end of `run`.
    let mut stand_in = None;
    let (builder, client_id, port) = match std::env::var("GENESYSCLOUD_OAUTHCLIENT_ID") {
        Ok(client_id) => {
            let region: Region = std::env::var("GENESYSCLOUD_REGION")
                .unwrap_or_else(|_| "us-east-1".to_owned())
                .parse()?;
            (Session::builder().region(region), client_id, REDIRECT_PORT)
        }
        Err(_) => {
            let org = FakeOrg::start()?;
            println!(
                "No GENESYSCLOUD_OAUTHCLIENT_ID set: signing in to a local stand-in org at {}",
                org.base_url()
            );
            let builder = Session::builder().base_url(org.base_url());
            let client_id = org.client_id().to_owned();
            stand_in = Some(org);
            (builder, client_id, 0) // any free port: the stand-in org accepts them all
        }
    };

    let builder = builder.on_new_tokens(|tokens| {
        let valid_for = tokens
            .expires_at()
            .and_then(|at| at.duration_since(SystemTime::now()).ok())
            .map_or("an unknown time".to_owned(), |left| {
                format!("{} s", left.as_secs())
            });
        let refresh = if tokens.refresh_token().is_some() {
            "with"
        } else {
            "without"
        };
        println!("(new tokens, valid for {valid_for}, {refresh} a refresh token)");
    });
    let pending = LoopbackSignIn::new(builder, client_id)
        .port(port)
        .timeout(Duration::from_secs(120))
        .start()?;
    println!(
        "Open this address in your browser to sign in:\n  {}",
        pending.url()
    );

    // Without an account there is no person: this program is the browser.
    let browser = stand_in.as_ref().map(|_| {
        let url = pending.url().to_owned();
        thread::spawn(move || play_the_browser(&url))
    });
    let session = pending.finish()?;
    if let Some(browser) = browser {
        let page = browser.join().map_err(|_| "the browser thread panicked")??;
        println!("The browser was shown: {page:?}");
    }

    let me = users::me(&session, true)?;
    let user_id = me.id.clone().ok_or("the signed-in user has no id")?;
    println!(
        "Signed in as {} <{}>",
        me.name.as_deref().unwrap_or("(no name)"),
        me.email.as_deref().unwrap_or("no e-mail")
    );
    if let Some(now) = &me.presence {
        println!("Presence now: {:?} {:?}", now.system_presence_name(), now.message);
    }

    let after = user::set_presence_by_name(&session, &user_id, &presence, Some(&message))?;
    println!(
        "Presence set to {presence:?}: {:?} {:?}",
        after.system_presence_name(),
        after.message
    );
    Ok(())
}

/// Does what a person's browser does: opens the sign-in address (the
/// stand-in org approves at once and redirects), then follows the redirect
/// back to this program, whose answer is a short page.
fn play_the_browser(url: &str) -> Result<String, String> {
    let browser = genesys_presence::ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .new_agent();
    let approved = browser.get(url).call().map_err(|e| e.to_string())?;
    let back = approved
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| {
            format!(
                "the sign-in page answered {} without a redirect",
                approved.status()
            )
        })?
        .to_owned();
    let mut page = browser.get(&back).call().map_err(|e| e.to_string())?;
    let text = page.body_mut().read_to_string().map_err(|e| e.to_string())?;
    // The page in one line, without its markup.
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => {
                in_tag = true;
                plain.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    Ok(plain.split_whitespace().collect::<Vec<_>>().join(" "))
}
