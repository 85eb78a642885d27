//! Profiles: named sets of region and credentials that `login` saves, in
//! one JSON file, `profiles.json`, in the platform's configuration
//! directory (`genesys-presence/` under `dirs::config_dir()`, or the
//! directory `GENESYS_PRESENCE_CONFIG_DIR` names). The file is readable by
//! its owner only (created with mode 0600 on Unix, its directory 0700) and
//! replaced atomically (a new file, then a rename) at each change.
//!
//! Each change reads the file, changes one profile and replaces the file
//! while holding an operating-system lock on a file beside it
//! (`profiles.json.lock`, which stays), so that two processes saving at once
//! (a `login` during a long `watch` that saves rotated tokens) do not lose
//! one another's change. The system releases the lock of a process that
//! dies, so a killed process never leaves the file locked.
//!
//! A profile's secrets (client secret, tokens) never leave this module but
//! to the session builder: `Debug` leaves them out, and no command prints them.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use genesys_presence::{OAuthClient, Region, Session, SessionBuilder, StoredTokens};
use serde::{Deserialize, Serialize};

use crate::failure::{Failure, Outcome};
use crate::file_lock::{FileLock, LockError, DEFAULT_DEADLINE};

/// The variable naming the configuration directory instead of the platform's.
pub const CONFIG_DIR_VARIABLE: &str = "GENESYS_PRESENCE_CONFIG_DIR";
/// The file's name in the directory.
const FILE_NAME: &str = "profiles.json";

/// Where a profile's API is: a region, or an API base URL (a gateway, a
/// stand-in org), the login URL derived from it as the library does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// A region by name (`eu-west-1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// An API base URL, which wins over the region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
}

impl Location {
    /// A session builder pointed there.
    pub fn builder(&self) -> Outcome<SessionBuilder> {
        let mut builder = Session::builder();
        if let Some(region) = &self.region {
            // Not `--region`'s usage error: the command line is not at fault.
            let region = region.parse::<Region>().map_err(|_| {
                Failure::other(format!(
                    "the profile's region {region:?} is not a Genesys Cloud region: \
                     run `genesys-presence login --region …` again"
                ))
            })?;
            builder = builder.region(region);
        }
        if let Some(url) = &self.api_url {
            builder = builder.base_url(url);
        }
        Ok(builder)
    }
}

/// A person's tokens as saved.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedTokens {
    access_token: String,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

impl From<&StoredTokens> for SavedTokens {
    fn from(tokens: &StoredTokens) -> SavedTokens {
        SavedTokens {
            access_token: tokens.access_token().to_owned(),
            expires_at: tokens.expires_at().and_then(crate::time::rfc3339),
            refresh_token: tokens.refresh_token().map(str::to_owned),
        }
    }
}

impl SavedTokens {
    fn stored(&self) -> StoredTokens {
        let expires_at = self.expires_at.as_deref().and_then(crate::time::parse);
        StoredTokens::new(self.access_token.clone(), expires_at, self.refresh_token.clone())
    }
}

/// One profile: where, and with what credentials.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    #[serde(flatten)]
    pub location: Location,
    /// The OAuth client's id.
    pub client_id: String,
    /// For client credentials: the client's secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    /// For a person: the tokens of their sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tokens: Option<SavedTokens>,
}

impl Profile {
    /// A profile of client credentials.
    pub fn client_credentials(location: Location, client_id: String, secret: String) -> Profile {
        Profile {
            location,
            client_id,
            client_secret: Some(secret),
            tokens: None,
        }
    }

    /// A person's profile, before their tokens are saved in it.
    pub fn person(location: Location, client_id: String) -> Profile {
        Profile {
            location,
            client_id,
            client_secret: None,
            tokens: None,
        }
    }

    /// The profile with a person's `tokens` (the newest of their sign-in).
    pub fn with_tokens(mut self, tokens: &StoredTokens) -> Profile {
        self.tokens = Some(SavedTokens::from(tokens));
        self
    }

    /// Whether it holds a person's sign-in (else client credentials).
    pub fn is_person(&self) -> bool {
        self.client_secret.is_none()
    }

    /// When the saved access token expires, if known.
    pub fn token_expires_at(&self) -> Option<SystemTime> {
        self.tokens
            .as_ref()
            .and_then(|t| t.expires_at.as_deref())
            .and_then(crate::time::parse)
    }

