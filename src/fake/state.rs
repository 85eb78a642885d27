//! What the stand-in org remembers: OAuth tokens, presence definitions,
//! presence sources, the presence settings, users and their presences,
//! notification channels, and request counters.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::SystemPresenceName;

#[cfg(feature = "notifications")]
use super::channels::Notifications;
use super::gateway::Gateway;
use super::ids::{random_string, uuid};
use super::rate_limit::RateLimits;
use super::sign_in::SignIn;
use super::stored_definition::{seed_definition, Definition, SEED_DATE, SYSTEM_PRESENCES};
use super::tokens::{Holder, TokenProblem, Tokens};
use super::url::percent_encode;

/// The source id of Genesys Cloud's own presence source, also its id in
/// `/api/v2/presence/sources`.
pub(super) const PURECLOUD: &str = "PURECLOUD";

/// A stored presence source: the JSON object as answered.
pub(super) type Source = Map<String, Value>;

/// One user's presence for one source.
pub(super) struct SourcePresence {
    pub(super) source: String,
    pub(super) definition_id: String,
    pub(super) message: Option<String>,
    pub(super) modified_date: String,
}

/// A user of the org: who they are, their presences (`PURECLOUD` first) and
/// their primary source.
pub(super) struct UserState {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) email: Option<String>,
    pub(super) presences: Vec<SourcePresence>,
    /// The source whose presence is the user's presence (`PURECLOUD` at first).
    pub(super) primary_source: String,
}

impl UserState {
    /// The user's presence for a source (a stored source key).
    pub(super) fn presence(&self, source: &str) -> Option<&SourcePresence> {
        self.presences.iter().find(|p| p.source == source)
    }
}

/// The whole org, behind one `Mutex`.
pub(super) struct State {
    pub(super) client_id: String,
    pub(super) client_secret: String,
    /// The organization's id and name (`tokens/me`, the SAML2 grant's `orgName`).
    pub(super) org_id: String,
    pub(super) org_name: String,
    pub(super) tokens: Tokens,
    /// What the sign-in grants need: redirect URIs, codes, refresh tokens,
    /// SAML assertions, who signs in.
    pub(super) sign_in: SignIn,
    pub(super) token_lifetime: u64,
    pub(super) token_requests: usize,
    pub(super) requests: usize,
    /// The path prefixes of a gateway in front of the org (none by default).
    pub(super) gateway: Gateway,
    /// The optional limit of API requests a minute per token.
    pub(super) rate_limits: RateLimits,
    /// Who creates and edits definitions (`createdBy`, `modifiedBy`).
    pub(super) admin_id: String,
    /// The division every seeded definition belongs to.
    pub(super) home_division_id: String,
    pub(super) definitions: Vec<Definition>,
    /// Presence sources: `PURECLOUD` (System), then the custom ones.
    pub(super) sources: Vec<Source>,
    /// The id of the seeded custom source ("Calendar sync").
    pub(super) custom_source_id: String,
    /// The PresenceSettings object as answered.
    pub(super) settings: Map<String, Value>,
    pub(super) users: Vec<UserState>,
    /// User id -> index in `users` (users are never removed).
    user_positions: HashMap<String, usize>,
    /// Lower-case e-mail address -> index in `users`.
    email_positions: HashMap<String, usize>,
    /// Notification channels, their subscriptions and sockets.
    #[cfg(feature = "notifications")]
    pub(super) notifications: Notifications,
}

