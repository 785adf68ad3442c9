//! The report formats (`-o yaml|sarif|junit|github|markdown|html`, `--output-file
//! FORMAT=PATH`) and the gate policy (`--fail-on`): snapshots on fixtures, SARIF against the
//! official schema, the same results, verdict and exclusions in every format, and exit codes in
//! every format.

use std::collections::BTreeMap;

use insta_cmd::assert_cmd_snapshot;
use serde_json::Value;

use crate::common::{acp, fixture, repo, run_with};
use crate::snapshots::{self, check_args, settings, with_suffix};

/// The fixtures whose outputs are kept as snapshots: ready, not ready, incomplete (checks not
/// evaluated), and a DR pair with exclusions.
const SNAPSHOT_FIXTURES: [(&str, &[&str]); 4] = [
    ("ready-3.18", &[]),
    ("not-ready-4.1", &[]),
    ("incomplete", &[]),
    ("dr-3.18", &["--skip", "DREtcdPortReachable", "--skip-host"]),
];

/// Every fixture directory, with its `check-args`.
fn fixtures() -> Vec<(String, Vec<String>)> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("fixtures"))
        .expect("fixtures")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("global").is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let args = check_args(&name);
            (name, args)
        })
        .collect()
}

/// `check --snapshot fixtures/NAME ARGS -o FORMAT`.
fn check(name: &str, args: &[String], format: &str) -> crate::common::Run {
    let dir = fixture(name);
    let mut all = vec![
        "check".to_string(),
        "--snapshot".to_string(),
        dir.display().to_string(),
        "-o".to_string(),
        format.to_string(),
    ];
    all.extend(args.iter().cloned());
    acp(&all)
}

#[test]
fn every_format_of_the_snapshot_fixtures() {
    let _settings = settings().bind_to_scope();
    for (name, extra) in SNAPSHOT_FIXTURES {
        let dir = format!("fixtures/{name}");
        for format in ["sarif", "junit", "github", "markdown", "html"] {
            with_suffix(&format!("{name}-{format}"), || {
                assert_cmd_snapshot!(
                    "check_format",
                    snapshots::acp()
                        .args(["check", "--snapshot", &dir, "-o", format])
                        .args(check_args(name))
                        .args(extra)
                );
            });
        }
    }
}

#[test]
fn sarif_of_every_fixture_is_valid_against_the_official_schema() {
    let mut schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/e2e/data/sarif-schema-2.1.0.json"))
            .expect("the SARIF 2.1.0 schema"),
    )
    .expect("schema JSON");
    // The official file's pattern for `language` has a stray `]`, which the validator's check
    // of the schema itself refuses as a regex; the pattern is mended in memory (the reports set
    // no `language`).
    fn mend(value: &mut Value) -> usize {
        match value {
            Value::Object(map) => map
                .iter_mut()
                .map(|(key, v)| {
                    if key == "pattern" && v == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
                        *v = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                        1
                    } else {
                        mend(v)
                    }
                })
                .sum(),
            Value::Array(items) => items.iter_mut().map(mend).sum(),
            _ => 0,
        }
    }
    assert!(
        mend(&mut schema) > 0,
        "the language pattern is still to mend"
    );
    let validator = jsonschema::draft7::new(&schema).expect("a valid schema");
    for (name, args) in fixtures() {
        let run = check(&name, &args, "sarif");
        let sarif: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{name}: SARIF is not JSON: {e}\n{}", run.stderr));
        let problems: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
    // The validator does reject what is not SARIF.
    let broken = serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]});
    assert!(
        !validator.is_valid(&broken),
        "a run without a tool is invalid"
    );
}

/// Every result of the JSON report as (rule, subject, status), in order.
fn json_results(report: &Value) -> Vec<(String, String, String)> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let subject = r["subject"]
                .as_object()
                .map(|s| {
                    ["cluster", "node", "host", "path"]
                        .iter()
                        .filter_map(|k| s.get(*k).and_then(Value::as_str))
                        .collect::<Vec<_>>()
                        .join(":")
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "platform".to_string());
            (
                r["rule"].as_str().expect("rule").to_string(),
                subject,
                r["status"].as_str().expect("status").to_string(),
            )
        })
        .collect()
}

