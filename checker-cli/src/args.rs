//! Command-line arguments. The doc comments here are the `--help` text.

use std::path::PathBuf;

use checker_core::collect;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::render::Format;

/// The three jobs, as `--help` shows them before the exit codes (a macro: `concat!` joins
/// literals only).
macro_rules! examples {
    () => {
        "\
Examples:
  Before the window, on a global control-plane node (the verdict, what to fix, a report):
    acp-preflight check --package /root/cpaas-4.1.0.tgz --extract-dir /root/upgrade \\
      --report-file before.json
  As a CI gate (the exit code gates; SARIF and JUnit for the pipeline's pages):
    acp-preflight check --snapshot snapshot.json --fail-on warning \\
      --output-file sarif=preflight.sarif --output-file junit=junit.xml
  For support (one redacted file with every fact, checked again offline):
    acp-preflight collect -o snapshot.json
    acp-preflight check --snapshot snapshot.json -o json > report.json
"
    };
}

/// The exit codes of `check`.
macro_rules! exit_codes {
    () => {
        "\
Exit codes:
  0  ready: no blocker failed and every check was evaluated
  1  internal error
  2  usage or input error (bad flag, unreadable snapshot or kubeconfig, invalid rule pack)
  3  not ready: a blocker failed
  4  no blocker failed, but warnings with --fail-on warning (or info results with --fail-on info)
  5  incomplete: a check could not be evaluated (and no failed blocker decides the exit code)"
    };
}

/// `--help` of the program and of `check`: the examples, then the exit codes.
const CHECK_HELP: &str = concat!(examples!(), "\n", exit_codes!());

/// Checks whether an Alauda Container Platform installation is ready to be upgraded, and says
/// exactly what to fix if not.
#[derive(Debug, Parser)]
#[command(
    name = "acp-preflight",
    version,
    after_help = CHECK_HELP,
    max_term_width = 100
)]
pub struct Cli {
    /// The language of titles, messages, remediation, headings, verdicts and errors: en
    /// (English) or ru (русский) [default: ru when LC_ALL, LC_MESSAGES or LANG, the first of
    /// them set, names a ru locale; else en].
    #[arg(long, global = true, value_enum, value_name = "LANG")]
    pub lang: Option<LangArg>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check upgrade readiness, of the live platform or from a saved snapshot or dump
    /// directory.
    #[command(after_help = CHECK_HELP)]
    Check(CheckArgs),
    /// The order of work: the standby global, the global, then waves of workload clusters,
    /// with what to know about each and the clusters held back, and why.
    #[command(after_help = PLAN_EXIT_CODES)]
    Plan(PlanArgs),
    /// Write a snapshot file (raw objects per cluster plus host facts) for `check --snapshot`
    /// or for support.
    Collect(CollectArgs),
    /// Print the facts of this host (free space where the upgrade needs it), e.g. as host.json
    /// for a dump directory.
    Host(HostArgs),
    /// What changed between two runs: new problems, fixed, still to fix, and changed facts.
    /// OLD and NEW are JSON reports (check -o json, --report-file), snapshots or dump
    /// directories (checked first). Exit code 3 when a blocker fails now that did not before.
    Diff(DiffArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    ///
    /// For example: acp-preflight completions bash > /etc/bash_completion.d/acp-preflight
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    ///
    /// For example: acp-preflight man > /usr/local/share/man/man1/acp-preflight.1
    Man,
    /// Explore and validate rule packs.
    Rules {
        /// What to do with rules.
        #[command(subcommand)]
        command: RulesCommand,
    },
}

/// Output formats of `rules list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table for people.
    Table,
    /// JSON: the pack and its rules.
    Json,
}

/// Output formats of `rules lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// Problems with excerpts of the file, on stderr.
    Text,
    /// JSON on stdout: every problem with its file, field, line and column.
    Json,
}

/// Which results fail the run (the gate policy). A check that could not be evaluated always
/// makes the run incomplete (exit 5), whatever the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Only failed blockers (exit 3).
    Blocker,
    /// Failed blockers, and also warnings (exit 4).
    Warning,
    /// Failed blockers, warnings, and also info results (exit 4).
    Info,
    /// Nothing but checks that could not be evaluated: a report, not a gate.
    Never,
}

