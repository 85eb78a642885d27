//! `system::list`: `GET /api/v2/systempresences`.

use crate::mock::{api, assert_all, nothing_else, session_for, MockExt};
use genesys_presence::{system, ErrorKind, SystemPresenceName};

#[test]
fn list_sends_the_exact_request_and_decodes_every_presence() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", "/api/v2/systempresences")
        .no_query()
        .no_body()
        .reply_json(200, fixture!("system_presences.json"))
        .create();
    let guards = nothing_else(&mut server);

    let list = system::list(&session_for(&server)).unwrap();

    m.assert();
    assert_all(&guards);
    let ids: Vec<_> = list.iter().map(|p| p.id.as_deref().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "Available",
            "Away",
            "Busy",
            "Offline",
            "Idle",
            "OnQueue",
            "Meal",
            "Training",
            "Meeting",
            "Break"
        ]
    );
    let on_queue = &list[5];
    assert_eq!(on_queue.name.as_deref(), Some("On Queue"));
    assert_eq!(
        on_queue.self_uri.as_deref(),
        Some("/api/v2/systempresences/OnQueue")
    );
    assert_eq!(on_queue.system_presence_name(), Some(SystemPresenceName::OnQueue));
    let names: Vec<_> = list.iter().map(|p| p.system_presence_name().unwrap()).collect();
    assert_eq!(names, SystemPresenceName::KNOWN);
}

#[test]
fn list_accepts_an_empty_array() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", "/api/v2/systempresences")
        .no_query()
        .no_body()
        .reply_json(200, "[]")
        .create();

    let list = system::list(&session_for(&server)).unwrap();

    m.assert();
    assert_eq!(list, []);
}

#[test]
fn list_reports_an_error_answer_with_its_route() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", "/api/v2/systempresences")
        .no_query()
        .no_body()
        .reply_json(
            403,
            r#"{"message":"You are not authorized to perform the requested action.","code":"not.authorized","status":403,"contextId":"c-403","details":[],"errors":[]}"#,
        )
        .create();

    let err = system::list(&session_for(&server)).unwrap_err();

    m.assert();
    assert_eq!(
        err.to_string(),
        "GET /api/v2/systempresences: 403 not.authorized: You are not authorized to perform the \
         requested action. (correlation id c-403)"
    );
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(403),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("not.authorized"));
    assert_eq!(err.correlation_id(), Some("c-403"));
    assert!(!err.is_not_found());
}

#[test]
fn known_lists_the_ten_system_presences_in_the_apis_order() {
    let known: &'static [SystemPresenceName] = SystemPresenceName::KNOWN;
    let spelled: Vec<&str> = known.iter().map(SystemPresenceName::as_str).collect();
    assert_eq!(
        spelled,
        [
            "Available",
            "Away",
            "Busy",
            "Offline",
            "Idle",
            "OnQueue",
            "Meal",
            "Training",
            "Meeting",
            "Break"
        ]
    );
    for name in known {
        assert_eq!(&SystemPresenceName::parse(name.as_str()), name);
        assert!(!matches!(name, SystemPresenceName::Other(_)), "{name:?}");
    }
}
