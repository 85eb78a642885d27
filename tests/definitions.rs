//! `definitions::{list, list_all, get, create, update, delete}`:
//! `/api/v2/presencedefinitions`.

#[macro_use]
mod common;

use std::collections::BTreeMap;

use common::{
    api, assert_all, assert_invalid, fixture_json, nothing_else, session_for, MockExt, AWKWARD_ID,
    AWKWARD_ID_ENCODED,
};
use genesys_presence::definitions::{self, DefinitionQuery, DeletedFilter};
use genesys_presence::{Error, OrganizationPresence, Session, SystemPresenceName};
use mockito::Matcher;
use serde_json::json;

const LIST: &str = "/api/v2/presencedefinitions";
const LUNCH_ID: &str = "c3a8e2f0-5d41-4b1e-a0f7-93d2c5b6e781";

fn one(path: &str) -> String {
    format!("{LIST}/{path}")
}

fn labels(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn ids(definitions: &[OrganizationPresence]) -> Vec<&str> {
    definitions.iter().map(|d| d.id.as_deref().unwrap()).collect()
}

// ---------------------------------------------------------------- list

#[test]
fn list_without_parameters_sends_no_query_and_decodes_the_page() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", LIST)
        .no_query()
        .no_body()
        .reply_json(200, fixture!("definitions_page_1.json"))
        .create();
    let guards = nothing_else(&mut server);

    let page = definitions::list(&session_for(&server), &DefinitionQuery::default()).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(
        ids(&page.entities),
        ["6a3af858-942f-489d-9700-5f9bcdcdae9b", LUNCH_ID]
    );
    let lunch = &page.entities[1];
    assert_eq!(lunch.label("en_US"), Some("Lunch"));
    assert_eq!(lunch.system_presence.as_deref(), Some("Meal"));
    assert_eq!(lunch.system_presence_name(), Some(SystemPresenceName::Meal));
    assert_eq!(lunch.deactivated, Some(false));
    assert_eq!(lunch.primary, Some(false));
    assert_eq!(page.entities[0].primary, Some(true));
    assert_eq!(page.page_size, Some(2));
    assert_eq!(page.page_number, Some(1));
    assert_eq!(page.total, Some(5));
    assert_eq!(page.page_count, Some(3));
    assert_eq!(
        page.first_uri.as_deref(),
        Some("/api/v2/presencedefinitions?pageSize=2&pageNumber=1")
    );
    assert_eq!(
        page.self_uri.as_deref(),
        Some("/api/v2/presencedefinitions?pageSize=2&pageNumber=1")
    );
    assert_eq!(
        page.next_uri.as_deref(),
        Some("/api/v2/presencedefinitions?pageSize=2&pageNumber=2")
    );
    assert_eq!(
        page.last_uri.as_deref(),
        Some("/api/v2/presencedefinitions?pageSize=2&pageNumber=3")
    );
    assert_eq!(page.previous_uri, None);
}

#[test]
fn list_sends_all_four_parameters_in_a_fixed_order() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", LIST)
        .match_query(Matcher::Exact(
            "pageNumber=2&pageSize=50&deleted=all&localeCode=fr".into(),
        ))
        .no_body()
        .reply_json(200, fixture!("definitions_page_2.json"))
        .create();
    let guards = nothing_else(&mut server);

    // Set in another order than the one sent.
    let query = DefinitionQuery::default()
        .locale_code("fr")
        .deleted(DeletedFilter::All)
        .page_size(50)
        .page_number(2);
    let page = definitions::list(&session_for(&server), &query).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(page.page_number, Some(2));
    assert_eq!(
        page.previous_uri.as_deref(),
        Some("/api/v2/presencedefinitions?pageSize=2&pageNumber=1")
    );
    assert_eq!(
        ids(&page.entities),
        [
            "31fe3bac-dea6-44b7-bed7-47f91660a1a0",
            "e1c49d27-3b8a-4f60-9c15-7d2a0b6e8f31"
        ]
    );
}

