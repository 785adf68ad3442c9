//! Waivers (`--waivers FILE`) end to end: waived results are shown, counted and do not fail the
//! gate; expired waivers stop waiving and are reported; stale waivers are reported; malformed
//! files are usage errors naming the line and field. And `--select`/`--ignore`.

use serde_json::Value;

use crate::common::{acp, fixture, run_with, status_of};

/// Writes `text` as a waivers file in a temporary directory.
fn waivers_file(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("waivers.yaml");
    std::fs::write(&path, text).expect("write");
    let path = path.display().to_string();
    (dir, path)
}

/// `check` of not-ready-3.18 with extra arguments.
fn check(extra: &[&str]) -> crate::common::Run {
    let snapshot = fixture("not-ready-3.18").display().to_string();
    let mut args = vec!["check", "--snapshot", &snapshot];
    args.extend(extra);
    acp(&args)
}

/// Every blocker that fails on not-ready-3.18 is waived, one warning's waiver has expired and
/// one waiver names a rule that passes.
pub(crate) const WAIVERS: &str = r#"# Accepted risks for the 4.1 window.
waivers:
  - rule: KubernetesVersionSupported
    reason: "Kubernetes is upgraded in the same window (CHG-1)"
    owner: alice@example.com
    expires: 2099-12-31
  - rule: IstioVersionSupported
    subject: "*-1"
    reason: mesh upgrade planned
    owner: bob
    expires: 2099-12-31
  - rule: DeprecatedCostPluginsAbsent
    reason: cost plugins go in the window
    owner: bob
    expires: 2099-12-31
  - {rule: ElasticsearchNodeRolesFixed, reason: small indices, owner: carol, expires: 2099-12-31}
  - {rule: MinioDiskSpace, subject: "10.16.0.1*", reason: space added before, owner: carol, expires: 2099-12-31}
  - {rule: PackageExtractionDiskSpace, reason: other disk, owner: carol, expires: 2099-12-31}
  - rule: KubernetesUpgradeRestartsPods
    subject: edge-1
    reason: accepted last quarter
    owner: dave
    expires: 2020-01-01
  - rule: ClusterRunning
    subject: prod-1
    reason: was down last week
    owner: erin
    expires: 2099-01-01
"#;

#[test]
fn waived_results_are_shown_counted_and_do_not_fail_the_gate() {
    let (_dir, file) = waivers_file(WAIVERS);
    let run = check(&["--waivers", &file, "-o", "json"]);
    assert_eq!(
        run.code, 0,
        "every failed blocker is waived: {}",
        run.stderr
    );
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["verdict"], "ready");
    assert_eq!(report["schema_version"], 3);
    let waived: Vec<&Value> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["status"] == "waived")
        .collect();
    assert_eq!(report["summary"]["waived"], waived.len());
    assert_eq!(waived.len(), 11, "{waived:#?}");
    // The 13th node's MinIO warning is waived as well (10.16.0.1* matches it).
    let minio = waived
        .iter()
        .find(|r| r["rule"] == "MinioDiskSpace" && r["subject"]["node"] == "10.16.0.13")
        .expect("the warning waived");
    assert_eq!(minio["waiver"]["status"], "warn");
    assert_eq!(minio["waiver"]["owner"], "carol");
    assert_eq!(minio["waiver"]["expires"], "2099-12-31");
    assert!(
        minio["waiver"]["at"]
            .as_str()
            .is_some_and(|at| at.ends_with("waivers.yaml:17")),
        "{minio}"
    );
    // The expired waiver waives nothing and is a warning; the stale one an info result.
    assert_eq!(
        status_of(&report, "KubernetesUpgradeRestartsPods", "edge-1"),
        "warn"
    );
    let finding = |rule: &str| {
        report["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|r| r["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} result"))
            .clone()
    };
    let expired = finding("WaiverExpired");
    assert_eq!(expired["status"], "warn");
    assert!(
        expired["message"]
            .as_str()
            .is_some_and(|m| m.contains("expired on 2020-01-01") && m.contains("1 result(s)")),
        "{expired}"
    );
    let stale = finding("WaiverStale");
    assert_eq!(stale["status"], "info");
    assert!(
        stale["message"]
            .as_str()
            .is_some_and(|m| m.contains("ClusterRunning on prod-1")),
        "{stale}"
    );

    // The table says it all: the waived rows, the waivers and the verdict's qualifier.
    // Wide enough that no line wraps.
    let snapshot = fixture("not-ready-3.18").display().to_string();
    let table = run_with(
        &[
            "check",
            "--snapshot",
            &snapshot,
            "--waivers",
            &file,
            "--color",
            "never",
        ],
        &[("COLUMNS", "400")],
    );
    assert_eq!(table.code, 0);
    assert!(
        table.stdout.contains("Waived (accepted risks):"),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.contains(
            "- KubernetesVersionSupported on global (was fail): Kubernetes is upgraded in the \
             same window (CHG-1) (owner alice@example.com, until 2099-12-31"
        ),
        "{}",
        table.stdout
    );
    let verdict = table
        .stdout
        .lines()
        .find(|l| l.starts_with("Verdict: "))
        .expect("verdict");
    assert!(
        verdict
            .starts_with("Verdict: READY, 11 results waived (KubernetesVersionSupported on global"),
        "{verdict}"
    );
    assert!(
        verdict.contains("no blocker failed but those waived"),
        "{verdict}"
    );
    // The expired waiver is a warning: a gate on warnings fails.
    assert_eq!(check(&["--waivers", &file, "--fail-on", "warning"]).code, 4);
    // In the other formats: suppressed in SARIF, skipped in JUnit.
    let sarif: Value =
        serde_json::from_str(&check(&["--waivers", &file, "-o", "sarif"]).stdout).expect("SARIF");
    let accepted = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["suppressions"][0]["status"] == "accepted")
        .count();
    assert_eq!(accepted, 11);
    let junit = check(&["--waivers", &file, "-o", "junit"]).stdout;
    assert_eq!(
        junit.matches("<skipped message=\"waived: ").count(),
        11,
        "{junit}"
    );
}

