//! What the crate costs per call compared with the same requests written by
//! hand with `ureq` + `serde_json` into the same structs.
//!
//! ```text
//! cargo bench --bench overhead            # default: 15 rounds of 400 calls each
//! ROUNDS=31 CALLS=1000 cargo bench --bench overhead
//! ```
//!
//! A loopback server (in a child process, so that its CPU time is not
//! counted) answers fixed JSON over keep-alive connections as fast as it can.
//! Each round runs every case, in an order that alternates between rounds;
//! the table shows the median per-call wall time and process CPU time over
//! the rounds, and the crate's ratio to each direct client: `direct` uses a
//! default `ureq` agent (no timeouts), `direct+t/o` one with the crate's
//! timeouts, to show what they cost.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use genesys_presence::definitions::{self, DefinitionQuery};
use genesys_presence::{
    user, OrganizationPresence, OrganizationPresenceEntityListing, PresenceDefinition, RetryPolicy, Session,
    UserPresence,
};

const SERVER_ENV: &str = "GENESYS_PRESENCE_BENCH_SERVER";
const TOKEN: &str = "bench-token";
const USER: &str = "3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44";
const DEFINITION: &str = "31fe3bac-dea6-44b7-bed7-47f91660a1a0";

fn main() {
    if std::env::var_os(SERVER_ENV).is_some() {
        serve();
        return;
    }
    let rounds = env_number("ROUNDS", 15);
    let calls = env_number("CALLS", 400);
    let (mut server, base) = start_server();

    let session = Session::builder()
        .base_url(&base)
        .access_token(TOKEN)
        .retry_policy(RetryPolicy::default())
        .build()
        .expect("a session for the bench server");
    let direct = Direct::new(&base, ureq::Agent::new_with_defaults());
    // The same timeouts as the crate's session, to show what they cost.
    let timeout = Some(genesys_presence::DEFAULT_TIMEOUT);
    let timed_agent = ureq::Agent::config_builder()
        .timeout_connect(Some(genesys_presence::DEFAULT_CONNECT_TIMEOUT))
        .timeout_send_request(timeout)
        .timeout_send_body(timeout)
        .timeout_recv_response(timeout)
        .timeout_recv_body(timeout)
        .build()
        .new_agent();
    let timed = Direct::new(&base, timed_agent);
    let body = UserPresence {
        presence_definition: Some(PresenceDefinition::with_id(DEFINITION)),
        message: Some("Heads down".into()),
        ..Default::default()
    };
    let query = DefinitionQuery::default().page_size(25);

    type Case<'a> = (&'a str, &'a str, Box<dyn Fn() + 'a>);
    let mut cases: Vec<Case> = Vec::new();
    for (client, direct) in [("direct", &direct), ("direct+t/o", &timed)] {
        if client == "direct" {
            cases.push((
                "get_purecloud_presence",
                "crate",
                Box::new(|| {
                    user::get_purecloud_presence(&session, USER).expect("crate GET");
                }),
            ));
        }
        cases.push((
            "get_purecloud_presence",
            client,
            Box::new(move || {
                direct.get_presence();
            }),
        ));
    }
    for (client, direct) in [("direct", &direct), ("direct+t/o", &timed)] {
        if client == "direct" {
            cases.push((
                "update_purecloud_presence",
                "crate",
                Box::new(|| {
                    user::update_purecloud_presence(&session, USER, &body).expect("crate PATCH");
                }),
            ));
        }
        let body = &body;
        cases.push((
            "update_purecloud_presence",
            client,
            Box::new(move || {
                direct.patch_presence(body);
            }),
        ));
    }
    for (client, direct) in [("direct", &direct), ("direct+t/o", &timed)] {
        if client == "direct" {
            cases.push((
                "definitions::list (25)",
                "crate",
                Box::new(|| {
                    let page = definitions::list(&session, &query).expect("crate list");
                    assert_eq!(page.entities.len(), 25);
                }),
            ));
        }
        cases.push((
            "definitions::list (25)",
            client,
            Box::new(move || {
                assert_eq!(direct.list_definitions().entities.len(), 25);
            }),
        ));
    }

    // Warm up connections, caches and the allocator.
    for (_, _, call) in &cases {
        for _ in 0..50 {
            call();
        }
    }
    let mut samples: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); cases.len()];
    for round in 0..rounds {
        // Every case takes every place in the order over the rounds, so
        // that none always runs first after another case (or after itself).
        let mut order: Vec<usize> = (0..cases.len()).collect();
        order.rotate_left(round % cases.len());
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let (wall, cpu) = measure(calls, &cases[i].2);
            samples[i].0.push(wall);
            samples[i].1.push(cpu);
        }
    }
    let _ = server.kill();
    let _ = server.wait();

    println!("{rounds} rounds x {calls} calls per case; medians per call (process CPU excludes the server)");
    println!(
        "{:<27} {:<10} {:>10} {:>10} {:>11} {:>10}",
        "operation", "client", "wall µs", "CPU µs", "wall ratio", "CPU ratio"
    );
    for triple in (0..cases.len()).collect::<Vec<_>>().chunks(3) {
        let krate = triple[0];
        let (kw, kc) = (median(&samples[krate].0), median(&samples[krate].1));
        println!("{:<27} {:<10} {:>10.1} {:>10.1}", cases[krate].0, "crate", kw, kc);
        for &other in &triple[1..] {
            let (w, c) = (median(&samples[other].0), median(&samples[other].1));
            println!(
                "{:<27} {:<10} {:>10.1} {:>10.1} {:>11.3} {:>10.3}",
                "",
                cases[other].1,
                w,
                c,
                kw / w,
                kc / c
            );
        }
    }
}

