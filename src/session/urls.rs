//! The API and login URLs a session is given, checked.

use ureq::http::Uri;

use crate::error::{Error, Result};

/// Checks that `url` is an absolute http(s) URL with a host and no query, and
/// returns it without a trailing slash.
pub(super) fn check_url(what: &str, url: &str) -> Result<String> {
    let bad = |why: &str| Error::Config(format!("{what} {url:?} {why}"));
    let trimmed = url.trim().trim_end_matches('/');
    let uri: Uri = trimmed.parse().map_err(|_| bad("is not a valid URL"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            if !cfg!(any(feature = "rustls", feature = "native-tls")) {
                return Err(bad(
                    "is https, but this build has no TLS: enable the `rustls` or `native-tls` feature",
                ));
            }
        }
        _ => return Err(bad("must start with http:// or https://")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if uri.query().is_some() || trimmed.contains('#') {
        return Err(bad("must not have a query or fragment"));
    }
    Ok(trimmed.to_owned())
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
            check_url("base_url", "http://127.0.0.1:80/").unwrap(),
            "http://127.0.0.1:80"
        );
        for bad in [
            "",
            "ftp://x",
            "127.0.0.1:80",
            "http://",
            "http://h/?q=1",
            "not a url",
        ] {
            let err = check_url("base_url", bad).unwrap_err().to_string();
            assert!(err.starts_with("session configuration: base_url"), "{bad}: {err}");
        }
    }

    #[test]
    fn https_works_only_with_a_tls_feature() {
        let result = check_url("base_url", "https://api.mypurecloud.com");
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
}
