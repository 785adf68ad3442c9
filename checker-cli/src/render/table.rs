//! The human table: the DR pair when there is one, results grouped by scope (those of a step of
//! the upgrade procedure under their step, in pack order, unless the whole step was skipped),
//! counts and the verdict at the end.

use checker_core::report::{Report, RuleResult, Status, Verdict};
use checker_core::rules::Phase;
use checker_core::snapshot::ReadErrorKind;
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

use super::Style;

/// The status as shown: `PASS`, `FAIL`, `WARN`, `INFO`, `ERROR`, `SKIPPED`.
fn status_label(result: &RuleResult) -> String {
    result.status.as_str().to_uppercase()
}

fn status_cell(status: Status, styled: bool) -> Cell {
    let cell = Cell::new(status.as_str().to_uppercase());
    if !styled {
        return cell;
    }
    match status {
        Status::Pass => cell.fg(Color::Green),
        Status::Fail => cell.fg(Color::Red),
        Status::Warn => cell.fg(Color::Yellow),
        Status::Info => cell.fg(Color::Cyan),
        Status::Error => cell.fg(Color::Magenta),
        Status::Skipped | Status::Excluded => cell.fg(Color::DarkGrey),
        Status::Waived => cell.fg(Color::Blue),
    }
}

/// One row of a section: a result, or the passing and skipped subjects of one rule on one line.
struct Row {
    status: Status,
    rule: String,
    subject: String,
    message: String,
}

/// The rows of a section, rule by rule in pack order: every result that needs attention; the
/// passing and skipped subjects of a rule one per row with `--show all` (or when there is just
/// one), else together on one line.
fn rows(
    results: &[&RuleResult],
    noun: &str,
    style: &Style,
    unreadable: Option<&GlobalUnreadable>,
) -> Vec<Row> {
    let row = |r: &RuleResult| Row {
        status: r.status,
        rule: r.rule.clone(),
        subject: r.subject_text(),
        message: match unreadable {
            Some(u) if u.explains(r) => {
                "not evaluated: the global cluster could not be read (see above)".to_string()
            }
            _ => r.message.clone(),
        },
    };
    let mut rules: Vec<&str> = Vec::new();
    for r in results {
        if !rules.contains(&r.rule.as_str()) {
            rules.push(&r.rule);
        }
    }
    let quiet = |r: &RuleResult| matches!(r.status, Status::Pass | Status::Skipped);
    let mut rows = Vec::new();
    for rule in rules {
        let of_rule: Vec<&RuleResult> =
            results.iter().copied().filter(|r| r.rule == rule).collect();
        let (calm, loud): (Vec<&RuleResult>, Vec<&RuleResult>) =
            of_rule.iter().copied().partition(|r| quiet(r));
        if style.show_all || calm.len() < 2 {
            rows.extend(of_rule.into_iter().map(row));
            continue;
        }
        rows.extend(loud.into_iter().map(row));
        rows.push(summary_row(rule, &calm, noun));
    }
    if style.show_all {
        return rows;
    }
    // Rules in a row skipped for the same reason on the same subjects (the DR steps without a
    // standby) are one line.
    let mut merged: Vec<Row> = Vec::new();
    for row in rows {
        match merged.last_mut() {
            Some(last)
                if row.status == Status::Skipped
                    && last.status == Status::Skipped
                    && last.message == row.message
                    && last.subject == row.subject =>
            {
                last.rule = format!("{}, {}", last.rule, row.rule);
            }
            _ => merged.push(row),
        }
    }
    merged
}

