//! The inputs of a run, resolved from the flags into a [`Plan`] before any IO: which rule pack,
//! where the platform's objects come from, and where the host facts come from. Commands build a
//! plan, then [`Plan::load`] does the reading, collecting and probing.

use checker_core::lang::Lang;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use checker_core::collect::{self, CollectOptions};
use checker_core::host::{self, HostFacts, HostProbeRequest};
use checker_core::reads::Read;
use checker_core::report::Source;
use checker_core::rules::{self, Phase, RulePack};
use checker_core::snapshot::Snapshot;
use checker_core::{dump, facts};

use crate::args::{ConnectionArgs, HostPathArgs};
use crate::exit::Failure;

/// Which rule pack to use.
#[derive(Debug, Clone)]
pub enum PackSource {
    /// The bundled pack of a target version.
    Bundled(String),
    /// The bundled pack the platform's installed version calls for (no `--target`).
    Auto,
    /// A pack file (`--rules FILE`).
    File(PathBuf),
}

/// Where the platform's objects come from.
#[derive(Debug, Clone)]
pub enum PlatformSource {
    /// A snapshot file or a dump directory (`--snapshot`, `--from-dump`).
    Saved(PathBuf),
    /// The live platform.
    Live(Box<ConnectionArgs>),
}

/// Where the host facts come from.
#[derive(Debug, Clone)]
pub enum HostSource {
    /// Whatever the snapshot or dump holds.
    Recorded,
    /// This host, probed.
    Probe(HostProbeRequest),
}

/// Everything a run reads, decided before reading anything.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The rule pack (none for commands that evaluate nothing).
    pub pack: Option<PackSource>,
    /// The phase whose rules are evaluated (and whose reads a live run makes).
    pub phase: Phase,
    /// The platform.
    pub platform: PlatformSource,
    /// The host facts.
    pub host: HostSource,
    /// Host facts of other nodes (`--host-facts FILE`), merged with the recorded and probed
    /// ones.
    pub host_files: Vec<PathBuf>,
    /// The language of what the plan says (why a pack was chosen).
    pub lang: Lang,
}

/// What a plan loaded.
pub struct Loaded {
    /// The pack, when the plan names one.
    pub pack: Option<RulePack>,
    /// Why the pack was chosen, when the plan left the choice to the platform's version.
    pub pack_chosen: Option<String>,
    /// The snapshot, host facts included.
    pub snapshot: Snapshot,
    /// Where it came from, as the report records it.
    pub source: Source,
}

impl Plan {
    /// The plan for these flags. With a saved snapshot, giving a host path probes those paths
    /// on this host, merged with the recorded host facts; a live run always probes this host
    /// (with the default MinIO path, unless host facts of other nodes are given). Host-facts
    /// files are merged in, in the order given.
    pub fn new(
        pack: Option<PackSource>,
        saved: Option<&Path>,
        connection: &ConnectionArgs,
        host: &HostPathArgs,
        host_files: &[PathBuf],
    ) -> Plan {
        let (platform, host) = match saved {
            Some(path) => (
                PlatformSource::Saved(path.to_path_buf()),
                if host.any_given() {
                    HostSource::Probe(host.probe_request(false))
                } else {
                    HostSource::Recorded
                },
            ),
            None => (
                PlatformSource::Live(Box::new(connection.clone())),
                HostSource::Probe(host.probe_request(host_files.is_empty())),
            ),
        };
        Plan {
            pack,
            phase: Phase::Pre,
            platform,
            host,
            host_files: host_files.to_vec(),
            lang: Lang::En,
        }
    }

