//! The organization's presence definitions, kept by a session for name
//! lookups ([`presence_definitions::find_by_name`](crate::presence_definitions::find_by_name)).
//!
//! The cache only stores: the caller says how to read the definitions, so
//! this module depends on the models alone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::models::OrganizationPresenceDefinition;

/// The default time presence definitions are cached for name lookups (see
/// [`SessionBuilder::definitions_cache_ttl`](crate::SessionBuilder::definitions_cache_ttl)).
pub const DEFAULT_DEFINITIONS_CACHE_TTL: Duration = Duration::from_secs(300);

/// A shared, read-only list of definitions.
pub(crate) type Definitions = Arc<Vec<OrganizationPresenceDefinition>>;

/// The org's active presence definitions, read at most once per `ttl`, and
/// the locale whose labels are matched first.
#[derive(Debug)]
pub(crate) struct DefinitionCache {
    ttl: Duration,
    locale: String,
    /// Held while the definitions are read, so concurrent lookups make one
    /// request: when they were read, in which generation, and what they are.
    current: Mutex<Option<(Instant, u64, Definitions)>>,
    /// The generation: [`forget`](Self::forget) starts a new one without
    /// taking the lock (it may be called from an observer whose thread holds it).
    generation: AtomicU64,
}

impl DefinitionCache {
    pub(crate) fn new(ttl: Duration, locale: String) -> DefinitionCache {
        DefinitionCache {
            ttl,
            locale,
            current: Mutex::new(None),
            generation: AtomicU64::new(0),
        }
    }

    pub(crate) fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The locale whose labels name definitions first, e.g. `en_US`.
    pub(crate) fn locale(&self) -> &str {
        &self.locale
    }

    /// Drops the kept definitions, and those being read: the next
    /// [`get_or_read`](Self::get_or_read) reads them.
    pub(crate) fn forget(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The kept definitions while they are younger than the ttl, else those
    /// `read` returns (deactivated ones dropped), which are then kept.
    /// Concurrent callers wait for one read.
    pub(crate) fn get_or_read(
        &self,
        read: impl FnOnce() -> Result<Vec<OrganizationPresenceDefinition>>,
    ) -> Result<Definitions> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = self.generation.load(Ordering::SeqCst);
        if let Some((read_at, read_in, definitions)) = current.as_ref() {
            if *read_in == generation && read_at.elapsed() < self.ttl {
                return Ok(Arc::clone(definitions));
            }
        }
        let mut definitions = read()?;
        definitions.retain(|d| d.deactivated != Some(true));
        let definitions = Arc::new(definitions);
        *current = Some((Instant::now(), generation, Arc::clone(&definitions)));
        Ok(definitions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(id: &str, deactivated: Option<bool>) -> OrganizationPresenceDefinition {
        OrganizationPresenceDefinition {
            id: Some(id.into()),
            deactivated,
            ..Default::default()
        }
    }

    #[test]
    fn definitions_are_read_once_per_ttl_and_deactivated_ones_dropped() {
        let cache = DefinitionCache::new(Duration::from_secs(60), "en_US".into());
        let mut reads = 0;
        for _ in 0..3 {
            let got = cache
                .get_or_read(|| {
                    reads += 1;
                    Ok(vec![definition("a", None), definition("b", Some(true))])
                })
                .unwrap();
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].id.as_deref(), Some("a"));
        }
        assert_eq!(reads, 1);
        cache.forget();
        cache.get_or_read(|| Ok(Vec::new())).unwrap();
        let zero = DefinitionCache::new(Duration::ZERO, "fr".into());
        let mut zero_reads = 0;
        for _ in 0..2 {
            zero.get_or_read(|| {
                zero_reads += 1;
                Ok(Vec::new())
            })
            .unwrap();
        }
        assert_eq!(zero_reads, 2, "a zero ttl reads on every use");
    }

    #[test]
    fn forgetting_never_waits_and_drops_a_read_under_way() {
        let cache = DefinitionCache::new(Duration::from_secs(60), "en_US".into());
        // Forgotten while being read (from the reading thread, which holds
        // the lock): that read is used once, then read again.
        let got = cache
            .get_or_read(|| {
                cache.forget();
                Ok(vec![definition("old", None)])
            })
            .unwrap();
        assert_eq!(got[0].id.as_deref(), Some("old"));
        let mut reads = 0;
        for _ in 0..2 {
            let got = cache
                .get_or_read(|| {
                    reads += 1;
                    Ok(vec![definition("new", None)])
                })
                .unwrap();
            assert_eq!(got[0].id.as_deref(), Some("new"));
        }
        assert_eq!(reads, 1);
    }
}
