//! The organization's presence definitions, through the legacy
//! `/api/v2/presencedefinitions` operations of the official SDKs' seed pages.
//!
//! A presence definition is one presence a user can choose ("Lunch", "Busy"),
//! belonging to a system presence (Meal, Busy). Genesys deprecated these five
//! operations on 2024-02-01 in favour of `/api/v2/presence/definitions`
//! ([`presence_definitions`](crate::presence_definitions)), which uses a
//! different model ([`OrganizationPresenceDefinition`](crate::OrganizationPresenceDefinition),
//! with `type` and `divisionId`), is not paged, and deactivates on delete;
//! both families are still served and share the same definitions.

use std::collections::{BTreeMap, HashSet};

use crate::args::optional_text;
use crate::error::Repr;
use crate::models::{OrganizationPresence, OrganizationPresenceEntityListing};
use crate::request::{self, segment, Call};
use crate::{Error, Result, Session};

/// The most pages [`list_all`] reads: a server that keeps announcing a next
/// page gets [`TooManyPages`](crate::ErrorKind::TooManyPages) rather than an endless loop. (At the
/// largest page size that is 500 000 definitions; an org has dozens.)
pub const MAX_PAGES: usize = 1000;

/// The largest `pageSize` sent. Genesys does not publish this listing's own
/// maximum; a larger value is rejected before any request, and a smaller cap
/// on the server comes back as a `400` [`Api`](crate::ErrorKind::Api).
pub const MAX_PAGE_SIZE: u32 = 500;

/// Which definitions a listing includes, by deletion state (the `deleted` query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DeletedFilter {
    /// Only definitions in use (`deleted=false`; the API's default).
    #[default]
    Active,
    /// Only deleted definitions (`deleted=true`).
    Deleted,
    /// Both (`deleted=all`).
    All,
}

impl DeletedFilter {
    /// The query value sent: `false`, `true` or `all`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeletedFilter::Active => "false",
            DeletedFilter::Deleted => "true",
            DeletedFilter::All => "all",
        }
    }
}

/// Query parameters of [`list`] and [`list_all`]. Parameters left unset are
/// not sent, so the API's defaults apply (page 1, 25 per page, active
/// definitions, the default locale).
///
/// ```
/// use genesys_presence::definitions::{DefinitionQuery, DeletedFilter};
///
/// let query = DefinitionQuery::default()
///     .page_size(100)
///     .deleted(DeletedFilter::All)
///     .locale_code("fr");
/// ```
///
/// A non-breaking release may add parameters, as new methods; start from
/// `DefinitionQuery::default()`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DefinitionQuery {
    page_number: Option<u32>,
    page_size: Option<u32>,
    deleted: Option<DeletedFilter>,
    locale_code: Option<String>,
}

impl DefinitionQuery {
    /// The page to read, from 1 (`pageNumber`). [`list_all`] starts there.
    pub fn page_number(mut self, page_number: u32) -> Self {
        self.page_number = Some(page_number);
        self
    }

    /// Definitions per page (`pageSize`; the API's default is 25).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Which definitions by deletion state (`deleted`).
    pub fn deleted(mut self, deleted: DeletedFilter) -> Self {
        self.deleted = Some(deleted);
        self
    }

    /// The locale of the labels to return, e.g. `fr`, or `ALL` for every
    /// locale (`localeCode`).
    pub fn locale_code(mut self, locale_code: impl Into<String>) -> Self {
        self.locale_code = Some(locale_code.into());
        self
    }

    fn call(&self, page_number: Option<u32>) -> Result<Call> {
        if page_number == Some(0) {
            return Err(Error::invalid("page_number", "pages are numbered from 1"));
        }
        match self.page_size {
            Some(0) => return Err(Error::invalid("page_size", "must be at least 1")),
            Some(size) if size > MAX_PAGE_SIZE => {
                return Err(Error::invalid(
                    "page_size",
                    format!("{size} is above the maximum of {MAX_PAGE_SIZE}"),
                ))
            }
            _ => {}
        }
        optional_text("locale_code", self.locale_code.as_deref())?;
        Ok(Call::get("/api/v2/presencedefinitions".into())
            .query_opt("pageNumber", page_number.map(|n| n.to_string()))
            .query_opt("pageSize", self.page_size.map(|n| n.to_string()))
            .query_opt("deleted", self.deleted.map(DeletedFilter::as_str))
            .query_opt("localeCode", self.locale_code.as_deref()))
    }
}