#[test]
fn list_sends_only_the_parameters_that_are_set() {
    let cases = [
        (DefinitionQuery::default().page_number(3), "pageNumber=3"),
        (DefinitionQuery::default().page_size(100), "pageSize=100"),
        (DefinitionQuery::default().locale_code("ALL"), "localeCode=ALL"),
        (
            DefinitionQuery::default().page_size(10).locale_code("en_US"),
            "pageSize=10&localeCode=en_US",
        ),
        // A value cannot add parameters of its own.
        (
            DefinitionQuery::default().locale_code("fr&pageSize=1"),
            "localeCode=fr%26pageSize%3D1",
        ),
    ];
    for (query, expected) in cases {
        let mut server = mockito::Server::new();
        let m = api(&mut server, "GET", LIST)
            .match_query(Matcher::Exact(expected.into()))
            .no_body()
            .reply_json(200, fixture!("definitions_page_1.json"))
            .create();

        let page = definitions::list(&session_for(&server), &query).unwrap();

        m.assert();
        assert_eq!(page.entities.len(), 2, "{expected}");
    }
}

#[test]
fn deleted_filter_sends_false_true_or_all() {
    let cases = [
        (DeletedFilter::Active, "false"),
        (DeletedFilter::Deleted, "true"),
        (DeletedFilter::All, "all"),
    ];
    assert_eq!(DeletedFilter::default(), DeletedFilter::Active);
    for (filter, value) in cases {
        assert_eq!(filter.as_str(), value);
        let mut server = mockito::Server::new();
        let m = api(&mut server, "GET", LIST)
            .match_query(Matcher::Exact(format!("deleted={value}")))
            .no_body()
            .reply_json(200, fixture!("definitions_page_1.json"))
            .create();

        definitions::list(&session_for(&server), &DefinitionQuery::default().deleted(filter)).unwrap();

        m.assert();
    }
}

#[test]
fn list_rejects_bad_parameters_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    let err = definitions::list(&session, &DefinitionQuery::default().page_number(0)).unwrap_err();
    assert_invalid(err, "page_number");
    let err = definitions::list(&session, &DefinitionQuery::default().page_size(0)).unwrap_err();
    assert_invalid(err, "page_size");
    let too_big = DefinitionQuery::default().page_size(definitions::MAX_PAGE_SIZE + 1);
    let err = definitions::list(&session, &too_big).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid page_size: 501 is above the maximum of 500"
    );
    let err = definitions::list(&session, &DefinitionQuery::default().locale_code(" ")).unwrap_err();
    assert_invalid(err, "locale_code");
    let err = definitions::list_all(&session, &DefinitionQuery::default().page_size(0)).unwrap_err();
    assert_invalid(err, "page_size");

    assert_all(&guards);
}

// ---------------------------------------------------------------- list_all

#[test]
fn list_all_follows_pages_until_page_count() {
    let mut server = mockito::Server::new();
    let pages = [
        ("1", fixture!("definitions_page_1.json")),
        ("2", fixture!("definitions_page_2.json")),
        ("3", fixture!("definitions_page_3.json")),
    ]
    .map(|(n, body)| {
        api(&mut server, "GET", LIST)
            .match_query(Matcher::Exact(format!(
                "pageNumber={n}&pageSize=2&deleted=all&localeCode=fr"
            )))
            .no_body()
            .reply_json(200, body)
            .expect(1)
            .create()
    });
    let guards = nothing_else(&mut server);

    let query = DefinitionQuery::default()
        .page_size(2)
        .deleted(DeletedFilter::All)
        .locale_code("fr");
    let all = definitions::list_all(&session_for(&server), &query).unwrap();

    assert_all(&pages);
    assert_all(&guards);
    assert_eq!(
        ids(&all),
        [
            "6a3af858-942f-489d-9700-5f9bcdcdae9b",
            LUNCH_ID,
            "31fe3bac-dea6-44b7-bed7-47f91660a1a0",
            "e1c49d27-3b8a-4f60-9c15-7d2a0b6e8f31",
            "a8f3c2d1-7e6b-4a59-9c0d-1e2f3a4b5c6d",
        ]
    );
    assert_eq!(all[4].system_presence_name(), Some(SystemPresenceName::OnQueue));
}

#[test]
fn list_all_without_parameters_starts_at_page_one() {
    let mut server = mockito::Server::new();
    let pages = [
        ("1", fixture!("definitions_page_1.json")),
        ("2", fixture!("definitions_page_2.json")),
        ("3", fixture!("definitions_page_3.json")),
    ]
    .map(|(n, body)| {
        api(&mut server, "GET", LIST)
            .match_query(Matcher::Exact(format!("pageNumber={n}")))
            .no_body()
            .reply_json(200, body)
            .expect(1)
            .create()
    });
    let guards = nothing_else(&mut server);

    let all = definitions::list_all(&session_for(&server), &DefinitionQuery::default()).unwrap();

    assert_all(&pages);
    assert_all(&guards);
    assert_eq!(all.len(), 5);
}

