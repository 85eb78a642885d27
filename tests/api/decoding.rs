//! Decoding never panics: every response model, the error path and the
//! token endpoint take any bytes a server may send (random bytes, random JSON
//! shaped like the models, mutated real fixtures, very deep nesting) and give
//! `Ok` or `Err`, never a panic; every error prints as one non-empty line.
//!
//! Two levels:
//! - direct: `serde_json::from_slice` into every public `Deserialize` model;
//! - through the request path: one local HTTP server per property answers
//!   each request with the body (and status, and headers) the case generated,
//!   and the public operations are called with `RetryPolicy::none()`.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use genesys_presence::definitions::{self, DefinitionQuery};
use genesys_presence::models::{
    ErrorDetail, ErrorLimit, OrganizationPresenceDefinition, OrganizationPresenceDefinitionEntityListing,
    OutOfOffice, PresenceSettings, RestorePresenceSettings, Source, SourceEntityListing, UcUserPresence,
    UserPrimarySource,
};
use genesys_presence::presence_definitions::{self, PresenceDefinitionQuery};
use genesys_presence::{settings, sources};
use genesys_presence::{
    system, user, Error, ErrorBody, ErrorKind, OrganizationPresence, OrganizationPresenceEntityListing,
    PresenceDefinition, PresenceExpand, RetryPolicy, Session, SystemPresence, SystemPresenceName, User,
    UserPresence,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::Config;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

// ---------------------------------------------------------------- inputs

/// Every file of `tests/fixtures`, read once (at run time, so that new
/// fixtures are mutated too).
fn fixtures() -> &'static [(String, Vec<u8>)] {
    static FIXTURES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut all: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .expect("tests/fixtures")
            .map(|entry| entry.expect("a fixture").path())
            .filter(|path| path.is_file())
            .map(|path| {
                let bytes = std::fs::read(&path).expect("a readable fixture");
                (path.file_name().unwrap().to_string_lossy().into_owned(), bytes)
            })
            .collect();
        all.sort();
        assert!(all.len() >= 20, "the fixtures are missing: {dir}");
        all
    })
}

/// The JSON names of every field of every model (and of the token answer),
/// plus near misses, so that generated objects hit the real fields.
const FIELD_NAMES: &[&str] = &[
    // SystemPresence, User, PresenceDefinition
    "id",
    "name",
    "selfUri",
    "systemPresence",
    // OrganizationPresence
    "languageLabels",
    "deactivated",
    "primary",
    "createdBy",
    "createdDate",
    "modifiedBy",
    "modifiedDate",
    // OrganizationPresenceEntityListing
    "entities",
    "pageSize",
    "pageNumber",
    "total",
    "pageCount",
    "firstUri",
    "previousUri",
    "nextUri",
    "lastUri",
    // UserPresence
    "source",
    "sourceId",
    "presenceDefinition",
    "futurePresenceDefinition",
    "message",
    // PresenceExpand, OutOfOffice
    "presences",
    "outOfOffices",
    "user",
    "startDate",
    "endDate",
    "active",
    "indefinite",
    // ErrorBody, ErrorDetail, ErrorLimit
    "code",
    "status",
    "entityId",
    "entityName",
    "messageWithParams",
    "messageParams",
    "contextId",
    "details",
    "errors",
    "limit",
    "errorCode",
    "fieldName",
    "key",
    "namespace",
    "value",
    // OrganizationPresenceDefinition, Source, UcUserPresence
    "type",
    "divisionId",
    "userId",
    // PresenceSettings, RestorePresenceSettings, UserPrimarySource
    "restorePresenceSettings",
    "requestingOffQueueEnabled",
    "defaultPrimaryPresenceRegisteredSourceId",
    "enabled",
    "restoreTimeMilliseconds",
    "restoreOnQueueEnabled",
    "registered",
    // the token endpoint
    "access_token",
    "expires_in",
    "token_type",
    "error",
    "error_description",
    "description",
    // label locales, near misses and odd keys
    "en_US",
    "fr",
    "ID",
    "self_uri",
    "system_presence",
    "",
    " id",
    "extra",
    "__proto__",
];

/// Number literals a `serde_json::Value` cannot hold, or that sit on a limit.
const ODD_NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "1e400",
    "-1e400",
    "1e-400",
    "4.9e-324",
    "1.7976931348623157e308",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "123456789012345678901234567890123456789012345678901234567890",
    "0.30000000000000004",
    "1E+2",
    "1.0",
    "2147483648",
    "-2147483649",
];

/// String literals with escapes: surrogates (paired and lone), control
/// characters, line breaks of every kind, spellings of system presences.
const ODD_STRINGS: &[&str] = &[
    r#""""#,
    r#"" ""#,
    r#""\ud83d\ude00""#,
    r#""\ud800""#,
    r#""\udc00x""#,
    r#""\ud800\ud800""#,
    r#""\u0000""#,
    r#""a\nb\r\nc""#,
    r#""line\u2028sep\u2029par\u0085nel\u000bvt\u000cff""#,
    r#""tab\there \"quoted\" back\\slash""#,
    r#""ON_QUEUE""#,
    r#""on queue""#,
    r#""Available""#,
    r#""İSTANBUL ǅ ß ﬃ""#,
    r#""\u00e9t\u00e9""#,
    r#""2024-05-02T14:03:11.123Z""#,
    r#""<html>\n</html>""#,
    r#""\/api\/v2\/users""#,
    r#""\x""#,
    r#""\u12""#,
    "\"unterminated",
];

