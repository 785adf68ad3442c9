//! Faults on every read the rules depend on: the fault matrix, and the messages of two faults
//! that are easy to word wrongly.
//!
//! The matrix runs `check` against the test API server serving `fixtures/ready-3.18` (with the
//! CustomResourceDefinition of every custom kind read, so every list is served) once per
//! (read the bundled 4.1 pack depends on) × (cluster: the global one, and one workload cluster
//! for reads made on every cluster) × (fault). With the catalogue of this writing (4 reads on the
//! global cluster, 7 on every cluster: 18 read × cluster pairs) and the 21 faults of [`faults`]
//! (4 of which need a list, so do not apply to the `/version` GET), that is
//! 18 × 21 − 2 × 4 = 370 cases. The reads, their request paths and the results depending on each
//! are derived at run time from the catalogue and the compiled rules, never listed here.
//!
//! Every case must end within its deadline, exit with a documented code, never panic and send
//! only GETs; the fault must have been hit. A fault the client is expected to recover from (a
//! 410 or a 429 once, a slow body, a delay within the request timeout, a huge but valid list)
//! must give exactly the results of the unfaulted run. Every other fault must leave no result
//! that depends on the faulted read `pass` — unless every fact the rule reads is what the
//! unfaulted run established (a fact family that falls back on another read): such passes are
//! listed in the output, not failed — and the results that do not depend on it as they were.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use checker_core::reads::{self, Read, ReadOn};
use checker_core::rules::{Rule, RulePack, Scope};
use serde_json::Value;
use tempfile::TempDir;
use test_apiserver::{FaultAction, FaultRule, Platform, ServerOptions, TestApiServer};

use crate::common::{acp, fixture};

/// The bearer token the server requires.
const TOKEN: &str = "faults-t0ken-3d1f";
/// The recorded platform the matrix runs on: every blocking check passes on it.
const SCENARIO: &str = "ready-3.18";
/// The workload cluster faults are injected on for reads made on every cluster: the one of
/// [`SCENARIO`] where every check applies (service mesh, Elasticsearch).
const WORKLOAD: &str = "prod-1";
/// `--request-timeout` of every run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// `--deadline` of every run.
const DEADLINE: Duration = Duration::from_secs(10);
/// How long after its deadline a run may still take (start, evaluation, output) before it is
/// a failure; it is killed at twice that.
const GRACE: Duration = Duration::from_secs(5);
/// Cases run at the same time, each worker with a server of its own.
const WORKERS: usize = 4;
/// Exit codes a `check` may end with (README, `--help`): ready, not ready, warnings,
/// incomplete. Usage (2) and internal (1) errors are not outcomes of a fault on a read.
const VERDICT_CODES: [i32; 4] = [0, 3, 4, 5];

/// One fault of the matrix.
struct Fault {
    name: &'static str,
    action: FaultAction,
    /// How many requests it applies to; `None` for all of them.
    times: Option<u32>,
    /// The client is expected to get the right answer anyway.
    recovers: bool,
    /// It only means something for a list (a continue token, items).
    list_only: bool,
    /// `--request-timeout` of its runs: [`REQUEST_TIMEOUT`], except where the fault is about
    /// size rather than time.
    request_timeout: Duration,
}