#[test]
fn every_format_shows_the_same_results_verdict_and_exclusions() {
    for (name, mut args) in fixtures() {
        // One exclusion everywhere, so that every format is seen to show it.
        args.extend(["--skip".to_string(), "ClusterRunning".to_string()]);
        let json = check(&name, &args, "json");
        let report: Value = serde_json::from_str(&json.stdout).expect("JSON report");
        let results = json_results(&report);
        let count = |status: &str| results.iter().filter(|r| r.2 == status).count();
        let verdict_word = match report["verdict"].as_str().expect("verdict") {
            "ready" => "READY",
            "not_ready" => "NOT READY",
            _ => "INCOMPLETE",
        };

        // YAML is the JSON report.
        let yaml = check(&name, &args, "yaml");
        assert_eq!(yaml.code, json.code, "{name}: yaml exit code");
        let mut from_yaml: Value = serde_saphyr::from_str(&yaml.stdout).expect("YAML");
        // Two runs, two times of making.
        from_yaml["generated_at"] = report["generated_at"].clone();
        assert!(
            from_yaml == report,
            "{name}: the YAML report is not the JSON report"
        );

        // SARIF: one result per result, with its status and rule.
        let sarif = check(&name, &args, "sarif");
        assert_eq!(sarif.code, json.code, "{name}: sarif exit code");
        let sarif: Value = serde_json::from_str(&sarif.stdout).expect("SARIF");
        let run = &sarif["runs"][0];
        let sarif_results: Vec<(String, String, String)> = run["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().expect("ruleId").to_string(),
                    r["locations"][0]["logicalLocations"][0]["name"]
                        .as_str()
                        .expect("subject")
                        .to_string(),
                    r["properties"]["status"]
                        .as_str()
                        .expect("status")
                        .to_string(),
                )
            })
            .collect();
        assert_eq!(sarif_results, results, "{name}: SARIF results");
        assert_eq!(run["properties"]["verdict"], report["verdict"], "{name}");
        let suppressed = run["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|r| r["suppressions"].is_array())
            .count();
        assert_eq!(suppressed, count("excluded"), "{name}: SARIF suppressions");

        // JUnit: one case per result; failures, errors and skips as the statuses say.
        let junit = check(&name, &args, "junit");
        assert_eq!(junit.code, json.code, "{name}: junit exit code");
        let xml = &junit.stdout;
        assert_eq!(
            xml.matches("<testcase ").count(),
            results.len(),
            "{name}: test cases"
        );
        assert_eq!(xml.matches("<failure").count(), count("fail"), "{name}");
        assert_eq!(xml.matches("<error").count(), count("error"), "{name}");
        assert_eq!(
            xml.matches("<skipped").count(),
            count("skipped") + count("excluded"),
            "{name}"
        );

        // GitHub: an annotation per problem, every result in the group, the verdict.
        let github = check(&name, &args, "github");
        assert_eq!(github.code, json.code, "{name}: github exit code");
        let annotations = github
            .stdout
            .lines()
            .filter(|l| {
                l.starts_with("::error ")
                    || l.starts_with("::warning ")
                    || l.starts_with("::notice ")
            })
            .count();
        let problems = count("fail") + count("error") + count("warn") + count("info");
        assert_eq!(annotations, problems, "{name}: annotations");
        assert!(
            github
                .stdout
                .contains(&format!("all {} results", results.len())),
            "{name}"
        );
        assert!(
            github
                .stdout
                .contains("Not evaluated, as asked: ClusterRunning"),
            "{name}: the exclusion"
        );

        // Markdown: the verdict, a row per result, the exclusion.
        let markdown = check(&name, &args, "markdown");
        assert_eq!(markdown.code, json.code, "{name}: markdown exit code");
        let md = &markdown.stdout;
        assert!(
            md.starts_with(&format!("## acp-preflight: {verdict_word} for ACP")),
            "{name}: {md}"
        );
        let rows = md
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| Status"))
            .count();
        assert_eq!(rows, results.len() - count("excluded"), "{name}: rows");
        assert!(md.contains("- `ClusterRunning` "), "{name}: exclusion");

        // HTML: a row per result in the list of every result, in order, with its status; the
        // exclusion; the verdict and summary lines.
        let html = check(&name, &args, "html");
        assert_eq!(html.code, json.code, "{name}: html exit code");
        let page = &html.stdout;
        let html_results: Vec<(String, String)> = page
            .lines()
            .filter_map(|l| l.strip_prefix("<tr class=\"result\" data-status=\""))
            .map(|l| {
                let (status, rest) = l.split_once('"').expect("status");
                let rule = rest
                    .split_once("data-rule=\"")
                    .and_then(|(_, r)| r.split_once('"'))
                    .expect("rule")
                    .0;
                (rule.to_string(), status.to_string())
            })
            .collect();
        let expected: Vec<(String, String)> = results
            .iter()
            .map(|(rule, _, status)| (rule.clone(), status.clone()))
            .collect();
        assert_eq!(html_results, expected, "{name}: HTML results");
        assert!(
            page.contains("<h2>Not evaluated, as asked</h2>")
                && page.contains("<code>ClusterRunning</code>"),
            "{name}: HTML exclusion"
        );

        // The verdict line, exclusion included, is the same in every human format.
        let table = check(&name, &args, "table");
        let verdict = table
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("Verdict: "))
            .expect("the table's verdict line")
            .to_string();
        assert!(
            verdict.contains(" excluded (") && verdict.contains("ClusterRunning"),
            "{verdict}"
        );
        assert!(github.stdout.contains(&verdict), "{name}: github verdict");
        assert!(
            md.contains(&verdict.replace('<', "&lt;")),
            "{name}: md verdict"
        );
        assert!(
            xml.contains(&verdict.replace('<', "&lt;").replace('>', "&gt;")),
            "{name}: junit verdict"
        );
        let escaped = |text: &str| {
            text.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;")
        };
        assert!(
            page.contains(&format!("Verdict: {}</p>", escaped(&verdict))),
            "{name}: html verdict"
        );
        let summary = table.stdout.lines().last().expect("the summary line");
        assert!(
            page.contains(&escaped(summary)),
            "{name}: html summary line {summary}"
        );
    }
}

