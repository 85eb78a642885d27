//! The stand-in org (`genesys_presence::fake`), driven through the crate's
//! public operations, plus raw HTTP for what the operations cannot send.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use genesys_presence::definitions::{self, DefinitionQuery, DeletedFilter};
use genesys_presence::fake::FakeOrg;
use genesys_presence::presence_definitions::{self, PresenceDefinitionQuery};
use genesys_presence::{
    settings, sources, system, user, Error, ErrorKind, OrganizationPresence, OrganizationPresenceDefinition,
    PresenceDefinition, PresenceSettings, Session, Source, UserPresence,
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

/// Asserts an `ErrorKind::Api` with this status and code whose correlation id is
/// UUID-shaped and equals the body's `contextId`; returns the message.
fn assert_api_error(error: &Error, status: u16, code: &str) -> String {
    assert!(error.kind() == ErrorKind::Api, "{error:?}");
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
    assert_eq!(err.attempts(), Some(1));
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
    assert!(err.kind() == ErrorKind::Auth, "{err:?}");
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

// ---- The current Presence operations: /api/v2/presence/*, bulk reads ----

fn current_definition(pairs: &[(&str, &str)], system_presence: &str) -> OrganizationPresenceDefinition {
    OrganizationPresenceDefinition {
        language_labels: labels(pairs),
        system_presence: Some(system_presence.into()),
        ..Default::default()
    }
}

#[test]
fn legacy_and_current_definitions_are_one_set() {
    let org = start();
    let session = org.session().unwrap();
    let home = org.home_division_id();
    assert!(is_uuid(&home));

    let current = presence_definitions::list(&session, &PresenceDefinitionQuery::default()).unwrap();
    assert_eq!(current.total, Some(11));
    let kinds: Vec<(&str, &str)> = current
        .entities
        .iter()
        .map(|d| (d.label("en_US").unwrap(), d.definition_type.as_deref().unwrap()))
        .collect();
    assert_eq!(kinds.iter().filter(|(_, kind)| *kind == "System").count(), 10);
    assert_eq!(kinds[10], ("Lunch", "User"));
    assert!(current
        .entities
        .iter()
        .all(|d| d.division_id.as_deref() == Some(home.as_str())));
    assert!(current.entities.iter().all(|d| d.deactivated == Some(false)));
    assert_eq!(current.entities[2].id, org.definition_id("Busy"));
    assert!(current.entities[2].extra.get("primary").is_none());
    assert!(current.entities[2].extra.get("createdBy").is_none());

    // Created in the current view: seen by the legacy one, unknown fields too.
    let mut draft = current_definition(&[("en_US", "Focus time"), ("fr", "Concentration")], "busy");
    draft.extra.insert("color".into(), json!("#ff8800"));
    let created = presence_definitions::create(&session, &draft).unwrap();
    let id = created.id.clone().unwrap();
    assert!(is_uuid(&id));
    assert_eq!(created.definition_type.as_deref(), Some("User"));
    assert_eq!(created.system_presence.as_deref(), Some("Busy"));
    assert_eq!(created.division_id.as_deref(), Some(home.as_str()));
    assert_eq!(created.deactivated, Some(false));
    assert_eq!(
        created.self_uri,
        Some(format!("/api/v2/presence/definitions/{id}"))
    );
    assert_eq!(created.extra.get("color"), Some(&json!("#ff8800")));
    assert_eq!(presence_definitions::get(&session, &id, None).unwrap(), created);

    let legacy = definitions::list_all(&session, &DefinitionQuery::default()).unwrap();
    assert_eq!(legacy.len(), 12);
    let seen = legacy
        .iter()
        .find(|d| d.id.as_deref() == Some(id.as_str()))
        .unwrap();
    assert_eq!(seen.label("fr"), Some("Concentration"));
    assert_eq!((seen.primary, seen.deactivated), (Some(false), Some(false)));
    assert_eq!(seen.extra.get("color"), Some(&json!("#ff8800")));
    assert_eq!(seen.self_uri, Some(format!("/api/v2/presencedefinitions/{id}")));

    // And the other way round.
    let old_style = OrganizationPresence {
        language_labels: labels(&[("en_US", "Commute")]),
        system_presence: Some("Away".into()),
        ..Default::default()
    };
    let legacy_id = definitions::create(&session, &old_style).unwrap().id.unwrap();
    let listed = presence_definitions::list(&session, &PresenceDefinitionQuery::default())
        .unwrap()
        .entities;
    assert_eq!(listed.len(), 13);
    let seen = listed
        .iter()
        .find(|d| d.id.as_deref() == Some(legacy_id.as_str()))
        .unwrap();
    assert_eq!(seen.definition_type.as_deref(), Some("User"));
    assert_eq!(seen.label("en_US"), Some("Commute"));
    assert_eq!(seen.division_id.as_deref(), Some(home.as_str()));

    // An edit in the current view shows in the legacy one.
    let mut edited = created.clone();
    edited.language_labels = labels(&[("en_US", "Deep focus")]);
    let updated = presence_definitions::update(&session, &id, &edited).unwrap();
    assert_eq!(updated.label("en_US"), Some("Deep focus"));
    assert_eq!(updated.extra.get("color"), Some(&json!("#ff8800")));
    assert_eq!(
        definitions::get(&session, &id, None).unwrap().language_labels,
        labels(&[("en_US", "Deep focus")])
    );

    // Deleting in either view deactivates in both.
    presence_definitions::delete(&session, &id).unwrap();
    definitions::delete(&session, &legacy_id).unwrap();
    for gone in [&id, &legacy_id] {
        assert_eq!(
            definitions::get(&session, gone, None).unwrap().deactivated,
            Some(true)
        );
        assert_eq!(
            presence_definitions::get(&session, gone, None)
                .unwrap()
                .deactivated,
            Some(true)
        );
    }
    assert_eq!(
        definitions::list_all(&session, &DefinitionQuery::default())
            .unwrap()
            .len(),
        11
    );
    let active = presence_definitions::list(&session, &PresenceDefinitionQuery::default()).unwrap();
    assert_eq!(active.total, Some(11));
    let deactivated =
        presence_definitions::list(&session, &PresenceDefinitionQuery::default().deactivated(true)).unwrap();
    let mut ids: Vec<String> = deactivated.entities.into_iter().filter_map(|d| d.id).collect();
    ids.sort();
    let mut expected = vec![id.clone(), legacy_id.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    let err = presence_definitions::delete(&session, &id).unwrap_err();
    assert_api_error(&err, 404, "not.found");
    let err =
        user::update_purecloud_presence(&session, &org.user_ids()[0], &set_to(&legacy_id, None)).unwrap_err();
    assert_api_error(&err, 400, "bad.request");
}

#[test]
fn current_definitions_filter_by_division_and_locale() {
    let org = start();
    let session = org.session().unwrap();
    let home = org.home_division_id();
    let other = "7a1b2c3d-0000-4000-8000-000000000001";
    let mut elsewhere = current_definition(&[("en_US", "Gym"), ("fr", "Sport")], "Break");
    elsewhere.division_id = Some(other.into());
    let gym = presence_definitions::create(&session, &elsewhere).unwrap();
    assert_eq!(gym.division_id.as_deref(), Some(other));

    let count = |query: PresenceDefinitionQuery| {
        presence_definitions::list(&session, &query)
            .unwrap()
            .entities
            .len()
    };
    assert_eq!(count(PresenceDefinitionQuery::default()), 12);
    assert_eq!(
        count(PresenceDefinitionQuery::default().division_id(home.as_str())),
        11
    );
    assert_eq!(count(PresenceDefinitionQuery::default().division_id(other)), 1);
    assert_eq!(
        count(
            PresenceDefinitionQuery::default()
                .division_id(home.as_str())
                .division_id(other)
        ),
        12,
        "one comma-separated divisionId"
    );
    assert_eq!(
        count(PresenceDefinitionQuery::default().division_id("nowhere")),
        0
    );
    let auth = bearer(&org);
    let repeated = raw(
        &org,
        "GET",
        &format!("/api/v2/presence/definitions?divisionId={home}&divisionId={other}"),
        Some(&auth),
        None,
    );
    assert_eq!(repeated.status, 200);
    assert_eq!(repeated.json()["total"], 12);

    let french =
        presence_definitions::list(&session, &PresenceDefinitionQuery::default().locale_code("fr")).unwrap();
    assert_eq!(french.entities[11].language_labels, labels(&[("fr", "Sport")]));
    let all =
        presence_definitions::list(&session, &PresenceDefinitionQuery::default().locale_code("ALL")).unwrap();
    assert_eq!(
        all.entities[10].language_labels,
        labels(&[("en_US", "Lunch"), ("fr", "Déjeuner")])
    );
    let id = gym.id.unwrap();
    let one = presence_definitions::get(&session, &id, Some("en_US")).unwrap();
    assert_eq!(one.language_labels, labels(&[("en_US", "Gym")]));

    let err = presence_definitions::list(&session, &PresenceDefinitionQuery::default().locale_code("xx"))
        .unwrap_err();
    assert!(assert_api_error(&err, 400, "bad.request").contains("xx"));
    let err = presence_definitions::get(&session, &id, Some("klingon")).unwrap_err();
    assert_api_error(&err, 400, "bad.request");
    for query in ["deactivated=maybe", "deactivated="] {
        let answer = raw(
            &org,
            "GET",
            &format!("/api/v2/presence/definitions?{query}"),
            Some(&auth),
            None,
        );
        assert_error_body(&answer, 400, "bad.request");
    }
    let err = presence_definitions::get(&session, "no-such-definition", None).unwrap_err();
    assert_api_error(&err, 404, "not.found");
    let err = presence_definitions::update(&session, "no-such-definition", &elsewhere).unwrap_err();
    assert_api_error(&err, 404, "not.found");
    let busy = org.definition_id("Busy").unwrap();
    let err = presence_definitions::delete(&session, &busy).unwrap_err();
    assert!(assert_api_error(&err, 400, "bad.request").contains("primary"));
    for body in [
        json!({"systemPresence": "Busy"}),
        json!({"languageLabels": {"en_US": "x"}, "divisionId": 5}),
        json!([]),
    ] {
        let answer = raw(
            &org,
            "POST",
            "/api/v2/presence/definitions",
            Some(&auth),
            Some(body.to_string().into_bytes()),
        );
        assert_error_body(&answer, 400, "bad.request");
    }
    let answer = raw(&org, "GET", "/api/v2/presence/definitions", None, None);
    assert_error_body(&answer, 401, "authentication.required");
}

#[test]
fn sources_lifecycle() {
    let org = start();
    let session = org.session().unwrap();
    let calendar = org.custom_source_id();
    let listed = sources::list(&session).unwrap();
    assert_eq!(listed.total, Some(2));
    let summary: Vec<(&str, &str, &str)> = listed
        .entities
        .iter()
        .map(|s| {
            (
                s.id.as_deref().unwrap(),
                s.name.as_deref().unwrap(),
                s.source_type.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("PURECLOUD", "Genesys Cloud", "System"),
            (calendar.as_str(), "Calendar sync", "User")
        ]
    );
    assert!(sources::list_deactivated(&session).unwrap().entities.is_empty());

    let mut draft = Source {
        name: Some("Door sensor".into()),
        description: Some("Badge readers".into()),
        ..Default::default()
    };
    draft.extra.insert("vendor".into(), json!("Acme"));
    let created = sources::create(&session, &draft).unwrap();
    let id = created.id.clone().unwrap();
    assert!(is_uuid(&id));
    assert_eq!(created.source_type.as_deref(), Some("User"));
    assert_eq!(created.deactivated, Some(false));
    assert_eq!(created.self_uri, Some(format!("/api/v2/presence/sources/{id}")));
    assert_eq!(created.extra.get("vendor"), Some(&json!("Acme")));
    assert_eq!(sources::get(&session, &id).unwrap(), created);
    assert_eq!(sources::list(&session).unwrap().total, Some(3));

    let mut edited = created.clone();
    edited.name = Some("Door sensors".into());
    edited.description = None;
    let updated = sources::update(&session, &id, &edited).unwrap();
    assert_eq!(updated.name.as_deref(), Some("Door sensors"));
    assert_eq!(updated.description, None);
    assert_eq!(updated.extra.get("vendor"), Some(&json!("Acme")));
    assert_eq!(updated.source_type.as_deref(), Some("User"));
    assert_eq!(sources::get(&session, &id).unwrap(), updated);

    sources::delete(&session, &id).unwrap();
    assert_eq!(sources::get(&session, &id).unwrap().deactivated, Some(true));
    assert_eq!(sources::list(&session).unwrap().total, Some(2));
    let gone = sources::list_deactivated(&session).unwrap();
    assert_eq!(gone.entities.len(), 1);
    assert_eq!(gone.entities[0].id.as_deref(), Some(id.as_str()));
    assert_api_error(&sources::delete(&session, &id).unwrap_err(), 404, "not.found");

    assert_api_error(
        &sources::get(&session, "no-such-source").unwrap_err(),
        404,
        "not.found",
    );
    assert_api_error(
        &sources::update(&session, "no-such-source", &draft).unwrap_err(),
        404,
        "not.found",
    );
    assert_eq!(
        sources::get(&session, "purecloud").unwrap().id.as_deref(),
        Some("PURECLOUD")
    );
    let err = sources::delete(&session, "PURECLOUD").unwrap_err();
    assert!(assert_api_error(&err, 400, "bad.request").contains("System"));
    assert_api_error(
        &sources::update(&session, "PURECLOUD", &draft).unwrap_err(),
        400,
        "bad.request",
    );

    let auth = bearer(&org);
    for body in [
        json!({}),
        json!({"name": "  "}),
        json!({"name": "x", "description": 3}),
    ] {
        let answer = raw(
            &org,
            "POST",
            "/api/v2/presence/sources",
            Some(&auth),
            Some(body.to_string().into_bytes()),
        );
        assert_error_body(&answer, 400, "bad.request");
    }
    let answer = raw(
        &org,
        "GET",
        "/api/v2/presence/sources?deactivated=nope",
        Some(&auth),
        None,
    );
    assert_error_body(&answer, 400, "bad.request");
    let answer = raw(&org, "PATCH", "/api/v2/presence/sources", Some(&auth), None);
    assert_error_body(&answer, 405, "method.not.allowed");
    assert_eq!(answer.headers["allow"], "GET, POST");
}

#[test]
fn settings_round_trip() {
    let org = start();
    let session = org.session().unwrap();
    let before = settings::get(&session).unwrap();
    let restore = before.restore_presence_settings.clone().unwrap();
    assert_eq!(
        (
            restore.enabled,
            restore.restore_time_milliseconds,
            restore.restore_on_queue_enabled
        ),
        (Some(true), Some(300_000), Some(false))
    );
    assert_eq!(before.requesting_off_queue_enabled, Some(false));
    assert_eq!(
        before.default_primary_presence_registered_source_id.as_deref(),
        Some("PURECLOUD")
    );
    assert_eq!(before.self_uri.as_deref(), Some("/api/v2/presence/settings"));
    assert!(before.id.is_some());

    let mut changed = before.clone();
    changed.requesting_off_queue_enabled = Some(true);
    changed.default_primary_presence_registered_source_id = Some(org.custom_source_id());
    let restore = changed.restore_presence_settings.as_mut().unwrap();
    restore.restore_time_milliseconds = Some(60_000);
    restore.extra.insert("note".into(), json!("kept"));
    changed.extra.insert("futureSetting".into(), json!({"on": true}));
    let answered = settings::update(&session, &changed).unwrap();
    assert_eq!(answered, changed);
    assert_eq!(settings::get(&session).unwrap(), changed);

    // Refused without change: a restore block missing a field, an unknown source.
    let auth = bearer(&org);
    for body in [
        json!({"restorePresenceSettings": {"enabled": true, "restoreTimeMilliseconds": 1000}}),
        json!({"restorePresenceSettings": {"enabled": "yes", "restoreTimeMilliseconds": 1000, "restoreOnQueueEnabled": true}}),
        json!({"restorePresenceSettings": {"enabled": true, "restoreTimeMilliseconds": -1, "restoreOnQueueEnabled": true}}),
        json!({"restorePresenceSettings": 5}),
        json!({"requestingOffQueueEnabled": "no"}),
        json!({"defaultPrimaryPresenceRegisteredSourceId": "no-such-source"}),
        json!([]),
    ] {
        let answer = raw(
            &org,
            "PUT",
            "/api/v2/presence/settings",
            Some(&auth),
            Some(body.to_string().into_bytes()),
        );
        assert_error_body(&answer, 400, "bad.request");
    }
    assert_eq!(settings::get(&session).unwrap(), changed);

    // PUT replaces: what is not sent is gone (id and selfUri stay the server's).
    let minimal = PresenceSettings {
        requesting_off_queue_enabled: Some(false),
        ..Default::default()
    };
    let now = settings::update(&session, &minimal).unwrap();
    assert_eq!(now.restore_presence_settings, None);
    assert_eq!((now.id, now.self_uri), (before.id, before.self_uri));
}

#[test]
fn primary_source_get_and_set() {
    let org = start();
    let session = org.session().unwrap();
    let user_id = &org.user_ids()[0];
    let calendar = org.custom_source_id();
    let primary = user::get_primary_source(&session, user_id).unwrap();
    assert_eq!(primary.source_id.as_deref(), Some("PURECLOUD"));
    assert_eq!(primary.registered, Some(true));
    assert_eq!(
        primary.self_uri,
        Some(format!("/api/v2/presence/users/{user_id}/primarysource"))
    );

    let set = user::set_primary_source(&session, user_id, &calendar).unwrap();
    assert_eq!(set.source_id.as_deref(), Some(calendar.as_str()));
    assert_eq!(user::get_primary_source(&session, user_id).unwrap(), set);
    let purecloud = user::get_purecloud_presence(&session, user_id).unwrap();
    assert_eq!(purecloud.primary, Some(false));
    let other_user = user::get_primary_source(&session, &org.user_ids()[1]).unwrap();
    assert_eq!(other_user.source_id.as_deref(), Some("PURECLOUD"));

    let err = user::set_primary_source(&session, user_id, "no-such-source").unwrap_err();
    assert!(assert_api_error(&err, 400, "bad.request").contains("no-such-source"));
    assert_eq!(user::get_primary_source(&session, user_id).unwrap(), set);
    let err = user::set_primary_source(&session, "nobody", &calendar).unwrap_err();
    assert_api_error(&err, 404, "not.found");
    let err = user::get_primary_source(&session, "nobody").unwrap_err();
    assert_api_error(&err, 404, "not.found");

    // A deactivated source cannot become primary.
    let door = sources::create(
        &session,
        &Source {
            name: Some("Door".into()),
            ..Default::default()
        },
    )
    .unwrap()
    .id
    .unwrap();
    sources::delete(&session, &door).unwrap();
    assert_api_error(
        &user::set_primary_source(&session, user_id, &door).unwrap_err(),
        400,
        "bad.request",
    );

    // A PATCH with primary: true moves it too; `purecloud` names PURECLOUD.
    let back = user::set_primary_source(&session, user_id, "purecloud").unwrap();
    assert_eq!(back.source_id.as_deref(), Some("PURECLOUD"));
    assert_eq!(
        user::get_purecloud_presence(&session, user_id).unwrap().primary,
        Some(true)
    );
    let make_primary = UserPresence {
        primary: Some(true),
        ..Default::default()
    };
    user::update_presence(&session, user_id, &calendar, &make_primary).unwrap();
    assert_eq!(
        user::get_primary_source(&session, user_id).unwrap().source_id,
        Some(calendar)
    );
    let auth = bearer(&org);
    let answer = raw(
        &org,
        "PUT",
        &format!("/api/v2/presence/users/{user_id}/primarysource"),
        Some(&auth),
        Some(b"{}".to_vec()),
    );
    assert_error_body(&answer, 400, "bad.request");
}

#[test]
fn bulk_reads_return_users_in_input_order() {
    let org = start();
    let session = org.session().unwrap();
    let users = org.user_ids();
    let calendar = org.custom_source_id();
    let (meeting, lunch) = (org.definition_id("Meeting").unwrap(), lunch_id(&session));
    user::update_purecloud_presence(&session, &users[0], &set_to(&meeting, Some("Standup"))).unwrap();
    user::update_purecloud_presence(&session, &users[2], &set_to(&lunch, None)).unwrap();

    let order = [users[2].clone(), users[0].clone(), users[1].clone()];
    let read = user::get_purecloud_presences_bulk(&session, &order).unwrap();
    let got: Vec<(&str, &str, Option<&str>)> = read
        .iter()
        .map(|p| {
            (
                p.user_id.as_deref().unwrap(),
                p.presence_definition.as_ref().unwrap().id.as_deref().unwrap(),
                p.message.as_deref(),
            )
        })
        .collect();
    let busy = org.definition_id("Busy").unwrap();
    assert_eq!(
        got,
        [
            (users[2].as_str(), lunch.as_str(), None),
            (users[0].as_str(), meeting.as_str(), Some("Standup")),
            (users[1].as_str(), busy.as_str(), None),
        ]
    );
    assert_eq!(read[0].system_presence_name(), Some("Meal".into()));
    assert_eq!(read[0].source_id.as_deref(), Some("PURECLOUD"));
    assert!(read.iter().all(|p| p.modified_date.is_some()));

    // A custom source: each user's presence for it, set by PATCH.
    let away = org.definition_id("Away").unwrap();
    for (user_id, definition, message) in [
        (&users[0], &busy, "Design review"),
        (&users[1], &away, "Out of office"),
        (&users[2], &meeting, "1:1"),
    ] {
        user::update_presence(&session, user_id, &calendar, &set_to(definition, Some(message))).unwrap();
    }
    let read = user::get_presences_bulk(&session, &calendar, &order).unwrap();
    let got: Vec<(&str, &str, &str, &str)> = read
        .iter()
        .map(|p| {
            (
                p.user_id.as_deref().unwrap(),
                p.source_id.as_deref().unwrap(),
                p.presence_definition
                    .as_ref()
                    .unwrap()
                    .system_presence
                    .as_deref()
                    .unwrap(),
                p.message.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (users[2].as_str(), calendar.as_str(), "Meeting", "1:1"),
            (users[0].as_str(), calendar.as_str(), "Busy", "Design review"),
            (users[1].as_str(), calendar.as_str(), "Away", "Out of office"),
        ]
    );
    // The Genesys Cloud presence did not move.
    let purecloud = user::get_purecloud_presences_bulk(&session, &users[..1]).unwrap();
    assert_eq!(purecloud[0].message.as_deref(), Some("Standup"));

    // Unknown users, and users without a presence for the source, are left out.
    let new_user = "added-later";
    assert!(org.add_user(new_user));
    let read =
        user::get_presences_bulk(&session, &calendar, &[new_user, "ghost", users[1].as_str()]).unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].user_id.as_deref(), Some(users[1].as_str()));
    let err = user::get_presences_bulk(&session, "no-such-source", &users).unwrap_err();
    assert_api_error(&err, 404, "not.found");
}

#[test]
fn bulk_read_of_120_users_is_batched() {
    let org = start();
    let session = org.session().unwrap();
    for n in 0..117 {
        assert!(org.add_user(&format!("user-{n:03}")));
    }
    let mut users = org.user_ids();
    assert_eq!(users.len(), 120);
    users.reverse();
    user::get_purecloud_presence(&session, &users[0]).unwrap(); // fetch the token first
    let before = org.requests();
    let read = user::get_purecloud_presences_bulk(&session, &users).unwrap();
    assert_eq!(org.requests() - before, 3, "50 + 50 + 20");
    let ids: Vec<&str> = read.iter().map(|p| p.user_id.as_deref().unwrap()).collect();
    assert_eq!(ids, users);
    assert_eq!(read[0].system_presence_name(), Some("Offline".into()));
    assert_eq!(read[119].system_presence_name(), Some("Available".into()));
}

#[test]
fn bulk_calls_are_limited_to_50_users() {
    let org = start();
    let session = org.session().unwrap();
    let auth = bearer(&org);
    let auth = Some(auth.as_str());
    let users = org.user_ids();
    let many: Vec<String> = (0..51).map(|n| format!("u{n}")).collect();
    let answer = raw(
        &org,
        "GET",
        &format!("/api/v2/users/presences/purecloud/bulk?id={}", many.join(",")),
        auth,
        None,
    );
    assert_error_body(&answer, 400, "bad.request");
    assert!(answer.json()["message"].as_str().unwrap().contains("Limit 50"));
    let answer = raw(&org, "GET", "/api/v2/users/presences/purecloud/bulk", auth, None);
    assert_error_body(&answer, 400, "bad.request");
    let answer = raw(
        &org,
        "GET",
        "/api/v2/users/presences/purecloud/bulk?id=",
        auth,
        None,
    );
    assert_error_body(&answer, 400, "bad.request");

    // Repeated keys work as well as one comma-separated value; repeats count once.
    let answer = raw(
        &org,
        "GET",
        &format!(
            "/api/v2/users/presences/PURECLOUD/bulk?id={}&id={}%2C{}&id={}",
            users[1], users[0], users[2], users[1]
        ),
        auth,
        None,
    );
    assert_eq!(answer.status, 200);
    let body = answer.json();
    let ids: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["userId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [&users[1], &users[0], &users[2]]);
    let answer = raw(
        &org,
        "POST",
        "/api/v2/users/presences/purecloud/bulk?id=x",
        auth,
        None,
    );
    assert_error_body(&answer, 405, "method.not.allowed");

    // The bulk update refuses more than 50 elements, and applies none of them.
    let away = org.definition_id("Away").unwrap();
    let elements: Vec<Value> = (0..51)
        .map(|_| json!({"id": users[0], "presenceDefinition": {"id": away}}))
        .collect();
    let answer = raw(
        &org,
        "PUT",
        "/api/v2/users/presences/bulk",
        auth,
        Some(serde_json::to_vec(&elements).unwrap()),
    );
    assert_error_body(&answer, 400, "bad.request");
    assert!(answer.json()["message"].as_str().unwrap().contains("Limit 50"));
    let unchanged = user::get_purecloud_presence(&session, &users[0]).unwrap();
    assert_eq!(unchanged.system_presence_name(), Some("Available".into()));
}

#[test]
fn bulk_update_of_60_users_is_batched() {
    let org = start();
    let session = org.session().unwrap();
    for n in 0..57 {
        assert!(org.add_user(&format!("agent {n}")));
    }
    let users = org.user_ids();
    assert_eq!(users.len(), 60);
    let training = org.definition_id("Training").unwrap();
    let elements: Vec<UserPresence> = users
        .iter()
        .map(|id| {
            let mut element = set_to(&training, Some("Onboarding"));
            element.id = Some(id.clone());
            element
        })
        .collect();
    user::get_purecloud_presence(&session, &users[0]).unwrap(); // fetch the token first
    let before = org.requests();
    let applied = user::update_presences_bulk(&session, &elements).unwrap();
    assert_eq!(org.requests() - before, 2, "50 + 10");
    assert_eq!(applied.len(), 60);
    let ids: Vec<&str> = applied.iter().map(|p| p.id.as_deref().unwrap()).collect();
    assert_eq!(ids, users);
    let read = user::get_purecloud_presences_bulk(&session, &users).unwrap();
    assert_eq!(read.len(), 60);
    assert!(read
        .iter()
        .all(|p| p.system_presence_name() == Some("Training".into())
            && p.message.as_deref() == Some("Onboarding")));
}

#[test]
fn set_presence_by_name_uses_the_current_definitions() {
    let org = start();
    let session = org.session().unwrap();
    let user_id = &org.user_ids()[0];
    let set = user::set_presence_by_name(&session, user_id, "lunch", Some("Back at 1")).unwrap();
    let lunch = lunch_id(&session);
    let now = user::get_purecloud_presence(&session, user_id).unwrap();
    assert_eq!(now, set);
    let definition = now.presence_definition.unwrap();
    assert_eq!(definition.id.as_deref(), Some(lunch.as_str()));
    assert_eq!(definition.system_presence.as_deref(), Some("Meal"));
    assert_eq!(now.message.as_deref(), Some("Back at 1"));

    // A system presence name gives its System definition, not Lunch.
    let meal = user::set_presence_by_name(&session, user_id, "MEAL", None).unwrap();
    assert_eq!(meal.presence_definition.unwrap().id, org.definition_id("Meal"));
    assert_eq!(meal.message.as_deref(), Some("Back at 1"));
    let err = user::set_presence_by_name(&session, user_id, "Napping", None).unwrap_err();
    assert!(err.kind() == ErrorKind::InvalidInput, "{err:?}");
}
