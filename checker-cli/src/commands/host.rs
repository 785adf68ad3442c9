//! `acp-preflight host`: print this host's facts as JSON (a dump directory's `host.json`): the
//! host paths, and the TCP connects and DNS lookups asked for with `--tcp` and `--resolve`.

use crate::args::HostArgs;
use crate::exit::{Exit, Failure};
use crate::print;

/// Runs `host`.
pub fn run(args: &HostArgs) -> Result<Exit, Failure> {
    let request = checker_core::host::HostProbeRequest {
        tcp: args.tcp.clone(),
        resolve: args.resolve.clone(),
        ..args.paths.probe_request(true)
    };
    let facts = checker_core::host::probe(&request);
    let json = serde_json::to_string_pretty(&facts)
        .map_err(|e| Failure::Internal(format!("cannot serialise host facts: {e}")))?;
    print(&format!("{json}\n"))?;
    Ok(Exit::Ready)
}