    /// A builder with the profile's location and credentials, without the
    /// callback that saves new tokens.
    pub fn builder(&self) -> Outcome<SessionBuilder> {
        let builder = self.location.builder()?;
        match (&self.client_secret, &self.tokens) {
            (Some(secret), _) => Ok(builder.client_credentials(self.client_id.clone(), secret.clone())),
            (None, Some(tokens)) => {
                Ok(builder.tokens(OAuthClient::public(self.client_id.clone()), tokens.stored()))
            }
            (None, None) => Err(Failure::other(
                "the profile holds no sign-in: run `genesys-presence login` again",
            )),
        }
    }
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("location", &self.location)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("tokens", &self.tokens.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The file's contents.
#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// The profiles file.
#[derive(Debug, Clone)]
pub struct Profiles {
    path: PathBuf,
    /// How long a change waits for the lock.
    lock_deadline: Duration,
}

impl Profiles {
    /// The profiles file (it need not exist yet): in
    /// `GENESYS_PRESENCE_CONFIG_DIR`, else in the platform's configuration directory.
    pub fn open() -> Outcome<Profiles> {
        let dir = match std::env::var_os(CONFIG_DIR_VARIABLE).filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => dirs::config_dir()
                .ok_or_else(|| {
                    Failure::other(format!(
                        "this system has no configuration directory: set {CONFIG_DIR_VARIABLE}"
                    ))
                })?
                .join("genesys-presence"),
        };
        Ok(Profiles::at(dir.join(FILE_NAME)))
    }

    /// The profiles file at `path`.
    fn at(path: PathBuf) -> Profiles {
        Profiles {
            path,
            lock_deadline: DEFAULT_DEADLINE,
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Profile `name`, if saved.
    pub fn get(&self, name: &str) -> Outcome<Option<Profile>> {
        Ok(self.read()?.profiles.remove(name))
    }

    /// Profile `name`, or the error that says how to make one.
    pub fn require(&self, name: &str) -> Outcome<Profile> {
        self.get(name)?.ok_or_else(|| {
            Failure::other(format!(
                "no profile {name:?} in {}: run `genesys-presence login`, or set \
                 GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET",
                self.path.display()
            ))
        })
    }

    /// Saves `profile` as `name`, replacing any profile of that name.
    pub fn save(&self, name: &str, profile: Profile) -> Outcome {
        self.update(|file| {
            file.profiles.insert(name.to_owned(), profile);
            Ok(((), true))
        })
    }

    /// Removes profile `name`; whether there was one.
    pub fn remove(&self, name: &str) -> Outcome<bool> {
        self.update(|file| {
            let removed = file.profiles.remove(name).is_some();
            Ok((removed, removed))
        })
    }

    /// A session builder for profile `name`: its region and credentials,
    /// with new tokens saved back to the file as they rotate.
    pub fn session_builder(&self, name: &str) -> Outcome<SessionBuilder> {
        let profile = self.require(name)?;
        let builder = profile.builder()?;
        Ok(if profile.is_person() {
            builder.on_new_tokens(self.token_saver(name, &profile))
        } else {
            builder
        })
    }

    /// The `on_new_tokens` callback that saves a person's new tokens into
    /// profile `name`, which the session was built from (`profile`). A
    /// failure to save is reported on stderr: the command goes on.
    fn token_saver(&self, name: &str, profile: &Profile) -> impl Fn(&StoredTokens) + Send + Sync + 'static {
        let profiles = self.clone();
        let name = name.to_owned();
        let client_id = profile.client_id.clone();
        // The access token the file holds for this session: the one it
        // started from, then each one saved here.
        let current = Mutex::new(profile.tokens.as_ref().map(|t| t.access_token.clone()));
        move |tokens: &StoredTokens| {
            let Ok(mut current) = current.lock() else {
                return;
            };
            match profiles.save_rotated(&name, &client_id, current.as_deref(), tokens) {
                Ok(true) => *current = Some(tokens.access_token().to_owned()),
                Ok(false) => log::info!(
                    "profile {name:?} changed since this command started (a new login?): \
                     its new tokens were not saved over it"
                ),
                Err(failure) => {
                    crate::output::note(&format!("warning: the new tokens were not saved: {failure}"))
                }
            }
        }
    }

    /// Replaces the tokens of profile `name` with `tokens`, only if it is
    /// still the session's: a person's sign-in with client `client_id`
    /// whose access token is `current`. Whether they were saved.
    fn save_rotated(
        &self,
        name: &str,
        client_id: &str,
        current: Option<&str>,
        tokens: &StoredTokens,
    ) -> Outcome<bool> {
        self.update(|file| {
            let Some(saved) = file.profiles.get_mut(name) else {
                return Ok((false, false));
            };
            let same = saved.is_person()
                && saved.client_id == client_id
                && saved.tokens.as_ref().map(|t| t.access_token.as_str()) == current;
            if same {
                saved.tokens = Some(SavedTokens::from(tokens));
            }
            Ok((same, same))
        })
    }

    /// Reads the file, lets `change` change it, and writes it back if
    /// `change` says it changed (the second of its pair), all under the
    /// lock, so that no other process's change is lost in between.
    fn update<T>(&self, change: impl FnOnce(&mut File) -> Outcome<(T, bool)>) -> Outcome<T> {
        let _lock = self.lock()?;
        let mut file = self.read()?;
        let (result, changed) = change(&mut file)?;
        if changed {
            self.write(&file)?;
        }
        Ok(result)
    }

    /// Locks the lock file beside the profiles file (creating the directory
    /// and the lock file), waiting up to `lock_deadline` for another holder.
    fn lock(&self) -> Outcome<FileLock> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir).map_err(|e| self.failure("cannot create the directory of", &e))?;
        let mut path = self.path.as_os_str().to_owned();
        path.push(".lock");
        let path = PathBuf::from(path);
        FileLock::acquire(&path, self.lock_deadline).map_err(|e| match e {
            LockError::Busy => Failure::other(format!(
                "the profiles file {} is in use by another genesys-presence (lock file {} \
                 held for over {:?}); try again when it is done",
                self.path.display(),
                path.display(),
                self.lock_deadline
            )),
            LockError::Io(e) => Failure::other(format!(
                "cannot lock the profiles file {} (lock file {}): {e}",
                self.path.display(),
                path.display()
            )),
        })
    }

