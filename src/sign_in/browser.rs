//! The loopback helper's side of HTTP: reading the browser's request line
//! and answering with a short page that shows no code or token.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use percent_encoding::percent_decode_str;

/// The most bytes of a request head read (a browser's is well under this).
const MAX_HEAD: usize = 16 * 1024;
/// How long writing the page may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// A request the browser sent: its method, path and decoded query pairs.
pub(super) struct Request {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) query: Vec<(String, String)>,
}

impl Request {
    /// The value of the query parameter `name`; `None` when it is absent
    /// or given more than once (RFC 6749 §4.1.2: each at most once), so a
    /// redirect with two `state`s or two `code`s is refused.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        let mut values = self.query.iter().filter(|(k, _)| k == name);
        match (values.next(), values.next()) {
            (Some((_, value)), None) => Some(value.as_str()),
            _ => None,
        }
    }
}

/// Reads the request head from `stream`, waiting at most `wait`; `None`
/// for anything that is not an HTTP request line.
pub(super) fn read_request(stream: &mut TcpStream, wait: Duration) -> Option<Request> {
    stream.set_nonblocking(false).ok()?;
    stream
        .set_read_timeout(Some(wait.max(Duration::from_millis(1))))
        .ok()?;
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        if head.len() >= MAX_HEAD {
            return None;
        }
        let read = stream.read(&mut chunk).ok()?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..read]);
    }
    let line = head.split(|&b| b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim_end_matches('\r');
    let mut words = line.split(' ');
    let (method, target, version) = (words.next()?, words.next()?, words.next()?);
    if !version.starts_with("HTTP/") || words.next().is_some() {
        return None;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect();
    Some(Request {
        method: method.to_owned(),
        path: path.to_owned(),
        query,
    })
}

/// A query value: `+` is a space, then percent-decoding (lossy UTF-8).
fn decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Answers with `status` and a page titled `title` saying `text` (both
/// fixed by the crate: nothing from the request is echoed), then closes.
/// A browser that went away is not an error.
pub(super) fn answer(mut stream: TcpStream, status: &str, title: &str, text: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{text}</p></body></html>"
    );
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .and_then(|()| stream.flush());
}