/// Every fault, on the read's own request (its list, or its GET).
fn faults() -> Vec<Fault> {
    let fault = |name, action, times, recovers, list_only| Fault {
        name,
        action,
        times,
        recovers,
        list_only,
        request_timeout: REQUEST_TIMEOUT,
    };
    let past_timeout = REQUEST_TIMEOUT + Duration::from_secs(2);
    vec![
        fault("401", FaultAction::Unauthorized, None, false, false),
        fault(
            "403",
            FaultAction::Forbidden {
                user: "system:serviceaccount:cpaas-system:preflight".to_string(),
            },
            None,
            false,
            false,
        ),
        fault("404 while served", FaultAction::NotFound, None, false, true),
        fault(
            "410 once",
            FaultAction::ExpireAfterFirstPage,
            Some(1),
            true,
            true,
        ),
        fault(
            "410 always",
            FaultAction::ExpireAfterFirstPage,
            None,
            false,
            true,
        ),
        fault(
            "429 once",
            FaultAction::TooManyRequests,
            Some(1),
            true,
            false,
        ),
        // No wait asked for: the client's own backoff spaces the retries.
        fault(
            "429 always",
            FaultAction::TooManyRequestsRetryAfter(0),
            None,
            false,
            false,
        ),
        fault(
            "429 once, Retry-After of centuries",
            FaultAction::TooManyRequestsRetryAfter(u64::MAX),
            Some(1),
            true,
            false,
        ),
        fault("500", FaultAction::InternalError, None, false, false),
        fault("502 HTML", FaultAction::BadGateway, None, false, false),
        fault("503", FaultAction::ServiceUnavailable, None, false, false),
        fault(
            "connection dropped",
            FaultAction::DropConnection,
            None,
            false,
            false,
        ),
        fault("body cut", FaultAction::CutBody, None, false, false),
        fault(
            "slow body",
            FaultAction::SlowBody {
                chunks: 5,
                pause: Duration::from_millis(100),
            },
            None,
            true,
            false,
        ),
        fault(
            "delay within the timeout",
            FaultAction::Delay(REQUEST_TIMEOUT / 4),
            None,
            true,
            false,
        ),
        // The shortest request timeout the CLI takes, so that the case costs one second.
        Fault {
            request_timeout: Duration::from_secs(1),
            ..fault(
                "delay past the timeout",
                FaultAction::Delay(past_timeout),
                None,
                false,
                false,
            )
        },
        fault(
            "truncated JSON",
            FaultAction::TruncatedJson,
            None,
            false,
            false,
        ),
        fault(
            "Status instead of the answer",
            FaultAction::StatusInsteadOfList,
            None,
            false,
            false,
        ),
        fault("{}", FaultAction::EmptyObject, None, false, false),
        fault(
            "items not objects",
            FaultAction::NonObjectItems,
            None,
            false,
            true,
        ),
        // Unoptimised TLS and JSON on both ends take seconds for a few MiB on a busy machine:
        // this one is about size, so its requests have time.
        Fault {
            request_timeout: DEADLINE - Duration::from_secs(2),
            ..fault(
                "huge list",
                FaultAction::HugeList(4 << 20),
                None,
                true,
                false,
            )
        },
    ]
}

/// What a read's own request is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Request {
    /// A list (paginated): `GET <path>?limit=...`.
    List(String),
    /// One object: `GET <path>`.
    Get(String),
}

impl Request {
    fn path(&self) -> &str {
        match self {
            Request::List(path) | Request::Get(path) => path,
        }
    }
}

/// The request a read makes, as the server sees its path (after `/kubernetes/<cluster>`). A
/// read with a field this does not know about fails the test: the new field may change the
/// request, and a fault on the wrong path would test nothing.
fn request_of(read: &Read) -> Request {
    const KNOWN: [&str; 13] = [
        "id",
        "group",
        "versions",
        "kind",
        "plural",
        "namespace",
        "label_selector",
        "path",
        // A text answer is still one GET of `path`.
        "text",
        "on",
        "custom",
        // Found by discovery: the matrix serves it in its own group (see `platform`).
        "short_name",
        "purpose",
    ];
    let fields = serde_json::to_value(read).expect("a read as JSON");
    for field in fields.as_object().expect("a read is an object").keys() {
        assert!(
            KNOWN.contains(&field.as_str()),
            "read {}: the fault matrix does not know the catalogue field `{field}`; teach \
             `request_of` (tests/e2e/faults.rs) what request it makes",
            read.id
        );
    }
    if let Some(path) = read.path {
        // Faults match the path; a query string (a Prometheus query) is not part of it.
        let path = path.split_once('?').map_or(path, |(path, _)| path);
        return Request::Get(path.to_string());
    }
    let (group, version) = served_at(read);
    let base = if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    };
    // The label selector is in the query, which does not change the path.
    Request::List(match read.namespace {
        Some(ns) => format!("{base}/namespaces/{ns}/{}", read.plural),
        None => format!("{base}/{}", read.plural),
    })
}

/// The group a kind found by short name is served in on the matrix's platform (its real group
/// is not published).
const DISCOVERED_GROUP: &str = "discovered.preflight.test";

