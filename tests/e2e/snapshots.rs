//! Snapshots of everything the binary prints: the report and table of every fixture, the help
//! of every command, the rule commands, and the errors of bad input. A change of output shows
//! up as a snapshot diff (`cargo insta review`, or `INSTA_UPDATE=always` then `git diff`).
//!
//! Every run has a clean environment (no colour variables, no kubeconfig, no in-cluster service
//! account, no proxies, no home directory) and relative paths, run from the repository root or
//! from a temporary directory; filters replace what still differs between machines.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;

use crate::common::repo;

/// Variables that would change the output or let a run reach a real cluster.
const REMOVED_ENV: &[&str] = &[
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "NO_COLOR",
    "TERM",
    "COLUMNS",
    "LINES",
    "KUBECONFIG",
    "KUBERNETES_SERVICE_HOST",
    "KUBERNETES_SERVICE_PORT",
    "LC_ALL",
    "LC_MESSAGES",
    "LANG",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
];

/// `HOME` of every run: no `~/.kube/config` can be found there.
const HOME: &str = "/nonexistent/acp-preflight-e2e-home";

/// The binary, run in `dir` with the clean environment.
fn acp_in(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_acp-preflight"));
    command.current_dir(dir).env("HOME", HOME);
    for name in REMOVED_ENV {
        command.env_remove(name);
    }
    command
}

/// The binary, run from the repository root (paths in arguments are relative to it).
pub(crate) fn acp() -> Command {
    acp_in(&repo())
}

/// A regex matching `text` literally.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Snapshots next to this file, with what differs between machines and runs replaced.
pub(crate) fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    // The repository, wherever it is checked out (as given and with symlinks resolved).
    let given = repo();
    let mut roots = vec![given.display().to_string()];
    if let Ok(real) = given.canonicalize() {
        roots.push(real.display().to_string());
    }
    for root in roots {
        settings.add_filter(&literal(&root), "[REPO]");
    }
    // Temporary directories.
    let tmp = std::env::temp_dir();
    let tmp = tmp.canonicalize().unwrap_or(tmp);
    settings.add_filter(
        &format!(r"{}/\.tmp[A-Za-z0-9]+", literal(&tmp.display().to_string())),
        "[TEMP]",
    );
    // The tool version, in the table header, --version and the report's `tool`.
    let version = literal(env!("CARGO_PKG_VERSION"));
    settings.add_filter(
        &format!(r"\bacp-preflight([ /]){version}\b"),
        "acp-preflight$1[VERSION]",
    );
    settings.add_filter(
        &format!(r#"("name": "acp-preflight",\s*"version": "){version}""#),
        "$1[VERSION]\"",
    );
    // generated_at, and collected_at (the newest file modification time of a dump directory).
    settings.add_filter(
        r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})",
        "[TIMESTAMP]",
    );
    // Colour escapes made visible, so the coloured table reads as text.
    settings.add_filter("\x1b", "␛");
    settings
}

/// Runs `f` with the snapshot suffix `suffix` (`name@suffix.snap`).
pub(crate) fn with_suffix(suffix: &str, f: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_suffix(suffix);
    settings.bind(f);
}

/// The fixture directory of a fixture's README.md, as `(name, fixtures/name)`.
pub(crate) fn scenario(readme: &Path) -> (String, String) {
    let dir = readme.parent().expect("fixture directory");
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .expect("fixture name")
        .to_string();
    let relative = format!("fixtures/{name}");
    (name, relative)
}

