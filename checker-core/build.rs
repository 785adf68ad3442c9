//! Embeds every rule (`rules/checks/*.yaml`) and target pack (`rules/packs/*.yaml`) into the
//! library, so the binary works air-gapped and a new ACP release needs only data files.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time: a build script compiled for one checkout may run for another that
    // shares the target directory.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let rules = Path::new(&manifest_dir).join("../rules");
    let mut code = String::new();
    for (dir, constant) in [("checks", "BUNDLED_CHECKS"), ("packs", "BUNDLED_PACKS")] {
        let dir_path = rules.join(dir);
        println!("cargo::rerun-if-changed={}", dir_path.display());
        let mut files: Vec<_> = match std::fs::read_dir(&dir_path) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .collect(),
            Err(error) => {
                println!("cargo::error=cannot read {}: {error}", dir_path.display());
                return;
            }
        };
        if files.is_empty() {
            println!("cargo::error=no *.yaml in {}", dir_path.display());
            return;
        }
        files.sort();
        let _ = writeln!(
            code,
            "/// Bundled files of `rules/{dir}/`: (path from the repository root, contents)."
        );
        let _ = writeln!(code, "pub const {constant}: &[(&str, &str)] = &[");
        for file in &files {
            println!("cargo::rerun-if-changed={}", file.display());
            let name = file.file_name().unwrap_or_default().to_string_lossy();
            let _ = writeln!(
                code,
                "    (\"rules/{dir}/{name}\", include_str!({:?})),",
                file.display().to_string()
            );
        }
        code.push_str("];\n");
    }
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("bundled_rules.rs");
    if let Err(error) = std::fs::write(&out, code) {
        println!("cargo::error=cannot write {}: {error}", out.display());
    }
}