/// The group and version a read's list is served at on the matrix's platform.
fn served_at(read: &Read) -> (&'static str, &'static str) {
    if read.short_name.is_some() {
        return (DISCOVERED_GROUP, "v1");
    }
    let version = read
        .versions
        .first()
        .unwrap_or_else(|| panic!("read {}: neither a path nor a version", read.id));
    (read.group, version)
}

/// How a rule depends on one read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dependency {
    read: &'static Read,
    /// Only the result for the cluster the read was made on depends on it (a cluster rule
    /// reading `cluster.<family>`); otherwise every result of the rule does.
    own_cluster_only: bool,
}

/// The reads each rule of the pack depends on, through its fact paths and the rules it
/// requires.
fn dependencies(pack: &RulePack) -> BTreeMap<String, Vec<Dependency>> {
    fn direct(rule: &Rule) -> Vec<Dependency> {
        let mut found = Vec::new();
        for path in &rule.reads {
            let root = path.split('.').next().unwrap_or_default();
            for read in checker_core::facts::reads_for([path.as_str()]) {
                found.push(Dependency {
                    read,
                    own_cluster_only: root == "cluster"
                        && rule.scope == Scope::Cluster
                        && read.on == ReadOn::EveryCluster,
                });
            }
        }
        found
    }
    fn collect(pack: &RulePack, rule: &Rule, seen: &mut BTreeSet<String>) -> Vec<Dependency> {
        if !seen.insert(rule.id.clone()) {
            return Vec::new();
        }
        let mut all = direct(rule);
        for required in &rule.requires {
            let required = pack
                .rule(required)
                .unwrap_or_else(|| panic!("{} requires {required}, not in the pack", rule.id));
            all.extend(collect(pack, required, seen));
        }
        all
    }
    pack.rules
        .iter()
        .map(|rule| {
            let mut deps = collect(pack, rule, &mut BTreeSet::new());
            deps.dedup();
            (rule.id.clone(), deps)
        })
        .collect()
}

/// The fact paths each rule of the pack reads, with those of the rules it requires.
fn fact_paths(pack: &RulePack) -> BTreeMap<String, BTreeSet<String>> {
    fn collect(pack: &RulePack, rule: &Rule, into: &mut BTreeSet<String>, seen: &mut Vec<String>) {
        if seen.contains(&rule.id) {
            return;
        }
        seen.push(rule.id.clone());
        into.extend(rule.reads.iter().cloned());
        for required in rule.requires.iter().filter_map(|id| pack.rule(id)) {
            collect(pack, required, into, seen);
        }
    }
    pack.rules
        .iter()
        .map(|rule| {
            let mut paths = BTreeSet::new();
            collect(pack, rule, &mut paths, &mut Vec::new());
            (rule.id.clone(), paths)
        })
        .collect()
}

/// What a rule evaluated for `subject` saw of the report's facts at `paths`: for
/// `cluster.<field>` that field (a family, or an inventory field) of the subject's cluster, for
/// `clusters` every cluster, for `upgrade` the platform, else the platform-level family.
fn seen(report: &Value, paths: &BTreeSet<String>, subject: &str) -> Vec<Value> {
    let facts = &report["facts"];
    paths
        .iter()
        .map(|path| {
            let mut parts = path.split('.');
            match (parts.next().unwrap_or_default(), parts.next()) {
                ("cluster", field) => {
                    let cluster = facts["clusters"]["value"]
                        .as_array()
                        .and_then(|all| all.iter().find(|c| c["name"] == subject));
                    match (cluster, field) {
                        (Some(cluster), Some(field)) => cluster[field].clone(),
                        (Some(cluster), None) => cluster.clone(),
                        // The inventory itself is unknown.
                        (None, _) => facts["clusters"].clone(),
                    }
                }
                ("clusters", _) => facts["clusters"].clone(),
                ("upgrade", _) => facts["platform"].clone(),
                (root, _) => facts[root].clone(),
            }
        })
        .collect()
}

/// One case of the matrix.
struct Case {
    /// The reads whose request the fault hits (usually one).
    reads: Vec<&'static Read>,
    cluster: String,
    request: Request,
    fault: usize,
}

impl Case {
    fn name(&self, faults: &[Fault]) -> String {
        let ids: Vec<&str> = self.reads.iter().map(|r| r.id).collect();
        format!(
            "{} on {} ({}): {}",
            ids.join("+"),
            self.cluster,
            self.request.path(),
            faults[self.fault].name
        )
    }
}

