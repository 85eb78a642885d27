//! The notification WebSocket: the handshake over a connection the
//! session's [`Transport`] opens (with its proxy and TLS), and the reader
//! thread that turns messages into [`Signal`]s.
//!
//! The socket takes no token: the channel's `connectUri` is the whole address.

use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tungstenite::http::Uri;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{ClientRequestBuilder, HandshakeError, Message, WebSocket};

use crate::models::{user_of_presence_topic, NotificationMessage, PresenceEvent};
use crate::transport::{self, Stream, StreamStop, Transport};
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
    let stream = transport
        .open_stream(&uri, stop)
        .map_err(|failure| socket_error(&host, failure.kind, failure.detail))?;
    let stop = stream.stopper();
    // The session's header value, byte for byte as REST calls send it (it
    // was made from a `String`, so it is UTF-8, but not always ASCII).
    let user_agent = String::from_utf8_lossy(transport.user_agent().as_bytes());
    let request = ClientRequestBuilder::new(uri).with_header("User-Agent", user_agent);
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
        .read_buffer_size(16 * 1024)
        .write_buffer_size(0);
    let (ws, _response) =
        tungstenite::client::client_with_config(request, stream, Some(config)).map_err(|e| match e {
            HandshakeError::Interrupted(_) => {
                socket_error(&host, TransportKind::Timeout, "the handshake timed out")
            }
            HandshakeError::Failure(e) => {
                let (kind, detail) = classify(e);
                socket_error(&host, kind, format!("handshake failed: {detail}"))
            }
        })?;
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
    /// Starts the reader thread of `socket`, reporting to `signals` as `link`.
    /// A socket that stays silent (not even a heartbeat) for
    /// `heartbeat_timeout` is reported lost.
    pub(super) fn start(
        socket: Socket,
        link: u64,
        signals: Sender<Signal>,
        heartbeat_timeout: Duration,
    ) -> Result<Reader> {
        let stop = socket.stop.clone();
        let thread = std::thread::Builder::new()
            .name("genesys-presence-watch".into())
            .spawn(move || read_loop(socket, link, &signals, heartbeat_timeout))
            .map_err(|e| Error::Config(format!("watch: cannot start the socket reader thread: {e}")))?;
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

fn read_loop(socket: Socket, link: u64, signals: &Sender<Signal>, heartbeat_timeout: Duration) {
    let Socket { mut ws, stop, host } = socket;
    let mut last_heard = Instant::now();
    let lost = |kind: TransportKind, detail: String| Signal::Lost {
        link,
        error: socket_error(&host, kind, detail),
    };
    loop {
        if stop.is_stopped() {
            return goodbye(ws);
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
            return goodbye(ws);
        }
        ws.get_mut()
            .set_timeout(remaining.clamp(Duration::from_millis(1), READ_SLICE));
        match ws.read() {
            Ok(Message::Text(text)) => {
                last_heard = Instant::now();
                if let Some(signal) = interpret(link, &host, text.as_str()) {
                    let closing = matches!(signal, Signal::Closing { .. });
                    if signals.send(signal).is_err() || closing {
                        return goodbye(ws);
                    }
                }
            }
            Ok(_) => {
                // Ping (answered by tungstenite on the next write), pong,
                // binary, close: all prove the peer is there.
                last_heard = Instant::now();
                let _ = ws.flush();
            }
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                if !stop.is_stopped() {
                    let _ = signals.send(lost(TransportKind::Io, "closed by the server".to_owned()));
                }
                return;
            }
            Err(e) => match classify(e) {
                // The read slice ended: look at the clock and read again.
                (TransportKind::Timeout, _) => {}
                (kind, detail) => {
                    if !stop.is_stopped() {
                        let _ = signals.send(lost(kind, detail));
                    }
                    return;
                }
            },
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