#[test]
fn list_all_starts_at_the_query_page_number() {
    let mut server = mockito::Server::new();
    let pages = [
        ("2", fixture!("definitions_page_2.json")),
        ("3", fixture!("definitions_page_3.json")),
    ]
    .map(|(n, body)| {
        api(&mut server, "GET", LIST)
            .match_query(Matcher::Exact(format!("pageNumber={n}&pageSize=2")))
            .no_body()
            .reply_json(200, body)
            .expect(1)
            .create()
    });
    let guards = nothing_else(&mut server);

    let query = DefinitionQuery::default().page_number(2).page_size(2);
    let all = definitions::list_all(&session_for(&server), &query).unwrap();

    assert_all(&pages);
    assert_all(&guards);
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].id.as_deref(), Some("31fe3bac-dea6-44b7-bed7-47f91660a1a0"));
}

#[test]
fn list_all_stops_at_an_empty_page() {
    let mut server = mockito::Server::new();
    let first = api(&mut server, "GET", LIST)
        .match_query(Matcher::Exact("pageNumber=1&pageSize=2".into()))
        .no_body()
        // Announces five pages.
        .reply_json(
            200,
            &fixture!("definitions_page_1.json").replace("\"pageCount\": 3", "\"pageCount\": 5"),
        )
        .expect(1)
        .create();
    let empty = api(&mut server, "GET", LIST)
        .match_query(Matcher::Exact("pageNumber=2&pageSize=2".into()))
        .no_body()
        .reply_json(200, fixture!("definitions_empty_page.json"))
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let all = definitions::list_all(&session_for(&server), &DefinitionQuery::default().page_size(2)).unwrap();

    first.assert();
    empty.assert();
    assert_all(&guards);
    assert_eq!(ids(&all), ["6a3af858-942f-489d-9700-5f9bcdcdae9b", LUNCH_ID]);
}

#[test]
fn list_all_without_page_count_stops_when_next_uri_is_absent() {
    let mut server = mockito::Server::new();
    let pages = [
        ("1", fixture!("definitions_uncounted_1.json")),
        ("2", fixture!("definitions_uncounted_2.json")),
    ]
    .map(|(n, body)| {
        api(&mut server, "GET", LIST)
            .match_query(Matcher::Exact(format!("pageNumber={n}&pageSize=1")))
            .no_body()
            .reply_json(200, body)
            .expect(1)
            .create()
    });
    let guards = nothing_else(&mut server);

    let all = definitions::list_all(&session_for(&server), &DefinitionQuery::default().page_size(1)).unwrap();

    assert_all(&pages);
    assert_all(&guards);
    assert_eq!(ids(&all), ["6a3af858-942f-489d-9700-5f9bcdcdae9b", LUNCH_ID]);
}

#[test]
fn list_all_stops_when_the_server_repeats_a_page() {
    let mut server = mockito::Server::new();
    // Whatever page is asked, the server answers page 1 again, still
    // announcing three pages.
    let pages = ["1", "2"].map(|n| {
        api(&mut server, "GET", LIST)
            .match_query(Matcher::Exact(format!("pageNumber={n}")))
            .no_body()
            .reply_json(200, fixture!("definitions_page_1.json"))
            .expect(1)
            .create()
    });
    let guards = nothing_else(&mut server);

    let all = definitions::list_all(&session_for(&server), &DefinitionQuery::default()).unwrap();

    assert_all(&pages);
    assert_all(&guards);
    // Each definition once.
    assert_eq!(ids(&all), ["6a3af858-942f-489d-9700-5f9bcdcdae9b", LUNCH_ID]);
}

#[test]
fn list_all_gives_up_after_max_pages_when_the_server_never_ends() {
    let mut server = mockito::Server::new();
    // Every page holds a new definition and announces another page.
    let endless = api(&mut server, "GET", LIST)
        .match_query(Matcher::Any)
        .no_body()
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body_from_request(|request| {
            let query = request.path_and_query().split_once('?').map(|(_, q)| q.to_owned()).unwrap();
            let n = query.trim_start_matches("pageNumber=");
            json!({
                "entities": [{"id": format!("def-{n}"), "languageLabels": {"en_US": n}}],
                "pageSize": 1,
                "pageNumber": n.parse::<i64>().unwrap(),
                "nextUri": format!("/api/v2/presencedefinitions?pageNumber={}", n.parse::<i64>().unwrap() + 1),
            })
            .to_string()
            .into_bytes()
        })
        .expect(definitions::MAX_PAGES)
        .create();

    // mockito closes every connection, and a new connection of the default
    // agent zero-fills 256 KiB of buffers (slow in debug builds): small
    // buffers keep these 1000 requests fast.
    let agent = ureq::Agent::config_builder()
        .input_buffer_size(4 * 1024)
        .output_buffer_size(4 * 1024)
        .build()
        .new_agent();
    let session = Session::builder()
        .base_url(server.url())
        .access_token(common::TOKEN)
        .agent(agent)
        .build()
        .unwrap();
    let err = definitions::list_all(&session, &DefinitionQuery::default()).unwrap_err();

    endless.assert();
    assert!(
        matches!(&err, Error::TooManyPages { pages, .. } if *pages == definitions::MAX_PAGES),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "GET /api/v2/presencedefinitions: still more pages after 1000; narrow the query or read pages with list"
    );
}