/// The same requests as the crate sends, written by hand: same headers, same
/// structs, a plain `ureq` agent.
struct Direct {
    agent: ureq::Agent,
    presence_url: String,
    list_url: String,
    authorization: String,
}

impl Direct {
    fn new(base: &str, agent: ureq::Agent) -> Direct {
        Direct {
            agent,
            presence_url: format!("{base}/api/v2/users/{USER}/presences/purecloud"),
            list_url: format!("{base}/api/v2/presencedefinitions?pageSize=25"),
            authorization: format!("Bearer {TOKEN}"),
        }
    }

    // Not inlined, so that `valgrind --tool=callgrind` can count each
    // direct call's instructions apart (see the README).
    #[inline(never)]
    fn get_presence(&self) -> UserPresence {
        let response = self
            .agent
            .get(&self.presence_url)
            .header("Authorization", &self.authorization)
            .header("Accept", "application/json")
            .call()
            .expect("direct GET");
        decode(response)
    }

    #[inline(never)]
    fn patch_presence(&self, body: &UserPresence) -> UserPresence {
        let response = self
            .agent
            .patch(&self.presence_url)
            .header("Authorization", &self.authorization)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .send(&serde_json::to_vec(body).expect("JSON body")[..])
            .expect("direct PATCH");
        decode(response)
    }

    #[inline(never)]
    fn list_definitions(&self) -> OrganizationPresenceEntityListing {
        let response = self
            .agent
            .get(&self.list_url)
            .header("Authorization", &self.authorization)
            .header("Accept", "application/json")
            .call()
            .expect("direct list");
        decode(response)
    }
}

/// Reads the whole body and decodes it, as the crate does.
fn decode<T: serde::de::DeserializeOwned>(mut response: ureq::http::Response<ureq::Body>) -> T {
    let bytes = response.body_mut().read_to_vec().expect("direct body");
    serde_json::from_slice(&bytes).expect("direct JSON")
}

/// Per-call wall and process CPU time, in µs, of `calls` calls.
fn measure(calls: usize, call: &dyn Fn()) -> (f64, f64) {
    let cpu = process_cpu();
    let wall = Instant::now();
    for _ in 0..calls {
        call();
    }
    let wall = wall.elapsed();
    let cpu = process_cpu().saturating_sub(cpu);
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / calls as f64;
    (per_call(wall), per_call(cpu))
}

/// CPU time of this process, all threads included (threads that ended too).
fn process_cpu() -> Duration {
    let mut spec = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which `spec` is.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut spec) };
    assert_eq!(status, 0, "clock_gettime failed");
    Duration::new(spec.tv_sec as u64, spec.tv_nsec as u32)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Starts this program again as the server; returns it and its base URL.
fn start_server() -> (Child, String) {
    let exe = std::env::current_exe().expect("the bench's own path");
    let mut child = Command::new(exe)
        .env(SERVER_ENV, "1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the bench server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("server stdout"))
        .read_line(&mut line)
        .expect("the server's address");
    (child, line.trim().to_owned())
}

/// The server: prints its base URL, then answers every connection on a thread.
fn serve() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    println!("http://{}", listener.local_addr().expect("local address"));
    let presence = serde_json::json!({
        "source": "PURECLOUD", "primary": true,
        "presenceDefinition": {"id": DEFINITION, "systemPresence": "Busy",
            "selfUri": format!("/api/v2/presencedefinitions/{DEFINITION}")},
        "message": "Heads down", "modifiedDate": "2024-05-02T14:03:11.123Z",
        "selfUri": format!("/api/v2/users/{USER}/presences/PURECLOUD")
    })
    .to_string();
    let entities: Vec<OrganizationPresence> = (0..25)
        .map(|i| {
            serde_json::from_value(serde_json::json!({
                "id": format!("6a3af858-942f-489d-9700-5f9bcdcd{i:04}"),
                "languageLabels": {"en_US": format!("Label {i}"), "fr": format!("Étiquette {i}")},
                "systemPresence": "Busy", "deactivated": false, "primary": i == 0,
                "createdBy": {"id": "c0ffee00-0000-4000-8000-000000000001",
                    "selfUri": "/api/v2/users/c0ffee00-0000-4000-8000-000000000001"},
                "createdDate": "2023-01-01T00:00:00.000Z",
                "selfUri": format!("/api/v2/presencedefinitions/6a3af858-942f-489d-9700-5f9bcdcd{i:04}")
            }))
            .expect("a definition")
        })
        .collect();
    let page = serde_json::json!({
        "entities": entities, "pageSize": 25, "pageNumber": 1, "total": 25, "pageCount": 1,
        "firstUri": "/api/v2/presencedefinitions?pageSize=25&pageNumber=1",
        "selfUri": "/api/v2/presencedefinitions?pageSize=25&pageNumber=1",
        "lastUri": "/api/v2/presencedefinitions?pageSize=25&pageNumber=1"
    })
    .to_string();
    let answers: &'static (String, String) = Box::leak(Box::new((presence, page)));
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || answer(stream, answers));
    }
}

fn answer(stream: TcpStream, (presence, page): &(String, String)) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut writer = stream;
    loop {
        let mut head = String::new();
        let mut content_length = 0usize;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap_or(0);
                }
            }
            head.push_str(&line);
        }
        let mut body = vec![0; content_length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let json = if head.contains("/presencedefinitions") {
            page
        } else {
            presence
        };
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{json}",
            json.len()
        );
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}
