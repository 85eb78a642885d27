//! When a failed call is sent again, and how long to wait first.

use std::fmt;
use std::time::Duration;

use crate::error::TransportKind;
use crate::random::random_u64;

/// How failed calls are retried. Set it with
/// [`SessionBuilder::retry_policy`](crate::SessionBuilder::retry_policy).
///
/// What is retried, and why:
///
/// | failure | GET, PUT, DELETE | PATCH, POST |
/// |---|---|---|
/// | `429 Too Many Requests` | yes | yes: the request was refused, not applied |
/// | `502`, `503`, `504` | yes | no: the server may have applied it |
/// | no connection (refused, host not found) | yes | yes: the server never saw it |
/// | the connection broke (reset, closed early) | yes | no: the server may have applied it |
/// | TLS failure (a certificate that does not verify, a failed handshake) | no | no: it does not fix itself |
/// | timeout | no | no |
/// | any other status (400, 401, 403, 404, 409, 500, …) | no | no |
///
/// A `429` waits what its `Retry-After` header says; other retries wait an
/// exponential backoff with jitter (`base_delay`, doubling, capped at
/// `max_delay`, each wait between half and all of that). Retrying stops after
/// `max_attempts` sends, or when the next wait would take the total waited
/// past `max_total_wait`; the last error is returned, and
/// [`Error::attempts`](crate::Error::attempts) says how many sends were made.
/// Timeouts are not retried: each would wait the whole timeout again.
///
/// A `401` is handled apart from this policy: with client credentials the
/// token is fetched again and the call replayed once.
///
/// ```
/// use std::time::Duration;
/// use genesys_presence::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_attempts(8)
///     .max_total_wait(Duration::from_secs(300));
/// let never = RetryPolicy::none();
/// ```
///
/// Start from [`default`](RetryPolicy::default) or [`none`](RetryPolicy::none)
/// and change what you need: a non-breaking release may add settings (as methods).
/// Policies compare with `==` (`PartialEq`, not `Eq`, so that a later
/// setting may be a fraction, such as a jitter factor).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    max_total_wait: Duration,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, at most 60 s of waiting in all, backoff from 500 ms up to 10 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_total_wait: Duration::from_secs(60),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The most attempts a session accepts.
    pub const MAX_ATTEMPTS: u32 = 100;
    /// The longest [`max_total_wait`](RetryPolicy::max_total_wait) a session accepts: 1 day.
    pub const MAX_TOTAL_WAIT: Duration = Duration::from_secs(24 * 3600);
    /// The longest backoff wait ([`backoff`](RetryPolicy::backoff)'s
    /// `max_delay`) a session accepts: 1 hour.
    pub const MAX_DELAY: Duration = Duration::from_secs(3600);

    /// Never retry: every failure is returned at once.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// How many times a call may be sent in all, the first included
    /// (default 4; 1 means no retry; 0 is taken as 1; a session accepts at
    /// most [`MAX_ATTEMPTS`](RetryPolicy::MAX_ATTEMPTS), 100).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The most time spent waiting between attempts of one call (default 60
    /// s; a session accepts at most [`MAX_TOTAL_WAIT`](RetryPolicy::MAX_TOTAL_WAIT), 1 day).
    /// A `Retry-After` longer than what is left is not waited for: the `429`
    /// is returned, with [`Error::retry_after`](crate::Error::retry_after).
    pub fn max_total_wait(mut self, wait: Duration) -> Self {
        self.max_total_wait = wait;
        self
    }

    /// The first backoff wait and the largest (defaults 500 ms and 10 s; a
    /// session accepts a largest of at most [`MAX_DELAY`](RetryPolicy::MAX_DELAY), 1 hour).
    pub fn backoff(mut self, base_delay: Duration, max_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self.max_delay = max_delay.max(base_delay);
        self
    }

    /// The configured number of attempts.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// What is outside the bounds a session accepts, if anything: at most
    /// [`MAX_ATTEMPTS`](RetryPolicy::MAX_ATTEMPTS) attempts, [`MAX_TOTAL_WAIT`](RetryPolicy::MAX_TOTAL_WAIT) of waiting and
    /// [`MAX_DELAY`](RetryPolicy::MAX_DELAY) per backoff wait.
    pub(crate) fn out_of_bounds(&self) -> Option<String> {
        if self.max_attempts > Self::MAX_ATTEMPTS {
            return Some(format!(
                "max_attempts must be at most {}, not {}",
                Self::MAX_ATTEMPTS,
                self.max_attempts
            ));
        }
        if self.max_total_wait > Self::MAX_TOTAL_WAIT {
            return Some(format!(
                "max_total_wait must be at most 1 day, not {:?}",
                self.max_total_wait
            ));
        }
        if self.max_delay > Self::MAX_DELAY {
            return Some(format!(
                "the backoff's max_delay must be at most 1 hour, not {:?}",
                self.max_delay
            ));
        }
        None
    }

    /// How long to wait before sending again after an answer with `status`,
    /// or `None` to give up. `idempotent` says whether sending the request
    /// twice has the effect of sending it once; `attempt` is the number of
    /// sends so far and `waited` the time already spent waiting.
    #[cfg(test)]
    fn after_status(
        &self,
        idempotent: bool,
        status: u16,
        retry_after: Option<Duration>,
        attempt: u32,
        waited: Duration,
    ) -> Option<Duration> {
        let wait = self.wait_for_status(idempotent, status, retry_after, attempt)?;
        self.allow(attempt, waited, wait)
    }

    /// How long to wait before sending again after a transport failure, or `None`.
    #[cfg(test)]
    fn after_failure(
        &self,
        idempotent: bool,
        kind: TransportKind,
        attempt: u32,
        waited: Duration,
    ) -> Option<Duration> {
        let wait = self.wait_for_failure(idempotent, kind, attempt)?;
        self.allow(attempt, waited, wait)
    }

    /// The wait before sending again after `status`, when the status is
    /// worth another try at all (whatever the attempts and waits so far).
    fn wait_for_status(
        &self,
        idempotent: bool,
        status: u16,
        retry_after: Option<Duration>,
        attempt: u32,
    ) -> Option<Duration> {
        match status {
            429 => Some(retry_after.unwrap_or_else(|| self.backoff_for(attempt))),
            502..=504 if idempotent => Some(self.backoff_for(attempt)),
            _ => None,
        }
    }

    /// The wait before sending again after a failure of `kind`, when it is
    /// worth another try at all.
    fn wait_for_failure(&self, idempotent: bool, kind: TransportKind, attempt: u32) -> Option<Duration> {
        let retry = match kind {
            // The request never left: sending it again cannot apply it twice.
            TransportKind::Dns | TransportKind::Connect => true,
            // It may have reached the server.
            TransportKind::Io => idempotent,
            // A certificate or handshake failure happens again on every try.
            TransportKind::Tls => false,
            _ => false,
        };
        retry.then(|| self.backoff_for(attempt))
    }

    fn allow(&self, attempt: u32, waited: Duration, wait: Duration) -> Option<Duration> {
        // A server's Retry-After can be absurd: an overflow is "too long".
        let too_long = waited
            .checked_add(wait)
            .is_none_or(|total| total > self.max_total_wait);
        if attempt >= self.max_attempts || too_long {
            None
        } else {
            Some(wait)
        }
    }

    fn backoff_for(&self, attempt: u32) -> Duration {
        backoff(attempt, self.base_delay, self.max_delay)
    }
}

