//! The notification WebSocket: the handshake over a connection the
//! session's [`Transport`] opens (with its proxy and TLS), and the reader
//! thread that turns messages into [`Signal`]s.
//!
//! The socket takes no token: the channel's `connectUri` is the whole
//! address. The handshake carries the session's `User-Agent` and the
//! caller's own headers.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tungstenite::http::Uri;
use tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tungstenite::{ClientRequestBuilder, HandshakeError, Message, WebSocket};

use super::config::READ_LIMIT;
use crate::error::Repr;
use crate::models::{user_of_presence_topic, NotificationMessage, PresenceEvent};
use crate::secret::Redactor;
use crate::transport::{self, Stream, StreamStop, Transport};
use crate::{Error, Result, TransportKind};

/// The longest one blocking read lasts, so that a stop request is seen even
/// where shutting the socket down does not wake a reader.
const READ_SLICE: Duration = Duration::from_secs(1);

/// What a reader thread reports about its connection. `link` is the number
/// of the connection it reads, so that reports of a replaced connection
/// are ignored.
// Most signals are presence changes: boxing them would cost an
// allocation per event to shrink the rarer others.
#[allow(clippy::large_enum_variant)]
pub(super) enum Signal {
    /// A presence change.
    Presence { link: u64, event: PresenceEvent },
    /// A message that is not a change (a heartbeat, another topic).
    Heard { link: u64 },
    /// A message that could not be read as a presence event, or too large
    /// (reported, not fatal).
    Unreadable { link: u64, error: Error },
    /// The connection ended, went silent, or the server announced it is
    /// closing it (`closing`); the reader has stopped.
    Ended { link: u64, closing: bool, error: Error },
}

/// Where a reader thread reports, from its own thread.
pub(super) trait Report: Send + Sync + 'static {
    fn report(&self, signal: Signal);
}

/// What a reader needs besides its socket.
pub(super) struct ReaderSettings {
    pub(super) link: u64,
    pub(super) heartbeat_timeout: Duration,
    pub(super) max_message_size: usize,
}

/// An open WebSocket, before its reader thread starts.
pub(super) struct Socket {
    ws: WebSocket<Stream>,
    stop: StreamStop,
    host: String,
}

/// Opens the WebSocket at `address` (a channel's `connectUri`) through
/// `transport`: its proxy, its TLS settings, its connect timeout; the
/// handshake is bounded by its timeout.
pub(super) fn connect(transport: &Transport, address: &str, stop: &StreamStop) -> Result<Socket> {
    let uri: Uri = address.parse().map_err(|_| {
        socket_error(
            "(unknown host)",
            TransportKind::Other,
            "the connectUri is not a URL",
        )
    })?;
    let host = uri.host().unwrap_or_default().to_owned();
    let stream = transport.open_stream(&uri, stop).map_err(|failure| {
        log::debug!("WebSocket GET {host}: no connection ({})", failure.kind);
        socket_error(&host, failure.kind, failure.detail)
    })?;
    let stop = stream.stopper();
    // The session's header value, byte for byte as REST calls send it (it
    // was made from a `String`, so it is UTF-8, but not always ASCII).
    let user_agent = String::from_utf8_lossy(transport.user_agent().as_bytes());
    let mut request = ClientRequestBuilder::new(uri).with_header("User-Agent", user_agent);
    // The caller's own headers, checked as visible ASCII when the session was built.
    for (name, value) in transport.custom_headers().iter() {
        request = request.with_header(name.as_str(), String::from_utf8_lossy(value.as_bytes()));
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(READ_LIMIT))
        .max_frame_size(Some(READ_LIMIT))
        .read_buffer_size(16 * 1024)
        .write_buffer_size(0);
    let started = Instant::now();
    let (ws, response) =
        tungstenite::client::client_with_config(request, stream, Some(config)).map_err(|e| {
            let error = match e {
                HandshakeError::Interrupted(_) => {
                    socket_error(&host, TransportKind::Timeout, "the handshake timed out")
                }
                HandshakeError::Failure(e) => {
                    let (kind, detail) = classify(e);
                    socket_error(&host, kind, format!("handshake failed: {detail}"))
                }
            };
            log::debug!("WebSocket GET {host}: {error}");
            error
        })?;
    // The address is the channel's, which is all it takes to read it: only its host is logged.
    log::debug!(
        "WebSocket GET {host}: {} in {} ms",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    Ok(Socket { ws, stop, host })
}

/// A running reader: its thread and how to stop it.
pub(super) struct Reader {
    /// The socket's own stop: shuts its connection down, and tells the
    /// thread it was asked to end.
    stop: StreamStop,
    thread: Option<JoinHandle<()>>,
}

impl Reader {
    /// Starts the reader thread of `socket`, reporting to `report`. A
    /// socket that stays silent (not even a heartbeat) for the heartbeat
    /// timeout is reported ended.
    pub(super) fn start(socket: Socket, settings: ReaderSettings, report: Arc<dyn Report>) -> Result<Reader> {
        let stop = socket.stop.clone();
        let thread = std::thread::Builder::new()
            .name("genesys-presence-watch".into())
            .spawn(move || read_loop(socket, &settings, &*report))
            .map_err(|e| Error::system(format!("watch: cannot start the socket reader thread: {e}")))?;
        Ok(Reader {
            stop,
            thread: Some(thread),
        })
    }

    /// Closes the connection and waits for the thread to end.
    pub(super) fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        // Wakes a blocked read at once; the thread then sees it was stopped.
        self.stop.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.halt();
    }
}

