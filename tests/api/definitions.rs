//! `definitions::{list, list_all, get, create, update, delete}`:
//! `/api/v2/presencedefinitions`.

use std::collections::BTreeMap;

use crate::credentials::fixture_json;
use crate::mock::{
    api, assert_all, assert_invalid, nothing_else, session_for, MockExt, AWKWARD_ID, AWKWARD_ID_ENCODED,
};
use genesys_presence::definitions::{self, DefinitionQuery, DeletedFilter};
use genesys_presence::{Error, ErrorKind, OrganizationPresence, Session, SystemPresenceName};
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
fn list_all_reports_an_empty_page_where_more_pages_are_announced() {
    let mut server = mockito::Server::new();
    let first = api(&mut server, "GET", LIST)
        .match_query(Matcher::Exact("pageNumber=1&pageSize=2".into()))
        .no_body()
        // Announces nine definitions on five pages, as the empty page does.
        .reply_json(
            200,
            &fixture!("definitions_page_1.json")
                .replace("\"pageCount\": 3", "\"pageCount\": 5")
                .replace("\"total\": 5", "\"total\": 9"),
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

    let err =
        definitions::list_all(&session_for(&server), &DefinitionQuery::default().page_size(2)).unwrap_err();

    first.assert();
    empty.assert();
    assert_all(&guards);
    assert_incomplete(&err, "page 2 is empty, but the server announced 5 pages");
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
fn list_all_reports_a_server_that_repeats_page_1() {
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

    let err = definitions::list_all(&session_for(&server), &DefinitionQuery::default()).unwrap_err();

    assert_all(&pages);
    assert_all(&guards);
    assert_incomplete(&err, "asked for page 2, the server answered page 1");
}

/// Asserts `err` is an [`ErrorKind::IncompleteListing`] error of the listing saying `detail`.
#[track_caller]
fn assert_incomplete(err: &Error, detail: &str) {
    assert_eq!(err.kind(), ErrorKind::IncompleteListing, "{err:?}");
    assert_eq!(err.method(), Some("GET"));
    assert_eq!(err.path(), Some(LIST));
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("GET /api/v2/presencedefinitions: incomplete listing: {detail}")
    );
    assert_eq!(err.status(), None);
}

/// A page of the listing: definitions `ids`, and the paging fields given
/// (`None` leaves one out).
fn page(
    number: Option<i64>,
    ids: &[&str],
    total: Option<i64>,
    page_count: Option<i64>,
    next_uri: bool,
) -> String {
    let mut page = json!({
        "entities": ids.iter().map(|id| json!({"id": id, "languageLabels": {"en_US": id}})).collect::<Vec<_>>(),
        "pageSize": 2,
    });
    let fields = page.as_object_mut().unwrap();
    if let Some(number) = number {
        fields.insert("pageNumber".into(), json!(number));
        if next_uri {
            fields.insert(
                "nextUri".into(),
                json!(format!(
                    "/api/v2/presencedefinitions?pageSize=2&pageNumber={}",
                    number + 1
                )),
            );
        }
    } else if next_uri {
        fields.insert(
            "nextUri".into(),
            json!("/api/v2/presencedefinitions?pageSize=2&pageNumber=9"),
        );
    }
    if let Some(total) = total {
        fields.insert("total".into(), json!(total));
    }
    if let Some(count) = page_count {
        fields.insert("pageCount".into(), json!(count));
    }
    page.to_string()
}

/// Serves `pages` in turn (each once) to `pageSize=2` requests from
/// `pageNumber=first` on; returns what `iter` yields.
fn iterate(first: u32, pages: Vec<String>) -> Vec<Result<String, Error>> {
    let mut server = mockito::Server::new();
    let mocks: Vec<_> = pages
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            api(&mut server, "GET", LIST)
                .match_query(Matcher::Exact(format!(
                    "pageNumber={}&pageSize=2",
                    first + i as u32
                )))
                .reply_json(200, &body)
                .expect(1)
                .create()
        })
        .collect();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);
    let query = DefinitionQuery::default().page_number(first).page_size(2);
    let mut iter = definitions::iter(&session, &query);
    let items: Vec<_> = iter.by_ref().map(|item| item.map(|d| d.id.unwrap())).collect();
    assert!(iter.next().is_none(), "fused after the end");
    assert_all(&mocks);
    assert_all(&guards);
    items
}

