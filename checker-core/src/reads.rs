//! The catalogue of Kubernetes reads the checker makes.
//!
//! Every fact about a cluster is derived from the raw objects of one of these reads. The same
//! catalogue drives live collection, the snapshot format, the `kubectl` dump-directory layout
//! (one `<id>.json` file per read) and the read-only RBAC role, so they cannot drift apart.

/// Where a read is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadOn {
    /// Only on the global cluster (platform-wide objects such as ProductBase or ModuleInfo).
    Global,
    /// On every cluster, the global one included.
    EveryCluster,
    /// Only on the standby global cluster of a disaster-recovery pair (the etcd Synchronizer).
    Standby,
}

/// A cluster's place in the platform, which decides the reads made on it ([`Read::made_on`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The (primary) global cluster.
    Global,
    /// The standby global cluster of a disaster-recovery pair.
    Standby,
    /// A workload cluster.
    Workload,
}

/// One list request against one kind of Kubernetes object, or (with [`Read::path`]) one GET of
/// a non-resource URL such as `/version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Read {
    /// Stable identifier; also the file name in a dump directory ([`Read::file_name`]).
    pub id: &'static str,
    /// API group; empty for the core group.
    pub group: &'static str,
    /// API versions the checker understands, most preferred first.
    pub versions: &'static [&'static str],
    /// Kind of the objects.
    pub kind: &'static str,
    /// Resource (plural) name.
    pub plural: &'static str,
    /// Namespace to list in; `None` for cluster-scoped kinds, and for namespaced kinds listed in
    /// every namespace.
    pub namespace: Option<&'static str>,
    /// Label selector of the list (`app=istiod`), when only some objects are wanted.
    pub label_selector: Option<&'static str>,
    /// A URL read with one GET instead of a list: a non-resource URL (`/version`), or a
    /// service's backend through the service proxy (`/api/v1/namespaces/<ns>/services/<name>/
    /// proxy/<path>`, with `kind` Service). Its answer is recorded as the only item. `None` for a
    /// list of `kind`.
    pub path: Option<&'static str>,
    /// Whether the answer of a [`Read::path`] read is plain text rather than a JSON object; it
    /// is recorded as the item `{"text": "<answer>"}` (in a dump directory, `<id>.txt`).
    pub text: bool,
    /// Which clusters this read is made on.
    pub on: ReadOn,
    /// Whether the kind is served by a CustomResourceDefinition (absent CRD = "not installed").
    pub custom: bool,
    /// For a custom kind whose API group is not published: its short name (`cvsh`), by which
    /// API discovery finds the group, version and resource it is served under. `group` is then
    /// empty and `versions` lists none; `plural` is the expected resource name (for RBAC).
    pub short_name: Option<&'static str>,
    /// What the facts derived from this read are used for.
    pub purpose: &'static str,
}

impl Read {
    /// The `kubectl` command that produces this read's file in a dump directory.
    pub fn kubectl_command(&self) -> String {
        if let Some(path) = self.path {
            // A query string (`?`, `&`, `~`) must reach kubectl as written.
            let path = if path.contains(['?', '&', '~']) {
                format!("'{path}'")
            } else {
                path.to_string()
            };
            return format!("kubectl get --raw {path} > {}", self.file_name());
        }
        // kubectl resolves a short name by discovery, as the checker does.
        let resource = self
            .short_name
            .map_or_else(|| self.resource(), str::to_string);
        let mut command = format!("kubectl get {resource}");
        match self.namespace {
            Some(ns) => command.push_str(&format!(" -n {ns}")),
            // A selected read looks in every namespace (`-A` is harmless for cluster kinds).
            None if self.label_selector.is_some() => command.push_str(" -A"),
            None => {}
        }
        if let Some(selector) = self.label_selector {
            command.push_str(&format!(" -l {selector}"));
        }
        format!("{command} -o json > {}", self.file_name())
    }

    /// Whether this read is made on a cluster at `place`: global reads on both globals,
    /// standby reads on the standby only.
    pub fn made_on(&self, place: Place) -> bool {
        match self.on {
            ReadOn::EveryCluster => true,
            ReadOn::Global => place != Place::Workload,
            ReadOn::Standby => place == Place::Standby,
        }
    }

    /// The read's file in a dump directory: `<id>.json`, or `<id>.txt` for a text answer.
    pub fn file_name(&self) -> String {
        format!("{}.{}", self.id, if self.text { "txt" } else { "json" })
    }

    /// How a text answer is recorded: the only item of the read.
    pub fn text_item(text: &str) -> serde_json::Value {
        serde_json::json!({ "text": text })
    }

    /// For a read through the service proxy, the Service's namespace and name.
    pub fn proxied_service(&self) -> Option<(&'static str, &'static str)> {
        let rest = self.path?.strip_prefix("/api/v1/namespaces/")?;
        let (namespace, rest) = rest.split_once("/services/")?;
        let (service, _) = rest.split_once("/proxy")?;
        Some((namespace, service))
    }