/// The passing and skipped subjects of one rule, on one line: `passes on 3: global, aks-1,
/// dcs-1; does not apply on 1 (no MySQL-PXC instance on this cluster): prod-2`.
fn summary_row(rule: &str, calm: &[&RuleResult], noun: &str) -> Row {
    let names = |of: &[&&RuleResult]| {
        const SHOWN: usize = 6;
        let mut names: Vec<String> = of.iter().take(SHOWN).map(|r| r.subject_text()).collect();
        if of.len() > SHOWN {
            names.push(format!("and {} more", of.len() - SHOWN));
        }
        names.join(", ")
    };
    let passed: Vec<&&RuleResult> = calm.iter().filter(|r| r.status == Status::Pass).collect();
    let skipped: Vec<&&RuleResult> = calm
        .iter()
        .filter(|r| r.status == Status::Skipped)
        .collect();
    let mut parts = Vec::new();
    if !passed.is_empty() {
        parts.push(format!("passes on {}: {}", passed.len(), names(&passed)));
    }
    if !skipped.is_empty() {
        let same = skipped.iter().all(|r| r.message == skipped[0].message);
        let why = if same {
            format!(" ({})", skipped[0].message)
        } else {
            String::new()
        };
        parts.push(format!(
            "does not apply on {}{why}: {}",
            skipped.len(),
            names(&skipped)
        ));
    }
    Row {
        status: if passed.is_empty() {
            Status::Skipped
        } else {
            Status::Pass
        },
        rule: rule.to_string(),
        subject: format!("{} {noun}", calm.len()),
        message: parts.join("; "),
    }
}

/// Below this width the results are a list rather than a table: rule IDs are long words that a
/// narrow table would break.
const TABLE_WIDTH: u16 = 100;

fn section(
    results: &[&RuleResult],
    (subject_header, noun): (&str, &str),
    style: &Style,
    unreadable: Option<&GlobalUnreadable>,
) -> String {
    let styled = style.color;
    let rows = rows(results, noun, style, unreadable);
    if style.width < TABLE_WIDTH {
        // `FAIL    KubernetesVersionSupported · prod-2`, the message wrapped under it.
        let mut out = String::new();
        for row in rows {
            let label = format!("{:<8}", row.status.as_str().to_uppercase());
            let label = if styled {
                let colour = super::status_style(row.status);
                format!("{colour}{label}{colour:#}")
            } else {
                label
            };
            let head = format!("{} · {}", row.rule, row.subject);
            let text = usize::from(style.width).saturating_sub(8);
            let head = wrap(&head, text).join("\n        ");
            out.push_str(&format!("{label}{head}\n"));
            for line in wrap(&row.message, text) {
                out.push_str(&format!("        {line}\n"));
            }
        }
        return out.trim_end().to_string();
    }
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if styled {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table.set_width(style.width);
    table.set_header(vec!["Status", "Rule", subject_header, "Result"]);
    for row in rows {
        table.add_row(vec![
            status_cell(row.status, styled),
            Cell::new(&row.rule),
            Cell::new(&row.subject),
            Cell::new(&row.message),
        ]);
    }
    table.to_string()
}

/// Text broken into lines of at most `width` characters at spaces; a word longer than that
/// is split.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        let needed = if line.is_empty() {
            0
        } else {
            line.chars().count() + 1
        };
        if needed + word.chars().count() > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A paragraph wrapped to the width, its later lines indented by `indent` spaces.
fn paragraph(text: &str, width: u16, indent: usize) -> String {
    let lines = wrap(text, usize::from(width).saturating_sub(indent));
    let pad = " ".repeat(indent);
    lines.join(&format!("\n{pad}"))
}

/// The one cause when the global cluster could not be read at all (wrong credentials, an
/// untrusted certificate, the wrong context): said once, with its fix, instead of in every
/// row. The JSON keeps every result's own message.
struct GlobalUnreadable {
    cluster: String,
    cause: String,
    fix: &'static str,
}

