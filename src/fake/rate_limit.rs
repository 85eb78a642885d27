//! The org's optional rate limit: so many API requests per window (a
//! minute unless a test chooses another length) per access token, counted
//! over fixed windows, as Genesys Cloud limits a client-credentials token
//! (`client.credentials.token.rate.per.minute`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::wire::Reply;

/// The length of a window, unless set otherwise.
const MINUTE: Duration = Duration::from_secs(60);

/// The limit, each token's current window, and how many requests were refused.
#[derive(Default)]
pub(super) struct RateLimits {
    /// Requests allowed per window, and the window's length.
    limit: Option<(u32, Duration)>,
    /// Access token -> its current window.
    windows: HashMap<String, Window>,
    /// How many requests were answered 429.
    pub(super) refused: usize,
}

struct Window {
    started: Instant,
    /// Requests admitted in this window.
    count: u32,
}

/// What the limit says of one request: admitted or not, and the values of
/// the `inin-ratelimit-*` headers.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Verdict {
    pub(super) admitted: bool,
    /// Requests admitted in the window, this one included.
    pub(super) count: u32,
    pub(super) allowed: u32,
    /// Whole seconds (rounded up, at least 1) until the window ends.
    pub(super) reset_secs: u64,
}

impl RateLimits {
    /// Sets the limit a minute (`None`: none); every token starts a new window.
    pub(super) fn set(&mut self, per_minute: Option<u32>) {
        self.set_window(per_minute.map(|allowed| (allowed, MINUTE)));
    }

    /// Sets the limit: so many requests per window of the given length (a
    /// zero length is taken as 1 ms); every token starts a new window.
    pub(super) fn set_window(&mut self, limit: Option<(u32, Duration)>) {
        self.limit = limit.map(|(allowed, window)| (allowed, window.max(Duration::from_millis(1))));
        self.windows.clear();
    }

    /// Counts a request made with `token` at `now`; `None` when there is no limit.
    /// A window starts with the first request after the previous one ended.
    pub(super) fn admit(&mut self, token: &str, now: Instant) -> Option<Verdict> {
        let (allowed, length) = self.limit?;
        let window = self.windows.entry(token.to_owned()).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.saturating_duration_since(window.started) >= length {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        let admitted = window.count < allowed;
        if admitted {
            window.count += 1;
        } else {
            self.refused += 1;
        }
        let left = length.saturating_sub(now.saturating_duration_since(window.started));
        let reset_secs = u64::try_from(left.as_millis().div_ceil(1000))
            .unwrap_or(u64::MAX)
            .max(1);
        Some(Verdict {
            admitted,
            count: window.count,
            allowed,
            reset_secs,
        })
    }
}

impl Verdict {
    /// The answer to a refused request: 429 with `Retry-After` and the
    /// normalised body Genesys Cloud sends since November 2021.
    pub(super) fn refusal(&self) -> Reply {
        let seconds = self.reset_secs;
        Reply::error(
            429,
            "too.many.requests.retry.after",
            format!("Rate limit exceeded the maximum. Retry the request in [{seconds}] seconds"),
        )
        .with_header("Retry-After", seconds.to_string())
    }

    /// Adds the `inin-ratelimit-*` headers to an answer.
    pub(super) fn mark(&self, reply: Reply) -> Reply {
        reply
            .with_header("inin-ratelimit-count", self.count.to_string())
            .with_header("inin-ratelimit-allowed", self.allowed.to_string())
            .with_header("inin-ratelimit-reset", self.reset_secs.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(admitted: bool, count: u32, allowed: u32, reset_secs: u64) -> Option<Verdict> {
        Some(Verdict {
            admitted,
            count,
            allowed,
            reset_secs,
        })
    }

    #[test]
    fn without_a_limit_nothing_is_counted() {
        let mut limits = RateLimits::default();
        assert_eq!(limits.admit("t", Instant::now()), None);
        limits.set(Some(1));
        limits.set(None);
        assert_eq!(limits.admit("t", Instant::now()), None);
        assert_eq!(limits.refused, 0);
    }

    #[test]
    fn each_token_has_a_fixed_window_that_starts_with_its_first_request() {
        let mut limits = RateLimits::default();
        limits.set(Some(2));
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        assert_eq!(limits.admit("a", at(0)), verdict(true, 1, 2, 60));
        assert_eq!(limits.admit("a", at(1_500)), verdict(true, 2, 2, 59));
        assert_eq!(limits.admit("a", at(30_000)), verdict(false, 2, 2, 30));
        // Another token: its own window, started later.
        assert_eq!(limits.admit("b", at(30_000)), verdict(true, 1, 2, 60));
        // Rounded up, never 0.
        assert_eq!(limits.admit("a", at(59_999)), verdict(false, 2, 2, 1));
        assert_eq!(limits.refused, 2);
        // The window of `a` has ended: a new one starts with this request.
        assert_eq!(limits.admit("a", at(60_000)), verdict(true, 1, 2, 60));
        assert_eq!(limits.admit("b", at(60_000)), verdict(true, 2, 2, 30));
        assert_eq!(limits.admit("b", at(89_999)), verdict(false, 2, 2, 1));
        assert_eq!(limits.admit("b", at(90_000)), verdict(true, 1, 2, 60));
    }

    #[test]
    fn a_chosen_window_resets_after_its_length_in_whole_seconds_rounded_up() {
        let mut limits = RateLimits::default();
        limits.set_window(Some((2, Duration::from_millis(2_000))));
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        assert_eq!(limits.admit("a", at(0)), verdict(true, 1, 2, 2));
        assert_eq!(limits.admit("a", at(1)), verdict(true, 2, 2, 2));
        assert_eq!(limits.admit("a", at(1_000)), verdict(false, 2, 2, 1));
        assert_eq!(limits.admit("a", at(1_999)), verdict(false, 2, 2, 1));
        assert_eq!(limits.admit("a", at(2_000)), verdict(true, 1, 2, 2));
        assert_eq!(limits.admit("a", at(3_500)), verdict(true, 2, 2, 1));
        assert_eq!(limits.refused, 2);
        // A window under a second still says 1, never 0.
        limits.set_window(Some((1, Duration::from_millis(300))));
        assert_eq!(limits.admit("a", at(4_000)), verdict(true, 1, 1, 1));
        assert_eq!(limits.admit("a", at(4_299)), verdict(false, 1, 1, 1));
        assert_eq!(limits.admit("a", at(4_300)), verdict(true, 1, 1, 1));
        // A zero length is 1 ms, not a division by zero or a window that never ends.
        limits.set_window(Some((1, Duration::ZERO)));
        assert_eq!(limits.admit("a", at(5_000)), verdict(true, 1, 1, 1));
        assert_eq!(limits.admit("a", at(5_001)), verdict(true, 1, 1, 1));
        // Back to a minute.
        limits.set(Some(1));
        assert_eq!(limits.admit("a", at(6_000)), verdict(true, 1, 1, 60));
    }

    #[test]
    fn setting_the_limit_starts_every_window_afresh() {
        let mut limits = RateLimits::default();
        limits.set(Some(1));
        let now = Instant::now();
        assert!(limits.admit("a", now).is_some_and(|v| v.admitted));
        assert!(limits.admit("a", now).is_some_and(|v| !v.admitted));
        limits.set(Some(1));
        assert_eq!(limits.admit("a", now), verdict(true, 1, 1, 60));
    }
}
