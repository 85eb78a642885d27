//! The JSON models of the Presence API.
//!
//! Conventions shared by every model:
//! - JSON names are the API's camelCase names; Rust fields are snake_case.
//! - Every field the API may omit is an `Option` (or a `Vec` that is empty when
//!   absent) and is left out of request bodies when `None`, so a request sends
//!   only what you set.
//! - Models you send (request bodies, and what you read, change and send
//!   back: [`UserPresence`], [`PresenceDefinition`], [`OrganizationPresence`],
//!   [`OrganizationPresenceDefinition`], [`Source`], [`PresenceSettings`],
//!   [`RestorePresenceSettings`], `ChannelTopic`) can be built: build them
//!   with `..Default::default()`, as a non-breaking release may add fields.
//! - Models only answers carry (listings, [`SystemPresence`], [`User`],
//!   [`ErrorBody`], `PresenceEvent`, …) are `#[non_exhaustive]`: read their
//!   fields; to make one in a test, decode it from JSON or set the fields of
//!   `Default::default()`.
//! - Dates are the API's ISO-8601 strings, unparsed.
//! - Types that are sent back to the API (user presences, definitions) keep
//!   fields this crate does not know in `extra`, so a read-modify-write does not
//!   drop them.
//! - Values the API may add later (a new system presence, say) decode as data.
//!
//! ```
//! use genesys_presence::{PresenceDefinition, SystemPresence, UserPresence};
//!
//! // Sent: built with `..Default::default()`.
//! let body = UserPresence {
//!     presence_definition: Some(PresenceDefinition::with_id("31fe3bac-dea6-44b7-bed7-47f91660a1a0")),
//!     ..Default::default()
//! };
//! # assert!(body.message.is_none());
//! // Answers only: decoded, or a default with fields set.
//! let on_queue: SystemPresence = serde_json::from_str(r#"{"id": "OnQueue", "name": "On Queue"}"#).unwrap();
//! let mut made = SystemPresence::default();
//! made.id = Some("OnQueue".into());
//! made.name = Some("On Queue".into());
//! assert_eq!(on_queue, made);
//! ```
//!
//! A struct expression of an answer-only model does not compile outside
//! this crate, with or without `..Default::default()`:
//!
//! ```compile_fail,E0639
//! let made = genesys_presence::SystemPresence { id: Some("OnQueue".into()), ..Default::default() };
//! ```

mod definition;
mod error_body;
#[cfg(feature = "notifications")]
mod notification;
mod org_definition;
mod presence;
mod settings;
mod source;
mod system;
mod token_info;
mod user;
mod user_details;

pub use definition::{OrganizationPresence, OrganizationPresenceEntityListing};
pub use error_body::{ErrorBody, ErrorDetail, ErrorLimit};
#[cfg(feature = "notifications")]
pub(crate) use notification::{presence_topic, user_of_presence_topic};
#[cfg(feature = "notifications")]
pub use notification::{
    AvailableTopic, AvailableTopicEntityListing, Channel, ChannelEntityListing, ChannelTopic,
    ChannelTopicEntityListing, EventOrigin, NotificationMessage, PresenceEvent, TopicState,
};
pub use org_definition::{OrganizationPresenceDefinition, OrganizationPresenceDefinitionEntityListing};
pub use presence::{OutOfOffice, PresenceDefinition, PresenceExpand, UcUserPresence, UserPresence};
pub use settings::{PresenceSettings, RestorePresenceSettings, UserPrimarySource};
pub use source::{Source, SourceEntityListing};
pub use system::{SystemPresence, SystemPresenceName};
pub use token_info::{NamedEntity, TokenInfo};
pub use user::User;
pub use user_details::UserDetails;

/// Unknown JSON fields, kept so that they are sent back unchanged.
pub type ExtraFields = serde_json::Map<String, serde_json::Value>;

/// Decodes `null` as the type's default (an empty list, say), like a missing field.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    use serde::Deserialize;
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
