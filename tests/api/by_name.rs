//! Presence names: `presence_definitions::find_by_name`,
//! `user::set_presence_by_name`, and the session's cache of the org's
//! definitions (`definitions_cache_ttl`, `locale`, `forget_cached_definitions`).

use std::time::{Duration, Instant};

use crate::mock::{
    api, assert_all, assert_invalid, nothing_else, session_for, MockExt, AWKWARD_ID, AWKWARD_ID_ENCODED,
};
use genesys_presence::presence_definitions;
use genesys_presence::{user, ErrorKind, RetryPolicy, Session, SessionBuilder, SystemPresenceName};
use mockito::{Matcher, Mock, Server};
use serde_json::json;

const DEFINITIONS: &str = "/api/v2/presence/definitions";
const USER: &str = "3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44";

const AVAILABLE_ID: &str = "6a3af858-942f-489d-9700-5f9bcdcdae9b";
const BUSY_ID: &str = "31fe3bac-dea6-44b7-bed7-47f91660a1a0";
const ON_QUEUE_ID: &str = "a8f3c2d1-7e6b-4a59-9c0d-1e2f3a4b5c6d";
const QUEUE_READY_ID: &str = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e";
const BREAK_ID: &str = "5d6e7f80-91a2-4b3c-8d4e-5f60718293a4";
/// A user definition whose en_US label is "Pause" (its fr label is "Café").
const PAUSE_ID: &str = "7f8e9d0c-1b2a-4394-8576-a1b2c3d4e5f6";
const MEAL_ID: &str = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
const LUNCH_ID: &str = "c3a8e2f0-5d41-4b1e-a0f7-93d2c5b6e781";
/// Deactivated, also labelled "Lunch" (fr "Vieux déjeuner").
const OLD_LUNCH_ID: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
const FOCUS_ID: &str = "e1c49d27-3b8a-4f60-9c15-7d2a0b6e8f31";

/// The read of every definition with every label, answered `hits` times
/// with `fixtures/presence_definitions_all_locales.json`.
fn definitions_read(server: &mut Server, hits: usize) -> Mock {
    api(server, "GET", DEFINITIONS)
        .match_query(Matcher::Exact("localeCode=ALL".into()))
        .no_body()
        .reply_json(200, fixture!("presence_definitions_all_locales.json"))
        .expect(hits)
        .create()
}

/// The PATCH of `USER`'s Genesys Cloud presence with exactly `body`, `hits` times.
fn patch(server: &mut Server, user: &str, body: serde_json::Value, hits: usize) -> Mock {
    api(
        server,
        "PATCH",
        &format!("/api/v2/users/{user}/presences/purecloud"),
    )
    .no_query()
    .json_body(body)
    .reply_json(200, fixture!("user_presence_updated.json"))
    .expect(hits)
    .create()
}

/// A builder for a session on `server` like `crate::mock::session_for`, to adjust.
fn builder_for(server: &Server) -> SessionBuilder {
    Session::builder()
        .base_url(server.url())
        .access_token(crate::mock::TOKEN)
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
}

#[track_caller]
fn assert_finds(session: &Session, name: &str, id: &str) {
    let found = presence_definitions::find_by_name(session, name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
    assert_eq!(found.id.as_deref(), Some(id), "{name:?}");
}

// ---------------------------------------------------------------- find_by_name

#[test]
fn find_by_name_reads_every_definition_with_locale_code_all() {
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 1);
    let guards = nothing_else(&mut server);

    let lunch = presence_definitions::find_by_name(&session_for(&server), "Lunch").unwrap();

    read.assert();
    assert_all(&guards);
    assert_eq!(lunch.id.as_deref(), Some(LUNCH_ID));
    assert_eq!(lunch.definition_type.as_deref(), Some("User"));
    assert_eq!(lunch.system_presence_name(), Some(SystemPresenceName::Meal));
    assert_eq!(lunch.label("fr"), Some("Déjeuner"));
    assert_eq!(lunch.deactivated, Some(false));
}

