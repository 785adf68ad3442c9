//! Command-line arguments. The doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  ready: no blocker failed and every check was evaluated
  1  internal error
  2  usage or input error (bad flag, unreadable snapshot or kubeconfig, invalid rule pack)
  3  not ready: a blocker failed
  4  warnings only, and --fail-on warning was given
  5  incomplete: a check could not be evaluated and no blocker failed";

/// Checks whether an Alauda Container Platform installation is ready to be upgraded, and says
/// exactly what to fix if not.
#[derive(Debug, Parser)]
#[command(name = "acp-preflight", version, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check upgrade readiness, from a saved snapshot or dump directory.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Write a snapshot file (raw objects per cluster plus host facts) for `check --snapshot`
    /// or for support.
    Collect(CollectArgs),
    /// Print the facts of this host (free space where the upgrade needs it), e.g. as host.json
    /// for a dump directory.
    Host(HostArgs),
    /// Explore and validate rule packs.
    Rules {
        /// What to do with rules.
        #[command(subcommand)]
        command: RulesCommand,
    },
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// The versioned JSON report (docs/report-format.md).
    Json,
}

/// Which results fail the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Only failed blockers (exit 3).
    Blocker,
    /// Failed blockers, and also warnings (exit 4).
    Warning,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set or TERM is dumb.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Host paths to probe.
#[derive(Debug, Clone, Args)]
pub struct HostPathArgs {
    /// The MinIO data directory on this global control-plane node [default: /cpaas/minio].
    #[arg(long, value_name = "DIR")]
    pub minio_path: Option<PathBuf>,
    /// The upgrade package file, to check the space for extracting it.
    #[arg(long, value_name = "FILE")]
    pub package: Option<PathBuf>,
    /// The directory the package will be extracted into.
    #[arg(long, value_name = "DIR")]
    pub extract_dir: Option<PathBuf>,
    /// Give up on a host path after this many seconds (a dead network mount can hang).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub probe_timeout: u64,
}

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A snapshot file written by `collect`, or a directory of `kubectl get -o json` outputs
    /// (one subdirectory per cluster; see docs/snapshot-format.md).
    #[arg(long, value_name = "PATH")]
    pub snapshot: Option<PathBuf>,
    /// Target ACP version (selects the bundled rule pack).
    #[arg(long, value_name = "VERSION", default_value = "4.1")]
    pub target: String,
    /// Use this rule-pack file instead of the bundled one.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Host paths; with --snapshot, giving any of them probes this host instead of using the
    /// snapshot's host facts.
    #[command(flatten)]
    pub host: HostPathArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write the JSON report to this file (for support), whatever the output format.
    #[arg(long, value_name = "FILE")]
    pub report_file: Option<PathBuf>,
    /// Which results make the exit code non-zero.
    #[arg(long, value_enum, default_value_t = FailOn::Blocker)]
    pub fail_on: FailOn,
    /// When to colour the table.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Arguments of `collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Where to write the snapshot.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Read a directory of `kubectl get -o json` outputs instead of a live platform.
    #[arg(long, value_name = "DIR")]
    pub from_dump: Option<PathBuf>,
    /// Host paths; with --from-dump, giving any of them probes this host instead of using the
    /// dump's host.json.
    #[command(flatten)]
    pub host: HostPathArgs,
}

/// Arguments of `host`.
#[derive(Debug, Args)]
pub struct HostArgs {
    /// Host paths to probe.
    #[command(flatten)]
    pub paths: HostPathArgs,
}

/// `rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules of a pack.
    List {
        /// Target ACP version.
        #[arg(long, value_name = "VERSION", default_value = "4.1")]
        target: String,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show everything about one rule: requirement, scope, expressions, remediation, docs.
    Explain {
        /// The rule ID, e.g. KubernetesVersionSupported.
        id: String,
        /// Target ACP version.
        #[arg(long, value_name = "VERSION", default_value = "4.1")]
        target: String,
    },
    /// Validate a rule-pack file: schema, expressions, known facts, unique IDs.
    Lint {
        /// The rule-pack file.
        file: PathBuf,
    },
    /// Print the Markdown reference of a pack's rules (docs/rules-<target>.md is made with it).
    Docs {
        /// Target ACP version.
        #[arg(long, value_name = "VERSION", default_value = "4.1")]
        target: String,
    },
}
