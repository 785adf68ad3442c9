//! The fact model: what rules see, derived from a [`Snapshot`]'s raw objects by one provider per
//! family of facts.
//!
//! Each family lives in its own file and declares, in one place, the catalogue reads it needs
//! ([`Provider::READS`]), the typed value it derives from their raw objects
//! ([`Provider::derive`]) and, through the doc comments of that type (via `schemars`), what each
//! field means. Everything else follows from the declarations in [`FAMILIES`]: the CEL view rules
//! see, the fact paths `rules lint` accepts, the facts reference in the rule docs, and the reads a
//! live run makes ([`reads_for`]), the read catalogue ([`crate::reads::ALL`]) with the dump
//! layout and the RBAC role. Adding a family = one file (with its reads) and one line in
//! [`FAMILIES`].
//!
//! A fact whose read failed is [`Fact::Unknown`] with the cause; in CEL it is `null`, and rules
//! that read it are reported as `error`, never as `pass`.

pub mod admin_acks;
pub mod backups;
pub mod clusters;
pub mod control_plane;
pub mod data_services;
pub mod distribution;
pub mod dr;
pub mod elasticsearch;
pub mod host;
pub mod istio;
pub mod kubernetes;
pub mod nodes;
pub mod overrides;
pub mod platform;
pub mod plugins;
pub mod preflight;
mod raw;
pub mod schema;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::reads::{self, Read};
use crate::snapshot::{ClusterRecord, ReadError, ReadErrorKind, ReadOutcome, Snapshot};

pub use clusters::ClusterBase;
pub use elasticsearch::{ElasticsearchFacts, EsNodeSet};
pub use host::{HostPath, HostView, PackageView};
pub use istio::{IstioFacts, IstiodRevision};
pub use platform::PlatformFacts;
pub use plugins::Plugin;
pub use schema::{FactPath, FactType};

/// Every family of facts, in the order the report lists them. Platform-level families are CEL
/// variables of their own (`platform`, `host`); cluster-level families are fields of every
/// cluster (`cluster.istio`).
pub static FAMILIES: &[&dyn Family] = &[
    &Registered::<platform::Platform>::NEW,
    &Registered::<host::Host>::NEW,
    &Registered::<control_plane::ControlPlane>::NEW,
    &Registered::<dr::Dr>::NEW,
    &Registered::<admin_acks::AdminAcksFamily>::NEW,
    &Registered::<plugins::Plugins>::NEW,
    &Registered::<distribution::Distributions>::NEW,
    &Registered::<istio::Istio>::NEW,
    &Registered::<elasticsearch::Elasticsearch>::NEW,
    &Registered::<nodes::Nodes>::NEW,
    &Registered::<kubernetes::Kubernetes>::NEW,
    &Registered::<backups::Backups>::NEW,
    &Registered::<overrides::Overrides>::NEW,
    &Registered::<preflight::Preflight>::NEW,
    &Registered::<data_services::DataServices>::NEW,
];

/// A fact that is either known or unknown with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "status", content = "value", rename_all = "snake_case")]
pub enum Fact<T> {
    /// The fact was established.
    Known(T),
    /// The fact could not be established.
    Unknown(FactError),
}

impl<T> Fact<T> {
    /// The value, when known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Fact::Known(value) => Some(value),
            Fact::Unknown(_) => None,
        }
    }

    /// The reason, when unknown.
    pub fn error(&self) -> Option<&FactError> {
        match self {
            Fact::Known(_) => None,
            Fact::Unknown(error) => Some(error),
        }
    }
}

impl<T> From<Result<T, FactError>> for Fact<T> {
    fn from(result: Result<T, FactError>) -> Fact<T> {
        match result {
            Ok(value) => Fact::Known(value),
            Err(error) => Fact::Unknown(error),
        }
    }
}

/// Why a fact is unknown: which read failed on which cluster, and how; or, for facts that do
/// not come from a cluster (the host), just the cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FactError {
    /// Cluster the failed read was made on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Resource that was read, e.g. `moduleinfoes.cluster.alauda.io`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The failure.
    pub error: ReadError,
}

impl FactError {
    /// A failed read of `read` on `cluster`.
    pub fn read(cluster: &str, read: &Read, error: ReadError) -> FactError {
        FactError {
            cluster: Some(cluster.to_string()),
            resource: Some(read.resource()),
            error,
        }
    }
}

