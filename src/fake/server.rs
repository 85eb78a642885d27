//! The HTTP side: read a request, route it to a handler, write the answer.
//!
//! To add an endpoint, write a [`Handler`] and add a line to [`ROUTES`].

use std::io::{Read, Write};
use std::sync::{Mutex, PoisonError};

use serde_json::{json, Value};
use tiny_http::{Header, Request, Response};

#[cfg(feature = "notifications")]
use super::notifications;
use super::state::State;
use super::util::{split_target, uuid};
use super::{bulk, definitions, oauth, presence_definitions, presences, primary_source, settings, sources};

/// Request bodies larger than this are refused with 413.
pub(super) const MAX_BODY: usize = 1024 * 1024;

/// Above this declared `Content-Length`, tiny_http's drain of the unread body
/// (it allocates the whole remaining length at once) is avoided: the 413 is
/// written and the connection is abandoned instead.
const MAX_DRAIN: usize = 64 * 1024 * 1024;

/// A request, read whole, with its target decoded.
pub(super) struct Incoming {
    /// `GET`, `POST`, …
    pub(super) method: String,
    /// The path as received (still percent-encoded), for messages.
    pub(super) path: String,
    /// The decoded path segments.
    pub(super) segments: Vec<String>,
    /// The decoded values of the route's `{}` segments, in order.
    pub(super) params: Vec<String>,
    /// The decoded query pairs, in order.
    pub(super) query: Vec<(String, String)>,
    /// The `Authorization` header.
    pub(super) authorization: Option<String>,
    pub(super) body: Vec<u8>,
}

impl Incoming {
    /// The first value of a query parameter.
    pub(super) fn query(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of a query parameter given as repeated keys and/or
    /// comma-separated lists (`?id=a,b&id=c`), split, trimmed, empty ones dropped.
    pub(super) fn query_list(&self, key: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// A `true`/`false` query parameter (any case); 400 for another value.
    pub(super) fn query_flag(&self, key: &str) -> Result<Option<bool>, Reply> {
        match self.query(key) {
            None => Ok(None),
            Some(text) if text.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(text) if text.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(text) => Err(Reply::bad_request(format!(
                "{key} must be true or false, not {text:?}"
            ))),
        }
    }

    /// The `n`th `{}` segment of the route.
    pub(super) fn param(&self, n: usize) -> &str {
        self.params.get(n).map_or("", String::as_str)
    }
}

/// An answer: status, body, and the `Allow` header of a 405.
pub(super) struct Reply {
    status: u16,
    body: Body,
    allow: Option<String>,
}

enum Body {
    Json(Value),
    /// A Genesys ErrorBody; its `contextId` is filled in when sent.
    Error {
        code: &'static str,
        message: String,
    },
    Empty,
}

impl Reply {
    pub(super) fn json(status: u16, value: Value) -> Reply {
        Reply {
            status,
            body: Body::Json(value),
            allow: None,
        }
    }

    pub(super) fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: Body::Empty,
            allow: None,
        }
    }

    pub(super) fn error(status: u16, code: &'static str, message: impl Into<String>) -> Reply {
        let body = Body::Error {
            code,
            message: message.into(),
        };
        Reply {
            status,
            body,
            allow: None,
        }
    }

    pub(super) fn bad_request(message: impl Into<String>) -> Reply {
        Reply::error(400, "bad.request", message)
    }

    pub(super) fn not_found(message: impl Into<String>) -> Reply {
        Reply::error(404, "not.found", message)
    }
}

/// What a handler returns; `Err` is an error answer, so `?` works on checks.
pub(super) type Outcome = Result<Reply, Reply>;

/// Answers one request on a route; the state is locked for the whole call.
pub(super) type Handler = fn(&mut State, &Incoming) -> Outcome;

/// A path pattern (`{}` matches any one segment) and its handlers by method.
struct Route {
    path: &'static [&'static str],
    methods: &'static [(&'static str, Handler)],
}

