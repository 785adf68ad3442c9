//! `acp-preflight diff OLD NEW` over reports, snapshots and dump directories.

use serde_json::Value;

use crate::common::{acp, fixture};

/// The JSON report of a fixture, written to `dir`.
fn report(dir: &std::path::Path, name: &str) -> String {
    let run = acp(&[
        "check",
        "--snapshot",
        &fixture(name).display().to_string(),
        "-o",
        "json",
    ]);
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, run.stdout).expect("write");
    path.display().to_string()
}

fn entries<'a>(diff: &'a Value, key: &str) -> Vec<(&'a str, &'a str, &'a str)> {
    diff[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key}: {diff}"))
        .iter()
        .map(|e| {
            (
                e["rule"].as_str().expect("rule"),
                e["subject"].as_str().expect("subject"),
                e["status"].as_str().expect("status"),
            )
        })
        .collect()
}

#[test]
fn what_was_fixed_what_is_new_and_what_is_still_to_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let before = report(dir.path(), "not-ready-3.18");
    // A report against a dump directory, checked on the way.
    let after = fixture("ready-3.18").display().to_string();
    let run = acp(&["diff", &before, &after, "-o", "json"]);
    assert_eq!(run.code, 0, "nothing newly failing: {}", run.stderr);
    let diff: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(diff["old"]["verdict"], "not_ready");
    assert_eq!(diff["new"]["verdict"], "ready");
    let fixed = entries(&diff, "fixed");
    assert!(
        fixed.contains(&("KubernetesVersionSupported", "global", "fail")),
        "{fixed:?}"
    );
    assert!(diff["fixed"][0]["now"].is_string());
    let still = entries(&diff, "still_to_fix");
    assert!(
        still.contains(&("KubernetesUpgradeRestartsPods", "global", "warn")),
        "{still:?}"
    );
    let new = entries(&diff, "new_problems");
    assert!(
        new.iter().all(|(_, _, status)| *status != "fail"),
        "{new:?}"
    );
    let facts = diff["changed_facts"].as_array().expect("facts");
    assert!(
        facts.iter().any(|f| f["path"]
            == "facts.clusters.value.global.kubernetes.value.api_server"
            && f["old"] == "v1.29.9"
            && f["new"] == "v1.30.4"),
        "{facts:#?}"
    );

    // The other way round a blocker newly fails: exit 3, in every format.
    let back = report(dir.path(), "ready-3.18");
    let not_ready = fixture("not-ready-3.18").display().to_string();
    for format in ["table", "json", "markdown"] {
        let run = acp(&["diff", &back, &not_ready, "-o", format]);
        assert_eq!(run.code, 3, "{format}: {}", run.stderr);
        assert!(
            run.stdout.contains("KubernetesVersionSupported"),
            "{format}"
        );
    }
    let markdown = acp(&["diff", &back, &not_ready, "-o", "markdown"]).stdout;
    assert!(markdown.starts_with("## acp-preflight diff"), "{markdown}");
    assert!(markdown.contains("### New problems ("), "{markdown}");

    // A run against itself: nothing changed but the time.
    let run = acp(&["diff", &back, &back, "-o", "json"]);
    assert_eq!(run.code, 0);
    let same: Value = serde_json::from_str(&run.stdout).expect("JSON");
    for key in ["new_problems", "fixed", "changed_facts"] {
        assert_eq!(same[key].as_array().map(Vec::len), Some(0), "{key}: {same}");
    }
    assert_eq!(same["changed_facts_total"], 0);
}

#[test]
fn bad_sides_are_usage_errors_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let not_json = dir.path().join("notes.txt");
    std::fs::write(&not_json, "hello").expect("write");
    let good = fixture("ready-3.18").display().to_string();
    let cases = [
        (
            not_json.display().to_string(),
            "notes.txt: not JSON (line 1, column 1)",
        ),
        (
            "/nonexistent/report.json".to_string(),
            "/nonexistent/report.json",
        ),
    ];
    for (bad, words) in cases {
        let run = acp(&["diff", &bad, &good]);
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
        assert!(run.stderr.contains(words), "{bad}: {}", run.stderr);
    }
}
