//! A watcher of many users against the stand-in org, with the org's rate
//! limit on: how long it takes to start, how late changes arrive while
//! nothing happens, while every channel is renewed and after every socket
//! drops, whether any change is lost, and how much memory a consumer that
//! stops reading costs. Figures for issue 13; the last run's are in
//! `benches/README.md`.
//!
//! ```text
//! cargo bench --bench watch_scale                   # 2 000 users, 300 requests a minute
//! USERS=20000 RATE=300 cargo bench --bench watch_scale
//! ```
//!
//! Settings (environment variables):
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `USERS` | 2000 | users watched (1 000 a channel) |
//! | `RATE` | 300 | the org's limit of API requests a minute per access token; `none` for none |
//! | `CHANGES` | 200 | presence changes a second during the latency phases |
//! | `BURST` | 1000 | changes a second while the consumer stops reading |
//! | `STALL` | 10 | seconds the consumer stops reading |
//! | `LIFETIME` | from the scale | seconds the first channels live (so that they are renewed during the run): 20, or enough for the start to fit the rate limit's windows, plus 20 s, over 0.9 |
//! | `DEADLINE` | 240 | the longest wait of any step, in seconds |
//!
//! # How
//!
//! The org runs in a child process (this program again, with
//! `GENESYS_PRESENCE_WATCH_SCALE_ORG` set), so that its memory and CPU are
//! not the watcher's: it prints its address and OAuth client on stdout, then
//! obeys one-line commands on stdin (`c USER SEQ` changes a user's presence
//! with `FakeOrg::set_presence_now`, with the message `SEQ@MICROS`, the
//! time of the change in microseconds since 1970; other commands set the rate
//! limit or the channels' lifetime, drop the sockets, or report counters and
//! channels). The watcher (default settings, a client-credentials session
//! with the default retry policy) is read by a consumer thread, which
//! records, without allocating, each user's last yielded change and the
//! delay from the change (read from the message) to the moment the event
//! was yielded; both processes read the same system clock. It also notes
//! the longest `next_timeout(50 ms)` call, and events of a change older than
//! one already yielded for the user. A driver thread makes the changes, at
//! random users, at a steady rate.
//!
//! Phases, each with its own deadline (a step that does not happen in time
//! is reported as "not reached in N s", never waited for longer):
//!
//! 1. **start**: `watch::users` for every user; requests (token requests
//!    included) and 429s until it returns, and the heap it then holds.
//! 2. **steady**: changes at `CHANGES` a second until the first channel
//!    renewal begins (the first channels live `LIFETIME`; later ones 24 h).
//! 3. **renewal**: the same, from the first renewal until every first
//!    channel has been replaced, and 5 s more; then the changes stop and the
//!    bench waits until every user's last yielded change is their last change
//!    ("settled"); users for whom it never is are "lost".
//! 4. **drop**: at least 12 s after the last renewal (so that the watcher
//!    takes its connections as stable, not as failures to back off from),
//!    changes again; after 1 s every socket is dropped
//!    (`close_sockets`); changes go on until every channel is connected again
//!    and a change made after the drop has been pushed through each (or the
//!    deadline), then settle as above. For each channel connected after
//!    the drop: the time from its connection (the org's side) to the first
//!    pushed event of one of its users (this includes the wait for the first
//!    change of its users, about USERS / (1000 × CHANGES) s on average).
//! 5. **memory**: the consumer stops reading for `STALL` s while the org
//!    makes `BURST` changes a second, then reads again until settled. Two
//!    figures, each as growth over the bench process's memory just before
//!    the watcher started, divided by the watched users: the peak of the
//!    heap (bytes allocated and not freed, counted by a wrapper around the
//!    system allocator: exact, and blind to what the allocator keeps for
//!    reuse), and the peak RSS (`VmHWM`, reset through `/proc/self/clear_refs`
//!    just before the stall; it also counts freed memory not given back to
//!    the system, and hides new allocations that reuse memory freed by the
//!    earlier phases). Everything the bench itself records is allocated
//!    before the start, so the growth is the watcher's (and the standard
//!    library's buffers of the pipe to the org).
//!
//! At the end the org's presences are read (rate limit lifted) and
//! compared with each user's last yielded change.
//!
//! Latencies are of the changes made in a phase, from the change to the
//! event that carried it (pushed, or read after a reconnection); changes
//! overtaken by a later one before they were yielded have no latency of
//! their own. Linux only for the memory figures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use genesys_presence::fake::FakeOrg;
use genesys_presence::watch::{WatchBuilder, Watcher};
use genesys_presence::{user, EventOrigin, Session};