/// Reads one page of the organization's presence definitions, as the API sent it.
///
/// `GET /api/v2/presencedefinitions` (deprecated by Genesys; newer:
/// [`presence_definitions::list`](crate::presence_definitions::list), which is
/// not paged and filters by division). Official SDKs:
/// `get_presencedefinitions`, `getPresencedefinitions`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for page number 0, a page size of 0 or above
/// [`MAX_PAGE_SIZE`], or an empty locale,
/// before any request; [`Api`](crate::ErrorKind::Api) for an error answer (400 for an
/// unknown locale, 401, 403, 429, 5xx).
///
/// # Example
///
/// ```no_run
/// use genesys_presence::definitions::{self, DefinitionQuery};
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// let page = definitions::list(&session, &DefinitionQuery::default().page_size(50))?;
/// println!("{} of {:?}", page.entities.len(), page.total);
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn list(session: &Session, query: &DefinitionQuery) -> Result<OrganizationPresenceEntityListing> {
    request::send_json(session, &query.call(query.page_number)?)
}

/// Reads every page of presence definitions matching `query`, from its page
/// number (default 1) on, and returns them in order: [`iter`] collected.
///
/// # Errors
///
/// As [`list`]; the first failing page's error is returned.
/// [`TooManyPages`](crate::ErrorKind::TooManyPages) when there are still more pages after
/// [`MAX_PAGES`], and [`IncompleteListing`](crate::ErrorKind::IncompleteListing) when the pages do not add
/// up (see [`iter`]): a partial list is never returned as if it were whole.
pub fn list_all(session: &Session, query: &DefinitionQuery) -> Result<Vec<OrganizationPresence>> {
    iter(session, query).collect()
}

/// Iterates over every presence definition matching `query`, reading a page
/// only when the previous one is used up, from the query's page number
/// (default 1) on.
///
/// Stops after the last page (`pageNumber >= pageCount`, or no `nextUri`
/// when the count is missing), or a page with no entities where none
/// are announced; each definition is yielded once (a definition repeated
/// on a later page, as when the listing shifts, is skipped).
///
/// The pages must add up, else the last item is an
/// [`IncompleteListing`](crate::ErrorKind::IncompleteListing) (after the definitions read until then):
/// the server answered another page than the one asked for; a page brought
/// nothing new although more pages were announced; the `total` changed
/// from one page to the next (the listing changed while it was read); or
/// the definitions delivered are not the `total` announced (less what lies
/// before the first page read). Checks need the fields the server sends:
/// without `pageNumber`, `pageCount` or `total` the matching check is skipped.
///
/// An error is yielded once, and ends the iteration.
///
/// # Example
///
/// ```no_run
/// use genesys_presence::definitions::{self, DefinitionQuery};
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// // Reads only as many pages as it takes to find one.
/// let lunch = definitions::iter(&session, &DefinitionQuery::default())
///     .find(|d| d.as_ref().map_or(true, |d| d.label("en_US") == Some("Lunch")))
///     .transpose()?;
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn iter<'a>(session: &'a Session, query: &DefinitionQuery) -> Definitions<'a> {
    let first_page = query.page_number.unwrap_or(1);
    Definitions {
        session,
        query: query.clone(),
        next_page: Some(first_page),
        first_page,
        pages_read: 0,
        buffered: Vec::new().into_iter(),
        seen: HashSet::new(),
        delivered: 0,
        total: None,
        page_size: None,
        pending: None,
    }
}

/// The iterator of [`iter`]: presence definitions, read a page at a time.
#[derive(Debug)]
pub struct Definitions<'a> {
    session: &'a Session,
    query: DefinitionQuery,
    /// The page to read when the buffer is empty; `None` once done.
    next_page: Option<u32>,
    /// The page the listing started at.
    first_page: u32,
    pages_read: usize,
    buffered: std::vec::IntoIter<OrganizationPresence>,
    seen: HashSet<String>,
    /// How many definitions the pages read so far brought (each once).
    delivered: u64,
    /// The `total` the first page that had one announced.
    total: Option<i64>,
    /// The `pageSize` the first page that had one said.
    page_size: Option<i64>,
    /// Yielded once the buffer is drained: the pages did not add up.
    pending: Option<Error>,
}

