//! The upgrade plan: the order of work, computed from a report. No IO.
//!
//! ACP upgrades the global cluster first (in a disaster-recovery pair, the standby global, then
//! the primary), then the workload clusters, at most [`MAX_WAVE_SIZE`] at a time. The plan is
//! that order as steps: the standby (when one was collected), the global, then waves of the
//! workload clusters that are ready, in report order. A cluster with a failed blocker, or with a
//! check that could not be evaluated, is held back with the reasons, since a cluster in a wave
//! must be ready. Platform-level results (the upgrade path, the host's free space) are the
//! global's. When the global side is held back, the later steps are still listed, marked as
//! waiting for it.
//!
//! The JSON form is a documented, versioned contract (`docs/plan-format.md`); bump
//! [`PLAN_SCHEMA_VERSION`] on any incompatible change.

use serde::{Deserialize, Serialize};

use crate::facts::Fact;
use crate::report::{Report, RuleResult, Status};
use crate::rules::{Phase, Severity};
use crate::version::Version;

/// The phase of a plan written before phases existed.
fn pre_phase() -> Phase {
    Phase::Pre
}

/// The workload clusters whose recorded ACP version (`distribution.version`) is the target's
/// `major.minor`.
fn at_target(report: &Report) -> Vec<String> {
    let Fact::Known(clusters) = &report.facts.clusters else {
        return Vec::new();
    };
    clusters
        .iter()
        .filter(|c| c.base.role != "global")
        .filter(|c| {
            c.families
                .get("distribution")
                .and_then(|f| f.fact.known())
                .and_then(|d| d.get("version"))
                .and_then(serde_json::Value::as_str)
                .and_then(|v| Version::parse(v).ok())
                .is_some_and(|v| v.major_minor() == report.target)
        })
        .map(|c| c.base.name.clone())
        .collect()
}
use crate::snapshot::Snapshot;

/// Version of the JSON plan schema.
pub const PLAN_SCHEMA_VERSION: u32 = 1;

/// The most workload clusters the upgrade guide allows to upgrade at the same time.
pub const MAX_WAVE_SIZE: usize = 20;

/// Checks a wave size: from 1 to [`MAX_WAVE_SIZE`].
pub fn check_wave_size(size: usize) -> Result<usize, String> {
    match size {
        0 => Err("a wave needs at least 1 cluster".to_string()),
        n if n > MAX_WAVE_SIZE => Err(format!(
            "the upgrade guide allows at most {MAX_WAVE_SIZE} workload clusters upgrading at \
             the same time; give {MAX_WAVE_SIZE} or fewer"
        )),
        n => Ok(n),
    }
}

/// The clusters of the platform, in the order the report lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// The global cluster.
    pub global: String,
    /// The standby global cluster of a disaster-recovery pair, when it was collected.
    pub standby: Option<String>,
    /// The workload clusters.
    pub workloads: Vec<String>,
}

impl Platform {
    /// The clusters of a checked snapshot: the global (the first record), the standby record,
    /// and the workload clusters of the platform's cluster list as the report's facts hold it
    /// (the snapshot's other records when the list could not be read).
    pub fn of(report: &Report, snapshot: &Snapshot) -> Platform {
        let global = snapshot
            .clusters
            .first()
            .map(|c| c.name.clone())
            .unwrap_or_else(|| "global".to_string());
        let workloads = match &report.facts.clusters {
            Fact::Known(clusters) => clusters
                .iter()
                .filter(|c| c.base.role != "global" && c.base.name != global)
                .map(|c| c.base.name.clone())
                .collect(),
            Fact::Unknown(_) => snapshot
                .clusters
                .iter()
                .skip(1)
                .map(|c| c.name.clone())
                .collect(),
        };
        Platform {
            global,
            standby: snapshot.standby.as_ref().map(|s| s.name.clone()),
            workloads,
        }
    }
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// Upgrade the standby global cluster (disaster recovery).
    Standby,
    /// Upgrade the (primary) global cluster.
    Global,
    /// Upgrade a wave of workload clusters.
    WorkloadWave,
}

/// A result worth knowing about: an advisory, or the reason a cluster is held back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Rule ID.
    pub rule: String,
    /// The result's status (`fail`, `error`, `warn`, `info`).
    pub status: Status,
    /// What the result is about when it is not the cluster itself: `platform`, or a host path
    /// (`cp-1:/cpaas/minio`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// What was found, in words.
    pub message: String,
}

