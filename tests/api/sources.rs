//! `sources::{list, list_deactivated, get, create, update, delete}`:
//! `/api/v2/presence/sources`; `user::{get_primary_source, set_primary_source}`:
//! `/api/v2/presence/users/{userId}/primarysource`.

use crate::credentials::fixture_json;
use crate::mock::{
    api, assert_all, assert_invalid, nothing_else, session_for, MockExt, AWKWARD_ID, AWKWARD_ID_ENCODED,
};
use genesys_presence::{sources, user, ErrorKind, Source};
use mockito::Matcher;
use serde_json::json;

const LIST: &str = "/api/v2/presence/sources";
const PURECLOUD_ID: &str = "1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081";
const DOOR_ID: &str = "b7e2a9c4-5d3f-4e1a-9b8c-6d7e8f9a0b1c";
const OLD_ID: &str = "2c3d4e5f-6071-4829-8a3b-4c5d6e7f8091";

fn one(id: &str) -> String {
    format!("{LIST}/{id}")
}

fn named(name: &str) -> Source {
    Source {
        name: Some(name.into()),
        ..Default::default()
    }
}

// ---------------------------------------------------------------- list

#[test]
fn list_sends_no_query_and_decodes_every_field() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", LIST)
        .no_query()
        .no_body()
        .reply_json(200, fixture!("sources.json"))
        .create();
    let guards = nothing_else(&mut server);

    let listing = sources::list(&session_for(&server)).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(listing.total, Some(2));
    assert_eq!(listing.self_uri.as_deref(), Some("/api/v2/presence/sources"));
    let ids: Vec<_> = listing
        .entities
        .iter()
        .map(|s| s.id.as_deref().unwrap())
        .collect();
    assert_eq!(ids, [PURECLOUD_ID, DOOR_ID]);

    let genesys = &listing.entities[0];
    assert_eq!(genesys.name.as_deref(), Some("PURECLOUD"));
    assert_eq!(genesys.description.as_deref(), Some("Genesys Cloud"));
    assert_eq!(genesys.source_type.as_deref(), Some("System"));
    assert_eq!(genesys.deactivated, Some(false));
    assert_eq!(
        genesys.self_uri.as_deref(),
        Some("/api/v2/presence/sources/1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081")
    );
    assert!(genesys.extra.is_empty(), "{:?}", genesys.extra);

    let door = &listing.entities[1];
    assert_eq!(door.name.as_deref(), Some("Door sensor"));
    assert_eq!(
        door.description.as_deref(),
        Some("Badge reader at the office door")
    );
    assert_eq!(door.source_type.as_deref(), Some("User"));
    assert_eq!(door.deactivated, Some(false));
}

#[test]
fn list_decodes_null_entities_as_empty() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", LIST)
        .no_query()
        .no_body()
        .reply_json(
            200,
            r#"{"total":0,"entities":null,"selfUri":"/api/v2/presence/sources"}"#,
        )
        .create();

    let listing = sources::list(&session_for(&server)).unwrap();

    m.assert();
    assert_eq!(listing.total, Some(0));
    assert!(listing.entities.is_empty());
}

#[test]
fn list_deactivated_sends_deactivated_true() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", LIST)
        .match_query(Matcher::Exact("deactivated=true".into()))
        .no_body()
        .reply_json(200, fixture!("sources_deactivated.json"))
        .create();
    let guards = nothing_else(&mut server);

    let listing = sources::list_deactivated(&session_for(&server)).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(listing.total, Some(1));
    assert_eq!(listing.entities.len(), 1);
    let old = &listing.entities[0];
    assert_eq!(old.id.as_deref(), Some(OLD_ID));
    assert_eq!(old.name.as_deref(), Some("Old calendar"));
    assert_eq!(old.description, None);
    assert_eq!(old.deactivated, Some(true));
    assert_eq!(
        listing.self_uri.as_deref(),
        Some("/api/v2/presence/sources?deactivated=true")
    );
}

#[test]
fn list_reports_403() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", LIST)
        .no_query()
        .no_body()
        .reply_json(
            403,
            r#"{"message":"You are missing the following permission(s): [presence:source:view]","code":"missing.any.permissions","status":403,"contextId":"src-403"}"#,
        )
        .create();

    let err = sources::list(&session_for(&server)).unwrap_err();

    m.assert();
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(403),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("missing.any.permissions"));
    assert_eq!(err.correlation_id(), Some("src-403"));
    assert_eq!(
        err.to_string(),
        "GET /api/v2/presence/sources: 403 missing.any.permissions: You are missing the following \
         permission(s): [presence:source:view] (correlation id src-403)"
    );
}

