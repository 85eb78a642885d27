//! Checks for the errors `SessionBuilder::build` gives: included by path
//! (`#[path = "common/config_errors.rs"]`) from the files that need it.
#![allow(dead_code)]

use genesys_presence::{Error, ErrorKind, Session, SessionBuilder};

/// The message (after `session configuration: `) of the `Config` error that `builder` must give, after
/// checking that it names `setting` and leaves out every one of `secrets`
/// in its `Display` and `Debug` (and that the builder's `Debug` does too).
#[track_caller]
pub fn refused(builder: SessionBuilder, setting: &str, secrets: &[&str]) -> String {
    let case = format!("{builder:?}");
    for secret in secrets {
        assert!(
            !case.contains(secret),
            "the builder's Debug shows {secret:?}: {case}"
        );
    }
    let err = match builder.build() {
        Ok(session) => panic!("{setting}: expected a Config error, built {session:?} from {case}"),
        Err(err) => err,
    };
    config_message(err, setting, secrets)
}

/// As [`refused`], for an error already in hand (from `from_env_with`, say).
#[track_caller]
pub fn config_message(err: Error, setting: &str, secrets: &[&str]) -> String {
    let (text, debug) = (err.to_string(), format!("{err:?}"));
    assert_eq!(
        err.kind(),
        ErrorKind::Config,
        "{setting}: expected a Config error, got {debug}"
    );
    assert_eq!(err.attempts(), None, "{text}");
    let Some(message) = text.strip_prefix("session configuration: ") else {
        panic!("{setting}: the message does not start with `session configuration: `: {text}");
    };
    assert!(
        message.starts_with(setting),
        "the message does not start with the setting {setting:?}: {text}"
    );
    let message = message.to_owned();
    for secret in secrets {
        assert!(!text.contains(secret), "Display shows {secret:?}: {text}");
        assert!(!debug.contains(secret), "Debug shows {secret:?}: {debug}");
    }
    message
}

/// The session `builder` must build.
#[track_caller]
pub fn built(builder: SessionBuilder) -> Session {
    let case = format!("{builder:?}");
    builder
        .build()
        .unwrap_or_else(|e| panic!("expected a session from {case}, got {e}"))
}

/// An environment of `vars` for `from_env_with`.
pub fn env(vars: &[(&'static str, String)]) -> impl Fn(&str) -> Option<String> {
    let vars = vars.to_vec();
    move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
}