/// A result, as compared: (rule, subject) → (status, observed, message).
type Results = BTreeMap<(String, String), (String, String, String)>;

fn results(report: &Value) -> Results {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                (
                    r["rule"].as_str().unwrap_or_default().to_string(),
                    subject(&r["subject"]),
                ),
                (
                    r["status"].as_str().unwrap_or_default().to_string(),
                    r["observed"].to_string(),
                    r["message"].as_str().unwrap_or_default().to_string(),
                ),
            )
        })
        .collect()
}

/// `platform` for the platform, else the cluster name (host results are excluded).
fn subject(subject: &Value) -> String {
    subject["cluster"]
        .as_str()
        .unwrap_or("platform")
        .to_string()
}

/// Whether the result of `rule` for `subject` depends on the reads faulted on `cluster`.
fn depends(deps: &[Dependency], faulted: &[&Read], cluster: &str, subject: &str) -> bool {
    deps.iter().any(|d| {
        faulted.contains(&d.read)
            && match d.read.on {
                ReadOn::Global | ReadOn::Standby => true,
                ReadOn::EveryCluster => !d.own_cluster_only || subject == cluster,
            }
    })
}

/// A platform to check, and the files to reach it.
struct Live {
    server: TestApiServer,
    _dir: TempDir,
    kubeconfig: PathBuf,
}

/// [`SCENARIO`] with the CustomResourceDefinition of every custom kind of `reads` on every
/// cluster the read is made on, so that each of their lists is served (empty where the fixture
/// has no objects) and a fault on it is a fault on a served list, not on "not installed".
fn platform(reads: &[&Read]) -> Platform {
    let mut platform = Platform::load_dir(fixture(SCENARIO)).expect("fixture platform");
    let names: Vec<String> = platform.cluster_names().map(str::to_string).collect();
    for read in reads.iter().filter(|r| r.custom) {
        for name in &names {
            if read.on != ReadOn::EveryCluster && name != "global" {
                continue;
            }
            let cluster = platform.cluster_mut(name);
            let (group, version) = served_at(read);
            if !cluster.has_custom_resource(group, read.plural) {
                let mut crd = test_apiserver::custom_resource_definition(
                    group,
                    read.kind,
                    read.plural,
                    &[version],
                    read.namespace.is_some(),
                );
                if let Some(short) = read.short_name {
                    crd["spec"]["names"]["shortNames"] = serde_json::json!([short]);
                }
                cluster.add_object(crd).expect("a CRD");
            }
        }
    }
    platform
}

impl Live {
    fn start(platform: Platform) -> Live {
        let options = ServerOptions {
            token: Some(TOKEN.to_string()),
            ..ServerOptions::default()
        };
        let server = TestApiServer::start_blocking(platform, options).expect("start the server");
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            server.kubeconfig(&[("global", "global")], TOKEN),
        )
        .expect("kubeconfig");
        Live {
            server,
            _dir: dir,
            kubeconfig,
        }
    }
}