// ---------------------------------------------------------------- get

#[test]
fn get_decodes_the_source_and_keeps_unknown_fields() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &one(DOOR_ID))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("source.json"))
        .create();
    let guards = nothing_else(&mut server);

    let s = sources::get(&session_for(&server), DOOR_ID).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(s.id.as_deref(), Some(DOOR_ID));
    assert_eq!(s.name.as_deref(), Some("Door sensor"));
    assert_eq!(s.description.as_deref(), Some("Badge reader at the office door"));
    assert_eq!(s.source_type.as_deref(), Some("User"));
    assert_eq!(s.deactivated, Some(false));
    assert_eq!(
        s.self_uri.as_deref(),
        Some("/api/v2/presence/sources/b7e2a9c4-5d3f-4e1a-9b8c-6d7e8f9a0b1c")
    );
    assert_eq!(s.extra.len(), 2, "{:?}", s.extra);
    assert_eq!(s.extra.get("version"), Some(&json!(2)));
    assert_eq!(
        s.extra.get("registeredBy"),
        Some(&json!({"id": "9b2e4c61-1f3a-4d8e-b5c7-0a6d2e8f4b13", "name": "Ada Admin"}))
    );
}

#[test]
fn get_escapes_the_id() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &one(AWKWARD_ID_ENCODED))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("source.json"))
        .create();
    let guards = nothing_else(&mut server);

    let s = sources::get(&session_for(&server), AWKWARD_ID).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(s.id.as_deref(), Some(DOOR_ID));
}

#[test]
fn get_of_an_unknown_id_is_not_found() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &one("missing"))
        .no_query()
        .no_body()
        .reply_json(404, fixture!("error_not_found.json"))
        .create();

    let err = sources::get(&session_for(&server), "missing").unwrap_err();

    m.assert();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "GET /api/v2/presence/sources/missing: 404 not.found: The requested resource was not found. \
         (correlation id 5e0b7a93-2c4d-4f18-b6a1-9d3c8e7f2a05)"
    );
}

#[test]
fn get_rejects_blank_ids_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    assert_invalid(sources::get(&session, "").unwrap_err(), "source_id");
    assert_invalid(sources::get(&session, " \t").unwrap_err(), "source_id");
    assert_eq!(
        sources::get(&session, "").unwrap_err().to_string(),
        "invalid source_id: must not be empty"
    );

    assert_all(&guards);
}

// ---------------------------------------------------------------- create

#[test]
fn create_posts_exactly_the_fields_set_and_decodes_the_answer() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", LIST)
        .no_query()
        .json_body(json!({"name": "Door sensor", "description": "Badge reader at the office door"}))
        .reply_json(200, fixture!("source.json"))
        .create();
    let guards = nothing_else(&mut server);

    let created = sources::create(
        &session_for(&server),
        &Source {
            name: Some("Door sensor".into()),
            description: Some("Badge reader at the office door".into()),
            ..Default::default()
        },
    )
    .unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(created.id.as_deref(), Some(DOOR_ID));
    assert_eq!(created.source_type.as_deref(), Some("User"));
}

#[test]
fn create_accepts_201() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", LIST)
        .no_query()
        .json_body(json!({"name": "Door sensor"}))
        .reply_json(201, fixture!("source.json"))
        .create();

    let created = sources::create(&session_for(&server), &named("Door sensor")).unwrap();

    m.assert();
    assert_eq!(created.id.as_deref(), Some(DOOR_ID));
}

#[test]
fn create_requires_a_name_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    let no_name = Source {
        description: Some("no name".into()),
        ..Default::default()
    };
    let err = sources::create(&session, &no_name).unwrap_err();
    assert_eq!(err.to_string(), "invalid source: name is required");
    assert_invalid(err, "source");
    assert_invalid(sources::create(&session, &named("")).unwrap_err(), "source");
    assert_invalid(sources::create(&session, &named("   ")).unwrap_err(), "source");

    assert_all(&guards);
}