/// The ids yielded, then the error's detail if the last item is one.
fn outcome(items: &[Result<String, Error>]) -> (Vec<&str>, Option<String>) {
    let mut ids = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            Ok(id) => ids.push(id.as_str()),
            Err(err) => {
                assert_eq!(i, items.len() - 1, "an error is the last item: {items:?}");
                assert_eq!(err.kind(), ErrorKind::IncompleteListing, "{err:?}");
                let text = err.to_string();
                let Some(detail) = text.strip_prefix("GET /api/v2/presencedefinitions: incomplete listing: ")
                else {
                    panic!("{err:?}")
                };
                return (ids, Some(detail.to_owned()));
            }
        }
    }
    (ids, None)
}

#[test]
fn a_server_that_answers_page_2_to_every_later_request_is_an_incomplete_listing() {
    // The input of the report: five definitions on three pages of two, but
    // asked for page 3 the server answers page 2 again (nextUri and all).
    let mut server = mockito::Server::new();
    let first = api(&mut server, "GET", LIST)
        .match_query(Matcher::Exact("pageNumber=1&pageSize=2".into()))
        .reply_json(200, &page(Some(1), &["d1", "d2"], Some(5), Some(3), true))
        .expect(2)
        .create();
    // Pages 2 and 3, twice: once for list_all, once for iter.
    let stuck = api(&mut server, "GET", LIST)
        .match_query(Matcher::Regex("^pageNumber=[2-9]&pageSize=2$".into()))
        .reply_json(200, &page(Some(2), &["d3", "d4"], Some(5), Some(3), true))
        .expect(4)
        .create();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);
    let query = DefinitionQuery::default().page_size(2);

    let err = definitions::list_all(&session, &query).unwrap_err();
    assert_incomplete(&err, "asked for page 3, the server answered page 2");

    // iter yields the four definitions read, then the error, then nothing.
    let items: Vec<_> = definitions::iter(&session, &query)
        .map(|item| item.map(|d| d.id.unwrap()))
        .collect();
    let (ids, detail) = outcome(&items);
    assert_eq!(ids, ["d1", "d2", "d3", "d4"]);
    assert_eq!(
        detail.as_deref(),
        Some("asked for page 3, the server answered page 2")
    );
    first.assert();
    stuck.assert();
    assert_all(&guards);
}

#[test]
fn pages_that_do_not_add_up_end_with_an_incomplete_listing() {
    let d12 = ["d1", "d2"];
    let d34 = ["d3", "d4"];
    // (case, first page, pages, ids yielded, the error's detail)
    type Case = (
        &'static str,
        u32,
        Vec<String>,
        &'static [&'static str],
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "the last page repeats the one before",
            1,
            vec![
                page(Some(1), &d12, Some(5), Some(3), true),
                page(Some(2), &d34, Some(5), Some(3), true),
                page(Some(3), &d34, Some(5), Some(3), false),
            ],
            &["d1", "d2", "d3", "d4"],
            "the server announced 5 definitions and delivered 4 (expected 5)",
        ),
        (
            "a page that only repeats while more are announced",
            1,
            vec![
                page(Some(1), &d12, Some(6), Some(3), true),
                page(Some(2), &d12, Some(6), Some(3), true),
            ],
            &["d1", "d2"],
            "page 2 only repeats definitions already read, but the server announced 3 pages",
        ),
        (
            "no page numbers, the last page repeating",
            1,
            vec![
                page(None, &d12, Some(5), Some(3), true),
                page(None, &d34, Some(5), Some(3), true),
                page(None, &d34, Some(5), Some(3), false),
            ],
            &["d1", "d2", "d3", "d4"],
            "the server announced 5 definitions and delivered 4 (expected 5)",
        ),
        (
            "fewer pages than the total needs",
            1,
            vec![
                page(Some(1), &d12, Some(5), Some(2), true),
                page(Some(2), &d34, Some(5), Some(2), false),
            ],
            &["d1", "d2", "d3", "d4"],
            "the server announced 5 definitions and delivered 4 (expected 5)",
        ),
        (
            "more definitions than the total",
            1,
            vec![
                page(Some(1), &d12, Some(3), Some(2), true),
                page(Some(2), &d34, Some(3), Some(2), false),
            ],
            &["d1", "d2", "d3", "d4"],
            "the server announced 3 definitions and delivered 4 (expected 3)",
        ),
        (
            "the total changes between pages",
            1,
            vec![
                page(Some(1), &d12, Some(5), Some(3), true),
                page(Some(2), &d34, Some(4), Some(2), false),
            ],
            &["d1", "d2"],
            "the total changed from 5 to 4 while the pages were read",
        ),
        (
            "an empty page where only nextUri announces more",
            1,
            vec![
                page(Some(1), &d12, None, None, true),
                page(Some(2), &[], None, None, true),
            ],
            &["d1", "d2"],
            "page 2 is empty, but the server announced a next page",
        ),
        (
            "from page 2, a definition missing",
            2,
            vec![
                page(Some(2), &d34, Some(5), Some(3), true),
                page(Some(3), &[], Some(5), Some(3), false),
            ],
            &["d3", "d4"],
            "the server announced 5 definitions and delivered 2 from page 2 (expected 3)",
        ),
    ];
    for (case, first, pages, ids, detail) in cases {
        let items = iterate(first, pages);
        let (got, error) = outcome(&items);
        assert_eq!(got, ids, "{case}");
        assert_eq!(error.as_deref(), Some(detail), "{case}");
    }
}

