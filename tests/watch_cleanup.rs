//! A watcher leaves no thread and no socket behind, whether it is closed or
//! dropped, also after reconnections. Alone in its test binary, so that the
//! process's thread count (`/proc/self/task`) is this test's own.

#![cfg(all(feature = "fake", feature = "notifications"))]

#[path = "common/wait.rs"]
mod wait;

use std::time::Duration;

use genesys_presence::fake::FakeOrg;
use genesys_presence::watch::WatchBuilder;
use wait::{eventually, settles_at};

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
        // A thread that ended between the listing and this read is not counted.
        let Ok(name) = std::fs::read_to_string(task.path().join("comm")) else {
            continue;
        };
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
        // The org counts a socket once its side of the handshake is done,
        // which can come after the client's side (and so after start()).
        settles_at(&format!("{closing}: open sockets"), 2, || org.open_sockets());
        // Every reader exists once start() returns, but each names itself
        // only once it runs: (threads beyond the baseline, named readers)
        // is (3, 2) once they have (the third is the recovery thread), and
        // never with a fourth thread alive.
        let one_reader_per_channel = || {
            let (all, readers) = threads();
            (all.checked_sub(baseline), readers)
        };
        if cfg!(target_os = "linux") {
            settles_at(
                &format!("{closing}: one reader per channel (new threads, readers)"),
                (Some(3), 2),
                one_reader_per_channel,
            );
        }
        // One reconnection, so that replaced readers are counted too.
        org.close_sockets();
        eventually("a reconnection", || {
            let _ = watcher.next_timeout(Duration::from_millis(20));
            org.sockets_opened() >= 4 && watcher.connected_channels() == 2
        });
        // The replaced readers were joined but may still be listed for a
        // moment; the new ones may not have named themselves yet.
        if cfg!(target_os = "linux") {
            settles_at(
                &format!("{closing}: the replaced readers ended (new threads, readers)"),
                (Some(3), 2),
                one_reader_per_channel,
            );
        }
        if closing == "close" {
            watcher.close();
            drop(watcher);
        } else {
            drop(watcher);
        }
        // A joined thread can stay listed in /proc for a moment after it
        // ended, so the count is awaited rather than read once.
        settles_at(&format!("{closing}: readers left"), 0, || threads().1);
        drop(session);
        settles_at(&format!("{closing}: sockets the org sees open"), 0, || {
            org.open_sockets()
        });
        settles_at(&format!("{closing}: threads"), baseline, || threads().0);
    }
}
