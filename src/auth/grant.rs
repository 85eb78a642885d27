//! The next token request a session makes: its grant, its form body, the
//! secrets it holds, and which grant follows its answer. The form fields
//! are those of the fact sheet's "Other grants", in its order.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::client::Checked;
use crate::secret::Secret;

/// Every byte but `A-Z a-z 0-9 - . _ ~` is percent-encoded in a form value.
const FORM_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The SAML2 bearer grant's `grant_type`.
const SAML2_BEARER: &str = "urn:ietf:params:oauth:grant-type:saml2-bearer";

/// How the next token is asked for.
pub(super) enum Grant {
    /// `grant_type=client_credentials`: asked again each time.
    ClientCredentials,
    /// `grant_type=authorization_code`, with `code_verifier` and `client_id`
    /// for PKCE: a code works once.
    Code {
        code: Secret,
        redirect_uri: String,
        verifier: Option<Secret>,
    },
    /// The SAML2 bearer grant: asked again with the same assertion when the
    /// token expires (no refresh token comes with it).
    Saml2 { org_name: String, assertion: Secret },
    /// `grant_type=refresh_token` with the newest refresh token.
    Refresh(Secret),
    /// Nothing left to ask with: the person must sign in again. Says why.
    SignInAgain(&'static str),
}

impl Grant {
    /// What the grant is, for error text.
    pub(super) fn name(&self) -> &'static str {
        match self {
            Grant::ClientCredentials => "client credentials",
            Grant::Code { verifier: None, .. } => "authorization code",
            Grant::Code { .. } => "authorization code (PKCE)",
            Grant::Saml2 { .. } => "SAML2 bearer assertion",
            Grant::Refresh(_) => "refresh token",
            Grant::SignInAgain(_) => "no grant",
        }
    }

    /// The form body of the token request for `client`; `None` for
    /// [`SignInAgain`](Grant::SignInAgain). A public client names itself
    /// with `client_id`; a confidential one is named by its `Basic` header.
    pub(super) fn form(&self, client: &Checked) -> Option<Vec<u8>> {
        let public_id = client.basic.is_none().then_some(client.id.as_str());
        let mut fields: Vec<(&str, &str)> = Vec::with_capacity(5);
        match self {
            Grant::ClientCredentials => fields.push(("grant_type", "client_credentials")),
            Grant::Code {
                code,
                redirect_uri,
                verifier,
            } => {
                fields.extend([("grant_type", "authorization_code"), ("code", code.expose())]);
                if let Some(verifier) = verifier {
                    fields.push(("code_verifier", verifier.expose()));
                }
                fields.extend(public_id.map(|id| ("client_id", id)));
                fields.push(("redirect_uri", redirect_uri));
            }
            Grant::Saml2 { org_name, assertion } => fields.extend([
                ("grant_type", SAML2_BEARER),
                ("orgName", org_name.as_str()),
                ("assertion", assertion.expose()),
            ]),
            Grant::Refresh(token) => {
                fields.extend([("grant_type", "refresh_token"), ("refresh_token", token.expose())]);
                fields.extend(public_id.map(|id| ("client_id", id)));
            }
            Grant::SignInAgain(_) => return None,
        }
        Some(encode(&fields).into_bytes())
    }

    /// The secrets the grant holds (code, verifier, assertion, refresh token).
    pub(super) fn secrets(&self) -> Vec<String> {
        match self {
            Grant::Code { code, verifier, .. } => std::iter::once(code)
                .chain(verifier)
                .map(|s| s.expose().to_owned())
                .collect(),
            Grant::Saml2 { assertion, .. } => vec![assertion.expose().to_owned()],
            Grant::Refresh(token) => vec![token.expose().to_owned()],
            Grant::ClientCredentials | Grant::SignInAgain(_) => Vec::new(),
        }
    }

    /// The grant after a token answer carrying `refresh_token` (or none):
    /// the newest refresh token wins; a code is spent.
    pub(super) fn after_answer(self, refresh_token: Option<Secret>) -> Grant {
        match (self, refresh_token) {
            (_, Some(newest)) => Grant::Refresh(newest),
            (Grant::Code { .. }, None) => Grant::SignInAgain(
                "the authorization code was spent and the login service gave no refresh token",
            ),
            (kept, None) => kept,
        }
    }

    /// The grant after the login service refused this one (`invalid_grant`):
    /// a code or refresh token that was refused will not work again.
    pub(super) fn after_refusal(self) -> Grant {
        match self {
            Grant::Code { .. } => Grant::SignInAgain("the authorization code was refused"),
            Grant::Refresh(_) => Grant::SignInAgain("the refresh token was refused"),
            kept => kept,
        }
    }

    /// True when a refusal of this grant means the person must sign in again.
    pub(super) fn is_personal(&self) -> bool {
        matches!(self, Grant::Code { .. } | Grant::Refresh(_))
    }
}

/// `k=v&…`, every value percent-encoded.
pub(super) fn encode(fields: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.extend(utf8_percent_encode(value, FORM_VALUE));
    }
    out
}
