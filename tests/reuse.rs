//! Connection reuse: sequential calls on one session share one keep-alive
//! connection, the token request included, against a server that counts the
//! TCP connections it accepts.

#[macro_use]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use common::{CLIENT_ID, CLIENT_SECRET};
use genesys_presence::{system, user, PresenceDefinition, RetryPolicy, Session, UserPresence};

/// Counts of what the server saw.
#[derive(Default)]
struct Seen {
    connections: AtomicUsize,
    requests: AtomicUsize,
    token_requests: AtomicUsize,
}

/// A keep-alive HTTP/1.1 server on 127.0.0.1 answering the token request
/// and every API call with fixed JSON. Returns its base URL.
fn counting_server() -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let counts = Arc::clone(&seen);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counts.connections.fetch_add(1, Ordering::SeqCst);
            let counts = Arc::clone(&counts);
            thread::spawn(move || serve(stream, &counts));
        }
    });
    (url, seen)
}

fn serve(stream: TcpStream, seen: &Seen) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return; // the client closed the connection
        }
        let mut content_length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0; content_length];
        reader.read_exact(&mut body).unwrap();
        seen.requests.fetch_add(1, Ordering::SeqCst);
        let json = if request_line.starts_with("POST /oauth/token ") {
            seen.token_requests.fetch_add(1, Ordering::SeqCst);
            fixture!("token.json")
        } else if request_line.contains("/api/v2/systempresences") {
            fixture!("system_presences.json")
        } else {
            fixture!("user_presence.json")
        };
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{json}",
            json.len()
        );
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

#[test]
fn sequential_calls_and_the_token_request_share_one_connection() {
    let (url, seen) = counting_server();
    let session = Session::builder()
        .base_url(&url)
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let busy = UserPresence {
        presence_definition: Some(PresenceDefinition::with_id(
            "31fe3bac-dea6-44b7-bed7-47f91660a1a0",
        )),
        ..Default::default()
    };

    for _ in 0..10 {
        user::get_purecloud_presence(&session, "u1").unwrap();
        user::update_purecloud_presence(&session, "u1", &busy).unwrap();
        system::list(&session).unwrap();
    }

    assert_eq!(seen.token_requests.load(Ordering::SeqCst), 1);
    assert_eq!(seen.requests.load(Ordering::SeqCst), 31);
    assert_eq!(seen.connections.load(Ordering::SeqCst), 1);
}

#[test]
fn clones_of_a_session_share_its_connection() {
    let (url, seen) = counting_server();
    let session = Session::builder()
        .base_url(&url)
        .access_token("t")
        .build()
        .unwrap();
    let clone = session.clone();

    for _ in 0..5 {
        user::get_purecloud_presence(&session, "u1").unwrap();
        user::get_purecloud_presence(&clone, "u1").unwrap();
    }

    assert_eq!(seen.requests.load(Ordering::SeqCst), 10);
    assert_eq!(seen.connections.load(Ordering::SeqCst), 1);
}
