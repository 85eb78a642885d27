//! Every `SessionBuilder` setting has bounds, and `build()` refuses a value
//! outside them with `ErrorKind::Config` naming the setting, so that nothing a
//! caller passes panics later. Each value that once panicked is here, with
//! the boundaries; sessions built with the largest accepted values make real
//! calls to servers on 127.0.0.1.

use std::time::Duration;

use crate::config_errors::{built, config_message, env, refused};
use genesys_presence::fake::FakeOrg;
use genesys_presence::{system, user, RetryPolicy, Session, SessionBuilder};

const TOKEN: &str = "tok-5Kp9-settings-bounds";
const DAY: Duration = Duration::from_secs(24 * 3600);
const GIB: u64 = 1024 * 1024 * 1024;

fn builder() -> SessionBuilder {
    Session::builder()
        .base_url("http://127.0.0.1:1")
        .access_token(TOKEN)
}

// ---------------------------------------------------------------- timeouts

#[test]
fn timeouts_outside_one_millisecond_to_one_day_are_refused() {
    let too_long = [Duration::MAX, DAY + Duration::from_nanos(1), DAY * 365];
    let too_short = [
        Duration::ZERO,
        Duration::from_nanos(1),
        Duration::from_micros(999),
    ];
    for value in too_long.into_iter().chain(too_short) {
        let message = refused(builder().timeout(value), "timeout", &[TOKEN]);
        assert!(message.contains("from 1 ms to 1 day"), "{message}");
        let message = refused(builder().connect_timeout(value), "connect_timeout", &[TOKEN]);
        assert!(message.contains("from 1 ms to 1 day"), "{message}");
    }
    for value in [Duration::from_millis(1), Duration::from_secs(30), DAY] {
        built(builder().timeout(value).connect_timeout(value));
    }
}

#[test]
fn an_agent_whose_own_timeouts_would_overflow_is_refused() {
    type Set = fn(
        ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
        Option<Duration>,
    ) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope>;
    let setters: [(&str, Set); 4] = [
        ("timeout_global", |c, d| c.timeout_global(d)),
        ("timeout_per_call", |c, d| c.timeout_per_call(d)),
        ("timeout_resolve", |c, d| c.timeout_resolve(d)),
        ("timeout_await_100", |c, d| c.timeout_await_100(d)),
    ];
    for (name, set) in setters {
        for value in [Duration::MAX, DAY + Duration::from_millis(1)] {
            let agent = set(ureq::Agent::config_builder(), Some(value))
                .build()
                .new_agent();
            let message = refused(builder().agent(agent), "agent", &[TOKEN]);
            assert!(message.contains(name), "{message}");
        }
        for value in [None, Some(DAY)] {
            let agent = set(ureq::Agent::config_builder(), value).build().new_agent();
            built(builder().agent(agent));
        }
    }
}

// ---------------------------------------------------------------- sizes, rates, lifetimes

#[test]
fn max_response_bytes_outside_one_byte_to_one_gib_is_refused() {
    for value in [0, GIB + 1, u64::MAX] {
        let message = refused(
            builder().max_response_bytes(value),
            "max_response_bytes",
            &[TOKEN],
        );
        assert!(message.contains(&value.to_string()), "{message}");
    }
    for value in [1, 16, DEFAULT_MAX, GIB] {
        built(builder().max_response_bytes(value));
    }
}

const DEFAULT_MAX: u64 = genesys_presence::DEFAULT_MAX_RESPONSE_BYTES;

#[test]
fn a_pacing_rate_outside_one_an_hour_to_a_million_a_second_is_refused() {
    let slowest = 1.0 / 3600.0;
    for rate in [
        1e-20, // panicked inside build(): the interval overflowed a Duration
        f64::MIN_POSITIVE,
        5e-324,
        slowest * 0.999,
        0.0,
        -0.0,
        -1.0,
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1_000_000.5,
        1e9,
        f64::MAX,
    ] {
        let message = refused(
            builder().max_requests_per_second(rate),
            "max_requests_per_second",
            &[TOKEN],
        );
        assert!(message.contains("one request an hour"), "{message}");
    }
    for rate in [slowest, 0.01, 4.5, 300.0, 1_000_000.0] {
        let session = built(builder().max_requests_per_second(rate));
        assert!(format!("{session:?}").contains("requests per"), "{session:?}");
    }
}

#[test]
fn a_budget_a_minute_outside_one_to_a_million_or_given_twice_is_refused() {
    for requests in [0, 1_000_001, u32::MAX] {
        let message = refused(
            builder().max_requests_per_minute(requests),
            "max_requests_per_minute",
            &[TOKEN],
        );
        assert!(message.contains("from 1 to 1000000"), "{message}");
    }
    for requests in [1, 300, 1_000_000] {
        let session = built(builder().max_requests_per_minute(requests));
        assert!(
            format!("{session:?}").contains(&format!("{requests} requests per 60s")),
            "{session:?}"
        );
    }
    let both = builder()
        .max_requests_per_minute(300)
        .max_requests_per_second(5.0);
    let message = refused(both, "max_requests_per_minute", &[TOKEN]);
    assert!(message.contains("give one"), "{message}");
}

