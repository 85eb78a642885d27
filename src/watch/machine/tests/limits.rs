//! The ceiling on channels made per minute, and on channels held at once.

use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use super::*;

const MINUTE: Duration = Duration::from_secs(60);

fn with_ceiling(ceiling: u32, users_per_channel: usize) -> Machine {
    machine_with(Config {
        max_channels_per_minute: ceiling,
        max_users_per_channel: users_per_channel,
        ..config()
    })
}

#[track_caller]
fn assert_ceiling(result: Result<Vec<Action>>) {
    match result {
        Err(error) if error.watch_kind() == Some(WatchErrorKind::ChannelCeiling) => {
            assert_eq!(error.kind(), crate::ErrorKind::Watch);
            assert!(error.to_string().contains("max_channels_per_minute"), "{error}");
        }
        other => panic!("expected the channel ceiling, got {other:?}"),
    }
}

#[test]
fn adding_users_past_the_channel_ceiling_is_refused_and_changes_nothing() {
    let t0 = Instant::now();
    let mut m = with_ceiling(3, 2);
    // A refused user, to see that a refused call does not forget it.
    let (slot, link) = open_of(&m.add(ids(&["a", "r"]), t0).unwrap());
    let refused = vec![("r".to_owned(), "Missing permission".to_owned())];
    assert_eq!(
        m.opened(slot, link, t0 + DAY, refused, t0),
        [read(0, &["a"], false)]
    );
    assert_eq!(yielded(&mut m), ["refused v2.users.r.presence"]);
    // Two more channels: three this minute, the ceiling.
    assert_eq!(
        m.add(ids(&["b", "c", "d", "e"]), t0).unwrap(),
        [
            Action::Subscribe {
                slot: 0,
                link: 1,
                users: ids(&["b"])
            },
            open(1, 2, &["c", "d"]),
            open(2, 3, &["e"]),
        ]
    );
    m.subscribed(0, ids(&["b"]), Vec::new());
    m.opened(1, 2, t0 + DAY, Vec::new(), t0);
    m.opened(2, 3, t0 + DAY, Vec::new(), t0);

    let now = t0 + MINUTE - MS;
    // A user that fits on a channel needs none.
    assert_eq!(
        m.add(ids(&["f"]), now).unwrap(),
        [Action::Subscribe {
            slot: 2,
            link: 3,
            users: ids(&["f"])
        }]
    );
    m.subscribed(2, ids(&["f"]), Vec::new());
    // One that needs a channel does.
    let wake = m.next_wake(now);
    assert_ceiling(m.add(ids(&["g", "r"]), now));
    assert_eq!(m.user_ids(), ids(&["a", "b", "c", "d", "e", "f"]));
    assert_eq!(m.refused_users().len(), 1, "r is still refused");
    assert_eq!(m.channels(), 3);
    assert_eq!(m.next_wake(now), wake);
    assert_eq!(due(&mut m, now), []);
    assert_eq!(yielded(&mut m), NOTHING, "returned, not yielded");
    // So does one that would reopen a channel left without users.
    let gone: BTreeSet<String> = ids(&["c", "d"]).into_iter().collect();
    assert_eq!(m.remove(&gone), [Action::Close { link: 2 }]);
    assert_ceiling(m.add(ids(&["g"]), now));
    assert_eq!(m.channels(), 2);

    // A minute after the first three were made, there is room again.
    let now = t0 + MINUTE;
    assert_eq!(m.add(ids(&["g", "r"]), now).unwrap(), [open(1, 4, &["g", "r"])]);
    assert!(m.refused_users().is_empty());
}