/// Arguments of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run: a JSON report, a snapshot file or a dump directory.
    pub old: PathBuf,
    /// The later run, likewise.
    pub new: PathBuf,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
}

/// Output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Lists for people.
    Table,
    /// JSON: `new_problems`, `fixed`, `still_to_fix`, `changed_facts`.
    Json,
    /// Markdown, for a ticket.
    Markdown,
}

/// Which rows the table shows (`--show`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Show {
    /// Every result that needs attention, and one line per rule for its passing and skipped
    /// subjects.
    Problems,
    /// Every result, one row each.
    All,
}

/// `--lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    // No doc comments: `--help` then lists the values on one line.
    En,
    Ru,
}

impl LangArg {
    /// The language.
    pub fn lang(self) -> checker_core::lang::Lang {
        match self {
            LangArg::En => checker_core::lang::Lang::En,
            LangArg::Ru => checker_core::lang::Lang::Ru,
        }
    }
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set, CLICOLOR is 0 or TERM is dumb (CLICOLOR_FORCE
    /// forces it).
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
    /// Give up on a host path after this long (a dead network mount can hang): seconds, or
    /// with a unit (`30s`, `2m`), at most a day.
    #[arg(long, value_name = "DURATION", default_value = "10", value_parser = parse_seconds)]
    pub probe_timeout: u64,
}

/// How to reach the platform for a live collection (`check` without --snapshot, `collect`
/// without --from-dump).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Cluster access (live collection)")]
#[group(id = "connection", multiple = true)]
pub struct ConnectionArgs {
    /// Kubeconfig file [default: the files of KUBECONFIG, else ~/.kube/config, else the pod's
    /// service account].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context of the global cluster [default: the current context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Reach workload cluster NAME through kubeconfig context CONTEXT instead of the platform
    /// proxy (repeatable).
    #[arg(long, value_name = "NAME=CONTEXT", value_parser = parse_cluster_context)]
    pub cluster_context: Vec<(String, String)>,
    /// Check only these workload clusters (comma-separated); the global cluster is always
    /// checked.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub clusters: Option<Vec<String>>,
    /// Platform address whose proxy (URL/kubernetes/<cluster>) reaches the workload clusters
    /// [default: derived from a global server URL ending in /kubernetes/<name>].
    #[arg(long, value_name = "URL")]
    pub platform_url: Option<String>,
    /// File holding the ACP API token for requests through the platform proxy [default: the
    /// global cluster's credentials].
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// PEM file of the CA that signed the platform's certificate, if the system does not trust
    /// it and it is not the global cluster's CA.
    #[arg(long, value_name = "FILE")]
    pub platform_ca: Option<PathBuf>,
    /// Kubeconfig context of the standby global cluster (disaster recovery), collected too.
    #[arg(long, value_name = "NAME", conflicts_with = "standby_url")]
    pub standby_context: Option<String>,
    /// API server URL of the standby global cluster, reached with the proxy's credentials.
    #[arg(long, value_name = "URL")]
    pub standby_url: Option<String>,
    /// Do not verify the API servers' TLS certificates. Dangerous: anyone on the network path
    /// can read the credentials. Recorded in the report.
    #[arg(long)]
    pub insecure_skip_tls_verify: bool,
    /// How many clusters to read at the same time (each has up to 2 requests in flight).
    #[arg(long, value_name = "N", default_value_t = collect::DEFAULT_CONCURRENCY as u16,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// Give up on one request after this long: seconds, or with a unit (`30s`, `2m`), at most
    /// a day.
    #[arg(long, value_name = "DURATION", default_value = "10", value_parser = parse_seconds)]
    pub request_timeout: u64,
    /// Give up on the whole collection after this long (seconds, or `90s`, `5m`, at most a
    /// day); unfinished reads are reported as timed out.
    #[arg(long, value_name = "DURATION", default_value = "60", value_parser = parse_seconds)]
    pub deadline: u64,
    /// Objects per list page (for tests).
    #[arg(long, value_name = "N", default_value_t = checker_core::collect::DEFAULT_PAGE_SIZE,
          value_parser = clap::value_parser!(u32).range(1..), hide = true)]
    pub page_size: u32,
}

/// The longest duration accepted: a day. Longer ones are mistakes, and durations far beyond
/// it overflow the clock.
const MAX_SECONDS: u64 = 24 * 60 * 60;

