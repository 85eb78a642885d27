//! What the stand-in org remembers: OAuth tokens, presence definitions, users
//! and their presences, and request counters.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::util::{now_iso, percent_encode, random_string, uuid};

/// The source id of Genesys Cloud's own presence source.
pub(super) const PURECLOUD: &str = "PURECLOUD";

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

const SEED_DATE: &str = "2023-11-20T09:15:00.000Z";

/// A stored presence definition: the JSON object as answered (without locale filtering).
pub(super) type Definition = Map<String, Value>;

/// Why a bearer token was refused.
pub(super) enum TokenProblem {
    Unknown,
    Expired,
}

/// One user's presence for one source.
pub(super) struct SourcePresence {
    pub(super) source: String,
    pub(super) definition_id: String,
    pub(super) message: Option<String>,
    pub(super) primary: bool,
    pub(super) modified_date: String,
}

/// A user of the org and their presences, `PURECLOUD` first.
pub(super) struct UserState {
    pub(super) id: String,
    pub(super) presences: Vec<SourcePresence>,
}

/// The whole org, behind one `Mutex`.
pub(super) struct State {
    pub(super) client_id: String,
    pub(super) client_secret: String,
    /// Access token -> when it stops being valid (`None`: never).
    tokens: HashMap<String, Option<Instant>>,
    pub(super) token_lifetime: u64,
    pub(super) token_requests: usize,
    pub(super) requests: usize,
    /// Who creates and edits definitions (`createdBy`, `modifiedBy`).
    pub(super) admin_id: String,
    pub(super) definitions: Vec<Definition>,
    pub(super) users: Vec<UserState>,
}

impl State {
    /// A fresh org: ten primary definitions, a "Lunch" one, three users.
    pub(super) fn new() -> State {
        let admin_id = uuid();
        let mut definitions: Vec<Definition> = SYSTEM_PRESENCES
            .iter()
            .map(|(id, name, french)| seed_definition(&admin_id, id, name, french, true))
            .collect();
        definitions.push(seed_definition(&admin_id, "Meal", "Lunch", "Déjeuner", false));
        let mut state = State {
            client_id: uuid(),
            client_secret: random_string(43),
            tokens: HashMap::new(),
            token_lifetime: 86_399,
            token_requests: 0,
            requests: 0,
            admin_id,
            definitions,
            users: Vec::new(),
        };
        for initial in ["Available", "Busy", "Offline"] {
            state.add_user(&uuid(), initial);
        }
        state
    }

    /// Adds a user whose `PURECLOUD` presence is the primary definition of
    /// `system_presence`; false when the id is taken.
    pub(super) fn add_user(&mut self, id: &str, system_presence: &str) -> bool {
        if self.user_index(id).is_some() {
            return false;
        }
        let definition_id = self.primary_definition(system_presence).unwrap_or_default();
        self.users.push(UserState {
            id: id.to_owned(),
            presences: vec![SourcePresence {
                source: PURECLOUD.to_owned(),
                definition_id,
                message: None,
                primary: true,
                modified_date: SEED_DATE.to_owned(),
            }],
        });
        true
    }

    /// Issues a new token valid for the current lifetime.
    pub(super) fn issue_token(&mut self) -> String {
        let mut token = random_string(64);
        while self.tokens.contains_key(&token) {
            token = random_string(64);
        }
        let expires = Instant::now().checked_add(Duration::from_secs(self.token_lifetime));
        self.tokens.insert(token.clone(), expires);
        token
    }

    pub(super) fn check_token(&self, token: &str) -> Result<(), TokenProblem> {
        match self.tokens.get(token) {
            None => Err(TokenProblem::Unknown),
            Some(Some(expires)) if Instant::now() >= *expires => Err(TokenProblem::Expired),
            Some(_) => Ok(()),
        }
    }

    /// Every token issued so far stops being valid.
    pub(super) fn expire_tokens(&mut self) {
        let now = Instant::now();
        for expires in self.tokens.values_mut() {
            *expires = Some(now);
        }
    }

    pub(super) fn user_index(&self, id: &str) -> Option<usize> {
        self.users.iter().position(|u| u.id == id)
    }

