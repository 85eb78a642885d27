//! Several processes saving profiles into one file at once lose nothing.

use std::process::Stdio;

use genesys_presence::fake::FakeOrg;

use crate::harness::{bare, text, ConfigDir};

#[test]
fn logins_in_many_processes_at_once_are_all_saved() {
    const PROCESSES: usize = 4;
    const ROUNDS: usize = 3;
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("concurrent-saves");
    for round in 0..ROUNDS {
        let children: Vec<_> = (0..PROCESSES)
            .map(|process| {
                bare(&config)
                    .env("GENESYSCLOUD_API_URL", org.base_url())
                    .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", org.client_secret())
                    .args([
                        "--profile",
                        &format!("p{round}-{process}"),
                        "login",
                        "--client-credentials",
                    ])
                    .args(["--client-id", org.client_id()])
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("the binary starts")
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().expect("the binary ends");
            assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
        }
    }
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(config.path().join("profiles.json")).expect("a profiles file"))
            .expect("JSON");
    let saved = file["profiles"].as_object().expect("profiles");
    assert_eq!(saved.len(), PROCESSES * ROUNDS, "{:?}", saved.keys());
    for round in 0..ROUNDS {
        for process in 0..PROCESSES {
            assert!(saved.contains_key(&format!("p{round}-{process}")));
        }
    }
    assert!(!config.path().join("profiles.json.lock").exists());
}
