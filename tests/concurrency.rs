//! One client-credentials `Session` shared by eight threads against the
//! stand-in org ([`FakeOrg`]), which counts token requests:
//!
//! - the first calls, started together, fetch one token between them;
//! - when the org revokes every token in the middle of the run, calls in
//!   flight get a `401`, and exactly one new token is fetched per revocation;
//!   every call still succeeds;
//! - when the token's lifetime runs out on the client's side, exactly one new
//!   token is fetched per expiry, before the org would refuse it (no `401`);
//! - with a token that keeps expiring while the threads call without pause,
//!   fetches never come closer together than the token's refresh time.
//!
//! Threads start each round together on a `Barrier`, so they really overlap.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use genesys_presence::fake::FakeOrg;
use genesys_presence::{system, user, Error, Session};

const THREADS: usize = 8;

/// One call: a user's presence or the system presences, by turns.
fn call(session: &Session, users: &[String], thread: usize, n: usize) -> Result<(), Box<Error>> {
    if (thread + n) % 2 == 0 {
        let presence = user::get_purecloud_presence(session, &users[(thread + n) % users.len()])?;
        assert_eq!(presence.source.as_deref(), Some("PURECLOUD"));
    } else {
        assert_eq!(system::list(session)?.len(), 10);
    }
    Ok(())
}

/// Asserts that no call failed, showing the first failures if some did.
#[track_caller]
fn assert_no_failures(failures: &Mutex<Vec<String>>) {
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} call(s) failed, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
}

#[test]
fn eight_threads_starting_together_fetch_one_token() {
    let org = FakeOrg::start().unwrap();
    let session = org.session().unwrap();
    let users = org.user_ids();
    let barrier = Barrier::new(THREADS);
    let failures = Mutex::new(Vec::new());

    thread::scope(|scope| {
        for t in 0..THREADS {
            let (session, users, barrier, failures) = (&session, &users, &barrier, &failures);
            scope.spawn(move || {
                barrier.wait();
                for n in 0..5 {
                    if let Err(e) = call(session, users, t, n) {
                        failures.lock().unwrap().push(format!("thread {t} call {n}: {e}"));
                    }
                }
            });
        }
    });

    assert_no_failures(&failures);
    assert_eq!(org.token_requests(), 1);
    assert_eq!(org.requests(), 1 + THREADS * 5, "one token request, no 401");
}

#[test]
fn revoked_tokens_are_replaced_once_per_revocation_while_eight_threads_call() {
    const CALLS: usize = 40;
    const TOTAL: usize = THREADS * CALLS;
    // The org revokes every token when this many calls have completed.
    const REVOKE_AT: [usize; 2] = [TOTAL / 3, 2 * TOTAL / 3];

    let org = FakeOrg::start().unwrap();
    let session = org.session().unwrap();
    let users = org.user_ids();
    let barrier = Barrier::new(THREADS);
    let completed = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());

    thread::scope(|scope| {
        for t in 0..THREADS {
            let (session, users, barrier, failures) = (&session, &users, &barrier, &failures);
            let (org, completed) = (&org, &completed);
            scope.spawn(move || {
                barrier.wait();
                for n in 0..CALLS {
                    if let Err(e) = call(session, users, t, n) {
                        failures.lock().unwrap().push(format!("thread {t} call {n}: {e}"));
                    }
                    // Revoke while the other seven threads have calls in flight.
                    let done = completed.fetch_add(1, Ordering::SeqCst) + 1;
                    if REVOKE_AT.contains(&done) {
                        org.expire_tokens();
                    }
                }
            });
        }
    });

    assert_no_failures(&failures);
    assert_eq!(completed.load(Ordering::SeqCst), TOTAL);
    assert_eq!(
        org.token_requests(),
        1 + REVOKE_AT.len(),
        "the first token, then one per revocation"
    );
    // Each revocation is met by at least one 401 (the next call with the old
    // token), and by at most one per thread (each thread replays once).
    let refused = org.requests() - TOTAL - org.token_requests();
    assert!(
        (REVOKE_AT.len()..=REVOKE_AT.len() * THREADS).contains(&refused),
        "{refused} calls answered 401"
    );
}

