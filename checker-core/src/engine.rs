//! The rule engine: evaluates a [`RulePack`] against [`Facts`], with CEL.
//!
//! The engine is pure: no IO. Each rule is evaluated once per subject of its scope. A rule that
//! reads a fact which could not be established gives an `error` result naming the cause; a CEL
//! evaluation error (an unparsable version, a missing value) gives an `error` too. Nothing is
//! ever `pass` for lack of data.
//!
//! Variables visible to rules: `target` (the pack's target version), `platform`, `upgrade` (the
//! matched upgrade path's thresholds, or null when the source version has no path), `clusters`,
//! `host`, plus `cluster` in cluster scope and `path` in host-path scope. Functions added to
//! standard CEL (with the strings extension): `versionAtLeast(version, minimum)`,
//! `majorMinor(version)`, `gib(n)` and `formatBytes(bytes)`; `matches` is standard CEL's, with
//! compiled patterns cached.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use cel::extractors::This;
use cel::objects::Key;
use cel::{Context, Env, ExecutionError, IdedExpr, Value};
use serde_json::{Value as Json, json};

use crate::facts::{ClusterFacts, Fact, Facts, PlatformFacts};
use crate::host::{HostFacts, PathProbe};
use crate::report::{RuleResult, Status};
use crate::rules::{Expr, Rule, RulePack, Scope, Severity, Template, TemplatePart};
use crate::version::Version;

/// The functions rules may call: standard CEL, the strings extension, and ours.
const FUNCTIONS: &[&str] = &[
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "type",
    "dyn",
    "charAt",
    "indexOf",
    "lastIndexOf",
    "lowerAscii",
    "upperAscii",
    "trim",
    "replace",
    "split",
    "substring",
    "join",
    "reverse",
    "versionAtLeast",
    "majorMinor",
    "gib",
    "formatBytes",
];

/// Type names, which CEL expressions may name as values (`type(x) == string`).
const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
];

/// Longest expression accepted, to keep evaluation far from stack limits.
const MAX_EXPRESSION_LEN: usize = 2000;

fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // The strings extension only adds functions; a failure would be a programming error
        // caught by every test, so fall back to the standard library rather than panic.
        let _ = env.add_extension(cel::extensions::strings);
        Arc::new(env)
    })
    .clone()
}

/// Compiles one CEL expression.
pub fn compile(source: &str) -> Result<cel::Program, String> {
    if source.len() > MAX_EXPRESSION_LEN {
        return Err(format!(
            "expression is {} characters long; the limit is {MAX_EXPRESSION_LEN}",
            source.len()
        ));
    }
    env().compile(source).map_err(|e| {
        e.to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .replace("ERROR: <input>:", "at expression ")
    })
}

/// The functions rules may call beyond standard CEL.
fn add_functions(context: &mut Context) {
    // Names are unique and not standard overloads; a conflict would be caught by every test.
    let _ = context.add_function("versionAtLeast", version_at_least);
    let _ = context.add_function("majorMinor", major_minor);
    let _ = context.add_function("gib", |n: i64| n.saturating_mul(1 << 30));
    let _ = context.add_function("formatBytes", |n: i64| format_bytes(n));
    let _ = context.add_function("matches", matches);
}

/// CEL's `text.matches(regex)` (RE2-like syntax of the `regex` crate), with compiled patterns
/// cached: rules match every plugin of every cluster against the same few patterns, and
/// compiling a pattern costs far more than matching it.
fn matches(This(text): This<Arc<String>>, pattern: Arc<String>) -> Result<bool, ExecutionError> {
    thread_local! {
        static CACHE: std::cell::RefCell<BTreeMap<String, regex::Regex>> =
            const { std::cell::RefCell::new(BTreeMap::new()) };
    }
    CACHE.with_borrow_mut(|cache| {
        if !cache.contains_key(pattern.as_str()) {
            let compiled = regex::Regex::new(&pattern).map_err(|e| {
                ExecutionError::function_error(
                    "matches",
                    format!("`{pattern}` is not a valid regex: {e}"),
                )
            })?;
            // Patterns come from rule packs, so the cache stays small; the bound is a safeguard.
            if cache.len() >= 256 {
                cache.clear();
            }
            cache.insert(pattern.to_string(), compiled);
        }
        Ok(cache
            .get(pattern.as_str())
            .is_some_and(|re| re.is_match(&text)))
    })
}

