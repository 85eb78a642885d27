//! `presence_definitions::{list, get, create, update, delete}`: the current
//! `/api/v2/presence/definitions` family.

use std::collections::BTreeMap;

use crate::credentials::fixture_json;
use crate::mock::{
    api, assert_all, assert_invalid, nothing_else, session_for, MockExt, AWKWARD_ID, AWKWARD_ID_ENCODED,
};
use genesys_presence::presence_definitions::{self, PresenceDefinitionQuery};
use genesys_presence::{ErrorKind, OrganizationPresenceDefinition, SystemPresenceName};
use mockito::Matcher;
use serde_json::json;

const LIST: &str = "/api/v2/presence/definitions";
const AVAILABLE_ID: &str = "6a3af858-942f-489d-9700-5f9bcdcdae9b";
const LUNCH_ID: &str = "c3a8e2f0-5d41-4b1e-a0f7-93d2c5b6e781";
const ON_QUEUE_ID: &str = "a8f3c2d1-7e6b-4a59-9c0d-1e2f3a4b5c6d";
const FOCUS_ID: &str = "e1c49d27-3b8a-4f60-9c15-7d2a0b6e8f31";
const DIVISION: &str = "d4e5f6a7-0b1c-4d2e-8f3a-5b6c7d8e9f01";
const OTHER_DIVISION: &str = "7a1b2c3d-0000-4000-8000-000000000001";

fn one(id: &str) -> String {
    format!("{LIST}/{id}")
}

fn labels(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn ids(definitions: &[OrganizationPresenceDefinition]) -> Vec<&str> {
    definitions.iter().map(|d| d.id.as_deref().unwrap()).collect()
}

/// Lists with `query` against a server that expects exactly the query string `expected`.
fn list_sends(query: PresenceDefinitionQuery, expected: &str) {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", LIST)
        .match_query(Matcher::Exact(expected.into()))
        .no_body()
        .reply_json(200, fixture!("presence_definitions.json"))
        .create();
    let guards = nothing_else(&mut server);

    let listing = presence_definitions::list(&session_for(&server), &query).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(listing.entities.len(), 3, "{expected}");
}

// ---------------------------------------------------------------- list

#[test]
fn list_without_parameters_sends_no_query_and_decodes_every_field() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", LIST)
        .no_query()
        .no_body()
        .reply_json(200, fixture!("presence_definitions.json"))
        .create();
    let guards = nothing_else(&mut server);

    let listing =
        presence_definitions::list(&session_for(&server), &PresenceDefinitionQuery::default()).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(listing.total, Some(3));
    assert_eq!(listing.self_uri.as_deref(), Some("/api/v2/presence/definitions"));
    assert_eq!(ids(&listing.entities), [AVAILABLE_ID, LUNCH_ID, ON_QUEUE_ID]);

    let available = &listing.entities[0];
    assert_eq!(available.name.as_deref(), Some("Available"));
    assert_eq!(available.definition_type.as_deref(), Some("System"));
    assert!(!available.is_user_defined());
    assert_eq!(
        available.language_labels,
        labels(&[("en_US", "Available"), ("fr", "Disponible")])
    );
    assert_eq!(available.system_presence.as_deref(), Some("Available"));
    assert_eq!(
        available.system_presence_name(),
        Some(SystemPresenceName::Available)
    );
    assert_eq!(available.division_id.as_deref(), Some("*"));
    assert_eq!(available.deactivated, Some(false));
    assert_eq!(
        available.self_uri.as_deref(),
        Some("/api/v2/presence/definitions/6a3af858-942f-489d-9700-5f9bcdcdae9b")
    );
    assert!(available.extra.is_empty(), "{:?}", available.extra);

    let lunch = &listing.entities[1];
    assert_eq!(lunch.definition_type.as_deref(), Some("User"));
    assert!(lunch.is_user_defined());
    assert_eq!(lunch.label("en_US"), Some("Lunch"));
    assert_eq!(lunch.label("fr"), Some("Déjeuner"));
    assert_eq!(lunch.label("de"), None);
    assert_eq!(lunch.system_presence_name(), Some(SystemPresenceName::Meal));
    assert_eq!(lunch.division_id.as_deref(), Some(DIVISION));

    let on_queue = &listing.entities[2];
    assert_eq!(on_queue.name, None);
    assert_eq!(on_queue.division_id, None);
    assert_eq!(on_queue.system_presence_name(), Some(SystemPresenceName::OnQueue));
}

