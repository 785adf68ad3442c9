//! checker-core: the fact model, collectors, rule engine and report model of acp-preflight.
//!
//! The pipeline:
//!
//! ```text
//! inputs ──► collect (live: kube) ─┐
//!            snapshot file / dump ─┼─► Snapshot (raw objects + host record + manifest)
//!            host probe / file ────┘          │
//!                                             ▼
//!                          facts (one provider per family) ──► Facts
//!                                             │
//!                     rules + packs ──► engine (CEL) ──► Report
//! ```
//!
//! [`snapshot::Snapshot`] (collected live by [`collect`], read by [`dump`]) →
//! [`facts::Facts::derive`] → [`engine::evaluate`] with a [`rules::RulePack`] →
//! [`report::RuleResult`]s and a [`report::Verdict`]. Only [`collect`] and the host probe touch
//! the network or the host; they sit behind the default `io` feature, and everything else
//! builds without it.
//!
//! Checking a recorded platform from another Rust program:
//!
//! ```
//! use checker_core::report::{Status, Tool, Verdict};
//! use checker_core::{dump, rules};
//!
//! let snapshot = dump::load("../fixtures/not-ready-3.18".as_ref())?;
//! let pack = rules::for_target("4.1")?.expect("the 4.1 pack is bundled");
//! let tool = Tool { name: "my-tool".into(), version: "1.0".into() };
//! let source = checker_core::source_of(&snapshot, "kubectl-dump", "fixtures/not-ready-3.18");
//! let now = jiff::Timestamp::UNIX_EPOCH;
//! let options = checker_core::engine::Options::default();
//! let report = checker_core::check(&pack, &snapshot, &options, tool, source, now);
//! assert_eq!(report.verdict, Verdict::NotReady);
//! let failed: Vec<_> = report.results.iter().filter(|r| r.status == Status::Fail).collect();
//! assert!(failed.iter().any(|r| r.rule == "KubernetesVersionSupported"
//!     && r.subject.get("cluster").map(String::as_str) == Some("global")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod cel;
#[cfg(feature = "io")]
pub mod collect;
pub mod dump;
pub mod engine;
pub mod facts;
pub mod host;
pub mod lang;
pub mod plan;
mod pruned;
pub mod rbac;
pub mod reads;
pub mod report;
pub mod rules;
pub mod schemas;
pub mod snapshot;
pub mod version;

use report::{PackInfo, Report, Source, Summary, Tool, Verdict};

/// Describes where a snapshot came from: `kind` is `live`, `snapshot` (a file) or
/// `kubectl-dump` (a directory); `location` the API server, file or directory.
pub fn source_of(snapshot: &snapshot::Snapshot, kind: &str, location: &str) -> Source {
    Source {
        kind: kind.to_string(),
        location: location.to_string(),
        collected_at: snapshot.collected_at.clone(),
        collected_by: snapshot.collector.method.clone(),
        insecure_skip_tls_verify: snapshot.collector.insecure_skip_tls_verify,
    }
}

/// Derives the facts of a snapshot, evaluates a pack's phase against them with the operator's
/// options (excluded rules are reported as `excluded`), and builds the report made at `now`
/// (the caller's clock, so the result is reproducible).
pub fn check(
    pack: &rules::RulePack,
    snapshot: &snapshot::Snapshot,
    options: &engine::Options,
    tool: Tool,
    source: Source,
    now: jiff::Timestamp,
) -> Report {
    let facts = facts::Facts::derive(snapshot);
    let mut results = engine::evaluate_selected(pack, &facts, options);
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    rules::waivers::apply(&mut results, &options.waivers, today, options.lang);
    Report {
        schema_version: report::REPORT_SCHEMA_VERSION,
        tool,
        language: options.lang,
        target: pack.target.clone(),
        phase: pack.phase,
        from: options.from.clone(),
        pack: PackInfo {
            name: pack.name.clone(),
            origin: pack.origin.clone(),
            preview: pack.preview,
            chosen: None,
        },
        source,
        generated_at: now.to_string(),
        verdict: Verdict::of(&results),
        scope: snapshot.manifest.as_ref().and_then(|m| {
            m.selected_clusters
                .clone()
                .map(|selected| report::CheckedScope {
                    selected,
                    platform: m.platform_clusters.clone(),
                })
        }),
        summary: Summary::of(&results),
        results,
        facts,
    }
}