#[test]
fn pages_that_add_up_end_without_an_error() {
    let cases: Vec<(&str, u32, Vec<String>, &[&str])> = vec![
        (
            "three counted pages",
            1,
            vec![
                page(Some(1), &["d1", "d2"], Some(5), Some(3), true),
                page(Some(2), &["d3", "d4"], Some(5), Some(3), true),
                page(Some(3), &["d5"], Some(5), Some(3), false),
            ],
            &["d1", "d2", "d3", "d4", "d5"],
        ),
        (
            "from page 2",
            2,
            vec![
                page(Some(2), &["d3", "d4"], Some(5), Some(3), true),
                page(Some(3), &["d5"], Some(5), Some(3), false),
            ],
            &["d3", "d4", "d5"],
        ),
        (
            "past the last page",
            4,
            vec![page(Some(4), &[], Some(5), Some(3), false)],
            &[],
        ),
        (
            "no counts, nextUri only",
            1,
            vec![
                page(Some(1), &["d1", "d2"], None, None, true),
                page(Some(2), &["d3"], None, None, false),
            ],
            &["d1", "d2", "d3"],
        ),
        (
            "an empty page where none is announced",
            1,
            vec![
                page(Some(1), &["d1", "d2"], None, None, true),
                page(Some(2), &[], None, None, false),
            ],
            &["d1", "d2"],
        ),
    ];
    for (case, first, pages, ids) in cases {
        let items = iterate(first, pages);
        assert_eq!(outcome(&items), (ids.to_vec(), None), "{case}");
    }
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
        .access_token(crate::mock::TOKEN)
        .agent(agent)
        .build()
        .unwrap();
    let err = definitions::list_all(&session, &DefinitionQuery::default()).unwrap_err();

    endless.assert();
    assert_eq!(err.kind(), ErrorKind::TooManyPages, "{err:?}");
    assert_eq!(definitions::MAX_PAGES, 1000, "the number the message says");
    assert_eq!(err.path(), Some("/api/v2/presencedefinitions"));
    assert!(!err.is_retryable());
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
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(404),
        "{err:?}"
    );
    assert!(err.is_not_found());
    // The header wins over the body's contextId.
    assert_eq!(err.correlation_id(), Some("del-404"));
    assert_eq!(
        err.to_string(),
        "DELETE /api/v2/presencedefinitions/gone: 404 not.found: The requested resource was not found. \
         (correlation id del-404)"
    );
}

// ---------------------------------------------------------------- listings that are not paged

#[test]
fn find_by_name_refuses_a_listing_shorter_than_its_total() {
    let mut server = mockito::Server::new();
    // Three definitions announced, two delivered: "Lunch" might be the third.
    let read = api(&mut server, "GET", "/api/v2/presence/definitions")
        .match_query(Matcher::Exact("localeCode=ALL".into()))
        .reply_json(
            200,
            &json!({
                "total": 3,
                "entities": [
                    {"id": "a-1", "type": "System", "languageLabels": {"en_US": "Available"}, "systemPresence": "Available"},
                    {"id": "b-1", "type": "System", "languageLabels": {"en_US": "Busy"}, "systemPresence": "Busy"}
                ]
            })
            .to_string(),
        )
        .expect(1)
        .create();
    let session = session_for(&server);

    let err = genesys_presence::presence_definitions::find_by_name(&session, "Lunch").unwrap_err();

    read.assert();
    assert_eq!(err.kind(), ErrorKind::IncompleteListing, "{err:?}");
    assert_eq!(err.path(), Some("/api/v2/presence/definitions"));
    assert_eq!(
        err.to_string(),
        "GET /api/v2/presence/definitions: incomplete listing: the server announced 3 entities and delivered 2"
    );
}
