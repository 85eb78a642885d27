//! Pacing from the server's own figures: the `inin-ratelimit-*` headers of
//! API answers, and the `Retry-After` of a `429`.
//!
//! The session keeps an estimate of the server's current window: how many
//! requests it allows, how many were sent in it (the larger of the local
//! count and the server's), and the latest it can end. Before an API
//! request, when the window is full, every thread waits for its end;
//! after a `429` with `Retry-After`, every thread waits that long. Until an
//! answer carries figures, nothing is locked and nothing waits.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::TARGET;
use crate::exchange::RateLimit;

/// The longest a request waits for the server's window or `Retry-After`:
/// a later end is taken as this far away.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(300);
/// The window length assumed when an answer gives no `inin-ratelimit-reset`:
/// Genesys Cloud counts a token's requests per minute.
const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// The figures an API answer gave, for [`ServerWindow::after_exchange`].
pub(crate) struct Figures {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) rate_limit: Option<RateLimit>,
}

/// The session's estimate of the server's window, shared by its threads.
pub(crate) struct ServerWindow {
    /// Set by the first answer with figures: until then `before_send` returns at once.
    seen: AtomicBool,
    /// API requests sent and not yet answered (or failed), from every thread.
    in_flight: AtomicU64,
    estimate: Mutex<Estimate>,
    /// Signalled when the estimate changes, for threads waiting on it.
    changed: Condvar,
}

impl ServerWindow {
    pub(crate) fn new() -> ServerWindow {
        ServerWindow {
            seen: AtomicBool::new(false),
            in_flight: AtomicU64::new(0),
            estimate: Mutex::new(Estimate::default()),
            changed: Condvar::new(),
        }
    }

    /// Waits while the server's window is full or a `Retry-After` holds,
    /// then counts the request. Returns its number, for
    /// [`after_exchange`](ServerWindow::after_exchange): 0 before any figures.
    pub(crate) fn before_send(&self) -> u64 {
        if !self.seen.load(Ordering::Relaxed) {
            self.in_flight.fetch_add(1, Ordering::Relaxed);
            return 0;
        }
        let mut estimate = self.estimate.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let now = Instant::now();
            let in_flight = self.in_flight.load(Ordering::Relaxed);
            let Some(wait) = estimate.wait_needed(now, in_flight) else {
                self.in_flight.fetch_add(1, Ordering::Relaxed);
                return estimate.count_send();
            };
            if estimate.first_to_wait(&wait) {
                log::warn!(target: TARGET, "{}: requests wait {:?} (further waits for it are logged at debug level)", wait.why, wait.until - now);
            } else {
                log::debug!(target: TARGET, "{}: this request waits {:?}", wait.why, wait.until - now);
            }
            estimate = self
                .changed
                .wait_timeout(estimate, wait.until - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Ends request number `sent`: takes in the figures of its answer,
    /// received at `replied()` (read only when there is something to take
    /// in), or `None` when it got no answer.
    pub(crate) fn after_exchange(
        &self,
        sent: u64,
        replied: impl FnOnce() -> Instant,
        figures: Option<&Figures>,
    ) {
        let before = self
            .in_flight
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_sub(1))
            });
        let in_flight = before.unwrap_or_default().saturating_sub(1);
        let holds = figures.is_some_and(|f| f.status == 429 && f.retry_after.is_some());
        let usable = figures
            .and_then(|f| f.rate_limit)
            .filter(|limit| limit.allowed > 0);
        if !holds && usable.is_none() && !self.seen.load(Ordering::Relaxed) {
            return;
        }
        // Taken even for an answer without figures: a thread may be waiting
        // for the requests in flight to be answered (see `wait_needed`).
        let replied = replied();
        let mut estimate = self.estimate.lock().unwrap_or_else(PoisonError::into_inner);
        if holds {
            let retry_after = figures.and_then(|f| f.retry_after).unwrap_or_default();
            estimate.hold(replied, retry_after);
        }
        if let Some(limit) = usable {
            estimate.take_in(sent, replied, limit, in_flight);
        }
        self.seen.store(true, Ordering::Relaxed);
        drop(estimate);
        self.changed.notify_all();
    }
}

/// Why and until when a request must wait.
#[derive(Debug, Clone, PartialEq)]
struct Wait {
    until: Instant,
    why: String,
}