/// The arguments a fixture is checked with beyond `--snapshot DIR`: the words of its
/// `check-args` file (a post-upgrade platform is checked with `--phase post --from …`), none
/// when it has no such file.
pub(crate) fn check_args(name: &str) -> Vec<String> {
    std::fs::read_to_string(repo().join("fixtures").join(name).join("check-args"))
        .map(|text| text.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// The fixture directories: every directory under fixtures/ that is a dump (has `global/`).
fn fixture_dirs() -> BTreeSet<String> {
    std::fs::read_dir(repo().join("fixtures"))
        .expect("fixtures")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("global").is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect()
}

#[test]
fn every_fixture_is_covered_by_the_glob() {
    // The snapshot tests below glob fixtures/*/README.md: a dump directory without a README
    // would silently have no snapshots.
    let dirs = fixture_dirs();
    for name in [
        "ready-3.18",
        "not-ready-3.18",
        "unsupported-3.16",
        "incomplete",
        "dump-4.0-patch",
    ] {
        assert!(dirs.contains(name), "fixtures/{name} is gone");
    }
    for name in &dirs {
        assert!(
            repo()
                .join("fixtures")
                .join(name)
                .join("README.md")
                .is_file(),
            "fixtures/{name} has no README.md, so no snapshots"
        );
    }
}

#[test]
fn check_json_of_every_fixture() {
    let _settings = settings().bind_to_scope();
    insta::glob!("../../fixtures", "*/README.md", |readme| {
        let (name, dir) = scenario(readme);
        with_suffix(&name, || {
            assert_cmd_snapshot!(
                "check_json",
                acp()
                    .args(["check", "--snapshot", &dir, "-o", "json"])
                    .args(check_args(&name))
            );
        });
    });
}

#[test]
fn check_table_of_every_fixture() {
    let _settings = settings().bind_to_scope();
    insta::glob!("../../fixtures", "*/README.md", |readme| {
        let (name, dir) = scenario(readme);
        with_suffix(&name, || {
            assert_cmd_snapshot!(
                "check_table",
                acp()
                    .args(["check", "--snapshot", &dir, "--color", "never"])
                    .args(check_args(&name))
            );
        });
    });
}

#[test]
fn collect_from_every_fixture() {
    let _settings = settings().bind_to_scope();
    insta::glob!("../../fixtures", "*/README.md", |readme| {
        let (name, dir) = scenario(readme);
        // Run in a temporary directory that shows the fixtures at the same relative path, so
        // that the written file is relative too.
        let tmp = tempfile::tempdir().expect("tempdir");
        std::os::unix::fs::symlink(repo().join("fixtures"), tmp.path().join("fixtures"))
            .expect("symlink");
        with_suffix(&name, || {
            assert_cmd_snapshot!(
                "collect",
                acp_in(tmp.path()).args(["collect", "--from-dump", &dir, "-o", "snapshot.json"])
            );
        });
        assert!(tmp.path().join("snapshot.json").is_file(), "{name}");
    });
}

#[test]
fn check_table_in_colour() {
    let _settings = settings().bind_to_scope();
    assert_cmd_snapshot!(
        "check_table_color_always",
        acp().args([
            "check",
            "--snapshot",
            "fixtures/not-ready-3.18",
            "--color",
            "always"
        ])
    );
}

#[test]
fn check_table_in_narrow_terminals_and_with_every_row() {
    let _settings = settings().bind_to_scope();
    // COLUMNS is honoured when stdout is not a terminal: 80 and 60 columns stay readable.
    for columns in ["80", "60"] {
        with_suffix(columns, || {
            assert_cmd_snapshot!(
                "check_table_columns",
                acp().env("COLUMNS", columns).args([
                    "check",
                    "--snapshot",
                    "fixtures/not-ready-4.1",
                    "--color",
                    "never"
                ])
            );
        });
    }
    assert_cmd_snapshot!(
        "check_table_show_all",
        acp().args([
            "check",
            "--snapshot",
            "fixtures/ready-4.1",
            "--color",
            "never",
            "--show",
            "all"
        ])
    );
}

/// In Russian (`--lang ru`): the table at full width and in 60 columns (the status column
/// widens to the longest Russian status), Markdown, HTML, a DR platform whose steps and pair are
/// shown, a ready platform, the plan and a diff.
#[test]
fn check_in_russian() {
    let _settings = settings().bind_to_scope();
    // (suffix, COLUMNS, fixture, format)
    let cases = [
        ("table", "140", "not-ready-4.1", "table"),
        ("table-60", "60", "not-ready-4.1", "table"),
        ("markdown", "140", "not-ready-4.1", "markdown"),
        ("html", "140", "not-ready-4.1", "html"),
        ("dr-table", "140", "dr-3.18", "table"),
        ("ready-table", "140", "ready-4.3", "table"),
    ];
    for (suffix, columns, fixture, format) in cases {
        with_suffix(suffix, || {
            assert_cmd_snapshot!(
                "check_russian",
                acp().env("COLUMNS", columns).args([
                    "check",
                    "--lang",
                    "ru",
                    "--snapshot",
                    &format!("fixtures/{fixture}"),
                    "--color",
                    "never",
                    "-o",
                    format
                ])
            );
        });
    }
    assert_cmd_snapshot!(
        "plan_russian",
        acp().args([
            "plan",
            "--lang",
            "ru",
            "--snapshot",
            "fixtures/not-ready-4.1",
            "--color",
            "never"
        ])
    );
    assert_cmd_snapshot!(
        "diff_russian",
        acp().args([
            "diff",
            "--lang",
            "ru",
            "fixtures/ready-3.18",
            "fixtures/not-ready-3.18"
        ])
    );
}

#[test]
fn check_fail_on_warning() {
    let _settings = settings().bind_to_scope();
    assert_cmd_snapshot!(
        "check_fail_on_warning",
        acp().args([
            "check",
            "--snapshot",
            "fixtures/ready-3.18",
            "--color",
            "never",
            "--fail-on",
            "warning"
        ])
    );
}

#[test]
fn help_of_every_command() {
    let _settings = settings().bind_to_scope();
    for command in [
        &[][..],
        &["check"],
        &["collect"],
        &["host"],
        &["rules"],
        &["rules", "list"],
        &["rules", "explain"],
        &["rules", "lint"],
        &["rules", "docs"],
    ] {
        let name = if command.is_empty() {
            "acp-preflight".to_string()
        } else {
            command.join("-")
        };
        with_suffix(&name, || {
            assert_cmd_snapshot!("help", acp().args(command).arg("--help"));
        });
    }
}

#[test]
fn version() {
    let _settings = settings().bind_to_scope();
    assert_cmd_snapshot!("version", acp().arg("--version"));
}

#[test]
fn rules_list() {
    let _settings = settings().bind_to_scope();
    assert_cmd_snapshot!("rules_list", acp().args(["rules", "list"]));
    assert_cmd_snapshot!(
        "rules_list_json",
        acp().args(["rules", "list", "-o", "json"])
    );
}

#[test]
fn rules_of_every_target_and_their_differences() {
    let _settings = settings().bind_to_scope();
    for target in ["4.0", "4.2", "4.3", "4.4"] {
        assert_cmd_snapshot!(
            format!("rules_list@{target}"),
            acp().args(["rules", "list", "--target", target])
        );
    }
    for (from, to) in [("4.1", "4.3"), ("4.0", "4.1"), ("4.3", "4.4")] {
        assert_cmd_snapshot!(
            format!("rules_diff@{from}-{to}"),
            acp().args(["rules", "diff", "--from", from, "--to", to])
        );
    }
    assert_cmd_snapshot!(
        "rules_diff_json@4.2-4.3",
        acp().args([
            "rules", "diff", "--from", "4.2", "--to", "4.3", "-o", "json"
        ])
    );
    // A target is named as a version; one no pack has is a usage error listing those there are.
    assert_cmd_snapshot!(
        "rules_diff_bad_target",
        acp().args(["rules", "diff", "--from", "four", "--to", "4.3"])
    );
    assert_cmd_snapshot!(
        "rules_list_unknown_target",
        acp().args(["rules", "list", "--target", "5.0"])
    );
}

/// The IDs of the bundled 4.1 pack, from `rules list -o json`.
fn rule_ids() -> Vec<String> {
    let output = acp()
        .args(["rules", "list", "-o", "json"])
        .output()
        .expect("rules list");
    assert!(output.status.success(), "rules list failed");
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let ids: Vec<String> = list["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    assert!(!ids.is_empty(), "the pack has no rules");
    ids
}

#[test]
fn rules_explain_every_rule() {
    let _settings = settings().bind_to_scope();
    for id in rule_ids() {
        with_suffix(&id, || {
            assert_cmd_snapshot!("rules_explain", acp().args(["rules", "explain", &id]));
        });
    }
}

#[test]
fn rules_explain_unknown_rule() {
    let _settings = settings().bind_to_scope();
    assert_cmd_snapshot!(
        "rules_explain_unknown",
        acp().args(["rules", "explain", "NoSuchRule"])
    );
}

#[test]
fn rules_lint_of_every_test_pack() {
    // tests/e2e/data/lint/*.yaml: one valid pack, and packs that each break it in one way
    // (the header comment of each says how), plus one with several problems.
    let _settings = settings().bind_to_scope();
    insta::glob!("data/lint", "*.yaml", |file| {
        let name = file.file_name().and_then(|n| n.to_str()).expect("name");
        let relative = format!("tests/e2e/data/lint/{name}");
        with_suffix(name.trim_end_matches(".yaml"), || {
            assert_cmd_snapshot!("rules_lint", acp().args(["rules", "lint", &relative]));
        });
    });
}

#[test]
fn rules_lint_of_the_bundled_pack_and_a_missing_file() {
    let _settings = settings().bind_to_scope();
    assert_cmd_snapshot!(
        "rules_lint_bundled",
        acp().args(["rules", "lint", "rules/packs/acp-4.1.yaml"])
    );
    assert_cmd_snapshot!(
        "rules_lint_bundled_rule",
        acp().args(["rules", "lint", "rules/checks/MinioDiskSpace.yaml"])
    );
    assert_cmd_snapshot!(
        "rules_lint_missing_file",
        acp().args(["rules", "lint", "tests/e2e/data/lint/no-such-pack.yaml"])
    );
}

#[test]
fn check_with_an_invalid_rule_pack() {
    let _settings = settings().bind_to_scope();
    assert_cmd_snapshot!(
        "check_invalid_rule_pack",
        acp().args([
            "check",
            "--snapshot",
            "fixtures/ready-3.18",
            "--rules",
            "tests/e2e/data/lint/several-problems.yaml"
        ])
    );
}

#[test]
fn bad_snapshot_files() {
    let _settings = settings().bind_to_scope();
    for (name, path) in [
        ("missing", "tests/e2e/data/no-such-snapshot.json"),
        ("malformed_json", "tests/e2e/data/snapshot-malformed.json"),
        (
            "not_a_snapshot",
            "tests/e2e/data/snapshot-not-a-snapshot.json",
        ),
        (
            "future_version",
            "tests/e2e/data/snapshot-future-version.json",
        ),
        ("wrong_type", "tests/e2e/data/snapshot-wrong-type.json"),
    ] {
        with_suffix(name, || {
            assert_cmd_snapshot!("bad_snapshot", acp().args(["check", "--snapshot", path]));
        });
    }
}

/// A temporary directory holding a copy of a fixture as `dump/`.
fn copy_of_fixture(name: &str) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read_dir") {
            let entry = entry.expect("entry");
            let target = to.join(entry.file_name());
            if entry.file_type().expect("type").is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
        }
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    copy(
        &repo().join("fixtures").join(name),
        &tmp.path().join("dump"),
    );
    tmp
}

#[test]
fn bad_dump_directories() {
    let _settings = settings().bind_to_scope();

    // A file of a read that is not JSON (nor kubectl's error text): that read failed.
    let tmp = copy_of_fixture("ready-3.18");
    std::fs::write(
        tmp.path().join("dump/global/istio-deployments.json"),
        "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": [ oops\n",
    )
    .expect("write");
    assert_cmd_snapshot!(
        "bad_dump_malformed_read_table",
        acp_in(tmp.path()).args(["check", "--snapshot", "dump", "--color", "never"])
    );
    assert_cmd_snapshot!(
        "bad_dump_malformed_read_json",
        acp_in(tmp.path()).args(["check", "--snapshot", "dump", "-o", "json"])
    );

    // Host facts of the wrong shape: an input error naming the file and line.
    let tmp = copy_of_fixture("ready-3.18");
    std::fs::write(tmp.path().join("dump/host.json"), "{\"hostname\": 3}\n").expect("write");
    assert_cmd_snapshot!(
        "bad_dump_malformed_host_json",
        acp_in(tmp.path()).args(["check", "--snapshot", "dump"])
    );

    // A directory without global/ is not a dump.
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(tmp.path().join("empty")).expect("mkdir");
    assert_cmd_snapshot!(
        "bad_dump_no_global",
        acp_in(tmp.path()).args(["check", "--snapshot", "empty"])
    );
}

#[test]
fn bad_kubeconfigs() {
    // Both fail before any connection is attempted.
    let _settings = settings().bind_to_scope();
    assert_cmd_snapshot!(
        "bad_kubeconfig_syntax",
        acp().args(["check", "--kubeconfig", "tests/e2e/data/kubeconfig-broken"])
    );
    assert_cmd_snapshot!(
        "bad_kubeconfig_unknown_context",
        acp().args([
            "check",
            "--kubeconfig",
            "tests/e2e/data/kubeconfig-one-context",
            "--context",
            "nope"
        ])
    );
}

#[test]
fn usage_errors() {
    let _settings = settings().bind_to_scope();
    for (name, args) in [
        ("unknown_flag", &["check", "--bogus"][..]),
        ("unknown_target", &["check", "--target", "9.9"]),
        (
            "unknown_target_with_snapshot",
            &[
                "check",
                "--target",
                "9.9",
                "--snapshot",
                "fixtures/ready-3.18",
            ],
        ),
        (
            "snapshot_with_cluster_access",
            &["check", "--snapshot", "X", "--clusters", "a"],
        ),
        (
            "snapshot_with_context",
            &[
                "check",
                "--snapshot",
                "fixtures/ready-3.18",
                "--context",
                "prod",
            ],
        ),
        ("bad_fail_on", &["check", "--fail-on", "sometimes"]),
        ("no_command", &[]),
    ] {
        with_suffix(name, || {
            assert_cmd_snapshot!("usage_error", acp().args(args));
        });
    }
}

/// The snapshot files of `name@suffix` under tests/e2e/snapshots/, as suffixes.
fn snapshot_suffixes(name: &str) -> BTreeSet<String> {
    let prefix = format!("e2e__snapshots__{name}@");
    std::fs::read_dir(repo().join("tests/e2e/snapshots"))
        .expect("snapshots")
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter_map(|f| {
            f.strip_prefix(&prefix)
                .and_then(|s| s.strip_suffix(".snap"))
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn no_snapshot_is_left_over_from_a_removed_fixture_or_rule() {
    let fixtures = fixture_dirs();
    for name in ["check_json", "check_table", "collect"] {
        assert_eq!(snapshot_suffixes(name), fixtures, "{name}@* snapshots");
    }
    let ids: BTreeSet<String> = rule_ids().into_iter().collect();
    assert_eq!(snapshot_suffixes("rules_explain"), ids, "rules_explain@*");
    let packs: BTreeSet<String> = std::fs::read_dir(repo().join("tests/e2e/data/lint"))
        .expect("lint packs")
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter_map(|f| f.strip_suffix(".yaml").map(str::to_string))
        .collect();
    assert_eq!(snapshot_suffixes("rules_lint"), packs, "rules_lint@*");
}
