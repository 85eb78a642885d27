//! Failures: one line on stderr naming the call and its status (exit 1);
//! names the org does not know; usage errors (exit 2).

use genesys_presence::fake::FakeOrg;

use crate::harness::{against, run, text, ConfigDir};

#[test]
fn an_unknown_user_is_one_line_naming_the_call_and_404() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("unknown-user");

    let output = run(against(&org, &config).args(["get", "no-such-user"]), "");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: GET /api/v2/users/no-such-user/presences/purecloud: 404"),
        "{stderr}"
    );

    let output = run(against(&org, &config).args(["set", "Busy", "no-such-user"]), "");
    let (stdout, stderr) = text(&output);
    assert_eq!((output.status.code(), stdout.as_str()), (Some(1), ""));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: PATCH /api/v2/users/no-such-user/presences/purecloud: 404"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_presence_name_is_one_line_listing_the_names() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("unknown-presence");
    let ids = org.user_ids();

    for users in [&ids[..1], &ids[..]] {
        let mut command = against(&org, &config);
        command.args(["set", "Snoozing"]).args(users);
        let output = run(&mut command, "");
        let (stdout, stderr) = text(&output);
        assert_eq!((output.status.code(), stdout.as_str()), (Some(1), ""));
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("error: unknown presence \"Snoozing\": "),
            "{stderr}"
        );
        assert!(stderr.contains("Lunch"), "{stderr}");
    }
}

#[test]
fn a_set_without_users_is_a_usage_error() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("set-usage");

    let output = run(against(&org, &config).args(["set", "Busy"]), "");
    let (stdout, stderr) = text(&output);
    assert_eq!((output.status.code(), stdout.as_str()), (Some(2), ""));
    assert!(stderr.contains("Usage: genesys-presence set"), "{stderr}");
}

#[test]
fn a_blank_name_or_id_is_a_usage_error_before_any_call() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("blank-names");
    let ids = org.user_ids();
    let before = org.requests();
    for args in [
        &["set", " ", ids[0].as_str()][..],
        &["set", "", ids[0].as_str(), ids[1].as_str()],
        &["definitions", "show", ""],
        &["definitions", "create", "", "--system-presence", "Busy"],
        &["definitions", "create", "Nap", "--system-presence", " "],
        &["definitions", "update", "Lunch", "--label", ""],
        &["definitions", "delete", ""],
        &["sources", "show", ""],
        &["sources", "create", " "],
        &["sources", "update", "", "--name", "x"],
        &["sources", "update", "x", "--name", ""],
        &["sources", "delete", ""],
        &["settings", "update", "--default-primary-source", ""],
        &["primary-source", "set", "", ids[0].as_str()],
    ] {
        let output = run(against(&org, &config).args(args), "");
        let (stdout, stderr) = text(&output);
        assert_eq!(
            (output.status.code(), stdout.as_str()),
            (Some(2), ""),
            "{args:?}: {stderr}"
        );
        assert!(stderr.starts_with("error: invalid value '"), "{args:?}: {stderr}");
        assert!(stderr.contains("': must not be empty"), "{args:?}: {stderr}");
    }
    assert_eq!(org.requests(), before, "no call was made");
}

#[test]
fn a_dot_segment_as_an_id_is_refused_before_it_can_change_the_path() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("dot-ids");
    let api_calls = || org.requests() - org.token_requests();
    for args in [
        &["get", ".."][..],
        &["set", "Busy", "."],
        &["primary-source", "show", ".."],
    ] {
        let before = api_calls();
        let output = run(against(&org, &config).args(args), "");
        let (stdout, stderr) = text(&output);
        assert_eq!((output.status.code(), stdout.as_str()), (Some(1), ""), "{args:?}");
        if args[0] == "get" {
            assert_eq!(api_calls(), before, "no API call was sent");
        }
        let dots = args[args.len() - 1];
        assert_eq!(
            stderr,
            format!("error: invalid user_id: {dots:?} would change the request's path\n"),
            "{args:?}"
        );
    }
}
