//! A session paces itself by the `inin-ratelimit-*` figures of the stand-in
//! org ([`FakeOrg::set_rate_limit_window`]): four threads sharing it make
//! 200 calls without a `429`, about as fast as the limit allows; with
//! pacing from the server's figures off, they draw `429`s, which are retried.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use genesys_presence::fake::FakeOrg;
use genesys_presence::{user, RetryPolicy, Session, SessionBuilder};

const THREADS: usize = 4;
/// The org's limit: `ALLOWED` API requests per `WINDOW` per token.
const ALLOWED: usize = 20;
const WINDOW: Duration = Duration::from_secs(2);

fn org_with_limit() -> FakeOrg {
    let org = FakeOrg::start().unwrap();
    org.set_rate_limit_window(ALLOWED as u32, WINDOW);
    org
}

fn builder(org: &FakeOrg) -> SessionBuilder {
    Session::builder()
        .base_url(org.base_url())
        .access_token(org.access_token())
}

/// Makes `calls` presence reads, shared by [`THREADS`] threads; returns
/// how long they took. Every call must succeed.
fn run(org: &FakeOrg, session: &Session, calls: usize) -> Duration {
    let users = org.user_ids();
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= calls {
                    return;
                }
                let presence = user::get_purecloud_presence(session, &users[n % users.len()])
                    .unwrap_or_else(|e| panic!("call {n}: {e}"));
                assert_eq!(presence.source.as_deref(), Some("PURECLOUD"));
            });
        }
    });
    started.elapsed()
}

#[test]
fn four_threads_paced_by_the_server_figures_make_200_calls_without_a_429_as_fast_as_the_limit_allows() {
    let org = org_with_limit();
    let session = builder(&org).build().unwrap();
    let calls = 200;

    let elapsed = run(&org, &session, calls);

    assert_eq!(org.rate_limited(), 0, "in {elapsed:?}");
    assert_eq!(org.requests(), calls);
    // A window starts with the first request after the previous one ended,
    // so window k starts at least (k - 1) · WINDOW after the first request,
    // and request n is in window ceil(n / ALLOWED) at the earliest: the
    // 200th cannot be sent before (ceil(200 / 20) - 1) · 2 s = 18 s.
    let ideal = WINDOW * (calls.div_ceil(ALLOWED) as u32 - 1);
    assert_eq!(ideal, Duration::from_secs(18));
    assert!(elapsed >= ideal, "{elapsed:?}: faster than the org allows");
    assert!(
        elapsed <= ideal.mul_f64(1.15),
        "{elapsed:?}: more than 15% over the {ideal:?} the limit allows"
    );
}

#[test]
fn without_pacing_from_the_server_figures_the_threads_draw_429s_which_are_retried() {
    let org = org_with_limit();
    let session = builder(&org)
        .rate_limit_pacing(false)
        .retry_policy(RetryPolicy::default().max_attempts(20))
        .build()
        .unwrap();
    // Three windows' worth: enough to go over the limit, short enough to
    // run beside the paced test.
    let calls = 3 * ALLOWED;

    run(&org, &session, calls);

    let refused = org.rate_limited();
    assert!(refused > 0, "no 429");
    // Every refusal was retried: each call was answered once with a 200.
    assert_eq!(org.requests(), calls + refused);
}