/// Pieces of text, line breaks and odd characters included.
const WORDS: &[&str] = &[
    "a",
    "not.found",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\u{b}",
    "\u{c}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{0}",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{feff}",
    "\u{200b}",
    "é",
    "😀",
    "\"",
    "\\",
    "Bearer",
    "tok-ABCdef123456789",
    "Available",
    "ON_QUEUE",
    "{",
    "}",
    "%s",
    "{value}",
];

fn json_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        3 => vec(select(WORDS), 0..8).prop_map(|w| serde_json::to_string(&w.concat()).unwrap()),
        2 => select(ODD_STRINGS).prop_map(str::to_owned),
        1 => (1usize..3000).prop_map(|n| format!("\"{}\"", "é".repeat(n))),
    ]
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(FIELD_NAMES).prop_map(|k| serde_json::to_string(k).unwrap()),
        1 => any::<String>().prop_map(|k| serde_json::to_string(&k).unwrap()),
        1 => select(ODD_STRINGS).prop_map(str::to_owned),
    ]
}

fn json_number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (0i64..1000).prop_map(|n| n.to_string()),
        // Debug of a non-finite f64 (`inf`, `NaN`) is not JSON: a bad input too.
        any::<f64>().prop_map(|f| format!("{f:?}")),
        any::<f64>().prop_map(|f| format!("{f:e}")),
        select(ODD_NUMBERS).prop_map(str::to_owned),
    ]
}

/// JSON text (not a `Value`, so that huge numbers, duplicate keys and lone
/// surrogates can be written), mostly valid, shaped like the models.
fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        json_number(),
        json_string(),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(|items| format!("[{}]", items.join(","))),
            vec((json_key(), inner), 0..8).prop_map(|pairs| object(&pairs)),
        ]
    })
}

fn object(pairs: &[(String, String)]) -> String {
    let members: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    format!("{{{}}}", members.join(","))
}

/// A top-level body: mostly an object (or a list of objects) of model fields.
fn json_body() -> impl Strategy<Value = String> {
    let member = || (json_key(), json_text());
    prop_oneof![
        3 => vec(member(), 0..10).prop_map(|pairs| object(&pairs)),
        2 => vec(vec(member(), 0..8).prop_map(|pairs| object(&pairs)), 0..5)
            .prop_map(|items| format!("[{}]", items.join(","))),
        1 => json_text(),
    ]
}

/// Random bytes: any byte, or bytes from JSON's alphabet (which get further
/// into the parser).
fn random_bytes() -> impl Strategy<Value = Vec<u8>> {
    const JSONISH: &[u8] = b"{}[]\":,0123456789.eE+-truefalsnl \n\\u";
    prop_oneof![
        vec(any::<u8>(), 0..512),
        vec(select(JSONISH), 0..256),
        vec(select(JSONISH), 0..64).prop_map(|mut b| {
            b.insert(0, b'{');
            b
        }),
    ]
}

/// Text inserted by a mutation.
const SNIPPETS: &[&str] = &[
    ",",
    ":",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "\\",
    "null",
    "1e400",
    "-",
    "\"\\ud800\"",
    "{\"id\":",
    "\u{feff}",
    "\u{0}",
    "\u{2028}",
    " ",
    "//",
    "/*",
    "NaN",
    "Infinity",
    "'",
];

/// One change to a fixture.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(Index),
    FlipBit(Index, u8),
    InsertByte(Index, u8),
    DeleteByte(Index),
    InsertText(Index, &'static str),
    /// Replace one JSON value (any node) with a value of another type.
    ReplaceValue(Index, Index),
    /// Repeat one byte range (duplicate keys, doubled brackets).
    Repeat(Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit(at, bit)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(at, b)| Mutation::InsertByte(at, b)),
        1 => any::<Index>().prop_map(Mutation::DeleteByte),
        1 => (any::<Index>(), select(SNIPPETS)).prop_map(|(at, s)| Mutation::InsertText(at, s)),
        3 => (any::<Index>(), any::<Index>()).prop_map(|(node, with)| Mutation::ReplaceValue(node, with)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Repeat(a, b)),
    ]
}

/// Values of every JSON type, to replace a value of another type with.
fn replacements() -> Vec<Value> {
    serde_json::from_str(
        r#"[null, true, false, 0, -1, -9223372036854775808, 18446744073709551615, 1.5, -1e300,
            "", "x", "ON_QUEUE", "a\nb", "\u2028", [], [null], [{"id": 1}], {}, {"id": 1}, {"entities": null}]"#,
    )
    .unwrap()
}