    fn read(&self) -> Outcome<File> {
        let text = match fs::read(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(File::default()),
            Err(e) => return Err(self.failure("cannot read", &e)),
        };
        // Only the position: serde's message may quote a value (a token).
        serde_json::from_slice(&text).map_err(|e| {
            Failure::other(format!(
                "the profiles file {} is not valid (line {}, column {}): fix or remove it",
                self.path.display(),
                e.line(),
                e.column()
            ))
        })
    }

    /// Replaces the file: writes a new one beside it, readable by its owner
    /// only from its creation, then renames it over the old one.
    /// The directory exists: [`lock`](Self::lock) made it.
    fn write(&self, file: &File) -> Outcome {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let text = serde_json::to_vec_pretty(file)
            .map_err(|e| Failure::other(format!("cannot write the profiles: {e}")))?;
        let temp = dir.join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
        // One left by a process that ended half-way, with this one's id.
        let _ = fs::remove_file(&temp);
        let written = write_private(&temp, &text).and_then(|()| fs::rename(&temp, &self.path));
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(self.failure("cannot write", &e));
        }
        Ok(())
    }

    fn failure(&self, what: &str, error: &io::Error) -> Failure {
        Failure::other(format!(
            "{what} the profiles file {}: {error}",
            self.path.display()
        ))
    }
}

/// Creates `dir` and its parents if missing (mode 0700 on Unix).
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes `bytes` to a new file at `path`, created with mode 0600 on Unix.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_secret() {
        let mut profile = Profile::client_credentials(Location::default(), "client".into(), "s3cret".into());
        profile.tokens = Some(SavedTokens {
            access_token: "tok3n".into(),
            expires_at: None,
            refresh_token: Some("r3fresh".into()),
        });
        let shown = format!("{profile:?}");
        assert!(shown.contains("client"), "{shown}");
        for secret in ["s3cret", "tok3n", "r3fresh"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn a_corrupt_file_is_an_error_that_quotes_nothing() {
        let dir = std::env::temp_dir().join(format!("genesys-presence-profile-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let profiles = Profiles::at(dir.join(FILE_NAME));
        fs::write(
            profiles.path(),
            br#"{"profiles":{"a":{"clientId":"x","tokens":{"accessToken":7}}}}"#,
        )
        .unwrap();
        let error = profiles.get("a").unwrap_err().to_string();
        assert!(error.contains("not valid (line 1"), "{error}");
        let _ = fs::remove_dir_all(&dir);
    }
}

#[cfg(test)]
#[path = "profile_concurrency_tests.rs"]
mod concurrency_tests;
