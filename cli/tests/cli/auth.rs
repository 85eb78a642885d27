//! `login`, `whoami`, `logout` and profiles: the binary signs a person in
//! with the test as the browser, saves the profile, and later commands use it.

use std::path::Path;

use genesys_presence::fake::FakeOrg;

use crate::browser::{open, Login};
use crate::harness::{against, bare, run, text, ConfigDir};

/// The profiles file in `dir`, parsed.
fn profiles(dir: &Path) -> serde_json::Value {
    let text = std::fs::read(dir.join("profiles.json")).expect("a profiles file");
    serde_json::from_slice(&text).expect("JSON")
}

/// The secrets profile `name` of `dir` holds: tokens and client secret.
fn secrets(dir: &Path, name: &str) -> Vec<String> {
    let profile = &profiles(dir)["profiles"][name];
    let mut found = Vec::new();
    for value in [
        &profile["clientSecret"],
        &profile["tokens"]["accessToken"],
        &profile["tokens"]["refreshToken"],
    ] {
        if let Some(secret) = value.as_str() {
            found.push(secret.to_owned());
        }
    }
    found
}

fn assert_shows_none(outputs: &[&str], secrets: &[String]) {
    for output in outputs {
        for secret in secrets {
            assert!(!output.contains(secret.as_str()), "a secret shown in {output:?}");
        }
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

#[test]
fn login_in_the_browser_then_whoami_then_logout() {
    let org = FakeOrg::start().expect("a stand-in org");
    let sam = org.user_ids()[1].clone();
    assert!(org.set_signed_in_user(&sam));
    let config = ConfigDir::new("login-browser");
    // A directory login creates, to check its mode.
    let dir = config.path().join("nested");

    let mut login = Login::start(
        bare(&config)
            .env("GENESYS_PRESENCE_CONFIG_DIR", &dir)
            .env("GENESYSCLOUD_API_URL", org.base_url())
            .args(["login", "--client-id", org.client_id()]),
    );
    let address = login.address();
    assert!(
        address.starts_with(&format!("{}/oauth/authorize?", org.base_url())),
        "{address}"
    );
    let page = open(&address);
    assert!(page.contains("You are signed in"), "{page}");
    let ended = login.end();
    assert_eq!(ended.status.code(), Some(0), "{}", ended.stderr);
    assert_eq!(
        ended.stdout,
        format!(
            "Signed in as Sam Lee <sam.lee@example.com>; saved in profile \"default\" ({})\n",
            dir.join("profiles.json").display()
        )
    );
    assert!(
        ended.stderr.starts_with("Open this address in your browser"),
        "{}",
        ended.stderr
    );

    #[cfg(unix)]
    {
        assert_eq!(mode(&dir.join("profiles.json")), 0o600);
        assert_eq!(mode(&dir), 0o700);
    }
    let saved = profiles(&dir);
    let profile = &saved["profiles"]["default"];
    assert_eq!(profile["apiUrl"], org.base_url().as_str());
    assert_eq!(profile["clientId"], org.client_id());
    assert!(profile.get("clientSecret").is_none(), "{saved}");
    let first = secrets(&dir, "default");
    assert_eq!(first.len(), 2, "an access and a refresh token: {saved}");

    // No GENESYSCLOUD_* variable: the profile alone.
    let whoami = || {
        run(
            bare(&config)
                .env("GENESYS_PRESENCE_CONFIG_DIR", &dir)
                .arg("whoami"),
            "",
        )
    };
    let output = whoami();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("user     Sam Lee <sam.lee@example.com> ({sam})")
    );
    assert_eq!(lines[1], format!("org      stand-in-org ({})", org.org_id()));
    assert!(lines[3].starts_with("expires  20"), "{stdout}");
    assert_eq!(lines[5], "from     profile \"default\"");
    assert_shows_none(&[&ended.stdout, &ended.stderr, &stdout], &first);

    // Tokens renewed during a command are saved: the old refresh token is spent.
    org.expire_tokens();
    let output = run(
        bare(&config)
            .env("GENESYS_PRESENCE_CONFIG_DIR", &dir)
            .args(["--json", "whoami"]),
        "",
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let who: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(who["user"]["email"], "sam.lee@example.com");
    assert_eq!(who["source"], "profile");
    assert_eq!(who["profile"], "default");
    let renewed = secrets(&dir, "default");
    assert_ne!(renewed, first, "the renewed tokens are saved");
    #[cfg(unix)]
    assert_eq!(mode(&dir.join("profiles.json")), 0o600);

    let output = run(
        bare(&config)
            .env("GENESYS_PRESENCE_CONFIG_DIR", &dir)
            .arg("logout"),
        "",
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "Signed out: token revoked, profile \"default\" forgotten\n"
    );
    assert_eq!(profiles(&dir)["profiles"], serde_json::json!({}));
    // The token no longer works at the org.
    let revoked = genesys_presence::Session::builder()
        .base_url(org.base_url())
        .access_token(renewed[0].clone())
        .build()
        .expect("a session");
    assert_eq!(
        genesys_presence::tokens::me(&revoked).unwrap_err().status(),
        Some(401)
    );

    let output = whoami();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("no profile \"default\"") && stderr.contains("run `genesys-presence login`"),
        "{stderr}"
    );
}

#[test]
fn client_credentials_are_checked_and_saved_from_standard_input() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("login-client");
    let login = |secret: &str| {
        run(
            bare(&config).env("GENESYSCLOUD_API_URL", org.base_url()).args([
                "--profile",
                "ops",
                "login",
                "--client-credentials",
                "--client-id",
                org.client_id(),
            ]),
            secret,
        )
    };

    let output = login("not-the-secret\n");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("invalid_client"),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-secret"), "{stderr}");
    assert!(!config.path().join("profiles.json").exists());

    let output = login(&format!("{}\n", org.client_secret()));
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.starts_with("Client credentials work for org stand-in-org; saved in profile \"ops\""),
        "{stdout}"
    );
    #[cfg(unix)]
    assert_eq!(mode(&config.path().join("profiles.json")), 0o600);
    assert_eq!(secrets(config.path(), "ops"), [org.client_secret().to_owned()]);

    let output = run(bare(&config).args(["--profile", "ops", "whoami"]), "");
    let (whoami, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        whoami.starts_with("user     none (client credentials)\n"),
        "{whoami}"
    );
    assert!(
        whoami.contains(&format!("client   Stand-in OAuth client ({})", org.client_id())),
        "{whoami}"
    );
    assert_shows_none(&[&stdout, &stderr, &whoami], &[org.client_secret().to_owned()]);

    // GENESYS_PRESENCE_PROFILE names the profile too.
    let output = run(
        bare(&config)
            .env("GENESYS_PRESENCE_PROFILE", "ops")
            .args(["get", &org.user_ids()[0]]),
        "",
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);

    let output = run(bare(&config).args(["--profile", "ops", "logout"]), "");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        text(&output).0,
        "Client credentials of profile \"ops\" forgotten\n"
    );
    assert_eq!(profiles(config.path())["profiles"], serde_json::json!({}));
}

