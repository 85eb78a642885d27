//! What the sign-in grants remember: the redirect URIs the OAuth client has
//! registered, who signs in at `/oauth/authorize`, the codes it gave out, the
//! refresh tokens of each sign-in, and the SAML assertions that map to users.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::ids::random_string;

/// How long an authorization code can be exchanged, unless set otherwise.
const CODE_LIFETIME: Duration = Duration::from_secs(60);

/// A code given out by `/oauth/authorize`, until it is exchanged.
pub(super) struct PendingCode {
    pub(super) user_id: String,
    /// The `redirect_uri` of the authorize request; the exchange must name it.
    pub(super) redirect_uri: String,
    /// The PKCE `code_challenge` (S256), if one was sent.
    pub(super) challenge: Option<String>,
    expires: Option<Instant>,
}

impl PendingCode {
    pub(super) fn expired(&self) -> bool {
        self.expires.is_some_and(|at| Instant::now() >= at)
    }
}

/// A refresh token's sign-in: whose it is, and whether it was issued to a
/// public client (PKCE, no secret), which may refresh with `client_id` only.
#[derive(Clone)]
pub(super) struct RefreshGrant {
    pub(super) user_id: String,
    pub(super) public: bool,
    pub(super) sign_in: u64,
}

/// The sign-in side of the org.
pub(super) struct SignIn {
    /// Redirect URIs registered on the OAuth client (matched exactly).
    pub(super) redirect_uris: Vec<String>,
    /// Whether any `http` loopback URI (`127.0.0.1`, `localhost`, `[::1]`,
    /// any port) is accepted too.
    pub(super) loopback_redirects: bool,
    /// Who `/oauth/authorize` signs in (`None`: the org's first user).
    pub(super) signed_in_user: Option<String>,
    /// Whether the person at `/oauth/authorize` declines (`access_denied`).
    pub(super) refused: bool,
    pub(super) code_lifetime: Duration,
    codes: HashMap<String, PendingCode>,
    refresh_tokens: HashMap<String, RefreshGrant>,
    /// SAML2 assertion (as sent, base64) -> user id.
    pub(super) saml_assertions: HashMap<String, String>,
    sign_ins: u64,
}

impl Default for SignIn {
    fn default() -> SignIn {
        SignIn {
            redirect_uris: Vec::new(),
            loopback_redirects: true,
            signed_in_user: None,
            refused: false,
            code_lifetime: CODE_LIFETIME,
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            saml_assertions: HashMap::new(),
            sign_ins: 0,
        }
    }
}

impl SignIn {
    /// Whether `uri` may receive codes: registered, or a loopback URI while
    /// those are allowed. Never one with a fragment.
    pub(super) fn redirect_allowed(&self, uri: &str) -> bool {
        !uri.contains('#')
            && (self.redirect_uris.iter().any(|r| r == uri) || self.loopback_redirects && is_loopback(uri))
    }

    /// Stores a new code and returns it.
    pub(super) fn new_code(&mut self, user_id: &str, redirect_uri: &str, challenge: Option<&str>) -> String {
        let code = unused(|c| self.codes.contains_key(c));
        let pending = PendingCode {
            user_id: user_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            challenge: challenge.map(str::to_owned),
            expires: Instant::now().checked_add(self.code_lifetime),
        };
        self.codes.insert(code.clone(), pending);
        code
    }

    /// Removes a code: it can be exchanged once, whatever the outcome.
    pub(super) fn take_code(&mut self, code: &str) -> Option<PendingCode> {
        self.codes.remove(code)
    }

    /// A new sign-in's number.
    pub(super) fn begin(&mut self) -> u64 {
        self.sign_ins += 1;
        self.sign_ins
    }

    /// Stores a new refresh token for a sign-in and returns it.
    pub(super) fn new_refresh_token(&mut self, grant: RefreshGrant) -> String {
        let token = unused(|t| self.refresh_tokens.contains_key(t));
        self.refresh_tokens.insert(token.clone(), grant);
        token
    }

    /// The sign-in of a refresh token that still works.
    pub(super) fn refresh_grant(&self, token: &str) -> Option<RefreshGrant> {
        self.refresh_tokens.get(token).cloned()
    }

    /// Removes a refresh token: each works once (rotation).
    pub(super) fn spend_refresh_token(&mut self, token: &str) {
        self.refresh_tokens.remove(token);
    }

    /// Ends a sign-in: its refresh token stops working.
    pub(super) fn end(&mut self, sign_in: u64) {
        self.refresh_tokens.retain(|_, grant| grant.sign_in != sign_in);
    }

    /// Every refresh token stops working.
    pub(super) fn revoke_refresh_tokens(&mut self) {
        self.refresh_tokens.clear();
    }
}

/// A random 43-character string for which `taken` is false.
fn unused(taken: impl Fn(&str) -> bool) -> String {
    let mut value = random_string(43);
    while taken(&value) {
        value = random_string(43);
    }
    value
}

/// `http://127.0.0.1[:port]/…`, `http://localhost[:port]/…` or
/// `http://[::1][:port]/…` (RFC 8252's loopback redirects), without user info.
fn is_loopback(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') => (host, Some(port)),
        _ => (authority, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok && (host == "127.0.0.1" || host.eq_ignore_ascii_case("localhost") || host == "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_uris_with_any_port_are_loopback() {
        for uri in [
            "http://127.0.0.1:8080/callback",
            "http://localhost:1/",
            "http://LOCALHOST",
            "http://[::1]:65535/cb?x=1",
            "http://127.0.0.1?x",
            "http://[::1]",
        ] {
            assert!(is_loopback(uri), "{uri}");
        }
        for uri in [
            "https://127.0.0.1:8080/callback",
            "http://127.0.0.1.evil.example/cb",
            "http://user@127.0.0.1/cb",
            "http://127.0.0.1:/cb",
            "http://127.0.0.1:80a/cb",
            "http://10.0.0.1:80/cb",
            "http://localhost:123456/",
            "http://[::2]:80/",
        ] {
            assert!(!is_loopback(uri), "{uri}");
        }
    }

    #[test]
    fn fragments_are_never_allowed() {
        let mut sign_in = SignIn::default();
        sign_in.redirect_uris.push("https://app.example/cb#x".into());
        assert!(!sign_in.redirect_allowed("https://app.example/cb#x"));
        assert!(!sign_in.redirect_allowed("http://127.0.0.1:5/cb#x"));
        assert!(sign_in.redirect_allowed("http://127.0.0.1:5/cb"));
        sign_in.loopback_redirects = false;
        assert!(!sign_in.redirect_allowed("http://127.0.0.1:5/cb"));
    }
}