/// One cluster of a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedCluster {
    /// Cluster name.
    pub name: String,
    /// Whether any check was evaluated about this cluster (for the standby global: a
    /// platform-level check, or one that names it).
    pub checked: bool,
    /// Warnings and information to know before upgrading it.
    pub advisories: Vec<Note>,
}

/// One step of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// What the step does.
    pub kind: StepKind,
    /// Its position, from 1.
    pub number: usize,
    /// For a workload wave, its position among the waves, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wave: Option<usize>,
    /// The clusters it upgrades.
    pub clusters: Vec<PlannedCluster>,
    /// Whether this step's cluster is held back (the standby and global steps only; held-back
    /// workload clusters are in no wave).
    pub held_back: bool,
    /// Whether the step cannot start because the standby or the global cluster, upgraded
    /// before it, is held back.
    pub waits_for_global: bool,
    /// Whether the step is behind: in the phases after the global upgrade, the standby and
    /// global steps were done (when held back, they did not finish).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub done: bool,
}

/// A cluster that must not be upgraded yet, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldBack {
    /// Cluster name.
    pub cluster: String,
    /// `standby`, `global` or `workload`.
    pub role: String,
    /// The failed blockers and the checks that could not be evaluated.
    pub reasons: Vec<Note>,
}

/// The plan's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanVerdict {
    /// Nothing is held back: every step can go ahead in order.
    Ready,
    /// A failed blocker holds a cluster back.
    Blocked,
    /// Checks that could not be evaluated hold a cluster back, and no blocker failed.
    Incomplete,
}

impl PlanVerdict {
    /// Lower-case name, as in the JSON plan.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanVerdict::Ready => "ready",
            PlanVerdict::Blocked => "blocked",
            PlanVerdict::Incomplete => "incomplete",
        }
    }
}

/// The order of work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradePlan {
    /// [`PLAN_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Target ACP version.
    pub target: String,
    /// The phase the checks were made in (`pre`, `workload`, `post`).
    #[serde(default = "pre_phase")]
    pub phase: Phase,
    /// In the phases after the global upgrade: the workload clusters that already run the
    /// target version and need nothing, so are in no wave.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upgraded: Vec<String>,
    /// The most workload clusters per wave.
    pub wave_size: usize,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// The clusters that must not be upgraded yet, with the reasons: the global side first,
    /// then workload clusters in report order.
    pub held_back: Vec<HeldBack>,
    /// Workload clusters of the platform that were not checked (`--clusters` selected others),
    /// so are in no step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_checked: Vec<String>,
    /// Rules the operator excluded (`--skip`, `--skip-host`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<String>,
    /// The verdict.
    pub verdict: PlanVerdict,
}

/// The results about one cluster, sorted into reasons to hold it back and advisories.
#[derive(Debug, Default)]
struct Sorted {
    checked: bool,
    reasons: Vec<Note>,
    advisories: Vec<Note>,
}

impl Sorted {
    /// Sorts in a result; returns it as a reason to hold back, when it is one.
    fn add(&mut self, result: &RuleResult, subject: Option<String>) -> Option<Note> {
        let note = || Note {
            rule: result.rule.clone(),
            status: result.status,
            subject: subject.clone(),
            message: result.message.clone(),
        };
        if result.status != Status::Excluded {
            self.checked = true;
        }
        match result.status {
            Status::Fail if result.severity == Severity::Blocker => {}
            Status::Error => {}
            // A waived result holds nothing back; it is still shown.
            Status::Fail | Status::Warn | Status::Info | Status::Waived => {
                self.advisories.push(note());
                return None;
            }
            Status::Pass | Status::Skipped | Status::Excluded => return None,
        }
        self.reasons.push(note());
        Some(note())
    }

    fn held(&self) -> bool {
        !self.reasons.is_empty()
    }

    fn planned(&self, name: &str) -> PlannedCluster {
        PlannedCluster {
            name: name.to_string(),
            checked: self.checked,
            advisories: self.advisories.clone(),
        }
    }
}