#[test]
fn list_all_stops_at_page_count_zero() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", LIST)
        .match_query(Matcher::Exact("pageNumber=1".into()))
        .no_body()
        .reply_json(200, fixture!("definitions_null_entities.json"))
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let all = definitions::list_all(&session_for(&server), &DefinitionQuery::default()).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(all, []);
}

#[test]
fn list_all_returns_the_first_failing_page_error() {
    let mut server = mockito::Server::new();
    let first = api(&mut server, "GET", LIST)
        .match_query(Matcher::Exact("pageNumber=1".into()))
        .no_body()
        .reply_json(200, fixture!("definitions_page_1.json"))
        .expect(1)
        .create();
    let failing = api(&mut server, "GET", LIST)
        .match_query(Matcher::Exact("pageNumber=2".into()))
        .no_body()
        .reply_json(
            500,
            r#"{"message":"The server encountered an internal error.","code":"internal.server.error","status":500,"contextId":"ctx-500"}"#,
        )
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let err = definitions::list_all(&session_for(&server), &DefinitionQuery::default()).unwrap_err();

    first.assert();
    failing.assert();
    assert_all(&guards);
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.code(), Some("internal.server.error"));
    assert_eq!(
        err.to_string(),
        "GET /api/v2/presencedefinitions: 500 internal.server.error: The server encountered an internal \
         error. (correlation id ctx-500)"
    );
}

// ---------------------------------------------------------------- get

#[test]
fn get_without_locale_sends_no_query_and_decodes_every_field() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &one(LUNCH_ID))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("definition.json"))
        .create();
    let guards = nothing_else(&mut server);

    let d = definitions::get(&session_for(&server), LUNCH_ID, None).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(d.id.as_deref(), Some(LUNCH_ID));
    assert_eq!(d.name.as_deref(), Some("Lunch"));
    assert_eq!(
        d.language_labels,
        labels(&[("en_US", "Lunch"), ("fr", "Déjeuner")])
    );
    assert_eq!(d.label("fr"), Some("Déjeuner"));
    assert_eq!(d.label("de"), None);
    assert_eq!(d.system_presence.as_deref(), Some("Meal"));
    assert_eq!(d.deactivated, Some(false));
    assert_eq!(d.primary, Some(false));
    let created_by = d.created_by.as_ref().unwrap();
    assert_eq!(
        created_by.id.as_deref(),
        Some("9b2e4c61-1f3a-4d8e-b5c7-0a6d2e8f4b13")
    );
    assert_eq!(
        created_by.self_uri.as_deref(),
        Some("/api/v2/users/9b2e4c61-1f3a-4d8e-b5c7-0a6d2e8f4b13")
    );
    assert_eq!(d.created_date.as_deref(), Some("2023-11-20T09:15:00.000Z"));
    assert_eq!(d.modified_by, None);
    assert_eq!(d.modified_date.as_deref(), Some("2024-01-08T16:40:22.000Z"));
    assert_eq!(
        d.self_uri.as_deref(),
        Some("/api/v2/presencedefinitions/c3a8e2f0-5d41-4b1e-a0f7-93d2c5b6e781")
    );
    assert!(d.extra.is_empty(), "{:?}", d.extra);
}

#[test]
fn get_with_locale_sends_locale_code() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &one(LUNCH_ID))
        .match_query(Matcher::Exact("localeCode=fr".into()))
        .no_body()
        .reply_json(200, fixture!("definition.json"))
        .create();
    let guards = nothing_else(&mut server);

    let d = definitions::get(&session_for(&server), LUNCH_ID, Some("fr")).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(d.label("fr"), Some("Déjeuner"));
}

