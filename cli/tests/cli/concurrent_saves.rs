//! Several processes saving profiles into one file at once lose nothing.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use genesys_presence::fake::FakeOrg;

use crate::harness::{bare, text, ConfigDir};

#[test]
fn logins_in_many_processes_at_once_are_all_saved() {
    const PROCESSES: usize = 4;
    const ROUNDS: usize = 3;
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("concurrent-saves");
    for round in 0..ROUNDS {
        let children: Vec<_> = (0..PROCESSES)
            .map(|process| {
                bare(&config)
                    .env("GENESYSCLOUD_API_URL", org.base_url())
                    .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", org.client_secret())
                    .args([
                        "--profile",
                        &format!("p{round}-{process}"),
                        "login",
                        "--client-credentials",
                    ])
                    .args(["--client-id", org.client_id()])
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("the binary starts")
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().expect("the binary ends");
            assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
        }
    }
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(config.path().join("profiles.json")).expect("a profiles file"))
            .expect("JSON");
    let saved = file["profiles"].as_object().expect("profiles");
    assert_eq!(saved.len(), PROCESSES * ROUNDS, "{:?}", saved.keys());
    for round in 0..ROUNDS {
        for process in 0..PROCESSES {
            assert!(saved.contains_key(&format!("p{round}-{process}")));
        }
    }
    // The lock file stays, its owner's only, and no one holds it.
    let lock = config.path().join("profiles.json.lock");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&lock)
            .expect("the lock file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(is_free(&lock).expect("the lock file"));
}

/// The variable that makes [`hold_the_lock_when_asked`] hold a lock on the
/// file it names, for [`a_lock_held_by_a_killed_process_is_free_at_once`].
const HOLD_LOCK: &str = "GENESYS_PRESENCE_TEST_HOLD_LOCK";
/// What the holder says once it holds the lock.
const LOCKED: &str = "holding the lock";

/// Whether no one holds the lock on `path` (taking it and letting it go).
fn is_free(path: &Path) -> std::io::Result<bool> {
    let file = open_lock(path)?;
    // By path: on Rust 1.89 and later, `File` has a `try_lock` of its own.
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => Ok(true),
        Err(fs4::TryLockError::WouldBlock) => Ok(false),
        Err(fs4::TryLockError::Error(e)) => Err(e),
    }
}

fn open_lock(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// Not a test of its own: run by the next one in a process of its own,
/// it locks the file named by `HOLD_LOCK`, says so on stdout, and keeps
/// the lock until its stdin closes or it is killed. Without the variable
/// it does nothing.
#[test]
fn hold_the_lock_when_asked() {
    let Some(path) = std::env::var_os(HOLD_LOCK) else {
        return;
    };
    let file = open_lock(Path::new(&path)).expect("the lock file");
    fs4::FileExt::lock(&file).expect("the lock");
    // On a line of its own: libtest may have begun one (`test … `).
    println!("\n{LOCKED}");
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(file);
}

#[test]
fn a_lock_held_by_a_killed_process_is_free_at_once() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("killed-holder");
    let lock = config.path().join("profiles.json.lock");
    let mut holder = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            "concurrent_saves::hold_the_lock_when_asked",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HOLD_LOCK, &lock)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the holder starts");
    let stdout = holder.stdout.take().expect("its stdout");
    let (lines, said) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let locked = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match said.recv_timeout(left) {
            Ok(line) if line == LOCKED => break true,
            Ok(_) => {}
            Err(_) => break false,
        }
    };
    if !locked {
        let _ = holder.kill();
        let _ = holder.wait();
        panic!("the holder never said it held the lock");
    }
    assert!(!is_free(&lock).expect("the lock file"), "the holder holds it");

    holder.kill().expect("the holder is killed");
    holder.wait().expect("the holder ends");
    // Free as soon as its holder is gone: no waiting for it to grow old.
    assert!(is_free(&lock).expect("the lock file"));
    let output = bare(&config)
        .env("GENESYSCLOUD_API_URL", org.base_url())
        .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", org.client_secret())
        .args(["login", "--client-credentials", "--client-id", org.client_id()])
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(config.path().join("profiles.json")).expect("a profiles file"))
            .expect("JSON");
    assert!(file["profiles"]["default"].is_object(), "{file}");
}