fn kind(value: &Value) -> u8 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

fn pointers(value: &Value, here: String, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pointers(item, format!("{here}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                pointers(item, format!("{here}/{key}"), out);
            }
        }
        _ => {}
    }
    out.push(here);
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let len = bytes.len();
    match mutation {
        Mutation::Truncate(at) => bytes.truncate(at.index(len + 1)),
        Mutation::FlipBit(at, bit) if len > 0 => bytes[at.index(len)] ^= 1 << bit,
        Mutation::InsertByte(at, b) => bytes.insert(at.index(len + 1), *b),
        Mutation::DeleteByte(at) if len > 0 => {
            bytes.remove(at.index(len));
        }
        Mutation::InsertText(at, text) => {
            let at = at.index(len + 1);
            bytes.splice(at..at, text.bytes());
        }
        Mutation::ReplaceValue(node, with) => {
            // Only while the text is still JSON; otherwise this is a no-op.
            let Ok(mut value) = serde_json::from_slice::<Value>(bytes) else {
                return;
            };
            let mut all = Vec::new();
            pointers(&value, String::new(), &mut all);
            let pointer = &all[node.index(all.len())];
            let target = value.pointer_mut(pointer).expect("a pointer of this value");
            let others: Vec<Value> = replacements()
                .into_iter()
                .filter(|r| kind(r) != kind(target))
                .collect();
            *target = others[with.index(others.len())].clone();
            *bytes = serde_json::to_vec_pretty(&value).unwrap();
        }
        Mutation::Repeat(a, b) if len > 0 => {
            let (a, b) = (a.index(len), b.index(len));
            let (from, to) = (a.min(b), a.max(b) + 1);
            let copy = bytes[from..to].to_vec();
            bytes.splice(to..to, copy);
        }
        _ => {}
    }
}

fn mutated_fixture() -> impl Strategy<Value = Vec<u8>> {
    (select(fixtures()), vec(mutation(), 1..4)).prop_map(|((_, fixture), mutations)| {
        let mut bytes = fixture.clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        bytes
    })
}

/// Bodies nested `depth` levels deep through a field the models decode
/// recursively (or keep as a `Value`).
fn nested(depth: usize, wrapper: usize) -> Vec<u8> {
    const WRAPPERS: &[(&str, &str)] = &[
        ("[", "]"),
        ("{\"errors\":[", "]}"),
        ("{\"extra\":", "}"),
        ("{\"messageParams\":{\"a\":", "}}"),
        ("{\"presences\":[{\"presenceDefinition\":{\"x\":", "}}]}"),
        ("{\"entities\":[{\"createdBy\":{\"division\":", "}}]}"),
        ("{\"outOfOffices\":[{\"user\":{\"u\":", "}}]}"),
        ("{\"languageLabels\":", "}"),
    ];
    let (open, close) = WRAPPERS[wrapper % WRAPPERS.len()];
    let mut out = Vec::with_capacity(depth * (open.len() + close.len()) + 4);
    for _ in 0..depth {
        out.extend_from_slice(open.as_bytes());
    }
    out.extend_from_slice(b"null");
    for _ in 0..depth {
        out.extend_from_slice(close.as_bytes());
    }
    out
}

/// A JSON string literal that decodes.
fn valid_string() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any::<String>(),
        3 => vec(select(WORDS), 0..8).prop_map(|w| w.concat()),
        1 => (1usize..2000).prop_map(|n| "é".repeat(n)),
    ]
    .prop_map(|s| serde_json::to_string(&s).unwrap())
}

/// A Genesys error body whose fields mostly have the right types, so that it
/// decodes and its text reaches `Display`; now and then a field of the wrong
/// type.
fn error_shaped() -> impl Strategy<Value = String> {
    use proptest::option::{of, weighted};
    let text = || prop_oneof![8 => valid_string(), 1 => Just("null".to_owned()), 1 => json_text()];
    let object_of = |names: &'static [&'static str]| {
        proptest::collection::btree_map(select(names), valid_string(), 0..names.len() + 1).prop_map(
            |fields| {
                let pairs: Vec<(String, String)> = fields
                    .into_iter()
                    .map(|(k, v)| (serde_json::to_string(k).unwrap(), v))
                    .collect();
                object(&pairs)
            },
        )
    };
    let list_of =
        |item: BoxedStrategy<String>| vec(item, 0..3).prop_map(|items| format!("[{}]", items.join(",")));
    (
        (
            weighted(0.8, text()),
            weighted(0.8, text()),
            weighted(0.5, text()),
        ),
        (of(text()), of(text()), of(text())),
        of(prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            select(ODD_NUMBERS).prop_map(str::to_owned),
        ]),
        of(proptest::collection::btree_map(valid_string(), json_text(), 0..4)
            .prop_map(|m| object(&m.into_iter().collect::<Vec<_>>()))),
        of(list_of(
            object_of(&["errorCode", "fieldName", "entityId", "entityName"]).boxed(),
        )),
        of(list_of(object_of(&["code", "message", "contextId"]).boxed())),
        of((text(), text(), any::<i64>())
            .prop_map(|(k, n, v)| format!("{{\"key\":{k},\"namespace\":{n},\"value\":{v}}}"))),
    )
        .prop_map(
            |(
                (code, message, context),
                (entity_id, entity_name, with_params),
                status,
                params,
                details,
                errors,
                limit,
            )| {
                let fields = [
                    ("code", code),
                    ("message", message),
                    ("contextId", context),
                    ("entityId", entity_id),
                    ("entityName", entity_name),
                    ("messageWithParams", with_params),
                    ("status", status),
                    ("messageParams", params),
                    ("details", details),
                    ("errors", errors),
                    ("limit", limit),
                ];
                let pairs: Vec<(String, String)> = fields
                    .into_iter()
                    .filter_map(|(k, v)| v.map(|v| (serde_json::to_string(k).unwrap(), v)))
                    .collect();
                object(&pairs)
            },
        )
}

