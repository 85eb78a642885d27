//! `user::{get_presence, get_purecloud_presence, get_microsoft_teams_presence,
//! update_presence, update_purecloud_presence, update_presences_bulk}`.

use crate::mock::{
    api, assert_all, assert_invalid, nothing_else, session_for, MockExt, AWKWARD_ID, AWKWARD_ID_ENCODED,
};
use genesys_presence::{user, ErrorKind, PresenceDefinition, SystemPresenceName, UserPresence};
use serde_json::json;

const USER: &str = "3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44";
const OTHER_USER: &str = "71b0c9a2-6e5d-4f3c-8a1b-2d9e7f6c5b40";
const SOURCE: &str = "b7e2a9c4-5d3f-4e1a-9b8c-6d7e8f9a0b1c";
const LUNCH: &str = "c3a8e2f0-5d41-4b1e-a0f7-93d2c5b6e781";
const FOCUS: &str = "e1c49d27-3b8a-4f60-9c15-7d2a0b6e8f31";

fn presences(user: &str, source: &str) -> String {
    format!("/api/v2/users/{user}/presences/{source}")
}

// ---------------------------------------------------------------- get_presence

#[test]
fn get_presence_reads_a_custom_source() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &presences(USER, SOURCE))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("user_presence_custom_source.json"))
        .create();
    let guards = nothing_else(&mut server);

    let p = user::get_presence(&session_for(&server), USER, SOURCE).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(p.id.as_deref(), Some("7d5c3b1a-9e8f-4a6b-8c2d-0f1e2d3c4b5a"));
    assert_eq!(p.name.as_deref(), Some("Calendar"));
    assert_eq!(p.source, None);
    assert_eq!(p.source_id.as_deref(), Some(SOURCE));
    assert_eq!(p.primary, Some(false));
    let current = p.presence_definition.as_ref().unwrap();
    assert_eq!(
        current.id.as_deref(),
        Some("31fe3bac-dea6-44b7-bed7-47f91660a1a0")
    );
    assert_eq!(current.system_presence.as_deref(), Some("Busy"));
    assert_eq!(p.system_presence_name(), Some(SystemPresenceName::Busy));
    let future = p.future_presence_definition.as_ref().unwrap();
    assert_eq!(future.system_presence_name(), Some(SystemPresenceName::Available));
    assert_eq!(p.message.as_deref(), Some("In a meeting until 15:00"));
    assert_eq!(p.modified_date.as_deref(), Some("2024-05-02T13:00:00.000Z"));
    assert_eq!(
        p.self_uri.as_deref(),
        Some("/api/v2/users/3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44/presences/b7e2a9c4-5d3f-4e1a-9b8c-6d7e8f9a0b1c")
    );
    assert!(p.extra.is_empty(), "{:?}", p.extra);
}

#[test]
fn get_presence_escapes_user_and_source_ids() {
    let mut server = mockito::Server::new();
    let m = api(
        &mut server,
        "GET",
        &presences(AWKWARD_ID_ENCODED, "s%2F1%20%C3%A9"),
    )
    .no_query()
    .no_body()
    .reply_json(200, fixture!("user_presence_custom_source.json"))
    .create();
    let guards = nothing_else(&mut server);

    let p = user::get_presence(&session_for(&server), AWKWARD_ID, "s/1 é").unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(p.name.as_deref(), Some("Calendar"));
}

#[test]
fn get_presence_rejects_empty_ids_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let s = session_for(&server);

    assert_invalid(user::get_presence(&s, "", SOURCE).unwrap_err(), "user_id");
    assert_invalid(user::get_presence(&s, "  ", SOURCE).unwrap_err(), "user_id");
    assert_invalid(user::get_presence(&s, USER, "").unwrap_err(), "source_id");
    assert_invalid(user::get_presence(&s, USER, "\t").unwrap_err(), "source_id");

    assert_all(&guards);
}