const ORG_ENV: &str = "GENESYS_PRESENCE_WATCH_SCALE_ORG";
/// Users per channel (the API's limit, and the watcher's default).
const PER_CHANNEL: usize = 1000;
/// How long after the last renewal the sockets are dropped: more than ten
/// times the watcher's default shortest backoff.
const STABLE: Duration = Duration::from_secs(12);

fn main() {
    if std::env::var_os(ORG_ENV).is_some() {
        serve_org();
        return;
    }
    let settings = Settings::from_env();
    let report = run(&settings);
    report.print(&settings);
}

// ---------------------------------------------------------------- settings

struct Settings {
    users: usize,
    rate: Option<u32>,
    changes: u32,
    burst: u32,
    stall: Duration,
    lifetime: Duration,
    deadline: Duration,
}

impl Settings {
    fn from_env() -> Settings {
        let users = env_number("USERS", 2000).max(1);
        let rate = match std::env::var("RATE").as_deref() {
            Ok("none") => None,
            Ok(value) => Some(value.parse().unwrap_or(300)),
            Err(_) => Some(300),
        };
        let channels = users.div_ceil(PER_CHANNEL);
        // Requests of the start: a token, each channel made and subscribed,
        // the reads of 50 users. Each full budget used means waiting for the
        // next window.
        let start_requests = 1 + 2 * channels + users.div_ceil(50);
        let windows = rate.map_or(0, |r| start_requests / (r.max(1) as usize));
        let derived = (((60 * windows + 20) as f64 / 0.9).ceil() as u64).max(20);
        Settings {
            users,
            rate,
            changes: env_number("CHANGES", 200).max(1) as u32,
            burst: env_number("BURST", 1000).max(1) as u32,
            stall: Duration::from_secs(env_number("STALL", 10) as u64),
            lifetime: Duration::from_secs(env_number("LIFETIME", derived as usize) as u64),
            deadline: Duration::from_secs(env_number("DEADLINE", 240) as u64),
        }
    }

    fn channels(&self) -> usize {
        self.users.div_ceil(PER_CHANNEL)
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn user_id(index: usize) -> String {
    format!("user-{index:05}")
}

fn user_index(id: &str) -> Option<usize> {
    id.strip_prefix("user-")?.parse().ok()
}

/// Microseconds since 1970, the clock both processes read.
fn unix_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------- the org process

/// The child: a stand-in org, driven by commands on stdin.
fn serve_org() {
    let org = FakeOrg::start().expect("start the stand-in org");
    println!("{} {} {}", org.base_url(), org.client_id(), org.client_secret());
    let mut rate = None;
    let mut ids: Vec<String> = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return };
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("c"), Some(index), Some(seq)) => {
                let (Ok(index), Ok(seq)) = (index.parse::<usize>(), seq.parse::<u64>()) else {
                    continue;
                };
                if let Some(id) = ids.get(index) {
                    let presence = if seq % 2 == 0 { "Busy" } else { "Away" };
                    let message = format!("{seq}@{}", unix_micros());
                    org.set_presence_now(id, presence, Some(&message));
                }
            }
            (Some("users"), Some(count), None) => {
                for index in ids.len()..count.parse().unwrap_or(0) {
                    let id = user_id(index);
                    org.add_user(&id);
                    ids.push(id);
                }
                println!("ok");
            }
            (Some("rate"), Some(limit), None) => {
                rate = limit.parse().ok();
                org.set_rate_limit(rate);
                println!("ok");
            }
            (Some("lifetime"), Some(secs), None) => {
                org.set_channel_lifetime(Duration::from_secs(secs.parse().unwrap_or(86_400)));
                println!("ok");
            }
            (Some("close_sockets"), None, None) => {
                org.close_sockets();
                println!("ok");
            }
            (Some("stats"), None, None) => println!(
                "{} {} {} {} {}",
                org.requests(),
                org.rate_limited(),
                org.channels_created(),
                org.channels_evicted(),
                org.open_sockets()
            ),
            (Some("channels"), None, None) => {
                let channels: Vec<serde_json::Value> = org
                    .channels()
                    .into_iter()
                    .map(|c| {
                        let users: Vec<usize> = c
                            .topics
                            .iter()
                            .filter_map(|t| {
                                user_index(t.strip_prefix("v2.users.")?.strip_suffix(".presence")?)
                            })
                            .collect();
                        let connected = c
                            .connected_at
                            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                            .map(|d| d.as_micros() as u64);
                        serde_json::json!({"connected_at": connected, "users": users})
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(channels));
            }
            (Some("state"), None, None) => {
                // The org's presences, read as a client would, without the limit.
                org.set_rate_limit(None);
                let seqs = org
                    .session()
                    .and_then(|s| user::get_purecloud_presences_bulk(&s, &ids));
                org.set_rate_limit(rate);
                match seqs {
                    Ok(presences) => {
                        let mut seqs = vec![0u64; ids.len()];
                        for p in presences {
                            let index = p.user_id.as_deref().and_then(user_index);
                            if let (Some(index), Some(seq)) = (index, p.message.as_deref().and_then(seq_of)) {
                                if let Some(slot) = seqs.get_mut(index) {
                                    *slot = seq;
                                }
                            }
                        }
                        println!("{}", serde_json::json!(seqs));
                    }
                    Err(e) => println!("error {e}"),
                }
            }
            (Some("quit"), None, None) => return,
            _ => println!("error: unknown command {line:?}"),
        }
    }
}

