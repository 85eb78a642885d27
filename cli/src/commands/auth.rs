//! `login`, `logout`, `whoami`. (Skeleton.)

use crate::args::{Global, LoginArgs};
use crate::context::Context;
use crate::failure::{Failure, Outcome};

pub fn login(_global: &Global, _args: &LoginArgs) -> Outcome {
    Err(Failure::other("login: not yet"))
}

pub fn logout(_global: &Global) -> Outcome {
    Err(Failure::other("logout: not yet"))
}

pub fn whoami(_context: &Context) -> Outcome {
    Err(Failure::other("whoami: not yet"))
}
