//! `user::{get_purecloud_presences_bulk, get_presences_bulk,
//! update_presences_bulk}` split into calls of at most 50 users, and the
//! session's client-side budget (`max_requests_per_second`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::mock::{
    api, assert_all, assert_invalid, nothing_else, session_for, MockExt, AWKWARD_ID, AWKWARD_ID_ENCODED,
};
use genesys_presence::{
    user, ErrorKind, PresenceDefinition, RetryPolicy, Session, SystemPresenceName, UcUserPresence,
    UserPresence,
};
use mockito::{Matcher, Mock, Server};
use serde_json::{json, Value};

const PURECLOUD_BULK: &str = "/api/v2/users/presences/purecloud/bulk";
const UPDATE_BULK: &str = "/api/v2/users/presences/bulk";
const SOURCE: &str = "b7e2a9c4-5d3f-4e1a-9b8c-6d7e8f9a0b1c";
const AVAILABLE: &str = "6a3af858-942f-489d-9700-5f9bcdcdae9b";
const FOCUS: &str = "e1c49d27-3b8a-4f60-9c15-7d2a0b6e8f31";

/// `n` distinct user ids, in order.
fn user_ids(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{i:08}-1c3d-4e5f-8a7b-6c5d4e3f2a10"))
        .collect()
}

/// The `id` query of a bulk read: the ids as one comma-joined value, the
/// comma encoded.
fn id_query(ids: &[String]) -> String {
    format!("id={}", ids.join("%2C"))
}

/// One element of a bulk read answer.
fn uc_presence(user_id: &str) -> Value {
    json!({
        "userId": user_id,
        "source": "PURECLOUD",
        "presenceDefinition": {"id": AVAILABLE, "systemPresence": "Available"},
        "message": format!("message of {user_id}"),
        "modifiedDate": "2024-05-02T14:03:11.123Z"
    })
}

/// A bulk read answer for `ids`, in reverse order (the API promises none).
fn uc_answer_reversed(ids: &[String]) -> String {
    Value::Array(ids.iter().rev().map(|id| uc_presence(id)).collect()).to_string()
}

fn uc_user_ids(presences: &[UcUserPresence]) -> Vec<&str> {
    presences.iter().map(|p| p.user_id.as_deref().unwrap()).collect()
}

/// A bulk read mock for `ids` that answers them in reverse order and
/// records `batch` in `log` when called.
fn read_batch(
    server: &mut Server,
    path: &str,
    ids: &[String],
    batch: usize,
    log: &Arc<Mutex<Vec<usize>>>,
) -> Mock {
    read_batch_and(server, path, ids, batch, log, || ())
}

/// [`read_batch`], which also calls `also` when called.
fn read_batch_and(
    server: &mut Server,
    path: &str,
    ids: &[String],
    batch: usize,
    log: &Arc<Mutex<Vec<usize>>>,
    also: impl Fn() + Send + Sync + 'static,
) -> Mock {
    let body = uc_answer_reversed(ids);
    let log = Arc::clone(log);
    api(server, "GET", path)
        .match_query(Matcher::Exact(id_query(ids)))
        .no_body()
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body_from_request(move |_| {
            log.lock().unwrap().push(batch);
            also();
            body.clone().into_bytes()
        })
        .expect(1)
        .create()
}

/// A bulk update element setting `user_id` to Focus time.
fn focus(user_id: &str) -> UserPresence {
    UserPresence {
        id: Some(user_id.into()),
        source: Some("PURECLOUD".into()),
        presence_definition: Some(PresenceDefinition::with_id(FOCUS)),
        ..Default::default()
    }
}

/// The JSON the bulk update must send for `ids`.
fn focus_body(ids: &[String]) -> Value {
    Value::Array(
        ids.iter()
            .map(|id| json!({"id": id, "source": "PURECLOUD", "presenceDefinition": {"id": FOCUS}}))
            .collect(),
    )
}

