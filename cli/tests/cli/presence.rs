//! `get`: one user, and many with the bulk read.

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

#[test]
fn users_a_bulk_read_leaves_out_are_named_and_exit_1() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("get-unknown-in-bulk");
    let ids = org.user_ids();

    let output = run(
        against(&org, &config).args(["--json", "get", &ids[0], "no-such-user", &ids[1]]),
        "",
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let shown: Vec<&str> = rows
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|row| row["id"].as_str())
        .collect();
    assert_eq!(shown, [ids[0].as_str(), ids[1].as_str()]);
    assert_eq!(
        stderr,
        "error: no presence for 1 of the 3 users, who may not exist: \"no-such-user\" \
         (GET /api/v2/users/presences/purecloud/bulk left them out)\n"
    );

    // None found: no table, and a long list is cut short.
    let unknown: Vec<String> = (0..7).map(|n| format!("ghost-{n}")).collect();
    let output = run(against(&org, &config).arg("get").args(&unknown), "");
    let (stdout, stderr) = text(&output);
    assert_eq!((output.status.code(), stdout.as_str()), (Some(1), ""));
    assert!(
        stderr.starts_with(
            "error: no presence for 7 of the 7 users, who may not exist: \"ghost-0\", \
             \"ghost-1\", \"ghost-2\", \"ghost-3\", \"ghost-4\" and 2 more ("
        ),
        "{stderr}"
    );
}
