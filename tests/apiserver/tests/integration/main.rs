//! End-to-end tests of the test API server with real clients: kube 5, kubectl and the
//! `test-apiserver` binary.

mod binary;
mod kube_client;
mod kubectl;

use std::path::PathBuf;

use test_apiserver::Platform;

/// The fixture under `testdata/platform`: clusters `global` and `prod-1`.
pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/platform")
}

/// The fixture platform, loaded.
pub fn fixture() -> Platform {
    Platform::load_dir(fixture_dir()).expect("the test fixture loads")
}
