//! `genesys-presence`: read, set and watch Genesys Cloud presence from a
//! shell, with the `genesys-presence` library.
//!
//! Run `genesys-presence --help` for the commands, or see the README's
//! "Command-line tool" section.

mod args;
mod commands;
mod context;
mod failure;
mod file_lock;
mod logging;
mod output;
mod profile;
mod time;
mod user_refs;

use std::process::ExitCode;

use clap::Parser;

use args::Cli;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and --version go to stdout with 0; usage errors to stderr with 2.
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    logging::init(cli.global.verbose);
    match commands::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