/// The plan for a report's results on these clusters, in waves of at most `wave_size`
/// workload clusters (1 to [`MAX_WAVE_SIZE`]). A cluster a result names that the platform's
/// list does not is planned as a workload cluster after the others, so no result is lost.
pub fn plan(report: &Report, platform: &Platform, wave_size: usize) -> Result<UpgradePlan, String> {
    let wave_size = check_wave_size(wave_size)?;
    // The standby has results of its own only when it has a name of its own.
    let standby = platform
        .standby
        .as_ref()
        .filter(|name| **name != platform.global);
    let mut workloads: Vec<(String, Sorted)> = platform
        .workloads
        .iter()
        .filter(|name| **name != platform.global && Some(*name) != standby)
        .map(|name| (name.clone(), Sorted::default()))
        .collect();
    let mut global = Sorted::default();
    let mut standby_sorted = Sorted::default();
    let mut excluded = Vec::new();
    for result in &report.results {
        if result.status == Status::Excluded && !excluded.contains(&result.rule) {
            excluded.push(result.rule.clone());
        }
        match result.subject.get("cluster") {
            None => {
                // The standby is upgraded first: what the platform as a whole is not ready
                // for (the upgrade path, the package's space, disaster recovery) holds it
                // back too. Advisories stay with the global.
                let reason = global.add(result, Some(result.subject_text()));
                if platform.standby.is_some() {
                    // Platform-level facts cover the pair (disaster recovery compares them).
                    standby_sorted.checked |= result.status != Status::Excluded;
                    standby_sorted.reasons.extend(reason);
                }
            }
            Some(name) if *name == platform.global => {
                global.add(result, None);
            }
            Some(name) if Some(name) == standby => {
                standby_sorted.add(result, None);
            }
            Some(name) => {
                let index = match workloads.iter().position(|(n, _)| n == name) {
                    Some(index) => index,
                    None => {
                        workloads.push((name.clone(), Sorted::default()));
                        workloads.len() - 1
                    }
                };
                workloads[index].1.add(result, None);
            }
        }
    }

    // After the global upgrade, the global steps are behind, and workload clusters already at
    // the target with nothing to fix need no wave.
    let later = report.phase != Phase::Pre;
    let done_already = if later { at_target(report) } else { Vec::new() };
    let mut steps = Vec::new();
    let mut held_back = Vec::new();
    let mut upgraded = Vec::new();
    let mut global_side_held = false;
    if let Some(name) = &platform.standby {
        let held = standby_sorted.held();
        steps.push(Step {
            kind: StepKind::Standby,
            number: steps.len() + 1,
            wave: None,
            clusters: vec![standby_sorted.planned(name)],
            held_back: held,
            waits_for_global: false,
            done: later,
        });
        if held {
            held_back.push(HeldBack {
                cluster: name.clone(),
                role: "standby".to_string(),
                reasons: standby_sorted.reasons.clone(),
            });
        }
        global_side_held = held;
    }
    let global_held = global.held();
    steps.push(Step {
        kind: StepKind::Global,
        number: steps.len() + 1,
        wave: None,
        clusters: vec![global.planned(&platform.global)],
        held_back: global_held,
        waits_for_global: global_side_held,
        done: later,
    });
    if global_held {
        held_back.push(HeldBack {
            cluster: platform.global.clone(),
            role: "global".to_string(),
            reasons: global.reasons.clone(),
        });
    }
    global_side_held |= global_held;

    let mut ready = Vec::new();
    for (name, sorted) in &workloads {
        if sorted.held() {
            held_back.push(HeldBack {
                cluster: name.clone(),
                role: "workload".to_string(),
                reasons: sorted.reasons.clone(),
            });
        } else if done_already.contains(name) {
            upgraded.push(name.clone());
        } else {
            ready.push(sorted.planned(name));
        }
    }
    for (index, wave) in ready.chunks(wave_size).enumerate() {
        steps.push(Step {
            kind: StepKind::WorkloadWave,
            number: steps.len() + 1,
            wave: Some(index + 1),
            clusters: wave.to_vec(),
            held_back: false,
            waits_for_global: global_side_held,
            done: false,
        });
    }

    let reasons = || held_back.iter().flat_map(|h| &h.reasons);
    let verdict = if reasons().any(|r| r.status == Status::Fail) {
        PlanVerdict::Blocked
    } else if held_back.is_empty() {
        PlanVerdict::Ready
    } else {
        PlanVerdict::Incomplete
    };
    let not_checked = match &report.scope {
        Some(scope) => scope
            .platform
            .iter()
            .flatten()
            .filter(|name| !scope.selected.contains(name) && **name != platform.global)
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    Ok(UpgradePlan {
        schema_version: PLAN_SCHEMA_VERSION,
        target: report.target.clone(),
        phase: report.phase,
        upgraded,
        wave_size,
        steps,
        held_back,
        not_checked,
        excluded,
        verdict,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::facts::Facts;
    use crate::report::{PackInfo, Source, Summary, Tool, Verdict};

    fn result(rule: &str, severity: Severity, status: Status, cluster: Option<&str>) -> RuleResult {
        RuleResult {
            rule: rule.to_string(),
            title: rule.to_string(),
            severity,
            step: None,
            status,
            subject: cluster
                .map(|c| BTreeMap::from([("cluster".to_string(), c.to_string())]))
                .unwrap_or_default(),
            observed: serde_json::Value::Null,
            expected: String::new(),
            message: format!("{rule} {}", status.as_str()),
            remediation: String::new(),
            docs: String::new(),
            waiver: None,
        }
    }

    fn report(results: Vec<RuleResult>) -> Report {
        Report {
            schema_version: crate::report::REPORT_SCHEMA_VERSION,
            language: crate::lang::Lang::En,
            tool: Tool {
                name: "t".to_string(),
                version: "0".to_string(),
            },
            target: "4.1".to_string(),
            phase: crate::rules::Phase::Pre,
            from: None,
            pack: PackInfo {
                name: "acp-4.1".to_string(),
                origin: "bundled".to_string(),
                preview: false,
                chosen: None,
            },
            source: Source {
                kind: "snapshot".to_string(),
                location: "x".to_string(),
                collected_at: String::new(),
                collected_by: "fixture".to_string(),
                insecure_skip_tls_verify: false,
            },
            generated_at: String::new(),
            verdict: Verdict::of(&results),
            scope: None,
            summary: Summary::of(&results),
            results,
            facts: Facts {
                platform: BTreeMap::new(),
                clusters: Fact::Known(Vec::new()),
            },
        }
    }

    fn platform(workloads: usize, standby: bool) -> Platform {
        Platform {
            global: "global".to_string(),
            standby: standby.then(|| "global".to_string()),
            workloads: (1..=workloads).map(|i| format!("w{i:02}")).collect(),
        }
    }

    /// Each wave's size.
    fn waves(plan: &UpgradePlan) -> Vec<usize> {
        plan.steps
            .iter()
            .filter(|s| s.kind == StepKind::WorkloadWave)
            .map(|s| s.clusters.len())
            .collect()
    }

    #[test]
    fn waves_are_chunks_of_the_ready_workload_clusters() {
        let cases: &[(usize, usize, &[usize])] = &[
            (0, 20, &[]),
            (1, 20, &[1]),
            (20, 20, &[20]),
            (21, 20, &[20, 1]),
            (45, 20, &[20, 20, 5]),
            (45, 7, &[7, 7, 7, 7, 7, 7, 3]),
            (3, 1, &[1, 1, 1]),
        ];
        for (clusters, size, expected) in cases {
            let plan = plan(&report(Vec::new()), &platform(*clusters, false), *size).unwrap();
            assert_eq!(
                waves(&plan),
                *expected,
                "{clusters} clusters in waves of {size}"
            );
            assert_eq!(plan.verdict, PlanVerdict::Ready);
            assert_eq!(plan.steps[0].kind, StepKind::Global);
            let numbers: Vec<usize> = plan.steps.iter().map(|s| s.number).collect();
            assert_eq!(numbers, (1..=plan.steps.len()).collect::<Vec<_>>());
            let order: Vec<&str> = plan
                .steps
                .iter()
                .skip(1)
                .flat_map(|s| s.clusters.iter().map(|c| c.name.as_str()))
                .collect();
            assert_eq!(order, platform(*clusters, false).workloads, "report order");
        }
    }

    #[test]
    fn wave_sizes_beyond_the_guide_are_refused() {
        for size in [0, 21, 100] {
            let error = plan(&report(Vec::new()), &platform(3, false), size).unwrap_err();
            assert!(
                error.contains("at least 1") || error.contains("at most 20"),
                "{error}"
            );
        }
        assert_eq!(check_wave_size(20), Ok(20));
        assert_eq!(check_wave_size(1), Ok(1));
    }

    #[test]
    fn held_back_by_a_failed_blocker_or_a_check_not_evaluated() {
        use Severity::{Blocker, Info, Warning};
        use Status::{Error, Fail, Info as InfoStatus, Pass, Warn};
        /// Results on w02 (severity, status), whether it is held back, the verdict.
        type Case<'a> = (&'a [(Severity, Status)], bool, PlanVerdict);
        let cases: &[Case] = &[
            (&[(Blocker, Pass)], false, PlanVerdict::Ready),
            (&[(Blocker, Fail)], true, PlanVerdict::Blocked),
            (&[(Blocker, Error)], true, PlanVerdict::Incomplete),
            (&[(Warning, Error)], true, PlanVerdict::Incomplete),
            (
                &[(Blocker, Error), (Blocker, Fail)],
                true,
                PlanVerdict::Blocked,
            ),
            (&[(Warning, Warn)], false, PlanVerdict::Ready),
            (&[(Warning, Fail)], false, PlanVerdict::Ready),
            (&[(Info, InfoStatus)], false, PlanVerdict::Ready),
            (&[(Blocker, Status::Skipped)], false, PlanVerdict::Ready),
        ];
        for (results, held, verdict) in cases {
            let results: Vec<RuleResult> = results
                .iter()
                .enumerate()
                .map(|(i, (severity, status))| {
                    result(&format!("R{i}"), *severity, *status, Some("w02"))
                })
                .collect();
            let plan = plan(&report(results.clone()), &platform(3, false), 20).unwrap();
            let case = format!("{results:?}");
            assert_eq!(plan.verdict, *verdict, "{case}");
            let in_waves: Vec<&str> = plan
                .steps
                .iter()
                .filter(|s| s.kind == StepKind::WorkloadWave)
                .flat_map(|s| s.clusters.iter().map(|c| c.name.as_str()))
                .collect();
            if *held {
                assert_eq!(in_waves, ["w01", "w03"], "{case}");
                assert_eq!(plan.held_back.len(), 1, "{case}");
                assert_eq!(plan.held_back[0].cluster, "w02");
                assert_eq!(plan.held_back[0].role, "workload");
                assert_eq!(plan.held_back[0].reasons.len(), results.len(), "{case}");
                assert_eq!(plan.held_back[0].reasons[0].rule, "R0");
                assert_eq!(plan.held_back[0].reasons[0].message, results[0].message);
            } else {
                assert_eq!(in_waves, ["w01", "w02", "w03"], "{case}");
                assert!(plan.held_back.is_empty(), "{case}");
                let advisories = &plan.steps[1].clusters[1].advisories;
                let expected =
                    usize::from(results[0].status != Pass && results[0].status != Status::Skipped);
                assert_eq!(advisories.len(), expected, "{case}");
            }
            assert!(plan.steps.iter().all(|s| !s.waits_for_global), "{case}");
        }
    }

    #[test]
    fn a_held_back_global_makes_the_waves_wait() {
        for (result, verdict) in [
            (
                result("VersionUpgradePath", Severity::Blocker, Status::Fail, None),
                PlanVerdict::Blocked,
            ),
            (
                result(
                    "KubernetesVersionSupported",
                    Severity::Blocker,
                    Status::Fail,
                    Some("global"),
                ),
                PlanVerdict::Blocked,
            ),
            (
                result("MinioDiskSpace", Severity::Blocker, Status::Error, None),
                PlanVerdict::Incomplete,
            ),
        ] {
            let platform_level = result.subject.is_empty();
            let plan = plan(&report(vec![result]), &platform(25, false), 20).unwrap();
            assert_eq!(plan.verdict, verdict);
            assert!(plan.steps[0].held_back);
            assert_eq!(plan.held_back.len(), 1);
            assert_eq!(plan.held_back[0].cluster, "global");
            assert_eq!(plan.held_back[0].role, "global");
            let subject = plan.held_back[0].reasons[0].subject.as_deref();
            assert_eq!(subject, platform_level.then_some("platform"));
            assert_eq!(waves(&plan), [20, 5], "the waves are still listed");
            assert!(plan.steps[1..].iter().all(|s| s.waits_for_global));
        }
    }

    #[test]
    fn a_standby_global_goes_first() {
        let results = vec![
            result(
                "KubernetesUpgradeRestartsPods",
                Severity::Warning,
                Status::Warn,
                Some("global"),
            ),
            result(
                "ClusterRunning",
                Severity::Blocker,
                Status::Pass,
                Some("w01"),
            ),
        ];
        let plan = plan(&report(results), &platform(2, true), 20).unwrap();
        let kinds: Vec<StepKind> = plan.steps.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [StepKind::Standby, StepKind::Global, StepKind::WorkloadWave]
        );
        // Both are named `global`: the results about `global` are the primary's, and no
        // platform-level check ran.
        assert_eq!(plan.steps[0].clusters[0].name, "global");
        assert!(!plan.steps[0].clusters[0].checked);
        assert!(plan.steps[0].clusters[0].advisories.is_empty());
        assert!(plan.steps[1].clusters[0].checked);
        assert_eq!(plan.steps[1].clusters[0].advisories.len(), 1);
        assert_eq!(plan.steps[2].wave, Some(1));
        assert_eq!(plan.steps[2].number, 3);
        assert_eq!(plan.verdict, PlanVerdict::Ready);
    }

    #[test]
    fn what_the_platform_is_not_ready_for_holds_back_the_standby_too() {
        let results = vec![
            result("VersionUpgradePath", Severity::Blocker, Status::Fail, None),
            result(
                "KubernetesVersionSupported",
                Severity::Blocker,
                Status::Fail,
                Some("global"),
            ),
            result(
                "ResourcePatchUpgradeable",
                Severity::Warning,
                Status::Warn,
                None,
            ),
        ];
        let plan = plan(&report(results), &platform(1, true), 20).unwrap();
        assert!(plan.steps[0].held_back && plan.steps[1].held_back);
        assert!(plan.steps[1].waits_for_global && plan.steps[2].waits_for_global);
        let reasons = |i: usize| -> Vec<&str> {
            plan.held_back[i]
                .reasons
                .iter()
                .map(|r| r.rule.as_str())
                .collect()
        };
        assert_eq!(plan.held_back[0].role, "standby");
        assert_eq!(reasons(0), ["VersionUpgradePath"]);
        assert!(plan.steps[0].clusters[0].checked);
        assert_eq!(plan.held_back[1].role, "global");
        assert_eq!(
            reasons(1),
            ["VersionUpgradePath", "KubernetesVersionSupported"]
        );
        assert!(plan.steps[0].clusters[0].advisories.is_empty());
        assert_eq!(plan.steps[1].clusters[0].advisories.len(), 1);
    }

    #[test]
    fn a_held_back_standby_with_its_own_name_holds_up_the_global_and_the_waves() {
        let results = vec![result(
            "ClusterRunning",
            Severity::Blocker,
            Status::Fail,
            Some("dr"),
        )];
        let mut platform = platform(2, true);
        platform.standby = Some("dr".to_string());
        let plan = plan(&report(results), &platform, 20).unwrap();
        assert!(plan.steps[0].held_back);
        assert!(!plan.steps[1].held_back);
        assert!(plan.steps[1].waits_for_global);
        assert!(plan.steps[2].waits_for_global);
        assert_eq!(plan.held_back[0].role, "standby");
        assert_eq!(plan.verdict, PlanVerdict::Blocked);
    }

    #[test]
    fn a_cluster_only_the_results_name_is_planned_last() {
        let results = vec![result(
            "ClusterRunning",
            Severity::Blocker,
            Status::Pass,
            Some("zz"),
        )];
        let plan = plan(&report(results), &platform(1, false), 20).unwrap();
        let names: Vec<&str> = plan.steps[1]
            .clusters
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, ["w01", "zz"]);
        assert!(!plan.steps[1].clusters[0].checked);
        assert!(plan.steps[1].clusters[1].checked);
    }

    #[test]
    fn excluded_rules_are_named_once() {
        let results = vec![
            result("MinioDiskSpace", Severity::Blocker, Status::Excluded, None),
            result("MinioDiskSpace", Severity::Blocker, Status::Excluded, None),
        ];
        let plan = plan(&report(results), &platform(0, false), 20).unwrap();
        assert_eq!(plan.excluded, ["MinioDiskSpace"]);
        assert_eq!(plan.verdict, PlanVerdict::Ready);
    }

    #[test]
    fn json_names() {
        let plan = plan(&report(Vec::new()), &platform(1, true), 20).unwrap();
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(json["schema_version"], 1);
        assert_eq!(json["steps"][0]["kind"], "standby");
        assert_eq!(json["steps"][1]["kind"], "global");
        assert_eq!(json["steps"][2]["kind"], "workload-wave");
        assert_eq!(json["verdict"], "ready");
        assert!(json.get("excluded").is_none());
    }
}
