//! The access tokens the org issued: when each stops working, whom it acts
//! for (a user, or no one for client credentials) and which sign-in it
//! belongs to, so that signing out can end that sign-in's refresh token too.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use super::ids::random_string;

/// Why a bearer token was refused.
pub(super) enum TokenProblem {
    /// Never issued, or revoked.
    Unknown,
    Expired,
}

/// Whom a token acts for: a user (user grants) or nobody (client
/// credentials), and the sign-in it came from (user grants).
#[derive(Clone, Default)]
pub(super) struct Holder {
    pub(super) user_id: Option<String>,
    pub(super) sign_in: Option<u64>,
}

struct AccessToken {
    /// When it stops working (`None`: past what `Instant` can hold).
    expires: Option<Instant>,
    /// The same moment on the wall clock, for `dateTokenIdles`.
    idles: SystemTime,
    holder: Holder,
}

/// Every access token issued and not revoked.
#[derive(Default)]
pub(super) struct Tokens {
    access: HashMap<String, AccessToken>,
}

impl Tokens {
    /// A new token that works for `lifetime_secs`.
    pub(super) fn issue(&mut self, lifetime_secs: u64, holder: Holder) -> String {
        let mut token = random_string(64);
        while self.access.contains_key(&token) {
            token = random_string(64);
        }
        let lifetime = Duration::from_secs(lifetime_secs);
        let entry = AccessToken {
            expires: Instant::now().checked_add(lifetime),
            idles: SystemTime::now()
                .checked_add(lifetime)
                .unwrap_or_else(SystemTime::now),
            holder,
        };
        self.access.insert(token.clone(), entry);
        token
    }

    /// Whether `token` may be used now.
    pub(super) fn check(&self, token: &str) -> Result<(), TokenProblem> {
        match self.access.get(token) {
            None => Err(TokenProblem::Unknown),
            Some(AccessToken {
                expires: Some(expires),
                ..
            }) if Instant::now() >= *expires => Err(TokenProblem::Expired),
            Some(_) => Ok(()),
        }
    }

    /// Whom a (checked) token acts for.
    pub(super) fn holder(&self, token: &str) -> Holder {
        self.access
            .get(token)
            .map(|t| t.holder.clone())
            .unwrap_or_default()
    }

    /// When a token stops working, on the wall clock.
    pub(super) fn idles_at(&self, token: &str) -> Option<SystemTime> {
        self.access.get(token).map(|t| t.idles)
    }

    /// Forgets a token (later calls with it answer 401 `bad.credentials`);
    /// returns whom it acted for.
    pub(super) fn revoke(&mut self, token: &str) -> Option<Holder> {
        self.access.remove(token).map(|t| t.holder)
    }

    /// Every token issued so far stops working now.
    pub(super) fn expire_all(&mut self) {
        let (now, wall) = (Instant::now(), SystemTime::now());
        for token in self.access.values_mut() {
            token.expires = Some(now);
            token.idles = wall;
        }
    }
}