/// Parses a duration as kubectl users write it: `10` (seconds), `10s`, `2m`, `1h`; from 1 s to
/// a day.
fn parse_seconds(value: &str) -> Result<u64, String> {
    let value = value.trim();
    let (number, unit) = value.split_at(
        value
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(value.len()),
    );
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 60 * 60,
        _ => {
            return Err(format!(
                "`{value}`: expected seconds or a duration such as 30s, 2m, 1h"
            ));
        }
    };
    let seconds = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|s| (1..=MAX_SECONDS).contains(s));
    seconds.ok_or_else(|| format!("`{value}`: expected a duration from 1s to 24h"))
}

/// One `--output-file`: a format, and the file to write it to (`None` for stdout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// The format.
    pub format: Format,
    /// The file; `None` for stdout (`-`).
    pub path: Option<PathBuf>,
}

/// Parses `FORMAT=PATH`.
fn parse_output_file(value: &str) -> Result<OutputFile, String> {
    let formats = || {
        Format::value_variants()
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some((format, path)) = value
        .split_once('=')
        .filter(|(f, p)| !f.is_empty() && !p.is_empty())
    else {
        return Err(format!(
            "expected FORMAT=PATH, e.g. sarif=preflight.sarif (formats: {})",
            formats()
        ));
    };
    let format = Format::from_str(format, true)
        .map_err(|_| format!("`{format}` is not a format (formats: {})", formats()))?;
    Ok(OutputFile {
        format,
        path: (path != "-").then(|| PathBuf::from(path)),
    })
}

/// Parses `NAME=CONTEXT`.
fn parse_cluster_context(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((name, context)) if !name.is_empty() && !context.is_empty() => {
            Ok((name.to_string(), context.to_string()))
        }
        _ => Err("expected NAME=CONTEXT, e.g. prod-1=prod-1-admin".to_string()),
    }
}

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A snapshot file written by `collect`, or a directory of `kubectl get -o json` outputs
    /// (one subdirectory per cluster; see docs/snapshot-format.md). Without it, the platform is
    /// read live (see "Cluster access").
    #[arg(long, value_name = "PATH", conflicts_with = "connection")]
    pub snapshot: Option<PathBuf>,
    /// Target ACP version, which selects the bundled rule pack: 4.0, 4.1, 4.2, 4.3, or the 4.4
    /// preview (`v4.3` and `4.1.2` work too). Without it, the newest pack with an upgrade path
    /// from the installed version (after the upgrade: the version the platform runs); the report
    /// says which and why.
    #[arg(long, value_name = "VERSION", value_parser = target_arg)]
    pub target: Option<String>,
    /// Use this rule-pack file instead of the bundled one.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// When in the upgrade: `pre` before the window, `workload` after the global clusters were
    /// upgraded and before the workload clusters are, `post` after the upgrade.
    #[arg(long, value_enum, default_value_t = PhaseArg::Pre)]
    pub phase: PhaseArg,
    /// The ACP version the upgrade started from (e.g. 3.18.2), for --phase workload and post:
    /// the platform then reports the target version, so the thresholds of the upgrade path
    /// and the checks for upgrades from 3.x need it.
    #[arg(long, value_name = "VERSION", conflicts_with = "baseline")]
    pub from: Option<String>,
    /// The JSON report of the check made before the upgrade (`--report-file`): the version the
    /// upgrade started from is read from it, for --phase workload and post.
    #[arg(long, value_name = "REPORT")]
    pub baseline: Option<PathBuf>,
    /// Host paths; with --snapshot, giving any of them probes this host instead of using the
    /// snapshot's host facts.
    #[command(flatten)]
    pub host: HostPathArgs,
    /// Output format on stdout [default: table].
    #[arg(short = 'o', long = "output", value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Also write the report in FORMAT to PATH, repeatable; `-` for stdout, instead of -o. For
    /// example `--output-file sarif=preflight.sarif --output-file junit=junit.xml`.
    #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_output_file)]
    pub output_file: Vec<OutputFile>,
    /// Also write the JSON report to this file (for support), whatever the output format; the
    /// same as `--output-file json=FILE`.
    #[arg(long, value_name = "FILE")]
    pub report_file: Option<PathBuf>,
    /// Host facts of another node (the output of `acp-preflight host` run there), repeatable:
    /// merged with the snapshot's and this host's, so every control-plane node can be checked
    /// from one run.
    #[arg(long, value_name = "FILE")]
    pub host_facts: Vec<PathBuf>,
    /// Exclude these rules (comma-separated IDs, repeatable): they are not evaluated, and the
    /// report and the verdict line list them as excluded.
    #[arg(long, value_name = "RULE[,RULE]", value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Exclude these rules too (the same as --skip, reported as excluded by --ignore).
    #[arg(long, value_name = "RULE[,RULE]", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Evaluate only these rules (comma-separated IDs, repeatable): every other rule is
    /// excluded, and the report and the verdict line list them.
    #[arg(long, value_name = "RULE[,RULE]", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Accept known risks (YAML, docs/waivers.md): each waiver names a rule, optionally a
    /// subject, a reason, an owner and an expiry date. A waived result is reported as waived
    /// and does not fail the gate; an expired waiver waives nothing and is reported; a waiver
    /// that matches nothing is reported as stale.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Exclude every host check (free space on this node), for a run that is not on a global
    /// control-plane node; the report and the verdict line list them as excluded.
    #[arg(long)]
    pub skip_host: bool,
    /// Which results make the exit code non-zero.
    #[arg(long, value_enum, default_value_t = FailOn::Blocker)]
    pub fail_on: FailOn,
    /// When to colour the table.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Which rows the table shows.
    #[arg(long, value_enum, default_value_t = Show::Problems)]
    pub show: Show,
    /// How to reach the platform when there is no --snapshot.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

