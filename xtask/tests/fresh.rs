//! The one freshness test of every generated file.

#[test]
fn generated_files_are_fresh() {
    let stale = xtask::stale().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}; run `cargo xtask generate` and commit the result"
    );
}
