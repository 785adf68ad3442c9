//! A snapshot file (`check --snapshot FILE`): any bytes load, or give an error naming the file.
#![no_main]

use acp_preflight_fuzz::{assert_names, write_file};
use checker_core::dump;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let file = write_file("snapshot.json", data);
    match dump::load_file(&file) {
        // What was read is a snapshot again once written (equal but for the last digit of a
        // 17-digit number: serde_json's parser is not exact for those).
        Ok(snapshot) => {
            let text = serde_json::to_string_pretty(&snapshot).expect("a snapshot as JSON");
            let again = dump::load_file(&write_file("again.json", text.as_bytes()));
            let again = again.expect("a snapshot written back reads again");
            assert_eq!(again.clusters.len(), snapshot.clusters.len());
        }
        Err(error) => assert_names(&error.to_string(), &file),
    }
});