    /// Loads the pack, then reads the snapshot (or collects the reads the pack's rules need, or
    /// `reads` when given) and the host facts.
    pub fn load(&self, reads: Option<Vec<&'static Read>>) -> Result<Loaded, Failure> {
        // Without a target, every pack is a candidate until the installed version is known: a
        // live run reads what any of them needs.
        let candidates: Vec<RulePack> = match &self.pack {
            None => Vec::new(),
            Some(PackSource::Auto) => bundled_packs()?
                .into_iter()
                .filter(|p| !p.preview)
                .filter_map(|p| p.for_phase(self.phase))
                .collect(),
            Some(source) => vec![in_phase(load_pack(source)?, self.phase)?],
        };
        let (mut snapshot, kind, location) = match &self.platform {
            PlatformSource::Saved(path) => {
                let snapshot = dump::load(path).map_err(|e| Failure::Usage(e.to_string()))?;
                let kind = if path.is_dir() {
                    "kubectl-dump"
                } else {
                    "snapshot"
                };
                (snapshot, kind, path.display().to_string())
            }
            PlatformSource::Live(connection) => {
                if connection
                    .clusters
                    .iter()
                    .flatten()
                    .any(|name| name.trim().is_empty())
                {
                    return Err(Failure::Usage(
                        "--clusters: a cluster name is empty; give names separated by commas, \
                         e.g. --clusters prod-1,prod-2"
                            .to_string(),
                    ));
                }
                let reads = reads.unwrap_or_else(|| match self.pack {
                    Some(_) => facts::reads_for(
                        candidates
                            .iter()
                            .flat_map(|pack| pack.rules.iter())
                            .flat_map(|rule| rule.reads.iter().map(String::as_str)),
                    ),
                    None => checker_core::reads::ALL.iter().collect(),
                });
                let probe = match &self.host {
                    HostSource::Probe(request) => Some(request.clone()),
                    HostSource::Recorded => None,
                };
                let snapshot = collect_live(connection, reads, probe)?;
                let location = snapshot.collector.source.clone();
                (snapshot, "live", location)
            }
        };
        for file in &self.host_files {
            add_host_facts(&mut snapshot, read_host_facts(file)?);
        }
        if let (PlatformSource::Saved(_), HostSource::Probe(request)) = (&self.platform, &self.host)
        {
            add_host_facts(&mut snapshot, host::probe(request));
        }
        let source = checker_core::source_of(&snapshot, kind, &location);
        let (pack, pack_chosen) = match &self.pack {
            Some(PackSource::Auto) => {
                let installed = facts::platform::installed_version(&snapshot).ok();
                let chosen =
                    rules::select::choose(candidates, installed.as_deref(), self.phase, self.lang)
                        .ok_or_else(|| Failure::Internal("no bundled rule pack".to_string()))?;
                (Some(chosen.pack), Some(chosen.reason))
            }
            _ => (candidates.into_iter().next(), None),
        };
        Ok(Loaded {
            pack,
            pack_chosen,
            snapshot,
            source,
        })
    }
}

/// Merges host facts into the snapshot's (see [`HostFacts::merge`]).
fn add_host_facts(snapshot: &mut Snapshot, facts: HostFacts) {
    snapshot.host = Some(match snapshot.host.take() {
        Some(recorded) => recorded.merge(facts),
        None => facts,
    });
}

/// A host-facts file (the output of `acp-preflight host` on another node); anything else is a
/// usage error naming the file and what is wrong.
fn read_host_facts(file: &Path) -> Result<HostFacts, Failure> {
    match dump::load_host_facts(file) {
        Ok(Some(facts)) => Ok(facts),
        Ok(None) => Err(Failure::Usage(format!(
            "cannot read host facts {}: no such file",
            file.display()
        ))),
        Err(e) => Err(Failure::Usage(format!(
            "{e} (expected the output of `acp-preflight host`)"
        ))),
    }
}