impl GlobalUnreadable {
    fn of(report: &Report) -> Option<GlobalUnreadable> {
        let platform = report.facts.platform.get("platform")?.fact.error()?;
        let clusters = report.facts.clusters.error()?;
        let cluster = platform.cluster.clone()?;
        if clusters.cluster.as_ref() != Some(&cluster) || clusters.error.kind != platform.error.kind
        {
            return None;
        }
        let message = &platform.error.message;
        let fix = if message.contains("UnknownIssuer") || message.contains("certificate") {
            "the platform's certificate is not trusted: give its CA with --platform-ca FILE, or \
             fix the kubeconfig's certificate-authority"
        } else {
            match platform.error.kind {
                ReadErrorKind::Unauthorized => {
                    "the credentials were rejected: check the kubeconfig user, or give an ACP API \
                     token with --token-file"
                }
                ReadErrorKind::Forbidden => {
                    "the credentials may not read the platform: apply deploy/rbac.yaml, or use a \
                     token of a user who can read every cluster"
                }
                ReadErrorKind::Invalid => {
                    "this is not the ACP global cluster: choose its context with --context"
                }
                _ => {
                    "the API server could not be reached: check the server address (kubeconfig \
                      or --platform-url) and the network"
                }
            }
        };
        Some(GlobalUnreadable {
            cause: platform.error.to_string(),
            cluster,
            fix,
        })
    }

    /// Whether a result's message is this failure.
    fn explains(&self, result: &RuleResult) -> bool {
        result.status == Status::Error
            && result
                .message
                .contains(&format!("on cluster {}: ", self.cluster))
            && result.message.contains(&self.cause)
    }
}

/// The DR pair, when a standby was checked: both globals (name, VIP, version) and which one
/// the platform domain resolves to, from the report's `dr` facts.
pub(super) fn dr_pair(report: &Report) -> Option<String> {
    let dr = report.facts.family("dr")?;
    if dr.get("configured")?.as_bool() != Some(true) {
        return None;
    }
    let text = |value: &serde_json::Value, key: &str| {
        value
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("unknown")
            .to_string()
    };
    let global = |role: &str| {
        let facts = dr.get(role).unwrap_or(&serde_json::Value::Null);
        format!(
            "{role} {} (VIP {}, ACP {})",
            text(facts, "name"),
            text(facts, "vip"),
            text(facts, "version")
        )
    };
    let addresses = dr
        .get("platform_addresses")
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        });
    let domain = dr.get("platform_domain").and_then(|d| d.as_str());
    let resolves = match (domain, dr.get("primary_by_dns").and_then(|s| s.as_str())) {
        (None, _) => "the platform domain is not known".to_string(),
        (Some(domain), None) => match addresses {
            Some(addresses) => format!("{domain} resolves to {addresses}"),
            None => format!("{domain} was not resolved from the checking host"),
        },
        (Some(domain), Some(side)) => format!(
            "{domain} resolves to {} ({})",
            match side {
                "primary" => "the primary",
                "standby" => "the standby: the pair is given the wrong way round",
                "both" => "both",
                _ => "neither",
            },
            addresses.unwrap_or_default()
        ),
    };
    Some(format!(
        "DR pair: {}, {}; {resolves}\n",
        global("primary"),
        global("standby")
    ))
}

/// Before the upgrade, whether the host the host checks were made on is a global
/// control-plane node (the upgrade stores data on every one's `/cpaas/minio`), from the
/// report's `host` facts; nothing when that cannot be told.
pub(super) fn checking_host(report: &Report) -> Option<String> {
    if report.phase != Phase::Pre {
        return None;
    }
    let host = report.facts.family("host")?;
    let name = host.get("hostname")?.as_str()?;
    let addresses: Vec<&str> = host
        .get("addresses")?
        .as_array()?
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    let which = if addresses.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({})", addresses.join(", "))
    };
    match host.get("is_global_control_plane")?.as_bool()? {
        true => Some(format!(
            "Host {which}: the global control-plane node {}\n",
            host.get("global_control_plane_node")?.as_str()?
        )),
        false => Some(format!(
            "Host {which}: not a global control-plane node; its host checks say nothing of \
             theirs (run `acp-preflight host` on each and pass --host-facts)\n"
        )),
    }
}

