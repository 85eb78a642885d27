//! The loopback helper against odd browsers: a connection that sends
//! nothing while the real browser comes back, and a redirect that repeats
//! `code` or `state`.
#![cfg(feature = "sign-in")]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use genesys_presence::fake::FakeOrg;
use genesys_presence::sign_in::{LoopbackSignIn, PendingSignIn};

use crate::sign_in_flow::{authorize, browser, builder};

/// The `host:port` of the redirect URI.
fn address(pending: &PendingSignIn) -> String {
    let rest = pending.redirect_uri().strip_prefix("http://").unwrap();
    rest.split('/').next().unwrap().to_owned()
}

/// A raw `GET target` to `address`: the status line of the answer.
fn get(address: &str, target: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(stream, "GET {target} HTTP/1.1\r\nHost: {address}\r\n\r\n").unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn a_connection_that_sends_nothing_does_not_hold_up_the_browser() {
    let org = FakeOrg::start().unwrap();
    let pending = LoopbackSignIn::new(builder(&org), org.client_id())
        .timeout(Duration::from_secs(60))
        .start()
        .unwrap();
    let location = authorize(&pending);
    // A spare connection opened first (browsers pre-open them) and left silent.
    let idle = TcpStream::connect(address(&pending)).unwrap();
    let program = thread::spawn(move || pending.finish());
    let started = Instant::now();
    let mut answer = browser().get(&location).call().unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let page = answer.body_mut().read_to_string().unwrap();
    assert!(page.contains("signed in"), "{page}");
    assert!(program.join().unwrap().is_ok());
    // Reading the silent connection may take up to 10 s: the browser did not wait for it.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(idle);
}

#[test]
fn a_redirect_with_state_or_code_twice_is_refused_without_a_token_request() {
    for repeat in ["state", "code"] {
        let org = FakeOrg::start().unwrap();
        let pending = LoopbackSignIn::new(builder(&org), org.client_id())
            .timeout(Duration::from_secs(60))
            .start()
            .unwrap();
        let location = authorize(&pending);
        let query = location.split_once('?').unwrap().1.to_owned();
        let value = query
            .split('&')
            .find_map(|pair| pair.strip_prefix(&format!("{repeat}=")))
            .unwrap()
            .to_owned();
        let address = address(&pending);
        let program = thread::spawn(move || pending.finish());
        // The same value twice, the second percent-encoded differently.
        let second: String = value.bytes().map(|b| format!("%{b:02X}")).collect();
        let status = get(&address, &format!("/callback?{query}&{repeat}={second}"));
        assert!(status.contains(" 400 "), "{repeat}: {status}");
        let error = program.join().unwrap().unwrap_err();
        assert!(!error.is_sign_in_required(), "{error}");
        assert_eq!(org.token_requests(), 0, "{repeat}: {error}");
    }
}
