//! Running the binary as a long-lived process: its standard output read
//! line by line with deadlines, Ctrl-C sent to it, its end awaited.

use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::Receiver;
use std::thread;
use std::time::{Duration, Instant};

use genesys_presence::fake::FakeOrg;

pub use crate::harness::PATIENCE;
use crate::harness::{bare, lines_of, rest_of_stderr, spawn, wait, ConfigDir};

/// The binary signed in to `org` as the person `user_id` (an access token
/// minted for them, as a browser sign-in would give), so `me` is them.
pub fn as_user(org: &FakeOrg, config: &ConfigDir, user_id: &str) -> Command {
    let token = org.user_access_token(user_id).expect("a known user");
    let mut command = bare(config);
    command
        .env("GENESYSCLOUD_API_URL", org.base_url())
        .env("GENESYSCLOUD_ACCESS_TOKEN", token);
    command
}

/// A running binary whose standard output lines arrive on a channel, and
/// whose standard error is collected when it ends.
pub struct Running {
    pub child: Child,
    lines: Receiver<String>,
}

impl Running {
    /// Starts `command` with no standard input.
    pub fn start(command: &mut Command) -> Running {
        let mut child = spawn(command, Stdio::null());
        let lines = lines_of(child.stdout.take().expect("stdout"));
        Running { child, lines }
    }

    /// The next line of standard output, waiting at most [`PATIENCE`].
    pub fn line(&self) -> String {
        self.lines
            .recv_timeout(PATIENCE)
            .expect("a line on standard output in time")
    }

    /// The next line of standard output if one comes within `timeout`.
    pub fn line_within(&self, timeout: Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// Sends SIGINT (what Ctrl-C sends) to the binary.
    #[cfg(unix)]
    pub fn interrupt(&self) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits for the binary to end (at most [`PATIENCE`]); its status, the
    /// standard output lines not read yet, and its standard error.
    pub fn finish(mut self) -> (ExitStatus, Vec<String>, String) {
        let status = wait(&mut self.child);
        let stderr = rest_of_stderr(&mut self.child);
        // The reader thread ends, and the channel with it, at end of output.
        let mut rest = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(PATIENCE) {
            rest.push(line);
        }
        (status, rest, stderr)
    }
}

/// Waits until `condition` holds, at most [`PATIENCE`].
pub fn until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(20));
    }
}

/// The cells of a table line (columns are two or more spaces apart).
pub fn columns(line: &str) -> Vec<&str> {
    line.split("  ")
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .collect()
}
