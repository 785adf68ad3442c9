//! The binary for old control-plane nodes, made by its one command (`scripts/build-old-glibc`):
//! it needs no glibc symbol version newer than the floor (2.17), and it runs.
//!
//! The script installs its pinned tools from PyPI when missing and makes one release build
//! (minutes when cold, seconds when warm), in the same target directory as this test.

use std::path::PathBuf;
use std::process::Command;
use xtask::glibc;

#[test]
fn old_nodes_binary_needs_at_most_glibc_2_17_and_runs() {
    let script = xtask::root().join("scripts/build-old-glibc");
    let build = Command::new(&script)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&build.stdout);
    assert!(
        build.status.success(),
        "{} failed ({}):\n{stdout}\n{}",
        script.display(),
        build.status,
        String::from_utf8_lossy(&build.stderr)
    );
    let binary = PathBuf::from(stdout.lines().last().unwrap_or_default());
    assert!(
        binary.is_file(),
        "the script's last line is not the binary: {stdout}"
    );

    let required = glibc::required_by(&binary).unwrap_or_else(|e| panic!("{e}"));
    let highest = glibc::check(&required, glibc::OLD_NODES_FLOOR)
        .unwrap_or_else(|why| panic!("{}: {why}", binary.display()));
    assert_eq!(
        glibc::OLD_NODES_FLOOR.to_string(),
        "2.17",
        "the floor is EL7's glibc"
    );
    println!("{} needs glibc {highest}", binary.display());

    let version = Command::new(&binary)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
    assert!(
        version.status.success(),
        "{} --version: {}\n{}",
        binary.display(),
        version.status,
        String::from_utf8_lossy(&version.stderr)
    );
    let stdout = String::from_utf8_lossy(&version.stdout);
    assert_eq!(
        stdout.lines().next(),
        Some(concat!("acp-preflight ", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
}