#[test]
fn without_a_waiver_in_force_the_gate_fails_as_before() {
    // Every waiver expired: nothing is waived, each is reported.
    let expired = WAIVERS
        .replace("2099-12-31", "2021-06-30")
        .replace("2099-01-01", "2021-06-30");
    let (_dir, file) = waivers_file(&expired);
    let run = check(&["--waivers", &file, "-o", "json"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["summary"]["waived"], 0);
    let expired = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["rule"] == "WaiverExpired")
        .count();
    assert_eq!(expired, 8);
}

#[test]
fn a_malformed_waivers_file_is_a_usage_error_naming_line_and_field() {
    // (file, the words of the error: file:line:column: field ...)
    let cases = [
        (
            "waivers:\n  - rule: ClusterRunning\n    reason: x\n    owner: y\n    expires: 2026-13-01\n",
            "waivers.yaml:5:14: field `waivers[0].expires`: `2026-13-01` is not a date",
        ),
        (
            "waivers:\n  - rule: ClusterRunning\n    reason: x\n    owner: y\n    expires: 31.12.2026\n",
            "field `waivers[0].expires`: `31.12.2026` is not a date: write the last day the waiver holds as YYYY-MM-DD",
        ),
        (
            "waivers:\n  - rule: KubernetesVersionSuported\n    reason: x\n    owner: y\n    expires: 2026-12-31\n",
            "waivers.yaml:2:11: field `waivers[0].rule`: no rule `KubernetesVersionSuported` in pack acp-4.1; did you mean `KubernetesVersionSupported`?",
        ),
        (
            "waivers:\n  - rule: ClusterRunning\n    owner: y\n    expires: 2026-12-31\n",
            "waivers.yaml:2:5: field `waivers[0].reason`: missing field `reason`",
        ),
        (
            "waivers:\n  - rule: ClusterRunning\n    reason: \"  \"\n    owner: y\n    expires: 2026-12-31\n",
            "waivers.yaml:3:13: field `waivers[0].reason`: a waiver needs its reason",
        ),
        (
            "waivers:\n  - rule: ClusterRunning\n    reason: x\n    owner: y\n    expires: 2026-12-31\n    until: 2027-01-01\n",
            "field `waivers[0].until`: unknown field `until`",
        ),
        ("waivers: [\n", "not valid YAML"),
    ];
    for (text, words) in cases {
        let (_dir, file) = waivers_file(text);
        let run = check(&["--waivers", &file]);
        assert_eq!(run.code, 2, "{text}: {}", run.stderr);
        assert!(
            run.stderr.contains("invalid waivers file"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(words), "{text}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "nothing is reported: {}", run.stdout);
    }
    let run = check(&["--waivers", "/nonexistent/waivers.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("--waivers /nonexistent/waivers.yaml: cannot read it"),
        "{}",
        run.stderr
    );
}

#[test]
fn select_and_ignore_exclude_rules_as_skip_does() {
    let run = check(&[
        "--select",
        "KubernetesVersionSupported,ClusterRunning",
        "--ignore",
        "KubernetesVersionSupported",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let message = |rule: &str| {
        report["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|r| r["rule"] == rule)
            .map(|r| (r["status"].clone(), r["message"].clone()))
            .expect(rule)
    };
    assert_eq!(
        message("KubernetesVersionSupported"),
        ("excluded".into(), "excluded by --ignore".into())
    );
    assert_eq!(
        message("IstioVersionSupported"),
        (
            "excluded".into(),
            "excluded as not selected (--select)".into()
        )
    );
    assert_eq!(status_of(&report, "ClusterRunning", "prod-1"), "pass");
    for (flag, id) in [("--select", "ClusterRuning"), ("--ignore", "Nope")] {
        let run = check(&[flag, id]);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr
                .contains(&format!("{flag} {id}: no such rule in pack acp-4.1")),
            "{}",
            run.stderr
        );
    }
}
