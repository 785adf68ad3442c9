//! Exit codes and the failures that are not a verdict: documented in `--help` and the README.

use checker_core::report::{Report, Status, Verdict};

use crate::args::FailOn;

/// Exit codes.
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

impl Exit {
    /// The exit code for a report: not ready (3) over incomplete (5) over warnings (4). `info`
    /// results never change it.
    pub fn of(report: &Report, fail_on: FailOn) -> Exit {
        match report.verdict {
            Verdict::NotReady => Exit::NotReady,
            Verdict::Incomplete => Exit::Incomplete,
            Verdict::Ready
                if fail_on == FailOn::Warning
                    && report.results.iter().any(|r| r.status == Status::Warn) =>
            {
                Exit::Warnings
            }
            Verdict::Ready => Exit::Ready,
        }
    }
}

/// Why a command could not do its job.
#[derive(Debug)]
pub enum Failure {
    /// Bad flag or bad input: exit 2.
    Usage(String),
    /// A bug or an environment problem: exit 1.
    Internal(String),
}

/// Output that could not be written. A closed stdout is not one: [`crate::print`] drops the
/// text and the command keeps its exit code.
impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Failure {
        Failure::Internal(format!("cannot write output: {error}"))
    }
}