/// The estimate itself; every method takes the time, so tests can give it.
#[derive(Debug, Default)]
struct Estimate {
    /// The number of the last request counted (from 1).
    last: u64,
    /// The first request of the current window: answers to earlier ones
    /// are late answers from a previous window, and their figures are
    /// ignored (but see [`Estimate::take_in`]).
    first: u64,
    /// The first request of the previous window.
    previous_first: u64,
    /// True once an answer said that it opened the current window (count 1).
    opened: bool,
    /// Requests the window allows (0: not known yet).
    allowed: u64,
    /// Requests sent in the window: the local count, or the server's
    /// count plus the requests in flight, when higher.
    sent: u64,
    /// The highest count the server gave in the window.
    server_count: u64,
    /// The latest the window can end (or, when `provisional`, a guess).
    ends: Option<Instant>,
    /// True when `ends` is a guess made when the previous window ended,
    /// before any answer of the new one.
    provisional: bool,
    /// The window length last seen (the largest reset of a window's first answer).
    length: Option<Duration>,
    /// No request before this (a `Retry-After`).
    held_until: Option<Instant>,
    /// What the last warning was about: a window (its first request) or a hold.
    warned: Option<Warned>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Warned {
    Window(u64),
    Hold(Instant),
}

impl Estimate {
    /// When a request at `now` must wait, until when and why, with
    /// `in_flight` requests sent and not answered. A window that has ended
    /// gives way to the next, with nothing sent in it yet.
    fn wait_needed(&mut self, now: Instant, in_flight: u64) -> Option<Wait> {
        if let Some(until) = self.held_until.filter(|&t| t > now) {
            return Some(Wait {
                until,
                why: "the server answered 429 with Retry-After".into(),
            });
        }
        if let Some(ends) = self.ends.filter(|&t| t <= now) {
            // The next window starts with the next request; its end is
            // guessed from the last one's length until an answer says.
            self.previous_first = self.first;
            self.first = self.last + 1;
            self.opened = false;
            self.sent = 0;
            self.server_count = 0;
            self.ends = self.length.map(|length| ends.max(now) + length);
            self.provisional = true;
        }
        let until = self.ends?;
        if in_flight == 0 && self.server_count > 0 {
            // Every request has been answered: the server's count is exact
            // (the local one may count a request in flight twice).
            self.sent = self.server_count;
        }
        (self.allowed > 0 && self.sent >= self.allowed).then(|| Wait {
            until,
            why: format!(
                "{} of the {} requests the server allows in its window were sent",
                self.sent, self.allowed
            ),
        })
    }

    /// Counts a request about to be sent; returns its number.
    fn count_send(&mut self) -> u64 {
        self.last += 1;
        self.sent += 1;
        self.last
    }

    /// True for the first request to wait for this window or this hold.
    fn first_to_wait(&mut self, wait: &Wait) -> bool {
        let about = match self.held_until {
            Some(until) if until == wait.until => Warned::Hold(until),
            _ => Warned::Window(self.first),
        };
        let first = self.warned != Some(about);
        self.warned = Some(about);
        first
    }

    /// A `429` received at `replied` with `Retry-After: retry_after`.
    fn hold(&mut self, replied: Instant, retry_after: Duration) {
        let until = replied + retry_after.min(MAX_WAIT);
        self.held_until = Some(self.held_until.map_or(until, |held| held.max(until)));
    }

