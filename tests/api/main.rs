//! Every API operation, the session, the request path and its failures,
//! against mock and scripted servers on 127.0.0.1. Needs no feature; the
//! tests of notification calls need `notifications`.

// Helpers shared with the other test binaries (`tests/common/`): only the
// files this binary uses, so that nothing in them goes unused here.
#[macro_use]
#[path = "../common/mock.rs"]
mod mock;
#[path = "../common/config_errors.rs"]
mod config_errors;
#[path = "../common/script_server.rs"]
mod script_server;

mod bulk;
mod by_name;
mod clear_text;
mod credentials;
mod custom_headers;
mod decoding;
mod definitions;
mod errors;
mod faults;
mod gateway;
mod grants;
mod login_predicates;
mod observing;
mod pkce;
mod presence_definitions;
mod request_heads;
mod request_review;
mod reuse;
mod secrets;
mod session;
mod settings;
mod sign_in_review;
mod sign_in_secrets;
mod sources;
mod system;
mod user;
mod users_tokens;
