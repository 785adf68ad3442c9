//! A rule pack or rule file (`rules lint FILE`, `check --rules FILE`): any text loads, or gives
//! diagnostics each at a line and column of the text they name, that render.
#![no_main]

use acp_preflight_fuzz::assert_diagnostics;
use checker_core::rules;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(error) = rules::load_file("fuzz.yaml", text) {
        assert_diagnostics("fuzz.yaml", text, &error);
    }
});