#[test]
fn list_sends_deactivated_true_or_false() {
    list_sends(
        PresenceDefinitionQuery::default().deactivated(true),
        "deactivated=true",
    );
    list_sends(
        PresenceDefinitionQuery::default().deactivated(false),
        "deactivated=false",
    );
}

#[test]
fn list_sends_the_locale_code() {
    list_sends(
        PresenceDefinitionQuery::default().locale_code("fr"),
        "localeCode=fr",
    );
    list_sends(
        PresenceDefinitionQuery::default().locale_code("ALL"),
        "localeCode=ALL",
    );
}

#[test]
fn list_sends_one_division_id() {
    list_sends(
        PresenceDefinitionQuery::default().division_id(DIVISION),
        &format!("divisionId={DIVISION}"),
    );
}

#[test]
fn list_sends_two_division_ids_as_one_comma_joined_encoded_value() {
    list_sends(
        PresenceDefinitionQuery::default()
            .division_id("a")
            .division_id("b"),
        "divisionId=a%2Cb",
    );
    list_sends(
        PresenceDefinitionQuery::default()
            .division_id(DIVISION)
            .division_id(OTHER_DIVISION),
        &format!("divisionId={DIVISION}%2C{OTHER_DIVISION}"),
    );
}

#[test]
fn list_sends_all_parameters_in_a_fixed_order() {
    // Set in another order than the one sent.
    list_sends(
        PresenceDefinitionQuery::default()
            .locale_code("en_US")
            .division_id("a")
            .deactivated(false)
            .division_id("b"),
        "deactivated=false&divisionId=a%2Cb&localeCode=en_US",
    );
}

#[test]
fn list_values_cannot_add_parameters_of_their_own() {
    list_sends(
        PresenceDefinitionQuery::default()
            .division_id("x&deactivated=true")
            .locale_code("fr#y"),
        "divisionId=x%26deactivated%3Dtrue&localeCode=fr%23y",
    );
}

#[test]
fn list_rejects_blank_locales_and_division_ids_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    for blank in ["", "  ", "\t"] {
        let err =
            presence_definitions::list(&session, &PresenceDefinitionQuery::default().locale_code(blank))
                .unwrap_err();
        assert_invalid(err, "locale_code");
        let err = presence_definitions::list(
            &session,
            &PresenceDefinitionQuery::default()
                .division_id(DIVISION)
                .division_id(blank),
        )
        .unwrap_err();
        assert_invalid(err, "division_id");
    }

    assert_all(&guards);
}

#[test]
fn list_error_answer_is_an_api_error() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", LIST)
        .match_query(Matcher::Exact("localeCode=xx".into()))
        .no_body()
        .reply_json(400, fixture!("error_bad_request.json"))
        .create();

    let err = presence_definitions::list(
        &session_for(&server),
        &PresenceDefinitionQuery::default().locale_code("xx"),
    )
    .unwrap_err();

    m.assert();
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(400),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("invalid.value"));
    assert!(!err.is_not_found());
}

// ---------------------------------------------------------------- get

#[test]
fn get_without_locale_sends_no_query_and_keeps_unknown_fields() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &one(LUNCH_ID))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("presence_definition.json"))
        .create();
    let guards = nothing_else(&mut server);

    let d = presence_definitions::get(&session_for(&server), LUNCH_ID, None).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(d.id.as_deref(), Some(LUNCH_ID));
    assert_eq!(d.name.as_deref(), Some("Lunch"));
    assert_eq!(d.definition_type.as_deref(), Some("User"));
    assert_eq!(
        d.language_labels,
        labels(&[("en_US", "Lunch"), ("fr", "Déjeuner")])
    );
    assert_eq!(d.system_presence.as_deref(), Some("Meal"));
    assert_eq!(d.division_id.as_deref(), Some(DIVISION));
    assert_eq!(d.deactivated, Some(false));
    assert_eq!(
        d.self_uri.as_deref(),
        Some("/api/v2/presence/definitions/c3a8e2f0-5d41-4b1e-a0f7-93d2c5b6e781")
    );
    assert_eq!(d.extra.len(), 2, "{:?}", d.extra);
    assert_eq!(d.extra.get("version"), Some(&json!(4)));
    assert_eq!(
        d.extra.get("displaySettings"),
        Some(&json!({"color": "#FFB000", "icons": ["meal", "clock"], "pinned": true}))
    );
}

