//! Defects found by the fault campaign (issue 8, item 5): each case failed before its fix.

use std::process::{Command, Stdio};

use crate::common::{acp, fixture, repo};

/// Runs the binary with a stdout whose reader is already gone (`| head` that has exited before
/// the first write), and returns its exit code and stderr.
fn run_with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_acp-preflight"))
        .args(args)
        .current_dir(repo())
        .env_remove("CLICOLOR_FORCE")
        .env_remove("NO_COLOR")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run acp-preflight");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_keeps_the_verdicts_exit_code() {
    // `acp-preflight check --snapshot fixtures/not-ready-3.18 | head -1` must still say "not
    // ready" to the shell (`set -o pipefail`), not 0.
    for (scenario, format, code) in [
        ("not-ready-3.18", "table", 3),
        ("not-ready-3.18", "json", 3),
        ("incomplete", "table", 5),
        ("ready-3.18", "table", 0),
        ("ready-3.18", "json", 0),
    ] {
        let dir = fixture(scenario);
        let dir = dir.to_str().expect("path");
        let args = ["check", "--snapshot", dir, "-o", format];
        let open = acp(&args);
        assert_eq!(open.code, code, "{scenario} -o {format}: {}", open.stderr);
        let (closed, stderr) = run_with_closed_stdout(&args);
        assert_eq!(closed, Some(code), "{scenario} -o {format}: {stderr}");
        // Nothing more on stderr than with an open stdout: no panic, no "error".
        assert_eq!(stderr, open.stderr, "{scenario} -o {format}");
    }
}

#[test]
fn a_closed_stdout_keeps_a_usage_errors_exit_code() {
    // `rules lint -o json` prints its diagnostics on stdout and exits 2 for a bad file.
    let args = [
        "rules",
        "lint",
        "-o",
        "json",
        "tests/e2e/data/lint/bad-severity.yaml",
    ];
    let (code, stderr) = run_with_closed_stdout(&args);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stderr, "");
    // A usage error found before any output is unchanged.
    let (code, stderr) = run_with_closed_stdout(&["check", "--snapshot", "no/such/dir"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
}