/// The API's answer to a bulk update of `ids`.
fn focus_answer(ids: &[String]) -> String {
    Value::Array(
        ids.iter()
            .map(|id| {
                json!({
                    "id": id,
                    "source": "PURECLOUD",
                    "primary": true,
                    "presenceDefinition": {"id": FOCUS, "systemPresence": "Busy"},
                    "modifiedDate": "2024-05-02T14:10:00.000Z"
                })
            })
            .collect(),
    )
    .to_string()
}

/// A bulk update mock expecting exactly the elements for `ids`, recording
/// `batch` in `log` when called.
fn update_batch(server: &mut Server, ids: &[String], batch: usize, log: &Arc<Mutex<Vec<usize>>>) -> Mock {
    let body = focus_answer(ids);
    let log = Arc::clone(log);
    api(server, "PUT", UPDATE_BULK)
        .no_query()
        .json_body(focus_body(ids))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body_from_request(move |_| {
            log.lock().unwrap().push(batch);
            body.clone().into_bytes()
        })
        .expect(1)
        .create()
}

fn answer_ids(answers: &[UserPresence]) -> Vec<&str> {
    answers.iter().map(|p| p.id.as_deref().unwrap()).collect()
}

fn strs(ids: &[String]) -> Vec<&str> {
    ids.iter().map(String::as_str).collect()
}

const BAD_REQUEST: &str = r#"{"message":"The presence definition nope does not exist.","code":"bad.request","status":400,"contextId":"bulk-400"}"#;

// ---------------------------------------------------------------- get_purecloud_presences_bulk

#[test]
fn purecloud_bulk_read_of_three_ids_sends_one_comma_joined_encoded_id() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", PURECLOUD_BULK)
        .match_query(Matcher::Exact("id=a%2Cb%2Cc".into()))
        .no_body()
        .reply_json(
            200,
            &json!([uc_presence("c"), uc_presence("a"), uc_presence("b")]).to_string(),
        )
        .create();
    let guards = nothing_else(&mut server);

    let presences = user::get_purecloud_presences_bulk(&session_for(&server), &["a", "b", "c"]).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(uc_user_ids(&presences), ["a", "b", "c"]);
    let a = &presences[0];
    assert_eq!(a.id, None);
    assert_eq!(a.name, None);
    assert_eq!(a.source.as_deref(), Some("PURECLOUD"));
    assert_eq!(a.source_id, None);
    assert_eq!(
        a.presence_definition,
        Some(PresenceDefinition {
            id: Some(AVAILABLE.into()),
            system_presence: Some("Available".into()),
            ..Default::default()
        })
    );
    assert_eq!(a.system_presence_name(), Some(SystemPresenceName::Available));
    assert_eq!(a.message.as_deref(), Some("message of a"));
    assert_eq!(a.modified_date.as_deref(), Some("2024-05-02T14:03:11.123Z"));
    assert_eq!(a.self_uri, None);
}

#[test]
fn purecloud_bulk_read_accepts_owned_strings_and_escapes_each_id() {
    let mut server = mockito::Server::new();
    let ids = vec![AWKWARD_ID.to_string(), "x&id=y".to_string()];
    let m = api(&mut server, "GET", PURECLOUD_BULK)
        .match_query(Matcher::Exact(format!("id={AWKWARD_ID_ENCODED}%2Cx%26id%3Dy")))
        .no_body()
        .reply_json(200, "[]")
        .create();
    let guards = nothing_else(&mut server);

    let presences = user::get_purecloud_presences_bulk(&session_for(&server), &ids).unwrap();

    m.assert();
    assert_all(&guards);
    assert!(presences.is_empty());
}