#[test]
fn get_with_locale_sends_locale_code() {
    for locale in ["fr", "ALL"] {
        let mut server = mockito::Server::new();
        let m = api(&mut server, "GET", &one(LUNCH_ID))
            .match_query(Matcher::Exact(format!("localeCode={locale}")))
            .no_body()
            .reply_json(200, fixture!("presence_definition.json"))
            .create();
        let guards = nothing_else(&mut server);

        let d = presence_definitions::get(&session_for(&server), LUNCH_ID, Some(locale)).unwrap();

        m.assert();
        assert_all(&guards);
        assert_eq!(d.label("fr"), Some("Déjeuner"));
    }
}

#[test]
fn get_escapes_the_id() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &one(AWKWARD_ID_ENCODED))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("presence_definition.json"))
        .create();
    let guards = nothing_else(&mut server);

    let d = presence_definitions::get(&session_for(&server), AWKWARD_ID, None).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(d.id.as_deref(), Some(LUNCH_ID));
}

#[test]
fn get_decodes_a_new_type_and_system_presence_value() {
    let id = "f0e1d2c3-b4a5-4968-8776-655443322110";
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &one(id))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("presence_definition_new_values.json"))
        .create();

    let d = presence_definitions::get(&session_for(&server), id, None).unwrap();

    m.assert();
    assert_eq!(d.definition_type.as_deref(), Some("Integration"));
    assert!(!d.is_user_defined());
    assert_eq!(d.system_presence.as_deref(), Some("DeepWork"));
    assert_eq!(
        d.system_presence_name(),
        Some(SystemPresenceName::Other("DeepWork".into()))
    );
    assert_eq!(d.label("en_US"), Some("Deep work"));
}

#[test]
fn get_of_an_unknown_id_is_not_found() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &one("missing"))
        .no_query()
        .no_body()
        .reply_json(404, fixture!("error_not_found.json"))
        .create();

    let err = presence_definitions::get(&session_for(&server), "missing", None).unwrap_err();

    m.assert();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some("not.found"));
    assert_eq!(err.correlation_id(), Some("5e0b7a93-2c4d-4f18-b6a1-9d3c8e7f2a05"));
    assert_eq!(
        err.to_string(),
        "GET /api/v2/presence/definitions/missing: 404 not.found: The requested resource was not found. \
         (correlation id 5e0b7a93-2c4d-4f18-b6a1-9d3c8e7f2a05)"
    );
}

#[test]
fn get_rejects_blank_ids_and_locales_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    for blank in ["", " ", " \t\n"] {
        assert_invalid(
            presence_definitions::get(&session, blank, None).unwrap_err(),
            "definition_id",
        );
        assert_invalid(
            presence_definitions::get(&session, LUNCH_ID, Some(blank)).unwrap_err(),
            "locale_code",
        );
    }
    assert_eq!(
        presence_definitions::get(&session, "", None)
            .unwrap_err()
            .to_string(),
        "invalid definition_id: must not be empty"
    );

    assert_all(&guards);
}

// ---------------------------------------------------------------- create

#[test]
fn create_posts_exactly_the_fields_set_and_decodes_the_answer() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", LIST)
        .no_query()
        .json_body(json!({
            "languageLabels": {"en_US": "Focus time", "fr": "Concentration"},
            "systemPresence": "Busy",
            "divisionId": DIVISION
        }))
        .reply_json(200, fixture!("presence_definition_created.json"))
        .create();
    let guards = nothing_else(&mut server);

    let created = presence_definitions::create(
        &session_for(&server),
        &OrganizationPresenceDefinition {
            language_labels: labels(&[("en_US", "Focus time"), ("fr", "Concentration")]),
            system_presence: Some("Busy".into()),
            division_id: Some(DIVISION.into()),
            ..Default::default()
        },
    )
    .unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(created.id.as_deref(), Some(FOCUS_ID));
    assert_eq!(created.name.as_deref(), Some("Focus time"));
    assert_eq!(created.definition_type.as_deref(), Some("User"));
    assert_eq!(created.system_presence_name(), Some(SystemPresenceName::Busy));
    assert_eq!(created.division_id.as_deref(), Some(DIVISION));
    assert_eq!(created.deactivated, Some(false));
}