#[test]
fn create_reports_a_validation_error() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", LIST)
        .no_query()
        .json_body(json!({"name": "Door sensor"}))
        .reply_json(400, fixture!("error_bad_request.json"))
        .create();

    let err = sources::create(&session_for(&server), &named("Door sensor")).unwrap_err();

    m.assert();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("invalid.value"));
}

// ---------------------------------------------------------------- update

#[test]
fn update_puts_exactly_the_source_to_its_id() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", &one(DOOR_ID))
        .no_query()
        .json_body(json!({"name": "Door sensor", "description": "Front door", "deactivated": false}))
        .reply_json(200, fixture!("source.json"))
        .create();
    let guards = nothing_else(&mut server);

    let updated = sources::update(
        &session_for(&server),
        DOOR_ID,
        &Source {
            name: Some("Door sensor".into()),
            description: Some("Front door".into()),
            deactivated: Some(false),
            ..Default::default()
        },
    )
    .unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(updated.id.as_deref(), Some(DOOR_ID));
}

#[test]
fn update_of_a_fetched_source_sends_back_unknown_fields() {
    let mut server = mockito::Server::new();
    let get = api(&mut server, "GET", &one(DOOR_ID))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("source.json"))
        .create();
    let mut expected = fixture_json("source.json");
    expected["description"] = json!("Front door");
    assert_eq!(expected["version"], json!(2));
    assert_eq!(expected["registeredBy"]["name"], json!("Ada Admin"));
    let put = api(&mut server, "PUT", &one(DOOR_ID))
        .no_query()
        .json_body(expected)
        .reply_json(200, fixture!("source.json"))
        .create();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    let mut s = sources::get(&session, DOOR_ID).unwrap();
    s.description = Some("Front door".into());
    sources::update(&session, DOOR_ID, &s).unwrap();

    get.assert();
    put.assert();
    assert_all(&guards);
}

#[test]
fn update_escapes_the_id() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", &one(AWKWARD_ID_ENCODED))
        .no_query()
        .json_body(json!({"name": "Door sensor"}))
        .reply_json(200, fixture!("source.json"))
        .create();
    let guards = nothing_else(&mut server);

    sources::update(&session_for(&server), AWKWARD_ID, &named("Door sensor")).unwrap();

    m.assert();
    assert_all(&guards);
}

#[test]
fn update_rejects_blank_ids_and_missing_names_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    assert_invalid(
        sources::update(&session, "", &named("Door sensor")).unwrap_err(),
        "source_id",
    );
    assert_invalid(
        sources::update(&session, "  ", &named("Door sensor")).unwrap_err(),
        "source_id",
    );
    assert_invalid(
        sources::update(&session, DOOR_ID, &Source::default()).unwrap_err(),
        "source",
    );
    assert_invalid(
        sources::update(&session, DOOR_ID, &named(" ")).unwrap_err(),
        "source",
    );

    assert_all(&guards);
}

#[test]
fn update_of_an_unknown_id_is_not_found() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", &one("gone"))
        .no_query()
        .json_body(json!({"name": "Door sensor"}))
        .reply_json(404, fixture!("error_not_found.json"))
        .create();

    let err = sources::update(&session_for(&server), "gone", &named("Door sensor")).unwrap_err();

    m.assert();
    assert!(err.is_not_found(), "{err:?}");
}

// ---------------------------------------------------------------- delete

#[test]
fn delete_accepts_204_without_a_body() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "DELETE", &one(DOOR_ID))
        .no_query()
        .no_body()
        .with_status(204)
        .create();
    let guards = nothing_else(&mut server);

    let done: () = sources::delete(&session_for(&server), DOOR_ID).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(done, ());
}

#[test]
fn delete_accepts_200() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "DELETE", &one(DOOR_ID))
        .no_query()
        .no_body()
        .reply_json(200, "")
        .create();
    let guards = nothing_else(&mut server);

    sources::delete(&session_for(&server), DOOR_ID).unwrap();

    m.assert();
    assert_all(&guards);
}

#[test]
fn delete_escapes_the_id() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "DELETE", &one(AWKWARD_ID_ENCODED))
        .no_query()
        .no_body()
        .with_status(204)
        .create();
    let guards = nothing_else(&mut server);

    sources::delete(&session_for(&server), AWKWARD_ID).unwrap();

    m.assert();
    assert_all(&guards);
}

