//! One self-contained HTML page for people: the verdict, the counts, the problems with their
//! fixes, a clusters × rules matrix coloured by status, the platform and host results, the
//! exclusions and waivers, the DR pair, and every result with what was observed and expected.
//!
//! The page loads nothing: its CSS and its small script are inline, and a Content Security
//! Policy of `default-src 'none'` forbids any request, so it works air-gapped and from a ticket
//! attachment. It is fully readable with scripts off; the script only adds the status and
//! severity filters, and marks `<body data-ready>` (with the time it took, `data-ready-ms`)
//! when it has run. Every text from the report is escaped; the output is a pure function of
//! the report (no clock, no randomness), so it is snapshot-tested like the other formats.
//!
//! The matrix has a row per cluster and a column per cluster-scope rule: with 200 clusters and
//! 40 rules it scrolls down, not sideways, its rule headers and cluster names stay in view
//! (sticky), and each cell is one letter whose tooltip is the result's message.

use std::fmt::Write as _;

use checker_core::lang::Lang;
use checker_core::plan::{Note, PlanVerdict, UpgradePlan};
use checker_core::report::{Report, RuleResult, Status, Verdict};
use checker_core::rules::{Phase, Severity};
use checker_core::tr;

use super::{
    excluded, problems, summary_line, table, verdict_line, verdict_word, waived, waived_text,
};

/// The statuses in the order the page lists them (what needs attention first).
const STATUSES: [Status; 8] = [
    Status::Fail,
    Status::Error,
    Status::Warn,
    Status::Info,
    Status::Waived,
    Status::Excluded,
    Status::Skipped,
    Status::Pass,
];

/// The severities, most serious first.
const SEVERITIES: [Severity; 3] = [Severity::Blocker, Severity::Warning, Severity::Info];

