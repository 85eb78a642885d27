//! `definitions …`. (Skeleton.)

use crate::args::DefinitionsCommand;
use crate::context::Context;
use crate::failure::{Failure, Outcome};

pub fn run(_context: &Context, _command: &DefinitionsCommand) -> Outcome {
    Err(Failure::other("definitions: not yet"))
}