#[test]
fn find_by_name_matches_the_session_locale_label_ignoring_case_and_spaces() {
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 1);
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    for name in ["lunch", "LUNCH", "LuNcH", "  Lunch \t"] {
        assert_finds(&session, name, LUNCH_ID);
    }
    for name in ["focus time", "FOCUS TIME", "Queue Ready"] {
        let id = if name.starts_with('Q') {
            QUEUE_READY_ID
        } else {
            FOCUS_ID
        };
        assert_finds(&session, name, id);
    }

    read.assert();
    assert_all(&guards);
}

#[test]
fn find_by_name_matches_a_label_in_another_locale() {
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 1);
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    assert_finds(&session, "Déjeuner", LUNCH_ID);
    assert_finds(&session, "DÉJEUNER", LUNCH_ID);
    assert_finds(&session, "concentration", FOCUS_ID);
    assert_finds(&session, "occupé", BUSY_ID);
    assert_finds(&session, "Café", PAUSE_ID);

    read.assert();
    assert_all(&guards);
}

#[test]
fn find_by_name_prefers_labels_in_the_session_locale() {
    // "Pause" is the en_US label of a user definition and the fr label of
    // the System Break definition.
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 2);
    let guards = nothing_else(&mut server);

    let english = session_for(&server);
    assert_finds(&english, "pause", PAUSE_ID);
    let french = builder_for(&server).locale("fr").build().unwrap();
    assert_finds(&french, "pause", BREAK_ID);
    assert_finds(&french, "Pause", BREAK_ID);
    // Labels of other locales still match.
    assert_finds(&french, "lunch", LUNCH_ID);
    assert_finds(&french, "Break", BREAK_ID);

    read.assert();
    assert_all(&guards);
}

#[test]
fn find_by_name_gives_the_system_definition_for_a_system_presence_in_any_spelling() {
    // Two active definitions belong to OnQueue: the System one ("On Queue")
    // and a user one ("Queue ready").
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 1);
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    for name in [
        "on queue",
        "On Queue",
        "ON_QUEUE",
        "OnQueue",
        "onqueue",
        "on-queue",
        " ON QUEUE ",
    ] {
        let found =
            presence_definitions::find_by_name(&session, name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        assert_eq!(found.id.as_deref(), Some(ON_QUEUE_ID), "{name:?}");
        assert_eq!(found.definition_type.as_deref(), Some("System"), "{name:?}");
        assert!(!found.is_user_defined());
        assert_eq!(found.system_presence_name(), Some(SystemPresenceName::OnQueue));
    }
    // Meal has a System definition and a user one ("Lunch").
    assert_finds(&session, "MEAL", MEAL_ID);
    assert_finds(&session, "available", AVAILABLE_ID);

    read.assert();
    assert_all(&guards);
}

#[test]
fn find_by_name_ignores_deactivated_definitions() {
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 1);
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    // A deactivated definition is also labelled "Lunch": no ambiguity.
    assert_finds(&session, "Lunch", LUNCH_ID);
    // Its own label is not a known name.
    let err = presence_definitions::find_by_name(&session, "Vieux déjeuner").unwrap_err();
    let text = err.to_string();
    let (asked, known) = text.split_once("; known: ").unwrap();
    assert_eq!(
        asked,
        "invalid name: no presence definition is called \"Vieux déjeuner\""
    );
    assert!(!known.contains("Vieux"), "{text}");
    assert!(!text.contains(OLD_LUNCH_ID), "{text}");
    assert_invalid(err, "name");

    read.assert();
    assert_all(&guards);
}

