//! The organization's presence definitions through the current
//! `/api/v2/presence/definitions` operations, which Genesys asks apps to use
//! instead of the legacy [`definitions`](crate::definitions) ones.
//!
//! What differs from the legacy family: definitions are
//! [`OrganizationPresenceDefinition`]s, with a `type` (`System`, `User`) and a
//! division; the listing is not paged (one call returns every match) and
//! filters on deactivation and divisions; deleting deactivates.

mod by_name;

use crate::args::{optional_text, require_text};
use crate::definitions::require_labels;
use crate::models::{OrganizationPresenceDefinition, OrganizationPresenceDefinitionEntityListing};
use crate::request::{self, segment, Call};
use crate::{Result, Session};

const BASE: &str = "/api/v2/presence/definitions";

/// What [`list`] asks for. Unset parameters are not sent, and the API's
/// defaults apply (active definitions, every division the caller may see,
/// labels in every locale it stores).
///
/// ```
/// use genesys_presence::presence_definitions::PresenceDefinitionQuery;
///
/// let query = PresenceDefinitionQuery::default()
///     .deactivated(false)
///     .division_id("7a1b2c3d-0000-4000-8000-000000000001")
///     .locale_code("fr");
/// ```
///
/// A non-breaking release may add parameters, as new methods; start from
/// `PresenceDefinitionQuery::default()`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PresenceDefinitionQuery {
    deactivated: Option<bool>,
    division_ids: Vec<String>,
    locale_code: Option<String>,
}

impl PresenceDefinitionQuery {
    /// `true` for deactivated (deleted) definitions only, `false` for active
    /// ones only (`deactivated`; the API's default is `false`).
    pub fn deactivated(mut self, deactivated: bool) -> Self {
        self.deactivated = Some(deactivated);
        self
    }

    /// Adds a division to list definitions of (`divisionId`; may be called
    /// several times).
    pub fn division_id(mut self, division_id: impl Into<String>) -> Self {
        self.division_ids.push(division_id.into());
        self
    }

    /// The locale of the labels to return, e.g. `fr` or `en_US`, or `ALL`
    /// (`localeCode`).
    pub fn locale_code(mut self, locale_code: impl Into<String>) -> Self {
        self.locale_code = Some(locale_code.into());
        self
    }

    fn call(&self) -> Result<Call> {
        optional_text("locale_code", self.locale_code.as_deref())?;
        for division_id in &self.division_ids {
            require_text("division_id", division_id)?;
        }
        let divisions = (!self.division_ids.is_empty()).then(|| self.division_ids.join(","));
        Ok(Call::get(BASE.into())
            .query_opt("deactivated", self.deactivated.map(|d| d.to_string()))
            .query_opt("divisionId", divisions)
            .query_opt("localeCode", self.locale_code.as_deref()))
    }
}

fn definition_path(id: &str) -> Result<String> {
    Ok(format!("{BASE}/{}", segment("definition_id", id)?))
}

/// Lists the organization's presence definitions matching `query`, all at once.
///
/// `GET /api/v2/presence/definitions`; several divisions are sent as one
/// comma-separated `divisionId`. The listing is not paged; it is returned
/// as the API sent it (compare `total` with `entities.len()` to be sure
/// nothing is missing, as [`find_by_name`] does). Official SDKs: `get_presence_definitions`,
/// `getPresenceDefinitions0`. Legacy equivalent: [`definitions::list`](crate::definitions::list).
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty locale or division id;
/// [`Api`](crate::ErrorKind::Api) for an error answer (400 unknown locale, 403 without
/// `presence:presenceDefinition:view`).
///
/// # Example
///
/// ```no_run
/// use genesys_presence::presence_definitions::{self, PresenceDefinitionQuery};
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// for definition in presence_definitions::list(&session, &PresenceDefinitionQuery::default())?.entities {
///     println!("{:?} {:?}", definition.label("en_US"), definition.system_presence);
/// }
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn list(
    session: &Session,
    query: &PresenceDefinitionQuery,
) -> Result<OrganizationPresenceDefinitionEntityListing> {
    request::send_json(session, &query.call()?)
}

