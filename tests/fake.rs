//! The stand-in org (`genesys_presence::fake`), driven through the crate's
//! public operations, plus raw HTTP for what the operations cannot send.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use genesys_presence::definitions::{self, DefinitionQuery, DeletedFilter};
use genesys_presence::fake::FakeOrg;
use genesys_presence::{
    system, user, Error, OrganizationPresence, PresenceDefinition, Session, UserPresence,
};
use serde_json::{json, Value};

fn start() -> FakeOrg {
    FakeOrg::start().unwrap()
}

fn token_session(org: &FakeOrg, token: &str) -> Session {
    Session::builder()
        .base_url(org.base_url())
        .access_token(token)
        .build()
        .unwrap()
}

fn set_to(definition_id: &str, message: Option<&str>) -> UserPresence {
    UserPresence {
        presence_definition: Some(PresenceDefinition::with_id(definition_id)),
        message: message.map(str::to_owned),
        ..Default::default()
    }
}

fn labels(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn is_uuid(text: &str) -> bool {
    let lengths: Vec<usize> = text.split('-').map(str::len).collect();
    lengths == [8, 4, 4, 4, 12] && text.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

/// Asserts an `Error::Api` with this status and code whose correlation id is
/// UUID-shaped and equals the body's `contextId`; returns the message.
fn assert_api_error(error: &Error, status: u16, code: &str) -> String {
    assert!(matches!(error, Error::Api { .. }), "{error:?}");
    assert_eq!(error.status(), Some(status), "{error}");
    assert_eq!(error.code(), Some(code), "{error}");
    let body = error.body().unwrap();
    assert_eq!(body.status, Some(i64::from(status)));
    let correlation_id = error.correlation_id().unwrap();
    assert!(is_uuid(correlation_id), "{correlation_id}");
    assert_eq!(body.context_id.as_deref(), Some(correlation_id));
    body.message.clone().unwrap()
}

/// A raw answer: status, headers (lower-case names) and body.
struct Raw {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

fn raw(org: &FakeOrg, method: &str, path: &str, authorization: Option<&str>, body: Option<Vec<u8>>) -> Raw {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", org.base_url()));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    let mut response = match body {
        Some(bytes) => agent.run(request.body(bytes).unwrap()),
        None => agent.run(request.body(()).unwrap()),
    }
    .unwrap();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_vec().unwrap();
    Raw {
        status,
        headers,
        body,
    }
}

fn bearer(org: &FakeOrg) -> String {
    format!("Bearer {}", org.access_token())
}

fn assert_error_body(answer: &Raw, status: u16, code: &str) {
    assert_eq!(answer.status, status);
    assert_eq!(answer.headers["content-type"], "application/json");
    let correlation_id = &answer.headers["inin-correlation-id"];
    assert!(is_uuid(correlation_id));
    let body = answer.json();
    assert_eq!(body["code"], code);
    assert_eq!(body["status"], status);
    assert_eq!(body["contextId"], correlation_id.as_str());
    assert_eq!(body["details"], json!([]));
    assert_eq!(body["errors"], json!([]));
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn one_token_serves_many_calls() {
    let org = start();
    let session = org.session().unwrap();
    let users = org.user_ids();
    assert_eq!(users.len(), 3);
    assert!(users.iter().all(|id| is_uuid(id)), "{users:?}");
    assert_eq!(org.user_ids(), users, "stable order");

    assert_eq!(system::list(&session).unwrap().len(), 10);
    assert_eq!(
        definitions::list(&session, &DefinitionQuery::default())
            .unwrap()
            .total,
        Some(11)
    );
    let presence = user::get_purecloud_presence(&session, &users[1]).unwrap();
    assert_eq!(
        presence.presence_definition.unwrap().system_presence.as_deref(),
        Some("Busy")
    );

    assert_eq!(org.token_requests(), 1);
    assert_eq!(org.requests(), 4);
}

#[test]
fn system_presences_are_the_ten() {
    let org = start();
    let list = system::list(&org.session().unwrap()).unwrap();
    let ids: Vec<&str> = list.iter().map(|p| p.id.as_deref().unwrap()).collect();
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
    assert_eq!(list[5].name.as_deref(), Some("On Queue"));
    assert_eq!(
        list[5].self_uri.as_deref(),
        Some("/api/v2/systempresences/OnQueue")
    );
}

#[test]
fn patch_then_get_sees_presence_and_message() {
    let org = start();
    let session = org.session().unwrap();
    let user_id = &org.user_ids()[0];
    let before = user::get_purecloud_presence(&session, user_id).unwrap();
    assert_eq!(before.source.as_deref(), Some("PURECLOUD"));
    assert_eq!(before.primary, Some(true));
    assert_eq!(before.message, None);
    let available = org.definition_id("Available").unwrap();
    assert_eq!(
        before.presence_definition.as_ref().unwrap().id.as_deref(),
        Some(available.as_str())
    );

    let meeting = org.definition_id("meeting").unwrap();
    let after =
        user::update_purecloud_presence(&session, user_id, &set_to(&meeting, Some("Design review"))).unwrap();
    let definition = after.presence_definition.as_ref().unwrap();
    assert_eq!(definition.id.as_deref(), Some(meeting.as_str()));
    assert_eq!(definition.system_presence.as_deref(), Some("Meeting"));
    assert_eq!(
        definition.self_uri,
        Some(format!("/api/v2/presencedefinitions/{meeting}"))
    );
    assert_eq!(after.message.as_deref(), Some("Design review"));
    assert_eq!(
        after.self_uri,
        Some(format!("/api/v2/users/{user_id}/presences/PURECLOUD"))
    );

    let read = user::get_purecloud_presence(&session, user_id).unwrap();
    assert_eq!(read, after);

    // Only the fields sent change.
    let message_only = UserPresence {
        message: Some("Back at 3".into()),
        ..Default::default()
    };
    let after = user::update_purecloud_presence(&session, user_id, &message_only).unwrap();
    assert_eq!(
        after.presence_definition.unwrap().id.as_deref(),
        Some(meeting.as_str())
    );
    assert_eq!(after.message.as_deref(), Some("Back at 3"));
}

#[test]
fn other_sources_are_created_by_patch_and_can_become_primary() {
    let org = start();
    let session = org.session().unwrap();
    let user_id = &org.user_ids()[0];
    let err = user::get_presence(&session, user_id, "calendar").unwrap_err();
    assert_api_error(&err, 404, "not.found");

    let busy = org.definition_id("Busy").unwrap();
    let created = user::update_presence(&session, user_id, "calendar", &set_to(&busy, None)).unwrap();
    assert_eq!(created.source.as_deref(), Some("calendar"));
    assert_eq!(created.source_id.as_deref(), Some("calendar"));
    assert_eq!(created.primary, Some(false));
    assert_eq!(
        user::get_presence(&session, user_id, "calendar").unwrap(),
        created
    );

    let primary = UserPresence {
        primary: Some(true),
        ..Default::default()
    };
    let now = user::update_presence(&session, user_id, "calendar", &primary).unwrap();
    assert_eq!(now.primary, Some(true));
    let purecloud = user::get_presence(&session, user_id, "PURECLOUD").unwrap();
    assert_eq!(purecloud.primary, Some(false));

    let teams = user::get_microsoft_teams_presence(&session, user_id).unwrap();
    assert_eq!(teams.id.as_deref(), Some(user_id.as_str()));
    let sources: Vec<(&str, bool)> = teams
        .presences
        .iter()
        .map(|p| (p.source.as_deref().unwrap(), p.primary.unwrap()))
        .collect();
    assert_eq!(sources, [("PURECLOUD", false), ("calendar", true)]);
    assert!(teams.out_of_offices.is_empty());
}

#[test]
fn definition_lifecycle_keeps_unknown_fields() {
    let org = start();
    let session = org.session().unwrap();
    let mut draft = OrganizationPresence {
        language_labels: labels(&[("en_US", "Focus time"), ("fr", "Concentration")]),
        system_presence: Some("busy".into()),
        ..Default::default()
    };
    draft.extra.insert("color".into(), json!("#ff8800"));
    let created = definitions::create(&session, &draft).unwrap();
    let id = created.id.clone().unwrap();
    assert!(is_uuid(&id));
    assert_eq!(created.system_presence.as_deref(), Some("Busy"));
    assert_eq!((created.primary, created.deactivated), (Some(false), Some(false)));
    assert_eq!(created.extra.get("color"), Some(&json!("#ff8800")));
    assert_eq!(
        created.self_uri,
        Some(format!("/api/v2/presencedefinitions/{id}"))
    );
    assert!(created
        .created_date
        .as_deref()
        .is_some_and(|d| d.ends_with('Z') && d.len() == 24));
    assert!(created
        .created_by
        .as_ref()
        .and_then(|u| u.id.as_deref())
        .is_some_and(is_uuid));

    let read = definitions::get(&session, &id, None).unwrap();
    assert_eq!(read, created);
    let french = definitions::get(&session, &id, Some("fr")).unwrap();
    assert_eq!(french.language_labels, labels(&[("fr", "Concentration")]));

    let mut edited = read.clone();
    edited.language_labels = labels(&[("en_US", "Deep focus")]);
    edited.extra.insert("icon".into(), json!({"name": "headphones"}));
    let updated = definitions::update(&session, &id, &edited).unwrap();
    assert_eq!(updated.id.as_deref(), Some(id.as_str()));
    assert_eq!(updated.label("en_US"), Some("Deep focus"));
    assert_eq!(updated.extra.get("color"), Some(&json!("#ff8800")));
    assert_eq!(updated.extra.get("icon"), Some(&json!({"name": "headphones"})));
    assert_eq!(updated.created_date, created.created_date);
    assert_eq!(definitions::get(&session, &id, None).unwrap(), updated);

    definitions::delete(&session, &id).unwrap();
    let deleted = definitions::get(&session, &id, None).unwrap();
    assert_eq!(deleted.deactivated, Some(true));
    let all =
        definitions::list_all(&session, &DefinitionQuery::default().deleted(DeletedFilter::All)).unwrap();
    assert_eq!(all.len(), 12);
    let listed = all.iter().find(|d| d.id.as_deref() == Some(id.as_str())).unwrap();
    assert_eq!(listed.deactivated, Some(true));
    let active = definitions::list_all(&session, &DefinitionQuery::default()).unwrap();
    assert_eq!(active.len(), 11);
    assert!(active.iter().all(|d| d.id.as_deref() != Some(id.as_str())));
    let only_deleted = definitions::list(
        &session,
        &DefinitionQuery::default().deleted(DeletedFilter::Deleted),
    )
    .unwrap();
    assert_eq!(only_deleted.entities, [deleted]);

    // A deleted definition can no longer be set, nor deleted again.
    let user_id = &org.user_ids()[0];
    let err = user::update_purecloud_presence(&session, user_id, &set_to(&id, None)).unwrap_err();
    assert!(assert_api_error(&err, 400, "bad.request").contains(&id));
    assert_api_error(&definitions::delete(&session, &id).unwrap_err(), 404, "not.found");
}

#[test]
fn standard_definitions_and_their_rules() {
    let org = start();
    let session = org.session().unwrap();
    let all = definitions::list_all(&session, &DefinitionQuery::default()).unwrap();
    let summary: Vec<(&str, &str, bool)> = all
        .iter()
        .map(|d| {
            (
                d.label("en_US").unwrap(),
                d.system_presence.as_deref().unwrap(),
                d.primary.unwrap(),
            )
        })
        .collect();
    assert_eq!(summary[5], ("On Queue", "OnQueue", true));
    assert_eq!(summary[10], ("Lunch", "Meal", false));
    assert_eq!(summary.iter().filter(|(_, _, primary)| *primary).count(), 10);
    assert!(all.iter().all(|d| d.deactivated == Some(false)));
    assert_eq!(org.definition_id("ON_QUEUE"), all[5].id);
    assert_eq!(org.definition_id("Focus"), None);

    let busy = org.definition_id("Busy").unwrap();
    let err = definitions::delete(&session, &busy).unwrap_err();
    assert!(assert_api_error(&err, 400, "bad.request").contains("primary"));
    let err = definitions::get(&session, "no-such-definition", None).unwrap_err();
    assert_api_error(&err, 404, "not.found");
    let err = definitions::update(&session, "no-such-definition", &all[10]).unwrap_err();
    assert_api_error(&err, 404, "not.found");

    let everything = definitions::list(&session, &DefinitionQuery::default().locale_code("ALL")).unwrap();
    assert_eq!(
        everything.entities[10].language_labels,
        labels(&[("en_US", "Lunch"), ("fr", "Déjeuner")])
    );
    let french = definitions::list(&session, &DefinitionQuery::default().locale_code("fr")).unwrap();
    assert_eq!(french.entities[10].language_labels, labels(&[("fr", "Déjeuner")]));
}

#[test]
fn list_all_walks_small_pages() {
    let org = start();
    let session = org.session().unwrap();
    let one_page = definitions::list(&session, &DefinitionQuery::default().page_size(100)).unwrap();
    assert_eq!(one_page.entities.len(), 11);
    let before = org.requests();
    let paged = definitions::list_all(&session, &DefinitionQuery::default().page_size(2)).unwrap();
    assert_eq!(paged, one_page.entities);
    assert_eq!(org.requests() - before, 6);

    let first = definitions::list(&session, &DefinitionQuery::default().page_size(2)).unwrap();
    assert_eq!(
        (first.page_size, first.page_number, first.total, first.page_count),
        (Some(2), Some(1), Some(11), Some(6))
    );
    assert_eq!(
        first.first_uri.as_deref(),
        Some("/api/v2/presencedefinitions?pageSize=2&pageNumber=1")
    );
    assert_eq!(first.self_uri, first.first_uri);
    assert_eq!(
        first.next_uri.as_deref(),
        Some("/api/v2/presencedefinitions?pageSize=2&pageNumber=2")
    );
    assert_eq!(
        first.last_uri.as_deref(),
        Some("/api/v2/presencedefinitions?pageSize=2&pageNumber=6")
    );
    assert_eq!(first.previous_uri, None);

    let last = definitions::list(&session, &DefinitionQuery::default().page_size(2).page_number(6)).unwrap();
    assert_eq!(last.entities.len(), 1);
    assert_eq!(last.next_uri, None);
    assert_eq!(
        last.previous_uri.as_deref(),
        Some("/api/v2/presencedefinitions?pageSize=2&pageNumber=5")
    );
}

#[test]
fn bulk_update_applies_every_element_in_order() {
    let org = start();
    let session = org.session().unwrap();
    let users = org.user_ids();
    let (training, lunch) = (org.definition_id("Training").unwrap(), lunch_id(&session));
    let mut second = set_to(&lunch, Some("Back 13:30"));
    second.id = Some(users[2].clone());
    second.source = Some("PURECLOUD".into());
    let mut first = set_to(&training, None);
    first.id = Some(users[0].clone());
    let results = user::update_presences_bulk(&session, &[first, second]).unwrap();
    let got: Vec<(Option<&str>, Option<&str>, Option<&str>)> = results
        .iter()
        .map(|p| {
            let definition = p.presence_definition.as_ref().unwrap();
            (p.id.as_deref(), definition.id.as_deref(), p.message.as_deref())
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some(users[0].as_str()), Some(training.as_str()), None),
            (Some(users[2].as_str()), Some(lunch.as_str()), Some("Back 13:30")),
        ]
    );
    let read = user::get_purecloud_presence(&session, &users[2]).unwrap();
    assert_eq!(
        read.presence_definition.unwrap().system_presence.as_deref(),
        Some("Meal")
    );
    assert_eq!(read.message.as_deref(), Some("Back 13:30"));
}

#[test]
fn bulk_update_with_an_unknown_user_applies_nothing() {
    let org = start();
    let session = org.session().unwrap();
    let users = org.user_ids();
    let away = org.definition_id("Away").unwrap();
    let mut known = set_to(&away, None);
    known.id = Some(users[0].clone());
    let mut unknown = set_to(&away, None);
    unknown.id = Some("ghost-user".into());
    let err = user::update_presences_bulk(&session, &[known.clone(), unknown]).unwrap_err();
    assert_eq!(
        assert_api_error(&err, 400, "bad.request"),
        "element 1: user ghost-user not found"
    );

    let mut bad_definition = known.clone();
    bad_definition.presence_definition = Some(PresenceDefinition::with_id("nope"));
    let err = user::update_presences_bulk(&session, &[known, bad_definition]).unwrap_err();
    assert!(assert_api_error(&err, 400, "bad.request").contains("nope"));

    let unchanged = user::get_purecloud_presence(&session, &users[0]).unwrap();
    assert_eq!(
        unchanged.presence_definition.unwrap().system_presence.as_deref(),
        Some("Available")
    );
}

#[test]
fn unknown_user_is_a_404_api_error() {
    let org = start();
    let session = org.session().unwrap();
    let err = user::get_purecloud_presence(&session, "00000000-0000-4000-8000-000000000000").unwrap_err();
    let message = assert_api_error(&err, 404, "not.found");
    assert_eq!(message, "user 00000000-0000-4000-8000-000000000000 not found");
    assert!(err.is_not_found());
    let err = user::update_purecloud_presence(&session, "nobody", &UserPresence::default()).unwrap_err();
    assert_api_error(&err, 404, "not.found");
    let err = user::get_microsoft_teams_presence(&session, "nobody").unwrap_err();
    assert_api_error(&err, 404, "not.found");
}

#[test]
fn unknown_definition_id_is_a_400() {
    let org = start();
    let session = org.session().unwrap();
    let user_id = &org.user_ids()[1];
    let err = user::update_purecloud_presence(&session, user_id, &set_to("not-a-definition", Some("x")))
        .unwrap_err();
    let message = assert_api_error(&err, 400, "bad.request");
    assert_eq!(
        message,
        "presence definition not-a-definition does not exist or is deactivated"
    );
    let unchanged = user::get_purecloud_presence(&session, user_id).unwrap();
    assert_eq!(unchanged.message, None);
    assert_eq!(
        unchanged.presence_definition.unwrap().system_presence.as_deref(),
        Some("Busy")
    );
}

#[test]
fn expired_tokens_are_replaced_once_with_client_credentials() {
    let org = start();
    let session = org.session().unwrap();
    let user_id = &org.user_ids()[0];
    user::get_purecloud_presence(&session, user_id).unwrap();
    assert_eq!(org.token_requests(), 1);
    org.expire_tokens();
    let before = org.requests();
    let presence = user::get_purecloud_presence(&session, user_id).unwrap();
    assert_eq!(presence.source.as_deref(), Some("PURECLOUD"));
    assert_eq!(org.token_requests(), 2);
    assert_eq!(org.requests() - before, 3, "401, token, replay");
    system::list(&session).unwrap();
    assert_eq!(org.token_requests(), 2);
}

#[test]
fn expired_token_is_a_401_for_an_access_token_session() {
    let org = start();
    let session = token_session(&org, &org.access_token());
    assert_eq!(system::list(&session).unwrap().len(), 10);
    org.expire_tokens();
    let err = system::list(&session).unwrap_err();
    assert_api_error(&err, 401, "credentials.expired");
    assert_eq!(err.attempts(), 1);
    assert_eq!(org.token_requests(), 0);

    let err = system::list(&token_session(&org, "made-up-token")).unwrap_err();
    assert_eq!(
        assert_api_error(&err, 401, "bad.credentials"),
        "Invalid login credentials."
    );
    assert_eq!(
        system::list(&token_session(&org, &org.access_token()))
            .unwrap()
            .len(),
        10
    );
}

#[test]
fn short_token_lifetimes_really_expire() {
    let org = start();
    org.set_token_lifetime(1);
    let basic = format!(
        "Basic {}",
        base64(format!("{}:{}", org.client_id(), org.client_secret()).as_bytes())
    );
    let answer = raw(
        &org,
        "POST",
        "/oauth/token",
        Some(&basic),
        Some(b"grant_type=client_credentials".to_vec()),
    );
    assert_eq!(answer.status, 200);
    let body = answer.json();
    assert_eq!(
        (body["token_type"].as_str(), body["expires_in"].as_u64()),
        (Some("bearer"), Some(1))
    );
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 32);
    let session = token_session(&org, &token);
    assert_eq!(system::list(&session).unwrap().len(), 10);
    std::thread::sleep(Duration::from_millis(1100));
    assert_api_error(&system::list(&session).unwrap_err(), 401, "credentials.expired");
}

#[test]
fn user_id_with_a_slash_stays_one_segment() {
    let org = start();
    let session = org.session().unwrap();
    let err = user::get_purecloud_presence(&session, "a/b").unwrap_err();
    assert_eq!(assert_api_error(&err, 404, "not.found"), "user a/b not found");
    assert!(
        err.to_string()
            .contains("/api/v2/users/a%2Fb/presences/purecloud"),
        "{err}"
    );

    assert!(org.add_user("a/b c?#%é"));
    assert!(!org.add_user("a/b c?#%é"));
    let presence = user::get_purecloud_presence(&session, "a/b c?#%é").unwrap();
    assert_eq!(
        presence.presence_definition.unwrap().system_presence.as_deref(),
        Some("Offline")
    );
    assert_eq!(
        presence.self_uri.as_deref(),
        Some("/api/v2/users/a%2Fb%20c%3F%23%25%C3%A9/presences/PURECLOUD")
    );
    assert_eq!(org.user_ids().len(), 4);
}

#[test]
fn wrong_client_credentials_fail_authentication() {
    let org = start();
    let session = Session::builder()
        .base_url(org.base_url())
        .client_credentials(org.client_id(), "wrong-secret")
        .build()
        .unwrap();
    let err = system::list(&session).unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_eq!((err.status(), err.code()), (Some(400), Some("invalid_client")));
    assert!(!err.to_string().contains("wrong-secret"));
    assert_eq!(org.token_requests(), 0);
}

#[test]
fn token_endpoint_checks_client_and_grant() {
    let org = start();
    let basic = format!(
        "Basic {}",
        base64(format!("{}:{}", org.client_id(), org.client_secret()).as_bytes())
    );
    let form = |text: &str| Some(text.as_bytes().to_vec());
    let answer = raw(
        &org,
        "POST",
        "/oauth/token",
        Some(&basic),
        form("grant_type=password"),
    );
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["error"], "unsupported_grant_type");
    let answer = raw(
        &org,
        "POST",
        "/oauth/token",
        None,
        form("grant_type=client_credentials"),
    );
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json(),
        json!({"error": "invalid_client", "description": "authentication failed",
               "error_description": "authentication failed"})
    );
    let answer = raw(&org, "POST", "/oauth/token", Some(&basic), form("scope=x"));
    assert_eq!(
        (answer.status, answer.json()["error"].clone()),
        (400, json!("invalid_request"))
    );
    let answer = raw(&org, "GET", "/oauth/token", Some(&basic), None);
    assert_error_body(&answer, 405, "method.not.allowed");
    assert_eq!(answer.headers["allow"], "POST");
    assert_eq!(org.token_requests(), 0);
    assert_eq!(org.requests(), 4);
}

