//! Presence names → presence definitions: the matching rules of
//! [`find_by_name`](super::find_by_name), over the session's cached definitions.

use crate::args::require_text;
use crate::definitions::require_whole;
use crate::models::OrganizationPresenceDefinition;
use crate::{Error, Result, Session, SystemPresenceName};

use super::{list, PresenceDefinitionQuery};

/// Finds the active definition called `name`; see
/// [`presence_definitions::find_by_name`] for the rules.
pub(super) fn find(session: &Session, name: &str) -> Result<OrganizationPresenceDefinition> {
    require_text("name", name)?;
    let wanted = name.trim();
    // Before the cache's lock, which an observer's thread may hold.
    session.transport().outside_observer()?;
    let cache = session.definitions_cache();
    let definitions = cache.get_or_read(|| {
        let query = PresenceDefinitionQuery::default().locale_code("ALL");
        let listing = list(session, &query)?;
        // "No such name" needs every definition: a short listing is an error.
        require_whole(super::BASE, listing.total, listing.entities.len())?;
        Ok(listing.entities)
    })?;
    let wanted_lower = wanted.to_lowercase();
    let same = |label: &str| label.trim().to_lowercase() == wanted_lower;
    let system = match SystemPresenceName::parse(wanted) {
        SystemPresenceName::Other(_) => None,
        known => Some(known),
    };
    // The steps, in order; the first that names anything decides.
    let steps: [&dyn Fn(&OrganizationPresenceDefinition) -> bool; 3] = [
        &|d| d.label(cache.locale()).is_some_and(same),
        &|d| d.language_labels.iter().flat_map(|l| l.values()).any(|l| same(l)),
        &|d| system.is_some() && d.system_presence_name() == system,
    ];
    for step in steps {
        let matches: Vec<_> = definitions.iter().filter(|d| step(d)).collect();
        if let Some(found) = choose(wanted, &matches)? {
            return Ok(found.clone());
        }
    }
    Err(Error::invalid(
        "name",
        format!(
            "no presence definition is called {}; known: {}",
            crate::error::quoted(wanted),
            known_names(&definitions, cache.locale())
        ),
    ))
}

/// The definition `matches` designate: the only one, or the only built-in
/// one when the org added others of the same name; `None` for no match, an
/// error listing the ids when several are equally good.
fn choose<'a>(
    wanted: &str,
    matches: &[&'a OrganizationPresenceDefinition],
) -> Result<Option<&'a OrganizationPresenceDefinition>> {
    let built_in: Vec<_> = matches.iter().copied().filter(|d| !d.is_user_defined()).collect();
    match (matches, built_in.as_slice()) {
        ([], _) => Ok(None),
        ([one], _) | (_, [one]) => Ok(Some(*one)),
        (several, _) => {
            let ids: Vec<&str> = several.iter().filter_map(|d| d.id.as_deref()).collect();
            Err(Error::invalid(
                "name",
                format!(
                    "{} names {} presence definitions ({}); use an id",
                    crate::error::quoted(wanted),
                    several.len(),
                    ids.join(", ")
                ),
            ))
        }
    }
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
    let defined = SystemPresenceName::KNOWN.iter().filter(|system| {
        definitions
            .iter()
            .any(|d| d.system_presence_name().as_ref() == Some(*system))
    });
    for system in defined {
        if !names.iter().any(|n| SystemPresenceName::parse(n) == *system) {
            names.push(system.as_str().to_owned());
        }
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.to_lowercase()));
    names.join(", ")
}
