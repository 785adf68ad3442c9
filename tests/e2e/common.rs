//! Running the binary and reading its output.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fixture scenario directory.
pub fn fixture(name: &str) -> PathBuf {
    repo().join("fixtures").join(name)
}

/// Copies a directory tree (the files links point at, not the links), leaving out the files
/// named in `skip`.
pub fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target, skip);
        } else if !skip.iter().any(|name| entry.file_name() == *name) {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// What one run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs the binary with these arguments (no colour, no terminal) and checks it did not panic.
pub fn acp<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    run_with(args, &[])
}

/// The binary, without the environment that changes how its output looks: colour (`NO_COLOR`,
/// `CLICOLOR_FORCE`) and the locale's language (`LC_ALL`, `LC_MESSAGES`, `LANG`), so that a
/// machine's locale does not change what a test reads.
pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_acp-preflight"));
    for name in [
        "CLICOLOR_FORCE",
        "NO_COLOR",
        "LC_ALL",
        "LC_MESSAGES",
        "LANG",
    ] {
        command.env_remove(name);
    }
    command
}

/// Like [`acp`], with extra environment variables.
pub fn run_with<S: AsRef<std::ffi::OsStr>>(args: &[S], env: &[(&str, &str)]) -> Run {
    let mut command = binary();
    command.args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run acp-preflight");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the binary panicked: {}",
        run.stderr
    );
    run
}

/// The results of a JSON report for one rule, as (subject text, status) pairs: the subject is a
/// cluster, a control-plane node, a host path or `platform`.
pub fn statuses(report: &serde_json::Value, rule: &str) -> Vec<(String, String)> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["rule"] == rule)
        .map(|r| {
            let subject = r["subject"]["cluster"]
                .as_str()
                .or(r["subject"]["node"].as_str())
                .or(r["subject"]["path"].as_str())
                .unwrap_or("platform")
                .to_string();
            (
                subject,
                r["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The status of one rule for one subject.
pub fn status_of(report: &serde_json::Value, rule: &str, subject: &str) -> String {
    let found: Vec<String> = statuses(report, rule)
        .into_iter()
        .filter(|(s, _)| s == subject)
        .map(|(_, status)| status)
        .collect();
    assert_eq!(found.len(), 1, "one {rule} result for {subject}: {found:?}");
    found[0].clone()
}

/// Asserts the status of each (rule, subject, expected status).
pub fn assert_statuses(report: &serde_json::Value, expected: &[(&str, &str, &str)]) {
    for (rule, subject, status) in expected {
        assert_eq!(
            status_of(report, rule, subject),
            *status,
            "{rule} on {subject}"
        );
    }
}

/// The one result of `rule` for `subject` (a cluster, a control-plane node, a host path, or
/// `platform`).
pub fn result_of<'a>(
    report: &'a serde_json::Value,
    rule: &str,
    subject: &str,
) -> &'a serde_json::Value {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| {
            r["rule"] == rule
                && (r["subject"]["cluster"] == subject
                    || r["subject"]["node"] == subject
                    || (r["subject"]["node"].is_null() && r["subject"]["path"] == subject)
                    || (subject == "platform"
                        && r["subject"].as_object().is_some_and(|o| o.is_empty())))
        })
        .unwrap_or_else(|| panic!("no {rule} result for {subject}"))
}

/// `collect --from-dump` of a fixture into a snapshot file in a new temporary directory
/// (kept alive by the returned guard); the collection must succeed.
pub fn collect_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("snapshot.json");
    let dir = fixture(name);
    let collected = acp(&[
        "collect",
        "--from-dump",
        dir.to_str().expect("path"),
        "-o",
        file.to_str().expect("path"),
    ]);
    assert_eq!(collected.code, 0, "{}", collected.stderr);
    (tmp, file)
}
