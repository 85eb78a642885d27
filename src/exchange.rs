//! What a session tells an observer about each HTTP exchange: the
//! [`Exchange`] record, and the [`RateLimit`] figures the API sends.
//!
//! Register an observer with
//! [`SessionBuilder::observer`](crate::SessionBuilder::observer); read the
//! latest figures with [`Session::rate_limit`](crate::Session::rate_limit).
//!
//! ```
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use std::sync::Arc;
//! use genesys_presence::Session;
//!
//! let throttled = Arc::new(AtomicU32::new(0));
//! let seen = Arc::clone(&throttled);
//! let session = Session::builder()
//!     .access_token("a-token")
//!     .observer(move |exchange| {
//!         if exchange.status == 429 {
//!             seen.fetch_add(1, Ordering::Relaxed);
//!         }
//!         if let Some(limit) = exchange.rate_limit {
//!             println!("{} {} used {} of {}", exchange.method, exchange.path, limit.count, limit.allowed);
//!         }
//!     })
//!     .build()?;
//! # Ok::<(), genesys_presence::Error>(())
//! ```

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Which service an exchange went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExchangeKind {
    /// A call to the API (`{api_url}/api/v2/…`), notifications channels included.
    Api,
    /// A token request to the login service (`POST {login_url}/oauth/token`).
    Token,
}

impl ExchangeKind {
    /// `API` or `token`, as log records name it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            ExchangeKind::Api => "API",
            ExchangeKind::Token => "token",
        }
    }
}

/// One request and the answer it got, as seen by an observer
/// ([`SessionBuilder::observer`](crate::SessionBuilder::observer)).
///
/// Every request that got an answer is reported, whatever its status: a
/// `429` that is retried, a `401` followed by a new token, the retry that
/// succeeded. A request that got no answer (no connection, a timeout) is
/// not: it ends in an [`Error`](crate::Error), or in a retry that is.
///
/// The record holds no secret: no header but those named here, no body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Exchange {
    /// API call or token request.
    pub kind: ExchangeKind,
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE` or `HEAD`.
    pub method: &'static str,
    /// The path as [`Error::path`](crate::Error::path) gives it, without
    /// the base URL (or its gateway prefix) and without the query:
    /// `/api/v2/users/{id}/presences/PURECLOUD`, or `/oauth/token`.
    pub path: String,
    /// The HTTP status of the answer.
    pub status: u16,
    /// From the start of sending to the end of reading the answer's body
    /// (not counting a wait for pacing before it).
    pub duration: Duration,
    /// Which send of the call this was: 1 for the first, 2 for the first
    /// retry (or the replay after a new token), and so on.
    pub attempt: u32,
    /// The `inin-correlation-id` header: quote it to Genesys support.
    pub correlation_id: Option<String>,
    /// The `Retry-After` header, in whole seconds (sent with a `429`).
    pub retry_after: Option<Duration>,
    /// The `inin-ratelimit-*` headers, when the answer carried them.
    pub rate_limit: Option<RateLimit>,
}

/// The rate-limit figures an API answer may carry in its
/// `inin-ratelimit-count`, `inin-ratelimit-allowed` and
/// `inin-ratelimit-reset` headers.
///
/// Genesys Cloud does not document these headers for the Presence API, so
/// they are hints: present only when both `count` and `allowed` are whole
/// numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RateLimit {
    /// `inin-ratelimit-count`: requests counted in the current window, this one included.
    pub count: u64,
    /// `inin-ratelimit-allowed`: requests the window allows.
    pub allowed: u64,
    /// `inin-ratelimit-reset`: how long until the window starts again
    /// (whole seconds from Genesys Cloud; a fraction is read too).
    pub reset: Option<Duration>,
}

impl RateLimit {
    /// Requests left in the window (`allowed - count`, at least 0).
    pub fn remaining(&self) -> u64 {
        self.allowed.saturating_sub(self.count)
    }

    /// The figures from the headers' values, when `count` and `allowed`
    /// are there and whole numbers. A `reset` that is not a number of
    /// seconds (or is longer than a day) is left out.
    pub(crate) fn from_values(
        count: Option<&str>,
        allowed: Option<&str>,
        reset: Option<&str>,
    ) -> Option<RateLimit> {
        let whole = |value: Option<&str>| value.and_then(|v| v.trim().parse::<u64>().ok());
        let reset = reset
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| (0.0..=86_400.0).contains(s))
            .map(Duration::from_secs_f64);
        Some(RateLimit {
            count: whole(count)?,
            allowed: whole(allowed)?,
            reset,
        })
    }
}

/// A caller's observer, shared by the session's clones.
#[derive(Clone)]
pub(crate) struct Observer(Arc<dyn Fn(&Exchange) + Send + Sync>);

thread_local! {
    /// The observers this thread is running ([`Observer::id`]), outermost
    /// first: one may call another session, whose observer then runs too.
    static RUNNING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Marks this thread as running an observer until dropped (a panic included).
struct Running;

impl Running {
    fn enter(id: usize) -> Running {
        RUNNING.with(|running| running.borrow_mut().push(id));
        Running
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.with(|running| running.borrow_mut().pop());
    }
}

impl Observer {
    pub(crate) fn new(callback: impl Fn(&Exchange) + Send + Sync + 'static) -> Observer {
        Observer(Arc::new(callback))
    }

    pub(crate) fn notify(&self, exchange: &Exchange) {
        let _running = Running::enter(self.id());
        (self.0)(exchange);
    }

    /// True while this thread runs this observer (or one of its clones'),
    /// directly or through another session's: the session may then hold a
    /// lock the observer's own calls would wait for (the token being
    /// renewed, the definitions being read).
    pub(crate) fn is_running(&self) -> bool {
        RUNNING.with(|running| running.borrow().contains(&self.id()))
    }

    fn id(&self) -> usize {
        Arc::as_ptr(&self.0).cast::<()>() as usize
    }
}

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Observer")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_read_when_count_and_allowed_are_numbers() {
        let limit = RateLimit::from_values(Some("7"), Some(" 300 "), Some("61")).unwrap();
        assert_eq!((limit.count, limit.allowed), (7, 300));
        assert_eq!(limit.reset, Some(Duration::from_secs(61)));
        assert_eq!(limit.remaining(), 293);
        let fraction = RateLimit::from_values(Some("301"), Some("300"), Some("1.5")).unwrap();
        assert_eq!(fraction.reset, Some(Duration::from_millis(1500)));
        assert_eq!(fraction.remaining(), 0);
    }

    #[test]
    fn missing_or_odd_figures_are_tolerated() {
        assert_eq!(RateLimit::from_values(None, None, None), None);
        assert_eq!(RateLimit::from_values(Some("1"), None, Some("5")), None);
        assert_eq!(RateLimit::from_values(Some("x"), Some("300"), None), None);
        assert_eq!(RateLimit::from_values(Some("-1"), Some("300"), None), None);
        for reset in ["-1", "NaN", "inf", "soon", "1e9"] {
            let limit = RateLimit::from_values(Some("1"), Some("300"), Some(reset)).unwrap();
            assert_eq!(limit.reset, None, "{reset}");
        }
    }
}
