//! Embeds every rule pack in `rules/` into the library, so the binary works air-gapped and a new
//! ACP release needs only a new data file.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    println!("cargo::rerun-if-changed={}", rules.display());
    let mut files: Vec<_> = match std::fs::read_dir(&rules) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect(),
        Err(error) => {
            println!("cargo::error=cannot read {}: {error}", rules.display());
            return;
        }
    };
    if files.is_empty() {
        println!("cargo::error=no rule pack (*.yaml) in {}", rules.display());
        return;
    }
    files.sort();
    let mut code = String::from("/// Rule packs bundled from `rules/`: (file name, contents).\n");
    code.push_str("pub const BUNDLED: &[(&str, &str)] = &[\n");
    for file in &files {
        println!("cargo::rerun-if-changed={}", file.display());
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            file.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("bundled_packs.rs");
    if let Err(error) = std::fs::write(&out, code) {
        println!("cargo::error=cannot write {}: {error}", out.display());
    }
}
