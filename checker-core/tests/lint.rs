//! Rule-pack validation: every problem of a file is reported in one run, with file, line,
//! column and field path; rules are resolved and compiled in the context of their pack.

use checker_core::report::Status;
use checker_core::rules::{self, PackError};

const HEADER: &str = "pack: test\ntarget: \"9.9\"\ntitle: t\ndocs: https://example.com/guide\nparameters:\n  min_kubernetes: version\nupgrade_paths:\n  - from: \"9.8\"\n    params: {min_kubernetes: \"1.30\"}\nrules:\n";

/// An inline rule; its `id` is on line 11 when it is the first rule.
fn rule(id: &str, require: &str) -> String {
    format!(
        "  - id: {id}\n    title: t\n    severity: blocker\n    scope: cluster\n    requirement: r\n    require: {require}\n    expected: e\n    message: {{pass: p, fail: f}}\n    remediation: r\n"
    )
}

fn pack(rules: &[String]) -> String {
    format!("{HEADER}{}", rules.concat())
}

fn lint(text: &str) -> PackError {
    rules::load("pack.yaml", text).expect_err("the pack should be rejected")
}

#[test]
fn valid_packs_load_with_inline_and_bundled_rules() {
    let loaded = rules::load("pack.yaml", &pack(&[rule("Good", "cluster.name != ''")])).unwrap();
    assert_eq!(loaded.rules[0].id, "Good");
    assert_eq!(
        loaded.rules[0].docs, "https://example.com/guide",
        "the pack's docs link is the default"
    );
    let text = format!(
        "{HEADER}  - VersionUpgradePath\n  - id: MinioDiskSpace\n    severity: warning\n    params: {{min_free: 200GiB}}\n    docs: https://example.com/minio\n"
    );
    let loaded = rules::load("pack.yaml", &text).unwrap_or_else(|e| panic!("{}", e.render()));
    let minio = loaded.rule("MinioDiskSpace").unwrap();
    assert_eq!(minio.severity, rules::Severity::Warning);
    assert_eq!(
        minio.params["min_free"].value,
        serde_json::json!(200u64 << 30)
    );
    assert_eq!(minio.params["min_free"].to_string(), "200 GiB");
    assert_eq!(minio.docs, "https://example.com/minio");
    assert_eq!(minio.defined_at.0, "rules/checks/MinioDiskSpace.yaml");
}