impl FactError {
    /// The failure in words, in a language: `could not read nodes on cluster prod-2: …`.
    pub fn text(&self, lang: crate::lang::Lang) -> String {
        match (&self.resource, &self.cluster) {
            (Some(resource), Some(cluster)) => crate::tr!(
                lang,
                "could not read {resource} on cluster {cluster}: {error}",
                "не удалось прочитать {resource} на кластере {cluster}: {error}",
                resource = resource,
                cluster = cluster,
                error = self.error.text(lang)
            ),
            _ => self.error.message.clone(),
        }
    }
}

impl std::fmt::Display for FactError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(crate::lang::Lang::En))
    }
}

/// Where a family's facts live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// One value for the platform: a CEL variable named after the family.
    Platform,
    /// One value per cluster: a field of `cluster` (and of each element of `clusters`).
    Cluster,
}

/// One family of facts: its reads, its typed value and how it is derived. Implemented once per
/// file in this module and registered in [`FAMILIES`].
pub trait Provider: Sync + 'static {
    /// The typed value; its doc comments document the facts (they reach the rule docs).
    type Value: Serialize + schemars::JsonSchema;
    /// The variable (platform level) or cluster field (cluster level) rules read it as.
    const NAME: &'static str;
    /// Platform-wide or per cluster.
    const LEVEL: Level;
    /// The catalogue reads the value is derived from.
    const READS: &'static [&'static Read];
    /// Derives the value. `cluster` is the cluster the facts are about; for platform-level
    /// families, the global cluster.
    fn derive(input: &Input<'_>, cluster: &ClusterBase) -> Result<Self::Value, FactError>;
    /// Parts of a known value that are themselves unknown, as (sub-path, cause): e.g. the
    /// package size when the package could not be read.
    fn unknown_parts(_value: &Self::Value) -> Vec<(String, String)> {
        Vec::new()
    }
}

/// A provider without its value type, as the registry holds it.
pub trait Family: Sync {
    /// See [`Provider::NAME`].
    fn name(&self) -> &'static str;
    /// See [`Provider::LEVEL`].
    fn level(&self) -> Level;
    /// See [`Provider::READS`].
    fn reads(&self) -> &'static [&'static Read];
    /// The JSON Schema of the value (subschemas inlined).
    fn schema(&self) -> schemars::Schema;
    /// Derives the value as JSON, with its unknown parts.
    fn derive(&self, input: &Input<'_>, cluster: &ClusterBase) -> FamilyFact;
}

/// The registry entry of a [`Provider`].
pub struct Registered<P>(std::marker::PhantomData<P>);

impl<P> Registered<P> {
    /// The entry.
    pub const NEW: Registered<P> = Registered(std::marker::PhantomData);
}

impl<P: Provider> Family for Registered<P> {
    fn name(&self) -> &'static str {
        P::NAME
    }

    fn level(&self) -> Level {
        P::LEVEL
    }

    fn reads(&self) -> &'static [&'static Read] {
        P::READS
    }

    fn schema(&self) -> schemars::Schema {
        schema::of::<P::Value>()
    }

    fn derive(&self, input: &Input<'_>, cluster: &ClusterBase) -> FamilyFact {
        match P::derive(input, cluster) {
            Err(error) => FamilyFact {
                fact: Fact::Unknown(error),
                unknown_parts: Vec::new(),
            },
            Ok(value) => FamilyFact {
                unknown_parts: P::unknown_parts(&value),
                // Serialising plain data structs to JSON cannot fail.
                fact: Fact::Known(serde_json::to_value(&value).unwrap_or(Value::Null)),
            },
        }
    }
}

/// A family's derived value, as JSON, with the parts of it that are unknown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FamilyFact {
    /// The value or why it is unknown.
    #[serde(flatten)]
    pub fact: Fact<Value>,
    /// Sub-paths of a known value that are unknown, with the cause.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_parts: Vec<(String, String)>,
}

/// Everything the rules can see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Facts {
    /// Platform-level families by name (`platform`, `host`).
    #[serde(flatten)]
    pub platform: BTreeMap<String, FamilyFact>,
    /// Every cluster of the platform, the global one first.
    pub clusters: Fact<Vec<ClusterFacts>>,
}

