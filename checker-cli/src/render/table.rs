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

fn status_cell(result: &RuleResult, styled: bool) -> Cell {
    let cell = Cell::new(status_label(result));
    if !styled {
        return cell;
    }
    match result.status {
        Status::Pass => cell.fg(Color::Green),
        Status::Fail => cell.fg(Color::Red),
        Status::Warn => cell.fg(Color::Yellow),
        Status::Info => cell.fg(Color::Cyan),
        Status::Error => cell.fg(Color::Magenta),
        Status::Skipped | Status::Excluded => cell.fg(Color::DarkGrey),
        Status::Waived => cell.fg(Color::Blue),
    }
}

fn section(
    results: &[&RuleResult],
    subject_header: &str,
    style: &Style,
    unreadable: Option<&GlobalUnreadable>,
) -> String {
    let styled = style.color;
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
    for result in results {
        table.add_row(vec![
            status_cell(result, styled),
            Cell::new(&result.rule),
            Cell::new(result.subject_text()),
            Cell::new(match unreadable {
                Some(u) if u.explains(result) => {
                    "not evaluated: the global cluster could not be read (see above)"
                }
                _ => result.message.as_str(),
            }),
        ]);
    }
    table.to_string()
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
fn dr_pair(report: &Report) -> Option<String> {
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
fn checking_host(report: &Report) -> Option<String> {
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
    let mut groups: Vec<(&str, &str, Belongs)> =
        vec![("Platform", "Subject", unstepped(|r| r.subject.is_empty()))];
    for &step in &steps {
        groups.push((
            step,
            "Subject",
            Box::new(move |r: &RuleResult| r.step.as_deref() == Some(step)),
        ));
    }
    groups.push((
        "Clusters",
        "Cluster",
        unstepped(|r| r.subject.contains_key("cluster")),
    ));
    groups.push((
        "Host",
        "Path",
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
        .filter(|r| {
            matches!(
                r.status,
                Status::Fail | Status::Warn | Status::Info | Status::Error
            )
        })
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
            out.push_str(&format!(
                "- {} {} [{}]: {}\n  docs: {}\n",
                status_label(r),
                r.rule,
                subjects.join(", "),
                advice,
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
    let excluded: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Excluded)
        .collect();
    if !excluded.is_empty() {
        out.push_str("Not evaluated, as asked:\n");
    }
    for r in &excluded {
        out.push_str(&format!("- {} {}\n", r.rule, r.message));
    }
    let waived = super::waived(report);
    if !waived.is_empty() {
        out.push_str("Waived (accepted risks):\n");
    }
    for r in waived {
        out.push_str(&format!("- {}\n", super::waived_text(r)));
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
    out
}
