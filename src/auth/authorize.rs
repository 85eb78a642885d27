//! [`AuthorizeUrl`]: the address a person's browser opens to sign in.

use std::fmt;

use super::grant::encode;
use crate::secret::Secret;

/// The sign-in page's address, `GET {login}/oauth/authorize` with
/// `response_type=code`, for the authorization code grant (with or without
/// PKCE). Open it in the person's browser; after signing in, the login
/// service redirects to `redirect_uri?code=…&state=…`, and the code goes to
/// [`SessionBuilder::authorization_code`](crate::SessionBuilder::authorization_code)
/// or [`pkce_authorization_code`](crate::SessionBuilder::pkce_authorization_code).
/// The loopback helper `sign_in::LoopbackSignIn`
/// (feature `sign-in`) builds one itself.
///
/// Query, in this order: `response_type=code`, `client_id`, `redirect_uri`,
/// then when set `code_challenge` with `code_challenge_method=S256`,
/// `state`, `org` and `provider`, `target`, `login_hint`, `prompt=login`.
/// Every value is percent-encoded. `Debug` hides the `state`.
///
/// ```
/// use genesys_presence::AuthorizeUrl;
///
/// let url = AuthorizeUrl::new("https://login.mypurecloud.ie", "my-client-id", "http://127.0.0.1:8400/callback")
///     .state("x7Yq")
///     .login_hint("alex.morgan@example.com")
///     .to_url();
/// assert_eq!(
///     url,
///     "https://login.mypurecloud.ie/oauth/authorize?response_type=code&client_id=my-client-id\
///      &redirect_uri=http%3A%2F%2F127.0.0.1%3A8400%2Fcallback&state=x7Yq\
///      &login_hint=alex.morgan%40example.com"
/// );
/// ```
#[derive(Clone)]
pub struct AuthorizeUrl {
    login_url: String,
    client_id: String,
    redirect_uri: String,
    code_challenge: Option<String>,
    state: Option<Secret>,
    identity_provider: Option<(String, String)>,
    target: Option<String>,
    login_hint: Option<String>,
    prompt_login: bool,
}

impl AuthorizeUrl {
    /// The address for `client_id` at `login_url` (a
    /// [`Session::login_url`](crate::Session::login_url) or
    /// [`Region::login_url`](crate::Region::login_url); a trailing `/` is
    /// dropped). `redirect_uri` must be one registered on the OAuth client.
    pub fn new(
        login_url: impl Into<String>,
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        let login_url = login_url.into().trim_end_matches('/').to_owned();
        AuthorizeUrl {
            login_url,
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            code_challenge: None,
            state: None,
            identity_provider: None,
            target: None,
            login_hint: None,
            prompt_login: false,
        }
    }

    /// PKCE: the S256 challenge of the verifier the code will be exchanged
    /// with (base64url of its SHA-256, no padding; `PkceVerifier::challenge`
    /// with feature `sign-in`). Default: none (a confidential client).
    pub fn code_challenge(mut self, challenge: impl Into<String>) -> Self {
        self.code_challenge = Some(challenge.into());
        self
    }

    /// A value the redirect carries back unchanged: make it unguessable
    /// and check it, so that a code another site planted is refused.
    /// Default: none.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(Secret::new(state));
        self
    }

    /// Sign in through an identity provider: `org` (the org's short name)
    /// and `provider` (e.g. `okta`), sent together. Default: Genesys's own page.
    pub fn identity_provider(mut self, org: impl Into<String>, provider: impl Into<String>) -> Self {
        self.identity_provider = Some((org.into(), provider.into()));
        self
    }

    /// The id of the organization to sign in to, when the person belongs to
    /// several (an authorized org). Default: none.
    pub fn target(mut self, org_id: impl Into<String>) -> Self {
        self.target = Some(org_id.into());
        self
    }

    /// Fills in the sign-in page's e-mail field. Default: none.
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = Some(hint.into());
        self
    }

    /// Asks for the password again even if the browser is signed in
    /// (`prompt=login`). Default: off.
    pub fn prompt_login(mut self) -> Self {
        self.prompt_login = true;
        self
    }

    /// The address, to open in a browser.
    pub fn to_url(&self) -> String {
        let mut fields: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
        ];
        if let Some(challenge) = &self.code_challenge {
            fields.extend([
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ]);
        }
        fields.extend(self.state.as_ref().map(|s| ("state", s.expose())));
        if let Some((org, provider)) = &self.identity_provider {
            fields.extend([("org", org.as_str()), ("provider", provider.as_str())]);
        }
        fields.extend(self.target.as_deref().map(|t| ("target", t)));
        fields.extend(self.login_hint.as_deref().map(|h| ("login_hint", h)));
        if self.prompt_login {
            fields.push(("prompt", "login"));
        }
        format!("{}/oauth/authorize?{}", self.login_url, encode(&fields))
    }
}

impl fmt::Debug for AuthorizeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeUrl")
            .field("login_url", &self.login_url)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("code_challenge", &self.code_challenge)
            .field("state", &self.state.as_ref().map(|_| "<redacted>"))
            .field("identity_provider", &self.identity_provider)
            .field("target", &self.target)
            .field("login_hint", &self.login_hint)
            .field("prompt_login", &self.prompt_login)
            .finish()
    }
}