#[test]
fn get_escapes_the_id() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &one(AWKWARD_ID_ENCODED))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("definition.json"))
        .create();
    let guards = nothing_else(&mut server);

    let d = definitions::get(&session_for(&server), AWKWARD_ID, None).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(d.name.as_deref(), Some("Lunch"));
}

#[test]
fn get_rejects_empty_ids_and_locales_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    assert_invalid(definitions::get(&session, "", None).unwrap_err(), "id");
    assert_invalid(definitions::get(&session, " \t ", None).unwrap_err(), "id");
    assert_invalid(
        definitions::get(&session, LUNCH_ID, Some("")).unwrap_err(),
        "locale_code",
    );
    assert_invalid(
        definitions::get(&session, LUNCH_ID, Some("  ")).unwrap_err(),
        "locale_code",
    );
    let err = definitions::get(&session, "", None).unwrap_err();
    assert_eq!(err.to_string(), "invalid id: must not be empty");

    assert_all(&guards);
}

#[test]
fn get_unknown_id_is_not_found() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &one("missing"))
        .no_query()
        .no_body()
        .reply_json(404, fixture!("error_not_found.json"))
        .create();

    let err = definitions::get(&session_for(&server), "missing", None).unwrap_err();

    m.assert();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.correlation_id(), Some("5e0b7a93-2c4d-4f18-b6a1-9d3c8e7f2a05"));
    assert_eq!(
        err.to_string(),
        "GET /api/v2/presencedefinitions/missing: 404 not.found: The requested resource was not found. \
         (correlation id 5e0b7a93-2c4d-4f18-b6a1-9d3c8e7f2a05)"
    );
}

// ---------------------------------------------------------------- create

#[test]
fn create_posts_only_the_fields_set_and_decodes_the_answer() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", LIST)
        .no_query()
        .json_body(json!({"languageLabels": {"en_US": "Focus time"}, "systemPresence": "Busy"}))
        .reply_json(200, fixture!("definition_created.json"))
        .create();
    let guards = nothing_else(&mut server);

    let created = definitions::create(
        &session_for(&server),
        &OrganizationPresence {
            language_labels: labels(&[("en_US", "Focus time")]),
            system_presence: Some("Busy".into()),
            ..Default::default()
        },
    )
    .unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(
        created.id.as_deref(),
        Some("e1c49d27-3b8a-4f60-9c15-7d2a0b6e8f31")
    );
    assert_eq!(created.name.as_deref(), Some("Focus time"));
    assert_eq!(created.system_presence_name(), Some(SystemPresenceName::Busy));
    assert_eq!(
        created.modified_by.as_ref().and_then(|u| u.id.as_deref()),
        Some("9b2e4c61-1f3a-4d8e-b5c7-0a6d2e8f4b13")
    );
    assert_eq!(created.created_date.as_deref(), Some("2024-05-02T14:03:11.123Z"));
}

#[test]
fn create_accepts_201() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", LIST)
        .no_query()
        .json_body(json!({"languageLabels": {"en_US": "Focus time", "fr": "Concentration"}}))
        .reply_json(201, fixture!("definition_created.json"))
        .create();

    let created = definitions::create(
        &session_for(&server),
        &OrganizationPresence {
            language_labels: labels(&[("en_US", "Focus time"), ("fr", "Concentration")]),
            ..Default::default()
        },
    )
    .unwrap();

    m.assert();
    assert_eq!(
        created.id.as_deref(),
        Some("e1c49d27-3b8a-4f60-9c15-7d2a0b6e8f31")
    );
}

#[test]
fn create_requires_language_labels_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    let no_labels = OrganizationPresence {
        system_presence: Some("Busy".into()),
        ..Default::default()
    };
    assert_invalid(
        definitions::create(&session, &no_labels).unwrap_err(),
        "definition",
    );
    let empty_labels = OrganizationPresence {
        language_labels: Some(BTreeMap::new()),
        ..Default::default()
    };
    assert_invalid(
        definitions::create(&session, &empty_labels).unwrap_err(),
        "definition",
    );
    assert_invalid(
        definitions::update(&session, LUNCH_ID, &no_labels).unwrap_err(),
        "definition",
    );

    assert_all(&guards);
}

