//! Periodic etcd backup tasks of each cluster: its CronJobs (3.x custom backup policies run as
//! CronJobs) and, from 4.1, its EtcdBackupConfiguration objects. Which of them are custom etcd
//! backups is decided by the rule that reads them, so the match can be corrected as data.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::raw::{name, text};
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::reads::{Read, ReadOn};

/// CronJobs in every namespace.
pub const CRON_JOBS: Read = Read {
    id: "cronjobs",
    group: "batch",
    versions: &["v1"],
    kind: "CronJob",
    plural: "cronjobs",
    namespace: None,
    label_selector: None,
    path: None,
    text: false,
    on: ReadOn::EveryCluster,
    custom: false,
    short_name: None,
    purpose: "periodic tasks, among them custom etcd backup policies (3.x)",
};

/// EtcdBackupConfiguration objects (Cluster Enhancer, 4.1+; `etcd-backup-default` is the
/// platform's own).
pub const ETCD_BACKUP_CONFIGURATIONS: Read = Read {
    id: "etcdbackupconfigurations",
    group: "enhancement.cluster.alauda.io",
    versions: &["v1"],
    kind: "EtcdBackupConfiguration",
    plural: "etcdbackupconfigurations",
    namespace: None,
    label_selector: None,
    path: None,
    text: false,
    on: ReadOn::EveryCluster,
    custom: true,
    short_name: None,
    purpose: "etcd backup configurations (4.1+): any besides etcd-backup-default",
};

/// The periodic backup tasks of one cluster (`cluster.backups`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BackupFacts {
    /// Every CronJob of the cluster.
    pub cron_jobs: Vec<CronJob>,
    /// Names of the EtcdBackupConfiguration objects; empty when the kind is not installed.
    pub etcd_backup_configurations: Vec<String>,
}

/// One CronJob.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CronJob {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Cron schedule (`spec.schedule`).
    pub schedule: Option<String>,
    /// Whether it is suspended (`spec.suspend`).
    pub suspended: bool,
    /// Name of the object that owns it (first `ownerReferences` entry), if any.
    pub owner: Option<String>,
    /// Its labels as `key=value` texts.
    pub labels: Vec<String>,
}

/// The `backups` family.
pub struct Backups;

impl Provider for Backups {
    type Value = BackupFacts;
    const NAME: &'static str = "backups";
    const LEVEL: Level = Level::Cluster;
    const READS: &'static [&'static Read] = &[&CRON_JOBS, &ETCD_BACKUP_CONFIGURATIONS];

    fn derive(input: &Input<'_>, cluster: &ClusterBase) -> Result<BackupFacts, FactError> {
        let cron_jobs = input
            .items(&cluster.name, &CRON_JOBS)?
            .iter()
            .map(cron_job)
            .collect();
        let etcd_backup_configurations = input
            .items(&cluster.name, &ETCD_BACKUP_CONFIGURATIONS)?
            .iter()
            .map(|item| name(item).to_string())
            .collect();
        Ok(BackupFacts {
            cron_jobs,
            etcd_backup_configurations,
        })
    }
}

fn cron_job(item: &Value) -> CronJob {
    let labels = item
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    CronJob {
        namespace: text(item, &["metadata", "namespace"]).unwrap_or_default(),
        name: name(item).to_string(),
        schedule: text(item, &["spec", "schedule"]),
        suspended: item
            .pointer("/spec/suspend")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        owner: item
            .pointer("/metadata/ownerReferences/0/name")
            .and_then(Value::as_str)
            .map(str::to_string),
        labels,
    }
}
