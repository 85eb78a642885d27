//! Running the real `genesys-presence` binary: against a stand-in org
//! (through the `GENESYSCLOUD_*` variables), with its own configuration
//! directory, and nothing inherited from the environment that could change
//! what it does.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use genesys_presence::fake::FakeOrg;

/// The binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_genesys-presence");

/// A scratch configuration directory, removed when dropped.
pub struct ConfigDir(PathBuf);

impl ConfigDir {
    pub fn new(name: &str) -> ConfigDir {
        let dir = std::env::temp_dir().join(format!("genesys-presence-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        ConfigDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ConfigDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary with a clean environment: no `GENESYSCLOUD_*`, no `RUST_LOG`,
/// the configuration directory `config`.
pub fn bare(config: &ConfigDir) -> Command {
    let mut command = Command::new(BINARY);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("GENESYSCLOUD_") || name.starts_with("GENESYS_PRESENCE_") || name == "RUST_LOG" {
            command.env_remove(&name);
        }
    }
    command.env("GENESYS_PRESENCE_CONFIG_DIR", config.path());
    command
}

/// The binary signed in to `org` with its client credentials.
pub fn against(org: &FakeOrg, config: &ConfigDir) -> Command {
    let mut command = bare(config);
    command
        .env("GENESYSCLOUD_API_URL", org.base_url())
        .env("GENESYSCLOUD_OAUTHCLIENT_ID", org.client_id())
        .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", org.client_secret());
    command
}

/// Runs `command` with `stdin` as its standard input.
pub fn run(command: &mut Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut input = child.stdin.take().expect("stdin");
    // The binary may not read it all (or at all): a closed pipe is fine.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    child.wait_with_output().expect("the binary ends")
}

/// Standard output and error as text.
pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// How long a test waits for anything the binary should do at once.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Starts `command` with `stdin`, its standard output and error piped.
pub fn spawn(command: &mut Command, stdin: Stdio) -> Child {
    command
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// The lines of `reader`, read on a thread of their own, as they come.
pub fn lines_of(reader: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, lines) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// Waits for `child` to end, at most [`PATIENCE`] (then kills it and fails).
pub fn wait(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().expect("the child's status") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the binary did not end in time");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// What is left of `child`'s standard error, read to its end.
pub fn rest_of_stderr(child: &mut Child) -> String {
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_string(&mut stderr).expect("stderr");
    }
    stderr
}
