//! `acp-preflight host`: print this host's facts as JSON (a dump directory's `host.json`).

use crate::args::HostArgs;
use crate::exit::{Exit, Failure};
use crate::print;

/// Runs `host`.
pub fn run(args: &HostArgs) -> Result<Exit, Failure> {
    let facts = checker_core::host::probe(&args.paths.probe_request(true));
    let json = serde_json::to_string_pretty(&facts)
        .map_err(|e| Failure::Internal(format!("cannot serialise host facts: {e}")))?;
    print(&format!("{json}\n"))?;
    Ok(Exit::Ready)
}
