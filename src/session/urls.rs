//! The API and login URLs a session is given, checked: well formed, no
//! credentials in them, and no plain `http://` to another machine unless the
//! caller said so.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ureq::http::Uri;

use crate::error::{quoted, Error, Result};

/// The builder setting that lets plain `http://` reach other machines.
pub(super) const INSECURE_SETTING: &str = "SessionBuilder::allow_insecure_http(true)";

/// Checks that `url` is an absolute http(s) URL with a host, without a user
/// or password, a query or a fragment, and returns it without a trailing
/// slash, its scheme and host in lower case. `what` names the setting (or
/// the environment variable) in errors.
///
/// A plain `http://` URL must name a loopback host ([`is_loopback_host`])
/// unless `allow_insecure_http`.
pub(super) fn check_url(what: &str, url: &str, allow_insecure_http: bool) -> Result<String> {
    let trimmed = url.trim().trim_end_matches('/');
    if has_user_info(trimmed) {
        // Not quoted: the part before `@` may be a password.
        return Err(Error::config(format!(
            "{what} has an `@` in it, which marks a user name or password (`user:password@host`): \
             credentials in URLs are not supported; give them with client_credentials(..) or \
             access_token(..)"
        )));
    }
    let bad = |why: &str| Error::config(format!("{what} {} {why}", quoted(&shown(url))));
    let uri: Uri = trimmed.parse().map_err(|_| bad("is not a valid URL"))?;
    let secure = match uri.scheme_str() {
        Some("http") => false,
        Some("https") => {
            if !cfg!(any(feature = "rustls", feature = "native-tls")) {
                return Err(bad(
                    "is https, but this build has no TLS: enable the `rustls` or `native-tls` feature",
                ));
            }
            true
        }
        _ => return Err(bad("must start with http:// or https://")),
    };
    let Some(host) = uri.host().filter(|h| !h.is_empty()) else {
        return Err(bad("has no host"));
    };
    // `Uri` takes `host:anything` and reports no port: the call would fail later.
    let port = uri
        .authority()
        .and_then(|a| a.as_str().strip_prefix(host))
        .unwrap_or_default();
    if !port.is_empty()
        && !port
            .strip_prefix(':')
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok_and(|p| p > 0))
    {
        return Err(bad("has a port that is not a number from 1 to 65535"));
    }
    if uri.query().is_some() || trimmed.contains('#') {
        return Err(bad("must not have a query or fragment"));
    }
    if !secure && !allow_insecure_http && !is_loopback_host(host) {
        return Err(bad(&format!(
            "is plain http:// to a host that is not this machine: the access token and the client \
             credentials would cross the network unencrypted. Use https://, or a loopback host \
             (127.0.0.1, [::1], localhost) for a local server; to send them in the clear anyway, \
             set {INSECURE_SETTING}"
        )));
    }
    // `HTTPS://API.Example.com/v` → `https://api.example.com/v`, so that the
    // scheme can be read off the string and `api.` found in the host.
    let (scheme, rest) = trimmed.split_once("://").unwrap_or(("", trimmed));
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    Ok(format!(
        "{}://{}{path}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    ))
}

/// True when `url` holds an `@`: in a URL's authority it ends a user
/// name, perhaps with a password. Any `@` counts, so that a URL too broken to
/// split reliably (`http://user:pa/ss@host`, `user:pass@host`) is caught as
/// well; base URLs have no use for one elsewhere.
fn has_user_info(url: &str) -> bool {
    url.contains('@')
}

/// `url` as it may be shown: the part before an `@` (a user and password)
/// and any query or fragment (which may carry a token) replaced with
/// `<redacted>`.
pub(super) fn shown(url: &str) -> String {
    let url = match url.find(['?', '#']) {
        Some(at) => format!("{}{}<redacted>", &url[..at], &url[at..at + 1]),
        None => url.to_owned(),
    };
    match url.rsplit_once('@') {
        None => url.clone(),
        Some((before, after)) => match before.split_once("://") {
            Some((scheme, _)) if !scheme.contains(['/', '@']) => format!("{scheme}://<redacted>@{after}"),
            _ => format!("<redacted>@{after}"),
        },
    }
}

/// True for a host whose traffic never leaves this machine: an IPv4 address
/// in `127.0.0.0/8` written as four decimal numbers, `[::1]` (or
/// `[::ffff:127.x.y.z]`, brackets optional), or `localhost` in any case.
///
/// Not loopback: `localhost.` with a trailing dot and names under
/// `localhost` (`a.localhost`), which some resolvers send to DNS;
/// `0.0.0.0` and `[::]`; names that merely contain a loopback address
/// (`127.0.0.1.nip.io`); shortened or numeric forms (`127.1`, `2130706433`).
pub(crate) fn is_loopback_host(host: &str) -> bool {
    // Bracketed in a URL; bare as a proxy's host may be given.
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    if let Some(ip) = bare.or(Some(host).filter(|h| h.contains(':'))) {
        return ip
            .parse::<Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()));
    }
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return host
            .parse::<Ipv4Addr>()
            .is_ok_and(|ip| IpAddr::V4(ip).is_loopback());
    }
    host.eq_ignore_ascii_case("localhost")
}

