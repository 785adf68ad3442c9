//! `acp-preflight check`: evaluate a pack against the live platform or a saved snapshot, print
//! the report in the chosen format, and exit with the verdict's code.

use checker_core::engine::{Exclusions, Options};
use checker_core::lang::Lang;
use checker_core::plan::UpgradePlan;
use checker_core::report::Report;
use std::path::Path;

use checker_core::rules::{self, Phase, RulePack, waivers};
use checker_core::version::Version;

use crate::args::CheckArgs;
use crate::exit::{Exit, Failure};
use crate::inputs::{HostSource, Loaded, PackSource, Plan};
use crate::render::{self, Format, Style};
use crate::{print, tool};

/// Runs `check`.
pub fn run(args: &CheckArgs, style: &Style) -> Result<Exit, Failure> {
    let (loaded, report) = evaluate(args, style.lang)?;
    let exit = emit(&report, args, style);
    // The process ends right after: freeing a fleet's worth of JSON node by node would only
    // delay the exit (about 10 ms for 200 clusters), so the memory is left to the OS.
    std::mem::forget((loaded, report));
    exit
}

/// Reads what the flags name and evaluates the pack: the report, with what was loaded (the
/// snapshot behind it), its texts in `lang`. `plan` uses it too.
pub fn evaluate(args: &CheckArgs, lang: Lang) -> Result<(Loaded, Report), Failure> {
    let pack = match (&args.rules, &args.target) {
        (Some(file), _) => PackSource::File(file.clone()),
        (None, Some(target)) => PackSource::Bundled(target.clone()),
        (None, None) => PackSource::Auto,
    };
    let mut plan = Plan::new(
        Some(pack),
        args.snapshot.as_deref(),
        &args.connection,
        &args.host,
        &args.host_facts,
    );
    plan.phase = args.phase.phase();
    plan.lang = lang;
    if args.skip_host {
        // Host checks are done elsewhere: this machine is not probed.
        plan.host = HostSource::Recorded;
    }
    let loaded = plan.load(None)?;
    let Some(pack) = &loaded.pack else {
        return Err(Failure::Internal("the plan names no rule pack".to_string()));
    };
    let options = Options {
        excluded: exclusions(pack, args)?,
        from: source_version(pack, args)?,
        waivers: waivers(pack, args)?,
        lang,
    };
    let mut report = checker_core::check(
        pack,
        &loaded.snapshot,
        &options,
        tool(),
        loaded.source.clone(),
        jiff::Timestamp::now(),
    );
    report.pack.chosen = loaded.pack_chosen.clone();
    Ok((loaded, report))
}

/// The version the upgrade started from, for the phases after `pre`: `--from`, or the platform
/// version recorded in the `--baseline` report. It must be a version with an upgrade path to
/// the pack's target; before the upgrade the installed version is the source, so neither flag
/// is taken.
fn source_version(pack: &RulePack, args: &CheckArgs) -> Result<Option<String>, Failure> {
    let (given, flag) = match (&args.from, &args.baseline) {
        (Some(from), _) => (from.trim().to_string(), "--from".to_string()),
        (None, Some(file)) => (
            baseline_version(file, pack)?,
            format!("--baseline {}", file.display()),
        ),
        (None, None) => return Ok(None),
    };
    if pack.phase == Phase::Pre {
        return Err(Failure::Usage(format!(
            "{flag}: the version the upgrade starts from is the installed one before the upgrade; give {flag} with --phase workload or --phase post"
        )));
    }
    let version = Version::parse(&given)
        .map_err(|e| Failure::Usage(format!("{flag}: `{given}` is not a version: {e}")))?;
    if !pack
        .upgrade_paths
        .iter()
        .any(|p| p.from == version.major_minor())
    {
        let paths: Vec<&str> = pack.upgrade_paths.iter().map(|p| p.from.as_str()).collect();
        return Err(Failure::Usage(format!(
            "{flag}: ACP {given} has no upgrade path to {} (pack {} has paths from {})",
            pack.target,
            pack.name,
            paths.join(", ")
        )));
    }
    Ok(Some(given))
}

