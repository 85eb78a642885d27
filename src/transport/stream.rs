//! A raw byte stream to a server, opened the way ureq opens the connections
//! of REST calls: the agent's proxy (`ALL_PROXY`, `HTTPS_PROXY`,
//! `HTTP_PROXY`, `NO_PROXY`, or the caller's), then TLS with the agent's TLS
//! settings (provider, root certificates, client certificate).
//!
//! The notification WebSocket runs over it. ureq's connector chain does the
//! work (HTTP `CONNECT` or SOCKS, TCP, rustls or native-tls), so there is one
//! way to reach a server, not two.
//!
//! What remains apart: an agent built with a connector or resolver of the
//! caller's own (`ureq::Agent::with_parts`) lends this path its config only;
//! the stream uses ureq's default connector and resolver.

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, Resolver};
use ureq::unversioned::transport::time::{Duration as UreqDuration, Instant as UreqInstant};
use ureq::unversioned::transport::{
    ConnectionDetails, Connector, NextTimeout, ShutdownHandle, Transport as UreqTransport, TransportAdapter,
};

use super::{classify, Failure, Transport};
use crate::error::TransportKind;

/// A connected stream: `Read` and `Write`, bounded by the deadline last set
/// with [`Stream::set_timeout`].
pub(crate) struct Stream {
    io: TransportAdapter<Box<dyn UreqTransport>>,
    stop: StreamStop,
}

/// Shuts connections down from another thread, waking a read (or a
/// connect, a proxy's or a TLS handshake) blocked on them. A stream has
/// one of its own ([`Stream::stopper`]); a caller can also hand one to
/// [`Transport::open_stream`] that covers every stream it opens, even one
/// still being opened. Once stopped, it shuts down every connection
/// registered with it later at once. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct StreamStop {
    inner: Arc<Mutex<Registry>>,
}

#[derive(Default)]
struct Registry {
    stopped: bool,
    handles: Vec<Weak<dyn ShutdownHandle>>,
}

impl StreamStop {
    /// Shuts every registered connection down (both ways); a blocked read
    /// returns at once, and connections registered from now on are shut at once.
    pub(crate) fn stop(&self) {
        let handles: Vec<_> = {
            let mut registry = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            registry.stopped = true;
            registry.handles.drain(..).collect()
        };
        for handle in handles.iter().filter_map(Weak::upgrade) {
            handle.shutdown();
        }
    }

    /// True once [`stop`](Self::stop) was called.
    pub(crate) fn is_stopped(&self) -> bool {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).stopped
    }

    /// Keeps `handle` to shut down on [`stop`](Self::stop); false (after
    /// shutting it down) when already stopped.
    fn register(&self, handle: &Weak<dyn ShutdownHandle>) -> bool {
        let mut registry = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if registry.stopped {
            drop(registry);
            if let Some(handle) = handle.upgrade() {
                handle.shutdown();
            }
            return false;
        }
        // Connections that are gone need no shutting down.
        registry.handles.retain(|h| h.strong_count() > 0);
        registry.handles.push(Weak::clone(handle));
        true
    }
}

impl Stream {
    /// Sets a deadline `timeout` from now for the reads and writes that
    /// follow, together (ureq's adapter counts from when it is set, not from
    /// each call): once it has passed, each read or write fails at once
    /// with a timeout until a new one is set.
    pub(crate) fn set_timeout(&mut self, timeout: Duration) {
        self.io
            .set_timeout(next_timeout(timeout, ureq::Timeout::RecvBody));
    }

    /// A handle that shuts this stream down from another thread.
    pub(crate) fn stopper(&self) -> StreamStop {
        self.stop.clone()
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read(buf)
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.io.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.io.flush()
    }
}

/// The [`Failure`] an I/O error from a [`Stream`] stands for.
pub(crate) fn failure_of_io(error: io::Error) -> Failure {
    classify(ureq::Error::from(error))
}

