//! Waiting until the client has seen the scripted server close its
//! connections, so that a client checking a pooled connection before
//! reusing it finds it closed.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use super::lock;

/// Waits (at most 3 s) until `closed` (the client addresses of the
/// connections the server at `server` closed) holds `count`, and the
/// client's end of each has received the close.
///
/// The client's end is read from `/proc/net/tcp` (Linux): it has the
/// close once it is no longer `ESTABLISHED` (`CLOSE_WAIT`, or further
/// on, or gone). Elsewhere a short pause stands in for that check.
pub(super) fn wait(server: SocketAddr, closed: &Mutex<Vec<Option<SocketAddr>>>, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let closed = lock(closed).clone();
        let mut still_open = Vec::new();
        if closed.len() >= count {
            let clients: Vec<SocketAddr> = closed.iter().flatten().copied().collect();
            match established(server, &clients) {
                Some(open) if open.is_empty() => return,
                Some(open) => still_open = open,
                None => {
                    // Not Linux: no table to read.
                    thread::sleep(Duration::from_millis(50));
                    return;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "within 3 s, the server closed {} of {count} connection(s); client ends still \
             established: {still_open:?}",
            closed.len()
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// Which of the connections from `clients` to `server` the client still has
/// `ESTABLISHED`, that is, has not received the server's close on, from
/// `/proc/net/tcp`; `None` where that table cannot be read.
fn established(server: SocketAddr, clients: &[SocketAddr]) -> Option<Vec<SocketAddr>> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    // `0100007F:1F90`: the IPv4 address as the kernel's u32 in hex, in the
    // machine's byte order, then the port in hex.
    let address = |text: &str| -> Option<SocketAddr> {
        let (ip, port) = text.split_once(':')?;
        let ip = u32::from_str_radix(ip, 16).ok()?.to_ne_bytes();
        let port = u16::from_str_radix(port, 16).ok()?;
        Some(SocketAddr::from((ip, port)))
    };
    const ESTABLISHED: &str = "01";
    let open = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (local, remote, state) = (
                address(fields.get(1)?)?,
                address(fields.get(2)?)?,
                *fields.get(3)?,
            );
            (remote == server && state == ESTABLISHED && clients.contains(&local)).then_some(local)
        })
        .collect();
    Some(open)
}