#[test]
fn the_variables_win_over_the_profile() {
    let saved_org = FakeOrg::start().expect("a stand-in org");
    let other_org = FakeOrg::start().expect("another stand-in org");
    let config = ConfigDir::new("variables-win");
    let output = run(
        bare(&config)
            .env("GENESYSCLOUD_API_URL", saved_org.base_url())
            .args([
                "login",
                "--client-credentials",
                "--client-id",
                saved_org.client_id(),
            ]),
        saved_org.client_secret(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);

    let whoami = |command: &mut std::process::Command| {
        let output = run(command.args(["--json", "whoami"]), "");
        assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
        serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("JSON")
    };
    let who = whoami(&mut bare(&config));
    assert_eq!(who["organization"]["id"], saved_org.org_id().as_str());
    assert_eq!(who["source"], "profile");

    let who = whoami(&mut against(&other_org, &config));
    assert_eq!(who["organization"]["id"], other_org.org_id().as_str());
    assert_eq!(who["source"], "environment");
    assert_eq!(who["profile"], serde_json::Value::Null);
}

#[test]
fn a_missing_profile_says_how_to_sign_in() {
    let config = ConfigDir::new("missing-profile");
    let output = run(bare(&config).args(["--profile", "nobody", "get", "me"]), "");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!(
            "error: no profile \"nobody\" in {}: run `genesys-presence login`, or set \
             GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET\n",
            config.path().join("profiles.json").display()
        )
    );
}

#[test]
fn login_needs_a_client_id_and_a_secret() {
    let config = ConfigDir::new("login-usage");
    let output = run(bare(&config).arg("login"), "");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: login needs the OAuth client's id"),
        "{stderr}"
    );

    let output = run(
        bare(&config).args(["login", "--client-credentials", "--client-id", "c"]),
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output)
        .1
        .starts_with("error: standard input held no client secret"));
}

#[test]
fn fake_whoami_is_the_first_user_and_me_works() {
    let config = ConfigDir::new("fake-whoami");
    let output = run(bare(&config).args(["--fake", "whoami"]), "");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.starts_with("user     Alex Morgan <alex.morgan@example.com> ("),
        "{stdout}"
    );
    assert!(stdout.contains("from     --fake"), "{stdout}");

    let output = run(
        bare(&config).args(["--fake", "--json", "get", "me", "sam.lee@example.com"]),
        "",
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(rows[0]["user"], "me");
    assert_eq!(rows[0]["systemPresence"], "Available");
    assert_eq!(rows[1]["systemPresence"], "Busy");
    assert!(!config.path().join("profiles.json").exists());
}

#[test]
fn fake_login_signs_in_to_its_own_org_and_saves_nothing() {
    let config = ConfigDir::new("fake-login");
    let mut login = Login::start(bare(&config).args(["--fake", "login"]));
    let address = login.address();
    assert!(address.starts_with("http://127.0.0.1:"), "{address}");
    open(&address);
    let ended = login.end();
    assert_eq!(ended.status.code(), Some(0), "{}", ended.stderr);
    assert_eq!(
        ended.stdout,
        "Signed in to the stand-in org as Alex Morgan <alex.morgan@example.com> (--fake: no profile saved)\n"
    );
    assert!(!config.path().join("profiles.json").exists());
}