    /// The figures of the answer, received at `replied`, to request number
    /// `sent` (0: sent before any figures were seen).
    ///
    /// An answer to a request sent before the current window began is
    /// ignored, unless it opened a window of the server's (count 1), was
    /// sent in the previous window, and no answer has said that it opened
    /// the current one: it was sent just as the server's window ended,
    /// reached the server after that, and opened the server's next window,
    /// which is the current one.
    ///
    /// `in_flight` requests sent and not yet answered may reach the server
    /// after this one: they count too.
    fn take_in(&mut self, sent: u64, replied: Instant, limit: RateLimit, in_flight: u64) {
        let opener = limit.count == 1;
        let opened_this_one = opener && !self.opened && sent >= self.previous_first;
        if sent < self.first && !opened_this_one {
            return;
        }
        let reset = limit.reset.unwrap_or(DEFAULT_WINDOW).min(MAX_WAIT);
        // Genesys rounds the reset up to whole seconds: `replied + reset`
        // is the latest the window can end.
        let ends = replied + reset;
        self.allowed = limit.allowed;
        if opener {
            // This request opened a window of the server's, which began
            // after it was sent and ends at most `reset` after the answer.
            // Requests are numbered as they leave but may reach the server
            // in another order, so none counted is dropped: those sent
            // before it may have arrived after it. One sent before the
            // current window adds the requests between it and the window.
            if sent < self.first {
                self.sent += self.first - sent;
                self.first = sent;
            }
            self.ends = Some(ends);
            self.length = Some(reset);
            self.opened = true;
        } else {
            self.ends = Some(match self.ends {
                Some(known) if !self.provisional => known.min(ends),
                _ => ends,
            });
            self.length = Some(self.length.map_or(reset, |length| length.max(reset)));
        }
        self.server_count = self.server_count.max(limit.count);
        self.sent = self.sent.max(limit.count.saturating_add(in_flight));
        self.provisional = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn limit(count: u64, allowed: u64, reset: Option<u64>) -> RateLimit {
        let (count, allowed) = (count.to_string(), allowed.to_string());
        let reset = reset.map(|r| r.to_string());
        RateLimit::from_values(Some(&count), Some(&allowed), reset.as_deref()).unwrap()
    }

    /// Sends `n` requests at `now`, none of which may wait.
    fn send(estimate: &mut Estimate, now: Instant, n: u64) -> Vec<u64> {
        (0..n)
            .map(|_| {
                assert_eq!(estimate.wait_needed(now, 1), None, "{estimate:?}");
                estimate.count_send()
            })
            .collect()
    }

    #[test]
    fn a_full_window_holds_requests_until_its_end_then_a_new_one_starts() {
        let t0 = Instant::now();
        let mut estimate = Estimate::default();
        // The first answers, to requests sent before any figures (number 0).
        estimate.take_in(0, t0, limit(1, 5, Some(2)), 0);
        estimate.take_in(0, t0, limit(2, 5, Some(2)), 0);
        assert_eq!(send(&mut estimate, t0, 3), [1, 2, 3]);
        let wait = estimate.wait_needed(t0 + S, 1).unwrap();
        assert_eq!(wait.until, t0 + 2 * S);
        assert_eq!(
            wait.why,
            "5 of the 5 requests the server allows in its window were sent"
        );
        // At its end, a new window: 5 more, then a wait for its provisional end.
        assert_eq!(send(&mut estimate, t0 + 2 * S, 5), [4, 5, 6, 7, 8]);
        assert_eq!(estimate.wait_needed(t0 + 2 * S, 1).unwrap().until, t0 + 4 * S);
        // The new window's first answer sets its end; a late answer from the
        // previous window (request 3) is ignored.
        let replied = t0 + 2 * S + Duration::from_millis(10);
        estimate.take_in(5, replied, limit(1, 5, Some(2)), 0);
        estimate.take_in(3, replied, limit(5, 5, Some(1)), 0);
        assert_eq!((estimate.first, estimate.sent), (4, 5));
        assert_eq!(estimate.wait_needed(replied, 1).unwrap().until, replied + 2 * S);
    }

    #[test]
    fn the_server_count_raises_the_local_one_and_ends_only_come_closer() {
        let t0 = Instant::now();
        let mut estimate = Estimate::default();
        estimate.take_in(0, t0, limit(7, 10, Some(60)), 0);
        assert_eq!(estimate.sent, 7);
        estimate.take_in(0, t0 + S, limit(8, 10, Some(60)), 0);
        assert_eq!(estimate.ends, Some(t0 + 60 * S));
        assert_eq!(send(&mut estimate, t0 + S, 2), [1, 2]);
        assert_eq!(estimate.wait_needed(t0 + S, 1).unwrap().until, t0 + 60 * S);
    }

    #[test]
    fn a_window_of_the_server_opened_in_the_estimated_one_keeps_its_count_and_takes_its_end() {
        let t0 = Instant::now();
        let mut estimate = Estimate::default();
        estimate.take_in(0, t0, limit(3, 10, Some(60)), 0);
        assert_eq!(send(&mut estimate, t0, 6), [1, 2, 3, 4, 5, 6]);
        assert_eq!(estimate.sent, 9);
        // Request 4 was the first of a new window (a new access token,
        // say). 1 to 3 may have reached the server after it, so nothing is
        // dropped from the count: waiting needlessly beats a 429.
        estimate.take_in(4, t0 + S, limit(1, 10, Some(60)), 0);
        assert_eq!((estimate.first, estimate.sent), (0, 9));
        assert_eq!(estimate.ends, Some(t0 + 61 * S));
    }

    #[test]
    fn a_request_sent_as_the_window_ended_may_open_the_next_one() {
        let t0 = Instant::now();
        let mut estimate = Estimate::default();
        estimate.take_in(0, t0, limit(1, 3, Some(1)), 0);
        assert_eq!(send(&mut estimate, t0, 2), [1, 2]);
        // Request 2 reached the server after its window ended; meanwhile
        // the local estimate of the window ended too, and 3 and 4 were sent.
        assert_eq!(send(&mut estimate, t0 + S, 2), [3, 4]);
        estimate.take_in(2, t0 + S, limit(1, 3, Some(1)), 0);
        assert_eq!((estimate.first, estimate.sent), (2, 3));
        assert_eq!(estimate.ends, Some(t0 + 2 * S));
        assert!(estimate.wait_needed(t0 + S, 1).is_some());
        // Once a window's opener is known, an older opener is a late answer.
        estimate.take_in(1, t0 + S, limit(1, 3, Some(5)), 0);
        assert_eq!((estimate.first, estimate.sent), (2, 3));
        assert_eq!(estimate.ends, Some(t0 + 2 * S));
    }

    #[test]
    fn requests_in_flight_count_until_every_request_is_answered() {
        let t0 = Instant::now();
        let mut estimate = Estimate::default();
        // Three requests sent before any figures are still in flight: they
        // may reach the server after this one.
        estimate.take_in(0, t0, limit(1, 5, Some(2)), 3);
        assert_eq!(estimate.sent, 4);
        assert_eq!(send(&mut estimate, t0, 1), [1]);
        assert!(estimate.wait_needed(t0, 4).is_some());
        // They were answered, and the server's highest count was 3: two more may go.
        estimate.take_in(0, t0, limit(3, 5, Some(2)), 0);
        assert_eq!(estimate.wait_needed(t0, 0), None);
        assert_eq!(estimate.sent, 3);
    }

    #[test]
    fn a_429_holds_every_request_until_its_retry_after() {
        let t0 = Instant::now();
        let mut estimate = Estimate::default();
        estimate.hold(t0, 3 * S);
        estimate.hold(t0, S);
        let wait = estimate.wait_needed(t0, 1).unwrap();
        assert_eq!(wait.until, t0 + 3 * S);
        assert!(estimate.first_to_wait(&wait));
        assert!(!estimate.first_to_wait(&wait));
        assert_eq!(estimate.wait_needed(t0 + 3 * S, 1), None);
    }

    #[test]
    fn odd_figures_bound_the_waits_and_never_panic() {
        let t0 = Instant::now();
        let mut estimate = Estimate::default();
        // Over the limit, with a reset of a day: the wait is at most MAX_WAIT.
        estimate.take_in(0, t0, limit(500, 300, Some(86_400)), 0);
        assert_eq!(estimate.wait_needed(t0, 1).unwrap().until, t0 + MAX_WAIT);
        // No reset: a minute.
        let mut estimate = Estimate::default();
        estimate.take_in(0, t0, limit(2, 2, None), 0);
        assert_eq!(estimate.wait_needed(t0, 1).unwrap().until, t0 + 60 * S);
        // A hold of u64::MAX seconds is MAX_WAIT too.
        estimate.hold(t0, Duration::MAX);
        assert_eq!(estimate.wait_needed(t0, 1).unwrap().until, t0 + MAX_WAIT);
    }

    #[test]
    fn figures_without_an_allowance_and_answers_without_figures_change_nothing() {
        let window = ServerWindow::new();
        let t0 = Instant::now();
        let plain = |status| Figures {
            status,
            retry_after: None,
            rate_limit: None,
        };
        window.after_exchange(0, || t0, Some(&plain(200)));
        window.after_exchange(0, || t0, Some(&plain(429)));
        window.after_exchange(0, || t0, None);
        window.after_exchange(
            0,
            || t0,
            Some(&Figures {
                rate_limit: Some(limit(5, 0, Some(1))),
                ..plain(200)
            }),
        );
        assert!(!window.seen.load(Ordering::Relaxed));
        assert_eq!(window.before_send(), 0);
        // A 429 with Retry-After, or figures, turn it on.
        window.after_exchange(
            0,
            || t0,
            Some(&Figures {
                retry_after: Some(Duration::ZERO),
                ..plain(429)
            }),
        );
        assert!(window.seen.load(Ordering::Relaxed));
        assert_eq!(window.before_send(), 1);
    }

    #[test]
    fn threads_held_by_a_full_window_go_when_it_ends() {
        let window = std::sync::Arc::new(ServerWindow::new());
        let t0 = Instant::now();
        window.after_exchange(
            0,
            || t0,
            Some(&Figures {
                status: 200,
                retry_after: None,
                rate_limit: Some(limit(3, 3, Some(1))),
            }),
        );
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let window = window.clone();
                std::thread::spawn(move || {
                    window.before_send();
                    Instant::now()
                })
            })
            .collect();
        for thread in threads {
            let sent = thread.join().unwrap();
            assert!(sent >= t0 + S, "{:?}", sent - t0);
        }
    }
}
