//! `get` and `set` by id, e-mail and `me`; `set` for many users in bulk
//! calls; a bulk update that stops part-way.

use genesys_presence::fake::FakeOrg;
use genesys_presence::user;

use crate::harness::{against, run, text, ConfigDir};
use crate::streams::{as_user, columns};

/// The presence and message the org holds for `user_id`.
fn presence_of(org: &FakeOrg, user_id: &str) -> (Option<String>, Option<String>) {
    let presence =
        user::get_purecloud_presence(&org.session().expect("a session"), user_id).expect("a presence");
    (
        presence.presence_definition.and_then(|d| d.system_presence),
        presence.message,
    )
}

#[test]
fn set_by_id_prints_the_new_presence() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("set-by-id");
    let id = org.user_ids()[0].clone();

    let output = run(
        against(&org, &config).args(["set", "on queue", "--message", "Line 2", &id]),
        "",
    );
    let (stdout, stderr) = text(&output);
    assert_eq!((output.status.code(), stderr.as_str()), (Some(0), ""));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("USER  "), "{stdout}");
    assert_eq!(
        columns(lines[1])[..3],
        [id.as_str(), "OnQueue", "Line 2"],
        "{stdout}"
    );
    assert_eq!(
        presence_of(&org, &id),
        (Some("OnQueue".into()), Some("Line 2".into()))
    );
}

#[test]
fn set_and_get_by_e_mail_with_an_org_label() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("set-by-email");
    let id = org.user_ids()[1].clone();
    let email = org.user_email(&id).expect("an e-mail address");

    let output = run(
        against(&org, &config).args(["--json", "set", "LUNCH", &email]),
        "",
    );
    let (stdout, stderr) = text(&output);
    assert_eq!((output.status.code(), stderr.as_str()), (Some(0), ""));
    let rows: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(rows.as_array().map(Vec::len), Some(1));
    assert_eq!(rows[0]["user"], email.as_str());
    assert_eq!(rows[0]["id"], id.as_str());
    assert_eq!(rows[0]["systemPresence"], "Meal");

    let output = run(against(&org, &config).args(["--json", "get", &email]), "");
    assert_eq!(output.status.code(), Some(0));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(rows[0]["id"], id.as_str());
    assert_eq!(rows[0]["systemPresence"], "Meal");
    assert!(rows[0]["presenceDefinitionId"].is_string());
    assert!(rows[0]["modifiedDate"].is_string());
}

#[test]
fn me_is_the_person_the_token_belongs_to() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("set-me");
    let id = org.user_ids()[2].clone();

    let output = run(
        as_user(&org, &config, &id).args(["set", "Busy", "-m", "Focus", "me"]),
        "",
    );
    let (stdout, stderr) = text(&output);
    assert_eq!((output.status.code(), stderr.as_str()), (Some(0), ""));
    let row = stdout.lines().nth(1).map(columns).unwrap_or_default();
    assert_eq!(row[..3], ["me", "Busy", "Focus"], "{stdout}");
    assert_eq!(
        presence_of(&org, &id),
        (Some("Busy".into()), Some("Focus".into()))
    );

    let output = run(as_user(&org, &config, &id).args(["--json", "get", "me"]), "");
    assert_eq!(output.status.code(), Some(0));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(rows[0]["user"], "me");
    assert_eq!(rows[0]["id"], id.as_str());
    assert_eq!(rows[0]["message"], "Focus");
}

#[test]
fn me_with_client_credentials_says_to_name_users_instead() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("me-client-credentials");
    for args in [&["get", "me"][..], &["set", "Busy", "me"]] {
        let output = run(against(&org, &config).args(args), "");
        let (stdout, stderr) = text(&output);
        assert_eq!((output.status.code(), stdout.as_str()), (Some(1), ""), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with(
                "error: `me` is the signed-in person, and this token acts for none (client \
                 credentials?): name users by id or e-mail instead (GET /api/v2/users/me: 400 "
            ),
            "{stderr}"
        );
    }
}

#[test]
fn set_for_120_users_from_stdin_makes_three_bulk_calls() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("set-120");
    for n in 0..117 {
        assert!(org.add_user(&format!("user-{n:03}")));
    }
    let ids = org.user_ids();
    assert_eq!(ids.len(), 120);
    let stdin = format!("# the team\n{}\n\n", ids.join("\n"));

    let before = org.requests();
    let output = run(
        against(&org, &config).args(["--json", "set", "Meeting", "-m", "All-hands", "-"]),
        &stdin,
    );
    let (stdout, stderr) = text(&output);
    assert_eq!((output.status.code(), stderr.as_str()), (Some(0), ""));
    // One token, one definitions listing (the name), then 50 + 50 + 20.
    assert_eq!(org.requests() - before, 1 + 1 + 3);

    let rows: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 120);
    for (row, id) in rows.iter().zip(&ids) {
        assert_eq!(row["id"], id.as_str());
        assert_eq!(row["systemPresence"], "Meeting");
        assert_eq!(row["message"], "All-hands");
    }
    let session = org.session().expect("a session");
    let now = user::get_purecloud_presences_bulk(&session, &ids).expect("the presences");
    assert_eq!(now.len(), 120);
    assert!(now.iter().all(|p| {
        p.presence_definition
            .as_ref()
            .and_then(|d| d.system_presence.as_deref())
            == Some("Meeting")
            && p.message.as_deref() == Some("All-hands")
    }));
}

#[test]
fn a_bulk_update_that_stops_part_way_says_who_was_set() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("set-part-way");
    for n in 0..57 {
        assert!(org.add_user(&format!("user-{n:02}")));
    }
    let mut ids = org.user_ids();
    ids.push("nobody-here".into());
    assert_eq!(ids.len(), 61);

    let output = run(against(&org, &config).args(["set", "Away", "-"]), &ids.join("\n"));
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // The first call's 50 users were set, and printed; the second call failed.
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1 + 50, "{stdout}");
    for (line, id) in lines[1..].iter().zip(&ids) {
        assert_eq!(columns(line)[..2], [id.as_str(), "Away"], "{line}");
    }
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(
            "error: bulk update stopped after 50 of 61 users: PUT /api/v2/users/presences/bulk: 400"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("nobody-here"), "{stderr}");
    assert!(
        stderr
            .trim_end()
            .ends_with("(the 50 users above were set; the other 11 were not)"),
        "{stderr}"
    );
    assert_eq!(presence_of(&org, &ids[49]).0.as_deref(), Some("Away"));
    assert_eq!(presence_of(&org, &ids[50]).0.as_deref(), Some("Offline"));
}
