//! The caller's budget: at most N API requests in any span of one window
//! (60 s for [`max_requests_per_minute`](crate::SessionBuilder::max_requests_per_minute)).
//!
//! A bucket of N tokens where each token comes back one window after it was
//! taken: a burst of up to N goes at once, and only what exceeds the budget
//! waits. A plain token bucket refilled at N per window would let about 2N
//! through within one fixed window of the server's (a full bucket, then its
//! refill), and draw `429`s; this one cannot.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::TARGET;

/// Hands out send times so that no span of `window` holds more than
/// `allowed` of them, in the order they were asked for.
pub(crate) struct Budget {
    allowed: usize,
    window: Duration,
    state: Mutex<Slots>,
}

struct Slots {
    /// The send times handed out that still count: no more than `allowed`,
    /// in order; one that is a window old no longer counts and is dropped,
    /// so memory follows the requests actually sent in the window.
    taken: VecDeque<Instant>,
    /// When a wait was last logged at warn level.
    warned: Option<Instant>,
}

impl Budget {
    /// `allowed` requests in any span of `window`. The builder keeps
    /// `allowed` from 1 to a million and `window` at most an hour.
    pub(crate) fn new(allowed: u32, window: Duration) -> Budget {
        Budget {
            allowed: allowed.max(1) as usize,
            window,
            state: Mutex::new(Slots {
                taken: VecDeque::new(),
                warned: None,
            }),
        }
    }

    /// `max_requests_per_second(rate)` as a budget: `max(1, floor(rate))`
    /// requests per `max(1, floor(rate)) / rate` seconds (4.5 a second: 4
    /// requests per 889 ms; one an hour: 1 per 3600 s). The builder keeps
    /// `rate` within [`REQUESTS_PER_SECOND_BOUNDS`](super::REQUESTS_PER_SECOND_BOUNDS).
    pub(crate) fn per_second(rate: f64) -> Budget {
        let allowed = rate.floor().max(1.0);
        Budget::new(allowed as u32, Duration::from_secs_f64(allowed / rate))
    }

    /// The slot of a request asked for at `now`: now, or when the request
    /// `allowed` places earlier in line is a window old, and never before
    /// the slot of one asked for earlier (first come, first served).
    fn take(&self, now: Instant) -> (Instant, bool) {
        let mut slots = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while slots.taken.front().is_some_and(|&t| t + self.window <= now) {
            slots.taken.pop_front();
        }
        let mut slot = slots.taken.back().map_or(now, |&last| last.max(now));
        if slots.taken.len() >= self.allowed {
            let oldest = slots.taken[slots.taken.len() - self.allowed];
            slot = slot.max(oldest + self.window);
        }
        slots.taken.push_back(slot);
        if slots.taken.len() > self.allowed {
            slots.taken.pop_front();
        }
        // One warning per window of waiting; the other waits at debug level.
        let warn = slot > now && slots.warned.is_none_or(|w| now >= w + self.window);
        if warn {
            slots.warned = Some(now);
        }
        (slot, warn)
    }

    /// Waits for this request's slot.
    pub(crate) fn wait(&self) {
        let now = Instant::now();
        let (slot, warn) = self.take(now);
        if slot <= now {
            return;
        }
        let wait = slot - now;
        if warn {
            log::warn!(
                target: TARGET,
                "the budget of {} requests per {:?} is spent: this request waits {wait:?} \
                 (further waits are logged at debug level)",
                self.allowed,
                self.window
            );
        } else {
            log::debug!(target: TARGET, "budget spent: this request waits {wait:?}");
        }
        std::thread::sleep(wait);
    }
}

impl fmt::Debug for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} requests per {:?}", self.allowed, self.window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn slots(budget: &Budget, at: &[u32], t0: Instant) -> Vec<u64> {
        at.iter()
            .map(|&ms| (budget.take(t0 + ms * MS).0 - t0).as_millis() as u64)
            .collect()
    }

    #[test]
    fn a_burst_up_to_the_budget_goes_at_once_and_the_next_waits_for_the_first_to_age_out() {
        let budget = Budget::new(3, 100 * MS);
        let t0 = Instant::now();
        // Three at once; the fourth and fifth when the first and second are 100 ms old.
        assert_eq!(slots(&budget, &[0, 0, 10, 20, 20], t0), [0, 0, 10, 100, 100]);
        // Every span of 100 ms holds at most 3 slots from now on too.
        assert_eq!(slots(&budget, &[30, 250, 251], t0), [110, 250, 251]);
    }

    #[test]
    fn slots_are_handed_out_in_the_order_they_were_asked_for() {
        let budget = Budget::new(2, 100 * MS);
        let t0 = Instant::now();
        assert_eq!(slots(&budget, &[0, 0, 0, 0, 0], t0), [0, 0, 100, 100, 200]);
        // At 150 ms the first two have aged out, but the queued slot at 200
        // ms comes first: a newcomer is not served ahead of it.
        assert_eq!(slots(&budget, &[150], t0), [200]);
    }

    #[test]
    fn an_idle_budget_holds_only_the_last_window_of_sends() {
        let budget = Budget::new(1_000_000, 100 * MS);
        let t0 = Instant::now();
        for ms in 0..50u32 {
            budget.take(t0 + ms * MS);
        }
        assert_eq!(budget.state.lock().unwrap().taken.len(), 50);
        budget.take(t0 + 1000 * MS);
        assert_eq!(budget.state.lock().unwrap().taken.len(), 1);
    }

    #[test]
    fn a_rate_a_second_is_its_whole_part_per_the_time_it_takes() {
        let check = |rate: f64, allowed: usize, window: Duration| {
            let budget = Budget::per_second(rate);
            assert_eq!((budget.allowed, budget.window), (allowed, window), "{rate}");
        };
        check(4.5, 4, Duration::from_secs_f64(4.0 / 4.5));
        check(20.0, 20, Duration::from_secs(1));
        check(0.5, 1, Duration::from_secs(2));
        check(1.0 / 3600.0, 1, Duration::from_secs_f64(3600.0));
        check(1_000_000.0, 1_000_000, Duration::from_secs(1));
    }

    #[test]
    fn threads_waiting_on_a_spent_budget_go_one_window_later() {
        let budget = std::sync::Arc::new(Budget::new(2, 150 * MS));
        let started = Instant::now();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let budget = budget.clone();
                std::thread::spawn(move || {
                    budget.wait();
                    started.elapsed()
                })
            })
            .collect();
        let mut sent: Vec<Duration> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        sent.sort();
        // Two at once, two a window later (not before: the budget's guarantee).
        assert!(sent[2] >= 150 * MS && sent[3] >= 150 * MS, "{sent:?}");
    }
}
