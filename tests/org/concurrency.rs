//! One client-credentials `Session` shared by eight threads against the
//! stand-in org ([`FakeOrg`]), which counts token requests:
//!
//! - the first calls, started together, fetch one token between them;
//! - when the org revokes every token in the middle of the run, calls in
//!   flight get a `401`, and exactly one new token is fetched per revocation;
//!   every call still succeeds (the second revocation waits until every
//!   thread has made a call with the first new token);
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
    /// Calls per thread, at least: each thread goes on until it has made a
    /// call with the token that replaced the last revoked one.
    const CALLS: usize = 40;
    const TOTAL: usize = THREADS * CALLS;
    const REVOCATIONS: usize = 2;
    /// The first revocation comes once this many calls have completed.
    const FIRST_AFTER: usize = TOTAL / 3;
    /// The second one not before this many calls, and not before every
    /// thread has completed a call started after the first one.
    const SECOND_AFTER: usize = 2 * TOTAL / 3;
    /// A run that has not finished by then has failed.
    const GIVE_UP: Duration = Duration::from_secs(60);

    /// What the threads have done, changed under one lock so that a
    /// revocation and the count of revocations change together.
    struct Progress {
        /// Calls that have returned, with or without an error.
        completed: usize,
        /// Revocations so far.
        revoked: usize,
        /// For each thread, the most revocations made before one of its
        /// successful calls started. A thread with `caught_up[t] == r` holds
        /// the token that replaced the `r`th revoked one: the call started
        /// after that revocation, so it ended with a token fetched after it.
        caught_up: [usize; THREADS],
    }

    let org = FakeOrg::start().unwrap();
    let session = org.session().unwrap();
    let users = org.user_ids();
    let barrier = Barrier::new(THREADS);
    let progress = Mutex::new(Progress {
        completed: 0,
        revoked: 0,
        caught_up: [0; THREADS],
    });
    let failures = Mutex::new(Vec::new());
    let started = Instant::now();

    thread::scope(|scope| {
        for t in 0..THREADS {
            let (session, users, barrier, failures) = (&session, &users, &barrier, &failures);
            let (org, progress) = (&org, &progress);
            scope.spawn(move || {
                barrier.wait();
                for n in 0.. {
                    let revoked_before = progress.lock().unwrap().revoked;
                    let outcome = call(session, users, t, n);
                    let mut progress = progress.lock().unwrap();
                    progress.completed += 1;
                    match outcome {
                        Ok(()) => progress.caught_up[t] = progress.caught_up[t].max(revoked_before),
                        Err(e) => failures.lock().unwrap().push(format!("thread {t} call {n}: {e}")),
                    }
                    // Revoke while the other seven threads have calls in
                    // flight. A second revocation only once every thread
                    // holds the first new token: one still replaying with
                    // it would meet a second 401, which the crate returns
                    // (as documented) rather than fetch again.
                    let revoke = match progress.revoked {
                        0 => progress.completed >= FIRST_AFTER,
                        1 => progress.completed >= SECOND_AFTER && progress.caught_up.iter().all(|&c| c >= 1),
                        _ => false,
                    };
                    if revoke {
                        org.expire_tokens();
                        progress.revoked += 1;
                    }
                    let done = n + 1 >= CALLS
                        && progress.revoked == REVOCATIONS
                        && progress.caught_up[t] == REVOCATIONS;
                    drop(progress);
                    if done {
                        break;
                    }
                    if started.elapsed() > GIVE_UP {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("thread {t} gave up after {GIVE_UP:?}, at call {n}"));
                        break;
                    }
                }
            });
        }
    });

    assert_no_failures(&failures);
    let progress = progress.into_inner().unwrap();
    assert_eq!(progress.revoked, REVOCATIONS);
    assert_eq!(progress.caught_up, [REVOCATIONS; THREADS]);
    assert!(progress.completed >= TOTAL, "{} calls", progress.completed);
    assert_eq!(
        org.token_requests(),
        1 + REVOCATIONS,
        "the first token, then one per revocation"
    );
    // Each revocation is met by at least one 401 (the next call with the old
    // token), and by at most one per thread (each thread replays once).
    let refused = org.requests() - progress.completed - org.token_requests();
    assert!(
        (REVOCATIONS..=REVOCATIONS * THREADS).contains(&refused),
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
