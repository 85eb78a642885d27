//! How a command fails, and what the shell sees: one line on stderr and an
//! exit code (1 for an API or network failure, 2 for a usage error; a
//! closed standard output ends the program quietly with 0).

use std::fmt;
use std::io;
use std::process::ExitCode;

/// Why a command stopped.
#[derive(Debug)]
pub enum Failure {
    /// The command line asks for something that cannot be done as written
    /// (a user that is neither an id, an e-mail nor `me`, say): exit 2.
    Usage(String),
    /// A call to Genesys Cloud (or the sign-in) failed: exit 1.
    Api(genesys_presence::Error),
    /// Anything else that stops the command: a profile that cannot be read
    /// or written, standard input that cannot be read: exit 1.
    Other(String),
    /// Standard output was closed (`… | head`): stop quietly.
    BrokenPipe,
}

/// A command's result.
pub type Outcome<T = ()> = Result<T, Failure>;

impl Failure {
    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::Usage(message.into())
    }

    /// Any other failure.
    pub fn other(message: impl Into<String>) -> Failure {
        Failure::Other(message.into())
    }

    /// Prints the failure on stderr and gives the exit code.
    pub fn report(self) -> ExitCode {
        match self {
            Failure::BrokenPipe => ExitCode::SUCCESS,
            Failure::Usage(message) => {
                crate::output::note(&format!(
                    "error: {message}\n\nFor more information, try '--help'."
                ));
                ExitCode::from(2)
            }
            other => {
                crate::output::note(&format!("error: {other}"));
                ExitCode::from(1)
            }
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message) | Failure::Other(message) => f.write_str(message),
            Failure::Api(error) => write!(f, "{error}"),
            Failure::BrokenPipe => f.write_str("standard output was closed"),
        }
    }
}

impl From<genesys_presence::Error> for Failure {
    fn from(error: genesys_presence::Error) -> Failure {
        Failure::Api(error)
    }
}

impl From<io::Error> for Failure {
    /// A failed write to standard output: a closed pipe ends quietly.
    fn from(error: io::Error) -> Failure {
        if error.kind() == io::ErrorKind::BrokenPipe {
            Failure::BrokenPipe
        } else {
            Failure::Other(format!("cannot write to standard output: {error}"))
        }
    }
}