fn version_arg(function: &str, value: &Value) -> Result<Version, ExecutionError> {
    match value {
        Value::String(text) => Version::parse(text)
            .map_err(|e| ExecutionError::function_error(function, e.to_string())),
        Value::Null => Err(ExecutionError::function_error(
            function,
            "no version was recorded",
        )),
        other => Err(ExecutionError::function_error(
            function,
            format!("expected a version string, got {}", display(other)),
        )),
    }
}

fn version_at_least(version: Value, minimum: Value) -> Result<bool, ExecutionError> {
    let version = version_arg("versionAtLeast", &version)?;
    let minimum = version_arg("versionAtLeast", &minimum)?;
    Ok(version.at_least(&minimum))
}

fn major_minor(version: Value) -> Result<Arc<String>, ExecutionError> {
    Ok(Arc::new(version_arg("majorMinor", &version)?.major_minor()))
}

/// `128849018880` → `120.0 GiB (128.8 GB)`: the guide's "GB" read safely as GiB, with both shown.
pub fn format_bytes(bytes: i64) -> String {
    let gib = bytes as f64 / f64::from(1u32 << 30);
    let gb = bytes as f64 / 1e9;
    format!("{:.1} GiB ({:.1} GB)", floor1(gib), floor1(gb))
}

/// Rounds down to one decimal, so 119.99 GiB never shows as 120.0 (the tiny epsilon keeps a
/// value stored as 119.8999999 from showing as 119.8).
fn floor1(x: f64) -> f64 {
    (x * 10.0 + 1e-6).floor() / 10.0
}

/// A JSON value as a CEL value; integers stay `int` so arithmetic works.
fn to_cel(value: &Json) -> Value {
    match value {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .or_else(|| n.as_u64().map(Value::UInt))
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or_default())),
        Json::String(s) => Value::String(Arc::new(s.clone())),
        Json::Array(items) => Value::List(Arc::new(items.iter().map(to_cel).collect())),
        Json::Object(map) => {
            let map: std::collections::HashMap<Key, Value> = map
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), to_cel(v)))
                .collect();
            Value::Map(map.into())
        }
    }
}

/// A CEL value as JSON, for the report's `observed`.
fn to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(n) => json!(n),
        Value::UInt(n) => json!(n),
        Value::Float(f) => json!(f),
        Value::String(s) => json!(s.as_str()),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(map) => {
            let object: serde_json::Map<String, Json> = map
                .map
                .iter()
                .map(|(k, v)| (key_text(k), to_json(v)))
                .collect();
            Json::Object(object)
        }
        other => json!(format!("{other:?}")),
    }
}

fn key_text(key: &Key) -> String {
    match key {
        Key::Int(n) => n.to_string(),
        Key::Uint(n) => n.to_string(),
        Key::Bool(b) => b.to_string(),
        Key::String(s) => s.to_string(),
    }
}

/// A CEL value as message text: lists joined with commas, null as `unknown`.
fn display(value: &Value) -> String {
    match value {
        Value::Null => "unknown".to_string(),
        Value::String(s) => s.to_string(),
        Value::List(items) if items.is_empty() => "none".to_string(),
        Value::List(items) => items.iter().map(display).collect::<Vec<_>>().join(", "),
        other => match to_json(other) {
            Json::String(s) => s,
            json => json.to_string(),
        },
    }
}

/// A fact path that could not be established, and why.
#[derive(Debug, Clone)]
struct Unavailable {
    path: String,
    cause: String,
}

/// The variables of one evaluation, and the paths among them that are unavailable. Values are
/// converted to CEL once; cloning them per subject only bumps reference counts.
#[derive(Debug, Clone, Default)]
struct Bindings {
    vars: BTreeMap<&'static str, Value>,
    unavailable: Vec<Unavailable>,
}

impl Bindings {
    fn set(&mut self, name: &'static str, value: &Json) {
        self.vars.insert(name, to_cel(value));
    }

    fn fact<T: serde::Serialize>(&mut self, path: &str, fact: &Fact<T>) -> Json {
        match fact {
            Fact::Known(value) => serde_json::to_value(value).unwrap_or(Json::Null),
            Fact::Unknown(error) => {
                self.unavailable.push(Unavailable {
                    path: path.to_string(),
                    cause: error.to_string(),
                });
                Json::Null
            }
        }
    }
}

