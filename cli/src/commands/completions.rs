//! `completions SHELL`: a completion script on standard output.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};
use crate::failure::Outcome;

/// Prints the completion script for `args.shell`.
pub fn run(args: &CompletionsArgs) -> Outcome {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "genesys-presence", &mut script);
    let text = String::from_utf8_lossy(&script);
    crate::output::line(text.trim_end())
}