#[test]
fn purecloud_bulk_read_of_120_ids_makes_calls_of_50_50_and_20_in_order() {
    let ids = user_ids(120);
    let mut server = mockito::Server::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let batches = [&ids[..50], &ids[50..100], &ids[100..]]
        .iter()
        .enumerate()
        .map(|(n, batch)| read_batch(&mut server, PURECLOUD_BULK, batch, n, &log))
        .collect::<Vec<_>>();
    let guards = nothing_else(&mut server);

    let presences = user::get_purecloud_presences_bulk(&session_for(&server), &ids).unwrap();

    assert_all(&batches);
    assert_all(&guards);
    assert_eq!(*log.lock().unwrap(), [0, 1, 2]);
    // Every batch came back reversed; the result is in input order.
    assert_eq!(uc_user_ids(&presences), strs(&ids));
    for p in &presences {
        let id = p.user_id.as_deref().unwrap();
        assert_eq!(p.message.as_deref(), Some(format!("message of {id}").as_str()));
    }
}

#[test]
fn purecloud_bulk_read_of_exactly_50_ids_makes_one_call_and_51_make_two() {
    for n in [50, 51] {
        let ids = user_ids(n);
        let mut server = mockito::Server::new();
        let log = Arc::new(Mutex::new(Vec::new()));
        let batches = ids
            .chunks(50)
            .enumerate()
            .map(|(i, batch)| read_batch(&mut server, PURECLOUD_BULK, batch, i, &log))
            .collect::<Vec<_>>();
        assert_eq!(batches.len(), if n == 50 { 1 } else { 2 });
        let guards = nothing_else(&mut server);

        let presences = user::get_purecloud_presences_bulk(&session_for(&server), &ids).unwrap();

        assert_all(&batches);
        assert_all(&guards);
        assert_eq!(log.lock().unwrap().len(), batches.len(), "{n} ids");
        assert_eq!(uc_user_ids(&presences), strs(&ids));
    }
}

#[test]
fn purecloud_bulk_read_asks_for_repeated_ids_once() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", PURECLOUD_BULK)
        .match_query(Matcher::Exact("id=a%2Cb%2Cc".into()))
        .no_body()
        .reply_json(
            200,
            &json!([uc_presence("b"), uc_presence("c"), uc_presence("a")]).to_string(),
        )
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let presences =
        user::get_purecloud_presences_bulk(&session_for(&server), &["a", "b", "a", "c", "b", "c"]).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(uc_user_ids(&presences), ["a", "b", "c"]);
}

#[test]
fn purecloud_bulk_read_repeats_do_not_count_towards_the_batch_limit() {
    // 50 distinct ids, each given twice: one call.
    let ids = user_ids(50);
    let doubled: Vec<&str> = ids.iter().chain(ids.iter()).map(String::as_str).collect();
    let mut server = mockito::Server::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let m = read_batch(&mut server, PURECLOUD_BULK, &ids, 0, &log);
    let guards = nothing_else(&mut server);

    let presences = user::get_purecloud_presences_bulk(&session_for(&server), &doubled).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(uc_user_ids(&presences), strs(&ids));
}

#[test]
fn purecloud_bulk_read_leaves_out_users_the_api_does_not_return() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", PURECLOUD_BULK)
        .match_query(Matcher::Exact("id=a%2Cb%2Cc".into()))
        .no_body()
        .reply_json(200, &json!([uc_presence("c"), uc_presence("a")]).to_string())
        .create();

    let presences = user::get_purecloud_presences_bulk(&session_for(&server), &["a", "b", "c"]).unwrap();

    m.assert();
    assert_eq!(uc_user_ids(&presences), ["a", "c"]);
}

#[test]
fn purecloud_bulk_read_rejects_no_ids_and_blank_ids_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let s = session_for(&server);

    let none: [&str; 0] = [];
    let err = user::get_purecloud_presences_bulk(&s, &none).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid user_ids: at least one user id is needed"
    );
    assert_invalid(err, "user_ids");
    let err = user::get_purecloud_presences_bulk(&s, &["a", "", "c"]).unwrap_err();
    assert_eq!(err.to_string(), "invalid user_ids: element 1 is empty");
    assert_invalid(err, "user_ids");
    // A blank id in a later batch stops the first one from being sent too.
    let mut many = user_ids(120);
    many[110] = " \t".into();
    let err = user::get_purecloud_presences_bulk(&s, &many).unwrap_err();
    assert_eq!(err.to_string(), "invalid user_ids: element 110 is empty");

    assert_all(&guards);
}