#[test]
fn a_definitions_cache_ttl_over_one_day_is_refused() {
    for ttl in [Duration::MAX, DAY + Duration::from_nanos(1)] {
        refused(
            builder().definitions_cache_ttl(ttl),
            "definitions_cache_ttl",
            &[TOKEN],
        );
    }
    for ttl in [Duration::ZERO, Duration::from_secs(300), DAY] {
        built(builder().definitions_cache_ttl(ttl));
    }
}

#[test]
fn a_retry_policy_of_more_than_a_hundred_attempts_is_refused() {
    for attempts in [101, 1_000, u32::MAX] {
        let message = refused(
            builder().retry_policy(RetryPolicy::default().max_attempts(attempts)),
            "retry_policy",
            &[TOKEN],
        );
        assert!(message.contains("max_attempts"), "{message}");
    }
    for attempts in [0, 1, 4, 100] {
        built(builder().retry_policy(RetryPolicy::default().max_attempts(attempts)));
    }
}

#[test]
fn a_retry_policy_waiting_over_a_day_or_backing_off_over_an_hour_is_refused() {
    let day = Duration::from_secs(24 * 3600);
    let hour = Duration::from_secs(3600);
    for (policy, named) in [
        (
            RetryPolicy::default().max_total_wait(Duration::MAX),
            "max_total_wait",
        ),
        (
            RetryPolicy::default().max_total_wait(day + Duration::from_nanos(1)),
            "max_total_wait",
        ),
        (
            RetryPolicy::default().backoff(Duration::MAX, Duration::MAX),
            "max_delay",
        ),
        (
            RetryPolicy::default().backoff(Duration::from_secs(1), hour + Duration::from_nanos(1)),
            "max_delay",
        ),
    ] {
        let message = refused(builder().retry_policy(policy), "retry_policy", &[TOKEN]);
        assert!(message.contains(named), "{message}");
    }
    assert_eq!(RetryPolicy::MAX_TOTAL_WAIT, day);
    assert_eq!(RetryPolicy::MAX_DELAY, hour);
    built(builder().retry_policy(RetryPolicy::default().max_total_wait(day).backoff(hour, hour)));
}

#[test]
fn a_locale_that_is_not_a_locale_code_is_refused() {
    for locale in [
        "",
        "   ",
        "fr FR",
        "en\nUS",
        "fran\u{e7}ais",
        "en/US",
        &"x".repeat(36),
    ] {
        refused(builder().locale(locale), "locale", &[TOKEN]);
    }
    for locale in ["fr", "en_US", " pt_BR ", "zh-Hant-TW", &"x".repeat(35)] {
        built(builder().locale(locale));
    }
}

// ---------------------------------------------------------------- the user agent

#[test]
fn a_user_agent_that_is_not_visible_ascii_and_spaces_is_refused() {
    for agent in [
        "Z\u{fc}rich-Monitor/1.0",
        "monitor/1.0 \u{1f600}",
        "caf\u{e9}",
        "app\t1.0",
        "app/1\r\nX-Evil: 1",
        "app/1\nX-Evil: 1",
        "app\u{0}",
        "app\u{7f}",
        "app\u{85}x",
        "",
        "   ",
        &"x".repeat(257),
    ] {
        let message = refused(builder().user_agent(agent), "user_agent", &[TOKEN]);
        assert!(!message.contains('\n') && !message.contains('\r'), "{message:?}");
    }
    let message = refused(builder().user_agent("Z\u{fc}rich-Monitor/1.0"), "user_agent", &[]);
    assert!(
        message.contains("visible ASCII characters and spaces"),
        "{message}"
    );
    for agent in [
        "status-light/1.0",
        "status-light/1.0 (ops team; +https://example.test/bot) curl-ish/7",
        "  padded/1.0  ",
        "~!@#$%^&*()_+`-={}|[]\\:\";'<>?,./",
        &"x".repeat(256),
    ] {
        built(builder().user_agent(agent));
    }
}

// ---------------------------------------------------------------- credentials

#[test]
fn a_token_given_with_its_scheme_is_refused_without_quoting_it() {
    for given in [
        format!("Bearer {TOKEN}"),
        format!("bearer {TOKEN}"),
        format!("BEARER {TOKEN}"),
        format!("BeArEr   {TOKEN}"),
        format!("Bearer\t{TOKEN}"),
        format!("  Bearer {TOKEN}  "),
        format!("Bearer\u{a0}{TOKEN}"),
        format!("Basic {TOKEN}"),
        "Bearer".to_owned(),
        "bearer ".to_owned(),
    ] {
        let message = refused(
            Session::builder().access_token(given.as_str()),
            "access_token",
            &[TOKEN],
        );
        assert!(message.contains("pass the token alone"), "{given:?}: {message}");
    }
    let vars = [("GENESYSCLOUD_ACCESS_TOKEN", format!("Bearer {TOKEN}"))];
    let err = Session::from_env_with(env(&vars)).unwrap_err();
    let message = config_message(err, "GENESYSCLOUD_ACCESS_TOKEN", &[TOKEN]);
    assert!(message.contains("pass the token alone"), "{message}");
}

