//! `watch USER…`. (Skeleton.)

use crate::args::WatchArgs;
use crate::context::Context;
use crate::failure::{Failure, Outcome};

pub fn run(_context: &Context, _args: &WatchArgs) -> Outcome {
    Err(Failure::other("watch: not yet"))
}