fn platform_json(platform: &PlatformFacts) -> Json {
    json!({ "version": platform.version, "url": platform.url })
}

fn cluster_json(cluster: &ClusterFacts, bindings: &mut Bindings) -> Json {
    json!({
        "name": cluster.name,
        "role": cluster.role,
        "provider": cluster.provider,
        "cluster_type": cluster.cluster_type,
        "kubernetes_version": cluster.kubernetes_version,
        "phase": cluster.phase,
        "plugins": bindings.fact("cluster.plugins", &cluster.plugins),
        "istio": bindings.fact("cluster.istio", &cluster.istio),
        "elasticsearch": bindings.fact("cluster.elasticsearch", &cluster.elasticsearch),
    })
}

fn path_json(probe: &PathProbe) -> Json {
    let fs = probe.filesystem.as_ref();
    json!({
        "role": probe.role,
        "path": probe.path,
        "device_id": fs.map(|f| f.device_id),
        "mount_point": fs.and_then(|f| f.mount_point.clone()),
        "fs_type": fs.and_then(|f| f.fs_type.clone()),
        "total_bytes": fs.map(|f| f.total_bytes),
        "free_bytes": fs.map(|f| f.free_bytes),
        "shared_with": fs.map(|f| f.shared_with.clone()).unwrap_or_default(),
    })
}

fn host_json(host: &HostFacts) -> Json {
    json!({
        "hostname": host.hostname,
        "paths": host.paths.iter().map(path_json).collect::<Vec<_>>(),
        "package": host.package.as_ref().map(|p| json!({
            "path": p.path,
            "size_bytes": p.size_bytes,
        })),
    })
}

/// The platform-wide variables shared by every rule.
fn global_bindings(pack: &RulePack, facts: &Facts) -> Bindings {
    let mut bindings = Bindings::default();
    bindings.set("target", &json!(pack.target));
    let platform = bindings.fact("platform", &facts.platform);
    let platform = match facts.platform.known() {
        Some(p) => platform_json(p),
        None => platform,
    };
    bindings.set("platform", &platform);
    let upgrade = match &facts.platform {
        Fact::Unknown(error) => {
            bindings.unavailable.push(Unavailable {
                path: "upgrade".to_string(),
                cause: error.to_string(),
            });
            Json::Null
        }
        Fact::Known(platform) => match Version::parse(&platform.version) {
            Err(error) => {
                bindings.unavailable.push(Unavailable {
                    path: "upgrade".to_string(),
                    cause: format!("the platform version cannot be read: {error}"),
                });
                Json::Null
            }
            Ok(version) => pack
                .upgrade_paths
                .iter()
                .find(|p| p.from == version.major_minor())
                .map(|p| {
                    let mut value = json!({ "from": p.from, "patch": p.patch });
                    for (k, v) in &p.params {
                        value[k] = json!(v);
                    }
                    value
                })
                .unwrap_or(Json::Null),
        },
    };
    bindings.set("upgrade", &upgrade);
    let clusters = match &facts.clusters {
        Fact::Known(clusters) => {
            let mut scratch = Bindings::default();
            Json::Array(
                clusters
                    .iter()
                    .map(|c| cluster_json(c, &mut scratch))
                    .collect(),
            )
        }
        unknown => bindings.fact("clusters", unknown),
    };
    bindings.set("clusters", &clusters);
    let host = facts.host.as_ref().map(host_json).unwrap_or(Json::Null);
    if facts.host.is_none() {
        bindings.unavailable.push(Unavailable {
            path: "host".to_string(),
            cause: "no host facts were collected".to_string(),
        });
    }
    bindings.set("host", &host);
    if let Some(error) = facts
        .host
        .as_ref()
        .and_then(|h| h.package.as_ref())
        .and_then(|p| p.error.clone())
    {
        bindings.unavailable.push(Unavailable {
            path: "host.package".to_string(),
            cause: error,
        });
    }
    bindings
}

/// One thing a rule is evaluated against.
struct Subject {
    label: BTreeMap<String, String>,
    bindings: Bindings,
}