    pub(super) fn definition(&self, id: &str) -> Option<&Definition> {
        self.definitions.iter().find(|d| str_field(d, "id") == Some(id))
    }

    pub(super) fn definition_mut(&mut self, id: &str) -> Option<&mut Definition> {
        self.definitions
            .iter_mut()
            .find(|d| str_field(d, "id") == Some(id))
    }

    /// The id of a definition users may be set to (known and not deleted).
    pub(super) fn active_definition(&self, id: &str) -> Option<&Definition> {
        self.definition(id).filter(|d| !is_deactivated(d))
    }

    /// The id of the primary definition of a system presence, any spelling.
    pub(super) fn primary_definition(&self, system_presence: &str) -> Option<String> {
        let wanted = crate::SystemPresenceName::parse(system_presence);
        self.definitions
            .iter()
            .filter(|d| d.get("primary") == Some(&Value::Bool(true)) && !is_deactivated(d))
            .find(|d| {
                str_field(d, "systemPresence").map(crate::SystemPresenceName::parse) == Some(wanted.clone())
            })
            .and_then(|d| str_field(d, "id").map(str::to_owned))
    }

    /// The JSON UserPresence of one of a user's presences.
    pub(super) fn presence_json(&self, user_id: &str, presence: &SourcePresence) -> Value {
        let id = &presence.definition_id;
        let mut definition = json!({
            "id": id,
            "selfUri": format!("/api/v2/presencedefinitions/{}", percent_encode(id)),
        });
        if let Some(system) = self.definition(id).and_then(|d| d.get("systemPresence")) {
            definition["systemPresence"] = system.clone();
        }
        let mut out = json!({
            "source": presence.source,
            "primary": presence.primary,
            "presenceDefinition": definition,
            "modifiedDate": presence.modified_date,
            "selfUri": format!(
                "/api/v2/users/{}/presences/{}",
                percent_encode(user_id),
                percent_encode(&presence.source)
            ),
        });
        if presence.source != PURECLOUD {
            out["sourceId"] = Value::String(presence.source.clone());
        }
        if let Some(message) = &presence.message {
            out["message"] = Value::String(message.clone());
        }
        out
    }

    /// `{"id", "selfUri"}` of the org admin, for `createdBy`/`modifiedBy`.
    pub(super) fn admin_ref(&self) -> Value {
        user_ref(&self.admin_id)
    }
}

/// The stored source id for a path segment or body value: `purecloud` in any
/// case is Genesys Cloud's own source.
pub(super) fn source_key(source: &str) -> String {
    if source.eq_ignore_ascii_case(PURECLOUD) {
        PURECLOUD.to_owned()
    } else {
        source.to_owned()
    }
}

pub(super) fn str_field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

pub(super) fn is_deactivated(definition: &Definition) -> bool {
    definition.get("deactivated") == Some(&Value::Bool(true))
}

fn user_ref(id: &str) -> Value {
    json!({"id": id, "selfUri": format!("/api/v2/users/{}", percent_encode(id))})
}

fn seed_definition(admin_id: &str, system: &str, label: &str, french: &str, primary: bool) -> Definition {
    let id = uuid();
    let value = json!({
        "id": id,
        "name": label,
        "languageLabels": {"en_US": label, "fr": french},
        "systemPresence": system,
        "deactivated": false,
        "primary": primary,
        "createdBy": user_ref(admin_id),
        "createdDate": SEED_DATE,
        "modifiedBy": user_ref(admin_id),
        "modifiedDate": SEED_DATE,
        "selfUri": format!("/api/v2/presencedefinitions/{id}"),
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Sets the server-side fields of a definition being created or replaced.
pub(super) fn stamp(definition: &mut Definition, id: &str, admin: Value) {
    definition.insert("id".into(), Value::String(id.to_owned()));
    definition.insert("modifiedBy".into(), admin);
    definition.insert("modifiedDate".into(), Value::String(now_iso()));
    definition.insert(
        "selfUri".into(),
        Value::String(format!("/api/v2/presencedefinitions/{}", percent_encode(id))),
    );
}
