//! Client-side pacing of API requests, shared by every thread (and clone)
//! of a session: the caller's [budget](budget) of requests per window, and
//! the [server's own figures](server). Token requests are not paced: the
//! limits they would be paced for count API requests.

mod budget;
mod server;

use std::fmt;
use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use budget::Budget;
use server::{Figures, ServerWindow};

use super::Reply;
use crate::error::{Error, Result};
use crate::exchange::ExchangeKind;

/// The target of pacing's log records.
const TARGET: &str = "genesys_presence::transport::pacing";

/// The budgets a minute a session accepts.
pub(crate) const REQUESTS_PER_MINUTE_BOUNDS: RangeInclusive<u32> = 1..=1_000_000;
/// The pacing rates a session accepts: from one request an hour to a
/// million a second (NaN, infinities and negative rates are outside).
pub(crate) const REQUESTS_PER_SECOND_BOUNDS: RangeInclusive<f64> = (1.0 / 3600.0)..=1_000_000.0;

/// What the builder says of pacing; `None` means the default.
#[derive(Debug, Default)]
pub(crate) struct PacingSettings {
    pub(crate) per_minute: Option<u32>,
    pub(crate) per_second: Option<f64>,
    /// Pacing from the server's figures (default: on).
    pub(crate) from_server: Option<bool>,
}

/// The session's pacing: what [`Transport::send`](super::Transport::send)
/// asks before and tells after each exchange.
pub(crate) struct Pacing {
    budget: Option<Budget>,
    server: Option<ServerWindow>,
}

/// What [`Pacing::before_send`] hands over for [`Pacing::after_exchange`]: the
/// request's number in the server window's count.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

impl Pacing {
    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`Config`](crate::ErrorKind::Config) naming the setting: a budget
    /// outside [`REQUESTS_PER_MINUTE_BOUNDS`] or a rate outside
    /// [`REQUESTS_PER_SECOND_BOUNDS`], or both given.
    pub(crate) fn new(settings: &PacingSettings) -> Result<Pacing> {
        let budget = match (settings.per_minute, settings.per_second) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    "max_requests_per_minute and max_requests_per_second both set one budget: give one"
                        .into(),
                ))
            }
            (Some(n), None) if REQUESTS_PER_MINUTE_BOUNDS.contains(&n) => {
                Some(Budget::new(n, Duration::from_secs(60)))
            }
            (Some(n), None) => {
                return Err(Error::config(format!(
                    "max_requests_per_minute must be from {} to {}, not {n}",
                    REQUESTS_PER_MINUTE_BOUNDS.start(),
                    REQUESTS_PER_MINUTE_BOUNDS.end()
                )))
            }
            (None, Some(rate)) if REQUESTS_PER_SECOND_BOUNDS.contains(&rate) => {
                Some(Budget::per_second(rate))
            }
            (None, Some(rate)) => {
                return Err(Error::config(format!(
                "max_requests_per_second must be a number from {} (one request an hour) to {}, not {rate}",
                REQUESTS_PER_SECOND_BOUNDS.start(),
                REQUESTS_PER_SECOND_BOUNDS.end()
            )))
            }
            (None, None) => None,
        };
        let server = settings.from_server.unwrap_or(true).then(ServerWindow::new);
        Ok(Pacing { budget, server })
    }

    /// Waits, for an API request, until the budget and the server's window
    /// let it go. Returns at once for a token request, and when there is no
    /// budget and no answer has carried figures yet.
    pub(crate) fn before_send(&self, kind: ExchangeKind) -> Ticket {
        if kind != ExchangeKind::Api {
            return Ticket(0);
        }
        if let Some(budget) = &self.budget {
            budget.wait();
        }
        Ticket(self.server.as_ref().map_or(0, ServerWindow::before_send))
    }

    /// Ends an exchange: takes in the figures of an API answer just
    /// received, or that an API request got none (`None`).
    pub(crate) fn after_exchange(&self, kind: ExchangeKind, ticket: Ticket, reply: Option<&Reply>) {
        let Some(server) = &self.server else { return };
        if kind != ExchangeKind::Api {
            return;
        }
        let figures = reply.map(|reply| Figures {
            status: reply.status,
            retry_after: reply.retry_after,
            rate_limit: reply.rate_limit,
        });
        server.after_exchange(ticket.0, Instant::now, figures.as_ref());
    }
}

impl fmt::Debug for Pacing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pacing")
            .field("budget", &self.budget)
            .field("from_server", &self.server.is_some())
            .finish()
    }
}