const STYLE: &str = r#"
:root{--fail:#c62828;--error:#8e24aa;--warn:#ef8f00;--info:#0277bd;--pass:#2e7d32;--skipped:#9e9e9e;--excluded:#bdbdbd;--waived:#3949ab;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:14px;color:#212121}
body{margin:0 1.5em 2em}
h1{font-size:1.5em;margin:.8em 0 .2em}
h2{font-size:1.2em;margin:1.4em 0 .4em;border-bottom:1px solid #ddd}
.meta{color:#555;margin:.2em 0}
.verdict{font-size:1.25em;font-weight:600;padding:.6em .8em;border-radius:4px;color:#fff;margin:.8em 0 .4em}
.verdict.ready{background:var(--pass)}.verdict.not_ready{background:var(--fail)}.verdict.incomplete{background:var(--error)}
.preview,.insecure{background:#fff3e0;border-left:4px solid var(--warn);padding:.4em .8em}
code,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.92em}
.counts{display:flex;flex-wrap:wrap;gap:.4em;padding:0;list-style:none}
.counts li{padding:.2em .6em;border-radius:3px;background:#f2f2f2}
.badge{display:inline-block;min-width:1.3em;padding:0 .3em;border-radius:3px;color:#fff;font-weight:600;text-align:center;font-size:.85em}
.s-fail{background:var(--fail);color:#fff}.s-error{background:var(--error);color:#fff}.s-warn{background:var(--warn);color:#fff}.s-info{background:var(--info);color:#fff}.s-pass{background:#c8e6c9;color:#1b5e20}.s-skipped{background:#eee;color:#888}.s-excluded{background:#e0e0e0;color:#555}.s-waived{background:var(--waived);color:#fff}
#filters{border:1px solid #ddd;border-radius:4px;padding:.4em .8em;margin:.8em 0}
#filters label{margin-right:.9em;white-space:nowrap}
table{border-collapse:collapse}
table.list{width:100%}
table.list th,table.list td{border-bottom:1px solid #e5e5e5;padding:.3em .5em;text-align:left;vertical-align:top}
table.list a{word-break:break-all}
nav a{margin-right:1em}
table.list th{background:#fafafa}
section{content-visibility:auto;contain-intrinsic-size:auto 40em}
.wrap{display:inline-block;max-width:100%;max-height:85vh;overflow:auto;border:1px solid #ddd}
table.matrix{font-size:12px}
table.matrix th,table.matrix td{border:1px solid #fff;padding:0}
table.matrix thead th{position:sticky;top:0;background:#fafafa;z-index:1;vertical-align:bottom;font-weight:500}
table.matrix thead th.rule{writing-mode:vertical-rl;transform:rotate(180deg);padding:.4em 0;text-align:left;white-space:nowrap}
table.matrix th.cluster{position:sticky;left:0;background:#fafafa;text-align:left;padding:0 .6em;white-space:nowrap;z-index:2;font-weight:500}
table.matrix thead th.cluster{z-index:3}
table.matrix td{width:1.7em;min-width:1.7em;height:1.5em;text-align:center;font-weight:600}
table.matrix td.none{background:#f7f7f7}
details>summary{cursor:pointer;font-weight:600;margin:.6em 0}
ol.steps>li{margin:.3em 0}ol.steps li.held{color:var(--fail)}ol.steps ul,ul.held-back ul{color:#212121;font-size:.95em}
"#;

/// The filters: unchecking a status or a severity puts a class on `<body>` (`no-s-pass`,
/// `no-v-info`) that the style turns into hidden rows and blanked matrix cells, so the script
/// does no work per result when the page opens; a matrix row with no cell left is hidden when a
/// filter changes.
const SCRIPT: &str = r#"
(function () {
  var body = document.body;
  var form = document.getElementById('filters');
  var boxes = form.querySelectorAll('input[type=checkbox]');
  var rows = document.querySelectorAll('table.matrix tbody tr');
  function apply() {
    var off = {};
    boxes.forEach(function (b) {
      var name = 'no-' + (b.name === 'status' ? 's' : 'v') + '-' + b.value;
      body.classList.toggle(name, !b.checked);
      off[b.name + ':' + b.value] = !b.checked;
    });
    rows.forEach(function (row) {
      var any = false;
      for (var i = 0; i < row.cells.length && !any; i++) {
        var d = row.cells[i].dataset;
        any = d.status !== undefined && !off['status:' + d.status] &&
          !off['severity:' + d.severity];
      }
      row.hidden = !any;
    });
  }
  form.addEventListener('change', apply);
  form.hidden = false;
  body.setAttribute('data-ready', 'true');
  body.setAttribute('data-ready-ms', performance.now().toFixed(1));
  window.addEventListener('load', function () {
    var nav = performance.getEntriesByType('navigation')[0];
    if (nav) {
      body.setAttribute('data-dom-content-loaded-ms', nav.domContentLoadedEventEnd.toFixed(1));
      body.setAttribute('data-load-ms', nav.loadEventStart.toFixed(1));
    }
  });
})();
"#;

/// The style rules of the filters: what `no-s-STATUS` and `no-v-SEVERITY` on `<body>` hide.
fn filter_style() -> String {
    let mut hidden = Vec::new();
    let mut blank = Vec::new();
    for status in STATUSES {
        let s = status.as_str();
        hidden.push(format!("body.no-s-{s} [data-status={s}]"));
        blank.push(format!("body.no-s-{s} table.matrix td[data-status={s}]"));
    }
    for severity in SEVERITIES {
        hidden.push(format!("body.no-v-{severity} [data-severity={severity}]"));
        blank.push(format!(
            "body.no-v-{severity} table.matrix td[data-severity={severity}]"
        ));
    }
    format!(
        "{}{{display:none}}\n{}{{display:table-cell;background:#f7f7f7;color:transparent}}\n",
        hidden.join(","),
        blank.join(",")
    )
}

/// The HTML report.
pub fn render(report: &Report) -> String {
    render_with_plan(report, None)
}

/// The page, with the upgrade plan's steps and held-back clusters when there is one (`plan
/// --output-file html=FILE`).
pub fn render_with_plan(report: &Report, plan: Option<&UpgradePlan>) -> String {
    let lang = report.language;
    let mut out = String::with_capacity(64 * 1024 + report.results.len() * 600);
    let title = tr!(
        lang,
        "acp-preflight: {verdict} for ACP {target}",
        "acp-preflight: {verdict} для ACP {target}",
        verdict = verdict_word(report),
        target = report.target
    );
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{} {}\">\n<title>{}</title>\n<style>{STYLE}{}</style>\n\
         </head>\n<body>\n",
        lang,
        esc(&report.tool.name),
        esc(&report.tool.version),
        esc(&title),
        filter_style()
    );
    header(&mut out, report, &title);
    counts(&mut out, report);
    // The sections, each empty when the report has nothing for it, and a link to each other.
    type Section = fn(&mut String, &Report);
    let sections: [(&str, String, Section); 8] = [
        ("problems", tr!(lang, "To fix", "Исправить"), problem_list),
        (
            "context",
            tr!(lang, "DR pair and host", "Пара DR и хост"),
            context,
        ),
        (
            "matrix",
            tr!(lang, "Clusters × rules", "Кластеры × правила"),
            matrix,
        ),
        (
            "platform",
            tr!(lang, "Platform and host", "Платформа и хост"),
            elsewhere,
        ),
        (
            "excluded",
            tr!(lang, "Not evaluated", "Не проверялось"),
            excluded_list,
        ),
        ("waived", tr!(lang, "Waived", "Допущено"), waived_list),
        ("rules", tr!(lang, "Rules", "Правила"), rules),
        (
            "results",
            tr!(lang, "Every result", "Все результаты"),
            every_result,
        ),
    ];
    let mut written: Vec<(&str, String, String)> = sections
        .into_iter()
        .map(|(id, label, section)| {
            let mut text = String::new();
            section(&mut text, report);
            (id, label, text)
        })
        .filter(|(_, _, text)| !text.is_empty())
        .collect();
    if let Some(plan) = plan {
        // After what to fix: the order of work.
        let mut text = String::new();
        plan_section(&mut text, plan, lang);
        let at = written
            .iter()
            .position(|(id, _, _)| *id != "problems")
            .unwrap_or(0);
        written.insert(
            at,
            ("plan", tr!(lang, "Upgrade plan", "План обновления"), text),
        );
    }
    out.push_str("<nav>");
    for (id, label, _) in &written {
        let _ = write!(out, "<a href=\"#{id}\">{label}</a>");
    }
    out.push_str("</nav>\n");
    filters(&mut out, lang);
    for (_, _, text) in &written {
        out.push_str(text);
    }
    let _ = write!(
        out,
        "<p class=\"meta\" id=\"summary-end\">{}</p>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        esc(&summary_line(report))
    );
    out
}

/// Table headings in a language: `<th>Status</th><th>Rule</th>`.
fn headings(lang: Lang, names: &[(&str, &str)]) -> String {
    names
        .iter()
        .map(|(en, ru)| {
            let name = match lang {
                Lang::En => en,
                Lang::Ru => ru,
            };
            format!("<th>{name}</th>")
        })
        .collect()
}

/// Text made safe for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The one-letter status of a matrix cell.
fn letter(status: Status) -> char {
    match status {
        Status::Pass => 'P',
        Status::Fail => 'F',
        Status::Warn => 'W',
        Status::Info => 'I',
        Status::Error => 'E',
        Status::Skipped => 'S',
        Status::Excluded => 'X',
        Status::Waived => 'V',
    }
}

/// The status as a coloured badge.
fn badge(status: Status, lang: Lang) -> String {
    format!(
        "<span class=\"badge s-{}\">{}</span>",
        status.as_str(),
        super::status_label(status, lang)
    )
}

/// The attributes the filters read.
fn filtered(result: &RuleResult) -> String {
    format!(
        "data-status=\"{}\" data-severity=\"{}\"",
        result.status.as_str(),
        result.severity
    )
}

/// The observed value as text: a string as it is, anything else as compact JSON, nothing for
/// null (not evaluated).
fn observed(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A link to a rule's documentation; only web addresses are links.
fn docs_link(docs: &str) -> String {
    if docs.starts_with("https://") || docs.starts_with("http://") {
        format!("<a href=\"{0}\">{0}</a>", esc(docs))
    } else {
        esc(docs)
    }
}

/// The title, where the facts came from, and the verdict.
fn header(out: &mut String, report: &Report, title: &str) {
    let lang = report.language;
    let version = super::platform_version(report);
    let phase = match report.phase {
        Phase::Pre => tr!(lang, "pre (before the upgrade)", "pre (до обновления)"),
        Phase::Workload => tr!(
            lang,
            "workload (the workload clusters, after the global)",
            "workload (рабочие кластеры, после глобального)"
        ),
        Phase::Post => tr!(lang, "post (after the upgrade)", "post (после обновления)"),
    };
    let _ = writeln!(out, "<header>\n<h1>{}</h1>", esc(title));
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} {}: ACP <b>{}</b> → <b>{}</b>{}, {} {}, {} <code>{}</code> \
         ({})</p>",
        esc(&report.tool.name),
        esc(&report.tool.version),
        esc(&version),
        esc(&report.target),
        report
            .from
            .as_ref()
            .map(|f| tr!(lang, ", upgrade from {f}", ", обновление с {f}", f = esc(f)))
            .unwrap_or_default(),
        tr!(lang, "phase", "фаза"),
        phase,
        tr!(lang, "pack", "набор"),
        esc(&report.pack.name),
        esc(&report.pack.origin)
    );
    let collected = if report.source.collected_at.is_empty() {
        String::new()
    } else {
        tr!(
            lang,
            ", collected {at}",
            ", собрано {at}",
            at = esc(&report.source.collected_at)
        )
    };
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} {} <code>{}</code>{collected}.</p>",
        tr!(lang, "Facts from", "Факты из"),
        esc(&report.source.kind),
        esc(&report.source.location)
    );
    if let Some(why) = &report.pack.chosen {
        let _ = writeln!(
            out,
            "<p class=\"meta\">{} {}: {}</p>",
            tr!(lang, "Target", "Целевая версия"),
            esc(&report.target),
            esc(why)
        );
    }
    if report.pack.preview {
        let _ = writeln!(
            out,
            "<p class=\"preview\">{}</p>",
            esc(&tr!(
                lang,
                "Preview: the {pack} pack follows pre-release documentation; its checks may \
                 change before ACP {target} is released.",
                "Предварительная версия: набор {pack} основан на документации до выпуска; его \
                 проверки могут измениться до выхода ACP {target}.",
                pack = report.pack.name,
                target = report.target
            ))
        );
    }
    if report.source.insecure_skip_tls_verify {
        let _ = writeln!(
            out,
            "<p class=\"insecure\">{}</p>",
            tr!(
                lang,
                "Warning: TLS verification was turned off while collecting.",
                "Внимание: при сборе данных проверка TLS была отключена."
            )
        );
    }
    let class = match report.verdict {
        Verdict::Ready => "ready",
        Verdict::NotReady => "not_ready",
        Verdict::Incomplete => "incomplete",
    };
    let _ = writeln!(
        out,
        "<p class=\"verdict {class}\" id=\"verdict\">{}: {}</p>\n<p id=\"summary\">{}</p>\n\
         </header>",
        tr!(lang, "Verdict", "Вердикт"),
        esc(&verdict_line(report)),
        esc(&summary_line(report))
    );
}

/// The counts per status.
fn counts(out: &mut String, report: &Report) {
    let lang = report.language;
    let s = &report.summary;
    let _ = write!(
        out,
        "<ul class=\"counts\" id=\"counts\"><li>{}</li>",
        tr!(lang, "{n} results", "результатов: {n}", n = s.total)
    );
    for status in STATUSES {
        let n = report.results.iter().filter(|r| r.status == status).count();
        if n > 0 || !matches!(status, Status::Waived | Status::Excluded) {
            let _ = write!(out, "<li>{} {n}</li>", badge(status, lang));
        }
    }
    out.push_str("</ul>\n");
}

/// The filter checkboxes, hidden until the script shows them (they need it).
fn filters(out: &mut String, lang: Lang) {
    let _ = write!(
        out,
        "<form id=\"filters\" hidden>\n<div>{}: ",
        tr!(lang, "Status", "Статус")
    );
    for status in STATUSES {
        let _ = write!(
            out,
            "<label><input type=\"checkbox\" name=\"status\" value=\"{0}\" checked> {1}</label>",
            status.as_str(),
            badge(status, lang)
        );
    }
    let _ = write!(out, "</div>\n<div>{}: ", tr!(lang, "Severity", "Важность"));
    for severity in SEVERITIES {
        let _ = write!(
            out,
            "<label><input type=\"checkbox\" name=\"severity\" value=\"{severity}\" checked> \
             {severity}</label>"
        );
    }
    out.push_str("</div>\n</form>\n");
}

/// What to fix, failed blockers first: message, observed and expected, the fix and its docs.
fn problem_list(out: &mut String, report: &Report) {
    let lang = report.language;
    let problems = problems(report);
    if problems.is_empty() {
        let _ = writeln!(
            out,
            "<section id=\"problems\">\n<h2>{}</h2>\n<p>{}</p>\n</section>",
            tr!(lang, "To fix", "Исправить"),
            tr!(
                lang,
                "Nothing: no check failed, warned or could not be evaluated.",
                "Нечего: ни одна проверка не провалена, не предупреждает и не осталась \
                 невыполненной."
            )
        );
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"problems\">\n<h2>{}</h2>\n<table class=\"list\">\n\
         <thead><tr>{}</tr></thead>\n<tbody>",
        tr!(
            lang,
            "To fix ({n}, blockers first)",
            "Исправить ({n}, сначала блокирующие)",
            n = problems.len()
        ),
        headings(
            lang,
            &[
                ("Status", "Статус"),
                ("Rule", "Правило"),
                ("Subject", "Объект"),
                ("Found", "Найдено"),
                ("Observed", "Наблюдается"),
                ("Expected", "Ожидается"),
                ("Fix", "Как исправить"),
            ]
        )
    );
    for r in problems {
        let fix = if r.status == Status::Error {
            tr!(
                lang,
                "Make this check possible (see the cause), then run the check again.",
                "Устраните причину, по которой проверку не удалось выполнить, и запустите \
                 проверку снова."
            )
        } else {
            format!(
                "{}<br>{}: {}",
                esc(&r.remediation),
                tr!(lang, "docs", "документация"),
                docs_link(&r.docs)
            )
        };
        let _ = writeln!(
            out,
            "<tr {}><td>{}<br>{}</td><td><code>{}</code><br>{}</td><td>{}</td><td>{}</td>\
             <td class=\"mono\">{}</td><td>{}</td><td>{fix}</td></tr>",
            filtered(r),
            badge(r.status, lang),
            r.severity,
            esc(&r.rule),
            esc(&r.title),
            esc(&r.subject_text()),
            esc(&r.message),
            esc(&observed(&r.observed)),
            esc(&r.expected)
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// The upgrade plan: its steps in order with what to know about each cluster, the held-back
/// clusters with the reasons, and its verdict.
fn plan_section(out: &mut String, plan: &UpgradePlan, lang: Lang) {
    let note = |note: &Note| {
        let subject = note
            .subject
            .as_ref()
            .map(|s| format!(" ({})", esc(s)))
            .unwrap_or_default();
        format!(
            "<li data-status=\"{}\">{} <code>{}</code>{subject}: {}</li>",
            note.status.as_str(),
            badge(note.status, lang),
            esc(&note.rule),
            esc(&note.message)
        )
    };
    let _ = writeln!(
        out,
        "<section id=\"plan\">\n<h2>{}</h2>\n<ol class=\"steps\">",
        tr!(
            lang,
            "Upgrade plan: workload clusters in waves of at most {size}",
            "План обновления: рабочие кластеры волнами не более чем по {size}",
            size = plan.wave_size
        )
    );
    for step in &plan.steps {
        let held = if step.held_back || step.waits_for_global {
            " class=\"held\""
        } else {
            ""
        };
        let _ = write!(out, "<li{held}>{}", esc(&super::plan_heading(step, lang)));
        let notes: Vec<String> = step
            .clusters
            .iter()
            .flat_map(|c| {
                let unchecked = (!c.checked).then(|| {
                    format!(
                        "<li>{}: {}</li>",
                        esc(&c.name),
                        tr!(
                            lang,
                            "no check evaluated this cluster: check it on its own before \
                             upgrading it",
                            "ни одна проверка не оценила этот кластер: проверьте его отдельно \
                             перед обновлением"
                        )
                    )
                });
                unchecked.into_iter().chain(c.advisories.iter().map(note))
            })
            .collect();
        if !notes.is_empty() {
            let _ = write!(out, "<ul>{}</ul>", notes.concat());
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n");
    if !plan.held_back.is_empty() {
        let _ = writeln!(
            out,
            "<h3>{}</h3>\n<ul class=\"held-back\">",
            tr!(
                lang,
                "Held back ({n})",
                "Отложены ({n})",
                n = plan.held_back.len()
            )
        );
        for held in &plan.held_back {
            let reasons: String = held.reasons.iter().map(note).collect();
            let _ = writeln!(
                out,
                "<li><b>{}</b> ({})<ul>{reasons}</ul></li>",
                esc(&held.cluster),
                esc(&held.role)
            );
        }
        out.push_str("</ul>\n");
    }
    let verdict = match plan.verdict {
        PlanVerdict::Ready => tr!(
            lang,
            "READY: upgrade in this order, one step at a time",
            "ГОТОВО: обновляйте в этом порядке, по одному шагу"
        ),
        PlanVerdict::Blocked => tr!(
            lang,
            "BLOCKED: fix the failed blockers of the held-back clusters, then plan again",
            "ЗАБЛОКИРОВАНО: исправьте проваленные блокирующие проверки отложенных кластеров и \
             составьте план снова"
        ),
        PlanVerdict::Incomplete => tr!(
            lang,
            "INCOMPLETE: the held-back clusters have checks that could not be evaluated",
            "НЕ ЗАВЕРШЕНО: у отложенных кластеров есть проверки, которые не удалось выполнить"
        ),
    };
    let _ = writeln!(
        out,
        "<p id=\"plan-verdict\"><b>{}</b></p>\n</section>",
        esc(&verdict)
    );
}

/// The DR pair and the checking host, when the report has their facts.
fn context(out: &mut String, report: &Report) {
    let lang = report.language;
    let host = table::checking_host(report);
    let pair = table::dr_pair(report);
    if host.is_none() && pair.is_none() {
        return;
    }
    out.push_str("<section id=\"context\">\n");
    if let Some(pair) = pair {
        let text = pair.trim_end();
        let heading = tr!(lang, "DR pair", "Пара DR");
        let text = text.strip_prefix(&format!("{heading}: ")).unwrap_or(text);
        let _ = writeln!(
            out,
            "<h2>{heading}</h2>\n<p id=\"dr-pair\">{}</p>",
            esc(text)
        );
    }
    if let Some(host) = host {
        let _ = writeln!(
            out,
            "<h2>{}</h2>\n<p id=\"checking-host\">{}</p>",
            tr!(lang, "Checking host", "Проверяющий хост"),
            esc(host.trim_end())
        );
    }
    out.push_str("</section>\n");
}

/// The clusters × rules matrix of the cluster-scope results.
fn matrix(out: &mut String, report: &Report) {
    let lang = report.language;
    let of_clusters: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.subject.contains_key("cluster"))
        .collect();
    if of_clusters.is_empty() {
        return;
    }
    let mut clusters: Vec<&str> = Vec::new();
    let mut rules: Vec<&RuleResult> = Vec::new();
    for r in &of_clusters {
        let cluster = r.subject["cluster"].as_str();
        if !clusters.contains(&cluster) {
            clusters.push(cluster);
        }
        if !rules.iter().any(|first| first.rule == r.rule) {
            rules.push(r);
        }
    }
    let _ = writeln!(
        out,
        "<section id=\"matrix\">\n<h2>{}</h2>\n<p class=\"meta\">{} {}</p>\n\
         <div class=\"wrap\">\n<table class=\"matrix\">\n<thead><tr>\
         <th class=\"cluster\">{}</th>",
        tr!(
            lang,
            "Clusters × rules ({clusters} clusters, {rules} rules)",
            "Кластеры × правила (кластеров: {clusters}, правил: {rules})",
            clusters = clusters.len(),
            rules = rules.len()
        ),
        tr!(
            lang,
            "One row per cluster, one column per rule; hover over a cell for its message.",
            "Строка на кластер, столбец на правило; наведите указатель на ячейку, чтобы увидеть \
             сообщение."
        ),
        STATUSES
            .iter()
            .map(|s| format!(
                "{} {}",
                letter(*s),
                super::status_label(*s, lang).to_lowercase()
            ))
            .collect::<Vec<_>>()
            .join(", "),
        tr!(lang, "Cluster", "Кластер")
    );
    for r in &rules {
        let _ = write!(
            out,
            "<th class=\"rule\" title=\"{} ({})\">{}</th>",
            esc(&r.title),
            r.severity,
            esc(&r.rule)
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    // Results per (cluster, rule), found by index rather than by a scan per cell.
    let mut cells: Vec<Vec<Vec<&RuleResult>>> = vec![vec![Vec::new(); rules.len()]; clusters.len()];
    for r in &of_clusters {
        let row = clusters
            .iter()
            .position(|c| *c == r.subject["cluster"])
            .unwrap_or(0);
        let col = rules.iter().position(|f| f.rule == r.rule).unwrap_or(0);
        cells[row][col].push(r);
    }
    for (cluster, row) in clusters.iter().zip(&cells) {
        let _ = write!(out, "<tr><th class=\"cluster\">{}</th>", esc(cluster));
        for of_cell in row {
            // The most important result of the cell shows; the tooltip has them all.
            let Some(shown) = of_cell
                .iter()
                .min_by_key(|r| STATUSES.iter().position(|s| *s == r.status))
            else {
                out.push_str("<td class=\"none\"></td>");
                continue;
            };
            let tip = of_cell
                .iter()
                .map(|r| {
                    format!(
                        "{}: {}: {}",
                        super::on(r, lang),
                        super::status_label(r.status, lang).to_lowercase(),
                        r.message
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            let _ = write!(
                out,
                "<td class=\"s-{}\" {} title=\"{}\">{}</td>",
                shown.status.as_str(),
                filtered(shown),
                esc(&tip),
                letter(shown.status)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n</section>\n");
}

/// The results that are not of a cluster: the platform's, the host paths', the waivers'.
fn elsewhere(out: &mut String, report: &Report) {
    let lang = report.language;
    let rest: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| !r.subject.contains_key("cluster") && r.status != Status::Excluded)
        .collect();
    if rest.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"platform\">\n<h2>{} ({})</h2>\n<table class=\"list\">\n\
         <thead><tr>{}</tr></thead>\n<tbody>",
        tr!(lang, "Platform and host", "Платформа и хост"),
        rest.len(),
        headings(
            lang,
            &[
                ("Status", "Статус"),
                ("Rule", "Правило"),
                ("Subject", "Объект"),
                ("Found", "Найдено"),
                ("Step", "Шаг"),
            ]
        )
    );
    for r in rest {
        let _ = writeln!(
            out,
            "<tr {}><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            filtered(r),
            badge(r.status, lang),
            esc(&r.rule),
            esc(&r.subject_text()),
            esc(&r.message),
            esc(r.step.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// What the operator excluded.
fn excluded_list(out: &mut String, report: &Report) {
    let excluded = excluded(report);
    if excluded.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"excluded\">\n<h2>{}</h2>\n<ul>",
        tr!(
            report.language,
            "Not evaluated, as asked",
            "Не проверялось по вашему запросу"
        )
    );
    for r in excluded {
        let _ = writeln!(
            out,
            "<li {}><code>{}</code> {}</li>",
            filtered(r),
            esc(&r.rule),
            esc(&r.message)
        );
    }
    out.push_str("</ul>\n</section>\n");
}

/// The waived results: the accepted risks, whose and until when.
fn waived_list(out: &mut String, report: &Report) {
    let waived = waived(report);
    if waived.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"waived\">\n<h2>{}</h2>\n<ul>",
        tr!(
            report.language,
            "Waived (accepted risks)",
            "Допущено (принятые риски)"
        )
    );
    for r in waived {
        let _ = writeln!(
            out,
            "<li {}>{}</li>",
            filtered(r),
            esc(&waived_text(r, report.language))
        );
    }
    out.push_str("</ul>\n</section>\n");
}

/// Every rule of the report once: title, severity, step, counts, fix and docs.
fn rules(out: &mut String, report: &Report) {
    let lang = report.language;
    let mut rules: Vec<&RuleResult> = Vec::new();
    for r in &report.results {
        if !rules.iter().any(|first| first.rule == r.rule) {
            rules.push(r);
        }
    }
    let _ = writeln!(
        out,
        "<section id=\"rules\">\n<details>\n<summary>{} ({})</summary>\n<table class=\"list\">\n\
         <thead><tr>{}</tr></thead>\n<tbody>",
        tr!(lang, "Rules", "Правила"),
        rules.len(),
        headings(
            lang,
            &[
                ("Rule", "Правило"),
                ("Severity", "Важность"),
                ("Results", "Результаты"),
                ("Fix", "Как исправить"),
            ]
        )
    );
    for first in rules {
        let mut tally = String::new();
        for status in STATUSES {
            let n = report
                .results
                .iter()
                .filter(|r| r.rule == first.rule && r.status == status)
                .count();
            if n > 0 {
                let _ = write!(tally, "{} {n} ", badge(status, lang));
            }
        }
        let step = first
            .step
            .as_ref()
            .map(|s| format!("<br>{}", esc(s)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code><br>{}{step}</td><td>{}</td><td>{}</td><td>{}<br>{}: {}</td>\
             </tr>",
            esc(&first.rule),
            esc(&first.title),
            first.severity,
            tally.trim_end(),
            esc(&first.remediation),
            tr!(lang, "docs", "документация"),
            docs_link(&first.docs)
        );
    }
    out.push_str("</tbody>\n</table>\n</details>\n</section>\n");
}

/// Every result, in report order, with what was observed and expected.
fn every_result(out: &mut String, report: &Report) {
    let lang = report.language;
    let _ = writeln!(
        out,
        "<section id=\"results\">\n<details>\n<summary>{} ({})</summary>\n\
         <table class=\"list\">\n<thead><tr>{}</tr></thead>\n<tbody>",
        tr!(lang, "Every result", "Все результаты"),
        report.results.len(),
        headings(
            lang,
            &[
                ("Status", "Статус"),
                ("Rule", "Правило"),
                ("Subject", "Объект"),
                ("Found", "Найдено"),
                ("Observed", "Наблюдается"),
                ("Expected", "Ожидается"),
            ]
        )
    );
    for r in &report.results {
        let _ = writeln!(
            out,
            "<tr class=\"result\" {} data-rule=\"{}\" data-subject=\"{}\"><td>{}</td><td><code>{}\
             </code></td><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
            filtered(r),
            esc(&r.rule),
            esc(&r.subject_text()),
            badge(r.status, lang),
            esc(&r.rule),
            esc(&r.subject_text()),
            esc(&r.message),
            esc(&observed(&r.observed)),
            esc(&r.expected)
        );
    }
    out.push_str("</tbody>\n</table>\n</details>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_special_character_is_escaped() {
        assert_eq!(
            esc(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(esc("plain → text"), "plain → text");
    }

    #[test]
    fn only_web_addresses_are_links() {
        assert_eq!(
            docs_link("https://docs.example.com/a?b=1&c=2"),
            "<a href=\"https://docs.example.com/a?b=1&amp;c=2\">https://docs.example.com/a?b=1&amp;c=2</a>"
        );
        assert_eq!(docs_link("javascript:alert(1)"), "javascript:alert(1)");
    }

    #[test]
    fn observed_values_read_as_text() {
        assert_eq!(observed(&serde_json::Value::Null), "");
        assert_eq!(observed(&serde_json::json!("v1.30.8")), "v1.30.8");
        assert_eq!(observed(&serde_json::json!(["a", 1])), r#"["a",1]"#);
    }
}