/// Facts about one cluster: its inventory entry and every cluster-level family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClusterFacts {
    /// Name, role, provider, versions and phase from the platform's cluster list.
    #[serde(flatten)]
    pub base: ClusterBase,
    /// Cluster-level families by name (`plugins`, `istio`, `elasticsearch`).
    #[serde(flatten)]
    pub families: BTreeMap<String, FamilyFact>,
}

impl Facts {
    /// Derives every fact from a snapshot. The first cluster record is the global cluster.
    pub fn derive(snapshot: &Snapshot) -> Facts {
        let input = Input::new(snapshot);
        let global = ClusterBase::global(input.global);
        let platform = FAMILIES
            .iter()
            .filter(|f| f.level() == Level::Platform)
            .map(|f| (f.name().to_string(), f.derive(&input, &global)))
            .collect();
        let clusters = clusters::derive(&input).map(|bases| {
            bases
                .into_iter()
                .map(|base| ClusterFacts {
                    families: FAMILIES
                        .iter()
                        .filter(|f| f.level() == Level::Cluster)
                        .map(|f| (f.name().to_string(), f.derive(&input, &base)))
                        .collect(),
                    base,
                })
                .collect()
        });
        Facts {
            platform,
            clusters: clusters.into(),
        }
    }

    /// A platform-level family's value, when known.
    pub fn family(&self, name: &str) -> Option<&Value> {
        self.platform.get(name).and_then(|f| f.fact.known())
    }
}

/// The schema of a cluster's inventory fields (cluster-level families are added to it).
pub fn cluster_base_schema() -> Value {
    schema::of::<ClusterBase>().to_value()
}

/// Read access to a snapshot's raw objects, for providers.
pub struct Input<'a> {
    /// The whole snapshot (host records, standby, manifest).
    pub snapshot: &'a Snapshot,
    records: BTreeMap<&'a str, &'a ClusterRecord>,
    /// Name of the global cluster (the first record).
    pub global: &'a str,
    /// Platform items grouped by a label, per (read, label), computed once.
    groups: RefCell<BTreeMap<(&'static str, &'static str), Rc<Groups<'a>>>>,
}

/// Objects grouped by the value of a label.
pub type Groups<'a> = BTreeMap<String, Vec<&'a Value>>;

impl<'a> Input<'a> {
    /// Indexes a snapshot.
    pub fn new(snapshot: &'a Snapshot) -> Input<'a> {
        Input {
            snapshot,
            records: snapshot
                .clusters
                .iter()
                .map(|c| (c.name.as_str(), c))
                .collect(),
            global: snapshot
                .clusters
                .first()
                .map(|c| c.name.as_str())
                .unwrap_or("global"),
            groups: RefCell::default(),
        }
    }

    /// The items of a read on the global cluster grouped by the value of label `key` (e.g.
    /// ModuleInfos by `cpaas.io/cluster-name`), computed once however many clusters ask; an
    /// absent resource type has no items.
    pub fn global_items_by_label(
        &self,
        read: &'static Read,
        key: &'static str,
    ) -> Result<Rc<Groups<'a>>, FactError> {
        if let Some(groups) = self.groups.borrow().get(&(read.id, key)) {
            return Ok(groups.clone());
        }
        let mut groups = Groups::new();
        for item in self.items(self.global, read)? {
            groups
                .entry(raw::label(item, key).unwrap_or_default())
                .or_default()
                .push(item);
        }
        let groups = Rc::new(groups);
        self.groups
            .borrow_mut()
            .insert((read.id, key), groups.clone());
        Ok(groups)
    }

