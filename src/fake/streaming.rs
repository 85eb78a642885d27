//! The notification WebSocket of the stand-in org, `ws://127.0.0.1:PORT/channels/{id}`
//! (behind a gateway, under its API prefix):
//! a listener thread, and one thread per socket that sends what the org
//! publishes ([`Outgoing`]) and a heartbeat, and answers the client's pings.
//! The REST side of channels is `notifications`; what both share, `channels`.

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::json;
use tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;
use tungstenite::{Message, WebSocket};

use super::channels::Outgoing;
use super::ids::uuid;
use super::state::State;
use super::url::percent_decode;

/// How long a socket thread waits for the client before looking at its outbox.
const POLL: Duration = Duration::from_millis(5);

type Threads = Arc<Mutex<Vec<JoinHandle<()>>>>;

/// The listener and every socket thread; dropping it closes every socket
/// and waits for the threads.
pub(super) struct Streaming {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    state: Arc<Mutex<State>>,
    listener: Option<JoinHandle<()>>,
    threads: Threads,
}

impl Streaming {
    /// Listens on `127.0.0.1` (a port the OS picks).
    pub(super) fn start(state: &Arc<Mutex<State>>) -> io::Result<Streaming> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let threads: Threads = Arc::default();
        let thread = {
            let (stop, state, threads) = (Arc::clone(&stop), Arc::clone(state), Arc::clone(&threads));
            std::thread::Builder::new()
                .name("genesys-fake-streaming".into())
                .spawn(move || accept_loop(&listener, &stop, &state, &threads))?
        };
        Ok(Streaming {
            address,
            stop,
            state: Arc::clone(state),
            listener: Some(thread),
            threads,
        })
    }

    /// `ws://127.0.0.1:PORT`.
    pub(super) fn url(&self) -> String {
        format!("ws://{}", self.address)
    }
}

impl Drop for Streaming {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the listener's accept.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(thread) = self.listener.take() {
            let _ = thread.join();
        }
        lock(&self.state).notifications.tell_all(|| Outgoing::Drop);
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(PoisonError::into_inner));
        for thread in threads {
            let _ = thread.join();
        }
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

fn accept_loop(listener: &TcpListener, stop: &AtomicBool, state: &Arc<Mutex<State>>, threads: &Threads) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let state = Arc::clone(state);
        let spawned = std::thread::Builder::new()
            .name("genesys-fake-socket".into())
            .spawn(move || serve(stream, &state));
        if let Ok(handle) = spawned {
            let mut threads = threads.lock().unwrap_or_else(PoisonError::into_inner);
            threads.retain(|t| !t.is_finished());
            threads.push(handle);
        }
    }
}

/// The handshake (404 for an unknown or expired channel, or a path outside
/// the gateway's API prefix), then the socket's life.
fn serve(stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let Ok(tcp) = stream.try_clone() else { return };
    // The socket joins its channel before the handshake's answer leaves, so
    // a change made as soon as the client is connected reaches it.
    let (outbox, inbox) = mpsc::channel();
    let mut attached = None;
    // tungstenite's callback type: its error is a whole HTTP response.
    #[allow(clippy::result_large_err)]
    let check = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        let path = request.uri().path();
        let mut state = lock(state);
        let id = state
            .gateway
            .admit_socket(path)
            .and_then(|rest| rest.strip_prefix("/channels/"))
            .map(|id| percent_decode(id, false));
        if let Some(id) = id {
            let heartbeat = state.notifications.heartbeat_interval;
            if state.notifications.live_channel(&id).is_some() {
                if let Some((number, expires_at)) = state.notifications.attach(&id, outbox) {
                    attached = Some((id, number, expires_at, heartbeat));
                    return Ok(response);
                }
            }
        }
        let mut refusal = ErrorResponse::new(Some(format!("no channel at {path}")));
        *refusal.status_mut() = tungstenite::http::StatusCode::NOT_FOUND;
        Err(refusal)
    };
    let handshake = tungstenite::accept_hdr(stream, check).ok();
    let Some((channel_id, number, expires_at, heartbeat)) = attached else {
        return;
    };
    let Some(ws) = handshake else {
        lock(state).notifications.detach(&channel_id, number);
        return;
    };
    let _ = tcp.set_read_timeout(Some(POLL));
    run(ws, &tcp, &inbox, heartbeat, expires_at);
    let _ = tcp.shutdown(Shutdown::Both);
    lock(state).notifications.detach(&channel_id, number);
}

/// Sends what comes in the inbox and a heartbeat every `heartbeat`, answers
/// pings, and ends when the client closes, when told to, or when the
/// channel expires (with a close frame).
fn run(
    mut ws: WebSocket<TcpStream>,
    tcp: &TcpStream,
    inbox: &Receiver<Outgoing>,
    heartbeat: Duration,
    expires_at: Instant,
) {
    let mut silent = false;
    let mut next_heartbeat = Instant::now() + heartbeat;
    loop {
        loop {
            match inbox.try_recv() {
                Ok(Outgoing::Text(text)) if !silent => {
                    if ws.send(Message::text(text)).is_err() {
                        return;
                    }
                }
                Ok(Outgoing::Text(_)) => {}
                Ok(Outgoing::Silence) => silent = true,
                Ok(Outgoing::Close) => return close(ws, "closed by the stand-in org"),
                Ok(Outgoing::Drop) | Err(TryRecvError::Disconnected) => {
                    let _ = tcp.shutdown(Shutdown::Both);
                    return;
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        let now = Instant::now();
        if now >= expires_at {
            return close(ws, "channel expired");
        }
        if now >= next_heartbeat {
            next_heartbeat = now + heartbeat;
            if !silent && ws.send(Message::text(metadata("WebSocket Heartbeat"))).is_err() {
                return;
            }
        }
        match ws.read() {
            // The .NET SDK's ping: `{"message":"ping"}`, answered on channel.metadata.
            Ok(Message::Text(text)) => {
                let asked: serde_json::Value = serde_json::from_str(text.as_str()).unwrap_or_default();
                if asked["message"] == "ping" && !silent && ws.send(Message::text(metadata("pong"))).is_err()
                {
                    return;
                }
            }
            Ok(Message::Close(_)) => {
                // tungstenite has queued the answer; send it, then the client closes.
                let _ = ws.flush();
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) =>
            {
                let _ = ws.flush();
            }
            Err(_) => return,
        }
    }
}

fn close(mut ws: WebSocket<TcpStream>, reason: &'static str) {
    let frame = CloseFrame {
        code: CloseCode::Normal,
        reason: reason.into(),
    };
    let _ = ws.close(Some(frame));
    let _ = ws.flush();
    // Give the client a moment to answer the close frame.
    let until = Instant::now() + Duration::from_millis(200);
    while Instant::now() < until {
        match ws.read() {
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

/// A `channel.metadata` message (heartbeats and pong).
fn metadata(message: &str) -> String {
    json!({
        "topicName": "channel.metadata",
        "eventBody": {"message": message},
        "metadata": {"CorrelationId": uuid()},
    })
    .to_string()
}
