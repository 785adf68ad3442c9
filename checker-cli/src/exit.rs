//! Exit codes and the failures that are not a verdict: documented in `--help` and the README.

use checker_core::report::{Report, Status};

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
    /// The exit code for a report under a gate policy: a failed blocker (3) over checks not
    /// evaluated (5) over warnings or info results (4). Checks not evaluated always count.
    pub fn of(report: &Report, fail_on: FailOn) -> Exit {
        let any = |status: Status| {
            fail_on.fails(status) && report.results.iter().any(|r| r.status == status)
        };
        if any(Status::Fail) {
            Exit::NotReady
        } else if any(Status::Error) {
            Exit::Incomplete
        } else if any(Status::Warn) || any(Status::Info) {
            Exit::Warnings
        } else {
            Exit::Ready
        }
    }
}

impl FailOn {
    /// The policy as `--fail-on` takes it.
    pub fn name(self) -> String {
        clap::ValueEnum::to_possible_value(&self)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }

    /// Whether a result of this status fails the gate: a check not evaluated always does, a
    /// failed blocker unless `never`, a warning with `warning` or `info`, an info result with
    /// `info`.
    pub fn fails(self, status: Status) -> bool {
        match status {
            Status::Error => true,
            Status::Fail => self != FailOn::Never,
            Status::Warn => matches!(self, FailOn::Warning | FailOn::Info),
            Status::Info => self == FailOn::Info,
            Status::Pass | Status::Skipped | Status::Excluded | Status::Waived => false,
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
