//! `acp-preflight check`: evaluate a pack against the live platform or a saved snapshot, print
//! the report in the chosen format, and exit with the verdict's code.

use checker_core::engine::Exclusions;
use checker_core::report::Report;
use checker_core::rules::{self, RulePack, Scope};

use crate::args::CheckArgs;
use crate::exit::{Exit, Failure};
use crate::inputs::{HostSource, Loaded, PackSource, Plan};
use crate::render::{self, Format, Style};
use crate::{print, tool};

/// Runs `check`.
pub fn run(args: &CheckArgs, style: &Style) -> Result<Exit, Failure> {
    let (loaded, report) = evaluate(args)?;
    let exit = emit(&report, args, style);
    // The process ends right after: freeing a fleet's worth of JSON node by node would only
    // delay the exit (about 10 ms for 200 clusters), so the memory is left to the OS.
    std::mem::forget((loaded, report));
    exit
}

/// Reads what the flags name and evaluates the pack: the report, with what was loaded (the
/// snapshot behind it). `plan` uses it too.
pub fn evaluate(args: &CheckArgs) -> Result<(Loaded, Report), Failure> {
    let pack = match &args.rules {
        Some(file) => PackSource::File(file.clone()),
        None => PackSource::Bundled(args.target.clone()),
    };
    let mut plan = Plan::new(
        Some(pack),
        args.snapshot.as_deref(),
        &args.connection,
        &args.host,
        &args.host_facts,
    );
    if args.skip_host {
        // Host checks are done elsewhere: this machine is not probed.
        plan.host = HostSource::Recorded;
    }
    let loaded = plan.load(None)?;
    let Some(pack) = &loaded.pack else {
        return Err(Failure::Internal("the plan names no rule pack".to_string()));
    };
    let excluded = exclusions(pack, args)?;
    let report = checker_core::check(
        pack,
        &loaded.snapshot,
        &excluded,
        tool(),
        loaded.source.clone(),
        jiff::Timestamp::now(),
    );
    Ok((loaded, report))
}

/// Prints the report in the chosen format, writes `--report-file`, and picks the exit code.
fn emit(report: &Report, args: &CheckArgs, style: &Style) -> Result<Exit, Failure> {
    write_report_file(report, args)?;
    print(&render::render(args.format, report, style)?)?;
    Ok(Exit::of(report, args.fail_on))
}

/// Writes the JSON report to `--report-file`, when given.
pub fn write_report_file(report: &Report, args: &CheckArgs) -> Result<(), Failure> {
    if let Some(file) = &args.report_file {
        std::fs::write(file, render::render(Format::Json, report, &Style::plain())?).map_err(
            |e| Failure::Usage(format!("cannot write report file {}: {e}", file.display())),
        )?;
    }
    Ok(())
}

/// The rules excluded by `--skip` and `--skip-host`, with the reason; an unknown ID is a usage
/// error with a suggestion.
fn exclusions(pack: &RulePack, args: &CheckArgs) -> Result<Exclusions, Failure> {
    let mut excluded = Exclusions::new();
    for id in args
        .skip
        .iter()
        .map(|id| id.trim())
        .filter(|id| !id.is_empty())
    {
        if pack.rule(id).is_none() {
            let known: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
            let hint = rules::suggest(id, &known)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(Failure::Usage(format!(
                "--skip {id}: no such rule in pack {}{hint} (rules: {})",
                pack.name,
                known.join(", ")
            )));
        }
        excluded.insert(id.to_string(), "by --skip".to_string());
    }
    if args.skip_host {
        for rule in pack.rules.iter().filter(|r| r.scope == Scope::HostPath) {
            excluded
                .entry(rule.id.clone())
                .or_insert_with(|| "by --skip-host (host checks are done elsewhere)".to_string());
        }
    }
    Ok(excluded)
}