fn subjects(scope: Scope, facts: &Facts, global: &Bindings) -> Result<Vec<Subject>, String> {
    match scope {
        Scope::Platform => Ok(vec![Subject {
            label: BTreeMap::new(),
            bindings: global.clone(),
        }]),
        Scope::Cluster => match &facts.clusters {
            Fact::Unknown(error) => Err(error.to_string()),
            Fact::Known(clusters) => Ok(clusters
                .iter()
                .map(|cluster| {
                    let mut bindings = global.clone();
                    let value = cluster_json(cluster, &mut bindings);
                    bindings.set("cluster", &value);
                    Subject {
                        label: BTreeMap::from([("cluster".to_string(), cluster.name.clone())]),
                        bindings,
                    }
                })
                .collect()),
        },
        Scope::HostPath => match &facts.host {
            None => Err(
                "no host facts were collected: run the check (or `collect`) on a global \
                 control-plane node, or add host.json to the dump directory"
                    .to_string(),
            ),
            Some(host) => Ok(host
                .paths
                .iter()
                .map(|probe| {
                    let mut bindings = global.clone();
                    bindings.set("path", &path_json(probe));
                    if let Some(error) = &probe.error {
                        bindings.unavailable.push(Unavailable {
                            path: "path".to_string(),
                            cause: error.clone(),
                        });
                    }
                    Subject {
                        label: BTreeMap::from([
                            ("host".to_string(), host.hostname.clone()),
                            ("path".to_string(), probe.path.clone()),
                        ]),
                        bindings,
                    }
                })
                .collect()),
        },
    }
}

/// Evaluates every rule of the pack; results are in rule order, then subject order.
pub fn evaluate(pack: &RulePack, facts: &Facts) -> Vec<RuleResult> {
    let global = global_bindings(pack, facts);
    // Subjects depend only on the scope: build each scope's once, not once per rule.
    let mut by_scope: BTreeMap<Scope, Result<Vec<Subject>, String>> = BTreeMap::new();
    let mut results = Vec::new();
    for rule in &pack.rules {
        let subjects = by_scope
            .entry(rule.scope)
            .or_insert_with(|| subjects(rule.scope, facts, &global));
        let before = results.len();
        let make = |subject: BTreeMap<String, String>| RuleResult {
            rule: rule.id.clone(),
            title: rule.title.clone(),
            severity: rule.severity,
            status: Status::Error,
            subject,
            observed: Json::Null,
            expected: String::new(),
            message: String::new(),
            remediation: rule.remediation.clone(),
            docs: rule.docs.clone(),
        };
        match subjects {
            Err(cause) => {
                let status = if rule.scope == Scope::HostPath {
                    Status::Skipped
                } else {
                    Status::Error
                };
                results.push(RuleResult {
                    status,
                    message: cause.clone(),
                    ..make(BTreeMap::new())
                });
            }
            Ok(subjects) => {
                for (subject, outcome) in subjects.iter().zip(evaluate_all(rule, subjects)) {
                    if let Some((status, observed, expected, message)) = outcome {
                        results.push(RuleResult {
                            status,
                            observed,
                            expected,
                            message,
                            ..make(subject.label.clone())
                        });
                    }
                }
            }
        }
        if results.len() == before {
            results.push(RuleResult {
                status: Status::Skipped,
                message: rule
                    .unchecked_message
                    .clone()
                    .unwrap_or_else(|| format!("no {} matches this rule", rule.scope)),
                ..make(BTreeMap::new())
            });
        }
    }
    results
}

type Outcome = (Status, Json, String, String);

/// Evaluates one rule for every subject, in subject order. A large fleet is split between two
/// threads: evaluation is CPU-bound and each subject is independent.
fn evaluate_all(rule: &Rule, subjects: &[Subject]) -> Vec<Option<Outcome>> {
    const PARALLEL_FROM: usize = 64;
    let run = |chunk: &[Subject]| -> Vec<Option<Outcome>> {
        chunk
            .iter()
            .map(|subject| evaluate_one(rule, &subject.bindings))
            .collect()
    };
    if subjects.len() < PARALLEL_FROM {
        return run(subjects);
    }
    let (first, second) = subjects.split_at(subjects.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| run(second));
        let mut outcomes = run(first);
        match other.join() {
            Ok(rest) => outcomes.extend(rest),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        outcomes
    })
}

