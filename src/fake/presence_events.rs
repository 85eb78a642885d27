//! The presence events the org pushes: a change of a user's primary presence
//! becomes a `v2.users.{id}.presence` message for the channels subscribed to it.

use serde_json::{json, Value};

use super::ids::uuid;
use super::state::{State, PURECLOUD};
use super::stored_definition::Definition;

/// Pushes a user's presence to the channels subscribed to
/// `v2.users.{id}.presence`, when the presence of their primary source changed.
pub(super) fn notify_presence(state: &State, index: usize, source: &str) {
    let Some(user) = state.users.get(index) else {
        return;
    };
    let Some(presence) = user.presence(&user.primary_source) else {
        return;
    };
    if presence.source != source {
        return;
    }
    let mut body = json!({
        "source": if presence.source == PURECLOUD { PURECLOUD } else { "CUSTOM" },
        "presenceDefinition": {"id": presence.definition_id},
        "primary": true,
        "modifiedDate": presence.modified_date,
    });
    if let Some(system) = state
        .definition(&presence.definition_id)
        .and_then(Definition::system_presence)
    {
        body["presenceDefinition"]["systemPresence"] = Value::String(system.to_owned());
    }
    if let Some(message) = &presence.message {
        body["message"] = Value::String(message.clone());
    }
    let topic = format!("v2.users.{}.presence", user.id);
    let message = json!({
        "topicName": topic,
        "version": "2",
        "eventBody": body,
        "metadata": {"CorrelationId": uuid()},
    });
    state.notifications.publish(&topic, &message.to_string());
}