#[test]
fn api_calls_need_a_bearer_token() {
    let org = start();
    let answer = raw(&org, "GET", "/api/v2/systempresences", None, None);
    assert_error_body(&answer, 401, "authentication.required");
    let basic = format!("Basic {}", base64(b"a:b"));
    let answer = raw(&org, "GET", "/api/v2/systempresences", Some(&basic), None);
    assert_error_body(&answer, 401, "authentication.required");
    let answer = raw(
        &org,
        "GET",
        "/api/v2/systempresences",
        Some("bearer unknown"),
        None,
    );
    assert_error_body(&answer, 401, "bad.credentials");
    let answer = raw(&org, "GET", "/api/v2/systempresences", Some(&bearer(&org)), None);
    assert_eq!(answer.status, 200);
    assert!(is_uuid(&answer.headers["inin-correlation-id"]));
    assert_eq!(answer.headers["content-type"], "application/json");
}

#[test]
fn bad_paths_methods_and_queries_are_refused() {
    let org = start();
    let auth = bearer(&org);
    let auth = Some(auth.as_str());
    assert_error_body(
        &raw(&org, "GET", "/api/v2/nothing/here", auth, None),
        404,
        "not.found",
    );
    assert_error_body(&raw(&org, "GET", "/favicon.ico", None, None), 404, "not.found");
    assert_error_body(
        &raw(&org, "GET", "/api/v2/systempresences/", auth, None),
        404,
        "not.found",
    );
    let answer = raw(&org, "DELETE", "/api/v2/systempresences", auth, None);
    assert_error_body(&answer, 405, "method.not.allowed");
    assert_eq!(answer.headers["allow"], "GET");
    let answer = raw(
        &org,
        "PATCH",
        "/api/v2/users/x/presences/microsoftteams",
        auth,
        Some(b"{}".to_vec()),
    );
    assert_error_body(&answer, 405, "method.not.allowed");
    let list = |query: &str| {
        raw(
            &org,
            "GET",
            &format!("/api/v2/presencedefinitions?{query}"),
            auth,
            None,
        )
    };
    for query in [
        "deleted=maybe",
        "pageSize=0",
        "pageSize=-1",
        "pageSize=1.5",
        "pageNumber=x",
    ] {
        assert_error_body(&list(query), 400, "bad.request");
    }
    assert_error_body(&list("pageNumber=99999999999999999999"), 400, "bad.request");
    let page = list("deleted=ALL&pageSize=3").json();
    assert_eq!(
        page["nextUri"],
        "/api/v2/presencedefinitions?pageSize=3&pageNumber=2&deleted=ALL"
    );
    let page = list("pageSize=99999999999").json();
    assert_eq!(
        (&page["total"], &page["pageCount"], &page["nextUri"]),
        (&json!(11), &json!(1), &Value::Null)
    );
    let page = list("pageNumber=9").json();
    assert_eq!(
        (&page["entities"], &page["previousUri"]),
        (
            &json!([]),
            &json!("/api/v2/presencedefinitions?pageSize=25&pageNumber=8")
        )
    );
    assert_eq!(page.get("nextUri"), None);
}