    /// The items of a read that only an ACP global cluster serves: there, an absent resource
    /// type means the snapshot is not of a global cluster, which is an error, not "none".
    pub fn platform_items(&self, read: &Read) -> Result<&'a [Value], FactError> {
        if let Some(ReadOutcome::Absent { reason }) = self
            .records
            .get(self.global)
            .and_then(|r| r.reads.get(read.id))
        {
            return Err(FactError::read(
                self.global,
                read,
                ReadError::new(
                    ReadErrorKind::Invalid,
                    format!(
                        "{} is not served ({reason}): is `{}` the ACP global cluster?",
                        read.resource(),
                        self.global
                    ),
                ),
            ));
        }
        self.items(self.global, read)
    }

    /// Like [`Input::items`], but `Ok(None)` when the read was not made (a dump directory
    /// without its file, a snapshot from an older version): for a source that is one of several.
    pub fn items_if_read(
        &self,
        cluster: &str,
        read: &Read,
    ) -> Result<Option<&'a [Value]>, FactError> {
        match self.items(cluster, read) {
            Err(e) if e.error.kind == ReadErrorKind::NotCollected => Ok(None),
            other => other.map(Some),
        }
    }

    /// Whether the kind of a read is served on a cluster (its CRD is installed); an error when
    /// the read failed.
    pub fn served(&self, cluster: &str, read: &Read) -> Result<bool, FactError> {
        self.items(cluster, read)?;
        Ok(!matches!(
            self.records.get(cluster).and_then(|r| r.reads.get(read.id)),
            Some(ReadOutcome::Absent { .. })
        ))
    }

    /// The answer of a non-resource read ([`Read::path`], `/version`) on one cluster; `Ok(None)`
    /// when it is not served or was not made.
    pub fn object(&self, cluster: &str, read: &Read) -> Result<Option<&'a Value>, FactError> {
        match self.existing_object(cluster, read) {
            Err(e) if e.error.kind == ReadErrorKind::NotCollected => Ok(None),
            other => other,
        }
    }

    /// Like [`Input::object`], for an answer that is the only source of its facts: `Ok(None)`
    /// only when the server said it does not exist (404); a read that was not made is an
    /// error of kind [`ReadErrorKind::NotCollected`].
    pub fn existing_object(
        &self,
        cluster: &str,
        read: &Read,
    ) -> Result<Option<&'a Value>, FactError> {
        let fail = |error| FactError::read(cluster, read, error);
        match self.records.get(cluster).and_then(|r| r.reads.get(read.id)) {
            Some(ReadOutcome::Ok { items }) => match items.as_slice() {
                [object] if object.is_object() => Ok(Some(object)),
                _ => Err(fail(ReadError::new(
                    ReadErrorKind::Invalid,
                    format!("the answer to {} is not one JSON object", read.resource()),
                ))),
            },
            Some(ReadOutcome::Absent { .. }) => Ok(None),
            Some(ReadOutcome::Error(error)) => Err(fail(error.clone())),
            None => Err(fail(ReadError::new(
                ReadErrorKind::NotCollected,
                format!(
                    "the snapshot has no `{}` read for cluster {cluster}",
                    read.id
                ),
            ))),
        }
    }

    /// The items of one read on one cluster; `Ok(empty)` when the resource type is absent.
    pub fn items(&self, cluster: &str, read: &Read) -> Result<&'a [Value], FactError> {
        let Some(record) = self.records.get(cluster) else {
            return Err(FactError::read(
                cluster,
                read,
                ReadError::new(
                    ReadErrorKind::NotCollected,
                    format!("the snapshot has no data for cluster {cluster}"),
                ),
            ));
        };
        record_items(record, read)
    }

    /// The items of one read on the standby global cluster, when one was collected.
    pub fn standby_items(&self, read: &Read) -> Option<Result<&'a [Value], FactError>> {
        self.snapshot
            .standby
            .as_ref()
            .map(|record| record_items(record, read))
    }
}

/// The items of one read in one cluster's record (see [`Input::items`]).
fn record_items<'a>(record: &'a ClusterRecord, read: &Read) -> Result<&'a [Value], FactError> {
    static EMPTY: Vec<Value> = Vec::new();
    let fail = |error| FactError::read(&record.name, read, error);
    match record.reads.get(read.id) {
        Some(ReadOutcome::Ok { items }) => match items.iter().position(|i| !well_formed(i)) {
            // A list that is not all objects is not what the API serves: none of it is used.
            Some(index) => Err(fail(ReadError::new(
                ReadErrorKind::Invalid,
                format!(
                    "item {index} of the list is not a Kubernetes object with \
                     metadata.name, so the answer is not used"
                ),
            ))),
            None => Ok(items.as_slice()),
        },
        Some(ReadOutcome::Absent { .. }) => Ok(EMPTY.as_slice()),
        Some(ReadOutcome::Error(error)) => Err(fail(error.clone())),
        None => Err(fail(ReadError::new(
            ReadErrorKind::NotCollected,
            format!("the snapshot has no `{}` read for this cluster", read.id),
        ))),
    }
}

