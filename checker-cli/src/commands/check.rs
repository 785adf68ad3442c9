//! `acp-preflight check`: evaluate a pack against the live platform or a saved snapshot, print
//! the report in the chosen format, and exit with the verdict's code.

use checker_core::report::Report;

use crate::args::CheckArgs;
use crate::exit::{Exit, Failure};
use crate::inputs::{PackSource, Plan};
use crate::render::{self, Format, Style};
use crate::{print, tool};

/// Runs `check`.
pub fn run(args: &CheckArgs, style: &Style) -> Result<Exit, Failure> {
    let pack = match &args.rules {
        Some(file) => PackSource::File(file.clone()),
        None => PackSource::Bundled(args.target.clone()),
    };
    let plan = Plan::new(
        Some(pack),
        args.snapshot.as_deref(),
        &args.connection,
        &args.host,
    );
    let loaded = plan.load(None)?;
    let Some(pack) = &loaded.pack else {
        return Err(Failure::Internal("the plan names no rule pack".to_string()));
    };
    let report = checker_core::check(
        pack,
        &loaded.snapshot,
        tool(),
        loaded.source.clone(),
        jiff::Timestamp::now(),
    );
    let exit = emit(&report, args, style);
    // The process ends right after: freeing a fleet's worth of JSON node by node would only
    // delay the exit (about 10 ms for 200 clusters), so the memory is left to the OS.
    std::mem::forget((loaded, report));
    exit
}

/// Prints the report in the chosen format, writes `--report-file`, and picks the exit code.
fn emit(report: &Report, args: &CheckArgs, style: &Style) -> Result<Exit, Failure> {
    if let Some(file) = &args.report_file {
        std::fs::write(file, render::render(Format::Json, report, &Style::plain())?).map_err(
            |e| Failure::Usage(format!("cannot write report file {}: {e}", file.display())),
        )?;
    }
    print(&render::render(args.format, report, style)?)?;
    Ok(Exit::of(report, args.fail_on))
}