#[test]
fn a_token_that_is_not_one_word_of_visible_ascii_is_refused_without_quoting_it() {
    let piece = "Zq81-piece";
    for given in [
        String::new(),
        "   ".to_owned(),
        "\t\n".to_owned(),
        format!("{TOKEN} {piece}"),
        format!("{TOKEN}\n{piece}"),
        format!("{TOKEN}\r\n{piece}"),
        format!("{TOKEN}\u{0}{piece}"),
        format!("{TOKEN}\u{1}{piece}"),
        format!("{TOKEN}\u{7f}{piece}"),
        format!("{TOKEN}\u{e9}{piece}"),
        format!("{TOKEN}\u{200b}{piece}"),
        format!("{TOKEN}{}", "x".repeat(8 * 1024)),
    ] {
        refused(
            Session::builder().access_token(given.as_str()),
            "access_token",
            &[TOKEN, piece],
        );
    }
    for given in [
        TOKEN.to_owned(),
        format!("  {TOKEN}\n"),
        "eyJhbGciOiJIUzI1NiJ9.e30.abc-_~+/=".to_owned(),
        "x".repeat(8 * 1024),
    ] {
        built(Session::builder().access_token(given));
    }
}

#[test]
fn client_credentials_outside_their_bounds_are_refused() {
    let secret = "s3cr3t-Yw2-value";
    for (id, setting) in [
        ("my:client", "client id"),
        ("my\nclient", "client id"),
        ("my\u{0}client", "client id"),
        (&"i".repeat(1025)[..], "client id"),
    ] {
        refused(
            Session::builder().client_credentials(id, secret),
            setting,
            &[secret],
        );
    }
    for bad in [format!("{secret}\n"), format!("{secret}\u{0}"), "s".repeat(1025)] {
        refused(
            Session::builder().client_credentials("my-client-id", bad.as_str()),
            "client secret",
            &[secret],
        );
    }
    built(Session::builder().client_credentials("i".repeat(1024), "s".repeat(1024)));
    built(Session::builder().client_credentials(" my-client-id ", "p@ss w:rd/+?"));
}

// ---------------------------------------------------------------- the largest values, used

/// A session against `base_url` with every setting at its largest accepted value.
fn largest(builder: SessionBuilder) -> Session {
    builder
        .timeout(DAY)
        .connect_timeout(DAY)
        .max_response_bytes(GIB)
        .max_requests_per_second(1_000_000.0)
        .definitions_cache_ttl(DAY)
        .retry_policy(RetryPolicy::default().max_attempts(100))
        .user_agent("x".repeat(256))
        .locale("x".repeat(35))
        .build()
        .expect("the largest accepted values build")
}

#[test]
fn calls_with_the_largest_accepted_values_do_not_panic() {
    let org = FakeOrg::start().unwrap();
    let user_id = org.user_ids()[0].clone();
    let with_token = largest(
        Session::builder()
            .base_url(org.base_url())
            .access_token(org.access_token()),
    );
    let with_client = largest(
        Session::builder()
            .base_url(org.base_url())
            .client_credentials(org.client_id(), org.client_secret()),
    );
    for session in [&with_token, &with_client] {
        assert!(!system::list(session).unwrap().is_empty());
        let presence = user::get_purecloud_presence(session, &user_id).unwrap();
        assert!(presence.presence_definition.is_some(), "{presence:?}");
        // The definitions cache, kept for a day, and a write.
        let set = user::set_presence_by_name(session, &user_id, "Busy", Some("bounds")).unwrap();
        assert_eq!(set.message.as_deref(), Some("bounds"));
    }
    // The WebSocket connects with the same timeouts.
    #[cfg(feature = "notifications")]
    {
        let mut watcher = genesys_presence::watch::users(&with_token, &[&user_id]).unwrap();
        user::set_presence_by_name(&with_token, &user_id, "Away", None).unwrap();
        let event = watcher.next_timeout(Duration::from_secs(10));
        assert!(event.is_some(), "a change within 10 s");
        watcher.close();
    }
}

#[test]
fn a_caller_agent_with_the_largest_accepted_timeouts_makes_its_calls() {
    let org = FakeOrg::start().unwrap();
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(DAY))
        .timeout_per_call(Some(DAY))
        .timeout_resolve(Some(DAY))
        .timeout_await_100(Some(DAY))
        .build()
        .new_agent();
    let session = largest(
        Session::builder()
            .base_url(org.base_url())
            .client_credentials(org.client_id(), org.client_secret())
            .agent(agent),
    );
    assert!(!system::list(&session).unwrap().is_empty());
}

#[test]
fn the_slowest_accepted_pacing_rate_sends_its_first_call_at_once() {
    let org = FakeOrg::start().unwrap();
    let session = built(
        Session::builder()
            .base_url(org.base_url())
            .access_token(org.access_token())
            .max_requests_per_second(1.0 / 3600.0),
    );
    let started = std::time::Instant::now();
    assert!(!system::list(&session).unwrap().is_empty());
    assert!(started.elapsed() < Duration::from_secs(30));
}