/// Evaluates one rule for one subject; `None` when the `where` filter excludes the subject.
fn evaluate_one(rule: &Rule, bindings: &Bindings) -> Option<Outcome> {
    let mut context = Context::with_env(env());
    add_functions(&mut context);
    // Only the variables the rule names: binding one copies its CEL value into the context, and
    // `clusters` is as large as the fleet.
    for (name, value) in &bindings.vars {
        let used = rule
            .reads
            .iter()
            .any(|read| read.split('.').next() == Some(*name));
        if used {
            context.add_variable_from_value(*name, value.clone());
        }
    }
    let error = |message: String| (Status::Error, Json::Null, String::new(), message);
    if let Some(filter) = &rule.filter {
        match run_bool(filter, &context) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => return Some(error(format!("could not evaluate `where`: {e}"))),
        }
    }
    if let Some(missing) = bindings
        .unavailable
        .iter()
        .find(|u| rule.reads.iter().any(|read| overlaps(read, &u.path)))
    {
        return Some(error(missing.cause.clone()));
    }
    Some(evaluate_checked(rule, context).unwrap_or_else(error))
}

/// Whether a fact path the rule reads depends on an unavailable one (`cluster.istio` and
/// `cluster.istio.revisions` overlap; `cluster.istio` and `cluster.name` do not).
fn overlaps(read: &str, unavailable: &str) -> bool {
    let nested = |long: &str, short: &str| {
        long == short || (long.starts_with(short) && long[short.len()..].starts_with('.'))
    };
    nested(read, unavailable) || nested(unavailable, read)
}

fn evaluate_checked(rule: &Rule, mut context: Context) -> Result<Outcome, String> {
    if let Some(when) = &rule.when
        && !run_bool(when, &context).map_err(|e| format!("could not evaluate `when`: {e}"))?
    {
        let message = match &rule.skipped_message {
            Some(template) => render(template, &context)?,
            None => "does not apply".to_string(),
        };
        return Ok((Status::Skipped, Json::Null, String::new(), message));
    }
    for (name, expr) in &rule.bindings {
        let value =
            run(expr, &context).map_err(|e| format!("could not evaluate `let.{name}`: {e}"))?;
        context.add_variable_from_value(name.clone(), value);
    }
    let holds =
        run_bool(&rule.require, &context).map_err(|e| format!("could not evaluate: {e}"))?;
    let observed = match &rule.observed {
        Some(expr) => {
            run(expr, &context).map_err(|e| format!("could not evaluate `observed`: {e}"))?
        }
        None => Value::Null,
    };
    let observed_json = to_json(&observed);
    context.add_variable_from_value("observed", observed);
    let expected = render(&rule.expected, &context)?;
    let (status, template) = match (holds, rule.severity) {
        (true, _) => (Status::Pass, &rule.pass_message),
        (false, Severity::Blocker) => (Status::Fail, &rule.fail_message),
        (false, _) => (Status::Warn, &rule.fail_message),
    };
    Ok((status, observed_json, expected, render(template, &context)?))
}

fn run(expr: &Expr, context: &Context) -> Result<Value, String> {
    expr.program.execute(context).map_err(|e| e.to_string())
}

fn run_bool(expr: &Expr, context: &Context) -> Result<bool, String> {
    match run(expr, context)? {
        Value::Bool(b) => Ok(b),
        other => Err(format!(
            "`{}` gave {} where true or false was expected",
            expr.source,
            display(&other)
        )),
    }
}

fn render(template: &Template, context: &Context) -> Result<String, String> {
    let mut text = String::new();
    for part in &template.parts {
        match part {
            TemplatePart::Text(t) => text.push_str(t),
            TemplatePart::Expr(expr) => text
                .push_str(&display(&run(expr, context).map_err(|e| {
                    format!("could not render `{}`: {e}", expr.source)
                })?)),
        }
    }
    Ok(text)
}

