//! What the fuzz targets share: a scratch directory for the files a parser reads, the text
//! format of a whole dump directory in one input, and the checks every error must pass.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// An empty directory for this input: the same path every time, emptied first.
pub fn scratch() -> PathBuf {
    static ROOT: OnceLock<tempfile::TempDir> = OnceLock::new();
    let root = ROOT.get_or_init(|| tempfile::tempdir().expect("temporary directory"));
    let dir = root.path().join("case");
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("cannot empty {}: {e}", dir.display()),
    }
    std::fs::create_dir(&dir).expect("scratch directory");
    dir
}

/// Writes `data` as the file `name` in a fresh scratch directory.
pub fn write_file(name: &str, data: &[u8]) -> PathBuf {
    let file = scratch().join(name);
    std::fs::write(&file, data).expect("write");
    file
}

/// Writes a dump directory described by `data` into a fresh scratch directory and returns it.
///
/// The input is a sequence of files, each a header line `=== <path>` and then its content up to
/// the next header: `=== global/nodes.json`, `=== host.json`. A path has at most two parts of
/// `[A-Za-z0-9._-]` (not `.` or `..`); other headers are taken as content. Text before the
/// first header is ignored. A directory is made for every cluster named.
pub fn write_dump(data: &[u8]) -> PathBuf {
    let dir = scratch();
    let mut current: Option<(PathBuf, Vec<u8>)> = None;
    let flush = |file: Option<(PathBuf, Vec<u8>)>| {
        if let Some((path, content)) = file {
            // A path through a file, or at a directory, (`global` then `global/x`) is left out.
            if let Some(parent) = path.parent()
                && std::fs::create_dir_all(parent).is_ok()
            {
                let _ = std::fs::write(&path, content);
            }
        }
    };
    for line in data.split_inclusive(|b| *b == b'\n') {
        if let Some(path) = header(line) {
            flush(current.take());
            current = Some((dir.join(path), Vec::new()));
        } else if let Some((_, content)) = &mut current {
            content.extend_from_slice(line);
        }
    }
    flush(current);
    dir
}

/// The relative path of a `=== <path>` header line.
fn header(line: &[u8]) -> Option<PathBuf> {
    let rest = line.strip_prefix(b"=== ")?;
    let rest = rest.strip_suffix(b"\n").unwrap_or(rest);
    let text = std::str::from_utf8(rest).ok()?;
    let parts: Vec<&str> = text.split('/').collect();
    let valid = |part: &&str| {
        !part.is_empty()
            && *part != "."
            && *part != ".."
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    (parts.len() <= 2 && parts.iter().all(valid)).then(|| parts.iter().collect())
}

/// An error from reading `path` (a file or a directory) names it, or a file inside it.
pub fn assert_names(message: &str, path: &Path) {
    let path = path.display().to_string();
    assert!(
        message.contains(&path),
        "the error does not name {path}: {message}"
    );
}

/// Every diagnostic of a rejected rule file is at a line and column of the text it names, its
/// excerpt's span lies within that text, and the whole error renders.
pub fn assert_diagnostics(file: &str, text: &str, error: &checker_core::rules::PackError) {
    assert!(
        !error.diagnostics.is_empty(),
        "an error without diagnostics"
    );
    for d in &error.diagnostics {
        assert!(!d.message.is_empty(), "{d:?}");
        let source = if d.file == file {
            text
        } else {
            error
                .sources
                .get(&d.file)
                .unwrap_or_else(|| panic!("no text of {} for {d}", d.file))
        };
        // YAML breaks lines at `\r\n`, `\r` and `\n`.
        let lines: Vec<&str> = source
            .split("\r\n")
            .flat_map(|l| l.split(['\r', '\n']))
            .collect();
        if let (Some(line), Some(column)) = (d.line, d.column) {
            let line = usize::try_from(line).expect("line");
            assert!(
                (1..=lines.len()).contains(&line),
                "line {line} of {}: {d}",
                lines.len()
            );
            let width = lines[line - 1].chars().count() as u64;
            assert!(
                (1..=width + 1).contains(&column),
                "column {column} of {width}: {d}"
            );
        }
        if let Some((offset, len)) = d.span {
            assert!(
                offset + len <= source.len(),
                "span {:?} of {}: {d}",
                d.span,
                source.len()
            );
            assert!(source.is_char_boundary(offset), "span {:?}: {d}", d.span);
        }
    }
    let _ = error.render();
    let _ = error.render_snippets(false);
    let _ = error.render_snippets(true);
}
