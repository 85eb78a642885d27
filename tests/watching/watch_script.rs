//! Scripted servers for watcher tests, on 127.0.0.1: a REST side that
//! answers the channel, subscription and bulk-read calls (with a hook per
//! request to answer otherwise, or hang), and a WebSocket side that serves,
//! pushes, pings, closes, hangs up or trickles its handshake, as a test asks.
//! Channel `n` is `c{n}`, served at `/c{n}`.

use std::collections::{HashMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use genesys_presence::watch::{WatchBuilder, Watcher};
use genesys_presence::{PresenceEvent, RetryPolicy, Session};
use serde_json::json;
use tungstenite::Message;

use super::network::FAR_FUTURE;
use super::proxying::read_head;

/// The notification channels' path.
pub const CHANNELS: &str = "/api/v2/notifications/channels";
/// The bulk read of Genesys Cloud presences.
pub const BULK: &str = "/api/v2/users/presences/purecloud/bulk";

pub fn far_future() -> Option<String> {
    Some(FAR_FUTURE.into())
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: Vec<u8>,
}

impl Request {
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

pub enum Answer {
    Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// No answer: the connection is held until the client leaves.
    Hang,
}

impl Answer {
    pub fn json(status: u16, body: impl Into<String>) -> Answer {
        Answer::Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    pub fn header(self, name: &str, value: &str) -> Answer {
        match self {
            Answer::Reply {
                status,
                mut headers,
                body,
            } => {
                headers.push((name.into(), value.into()));
                Answer::Reply {
                    status,
                    headers,
                    body,
                }
            }
            Answer::Hang => Answer::Hang,
        }
    }
}

pub type Expires = dyn Fn() -> Option<String> + Send + Sync;
/// A test's own answer to a request (and the number of that request on
/// its route, from 1), or `None` for the usual one.
pub type Custom = dyn Fn(&Request, usize) -> Option<Answer> + Send + Sync;

pub struct ApiShared {
    pub ws_port: u16,
    pub expires: Box<Expires>,
    pub custom: Box<Custom>,
    pub log: Mutex<Vec<Request>>,
    pub per_route: Mutex<HashMap<String, usize>>,
    /// Channel creations answered, when.
    pub made: Mutex<Vec<Instant>>,
    pub stop: AtomicBool,
}

/// The REST API of a watch: channel `n` is `c{n}` at `ws://…/c{n}`,
/// expiring when `expires` says; subscriptions are accepted as asked; bulk
/// reads answer `[]`; unless the test's `custom` answers first.
pub struct Api {
    pub address: SocketAddr,
    pub shared: Arc<ApiShared>,
}

impl Api {
    pub fn start(
        ws: &Ws,
        expires: impl Fn() -> Option<String> + Send + Sync + 'static,
        custom: impl Fn(&Request, usize) -> Option<Answer> + Send + Sync + 'static,
    ) -> Api {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let shared = Arc::new(ApiShared {
            ws_port: ws.port,
            expires: Box::new(expires),
            custom: Box::new(custom),
            log: Mutex::new(Vec::new()),
            per_route: Mutex::new(HashMap::new()),
            made: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let acceptor = Arc::clone(&shared);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if acceptor.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&acceptor);
                thread::spawn(move || serve_http(stream, &shared));
            }
        });
        Api { address, shared }
    }

    /// Channels that expire far ahead.
    pub fn plain(ws: &Ws) -> Api {
        Api::start(ws, far_future, |_, _| None)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.log).clone()
    }

    /// Channel creations asked for (answered or not).
    pub fn channels_asked(&self) -> usize {
        let route = format!("POST {CHANNELS}");
        self.requests().iter().filter(|r| r.route() == route).count()
    }

    /// Channel creations answered.
    pub fn channels_made(&self) -> usize {
        lock(&self.shared.made).len()
    }

    /// When each channel creation was answered.
    pub fn channel_times(&self) -> Vec<Instant> {
        lock(&self.shared.made).clone()
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

impl Drop for Api {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
    }
}

pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub fn serve_http(mut stream: TcpStream, shared: &ApiShared) {
    if stream.set_read_timeout(Some(Duration::from_millis(20))).is_err() {
        return;
    }
    let mut pending = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut pending, &shared.stop) {
        lock(&shared.log).push(request.clone());
        let nth = {
            let mut counts = lock(&shared.per_route);
            let count = counts.entry(request.route()).or_default();
            *count += 1;
            *count
        };
        let answer = (shared.custom)(&request, nth).unwrap_or_else(|| usual_answer(shared, &request, nth));
        match answer {
            Answer::Hang => {
                let mut ignored = Vec::new();
                while read_more(&mut stream, &mut ignored, &shared.stop).is_some() {
                    ignored.clear();
                }
                break;
            }
            Answer::Reply {
                status,
                headers,
                body,
            } => {
                if request.route() == format!("POST {CHANNELS}") && status == 200 {
                    lock(&shared.made).push(Instant::now());
                }
                let mut head = format!("HTTP/1.1 {status} Status\r\n");
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
                if stream.write_all(head.as_bytes()).is_err() || stream.write_all(body.as_bytes()).is_err() {
                    break;
                }
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

pub fn usual_answer(shared: &ApiShared, request: &Request, nth: usize) -> Answer {
    let route = request.route();
    if route == format!("POST {CHANNELS}") {
        let mut channel = json!({
            "id": format!("c{nth}"),
            "connectUri": format!("ws://127.0.0.1:{}/c{nth}", shared.ws_port),
        });
        if let Some(expires) = (shared.expires)() {
            channel["expires"] = expires.into();
        }
        return Answer::json(200, channel.to_string());
    }
    if request.path.starts_with(CHANNELS) && request.path.ends_with("/subscriptions") {
        let topics: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_else(|_| json!([]));
        return Answer::json(200, json!({ "entities": topics }).to_string());
    }
    if request.method == "GET" && request.path == BULK {
        return Answer::json(200, "[]");
    }
    Answer::json(404, r#"{"message":"not scripted","status":404}"#)
}

pub fn read_request(stream: &mut TcpStream, pending: &mut Vec<u8>, stop: &AtomicBool) -> Option<Request> {
    let head_end = loop {
        if let Some(at) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        read_more(stream, pending, stop)?;
    };
    let head = String::from_utf8_lossy(&pending[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let (path, query) = (path.to_owned(), query.to_owned());
    while pending.len() < head_end + length {
        read_more(stream, pending, stop)?;
    }
    let body = pending[head_end..head_end + length].to_vec();
    pending.drain(..head_end + length);
    Some(Request {
        method,
        path,
        query,
        body,
    })
}

/// Appends what the client sent next; `None` when it left or at stop.
pub fn read_more(stream: &mut TcpStream, pending: &mut Vec<u8>, stop: &AtomicBool) -> Option<()> {
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => {
                pending.extend_from_slice(&chunk[..n]);
                return Some(());
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if stop.load(Ordering::SeqCst) {
                    return None;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
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
                    let mut ignored = Vec::new();
                    while read_more(&mut held, &mut ignored, &shared.stop).is_some() {
                        ignored.clear();
                    }
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
