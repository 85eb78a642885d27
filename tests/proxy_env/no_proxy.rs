//! `NO_PROXY` as a new user writes it, with a proxy from the
//! environment. REST calls go to `localhost`, the WebSocket to `127.0.0.1`
//! (the stand-in org serves both names), so one `NO_PROXY` entry can send one
//! of them direct and the other through the proxy. The tests change the
//! process's environment, so they take turns, and this file holds no other test.

use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::environment::{clean_proxy_environment, PROXY_VARIABLES};
use crate::proxying::{open_tunnel, read_head, target_of};
use genesys_presence::fake::FakeOrg;
use genesys_presence::{user, watch, RetryPolicy, Session};

/// A tunnelling proxy that keeps the target of every `CONNECT`.
struct Proxy {
    url: String,
    targets: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let targets = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&targets);
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let log = Arc::clone(&log);
                thread::spawn(move || tunnel(client, &log));
            }
        });
        Proxy { url, targets }
    }

    fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

fn tunnel(mut client: TcpStream, log: &Mutex<Vec<String>>) {
    let Some(head) = read_head(&mut client) else {
        return;
    };
    let target = target_of(&head);
    log.lock().unwrap().push(target.clone());
    open_tunnel(client, &target);
}

/// Builds a session (reading the environment) whose REST calls go to
/// `localhost`, reads a presence and watches one change arrive over the
/// WebSocket (at `127.0.0.1`). Returns the REST and WebSocket ports.
fn use_both_paths(org: &FakeOrg) -> (u16, u16) {
    let port = |url: &str| {
        url.rsplit(':')
            .next()
            .unwrap()
            .trim_end_matches('/')
            .parse::<u16>()
            .unwrap()
    };
    let api_port = port(&org.base_url());
    let session = Session::builder()
        .base_url(format!("http://localhost:{api_port}"))
        .access_token(org.access_token())
        .retry_policy(RetryPolicy::none())
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let user_id = org.user_ids()[0].clone();
    user::get_purecloud_presence(&session, &user_id).unwrap();
    let mut watcher = watch::users(&session, &[&user_id]).unwrap();
    user::set_presence_by_name(&session, &user_id, "Busy", Some("no proxy")).unwrap();
    let event = watcher
        .next_timeout(Duration::from_secs(10))
        .expect("a change within 10 s")
        .unwrap();
    assert_eq!(event.message.as_deref(), Some("no proxy"));
    watcher.close();
    (api_port, port(&org.streaming_url()))
}

fn run_with(no_proxy: &str) -> (Vec<String>, u16, u16) {
    let _env = clean_proxy_environment();
    let proxy = Proxy::start();
    let org = FakeOrg::start().unwrap();
    std::env::set_var("HTTPS_PROXY", &proxy.url);
    std::env::set_var("NO_PROXY", no_proxy);
    let (api, socket) = use_both_paths(&org);
    for name in PROXY_VARIABLES {
        std::env::remove_var(name);
    }
    (proxy.targets(), api, socket)
}

#[test]
fn no_proxy_localhost_sends_rest_direct_and_the_websocket_through_the_proxy() {
    let (targets, api, socket) = run_with("localhost");
    assert!(
        !targets.iter().any(|t| t.ends_with(&format!(":{api}"))),
        "REST went through the proxy: {targets:?}"
    );
    assert!(
        targets.contains(&format!("127.0.0.1:{socket}")),
        "the WebSocket did not go through the proxy: {targets:?}"
    );
}

#[test]
fn no_proxy_an_address_sends_the_websocket_direct_and_rest_through_the_proxy() {
    let (targets, api, socket) = run_with("127.0.0.1");
    assert!(
        targets.contains(&format!("localhost:{api}")),
        "REST did not go through the proxy: {targets:?}"
    );
    assert!(
        !targets.iter().any(|t| t.ends_with(&format!(":{socket}"))),
        "the WebSocket went through the proxy: {targets:?}"
    );
}

#[test]
fn no_proxy_star_sends_everything_direct() {
    let (targets, _, _) = run_with("*");
    assert!(targets.is_empty(), "{targets:?}");
}

#[test]
fn no_proxy_a_suffix_pattern_and_a_list() {
    // `*host` is a suffix pattern that matches `localhost`; `.example.com`
    // matches nothing here; the list's order does not matter.
    let (targets, api, socket) = run_with(".example.com,*host,10.0.0.1");
    assert!(
        !targets.iter().any(|t| t.ends_with(&format!(":{api}"))),
        "REST went through the proxy: {targets:?}"
    );
    assert!(targets.contains(&format!("127.0.0.1:{socket}")), "{targets:?}");
}

/// `NO_PROXY=localhost, 127.0.0.1` (a space after the comma, as curl, wget
/// and most guides accept) is how many users write it. ureq splits on `,`
/// without trimming, so ` 127.0.0.1` matches no host and the WebSocket is
/// sent to the proxy although the user exempted its host.
#[test]
fn no_proxy_with_spaces_after_commas_exempts_every_listed_host() {
    let (targets, _, _) = run_with("localhost, 127.0.0.1");
    assert!(targets.is_empty(), "went through the proxy: {targets:?}");
}

/// A proxy variable that is set but not a valid URL (a stray space, say) is
/// dropped by ureq without a word, and the session connects direct: traffic
/// the user meant for the proxy bypasses it. A `Config` error from the
/// builder (or a failed call) is expected instead.
#[test]
fn a_malformed_proxy_variable_is_not_silently_ignored() {
    let _env = clean_proxy_environment();
    let org = FakeOrg::start().unwrap();
    std::env::set_var("HTTPS_PROXY", "http://127.0.0.1:9 9");
    let built = Session::builder()
        .base_url(org.base_url())
        .access_token(org.access_token())
        .retry_policy(RetryPolicy::none())
        .build();
    std::env::remove_var("HTTPS_PROXY");
    if let Ok(session) = built {
        let read = user::get_purecloud_presence(&session, &org.user_ids()[0]);
        assert!(
            read.is_err(),
            "HTTPS_PROXY={:?} was ignored: the call went direct to the org",
            "http://127.0.0.1:9 9"
        );
    }
}