/// Reads one presence definition, with its labels in `locale_code` when
/// given (`ALL` for every locale).
///
/// `GET /api/v2/presence/definitions/{definitionId}`. Official SDKs:
/// `get_presence_definition`, `getPresenceDefinition0`. Legacy equivalent:
/// [`definitions::get`](crate::definitions::get).
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id or locale; [`Api`](crate::ErrorKind::Api) with
/// status 404 for an unknown id.
pub fn get(
    session: &Session,
    definition_id: &str,
    locale_code: Option<&str>,
) -> Result<OrganizationPresenceDefinition> {
    optional_text("locale_code", locale_code)?;
    let call = Call::get(definition_path(definition_id)?).query_opt("localeCode", locale_code);
    request::send_json(session, &call)
}

/// Creates a presence definition; `language_labels` is required, and
/// `system_presence` says which system presence it belongs to.
///
/// `POST /api/v2/presence/definitions`. Official SDKs:
/// `post_presence_definitions`, `postPresenceDefinitions0`. Legacy
/// equivalent: [`definitions::create`](crate::definitions::create). A POST is
/// never retried after a gateway error: on a `503`, list before creating again.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) when `language_labels` is missing or empty;
/// [`Api`](crate::ErrorKind::Api) for an error answer (400 bad definition, 403 without
/// `presence:presenceDefinition:add`).
pub fn create(
    session: &Session,
    definition: &OrganizationPresenceDefinition,
) -> Result<OrganizationPresenceDefinition> {
    require_labels(definition.language_labels.as_ref())?;
    request::send_json(session, &Call::post(BASE.into()).json(definition)?)
}

/// Replaces a presence definition with `definition` (fields the crate does
/// not know, kept from a [`get`], are sent back).
///
/// `PUT /api/v2/presence/definitions/{definitionId}`. Official SDKs:
/// `put_presence_definition`, `putPresenceDefinition0`. Legacy equivalent:
/// [`definitions::update`](crate::definitions::update).
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id or missing labels; [`Api`](crate::ErrorKind::Api)
/// for an error answer (404 unknown id, 400 bad definition).
pub fn update(
    session: &Session,
    definition_id: &str,
    definition: &OrganizationPresenceDefinition,
) -> Result<OrganizationPresenceDefinition> {
    let path = definition_path(definition_id)?;
    require_labels(definition.language_labels.as_ref())?;
    request::send_json(session, &Call::put(path).json(definition)?)
}

/// Deactivates (soft-deletes) a presence definition: it stays readable with
/// `deactivated: true`.
///
/// `DELETE /api/v2/presence/definitions/{definitionId}`. Official SDKs:
/// `delete_presence_definition`, `deletePresenceDefinition0`. Legacy
/// equivalent: [`definitions::delete`](crate::definitions::delete).
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id; [`Api`](crate::ErrorKind::Api) for an error
/// answer (404 unknown id).
pub fn delete(session: &Session, definition_id: &str) -> Result<()> {
    request::send_empty(session, &Call::delete(definition_path(definition_id)?))
}

/// Finds the active presence definition a person would call `name`:
/// `"Busy"`, `"on queue"`, or an org label such as `"Lunch"`.
///
/// Matching ignores case and surrounding spaces, and tries in turn: the
/// labels in the session's locale ([`SessionBuilder::locale`](crate::SessionBuilder::locale),
/// default `en_US`); labels in any locale; then system presence names in
/// any spelling (`OnQueue`, `ON_QUEUE`, `on queue`), which give the org's
/// built-in (`System`) definition of that presence. When several
/// definitions match at one step and exactly one of them is built-in, that
/// one is chosen. The definitions are read
/// once (`GET /api/v2/presence/definitions?localeCode=ALL`) and reused for
/// [`SessionBuilder::definitions_cache_ttl`](crate::SessionBuilder::definitions_cache_ttl);
/// [`Session::forget_cached_definitions`] drops them sooner.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) naming `name` when no definition matches (the
/// message lists the known names) or several do (it lists their ids); the
/// listing's error when the definitions cannot be read, and
/// [`IncompleteListing`](crate::ErrorKind::IncompleteListing) when the
/// listing holds fewer (or more) definitions than its `total` says (a name
/// it lacks might exist).
///
/// # Example
///
/// ```no_run
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// let lunch = genesys_presence::presence_definitions::find_by_name(&session, "lunch")?;
/// println!("{:?} belongs to {:?}", lunch.id, lunch.system_presence);
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn find_by_name(session: &Session, name: &str) -> Result<OrganizationPresenceDefinition> {
    by_name::find(session, name)
}
