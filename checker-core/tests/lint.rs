//! Rule-pack validation: every problem is reported with file, line, column and field.

use checker_core::rules::{self, PackError};

const HEADER: &str = "pack: test\ntarget: \"9.9\"\ntitle: t\ndocs: https://example.com\nupgrade_paths:\n  - from: \"9.8\"\n    params: {min_kubernetes: \"1.30\"}\nrules:\n";

fn rule(id: &str, require: &str) -> String {
    format!(
        "  - id: {id}\n    title: t\n    severity: blocker\n    scope: cluster\n    requirement: r\n    require: {require}\n    expected: e\n    message: {{pass: p, fail: f}}\n    remediation: r\n    docs: d\n"
    )
}

fn lint(text: &str) -> PackError {
    rules::load("pack.yaml", text).expect_err("the pack should be rejected")
}

#[test]
fn a_valid_pack_loads() {
    let pack = rules::load(
        "pack.yaml",
        &format!("{HEADER}{}", rule("Good", "cluster.name != ''")),
    )
    .unwrap();
    assert_eq!(pack.rules[0].id, "Good");
}

#[test]
fn unknown_fact_is_named_with_its_line() {
    let error = lint(&format!(
        "{HEADER}{}",
        rule("Bad", "cluster.kube_version == ''")
    ));
    let text = error.render();
    assert!(text.starts_with("pack.yaml:14:"), "{text}");
    assert!(text.contains("field `require`"), "{text}");
    assert!(
        text.contains("unknown fact `cluster.kube_version`"),
        "{text}"
    );
    assert!(
        text.contains("kubernetes_version"),
        "the known fields are listed: {text}"
    );
}

#[test]
fn unknown_upgrade_param_and_variable_are_reported() {
    let error = lint(&format!(
        "{HEADER}{}{}",
        rule(
            "A",
            "versionAtLeast(cluster.kubernetes_version, upgrade.min_kube)"
        ),
        rule("B", "path.free_bytes > 0")
    ));
    assert_eq!(error.diagnostics.len(), 2, "{}", error.render());
    assert!(error.render().contains("unknown fact `upgrade.min_kube`"));
    assert!(
        error.render().contains("unknown variable `path`"),
        "path is not visible in cluster scope"
    );
}

#[test]
fn fields_of_list_elements_are_checked() {
    let error = lint(&format!(
        "{HEADER}{}",
        rule("A", "cluster.plugins.exists(p, p.modul == 'x')")
    ));
    assert!(
        error
            .render()
            .contains("unknown fact `cluster.plugins.modul`"),
        "{}",
        error.render()
    );
}

#[test]
fn cel_syntax_errors_point_into_the_expression() {
    let error = lint(&format!("{HEADER}{}", rule("A", "\"cluster.name ==\"")));
    let text = error.render();
    assert!(text.contains("pack.yaml:14:"), "{text}");
    assert!(text.contains("CEL syntax error"), "{text}");
}

#[test]
fn duplicate_and_malformed_ids_are_rejected() {
    let error = lint(&format!(
        "{HEADER}{}{}{}",
        rule("Same", "true"),
        rule("Same", "true"),
        rule("not-camel", "true")
    ));
    let text = error.render();
    assert!(
        text.contains("duplicate rule ID `Same` (first defined on line 9)"),
        "{text}"
    );
    assert!(
        text.contains("`not-camel` is not an UpperCamelCase identifier"),
        "{text}"
    );
}

#[test]
fn yaml_schema_errors_name_line_and_field() {
    let text = format!(
        "{HEADER}{}",
        rule("A", "true").replace("severity: blocker", "severity: fatal")
    );
    let error = lint(&text);
    let rendered = error.render();
    assert!(rendered.starts_with("pack.yaml:11:"), "{rendered}");
    assert!(rendered.contains("fatal"), "{rendered}");
    let error = lint(&format!(
        "{HEADER}{}",
        rule("A", "true").replace("title: t", "titel: t")
    ));
    assert!(error.render().contains("titel"), "{}", error.render());
    let error = lint("pack: [unclosed\n");
    assert!(
        error.render().starts_with("pack.yaml:"),
        "{}",
        error.render()
    );
}

#[test]
fn a_when_without_a_skipped_message_is_rejected() {
    let text = format!(
        "{HEADER}{}",
        rule("A", "true").replace("    require:", "    when: true\n    require:")
    );
    assert!(lint(&text).render().contains("message.skipped"));
}

#[test]
fn unknown_functions_are_reported() {
    let error = lint(&format!(
        "{HEADER}{}",
        rule("A", "versionAtleast(cluster.kubernetes_version, '1.30')")
    ));
    assert!(
        error.render().contains("unknown function `versionAtleast`"),
        "{}",
        error.render()
    );
}

#[test]
fn type_names_are_values_and_only_available_functions_are_known() {
    let pack = format!(
        "{HEADER}{}",
        rule(
            "A",
            "type(cluster.name) == string && 'a,b'.split(',').size() == 2"
        )
    );
    assert!(rules::load("pack.yaml", &pack).is_ok());
    // max() is not part of this CEL build: rejected by the lint, not left to fail at run time.
    let error = lint(&format!("{HEADER}{}", rule("B", "max(1, 2) == 2")));
    assert!(
        error.render().contains("unknown function `max`"),
        "{}",
        error.render()
    );
}

#[test]
fn let_names_must_not_shadow_facts() {
    let text = format!("{HEADER}{}", rule("A", "true").replace(
        "    require:",
        "    let:\n      - name: cluster\n        value: '1'\n      - name: Bad-Name\n        value: '2'\n    require:",
    ));
    let rendered = lint(&text).render();
    assert!(
        rendered.contains("`cluster` is a fact variable"),
        "{rendered}"
    );
    assert!(
        rendered.contains("`Bad-Name` is not a lower-case identifier"),
        "{rendered}"
    );
}
