//! A scripted HTTP/1.1 server on `127.0.0.1`, for faults that a mock
//! library cannot produce: answers cut short, connections closed or held
//! open, bytes that are not HTTP.
//!
//! Each route (`"METHOD /path"`, the query ignored) has a queue of
//! [`Step`]s; each request to it takes the next one. A request with no
//! step left is answered `418` so that it shows in the assertions.
//! Every request is recorded ([`Server::requests`]) before it is
//! answered, with the number of the connection it came on.
//!
//! The server runs one thread per connection. Dropping the [`Server`]
//! stops it and joins every thread; connection threads poll a stop flag,
//! so even a [`Step::Hang`] ends promptly.

use std::collections::{HashMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How often a waiting connection thread looks at the stop flag.
const POLL: Duration = Duration::from_millis(20);

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Step {
    /// A whole answer.
    Reply(Reply),
    /// These bytes as they are, then the connection is closed.
    Raw(Vec<u8>),
    /// The connection is closed without an answer.
    Close,
    /// No answer; the connection is held open until the client leaves
    /// (or the server stops).
    Hang,
    /// These bytes (the start of an answer, say), then the connection is
    /// held open as for [`Step::Hang`].
    Stall(Vec<u8>),
}

/// A whole HTTP answer and what happens to the connection after it.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    after: After,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    /// Keep the connection for the next request.
    KeepAlive,
    /// Say `connection: close`, then close.
    Close,
    /// Say nothing, then close: the client finds out when it next uses it.
    HangUp,
}

/// A `status` answer with a `content-type: application/json` body
/// (change the type with [`Step::header`]).
pub fn json(status: u16, body: &str) -> Step {
    Step::Reply(Reply {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.as_bytes().to_vec(),
        after: After::KeepAlive,
    })
}

/// `bytes` as they are, then close.
pub fn raw(bytes: &[u8]) -> Step {
    Step::Raw(bytes.to_vec())
}

/// An answer head announcing `content_length` bytes, then only `sent`, then close.
pub fn truncated(status: u16, content_length: usize, sent: &[u8]) -> Step {
    assert!(sent.len() < content_length);
    let mut bytes = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {content_length}\r\n\r\n",
        reason(status)
    )
    .into_bytes();
    bytes.extend_from_slice(sent);
    Step::Raw(bytes)
}

impl Step {
    /// A `status` answer without a body.
    pub fn empty(status: u16) -> Step {
        Step::Reply(Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            after: After::KeepAlive,
        })
    }

    /// Sets a header of a [`Step::Reply`] (replacing one of that name).
    pub fn header(self, name: &str, value: &str) -> Step {
        let mut reply = self.reply();
        reply.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        reply.headers.push((name.to_ascii_lowercase(), value.into()));
        Step::Reply(reply)
    }

    /// Answers with `connection: close`, then closes.
    pub fn closing(self) -> Step {
        let mut reply = self.reply();
        reply.after = After::Close;
        Step::Reply(reply)
    }

    /// Answers as if the connection stayed open, then closes it.
    pub fn hang_up(self) -> Step {
        let mut reply = self.reply();
        reply.after = After::HangUp;
        Step::Reply(reply)
    }

    fn reply(self) -> Reply {
        match self {
            Step::Reply(reply) => reply,
            other => panic!("only a Step::Reply has headers, not {other:?}"),
        }
    }
}

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Which connection it came on: 1 for the first one accepted.
    pub connection: usize,
}

impl Request {
    /// The first header called `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON request body")
    }
}

struct Shared {
    routes: Mutex<HashMap<String, VecDeque<Step>>>,
    requests: Mutex<Vec<Request>>,
    accepted: AtomicUsize,
    /// Every connection that the server has closed, by the client's
    /// address (`None` if it could not be read).
    closed: Mutex<Vec<Option<SocketAddr>>>,
    stop: AtomicBool,
}

/// A running scripted server; dropping it stops it.
pub struct Server {
    address: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts a server on `127.0.0.1` with a port the OS picks, answering
    /// each route (`"METHOD /path"`) from its steps in order.
    pub fn start<S: AsRef<str>>(script: Vec<(S, Vec<Step>)>) -> Server {
        let routes = script
            .into_iter()
            .map(|(route, steps)| (route.as_ref().to_owned(), steps.into()))
            .collect();
        let shared = Arc::new(Shared {
            routes: Mutex::new(routes),
            requests: Mutex::new(Vec::new()),
            accepted: AtomicUsize::new(0),
            closed: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("a local address");
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || accept(&listener, &shared))
        };
        Server {
            address,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.requests).clone()
    }

