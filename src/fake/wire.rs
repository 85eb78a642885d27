//! What handlers see and give: the request read whole ([`Incoming`]) and the
//! answer ([`Reply`], [`Outcome`]), with the checks of query parameters and
//! JSON bodies that turn into 400 answers. Knows nothing of routes or state.

use serde_json::{json, Map, Value};

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

/// An answer: status, body, the `Allow` header of a 405, and other headers
/// (`Retry-After`, `inin-ratelimit-*`, `Location`).
pub(super) struct Reply {
    status: u16,
    body: Body,
    allow: Option<String>,
    headers: Vec<(&'static str, String)>,
}

enum Body {
    Json(Value),
    /// A page for a person (the sign-in errors that cannot redirect).
    Html(String),
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
            headers: Vec::new(),
        }
    }

    /// An HTML page; `text` must already be HTML (nothing is escaped).
    pub(super) fn html(status: u16, text: String) -> Reply {
        Reply {
            status,
            body: Body::Html(text),
            allow: None,
            headers: Vec::new(),
        }
    }

    pub(super) fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: Body::Empty,
            allow: None,
            headers: Vec::new(),
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
            headers: Vec::new(),
        }
    }

    pub(super) fn bad_request(message: impl Into<String>) -> Reply {
        Reply::error(400, "bad.request", message)
    }

    pub(super) fn not_found(message: impl Into<String>) -> Reply {
        Reply::error(404, "not.found", message)
    }

    /// A 405 for `method` on `path`, with the `Allow` header of the methods
    /// the route has.
    pub(super) fn method_not_allowed(method: &str, path: &str, allowed: &[&str]) -> Reply {
        let allow = allowed.join(", ");
        let mut reply = Reply::error(
            405,
            "method.not.allowed",
            format!("{method} is not supported on {path}; use {allow}"),
        );
        reply.allow = Some(allow);
        reply
    }

    /// The HTTP status.
    pub(super) fn status(&self) -> u16 {
        self.status
    }

    /// The `Content-Type` of the body.
    pub(super) fn content_type(&self) -> &'static str {
        match self.body {
            Body::Html(_) => "text/html; charset=utf-8",
            _ => "application/json",
        }
    }

    /// The value of the `Allow` header, for a 405.
    pub(super) fn allow(&self) -> Option<&str> {
        self.allow.as_deref()
    }

    /// Adds a header to the answer.
    pub(super) fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }

    /// The headers added with [`with_header`](Reply::with_header), in order.
    pub(super) fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The body's bytes: JSON, a Genesys ErrorBody whose `contextId` is
    /// `correlation_id`, or nothing.
    pub(super) fn encode(&self, correlation_id: &str) -> Vec<u8> {
        let written = match &self.body {
            Body::Empty => return Vec::new(),
            Body::Html(text) => return text.clone().into_bytes(),
            Body::Json(value) => serde_json::to_vec(value),
            Body::Error { code, message } => serde_json::to_vec(&json!({
                "message": message,
                "code": code,
                "status": self.status,
                "contextId": correlation_id,
                "details": [],
                "errors": [],
            })),
        };
        written.unwrap_or_default()
    }
}

/// What a handler returns; `Err` is an error answer, so `?` works on checks.
pub(super) type Outcome = Result<Reply, Reply>;

/// A request body as JSON, or 400 `bad.request`.
pub(super) fn parse_json(body: &[u8]) -> Result<Value, Reply> {
    serde_json::from_slice(body).map_err(|e| Reply::bad_request(format!("the body is not valid JSON: {e}")))
}

/// A request body that must be a JSON object; `what` is the 400 message otherwise.
pub(super) fn json_object(body: &[u8], what: &str) -> Result<Map<String, Value>, Reply> {
    match parse_json(body)? {
        Value::Object(map) => Ok(map),
        _ => Err(Reply::bad_request(what)),
    }
}
