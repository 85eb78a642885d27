//! The path prefixes of a gateway in front of the stand-in org
//! ([`FakeOrg::start_behind_gateway`](super::FakeOrg::start_behind_gateway)):
//! which requests are under their prefix, and how many missed it.
//!
//! The login routes (`/oauth/…`) are served under the login prefix, every
//! other route, and the channels' WebSockets, under the API prefix. Without
//! a gateway both prefixes are empty and every request is under them.

use std::io;

/// The first segment of the login routes (`/oauth/token`, `/oauth/authorize`).
const LOGIN_ROUTES: &str = "oauth";

/// Both prefixes, as checked segments, and the requests that missed them.
#[derive(Debug, Default)]
pub(super) struct Gateway {
    api: Prefix,
    login: Prefix,
    /// Requests (HTTP, and WebSocket handshakes) outside their prefix.
    pub(super) missed: usize,
}

/// One prefix: `/genesys/api` as `["genesys", "api"]`; empty for none.
#[derive(Debug, Default)]
struct Prefix {
    text: String,
    segments: Vec<String>,
}

impl Gateway {
    /// Checks both prefixes (see [`Prefix::new`]).
    pub(super) fn new(api: &str, login: &str) -> io::Result<Gateway> {
        Ok(Gateway {
            api: Prefix::new("API", api)?,
            login: Prefix::new("login", login)?,
            missed: 0,
        })
    }

    /// The API prefix as given, `""` for none.
    pub(super) fn api_prefix(&self) -> &str {
        &self.api.text
    }

    /// The login prefix as given, `""` for none.
    pub(super) fn login_prefix(&self) -> &str {
        &self.login.text
    }

    /// How many leading segments of a request's path are the prefix it
    /// needs, or `None` (counted as a miss) when it lacks it: a login route
    /// needs the login prefix, anything else the API prefix.
    pub(super) fn admit(&mut self, segments: &[String]) -> Option<usize> {
        let is_login = |rest: &[String]| rest.first().is_some_and(|s| s == LOGIN_ROUTES);
        let admitted = match (self.login.rest(segments), self.api.rest(segments)) {
            (Some(rest), _) if is_login(rest) => Some(self.login.segments.len()),
            (_, Some(rest)) if !is_login(rest) => Some(self.api.segments.len()),
            _ => None,
        };
        self.missed += usize::from(admitted.is_none());
        admitted
    }

    /// A WebSocket handshake's path after the API prefix (`/channels/…`),
    /// or `None` (counted as a miss) when it lacks the prefix.
    #[cfg(feature = "notifications")]
    pub(super) fn admit_socket<'a>(&mut self, path: &'a str) -> Option<&'a str> {
        let rest = path
            .strip_prefix(self.api.text.as_str())
            .filter(|rest| rest.starts_with('/'));
        self.missed += usize::from(rest.is_none());
        rest
    }
}

