//! A scripted HTTP/1.1 server on `127.0.0.1`, for what a mock library
//! cannot do: answers cut short, connections closed or held open, bytes
//! that are not HTTP, a test's own answer computed per request, and the
//! exact framing of what the client sent.
//!
//! Each request is answered by the first of:
//! 1. the [`Script::hook`], a closure that may answer it (or not: `None`);
//! 2. the next [`Step`] queued for its route (`"METHOD /path"`, the query
//!    ignored; see [`Server::start`] and [`Script::routes`]);
//! 3. the [`Script::fallback`]: `418` unless set, so that an unscripted
//!    request shows in the assertions.
//!
//! Every request is recorded ([`Server::requests`]) before it is answered:
//! its request line and headers, its body (a `content-length` one, or the
//! chunks of a `transfer-encoding: chunked` one joined, and that it was
//! chunked), the connection it came on and its number on its route.
//!
//! The server runs one thread per connection. Dropping the [`Server`]
//! stops it and joins every thread; connection threads poll a stop flag,
//! so even a [`Step::Hang`] ends promptly.
//!
//! Each test binary uses a part of it (the API tests its faults and
//! connection counts, the watcher tests its hook), hence no dead-code
//! warnings here.
#![allow(dead_code)]

#[path = "script_server/closed.rs"]
mod closed;
#[path = "script_server/request.rs"]
mod request;

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

pub use request::{hold, Request};

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
pub fn json(status: u16, body: impl AsRef<[u8]>) -> Step {
    Step::empty(status)
        .header("content-type", "application/json")
        .body(body.as_ref())
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

    /// The status of a [`Step::Reply`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Step::Reply(reply) => Some(reply.status),
            _ => None,
        }
    }

    fn body(self, body: &[u8]) -> Step {
        let mut reply = self.reply();
        reply.body = body.to_vec();
        Step::Reply(reply)
    }

    fn reply(self) -> Reply {
        match self {
            Step::Reply(reply) => reply,
            other => panic!("only a Step::Reply has headers, not {other:?}"),
        }
    }
}

/// A test's own answer to a request, or `None` to leave it to the script.
pub type Hook = dyn Fn(&Request) -> Option<Step> + Send + Sync;
/// The answer to a request that neither the hook nor the routes answer.
pub type Fallback = dyn Fn(&Request) -> Step + Send + Sync;

/// How a [`Server`] answers: built, then [`Script::start`]ed.
pub struct Script {
    routes: HashMap<String, VecDeque<Step>>,
    hook: Box<Hook>,
    fallback: Box<Fallback>,
}

impl Default for Script {
    /// No route, no hook, `418` to everything.
    fn default() -> Script {
        Script {
            routes: HashMap::new(),
            hook: Box::new(|_| None),
            fallback: Box::new(|_| json(418, r#"{"message":"unscripted request"}"#)),
        }
    }
}

impl Script {
    /// Queues `steps` for each route (`"METHOD /path"`), in order.
    pub fn routes<S: AsRef<str>>(mut self, script: Vec<(S, Vec<Step>)>) -> Script {
        for (route, steps) in script {
            self.routes
                .entry(route.as_ref().to_owned())
                .or_default()
                .extend(steps);
        }
        self
    }

    /// Asks `hook` first for every request. It runs on the connection's
    /// thread, with no lock held: it may wait, and may answer
    /// [`Step::Hang`] to hold the connection until the client leaves or the
    /// server stops.
    pub fn hook(mut self, hook: impl Fn(&Request) -> Option<Step> + Send + Sync + 'static) -> Script {
        self.hook = Box::new(hook);
        self
    }

    /// Answers with `fallback` what neither the hook nor the routes answer.
    pub fn fallback(mut self, fallback: impl Fn(&Request) -> Step + Send + Sync + 'static) -> Script {
        self.fallback = Box::new(fallback);
        self
    }

    /// Starts the server on `127.0.0.1`, with a port the OS picks.
    pub fn start(self) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("a local address");
        let shared = Arc::new(Shared {
            routes: Mutex::new(self.routes),
            hook: self.hook,
            fallback: self.fallback,
            requests: Mutex::new(Vec::new()),
            accepted: AtomicUsize::new(0),
            closed: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
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
}

struct Shared {
    routes: Mutex<HashMap<String, VecDeque<Step>>>,
    hook: Box<Hook>,
    fallback: Box<Fallback>,
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
    /// Starts a server answering each route (`"METHOD /path"`) from its
    /// steps in order, and anything else `418`.
    pub fn start<S: AsRef<str>>(script: Vec<(S, Vec<Step>)>) -> Server {
        Script::default().routes(script).start()
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
        self.requests().iter().map(Request::route).collect()
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Waits (at most 3 s) until the server has closed `count`
    /// connections and the client's end of each has received the close, so
    /// that a client checking a pooled connection before reusing it finds
    /// it closed.
    pub fn wait_until_closed(&self, count: usize) {
        closed::wait(self.address, &self.shared.closed, count);
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

/// Locks `mutex`, also after a panic in another thread (a failed test's).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
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

/// Answers the requests of one connection until a step closes it, the
/// client leaves, or the server stops.
fn serve(mut stream: TcpStream, connection: usize, shared: &Shared) {
    let Some(mut reader) = request::Reader::new(&stream, connection) else {
        return;
    };
    while let Some(mut request) = reader.next(&mut stream, &shared.stop) {
        {
            let mut requests = lock(&shared.requests);
            request.nth = 1 + requests.iter().filter(|r| r.route() == request.route()).count();
            requests.push(request.clone());
        }
        let step = (shared.hook)(&request)
            .or_else(|| lock(&shared.routes).get_mut(&request.route())?.pop_front())
            .unwrap_or_else(|| (shared.fallback)(&request));
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
                hold(&mut stream, &shared.stop);
                break;
            }
            Step::Stall(bytes) => {
                let _ = stream.write_all(&bytes);
                hold(&mut stream, &shared.stop);
                break;
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
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