// ---------------------------------------------------------------- get_purecloud_presence

#[test]
fn get_purecloud_presence_reads_the_genesys_source() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &presences(USER, "purecloud"))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("user_presence.json"))
        .create();
    let guards = nothing_else(&mut server);

    let p = user::get_purecloud_presence(&session_for(&server), USER).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(p.id, None);
    assert_eq!(p.source.as_deref(), Some("PURECLOUD"));
    assert_eq!(p.primary, Some(true));
    assert_eq!(
        p.presence_definition,
        Some(PresenceDefinition {
            id: Some("6a3af858-942f-489d-9700-5f9bcdcdae9b".into()),
            system_presence: Some("Available".into()),
            self_uri: Some("/api/v2/presencedefinitions/6a3af858-942f-489d-9700-5f9bcdcdae9b".into()),
            ..Default::default()
        })
    );
    assert_eq!(p.system_presence_name(), Some(SystemPresenceName::Available));
    assert_eq!(p.future_presence_definition, None);
    assert_eq!(p.message.as_deref(), Some("Back at 2pm"));
    assert_eq!(p.modified_date.as_deref(), Some("2024-05-02T14:03:11.123Z"));
    assert_eq!(
        p.self_uri.as_deref(),
        Some("/api/v2/users/3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44/presences/PURECLOUD")
    );
}

#[test]
fn get_purecloud_presence_escapes_the_user_id() {
    let mut server = mockito::Server::new();
    let m = api(
        &mut server,
        "GET",
        "/api/v2/users/a%2Fb%3Fc%23d%20%C3%A9/presences/purecloud",
    )
    .no_query()
    .no_body()
    .reply_json(200, fixture!("user_presence.json"))
    .create();
    let guards = nothing_else(&mut server);

    let p = user::get_purecloud_presence(&session_for(&server), "a/b?c#d é").unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(p.message.as_deref(), Some("Back at 2pm"));
}

#[test]
fn get_purecloud_presence_rejects_an_empty_user_id_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let s = session_for(&server);

    assert_invalid(user::get_purecloud_presence(&s, "").unwrap_err(), "user_id");
    assert_invalid(user::get_purecloud_presence(&s, " \n").unwrap_err(), "user_id");
    assert_eq!(
        user::get_purecloud_presence(&s, "").unwrap_err().to_string(),
        "invalid user_id: must not be empty"
    );

    assert_all(&guards);
}

// ---------------------------------------------------------------- get_microsoft_teams_presence

#[test]
fn get_microsoft_teams_presence_decodes_presences_and_out_of_offices() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &presences(USER, "microsoftteams"))
        .no_query()
        .no_body()
        .reply_json(200, fixture!("presence_expand.json"))
        .create();
    let guards = nothing_else(&mut server);

    let e = user::get_microsoft_teams_presence(&session_for(&server), USER).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(e.id.as_deref(), Some(USER));
    assert_eq!(e.name.as_deref(), Some("Grace Hopper"));
    assert_eq!(e.presences.len(), 1);
    assert_eq!(e.presences[0].source.as_deref(), Some("MicrosoftTeams"));
    assert_eq!(e.presences[0].message.as_deref(), Some("InACall"));
    assert_eq!(
        e.presences[0].system_presence_name(),
        Some(SystemPresenceName::Busy)
    );
    assert_eq!(e.out_of_offices.len(), 1);
    let ooo = &e.out_of_offices[0];
    assert_eq!(ooo.user.as_ref().and_then(|u| u.id.as_deref()), Some(USER));
    assert_eq!(ooo.start_date.as_deref(), Some("2024-05-06T00:00:00.000Z"));
    assert_eq!(ooo.end_date.as_deref(), Some("2024-05-10T23:59:59.000Z"));
    assert_eq!(ooo.active, Some(false));
    assert_eq!(ooo.indefinite, Some(false));
    assert_eq!(
        e.self_uri.as_deref(),
        Some("/api/v2/users/3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44/presences/microsoftteams")
    );
}