#[test]
fn create_accepts_201() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", LIST)
        .no_query()
        .json_body(json!({"languageLabels": {"en_US": "Focus time"}}))
        .reply_json(201, fixture!("presence_definition_created.json"))
        .create();

    let created = presence_definitions::create(
        &session_for(&server),
        &OrganizationPresenceDefinition {
            language_labels: labels(&[("en_US", "Focus time")]),
            ..Default::default()
        },
    )
    .unwrap();

    m.assert();
    assert_eq!(created.id.as_deref(), Some(FOCUS_ID));
}

#[test]
fn create_requires_language_labels_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    let no_labels = OrganizationPresenceDefinition {
        system_presence: Some("Busy".into()),
        ..Default::default()
    };
    let err = presence_definitions::create(&session, &no_labels).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid definition: language_labels is required (at least one locale, e.g. en_US)"
    );
    assert_invalid(err, "definition");
    let empty_labels = OrganizationPresenceDefinition {
        language_labels: Some(BTreeMap::new()),
        system_presence: Some("Busy".into()),
        ..Default::default()
    };
    assert_invalid(
        presence_definitions::create(&session, &empty_labels).unwrap_err(),
        "definition",
    );

    assert_all(&guards);
}

#[test]
fn create_reports_a_validation_error() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", LIST)
        .no_query()
        .json_body(json!({"languageLabels": {"en_US": "Nap"}, "systemPresence": "Nap"}))
        .reply_json(400, fixture!("error_bad_request.json"))
        .create();

    let err = presence_definitions::create(
        &session_for(&server),
        &OrganizationPresenceDefinition {
            language_labels: labels(&[("en_US", "Nap")]),
            system_presence: Some("Nap".into()),
            ..Default::default()
        },
    )
    .unwrap_err();

    m.assert();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("invalid.value"));
    assert_eq!(
        err.body().unwrap().details[0].field_name.as_deref(),
        Some("systemPresence")
    );
}

// ---------------------------------------------------------------- update

#[test]
fn update_puts_exactly_the_definition_to_its_id() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", &one(LUNCH_ID))
        .no_query()
        .json_body(json!({
            "name": "Lunch",
            "type": "User",
            "languageLabels": {"en_US": "Lunch break"},
            "systemPresence": "Meal",
            "deactivated": false
        }))
        .reply_json(200, fixture!("presence_definition.json"))
        .create();
    let guards = nothing_else(&mut server);

    let updated = presence_definitions::update(
        &session_for(&server),
        LUNCH_ID,
        &OrganizationPresenceDefinition {
            name: Some("Lunch".into()),
            definition_type: Some("User".into()),
            language_labels: labels(&[("en_US", "Lunch break")]),
            system_presence: Some("Meal".into()),
            deactivated: Some(false),
            ..Default::default()
        },
    )
    .unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(updated.id.as_deref(), Some(LUNCH_ID));
    assert_eq!(updated.extra.get("version"), Some(&json!(4)));
}

#[test]
fn update_of_a_fetched_definition_sends_back_unknown_fields() {
    let mut server = mockito::Server::new();
    let get = api(&mut server, "GET", &one(LUNCH_ID))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("presence_definition.json"))
        .create();
    let mut expected = fixture_json("presence_definition.json");
    expected["languageLabels"]["en_US"] = json!("Long lunch");
    // The unknown fields are in what is sent back.
    assert_eq!(expected["version"], json!(4));
    assert_eq!(expected["displaySettings"]["icons"], json!(["meal", "clock"]));
    let put = api(&mut server, "PUT", &one(LUNCH_ID))
        .no_query()
        .json_body(expected)
        .reply_json(200, fixture!("presence_definition.json"))
        .create();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    let mut d = presence_definitions::get(&session, LUNCH_ID, None).unwrap();
    d.language_labels
        .as_mut()
        .unwrap()
        .insert("en_US".into(), "Long lunch".into());
    presence_definitions::update(&session, LUNCH_ID, &d).unwrap();

    get.assert();
    put.assert();
    assert_all(&guards);
}