    /// The requests to `path`, in order.
    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests().into_iter().filter(|r| r.path == path).collect()
    }

    /// `"METHOD /path"` of every request, in order.
    pub fn calls(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Waits (at most 3 s) until the server has closed `count`
    /// connections and the client's end of each has received the close, so
    /// that a client checking a pooled connection before reusing it finds
    /// it closed.
    ///
    /// The client's end is read from `/proc/net/tcp` (Linux): it has the
    /// close once it is no longer `ESTABLISHED` (`CLOSE_WAIT`, or further
    /// on, or gone). Elsewhere a short pause stands in for that check.
    pub fn wait_until_closed(&self, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            let closed = lock(&self.shared.closed).clone();
            let mut still_open = Vec::new();
            if closed.len() >= count {
                let clients: Vec<SocketAddr> = closed.iter().flatten().copied().collect();
                match established(self.address, &clients) {
                    Some(open) if open.is_empty() => return,
                    Some(open) => still_open = open,
                    None => {
                        // Not Linux: no table to read.
                        thread::sleep(Duration::from_millis(50));
                        return;
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "within 3 s, the server closed {} of {count} connection(s); client ends still \
                 established: {still_open:?}",
                closed.len()
            );
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor, which then joins the connection threads.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    let mut workers = Vec::new();
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let connection = shared.accepted.fetch_add(1, Ordering::SeqCst) + 1;
        let shared = Arc::clone(shared);
        workers.push(thread::spawn(move || {
            let client = stream.peer_addr().ok();
            // Closed (with both directions shut down) when `serve` returns.
            serve(stream, connection, &shared);
            lock(&shared.closed).push(client);
        }));
    }
    for worker in workers {
        let _ = worker.join();
    }
}

/// Which of the connections from `clients` to `server` the client still has
/// `ESTABLISHED`, that is, has not received the server's close on, from
/// `/proc/net/tcp`; `None` where that table cannot be read.
fn established(server: SocketAddr, clients: &[SocketAddr]) -> Option<Vec<SocketAddr>> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    // `0100007F:1F90`: the IPv4 address as the kernel's u32 in hex, in the
    // machine's byte order, then the port in hex.
    let address = |text: &str| -> Option<SocketAddr> {
        let (ip, port) = text.split_once(':')?;
        let ip = u32::from_str_radix(ip, 16).ok()?.to_ne_bytes();
        let port = u16::from_str_radix(port, 16).ok()?;
        Some(SocketAddr::from((ip, port)))
    };
    const ESTABLISHED: &str = "01";
    let open = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (local, remote, state) = (
                address(fields.get(1)?)?,
                address(fields.get(2)?)?,
                *fields.get(3)?,
            );
            (remote == server && state == ESTABLISHED && clients.contains(&local)).then_some(local)
        })
        .collect();
    Some(open)
}

/// Answers the requests of one connection until a step closes it, the
/// client leaves, or the server stops.
fn serve(mut stream: TcpStream, connection: usize, shared: &Shared) {
    if stream.set_read_timeout(Some(POLL)).is_err() {
        return;
    }
    let mut pending = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut pending, connection, shared) {
        let route = format!("{} {}", request.method, request.path);
        let step = lock(&shared.routes)
            .get_mut(&route)
            .and_then(VecDeque::pop_front)
            .unwrap_or_else(|| json(418, r#"{"message":"unscripted request"}"#));
        lock(&shared.requests).push(request);
        match step {
            Step::Reply(reply) => {
                if stream.write_all(&encode(&reply)).is_err() || reply.after != After::KeepAlive {
                    break;
                }
            }
            Step::Raw(bytes) => {
                let _ = stream.write_all(&bytes);
                break;
            }
            Step::Close => break,
            Step::Hang => {
                wait_for_the_client_to_leave(&mut stream, shared);
                break;
            }
            Step::Stall(bytes) => {
                let _ = stream.write_all(&bytes);
                wait_for_the_client_to_leave(&mut stream, shared);
                break;
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// Reads one request (head, then a `content-length` body). `None` when
/// the client closed the connection or the server is stopping.
fn read_request(
    stream: &mut TcpStream,
    pending: &mut Vec<u8>,
    connection: usize,
    shared: &Shared,
) -> Option<Request> {
    let head_end = loop {
        if let Some(at) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        read_more(stream, pending, shared)?;
    };
    let head = String::from_utf8_lossy(&pending[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?;
    let path = target.split('?').next().unwrap_or(target).to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    while pending.len() < head_end + length {
        read_more(stream, pending, shared)?;
    }
    let body = pending[head_end..head_end + length].to_vec();
    pending.drain(..head_end + length);
    Some(Request {
        method,
        path,
        headers,
        body,
        connection,
    })
}

/// Appends what the client sent next; `None` at its end or at stop.
fn read_more(stream: &mut TcpStream, pending: &mut Vec<u8>, shared: &Shared) -> Option<()> {
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => {
                pending.extend_from_slice(&chunk[..n]);
                return Some(());
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if shared.stop.load(Ordering::SeqCst) {
                    return None;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

fn wait_for_the_client_to_leave(stream: &mut TcpStream, shared: &Shared) {
    let mut ignored = Vec::new();
    while read_more(stream, &mut ignored, shared).is_some() {
        ignored.clear();
    }
}

fn encode(reply: &Reply) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n", reply.body.len()));
    if reply.after == After::Close {
        head.push_str("connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&reply.body);
    bytes
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