#[test]
fn get_microsoft_teams_presence_escapes_the_user_id() {
    let mut server = mockito::Server::new();
    let m = api(
        &mut server,
        "GET",
        &presences(AWKWARD_ID_ENCODED, "microsoftteams"),
    )
    .no_query()
    .no_body()
    .reply_json(200, fixture!("presence_expand.json"))
    .create();
    let guards = nothing_else(&mut server);

    user::get_microsoft_teams_presence(&session_for(&server), AWKWARD_ID).unwrap();

    m.assert();
    assert_all(&guards);
}

#[test]
fn get_microsoft_teams_presence_of_a_removed_route_is_not_found() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", &presences(USER, "microsoftteams"))
        .no_query()
        .no_body()
        .reply_json(404, fixture!("error_not_found.json"))
        .create();

    let err = user::get_microsoft_teams_presence(&session_for(&server), USER).unwrap_err();

    m.assert();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.code(), Some("not.found"));
}

#[test]
fn get_microsoft_teams_presence_rejects_an_empty_user_id_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let s = session_for(&server);

    assert_invalid(user::get_microsoft_teams_presence(&s, "").unwrap_err(), "user_id");
    assert_invalid(
        user::get_microsoft_teams_presence(&s, "   ").unwrap_err(),
        "user_id",
    );

    assert_all(&guards);
}

// ---------------------------------------------------------------- update_presence

#[test]
fn update_presence_patches_a_custom_source_with_only_the_fields_set() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PATCH", &presences(USER, SOURCE))
        .no_query()
        .json_body(json!({
            "primary": true,
            "presenceDefinition": {"id": "31fe3bac-dea6-44b7-bed7-47f91660a1a0"},
            "message": "In a meeting until 15:00"
        }))
        .reply_json(200, fixture!("user_presence_custom_source.json"))
        .create();
    let guards = nothing_else(&mut server);

    let p = user::update_presence(
        &session_for(&server),
        USER,
        SOURCE,
        &UserPresence {
            primary: Some(true),
            presence_definition: Some(PresenceDefinition::with_id(
                "31fe3bac-dea6-44b7-bed7-47f91660a1a0",
            )),
            message: Some("In a meeting until 15:00".into()),
            ..Default::default()
        },
    )
    .unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(p.source_id.as_deref(), Some(SOURCE));
    assert_eq!(p.message.as_deref(), Some("In a meeting until 15:00"));
    assert_eq!(p.system_presence_name(), Some(SystemPresenceName::Busy));
}

#[test]
fn update_presence_escapes_user_and_source_ids() {
    let mut server = mockito::Server::new();
    let m = api(
        &mut server,
        "PATCH",
        &presences(AWKWARD_ID_ENCODED, AWKWARD_ID_ENCODED),
    )
    .no_query()
    .json_body(json!({"message": "x"}))
    .reply_json(200, fixture!("user_presence_custom_source.json"))
    .create();
    let guards = nothing_else(&mut server);

    let body = UserPresence {
        message: Some("x".into()),
        ..Default::default()
    };
    user::update_presence(&session_for(&server), AWKWARD_ID, AWKWARD_ID, &body).unwrap();

    m.assert();
    assert_all(&guards);
}

#[test]
fn update_presence_rejects_empty_ids_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let s = session_for(&server);
    let body = UserPresence {
        primary: Some(true),
        ..Default::default()
    };

    assert_invalid(
        user::update_presence(&s, "", SOURCE, &body).unwrap_err(),
        "user_id",
    );
    assert_invalid(
        user::update_presence(&s, " ", SOURCE, &body).unwrap_err(),
        "user_id",
    );
    assert_invalid(
        user::update_presence(&s, USER, "", &body).unwrap_err(),
        "source_id",
    );
    assert_invalid(
        user::update_presence(&s, USER, "  ", &body).unwrap_err(),
        "source_id",
    );

    assert_all(&guards);
}

