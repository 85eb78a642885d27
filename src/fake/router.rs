//! Routing: which handler answers a method on a path, after the bearer check
//! of `/api/` calls.
//!
//! To add an endpoint, write a [`Handler`] and add a line to [`ROUTES`].

use std::time::Instant;

#[cfg(feature = "notifications")]
use super::notifications;
use super::state::State;
use super::wire::{Incoming, Outcome, Reply};
use super::{
    authorize, bulk, definitions, oauth, presence_definitions, presences, primary_source, settings, sources,
    token_info, users,
};

/// The message of a 404 for a path nothing is served at.
const NOT_FOUND: &str = "The requested resource was not found.";

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
        path: &["oauth", "authorize"],
        methods: &[("GET", authorize::authorize)],
    },
    Route {
        path: &["api", "v2", "tokens", "me"],
        methods: &[
            ("GET", token_info::get),
            ("HEAD", token_info::get),
            ("DELETE", token_info::revoke),
        ],
    },
    Route {
        path: &["api", "v2", "users", "me"],
        methods: &[("GET", users::me)],
    },
    Route {
        path: &["api", "v2", "users", "search"],
        methods: &[("POST", users::search)],
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

/// Finds the route and runs its handler: 404 for a path outside its
/// [gateway prefix](super::gateway) (none by default), which is then taken
/// off; 401 for `/api/` paths without a valid token, 429 for those over the
/// [rate limit](super::rate_limit), 404 for no route, 405 for a method the
/// route lacks. With a rate limit, every answer to an `/api/` call with a
/// valid token carries the `inin-ratelimit-*` headers.
pub(super) fn dispatch(state: &mut State, mut incoming: Incoming) -> Reply {
    let Some(prefix) = state.gateway.admit(&incoming.segments) else {
        return Reply::not_found(NOT_FOUND);
    };
    incoming.segments.drain(..prefix);
    if incoming.segments.first().is_none_or(|s| s != "api") {
        return route(state, incoming);
    }
    let verdict = match oauth::authorize(state, &incoming) {
        Ok(token) => state.rate_limits.admit(token, Instant::now()),
        Err(refusal) => return refusal,
    };
    match verdict {
        None => route(state, incoming),
        Some(verdict) if verdict.admitted => verdict.mark(route(state, incoming)),
        Some(verdict) => verdict.mark(verdict.refusal()),
    }
}

fn route(state: &mut State, mut incoming: Incoming) -> Reply {
    for route in ROUTES {
        let Some(params) = route.matches(&incoming.segments) else {
            continue;
        };
        incoming.params = params;
        let Some((_, handler)) = route.methods.iter().find(|(m, _)| *m == incoming.method) else {
            let allowed: Vec<&str> = route.methods.iter().map(|(m, _)| *m).collect();
            return Reply::method_not_allowed(&incoming.method, &incoming.path, &allowed);
        };
        return handler(state, &incoming).unwrap_or_else(|refusal| refusal);
    }
    Reply::not_found(NOT_FOUND)
}