/// Any body: random bytes, generated JSON, mutated fixtures, deep nesting.
fn any_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => random_bytes(),
        3 => json_body().prop_map(String::into_bytes),
        2 => error_shaped().prop_map(String::into_bytes),
        4 => mutated_fixture(),
        1 => (0usize..300, 0usize..8).prop_map(|(depth, wrapper)| nested(depth, wrapper)),
    ]
}

// ---------------------------------------------------------------- level 1: direct decoding

/// Decodes `bytes` as `T`. A decoded value must print, serialize, and decode
/// again from what it serialized to.
fn decode<T: DeserializeOwned + Serialize + Debug>(bytes: &[u8], inspect: impl Fn(&T)) {
    if let Ok(value) = serde_json::from_slice::<T>(bytes) {
        inspect(&value);
        let _ = format!("{value:?}");
        let again = serde_json::to_vec(&value).expect("a decoded model serializes");
        if let Err(e) = serde_json::from_slice::<T>(&again) {
            panic!(
                "{} does not decode what it serialized: {e}\ninput: {:?}\nserialized: {:?}",
                std::any::type_name::<T>(),
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(&again)
            );
        }
    }
}

/// Every public `Deserialize` model (every response model and every type
/// they contain).
fn decode_as_every_model(bytes: &[u8]) {
    let presence_name = |p: &SystemPresence| {
        let _ = p.system_presence_name().map(|n| n.to_string());
    };
    decode::<SystemPresence>(bytes, presence_name);
    decode::<Vec<SystemPresence>>(bytes, |list| list.iter().for_each(presence_name));
    decode::<SystemPresenceName>(bytes, |n| {
        let _ = (n.as_str(), SystemPresenceName::parse(n.as_str()));
    });
    let definition = |d: &OrganizationPresence| {
        let _ = (d.system_presence_name(), d.label("en_US"));
    };
    decode::<OrganizationPresence>(bytes, definition);
    decode::<Vec<OrganizationPresence>>(bytes, |list| list.iter().for_each(definition));
    decode::<OrganizationPresenceEntityListing>(bytes, |page| page.entities.iter().for_each(definition));
    let presence = |p: &UserPresence| {
        let _ = p.system_presence_name();
    };
    decode::<UserPresence>(bytes, presence);
    decode::<Vec<UserPresence>>(bytes, |list| list.iter().for_each(presence));
    decode::<PresenceDefinition>(bytes, |d| {
        let _ = d.system_presence_name();
    });
    decode::<PresenceExpand>(bytes, |e| e.presences.iter().for_each(presence));
    decode::<OutOfOffice>(bytes, |_| {});
    decode::<User>(bytes, |_| {});
    decode::<ErrorBody>(bytes, |_| {});
    decode::<ErrorDetail>(bytes, |_| {});
    decode::<ErrorLimit>(bytes, |_| {});
    let current = |d: &OrganizationPresenceDefinition| {
        let _ = (d.system_presence_name(), d.label("en_US"));
    };
    decode::<OrganizationPresenceDefinition>(bytes, current);
    decode::<OrganizationPresenceDefinitionEntityListing>(bytes, |page| {
        page.entities.iter().for_each(current)
    });
    decode::<UcUserPresence>(bytes, |p| {
        let _ = p.system_presence_name();
    });
    decode::<Vec<UcUserPresence>>(bytes, |_| {});
    decode::<Source>(bytes, |_| {});
    decode::<SourceEntityListing>(bytes, |_| {});
    decode::<PresenceSettings>(bytes, |_| {});
    decode::<RestorePresenceSettings>(bytes, |_| {});
    decode::<UserPrimarySource>(bytes, |_| {});
    decode::<BTreeMap<String, Value>>(bytes, |_| {});
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        // Found inputs are reported in the failure message; nothing is
        // written next to the tests.
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn random_bytes_decode_or_fail_cleanly(bytes in random_bytes()) {
        decode_as_every_model(&bytes);
    }
}

