//! The files of the repository that are generated, and what they must contain: one list, one
//! command that writes them (`cargo xtask generate`) and one test that fails when any is stale.
//! And the glibc a binary needs ([`glibc`]): the binary for old control-plane nodes is checked
//! against its floor by a test (`tests/old_glibc.rs`) and by `cargo xtask glibc BINARY`.

use std::path::{Path, PathBuf};

pub mod glibc;

/// Every generated file: (path from the repository root, contents).
pub fn generated() -> Result<Vec<(PathBuf, String)>, String> {
    let packs = checker_core::rules::bundled().map_err(|e| e.render_snippets(false))?;
    let mut files: Vec<(PathBuf, String)> = packs
        .iter()
        .map(|pack| {
            (
                PathBuf::from(format!("docs/rules-{}.md", pack.target)),
                checker_core::rules::docs::markdown(pack),
            )
        })
        .collect();
    files.push((
        PathBuf::from("docs/reads.md"),
        checker_core::reads::markdown(),
    ));
    files.push((
        PathBuf::from("deploy/rbac.yaml"),
        checker_core::rbac::manifest(),
    ));
    for (name, schema) in checker_core::schemas::all() {
        let text = serde_json::to_string_pretty(&schema).map_err(|e| e.to_string())?;
        files.push((
            PathBuf::from(format!("schemas/{name}.schema.json")),
            format!("{text}\n"),
        ));
    }
    Ok(files)
}

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The generated files whose contents on disk differ from what they must be.
pub fn stale() -> Result<Vec<PathBuf>, String> {
    Ok(generated()?
        .into_iter()
        .filter(|(path, text)| {
            std::fs::read_to_string(root().join(path)).ok().as_deref() != Some(text.as_str())
        })
        .map(|(path, _)| path)
        .collect())
}
