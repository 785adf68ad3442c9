//! `acp-preflight collect`: write a snapshot file, of the live platform (every read of the
//! catalogue, so that any rule pack can be checked against it) or of a dump directory.

use std::io::Write;
use std::path::Path;

use checker_core::snapshot::{ReadOutcome, Snapshot};

use crate::args::CollectArgs;
use crate::exit::{Exit, Failure};
use crate::inputs::{Plan, PlatformSource};
use crate::tool;

/// Runs `collect`.
pub fn run(args: &CollectArgs) -> Result<Exit, Failure> {
    let plan = Plan::new(
        None,
        args.from_dump.as_deref(),
        &args.connection,
        &args.host,
        &[],
    );
    let mut loaded = plan.load(Some(checker_core::reads::ALL.iter().collect()))?;
    if let PlatformSource::Saved(_) = plan.platform {
        loaded.snapshot.collector.tool = tool().name;
        loaded.snapshot.collector.version = tool().version;
    }
    loaded.snapshot.record_redaction();
    write_snapshot(&loaded.snapshot, &args.output)?;
    Ok(Exit::Ready)
}

/// Writes a snapshot as pretty JSON (stable key order, so snapshots diff well; gzip when the
/// file name ends in `.gz`; `-` for stdout), and says on stderr what it holds and what was
/// redacted, so a failed read is noticed before the file is sent to support.
fn write_snapshot(snapshot: &Snapshot, path: &Path) -> Result<(), Failure> {
    let json = serde_json::to_string_pretty(snapshot)
        .map_err(|e| Failure::Internal(format!("cannot serialise the snapshot: {e}")))?;
    let text = format!("{json}\n");
    let cannot =
        |e: std::io::Error| Failure::Usage(format!("cannot write {}: {e}", path.display()));
    if path == Path::new("-") {
        crate::print(&text)?;
    } else if path.extension().is_some_and(|e| e == "gz") {
        let file = std::fs::File::create(path).map_err(cannot)?;
        let mut gzip = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        gzip.write_all(text.as_bytes()).map_err(cannot)?;
        gzip.finish().map_err(cannot)?;
    } else {
        std::fs::write(path, text).map_err(cannot)?;
    }
    let failed: Vec<String> = snapshot
        .clusters
        .iter()
        .flat_map(|c| {
            c.reads
                .iter()
                .filter_map(move |(id, outcome)| match outcome {
                    ReadOutcome::Error(e) => Some(format!("{id} on {}: {e}", c.name)),
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
    if let Some(redaction) = &snapshot.redaction {
        note.push_str(&format!(
            "  redacted: {} values (annotations, container args, commands and env values, plugin \
             valuesOverride, ResourcePatch values: the file's `redaction`); Secrets are never \
             read\n",
            redaction.values
        ));
    }
    for line in failed.iter().take(10) {
        note.push_str(&format!("  {line}\n"));
    }
    if failed.len() > 10 {
        note.push_str(&format!("  ... and {} more\n", failed.len() - 10));
    }
    let _ = std::io::stderr().write_all(note.as_bytes());
    Ok(())
}