#[test]
fn purecloud_bulk_read_returns_the_error_of_a_failing_second_batch() {
    let ids = user_ids(120);
    let mut server = mockito::Server::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let first = read_batch(&mut server, PURECLOUD_BULK, &ids[..50], 0, &log);
    let second = api(&mut server, "GET", PURECLOUD_BULK)
        .match_query(Matcher::Exact(id_query(&ids[50..100])))
        .no_body()
        .reply_json(
            500,
            r#"{"message":"The server encountered an internal error.","code":"internal.server.error","status":500,"contextId":"ctx-500"}"#,
        )
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let err = user::get_purecloud_presences_bulk(&session_for(&server), &ids).unwrap_err();

    first.assert();
    second.assert();
    // The third batch is not asked for.
    assert_all(&guards);
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(500),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("internal.server.error"));
    assert_eq!(err.correlation_id(), Some("ctx-500"));
    assert_eq!(
        err.to_string(),
        "GET /api/v2/users/presences/purecloud/bulk: 500 internal.server.error: The server encountered an \
         internal error. (correlation id ctx-500)"
    );
}

// ---------------------------------------------------------------- get_presences_bulk

#[test]
fn source_bulk_read_of_three_ids_sends_one_comma_joined_encoded_id() {
    let mut server = mockito::Server::new();
    let m = api(
        &mut server,
        "GET",
        &format!("/api/v2/users/presences/{SOURCE}/bulk"),
    )
    .match_query(Matcher::Exact("id=a%2Cb%2Cc".into()))
    .no_body()
    .reply_json(
        200,
        &json!([
            {"userId": "b", "sourceId": SOURCE, "presenceDefinition": {"id": FOCUS, "systemPresence": "Busy"}},
            {"userId": "c", "sourceId": SOURCE},
            {"userId": "a", "sourceId": SOURCE, "message": "In a meeting"}
        ])
        .to_string(),
    )
    .create();
    let guards = nothing_else(&mut server);

    let presences = user::get_presences_bulk(&session_for(&server), SOURCE, &["a", "b", "c"]).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(uc_user_ids(&presences), ["a", "b", "c"]);
    assert!(presences.iter().all(|p| p.source_id.as_deref() == Some(SOURCE)));
    assert_eq!(presences[0].message.as_deref(), Some("In a meeting"));
    assert_eq!(
        presences[1].system_presence_name(),
        Some(SystemPresenceName::Busy)
    );
    assert_eq!(presences[2].presence_definition, None);
}

#[test]
fn source_bulk_read_escapes_the_source_id() {
    let mut server = mockito::Server::new();
    let m = api(
        &mut server,
        "GET",
        &format!("/api/v2/users/presences/{AWKWARD_ID_ENCODED}/bulk"),
    )
    .match_query(Matcher::Exact("id=a".into()))
    .no_body()
    .reply_json(200, "[]")
    .create();
    let guards = nothing_else(&mut server);

    user::get_presences_bulk(&session_for(&server), AWKWARD_ID, &["a"]).unwrap();

    m.assert();
    assert_all(&guards);
}

#[test]
fn source_bulk_read_of_120_ids_makes_calls_of_50_50_and_20_in_order() {
    let ids = user_ids(120);
    let path = format!("/api/v2/users/presences/{SOURCE}/bulk");
    let mut server = mockito::Server::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let batches = [&ids[..50], &ids[50..100], &ids[100..]]
        .iter()
        .enumerate()
        .map(|(n, batch)| read_batch(&mut server, &path, batch, n, &log))
        .collect::<Vec<_>>();
    let guards = nothing_else(&mut server);

    let presences = user::get_presences_bulk(&session_for(&server), SOURCE, &ids).unwrap();

    assert_all(&batches);
    assert_all(&guards);
    assert_eq!(*log.lock().unwrap(), [0, 1, 2]);
    assert_eq!(uc_user_ids(&presences), strs(&ids));
}