#[test]
fn bad_bodies_are_refused_without_harm() {
    let org = start();
    let auth = bearer(&org);
    let auth = Some(auth.as_str());
    let user_id = org.user_ids()[0].clone();
    let purecloud = format!("/api/v2/users/{user_id}/presences/purecloud");
    let bodies: [&[u8]; 6] = [
        b"",
        b"not json",
        b"[1,2]",
        b"\xff\xfe\x00garbage",
        b"{\"message\": 5}",
        b"{\"presenceDefinition\": {}}",
    ];
    for body in bodies {
        let answer = raw(&org, "PATCH", &purecloud, auth, Some(body.to_vec()));
        assert_error_body(&answer, 400, "bad.request");
    }
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    for (method, path) in [
        ("POST", "/api/v2/presencedefinitions"),
        ("PUT", "/api/v2/users/presences/bulk"),
        ("PATCH", purecloud.as_str()),
    ] {
        let answer = raw(&org, method, path, auth, Some(nested.clone().into_bytes()));
        assert_error_body(&answer, 400, "bad.request");
    }
    for body in [
        json!({}),
        json!({"languageLabels": {}}),
        json!({"languageLabels": {"en_US": "x"}, "systemPresence": "Nap"}),
    ] {
        let answer = raw(
            &org,
            "POST",
            "/api/v2/presencedefinitions",
            auth,
            Some(body.to_string().into_bytes()),
        );
        assert_error_body(&answer, 400, "bad.request");
    }
    let answer = raw(
        &org,
        "PUT",
        "/api/v2/users/presences/bulk",
        auth,
        Some(b"{}".to_vec()),
    );
    assert_error_body(&answer, 400, "bad.request");

    let huge = vec![b' '; 2 * 1024 * 1024];
    let answer = raw(&org, "PATCH", &purecloud, auth, Some(huge));
    assert_error_body(&answer, 413, "request.entity.too.large");

    // Still serving, and nothing changed.
    let presence = user::get_purecloud_presence(&org.session().unwrap(), &user_id).unwrap();
    assert_eq!(presence.message, None);
    assert_eq!(
        presence.presence_definition.unwrap().system_presence.as_deref(),
        Some("Available")
    );
}

