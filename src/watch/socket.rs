//! The notification WebSocket: connecting (TCP, TLS with the TLS ureq uses,
//! the handshake) and the reader thread that turns messages into [`Signal`]s.
//!
//! The socket takes no token: the channel's `connectUri` is the whole address.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tungstenite::http::Uri;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{ClientRequestBuilder, HandshakeError, Message, WebSocket};

use crate::models::{user_of_presence_topic, NotificationMessage, PresenceEvent};
use crate::{Error, Result, TransportKind};

/// The longest one blocking read lasts, so that a stop request is seen even
/// where shutting the socket down does not wake a reader.
const READ_SLICE: Duration = Duration::from_secs(1);

/// The largest message read (presence events are a few hundred bytes).
const MAX_MESSAGE: usize = 1024 * 1024;

/// What a reader thread reports to the watcher. `link` is the number of the
/// connection it reads, so that reports of a replaced connection are ignored.
pub(super) enum Signal {
    /// A presence change.
    Presence { link: u64, event: PresenceEvent },
    /// A message that could not be read as a presence event (reported, not fatal).
    Unreadable { link: u64, error: Error },
    /// `v2.system.socket_closing`: the server is about to close the socket.
    Closing { link: u64 },
    /// The connection ended or went silent; the reader has stopped.
    Lost { link: u64, error: Error },
    /// A [`StopHandle`](super::StopHandle) asked the watcher to close.
    Stop,
}

/// A byte stream to the server: plain TCP, or TLS over it.
enum Stream {
    Plain(TcpStream),
    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    Rustls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
    #[cfg(feature = "native-tls")]
    NativeTls(Box<native_tls::TlsStream<TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
            Stream::Rustls(s) => s.read(buf),
            #[cfg(feature = "native-tls")]
            Stream::NativeTls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
            Stream::Rustls(s) => s.write(buf),
            #[cfg(feature = "native-tls")]
            Stream::NativeTls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
            Stream::Rustls(s) => s.flush(),
            #[cfg(feature = "native-tls")]
            Stream::NativeTls(s) => s.flush(),
        }
    }
}

/// An open WebSocket, before its reader thread starts.
pub(super) struct Socket {
    ws: WebSocket<Stream>,
    /// A handle to the same TCP socket, to set timeouts and shut it down.
    tcp: TcpStream,
    host: String,
}

/// Where and how to connect.
pub(super) struct Connect<'a> {
    pub(super) uri: &'a str,
    pub(super) connect_timeout: Duration,
    /// Bounds each step of the handshake.
    pub(super) timeout: Duration,
    pub(super) user_agent: &'a str,
}

/// Opens the WebSocket of a channel.
pub(super) fn connect(how: &Connect<'_>) -> Result<Socket> {
    let uri: Uri = how.uri.parse().map_err(|_| {
        socket_error(
            "(unknown host)",
            TransportKind::Other,
            "the connectUri is not a URL",
        )
    })?;
    let host = uri.host().unwrap_or_default().to_owned();
    let fail = |kind: TransportKind, detail: String| socket_error(&host, kind, detail);
    let tls = match uri.scheme_str() {
        Some("wss") => true,
        Some("ws") => false,
        _ => {
            return Err(fail(
                TransportKind::Other,
                "the connectUri is not a ws:// or wss:// URL".into(),
            ))
        }
    };
    if host.is_empty() {
        return Err(fail(TransportKind::Other, "the connectUri has no host".into()));
    }
    let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = (bare_host, port)
        .to_socket_addrs()
        .map_err(|e| fail(TransportKind::Dns, e.to_string()))?
        .collect();
    let tcp = connect_any(&addresses, how.connect_timeout).map_err(|e| {
        let kind = match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportKind::Timeout,
            _ => TransportKind::Connect,
        };
        fail(kind, e.to_string())
    })?;
    let io = |e: io::Error| fail(TransportKind::Io, e.to_string());
    tcp.set_nodelay(true).map_err(io)?;
    tcp.set_read_timeout(Some(how.timeout)).map_err(io)?;
    tcp.set_write_timeout(Some(how.timeout)).map_err(io)?;
    let control = tcp.try_clone().map_err(io)?;
    let stream = if tls {
        wrap_tls(tcp, bare_host).map_err(|detail| fail(TransportKind::Tls, detail))?
    } else {
        Stream::Plain(tcp)
    };
    let request = ClientRequestBuilder::new(uri).with_header("User-Agent", how.user_agent);
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
        .read_buffer_size(16 * 1024)
        .write_buffer_size(0);
    let (ws, _response) =
        tungstenite::client::client_with_config(request, stream, Some(config)).map_err(|e| match e {
            HandshakeError::Interrupted(_) => fail(TransportKind::Timeout, "the handshake timed out".into()),
            HandshakeError::Failure(e) => {
                let (kind, detail) = classify(&e);
                fail(kind, format!("handshake failed: {detail}"))
            }
        })?;
    Ok(Socket {
        ws,
        tcp: control,
        host,
    })
}

