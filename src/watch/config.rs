//! A watcher's settings, as [`WatchBuilder`](super::WatchBuilder) sets them.

use std::time::Duration;

use crate::notifications::MAX_TOPICS_PER_CHANNEL;
use crate::{Error, Result};

#[derive(Debug, Clone)]
pub(super) struct Config {
    pub(super) heartbeat_timeout: Duration,
    pub(super) backoff_min: Duration,
    pub(super) backoff_max: Duration,
    pub(super) max_users_per_channel: usize,
    pub(super) initial_presences: bool,
    pub(super) renew_before: Duration,
}

impl Config {
    /// An [`Error::InvalidInput`] naming the first bad setting.
    pub(super) fn check(&self) -> Result<()> {
        if self.heartbeat_timeout.is_zero() {
            return Err(Error::invalid("heartbeat_timeout", "must be greater than zero"));
        }
        if self.backoff_min.is_zero() || self.backoff_min > self.backoff_max {
            return Err(Error::invalid(
                "reconnect_backoff",
                "min must be greater than zero and at most max",
            ));
        }
        if !(1..=MAX_TOPICS_PER_CHANNEL).contains(&self.max_users_per_channel) {
            return Err(Error::invalid(
                "max_users_per_channel",
                format!("must be from 1 to {MAX_TOPICS_PER_CHANNEL}"),
            ));
        }
        Ok(())
    }
}