/// `https://api.example.com` → `https://login.example.com`; other URLs unchanged.
pub(super) fn derive_login_url(api_url: &str) -> String {
    api_url.replacen("://api.", "://login.", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_url_is_derived_from_an_api_host() {
        assert_eq!(
            derive_login_url("https://api.mypurecloud.ie"),
            "https://login.mypurecloud.ie"
        );
        assert_eq!(derive_login_url("http://127.0.0.1:9000"), "http://127.0.0.1:9000");
    }

    #[test]
    fn urls_are_checked() {
        assert_eq!(
            check_url("base_url", "http://127.0.0.1:80/", false).unwrap(),
            "http://127.0.0.1:80"
        );
        for bad in [
            "",
            "ftp://x",
            "127.0.0.1:80",
            "http://",
            "http://h/?q=1",
            "not a url",
            "http://127.0.0.1:port",
            "http://127.0.0.1:65536",
            "http://127.0.0.1:0",
            "http://127.0.0.1:",
            "http://127.0.0.1:+80",
            "http://[::1]:x",
        ] {
            let err = check_url("base_url", bad, true).unwrap_err().to_string();
            assert!(err.starts_with("session configuration: base_url"), "{bad}: {err}");
        }
    }

    #[test]
    fn https_works_only_with_a_tls_feature() {
        let result = check_url("base_url", "https://api.mypurecloud.com", false);
        if cfg!(any(feature = "rustls", feature = "native-tls")) {
            assert_eq!(result.unwrap(), "https://api.mypurecloud.com");
        } else {
            let err = result.unwrap_err().to_string();
            assert!(
                err.contains("enable the `rustls` or `native-tls` feature"),
                "{err}"
            );
        }
    }

    #[test]
    fn ports_are_numbers() {
        let tls = cfg!(any(feature = "rustls", feature = "native-tls"));
        for good in [
            "http://127.0.0.1:1",
            "http://[::1]:65535",
            "https://h:443/x",
            "https://h",
        ] {
            // Without TLS, https:// is refused whatever the port.
            if good.starts_with("https://") && !tls {
                continue;
            }
            assert!(check_url("base_url", good, false).is_ok(), "{good}");
        }
    }

    #[test]
    fn scheme_and_host_are_lowercased_the_path_is_not() {
        assert_eq!(
            check_url("base_url", "HTTP://LocalHost:8080/Api/", false).unwrap(),
            "http://localhost:8080/Api"
        );
    }

    #[test]
    fn loopback_hosts() {
        for host in [
            "127.0.0.1",
            "127.8.9.10",
            "127.255.255.255",
            "[::1]",
            "[0:0:0:0:0:0:0:1]",
            "[::ffff:127.0.0.1]",
            "::1",
            "localhost",
            "LOCALHOST",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "0.0.0.0",
            "[::]",
            "128.0.0.1",
            "10.0.0.1",
            "localhost.",
            "a.localhost",
            "localhost.example.com",
            "127.0.0.1.nip.io",
            "127.1",
            "2130706433",
            "0x7f.0.0.1",
            "127.0.0.1.",
            "[::2]",
            "[fe80::1]",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn user_info_is_found_even_in_broken_urls() {
        for url in [
            "http://user:pw@127.0.0.1:8080",
            "http://user@127.0.0.1",
            "http://:pw@127.0.0.1",
            "https://u:p@api.mypurecloud.com/",
            "user:pw@127.0.0.1",
            "http://user:p/w@127.0.0.1",
            "http://user:p w@127.0.0.1",
        ] {
            assert!(has_user_info(url), "{url}");
            assert!(
                !shown(url).contains("pw") && !shown(url).contains("p w"),
                "{}",
                shown(url)
            );
        }
        assert!(!has_user_info("https://api.mypurecloud.com"));
        assert_eq!(shown("http://u:pw@h:1"), "http://<redacted>@h:1");
        assert_eq!(shown("https://h"), "https://h");
        assert_eq!(
            shown("https://h/x?access_token=tok-1#frag"),
            "https://h/x?<redacted>"
        );
        assert_eq!(shown("https://h/#tok"), "https://h/#<redacted>");
    }
}
