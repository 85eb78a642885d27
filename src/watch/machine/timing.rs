//! The machine's arithmetic of time: when to renew a channel, whether a lost
//! connection had stayed up, and how long to back off.

use std::time::{Duration, Instant};

use crate::retry;
use crate::watch::config::Config;
use crate::watch::MAX_CHANNELS;

/// Picks a wait from a full backoff `full`: a point in `[full / 2, full]`
/// (kept there), random in use, fixed in tests.
pub(super) type Jitter = fn(Duration) -> Duration;

pub(super) struct Timing {
    backoff_min: Duration,
    backoff_max: Duration,
    renew_before: Duration,
    jitter: Jitter,
}

impl Timing {
    pub(super) fn new(config: &Config, jitter: Jitter) -> Timing {
        Timing {
            backoff_min: config.backoff_min,
            backoff_max: config.backoff_max,
            renew_before: config.renew_before,
            jitter,
        }
    }

    /// When to move from a channel opened at `now` that `expires` then.
    ///
    /// Renewals are spread over the last tenth of the lifetime: the
    /// channel that was `rank`-th to open of those connected (0: the
    /// first) renews `rank`-th, so channels opened together do not all
    /// renew together, and the channel a new one evicts at the limit of
    /// [`MAX_CHANNELS`] (the one used longest ago) is the one it replaces.
    /// The last to renew does so `renew_before` ahead of the end (at most
    /// half that tenth). Never before the channel counts as stable (see
    /// [`stable`](Timing::stable)): a channel said to expire at once is not
    /// replaced again and again without a pause. If it ends sooner, its
    /// socket says so and it is replaced then.
    pub(super) fn renew_at(&self, expires: Instant, now: Instant, rank: usize) -> Instant {
        let lifetime = expires.saturating_duration_since(now);
        let window = lifetime / 10;
        let last = self.renew_before.min(window / 2);
        let later = MAX_CHANNELS.saturating_sub(1).saturating_sub(rank) as u32;
        let margin = last + (window - last) / MAX_CHANNELS as u32 * later;
        now + (lifetime - margin).max(self.stable_after())
    }

    /// Whether a connection opened at `opened_at` and lost at `now` had
    /// stayed up long enough to be replaced at once: ten times the shortest
    /// backoff, at most the longest.
    pub(super) fn stable(&self, opened_at: Instant, now: Instant) -> bool {
        now.saturating_duration_since(opened_at) >= self.stable_after()
    }

    fn stable_after(&self) -> Duration {
        self.backoff_min.saturating_mul(10).min(self.backoff_max)
    }

    /// The wait after `failures` failed attempts in a row: the shortest
    /// backoff, doubling up to the longest, with jitter.
    pub(super) fn backoff(&self, failures: u32) -> Duration {
        let full = retry::full_backoff(failures, self.backoff_min, self.backoff_max);
        (self.jitter)(full).clamp(full / 2, full)
    }
}
