//! Presence names → presence definitions: the session's cache of the org's
//! definitions and the matching rules of
//! [`presence_definitions::find_by_name`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::models::OrganizationPresenceDefinition;
use crate::presence_definitions::{self, PresenceDefinitionQuery};
use crate::{Error, Result, Session, SystemPresenceName};

type Definitions = Arc<Vec<OrganizationPresenceDefinition>>;

/// The org's active presence definitions, read at most once per `ttl`.
#[derive(Debug)]
pub(crate) struct DefinitionCache {
    ttl: Duration,
    locale: String,
    /// Held while the definitions are read, so concurrent lookups make one request.
    current: Mutex<Option<(Instant, Definitions)>>,
}

impl DefinitionCache {
    pub(crate) fn new(ttl: Duration, locale: String) -> DefinitionCache {
        DefinitionCache {
            ttl,
            locale,
            current: Mutex::new(None),
        }
    }

    pub(crate) fn ttl(&self) -> Duration {
        self.ttl
    }

    pub(crate) fn forget(&self) {
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn definitions(&self, session: &Session) -> Result<Definitions> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((read_at, definitions)) = current.as_ref() {
            if read_at.elapsed() < self.ttl {
                return Ok(Arc::clone(definitions));
            }
        }
        let query = PresenceDefinitionQuery::default().locale_code("ALL");
        let listing = presence_definitions::list(session, &query)?;
        let active: Vec<_> = listing
            .entities
            .into_iter()
            .filter(|d| d.deactivated != Some(true))
            .collect();
        let definitions = Arc::new(active);
        *current = Some((Instant::now(), Arc::clone(&definitions)));
        Ok(definitions)
    }
}

/// Finds the active definition called `name`; see
/// [`presence_definitions::find_by_name`] for the rules.
pub(crate) fn find(session: &Session, name: &str) -> Result<OrganizationPresenceDefinition> {
    let wanted = name.trim();
    if wanted.is_empty() {
        return Err(Error::invalid("name", "must not be empty"));
    }
    let cache = &session.inner.definitions;
    let definitions = cache.definitions(session)?;
    let same = |label: &str| label.trim().to_lowercase() == wanted.to_lowercase();
    let in_locale: Vec<_> = definitions
        .iter()
        .filter(|d| d.label(&cache.locale).is_some_and(same))
        .collect();
    let in_any_locale: Vec<_> = definitions
        .iter()
        .filter(|d| d.language_labels.iter().flat_map(|l| l.values()).any(|l| same(l)))
        .collect();
    let system = match SystemPresenceName::parse(wanted) {
        SystemPresenceName::Other(_) => Vec::new(),
        known => {
            let of_system: Vec<_> = definitions
                .iter()
                .filter(|d| d.system_presence_name().as_ref() == Some(&known))
                .collect();
            // The org's own definition of a system presence is the `System` one.
            let built_in: Vec<_> = of_system
                .iter()
                .copied()
                .filter(|d| !d.is_user_defined())
                .collect();
            if built_in.is_empty() {
                of_system
            } else {
                built_in
            }
        }
    };
    for matches in [in_locale, in_any_locale, system] {
        match matches.as_slice() {
            [] => continue,
            [one] => return Ok((*one).clone()),
            // A built-in definition wins over ones the org added with the same label.
            several if several.iter().filter(|d| !d.is_user_defined()).count() == 1 => {
                if let Some(built_in) = several.iter().find(|d| !d.is_user_defined()) {
                    return Ok((*built_in).clone());
                }
            }
            several => {
                let ids: Vec<&str> = several.iter().filter_map(|d| d.id.as_deref()).collect();
                return Err(Error::invalid(
                    "name",
                    format!(
                        "{wanted:?} names {} presence definitions ({}); use an id",
                        several.len(),
                        ids.join(", ")
                    ),
                ));
            }
        }
    }
    Err(Error::invalid(
        "name",
        format!(
            "no presence definition is called {wanted:?}; known: {}",
            known_names(&definitions, &cache.locale)
        ),
    ))
}

/// The labels in `locale` (else any label) of every definition, then the system presence names.
fn known_names(definitions: &[OrganizationPresenceDefinition], locale: &str) -> String {
    let mut names: Vec<String> = definitions
        .iter()
        .filter_map(|d| {
            d.label(locale)
                .or_else(|| d.language_labels.as_ref()?.values().next().map(String::as_str))
        })
        .map(str::to_owned)
        .collect();
    // System presence names work only when the org has a definition for them.
    let defined = SystemPresenceName::KNOWN.into_iter().filter(|system| {
        definitions
            .iter()
            .any(|d| d.system_presence_name().as_ref() == Some(system))
    });
    for system in defined {
        if !names.iter().any(|n| SystemPresenceName::parse(n) == system) {
            names.push(system.as_str().to_owned());
        }
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.to_lowercase()));
    names.join(", ")
}