#[test]
fn a_lying_content_length_gets_a_413() {
    let org = start();
    let address = org.base_url().trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        stream,
        "PUT /api/v2/users/presences/bulk HTTP/1.1\r\nHost: {address}\r\nContent-Length: 999999999999999\r\n\r\n[]"
    )
    .unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 413");
    drop(stream);
    assert_eq!(system::list(&org.session().unwrap()).unwrap().len(), 10);
}

#[test]
fn sessions_on_several_threads_share_the_org() {
    let org = start();
    let session = org.session().unwrap();
    let away = org.definition_id("Away").unwrap();
    std::thread::scope(|scope| {
        for (i, user_id) in org.user_ids().into_iter().enumerate() {
            let (session, away) = (session.clone(), away.clone());
            scope.spawn(move || {
                for n in 0..10 {
                    let message = format!("thread {i} step {n}");
                    let set =
                        user::update_purecloud_presence(&session, &user_id, &set_to(&away, Some(&message)));
                    assert_eq!(set.unwrap().message, Some(message));
                }
            });
        }
    });
    for (i, user_id) in org.user_ids().iter().enumerate() {
        let presence = user::get_purecloud_presence(&session, user_id).unwrap();
        assert_eq!(presence.message, Some(format!("thread {i} step 9")));
    }
    assert_eq!(org.token_requests(), 1);
}

#[test]
fn the_org_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<FakeOrg>();
}

#[test]
fn dropping_the_org_stops_the_server() {
    let org = start();
    let address = org.base_url().trim_start_matches("http://").to_owned();
    let session = org.session().unwrap();
    assert_eq!(system::list(&session).unwrap().len(), 10);
    assert!(format!("{org:?}").contains("<redacted>"));
    assert!(!format!("{org:?}").contains(org.client_secret()));
    drop(org);
    let refused = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        TcpStream::connect(&address).is_err()
    });
    assert!(refused, "the port still accepts connections");
}

fn lunch_id(session: &Session) -> String {
    definitions::list_all(session, &DefinitionQuery::default())
        .unwrap()
        .into_iter()
        .find(|d| d.label("en_US") == Some("Lunch"))
        .and_then(|d| d.id)
        .unwrap()
}

fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let bytes = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(bytes[0]) << 16) | (u32::from(bytes[1]) << 8) | u32::from(bytes[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63])
            } else {
                '='
            });
        }
    }
    out
}
