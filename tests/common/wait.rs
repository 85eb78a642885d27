//! Waiting for what another thread brings about: a condition, or a count
//! that settles, each within [`WAIT`], never a fixed sleep.

use std::time::{Duration, Instant};

/// The longest these helpers wait.
pub const WAIT: Duration = Duration::from_secs(5);

/// Waits until `done` holds, for at most [`WAIT`].
#[track_caller]
pub fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < WAIT, "not within {WAIT:?}: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits until `value()` is `expected`, for at most [`WAIT`]; fails with
/// the last value seen. For counts that another thread brings about (a
/// thread names itself once it runs; a joined thread can stay listed in
/// `/proc` for a moment; the org counts a socket once its side of the
/// handshake is done): the count is exact once it settles, so waiting for
/// it to be exactly `expected` still fails for one too many or too few.
#[track_caller]
#[allow(dead_code)] // not every binary waits for a count to settle (org does not)
pub fn settles_at<T: PartialEq + std::fmt::Debug>(what: &str, expected: T, mut value: impl FnMut() -> T) {
    let start = Instant::now();
    loop {
        let seen = value();
        if seen == expected {
            return;
        }
        assert!(
            start.elapsed() < WAIT,
            "{what}: expected {expected:?}, still {seen:?} after {WAIT:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}