/// The path of the listing, as errors name it.
const LIST_PATH: &str = "/api/v2/presencedefinitions";

fn incomplete(detail: String) -> Error {
    Repr::IncompleteListing {
        path: LIST_PATH.into(),
        detail,
    }
    .into()
}

/// For a listing that is not paged (`path` answers every match at once):
/// an [`IncompleteListing`](crate::ErrorKind::IncompleteListing) error when its `total` is not the number of
/// entities it holds.
pub(crate) fn require_whole(path: &str, total: Option<i64>, entities: usize) -> Result<()> {
    match total {
        Some(total) if usize::try_from(total).ok() != Some(entities) => Err(Repr::IncompleteListing {
            path: path.to_owned(),
            detail: format!("the server announced {total} entities and delivered {entities}"),
        }
        .into()),
        _ => Ok(()),
    }
}

impl Definitions<'_> {
    /// Reads page `page_number` into the buffer and decides what comes next.
    fn read_page(&mut self, page_number: u32) -> Result<()> {
        if self.pages_read == MAX_PAGES {
            return Err(Repr::TooManyPages {
                path: LIST_PATH.into(),
                pages: MAX_PAGES,
            }
            .into());
        }
        self.pages_read += 1;
        let call = self.query.call(Some(page_number))?;
        let page: OrganizationPresenceEntityListing = request::send_json(self.session, &call)?;
        let asked = i64::from(page_number);
        if let Some(answered) = page.page_number.filter(|&n| n != asked) {
            return Err(incomplete(format!(
                "asked for page {asked}, the server answered page {answered}"
            )));
        }
        match (self.total, page.total) {
            (Some(before), Some(now)) if before != now => {
                return Err(incomplete(format!(
                    "the total changed from {before} to {now} while the pages were read"
                )))
            }
            (None, Some(now)) => self.total = Some(now),
            _ => {}
        }
        self.page_size = self.page_size.or(page.page_size);
        let more = match page.page_count {
            Some(count) => asked < count,
            None => page.next_uri.is_some(),
        };
        let on_page = page.entities.len();
        let seen = &mut self.seen;
        let fresh: Vec<_> = page
            .entities
            .into_iter()
            .filter(|entity| entity.id.as_ref().is_none_or(|id| seen.insert(id.clone())))
            .collect();
        if fresh.is_empty() && more {
            let announced = match page.page_count {
                Some(count) => format!("{count} pages"),
                None => "a next page".to_owned(),
            };
            let what = if on_page == 0 {
                "is empty"
            } else {
                "only repeats definitions already read"
            };
            return Err(incomplete(format!(
                "page {asked} {what}, but the server announced {announced}"
            )));
        }
        self.delivered += fresh.len() as u64;
        self.buffered = fresh.into_iter();
        self.next_page = page_number.checked_add(1).filter(|_| more);
        if self.next_page.is_none() {
            self.pending = self.shortfall();
        }
        Ok(())
    }

    /// At the end: an error when the definitions delivered are not the
    /// `total` announced (less what lies before the first page read).
    fn shortfall(&self) -> Option<Error> {
        let total = self.total?;
        let before = i64::from(self.first_page - 1);
        let skipped = if before == 0 {
            0
        } else {
            let size = self.page_size.or(self.query.page_size.map(i64::from))?;
            before.saturating_mul(size)
        };
        let expected = total.saturating_sub(skipped).max(0);
        let delivered = i64::try_from(self.delivered).unwrap_or(i64::MAX);
        (delivered != expected).then(|| {
            let from = if before == 0 {
                String::new()
            } else {
                format!(" from page {}", self.first_page)
            };
            incomplete(format!(
                "the server announced {total} definitions and delivered {delivered}{from} \
                 (expected {expected})"
            ))
        })
    }
}

impl Iterator for Definitions<'_> {
    type Item = Result<OrganizationPresence>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(definition) = self.buffered.next() {
                return Some(Ok(definition));
            }
            if let Some(error) = self.pending.take() {
                return Some(Err(error));
            }
            let page_number = self.next_page?;
            if let Err(error) = self.read_page(page_number) {
                self.next_page = None;
                return Some(Err(error));
            }
        }
    }
}