proptest! {
    #![proptest_config(config(800))]

    #[test]
    fn generated_json_decodes_or_fails_cleanly(body in json_body()) {
        decode_as_every_model(body.as_bytes());
    }
}

proptest! {
    #![proptest_config(config(700))]

    #[test]
    fn mutated_fixtures_decode_or_fail_cleanly(bytes in mutated_fixture()) {
        decode_as_every_model(&bytes);
    }
}

#[test]
fn fixtures_decode_as_every_model_without_panicking() {
    for (_, bytes) in fixtures() {
        decode_as_every_model(bytes);
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    // serde_json stops at 128 levels; just under, at and over that limit, and
    // far beyond it, in every recursive field, on a test thread's stack.
    for depth in [1, 60, 120, 126, 127, 128, 129, 200, 1_000, 20_000] {
        for wrapper in 0..8 {
            decode_as_every_model(&nested(depth, wrapper));
        }
    }
}

// ---------------------------------------------------------------- level 2: the request path

/// What the local server answers.
#[derive(Clone)]
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

/// Shows the body as text, so that a failing case can be read.
impl Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

impl Answer {
    fn json(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn with_header(mut self, name: &'static str, value: &str) -> Answer {
        self.headers.push((name, value.to_owned()));
        self
    }
}

/// The answers of one case: the n-th request of a kind gets the n-th answer
/// of its list, and every request after the last gets the last.
#[derive(Debug, Default)]
struct Slots {
    api: Vec<Answer>,
    token: Vec<Answer>,
    api_requests: usize,
    token_requests: usize,
}

/// One HTTP/1.1 server on 127.0.0.1 for a whole property: each connection
/// is served on its own thread, one request, `Connection: close`.
/// `POST /oauth/token` gets the token answers, every other path the API ones.
struct LocalServer {
    url: String,
    slots: Arc<Mutex<Slots>>,
}

impl LocalServer {
    fn start() -> LocalServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let slots = Arc::new(Mutex::new(Slots::default()));
        let shared = Arc::clone(&slots);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let slots = Arc::clone(&shared);
                std::thread::spawn(move || {
                    let _ = serve(stream, &slots);
                });
            }
        });
        LocalServer { url, slots }
    }

    /// Sets the answers of the next case and resets the counters.
    fn set(&self, api: Vec<Answer>, token: Vec<Answer>) {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        *slots = Slots {
            api,
            token,
            ..Slots::default()
        };
    }

    /// How many API and token requests the case made.
    fn requests(&self) -> (usize, usize) {
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        (slots.api_requests, slots.token_requests)
    }
}

fn serve(stream: TcpStream, slots: &Mutex<Slots>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        // A connection closed before its request (ureq may connect, then
        // refuse to send a header): not a request, and not counted, since
        // it may end after the next case has begun.
        return Ok(());
    }
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let answer = {
        let mut slots = slots.lock().unwrap_or_else(PoisonError::into_inner);
        let slots = &mut *slots;
        let (answers, count) = if path.starts_with("/oauth/token") {
            (&slots.token, &mut slots.token_requests)
        } else {
            (&slots.api, &mut slots.api_requests)
        };
        *count += 1;
        answers
            .get(*count - 1)
            .or(answers.last())
            .cloned()
            .unwrap_or_else(|| Answer::json(500, "{}"))
    };
    let mut head = format!("HTTP/1.1 {} Answer\r\n", answer.status);
    head.push_str("content-type: application/json\r\n");
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        answer.body.len()
    ));
    let mut stream = stream;
    stream.write_all(head.as_bytes())?;
    stream.write_all(&answer.body)?;
    stream.flush()
}

/// A header value a server may send: printable ASCII, spaces, tabs, and
/// bytes outside ASCII (which the crate must ignore).
fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        vec(prop_oneof![0x21u8..0x7f, Just(b' '), Just(b'\t')], 1..60)
            .prop_map(|b| String::from_utf8(b).unwrap().trim().to_owned()),
        any::<u64>().prop_map(|n| n.to_string()),
        Just("18446744073709551616".to_owned()),
        Just("-1".to_owned()),
        Just("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()),
        Just("caf\u{e9}".to_owned()),
    ]
    .prop_filter("a header value is not empty", |v| !v.is_empty())
}

fn headers() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    (
        proptest::option::of(header_value()),
        proptest::option::of(header_value()),
    )
        .prop_map(|(correlation, retry_after)| {
            let mut headers = Vec::new();
            if let Some(v) = correlation {
                headers.push(("inin-correlation-id", v));
            }
            if let Some(v) = retry_after {
                headers.push(("retry-after", v));
            }
            headers
        })
}

/// 200 most of the time, other 2xx, redirects without a location, and every
/// error status.
fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        6 => Just(200u16),
        1 => select(vec![201u16, 202, 203, 206, 299]),
        1 => 300u16..400,
        6 => 400u16..600,
    ]
}

fn answer() -> impl Strategy<Value = Answer> {
    (status(), headers(), any_body()).prop_map(|(status, headers, body)| Answer {
        status,
        headers,
        body,
    })
}

