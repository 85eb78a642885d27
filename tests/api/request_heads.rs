//! The exact request heads the crate sends, read by a scripted server on
//! 127.0.0.1: a request without a body is framed so that every gateway
//! takes it (`content-length: 0` for POST, PUT and PATCH, which HTTP expects
//! to carry one; no framing header, or `content-length: 0`, for DELETE and
//! HEAD; never `transfer-encoding: chunked`), and a request with a body
//! says its exact length.

use genesys_presence::{
    definitions, presence_definitions, sources, user, OrganizationPresence, PresenceDefinition, RetryPolicy,
    Session, UserPresence,
};

use crate::script_server::{json, Request, Script, Server, Step};

/// A server that records every request and answers `200 {}` (`200` with no
/// body to HEAD), one request per connection.
fn start() -> Server {
    Script::default()
        .fallback(|request| {
            let ok = if request.method == "HEAD" {
                Step::empty(200)
            } else {
                json(200, "{}")
            };
            ok.closing()
        })
        .start()
}

fn session(url: &str) -> Session {
    Session::builder()
        .base_url(url)
        .access_token(crate::mock::TOKEN)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// Runs `call` against a fresh server and returns the one request it sent.
fn sent(call: impl FnOnce(&Session)) -> Request {
    let server = start();
    call(&session(&server.url()));
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    seen.into_iter().next().unwrap()
}

#[track_caller]
fn assert_never_chunked(request: &Request) {
    assert!(!request.has("transfer-encoding"), "{request:?}");
    assert!(!request.chunked, "{request:?}");
}

/// A POST without a body (`POST /api/v2/notifications/channels`) says
/// `content-length: 0`.
///
/// Needs a change in `src/transport/mod.rs` (`Transport::send`): for a
/// request without a body, ureq 3 frames POST, PUT and PATCH as chunked
/// when given `()`; given an empty byte slice it writes `content-length: 0`.
#[cfg(feature = "notifications")]
#[test]
fn a_post_without_a_body_says_content_length_0() {
    let request = sent(|s| {
        genesys_presence::notifications::create_channel(s).unwrap();
    });
    assert_eq!(request.line, "POST /api/v2/notifications/channels HTTP/1.1");
    assert_never_chunked(&request);
    assert_eq!(request.header("content-length"), Some("0"), "{request:?}");
    assert!(!request.has("content-type"), "{request:?}");
    assert_eq!(request.body, b"");
}

#[test]
fn deletes_and_heads_without_a_body_are_never_chunked() {
    type Call = fn(&Session);
    #[cfg_attr(not(feature = "notifications"), allow(unused_mut))]
    let mut cases: Vec<(&str, Call)> = vec![
        ("DELETE /api/v2/presencedefinitions/d1 HTTP/1.1", |s| {
            definitions::delete(s, "d1").unwrap()
        }),
        ("DELETE /api/v2/presence/definitions/d1 HTTP/1.1", |s| {
            presence_definitions::delete(s, "d1").unwrap()
        }),
        ("DELETE /api/v2/presence/sources/s1 HTTP/1.1", |s| {
            sources::delete(s, "s1").unwrap()
        }),
    ];
    #[cfg(feature = "notifications")]
    {
        use genesys_presence::notifications;
        cases.push((
            "DELETE /api/v2/notifications/channels/c1/subscriptions HTTP/1.1",
            |s| notifications::delete_subscriptions(s, "c1").unwrap(),
        ));
        cases.push(("HEAD /api/v2/notifications/channels/c1 HTTP/1.1", |s| {
            assert!(notifications::channel_exists(s, "c1").unwrap())
        }));
    }
    for (line, call) in cases {
        let request = sent(call);
        assert_eq!(request.line, line);
        assert_never_chunked(&request);
        assert!(
            matches!(request.header("content-length"), None | Some("0")),
            "{request:?}"
        );
        assert!(!request.has("content-type"), "{request:?}");
        assert_eq!(request.body, b"", "{line}");
    }
}

#[test]
fn requests_with_a_body_say_its_exact_length() {
    let lunch = UserPresence {
        presence_definition: Some(PresenceDefinition::with_id("c3a8e2f0")),
        message: Some("Lunch, back 13:30 — é".into()),
        ..Default::default()
    };
    let focus = OrganizationPresence {
        language_labels: Some([("en_US".to_owned(), "Focus".to_owned())].into()),
        ..Default::default()
    };
    type Call = Box<dyn Fn(&Session)>;
    let cases: [(&str, Call); 3] = [
        (
            "PATCH /api/v2/users/u1/presences/purecloud HTTP/1.1",
            Box::new(move |s| {
                user::update_purecloud_presence(s, "u1", &lunch).unwrap();
            }),
        ),
        (
            "POST /api/v2/presencedefinitions HTTP/1.1",
            Box::new({
                let focus = focus.clone();
                move |s| {
                    definitions::create(s, &focus).unwrap();
                }
            }),
        ),
        (
            "PUT /api/v2/presencedefinitions/d1 HTTP/1.1",
            Box::new(move |s| {
                definitions::update(s, "d1", &focus).unwrap();
            }),
        ),
    ];
    for (line, call) in cases {
        let request = sent(call);
        assert_eq!(request.line, line);
        assert_never_chunked(&request);
        let length = request
            .header("content-length")
            .map(|v| v.parse::<usize>().unwrap());
        assert_eq!(length, Some(request.body.len()), "{request:?}");
        assert!(length.unwrap() > 2, "{request:?}");
        assert_eq!(request.header("content-type"), Some("application/json"));
        serde_json::from_slice::<serde_json::Value>(&request.body).expect("a JSON body");
    }
}

/// The server that reads these heads tells a chunked body from a
/// `content-length` one (on one connection, one after the other), so that
/// `assert_never_chunked` would catch chunked framing.
#[test]
fn the_recording_server_reads_chunked_bodies_and_says_so() {
    use std::io::{Read, Write};

    let server = Script::default().fallback(|_| json(200, "{}")).start();
    let mut client = std::net::TcpStream::connect(server.url().trim_start_matches("http://")).unwrap();
    client
        .write_all(
            b"POST /a?x=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\
              3;ext=1\r\n{\"a\r\n5\r\n\":12}\r\n0\r\nTrailer: t\r\n\r\n\
              PUT /b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}",
        )
        .unwrap();
    // The server closes once it has read to the end and answered both.
    client.shutdown(std::net::Shutdown::Write).unwrap();
    client
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut answers = String::new();
    client.read_to_string(&mut answers).unwrap();
    assert_eq!(answers.matches("HTTP/1.1 200 OK").count(), 2, "{answers}");

    let requests = server.requests();
    let framing: Vec<_> = requests
        .iter()
        .map(|r| (r.line.as_str(), r.query.as_str(), r.chunked, r.body.as_slice()))
        .collect();
    assert_eq!(
        framing,
        [
            ("POST /a?x=1 HTTP/1.1", "x=1", true, &b"{\"a\":12}"[..]),
            ("PUT /b HTTP/1.1", "", false, &b"{}"[..]),
        ]
    );
    assert_eq!(requests[0].header("transfer-encoding"), Some("chunked"));
    assert_eq!(requests[1].json(), serde_json::json!({}));
}