fn connect_any(addresses: &[SocketAddr], timeout: Duration) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
    for address in addresses {
        match TcpStream::connect_timeout(address, timeout) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// TLS as ureq does it: native-tls when that feature is on, else rustls with
/// the ring provider and the webpki roots.
#[allow(unused_variables)]
fn wrap_tls(tcp: TcpStream, host: &str) -> std::result::Result<Stream, String> {
    #[cfg(feature = "native-tls")]
    {
        let connector = native_tls::TlsConnector::new().map_err(|e| e.to_string())?;
        let stream = connector.connect(host, tcp).map_err(|e| e.to_string())?;
        Ok(Stream::NativeTls(Box::new(stream)))
    }
    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    {
        let name = rustls::pki_types::ServerName::try_from(host.to_owned())
            .map_err(|_| format!("{host:?} is not a valid TLS server name"))?;
        let connection = rustls::ClientConnection::new(rustls_config()?, name).map_err(|e| e.to_string())?;
        Ok(Stream::Rustls(Box::new(rustls::StreamOwned::new(
            connection, tcp,
        ))))
    }
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    {
        Err("the connectUri is wss://, but this build has no TLS: enable `rustls` or `native-tls`".into())
    }
}

#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
fn rustls_config() -> std::result::Result<Arc<rustls::ClientConfig>, String> {
    use std::sync::OnceLock;
    static CONFIG: OnceLock<std::result::Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Ok(Arc::new(config))
        })
        .clone()
}

/// A running reader: its thread and how to stop it.
pub(super) struct Reader {
    stop: Arc<AtomicBool>,
    tcp: TcpStream,
    thread: Option<JoinHandle<()>>,
}

impl Reader {
    /// Starts the reader thread of `socket`, reporting to `signals` as `link`.
    /// A socket that stays silent (not even a heartbeat) for
    /// `heartbeat_timeout` is reported lost.
    pub(super) fn start(
        socket: Socket,
        link: u64,
        signals: Sender<Signal>,
        heartbeat_timeout: Duration,
    ) -> Result<Reader> {
        let stop = Arc::new(AtomicBool::new(false));
        let tcp = socket
            .tcp
            .try_clone()
            .map_err(|e| socket_error(&socket.host, TransportKind::Io, e.to_string()))?;
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("genesys-presence-watch".into())
                .spawn(move || read_loop(socket, link, &signals, heartbeat_timeout, &stop))
                .map_err(|e| Error::Config(format!("watch: cannot start the socket reader thread: {e}")))?
        };
        Ok(Reader {
            stop,
            tcp,
            thread: Some(thread),
        })
    }

    /// Closes the socket (with a close frame when it still can) and waits
    /// for the thread to end.
    pub(super) fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes a blocked read; the writing half stays open for the close frame.
        let _ = self.tcp.shutdown(Shutdown::Read);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = self.tcp.shutdown(Shutdown::Both);
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.halt();
    }
}

