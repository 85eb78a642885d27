//! `settings …` and `primary-source …`. (Skeleton.)

use crate::args::{PrimarySourceCommand, SettingsCommand};
use crate::context::Context;
use crate::failure::{Failure, Outcome};

pub fn run_settings(_context: &Context, _command: &SettingsCommand) -> Outcome {
    Err(Failure::other("settings: not yet"))
}

pub fn run_primary_source(_context: &Context, _command: &PrimarySourceCommand) -> Outcome {
    Err(Failure::other("primary-source: not yet"))
}