#[test]
fn source_bulk_read_rejects_a_blank_source_and_bad_ids_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let s = session_for(&server);

    for blank in ["", "  "] {
        let err = user::get_presences_bulk(&s, blank, &["a"]).unwrap_err();
        assert_eq!(err.to_string(), "invalid source_id: must not be empty");
        assert_invalid(err, "source_id");
    }
    let none: [&str; 0] = [];
    assert_invalid(
        user::get_presences_bulk(&s, SOURCE, &none).unwrap_err(),
        "user_ids",
    );
    assert_invalid(
        user::get_presences_bulk(&s, SOURCE, &["a", "\n"]).unwrap_err(),
        "user_ids",
    );

    assert_all(&guards);
}

#[test]
fn source_bulk_read_returns_the_error_of_a_failing_second_batch() {
    let ids = user_ids(60);
    let path = format!("/api/v2/users/presences/{SOURCE}/bulk");
    let mut server = mockito::Server::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let first = read_batch(&mut server, &path, &ids[..50], 0, &log);
    let second = api(&mut server, "GET", &path)
        .match_query(Matcher::Exact(id_query(&ids[50..])))
        .no_body()
        .reply_json(404, fixture!("error_not_found.json"))
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let err = user::get_presences_bulk(&session_for(&server), SOURCE, &ids).unwrap_err();

    first.assert();
    second.assert();
    assert_all(&guards);
    assert!(err.is_not_found(), "{err:?}");
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(404),
        "{err:?}"
    );
}

// ---------------------------------------------------------------- update_presences_bulk

#[test]
fn bulk_update_of_50_users_puts_the_exact_array_once() {
    let ids = user_ids(50);
    let mut server = mockito::Server::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let m = update_batch(&mut server, &ids, 0, &log);
    let guards = nothing_else(&mut server);

    let body: Vec<_> = ids.iter().map(|id| focus(id)).collect();
    let answers = user::update_presences_bulk(&session_for(&server), &body).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(answer_ids(&answers), strs(&ids));
    let first = &answers[0];
    assert_eq!(first.source.as_deref(), Some("PURECLOUD"));
    assert_eq!(first.primary, Some(true));
    assert_eq!(first.system_presence_name(), Some(SystemPresenceName::Busy));
    assert_eq!(first.modified_date.as_deref(), Some("2024-05-02T14:10:00.000Z"));
}

#[test]
fn bulk_update_sends_message_source_id_and_primary_when_set() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", UPDATE_BULK)
        .no_query()
        .json_body(json!([
            {"id": "a", "sourceId": SOURCE, "primary": true, "presenceDefinition": {"id": FOCUS}, "message": "Workshop"}
        ]))
        .reply_json(200, &focus_answer(&["a".to_string()]))
        .create();
    let guards = nothing_else(&mut server);

    let body = [UserPresence {
        id: Some("a".into()),
        source_id: Some(SOURCE.into()),
        primary: Some(true),
        presence_definition: Some(PresenceDefinition::with_id(FOCUS)),
        message: Some("Workshop".into()),
        ..Default::default()
    }];
    let answers = user::update_presences_bulk(&session_for(&server), &body).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(answer_ids(&answers), ["a"]);
}

#[test]
fn bulk_update_of_120_users_puts_three_exact_slices_in_order() {
    let ids = user_ids(120);
    let mut server = mockito::Server::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let batches = [&ids[..50], &ids[50..100], &ids[100..]]
        .iter()
        .enumerate()
        .map(|(n, batch)| update_batch(&mut server, batch, n, &log))
        .collect::<Vec<_>>();
    let guards = nothing_else(&mut server);

    let body: Vec<_> = ids.iter().map(|id| focus(id)).collect();
    let answers = user::update_presences_bulk(&session_for(&server), &body).unwrap();

    assert_all(&batches);
    assert_all(&guards);
    assert_eq!(*log.lock().unwrap(), [0, 1, 2]);
    assert_eq!(answer_ids(&answers), strs(&ids));
}