fn read_loop(socket: Socket, settings: &ReaderSettings, report: &dyn Report) {
    let Socket { mut ws, stop, host } = socket;
    let link = settings.link;
    let mut last_heard = Instant::now();
    let ended = |kind: TransportKind, detail: String| Signal::Ended {
        link,
        closing: false,
        error: socket_error(&host, kind, detail),
    };
    loop {
        if stop.is_stopped() {
            return goodbye(ws);
        }
        let remaining = settings.heartbeat_timeout.saturating_sub(last_heard.elapsed());
        if remaining.is_zero() {
            report.report(ended(
                TransportKind::Timeout,
                format!(
                    "no message, not even a heartbeat, for {} ms",
                    settings.heartbeat_timeout.as_millis()
                ),
            ));
            return goodbye(ws);
        }
        ws.get_mut()
            .set_timeout(remaining.clamp(Duration::from_millis(1), READ_SLICE));
        let signal = match ws.read() {
            Ok(Message::Text(text)) => {
                last_heard = Instant::now();
                if text.len() > settings.max_message_size {
                    too_large(link, &host, text.len(), settings.max_message_size)
                } else {
                    interpret(link, &host, text.as_str())
                }
            }
            Ok(Message::Binary(data)) => {
                last_heard = Instant::now();
                Signal::Unreadable {
                    link,
                    error: socket_error(
                        &host,
                        TransportKind::Other,
                        format!("a binary message of {} bytes is not a notification", data.len()),
                    ),
                }
            }
            Ok(Message::Close(frame)) => {
                // The server ends the WebSocket, whether or not it closes
                // the connection: replace it now rather than at the
                // heartbeat timeout.
                report.report(ended(TransportKind::Io, closed_by_server(frame.as_ref())));
                return goodbye(ws);
            }
            Ok(_) => {
                // Ping (answered by tungstenite on the next write) or pong:
                // the peer is there.
                last_heard = Instant::now();
                let _ = ws.flush();
                continue;
            }
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                if !stop.is_stopped() {
                    report.report(ended(TransportKind::Io, "closed by the server".to_owned()));
                }
                return;
            }
            Err(e) => match classify(e) {
                // The read slice ended: look at the clock and read again.
                (TransportKind::Timeout, _) => continue,
                (kind, detail) => {
                    if !stop.is_stopped() {
                        if kind == TransportKind::TooLarge {
                            // Cannot be skipped: said once, then replaced.
                            let detail = format!("{detail} (a message over {READ_LIMIT} bytes)");
                            report.report(Signal::Unreadable {
                                link,
                                error: socket_error(&host, kind, detail.clone()),
                            });
                            report.report(ended(kind, detail));
                        } else {
                            report.report(ended(kind, detail));
                        }
                    }
                    return;
                }
            },
        };
        let closing = matches!(signal, Signal::Ended { .. });
        report.report(signal);
        if closing {
            return goodbye(ws);
        }
    }
}