/// Exponential backoff with jitter: `base · 2^(attempt-1)` capped at `max`
/// ([`full_backoff`]), then a random point in its upper half ([`jitter`]).
pub(crate) fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    jitter(full_backoff(attempt, base, max))
}

/// `base · 2^(attempt-1)`, capped at `max`: the wait before jitter.
pub(crate) fn full_backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let exponent = attempt.saturating_sub(1).min(20);
    base.saturating_mul(1 << exponent).min(max)
}

/// A random point in `[full / 2, full]`, so that clients that failed
/// together do not come back together.
pub(crate) fn jitter(full: Duration) -> Duration {
    let half = full / 2;
    let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    half.saturating_add(Duration::from_nanos(random_u64() % nanos.saturating_add(1)))
}

/// One call's way through a [`RetryPolicy`]: how many sends were made and
/// how long was waited between them. Each wait is logged at info level, and
/// giving up on a call that was retried, or that the policy's limits cut
/// short, at warn (target `genesys_presence::retry`).
pub(crate) struct Attempts<'a> {
    policy: &'a RetryPolicy,
    idempotent: bool,
    /// The call, as log records name it.
    method: &'static str,
    path: &'a str,
    made: u32,
    waited: Duration,
}

/// Why a call may be sent again.
#[derive(Clone, Copy)]
enum Why {
    Status(u16),
    Failure(TransportKind),
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Status(status) => write!(f, "answered {status}"),
            Why::Failure(kind) => write!(f, "no answer ({kind})"),
        }
    }
}