/// A sample of every variable, with every optional field present and one element per list, so
/// fact paths in rule expressions can be checked against the fact model at load time.
fn samples(scope: Scope, params: &BTreeSet<String>) -> BTreeMap<&'static str, Json> {
    use crate::facts::{ElasticsearchFacts, EsNodeSet, IstioFacts, IstiodRevision, Plugin};
    let some = || Some(String::new());
    let node_set = EsNodeSet {
        statefulset: String::new(),
        node_roles: some(),
        node_data: some(),
        node_master: some(),
    };
    let cluster = ClusterFacts {
        name: String::new(),
        role: String::new(),
        provider: String::new(),
        cluster_type: some(),
        kubernetes_version: some(),
        phase: some(),
        plugins: Fact::Known(vec![Plugin {
            object: String::new(),
            module: String::new(),
            display_name: String::new(),
            version: some(),
            phase: some(),
        }]),
        istio: Fact::Known(IstioFacts {
            revisions: vec![IstiodRevision {
                deployment: String::new(),
                version: some(),
            }],
        }),
        elasticsearch: Fact::Known(ElasticsearchFacts {
            installed: false,
            scale: String::new(),
            data_nodes: Some(node_set.clone()),
            master_nodes: Some(node_set),
        }),
    };
    let probe = PathProbe {
        role: String::new(),
        path: String::new(),
        filesystem: Some(crate::host::FilesystemFacts {
            device_id: 0,
            mount_point: some(),
            fs_type: some(),
            total_bytes: 0,
            free_bytes: 0,
            shared_with: vec![String::new()],
        }),
        error: None,
    };
    let host = HostFacts {
        hostname: String::new(),
        paths: vec![probe.clone()],
        package: Some(crate::host::PackageProbe {
            path: String::new(),
            size_bytes: Some(0),
            error: None,
        }),
        disks: Vec::new(),
    };
    let mut upgrade = json!({ "from": "", "patch": false });
    for param in params {
        upgrade[param] = json!("");
    }
    let mut scratch = Bindings::default();
    let cluster = cluster_json(&cluster, &mut scratch);
    let mut vars = BTreeMap::from([
        ("target", json!("")),
        (
            "platform",
            platform_json(&PlatformFacts {
                version: String::new(),
                url: some(),
            }),
        ),
        ("upgrade", upgrade),
        ("clusters", json!([cluster.clone()])),
        ("host", host_json(&host)),
    ]);
    match scope {
        Scope::Platform => {}
        Scope::Cluster => {
            vars.insert("cluster", cluster);
        }
        Scope::HostPath => {
            vars.insert("path", path_json(&probe));
        }
    }
    vars
}

/// Every fact path a rule in `scope` can read, with its JSON type (`string`, `list`…), for the
/// rule-pack reference. Upgrade-path parameters are listed as `upgrade.<param>`.
pub fn fact_paths(scope: Scope) -> Vec<(String, &'static str)> {
    fn walk(prefix: &str, value: &Json, out: &mut Vec<(String, &'static str)>) {
        let kind = match value {
            Json::Null => "null",
            Json::Bool(_) => "bool",
            Json::Number(_) => "int",
            Json::String(_) => "string",
            Json::Array(_) => "list",
            Json::Object(_) => "map",
        };
        out.push((prefix.to_string(), kind));
        match value {
            Json::Object(fields) => {
                for (key, child) in fields {
                    walk(&format!("{prefix}.{key}"), child, out);
                }
            }
            Json::Array(items) => {
                if let Some(first) = items.first() {
                    walk(&format!("{prefix}[]"), first, out);
                }
            }
            _ => {}
        }
    }
    let params = BTreeSet::from(["<param>".to_string()]);
    let mut out = Vec::new();
    for (name, sample) in samples(scope, &params) {
        walk(name, &sample, &mut out);
    }
    out
}

/// Checks that every variable and field an expression names exists in the fact model, and
/// records the fact paths it reads. Returns the problems found.
pub fn check_paths(
    expr: &IdedExpr,
    scope: Scope,
    params: &BTreeSet<String>,
    locals: &BTreeSet<String>,
    reads: &mut BTreeSet<String>,
) -> Vec<String> {
    let mut checker = PathChecker {
        samples: samples(scope, params),
        locals,
        reads,
        problems: Vec::new(),
    };
    checker.shape(expr, &BTreeMap::new());
    checker.problems
}

/// What is known of an expression's value: a sample and the fact path it came from.
#[derive(Clone)]
enum Shape {
    Known(Json, String),
    Any,
}

struct PathChecker<'a> {
    samples: BTreeMap<&'static str, Json>,
    locals: &'a BTreeSet<String>,
    reads: &'a mut BTreeSet<String>,
    problems: Vec<String>,
}