const PLAN_EXIT_CODES: &str = "\
Exit codes:
  0  nothing is held back: every cluster is in a step
  1  internal error
  2  usage or input error (bad flag, --wave-size outside 1 to 20, unreadable snapshot)
  3  a failed blocker holds a cluster back
  4  nothing is held back, but warnings with --fail-on warning (or info results with --fail-on info)
  5  checks that could not be evaluated hold a cluster back, and no blocker failed";

/// `--phase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PhaseArg {
    /// Before the window (the default).
    Pre,
    /// Between the global and the workload-cluster upgrades.
    Workload,
    /// After the upgrade.
    Post,
}

impl PhaseArg {
    /// The phase it names.
    pub fn phase(self) -> checker_core::rules::Phase {
        use checker_core::rules::Phase;
        match self {
            PhaseArg::Pre => Phase::Pre,
            PhaseArg::Workload => Phase::Workload,
            PhaseArg::Post => Phase::Post,
        }
    }
}

/// Arguments of `plan`: those of `check`, and the wave size.
#[derive(Debug, Args)]
#[command(mut_arg("format", |arg| arg
    .help("Output format: `table` (the steps, for people) or `json` (docs/plan-format.md)")
    .hide_possible_values(true)))]
pub struct PlanArgs {
    // First, so that the "Cluster access" heading of the flattened arguments does not take it.
    /// At most this many workload clusters per wave, from 1 to 20 (the upgrade guide's limit).
    #[arg(long, value_name = "N", default_value_t = checker_core::plan::MAX_WAVE_SIZE,
          value_parser = parse_wave_size)]
    pub wave_size: usize,
    /// The inputs and checks, as for `check`.
    #[command(flatten)]
    pub check: CheckArgs,
}

/// Parses `--wave-size`: 1 to the guide's limit of 20.
fn parse_wave_size(value: &str) -> Result<usize, String> {
    let size = value
        .trim()
        .parse::<usize>()
        .map_err(|_| format!("`{value}`: expected a number of clusters from 1 to 20"))?;
    checker_core::plan::check_wave_size(size)
}

/// Arguments of `collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Where to write the snapshot.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Read a directory of `kubectl get -o json` outputs instead of the live platform.
    #[arg(long, value_name = "DIR", conflicts_with = "connection")]
    pub from_dump: Option<PathBuf>,
    /// Host paths; with --from-dump, giving any of them probes this host instead of using the
    /// dump's host.json.
    #[command(flatten)]
    pub host: HostPathArgs,
    /// How to reach the platform when there is no --from-dump.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `host`.