#[test]
fn delete_rejects_blank_ids_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    assert_invalid(sources::delete(&session, "").unwrap_err(), "source_id");
    assert_invalid(sources::delete(&session, "\n").unwrap_err(), "source_id");

    assert_all(&guards);
}

#[test]
fn delete_of_an_unknown_id_is_not_found() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "DELETE", &one("gone"))
        .no_query()
        .no_body()
        .reply_json(404, fixture!("error_not_found.json"))
        .create();

    let err = sources::delete(&session_for(&server), "gone").unwrap_err();

    m.assert();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "DELETE /api/v2/presence/sources/gone: 404 not.found: The requested resource was not found. \
         (correlation id 5e0b7a93-2c4d-4f18-b6a1-9d3c8e7f2a05)"
    );
}

// ---------------------------------------------------------------- user primary source

const USER: &str = "3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44";

fn primary_source(user: &str) -> String {
    format!("/api/v2/presence/users/{user}/primarysource")
}

#[test]
fn get_primary_source_decodes_every_field() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &primary_source(USER))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("primary_source.json"))
        .create();
    let guards = nothing_else(&mut server);

    let p = user::get_primary_source(&session_for(&server), USER).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(p.id.as_deref(), Some(USER));
    assert_eq!(p.name.as_deref(), Some("Grace Hopper"));
    assert_eq!(p.source_id.as_deref(), Some(DOOR_ID));
    assert_eq!(p.registered, Some(true));
    assert_eq!(
        p.self_uri.as_deref(),
        Some("/api/v2/presence/users/3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44/primarysource")
    );
    assert!(p.extra.is_empty(), "{:?}", p.extra);
}

#[test]
fn get_primary_source_escapes_the_user_id() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &primary_source(AWKWARD_ID_ENCODED))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("primary_source.json"))
        .create();
    let guards = nothing_else(&mut server);

    user::get_primary_source(&session_for(&server), AWKWARD_ID).unwrap();

    m.assert();
    assert_all(&guards);
}

#[test]
fn get_primary_source_of_an_unknown_user_is_not_found() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &primary_source("nobody"))
        .no_query()
        .no_body()
        .reply_json(404, fixture!("error_not_found.json"))
        .create();

    let err = user::get_primary_source(&session_for(&server), "nobody").unwrap_err();

    m.assert();
    assert!(err.is_not_found(), "{err:?}");
}

#[test]
fn set_primary_source_puts_exactly_the_source_id() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", &primary_source(USER))
        .no_query()
        .json_body(json!({"sourceId": DOOR_ID}))
        .reply_json(200, fixture!("primary_source.json"))
        .create();
    let guards = nothing_else(&mut server);

    let p = user::set_primary_source(&session_for(&server), USER, DOOR_ID).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(p.source_id.as_deref(), Some(DOOR_ID));
    assert_eq!(p.registered, Some(true));
}

#[test]
fn set_primary_source_escapes_the_user_id_but_not_the_body() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", &primary_source(AWKWARD_ID_ENCODED))
        .no_query()
        .json_body(json!({"sourceId": AWKWARD_ID}))
        .reply_json(200, fixture!("primary_source.json"))
        .create();
    let guards = nothing_else(&mut server);

    user::set_primary_source(&session_for(&server), AWKWARD_ID, AWKWARD_ID).unwrap();

    m.assert();
    assert_all(&guards);
}

#[test]
fn set_primary_source_rejects_blank_ids_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let s = session_for(&server);

    for blank in ["", "  ", "\t\n"] {
        assert_invalid(user::get_primary_source(&s, blank).unwrap_err(), "user_id");
        assert_invalid(
            user::set_primary_source(&s, blank, DOOR_ID).unwrap_err(),
            "user_id",
        );
        assert_invalid(
            user::set_primary_source(&s, USER, blank).unwrap_err(),
            "source_id",
        );
    }

    assert_all(&guards);
}

#[test]
fn set_primary_source_reports_an_unknown_source() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", &primary_source(USER))
        .no_query()
        .json_body(json!({"sourceId": "nope"}))
        .reply_json(400, fixture!("error_bad_request.json"))
        .create();

    let err = user::set_primary_source(&session_for(&server), USER, "nope").unwrap_err();

    m.assert();
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(400),
        "{err:?}"
    );
}
