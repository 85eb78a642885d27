//! What a shell sees: help, version, usage errors, completion scripts, and
//! `-v` logging that never shows a secret.

use genesys_presence::fake::FakeOrg;

use crate::harness::{against, bare, run, text, ConfigDir};

/// Every command, as typed after the binary's name.
const COMMANDS: &[&[&str]] = &[
    &["login"],
    &["logout"],
    &["whoami"],
    &["get"],
    &["set"],
    &["watch"],
    &["definitions"],
    &["definitions", "list"],
    &["definitions", "show"],
    &["definitions", "create"],
    &["definitions", "update"],
    &["definitions", "delete"],
    &["sources"],
    &["sources", "list"],
    &["sources", "show"],
    &["sources", "create"],
    &["sources", "update"],
    &["sources", "delete"],
    &["settings"],
    &["settings", "show"],
    &["settings", "update"],
    &["primary-source"],
    &["primary-source", "show"],
    &["primary-source", "set"],
    &["completions"],
];

#[test]
fn help_goes_to_stdout_with_exit_0() {
    let config = ConfigDir::new("help");
    for flag in ["--help", "-h"] {
        let output = run(bare(&config).arg(flag), "");
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{flag}");
        assert_eq!(stderr, "", "{flag}");
        assert!(
            stdout.starts_with("Read, set and watch Genesys Cloud presence"),
            "{stdout}"
        );
        assert!(
            stdout.contains("Usage: genesys-presence [OPTIONS] <COMMAND>"),
            "{stdout}"
        );
        for command in ["login", "whoami", "get", "set", "watch", "completions"] {
            assert!(stdout.contains(&format!("  {command} ")), "{command} in {stdout}");
        }
    }
    let output = run(bare(&config).arg("--help"), "");
    let stdout = text(&output).0;
    assert!(stdout.contains("GENESYS_PRESENCE_CONFIG_DIR"), "{stdout}");
    assert!(stdout.contains("alex.morgan@example.com"), "{stdout}");
}

#[test]
fn every_command_has_help_with_an_example() {
    let config = ConfigDir::new("command-help");
    for command in COMMANDS {
        let output = run(bare(&config).args(*command).arg("--help"), "");
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{command:?}: {stderr}");
        assert!(stdout.contains("Example"), "{command:?}: {stdout}");
        assert!(stdout.contains("  genesys-presence "), "{command:?}: {stdout}");
    }
}

#[test]
fn version_is_the_crate_version() {
    let config = ConfigDir::new("version");
    let output = run(bare(&config).arg("--version"), "");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        text(&output).0,
        format!("genesys-presence {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_usage_error_exits_2_with_the_usage_line() {
    let config = ConfigDir::new("usage");
    for (args, usage) in [
        (&["get"][..], "Usage: genesys-presence get <USER>..."),
        (&["whoami", "--bogus"][..], "Usage: genesys-presence whoami [OPTIONS]"),
        (&["--region", "mars-1", "whoami"][..], "is not a Genesys Cloud region (e.g. us-east-1, eu-west-1, mypurecloud.ie)\n\nFor more information, try '--help'."),
        (&["frobnicate"][..], "Usage: genesys-presence [OPTIONS] <COMMAND>"),
    ] {
        let output = run(bare(&config).args(args), "");
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stdout, "", "{args:?}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains(usage), "{args:?}: {stderr}");
    }
}

#[test]
fn completion_scripts_for_bash_zsh_and_fish() {
    let config = ConfigDir::new("completions");
    for (shell, start) in [
        ("bash", "_genesys__presence() {"),
        ("zsh", "#compdef genesys-presence"),
        ("fish", "# Print an optspec"),
    ] {
        let output = run(bare(&config).args(["completions", shell]), "");
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{shell}: {stderr}");
        assert!(
            stdout.starts_with(start),
            "{shell}: {}",
            &stdout[..80.min(stdout.len())]
        );
        for command in ["login", "whoami", "primary-source", "definitions"] {
            assert!(stdout.contains(command), "{shell} mentions {command}");
        }
    }
    let fish = text(&run(bare(&config).args(["completions", "fish"]), "")).0;
    assert!(fish.contains("complete -c genesys-presence"), "{fish}");
}

#[test]
fn verbose_logs_records_on_stderr_and_no_secret() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("verbose");
    let id = org.user_ids()[0].clone();

    // Client credentials: the secret, and the token fetched with it, stay hidden.
    let output = run(against(&org, &config).args(["-vvv", "get", &id]), "");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.starts_with("USER"), "{stdout}");
    assert!(stderr.contains("DEBUG genesys_presence"), "{stderr}");
    assert!(stderr.contains("TRACE genesys_presence"), "{stderr}");
    assert!(stderr.contains("/presences/purecloud"), "{stderr}");
    assert!(!stderr.contains(org.client_secret()), "{stderr}");

    // A token the test knows.
    let token = org.access_token();
    let output = run(
        against(&org, &config)
            .env("GENESYSCLOUD_ACCESS_TOKEN", &token)
            .args(["-vvv", "get", &id]),
        "",
    );
    let stderr = text(&output).1;
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("TRACE genesys_presence"), "{stderr}");
    assert!(!stderr.contains(&token), "{stderr}");

    // Without -v: nothing on stderr.
    let output = run(against(&org, &config).args(["get", &id]), "");
    assert_eq!(text(&output).1, "");
}
