//! Client-side pacing: at most N requests a second from one session, shared
//! by every thread that uses it.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Hands out send times at least `interval` apart.
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    next_slot: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer for `per_second` requests a second, which the builder keeps
    /// within [`REQUESTS_PER_SECOND_BOUNDS`](super::REQUESTS_PER_SECOND_BOUNDS):
    /// outside them the interval could not be a `Duration` (a rate near zero)
    /// or a send time an `Instant`.
    pub(crate) fn new(per_second: f64) -> Pacer {
        Pacer {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next_slot: Mutex::new(None),
        }
    }

    pub(crate) fn per_second(&self) -> f64 {
        1.0 / self.interval.as_secs_f64()
    }

    /// Waits for this request's slot. Slots are taken in call order, so
    /// threads queue fairly, and an idle session does not build up a burst.
    pub(crate) fn wait(&self) {
        let now = Instant::now();
        let slot = {
            let mut next = self.next_slot.lock().unwrap_or_else(PoisonError::into_inner);
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        if slot > now {
            std::thread::sleep(slot - now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_spaced_by_the_interval() {
        let pacer = Pacer::new(100.0); // 10 ms apart
        let started = Instant::now();
        for _ in 0..6 {
            pacer.wait();
        }
        // The first goes at once, the next five 10 ms apart.
        assert!(
            started.elapsed() >= Duration::from_millis(50),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn an_idle_pacer_does_not_save_up_a_burst() {
        let pacer = Pacer::new(50.0); // 20 ms apart
        pacer.wait();
        std::thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        pacer.wait();
        pacer.wait();
        assert!(
            started.elapsed() >= Duration::from_millis(20),
            "{:?}",
            started.elapsed()
        );
    }
}
