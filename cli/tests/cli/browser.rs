//! The test as a person's browser for `login`: read the address the binary
//! prints on stderr, open it at the stand-in org (which approves at once and
//! redirects), and follow the redirect back to the binary.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Instant;

use crate::harness::{lines_of, spawn, wait, PATIENCE as DEADLINE};

/// A `login` under way, its stderr read line by line on a thread.
pub struct Login {
    child: Child,
    lines: Receiver<String>,
    stderr: Vec<String>,
}

/// What a finished `login` printed.
pub struct Ended {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Login {
    /// Starts `command` (a `login`).
    pub fn start(command: &mut Command) -> Login {
        let mut child = spawn(command, Stdio::null());
        let stderr = child.stderr.take().expect("stderr");
        Login {
            child,
            lines: lines_of(stderr),
            stderr: Vec::new(),
        }
    }

    /// The sign-in address: the first stderr line that is one, indented.
    pub fn address(&mut self) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no sign-in address on stderr: {:?}", self.stderr));
            self.stderr.push(line.clone());
            if let Some(url) = line.strip_prefix("  http") {
                return format!("http{url}");
            }
        }
    }

    /// Waits (up to the deadline) for the binary to end.
    pub fn end(mut self) -> Ended {
        let status = wait(&mut self.child);
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            out.read_to_string(&mut stdout).expect("stdout");
        }
        // The reader thread ends at end of file, so this ends.
        self.stderr.extend(self.lines.iter());
        Ended {
            status,
            stdout,
            stderr: self.stderr.join("\n"),
        }
    }
}

/// Opens `address` at the stand-in org and follows its redirect to the
/// binary's loopback address; the page the binary answered with.
pub fn open(address: &str) -> String {
    let browser = genesys_presence::ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(DEADLINE))
        .build()
        .new_agent();
    let approved = browser.get(address).call().expect("the sign-in page");
    assert_eq!(approved.status(), 302, "the stand-in org redirects");
    let back = approved.headers()["location"]
        .to_str()
        .expect("a location")
        .to_owned();
    assert!(back.starts_with("http://127.0.0.1:"), "{back}");
    let mut page = browser.get(&back).call().expect("the binary's page");
    assert_eq!(page.status(), 200);
    page.body_mut().read_to_string().expect("a page")
}