    /// For a GET of one object by its path (`/api/v1/namespaces/<ns>/<plural>/<name>`), its
    /// namespace and name.
    pub fn named_object(&self) -> Option<(&'static str, &'static str)> {
        let rest = self.path?.strip_prefix("/api/v1/namespaces/")?;
        match rest.split('/').collect::<Vec<_>>().as_slice() {
            [namespace, plural, name] if *plural == self.plural => Some((namespace, name)),
            _ => None,
        }
    }

    /// `plural.group` (or just `plural` for the core group), as kubectl and RBAC name it.
    pub fn resource(&self) -> String {
        if let Some(path) = self.path {
            path.to_string()
        } else if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Whether the CustomResourceDefinition named `crd` (`plural.group`) serves this read's
    /// kind; for a kind known by short name, any group will do.
    pub fn served_by_crd(&self, crd: &str) -> bool {
        match self.short_name {
            Some(_) => crd
                .strip_prefix(self.plural)
                .is_some_and(|group| group.starts_with('.')),
            None => crd == self.resource(),
        }
    }

    /// `group/version` as used in `apiVersion`, for the given version.
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{}", self.group, version)
        }
    }
}

// The reads the collector and tests name directly; a new family needs no line here.
pub use crate::facts::clusters::{CAPI_CLUSTERS, CLUSTERS};
pub use crate::facts::elasticsearch::ELASTICSEARCH_STATEFULSETS;
pub use crate::facts::istio::ISTIO_DEPLOYMENTS;
pub use crate::facts::platform::PRODUCT_BASES;
pub use crate::facts::plugins::MODULE_INFOS;

/// Every read, in a stable order: the reads the fact families declare ([`crate::facts::FAMILIES`],
/// platform-level families first, then the cluster inventory, then cluster-level families),
/// each once. Use it as a slice: `reads::ALL.iter()`, `for read in reads::ALL`.
pub const ALL: Catalogue = Catalogue;

/// The read catalogue, computed once from the fact families (see [`ALL`]).
#[derive(Debug, Clone, Copy)]
pub struct Catalogue;

impl std::ops::Deref for Catalogue {
    type Target = [Read];

    fn deref(&self) -> &[Read] {
        catalogue()
    }
}

/// The catalogue's reads, computed on first use.
fn catalogue() -> &'static [Read] {
    {
        static READS: std::sync::OnceLock<Vec<Read>> = std::sync::OnceLock::new();
        READS.get_or_init(|| {
            use crate::facts::{FAMILIES, Level};
            let platform = FAMILIES.iter().filter(|f| f.level() == Level::Platform);
            let cluster = FAMILIES.iter().filter(|f| f.level() == Level::Cluster);
            let mut all: Vec<Read> = Vec::new();
            let declared = platform
                .flat_map(|f| f.reads())
                .chain(crate::facts::clusters::READS)
                .chain(cluster.flat_map(|f| f.reads()));
            for read in declared {
                if !all.iter().any(|r| r.id == read.id) {
                    all.push(**read);
                }
            }
            all
        })
    }
}

impl IntoIterator for Catalogue {
    type Item = &'static Read;
    type IntoIter = std::slice::Iter<'static, Read>;

    fn into_iter(self) -> Self::IntoIter {
        catalogue().iter()
    }
}

/// The read catalogue as a Markdown page (`docs/reads.md`, written by `cargo xtask generate`):
/// each read's file name in a dump directory, where it is made, what it reads, and the exact
/// `kubectl` command that produces the file.
pub fn markdown() -> String {
    let mut page = String::from(
        "# The reads acp-preflight makes\n\n\
         Generated from the read catalogue (`checker_core::reads::ALL`, declared by the fact families in \
         `checker-core/src/facts/<family>.rs`) by `cargo xtask generate`; do not edit.\n\n\
         Each read is one file `<id>.json` (`<id>.txt` for a text answer) per cluster in a dump directory, holding what its command \
         prints. Live, a list is read page by page (`limit`/`continue`); the same reads make the RBAC \
         role in `deploy/rbac.yaml`.\n\n\
         `kubectl get --raw PATH` sends PATH as given, dropping the path of the kubeconfig's server \
         URL: for a cluster reached through the ACP proxy (`server: https://<platform>/kubernetes/<cluster>`), \
         write `kubectl get --raw /kubernetes/<cluster>/version`, or the answer is not that cluster's.\n\n\
         | Read ID (file name) | Where | What | kubectl command | Used for |\n\
         |---|---|---|---|---|\n",
    );
    for read in ALL {
        let place = match read.on {
            ReadOn::Global => "global",
            ReadOn::EveryCluster => "every cluster",
            ReadOn::Standby => "standby global",
        };
        let mut what = format!("`{}`", read.resource());
        match (read.namespace, read.label_selector) {
            (Some(ns), _) => what.push_str(&format!(" in `{ns}`")),
            (None, Some(selector)) => {
                what.push_str(&format!(" labelled `{selector}`, in every namespace"))
            }
            (None, None) => {}
        }
        page.push_str(&format!(
            "| `{}` | {place} | {what} | `{}` | {} |\n",
            read.id,
            read.kubectl_command(),
            read.purpose
        ));
    }
    page
}

/// Looks a read up by its identifier.
pub fn by_id(id: &str) -> Option<&'static Read> {
    ALL.iter().find(|r| r.id == id)
}
