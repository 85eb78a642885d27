//! A watcher's settings, as [`WatchBuilder`](super::WatchBuilder) sets them.

use std::time::Duration;

use crate::notifications::MAX_TOPICS_PER_CHANNEL;
use crate::{Error, Result};

/// The largest message a socket reads at all: a message up to this size
/// that is over [`Config::max_message_size`] is skipped (and reported) and
/// the socket read on; a larger one cannot be skipped, so its connection is
/// replaced.
pub(super) const READ_LIMIT: usize = 1024 * 1024;

/// The longest any of a watcher's durations may be: beyond it, the
/// arithmetic of instants could overflow, and no watcher needs more.
pub(super) const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone)]
pub(super) struct Config {
    pub(super) heartbeat_timeout: Duration,
    pub(super) backoff_min: Duration,
    pub(super) backoff_max: Duration,
    pub(super) max_users_per_channel: usize,
    pub(super) initial_presences: bool,
    pub(super) renew_before: Duration,
    pub(super) max_channels_per_minute: u32,
    pub(super) max_empty_connections: u32,
    pub(super) auto_reconnect: bool,
    pub(super) max_message_size: usize,
}

impl Config {
    /// An [`InvalidInput`](crate::ErrorKind::InvalidInput) error naming the first bad setting.
    pub(super) fn check(&self) -> Result<()> {
        if self.heartbeat_timeout.is_zero() || self.heartbeat_timeout > MAX_DURATION {
            return Err(Error::invalid(
                "heartbeat_timeout",
                "must be greater than zero and at most 24 hours",
            ));
        }
        if self.backoff_min.is_zero()
            || self.backoff_min > self.backoff_max
            || self.backoff_max > MAX_DURATION
        {
            return Err(Error::invalid(
                "reconnect_backoff",
                "min must be greater than zero and at most max, max at most 24 hours",
            ));
        }
        if self.renew_before > MAX_DURATION {
            return Err(Error::invalid("renew_before", "must be at most 24 hours"));
        }
        if !(1..=MAX_TOPICS_PER_CHANNEL).contains(&self.max_users_per_channel) {
            return Err(Error::invalid(
                "max_users_per_channel",
                format!("must be from 1 to {MAX_TOPICS_PER_CHANNEL}"),
            ));
        }
        if self.max_channels_per_minute == 0 {
            return Err(Error::invalid(
                "max_channels_per_minute",
                "must be greater than zero",
            ));
        }
        if self.max_empty_connections == 0 {
            return Err(Error::invalid(
                "max_empty_connections",
                "must be greater than zero",
            ));
        }
        if !(1..=READ_LIMIT).contains(&self.max_message_size) {
            return Err(Error::invalid(
                "max_message_size",
                format!("must be from 1 to {READ_LIMIT} bytes"),
            ));
        }
        Ok(())
    }
}
