//! A `host.json` (a dump directory's, or `--host-facts FILE`): any bytes load, or give an error
//! naming the file.
#![no_main]

use acp_preflight_fuzz::{assert_names, write_file};
use checker_core::dump;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let file = write_file("host.json", data);
    match dump::load_host_facts(&file) {
        Ok(facts) => {
            let facts = facts.expect("the file exists");
            let text = serde_json::to_string(&facts).expect("host facts as JSON");
            let again = dump::load_host_facts(&write_file("again.json", text.as_bytes()));
            let again = again.expect("host facts written back read again");
            assert_eq!(again.map(|f| f.paths.len()), Some(facts.paths.len()));
        }
        Err(error) => assert_names(&error.to_string(), &file),
    }
});