#[test]
fn a_token_that_expires_on_the_client_side_is_fetched_once_per_expiry() {
    // Tokens live 2 s at the org; the client replaces one after 90% of that
    // (1.8 s). Each round of calls takes far less, and the pause between
    // rounds outlasts the token, so every round starts with eight threads
    // finding the token stale at once.
    const LIFETIME: Duration = Duration::from_secs(2);
    const ROUNDS: usize = 3; // the counts below are written for 3
    const CALLS: usize = 14; // per thread per round: 8 × 14 × 3 = 336 calls

    let org = FakeOrg::start().unwrap();
    org.set_token_lifetime(LIFETIME.as_secs());
    let session = org.session().unwrap();
    let users = org.user_ids();
    let barrier = Barrier::new(THREADS + 1);
    let failures = Mutex::new(Vec::new());
    let mut round_times = Vec::new();
    let mut tokens_after_round = Vec::new();

    thread::scope(|scope| {
        for t in 0..THREADS {
            let (session, users, barrier, failures) = (&session, &users, &barrier, &failures);
            scope.spawn(move || {
                for round in 0..ROUNDS {
                    barrier.wait(); // start together
                    for n in 0..CALLS {
                        if let Err(e) = call(session, users, t, n) {
                            failures
                                .lock()
                                .unwrap()
                                .push(format!("round {round} thread {t} call {n}: {e}"));
                        }
                    }
                    barrier.wait(); // round done
                }
            });
        }
        for round in 0..ROUNDS {
            barrier.wait();
            let started = Instant::now();
            barrier.wait();
            round_times.push(started.elapsed());
            // Not asserted here: a panic would leave the threads at the barrier.
            tokens_after_round.push(org.token_requests());
            if round + 1 < ROUNDS {
                thread::sleep(LIFETIME + Duration::from_millis(200));
            }
        }
    });

    assert_no_failures(&failures);
    for took in &round_times {
        // The counts above assume a round ends before the token's refresh time.
        assert!(
            *took < LIFETIME * 9 / 10,
            "a round took {took:?}: {round_times:?}"
        );
    }
    assert_eq!(
        tokens_after_round,
        [1, 2, 3],
        "one token per round: {round_times:?}"
    );
    assert_eq!(org.token_requests(), ROUNDS);
    assert_eq!(
        org.requests(),
        THREADS * CALLS * ROUNDS + ROUNDS,
        "no call was refused with a 401"
    );
}

#[test]
fn a_token_expiring_while_eight_threads_call_without_pause_is_never_fetched_twice_at_once() {
    // Tokens live 1 s; the client replaces one 0.9 s after it asked for it.
    // Eight threads call without pause for 2.5 s, so the token runs out in
    // the middle of their calls, twice or three times.
    const RUN: Duration = Duration::from_millis(2500);
    const REFRESH_AFTER: Duration = Duration::from_millis(900);

    let org = FakeOrg::start().unwrap();
    org.set_token_lifetime(1);
    let session = org.session().unwrap();
    let users = org.user_ids();
    let barrier = Barrier::new(THREADS);
    let calls = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());

    let started = Instant::now();
    thread::scope(|scope| {
        for t in 0..THREADS {
            let (session, users, barrier, failures, calls) = (&session, &users, &barrier, &failures, &calls);
            scope.spawn(move || {
                barrier.wait();
                let until = Instant::now() + RUN;
                let mut n = 0;
                while Instant::now() < until {
                    if let Err(e) = call(session, users, t, n) {
                        failures.lock().unwrap().push(format!("thread {t} call {n}: {e}"));
                    }
                    calls.fetch_add(1, Ordering::SeqCst);
                    n += 1;
                }
            });
        }
    });
    let elapsed = started.elapsed();

    assert_no_failures(&failures);
    let calls = calls.load(Ordering::SeqCst);
    assert!(calls >= THREADS * 10, "only {calls} calls in {elapsed:?}");
    let tokens = org.token_requests();
    // A token is fetched only once the previous one is 0.9 s old, so at most
    // one fetch per 0.9 s: eight threads racing would fetch many more.
    let most = 1 + (elapsed.as_millis() / REFRESH_AFTER.as_millis()) as usize;
    assert!(
        (2..=most).contains(&tokens),
        "{tokens} token requests in {elapsed:?} (at most {most})"
    );
    // Every 401 (a call that reached the org just after its token ran out)
    // is followed by a new token: there cannot be more of them than tokens.
    let refused = org.requests() - calls - tokens;
    assert!(refused <= tokens * THREADS, "{refused} calls answered 401");
}