#[test]
fn update_escapes_the_id() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", &one(AWKWARD_ID_ENCODED))
        .no_query()
        .json_body(json!({"languageLabels": {"en_US": "Lunch"}}))
        .reply_json(200, fixture!("presence_definition.json"))
        .create();
    let guards = nothing_else(&mut server);

    presence_definitions::update(
        &session_for(&server),
        AWKWARD_ID,
        &OrganizationPresenceDefinition {
            language_labels: labels(&[("en_US", "Lunch")]),
            ..Default::default()
        },
    )
    .unwrap();

    m.assert();
    assert_all(&guards);
}

#[test]
fn update_rejects_blank_ids_and_missing_labels_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);
    let good = OrganizationPresenceDefinition {
        language_labels: labels(&[("en_US", "Lunch")]),
        ..Default::default()
    };
    let no_labels = OrganizationPresenceDefinition {
        system_presence: Some("Meal".into()),
        ..Default::default()
    };

    assert_invalid(
        presence_definitions::update(&session, "", &good).unwrap_err(),
        "definition_id",
    );
    assert_invalid(
        presence_definitions::update(&session, "  ", &good).unwrap_err(),
        "definition_id",
    );
    assert_invalid(
        presence_definitions::update(&session, LUNCH_ID, &no_labels).unwrap_err(),
        "definition",
    );

    assert_all(&guards);
}

#[test]
fn update_of_an_unknown_id_is_not_found() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", &one("gone"))
        .no_query()
        .json_body(json!({"languageLabels": {"en_US": "Lunch"}}))
        .reply_json(404, fixture!("error_not_found.json"))
        .create();

    let err = presence_definitions::update(
        &session_for(&server),
        "gone",
        &OrganizationPresenceDefinition {
            language_labels: labels(&[("en_US", "Lunch")]),
            ..Default::default()
        },
    )
    .unwrap_err();

    m.assert();
    assert!(err.is_not_found(), "{err:?}");
}

// ---------------------------------------------------------------- delete

#[test]
fn delete_accepts_204_without_a_body() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "DELETE", &one(LUNCH_ID))
        .no_query()
        .no_body()
        .with_status(204)
        .create();
    let guards = nothing_else(&mut server);

    let done: () = presence_definitions::delete(&session_for(&server), LUNCH_ID).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(done, ());
}

#[test]
fn delete_accepts_200_with_or_without_a_body() {
    for body in ["", fixture!("presence_definition.json")] {
        let mut server = mockito::Server::new();
        let m = api(&mut server, "DELETE", &one(LUNCH_ID))
            .no_query()
            .no_body()
            .reply_json(200, body)
            .create();
        let guards = nothing_else(&mut server);

        presence_definitions::delete(&session_for(&server), LUNCH_ID).unwrap();

        m.assert();
        assert_all(&guards);
    }
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

    presence_definitions::delete(&session_for(&server), AWKWARD_ID).unwrap();

    m.assert();
    assert_all(&guards);
}

#[test]
fn delete_rejects_blank_ids_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    assert_invalid(
        presence_definitions::delete(&session, "").unwrap_err(),
        "definition_id",
    );
    assert_invalid(
        presence_definitions::delete(&session, "\n ").unwrap_err(),
        "definition_id",
    );

    assert_all(&guards);
}

#[test]
fn delete_of_an_unknown_id_is_not_found() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "DELETE", &one("gone"))
        .no_query()
        .no_body()
        .with_status(404)
        .with_header("content-type", "application/json")
        .with_header("inin-correlation-id", "del-404")
        .with_body(fixture!("error_not_found.json"))
        .create();

    let err = presence_definitions::delete(&session_for(&server), "gone").unwrap_err();

    m.assert();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.correlation_id(), Some("del-404"));
    assert_eq!(
        err.to_string(),
        "DELETE /api/v2/presence/definitions/gone: 404 not.found: The requested resource was not found. \
         (correlation id del-404)"
    );
}