#[test]
fn bulk_update_failing_second_batch_is_bulk_incomplete() {
    let ids = user_ids(120);
    let mut server = mockito::Server::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let first = update_batch(&mut server, &ids[..50], 0, &log);
    let second = api(&mut server, "PUT", UPDATE_BULK)
        .no_query()
        .json_body(focus_body(&ids[50..100]))
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_header("inin-correlation-id", "bulk-400")
        .with_body(BAD_REQUEST)
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let body: Vec<_> = ids.iter().map(|id| focus(id)).collect();
    let err = user::update_presences_bulk(&session_for(&server), &body).unwrap_err();

    first.assert();
    second.assert();
    // The third batch is not sent.
    assert_all(&guards);
    // The accessors see through to the failing call's error.
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("bad.request"));
    assert_eq!(err.correlation_id(), Some("bulk-400"));
    assert!(!err.is_not_found());
    assert_eq!(
        err.to_string(),
        "bulk update stopped after 50 of 120 users: PUT /api/v2/users/presences/bulk: 400 bad.request: \
         The presence definition nope does not exist. (correlation id bulk-400)"
    );
    assert_eq!(err.kind(), ErrorKind::BulkIncomplete, "{err:?}");
    let bulk = err.bulk().unwrap();
    assert_eq!(bulk.applied_user_ids(), &ids[..50]);
    assert_eq!(bulk.not_applied_user_ids(), &ids[50..]);
    let expected: Vec<UserPresence> = serde_json::from_str(&focus_answer(&ids[..50])).unwrap();
    assert_eq!(bulk.applied(), expected);
    let failure = bulk.failure();
    assert_eq!(failure.kind(), ErrorKind::Api, "{failure:?}");
    assert_eq!(failure.status(), Some(400));
    assert!(failure.bulk().is_none());
    // The failing call's message is in the bulk error's, once, and is not
    // also a source (a reporter printing the chain prints it once).
    assert_eq!(
        err.to_string(),
        format!("bulk update stopped after 50 of 120 users: {failure}")
    );
    assert!(std::error::Error::source(&err).is_none());
}

#[test]
fn bulk_update_failing_third_batch_reports_the_first_hundred_applied() {
    let ids = user_ids(120);
    let mut server = mockito::Server::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let first = update_batch(&mut server, &ids[..50], 0, &log);
    let second = update_batch(&mut server, &ids[50..100], 1, &log);
    let third = api(&mut server, "PUT", UPDATE_BULK)
        .no_query()
        .json_body(focus_body(&ids[100..]))
        .reply_json(
            413,
            r#"{"message":"The request is over the size limit.","status":413}"#,
        )
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let body: Vec<_> = ids.iter().map(|id| focus(id)).collect();
    let err = user::update_presences_bulk(&session_for(&server), &body).unwrap_err();

    first.assert();
    second.assert();
    third.assert();
    assert_all(&guards);
    assert_eq!(*log.lock().unwrap(), [0, 1]);
    assert_eq!(err.status(), Some(413));
    assert!(
        err.to_string()
            .starts_with("bulk update stopped after 100 of 120 users: PUT /api/v2/users/presences/bulk: 413"),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::BulkIncomplete, "{err:?}");
    let bulk = err.bulk().unwrap();
    assert_eq!(bulk.applied_user_ids(), &ids[..100]);
    assert_eq!(bulk.not_applied_user_ids(), &ids[100..]);
    assert_eq!(answer_ids(bulk.applied()), strs(&ids[..100]));
}

#[test]
fn bulk_update_failing_first_batch_is_the_plain_error() {
    let ids = user_ids(120);
    let mut server = mockito::Server::new();
    let first = api(&mut server, "PUT", UPDATE_BULK)
        .no_query()
        .json_body(focus_body(&ids[..50]))
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_header("inin-correlation-id", "bulk-400")
        .with_body(BAD_REQUEST)
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let body: Vec<_> = ids.iter().map(|id| focus(id)).collect();
    let err = user::update_presences_bulk(&session_for(&server), &body).unwrap_err();

    first.assert();
    assert_all(&guards);
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(400),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "PUT /api/v2/users/presences/bulk: 400 bad.request: The presence definition nope does not exist. \
         (correlation id bulk-400)"
    );
}