impl<'a> Attempts<'a> {
    /// The attempts of `method path` (the path as errors show it).
    pub(crate) fn new(
        policy: &'a RetryPolicy,
        idempotent: bool,
        method: &'static str,
        path: &'a str,
    ) -> Self {
        Attempts {
            policy,
            idempotent,
            method,
            path,
            made: 0,
            waited: Duration::ZERO,
        }
    }

    /// Counts a send.
    pub(crate) fn begin(&mut self) {
        self.made += 1;
    }

    /// The sends made so far.
    pub(crate) fn made(&self) -> u32 {
        self.made
    }

    /// After an answer with `status`: waits and returns true when the call
    /// should be sent again.
    pub(crate) fn again_after_status(&mut self, status: u16, retry_after: Option<Duration>) -> bool {
        let wanted = (self.policy).wait_for_status(self.idempotent, status, retry_after, self.made);
        self.pause(Why::Status(status), wanted)
    }

    /// After no answer: waits and returns true when the call should be sent again.
    pub(crate) fn again_after_failure(&mut self, kind: TransportKind) -> bool {
        let wanted = (self.policy).wait_for_failure(self.idempotent, kind, self.made);
        self.pause(Why::Failure(kind), wanted)
    }

    /// Waits `wanted` if the policy allows it; logs the wait, or giving up.
    fn pause(&mut self, why: Why, wanted: Option<Duration>) -> bool {
        let (method, path, made) = (self.method, self.path, self.made);
        let Some(wanted) = wanted else {
            if made > 1 {
                log::warn!("{method} {path}: {why}; giving up after {made} attempts");
            }
            return false;
        };
        let Some(wait) = self.policy.allow(made, self.waited, wanted) else {
            log::warn!(
                "{method} {path}: {why}; giving up after {made} attempts and {} ms of waiting \
                 (the retry policy allows {} attempts and {} ms of waiting; the next wait would be {} ms)",
                self.waited.as_millis(),
                self.policy.max_attempts,
                self.policy.max_total_wait.as_millis(),
                wanted.as_millis(),
            );
            return false;
        };
        log::info!(
            "{method} {path}: {why}; sending again in {} ms (attempt {} of at most {})",
            wait.as_millis(),
            made + 1,
            self.policy.max_attempts,
        );
        std::thread::sleep(wait);
        self.waited += wait;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_WAIT: Duration = Duration::ZERO;

    #[test]
    fn rate_limits_are_retried_for_every_method_after_retry_after() {
        let policy = RetryPolicy::default();
        for idempotent in [true, false] {
            let wait = policy.after_status(idempotent, 429, Some(Duration::from_secs(3)), 1, NO_WAIT);
            assert_eq!(wait, Some(Duration::from_secs(3)), "idempotent {idempotent}");
        }
    }

    #[test]
    fn gateway_errors_are_retried_only_for_idempotent_methods() {
        let policy = RetryPolicy::default();
        for status in [502, 503, 504] {
            assert!(policy.after_status(true, status, None, 1, NO_WAIT).is_some());
            assert_eq!(policy.after_status(false, status, None, 1, NO_WAIT), None);
        }
        for status in [400, 401, 403, 404, 409, 500, 501] {
            assert_eq!(
                policy.after_status(true, status, None, 1, NO_WAIT),
                None,
                "{status}"
            );
        }
    }

    #[test]
    fn transport_failures_are_retried_when_the_server_cannot_have_acted() {
        let policy = RetryPolicy::default();
        for kind in [TransportKind::Connect, TransportKind::Dns] {
            assert!(policy.after_failure(false, kind, 1, NO_WAIT).is_some());
            assert!(policy.after_failure(true, kind, 3, NO_WAIT).is_some());
            assert_eq!(policy.after_failure(false, kind, 4, NO_WAIT), None);
        }
        assert!(policy
            .after_failure(true, TransportKind::Io, 1, NO_WAIT)
            .is_some());
        assert_eq!(policy.after_failure(false, TransportKind::Io, 1, NO_WAIT), None);
        for idempotent in [true, false] {
            assert_eq!(
                policy.after_failure(idempotent, TransportKind::Tls, 1, NO_WAIT),
                None
            );
        }
        assert_eq!(
            policy.after_failure(true, TransportKind::Timeout, 1, NO_WAIT),
            None
        );
        assert_eq!(
            policy.after_failure(true, TransportKind::TooLarge, 1, NO_WAIT),
            None
        );
    }

    #[test]
    fn by_default_a_call_still_refused_gives_up_after_4_sends_and_about_2_6_s_of_waiting() {
        // What the README says of a throttled token request (a 429 without
        // Retry-After): 3 waits of 0.25–0.5 s, 0.5–1 s and 1–2 s.
        let policy = RetryPolicy::default();
        let runs = 400u32;
        let mut sum = Duration::ZERO;
        for _ in 0..runs {
            let (mut sends, mut waited) = (1, Duration::ZERO);
            while let Some(wait) = policy.after_status(true, 429, None, sends, waited) {
                waited += wait;
                sends += 1;
            }
            assert_eq!(sends, 4);
            assert!(
                waited >= Duration::from_millis(1750) && waited <= Duration::from_millis(3500),
                "{waited:?}"
            );
            sum += waited;
        }
        let mean = sum / runs;
        assert!(
            mean > Duration::from_millis(2500) && mean < Duration::from_millis(2750),
            "{mean:?}"
        );
    }

    #[test]
    fn attempts_and_total_wait_are_bounded() {
        let policy = RetryPolicy::default()
            .max_attempts(3)
            .max_total_wait(Duration::from_secs(10));
        let retry_after = Some(Duration::from_secs(4));
        assert!(policy.after_status(true, 429, retry_after, 2, NO_WAIT).is_some());
        assert_eq!(policy.after_status(true, 429, retry_after, 3, NO_WAIT), None);
        assert_eq!(
            policy.after_status(true, 429, retry_after, 1, Duration::from_secs(7)),
            None
        );
        assert_eq!(
            RetryPolicy::none().after_status(true, 429, retry_after, 1, NO_WAIT),
            None
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let (base, max) = (Duration::from_millis(100), Duration::from_secs(1));
        for failures in 1..30 {
            let wait = backoff(failures, base, max);
            let full = (base * 2u32.pow(failures.saturating_sub(1).min(10))).min(max);
            assert!(wait >= full / 2 && wait <= full, "{failures}: {wait:?}");
        }
    }

    #[test]
    fn an_absurd_retry_after_is_too_long_not_an_overflow() {
        let policy = RetryPolicy::default();
        let huge = Some(Duration::from_secs(u64::MAX));
        assert_eq!(
            policy.after_status(true, 429, huge, 1, Duration::from_secs(1)),
            None
        );
        assert_eq!(policy.after_status(true, 429, huge, 1, NO_WAIT), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let policy = RetryPolicy::default().backoff(Duration::from_millis(100), Duration::from_millis(350));
        for _ in 0..50 {
            let first = policy.backoff_for(1);
            assert!(
                first >= Duration::from_millis(50) && first <= Duration::from_millis(100),
                "{first:?}"
            );
            let third = policy.backoff_for(3);
            assert!(
                third >= Duration::from_millis(175) && third <= Duration::from_millis(350),
                "{third:?}"
            );
        }
    }
}
