//! Data-service instances of each cluster (PostgreSQL, MySQL-PXC, Redis, Kafka, RabbitMQ) and
//! their patch-upgrade strategy, and the operators OLM manages. Which kinds are read, and where
//! their strategy lives, is the table [`SERVICES`]: correct it there when a cluster serves them
//! elsewhere.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::raw::{name, text};
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::reads::{Read, ReadOn};

/// A custom kind listed in every namespace of every cluster.
const fn instances(
    id: &'static str,
    group: &'static str,
    version: &'static [&'static str],
    kind: &'static str,
    plural: &'static str,
    purpose: &'static str,
) -> Read {
    Read {
        id,
        group,
        versions: version,
        kind,
        plural,
        namespace: None,
        label_selector: None,
        path: None,
        text: false,
        on: ReadOn::EveryCluster,
        custom: true,
        short_name: None,
        purpose,
    }
}

/// PostgreSQL instances (the Zalando operator's `postgresql`; the group is an interpretation).
pub const POSTGRESQLS: Read = instances(
    "postgresqls",
    "acid.zalan.do",
    &["v1"],
    "postgresql",
    "postgresqls",
    "PostgreSQL instances (all restart during the upgrade)",
);
/// MySQL-PXC instances (the group is an interpretation).
pub const PXC_CLUSTERS: Read = instances(
    "perconaxtradbclusters",
    "pxc.percona.com",
    &["v1"],
    "PerconaXtraDBCluster",
    "perconaxtradbclusters",
    "MySQL-PXC instances and their upgrade strategy",
);
/// Redis instances.
pub const REDIS: Read = instances(
    "redis",
    "middleware.alauda.io",
    &["v1"],
    "Redis",
    "redis",
    "Redis instances and their upgrade strategy",
);
/// Kafka instances.
pub const KAFKAS: Read = instances(
    "rdskafkas",
    "middleware.alauda.io",
    &["v1"],
    "RdsKafka",
    "rdskafkas",
    "Kafka instances and their upgrade strategy",
);
/// RabbitMQ instances.
pub const RABBITMQ_CLUSTERS: Read = instances(
    "rabbitmqclusters",
    "rabbitmq.com",
    &["v1beta1"],
    "RabbitmqCluster",
    "rabbitmqclusters",
    "RabbitMQ instances and their upgrade strategy",
);
/// OLM Subscriptions: the operators installed through OperatorHub and their catalog source.
pub const SUBSCRIPTIONS: Read = instances(
    "subscriptions",
    "operators.coreos.com",
    &["v1alpha1"],
    "Subscription",
    "subscriptions",
    "installed operators (OLM Subscriptions) and their catalog source",
);

/// Each data service: its read, its name, and the pointer of its automatic-upgrade flag
/// (`None`: every instance restarts, there is no strategy).
pub const SERVICES: &[(&Read, &str, Option<&str>)] = &[
    (&POSTGRESQLS, "PostgreSQL", None),
    (
        &PXC_CLUSTERS,
        "MySQL-PXC",
        Some("/spec/upgradeOption/autoUpgrade"),
    ),
    (&REDIS, "Redis", Some("/spec/upgradeOption/autoUpgrade")),
    (&KAFKAS, "Kafka", Some("/spec/upgradeOption/autoUpgrade")),
    (
        &RABBITMQ_CLUSTERS,
        "RabbitMQ",
        Some("/spec/upgradeOption/autoUpgrade"),
    ),
];

/// The data services and operators of one cluster (`cluster.data_services`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DataServiceFacts {
    /// The data services whose kind the cluster serves (`PostgreSQL`, `Redis`…), instances or
    /// not: Data Services is installed there.
    pub installed: Vec<String>,
    /// Every data-service instance.
    pub instances: Vec<DataServiceInstance>,
    /// Every operator installed through OLM.
    pub operators: Vec<Operator>,
}

/// One data-service instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DataServiceInstance {
    /// `PostgreSQL`, `MySQL-PXC`, `Redis`, `Kafka` or `RabbitMQ`.
    pub service: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Whether the patch-upgrade strategy is automatic (`spec.upgradeOption.autoUpgrade`);
    /// null when the service has no strategy or the instance does not say.
    pub auto_upgrade: Option<bool>,
    /// The instance's `spec.mode` where the service has one (Kafka: `KRaft`, else ZooKeeper).
    pub mode: Option<String>,
}

/// One operator installed through OLM (a Subscription).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Operator {
    /// Namespace of the Subscription.
    pub namespace: String,
    /// Package (`spec.name`), else the Subscription's name.
    pub package: String,
    /// Catalog source (`spec.source`): `platform` and `system` are the platform's own.
    pub source: Option<String>,
    /// Install plan approval (`spec.installPlanApproval`): `Manual` or `Automatic`.
    pub approval: Option<String>,
}

/// The `data_services` family.
pub struct DataServices;

impl Provider for DataServices {
    type Value = DataServiceFacts;
    const NAME: &'static str = "data_services";
    const LEVEL: Level = Level::Cluster;
    const READS: &'static [&'static Read] = &[
        &POSTGRESQLS,
        &PXC_CLUSTERS,
        &REDIS,
        &KAFKAS,
        &RABBITMQ_CLUSTERS,
        &SUBSCRIPTIONS,
    ];

    fn derive(input: &Input<'_>, cluster: &ClusterBase) -> Result<DataServiceFacts, FactError> {
        let mut installed = Vec::new();
        let mut found = Vec::new();
        for (read, service, auto_upgrade) in SERVICES {
            if input.served(&cluster.name, read)? {
                installed.push(service.to_string());
            }
            for item in input.items(&cluster.name, read)? {
                found.push(DataServiceInstance {
                    service: service.to_string(),
                    namespace: text(item, &["metadata", "namespace"]).unwrap_or_default(),
                    name: name(item).to_string(),
                    auto_upgrade: auto_upgrade
                        .and_then(|pointer| item.pointer(pointer))
                        .and_then(Value::as_bool),
                    mode: text(item, &["spec", "mode"]),
                });
            }
        }
        let operators = input
            .items(&cluster.name, &SUBSCRIPTIONS)?
            .iter()
            .map(|item| Operator {
                namespace: text(item, &["metadata", "namespace"]).unwrap_or_default(),
                package: text(item, &["spec", "name"]).unwrap_or_else(|| name(item).to_string()),
                source: text(item, &["spec", "source"]),
                approval: text(item, &["spec", "installPlanApproval"]),
            })
            .collect();
        Ok(DataServiceFacts {
            installed,
            instances: found,
            operators,
        })
    }
}
