//! A reader that goes away (`… | head -c 10`): the binary ends quietly,
//! without a panic, whether it was printing a large answer or watching.
#![cfg(unix)]

use std::io::{Read, Write};
use std::process::Stdio;
use std::thread;

use genesys_presence::fake::FakeOrg;

use crate::harness::{against, rest_of_stderr, spawn, wait, ConfigDir};

/// Reads 10 bytes of the child's standard output, which start with `start`.
fn read_ten(stdout: &mut impl Read, start: &[u8]) {
    let mut ten = [0u8; 10];
    stdout.read_exact(&mut ten).expect("10 bytes");
    assert!(ten.starts_with(start), "{:?}", String::from_utf8_lossy(&ten));
}

#[test]
fn json_get_into_a_reader_that_closes_ends_quietly() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("pipe-get");
    for n in 0..1000 {
        assert!(org.add_user(&format!("user-{n:04}")));
    }
    let ids = org.user_ids().join("\n");

    let mut child = spawn(
        against(&org, &config).args(["--json", "get", "-"]),
        Stdio::piped(),
    );
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = thread::spawn(move || stdin.write_all(ids.as_bytes()));
    let mut stdout = child.stdout.take().expect("stdout");
    // About 200 KB of JSON: more than a pipe holds, so the binary is still
    // writing when the reader goes away.
    read_ten(&mut stdout, b"[\n");
    drop(stdout);
    let status = wait(&mut child);
    writer.join().expect("the writer").expect("the users written");
    let stderr = rest_of_stderr(&mut child);
    assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));
}

#[test]
fn a_watch_whose_reader_closes_ends_quietly_at_the_next_event() {
    let org = FakeOrg::start().expect("a stand-in org");
    let config = ConfigDir::new("pipe-watch");
    let id = org.user_ids()[0].clone();

    let mut child = spawn(
        against(&org, &config).args(["--json", "watch", &id]),
        Stdio::null(),
    );
    let mut stdout = child.stdout.take().expect("stdout");
    // The first event (the current presence) is being printed: the watch runs.
    read_ten(&mut stdout, b"{\"");
    drop(stdout);
    org.set_presence_now(&id, "Busy", None);
    let status = wait(&mut child);
    let stderr = rest_of_stderr(&mut child);
    assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));
}