/// Whether a list item is a Kubernetes object: a map with a non-empty `metadata.name`.
fn well_formed(item: &Value) -> bool {
    item.pointer("/metadata/name")
        .and_then(Value::as_str)
        .is_some_and(|name| !name.is_empty())
}

/// `plural.group` (or just `plural` for the core group), as kubectl names a resource.
pub fn resource_name(read: &Read) -> String {
    read.resource()
}

/// The reads needed to establish the facts at these paths (as recorded in
/// [`crate::rules::Rule::reads`]), so a collection fetches only what the selected rules use.
/// Every fact about clusters needs the cluster list; `upgrade` needs the platform version.
pub fn reads_for<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<&'static Read> {
    let mut needed: Vec<&'static Read> = Vec::new();
    let mut need = |family_reads: &[&'static Read]| {
        for read in family_reads {
            if !needed.contains(read) {
                needed.push(read);
            }
        }
    };
    let family = |level: Level, name: &str| {
        FAMILIES
            .iter()
            .find(|f| f.level() == level && f.name() == name)
    };
    for path in paths {
        let mut parts = path.split('.');
        let root = parts.next().unwrap_or_default();
        let field = parts.next();
        match root {
            // The matched upgrade path is chosen by the platform version.
            "upgrade" => need(family(Level::Platform, "platform").map_or(&[], |f| f.reads())),
            // A control-plane node is an element of `control_plane.nodes`.
            "node" => need(family(Level::Platform, "control_plane").map_or(&[], |f| f.reads())),
            "cluster" | "clusters" => {
                need(clusters::READS);
                match field.and_then(|field| family(Level::Cluster, field)) {
                    Some(f) => need(f.reads()),
                    // The whole cluster value: every cluster-level family.
                    None if field.is_none() && root == "clusters" => FAMILIES
                        .iter()
                        .filter(|f| f.level() == Level::Cluster)
                        .for_each(|f| need(f.reads())),
                    None => {}
                }
            }
            name => {
                if let Some(f) = family(Level::Platform, name) {
                    need(f.reads());
                }
            }
        }
    }
    needed.sort_by_key(|r| reads::ALL.iter().position(|a| a == *r));
    needed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_follow_the_fact_paths() {
        let ids = |paths: &[&str]| -> Vec<&str> {
            reads_for(paths.iter().copied())
                .iter()
                .map(|r| r.id)
                .collect()
        };
        assert_eq!(ids(&["upgrade"]), ["productbases"]);
        assert_eq!(
            ids(&["cluster.recorded_kubernetes_version"]),
            ["clusters", "capi-clusters"]
        );
        assert_eq!(
            ids(&["cluster.istio.revisions", "upgrade.min_istio"]),
            [
                "productbases",
                "clusters",
                "capi-clusters",
                "istio-deployments"
            ]
        );
        assert_eq!(
            ids(&["cluster.elasticsearch"]),
            [
                "clusters",
                "capi-clusters",
                "moduleinfoes",
                "cpaas-statefulsets"
            ]
        );
        assert_eq!(
            ids(&["clusters", "capi-clusters"]),
            [
                "nodes",
                "clusters",
                "capi-clusters",
                "moduleinfoes",
                "clustermodules",
                "istio-deployments",
                "cpaas-statefulsets",
                "version",
                "cronjobs",
                "etcdbackupconfigurations",
                "resourcepatches",
                "clusterversionshadows",
                "postgresqls",
                "perconaxtradbclusters",
                "redis",
                "rdskafkas",
                "rabbitmqclusters",
                "subscriptions"
            ]
        );
        assert_eq!(
            ids(&["cluster.kubernetes.version"]),
            ["nodes", "clusters", "capi-clusters", "version"]
        );
        for paths in [&["control_plane.nodes"][..], &["node.minio.free_bytes"]] {
            assert_eq!(
                ids(paths),
                ["nodes", "node-filesystem-metrics"],
                "{paths:?}"
            );
        }
        assert!(ids(&["host.package", "path.free_bytes", "target", "params.x"]).is_empty());
    }

    #[test]
    fn every_family_has_a_unique_name_and_a_documented_object_schema() {
        let mut names = std::collections::BTreeSet::new();
        for family in FAMILIES {
            assert!(names.insert(family.name()), "{} twice", family.name());
            let schema = family.schema();
            assert!(
                schema.get("description").is_some(),
                "{}: the value type needs a doc comment",
                family.name()
            );
        }
    }
}