/// The change number of a message `SEQ@MICROS`.
fn seq_of(message: &str) -> Option<u64> {
    message.split_once('@')?.0.parse().ok()
}

/// The parent's handle on the org process.
struct Org {
    child: Mutex<Child>,
    stdin: Mutex<ChildStdin>,
    replies: Mutex<Receiver<String>>,
    base_url: String,
    client_id: String,
    client_secret: String,
    deadline: Duration,
}

#[derive(Clone, Copy, Default)]
struct Stats {
    requests: u64,
    rate_limited: u64,
    channels_created: u64,
    channels_evicted: u64,
    open_sockets: u64,
}

impl std::ops::Sub for Stats {
    type Output = Stats;
    fn sub(self, before: Stats) -> Stats {
        Stats {
            requests: self.requests - before.requests,
            rate_limited: self.rate_limited - before.rate_limited,
            channels_created: self.channels_created - before.channels_created,
            channels_evicted: self.channels_evicted - before.channels_evicted,
            open_sockets: self.open_sockets,
        }
    }
}

/// A channel as the org reports it.
struct OrgChannel {
    connected_at: Option<u64>,
    users: Vec<usize>,
}

impl Org {
    fn start(deadline: Duration) -> Org {
        let exe = std::env::current_exe().expect("the bench's own path");
        let mut child = Command::new(exe)
            .env(ORG_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the org process");
        let stdin = child.stdin.take().expect("the org's stdin");
        let stdout = child.stdout.take().expect("the org's stdout");
        let (sender, replies) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        let first = replies
            .recv_timeout(Duration::from_secs(30))
            .expect("the org's address");
        let mut words = first.split_whitespace().map(str::to_owned);
        let (Some(base_url), Some(client_id), Some(client_secret)) =
            (words.next(), words.next(), words.next())
        else {
            panic!("the org process printed {first:?}")
        };
        Org {
            child: Mutex::new(child),
            stdin: Mutex::new(stdin),
            replies: Mutex::new(replies),
            base_url,
            client_id,
            client_secret,
            deadline,
        }
    }

    /// Sends a command that has no answer.
    fn tell(&self, command: &str) {
        let mut stdin = lock(&self.stdin);
        let _ = stdin.write_all(format!("{command}\n").as_bytes());
    }

    /// Sends a command and returns its one-line answer.
    fn ask(&self, command: &str) -> String {
        let replies = lock(&self.replies);
        self.tell(command);
        match replies.recv_timeout(self.deadline) {
            Ok(line) if !line.starts_with("error") => line,
            Ok(line) => fail(&format!("the org answered {command:?} with {line}")),
            Err(_) => fail(&format!(
                "the org did not answer {command:?} in {:?}",
                self.deadline
            )),
        }
    }

    fn stats(&self) -> Stats {
        let numbers: Vec<u64> = self
            .ask("stats")
            .split_whitespace()
            .map(|n| n.parse().unwrap_or(0))
            .collect();
        Stats {
            requests: numbers[0],
            rate_limited: numbers[1],
            channels_created: numbers[2],
            channels_evicted: numbers[3],
            open_sockets: numbers[4],
        }
    }

    fn channels(&self) -> Vec<OrgChannel> {
        let value: serde_json::Value = serde_json::from_str(&self.ask("channels")).unwrap_or_default();
        value
            .as_array()
            .map(|channels| {
                channels
                    .iter()
                    .map(|c| OrgChannel {
                        connected_at: c["connected_at"].as_u64(),
                        users: c["users"]
                            .as_array()
                            .map(|u| u.iter().filter_map(|i| i.as_u64()).map(|i| i as usize).collect())
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn stop(&self) {
        self.tell("quit");
        let mut child = lock(&self.child);
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Ends the bench on a failure of the bench itself (not of the watcher).
fn fail(why: &str) -> ! {
    eprintln!("watch_scale: {why}");
    std::process::exit(1)
}

// ---------------------------------------------------------------- recording

/// Latencies in buckets about 2% wide, from 1 µs to about 20 minutes.
struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

const BUCKETS: usize = 1100;

impl Histogram {
    fn new() -> Histogram {
        Histogram {
            counts: vec![0; BUCKETS],
            total: 0,
            max: 0,
        }
    }

    fn bucket(micros: u64) -> usize {
        (((micros + 1) as f64).ln() / 1.02f64.ln()) as usize
    }

    fn record(&mut self, micros: u64) {
        let bucket = Histogram::bucket(micros).min(BUCKETS - 1);
        self.counts[bucket] += 1;
        self.total += 1;
        self.max = self.max.max(micros);
    }

    /// The upper bound of the bucket holding the `q` quantile, in µs.
    fn quantile(&self, q: f64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((self.total as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (bucket, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let upper = 1.02f64.powi(bucket as i32 + 1) as u64;
                return Some(upper.min(self.max));
            }
        }
        Some(self.max)
    }
}

/// The phases changes are made in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Steady = 0,
    Renewal = 1,
    Drop = 2,
    Memory = 3,
}

const PHASES: usize = 4;

/// What the consumer saw, allocated once before the watcher starts.
struct Record {
    /// Latencies of the changes made in each phase.
    latency: Vec<Histogram>,
    /// Unix µs at which each phase began, in phase order (0: not yet).
    phase_starts: [u64; PHASES],
    /// Events yielded (with a change's message) and error items, per phase
    /// of the event's arrival.
    events: [u64; PHASES],
    errors: [u64; PHASES],
    /// Per phase of arrival: events of a change older than the last one
    /// yielded for that user (the watcher went back in time).
    backwards: [u64; PHASES],
    /// Per phase of return: the longest `next_timeout(50 ms)` call, in µs.
    longest_call: [u64; PHASES],
    first_error: Option<String>,
    /// Per user: when the first pushed event of a change made after the
    /// drop arrived (0: none).
    first_push_after_drop: Vec<u64>,
    /// Unix µs just after the org dropped the sockets (0: not yet).
    dropped_at: u64,
}

impl Record {
    fn phase_at(&self, micros: u64) -> Option<usize> {
        (0..PHASES)
            .rev()
            .find(|&p| self.phase_starts[p] != 0 && micros >= self.phase_starts[p])
    }
}

/// What the threads share.
struct Shared {
    record: Mutex<Record>,
    /// Per user: the number of the last change made and of the last one yielded.
    last_sent: Vec<AtomicU64>,
    last_yielded: Vec<AtomicU64>,
    /// Changes a second the driver makes (0: none).
    rate: AtomicU32,
    /// The consumer stops reading while set.
    paused: AtomicBool,
    stop: AtomicBool,
}

impl Shared {
    /// Users whose last yielded change is not their last change.
    fn unsettled(&self) -> usize {
        self.last_sent
            .iter()
            .zip(&self.last_yielded)
            .filter(|(sent, yielded)| sent.load(Ordering::SeqCst) != yielded.load(Ordering::SeqCst))
            .count()
    }

    fn begin(&self, phase: Phase) {
        lock(&self.record).phase_starts[phase as usize] = unix_micros();
    }
}

/// Reads the watcher until told to stop, recording each event.
fn consume(mut watcher: Watcher, shared: &Shared) {
    while !shared.stop.load(Ordering::SeqCst) {
        if shared.paused.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        let called = Instant::now();
        let item = watcher.next_timeout(Duration::from_millis(50));
        let call = called.elapsed().as_micros() as u64;
        let now = unix_micros();
        let mut record = lock(&shared.record);
        let arrival = record.phase_at(now);
        if let Some(p) = arrival {
            record.longest_call[p] = record.longest_call[p].max(call);
        }
        match item {
            None => {}
            Some(Err(error)) => {
                if let Some(p) = arrival {
                    record.errors[p] += 1;
                }
                if record.first_error.is_none() {
                    record.first_error = Some(error.to_string());
                }
            }
            Some(Ok(event)) => {
                let Some(index) = user_index(&event.user_id) else {
                    continue;
                };
                let Some((seq, made)) = event
                    .message
                    .as_deref()
                    .and_then(|m| m.split_once('@'))
                    .and_then(|(s, t)| Some((s.parse::<u64>().ok()?, t.parse::<u64>().ok()?)))
                else {
                    continue;
                };
                if let Some(p) = arrival {
                    record.events[p] += 1;
                }
                if let Some(p) = record.phase_at(made) {
                    record.latency[p].record(now.saturating_sub(made));
                }
                if let Some(slot) = shared.last_yielded.get(index) {
                    if slot.swap(seq, Ordering::SeqCst) > seq {
                        if let Some(p) = arrival {
                            record.backwards[p] += 1;
                        }
                    }
                }
                let dropped_at = record.dropped_at;
                if dropped_at != 0 && made >= dropped_at && event.origin == EventOrigin::Notification {
                    if let Some(first) = record.first_push_after_drop.get_mut(index) {
                        if *first == 0 {
                            *first = now;
                        }
                    }
                }
            }
        }
    }
    watcher.close();
}

/// Makes changes at `shared.rate` a second, at random users.
fn drive(org: &Org, shared: &Shared) {
    let users = shared.last_sent.len() as u64;
    let mut seq = 0u64;
    let mut random = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = Instant::now();
    while !shared.stop.load(Ordering::SeqCst) {
        let rate = shared.rate.load(Ordering::SeqCst);
        if rate == 0 {
            std::thread::sleep(Duration::from_millis(2));
            next = Instant::now();
            continue;
        }
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else if now - next > Duration::from_millis(200) {
            next = now; // fell behind: no burst to catch up
        }
        next += Duration::from_secs_f64(1.0 / f64::from(rate));
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        let index = (random % users) as usize;
        seq += 1;
        shared.last_sent[index].store(seq, Ordering::SeqCst);
        org.tell(&format!("c {index} {seq}"));
    }
}

// ---------------------------------------------------------------- memory

/// The system allocator, counting the bytes allocated and not yet freed
/// (and their peak): the watcher's heap, whatever the allocator keeps
/// for reuse (RSS hides memory that freed blocks give back to later
/// allocations, and counts memory they do not give back to the system).
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is passed to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees for `layout` are `System`'s.
        let block = unsafe { System.alloc(layout) };
        if !block.is_null() {
            grew(layout.size());
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let block = unsafe { System.alloc_zeroed(layout) };
        if !block.is_null() {
            grew(layout.size());
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: `block` was allocated by `System` with `layout`.
        unsafe { System.dealloc(block, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `block` was allocated by `System` with `layout`.
        let moved = unsafe { System.realloc(block, layout, new_size) };
        if !moved.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated and not freed now, in KiB.
fn heap_kib() -> u64 {
    (LIVE.load(Ordering::Relaxed) / 1024) as u64
}

/// The peak of [`heap_kib`] since the last [`reset_heap_peak`].
fn heap_peak_kib() -> u64 {
    (PEAK.load(Ordering::Relaxed) / 1024) as u64
}

fn reset_heap_peak() {
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// `VmRSS` and `VmHWM` of this process, in KiB (Linux).
fn memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Resets `VmHWM` to the current RSS (Linux 4.0 and later).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

// ---------------------------------------------------------------- the run

#[derive(Default)]
struct Report {
    lines: Vec<(String, String)>,
}

impl Report {
    fn add(&mut self, phase: &str, figure: String) {
        eprintln!("  {phase}: {figure}");
        self.lines.push((phase.to_owned(), figure));
    }

    fn print(&self, settings: &Settings) {
        let rate = settings.rate.map_or("no rate limit".to_owned(), |r| {
            format!("{r} requests a minute per token")
        });
        println!();
        println!(
            "watch_scale: {} users on {} channels, {rate}, {} changes/s, first channels live {} s",
            settings.users,
            settings.channels(),
            settings.changes,
            settings.lifetime.as_secs()
        );
        let width = self.lines.iter().map(|(p, _)| p.len()).max().unwrap_or(5);
        println!("{:width$}  figure", "phase");
        println!("{:-<width$}  {:-<60}", "", "");
        for (phase, figure) in &self.lines {
            println!("{phase:width$}  {figure}");
        }
    }
}

fn ms(micros: u64) -> String {
    if micros >= 10_000_000 {
        format!("{:.1} s", micros as f64 / 1e6)
    } else {
        format!("{:.1} ms", micros as f64 / 1e3)
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Waits until `done` holds, at most `deadline`; how long it took, or `None`.
fn wait_until(deadline: Duration, mut done: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    loop {
        if done() {
            return Some(start.elapsed());
        }
        if start.elapsed() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn run(settings: &Settings) -> Report {
    let mut report = Report::default();
    let deadline = settings.deadline;
    let org = Arc::new(Org::start(deadline));
    let channels = settings.channels() as u64;
    org.ask(&format!("users {}", settings.users));
    org.ask(&format!(
        "rate {}",
        settings.rate.map_or("none".to_owned(), |r| r.to_string())
    ));
    org.ask(&format!("lifetime {}", settings.lifetime.as_secs()));
    let ids: Vec<String> = (0..settings.users).map(user_id).collect();
    let session = Session::builder()
        .base_url(&org.base_url)
        .client_credentials(&org.client_id, &org.client_secret)
        .build()
        .expect("a session for the org");

    let shared = Arc::new(Shared {
        record: Mutex::new(Record {
            latency: (0..PHASES).map(|_| Histogram::new()).collect(),
            phase_starts: [0; PHASES],
            events: [0; PHASES],
            errors: [0; PHASES],
            backwards: [0; PHASES],
            longest_call: [0; PHASES],
            first_error: None,
            first_push_after_drop: vec![0; settings.users],
            dropped_at: 0,
        }),
        last_sent: (0..settings.users).map(|_| AtomicU64::new(0)).collect(),
        last_yielded: (0..settings.users).map(|_| AtomicU64::new(0)).collect(),
        rate: AtomicU32::new(0),
        paused: AtomicBool::new(false),
        stop: AtomicBool::new(false),
    });
    let driver = {
        let (org, shared) = (Arc::clone(&org), Arc::clone(&shared));
        std::thread::spawn(move || drive(&org, &shared))
    };

    // ------------------------------------------------ start
    eprintln!("watch_scale: starting a watcher of {} users", settings.users);
    let (before_kib, _) = memory().unwrap_or_default();
    let heap_before = heap_kib();
    let stats = org.stats();
    let started = Instant::now();
    let (sender, started_watcher) = mpsc::channel();
    {
        let session = session.clone();
        std::thread::spawn(move || {
            let _ = sender.send(WatchBuilder::new().users(&ids).start(&session));
        });
    }
    let watcher = match started_watcher.recv_timeout(deadline) {
        Ok(Ok(watcher)) => watcher,
        Ok(Err(error)) => {
            report.add(
                "start",
                format!("failed after {}: {error}", secs(started.elapsed())),
            );
            return finish(report, &org, &shared, driver, None);
        }
        Err(_) => {
            let spent = org.stats() - stats;
            report.add(
                "start",
                format!(
                    "not reached in {} ({} requests, {} answered 429, so far)",
                    secs(deadline),
                    spent.requests,
                    spent.rate_limited
                ),
            );
            return finish(report, &org, &shared, driver, None);
        }
    };
    let ready = started.elapsed();
    let spent = org.stats() - stats;
    let (ready_kib, _) = memory().unwrap_or_default();
    let heap_ready = heap_kib();
    report.add(
        "start",
        format!(
            "ready in {}: {} requests ({} answered 429), {} channels",
            secs(ready),
            spent.requests,
            spent.rate_limited,
            spent.channels_created
        ),
    );
    report.add(
        "start, memory",
        format!(
            "heap +{} KiB ({:.2} KiB per watched user); RSS {before_kib} KiB before, {ready_kib} KiB when ready",
            heap_ready.saturating_sub(heap_before),
            heap_ready.saturating_sub(heap_before) as f64 / settings.users as f64,
        ),
    );
    // Channels made from now on (renewals, reconnections) live 24 h.
    org.ask("lifetime 86400");
    let first_channels = spent.channels_created;
    let consumer = {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || consume(watcher, &shared))
    };

    // ------------------------------------------------ steady, then renewal
    let lifetime = settings.lifetime;
    shared.begin(Phase::Steady);
    let steady_start = Instant::now();
    shared.rate.store(settings.changes, Ordering::SeqCst);
    // The stats of the last poll before the first renewal: the watcher
    // makes no request while nothing happens.
    let mut renewal_stats = org.stats();
    let total_before = renewal_stats.channels_created;
    let renewal_began = wait_until(lifetime + Duration::from_secs(30), || {
        let now = org.stats();
        if now.channels_created > total_before {
            return true;
        }
        renewal_stats = now;
        false
    });
    shared.begin(Phase::Renewal);
    let steady = steady_start.elapsed();
    report.add(
        "steady",
        format!("{} of changes: {}", secs(steady), latency(&shared, Phase::Steady)),
    );
    let renewal_start = Instant::now();
    let mut last_renewal = renewal_start;
    match renewal_began {
        None => report.add(
            "renewal",
            format!(
                "no channel renewed in {} (the first channels live {})",
                secs(lifetime + Duration::from_secs(30)),
                secs(lifetime)
            ),
        ),
        Some(_) => {
            let all = wait_until(deadline, || {
                org.stats().channels_created >= total_before + first_channels
            });
            last_renewal = Instant::now();
            std::thread::sleep(Duration::from_secs(5));
            shared.rate.store(0, Ordering::SeqCst);
            let window = renewal_start.elapsed();
            let settled = wait_until(deadline, || shared.unsettled() == 0);
            let spent = org.stats() - renewal_stats;
            let renewed = match all {
                Some(took) => format!(
                    "all {first_channels} first channels replaced within {} of the first renewal",
                    secs(took)
                ),
                None => format!(
                    "not all first channels replaced in {} ({} of {first_channels})",
                    secs(deadline),
                    spent.channels_created
                ),
            };
            report.add(
                "renewal",
                format!(
                    "{} of changes: {}; {renewed}",
                    secs(window),
                    latency(&shared, Phase::Renewal)
                ),
            );
            report.add(
                "renewal, after",
                format!(
                    "{}; {} requests, {} answered 429, {} channels evicted at the limit of 20",
                    settle_text(&shared, settled, deadline),
                    spent.requests,
                    spent.rate_limited,
                    spent.channels_evicted
                ),
            );
        }
    }

    // ------------------------------------------------ drop
    shared.rate.store(0, Ordering::SeqCst);
    wait_until(deadline, || shared.unsettled() == 0);
    // A connection lost within ten times the shortest backoff (10 s by
    // default) of its making is a failure the watcher backs off from: the
    // drop comes later than that, to see the reconnection of a stable watch.
    std::thread::sleep(STABLE.saturating_sub(last_renewal.elapsed()));
    shared.begin(Phase::Drop);
    shared.rate.store(settings.changes, Ordering::SeqCst);
    std::thread::sleep(Duration::from_secs(1));
    let drop_stats = org.stats();
    let drop_began = unix_micros();
    org.ask("close_sockets");
    // Changes made from now on can only reach the watcher through a new socket.
    let dropped_at = unix_micros();
    lock(&shared.record).dropped_at = dropped_at;
    let reconnected = wait_until(deadline, || {
        org.channels()
            .iter()
            .filter(|c| c.connected_at.is_some_and(|t| t > drop_began))
            .count() as u64
            >= channels
    });
    // Changes go on until a change made after the drop has been pushed
    // through every channel connected since (a change read after the
    // reconnection is yielded as read, and its push then left out).
    let org_channels: Vec<OrgChannel> = org
        .channels()
        .into_iter()
        .filter(|c| c.connected_at.is_some_and(|t| t > drop_began))
        .collect();
    wait_until(deadline, || {
        let record = lock(&shared.record);
        org_channels.iter().all(|c| {
            c.users
                .iter()
                .any(|&u| record.first_push_after_drop.get(u).is_some_and(|&t| t != 0))
        })
    });
    std::thread::sleep(Duration::from_secs(1));
    shared.rate.store(0, Ordering::SeqCst);
    let settled = wait_until(deadline, || shared.unsettled() == 0);
    let spent = org.stats() - drop_stats;
    let mut delays: Vec<Option<u64>> = Vec::new();
    let mut reconnections: Vec<u64> = Vec::new();
    {
        let record = lock(&shared.record);
        for channel in &org_channels {
            let Some(connected) = channel.connected_at.filter(|&t| t > drop_began) else {
                continue;
            };
            reconnections.push(connected - drop_began);
            let first = channel
                .users
                .iter()
                .filter_map(|&u| record.first_push_after_drop.get(u).copied())
                .filter(|&t| t != 0)
                .min();
            delays.push(first.map(|t| t.saturating_sub(connected)));
        }
    }
    let reconnect_text = match reconnected {
        Some(took) => format!("all {channels} channels connected again within {}", secs(took)),
        None => format!(
            "not reached in {}: {} of {channels} channels connected again",
            secs(deadline),
            delays.len()
        ),
    };
    reconnections.sort_unstable();
    let spread = match (reconnections.first(), reconnections.last()) {
        (Some(first), Some(last)) => format!(" (first {}, last {} after the drop)", ms(*first), ms(*last)),
        _ => String::new(),
    };
    report.add(
        "drop",
        format!(
            "{reconnect_text}{spread}; changes: {}",
            latency(&shared, Phase::Drop)
        ),
    );
    let mut known: Vec<u64> = delays.iter().flatten().copied().collect();
    known.sort_unstable();
    let none = delays.iter().filter(|d| d.is_none()).count();
    let over = known.iter().filter(|&&d| d > 1_000_000).count();
    report.add(
        "drop, first events",
        if known.is_empty() {
            format!("no pushed event from any reconnected channel ({none} channels)")
        } else {
            format!(
                "connection to first pushed event per channel: median {}, max {}; {over} of {} channels over 1 s{}",
                ms(known[(known.len() - 1) / 2]),
                ms(known[known.len() - 1]),
                delays.len(),
                if none > 0 { format!(", {none} without any") } else { String::new() }
            )
        },
    );
    report.add(
        "drop, after",
        format!(
            "{}; {} requests, {} answered 429, {} channels made, {} evicted",
            settle_text(&shared, settled, deadline),
            spent.requests,
            spent.rate_limited,
            spent.channels_created,
            spent.channels_evicted
        ),
    );

    // ------------------------------------------------ memory
    shared.begin(Phase::Memory);
    std::thread::sleep(Duration::from_secs(1));
    let (base_kib, _) = memory().unwrap_or_default();
    let heap_base = heap_kib();
    let rss_peak_reset = reset_peak();
    reset_heap_peak();
    shared.paused.store(true, Ordering::SeqCst);
    shared.rate.store(settings.burst, Ordering::SeqCst);
    std::thread::sleep(settings.stall);
    shared.rate.store(0, Ordering::SeqCst);
    let (stalled_kib, _) = memory().unwrap_or_default();
    shared.paused.store(false, Ordering::SeqCst);
    let settled = wait_until(deadline, || shared.unsettled() == 0);
    let heap_peak = heap_peak_kib();
    let (after_kib, rss_peak) = memory().unwrap_or_default();
    let rss_peak = if rss_peak_reset {
        rss_peak
    } else {
        stalled_kib.max(after_kib)
    };
    let per_user = |kib: u64| kib as f64 / settings.users as f64;
    report.add(
        "memory",
        format!(
            "consumer stopped {} at {} changes/s: heap peak +{} KiB over the start's ({:.2} KiB per watched user), +{} KiB over the stall's start",
            secs(settings.stall),
            settings.burst,
            heap_peak.saturating_sub(heap_before),
            per_user(heap_peak.saturating_sub(heap_before)),
            heap_peak.saturating_sub(heap_base),
        ),
    );
    report.add(
        "memory, RSS",
        format!(
            "peak {rss_peak} KiB{}: +{} KiB over the start's ({:.2} KiB per watched user), +{} KiB over the stall's start ({base_kib} KiB)",
            if rss_peak_reset { "" } else { " (sampled: VmHWM could not be reset)" },
            rss_peak.saturating_sub(before_kib),
            per_user(rss_peak.saturating_sub(before_kib)),
            rss_peak.saturating_sub(base_kib),
        ),
    );
    report.add(
        "memory, after",
        format!(
            "{}; catch-up: {}",
            settle_text(&shared, settled, deadline),
            latency(&shared, Phase::Memory)
        ),
    );

    // ------------------------------------------------ final check
    let state: Vec<u64> = serde_json::from_str(&org.ask("state")).unwrap_or_default();
    let differ = state
        .iter()
        .zip(&shared.last_yielded)
        .filter(|(org_seq, yielded)| **org_seq != yielded.load(Ordering::SeqCst))
        .count();
    report.add(
        "end",
        format!(
            "{differ} of {} users whose last yielded presence is not the org's",
            state.len()
        ),
    );
    let record = lock(&shared.record);
    let errors: u64 = record.errors.iter().sum();
    if errors > 0 {
        let first = record.first_error.clone().unwrap_or_default();
        drop(record);
        report.add("errors", format!("{errors} error items; the first: {first}"));
    } else {
        drop(record);
    }
    finish(report, &org, &shared, driver, Some(consumer))
}

/// Stops the threads (not waiting long for a stuck consumer) and the org.
fn finish(
    report: Report,
    org: &Org,
    shared: &Shared,
    driver: JoinHandle<()>,
    consumer: Option<JoinHandle<()>>,
) -> Report {
    shared.stop.store(true, Ordering::SeqCst);
    let _ = driver.join();
    if let Some(consumer) = consumer {
        let until = Instant::now() + Duration::from_secs(30);
        while !consumer.is_finished() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        if consumer.is_finished() {
            let _ = consumer.join();
        } else {
            eprintln!("watch_scale: the consumer did not stop within 30 s (left running)");
        }
    }
    org.stop();
    report
}

/// `p50 …, p99 …, max … (N changes yielded)` of a phase.
fn latency(shared: &Shared, phase: Phase) -> String {
    let record = lock(&shared.record);
    let histogram = &record.latency[phase as usize];
    let p = phase as usize;
    let figures = match (histogram.quantile(0.5), histogram.quantile(0.99)) {
        (Some(p50), Some(p99)) => format!(
            "p50 {}, p99 {}, max {} ({} yielded)",
            ms(p50),
            ms(p99),
            ms(histogram.max),
            histogram.total
        ),
        _ => "none yielded".to_owned(),
    };
    let backwards = match record.backwards[p] {
        0 => String::new(),
        n => format!(", {n} older than one yielded before"),
    };
    format!(
        "{figures}{backwards}; longest next_timeout(50 ms) {}",
        ms(record.longest_call[p])
    )
}

fn settle_text(shared: &Shared, settled: Option<Duration>, deadline: Duration) -> String {
    match settled {
        Some(took) => format!("settled {} after the changes stopped, none lost", secs(took)),
        None => format!(
            "not settled in {}: {} users' last change not yielded",
            secs(deadline),
            shared.unsettled()
        ),
    }
}
