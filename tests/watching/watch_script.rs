//! Scripted servers for watcher tests, on 127.0.0.1: a REST side that
//! answers the channel, subscription and bulk-read calls (the scripted
//! server of `tests/common/script_server.rs`, with a hook per request to
//! answer otherwise, or hang), and a WebSocket side that serves, pushes,
//! pings, closes, hangs up or trickles its handshake, as a test asks.
//! Channel `n` is `c{n}`, served at `/c{n}`.

use std::collections::{HashMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use genesys_presence::watch::{WatchBuilder, Watcher};
use genesys_presence::{PresenceEvent, RetryPolicy, Session};
use serde_json::json;
use tungstenite::Message;

use super::network::FAR_FUTURE;
use super::proxying::read_head;
use super::script_server::{hold, lock, Script, Server};
pub use super::script_server::{json as answer, Request, Step};

/// The notification channels' path.
pub const CHANNELS: &str = "/api/v2/notifications/channels";
/// The bulk read of Genesys Cloud presences.
pub const BULK: &str = "/api/v2/users/presences/purecloud/bulk";

pub fn far_future() -> Option<String> {
    Some(FAR_FUTURE.into())
}

/// The REST API of a watch: channel `n` is `c{n}` at `ws://…/c{n}`,
/// expiring when `expires` says; subscriptions are accepted as asked; bulk
/// reads answer `[]`; unless the test's `custom` answers first (given the
/// request and its number on its route, from 1).
pub struct Api {
    server: Server,
    /// When each channel creation was answered.
    made: Arc<Mutex<Vec<Instant>>>,
}

impl Api {
    pub fn start(
        ws: &Ws,
        expires: impl Fn() -> Option<String> + Send + Sync + 'static,
        custom: impl Fn(&Request, usize) -> Option<Step> + Send + Sync + 'static,
    ) -> Api {
        let made = Arc::new(Mutex::new(Vec::new()));
        let ws_port = ws.port;
        let hook = {
            let made = Arc::clone(&made);
            move |request: &Request| {
                let step =
                    custom(request, request.nth).unwrap_or_else(|| usual_answer(ws_port, &expires, request));
                if request.route() == format!("POST {CHANNELS}") && step.status() == Some(200) {
                    lock(&made).push(Instant::now());
                }
                Some(step)
            }
        };
        let server = Script::default().hook(hook).start();
        Api { server, made }
    }

    /// Channels that expire far ahead.
    pub fn plain(ws: &Ws) -> Api {
        Api::start(ws, far_future, |_, _| None)
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.server.requests()
    }

    /// Channel creations asked for (answered or not).
    pub fn channels_asked(&self) -> usize {
        let route = format!("POST {CHANNELS}");
        self.requests().iter().filter(|r| r.route() == route).count()
    }

    /// Channel creations answered.
    pub fn channels_made(&self) -> usize {
        lock(&self.made).len()
    }

    /// When each channel creation was answered.
    pub fn channel_times(&self) -> Vec<Instant> {
        lock(&self.made).clone()
    }

    /// The channel (`c{n}`) that `user` was first subscribed on.
    pub fn channel_of(&self, user: &str) -> Option<String> {
        self.requests().iter().find_map(|r| {
            let channel = r
                .path
                .strip_prefix(&format!("{CHANNELS}/"))?
                .strip_suffix("/subscriptions")?;
            String::from_utf8_lossy(&r.body)
                .contains(user)
                .then(|| channel.to_owned())
        })
    }
}

/// The answer of a well-behaved API: channel `n` (the `n`-th creation) on
/// the WebSocket server at `ws_port`, subscriptions as asked, no presences.
fn usual_answer(ws_port: u16, expires: &dyn Fn() -> Option<String>, request: &Request) -> Step {
    let route = request.route();
    if route == format!("POST {CHANNELS}") {
        let nth = request.nth;
        let mut channel = json!({
            "id": format!("c{nth}"),
            "connectUri": format!("ws://127.0.0.1:{ws_port}/c{nth}"),
        });
        if let Some(expires) = expires() {
            channel["expires"] = expires.into();
        }
        return answer(200, channel.to_string());
    }
    if request.path.starts_with(CHANNELS) && request.path.ends_with("/subscriptions") {
        let topics: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_else(|_| json!([]));
        return answer(200, json!({ "entities": topics }).to_string());
    }
    if request.method == "GET" && request.path == BULK {
        return answer(200, "[]");
    }
    answer(404, r#"{"message":"not scripted","status":404}"#)
}

// ------------------------------------------------------------ the WebSocket side

/// What a served socket does, in order, when the test asks for it.
pub enum Push {
    Text(String),
    /// A ping; its pong (counted by [`Ws::pongs`]) comes once the watcher
    /// has read, and handed over, everything sent before it.
    Ping,
    /// A Close frame; the TCP connection is left open (the server never
    /// closes it).
    CloseFrame,
    /// The TCP connection is closed, without a Close frame.
    HangUp,
    /// A binary message.
    Binary(Vec<u8>),
    /// A Close frame with a code and reason, then the TCP connection is closed.
    CloseWith(u16, String),
}

/// What the server does with its `n`-th connection (from 1).
pub enum Mode {
    /// The WebSocket handshake, then these pushes, then those queued for
    /// its path by [`Ws::push`], reading meanwhile.
    Serve(Vec<Push>),
    /// Reads the handshake request and answers it one byte every 0.4 s.
    Trickle,
}

#[derive(Default)]
pub struct WsShared {
    pub accepted: AtomicUsize,
    pub handshakes: AtomicUsize,
    pub pongs: AtomicUsize,
    /// When each [`Push::HangUp`] closed its connection.
    pub hung_up: Mutex<Vec<Instant>>,
    pub trickling: AtomicUsize,
    pub trickle_ended: AtomicUsize,
    pub queues: Mutex<HashMap<String, VecDeque<Push>>>,
    pub stop: AtomicBool,
}

/// A WebSocket server on 127.0.0.1 playing the notification service.
pub struct Ws {
    pub port: u16,
    pub shared: Arc<WsShared>,
}

impl Ws {
    pub fn start(mode: impl Fn(usize) -> Mode + Send + Sync + 'static) -> Ws {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(WsShared::default());
        let acceptor = Arc::clone(&shared);
        thread::spawn(move || {
            for tcp in listener.incoming() {
                if acceptor.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(tcp) = tcp else { continue };
                let n = acceptor.accepted.fetch_add(1, Ordering::SeqCst) + 1;
                let shared = Arc::clone(&acceptor);
                match mode(n) {
                    Mode::Serve(first) => thread::spawn(move || serve_ws(tcp, first, &shared)),
                    Mode::Trickle => thread::spawn(move || trickle(tcp, &shared)),
                };
            }
        });
        Ws { port, shared }
    }

    /// Queues pushes for the socket served at `path` (now or later).
    pub fn push(&self, path: &str, pushes: Vec<Push>) {
        lock(&self.shared.queues)
            .entry(path.to_owned())
            .or_default()
            .extend(pushes);
    }

    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    pub fn handshakes(&self) -> usize {
        self.shared.handshakes.load(Ordering::SeqCst)
    }

    pub fn pongs(&self) -> usize {
        self.shared.pongs.load(Ordering::SeqCst)
    }

    /// When each [`Push::HangUp`] closed its connection, in order.
    pub fn hung_up(&self) -> Vec<Instant> {
        lock(&self.shared.hung_up).clone()
    }

    /// Trickled handshakes under way (their request read).
    pub fn trickling(&self) -> usize {
        self.shared.trickling.load(Ordering::SeqCst)
    }

    /// Trickled handshakes the client gave up on (closed the connection).
    pub fn trickle_ended(&self) -> usize {
        self.shared.trickle_ended.load(Ordering::SeqCst)
    }
}

impl Drop for Ws {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(
            &(std::net::Ipv4Addr::LOCALHOST, self.port).into(),
            Duration::from_secs(1),
        );
    }
}

pub fn serve_ws(tcp: TcpStream, first: Vec<Push>, shared: &WsShared) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(raw) = tcp.try_clone() else { return };
    let mut path = String::new();
    #[allow(clippy::result_large_err)] // tungstenite's callback type
    let record = |request: &tungstenite::handshake::server::Request, response| {
        path = request.uri().path().to_owned();
        Ok(response)
    };
    let Ok(mut ws) = tungstenite::accept_hdr(tcp, record) else {
        return;
    };
    shared.handshakes.fetch_add(1, Ordering::SeqCst);
    let _ = raw.set_read_timeout(Some(Duration::from_millis(10)));
    let mut todo: VecDeque<Push> = first.into();
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        if let Some(queued) = lock(&shared.queues).get_mut(&path) {
            todo.extend(queued.drain(..));
        }
        while let Some(push) = todo.pop_front() {
            let sent = match push {
                Push::Text(text) => ws.write(Message::text(text)),
                Push::Ping => ws.write(Message::Ping(Default::default())),
                Push::CloseFrame => {
                    let _ = ws.close(None);
                    let _ = ws.flush();
                    // Leave TCP open: hold it until the client closes it or the test ends.
                    let mut held = raw;
                    hold(&mut held, &shared.stop);
                    return;
                }
                Push::Binary(data) => ws.write(Message::binary(data)),
                Push::CloseWith(code, reason) => {
                    let _ = ws.close(Some(tungstenite::protocol::CloseFrame {
                        code: code.into(),
                        reason: reason.into(),
                    }));
                    let _ = ws.flush();
                    let _ = raw.shutdown(Shutdown::Both);
                    lock(&shared.hung_up).push(Instant::now());
                    return;
                }
                Push::HangUp => {
                    let _ = ws.flush();
                    let _ = raw.shutdown(Shutdown::Both);
                    lock(&shared.hung_up).push(Instant::now());
                    return;
                }
            };
            if sent.is_err() {
                return;
            }
        }
        if ws.flush().is_err() {
            return;
        }
        match ws.read() {
            Ok(Message::Pong(_)) => {
                shared.pongs.fetch_add(1, Ordering::SeqCst);
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

/// Reads a handshake request and answers it one byte every 0.4 s, noting
/// when the client leaves.
pub fn trickle(mut tcp: TcpStream, shared: &WsShared) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
    if read_head(&mut tcp).is_none() {
        return;
    }
    shared.trickling.fetch_add(1, Ordering::SeqCst);
    let answer = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                   Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    let _ = tcp.set_read_timeout(Some(Duration::from_millis(50)));
    // Whether the client has closed the connection (waits up to 50 ms).
    let left = |tcp: &mut TcpStream| {
        let mut byte = [0u8; 1];
        match tcp.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(
                e.kind(),
                ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
            ),
        }
    };
    for byte in answer {
        for _ in 0..8 {
            if shared.stop.load(Ordering::SeqCst) {
                return;
            }
            if left(&mut tcp) {
                shared.trickle_ended.fetch_add(1, Ordering::SeqCst);
                return;
            }
        }
        if tcp.write_all(std::slice::from_ref(byte)).is_err() {
            shared.trickle_ended.fetch_add(1, Ordering::SeqCst);
            return;
        }
    }
}

// ------------------------------------------------------------ watching them

/// Tiny backoffs, so that a watcher that reconnects does so at once: what
/// bounds its channels is then the limit under test, not the wait.
pub fn builder() -> WatchBuilder {
    WatchBuilder::new().reconnect_backoff(Duration::from_millis(10), Duration::from_millis(50))
}

/// A session for `api`, with `retry` (a call that hangs is given up after 10 s,
/// longer than any test here waits).
pub fn session(api: &Api, retry: RetryPolicy) -> Session {
    Session::builder()
        .base_url(api.url())
        .access_token("test-token")
        .retry_policy(retry)
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// A watcher of `users` on `api`, without retries.
pub fn start(builder: WatchBuilder, api: &Api, users: &[&str]) -> Watcher {
    builder
        .users(users)
        .start(&session(api, RetryPolicy::none()))
        .unwrap()
}

/// Every item yielded until `run` has passed since `from` (calling
/// `next_timeout` for what is left), as text.
pub fn items_until(watcher: &mut Watcher, from: Instant, run: Duration) -> Vec<String> {
    let mut items = Vec::new();
    loop {
        let left = run.saturating_sub(from.elapsed());
        if left.is_zero() {
            return items;
        }
        if let Some(item) = watcher.next_timeout(left) {
            items.push(describe(&item));
        }
    }
}

/// An item as text: `event {user} {message:?}` or `error {error}`.
pub fn describe(item: &genesys_presence::Result<PresenceEvent>) -> String {
    match item {
        Ok(event) => format!("event {} {:?}", event.user_id, event.message),
        Err(error) => format!("error {error}"),
    }
}

/// Waits until `done` holds, for at most `limit`; returns how long it took.
#[track_caller]
pub fn within(what: &str, limit: Duration, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "not within {limit:?}: {what}");
        thread::sleep(Duration::from_millis(2));
    }
    start.elapsed()
}

/// A presence change of `user`, as the notification service pushes it.
pub fn presence(user: &str, definition: &str, message: &str, modified: &str) -> String {
    json!({
        "topicName": format!("v2.users.{user}.presence"),
        "eventBody": {
            "source": "PURECLOUD",
            "presenceDefinition": {"id": definition, "systemPresence": definition},
            "message": message,
            "modifiedDate": modified
        }
    })
    .to_string()
}

/// `2024-05-02T14:03:11.123Z` for `at`.
pub fn iso(at: SystemTime) -> String {
    let ms = at.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    let (secs, millis) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// The date of change `n` of a run: one millisecond apart, in order.
pub fn nth_date(n: u64) -> String {
    iso(UNIX_EPOCH + Duration::from_millis(1_800_000_000_000 + n))
}