#[test]
fn create_reports_a_validation_error_with_details() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "POST", LIST)
        .no_query()
        .json_body(json!({"languageLabels": {"en_US": "Nap"}, "systemPresence": "Nap"}))
        .reply_json(400, fixture!("error_bad_request.json"))
        .create();

    let err = definitions::create(
        &session_for(&server),
        &OrganizationPresence {
            language_labels: labels(&[("en_US", "Nap")]),
            system_presence: Some("Nap".into()),
            ..Default::default()
        },
    )
    .unwrap_err();

    m.assert();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("invalid.value"));
    let body = err.body().unwrap();
    assert_eq!(body.details.len(), 1);
    assert_eq!(body.details[0].field_name.as_deref(), Some("systemPresence"));
    assert_eq!(body.message_params.get("value"), Some(&json!("Nap")));
    assert!(body.errors.is_empty());
    assert_eq!(err.correlation_id(), Some("2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"));
}

// ---------------------------------------------------------------- update

#[test]
fn update_puts_the_definition_to_its_escaped_id() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", &one(AWKWARD_ID_ENCODED))
        .no_query()
        .json_body(json!({
            "name": "Lunch",
            "languageLabels": {"en_US": "Lunch break", "fr": "Pause déjeuner"},
            "systemPresence": "Meal",
            "deactivated": false
        }))
        .reply_json(200, fixture!("definition.json"))
        .create();
    let guards = nothing_else(&mut server);

    let updated = definitions::update(
        &session_for(&server),
        AWKWARD_ID,
        &OrganizationPresence {
            name: Some("Lunch".into()),
            language_labels: labels(&[("en_US", "Lunch break"), ("fr", "Pause déjeuner")]),
            system_presence: Some("Meal".into()),
            deactivated: Some(false),
            ..Default::default()
        },
    )
    .unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(updated.id.as_deref(), Some(LUNCH_ID));
    assert_eq!(updated.modified_date.as_deref(), Some("2024-01-08T16:40:22.000Z"));
}

#[test]
fn update_of_a_fetched_definition_sends_back_every_field() {
    let mut server = mockito::Server::new();
    let get = api(&mut server, "GET", &one(LUNCH_ID))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("definition.json"))
        .create();
    let mut expected = fixture_json("definition.json");
    expected["languageLabels"]["en_US"] = json!("Long lunch");
    let put = api(&mut server, "PUT", &one(LUNCH_ID))
        .no_query()
        .json_body(expected)
        .reply_json(200, fixture!("definition.json"))
        .create();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    let mut d = definitions::get(&session, LUNCH_ID, None).unwrap();
    d.language_labels
        .as_mut()
        .unwrap()
        .insert("en_US".into(), "Long lunch".into());
    definitions::update(&session, LUNCH_ID, &d).unwrap();

    get.assert();
    put.assert();
    assert_all(&guards);
}

#[test]
fn update_rejects_empty_ids_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);
    let d = OrganizationPresence {
        language_labels: labels(&[("en_US", "Lunch")]),
        ..Default::default()
    };

    assert_invalid(definitions::update(&session, "", &d).unwrap_err(), "id");
    assert_invalid(definitions::update(&session, "   ", &d).unwrap_err(), "id");

    assert_all(&guards);
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

    let done: () = definitions::delete(&session_for(&server), LUNCH_ID).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(done, ());
}

#[test]
fn delete_accepts_200_with_an_empty_body() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "DELETE", &one(LUNCH_ID))
        .no_query()
        .no_body()
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body("")
        .create();

    definitions::delete(&session_for(&server), LUNCH_ID).unwrap();

    m.assert();
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

    definitions::delete(&session_for(&server), AWKWARD_ID).unwrap();

    m.assert();
    assert_all(&guards);
}

#[test]
fn delete_rejects_empty_ids_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    assert_invalid(definitions::delete(&session, "").unwrap_err(), "id");
    assert_invalid(definitions::delete(&session, "\n").unwrap_err(), "id");

    assert_all(&guards);
}

#[test]
fn delete_of_an_unknown_id_reports_404() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "DELETE", &one("gone"))
        .no_query()
        .no_body()
        .with_status(404)
        .with_header("content-type", "application/json")
        .with_header("inin-correlation-id", "del-404")
        .with_body(fixture!("error_not_found.json"))
        .create();

    let err = definitions::delete(&session_for(&server), "gone").unwrap_err();

    m.assert();
    assert!(matches!(err, Error::Api { status: 404, .. }), "{err:?}");
    assert!(err.is_not_found());
    // The header wins over the body's contextId.
    assert_eq!(err.correlation_id(), Some("del-404"));
    assert_eq!(
        err.to_string(),
        "DELETE /api/v2/presencedefinitions/gone: 404 not.found: The requested resource was not found. \
         (correlation id del-404)"
    );
}
