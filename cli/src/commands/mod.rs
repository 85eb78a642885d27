//! One module per group of commands; `run` sends the command line to its own.

mod auth;
mod completions;
mod definitions;
mod login;
mod presence;
mod presence_row;
mod settings;
mod sources;
mod watch;

use crate::args::{Cli, Command};
use crate::context::Context;
use crate::failure::Outcome;

/// Runs the command `cli` names. The session is made only for the
/// commands that need one (`login`, `logout` and `completions` do not).
pub fn run(cli: &Cli) -> Outcome {
    let context = || Context::new(&cli.global);
    match &cli.command {
        Command::Completions(args) => completions::run(args),
        Command::Login(args) => login::run(&cli.global, args),
        Command::Logout => auth::logout(&cli.global),
        Command::Whoami => auth::whoami(&context()?),
        Command::Get(args) => presence::get(&context()?, args),
        Command::Set(args) => presence::set(&context()?, args),
        Command::Watch(args) => watch::run(&context()?, args),
        Command::Definitions(command) => definitions::run(&context()?, command),
        Command::Sources(command) => sources::run(&context()?, command),
        Command::Settings(command) => settings::run_settings(&context()?, command),
        Command::PrimarySource(command) => settings::run_primary_source(&context()?, command),
    }
}