/// Each case: a pack text, and what the rendered diagnostics must say (each substring must
/// appear; the number of diagnostics must match).
#[test]
fn every_problem_is_reported_with_its_place_and_field() {
    let r = |id: &str, require: &str| rule(id, require);
    let with = |id: &str, from: &str, to: &str| r(id, "'true'").replace(from, to);
    let cases: Vec<(&str, String, usize, Vec<&str>)> = vec![
        (
            "unknown fact",
            pack(&[r("Bad", "cluster.kube_version == ''")]),
            1,
            vec![
                "pack.yaml:16:14: field `rules[0].require`: unknown fact `cluster.kube_version`",
                "recorded_kubernetes_version",
            ],
        ),
        (
            "unknown upgrade parameter and a variable of another scope",
            pack(&[
                r(
                    "A",
                    "versionAtLeast(cluster.recorded_kubernetes_version, upgrade.min_kube)",
                ),
                r("B", "path.free_bytes > 0"),
            ]),
            2,
            vec!["unknown fact `upgrade.min_kube`", "unknown variable `path`"],
        ),
        (
            "fields of list elements",
            pack(&[r("A", "cluster.plugins.exists(p, p.modul == 'x')")]),
            1,
            vec!["unknown fact `cluster.plugins.modul`"],
        ),
        (
            "CEL syntax",
            pack(&[r("A", "\"cluster.name ==\"")]),
            1,
            vec!["pack.yaml:16:", "CEL syntax error"],
        ),
        (
            "duplicate and malformed IDs",
            pack(&[
                r("Same", "'true'"),
                r("Same", "'true'"),
                r("not-camel", "'true'"),
            ]),
            2,
            vec![
                "field `rules[1]`: rule `Same` is listed twice",
                "`not-camel` is not an UpperCamelCase identifier",
            ],
        ),
        (
            "several schema errors at once",
            pack(&[
                with("A", "severity: blocker", "severity: fatal"),
                with("B", "title: t", "titel: t"),
                with("C", "    remediation: r\n", ""),
            ]),
            4,
            vec![
                "pack.yaml:13:15: field `rules[0].severity`: unknown value \"fatal\"",
                "field `rules[1].titel`: unknown field `titel` (did you mean `title`?)",
                "field `rules[1].title`: missing field `title`",
                "field `rules[2].remediation`: missing field `remediation`",
            ],
        ),
        (
            "an unquoted version",
            HEADER.replace("from: \"9.8\"", "from: 9.8"),
            2,
            vec![
                "field `upgrade_paths[0].from`: expected a string, found a decimal number",
                "quotes",
                "field `rules`: expected a list, found null",
            ],
        ),
        (
            "YAML syntax",
            "pack: [unclosed\n".to_string(),
            1,
            vec!["pack.yaml:", "not valid YAML"],
        ),
        (
            "a when without a skipped message",
            pack(&[with("A", "    require:", "    when: 'true'\n    require:")]),
            1,
            vec!["field `rules[0].message`", "message.skipped"],
        ),
        (
            "unknown and unavailable functions",
            pack(&[
                r(
                    "A",
                    "versionAtleast(cluster.recorded_kubernetes_version, '1.30')",
                ),
                r("B", "max(1, 2) == 2"),
            ]),
            2,
            vec![
                "unknown function `versionAtleast`",
                "unknown function `max`",
            ],
        ),
        (
            "let names",
            pack(&[with(
                "A",
                "    require:",
                "    let:\n      - name: cluster\n        value: '1'\n      - name: Bad-Name\n        value: '2'\n    require:",
            )]),
            2,
            vec![
                "field `rules[0].let[0].name`: `cluster` is a fact variable",
                "field `rules[0].let[1].name`: `Bad-Name` is not a lower-case identifier",
            ],
        ),
        (
            "requires a later, an unknown and a control-plane-node rule",
            format!(
                "{}  - MinioDiskSpace\n{}{}",
                HEADER,
                with(
                    "A",
                    "    require:",
                    "    requires: [B, Nope, MinioDiskSpace]\n    require:"
                ),
                r("B", "'true'")
            ),
            3,
            vec![
                "field `rules[1].requires[0]`: `B` is not a rule listed before A",
                "`Nope` is not a rule listed before A",
                "`MinioDiskSpace` has scope control_plane_node",
            ],
        ),
        (
            "message cases",
            pack(&[with(
                "A",
                "message: {pass: p, fail: f}",
                "message:\n      pass:\n        - text: first\n        - text: second\n      fail:\n        - when: 'true'\n          text: only",
            )]),
            2,
            vec![
                "field `rules[0].message.pass[0]`: only the last case may have no `when`",
                "field `rules[0].message.fail[0].when`: the last case must have no `when`",
            ],
        ),
        (
            "parameters of paths and rules",
            format!(
                "{}  - id: MinioDiskSpace\n    params: {{min_free: 120GB, max: 1GiB}}\n",
                HEADER.replace(
                    "params: {min_kubernetes: \"1.30\"}",
                    "params: {min_kube: \"1.30\"}"
                )
            ),
            4,
            vec![
                "field `upgrade_paths[0].params.min_kube`: `min_kube` is not one of the pack's `parameters`",
                "parameter `min_kubernetes` is not set for the path from 9.8",
                "field `rules[0].params.min_free`: `120GB`: unknown unit `GB`",
                "rule MinioDiskSpace has no parameter `max`",
            ],
        ),
        (
            "an unknown bundled rule",
            format!("{HEADER}  - MinioDiskSpac\n"),
            1,
            vec!["no rule `MinioDiskSpac` among the bundled rules"],
        ),
    ];
    for (name, text, count, expected) in cases {
        let error = lint(&text);
        let rendered = error.render();
        assert_eq!(error.diagnostics.len(), count, "{name}:\n{rendered}");
        for part in expected {
            assert!(
                rendered.contains(part),
                "{name}: `{part}` not in:\n{rendered}"
            );
        }
    }
}