impl Transport {
    /// Opens a connection to `url` (`ws://` or `wss://`) through the agent's
    /// proxy and TLS, within the connect timeout. The
    /// stream's reads and writes must then be done within the session's
    /// timeout, together, until [`Stream::set_timeout`] sets another.
    ///
    /// `stop` shuts the connection down when stopped, also while it is
    /// being opened (the open then fails).
    pub(crate) fn open_stream(&self, url: &Uri, stop: &StreamStop) -> Result<Stream, Failure> {
        let target = http_equivalent(url)?;
        let config = self.agent.config();
        // As ureq checks each call: an agent for HTTPS only sends nothing in the clear.
        if config.https_only() && target.scheme_str() != Some("https") {
            return Err(classify(ureq::Error::RequireHttpsOnly(url.to_string())));
        }
        let resolver = DefaultResolver::default();
        let timeout = next_timeout(self.connect_timeout, ureq::Timeout::Connect);
        // As ureq does for a call: a proxy resolves the target's name
        // itself, unless the host is exempt (NO_PROXY) or the proxy asks
        // for resolved addresses (SOCKS4).
        let resolve_here = match config.proxy() {
            None => true,
            Some(proxy) => proxy.is_no_proxy(&target) || proxy.resolve_target(),
        };
        let addrs = if resolve_here {
            resolver.resolve(&target, config, timeout).map_err(classify)?
        } else {
            resolver.empty()
        };
        let connector = Arc::clone(self.stream_connector.get_or_init(Arc::default));
        // ureq waits up to the connect timeout for each read of a proxy's
        // answer to CONNECT, not for the whole answer: a proxy that answers
        // a byte at a time would hold the connection open for ever. The
        // connection to the proxy is held to the connect timeout as a whole.
        let opened = Arc::new(AtomicBool::new(false));
        let deadline = Instant::now() + self.connect_timeout;
        let run_connector = {
            let (connector, opened) = (Arc::clone(&connector), Arc::clone(&opened));
            Arc::new(move |details: &ConnectionDetails| {
                let inner = connector
                    .connect(details, None)?
                    .ok_or(ureq::Error::ConnectionFailed)?;
                let bounded: Box<dyn UreqTransport> = Box::new(UntilOpen {
                    inner,
                    deadline,
                    opened: Arc::clone(&opened),
                });
                Ok(bounded)
            })
        };
        let own = StreamStop::default();
        let register_shutdown = {
            let (own, caller) = (own.clone(), stop.clone());
            Arc::new(move |handle: Weak<dyn ShutdownHandle>| {
                own.register(&handle);
                if caller.register(&handle) {
                    Ok(())
                } else {
                    Err(ureq::Error::Io(io::Error::new(
                        io::ErrorKind::Interrupted,
                        "stopped while connecting",
                    )))
                }
            })
        };
        let current_time: Arc<dyn Fn() -> UreqInstant + Send + Sync> = Arc::new(UreqInstant::now);
        let details = ConnectionDetails {
            uri: &target,
            addrs,
            config,
            request_level: false,
            resolver: &resolver,
            now: current_time(),
            timeout,
            current_time: Arc::clone(&current_time),
            run_connector,
            register_shutdown,
        };
        let transport = connector.connect(&details, None);
        opened.store(true, Ordering::SeqCst);
        let transport = transport
            .map_err(classify)?
            .ok_or_else(|| Failure::new(TransportKind::Connect, "no connector could reach the host"))?;
        if details.needs_tls() && !transport.is_tls() {
            return Err(classify(ureq::Error::TlsRequired));
        }
        let mut stream = Stream {
            io: TransportAdapter::new(transport, current_time),
            stop: own,
        };
        stream.set_timeout(self.timeout);
        Ok(stream)
    }
}

/// A connection to a proxy, whose reads and writes may not outlast
/// `deadline` until the connection through it is open.
struct UntilOpen {
    inner: Box<dyn UreqTransport>,
    deadline: Instant,
    opened: Arc<AtomicBool>,
}

impl UntilOpen {
    fn bound(&self, timeout: NextTimeout) -> NextTimeout {
        if self.opened.load(Ordering::SeqCst) {
            return timeout;
        }
        let left = UreqDuration::Exact(self.deadline.saturating_duration_since(Instant::now()));
        if left < timeout.after {
            NextTimeout {
                after: left,
                reason: ureq::Timeout::Connect,
                ..timeout
            }
        } else {
            timeout
        }
    }
}

impl UreqTransport for UntilOpen {
    fn buffers(&mut self) -> &mut dyn ureq::unversioned::transport::Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let timeout = self.bound(timeout);
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let timeout = self.bound(timeout);
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

impl fmt::Debug for UntilOpen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UntilOpen")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// `wss://h/p` → `https://h/p`, `ws://h/p` → `http://h/p`: ureq's
/// connectors choose TLS and default ports by the HTTP scheme. A `wss://`
/// address in a build without TLS is refused here, with what to enable.
fn http_equivalent(url: &Uri) -> Result<Uri, Failure> {
    let scheme = match url.scheme_str() {
        Some("wss") if !cfg!(any(feature = "rustls", feature = "native-tls")) => return Err(Failure::new(
            TransportKind::Tls,
            "the address is wss://, but this build has no TLS: enable the `rustls` or `native-tls` feature",
        )),
        Some("wss") => "https",
        Some("ws") => "http",
        _ => {
            return Err(Failure::new(
                TransportKind::Other,
                "the address is not a ws:// or wss:// URL",
            ))
        }
    };
    let authority = url
        .authority()
        .filter(|a| !a.host().is_empty())
        .ok_or_else(|| Failure::new(TransportKind::Other, "the address has no host"))?;
    let path = url.path_and_query().map_or("/", |p| p.as_str());
    Uri::builder()
        .scheme(scheme)
        .authority(authority.as_str())
        .path_and_query(path)
        .build()
        .map_err(|e| Failure::new(TransportKind::Other, format!("the address is not usable: {e}")))
}

fn next_timeout(after: Duration, reason: ureq::Timeout) -> NextTimeout {
    NextTimeout {
        after: UreqDuration::Exact(after),
        reason,
        per_read: None,
        per_write: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_addresses_map_to_their_http_schemes() {
        let uri: Uri = "wss://streaming.mypurecloud.com/channels/c1".parse().unwrap();
        if cfg!(any(feature = "rustls", feature = "native-tls")) {
            assert_eq!(
                http_equivalent(&uri).unwrap().to_string(),
                "https://streaming.mypurecloud.com/channels/c1"
            );
        } else {
            let refused = http_equivalent(&uri).unwrap_err();
            assert_eq!(refused.kind, TransportKind::Tls);
            assert!(
                refused.detail.contains("`rustls` or `native-tls`"),
                "{}",
                refused.detail
            );
        }
        let uri: Uri = "ws://127.0.0.1:9000/x?y=1".parse().unwrap();
        assert_eq!(
            http_equivalent(&uri).unwrap().to_string(),
            "http://127.0.0.1:9000/x?y=1"
        );
        for other in ["ftp://h/x", "https://h/x", "http://h/x"] {
            let uri: Uri = other.parse().unwrap();
            assert!(http_equivalent(&uri).is_err(), "{other}");
        }
    }
}
