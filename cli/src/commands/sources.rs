//! `sources …`. (Skeleton.)

use crate::args::SourcesCommand;
use crate::context::Context;
use crate::failure::{Failure, Outcome};

pub fn run(_context: &Context, _command: &SourcesCommand) -> Outcome {
    Err(Failure::other("sources: not yet"))
}
