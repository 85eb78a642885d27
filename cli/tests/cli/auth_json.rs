//! `login --json` and `logout --json`: one JSON object each, of a stable shape.

use genesys_presence::fake::FakeOrg;
use serde_json::{json, Value};

use crate::browser::{open, Login};
use crate::harness::{bare, run, text, ConfigDir};

/// Standard output parsed as one JSON value.
fn parsed(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn client_credentials_login_and_logout_print_json() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("json-login-client");
    let output = run(
        bare(&config).env("GENESYSCLOUD_API_URL", org.base_url()).args([
            "--json",
            "--profile",
            "ops",
            "login",
            "--client-credentials",
            "--client-id",
            org.client_id(),
        ]),
        &format!("{}\n", org.client_secret()),
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stdout.contains(org.client_secret()), "{stdout}");
    let login = parsed(&stdout);
    assert_eq!(login["profile"], "ops");
    assert_eq!(login["kind"], "clientCredentials");
    assert_eq!(login["clientId"], org.client_id());
    assert_eq!(login["user"], Value::Null);
    assert_eq!(login["organization"]["name"], "stand-in-org");
    assert_eq!(login["region"], Value::Null);
    assert_eq!(login["apiUrl"], org.base_url());
    let saved_in = config.path().join("profiles.json");
    assert_eq!(login["savedIn"], saved_in.display().to_string());

    let logout = || run(bare(&config).args(["--json", "--profile", "ops", "logout"]), "");
    let output = logout();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        parsed(&stdout),
        json!({"profile": "ops", "revoked": false, "removed": true})
    );
    // Nothing left: still one object, and the note on stderr.
    let output = logout();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        parsed(&stdout),
        json!({"profile": "ops", "revoked": false, "removed": false})
    );
    assert!(stderr.contains("nothing to sign out of"), "{stderr}");
}

#[test]
fn a_person_login_and_logout_print_json() {
    let config = ConfigDir::new("json-login-fake");
    let mut login = Login::start(bare(&config).args(["--json", "--fake", "login"]));
    open(&login.address());
    let ended = login.end();
    assert_eq!(ended.status.code(), Some(0), "{}", ended.stderr);
    let login = parsed(&ended.stdout);
    assert_eq!(login["profile"], Value::Null);
    assert_eq!(login["kind"], "person");
    assert_eq!(login["user"]["name"], "Alex Morgan");
    assert_eq!(login["user"]["email"], "alex.morgan@example.com");
    assert!(login["user"]["id"].is_string(), "{login}");
    assert!(login["clientId"].is_string(), "{login}");
    assert!(
        login["apiUrl"]
            .as_str()
            .is_some_and(|url| url.starts_with("http://127.0.0.1:")),
        "{login}"
    );
    assert_eq!(login["savedIn"], Value::Null);

    let output = run(bare(&config).args(["--json", "--fake", "logout"]), "");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        parsed(&stdout),
        json!({"profile": null, "revoked": true, "removed": false})
    );
}