// ---------------------------------------------------------------- update_purecloud_presence

#[test]
fn update_purecloud_presence_patches_definition_and_message() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PATCH", &presences(USER, "purecloud"))
        .no_query()
        .json_body(json!({
            "presenceDefinition": {"id": LUNCH},
            "message": "Lunch, back 13:30"
        }))
        .reply_json(200, fixture!("user_presence_updated.json"))
        .create();
    let guards = nothing_else(&mut server);

    let p = user::update_purecloud_presence(
        &session_for(&server),
        USER,
        &UserPresence {
            presence_definition: Some(PresenceDefinition::with_id(LUNCH)),
            message: Some("Lunch, back 13:30".into()),
            ..Default::default()
        },
    )
    .unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(
        p.presence_definition.as_ref().and_then(|d| d.id.as_deref()),
        Some(LUNCH)
    );
    assert_eq!(p.system_presence_name(), Some(SystemPresenceName::Meal));
    assert_eq!(p.message.as_deref(), Some("Lunch, back 13:30"));
    assert_eq!(p.modified_date.as_deref(), Some("2024-05-02T11:58:40.512Z"));
}

#[test]
fn update_purecloud_presence_can_only_make_the_source_primary() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PATCH", &presences(USER, "purecloud"))
        .no_query()
        .json_body(json!({"primary": true}))
        .reply_json(200, fixture!("user_presence.json"))
        .create();

    let p = user::update_purecloud_presence(
        &session_for(&server),
        USER,
        &UserPresence {
            primary: Some(true),
            ..Default::default()
        },
    )
    .unwrap();

    m.assert();
    assert_eq!(p.primary, Some(true));
}

#[test]
fn update_purecloud_presence_escapes_the_user_id() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PATCH", &presences(AWKWARD_ID_ENCODED, "purecloud"))
        .no_query()
        .json_body(json!({"message": "hi"}))
        .reply_json(200, fixture!("user_presence.json"))
        .create();
    let guards = nothing_else(&mut server);

    let body = UserPresence {
        message: Some("hi".into()),
        ..Default::default()
    };
    user::update_purecloud_presence(&session_for(&server), AWKWARD_ID, &body).unwrap();

    m.assert();
    assert_all(&guards);
}

#[test]
fn update_purecloud_presence_rejects_an_empty_user_id_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let s = session_for(&server);
    let body = UserPresence::default();

    assert_invalid(
        user::update_purecloud_presence(&s, "", &body).unwrap_err(),
        "user_id",
    );
    assert_invalid(
        user::update_purecloud_presence(&s, "\t ", &body).unwrap_err(),
        "user_id",
    );

    assert_all(&guards);
}

#[test]
fn update_purecloud_presence_reports_an_unknown_definition() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PATCH", &presences(USER, "purecloud"))
        .no_query()
        .json_body(json!({"presenceDefinition": {"id": "nope"}}))
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_header("inin-correlation-id", "patch-400")
        .with_body(
            r#"{"message":"The presence definition nope does not exist.","code":"bad.request","status":400,"contextId":"patch-400","details":[],"errors":[]}"#,
        )
        .create();

    let err = user::update_purecloud_presence(
        &session_for(&server),
        USER,
        &UserPresence {
            presence_definition: Some(PresenceDefinition::with_id("nope")),
            ..Default::default()
        },
    )
    .unwrap_err();

    m.assert();
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(400),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "PATCH /api/v2/users/3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44/presences/purecloud: 400 bad.request: \
         The presence definition nope does not exist. (correlation id patch-400)"
    );
}

// ---------------------------------------------------------------- update_presences_bulk

