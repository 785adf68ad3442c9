//! Persisted formats are forward compatible: a snapshot or host record written by a newer
//! version, with fields this one does not know, still loads and gives the same facts. (Rule
//! packs stay strict: an unknown field there is a mistake, reported by the lint.)

use std::path::Path;

use checker_core::dump;
use checker_core::facts::Facts;

#[test]
fn a_snapshot_with_fields_from_the_future_loads() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/not-ready-3.18");
    let snapshot = dump::load(&fixture).unwrap();
    let mut json = serde_json::to_value(&snapshot).unwrap();
    let future = serde_json::json!({"added_in": "a later version"});
    json["from_the_future"] = future.clone();
    json["collector"]["from_the_future"] = future.clone();
    json["clusters"][0]["from_the_future"] = future.clone();
    json["host"]["from_the_future"] = future.clone();
    json["host"]["paths"][0]["from_the_future"] = future.clone();
    json["host"]["paths"][0]["filesystem"]["from_the_future"] = future.clone();
    json["manifest"] = serde_json::json!({"reads": [], "requests": [], "from_the_future": 1});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snapshot.json");
    std::fs::write(&file, serde_json::to_string(&json).unwrap()).unwrap();
    let loaded = dump::load(&file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(Facts::derive(&loaded), Facts::derive(&snapshot));

    // The same for a host.json of a dump directory.
    let host = dir.path().join("host.json");
    let mut record = serde_json::to_value(snapshot.host.as_ref().unwrap()).unwrap();
    record["from_the_future"] = future;
    std::fs::write(&host, serde_json::to_string(&record).unwrap()).unwrap();
    let text = std::fs::read_to_string(&host).unwrap();
    let parsed: checker_core::host::HostFacts = serde_json::from_str(&text).unwrap();
    assert_eq!(Some(&parsed), snapshot.host.as_ref());
}