impl State {
    /// A fresh org: ten primary definitions, a "Lunch" one, two sources,
    /// default settings, three users.
    pub(super) fn new() -> State {
        let home_division_id = uuid();
        let mut definitions: Vec<Definition> = SYSTEM_PRESENCES
            .iter()
            .map(|(id, name, french)| seed_definition(&home_division_id, id, name, french, true))
            .collect();
        definitions.push(seed_definition(
            &home_division_id,
            "Meal",
            "Lunch",
            "Déjeuner",
            false,
        ));
        let custom_source_id = uuid();
        let sources = vec![
            seed_source(
                PURECLOUD,
                "Genesys Cloud",
                "Genesys Cloud's own presence",
                "System",
            ),
            seed_source(
                &custom_source_id,
                "Calendar sync",
                "Presence from users' calendars",
                "User",
            ),
        ];
        let settings = into_object(json!({
            "id": uuid(),
            "name": "Presence settings",
            "restorePresenceSettings": {
                "enabled": true,
                "restoreTimeMilliseconds": 300_000,
                "restoreOnQueueEnabled": false,
            },
            "requestingOffQueueEnabled": false,
            "defaultPrimaryPresenceRegisteredSourceId": PURECLOUD,
            "selfUri": "/api/v2/presence/settings",
        }));
        let mut state = State {
            client_id: uuid(),
            client_secret: random_string(43),
            org_id: uuid(),
            org_name: "stand-in-org".to_owned(),
            tokens: Tokens::default(),
            sign_in: SignIn::default(),
            token_lifetime: 86_399,
            token_requests: 0,
            requests: 0,
            gateway: Gateway::default(),
            rate_limits: RateLimits::default(),
            admin_id: uuid(),
            home_division_id,
            definitions,
            sources,
            custom_source_id,
            settings,
            users: Vec::new(),
            user_positions: HashMap::new(),
            email_positions: HashMap::new(),
            #[cfg(feature = "notifications")]
            notifications: Notifications::default(),
        };
        for (name, email, initial) in INITIAL_USERS {
            state.add_user(&uuid(), name, Some(email), initial);
        }
        state
    }

    /// Adds a user whose `PURECLOUD` presence (and primary source) is the
    /// primary definition of `system_presence`; false when the id, or the
    /// e-mail address in any case, is taken.
    pub(super) fn add_user(
        &mut self,
        id: &str,
        name: &str,
        email: Option<&str>,
        system_presence: &str,
    ) -> bool {
        if self.user_index(id).is_some() || email.is_some_and(|e| self.user_by_email(e).is_some()) {
            return false;
        }
        let definition_id = self.primary_definition(system_presence).unwrap_or_default();
        self.user_positions.insert(id.to_owned(), self.users.len());
        if let Some(email) = email {
            self.email_positions
                .insert(email.to_lowercase(), self.users.len());
        }
        self.users.push(UserState {
            id: id.to_owned(),
            name: name.to_owned(),
            email: email.map(str::to_owned),
            presences: vec![SourcePresence {
                source: PURECLOUD.to_owned(),
                definition_id,
                message: None,
                modified_date: SEED_DATE.to_owned(),
            }],
            primary_source: PURECLOUD.to_owned(),
        });
        true
    }

    /// Issues a new token, acting for no user (client credentials), valid
    /// for the current lifetime.
    pub(super) fn issue_token(&mut self) -> String {
        self.tokens.issue(self.token_lifetime, Holder::default())
    }

    /// Issues a new token acting for a user, from a sign-in.
    pub(super) fn issue_user_token(&mut self, user_id: &str, sign_in: Option<u64>) -> String {
        let holder = Holder {
            user_id: Some(user_id.to_owned()),
            sign_in,
        };
        self.tokens.issue(self.token_lifetime, holder)
    }

    pub(super) fn check_token(&self, token: &str) -> Result<(), TokenProblem> {
        self.tokens.check(token)
    }

    /// Every token issued so far stops being valid.
    pub(super) fn expire_tokens(&mut self) {
        self.tokens.expire_all();
    }

    pub(super) fn user_index(&self, id: &str) -> Option<usize> {
        self.user_positions.get(id).copied()
    }

    /// The user with this e-mail address, compared case-insensitively.
    pub(super) fn user_by_email(&self, email: &str) -> Option<usize> {
        self.email_positions.get(&email.to_lowercase()).copied()
    }