#[test]
fn update_presences_bulk_puts_the_array_and_decodes_every_answer() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", "/api/v2/users/presences/bulk")
        .no_query()
        .json_body(json!([
            { "id": USER, "source": "PURECLOUD", "presenceDefinition": { "id": FOCUS } },
            { "id": OTHER_USER, "source": "PURECLOUD", "presenceDefinition": { "id": FOCUS }, "message": "Workshop" }
        ]))
        .reply_json(200, fixture!("bulk_presences.json"))
        .create();
    let guards = nothing_else(&mut server);

    let body = [
        UserPresence {
            id: Some(USER.into()),
            source: Some("PURECLOUD".into()),
            presence_definition: Some(PresenceDefinition::with_id(FOCUS)),
            ..Default::default()
        },
        UserPresence {
            id: Some(OTHER_USER.into()),
            source: Some("PURECLOUD".into()),
            presence_definition: Some(PresenceDefinition::with_id(FOCUS)),
            message: Some("Workshop".into()),
            ..Default::default()
        },
    ];
    let answers = user::update_presences_bulk(&session_for(&server), &body).unwrap();

    m.assert();
    assert_all(&guards);
    let ids: Vec<_> = answers.iter().map(|p| p.id.as_deref().unwrap()).collect();
    assert_eq!(ids, [USER, OTHER_USER]);
    for p in &answers {
        assert_eq!(p.source.as_deref(), Some("PURECLOUD"));
        assert_eq!(
            p.presence_definition.as_ref().and_then(|d| d.id.as_deref()),
            Some(FOCUS)
        );
        assert_eq!(p.system_presence_name(), Some(SystemPresenceName::Busy));
        assert_eq!(p.modified_date.as_deref(), Some("2024-05-02T14:10:00.000Z"));
    }
    assert_eq!(answers[0].message, None);
    assert_eq!(answers[1].message.as_deref(), Some("Workshop"));
}

#[test]
fn update_presences_bulk_rejects_an_empty_list_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);

    let err = user::update_presences_bulk(&session_for(&server), &[]).unwrap_err();

    assert_all(&guards);
    assert_eq!(
        err.to_string(),
        "invalid presences: the bulk update needs at least one user"
    );
    assert_invalid(err, "presences");
}

#[test]
fn update_presences_bulk_rejects_an_element_without_a_user_id_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let s = session_for(&server);
    let good = UserPresence {
        id: Some(USER.into()),
        presence_definition: Some(PresenceDefinition::with_id(FOCUS)),
        ..Default::default()
    };
    let no_id = UserPresence {
        presence_definition: Some(PresenceDefinition::with_id(FOCUS)),
        ..Default::default()
    };
    let blank_id = UserPresence {
        id: Some("  ".into()),
        ..no_id.clone()
    };

    let err = user::update_presences_bulk(&s, &[good.clone(), no_id]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid presences: element 1 has no id (the id of the user to update)"
    );
    assert_invalid(err, "presences");
    let err = user::update_presences_bulk(&s, &[blank_id, good]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid presences: element 0 has no id (the id of the user to update)"
    );

    assert_all(&guards);
}

#[test]
fn update_presences_bulk_reports_413() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", "/api/v2/users/presences/bulk")
        .no_query()
        .match_header("content-type", "application/json")
        .with_status(413)
        .with_header("content-type", "application/json")
        .with_body(
            r#"{"message":"The request is over the size limit. Maximum bytes: 1000000","status":413,"contextId":"bulk-413"}"#,
        )
        .create();

    let body = [UserPresence {
        id: Some(USER.into()),
        presence_definition: Some(PresenceDefinition::with_id(FOCUS)),
        ..Default::default()
    }];
    let err = user::update_presences_bulk(&session_for(&server), &body).unwrap_err();

    m.assert();
    assert_eq!(err.status(), Some(413));
    assert_eq!(err.code(), None);
    assert_eq!(
        err.to_string(),
        "PUT /api/v2/users/presences/bulk: 413: The request is over the size limit. Maximum bytes: 1000000 \
         (correlation id bulk-413)"
    );
}
