//! `settings::{get, update}`: `/api/v2/presence/settings`.

use crate::credentials::fixture_json;
use crate::mock::{api, assert_all, assert_invalid, nothing_else, session_for, MockExt};
use genesys_presence::{settings, ErrorKind, PresenceSettings, RestorePresenceSettings};
use serde_json::json;

const PATH: &str = "/api/v2/presence/settings";
const DOOR_ID: &str = "b7e2a9c4-5d3f-4e1a-9b8c-6d7e8f9a0b1c";

fn full_restore() -> RestorePresenceSettings {
    RestorePresenceSettings {
        enabled: Some(true),
        restore_time_milliseconds: Some(60_000),
        restore_on_queue_enabled: Some(true),
        ..Default::default()
    }
}

#[test]
fn get_decodes_every_field_including_restore_presence_settings() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", PATH)
        .no_query()
        .no_body()
        .reply_json(200, fixture!("presence_settings.json"))
        .create();
    let guards = nothing_else(&mut server);

    let s = settings::get(&session_for(&server)).unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(s.id.as_deref(), Some("settings"));
    assert_eq!(s.name.as_deref(), Some("Presence settings"));
    assert_eq!(s.requesting_off_queue_enabled, Some(false));
    assert_eq!(
        s.default_primary_presence_registered_source_id.as_deref(),
        Some(DOOR_ID)
    );
    assert_eq!(s.self_uri.as_deref(), Some("/api/v2/presence/settings"));
    assert_eq!(s.extra.len(), 1, "{:?}", s.extra);
    assert_eq!(s.extra.get("offQueueReasonRequired"), Some(&json!(true)));
    let restore = s.restore_presence_settings.as_ref().unwrap();
    assert_eq!(restore.enabled, Some(true));
    assert_eq!(restore.restore_time_milliseconds, Some(300_000));
    assert_eq!(restore.restore_on_queue_enabled, Some(false));
    assert_eq!(restore.extra.len(), 1, "{:?}", restore.extra);
    assert_eq!(restore.extra.get("restoreScope"), Some(&json!("AllDevices")));
}

#[test]
fn get_decodes_a_minimal_answer() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", PATH)
        .no_query()
        .no_body()
        .reply_json(200, r#"{"requestingOffQueueEnabled":true}"#)
        .create();

    let s = settings::get(&session_for(&server)).unwrap();

    m.assert();
    assert_eq!(
        s,
        PresenceSettings {
            requesting_off_queue_enabled: Some(true),
            ..Default::default()
        }
    );
}

#[test]
fn get_reports_403() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "GET", PATH)
        .no_query()
        .no_body()
        .reply_json(
            403,
            r#"{"message":"You are missing the following permission(s): [presence:settings:view]","code":"missing.any.permissions","status":403,"contextId":"set-403"}"#,
        )
        .create();

    let err = settings::get(&session_for(&server)).unwrap_err();

    m.assert();
    assert!(
        err.kind() == ErrorKind::Api && err.status() == Some(403),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("missing.any.permissions"));
    assert_eq!(err.correlation_id(), Some("set-403"));
}

#[test]
fn update_puts_exactly_the_settings_and_decodes_the_answer() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", PATH)
        .no_query()
        .json_body(json!({
            "restorePresenceSettings": {
                "enabled": true,
                "restoreTimeMilliseconds": 60000,
                "restoreOnQueueEnabled": true
            },
            "requestingOffQueueEnabled": true,
            "defaultPrimaryPresenceRegisteredSourceId": DOOR_ID
        }))
        .reply_json(200, fixture!("presence_settings.json"))
        .create();
    let guards = nothing_else(&mut server);

    let answer = settings::update(
        &session_for(&server),
        &PresenceSettings {
            restore_presence_settings: Some(full_restore()),
            requesting_off_queue_enabled: Some(true),
            default_primary_presence_registered_source_id: Some(DOOR_ID.into()),
            ..Default::default()
        },
    )
    .unwrap();

    m.assert();
    assert_all(&guards);
    assert_eq!(answer.id.as_deref(), Some("settings"));
    assert_eq!(
        answer
            .restore_presence_settings
            .as_ref()
            .and_then(|r| r.restore_time_milliseconds),
        Some(300_000)
    );
}

#[test]
fn update_without_restore_settings_sends_only_the_fields_set() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", PATH)
        .no_query()
        .json_body(json!({"requestingOffQueueEnabled": false}))
        .reply_json(200, fixture!("presence_settings.json"))
        .create();
    let guards = nothing_else(&mut server);

    settings::update(
        &session_for(&server),
        &PresenceSettings {
            requesting_off_queue_enabled: Some(false),
            ..Default::default()
        },
    )
    .unwrap();

    m.assert();
    assert_all(&guards);
}

#[test]
fn read_modify_write_keeps_unknown_fields_at_both_levels() {
    let mut server = mockito::Server::new();
    let get = api(&mut server, "GET", PATH)
        .no_query()
        .no_body()
        .reply_json(200, fixture!("presence_settings.json"))
        .create();
    let mut expected = fixture_json("presence_settings.json");
    expected["requestingOffQueueEnabled"] = json!(true);
    expected["restorePresenceSettings"]["restoreTimeMilliseconds"] = json!(120_000);
    // The unknown fields of both objects are in what is sent back.
    assert_eq!(expected["offQueueReasonRequired"], json!(true));
    assert_eq!(
        expected["restorePresenceSettings"]["restoreScope"],
        json!("AllDevices")
    );
    let put = api(&mut server, "PUT", PATH)
        .no_query()
        .json_body(expected)
        .reply_json(200, fixture!("presence_settings.json"))
        .create();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    let mut current = settings::get(&session).unwrap();
    current.requesting_off_queue_enabled = Some(true);
    current
        .restore_presence_settings
        .as_mut()
        .unwrap()
        .restore_time_milliseconds = Some(120_000);
    settings::update(&session, &current).unwrap();

    get.assert();
    put.assert();
    assert_all(&guards);
}

#[test]
fn update_rejects_restore_settings_missing_a_field_before_sending() {
    let mut server = mockito::Server::new();
    let guards = nothing_else(&mut server);
    let session = session_for(&server);

    let without = [
        RestorePresenceSettings {
            enabled: None,
            ..full_restore()
        },
        RestorePresenceSettings {
            restore_time_milliseconds: None,
            ..full_restore()
        },
        RestorePresenceSettings {
            restore_on_queue_enabled: None,
            ..full_restore()
        },
        RestorePresenceSettings::default(),
    ];
    for restore in without {
        let body = PresenceSettings {
            restore_presence_settings: Some(restore.clone()),
            requesting_off_queue_enabled: Some(true),
            ..Default::default()
        };
        let err = settings::update(&session, &body).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid settings: restore_presence_settings needs enabled, restore_time_milliseconds and \
             restore_on_queue_enabled",
            "{restore:?}"
        );
        assert_invalid(err, "settings");
    }

    assert_all(&guards);
}

#[test]
fn update_reports_a_validation_error() {
    let mut server = mockito::Server::new();
    let m = api(&mut server, "PUT", PATH)
        .no_query()
        .json_body(json!({"defaultPrimaryPresenceRegisteredSourceId": "nope"}))
        .reply_json(400, fixture!("error_bad_request.json"))
        .create();

    let err = settings::update(
        &session_for(&server),
        &PresenceSettings {
            default_primary_presence_registered_source_id: Some("nope".into()),
            ..Default::default()
        },
    )
    .unwrap_err();

    m.assert();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("invalid.value"));
}