/// The platform version a pre-upgrade JSON report recorded.
fn baseline_version(file: &Path, pack: &RulePack) -> Result<String, Failure> {
    let bad = |why: String| Failure::Usage(format!("--baseline {}: {why}", file.display()));
    let text = std::fs::read_to_string(file).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let report: Report = serde_json::from_str(&text).map_err(|e| {
        bad(format!(
            "not a JSON report of `acp-preflight check` (line {}, column {}: {e})",
            e.line(),
            e.column()
        ))
    })?;
    if report.phase != Phase::Pre {
        return Err(bad(format!(
            "it is a report of the {} phase; give the report of the check made before the upgrade (--phase pre)",
            report.phase
        )));
    }
    if report.target != pack.target {
        return Err(bad(format!(
            "it was made for target {}, not {}",
            report.target, pack.target
        )));
    }
    report
        .facts
        .platform
        .get("platform")
        .and_then(|f| f.fact.known())
        .and_then(|p| p.get("version"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| bad("it does not record the platform version".to_string()))
}

/// Writes the report files, prints the report on stdout in its format, and picks the exit code.
fn emit(report: &Report, args: &CheckArgs, style: &Style) -> Result<Exit, Failure> {
    let stdout = write_files(report, args, None)?;
    let stdout = stdout.unwrap_or(args.format.unwrap_or(Format::Table));
    print(&render::render(stdout, report, style, args.fail_on)?)?;
    let github =
        stdout == Format::Github || args.output_file.iter().any(|o| o.format == Format::Github);
    if github {
        append_step_summary(report, args)?;
    }
    Ok(Exit::of(report, args.fail_on))
}

/// Writes every report file (`--output-file FORMAT=PATH`, `--report-file`) and says which
/// format `--output-file FORMAT=-` asked for on stdout. Two outputs on stdout, or two on one
/// file, are a usage error, found before anything is written.
/// With a plan (`plan`), the HTML page shows it too.
pub fn write_files(
    report: &Report,
    args: &CheckArgs,
    plan: Option<&UpgradePlan>,
) -> Result<Option<Format>, Failure> {
    let mut files: Vec<(Format, &Path)> = Vec::new();
    let mut stdout = None;
    for output in &args.output_file {
        match &output.path {
            None if stdout.is_some() || args.format.is_some() => {
                return Err(Failure::Usage(format!(
                    "--output-file {}=-: stdout already gets the {} output; give `-` once, \
                     without -o",
                    output.format.name(),
                    stdout.or(args.format).unwrap_or(Format::Table).name()
                )));
            }
            None => stdout = Some(output.format),
            Some(path) => files.push((output.format, path)),
        }
    }
    if let Some(file) = &args.report_file {
        files.push((Format::Json, file));
    }
    for (i, (_, path)) in files.iter().enumerate() {
        if files[..i].iter().any(|(_, p)| p == path) {
            return Err(Failure::Usage(format!(
                "{} is given for two outputs; give each its own file",
                path.display()
            )));
        }
    }
    for (format, path) in files {
        let text = match (format, plan) {
            (Format::Html, Some(plan)) => render::html_with_plan(report, plan),
            _ => render::render(format, report, &Style::plain(), args.fail_on)?,
        };
        std::fs::write(path, text).map_err(|e| {
            Failure::Usage(format!(
                "cannot write the {} report to {}: {e}",
                format.name(),
                path.display()
            ))
        })?;
    }
    Ok(stdout)
}

/// In a GitHub Actions step (`GITHUB_STEP_SUMMARY` names the step's summary file), appends the
/// Markdown report to the summary, which has room for every result the annotations do not.
fn append_step_summary(report: &Report, args: &CheckArgs) -> Result<(), Failure> {
    let Some(file) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|f| !f.is_empty()) else {
        return Ok(());
    };
    let markdown = render::render(Format::Markdown, report, &Style::plain(), args.fail_on)?;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&file)
        .and_then(|mut f| std::io::Write::write_all(&mut f, markdown.as_bytes()))
        .map_err(|e| {
            Failure::Usage(format!(
                "cannot write the step summary GITHUB_STEP_SUMMARY={}: {e}",
                Path::new(&file).display()
            ))
        })
}

/// The waivers of `--waivers`, checked against the pack: a file that cannot be read or is
/// malformed is a usage error naming the line and field.
fn waivers(pack: &RulePack, args: &CheckArgs) -> Result<Vec<waivers::Waiver>, Failure> {
    let Some(file) = &args.waivers else {
        return Ok(Vec::new());
    };
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file)
        .map_err(|e| Failure::Usage(format!("--waivers {name}: cannot read it: {e}")))?;
    waivers::load(&name, &text, pack)
        .map_err(|e| Failure::Usage(format!("invalid waivers file {name}:\n{}", e.render())))
}

/// The rule IDs a flag names, each checked against the pack: an unknown ID is a usage error
/// with a suggestion.
fn rule_ids<'a>(pack: &RulePack, flag: &str, ids: &'a [String]) -> Result<Vec<&'a str>, Failure> {
    let known: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
    let mut named = Vec::new();
    for id in ids.iter().map(|id| id.trim()).filter(|id| !id.is_empty()) {
        if pack.rule(id).is_none() {
            let hint = rules::suggest(id, &known)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(Failure::Usage(format!(
                "{flag} {id}: no such rule in pack {}{hint} (rules: {})",
                pack.name,
                known.join(", ")
            )));
        }
        named.push(id);
    }
    Ok(named)
}

/// The rules excluded by `--skip`, `--ignore`, `--select` and `--skip-host`, with the reason;
/// an unknown ID is a usage error with a suggestion.
fn exclusions(pack: &RulePack, args: &CheckArgs) -> Result<Exclusions, Failure> {
    let mut excluded = Exclusions::new();
    for (flag, ids) in [("--skip", &args.skip), ("--ignore", &args.ignore)] {
        for id in rule_ids(pack, flag, ids)? {
            excluded
                .entry(id.to_string())
                .or_insert_with(|| format!("by {flag}"));
        }
    }
    let selected = rule_ids(pack, "--select", &args.select)?;
    if !selected.is_empty() {
        for rule in pack
            .rules
            .iter()
            .filter(|r| !selected.contains(&r.id.as_str()))
        {
            excluded
                .entry(rule.id.clone())
                .or_insert_with(|| "as not selected (--select)".to_string());
        }
    }
    if args.skip_host {
        for rule in pack.rules.iter().filter(|r| r.scope.is_host()) {
            excluded
                .entry(rule.id.clone())
                .or_insert_with(|| "by --skip-host (host checks are done elsewhere)".to_string());
        }
    }
    Ok(excluded)
}