/// Reads one presence definition.
///
/// `GET /api/v2/presencedefinitions/{presenceId}`, with `localeCode` when
/// `locale_code` is given (`ALL` for every label). Deprecated by Genesys;
/// newer: [`presence_definitions::get`](crate::presence_definitions::get)
/// (`GET /api/v2/presence/definitions/{definitionId}`). Official SDKs:
/// `get_presencedefinition`, `getPresencedefinition`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id or locale; [`Api`](crate::ErrorKind::Api) with
/// status 404 for an unknown id (see [`Error::is_not_found`]).
pub fn get(session: &Session, id: &str, locale_code: Option<&str>) -> Result<OrganizationPresence> {
    optional_text("locale_code", locale_code)?;
    let call = Call::get(format!("/api/v2/presencedefinitions/{}", segment("id", id)?))
        .query_opt("localeCode", locale_code);
    request::send_json(session, &call)
}

/// Creates a presence definition; `language_labels` is required.
///
/// `POST /api/v2/presencedefinitions`. Deprecated by Genesys; newer:
/// [`presence_definitions::create`](crate::presence_definitions::create). Official SDKs:
/// `post_presencedefinitions`, `postPresencedefinitions`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) when `language_labels` is missing or empty;
/// [`Api`](crate::ErrorKind::Api) for an error answer (400 for a bad definition, 403 without
/// `presence:presenceDefinition:add`).
///
/// # Example
///
/// ```no_run
/// use genesys_presence::{definitions, OrganizationPresence};
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// let created = definitions::create(&session, &OrganizationPresence {
///     language_labels: Some([("en_US".to_string(), "Focus time".to_string())].into()),
///     system_presence: Some("Busy".into()),
///     ..Default::default()
/// })?;
/// println!("created {:?}", created.id);
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn create(session: &Session, definition: &OrganizationPresence) -> Result<OrganizationPresence> {
    require_labels(definition.language_labels.as_ref())?;
    request::send_json(
        session,
        &Call::post("/api/v2/presencedefinitions".into()).json(definition)?,
    )
}

/// Replaces a presence definition with `definition` (fields the crate does not
/// know, kept from a [`get`], are sent back).
///
/// `PUT /api/v2/presencedefinitions/{presenceId}`. Deprecated by Genesys;
/// newer: [`presence_definitions::update`](crate::presence_definitions::update)
/// (`PUT /api/v2/presence/definitions/{definitionId}`). Official SDKs:
/// `put_presencedefinition`, `putPresencedefinition`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id or missing labels; [`Api`](crate::ErrorKind::Api)
/// for an error answer (404 unknown id, 400 bad definition, 409 conflict).
pub fn update(
    session: &Session,
    id: &str,
    definition: &OrganizationPresence,
) -> Result<OrganizationPresence> {
    let path = format!("/api/v2/presencedefinitions/{}", segment("id", id)?);
    require_labels(definition.language_labels.as_ref())?;
    request::send_json(session, &Call::put(path).json(definition)?)
}

/// Deletes (deactivates) a presence definition.
///
/// `DELETE /api/v2/presencedefinitions/{presenceId}`. Deprecated by Genesys;
/// newer: [`presence_definitions::delete`](crate::presence_definitions::delete)
/// (`DELETE /api/v2/presence/definitions/{definitionId}`). Official
/// SDKs: `delete_presencedefinition`, `deletePresencedefinition`.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id; [`Api`](crate::ErrorKind::Api) for an error
/// answer (404 unknown id, 403 without `presence:presenceDefinition:delete`).
pub fn delete(session: &Session, id: &str) -> Result<()> {
    request::send_empty(
        session,
        &Call::delete(format!("/api/v2/presencedefinitions/{}", segment("id", id)?)),
    )
}

/// A definition sent to the API needs at least one label.
pub(crate) fn require_labels(language_labels: Option<&BTreeMap<String, String>>) -> Result<()> {
    match language_labels {
        Some(labels) if !labels.is_empty() => Ok(()),
        _ => Err(Error::invalid(
            "definition",
            "language_labels is required (at least one locale, e.g. en_US)",
        )),
    }
}
