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