fn read_loop(
    socket: Socket,
    link: u64,
    signals: &Sender<Signal>,
    heartbeat_timeout: Duration,
    stop: &AtomicBool,
) {
    let Socket { mut ws, tcp, host } = socket;
    let mut last_heard = Instant::now();
    let lost = |kind: TransportKind, detail: String| Signal::Lost {
        link,
        error: socket_error(&host, kind, detail),
    };
    loop {
        if stop.load(Ordering::SeqCst) {
            return goodbye(ws, &tcp);
        }
        let remaining = heartbeat_timeout.saturating_sub(last_heard.elapsed());
        if remaining.is_zero() {
            let _ = signals.send(lost(
                TransportKind::Timeout,
                format!(
                    "no message, not even a heartbeat, for {} ms",
                    heartbeat_timeout.as_millis()
                ),
            ));
            return goodbye(ws, &tcp);
        }
        let _ = tcp.set_read_timeout(Some(remaining.clamp(Duration::from_millis(1), READ_SLICE)));
        match ws.read() {
            Ok(Message::Text(text)) => {
                last_heard = Instant::now();
                if let Some(signal) = interpret(link, &host, text.as_str()) {
                    let closing = matches!(signal, Signal::Closing { .. });
                    if signals.send(signal).is_err() || closing {
                        return goodbye(ws, &tcp);
                    }
                }
            }
            Ok(_) => {
                // Ping (answered by tungstenite on the next write), pong,
                // binary, close: all prove the peer is there.
                last_heard = Instant::now();
                let _ = ws.flush();
            }
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(e) => {
                if !stop.load(Ordering::SeqCst) {
                    let (kind, detail) = match e {
                        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
                            (TransportKind::Io, "closed by the server".to_owned())
                        }
                        other => classify(&other),
                    };
                    let _ = signals.send(lost(kind, detail));
                }
                return;
            }
        }
    }
}

/// Sends a close frame, without waiting long for a peer that may be gone;
/// dropping the socket then closes the connection.
fn goodbye(mut ws: WebSocket<Stream>, tcp: &TcpStream) {
    let _ = tcp.set_write_timeout(Some(READ_SLICE));
    let _ = ws.close(None);
    let _ = ws.flush();
}

/// Reads one text message: presence events, `socket_closing`, and nothing
/// for heartbeats and topics that are not presence.
fn interpret(link: u64, host: &str, text: &str) -> Option<Signal> {
    let message: NotificationMessage = match serde_json::from_str(text) {
        Ok(message) => message,
        Err(e) => {
            return Some(Signal::Unreadable {
                link,
                error: socket_error(host, TransportKind::Other, format!("a message is not JSON: {e}")),
            })
        }
    };
    let topic = message.topic_name.as_deref().unwrap_or_default();
    if topic == "v2.system.socket_closing" {
        return Some(Signal::Closing { link });
    }
    let user_id = user_of_presence_topic(topic)?;
    let body = message.event_body.unwrap_or_default();
    match serde_json::from_value::<PresenceEvent>(body) {
        Ok(mut event) => {
            event.user_id = user_id.to_owned();
            Some(Signal::Presence { link, event })
        }
        Err(e) => Some(Signal::Unreadable {
            link,
            error: socket_error(
                host,
                TransportKind::Other,
                format!("the event on {topic} is not a presence event: {e}"),
            ),
        }),
    }
}

fn classify(error: &tungstenite::Error) -> (TransportKind, String) {
    let kind = match error {
        tungstenite::Error::Io(e) => match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportKind::Timeout,
            _ => TransportKind::Io,
        },
        tungstenite::Error::Tls(_) => TransportKind::Tls,
        tungstenite::Error::Capacity(_) => TransportKind::TooLarge,
        tungstenite::Error::Http(_) | tungstenite::Error::Protocol(_) => TransportKind::Io,
        _ => TransportKind::Other,
    };
    let detail = match error {
        tungstenite::Error::Http(response) => format!("the server answered {}", response.status()),
        other => other.to_string(),
    };
    (kind, detail)
}

/// An [`Error::Socket`]; the detail starts with the kind of failure, unless
/// it is [`TransportKind::Other`] (a message that could not be read, say).
pub(super) fn socket_error(host: &str, kind: TransportKind, detail: impl Into<String>) -> Error {
    let detail = detail.into();
    Error::Socket {
        host: host.to_owned(),
        kind,
        detail: if kind == TransportKind::Other {
            detail
        } else {
            format!("{kind}: {detail}")
        },
    }
}