#[test]
fn users_that_need_a_21st_channel_are_invalid_input() {
    let t0 = Instant::now();
    let mut m = with_ceiling(100, 1);
    let users: Vec<String> = (0..=MAX_CHANNELS).map(|i| format!("u{i:02}")).collect();
    // All at once: none is watched.
    match m.add(users.clone(), t0) {
        Err(error) => match error.repr() {
            Repr::InvalidInput { what, why } => {
                assert_eq!(*what, "user_ids");
                assert!(why.contains("20 channels"), "{why}");
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert!(m.user_ids().is_empty());
    assert_eq!(m.channels(), 0);
    assert_eq!(due(&mut m, t0), []);

    // Twenty fit, the 21st does not.
    let actions = m.add(users[..MAX_CHANNELS].to_vec(), t0).unwrap();
    assert_eq!(actions.len(), MAX_CHANNELS);
    assert_eq!(
        m.add(users[MAX_CHANNELS..].to_vec(), t0)
            .map_err(|e| e.argument())
            .err(),
        Some(Some("user_ids"))
    );
    assert_eq!(m.user_ids(), users[..MAX_CHANNELS]);
    assert_eq!(m.channels(), MAX_CHANNELS);

    // A channel given up makes room.
    let gone: BTreeSet<String> = ids(&["u00"]).into_iter().collect();
    assert_eq!(m.remove(&gone), [Action::Close { link: 1 }]);
    assert_eq!(
        m.add(users[MAX_CHANNELS..].to_vec(), t0).unwrap(),
        [open(0, MAX_CHANNELS as u64 + 1, &["u20"])]
    );
}

#[test]
fn a_reconnection_past_the_ceiling_waits_until_the_oldest_channel_is_a_minute_old() {
    let t0 = Instant::now();
    let mut m = with_ceiling(3, 1);
    let actions = m.add(ids(&["a", "b", "c"]), t0).unwrap();
    assert_eq!(actions.len(), 3);
    for (slot, link) in [(0, 1), (1, 2), (2, 3)] {
        m.opened(slot, link, t0 + DAY, Vec::new(), t0);
    }

    // Stable connections lost: to be replaced at once, but three channels
    // were made in the last minute.
    let now = t0 + 10 * SECOND;
    m.lost(1, closing(), now);
    assert_eq!(due(&mut m, now), [Action::Close { link: 1 }]);
    assert_eq!(yielded(&mut m), ["ChannelCeiling"]);
    assert_eq!(m.next_wake(now), Some(t0 + MINUTE));

    let now = t0 + 30 * SECOND;
    m.lost(2, closing(), now);
    assert_eq!(due(&mut m, now), [Action::Close { link: 2 }]);
    assert_eq!(yielded(&mut m), NOTHING, "at most once a minute");
    assert_eq!(m.next_wake(now), Some(t0 + MINUTE));
    assert_eq!(due(&mut m, t0 + MINUTE - MS), []);

    let now = t0 + MINUTE;
    assert_eq!(due(&mut m, now), [open(0, 4, &["a"]), open(1, 5, &["b"])]);
    m.lost(3, closing(), now);
    assert_eq!(due(&mut m, now), [Action::Close { link: 3 }, open(2, 6, &["c"])]);
    assert_eq!(yielded(&mut m), NOTHING);
    for (slot, link) in [(0, 4), (1, 5), (2, 6)] {
        assert_eq!(m.opened(slot, link, now + DAY, Vec::new(), now), []);
    }
    let reads = due(&mut m, now);
    assert_eq!(reads.len(), 3);

    // Past the ceiling again more than a minute after it was reported:
    // reported again.
    let later = now + 10 * SECOND;
    m.lost(4, closing(), later);
    assert_eq!(due(&mut m, later), [Action::Close { link: 4 }]);
    assert_eq!(yielded(&mut m), ["ChannelCeiling"]);
    assert_eq!(m.next_wake(later), Some(now + MINUTE));
    assert_eq!(due(&mut m, now + MINUTE), [open(0, 7, &["a"])]);
}

#[test]
fn a_renewal_past_the_ceiling_waits_too() {
    let t0 = Instant::now();
    let mut m = with_ceiling(2, 1);
    let (slot, link) = open_of(&m.add(ids(&["a"]), t0).unwrap());
    // Said to expire at once: renewed once stable, 10 s later.
    m.opened(slot, link, t0, Vec::new(), t0);
    let (other, second) = open_of(&m.add(ids(&["b"]), t0 + 5 * SECOND).unwrap());
    m.opened(other, second, t0 + 5 * SECOND + DAY, Vec::new(), t0 + 5 * SECOND);

    let renew_at = t0 + 10 * SECOND;
    assert_eq!(m.next_wake(t0), Some(renew_at));
    assert_eq!(due(&mut m, renew_at), []);
    assert_eq!(yielded(&mut m), ["ChannelCeiling"]);
    assert_eq!(m.connected_channels(), 2, "kept meanwhile");
    assert_eq!(m.next_wake(renew_at), Some(t0 + MINUTE));
    assert_eq!(due(&mut m, t0 + MINUTE), [open(slot, 3, &["a"])]);
}

/// A jitter that scatters the waits over `[full / 2, full]`, the same way
/// from run to run, so that attempts come at all sorts of times.
fn scattered(full: Duration) -> Duration {
    static DRAWS: AtomicU32 = AtomicU32::new(0);
    let draw = DRAWS.fetch_add(1, Ordering::Relaxed);
    let thousandths = draw.wrapping_mul(7919) % 1000;
    full / 2 + full / 2 * thousandths / 1000
}

#[test]
fn a_storm_of_lost_connections_never_makes_more_channels_than_the_ceiling_in_a_minute() {
    const CEILING: u32 = 5;
    let t0 = Instant::now();
    let end = t0 + 10 * MINUTE;
    let config = Config {
        max_channels_per_minute: CEILING,
        max_users_per_channel: 1,
        // The shortest backoff always: as many attempts as can be.
        backoff_min: SECOND,
        backoff_max: SECOND,
        ..config()
    };
    let mut m = Machine::new(config, scattered);
    let users = ["a", "b", "c", "d"];
    let mut todo: VecDeque<Action> = m.add(ids(&users), t0).unwrap().into();
    let mut made: Vec<Instant> = Vec::new();
    let mut reported: Vec<Instant> = Vec::new();
    let mut now = t0;
    while now < end {
        while let Some(action) = todo.pop_front().or_else(|| m.next_due(now)) {
            let Action::Open { slot, link, .. } = action else {
                continue; // closes and reads
            };
            made.push(now);
            assert!(made.len() < 10_000, "runaway");
            match link % 3 {
                // Its socket ends while the channel is being opened.
                0 => {
                    m.lost(link, dropped(), now);
                    todo.extend(m.opened(slot, link, now + DAY, Vec::new(), now));
                }
                // Opened, then lost at once.
                1 => {
                    todo.extend(m.opened(slot, link, now + DAY, Vec::new(), now));
                    m.lost(link, closing(), now);
                }
                // Not opened at all; but the first channels are (a failure of
                // theirs is the caller's: they would not be retried).
                _ if link <= users.len() as u64 => {
                    todo.extend(m.opened(slot, link, now + DAY, Vec::new(), now));
                    m.lost(link, dropped(), now);
                }
                _ => m.open_failed(slot, link, error(), now).unwrap(),
            }
        }
        while let Some(item) = m.pop() {
            if matches!(&item, Err(e) if e.watch_kind() == Some(WatchErrorKind::ChannelCeiling)) {
                reported.push(now);
            }
        }
        let wake = m.next_wake(now).expect("a reconnection is always planned");
        assert!(wake > now, "work said to be due at {:?}, but none was", wake - t0);
        now = wake;
    }

    for (i, first) in made.iter().enumerate() {
        let in_a_minute = made[i..].iter().take_while(|at| **at < *first + MINUTE).count();
        assert!(
            in_a_minute <= CEILING as usize,
            "{in_a_minute} channels in the minute from {:?}",
            *first - t0
        );
    }
    // The ceiling held them back, but not more than it says.
    assert!(made.len() >= 9 * CEILING as usize, "{} channels", made.len());
    assert!(reported.len() >= 5, "{reported:?}");
    for pair in reported.windows(2) {
        assert!(
            pair[1] - pair[0] >= MINUTE,
            "reported again after {:?}",
            pair[1] - pair[0]
        );
    }
    assert_eq!(m.user_ids(), ids(&users), "every user still watched");
}
