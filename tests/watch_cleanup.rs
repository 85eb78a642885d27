//! A watcher leaves no thread and no socket behind, whether it is closed or
//! dropped, also after reconnections. Alone in its test binary, so that the
//! process's thread count (`/proc/self/task`) is this test's own.

use std::time::{Duration, Instant};

use genesys_presence::fake::FakeOrg;
use genesys_presence::watch::WatchBuilder;

/// Names the stand-in org's threads inherit (Linux gives an unnamed thread
/// its creator's name): the org is started from a thread of this name.
const ORG_STARTER: &str = "org-starter";

/// The process's threads: all but the stand-in org's, and the watcher's
/// socket readers (named `genesys-presence-watch`, which Linux cuts to 15
/// bytes). A thread the watcher left behind is counted either way.
fn threads() -> (usize, usize) {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return (0, 0); // not Linux: nothing to count
    };
    let mut all = 0;
    let mut readers = 0;
    for task in tasks.flatten() {
        let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        let name = name.trim_end();
        if name.starts_with(ORG_STARTER) || name.starts_with("genesys-fake") {
            continue; // the org's HTTP and WebSocket servers and their workers
        }
        all += 1;
        if name == "genesys-presenc" {
            readers += 1;
        }
    }
    (all, readers)
}

/// Waits until `done` holds, for at most 5 s.
#[track_caller]
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(5), "not within 5 s: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn close_and_drop_leave_no_thread_and_no_socket() {
    let org = std::thread::Builder::new()
        .name(ORG_STARTER.into())
        .spawn(FakeOrg::start)
        .unwrap()
        .join()
        .unwrap()
        .unwrap();
    org.set_heartbeat_interval(Duration::from_millis(50));
    let users = org.user_ids();
    let (baseline, no_readers) = threads();
    assert_eq!(no_readers, 0);

    for closing in ["close", "drop"] {
        // Dropped with the watcher, so that its pooled connections close too.
        let session = org.session().unwrap();
        let mut watcher = WatchBuilder::new()
            .heartbeat_timeout(Duration::from_millis(600))
            .reconnect_backoff(Duration::from_millis(10), Duration::from_millis(100))
            .max_users_per_channel(2)
            .users(&users)
            .start(&session)
            .unwrap();
        assert_eq!(org.open_sockets(), 2, "{closing}");
        // A new thread takes its name a moment after it starts (until then
        // it has its creator's), and a joined one stays listed a moment: the
        // reader count is awaited, not read once.
        if cfg!(target_os = "linux") {
            eventually("one reader per channel", || threads().1 == 2);
        }
        // One reconnection, so that replaced readers are counted too.
        org.close_sockets();
        eventually("a reconnection", || {
            let _ = watcher.next_timeout(Duration::from_millis(20));
            org.sockets_opened() >= 4 && watcher.connected_channels() == 2
        });
        if cfg!(target_os = "linux") {
            eventually("the replaced readers ended", || threads().1 == 2);
        }
        if closing == "close" {
            watcher.close();
            drop(watcher);
        } else {
            drop(watcher);
        }
        // A joined thread can stay listed in /proc for a moment after it
        // ended, so the count is awaited rather than read once.
        eventually("no reader left", || threads().1 == 0);
        drop(session);
        eventually("the org sees every socket closed", || org.open_sockets() == 0);
        eventually("the thread count back to where it was", || {
            threads().0 == baseline
        });
    }
}