#[test]
fn find_by_name_of_an_unknown_name_lists_the_known_names() {
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 1);
    let guards = nothing_else(&mut server);

    let err = presence_definitions::find_by_name(&session_for(&server), " Nap ").unwrap_err();

    read.assert();
    assert_all(&guards);
    let text = err.to_string();
    let (asked, known) = text.split_once("; known: ").unwrap();
    assert_eq!(asked, "invalid name: no presence definition is called \"Nap\"");
    let known: Vec<&str> = known.split(", ").collect();
    // The en_US label of every active definition, in the listing's order...
    let labels = [
        "Available",
        "Busy",
        "On Queue",
        "Queue ready",
        "Break",
        "Pause",
        "Meal",
        "Lunch",
        "Focus time",
    ];
    assert_eq!(known[..labels.len()], labels, "{text}");
    // ...and nothing else: system presence names that no definition of the
    // org belongs to (Away, Offline, …) would not resolve, so they are not offered.
    assert_eq!(known.len(), labels.len(), "{text}");
    for label in ["Available", "Busy", "Break", "Meal", "Lunch"] {
        let times = known.iter().filter(|k| k.eq_ignore_ascii_case(label)).count();
        assert_eq!(times, 1, "{label}: {text}");
    }
    assert_invalid(err, "name");
}

#[test]
fn find_by_name_of_a_label_two_definitions_share_lists_both_ids() {
    let mut server = mockito::Server::new();
    let read = api(&mut server, "GET", DEFINITIONS)
        .match_query(Matcher::Exact("localeCode=ALL".into()))
        .no_body()
        .reply_json(
            200,
            &json!({
                "total": 3,
                "entities": [
                    {"id": "t-1", "type": "User", "languageLabels": {"en_US": "Training"}, "systemPresence": "Training", "deactivated": false},
                    {"id": "b-1", "type": "System", "languageLabels": {"en_US": "Busy"}, "systemPresence": "Busy", "deactivated": false},
                    {"id": "t-2", "type": "User", "languageLabels": {"en_US": "training "}, "systemPresence": "Training", "deactivated": false}
                ]
            })
            .to_string(),
        )
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    let err = presence_definitions::find_by_name(&session, "Training").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid name: \"Training\" names 2 presence definitions (t-1, t-2); use an id"
    );
    assert_invalid(err, "name");
    // Nor is anything set with it.
    let err = user::set_presence_by_name(&session, USER, "training", None).unwrap_err();
    assert!(err.to_string().contains("(t-1, t-2)"), "{err}");
    assert_invalid(err, "name");

    read.assert();
    assert_all(&guards);
}

#[test]
fn find_by_name_prefers_the_built_in_definition_when_a_user_one_shares_its_label() {
    let mut server = mockito::Server::new();
    let read = api(&mut server, "GET", DEFINITIONS)
        .match_query(Matcher::Exact("localeCode=ALL".into()))
        .no_body()
        .reply_json(
            200,
            &json!({
                "entities": [
                    {"id": "u-busy", "type": "User", "languageLabels": {"en_US": "Busy"}, "systemPresence": "Busy"},
                    {"id": "s-busy", "type": "System", "languageLabels": {"en_US": "Busy"}, "systemPresence": "Busy"}
                ]
            })
            .to_string(),
        )
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let busy = presence_definitions::find_by_name(&session_for(&server), "busy").unwrap();

    read.assert();
    assert_all(&guards);
    assert_eq!(busy.id.as_deref(), Some("s-busy"));
}

#[test]
fn find_by_name_rejects_a_blank_name_before_reading_the_definitions() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    for blank in ["", "   ", "\t\n"] {
        assert_invalid(
            presence_definitions::find_by_name(&session, blank).unwrap_err(),
            "name",
        );
        assert_invalid(
            user::set_presence_by_name(&session, USER, blank, None).unwrap_err(),
            "name",
        );
    }

    assert_all(&guards);
}

