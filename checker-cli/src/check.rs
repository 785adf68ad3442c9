//! `acp-preflight check`, `collect` and `host`.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use checker_core::collect::{self, CollectOptions};
use checker_core::host::{self, HostFacts, HostProbeRequest};
use checker_core::reads::{self, Read};
use checker_core::report::{Report, Status, Tool, Verdict};
use checker_core::rules::RulePack;
use checker_core::snapshot::Snapshot;
use checker_core::{dump, facts, rules};

use crate::args::{CheckArgs, CollectArgs, ConnectionArgs, FailOn, Format, HostArgs, HostPathArgs};
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
        None => rules::for_target(target)
            .map_err(|e| {
                Failure::Internal(format!("a bundled rule pack is invalid:\n{}", e.render()))
            })?
            .ok_or_else(|| {
                Failure::Usage(format!(
                    "no rule pack for target {target}; bundled targets: {}",
                    rules::targets().join(", ")
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
        let needed = facts::reads_for(
            pack.rules
                .iter()
                .flat_map(|rule| rule.reads.iter().map(String::as_str)),
        );
        let snapshot = collect_live(&args.connection, needed, &args.host)?;
        let source = checker_core::source_of(&snapshot, "live", &snapshot.collector.source);
        let report = checker_core::check(&pack, &snapshot, tool(), source, jiff::Timestamp::now());
        let exit = emit(&report, args);
        // The process ends right after: freeing a fleet's worth of JSON node by node would only
        // delay the exit (about 10 ms for 200 clusters), so the memory is left to the OS.
        std::mem::forget((snapshot, report));
        return exit;
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
    let report = checker_core::check(&pack, &snapshot, tool(), source, jiff::Timestamp::now());
    emit(&report, args)
}

/// Probes this host's paths.
fn probe_host(paths: &HostPathArgs, default_minio: bool) -> HostFacts {
    host::probe(&probe_request(paths, default_minio))
}

/// Prints the report in the chosen format, writes `--report-file`, and picks the exit code.
pub fn emit(report: &Report, args: &CheckArgs) -> Result<Exit, Failure> {
    let json = || {
        serde_json::to_string_pretty(report)
            .map(|json| format!("{json}\n"))
            .map_err(|e| Failure::Internal(format!("cannot serialise the report: {e}")))
    };
    if let Some(file) = &args.report_file {
        std::fs::write(file, json()?).map_err(|e| {
            Failure::Usage(format!("cannot write report file {}: {e}", file.display()))
        })?;
    }
    match args.format {
        Format::Json => print(&json()?)?,
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
                && report.results.iter().any(|r| r.status == Status::Warn) =>
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

/// `collect`: writes a snapshot file, of the live platform (every read of the catalogue, so
/// that any rule pack can be checked against it) or of a dump directory.
pub fn collect(args: &CollectArgs) -> Result<Exit, Failure> {
    let Some(dir) = &args.from_dump else {
        let snapshot = collect_live(&args.connection, reads::ALL.iter().collect(), &args.host)?;
        write_snapshot(&snapshot, &args.output)?;
        return Ok(Exit::Ready);
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

/// Writes a snapshot as pretty JSON (stable key order, so snapshots diff well), and says on
/// stderr what it holds, so a failed read is noticed before the file is sent to support.
fn write_snapshot(snapshot: &checker_core::snapshot::Snapshot, path: &Path) -> Result<(), Failure> {
    let json = serde_json::to_string_pretty(snapshot)
        .map_err(|e| Failure::Internal(format!("cannot serialise the snapshot: {e}")))?;
    std::fs::write(path, format!("{json}\n"))
        .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display())))?;
    let failed: Vec<String> = snapshot
        .clusters
        .iter()
        .flat_map(|c| {
            c.reads
                .iter()
                .filter_map(move |(id, outcome)| match outcome {
                    checker_core::snapshot::ReadOutcome::Error(e) => {
                        Some(format!("{id} on {}: {e}", c.name))
                    }
                    _ => None,
                })
        })
        .collect();
    let mut note = format!(
        "wrote {}: {} clusters, {} failed reads{}\n",
        path.display(),
        snapshot.clusters.len(),
        failed.len(),
        if snapshot.host.is_some() {
            ", host facts"
        } else {
            ", no host facts"
        }
    );
    for line in failed.iter().take(10) {
        note.push_str(&format!("  {line}\n"));
    }
    if failed.len() > 10 {
        note.push_str(&format!("  ... and {} more\n", failed.len() - 10));
    }
    let _ = std::io::stderr().write_all(note.as_bytes());
    Ok(())
}

/// Reads `reads` from the live platform while this host is probed (with the default MinIO
/// path), on a runtime of its own. Bad connection input (kubeconfig, context, token file) is a
/// usage error; failed reads are recorded in the snapshot.
fn collect_live(
    connection: &ConnectionArgs,
    reads: Vec<&'static Read>,
    host: &HostPathArgs,
) -> Result<Snapshot, Failure> {
    let mut options = CollectOptions {
        kubeconfig: connection.kubeconfig.clone(),
        context: connection.context.clone(),
        cluster_contexts: connection.cluster_context.clone(),
        clusters: connection.clusters.clone(),
        platform_url: connection.platform_url.clone(),
        token_file: connection.token_file.clone(),
        platform_ca: connection.platform_ca.clone(),
        standby_context: connection.standby_context.clone(),
        standby_url: connection.standby_url.clone(),
        insecure_skip_tls_verify: connection.insecure_skip_tls_verify,
        concurrency: usize::from(connection.concurrency),
        request_timeout: Duration::from_secs(connection.request_timeout),
        deadline: Duration::from_secs(connection.deadline),
        page_size: connection.page_size,
        ..CollectOptions::new(reads)
    };
    if connection.insecure_skip_tls_verify {
        warn_insecure("--insecure-skip-tls-verify was given");
    }
    // A line counter on stderr, for runs long enough to need one, never into a file or pipe.
    let shown = Arc::new(AtomicBool::new(false));
    if std::io::stderr().is_terminal() {
        let started = Instant::now();
        let shown = shown.clone();
        options.progress = Some(Arc::new(move |p: collect::Progress| {
            if started.elapsed() >= Duration::from_secs(1) {
                shown.store(true, Ordering::Relaxed);
                let _ = write!(
                    std::io::stderr(),
                    "\rreading clusters: {}/{}",
                    p.done,
                    p.total
                );
            }
        }));
    }

    let host = host.clone();
    let probe = std::thread::spawn(move || probe_host(&host, true));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Internal(format!("cannot start the async runtime: {e}")))?;
    let collected = runtime.block_on(collect::collect(&options));
    // Requests still open past the deadline are abandoned, not waited for.
    runtime.shutdown_background();
    if shown.load(Ordering::Relaxed) {
        let _ = write!(std::io::stderr(), "\r\x1b[K");
    }
    let mut snapshot = collected.map_err(|e| Failure::Usage(e.to_string()))?;
    if snapshot.collector.insecure_skip_tls_verify && !connection.insecure_skip_tls_verify {
        warn_insecure("the kubeconfig sets insecure-skip-tls-verify");
    }
    snapshot.host = Some(
        probe
            .join()
            .map_err(|_| Failure::Internal("the host probe failed".to_string()))?,
    );
    Ok(snapshot)
}

/// The loud warning for unverified TLS.
fn warn_insecure(why: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "WARNING: TLS certificates are NOT verified ({why}): anyone on the network path can \
         impersonate the API server and capture the credentials sent to it. The report records \
         this."
    );
}
