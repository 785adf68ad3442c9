//! A kubectl dump directory (`check --snapshot DIR`), written from the input as files
//! (`=== global/nodes.json` headers, see `write_dump`): it loads, with the global cluster first
//! and every object redacted, or gives an error naming the directory or a file in it.
#![no_main]

use acp_preflight_fuzz::{assert_names, write_dump};
use checker_core::dump;
use checker_core::snapshot::{ReadOutcome, redact};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = write_dump(data);
    match dump::load_dir(&dir) {
        Ok(snapshot) => {
            assert_eq!(
                snapshot.clusters.first().map(|c| c.name.as_str()),
                Some("global")
            );
            for cluster in &snapshot.clusters {
                for (read, outcome) in &cluster.reads {
                    let raw = checker_core::reads::by_id(read)
                        .is_some_and(|r| r.kubectl_command().contains("--raw"));
                    if let (ReadOutcome::Ok { items }, false) = (outcome, raw) {
                        for item in items {
                            let mut again = item.clone();
                            redact(&mut again);
                            assert_eq!(&again, item, "{read} of {} is not redacted", cluster.name);
                        }
                    }
                }
            }
        }
        Err(error) => assert_names(&error.to_string(), &dir),
    }
});
