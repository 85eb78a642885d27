//! Saves from several threads at once, the lock file, and the hook that
//! saves rotated tokens.

use std::time::Duration;

use super::*;

/// A scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("genesys-presence-lock-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn profiles(&self) -> Profiles {
        Profiles::at(self.0.join(FILE_NAME))
    }

    fn lock_path(&self) -> PathBuf {
        self.0.join(format!("{FILE_NAME}.lock"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn person(client_id: &str, access_token: &str) -> Profile {
    let location = Location {
        region: Some("eu-west-1".into()),
        api_url: None,
    };
    Profile::person(location, client_id.into()).with_tokens(&tokens(access_token))
}

fn tokens(access_token: &str) -> StoredTokens {
    StoredTokens::new(access_token, None, Some(format!("refresh-{access_token}")))
}

fn access_token(profiles: &Profiles, name: &str) -> Option<String> {
    profiles.get(name).unwrap()?.tokens.map(|t| t.access_token)
}

#[test]
fn saves_from_many_threads_at_once_all_end_up_in_the_file() {
    const THREADS: usize = 4;
    const SAVES: usize = 25;
    let scratch = Scratch::new("threads");
    let barrier = std::sync::Barrier::new(THREADS);
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let profiles = scratch.profiles();
            let barrier = &barrier;
            scope.spawn(move || {
                barrier.wait();
                for save in 0..SAVES {
                    let name = format!("t{thread}-{save}");
                    profiles.save(&name, person(&name, "a")).unwrap();
                }
            });
        }
    });
    let file = scratch.profiles().read().unwrap();
    assert_eq!(file.profiles.len(), THREADS * SAVES);
    for thread in 0..THREADS {
        for save in 0..SAVES {
            let name = format!("t{thread}-{save}");
            assert_eq!(file.profiles[&name].client_id, name);
        }
    }
    let free = FileLock::acquire(&scratch.lock_path(), Duration::ZERO);
    assert!(free.is_ok(), "the lock is released: {free:?}");
}

#[test]
fn a_lock_held_past_the_deadline_is_a_clear_error() {
    let scratch = Scratch::new("busy");
    let mut profiles = scratch.profiles();
    profiles.save("a", person("c", "a")).unwrap();
    profiles.lock_deadline = Duration::from_millis(100);
    // Another holder: a lock of its own on the same file.
    let other = FileLock::acquire(&scratch.lock_path(), Duration::ZERO).unwrap();
    let error = profiles.save("a", person("c", "b")).unwrap_err().to_string();
    assert_eq!(
        error,
        format!(
            "the profiles file {} is in use by another genesys-presence (lock file {} \
             held for over 100ms); try again when it is done",
            profiles.path().display(),
            scratch.lock_path().display()
        )
    );
    // Nothing changed; once the other holder is done, the save goes through.
    assert_eq!(access_token(&profiles, "a").as_deref(), Some("a"));
    drop(other);
    profiles.save("a", person("c", "b")).unwrap();
    assert_eq!(access_token(&profiles, "a").as_deref(), Some("b"));
}

#[test]
fn rotated_tokens_are_saved_into_the_profile_only() {
    let scratch = Scratch::new("rotate");
    let profiles = scratch.profiles();
    let started = person("c", "a");
    profiles.save("default", started.clone()).unwrap();
    let save = profiles.token_saver("default", &started);
    // Another profile saved meanwhile is kept.
    profiles.save("other", person("c2", "x")).unwrap();
    save(&tokens("b"));
    save(&tokens("c"));
    let saved = profiles.get("default").unwrap().unwrap();
    assert_eq!(saved.tokens.as_ref().map(|t| t.access_token.as_str()), Some("c"));
    assert_eq!(
        saved.tokens.and_then(|t| t.refresh_token).as_deref(),
        Some("refresh-c")
    );
    assert_eq!(saved.location.region.as_deref(), Some("eu-west-1"));
    assert_eq!(access_token(&profiles, "other").as_deref(), Some("x"));
}

#[test]
fn rotated_tokens_never_overwrite_a_newer_login() {
    let scratch = Scratch::new("relogin");
    let profiles = scratch.profiles();
    let started = person("c", "a");
    profiles.save("default", started.clone()).unwrap();
    let save = profiles.token_saver("default", &started);

    // The same client, signed in again.
    profiles.save("default", person("c", "new-login")).unwrap();
    save(&tokens("b"));
    assert_eq!(access_token(&profiles, "default").as_deref(), Some("new-login"));

    // Another client, then client credentials, then nothing.
    profiles.save("default", person("other-client", "a")).unwrap();
    save(&tokens("b"));
    assert_eq!(
        profiles.get("default").unwrap().unwrap().client_id,
        "other-client"
    );
    assert_eq!(access_token(&profiles, "default").as_deref(), Some("a"));

    let credentials = Profile::client_credentials(Location::default(), "c".into(), "s".into());
    profiles.save("default", credentials).unwrap();
    save(&tokens("b"));
    assert!(access_token(&profiles, "default").is_none());

    profiles.remove("default").unwrap();
    save(&tokens("b"));
    assert!(profiles.get("default").unwrap().is_none());
}