impl PathChecker<'_> {
    fn shape(&mut self, expr: &IdedExpr, scope: &BTreeMap<String, Shape>) -> Shape {
        self.shape_of(expr, scope, true)
    }

    /// The shape of `expr`. A variable is recorded as read only when `whole` (it is used as a
    /// whole, not just to select a field), so `cluster.name` does not depend on `cluster.istio`.
    fn shape_of(&mut self, expr: &IdedExpr, scope: &BTreeMap<String, Shape>, whole: bool) -> Shape {
        use cel::common::ast::Expr as E;
        match &expr.expr {
            E::Ident(name) => {
                if let Some(shape) = scope.get(name) {
                    return shape.clone();
                }
                if self.locals.contains(name) || TYPE_NAMES.contains(&name.as_str()) {
                    return Shape::Any;
                }
                if let Some(sample) = self.samples.get(name.as_str()) {
                    if whole {
                        self.reads.insert(name.clone());
                    }
                    return Shape::Known(sample.clone(), name.clone());
                }
                let known: Vec<&str> = self.samples.keys().copied().collect();
                self.problems.push(format!(
                    "unknown variable `{name}` (known here: {})",
                    known.join(", ")
                ));
                Shape::Any
            }
            E::Select(select) => {
                let base = self.shape_of(&select.operand, scope, false);
                let Shape::Known(sample, path) = base else {
                    return Shape::Any;
                };
                let field_path = format!("{path}.{}", select.field);
                match &sample {
                    Json::Object(fields) => match fields.get(&select.field) {
                        Some(value) => {
                            self.reads.insert(field_path.clone());
                            if select.test {
                                Shape::Any
                            } else {
                                Shape::Known(value.clone(), field_path)
                            }
                        }
                        None => {
                            let known: Vec<&str> = fields.keys().map(String::as_str).collect();
                            self.problems.push(format!(
                                "unknown fact `{field_path}` (fields of `{path}`: {})",
                                known.join(", ")
                            ));
                            Shape::Any
                        }
                    },
                    _ => {
                        self.problems.push(format!(
                            "`{path}` has no fields, so `{field_path}` does not exist"
                        ));
                        Shape::Any
                    }
                }
            }
            E::Comprehension(comprehension) => {
                let range = self.shape(&comprehension.iter_range, scope);
                let element = match range {
                    Shape::Known(Json::Array(items), path) => items
                        .first()
                        .map_or(Shape::Any, |first| Shape::Known(first.clone(), path)),
                    _ => Shape::Any,
                };
                self.shape(&comprehension.accu_init, scope);
                let mut inner = scope.clone();
                inner.insert(comprehension.iter_var.clone(), element);
                if let Some(second) = &comprehension.iter_var2 {
                    inner.insert(second.clone(), Shape::Any);
                }
                inner.insert(comprehension.accu_var.clone(), Shape::Any);
                self.shape(&comprehension.loop_cond, &inner);
                self.shape(&comprehension.loop_step, &inner);
                self.shape(&comprehension.result, &inner);
                Shape::Any
            }
            E::Call(call) => {
                let operator = call.func_name.starts_with(['_', '@', '!', '-']);
                if !operator && !FUNCTIONS.contains(&call.func_name.as_str()) {
                    self.problems.push(format!(
                        "unknown function `{}` (known: {})",
                        call.func_name,
                        FUNCTIONS.join(", ")
                    ));
                }
                let target = call.target.as_ref().map(|t| self.shape(t, scope));
                let args: Vec<Shape> = call.args.iter().map(|a| self.shape(a, scope)).collect();
                match (call.func_name.as_str(), target, args.first()) {
                    ("_[_]", None, Some(Shape::Known(Json::Array(items), path))) => {
                        items.first().map_or(Shape::Any, |first| {
                            Shape::Known(first.clone(), path.clone())
                        })
                    }
                    _ => Shape::Any,
                }
            }
            E::List(list) => {
                for element in &list.elements {
                    self.shape(element, scope);
                }
                Shape::Any
            }
            E::Map(map) => {
                for entry in &map.entries {
                    if let cel::common::ast::EntryExpr::MapEntry(entry) = &entry.expr {
                        self.shape(&entry.key, scope);
                        self.shape(&entry.value, scope);
                    }
                }
                Shape::Any
            }
            _ => Shape::Any,
        }
    }
}
