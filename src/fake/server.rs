//! The HTTP side: read a request whole, hand it to the [router](super::router),
//! write the answer in one piece.

use std::io::{Read, Write};
use std::sync::{Mutex, PoisonError};

use tiny_http::{Header, Request, Response};

use super::ids::uuid;
use super::router::dispatch;
use super::state::State;
use super::url::split_target;
use super::wire::{Incoming, Reply};

/// Request bodies larger than this are refused with 413.
const MAX_BODY: usize = 1024 * 1024;

/// Above this declared `Content-Length`, tiny_http's drain of the unread body
/// (it allocates the whole remaining length at once) is avoided: the 413 is
/// written and the connection is abandoned instead.
const MAX_DRAIN: usize = 64 * 1024 * 1024;

/// Reads, answers and counts one request. Never panics on what a client sends.
pub(super) fn handle(state: &Mutex<State>, mut request: Request) {
    let correlation_id = uuid();
    let lock = || state.lock().unwrap_or_else(PoisonError::into_inner);
    let declared = request.body_length().unwrap_or(0);
    let mut body = Vec::new();
    let too_large = declared > MAX_BODY || {
        let read = request
            .as_reader()
            .take(MAX_BODY as u64 + 1)
            .read_to_end(&mut body);
        if read.is_err() {
            return; // the client went away; tiny_http answers 500 if it can
        }
        body.len() > MAX_BODY
    };
    if too_large {
        lock().requests += 1;
        let reply = Reply::error(
            413,
            "request.entity.too.large",
            format!("The request is over the size limit. Maximum bytes: {MAX_BODY}"),
        );
        if declared > MAX_DRAIN {
            abandon(request, &reply, &correlation_id);
        } else {
            send(request, &reply, &correlation_id);
        }
        return;
    }
    let (segments, query) = split_target(request.url());
    let incoming = Incoming {
        method: request.method().as_str().to_ascii_uppercase(),
        path: request.url().split('?').next().unwrap_or_default().to_owned(),
        segments,
        params: Vec::new(),
        query,
        authorization: header(&request, "Authorization"),
        body,
    };
    let reply = {
        let mut state = lock();
        state.requests += 1;
        dispatch(&mut state, incoming)
    };
    send(request, &reply, &correlation_id);
}

fn header(request: &Request, name: &'static str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.equiv(name))
        .map(|h| h.value.as_str().to_owned())
}

fn headers(reply: &Reply, correlation_id: &str) -> Vec<Header> {
    let mut pairs = vec![("Content-Type", reply.content_type().to_owned())];
    pairs.push(("inin-correlation-id", correlation_id.to_owned()));
    if let Some(allow) = reply.allow() {
        pairs.push(("Allow", allow.to_owned()));
    }
    pairs.extend(reply.headers().iter().cloned());
    pairs
        .into_iter()
        .filter_map(|(name, value)| Header::from_bytes(name.as_bytes(), value.as_bytes()).ok())
        .collect()
}

/// Writes the whole answer in one write. (tiny_http's own `respond` writes
/// the head and a body of more than 1 KiB separately, and the body then waits
/// for the client's delayed ACK: about 40 ms an answer on Linux.)
fn send(request: Request, reply: &Reply, correlation_id: &str) {
    let body = if request.method() == &tiny_http::Method::Head {
        Vec::new()
    } else {
        reply.encode(correlation_id)
    };
    let status = tiny_http::StatusCode(reply.status());
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\n",
        reply.status(),
        status.default_reason_phrase()
    );
    for header in headers(reply, correlation_id) {
        answer.push_str(&format!("{}: {}\r\n", header.field, header.value));
    }
    if reply.status() != 204 {
        answer.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    answer.push_str("\r\n");
    let mut bytes = answer.into_bytes();
    bytes.extend_from_slice(&body);
    let mut writer = request.into_writer();
    let _ = writer.write_all(&bytes).and_then(|()| writer.flush());
}

/// Writes `reply` and leaks the connection's unread body instead of letting
/// tiny_http drain it: its drain allocates the declared length at once, which
/// could abort the process for a client that declares terabytes.
fn abandon(request: Request, reply: &Reply, correlation_id: &str) {
    let body = reply.encode(correlation_id);
    let mut head = Response::empty(reply.status());
    for header in headers(reply, correlation_id) {
        head.add_header(header);
    }
    if let Ok(length) = Header::from_bytes("Content-Length", body.len().to_string()) {
        head.add_header(length);
    }
    let mut stream = request.upgrade("close", head);
    let _ = stream.write_all(&body).and_then(|()| stream.flush());
    std::mem::forget(stream);
}
