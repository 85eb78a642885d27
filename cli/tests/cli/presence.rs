//! `get` (and, once written, `set`).

use genesys_presence::fake::FakeOrg;

use crate::harness::{against, run, text, ConfigDir};

#[test]
fn get_by_id_prints_a_table_and_json_parses_back() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("get-by-id");
    let id = org.user_ids()[0].clone();
    assert!(org.set_presence_now(&id, "Busy", Some("Deep work")));

    let output = run(against(&org, &config).args(["get", &id]), "");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("USER"), "{stdout}");
    assert!(
        lines[1].starts_with(&id) && lines[1].contains("Busy") && lines[1].contains("Deep work"),
        "{stdout}"
    );

    let output = run(against(&org, &config).args(["--json", "get", &id]), "");
    assert_eq!(output.status.code(), Some(0));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(rows[0]["id"], id.as_str());
    assert_eq!(rows[0]["systemPresence"], "Busy");
    assert_eq!(rows[0]["message"], "Deep work");
}