#[test]
fn diagnostics_show_the_source_and_suggestions() {
    let error = lint(&format!("{HEADER}  - MinioDiskSpac\n"));
    let text = error.render_snippets(false);
    assert!(text.contains("--> pack.yaml:11:5"), "{text}");
    assert!(text.contains("  - MinioDiskSpac"), "{text}");
    assert!(
        text.contains("help: did you mean `MinioDiskSpace`?"),
        "{text}"
    );
    let json = serde_json::to_value(&error.diagnostics).unwrap();
    assert_eq!(json[0]["field"], "rules[0]");
    assert_eq!(json[0]["line"], 11);
}

#[test]
fn a_single_rule_file_is_checked_in_the_packs_that_include_it() {
    let text = include_str!("../../rules/checks/KubernetesVersionSupported.yaml");
    match rules::load_file("rules/checks/KubernetesVersionSupported.yaml", text) {
        Ok(rules::Linted::Rule { id, packs }) => {
            assert_eq!(id, "KubernetesVersionSupported");
            assert!(packs.contains(&"acp-4.1".to_string()), "{packs:?}");
        }
        other => panic!("{other:?}"),
    }
    let broken = text.replace("upgrade.min_kubernetes)", "upgrade.min_k8s)");
    let error = rules::load_file("X.yaml", &broken).expect_err("unknown parameter");
    assert!(
        error.render().contains("unknown fact `upgrade.min_k8s`"),
        "{}",
        error.render()
    );
}

#[test]
fn info_results_do_not_count_as_failures() {
    let text = pack(&[
        with_severity("Note", "info"),
        with_severity("Heads", "warning"),
    ]);
    let loaded = rules::load("pack.yaml", &text).unwrap_or_else(|e| panic!("{}", e.render()));
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/ready-3.18");
    let snapshot = checker_core::dump::load(&dir).unwrap();
    let results =
        checker_core::engine::evaluate(&loaded, &checker_core::facts::Facts::derive(&snapshot));
    let statuses: Vec<(&str, Status)> = results
        .iter()
        .map(|r| (r.rule.as_str(), r.status))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(statuses, [("Heads", Status::Warn), ("Note", Status::Info)]);
    assert_eq!(
        checker_core::report::Verdict::of(&results),
        checker_core::report::Verdict::Ready
    );
}

fn with_severity(id: &str, severity: &str) -> String {
    rule(id, "'false'").replace("severity: blocker", &format!("severity: {severity}"))
}

#[test]
fn one_rule_serves_two_packs_with_their_own_parameters() {
    // The MinIO rule is defined once (rules/checks/MinioDiskSpace.yaml); each pack lists it,
    // one with its default 120 GiB and one with 250 GiB. The ready fixture has 200 GiB free.
    let pack_with =
        |target: &str, entry: &str| HEADER.replace("\"9.9\"", &format!("\"{target}\"")) + entry;
    let default = rules::load("a.yaml", &pack_with("9.9", "  - MinioDiskSpace\n")).unwrap();
    let stricter = rules::load(
        "b.yaml",
        &pack_with(
            "9.7",
            "  - id: MinioDiskSpace\n    params: {min_free: 250GiB}\n",
        ),
    )
    .unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/ready-3.18");
    let facts = checker_core::facts::Facts::derive(&checker_core::dump::load(&dir).unwrap());
    let outcome = |pack: &rules::RulePack| {
        let results = checker_core::engine::evaluate(pack, &facts);
        (results[0].status, results[0].expected.clone())
    };
    assert_eq!(
        outcome(&default),
        (Status::Pass, ">= 120 GiB free".to_string())
    );
    assert_eq!(
        outcome(&stricter),
        (Status::Fail, ">= 250 GiB free".to_string())
    );
}
