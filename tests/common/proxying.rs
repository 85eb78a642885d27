//! The plumbing of the test proxies: request heads read from a proxy's
//! client, and `CONNECT` tunnels.

// The tunnels serve the TLS tests and the stand-in org's; a build with
// neither (plain `notifications`) only reads request heads.
#![cfg_attr(
    not(any(feature = "fake", feature = "rustls", feature = "native-tls")),
    allow(dead_code)
)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};

/// Reads a request head from a proxy's client, up to its blank line;
/// `None` when the client goes first.
pub fn read_head(client: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
        if head.len() > 64 * 1024 {
            return None;
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// The `host:port` a request head asks for (`CONNECT host:port HTTP/1.1`).
pub fn target_of(head: &str) -> String {
    head.split(' ').nth(1).unwrap_or_default().to_owned()
}

/// Answers a `CONNECT`: opens `target`, says `200`, and copies both ways
/// until either side closes (`502` when `target` cannot be reached).
pub fn open_tunnel(mut client: TcpStream, target: &str) {
    let Ok(upstream) = TcpStream::connect(target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
        return;
    };
    let _ = client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n");
    let (mut a, mut b) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let forward = std::thread::spawn(move || {
        let _ = std::io::copy(&mut a, &mut b);
        let _ = b.shutdown(Shutdown::Write);
    });
    let (mut from, mut to) = (upstream, client);
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Both);
    let _ = forward.join();
}
