//! `acp-preflight`: is this Alauda Container Platform ready to be upgraded?

mod args;
mod check;
mod render;
mod rules_cmd;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// Exit codes, documented in `--help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Ready.
    Ready = 0,
    /// Internal error.
    Internal = 1,
    /// Usage or input error.
    Usage = 2,
    /// A blocker failed.
    NotReady = 3,
    /// Warnings, with `--fail-on warning`.
    Warnings = 4,
    /// A check could not be evaluated.
    Incomplete = 5,
}

/// Why a command could not do its job.
#[derive(Debug)]
pub enum Failure {
    /// Bad flag or bad input: exit 2.
    Usage(String),
    /// A bug or an environment problem: exit 1.
    Internal(String),
    /// stdout was closed (e.g. `| head`): exit quietly with 0.
    BrokenPipe,
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Failure {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::BrokenPipe
        } else {
            Failure::Internal(format!("cannot write output: {error}"))
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                Exit::Usage as u8
            } else {
                0
            });
        }
    };
    let result = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Collect(args) => check::collect(&args),
        Command::Host(args) => check::host(&args),
        Command::Rules { command } => rules_cmd::run(command),
    };
    let exit = match result {
        Ok(exit) => exit,
        Err(Failure::BrokenPipe) => Exit::Ready,
        Err(Failure::Usage(message)) => {
            let _ = writeln!(std::io::stderr(), "error: {message}");
            Exit::Usage
        }
        Err(Failure::Internal(message)) => {
            let _ = writeln!(std::io::stderr(), "internal error: {message}");
            Exit::Internal
        }
    };
    ExitCode::from(exit as u8)
}

/// Writes to stdout; a closed pipe becomes [`Failure::BrokenPipe`].
pub fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
