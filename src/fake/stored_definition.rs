//! The presence definitions the org stores, and the two JSON shapes they are
//! served in: the legacy OrganizationPresence (`/api/v2/presencedefinitions`)
//! and the current OrganizationPresenceDefinition (`/api/v2/presence/definitions`).

use serde_json::{json, Map, Value};

use super::clock::now_iso;
use super::ids::uuid;
use super::url::percent_encode;

/// The ten system presences: id, name, French label.
pub(super) const SYSTEM_PRESENCES: [(&str, &str, &str); 10] = [
    ("Available", "Available", "Disponible"),
    ("Away", "Away", "Absent"),
    ("Busy", "Busy", "Occupé"),
    ("Offline", "Offline", "Hors ligne"),
    ("Idle", "Idle", "Inactif"),
    ("OnQueue", "On Queue", "En file d'attente"),
    ("Meal", "Meal", "Repas"),
    ("Training", "Training", "Formation"),
    ("Meeting", "Meeting", "Réunion"),
    ("Break", "Break", "Pause"),
];

/// When everything the org starts with was created and last changed.
pub(super) const SEED_DATE: &str = "2023-11-20T09:15:00.000Z";

/// A stored presence definition, served by both the legacy
/// `/api/v2/presencedefinitions` and the current `/api/v2/presence/definitions`
/// operations, each with its own JSON shape.
pub(super) struct Definition {
    pub(super) id: String,
    /// What clients set: `name`, `languageLabels`, `systemPresence` and any
    /// field the org does not know (kept and sent back by both views).
    pub(super) fields: Map<String, Value>,
    /// The system's own definition of a system presence (`type` `System` in
    /// the current view); the others are `User` definitions.
    pub(super) primary: bool,
    pub(super) deactivated: bool,
    pub(super) division_id: String,
    pub(super) created_date: String,
    pub(super) modified_date: String,
}

impl Definition {
    /// The system presence it belongs to (PascalCase), if any.
    pub(super) fn system_presence(&self) -> Option<&str> {
        self.fields.get("systemPresence").and_then(Value::as_str)
    }

    /// The legacy OrganizationPresence, labels filtered to `locale` (all when `None`).
    pub(super) fn legacy_json(&self, admin: &Value, locale: Option<&str>) -> Value {
        let mut out = self.fields.clone();
        out.insert("id".into(), Value::String(self.id.clone()));
        out.insert("deactivated".into(), Value::Bool(self.deactivated));
        out.insert("primary".into(), Value::Bool(self.primary));
        out.insert("createdBy".into(), admin.clone());
        out.insert("createdDate".into(), Value::String(self.created_date.clone()));
        out.insert("modifiedBy".into(), admin.clone());
        out.insert("modifiedDate".into(), Value::String(self.modified_date.clone()));
        out.insert(
            "selfUri".into(),
            Value::String(format!(
                "/api/v2/presencedefinitions/{}",
                percent_encode(&self.id)
            )),
        );
        localize(&mut out, locale);
        Value::Object(out)
    }

    /// The current OrganizationPresenceDefinition, labels filtered to `locale`.
    pub(super) fn current_json(&self, locale: Option<&str>) -> Value {
        let mut out = self.fields.clone();
        out.insert("id".into(), Value::String(self.id.clone()));
        let kind = if self.primary { "System" } else { "User" };
        out.insert("type".into(), Value::String(kind.into()));
        out.insert("divisionId".into(), Value::String(self.division_id.clone()));
        out.insert("deactivated".into(), Value::Bool(self.deactivated));
        out.insert(
            "selfUri".into(),
            Value::String(format!(
                "/api/v2/presence/definitions/{}",
                percent_encode(&self.id)
            )),
        );
        localize(&mut out, locale);
        Value::Object(out)
    }
}

/// Keeps only the labels of `locale` (all labels when `None`).
fn localize(definition: &mut Map<String, Value>, locale: Option<&str>) {
    if let (Some(code), Some(Value::Object(labels))) = (locale, definition.get_mut("languageLabels")) {
        labels.retain(|key, _| key.eq_ignore_ascii_case(code));
    }
}

/// One of the definitions the org starts with, in `division_id`, labelled
/// `en_US` and `fr`.
pub(super) fn seed_definition(
    division_id: &str,
    system: &str,
    label: &str,
    french: &str,
    primary: bool,
) -> Definition {
    let mut fields = Map::new();
    fields.insert("name".into(), Value::String(label.to_owned()));
    fields.insert("languageLabels".into(), json!({"en_US": label, "fr": french}));
    fields.insert("systemPresence".into(), Value::String(system.to_owned()));
    Definition {
        id: uuid(),
        fields,
        primary,
        deactivated: false,
        division_id: division_id.to_owned(),
        created_date: SEED_DATE.to_owned(),
        modified_date: SEED_DATE.to_owned(),
    }
}

/// A new definition, stamped now.
pub(super) fn new_definition(fields: Map<String, Value>, division_id: String) -> Definition {
    let now = now_iso();
    Definition {
        id: uuid(),
        fields,
        primary: false,
        deactivated: false,
        division_id,
        created_date: now.clone(),
        modified_date: now,
    }
}
