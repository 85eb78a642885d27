//! [`FakeOrg`]'s sign-in side: who the org is, its users' names and e-mail
//! addresses, and what the sign-in grants accept.

use std::time::Duration;

use super::org::FakeOrg;

impl FakeOrg {
    /// The organization's id (a UUID): in `GET /api/v2/tokens/me`, and the
    /// only `target` `/oauth/authorize` accepts.
    pub fn org_id(&self) -> String {
        self.lock().org_id.clone()
    }

    /// The organization's name, `stand-in-org`: the `orgName` the SAML2
    /// bearer grant needs and the `org` `/oauth/authorize` accepts (any case).
    pub fn org_name(&self) -> String {
        self.lock().org_name.clone()
    }

    /// Adds a user like [`add_user`](FakeOrg::add_user) (Offline), with a
    /// name and an e-mail address, which `POST /api/v2/users/search` finds.
    /// Returns false, adding nothing, if the id or the address (in any case)
    /// is taken.
    pub fn add_user_with_email(&self, user_id: &str, name: &str, email: &str) -> bool {
        self.lock().add_user(user_id, name, Some(email), "Offline")
    }

    /// A user's e-mail address; `None` for an unknown user or one without.
    /// The three initial users have one each.
    pub fn user_email(&self, user_id: &str) -> Option<String> {
        let state = self.lock();
        let index = state.user_index(user_id)?;
        state.users[index].email.clone()
    }

    /// A user's name; `None` for an unknown user.
    pub fn user_name(&self, user_id: &str) -> Option<String> {
        let state = self.lock();
        let index = state.user_index(user_id)?;
        Some(state.users[index].name.clone())
    }

    /// Registers a redirect URI on the org's OAuth client:
    /// `/oauth/authorize` accepts it, compared exactly. A URI with a
    /// fragment (`#`) is never accepted.
    pub fn add_redirect_uri(&self, uri: &str) {
        self.lock().sign_in.redirect_uris.push(uri.to_owned());
    }

    /// Whether `/oauth/authorize` also accepts every `http` loopback
    /// redirect URI, registered or not: `http://127.0.0.1`,
    /// `http://localhost` or `http://[::1]`, with any port and path (RFC
    /// 8252 §7.3, for apps that listen on a port the OS picks). Default: true.
    pub fn set_loopback_redirects(&self, allowed: bool) {
        self.lock().sign_in.loopback_redirects = allowed;
    }

    /// The user `/oauth/authorize` signs in from now on. Default: the first
    /// of [`user_ids`](FakeOrg::user_ids). Returns false, changing nothing,
    /// for an unknown user.
    pub fn set_signed_in_user(&self, user_id: &str) -> bool {
        let mut state = self.lock();
        if state.user_index(user_id).is_none() {
            return false;
        }
        state.sign_in.signed_in_user = Some(user_id.to_owned());
        true
    }

    /// Whether the person at `/oauth/authorize` declines: it then redirects
    /// with `error=access_denied` instead of a code. Default: false.
    pub fn set_sign_in_refused(&self, refused: bool) {
        self.lock().sign_in.refused = refused;
    }

    /// How long the codes `/oauth/authorize` gives from now on can be
    /// exchanged (`Duration::ZERO`: they are expired at once). Default: 60 s.
    pub fn set_code_lifetime(&self, lifetime: Duration) {
        self.lock().sign_in.code_lifetime = lifetime;
    }

    /// Makes the SAML2 bearer grant accept `assertion` (the form's
    /// `assertion` value, base64 as sent) as signing in `user_id`; several
    /// assertions may be set. Returns false, changing nothing, for an
    /// unknown user.
    pub fn set_saml_assertion(&self, assertion: &str, user_id: &str) -> bool {
        let mut state = self.lock();
        if state.user_index(user_id).is_none() {
            return false;
        }
        state
            .sign_in
            .saml_assertions
            .insert(assertion.to_owned(), user_id.to_owned());
        true
    }

    /// Issues an access token that acts for a user, as a sign-in would,
    /// without a request (not counted in
    /// [`token_requests`](FakeOrg::token_requests)); `None` for an unknown
    /// user.
    pub fn user_access_token(&self, user_id: &str) -> Option<String> {
        let mut state = self.lock();
        state.user_index(user_id)?;
        Some(state.issue_user_token(user_id, None))
    }

    /// Every refresh token issued so far stops working (`400 invalid_grant`).
    pub fn revoke_refresh_tokens(&self) {
        self.lock().sign_in.revoke_refresh_tokens();
    }
}
