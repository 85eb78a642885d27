//! Turns at the process's proxy variables: one test at a time changes them.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// The variables ureq reads a proxy (and its exceptions) from.
pub const PROXY_VARIABLES: [&str; 8] = [
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The process's environment, for one test at a time.
static ENV: Mutex<()> = Mutex::new(());

/// Takes the environment for one test, with no proxy variable set.
pub fn clean_proxy_environment() -> MutexGuard<'static, ()> {
    let guard = ENV.lock().unwrap_or_else(PoisonError::into_inner);
    for name in PROXY_VARIABLES {
        std::env::remove_var(name);
    }
    guard
}