#[test]
fn find_by_name_returns_the_listing_error_and_does_not_cache_it() {
    let mut server = mockito::Server::new();
    let failing = api(&mut server, "GET", DEFINITIONS)
        .match_query(Matcher::Exact("localeCode=ALL".into()))
        .no_body()
        .reply_json(
            403,
            r#"{"message":"You are missing the following permission(s): [presence:presenceDefinition:view]","code":"missing.any.permissions","status":403,"contextId":"defs-403"}"#,
        )
        .expect(1)
        .create();
    let session = session_for(&server);

    let err = user::set_presence_by_name(&session, USER, "Lunch", None).unwrap_err();

    failing.assert();
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(403),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("missing.any.permissions"));
    assert!(
        err.to_string()
            .starts_with("GET /api/v2/presence/definitions: 403"),
        "{err}"
    );

    // The next lookup reads again.
    failing.remove();
    let read = definitions_read(&mut server, 1);
    let set = patch(
        &mut server,
        USER,
        json!({"presenceDefinition": {"id": LUNCH_ID}}),
        1,
    );
    let guards = nothing_else(&mut server);

    user::set_presence_by_name(&session, USER, "Lunch", None).unwrap();

    read.assert();
    set.assert();
    assert_all(&guards);
}

// ---------------------------------------------------------------- set_presence_by_name

#[test]
fn set_presence_by_name_patches_the_definition_id_and_message() {
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 1);
    let set = patch(
        &mut server,
        USER,
        json!({"presenceDefinition": {"id": LUNCH_ID}, "message": "Lunch, back 13:30"}),
        1,
    );
    let guards = nothing_else(&mut server);

    let p =
        user::set_presence_by_name(&session_for(&server), USER, "lunch", Some("Lunch, back 13:30")).unwrap();

    read.assert();
    set.assert();
    assert_all(&guards);
    assert_eq!(
        p.presence_definition.as_ref().and_then(|d| d.id.as_deref()),
        Some(LUNCH_ID)
    );
    assert_eq!(p.system_presence_name(), Some(SystemPresenceName::Meal));
    assert_eq!(p.message.as_deref(), Some("Lunch, back 13:30"));
    assert_eq!(p.source.as_deref(), Some("PURECLOUD"));
    assert_eq!(p.modified_date.as_deref(), Some("2024-05-02T11:58:40.512Z"));
}

#[test]
fn set_presence_by_name_without_a_message_sends_no_message() {
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 1);
    let set = patch(
        &mut server,
        USER,
        json!({"presenceDefinition": {"id": ON_QUEUE_ID}}),
        1,
    );
    let guards = nothing_else(&mut server);

    user::set_presence_by_name(&session_for(&server), USER, "ON_QUEUE", None).unwrap();

    read.assert();
    set.assert();
    assert_all(&guards);
}

#[test]
fn set_presence_by_name_sends_an_empty_message_as_given() {
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 1);
    let set = patch(
        &mut server,
        USER,
        json!({"presenceDefinition": {"id": AVAILABLE_ID}, "message": ""}),
        1,
    );
    let guards = nothing_else(&mut server);

    user::set_presence_by_name(&session_for(&server), USER, "available", Some("")).unwrap();

    read.assert();
    set.assert();
    assert_all(&guards);
}

#[test]
fn set_presence_by_name_escapes_the_user_id() {
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 1);
    let set = patch(
        &mut server,
        AWKWARD_ID_ENCODED,
        json!({"presenceDefinition": {"id": BUSY_ID}}),
        1,
    );
    let guards = nothing_else(&mut server);

    user::set_presence_by_name(&session_for(&server), AWKWARD_ID, "busy", None).unwrap();

    read.assert();
    set.assert();
    assert_all(&guards);
}

#[test]
fn set_presence_by_name_of_an_unknown_name_sends_no_patch() {
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 1);
    let guards = nothing_else(&mut server);

    let err = user::set_presence_by_name(&session_for(&server), USER, "Nap", Some("zzz")).unwrap_err();

    read.assert();
    assert_all(&guards);
    assert!(
        err.to_string()
            .starts_with("invalid name: no presence definition is called \"Nap\"; known: Available, "),
        "{err}"
    );
    assert_invalid(err, "name");
}

#[test]
fn set_presence_by_name_rejects_a_blank_user_id_before_reading_the_definitions() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    for blank in ["", " ", "\t"] {
        let err = user::set_presence_by_name(&session, blank, "Lunch", Some("x")).unwrap_err();
        assert_eq!(err.to_string(), "invalid user_id: must not be empty");
        assert_invalid(err, "user_id");
    }

    assert_all(&guards);
}

