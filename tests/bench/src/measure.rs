//! Wall time, CPU time and peak resident set size of a child process.
//!
//! `getrusage(RUSAGE_CHILDREN)` reports the peak RSS of the largest child a process has waited
//! for, so a process that runs several children cannot tell them apart. Each measured command
//! is therefore run by a helper process of its own — the benchmark binary started again with
//! [`HELPER_FLAG`] — which spawns the command, waits for it, and writes the figures to a file.

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};
use serde::{Deserialize, Serialize};

/// First argument that makes the benchmark binary act as the measuring helper:
/// `<binary> --measure-child STATS_FILE PROGRAM [ARGS...]`.
pub const HELPER_FLAG: &str = "--measure-child";

/// Exit code of a helper that could not measure (the command's own code is in the stats).
const HELPER_FAILED: u8 = 70;

/// What one run of a command cost.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChildStats {
    /// Wall time from spawning to reaping the command, in seconds.
    pub wall_secs: f64,
    /// User CPU time, in seconds.
    pub user_secs: f64,
    /// System CPU time, in seconds.
    pub system_secs: f64,
    /// Peak resident set size, in KiB.
    pub max_rss_kib: u64,
    /// The command's exit code; `None` when a signal ended it.
    pub exit_code: Option<i32>,
}

impl ChildStats {
    /// Wall time as a [`Duration`].
    pub fn wall(&self) -> Duration {
        Duration::from_secs_f64(self.wall_secs.max(0.0))
    }

    /// Peak RSS in megabytes (10^6 bytes).
    pub fn max_rss_mb(&self) -> f64 {
        self.max_rss_kib as f64 * 1024.0 / 1e6
    }
}

/// One measured run: the figures and what the command printed.
#[derive(Debug, Clone)]
pub struct Measured {
    /// The figures.
    pub stats: ChildStats,
    /// Standard output of the command.
    pub stdout: Vec<u8>,
    /// Standard error of the command.
    pub stderr: Vec<u8>,
}

/// How to run a measured command.
#[derive(Debug, Clone)]
pub struct MeasuredCommand {
    /// The helper: normally this benchmark binary (`std::env::current_exe()`).
    pub helper: PathBuf,
    /// The program to measure.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Environment variables to set.
    pub env: Vec<(OsString, OsString)>,
    /// Environment variables to remove.
    pub env_remove: Vec<OsString>,
    /// Directory for the helper's stats file.
    pub work_dir: PathBuf,
}

impl MeasuredCommand {
    /// Runs the command once through the helper and returns its figures and output.
    pub fn run(&self) -> io::Result<Measured> {
        let stats_file = tempfile::Builder::new()
            .prefix("stats-")
            .suffix(".json")
            .tempfile_in(&self.work_dir)?;
        let mut command = Command::new(&self.helper);
        command
            .arg(HELPER_FLAG)
            .arg(stats_file.path())
            .arg(&self.program)
            .args(&self.args)
            .stdin(Stdio::null());
        for name in &self.env_remove {
            command.env_remove(name);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        let output = command.output()?;
        if !output.status.success() {
            return Err(io::Error::other(format!(
                "the measuring helper failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let text = std::fs::read(stats_file.path())?;
        let stats: ChildStats = serde_json::from_slice(&text).map_err(io::Error::other)?;
        Ok(Measured {
            stats,
            stdout: output.stdout,
            stderr: output.stderr,
        })
    }
}

/// The helper's side: `args` are `STATS_FILE PROGRAM [ARGS...]` (after [`HELPER_FLAG`]). Runs
/// the program with the helper's standard streams, then writes its [`ChildStats`] as JSON to
/// `STATS_FILE`.
pub fn helper_main(args: &[OsString]) -> ExitCode {
    let [stats_file, program, rest @ ..] = args else {
        eprintln!("usage: {HELPER_FLAG} STATS_FILE PROGRAM [ARGS...]");
        return ExitCode::from(HELPER_FAILED);
    };
    match measure(Path::new(stats_file), program, rest) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{HELPER_FLAG}: {}: {e}", Path::new(program).display());
            ExitCode::from(HELPER_FAILED)
        }
    }
}

fn measure(stats_file: &Path, program: &OsStr, args: &[OsString]) -> io::Result<()> {
    let started = Instant::now();
    let status = Command::new(program).args(args).status()?;
    let wall = started.elapsed();
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).map_err(io::Error::from)?;
    let seconds = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    let stats = ChildStats {
        wall_secs: wall.as_secs_f64(),
        user_secs: seconds(usage.user_time()),
        system_secs: seconds(usage.system_time()),
        max_rss_kib: u64::try_from(usage.max_rss()).unwrap_or(0),
        exit_code: status.code(),
    };
    let json = serde_json::to_vec(&stats).map_err(io::Error::other)?;
    std::fs::write(stats_file, json)
}