/// The error for a text message over `max` bytes.
fn too_large(link: u64, host: &str, size: usize, max: usize) -> Signal {
    Signal::Unreadable {
        link,
        error: socket_error(
            host,
            TransportKind::TooLarge,
            format!("a message of {size} bytes is over the {max}-byte limit (max_message_size); skipped"),
        ),
    }
}

/// What a close frame from the server says.
fn closed_by_server(frame: Option<&CloseFrame>) -> String {
    match frame {
        None => "the server closed the WebSocket".to_owned(),
        Some(frame) => {
            let reason: String = frame
                .reason
                .chars()
                .take(120)
                .filter(|c| !c.is_control())
                .collect();
            format!(
                "the server closed the WebSocket (code {}{}{})",
                u16::from(frame.code),
                if reason.is_empty() { "" } else { ": " },
                reason
            )
        }
    }
}

/// Sends a close frame, without waiting long for a peer that may be gone;
/// dropping the socket then closes the connection.
fn goodbye(mut ws: WebSocket<Stream>) {
    ws.get_mut().set_timeout(READ_SLICE);
    let _ = ws.close(None);
    let _ = ws.flush();
}

/// Reads one text message: a presence event, `socket_closing`, or
/// something else heard (heartbeats, topics that are not presence).
fn interpret(link: u64, host: &str, text: &str) -> Signal {
    let message: NotificationMessage = match serde_json::from_str(text) {
        Ok(message) => message,
        Err(e) => {
            return Signal::Unreadable {
                link,
                error: socket_error(host, TransportKind::Other, format!("a message is not JSON: {e}")),
            }
        }
    };
    let topic = message.topic_name.as_deref().unwrap_or_default();
    log::trace!("connection {link}: a {}-byte message on {topic:?}", text.len());
    if topic == "v2.system.socket_closing" {
        let kind = message
            .event_body
            .as_ref()
            .and_then(|body| body.get("systemTopicType"))
            .and_then(|kind| kind.as_str())
            .map(|kind| {
                kind.chars()
                    .take(60)
                    .filter(|c| !c.is_control())
                    .collect::<String>()
            })
            .unwrap_or_else(|| "no reason given".to_owned());
        return Signal::Ended {
            link,
            closing: true,
            error: socket_error(
                host,
                TransportKind::Io,
                format!("the server is closing the channel (socket_closing: {kind})"),
            ),
        };
    }
    let Some(user_id) = user_of_presence_topic(topic) else {
        return Signal::Heard { link };
    };
    let body = message.event_body.unwrap_or_default();
    match serde_json::from_value::<PresenceEvent>(body) {
        Ok(mut event) => {
            event.user_id = user_id.to_owned();
            Signal::Presence { link, event }
        }
        Err(e) => Signal::Unreadable {
            link,
            error: socket_error(
                host,
                TransportKind::Other,
                format!("the event on {topic} is not a presence event: {e}"),
            ),
        },
    }
}

/// The kind and text of a WebSocket failure; I/O failures are sorted as
/// the transport sorts those of REST calls.
fn classify(error: tungstenite::Error) -> (TransportKind, String) {
    match error {
        tungstenite::Error::Io(e) => {
            let failure = transport::failure_of_io(e);
            (failure.kind, failure.detail)
        }
        tungstenite::Error::Tls(e) => (TransportKind::Tls, e.to_string()),
        tungstenite::Error::Capacity(e) => (TransportKind::TooLarge, e.to_string()),
        tungstenite::Error::Http(response) => (
            TransportKind::Io,
            format!("the server answered {}", response.status()),
        ),
        e @ tungstenite::Error::Protocol(_) => (TransportKind::Io, e.to_string()),
        other => (TransportKind::Other, other.to_string()),
    }
}

/// A [`Socket`](crate::ErrorKind::Socket) error; the detail starts with the kind of failure, unless
/// it is [`TransportKind::Other`] (a message that could not be read, say).
pub(super) fn socket_error(host: &str, kind: TransportKind, detail: impl Into<String>) -> Error {
    let detail = detail.into();
    Error::from(Repr::Socket {
        host: host.to_owned(),
        kind,
        detail: if kind == TransportKind::Other {
            detail
        } else {
            format!("{kind}: {detail}")
        },
    })
    .bounded(&Redactor::default())
}
