//! The profiles file as a user may leave it: hand-edited, broken, or named
//! oddly on the command line.

use crate::harness::{bare, run, text, ConfigDir};

/// Writes `json` as the profiles file of `config`.
fn write_profiles(config: &ConfigDir, json: &str) {
    std::fs::write(config.path().join("profiles.json"), json).expect("a profiles file");
}

#[test]
fn a_saved_region_that_is_wrong_blames_the_profile_not_the_command_line() {
    let config = ConfigDir::new("profile-region");
    write_profiles(
        &config,
        r#"{"profiles":{"default":{"region":"mars-1","clientId":"c","clientSecret":"s3cret-value"}}}"#,
    );
    let output = run(bare(&config).arg("whoami"), "");
    let (stdout, stderr) = text(&output);
    assert_eq!((output.status.code(), stdout.as_str()), (Some(1), ""));
    assert_eq!(
        stderr,
        "error: the profile's region \"mars-1\" is not a Genesys Cloud region: \
         run `genesys-presence login --region …` again\n"
    );
}

#[test]
fn a_blank_profile_name_is_a_usage_error() {
    let config = ConfigDir::new("profile-name");
    for name in ["", " ", "ops ", "a\tb"] {
        let output = run(
            bare(&config).args([
                "--profile",
                name,
                "login",
                "--client-credentials",
                "--client-id",
                "c",
            ]),
            "s3cret-value\n",
        );
        let (stdout, stderr) = text(&output);
        assert_eq!(
            (output.status.code(), stdout.as_str()),
            (Some(2), ""),
            "{name:?}: {stderr}"
        );
        assert!(
            stderr.starts_with(&format!(
                "error: invalid value '{name}' for '--profile <PROFILE>': a profile's name must not"
            )),
            "{name:?}: {stderr}"
        );
    }
    assert!(!config.path().join("profiles.json").exists());
    // From the variable too.
    let output = run(
        bare(&config).env("GENESYS_PRESENCE_PROFILE", " ").arg("whoami"),
        "",
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output).1);
    // Odd but clear names are fine: they are keys in one file, never paths.
    let output = run(bare(&config).args(["--profile", "../ops/é", "logout"]), "");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
}