/// Renders the whole report: results grouped by platform, clusters and host, what to do, the
/// counts and the verdict.
pub fn render(report: &Report, style: &Style) -> String {
    let styled = style.color;
    let what = match report.phase {
        Phase::Pre => format!("readiness to upgrade to ACP {}", report.target),
        Phase::Workload => format!(
            "readiness of the workload clusters to follow the global cluster to ACP {}",
            report.target
        ),
        Phase::Post => format!("the upgrade to ACP {}, after it", report.target),
    };
    let from = report
        .from
        .as_ref()
        .map(|v| format!(", upgrade from {v}"))
        .unwrap_or_default();
    let phase = match report.phase {
        Phase::Pre => String::new(),
        other => format!(", --phase {other}"),
    };
    let mut out = format!(
        "acp-preflight {}: {what}{from} ({}{phase}), from {} {}{}\n",
        report.tool.version,
        report.pack.name,
        report.source.kind,
        report.source.location,
        if report.source.collected_at.is_empty() {
            String::new()
        } else {
            format!(" (collected {})", report.source.collected_at)
        },
    );
    if let Some(why) = &report.pack.chosen {
        out.push_str(&format!("Target {}: {why}\n", report.target));
    }
    if report.pack.preview {
        out.push_str(&format!(
            "PREVIEW: the {} pack follows pre-release documentation; its checks may change \
             before ACP {} is released.\n",
            report.pack.name, report.target
        ));
    }
    if report.source.insecure_skip_tls_verify {
        out.push_str("WARNING: TLS verification was turned off while collecting.\n");
    }
    let unreadable = GlobalUnreadable::of(report);
    if let Some(u) = &unreadable {
        out.push_str(&format!(
            "\nThe global cluster {} could not be read: {}\nFix: {}\n",
            u.cluster, u.cause, u.fix
        ));
    }
    if let Some(line) = checking_host(report) {
        out.push_str(&line);
    }
    if let Some(pair) = dr_pair(report) {
        out.push_str(&pair);
    }
    // The header's long lines wrapped to the width, the others as they are (aligned).
    let mut out: String = out
        .lines()
        .map(|line| {
            if line.chars().count() > usize::from(style.width) {
                paragraph(line, style.width, 2)
            } else {
                line.to_string()
            }
        })
        .map(|line| line + "\n")
        .collect();
    let shown: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.status != Status::Excluded)
        .collect();
    // The steps with a result that is not skipped, in pack order; a step that does not apply
    // at all (the DR steps without a standby) keeps its rows in their scope's section.
    let mut steps: Vec<&str> = Vec::new();
    for result in shown.iter().filter(|r| r.status != Status::Skipped) {
        if let Some(step) = result.step.as_deref()
            && !steps.contains(&step)
        {
            steps.push(step);
        }
    }
    let in_step = |r: &RuleResult| r.step.as_deref().is_some_and(|s| steps.contains(&s));
    type Belongs<'a> = Box<dyn Fn(&RuleResult) -> bool + 'a>;
    let unstepped = |belongs: fn(&RuleResult) -> bool| -> Belongs {
        Box::new(move |r: &RuleResult| !in_step(r) && belongs(r))
    };
    // (title, subject column, what a line of several subjects counts, which results)
    let mut groups: Vec<(&str, (&str, &str), Belongs)> = vec![(
        "Platform",
        ("Subject", "subjects"),
        unstepped(|r| r.subject.is_empty() || r.subject.contains_key("waiver")),
    )];
    for &step in &steps {
        groups.push((
            step,
            ("Subject", "subjects"),
            Box::new(move |r: &RuleResult| r.step.as_deref() == Some(step)),
        ));
    }
    groups.push((
        "Clusters",
        ("Cluster", "clusters"),
        unstepped(|r| r.subject.contains_key("cluster")),
    ));
    groups.push((
        "Host",
        ("Node or host:path", "paths"),
        unstepped(|r| r.subject.contains_key("path")),
    ));
    for (title, header, belongs) in groups {
        let rows: Vec<&RuleResult> = shown.iter().copied().filter(|r| belongs(r)).collect();
        if !rows.is_empty() {
            out.push_str(&format!(
                "\n{title}\n{}\n",
                section(&rows, header, style, unreadable.as_ref())
            ));
        }
    }
    let to_fix: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.status.needs_attention())
        .collect();
    if !to_fix.is_empty() {
        out.push_str("\nWhat to do (blockers first)\n");
        // One entry per rule and status, naming every subject it applies to.
        let mut entries: Vec<(&RuleResult, Vec<String>)> = Vec::new();
        for r in to_fix {
            match entries
                .iter_mut()
                .find(|(first, _)| first.rule == r.rule && first.status == r.status)
            {
                Some((_, subjects)) => subjects.push(r.subject_text()),
                None => entries.push((r, vec![r.subject_text()])),
            }
        }
        entries.sort_by_key(|(r, _)| (r.status != Status::Fail, r.status != Status::Error));
        for (r, subjects) in entries {
            let advice = if r.status == Status::Error {
                "Make this check possible (see the cause above), then run the check again."
            } else {
                r.remediation.as_str()
            };
            let entry = format!(
                "- {} {} [{}]: {advice}",
                status_label(r),
                r.rule,
                subjects.join(", ")
            );
            out.push_str(&format!(
                "{}\n  docs: {}\n",
                paragraph(&entry, style.width, 2),
                r.docs
            ));
        }
    }
    let s = &report.summary;
    out.push_str(&format!(
        "\n{} results: {} pass, {} fail, {} warn, {} info, {} error, {} skipped, {} excluded{}\n",
        s.total,
        s.pass,
        s.fail,
        s.warn,
        s.info,
        s.error,
        s.skipped,
        s.excluded,
        if s.waived > 0 {
            format!(", {} waived", s.waived)
        } else {
            String::new()
        }
    ));
    let excluded = super::excluded(report);
    if !excluded.is_empty() {
        out.push_str("Not evaluated, as asked:\n");
    }
    for r in &excluded {
        let entry = format!("- {} {}", r.rule, r.message);
        out.push_str(&format!("{}\n", paragraph(&entry, style.width, 2)));
    }
    let waived = super::waived(report);
    if !waived.is_empty() {
        out.push_str("Waived (accepted risks):\n");
    }
    for r in waived {
        let entry = format!("- {}", super::waived_text(r));
        out.push_str(&format!("{}\n", paragraph(&entry, style.width, 2)));
    }
    let line = format!("Verdict: {}", super::verdict_line(report));
    if styled {
        let style = match report.verdict {
            Verdict::Ready => anstyle::AnsiColor::Green,
            Verdict::NotReady => anstyle::AnsiColor::Red,
            Verdict::Incomplete => anstyle::AnsiColor::Magenta,
        }
        .on_default()
        .bold();
        out.push_str(&format!("{style}{line}{style:#}\n"));
    } else {
        out.push_str(&format!("{line}\n"));
    }
    // Last, one line to paste into a chat or a ticket.
    out.push_str(&format!("{}\n", super::summary_line(report)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_at_spaces_and_splits_long_words() {
        // (text, width, lines)
        let cases: [(&str, usize, &[&str]); 4] = [
            ("a bb ccc dddd", 10, &["a bb ccc", "dddd"]),
            ("", 10, &[""]),
            (
                "KubernetesVersionSupported fails",
                10,
                &["Kubernetes", "VersionSup", "ported", "fails"],
            ),
            ("one  two\nthree", 40, &["one two three"]),
        ];
        for (text, width, lines) in cases {
            assert_eq!(wrap(text, width), lines, "{text:?} at {width}");
        }
        assert_eq!(paragraph("- a bb ccc dddd", 10, 2), "- a bb ccc\n  dddd");
    }
}