#[test]
fn bulk_update_rejects_an_element_without_id_in_a_later_batch_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);

    let mut body: Vec<_> = user_ids(120).iter().map(|id| focus(id)).collect();
    body[75].id = None;
    let err = user::update_presences_bulk(&session_for(&server), &body).unwrap_err();

    assert_all(&guards);
    assert_eq!(
        err.to_string(),
        "invalid presences: element 75 has no id (the id of the user to update)"
    );
    assert_invalid(err, "presences");
}

// ---------------------------------------------------------------- pacing

fn paced_session(server: &Server, per_second: f64) -> Session {
    Session::builder()
        .base_url(server.url())
        .access_token(crate::mock::TOKEN)
        .retry_policy(RetryPolicy::none())
        .max_requests_per_second(per_second)
        .build()
        .expect("a valid paced session")
}

#[test]
fn a_paced_session_sends_its_budget_at_once_and_spreads_only_the_rest() {
    // 300 ids: six calls. 2.0 a second is a budget of 2 requests in any
    // span of 1 s: two at once, two when those are 1 s old, two at 2 s
    // (where spacing them 0.5 s apart would send the second at 0.5 s).
    let ids = user_ids(300);
    let mut server = mockito::Server::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let times = Arc::new(Mutex::new(Vec::new()));
    let batches = ids
        .chunks(50)
        .enumerate()
        .map(|(n, batch)| {
            let times = Arc::clone(&times);
            read_batch_and(&mut server, PURECLOUD_BULK, batch, n, &log, move || {
                times.lock().unwrap().push(Instant::now())
            })
        })
        .collect::<Vec<_>>();
    let guards = nothing_else(&mut server);
    let session = paced_session(&server, 2.0);

    let started = Instant::now();
    let presences = user::get_purecloud_presences_bulk(&session, &ids).unwrap();

    assert_all(&batches);
    assert_all(&guards);
    assert_eq!(*log.lock().unwrap(), [0, 1, 2, 3, 4, 5]);
    assert_eq!(presences.len(), 300);
    let after: Vec<Duration> = times.lock().unwrap().iter().map(|t| *t - started).collect();
    assert!(after[1] < Duration::from_millis(500), "a burst of two: {after:?}");
    assert!(after[2] >= Duration::from_secs(1), "{after:?}");
    assert!(after[4] >= Duration::from_secs(2), "{after:?}");
}

#[test]
fn a_paced_session_spreads_separate_calls_over_its_budget() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", PURECLOUD_BULK)
        .match_query(Matcher::Exact("id=a".into()))
        .no_body()
        .reply_json(200, &json!([uc_presence("a")]).to_string())
        .expect(4)
        .create();
    let guards = nothing_else(&mut server);
    let session = paced_session(&server, 2.0);

    let started = Instant::now();
    let mut after = Vec::new();
    for _ in 0..4 {
        user::get_purecloud_presences_bulk(&session, &["a"]).unwrap();
        after.push(started.elapsed());
    }

    m.assert();
    assert_all(&guards);
    assert!(after[1] < Duration::from_millis(500), "a burst of two: {after:?}");
    assert!(after[2] >= Duration::from_secs(1), "{after:?}");
}

#[test]
fn max_requests_per_second_must_be_a_positive_finite_number() {
    for rate in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let err = Session::builder()
            .base_url("http://127.0.0.1:9")
            .access_token(crate::mock::TOKEN)
            .max_requests_per_second(rate)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{rate}: {err:?}");
        assert!(
            err.to_string()
                .starts_with("session configuration: max_requests_per_second"),
            "{err}"
        );
    }
}
