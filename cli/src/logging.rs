//! `-v`: the library's log records on stderr (`-v` info, `-vv` debug,
//! `-vvv` trace), never ureq's byte dumps, which hold the token.

use log::LevelFilter;

/// Installs a logger for `verbose` `-v` flags; none for 0 (`RUST_LOG`
/// still works then, as `env_logger` reads it).
pub fn init(verbose: u8) {
    let level = match verbose {
        0 => None,
        1 => Some(LevelFilter::Info),
        2 => Some(LevelFilter::Debug),
        _ => Some(LevelFilter::Trace),
    };
    let mut builder = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("off"));
    if let Some(level) = level {
        builder.filter_module("genesys_presence", level);
    }
    // ureq_proto and tungstenite print raw headers (the token) at trace.
    builder
        .filter_module("ureq_proto", LevelFilter::Info)
        .filter_module("tungstenite", LevelFilter::Info)
        .target(env_logger::Target::Stderr);
    let _ = builder.try_init();
}