    pub(super) fn definition(&self, id: &str) -> Option<&Definition> {
        self.definitions.iter().find(|d| d.id == id)
    }

    pub(super) fn definition_mut(&mut self, id: &str) -> Option<&mut Definition> {
        self.definitions.iter_mut().find(|d| d.id == id)
    }

    /// A definition users may be set to (known and not deleted).
    pub(super) fn active_definition(&self, id: &str) -> Option<&Definition> {
        self.definition(id).filter(|d| !d.deactivated)
    }

    /// The id of the primary definition of a system presence, any spelling.
    pub(super) fn primary_definition(&self, system_presence: &str) -> Option<String> {
        let wanted = SystemPresenceName::parse(system_presence);
        self.definitions
            .iter()
            .filter(|d| d.primary && !d.deactivated)
            .find(|d| d.system_presence().map(SystemPresenceName::parse) == Some(wanted.clone()))
            .map(|d| d.id.clone())
    }

    /// A presence source by id (`purecloud` in any case is `PURECLOUD`).
    pub(super) fn source(&self, id: &str) -> Option<&Source> {
        let id = source_key(id);
        self.sources
            .iter()
            .find(|s| str_field(s, "id") == Some(id.as_str()))
    }

    pub(super) fn source_mut(&mut self, id: &str) -> Option<&mut Source> {
        let id = source_key(id);
        self.sources
            .iter_mut()
            .find(|s| str_field(s, "id") == Some(id.as_str()))
    }

    /// A presence source that can be chosen (known and not deleted).
    pub(super) fn active_source(&self, id: &str) -> Option<&Source> {
        self.source(id).filter(|s| !is_deactivated(s))
    }

    /// `{"id", "systemPresence", "selfUri"}`: a reference to a definition
    /// inside a presence.
    pub(super) fn definition_ref(&self, id: &str) -> Value {
        let mut out = json!({
            "id": id,
            "selfUri": format!("/api/v2/presencedefinitions/{}", percent_encode(id)),
        });
        if let Some(system) = self.definition(id).and_then(Definition::system_presence) {
            out["systemPresence"] = Value::String(system.to_owned());
        }
        out
    }

    /// The JSON UserPresence of one of a user's presences.
    pub(super) fn presence_json(&self, user: &UserState, presence: &SourcePresence) -> Value {
        let mut out = json!({
            "source": presence.source,
            "primary": presence.source == user.primary_source,
            "presenceDefinition": self.definition_ref(&presence.definition_id),
            "modifiedDate": presence.modified_date,
            "selfUri": presence_uri(&user.id, &presence.source),
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
        json!({"id": self.admin_id, "selfUri": format!("/api/v2/users/{}", percent_encode(&self.admin_id))})
    }
}

/// The three users every org starts with: name, e-mail and presence.
const INITIAL_USERS: [(&str, &str, &str); 3] = [
    ("Alex Morgan", "alex.morgan@example.com", "Available"),
    ("Sam Lee", "sam.lee@example.com", "Busy"),
    ("Kim Ortiz", "kim.ortiz@example.com", "Offline"),
];

/// `/api/v2/users/{userId}/presences/{source}`, encoded.
pub(super) fn presence_uri(user_id: &str, source: &str) -> String {
    format!(
        "/api/v2/users/{}/presences/{}",
        percent_encode(user_id),
        percent_encode(source)
    )
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

/// Whether a stored object (a source) has `deactivated: true`.
pub(super) fn is_deactivated(object: &Map<String, Value>) -> bool {
    object.get("deactivated") == Some(&Value::Bool(true))
}

fn seed_source(id: &str, name: &str, description: &str, kind: &str) -> Source {
    into_object(json!({
        "id": id,
        "name": name,
        "description": description,
        "type": kind,
        "deactivated": false,
        "selfUri": format!("/api/v2/presence/sources/{}", percent_encode(id)),
    }))
}

/// The object inside a `json!({...})` value (an empty map for any other value).
fn into_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