#[test]
fn set_presence_by_name_reports_the_patch_error() {
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 1);
    let set = api(&mut server, "PATCH", "/api/v2/users/nobody/presences/purecloud")
        .no_query()
        .json_body(json!({"presenceDefinition": {"id": LUNCH_ID}}))
        .reply_json(404, fixture!("error_not_found.json"))
        .expect(1)
        .create();
    let guards = nothing_else(&mut server);

    let err = user::set_presence_by_name(&session_for(&server), "nobody", "Lunch", None).unwrap_err();

    read.assert();
    set.assert();
    assert_all(&guards);
    assert!(err.is_not_found(), "{err:?}");
}

// ---------------------------------------------------------------- the definitions cache

#[test]
fn two_lookups_read_the_definitions_once() {
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 1);
    let lunch = patch(
        &mut server,
        USER,
        json!({"presenceDefinition": {"id": LUNCH_ID}, "message": "back 13:30"}),
        1,
    );
    let busy = patch(
        &mut server,
        USER,
        json!({"presenceDefinition": {"id": BUSY_ID}}),
        1,
    );
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    user::set_presence_by_name(&session, USER, "Lunch", Some("back 13:30")).unwrap();
    user::set_presence_by_name(&session, USER, "Busy", None).unwrap();
    // find_by_name and clones of the session share the cache.
    assert_finds(&session, "Focus time", FOCUS_ID);
    assert_finds(&session.clone(), "Meal", MEAL_ID);

    read.assert();
    lunch.assert();
    busy.assert();
    assert_all(&guards);
}

#[test]
fn a_zero_cache_ttl_reads_the_definitions_every_time() {
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 2);
    let set = patch(
        &mut server,
        USER,
        json!({"presenceDefinition": {"id": LUNCH_ID}}),
        2,
    );
    let guards = nothing_else(&mut server);
    let session = builder_for(&server)
        .definitions_cache_ttl(Duration::ZERO)
        .build()
        .unwrap();

    user::set_presence_by_name(&session, USER, "Lunch", None).unwrap();
    user::set_presence_by_name(&session, USER, "Lunch", None).unwrap();

    read.assert();
    set.assert();
    assert_all(&guards);
}

#[test]
fn an_expired_cache_is_read_again() {
    const TTL: Duration = Duration::from_millis(100);
    // The second lookup must come within the TTL of the first read to be
    // served from the cache. The read ends after `before_read`, so a run
    // whose two lookups together took less than the TTL proves it; a run
    // that a busy machine slowed down more than that proves nothing and
    // is made again, on a new server.
    for _ in 0..20 {
        let mut server = mockito::Server::new();
        let read = definitions_read(&mut server, 2);
        let guards = nothing_else(&mut server);
        let session = builder_for(&server).definitions_cache_ttl(TTL).build().unwrap();

        let before_read = Instant::now();
        assert_finds(&session, "Lunch", LUNCH_ID);
        assert_finds(&session, "Lunch", LUNCH_ID);
        if before_read.elapsed() >= TTL {
            continue;
        }
        std::thread::sleep(TTL + Duration::from_millis(50));
        assert_finds(&session, "Lunch", LUNCH_ID);

        read.assert();
        assert_all(&guards);
        return;
    }
    panic!("in 20 runs, two lookups never took less than {TTL:?}");
}

#[test]
fn forget_cached_definitions_forces_a_new_read() {
    let mut server = mockito::Server::new();
    let read = definitions_read(&mut server, 2);
    let set = patch(
        &mut server,
        USER,
        json!({"presenceDefinition": {"id": BUSY_ID}}),
        3,
    );
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    user::set_presence_by_name(&session, USER, "busy", None).unwrap();
    user::set_presence_by_name(&session, USER, "busy", None).unwrap();
    session.forget_cached_definitions();
    user::set_presence_by_name(&session, USER, "busy", None).unwrap();

    read.assert();
    set.assert();
    assert_all(&guards);
}