/// The public operations, each decoding a different model (or none).
#[derive(Debug, Clone, Copy)]
enum Operation {
    SystemList,
    GetPurecloud,
    GetPresence,
    GetTeams,
    UpdatePurecloud,
    UpdatePresence,
    UpdateBulk,
    DefinitionsList,
    DefinitionsListAll,
    DefinitionsGet,
    DefinitionsCreate,
    DefinitionsUpdate,
    DefinitionsDelete,
    CurrentDefinitionsList,
    CurrentDefinitionsGet,
    SourcesList,
    SourcesGet,
    SettingsGet,
    PrimarySourceGet,
    BulkRead,
}

const OPERATIONS: [Operation; 20] = [
    Operation::SystemList,
    Operation::GetPurecloud,
    Operation::GetPresence,
    Operation::GetTeams,
    Operation::UpdatePurecloud,
    Operation::UpdatePresence,
    Operation::UpdateBulk,
    Operation::DefinitionsList,
    Operation::DefinitionsListAll,
    Operation::DefinitionsGet,
    Operation::DefinitionsCreate,
    Operation::DefinitionsUpdate,
    Operation::DefinitionsDelete,
    Operation::CurrentDefinitionsList,
    Operation::CurrentDefinitionsGet,
    Operation::SourcesList,
    Operation::SourcesGet,
    Operation::SettingsGet,
    Operation::PrimarySourceGet,
    Operation::BulkRead,
];

/// Runs `operation`; an `Ok` is returned as its `Debug` text.
fn run(operation: Operation, session: &Session) -> Result<String, Error> {
    fn shown<T: Debug>(result: Result<T, Error>) -> Result<String, Error> {
        result.map(|value| format!("{value:?}"))
    }
    let presence = UserPresence {
        id: Some("u1".into()),
        presence_definition: Some(PresenceDefinition::with_id("d1")),
        message: Some("Back soon".into()),
        ..Default::default()
    };
    let definition = OrganizationPresence {
        language_labels: Some([("en_US".to_owned(), "Lunch".to_owned())].into()),
        system_presence: Some("Meal".into()),
        ..Default::default()
    };
    match operation {
        Operation::SystemList => shown(system::list(session)),
        Operation::GetPurecloud => shown(user::get_purecloud_presence(session, "u1")),
        Operation::GetPresence => shown(user::get_presence(session, "u1", "calendar")),
        Operation::GetTeams => shown(user::get_microsoft_teams_presence(session, "u1")),
        Operation::UpdatePurecloud => shown(user::update_purecloud_presence(session, "u1", &presence)),
        Operation::UpdatePresence => shown(user::update_presence(session, "u1", "calendar", &presence)),
        Operation::UpdateBulk => shown(user::update_presences_bulk(session, &[presence])),
        Operation::DefinitionsList => shown(definitions::list(session, &DefinitionQuery::default())),
        Operation::DefinitionsListAll => shown(definitions::list_all(session, &DefinitionQuery::default())),
        Operation::DefinitionsGet => shown(definitions::get(session, "d1", Some("ALL"))),
        Operation::DefinitionsCreate => shown(definitions::create(session, &definition)),
        Operation::DefinitionsUpdate => shown(definitions::update(session, "d1", &definition)),
        Operation::DefinitionsDelete => shown(definitions::delete(session, "d1")),
        Operation::CurrentDefinitionsList => shown(presence_definitions::list(
            session,
            &PresenceDefinitionQuery::default(),
        )),
        Operation::CurrentDefinitionsGet => shown(presence_definitions::get(session, "d1", None)),
        Operation::SourcesList => shown(sources::list(session)),
        Operation::SourcesGet => shown(sources::get(session, "s1")),
        Operation::SettingsGet => shown(settings::get(session)),
        Operation::PrimarySourceGet => shown(user::get_primary_source(session, "u1")),
        Operation::BulkRead => shown(user::get_purecloud_presences_bulk(session, &["u1", "u2"])),
    }
}

/// Every character Unicode counts as ending a line.
const LINE_BREAKS: [char; 7] = ['\n', '\r', '\u{b}', '\u{c}', '\u{85}', '\u{2028}', '\u{2029}'];

/// What every error must be: a non-empty single line for `Display`, a
/// working `Debug` and working accessors.
#[track_caller]
fn check_error(err: &Error) {
    let text = err.to_string();
    assert!(!text.trim().is_empty(), "empty Display for {err:?}");
    assert!(
        !text.contains(LINE_BREAKS),
        "Display is not one line: {text:?}\nerror: {err:?}"
    );
    assert!(!format!("{err:?}").is_empty());
    assert!(!format!("{err:#?}").is_empty());
    let _ = (
        err.kind(),
        err.status(),
        err.code(),
        err.correlation_id(),
        err.body(),
        err.retry_after(),
        err.attempts(),
        err.method(),
        err.path(),
        err.transport_kind(),
        err.argument(),
        err.bulk(),
    );
    let _ = (
        err.is_timeout(),
        err.is_not_found(),
        err.is_rate_limited(),
        err.is_auth(),
        err.is_retryable(),
    );
    assert!(std::error::Error::source(err).is_none(), "{err:?}");
}

