//! The caller's own headers (`SessionBuilder::header`) travel on the
//! WebSocket handshake too, as on every REST call, so that a gateway that
//! wants a key header lets the watcher's socket through.

use std::net::TcpListener;
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use genesys_presence::watch::WatchBuilder;
use genesys_presence::Session;

use crate::network::{watch_api, FAR_FUTURE, WATCHED_USER};

/// A WebSocket server on 127.0.0.1 that accepts every handshake and sends
/// what `record` makes of each handshake request on the channel; its port.
pub(crate) fn handshakes<T: Send + 'static>(
    record: fn(&tungstenite::handshake::server::Request) -> T,
) -> (u16, Receiver<T>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (seen, handshakes) = mpsc::channel();
    thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let seen = seen.clone();
            thread::spawn(move || {
                #[allow(clippy::result_large_err)] // tungstenite's callback type
                let accept = |request: &tungstenite::handshake::server::Request, response| {
                    let _ = seen.send(record(request));
                    Ok(response)
                };
                let Ok(mut ws) = tungstenite::accept_hdr(tcp, accept) else {
                    return;
                };
                while ws.read().is_ok() {}
            });
        }
    });
    (port, handshakes)
}

/// The handshake's headers that are not the WebSocket's own, nor `host`
/// (in the server's order, which is not the order sent).
fn own_headers(request: &tungstenite::handshake::server::Request) -> Vec<(String, String)> {
    request
        .headers()
        .iter()
        .filter(|(name, _)| {
            let name = name.as_str();
            !name.starts_with("sec-websocket-") && !["host", "connection", "upgrade"].contains(&name)
        })
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

#[test]
fn the_websocket_handshake_carries_the_callers_headers() {
    let (port, handshakes) = handshakes(own_headers);
    let (api, _channels) = watch_api(&format!("ws://127.0.0.1:{port}/channels/c1"), FAR_FUTURE);
    let session = Session::builder()
        .base_url(api.url())
        .access_token("test-token")
        .header("X-Gateway-Key", "gw-key-7f3a9c21e8")
        .header("Genesys-App", "status-sync")
        .build()
        .unwrap();
    let mut watcher = WatchBuilder::new()
        .users(&[WATCHED_USER])
        .start(&session)
        .unwrap();
    let mut headers = handshakes.recv_timeout(Duration::from_secs(5)).unwrap();
    headers.sort();
    watcher.close();
    let user_agent = format!("genesys-presence/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        headers,
        [
            ("genesys-app", "status-sync"),
            ("user-agent", user_agent.as_str()),
            ("x-gateway-key", "gw-key-7f3a9c21e8"),
        ]
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
    );
}
