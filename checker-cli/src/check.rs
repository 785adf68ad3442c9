//! `acp-preflight check` and `acp-preflight host`.

use std::path::Path;
use std::time::Duration;

use checker_core::host::{self, HostFacts, HostProbeRequest};
use checker_core::report::{Report, Status, Tool, Verdict};
use checker_core::rules::{RulePack, Severity};
use checker_core::{dump, packs, rules};

use crate::args::{CheckArgs, CollectArgs, FailOn, Format, HostArgs, HostPathArgs};
use crate::{Exit, Failure, print, render};

/// Where MinIO keeps its data on a global control-plane node.
const DEFAULT_MINIO_PATH: &str = "/cpaas/minio";

/// This tool's name and version, as reports record them.
pub fn tool() -> Tool {
    Tool {
        name: "acp-preflight".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// Loads the pack from `--rules FILE`, or the bundled one for `--target`.
pub fn load_pack(file: Option<&Path>, target: &str) -> Result<RulePack, Failure> {
    match file {
        Some(file) => {
            let text = std::fs::read_to_string(file).map_err(|e| {
                Failure::Usage(format!("cannot read rule pack {}: {e}", file.display()))
            })?;
            rules::load(&file.display().to_string(), &text).map_err(|e| {
                Failure::Usage(format!(
                    "invalid rule pack {}:\n{}",
                    file.display(),
                    e.render()
                ))
            })
        }
        None => packs::for_target(target)
            .map_err(|e| {
                Failure::Internal(format!("a bundled rule pack is invalid:\n{}", e.render()))
            })?
            .ok_or_else(|| {
                Failure::Usage(format!(
                    "no rule pack for target {target}; bundled targets: {}",
                    packs::targets().join(", ")
                ))
            }),
    }
}

fn probe_request(paths: &HostPathArgs, default_minio: bool) -> HostProbeRequest {
    let text = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
    HostProbeRequest {
        minio_path: text(&paths.minio_path)
            .or_else(|| default_minio.then(|| DEFAULT_MINIO_PATH.to_string())),
        package: text(&paths.package),
        extract_dir: text(&paths.extract_dir),
        timeout: Duration::from_secs(paths.probe_timeout.max(1)),
    }
}

fn any_path_given(paths: &HostPathArgs) -> bool {
    paths.minio_path.is_some() || paths.package.is_some() || paths.extract_dir.is_some()
}

/// `check`: evaluates the pack and prints the report; the exit code follows the verdict.
pub fn run(args: &CheckArgs) -> Result<Exit, Failure> {
    let pack = load_pack(args.rules.as_deref(), &args.target)?;
    let Some(path) = &args.snapshot else {
        return Err(Failure::Usage(
            "give --snapshot FILE|DIR: live collection from a cluster is not available in this build"
                .to_string(),
        ));
    };
    let mut snapshot = dump::load(path).map_err(|e| Failure::Usage(e.to_string()))?;
    if any_path_given(&args.host) {
        snapshot.host = Some(probe_host(&args.host, false));
    }
    let kind = if path.is_dir() {
        "kubectl-dump"
    } else {
        "snapshot"
    };
    let source = checker_core::source_of(&snapshot, kind, &path.display().to_string());
    let report = checker_core::check(&pack, &snapshot, tool(), source);
    emit(&report, args)
}

/// Probes this host's paths.
fn probe_host(paths: &HostPathArgs, default_minio: bool) -> HostFacts {
    host::probe(&probe_request(paths, default_minio))
}

/// Prints the report in the chosen format, writes `--report-file`, and picks the exit code.
pub fn emit(report: &Report, args: &CheckArgs) -> Result<Exit, Failure> {
    let json = serde_json::to_string_pretty(report)
        .map_err(|e| Failure::Internal(format!("cannot serialise the report: {e}")))?;
    if let Some(file) = &args.report_file {
        std::fs::write(file, format!("{json}\n")).map_err(|e| {
            Failure::Usage(format!("cannot write report file {}: {e}", file.display()))
        })?;
    }
    match args.format {
        Format::Json => print(&format!("{json}\n"))?,
        Format::Table => print(&render::table(report, render::styled(args.color)))?,
    }
    Ok(exit_code(report, args.fail_on))
}

/// The exit code for a report: not ready (3) over incomplete (5) over warnings (4).
pub fn exit_code(report: &Report, fail_on: FailOn) -> Exit {
    match report.verdict {
        Verdict::NotReady => Exit::NotReady,
        Verdict::Incomplete => Exit::Incomplete,
        Verdict::Ready
            if fail_on == FailOn::Warning
                && report
                    .results
                    .iter()
                    .any(|r| r.status == Status::Warn && r.severity == Severity::Warning) =>
        {
            Exit::Warnings
        }
        Verdict::Ready => Exit::Ready,
    }
}

/// `host`: prints this host's facts as JSON.
pub fn host(args: &HostArgs) -> Result<Exit, Failure> {
    let facts = probe_host(&args.paths, true);
    let json = serde_json::to_string_pretty(&facts)
        .map_err(|e| Failure::Internal(format!("cannot serialise host facts: {e}")))?;
    print(&format!("{json}\n"))?;
    Ok(Exit::Ready)
}

/// `collect`: writes a snapshot file.
pub fn collect(args: &CollectArgs) -> Result<Exit, Failure> {
    let Some(dir) = &args.from_dump else {
        return Err(Failure::Usage(
            "give --from-dump DIR: live collection from a cluster is not available in this build"
                .to_string(),
        ));
    };
    let mut snapshot = dump::load_dir(dir).map_err(|e| Failure::Usage(e.to_string()))?;
    snapshot.collector.tool = tool().name;
    snapshot.collector.version = tool().version;
    if any_path_given(&args.host) {
        snapshot.host = Some(probe_host(&args.host, false));
    }
    write_snapshot(&snapshot, &args.output)?;
    Ok(Exit::Ready)
}

/// Writes a snapshot as pretty JSON (stable key order, so snapshots diff well).
fn write_snapshot(snapshot: &checker_core::snapshot::Snapshot, path: &Path) -> Result<(), Failure> {
    let json = serde_json::to_string_pretty(snapshot)
        .map_err(|e| Failure::Internal(format!("cannot serialise the snapshot: {e}")))?;
    std::fs::write(path, format!("{json}\n"))
        .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display())))
}