#[derive(Debug, Args)]
pub struct HostArgs {
    /// Host paths to probe.
    #[command(flatten)]
    pub paths: HostPathArgs,
    /// Try a TCP connect to HOST:PORT from this host (repeatable), e.g. port 2379 of each DR
    /// global's VIP; the connection is only opened and closed, within 5 s.
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_endpoint)]
    pub tcp: Vec<String>,
    /// Resolve HOST with this host's resolver (repeatable), e.g. the platform domain, to tell
    /// which DR global it points at.
    #[arg(long, value_name = "HOST")]
    pub resolve: Vec<String>,
}

/// Parses `HOST:PORT` (`[IPv6]:PORT`).
fn parse_endpoint(value: &str) -> Result<String, String> {
    let value = value.trim();
    let usage =
        || format!("`{value}`: expected HOST:PORT, e.g. 192.168.130.10:2379 or [fd00::10]:2379");
    let (host, port) = value.rsplit_once(':').ok_or_else(usage)?;
    let valid_host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => !host.is_empty() && !host.contains([':', '[', ']']),
    };
    if !valid_host {
        return Err(usage());
    }
    match port.parse::<u16>() {
        Ok(port) if port > 0 => Ok(value.to_string()),
        _ => Err(usage()),
    }
}

/// A `--target`: the `major.minor` it names (`v4.3` → `4.3`, `4.1.2` → `4.1`).
fn target_arg(text: &str) -> Result<String, String> {
    checker_core::rules::select::target_of(text)
}

/// `rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules of a pack.
    List {
        /// Target ACP version (4.0, 4.1, 4.2, 4.3, 4.4; `v4.3` and `4.1.2` work too).
        #[arg(long, value_name = "VERSION", default_value = "4.1", value_parser = target_arg)]
        target: String,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Show everything about one rule: requirement, scope, expressions, remediation, docs.
    Explain {
        /// The rule ID, e.g. KubernetesVersionSupported.
        id: String,
        /// Target ACP version (4.0, 4.1, 4.2, 4.3, 4.4; `v4.3` and `4.1.2` work too).
        #[arg(long, value_name = "VERSION", default_value = "4.1", value_parser = target_arg)]
        target: String,
    },
    /// Validate a rule-pack or rule file: schema, expressions, known facts, parameters,
    /// references; every problem is reported.
    Lint {
        /// The pack file (`pack: ...`) or rule file (`id: ...`).
        file: PathBuf,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value_t = LintFormat::Text)]
        format: LintFormat,
    },
    /// What changes between two targets' packs: upgrade paths, thresholds, rules added and
    /// removed, and the severity, parameters, phases and conditions of the rules both check.
    Diff {
        /// The first target, e.g. 4.1.
        #[arg(long, value_name = "VERSION", value_parser = target_arg)]
        from: String,
        /// The second target, e.g. 4.3.
        #[arg(long, value_name = "VERSION", value_parser = target_arg)]
        to: String,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Print the Markdown reference of a pack's rules (docs/rules-<target>.md is made with it).
    Docs {
        /// Target ACP version (4.0, 4.1, 4.2, 4.3, 4.4; `v4.3` and `4.1.2` work too).
        #[arg(long, value_name = "VERSION", default_value = "4.1", value_parser = target_arg)]
        target: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases: &[(&str, Option<u64>)] = &[
            ("10", Some(10)),
            ("10s", Some(10)),
            ("2m", Some(120)),
            ("1h", Some(3600)),
            ("24h", Some(86_400)),
            ("25h", None),
            ("0", None),
            ("9223372036854775807", None),
            ("18446744073709551615m", None),
            ("1.5s", None),
            ("10ms", None),
            ("", None),
            ("-1", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_seconds(text).ok(), *expected, "{text}");
        }
    }

    #[test]
    fn endpoints() {
        let cases: &[(&str, bool)] = &[
            ("192.168.130.10:2379", true),
            ("vip.example.com:2379", true),
            ("[fd00::10]:2379", true),
            ("192.168.130.10", false),
            ("fd00::10:2379", false),
            (":2379", false),
            ("[]:2379", false),
            ("[vip]:2379", false),
            ("vip:0", false),
            ("vip:65536", false),
            ("vip:http", false),
        ];
        for (text, valid) in cases {
            assert_eq!(parse_endpoint(text).is_ok(), *valid, "{text}");
        }
    }
}