fn session(server: &LocalServer) -> Session {
    Session::builder()
        .base_url(&server.url)
        .access_token("t")
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn any_answer_to_any_operation_is_ok_or_a_clean_error(
        operation in select(OPERATIONS.to_vec()),
        answer in answer(),
    ) {
        thread_local! {
            static SERVER: LocalServer = LocalServer::start();
        }
        SERVER.with(|server| {
            let status = answer.status;
            // `list_all` asks for more pages: they are empty.
            server.set(vec![answer, Answer::json(200, r#"{"entities":[]}"#)], Vec::new());
            let outcome = run(operation, &session(server));
            let (api_requests, token_requests) = server.requests();
            assert_eq!(token_requests, 0);
            assert!(api_requests >= 1);
            match &outcome {
                Ok(_) => assert!((200..300).contains(&status), "Ok for status {status}"),
                Err(err) => {
                    check_error(err);
                    match err.kind() {
                        ErrorKind::Decode => {
                            assert!((200..300).contains(&status), "{err:?}");
                            assert_eq!(err.status(), Some(status));
                        }
                        ErrorKind::Api => {
                            assert!(!(200..300).contains(&status), "{err:?}");
                            assert_eq!(err.status(), Some(status));
                            assert_eq!(err.attempts(), Some(1));
                        }
                        // A page that decodes but does not fit the listing
                        // (another page number, more pages announced than
                        // the empty ones that follow, a total not delivered).
                        ErrorKind::IncompleteListing => {
                            assert!(matches!(operation, Operation::DefinitionsListAll), "{err:?}");
                            assert!((200..300).contains(&status), "{err:?}");
                        }
                        _ => panic!("status {status} gave {err:?}"),
                    }
                }
            }
        });
    }
}

// ---------------------------------------------------------------- the token endpoint

const TOKEN_FIELDS: &[&str] = &[
    "access_token",
    "expires_in",
    "token_type",
    "error",
    "error_description",
    "description",
    "message",
    "scope",
];

/// A value a token endpoint might put in a field.
fn token_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => json_text(),
        2 => select(vec![
            r#""tok-ABCdef123456789""#,
            r#"" tok-ABCdef123456789 ""#,
            r#""tok\nABC""#,
            r#""tok\u0000ABC""#,
            r#""tok-é""#,
            r#""tok-\u00e9-ABCdef""#,
            r#""\u0080""#,
            r#""invalid_client""#,
            r#""invalid client!""#,
            r#""""#,
            r#""   ""#,
            "86399",
            "-1",
            "1.5",
            "-0.5",
            "1e400",
            "18446744073709551615",
            r#""86399""#,
            r#"" 60 ""#,
            r#""soon""#,
            "null",
            "[]",
            "{}",
        ])
        .prop_map(str::to_owned),
    ]
}

fn token_body() -> impl Strategy<Value = Vec<u8>> {
    let member = (
        select(TOKEN_FIELDS).prop_map(|k| serde_json::to_string(k).unwrap()),
        token_value(),
    );
    prop_oneof![
        4 => vec(member, 0..6).prop_map(|pairs| object(&pairs).into_bytes()),
        2 => mutated_fixture(),
        1 => random_bytes(),
        1 => json_body().prop_map(String::into_bytes),
    ]
}

fn token_answer() -> impl Strategy<Value = Answer> {
    (
        prop_oneof![4 => Just(200u16), 1 => 201u16..300, 4 => 400u16..600],
        headers(),
        token_body(),
    )
        .prop_map(|(status, headers, body)| Answer {
            status,
            headers,
            body,
        })
}

proptest! {
    #![proptest_config(config(250))]

    #[test]
    fn any_token_endpoint_answer_gives_a_token_or_an_auth_error(answer in token_answer()) {
        thread_local! {
            static SERVER: LocalServer = LocalServer::start();
        }
        SERVER.with(|server| {
            let status = answer.status;
            server.set(vec![Answer::json(200, "[]")], vec![answer]);
            let session = Session::builder()
                .base_url(&server.url)
                .client_credentials("client-id", "S3cr3t-Zq9!x")
                .retry_policy(RetryPolicy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
            let outcome = system::list(&session);
            let (api_requests, token_requests) = server.requests();
            assert_eq!(token_requests, 1);
            match &outcome {
                Ok(list) => {
                    assert!((200..300).contains(&status), "Ok after token status {status}");
                    assert!(list.is_empty());
                    assert_eq!(api_requests, 1);
                }
                Err(err) => {
                    check_error(err);
                    assert_eq!(api_requests, 0, "{err:?}");
                    assert_eq!(err.kind(), ErrorKind::Auth, "token status {status} gave {err:?}");
                    assert_eq!(err.status(), Some(status));
                }
            }
        });
    }
}

// ---------------------------------------------------------------- crate bugs found by the properties

/// Found by `any_answer_to_any_operation_is_ok_or_a_clean_error` (first as
/// `{"code":"Bearer tok-ABCdef123456789ON_QUEUE \f","message":"éé…"}` with
/// status 332): `describe_api` pushes `body.code` as it is and
/// `describe_context` the correlation id taken from `contextId`, while the
/// message goes through `one_line`.
#[test]
fn api_error_display_is_one_line_whatever_the_code_and_context_id() {
    let server = LocalServer::start();
    let mut failures = Vec::new();
    for body in [
        r#"{"code":"bad\nrequest"}"#,
        r#"{"code":"bad.request\f","message":"m"}"#,
        r#"{"code":"a\u2028b"}"#,
        r#"{"message":"m","contextId":"5e0b\r\nX-Injected: 1"}"#,
    ] {
        server.set(vec![Answer::json(400, body)], Vec::new());
        let text = system::list(&session(&server)).unwrap_err().to_string();
        if text.contains(LINE_BREAKS) {
            failures.push(format!("{body} gives {text:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "Display is not one line:\n{}",
        failures.join("\n")
    );
}

/// Found on the way (in the snapshot these tests were written against):
/// `RetryPolicy::allow` added the time already waited to the next wait with
/// `Duration + Duration`, so a 429 with `Retry-After: 1` then a 429 with
/// `Retry-After: 18446744073709551615` panicked with "overflow when adding
/// durations". Fixed since (`checked_add`); `tests/api/faults.rs` covers the API
/// call, this covers the token request, which goes through the same retry
/// loop. Takes one second (the first Retry-After).
#[test]
fn a_huge_retry_after_from_the_token_endpoint_after_a_first_wait_is_an_auth_error() {
    let server = LocalServer::start();
    server.set(
        vec![Answer::json(200, "[]")],
        vec![
            Answer::json(429, "{}").with_header("retry-after", "1"),
            Answer::json(429, "{}").with_header("retry-after", "18446744073709551615"),
        ],
    );
    let session = Session::builder()
        .base_url(&server.url)
        .client_credentials("client-id", "S3cr3t-Zq9!x")
        .build()
        .unwrap();
    let err = system::list(&session).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err:?}");
    assert_eq!(err.status(), Some(429));
    assert!(err.is_rate_limited() && err.is_auth() && err.is_retryable());
    assert_eq!(server.requests(), (0, 2));
    check_error(&err);
}

/// `RetryPolicy::backoff_for` computes `random() % (nanos + 1)` where
/// `nanos` saturates at `u64::MAX` for a backoff over ~584 years: `nanos + 1`
/// overflows (a panic in debug builds, a division by zero in release).
#[test]
fn an_enormous_backoff_is_an_error_not_a_panic() {
    let server = LocalServer::start();
    server.set(vec![Answer::json(503, "{}")], Vec::new());
    // Beyond the bounds: refused when the session is built.
    let refused = Session::builder()
        .base_url(&server.url)
        .access_token("t")
        .retry_policy(RetryPolicy::default().backoff(Duration::MAX, Duration::MAX))
        .build()
        .unwrap_err();
    assert!(refused.to_string().contains("retry_policy"), "{refused}");
    // The largest accepted backoff (an hour) is more than the default
    // minute of waiting: the 503 is returned, not waited on.
    let session = Session::builder()
        .base_url(&server.url)
        .access_token("t")
        .retry_policy(RetryPolicy::default().backoff(RetryPolicy::MAX_DELAY, RetryPolicy::MAX_DELAY))
        .build()
        .unwrap();
    let err = system::list(&session).unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
}

/// `auth::sensitive` checks tokens with `HeaderValue::from_str`, which lets
/// bytes above ASCII through (obs-text); ureq then refuses to send the
/// header. A token endpoint answering `{"access_token":"tok-é"}` gives, on
/// the API call, a `Transport` error of kind `Io` saying "protocol:
/// authorization header is not a string" (retried as a broken connection
/// by the default policy) instead of an `Auth` error; the same token given to
/// `SessionBuilder::access_token` is accepted by `build` and fails every call
/// the same way instead of being a `Config` error.
#[test]
fn a_token_a_header_cannot_carry_is_an_auth_error() {
    let server = LocalServer::start();
    server.set(
        vec![Answer::json(200, "[]")],
        vec![Answer::json(
            200,
            r#"{"access_token":"tok-\u00e9","expires_in":3600}"#,
        )],
    );
    let session = Session::builder()
        .base_url(&server.url)
        .client_credentials("client-id", "S3cr3t-Zq9!x")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let fetched = system::list(&session);
    let built = Session::builder()
        .base_url(&server.url)
        .access_token("tok-é")
        .build();
    assert!(
        matches!(&fetched, Err(e) if e.kind() == ErrorKind::Auth)
            && matches!(&built, Err(e) if e.kind() == ErrorKind::Config),
        "token from the endpoint: {fetched:?}; token given to the builder: {:?}",
        built.map(|s| system::list(&s))
    );
}