/// The pack with the rules of `phase`; a usage error when it has none for that phase.
fn in_phase(pack: RulePack, phase: Phase) -> Result<RulePack, Failure> {
    if pack.phase == phase {
        return Ok(pack);
    }
    pack.for_phase(phase).ok_or_else(|| {
        Failure::Usage(format!(
            "--phase {phase}: pack {} has no rules for that phase (it has: {})",
            pack.name,
            pack.phases
                .keys()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// Every bundled pack; a broken one is a build defect.
fn bundled_packs() -> Result<Vec<RulePack>, Failure> {
    rules::bundled()
        .map_err(|e| Failure::Internal(format!("a bundled rule pack is invalid:\n{}", e.render())))
}

/// Loads the pack from a file, or the bundled one for a target.
pub fn load_pack(source: &PackSource) -> Result<RulePack, Failure> {
    match source {
        PackSource::File(file) => {
            let text = std::fs::read_to_string(file).map_err(|e| {
                Failure::Usage(format!("cannot read rule pack {}: {e}", file.display()))
            })?;
            rules::load(&file.display().to_string(), &text).map_err(|e| {
                Failure::Usage(format!(
                    "invalid rule pack {}:\n{}",
                    file.display(),
                    e.render()
                ))
            })
        }
        PackSource::Auto => Err(Failure::Internal(
            "the pack the platform calls for is chosen once it is read (Plan::load)".to_string(),
        )),
        PackSource::Bundled(target) => bundled_packs()?
            .into_iter()
            .find(|p| p.target == *target)
            .ok_or_else(|| {
                Failure::Usage(format!(
                    "no rule pack for target {target}; bundled targets: {}",
                    rules::targets().join(", ")
                ))
            }),
    }
}

impl HostPathArgs {
    /// Whether any host path was given.
    pub fn any_given(&self) -> bool {
        self.minio_path.is_some() || self.package.is_some() || self.extract_dir.is_some()
    }

    /// The probe of these paths; `default_minio` adds `/cpaas/minio` when no MinIO path is given.
    pub fn probe_request(&self, default_minio: bool) -> HostProbeRequest {
        let text = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        HostProbeRequest {
            minio_path: text(&self.minio_path)
                .or_else(|| default_minio.then(|| facts::control_plane::MINIO_PATH.to_string())),
            package: text(&self.package),
            extract_dir: text(&self.extract_dir),
            timeout: Duration::from_secs(self.probe_timeout.max(1)),
            tcp: Vec::new(),
            resolve: Vec::new(),
        }
    }
}

/// Reads `reads` from the live platform while this host is probed, on a runtime of its own.
/// Bad connection input (kubeconfig, context, token file) is a usage error; failed reads are
/// recorded in the snapshot.
fn collect_live(
    connection: &ConnectionArgs,
    reads: Vec<&'static Read>,
    probe: Option<HostProbeRequest>,
) -> Result<Snapshot, Failure> {
    let mut options = CollectOptions {
        kubeconfig: connection.kubeconfig.clone(),
        context: connection.context.clone(),
        cluster_contexts: connection.cluster_context.clone(),
        clusters: connection.clusters.clone(),
        platform_url: connection.platform_url.clone(),
        token_file: connection.token_file.clone(),
        platform_ca: connection.platform_ca.clone(),
        standby_context: connection.standby_context.clone(),
        standby_url: connection.standby_url.clone(),
        insecure_skip_tls_verify: connection.insecure_skip_tls_verify,
        concurrency: usize::from(connection.concurrency),
        request_timeout: Duration::from_secs(connection.request_timeout),
        deadline: Duration::from_secs(connection.deadline),
        page_size: connection.page_size,
        ..CollectOptions::new(reads)
    };
    if connection.insecure_skip_tls_verify {
        warn_insecure("--insecure-skip-tls-verify was given");
    }
    // A line counter on stderr, for runs long enough to need one, never into a file or pipe.
    let shown = Arc::new(AtomicBool::new(false));
    if std::io::stderr().is_terminal() {
        let started = Instant::now();
        let shown = shown.clone();
        options.progress = Some(Arc::new(move |p: collect::Progress| {
            if started.elapsed() >= Duration::from_secs(1) {
                shown.store(true, Ordering::Relaxed);
                let _ = write!(
                    std::io::stderr(),
                    "\rreading clusters: {}/{}",
                    p.done,
                    p.total
                );
            }
        }));
    }
    let probe = probe.map(|request| std::thread::spawn(move || host::probe(&request)));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Internal(format!("cannot start the async runtime: {e}")))?;
    let collected = runtime.block_on(collect::collect(&options));
    // Requests still open past the deadline are abandoned, not waited for.
    runtime.shutdown_background();
    if shown.load(Ordering::Relaxed) {
        let _ = write!(std::io::stderr(), "\r\x1b[K");
    }
    let mut snapshot = collected.map_err(|e| Failure::Usage(e.to_string()))?;
    unknown_clusters(connection, &snapshot)?;
    if snapshot.collector.insecure_skip_tls_verify && !connection.insecure_skip_tls_verify {
        warn_insecure("the kubeconfig sets insecure-skip-tls-verify");
    }
    if let Some(probe) = probe {
        let mut facts = probe
            .join()
            .map_err(|_| Failure::Internal("the host probe failed".to_string()))?;
        // The DR network checks need the VIPs and the platform domain, known only now that the
        // globals were read: probed from this host, like the paths.
        if snapshot.standby.is_some() {
            let targets = checker_core::facts::dr::network_targets(&snapshot);
            facts.network =
                host::probe_network(&targets.tcp, &targets.resolve, host::NETWORK_TIMEOUT);
        }
        snapshot.host = Some(facts);
    }
    Ok(snapshot)
}

/// `--clusters` and `--cluster-context` may only name clusters of the platform (when its
/// cluster list could be read): a typo would otherwise check fewer clusters than asked.
fn unknown_clusters(connection: &ConnectionArgs, snapshot: &Snapshot) -> Result<(), Failure> {
    let Some(platform) = snapshot
        .manifest
        .as_ref()
        .and_then(|m| m.platform_clusters.as_ref())
    else {
        return Ok(());
    };
    let global = snapshot.clusters.first().map(|c| c.name.as_str());
    let named = connection
        .clusters
        .iter()
        .flatten()
        .map(|name| ("--clusters", name.as_str()))
        .chain(
            connection
                .cluster_context
                .iter()
                .map(|(name, _)| ("--cluster-context", name.as_str())),
        );
    let known: Vec<&str> = platform.iter().map(String::as_str).collect();
    for (flag, name) in named {
        if Some(name) == global || known.contains(&name) {
            continue;
        }
        let hint = checker_core::rules::suggest(name, &known)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(Failure::Usage(format!(
            "{flag} {name}: the platform has no such cluster{hint} (its workload clusters: {})",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    Ok(())
}

/// The loud warning for unverified TLS.
fn warn_insecure(why: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "WARNING: TLS certificates are NOT verified ({why}): anyone on the network path can \
         impersonate the API server and capture the credentials sent to it. The report records \
         this."
    );
}
