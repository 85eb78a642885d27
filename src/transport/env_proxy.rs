//! The proxy settings ureq reads from the environment, checked and, where
//! ureq reads them too literally, mended.

use ureq::{Proxy, ProxyProtocol};

use crate::error::{Error, Result};

/// The variables ureq takes a proxy from, in its order.
const PROXY_VARIABLES: [&str; 6] = [
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
];

/// A proxy variable that is set but is not a proxy URL is an error: ureq
/// would drop it without a word and connect direct (or through the next
/// variable), so traffic meant for the proxy would bypass it. The value is
/// not quoted: it may hold a password.
pub(super) fn check_variables() -> Result<()> {
    for name in PROXY_VARIABLES {
        let Ok(value) = std::env::var(name) else {
            continue;
        };
        if !value.trim().is_empty() && ureq::Proxy::new(&value).is_err() {
            return Err(Error::config(format!(
                "the environment variable {name} is set but is not a proxy URL"
            )));
        }
    }
    Ok(())
}

/// The proxy from the environment, rebuilt with every `NO_PROXY` entry
/// trimmed, when that list has spaces around its commas
/// (`NO_PROXY="localhost, 127.0.0.1"`): ureq keeps the spaces and so never
/// matches those entries. `None` when there is nothing to mend, which leaves
/// ureq's own reading in place. A SOCKS proxy is left alone: ureq treats a
/// SOCKS proxy set in code (rather than read from the environment) as an
/// error when its `socks-proxy` feature is off.
pub(super) fn with_trimmed_no_proxy() -> Option<Proxy> {
    let list = ["NO_PROXY", "no_proxy"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok())?;
    if !list.split(',').any(|entry| entry != entry.trim()) {
        return None;
    }
    let proxy = Proxy::try_from_env()?;
    if !matches!(proxy.protocol(), ProxyProtocol::Http | ProxyProtocol::Https) {
        return None;
    }
    let mut builder = Proxy::builder(proxy.protocol())
        .host(proxy.host())
        .port(proxy.port())
        .resolve_target(proxy.resolve_target());
    if let Some(user) = proxy.username() {
        builder = builder.username(user);
    }
    if let Some(password) = proxy.password() {
        builder = builder.password(password);
    }
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        builder = builder.no_proxy(entry);
    }
    builder.build().ok()
}
