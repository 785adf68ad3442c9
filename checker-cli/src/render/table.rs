//! The human table: the DR pair when there is one, results grouped by scope (those of a step of
//! the upgrade procedure under their step, in pack order, unless the whole step was skipped),
//! counts and the verdict at the end.

use checker_core::lang::Lang;
use checker_core::report::{Report, RuleResult, Status, Verdict};
use checker_core::rules::Phase;
use checker_core::snapshot::ReadErrorKind;
use checker_core::tr;
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

use super::Style;

fn status_cell(status: Status, styled: bool, lang: Lang) -> Cell {
    let cell = Cell::new(super::status_label(status, lang));
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
    lang: Lang,
) -> Vec<Row> {
    let row = |r: &RuleResult| Row {
        status: r.status,
        rule: r.rule.clone(),
        subject: r.subject_text(),
        message: match unreadable {
            Some(u) if u.explains(r, lang) => tr!(
                lang,
                "not evaluated: the global cluster could not be read (see above)",
                "не проверено: глобальный кластер не удалось прочитать (см. выше)"
            ),
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
        rows.push(summary_row(rule, &calm, noun, lang));
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
fn summary_row(rule: &str, calm: &[&RuleResult], noun: &str, lang: Lang) -> Row {
    let names = |of: &[&&RuleResult]| {
        const SHOWN: usize = 6;
        let mut names: Vec<String> = of.iter().take(SHOWN).map(|r| r.subject_text()).collect();
        if of.len() > SHOWN {
            let more = of.len() - SHOWN;
            names.push(tr!(lang, "and {more} more", "и ещё {more}", more = more));
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
        parts.push(tr!(
            lang,
            "passes on {n}: {names}",
            "пройдено ({n}): {names}",
            n = passed.len(),
            names = names(&passed)
        ));
    }
    if !skipped.is_empty() {
        let same = skipped.iter().all(|r| r.message == skipped[0].message);
        let why = if same {
            format!(" ({})", skipped[0].message)
        } else {
            String::new()
        };
        parts.push(tr!(
            lang,
            "does not apply on {n}{why}: {names}",
            "не применяется ({n}){why}: {names}",
            n = skipped.len(),
            why = why,
            names = names(&skipped)
        ));
    }
    Row {
        status: if passed.is_empty() {
            Status::Skipped
        } else {
            Status::Pass
        },
        rule: rule.to_string(),
        subject: tr!(
            lang,
            "{n} {noun}",
            "{noun}: {n}",
            n = calm.len(),
            noun = noun
        ),
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
    let lang = style.lang;
    let rows = rows(results, noun, style, unreadable, lang);
    // The statuses of rows (excluded results are listed after the table), and a space.
    let label_width = Status::ALL
        .iter()
        .filter(|s| **s != Status::Excluded)
        .map(|s| super::status_label(*s, lang).chars().count() + 1)
        .max()
        .unwrap_or(8);
    if style.width < TABLE_WIDTH {
        // `FAIL    KubernetesVersionSupported · prod-2`, the message wrapped under it.
        let mut out = String::new();
        for row in rows {
            let label = format!("{:<label_width$}", super::status_label(row.status, lang));
            let label = if styled {
                let colour = super::status_style(row.status);
                format!("{colour}{label}{colour:#}")
            } else {
                label
            };
            let head = format!("{} · {}", row.rule, row.subject);
            let text = usize::from(style.width).saturating_sub(label_width);
            let pad = " ".repeat(label_width);
            let head = wrap(&head, text).join(&format!("\n{pad}"));
            out.push_str(&format!("{label}{head}\n"));
            for line in wrap(&row.message, text) {
                out.push_str(&format!("{pad}{line}\n"));
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
    table.set_header(vec![
        tr!(lang, "Status", "Статус"),
        tr!(lang, "Rule", "Правило"),
        subject_header.to_string(),
        tr!(lang, "Result", "Результат"),
    ]);
    for row in rows {
        table.add_row(vec![
            status_cell(row.status, styled, lang),
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
    fix: String,
}

impl GlobalUnreadable {
    fn of(report: &Report) -> Option<GlobalUnreadable> {
        let lang = report.language;
        let platform = report.facts.platform.get("platform")?.fact.error()?;
        let clusters = report.facts.clusters.error()?;
        let cluster = platform.cluster.clone()?;
        if clusters.cluster.as_ref() != Some(&cluster) || clusters.error.kind != platform.error.kind
        {
            return None;
        }
        let message = &platform.error.message;
        let fix = if message.contains("UnknownIssuer") || message.contains("certificate") {
            tr!(
                lang,
                "the platform's certificate is not trusted: give its CA with --platform-ca FILE, \
                 or fix the kubeconfig's certificate-authority",
                "сертификат платформы не доверенный: укажите её CA через --platform-ca FILE или \
                 исправьте certificate-authority в kubeconfig"
            )
        } else {
            match platform.error.kind {
                ReadErrorKind::Unauthorized => tr!(
                    lang,
                    "the credentials were rejected: check the kubeconfig user, or give an ACP API \
                     token with --token-file",
                    "учётные данные отклонены: проверьте пользователя в kubeconfig или укажите \
                     токен ACP API через --token-file"
                ),
                ReadErrorKind::Forbidden => tr!(
                    lang,
                    "the credentials may not read the platform: apply deploy/rbac.yaml, or use a \
                     token of a user who can read every cluster",
                    "с этими учётными данными платформу читать нельзя: примените deploy/rbac.yaml \
                     или используйте токен пользователя, который может читать все кластеры"
                ),
                ReadErrorKind::Invalid => tr!(
                    lang,
                    "this is not the ACP global cluster: choose its context with --context",
                    "это не глобальный кластер ACP: выберите его контекст через --context"
                ),
                _ => tr!(
                    lang,
                    "the API server could not be reached: check the server address (kubeconfig \
                     or --platform-url) and the network",
                    "API-сервер недоступен: проверьте адрес сервера (kubeconfig или \
                     --platform-url) и сеть"
                ),
            }
        };
        Some(GlobalUnreadable {
            cause: platform.error.text(lang),
            cluster,
            fix,
        })
    }

    /// Whether a result's message is this failure.
    fn explains(&self, result: &RuleResult, lang: Lang) -> bool {
        let on = tr!(
            lang,
            "on cluster {cluster}: ",
            "на кластере {cluster}: ",
            cluster = self.cluster
        );
        result.status == Status::Error
            && result.message.contains(&on)
            && result.message.contains(&self.cause)
    }
}

/// The DR pair, when a standby was checked: both globals (name, VIP, version) and which one
/// the platform domain resolves to, from the report's `dr` facts.
pub(super) fn dr_pair(report: &Report) -> Option<String> {
    let lang = report.language;
    let dr = report.facts.family("dr")?;
    if dr.get("configured")?.as_bool() != Some(true) {
        return None;
    }
    let text = |value: &serde_json::Value, key: &str| {
        value
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| tr!(lang, "unknown", "неизвестно"))
    };
    let global = |role: &str| {
        let facts = dr.get(role).unwrap_or(&serde_json::Value::Null);
        let role = match (lang, role) {
            (Lang::Ru, "primary") => "основной",
            (Lang::Ru, "standby") => "резервный",
            (_, role) => role,
        };
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
        (None, _) => tr!(
            lang,
            "the platform domain is not known",
            "домен платформы неизвестен"
        ),
        (Some(domain), None) => match addresses {
            Some(addresses) => tr!(
                lang,
                "{domain} resolves to {addresses}",
                "{domain} разрешается в {addresses}",
                domain = domain,
                addresses = addresses
            ),
            None => tr!(
                lang,
                "{domain} was not resolved from the checking host",
                "{domain} не разрешается с проверяющего хоста",
                domain = domain
            ),
        },
        (Some(domain), Some(side)) => {
            let side = match side {
                "primary" => tr!(lang, "the primary", "основной"),
                "standby" => tr!(
                    lang,
                    "the standby: the pair is given the wrong way round",
                    "резервный: пара указана наоборот"
                ),
                "both" => tr!(lang, "both", "оба"),
                _ => tr!(lang, "neither", "ни один"),
            };
            tr!(
                lang,
                "{domain} resolves to {side} ({addresses})",
                "{domain} разрешается в {side} ({addresses})",
                domain = domain,
                side = side,
                addresses = addresses.unwrap_or_default()
            )
        }
    };
    Some(tr!(
        lang,
        "DR pair: {primary}, {standby}; {resolves}\n",
        "Пара DR: {primary}, {standby}; {resolves}\n",
        primary = global("primary"),
        standby = global("standby"),
        resolves = resolves
    ))
}

/// Before the upgrade, whether the host the host checks were made on is a global
/// control-plane node (the upgrade stores data on every one's `/cpaas/minio`), from the
/// report's `host` facts; nothing when that cannot be told.
pub(super) fn checking_host(report: &Report) -> Option<String> {
    if report.phase != Phase::Pre {
        return None;
    }
    let lang = report.language;
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
        true => Some(tr!(
            lang,
            "Host {which}: the global control-plane node {node}\n",
            "Хост {which}: узел control plane глобального кластера {node}\n",
            which = which,
            node = host.get("global_control_plane_node")?.as_str()?
        )),
        false => Some(tr!(
            lang,
            "Host {which}: not a global control-plane node; its host checks say nothing of \
             theirs (run `acp-preflight host` on each and pass --host-facts)\n",
            "Хост {which}: не узел control plane глобального кластера; проверки этого хоста \
             ничего не говорят о тех узлах (запустите `acp-preflight host` на каждом и передайте \
             --host-facts)\n",
            which = which
        )),
    }
}

/// Renders the whole report: results grouped by platform, clusters and host, what to do, the
/// counts and the verdict.
pub fn render(report: &Report, style: &Style) -> String {
    let styled = style.color;
    let lang = report.language;
    let style = &Style { lang, ..*style };
    let target = &report.target;
    let what = match report.phase {
        Phase::Pre => tr!(
            lang,
            "readiness to upgrade to ACP {target}",
            "готовность к обновлению до ACP {target}",
            target = target
        ),
        Phase::Workload => tr!(
            lang,
            "readiness of the workload clusters to follow the global cluster to ACP {target}",
            "готовность рабочих кластеров к обновлению до ACP {target} вслед за глобальным",
            target = target
        ),
        Phase::Post => tr!(
            lang,
            "the upgrade to ACP {target}, after it",
            "обновление до ACP {target}, после него",
            target = target
        ),
    };
    let from = report
        .from
        .as_ref()
        .map(|v| tr!(lang, ", upgrade from {v}", ", обновление с {v}", v = v))
        .unwrap_or_default();
    let phase = match report.phase {
        Phase::Pre => String::new(),
        other => format!(", --phase {other}"),
    };
    let collected = if report.source.collected_at.is_empty() {
        String::new()
    } else {
        tr!(
            lang,
            " (collected {at})",
            " (собрано {at})",
            at = report.source.collected_at
        )
    };
    let mut out = tr!(
        lang,
        "acp-preflight {version}: {what}{from} ({pack}{phase}), from {kind} {location}{collected}\n",
        "acp-preflight {version}: {what}{from} ({pack}{phase}), источник: {kind} {location}{collected}\n",
        version = report.tool.version,
        what = what,
        from = from,
        pack = report.pack.name,
        phase = phase,
        kind = report.source.kind,
        location = report.source.location,
        collected = collected,
    );
    if let Some(why) = &report.pack.chosen {
        out.push_str(&tr!(
            lang,
            "Target {target}: {why}\n",
            "Целевая версия {target}: {why}\n",
            target = target,
            why = why
        ));
    }
    if report.pack.preview {
        out.push_str(&tr!(
            lang,
            "PREVIEW: the {pack} pack follows pre-release documentation; its checks may change \
             before ACP {target} is released.\n",
            "ПРЕДВАРИТЕЛЬНАЯ ВЕРСИЯ: набор {pack} основан на документации до выпуска; его \
             проверки могут измениться до выхода ACP {target}.\n",
            pack = report.pack.name,
            target = target
        ));
    }
    if report.source.insecure_skip_tls_verify {
        out.push_str(&tr!(
            lang,
            "WARNING: TLS verification was turned off while collecting.\n",
            "ВНИМАНИЕ: при сборе данных проверка TLS была отключена.\n"
        ));
    }
    let unreadable = GlobalUnreadable::of(report);
    if let Some(u) = &unreadable {
        out.push_str(&tr!(
            lang,
            "\nThe global cluster {cluster} could not be read: {cause}\nFix: {fix}\n",
            "\nГлобальный кластер {cluster} не удалось прочитать: {cause}\nКак исправить: {fix}\n",
            cluster = u.cluster,
            cause = u.cause,
            fix = u.fix
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
    let subjects = (
        tr!(lang, "Subject", "Объект"),
        tr!(lang, "subjects", "объектов"),
    );
    let mut groups: Vec<(String, (String, String), Belongs)> = vec![(
        tr!(lang, "Platform", "Платформа"),
        subjects.clone(),
        unstepped(|r| r.subject.is_empty() || r.subject.contains_key("waiver")),
    )];
    for &step in &steps {
        groups.push((
            step.to_string(),
            subjects.clone(),
            Box::new(move |r: &RuleResult| r.step.as_deref() == Some(step)),
        ));
    }
    groups.push((
        tr!(lang, "Clusters", "Кластеры"),
        (
            tr!(lang, "Cluster", "Кластер"),
            tr!(lang, "clusters", "кластеров"),
        ),
        unstepped(|r| r.subject.contains_key("cluster")),
    ));
    groups.push((
        tr!(lang, "Host", "Хост"),
        (
            tr!(lang, "Node or host:path", "Узел или хост:путь"),
            tr!(lang, "paths", "путей"),
        ),
        unstepped(|r| r.subject.contains_key("path")),
    ));
    for (title, (header, noun), belongs) in groups {
        let rows: Vec<&RuleResult> = shown.iter().copied().filter(|r| belongs(r)).collect();
        if !rows.is_empty() {
            out.push_str(&format!(
                "\n{title}\n{}\n",
                section(&rows, (&header, &noun), style, unreadable.as_ref())
            ));
        }
    }
    let to_fix: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.status.needs_attention())
        .collect();
    if !to_fix.is_empty() {
        out.push_str(&tr!(
            lang,
            "\nWhat to do (blockers first)\n",
            "\nЧто сделать (сначала блокирующие)\n"
        ));
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
                tr!(
                    lang,
                    "Make this check possible (see the cause above), then run the check again.",
                    "Устраните причину, по которой проверку не удалось выполнить (см. выше), и \
                     запустите проверку снова."
                )
            } else {
                r.remediation.clone()
            };
            let entry = format!(
                "- {} {} [{}]: {advice}",
                super::status_label(r.status, lang),
                r.rule,
                subjects.join(", ")
            );
            out.push_str(&tr!(
                lang,
                "{entry}\n  docs: {docs}\n",
                "{entry}\n  документация: {docs}\n",
                entry = paragraph(&entry, style.width, 2),
                docs = r.docs
            ));
        }
    }
    let s = &report.summary;
    let waived = if s.waived > 0 {
        tr!(lang, ", {n} waived", ", допущено {n}", n = s.waived)
    } else {
        String::new()
    };
    out.push_str(&tr!(
        lang,
        "\n{total} results: {pass} pass, {fail} fail, {warn} warn, {info} info, {error} error, \
         {skipped} skipped, {excluded} excluded{waived}\n",
        "\nРезультатов: {total}; пройдено {pass}, провалено {fail}, предупреждений {warn}, \
         инфо {info}, ошибок {error}, пропущено {skipped}, исключено {excluded}{waived}\n",
        total = s.total,
        pass = s.pass,
        fail = s.fail,
        warn = s.warn,
        info = s.info,
        error = s.error,
        skipped = s.skipped,
        excluded = s.excluded,
        waived = waived
    ));
    let excluded = super::excluded(report);
    if !excluded.is_empty() {
        out.push_str(&tr!(
            lang,
            "Not evaluated, as asked:\n",
            "Не проверялось по вашему запросу:\n"
        ));
    }
    for r in &excluded {
        let entry = format!("- {} {}", r.rule, r.message);
        out.push_str(&format!("{}\n", paragraph(&entry, style.width, 2)));
    }
    let waived = super::waived(report);
    if !waived.is_empty() {
        out.push_str(&tr!(
            lang,
            "Waived (accepted risks):\n",
            "Допущено (принятые риски):\n"
        ));
    }
    for r in waived {
        let entry = format!("- {}", super::waived_text(r, lang));
        out.push_str(&format!("{}\n", paragraph(&entry, style.width, 2)));
    }
    let line = tr!(
        lang,
        "Verdict: {verdict}",
        "Вердикт: {verdict}",
        verdict = super::verdict_line(report)
    );
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
