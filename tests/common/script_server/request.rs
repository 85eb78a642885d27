//! Requests as the scripted server reads them off a connection: the head,
//! then a body framed by `content-length` or `transfer-encoding: chunked`.

use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often a waiting connection thread looks at the stop flag.
const POLL: Duration = Duration::from_millis(20);

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The request line as sent (`GET /path?query HTTP/1.1`).
    pub line: String,
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query, without its `?` (empty when there is none).
    pub query: String,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body: the `content-length` bytes, or the chunks joined.
    pub body: Vec<u8>,
    /// Whether the body came with `transfer-encoding: chunked` framing.
    pub chunked: bool,
    /// Which connection it came on: 1 for the first one accepted.
    pub connection: usize,
    /// Its number among the requests to its route ([`Request::route`]), from 1.
    pub nth: usize,
}

impl Request {
    /// `"METHOD /path"`.
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The first header called `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether it has a header called `name` (lower case).
    pub fn has(&self, name: &str) -> bool {
        self.header(name).is_some()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON request body")
    }
}

/// Reads the requests of one connection, one after the other.
pub(super) struct Reader {
    /// What was read and not yet taken as a request.
    pending: Vec<u8>,
    connection: usize,
}

impl Reader {
    /// A reader of `stream`, on which reads then time out so that they see
    /// a stop; `None` if they cannot.
    pub(super) fn new(stream: &TcpStream, connection: usize) -> Option<Reader> {
        stream.set_read_timeout(Some(POLL)).ok()?;
        Some(Reader {
            pending: Vec::new(),
            connection,
        })
    }

    /// The next request; `None` when the client closed the connection,
    /// sent something that is not a request, or the server is stopping.
    pub(super) fn next(&mut self, stream: &mut TcpStream, stop: &AtomicBool) -> Option<Request> {
        let head_end = loop {
            if let Some(at) = find(&self.pending, b"\r\n\r\n") {
                break at + 4;
            }
            read_more(stream, &mut self.pending, stop)?;
        };
        let head = String::from_utf8_lossy(&self.pending[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let line = lines.next()?.to_owned();
        let mut words = line.split(' ');
        let method = words.next()?.to_owned();
        let target = words.next()?;
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let (path, query) = (path.to_owned(), query.to_owned());
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        let value = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let chunked = value("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let (body, used) = if chunked {
            loop {
                match dechunk(&self.pending[head_end..]) {
                    Chunks::Whole(body, used) => break (body, used),
                    Chunks::Partial => read_more(stream, &mut self.pending, stop)?,
                    Chunks::Broken => return None,
                }
            }
        } else {
            let length = value("content-length").map_or(Some(0), |v| v.parse::<usize>().ok())?;
            while self.pending.len() < head_end + length {
                read_more(stream, &mut self.pending, stop)?;
            }
            (self.pending[head_end..head_end + length].to_vec(), length)
        };
        self.pending.drain(..head_end + used);
        Some(Request {
            line,
            method,
            path,
            query,
            headers,
            body,
            chunked,
            connection: self.connection,
            nth: 0,
        })
    }
}

/// A chunked body at the start of some bytes.
enum Chunks {
    /// The chunks joined, and how many bytes the framing took (trailers
    /// included).
    Whole(Vec<u8>, usize),
    /// More is to come.
    Partial,
    /// Not chunked framing.
    Broken,
}

fn dechunk(bytes: &[u8]) -> Chunks {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let Some(end) = find(&bytes[at..], b"\r\n") else {
            return Chunks::Partial;
        };
        // The size in hex, perhaps followed by `;extensions`.
        let size = String::from_utf8_lossy(&bytes[at..at + end]);
        let size = size.split(';').next().unwrap_or_default().trim();
        let Ok(size) = usize::from_str_radix(size, 16) else {
            return Chunks::Broken;
        };
        at += end + 2;
        if size == 0 {
            // Trailers, up to an empty line.
            loop {
                let Some(end) = find(&bytes[at..], b"\r\n") else {
                    return Chunks::Partial;
                };
                at += end + 2;
                if end == 0 {
                    return Chunks::Whole(body, at);
                }
            }
        }
        let Some(data) = bytes.get(at..at + size + 2) else {
            return Chunks::Partial;
        };
        if !data.ends_with(b"\r\n") {
            return Chunks::Broken;
        }
        body.extend_from_slice(&data[..size]);
        at += size + 2;
    }
}

fn find(bytes: &[u8], what: &[u8]) -> Option<usize> {
    bytes.windows(what.len()).position(|w| w == what)
}

/// Appends what the client sent next; `None` at its end or once `stop` is
/// set (looked at every time a read times out).
fn read_more(stream: &mut TcpStream, pending: &mut Vec<u8>, stop: &AtomicBool) -> Option<()> {
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

/// Holds a connection: reads, and drops, what the client sends until it
/// leaves or `stop` is set. The stream needs a read timeout, so that the
/// stop is seen.
pub fn hold(stream: &mut TcpStream, stop: &AtomicBool) {
    let mut ignored = Vec::new();
    while read_more(stream, &mut ignored, stop).is_some() {
        ignored.clear();
    }
}