/// Every endpoint. The first pattern that matches the path wins.
const ROUTES: &[Route] = &[
    Route {
        path: &["oauth", "token"],
        methods: &[("POST", oauth::token)],
    },
    Route {
        path: &["api", "v2", "systempresences"],
        methods: &[("GET", definitions::system_presences)],
    },
    Route {
        path: &["api", "v2", "presencedefinitions"],
        methods: &[("GET", definitions::list), ("POST", definitions::create)],
    },
    Route {
        path: &["api", "v2", "presencedefinitions", "{}"],
        methods: &[
            ("GET", definitions::get),
            ("PUT", definitions::update),
            ("DELETE", definitions::delete),
        ],
    },
    Route {
        path: &["api", "v2", "presence", "definitions"],
        methods: &[
            ("GET", presence_definitions::list),
            ("POST", presence_definitions::create),
        ],
    },
    Route {
        path: &["api", "v2", "presence", "definitions", "{}"],
        methods: &[
            ("GET", presence_definitions::get),
            ("PUT", presence_definitions::update),
            ("DELETE", presence_definitions::delete),
        ],
    },
    Route {
        path: &["api", "v2", "presence", "sources"],
        methods: &[("GET", sources::list), ("POST", sources::create)],
    },
    Route {
        path: &["api", "v2", "presence", "sources", "{}"],
        methods: &[
            ("GET", sources::get),
            ("PUT", sources::update),
            ("DELETE", sources::delete),
        ],
    },
    Route {
        path: &["api", "v2", "presence", "settings"],
        methods: &[("GET", settings::get), ("PUT", settings::update)],
    },
    Route {
        path: &["api", "v2", "presence", "users", "{}", "primarysource"],
        methods: &[("GET", primary_source::get), ("PUT", primary_source::update)],
    },
    Route {
        path: &["api", "v2", "users", "presences", "bulk"],
        methods: &[("PUT", bulk::update)],
    },
    // Before `users/{userId}/presences/{sourceId}`, which would also match
    // `users/presences/presences/bulk`.
    Route {
        path: &["api", "v2", "users", "presences", "{}", "bulk"],
        methods: &[("GET", bulk::read)],
    },
    Route {
        path: &["api", "v2", "users", "{}", "presences", "microsoftteams"],
        methods: &[("GET", presences::microsoft_teams)],
    },
    Route {
        path: &["api", "v2", "users", "{}", "presences", "{}"],
        methods: &[("GET", presences::get), ("PATCH", presences::patch)],
    },
    #[cfg(feature = "notifications")]
    Route {
        path: &["api", "v2", "notifications", "channels"],
        methods: &[
            ("GET", notifications::list_channels),
            ("POST", notifications::create_channel),
        ],
    },
    #[cfg(feature = "notifications")]
    Route {
        path: &["api", "v2", "notifications", "channels", "{}"],
        methods: &[("HEAD", notifications::head_channel)],
    },
    #[cfg(feature = "notifications")]
    Route {
        path: &["api", "v2", "notifications", "channels", "{}", "subscriptions"],
        methods: &[
            ("GET", notifications::get_subscriptions),
            ("POST", notifications::add_subscriptions),
            ("PUT", notifications::replace_subscriptions),
            ("DELETE", notifications::delete_subscriptions),
        ],
    },
    #[cfg(feature = "notifications")]
    Route {
        path: &["api", "v2", "notifications", "availabletopics"],
        methods: &[("GET", notifications::available_topics)],
    },
];

impl Route {
    /// The `{}` segments when `segments` match the pattern.
    fn matches(&self, segments: &[String]) -> Option<Vec<String>> {
        if segments.len() != self.path.len() {
            return None;
        }
        let mut params = Vec::new();
        for (pattern, segment) in self.path.iter().zip(segments) {
            if *pattern == "{}" {
                params.push(segment.clone());
            } else if pattern != segment {
                return None;
            }
        }
        Some(params)
    }
}

/// Finds the route and runs its handler: 401 for `/api/` paths without a
/// valid token, 404 for no route, 405 for a method the route lacks.
fn dispatch(state: &mut State, mut incoming: Incoming) -> Reply {
    if incoming.segments.first().is_some_and(|s| s == "api") {
        if let Err(refusal) = oauth::authorize(state, &incoming) {
            return refusal;
        }
    }
    for route in ROUTES {
        let Some(params) = route.matches(&incoming.segments) else {
            continue;
        };
        incoming.params = params;
        let Some((_, handler)) = route.methods.iter().find(|(m, _)| *m == incoming.method) else {
            let allow: Vec<&str> = route.methods.iter().map(|(m, _)| *m).collect();
            let mut reply = Reply::error(
                405,
                "method.not.allowed",
                format!(
                    "{} is not supported on {}; use {}",
                    incoming.method,
                    incoming.path,
                    allow.join(", ")
                ),
            );
            reply.allow = Some(allow.join(", "));
            return reply;
        };
        return handler(state, &incoming).unwrap_or_else(|refusal| refusal);
    }
    Reply::not_found("The requested resource was not found.")
}

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

fn encode(reply: &Reply, correlation_id: &str) -> Vec<u8> {
    let written = match &reply.body {
        Body::Empty => return Vec::new(),
        Body::Json(value) => serde_json::to_vec(value),
        Body::Error { code, message } => serde_json::to_vec(&json!({
            "message": message,
            "code": code,
            "status": reply.status,
            "contextId": correlation_id,
            "details": [],
            "errors": [],
        })),
    };
    written.unwrap_or_default()
}

fn headers(reply: &Reply, correlation_id: &str) -> Vec<Header> {
    let mut pairs = vec![("Content-Type", "application/json".to_owned())];
    pairs.push(("inin-correlation-id", correlation_id.to_owned()));
    if let Some(allow) = &reply.allow {
        pairs.push(("Allow", allow.clone()));
    }
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
        encode(reply, correlation_id)
    };
    let status = tiny_http::StatusCode(reply.status);
    let mut answer = format!("HTTP/1.1 {} {}\r\n", reply.status, status.default_reason_phrase());
    for header in headers(reply, correlation_id) {
        answer.push_str(&format!("{}: {}\r\n", header.field, header.value));
    }
    if reply.status != 204 {
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
    let body = encode(reply, correlation_id);
    let mut head = Response::empty(reply.status);
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