#[test]
fn several_outputs_at_once_and_their_usage_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = |name: &str| dir.path().join(name).display().to_string();
    let snapshot = fixture("not-ready-3.18").display().to_string();
    let run = acp(&[
        "check",
        "--snapshot",
        &snapshot,
        "--output-file",
        &format!("sarif={}", path("out.sarif")),
        "--output-file",
        &format!("JUnit={}", path("junit.xml")),
        "--output-file",
        "markdown=-",
        "--output-file",
        &format!("html={}", path("report.html")),
        "--report-file",
        &path("report.json"),
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("## acp-preflight: NOT READY"),
        "{}",
        run.stdout
    );
    for (file, starts) in [
        ("out.sarif", "{"),
        ("junit.xml", "<?xml"),
        ("report.html", "<!DOCTYPE html>"),
        ("report.json", "{"),
    ] {
        let text = std::fs::read_to_string(path(file)).expect(file);
        assert!(text.starts_with(starts), "{file}: {text}");
    }
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(path("report.json")).expect("report"))
            .expect("JSON");
    assert_eq!(report["verdict"], "not_ready");

    // (arguments, words of the error); each exits 2 before writing anything.
    let cases: [(&[&str], &str); 5] = [
        (
            &["--output-file", "json=-", "-o", "table"],
            "stdout already gets the table output",
        ),
        (
            &["--output-file", "json=-", "--output-file", "sarif=-"],
            "stdout already gets the json output",
        ),
        (
            &["--output-file", "xml=a.xml"],
            "`xml` is not a format (formats: table, json, yaml, sarif, junit, github, markdown, \
             html)",
        ),
        (&["--output-file", "sarif"], "expected FORMAT=PATH"),
        (
            &["--output-file", "sarif=same", "--output-file", "junit=same"],
            "same is given for two outputs",
        ),
    ];
    for (args, words) in cases {
        let mut all = vec!["check", "--snapshot", &snapshot];
        all.extend(args);
        let run = acp(&all);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(words), "{args:?}: {}", run.stderr);
    }
    assert!(!repo().join("same").exists());

    // plan prints the plan: the report's formats go to files.
    let run = acp(&["plan", "--snapshot", &snapshot, "-o", "sarif"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("plan prints the plan as `table` or `json`"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_gate_policy_decides_the_exit_code_in_every_format() {
    // (fixture, --fail-on, exit code): ready-3.18 has warnings and info results, not-ready-3.18
    // failed blockers, incomplete checks not evaluated.
    let cases = [
        ("ready-3.18", "blocker", 0),
        ("ready-3.18", "warning", 4),
        ("ready-3.18", "info", 4),
        ("ready-3.18", "never", 0),
        ("not-ready-3.18", "blocker", 3),
        ("not-ready-3.18", "never", 0),
        ("incomplete", "blocker", 5),
        ("incomplete", "never", 5),
    ];
    let mut seen = BTreeMap::new();
    for (name, policy, code) in cases {
        for format in [
            "table", "json", "sarif", "junit", "github", "markdown", "yaml", "html",
        ] {
            let args = vec!["--fail-on".to_string(), policy.to_string()];
            let run = check(name, &args, format);
            assert_eq!(
                run.code, code,
                "{name} --fail-on {policy} -o {format}: {}",
                run.stderr
            );
        }
        seen.insert((name, policy), code);
    }
    // In JUnit, a warning the gate lets through passes; under --fail-on warning it fails.
    let junit = |policy: &str| {
        check(
            "ready-3.18",
            &["--fail-on".to_string(), policy.to_string()],
            "junit",
        )
        .stdout
    };
    assert_eq!(junit("blocker").matches("<failure").count(), 0);
    assert!(junit("blocker").contains("does not fail --fail-on blocker"));
    assert!(junit("warning").matches("<failure").count() > 0);
    assert_eq!(seen.len(), cases.len());
}

#[test]
fn github_appends_the_markdown_report_to_the_step_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").expect("write");
    let snapshot = fixture("not-ready-3.18").display().to_string();
    let run = run_with(
        &["check", "--snapshot", &snapshot, "-o", "github"],
        &[("GITHUB_STEP_SUMMARY", &summary.display().to_string())],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stdout.contains("::error title="), "{}", run.stdout);
    let text = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        text.starts_with("earlier step\n## acp-preflight: NOT READY"),
        "{text}"
    );
}

/// A committed schema (`schemas/<name>.schema.json`), compiled.
fn committed_schema(name: &str) -> jsonschema::Validator {
    let path = repo().join(format!("schemas/{name}.schema.json"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("schema"))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The problems of `value` against a schema, one line each.
fn problems(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn every_file_validates_against_its_committed_schema() {
    let report = committed_schema("report");
    let snapshot = committed_schema("snapshot");
    let host = committed_schema("host-facts");
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, args) in fixtures() {
        let run = check(&name, &args, "json");
        let value: Value = serde_json::from_str(&run.stdout).expect("JSON report");
        assert_eq!(
            problems(&report, &value),
            Vec::<String>::new(),
            "{name}: report"
        );
        let file = dir.path().join(format!("{name}.json"));
        let from = fixture(&name).display().to_string();
        let collected = acp(&[
            "collect",
            "--from-dump",
            &from,
            "-o",
            &file.display().to_string(),
        ]);
        assert_eq!(collected.code, 0, "{name}: {}", collected.stderr);
        let value: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("snapshot")).expect("JSON");
        assert_eq!(
            problems(&snapshot, &value),
            Vec::<String>::new(),
            "{name}: snapshot"
        );
        if let Ok(text) = std::fs::read_to_string(fixture(&name).join("host.json")) {
            let value: Value = serde_json::from_str(&text).expect("host.json");
            assert_eq!(
                problems(&host, &value),
                Vec::<String>::new(),
                "{name}: host.json"
            );
        }
    }
    // The rule files and packs, read as YAML.
    for (schema, dir) in [("rule", "rules/checks"), ("rule-pack", "rules/packs")] {
        let validator = committed_schema(schema);
        for entry in std::fs::read_dir(repo().join(dir)).expect(dir) {
            let path = entry.expect("entry").path();
            let value: Value =
                serde_saphyr::from_str(&std::fs::read_to_string(&path).expect("rule file"))
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                problems(&validator, &value),
                Vec::<String>::new(),
                "{}",
                path.display()
            );
        }
    }
    let waivers = committed_schema("waivers");
    let value: Value = serde_saphyr::from_str(crate::waivers::WAIVERS).expect("waivers YAML");
    assert_eq!(problems(&waivers, &value), Vec::<String>::new(), "waivers");
    // A schema that accepts anything would pass all of the above.
    let broken = serde_json::json!({"schema_version": "three", "results": {}});
    assert!(!problems(&report, &broken).is_empty());
    let broken =
        serde_json::json!({"waivers": [{"rule": "X", "owner": "y", "expires": "2026-12-31"}]});
    assert!(
        !problems(&waivers, &broken).is_empty(),
        "a waiver without its reason"
    );
}