/// What one bounded run gave.
struct Bounded {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// `check -o json` of the platform, killed if it runs past its deadline and grace twice over.
fn check(kubeconfig: &Path, request_timeout: Duration) -> Bounded {
    let mut child = crate::common::binary()
        .args(["check", "--kubeconfig"])
        .arg(kubeconfig)
        .args(["--context", "global", "--skip-host", "-o", "json"])
        // The pack whose dependencies the matrix derives: not chosen by the (faulted) version.
        .args(["--target", "4.1"])
        .args(["--request-timeout", &request_timeout.as_secs().to_string()])
        .args(["--deadline", &DEADLINE.as_secs().to_string()])
        .env_remove("CLICOLOR_FORCE")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run acp-preflight");
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let started = Instant::now();
    let limit = DEADLINE + 2 * GRACE;
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Bounded {
        code,
        took: started.elapsed(),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// What went wrong in one case.
#[derive(Debug, Default)]
struct Findings {
    false_passes: Vec<String>,
    /// Results that depend on the faulted read and passed, with every fact they read as in
    /// the unfaulted run: the facts were established without the read (a fallback of the fact
    /// family), so the pass is the unfaulted one. Listed, not failed.
    tolerated: Vec<String>,
    /// (fault, seconds the run took).
    durations: Vec<(usize, f64)>,
    panics: usize,
    timeouts: usize,
    problems: Vec<String>,
}

/// Everything the matrix shares.
struct Matrix {
    faults: Vec<Fault>,
    deps: BTreeMap<String, Vec<Dependency>>,
    paths: BTreeMap<String, BTreeSet<String>>,
    baseline_report: Value,
    baseline: Results,
}

impl Matrix {
    /// Runs one case on a worker's platform and says what is wrong with it.
    fn run(&self, live: &Live, case: &Case) -> Findings {
        let fault = &self.faults[case.fault];
        let mut findings = Findings::default();
        let name = case.name(&self.faults);
        live.server.clear_faults();
        live.server.clear_requests();
        let mut rule = FaultRule::new(fault.action.clone())
            .cluster(&case.cluster)
            .path_exact(case.request.path());
        if let Some(times) = fault.times {
            rule = rule.times(times);
        }
        live.server.add_fault(rule);

        let run = check(&live.kubeconfig, fault.request_timeout);
        findings
            .durations
            .push((case.fault, run.took.as_secs_f64()));
        let requests = live.server.requests();
        let applied = live.server.applied_faults();
        let mut problem = |text: String| findings.problems.push(format!("{name}: {text}"));

        if run.stderr.contains("panicked") || run.code == Some(101) {
            findings.panics += 1;
            problem(format!("panicked: {}", run.stderr));
            return findings;
        }
        if run.code.is_none() || run.took > DEADLINE + GRACE {
            findings.timeouts += 1;
            problem(format!(
                "took {:.1}s (deadline {}s), exit {:?}",
                run.took.as_secs_f64(),
                DEADLINE.as_secs(),
                run.code
            ));
            if run.code.is_none() {
                return findings;
            }
        }
        let code = run.code.unwrap_or(-1);
        if !VERDICT_CODES.contains(&code) {
            problem(format!("exit code {code}: {}", run.stderr.trim()));
            return findings;
        }
        if let Some(r) = requests.iter().find(|r| r.method != "GET") {
            problem(format!("sent {} {}", r.method, r.path));
        }
        if applied.is_empty() {
            problem("the fault was never hit: is the request path right?".to_string());
        }
        if fault.action == FaultAction::ExpireAfterFirstPage
            && !requests
                .iter()
                .any(|r| r.status == 410 && r.path == case.request.path())
        {
            problem("the continue token was never sent back".to_string());
        }
        let report: Value = match serde_json::from_str(&run.stdout) {
            Ok(report) => report,
            Err(e) => {
                problem(format!("stdout is not JSON ({e}); stderr: {}", run.stderr));
                return findings;
            }
        };
        let got = results(&report);
        if fault.recovers {
            if got != self.baseline {
                problem(format!(
                    "expected the unfaulted results, got the differences {:#?}",
                    differences(&self.baseline, &got)
                ));
            }
            return findings;
        }
        let mut dependent = 0;
        for ((rule, subject), now) in &got {
            let deps = self.deps.get(rule).map(Vec::as_slice).unwrap_or_default();
            if depends(deps, &case.reads, &case.cluster, subject) {
                dependent += 1;
                if now.0 == "pass" {
                    let paths = &self.paths[rule];
                    let text = format!("{name}: {rule} on {subject} passed: {}", now.2);
                    if seen(&report, paths, subject) == seen(&self.baseline_report, paths, subject)
                    {
                        findings.tolerated.push(text);
                    } else {
                        findings.false_passes.push(text);
                    }
                }
            } else if self.baseline.get(&(rule.clone(), subject.clone())) != Some(now) {
                problem(format!(
                    "{rule} on {subject} does not depend on the faulted read but changed: \
                     {:?} -> {now:?}",
                    self.baseline.get(&(rule.clone(), subject.clone()))
                ));
            }
        }
        for key in self.baseline.keys() {
            let deps = self.deps.get(&key.0).map(Vec::as_slice).unwrap_or_default();
            if !got.contains_key(key) && !depends(deps, &case.reads, &case.cluster, &key.1) {
                problem(format!("{} on {} is missing", key.0, key.1));
            }
        }
        if dependent == 0 && got.len() == self.baseline.len() {
            problem("no result depends on the faulted read".to_string());
        }
        findings
    }
}

/// The results that differ between two runs, as (key, before, after).
fn differences(before: &Results, after: &Results) -> Vec<String> {
    let keys: BTreeSet<_> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| format!("{k:?}: {:?} -> {:?}", before.get(k), after.get(k)))
        .collect()
}

/// The fault matrix: every read the bundled 4.1 pack depends on × (global, and [`WORKLOAD`]
/// for reads made on every cluster) × every fault of [`faults`]: 18 × 21 − 8 = 370 cases with the
/// catalogue of this writing (see the module documentation), about 80 s on 2 cores.
#[test]
fn fault_matrix() {
    let started = Instant::now();
    let pack = checker_core::rules::for_target("4.1")
        .unwrap_or_else(|error| panic!("the bundled packs load: {}", error.render()))
        .expect("a 4.1 pack");
    let deps = dependencies(&pack);
    let needed: Vec<&'static Read> = reads::ALL
        .iter()
        .filter(|read| deps.values().flatten().any(|d| d.read == *read))
        .collect();
    assert!(!needed.is_empty(), "the pack depends on no read");
    let platform = platform(&needed);
    assert!(
        platform.cluster(WORKLOAD).is_some(),
        "{SCENARIO} has no cluster {WORKLOAD}"
    );

    // Cases: the reads a fault on one request hits are every read making that request.
    let faults = faults();
    let mut cases = Vec::new();
    let mut pairs = BTreeSet::new();
    for read in &needed {
        let clusters: &[&str] = match read.on {
            ReadOn::Global => &["global"],
            ReadOn::EveryCluster => &["global", WORKLOAD],
            // The scenario has no standby global: nothing to fault.
            ReadOn::Standby => &[],
        };
        let request = request_of(read);
        for cluster in clusters {
            if !pairs.insert((request.path().to_string(), cluster.to_string())) {
                continue;
            }
            let hit: Vec<&'static Read> = needed
                .iter()
                .copied()
                .filter(|r| request_of(r) == request)
                .filter(|r| r.on == ReadOn::EveryCluster || *cluster == "global")
                .collect();
            for (index, fault) in faults.iter().enumerate() {
                if fault.list_only && !matches!(request, Request::List(_)) {
                    continue;
                }
                cases.push(Case {
                    reads: hit.clone(),
                    cluster: cluster.to_string(),
                    request: request.clone(),
                    fault: index,
                });
            }
        }
    }

    let live = Live::start(platform.clone());
    let baseline_run = check(&live.kubeconfig, REQUEST_TIMEOUT);
    assert!(
        baseline_run
            .code
            .is_some_and(|code| VERDICT_CODES.contains(&code)),
        "the unfaulted run gives a verdict: {}",
        baseline_run.stderr
    );
    let baseline_report: Value = serde_json::from_str(&baseline_run.stdout).expect("JSON report");
    let baseline = results(&baseline_report);
    // A false pass can only show where the unfaulted run passes, and an error there would
    // hide what a fault does.
    assert!(
        baseline.values().any(|r| r.0 == "pass"),
        "the unfaulted run has passes to lose"
    );
    let unevaluated: Vec<_> = baseline.iter().filter(|(_, r)| r.0 == "error").collect();
    assert!(
        unevaluated.is_empty(),
        "the unfaulted run evaluates everything: {unevaluated:?}"
    );
    let matrix = Matrix {
        faults,
        deps,
        paths: fact_paths(&pack),
        baseline_report,
        baseline,
    };

    // Workers take the next case until there are none; each has a platform of its own.
    let next = Mutex::new(0usize);
    let findings = Mutex::new(Findings::default());
    std::thread::scope(|scope| {
        for worker in 0..WORKERS {
            let (next, findings, matrix, cases, platform) =
                (&next, &findings, &matrix, &cases, &platform);
            let live = (worker == 0).then_some(&live);
            scope.spawn(move || {
                let own;
                let live = match live {
                    Some(live) => live,
                    None => {
                        own = Live::start(platform.clone());
                        &own
                    }
                };
                loop {
                    let index = {
                        let mut next = next.lock().unwrap_or_else(|p| p.into_inner());
                        *next += 1;
                        *next - 1
                    };
                    let Some(case) = cases.get(index) else {
                        return;
                    };
                    let found = matrix.run(live, case);
                    let mut all = findings.lock().unwrap_or_else(|p| p.into_inner());
                    all.false_passes.extend(found.false_passes);
                    all.tolerated.extend(found.tolerated);
                    all.durations.extend(found.durations);
                    all.panics += found.panics;
                    all.timeouts += found.timeouts;
                    all.problems.extend(found.problems);
                }
            });
        }
    });
    let findings = findings.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut per_fault: Vec<(f64, &str)> = (0..matrix.faults.len())
        .map(|index| {
            let took: Vec<f64> = findings
                .durations
                .iter()
                .filter(|(f, _)| *f == index)
                .map(|(_, s)| *s)
                .collect();
            let mean = took.iter().sum::<f64>() / took.len().max(1) as f64;
            (mean, matrix.faults[index].name)
        })
        .collect();
    per_fault.sort_by(|a, b| b.0.total_cmp(&a.0));
    let slowest: Vec<String> = per_fault
        .iter()
        .take(4)
        .map(|(mean, name)| format!("{name} {mean:.1}s"))
        .collect();
    eprintln!(
        "fault matrix: slowest faults per run: {}",
        slowest.join(", ")
    );
    for tolerated in &findings.tolerated {
        eprintln!("passed on facts established without the faulted read: {tolerated}");
    }
    eprintln!(
        "fault matrix: {} cases ({} read × cluster pairs × {} faults) in {:.0}s: {} false \
         passes, {} panics, {} timeouts, {} other problems; {} passes on facts established \
         without the faulted read",
        cases.len(),
        pairs.len(),
        matrix.faults.len(),
        started.elapsed().as_secs_f64(),
        findings.false_passes.len(),
        findings.panics,
        findings.timeouts,
        findings.problems.len(),
        findings.tolerated.len()
    );
    let all: Vec<&String> = findings
        .false_passes
        .iter()
        .chain(&findings.problems)
        .collect();
    assert!(all.is_empty(), "{all:#?}");
}

/// A kubeconfig whose user gets its token from an exec plugin that is not installed: the error
/// names the plugin.
#[test]
fn a_missing_exec_credential_plugin_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: g\n  cluster:\n    server: \
         https://127.0.0.1:9/kubernetes/global\ncontexts:\n- name: g\n  context:\n    cluster: \
         g\n    user: u\ncurrent-context: g\nusers:\n- name: u\n  user:\n    exec:\n      \
         command: /nonexistent/plugin\n      apiVersion: client.authentication.k8s.io/v1\n",
    )
    .expect("kubeconfig");
    let run = acp(&[
        "check",
        "--kubeconfig",
        kubeconfig.to_str().expect("path"),
        "--skip-host",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("exec credential plugin `/nonexistent/plugin` was not found"),
        "{}",
        run.stderr
    );
}

/// A server that accepts the TLS handshake and the request, then closes the connection: the
/// error says so, and does not blame the handshake.
#[test]
fn a_connection_closed_after_the_handshake_is_not_a_tls_failure() {
    let live = Live::start(Platform::load_dir(fixture(SCENARIO)).expect("fixture platform"));
    let nodes = reads::by_id("nodes").expect("the nodes read");
    let path = request_of(nodes).path().to_string();
    live.server.add_fault(
        FaultRule::new(FaultAction::DropConnection)
            .cluster(WORKLOAD)
            .path_exact(&path),
    );
    let run = check(&live.kubeconfig, REQUEST_TIMEOUT);
    assert_eq!(run.code, Some(5), "incomplete: {}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON report");
    let text = report.to_string();
    let message = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["subject"]["cluster"] == WORKLOAD && r["status"] == "error")
        .filter_map(|r| r["message"].as_str())
        .find(|m| m.contains("nodes"))
        .unwrap_or_else(|| panic!("no error naming the nodes on {WORKLOAD}: {text}"))
        .to_string();
    assert!(
        message.contains("the server closed the connection"),
        "{message}"
    );
    assert!(!message.contains("TLS handshake"), "{message}");
}
