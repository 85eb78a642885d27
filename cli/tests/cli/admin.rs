//! `definitions`, `sources`, `settings` and `primary-source`.

use genesys_presence::fake::FakeOrg;
use serde_json::Value;

use crate::harness::{against, run, text, ConfigDir};
use crate::streams::{as_user, columns};

/// Runs the binary with `--json` and `args`; its answer, parsed.
fn json(org: &FakeOrg, config: &ConfigDir, args: &[&str]) -> Value {
    let output = run(against(org, config).arg("--json").args(args), "");
    let (stdout, stderr) = text(&output);
    assert_eq!((output.status.code(), stderr.as_str()), (Some(0), ""), "{args:?}");
    serde_json::from_str(&stdout).expect("JSON")
}

#[test]
fn a_definition_is_created_shown_updated_and_deleted() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("definitions");

    let created = json(
        &org,
        &config,
        &["definitions", "create", "Gym", "--system-presence", "away"],
    );
    let id = created[0]["id"].as_str().expect("an id").to_owned();
    assert_eq!(created[0]["label"], "Gym");
    assert_eq!(created[0]["labels"]["en_US"], "Gym");
    assert_eq!(created[0]["systemPresence"], "Away");
    assert_eq!(created[0]["type"], "User");
    assert_eq!(created[0]["deactivated"], false);

    // By name (any case) and by id.
    assert_eq!(
        json(&org, &config, &["definitions", "show", "gym"])[0]["id"],
        id.as_str()
    );
    let output = run(against(&org, &config).args(["definitions", "show", &id]), "");
    let (stdout, stderr) = text(&output);
    assert_eq!((output.status.code(), stderr.as_str()), (Some(0), ""));
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            format!(
                "ID{}  LABEL  PRESENCE  TYPE  DEACTIVATED",
                " ".repeat(id.len() - 2)
            ),
            format!("{id}  Gym    Away      User  no"),
        ]
    );

    let updated = json(
        &org,
        &config,
        &[
            "definitions",
            "update",
            &id,
            "--label",
            "Salle de sport",
            "--locale",
            "fr",
        ],
    );
    assert_eq!(updated[0]["labels"]["fr"], "Salle de sport");
    assert_eq!(updated[0]["labels"]["en_US"], "Gym");

    let deleted = json(&org, &config, &["definitions", "delete", "Gym"]);
    assert_eq!(
        (deleted[0]["id"].as_str(), &deleted[0]["deactivated"]),
        (Some(id.as_str()), &Value::Bool(true))
    );
    let active = json(&org, &config, &["definitions", "list"]);
    assert!(active
        .as_array()
        .expect("a list")
        .iter()
        .all(|d| d["id"] != id.as_str()));
    let all = json(&org, &config, &["definitions", "list", "--deactivated"]);
    assert!(all
        .as_array()
        .expect("a list")
        .iter()
        .any(|d| d["id"] == id.as_str()));

    let output = run(against(&org, &config).args(["definitions", "show", "Gym"]), "");
    let (stdout, stderr) = text(&output);
    assert_eq!((output.status.code(), stdout.as_str()), (Some(1), ""));
    assert!(
        stderr.starts_with("error: no presence definition has the id or name \"Gym\""),
        "{stderr}"
    );
}

#[test]
fn sources_are_listed_and_created() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("sources");

    let output = run(against(&org, &config).args(["sources", "list"]), "");
    let (stdout, stderr) = text(&output);
    assert_eq!((output.status.code(), stderr.as_str()), (Some(0), ""));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with("ID  ") && lines[0].contains("NAME"),
        "{stdout}"
    );
    assert!(lines[1].starts_with("PURECLOUD  "), "{stdout}");
    let custom = org.custom_source_id();
    assert_eq!(
        columns(lines[2])[..4],
        [custom.as_str(), "Calendar sync", "User", "no"],
        "{stdout}"
    );

    let created = json(
        &org,
        &config,
        &["sources", "create", "HR sync", "--description", "From HR"],
    );
    assert_eq!(created[0]["name"], "HR sync");
    assert_eq!(created[0]["description"], "From HR");
    assert_eq!(created[0]["type"], "User");
    let listed = json(&org, &config, &["sources", "list"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(3));
    assert_eq!(listed[2]["id"], created[0]["id"]);
    let shown = json(&org, &config, &["sources", "show", "hr sync"]);
    assert_eq!(shown[0]["id"], created[0]["id"]);
}

#[test]
fn settings_are_shown_and_updated() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("settings");

    let output = run(against(&org, &config).args(["settings", "show"]), "");
    let (stdout, stderr) = text(&output);
    assert_eq!((output.status.code(), stderr.as_str()), (Some(0), ""));
    assert_eq!(
        stdout,
        "SETTING                 VALUE\n\
         requesting off queue    no\n\
         default primary source  PURECLOUD\n\
         restore presence        yes\n\
         restore within (ms)     300000\n\
         restore on queue        no\n"
    );

    let updated = json(
        &org,
        &config,
        &[
            "settings",
            "update",
            "--requesting-off-queue",
            "true",
            "--restore-on-queue",
            "true",
        ],
    );
    assert_eq!(updated["requestingOffQueueEnabled"], true);
    assert_eq!(updated["restorePresenceSettings"]["restoreOnQueueEnabled"], true);
    assert_eq!(
        updated["restorePresenceSettings"]["restoreTimeMilliseconds"],
        300_000
    );
    assert_eq!(json(&org, &config, &["settings", "show"]), updated);
}

#[test]
fn a_primary_source_is_shown_and_set() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("primary-source");
    let ids = org.user_ids();

    let output = run(
        as_user(&org, &config, &ids[0]).args(["primary-source", "show", "me"]),
        "",
    );
    let (stdout, stderr) = text(&output);
    assert_eq!((output.status.code(), stderr.as_str()), (Some(0), ""));
    assert_eq!(
        stdout,
        "USER  SOURCE     NAME           REGISTERED\nme    PURECLOUD  Genesys Cloud  yes\n"
    );

    let set = json(
        &org,
        &config,
        &["primary-source", "set", "Calendar sync", &ids[1], &ids[2]],
    );
    let calendar = org.custom_source_id();
    for (row, id) in set.as_array().expect("a list").iter().zip(&ids[1..]) {
        assert_eq!(row["id"], id.as_str());
        assert_eq!(row["sourceId"], calendar.as_str());
        assert_eq!(row["sourceName"], "Calendar sync");
        assert_eq!(row["registered"], true);
    }
    let shown = json(&org, &config, &["primary-source", "show", &ids[2]]);
    assert_eq!(shown[0]["sourceId"], calendar.as_str());
}
