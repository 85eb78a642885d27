//! What kind of failure a ureq error is, for retrying and for error text.

use std::io::ErrorKind;

use crate::error::TransportKind;

/// Why no answer arrived.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) kind: TransportKind,
    pub(crate) detail: String,
}

impl Failure {
    pub(crate) fn new(kind: TransportKind, detail: impl Into<String>) -> Failure {
        Failure {
            kind,
            detail: detail.into(),
        }
    }
}

/// Sorts a ureq error into a [`TransportKind`], with its text. Certificate
/// and handshake failures are [`TransportKind::Tls`], also when rustls's
/// error arrives wrapped in an I/O error.
pub(crate) fn classify(error: ureq::Error) -> Failure {
    let kind = match &error {
        ureq::Error::Timeout(_) => TransportKind::Timeout,
        ureq::Error::HostNotFound => TransportKind::Dns,
        ureq::Error::ConnectionFailed | ureq::Error::ConnectProxyFailed(_) => TransportKind::Connect,
        ureq::Error::BodyExceedsLimit(_) => TransportKind::TooLarge,
        ureq::Error::Tls(_) | ureq::Error::TlsRequired => TransportKind::Tls,
        ureq::Error::Io(io) if is_tls(io) => TransportKind::Tls,
        ureq::Error::Io(io) if is_lookup_failure(io) => TransportKind::Dns,
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportKind::Timeout,
            ErrorKind::ConnectionRefused | ErrorKind::AddrNotAvailable | ErrorKind::NotConnected => {
                TransportKind::Connect
            }
            _ => TransportKind::Io,
        },
        ureq::Error::Protocol(_) => TransportKind::Io,
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) => TransportKind::Tls,
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(_) => TransportKind::Tls,
        _ => TransportKind::Other,
    };
    let detail = match &error {
        ureq::Error::BodyExceedsLimit(limit) => format!("the body is larger than {limit} bytes"),
        ureq::Error::Io(io) => match io.get_ref() {
            // The wrapped error's own text, without "io error:" layers.
            Some(inner) => inner.to_string(),
            None => io.to_string(),
        },
        other => other.to_string(),
    };
    Failure { kind, detail }
}

/// True when an I/O error is a failed host name lookup. ureq passes the
/// system resolver's error on as an I/O error (its `HostNotFound` is only
/// for a name that resolved to no address): std words it so on Unix, and
/// gives the Winsock code on Windows.
fn is_lookup_failure(io: &std::io::Error) -> bool {
    if cfg!(windows) {
        // WSAHOST_NOT_FOUND, WSATRY_AGAIN, WSANO_RECOVERY, WSANO_DATA
        return matches!(io.raw_os_error(), Some(11001..=11004));
    }
    io.raw_os_error().is_none() && io.to_string().starts_with("failed to lookup address information")
}

/// True when an I/O error carries a TLS library's error (rustls reports a
/// certificate it does not trust this way).
fn is_tls(io: &std::io::Error) -> bool {
    let Some(inner) = io.get_ref() else {
        return false;
    };
    #[cfg(feature = "rustls")]
    if inner.downcast_ref::<rustls::Error>().is_some() {
        return true;
    }
    #[cfg(feature = "native-tls")]
    if inner.downcast_ref::<native_tls::Error>().is_some() {
        return true;
    }
    let _ = inner;
    false
}