impl Prefix {
    /// `""` (no prefix), or `/` and segments separated by `/`, each made of
    /// RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`), none `.`
    /// or `..`: no trailing `/`, no query, no fragment, no escapes.
    fn new(what: &str, text: &str) -> io::Result<Prefix> {
        let invalid = |why: &str| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("fake org: the gateway's {what} prefix {text:?} {why}"),
            )
        };
        if text.is_empty() {
            return Ok(Prefix::default());
        }
        let Some(path) = text.strip_prefix('/') else {
            return Err(invalid("must start with `/`"));
        };
        let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
        let mut segments = Vec::new();
        for segment in path.split('/') {
            if segment.is_empty() || segment == "." || segment == ".." {
                return Err(invalid(
                    "must not have an empty, `.` or `..` segment, nor end with `/`",
                ));
            }
            if !segment.bytes().all(unreserved) {
                return Err(invalid(
                    "may hold only `/` and the characters A-Z a-z 0-9 - . _ ~",
                ));
            }
            segments.push(segment.to_owned());
        }
        Ok(Prefix {
            text: text.to_owned(),
            segments,
        })
    }

    /// The segments after the prefix, when `segments` start with it.
    fn rest<'a>(&self, segments: &'a [String]) -> Option<&'a [String]> {
        segments.strip_prefix(self.segments.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(path: &str) -> Vec<String> {
        path.strip_prefix('/')
            .unwrap()
            .split('/')
            .map(str::to_owned)
            .collect()
    }

    fn gateway() -> Gateway {
        Gateway::new("/genesys/api", "/genesys/login").unwrap()
    }

    #[test]
    fn routes_are_served_only_under_their_own_prefix() {
        let mut gateway = gateway();
        let mut admit = |path: &str| gateway.admit(&segments(path));
        assert_eq!(admit("/genesys/login/oauth/token"), Some(2));
        assert_eq!(admit("/genesys/login/oauth/authorize"), Some(2));
        assert_eq!(admit("/genesys/api/api/v2/systempresences"), Some(2));
        // Under the API prefix, an unknown path is the router's 404.
        assert_eq!(admit("/genesys/api/elsewhere"), Some(2));
        assert_eq!(admit("/genesys/api"), Some(2));
        for missed in [
            "/oauth/token",
            "/api/v2/systempresences",
            "/genesys/api/oauth/token",
            "/genesys/login/api/v2/systempresences",
            "/genesys/login",
            "/genesys/apix/api/v2/systempresences",
            "/genesys",
            "//genesys/api/api/v2/systempresences",
        ] {
            assert_eq!(admit(missed), None, "{missed}");
        }
        assert_eq!(gateway.missed, 8);
    }

    #[test]
    #[cfg(feature = "notifications")]
    fn sockets_are_served_only_under_the_api_prefix() {
        let mut gateway = gateway();
        assert_eq!(
            gateway.admit_socket("/genesys/api/channels/c1"),
            Some("/channels/c1")
        );
        for missed in [
            "/channels/c1",
            "/genesys/apichannels/c1",
            "/genesys/login/channels/c1",
            "/genesys/api",
        ] {
            assert_eq!(gateway.admit_socket(missed), None, "{missed}");
        }
        assert_eq!(gateway.missed, 4);
    }

    #[test]
    fn without_a_gateway_everything_is_admitted_as_it_is() {
        let mut gateway = Gateway::default();
        assert_eq!(gateway.admit(&segments("/oauth/token")), Some(0));
        assert_eq!(gateway.admit(&segments("/api/v2/users/me")), Some(0));
        assert_eq!(gateway.admit(&segments("/")), Some(0));
        #[cfg(feature = "notifications")]
        assert_eq!(gateway.admit_socket("/channels/c1"), Some("/channels/c1"));
        assert_eq!(gateway.missed, 0);
        assert_eq!((gateway.api_prefix(), gateway.login_prefix()), ("", ""));
    }

    #[test]
    fn one_prefix_may_hold_both_kinds_of_route() {
        let mut gateway = Gateway::new("/genesys", "/genesys").unwrap();
        assert_eq!(gateway.admit(&segments("/genesys/oauth/token")), Some(1));
        assert_eq!(gateway.admit(&segments("/genesys/api/v2/users/me")), Some(1));
        assert_eq!(gateway.admit(&segments("/oauth/token")), None);
    }

    #[test]
    fn prefixes_are_checked() {
        for bad in [
            "genesys",
            "/",
            "/genesys/",
            "/genesys//api",
            "/genesys/./api",
            "/../api",
            "/genesys?x=1",
            "/genesys#x",
            "/gen%65sys",
            "/gen esys",
            "/génesys",
        ] {
            let error = Gateway::new(bad, "").unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{bad}");
            assert!(error.to_string().contains("API prefix"), "{bad}: {error}");
            let error = Gateway::new("", bad).unwrap_err();
            assert!(error.to_string().contains("login prefix"), "{bad}: {error}");
        }
        let gateway = Gateway::new("/a-b/c.d_e~1", "/L").unwrap();
        assert_eq!(
            (gateway.api_prefix(), gateway.login_prefix()),
            ("/a-b/c.d_e~1", "/L")
        );
    }
}
