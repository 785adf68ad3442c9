//! The objects of one generated cluster, made from the templates of its profile: its tkestack
//! `Cluster` and its ModuleInfos (both on the global cluster), its nodes and its `/version`
//! answer, with the fixture's names and addresses rewritten to the cluster's own, and stable
//! uids.

use std::net::Ipv4Addr;

use serde_json::{Value, json};

use super::{Parts, Plan};
use crate::templates::{
    FIXTURE_EKS, FIXTURE_GLOBAL, FIXTURE_GLOBAL_NET, FIXTURE_PROD, FIXTURE_PROD_NET, label,
};

/// The region of the generated Amazon EKS node names.
const EKS_REGION: &str = "ap-southeast-1";
/// Control-plane nodes per On-Premises cluster (the rest are workers).
const CONTROL_PLANE_NODES: usize = 3;
/// Host part, in a cluster's /24-like anchor, of the first node (as in the fixture: .11).
const FIRST_NODE_HOST: u32 = 11;

/// Rewrites template strings for one generated cluster: the fixture's cluster names become the
/// cluster's name, and the fixture's machine addresses (`192.168.130.N`, `192.168.140.N`)
/// become the same host `N` in the cluster's own address block. Only whole strings are
/// rewritten, so image references such as `192.168.130.10:11443/asm/pilot:1.22.4` (the
/// platform registry) stay as they are.
pub(super) struct Rewriter<'a> {
    name: &'a str,
    anchor: u32,
}

impl<'a> Rewriter<'a> {
    pub(super) fn new(name: &'a str, index: usize) -> Rewriter<'a> {
        Rewriter {
            name,
            anchor: anchor(index),
        }
    }

    pub(super) fn apply(&self, value: &mut Value) {
        match value {
            Value::String(text) => {
                if let Some(new) = self.rewritten(text) {
                    *text = new;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.apply(v)),
            Value::Object(fields) => fields.values_mut().for_each(|v| self.apply(v)),
            _ => {}
        }
    }

    fn rewritten(&self, text: &str) -> Option<String> {
        if [FIXTURE_GLOBAL, FIXTURE_PROD, FIXTURE_EKS].contains(&text) {
            return Some(self.name.to_string());
        }
        [FIXTURE_GLOBAL_NET, FIXTURE_PROD_NET]
            .iter()
            .find_map(|net| text.strip_prefix(net)?.parse::<u8>().ok())
            .map(|host| self.ip(u32::from(host)).to_string())
    }

    /// Host `host` of the cluster's address block.
    fn ip(&self, host: u32) -> Ipv4Addr {
        Ipv4Addr::from(self.anchor + host)
    }
}

/// The base of cluster `index`'s addresses: the global cluster keeps the fixture's
/// `192.168.130.0/24` (within `192.168.128.0/19`); workload cluster `i` gets the `i`-th /19 of
/// `10.0.0.0/8`, addressed from its third /24 like the global one.
fn anchor(index: usize) -> u32 {
    let block = match index {
        0 => u32::from(Ipv4Addr::new(192, 168, 128, 0)),
        i => u32::from(Ipv4Addr::new(10, 0, 0, 0)) + (i as u32 - 1) * 8192,
    };
    block + 512
}

/// The tkestack `Cluster` object of a cluster, for the global cluster.
pub(super) fn cluster_object(parts: &Parts, plan: &Plan, rewrite: &Rewriter) -> Value {
    let mut object = parts.cluster.clone();
    rewrite.apply(&mut object);
    object["metadata"]["name"] = json!(plan.name);
    object["metadata"]["uid"] = json!(uid(&["cluster", &plan.name]));
    object["status"]["version"] = json!(plan.version);
    if object.pointer("/spec/version").is_some() {
        object["spec"]["version"] = json!(plan.version.trim_start_matches('v'));
    }
    object
}

/// The ModuleInfo objects (on the global cluster) of a cluster's plugins.
pub(super) fn module_infos(parts: &Parts, plan: &Plan, rewrite: &Rewriter) -> Vec<Value> {
    let owner_uid = uid(&["cluster", &plan.name]);
    parts
        .module_infos
        .iter()
        .map(|template| {
            let mut object = (*template).clone();
            rewrite.apply(&mut object);
            let module = label(&object, "cpaas.io/module-name")
                .unwrap_or("")
                .to_string();
            let h = hash(&["moduleinfo", &plan.name, &module]);
            object["metadata"]["name"] = json!(format!("{}-{:016x}{:016x}", plan.name, h.0, h.1));
            object["metadata"]["uid"] = json!(uid(&["moduleinfo", &plan.name, &module]));
            if let Some(Value::Array(owners)) = object.pointer_mut("/metadata/ownerReferences") {
                for owner in owners {
                    owner["uid"] = json!(owner_uid);
                }
            }
            object
        })
        .collect()
}

/// The platform registry the generated node images come from (the fixture's).
const REGISTRY: &str = "192.168.130.10:11443";
/// Repositories of the generated node images, cycled through.
const IMAGE_REPOSITORIES: [&str; 10] = [
    "acp/alauda-cluster-base",
    "acp/kube-ovn",
    "ait/prometheus",
    "ait/log-agent",
    "acp/coredns",
    "acp/kube-proxy",
    "asm/proxyv2",
    "acp/nginx-ingress-controller",
    "acp/pause",
    "3rdparty/elasticsearch",
];

/// The `/version` answer of a cluster: its Kubernetes version, in the shape of the fixture's
/// `version.json`.
pub(super) fn version_info(parts: &Parts, plan: &Plan) -> Value {
    let numbers: Vec<&str> = plan.version.trim_start_matches('v').split('.').collect();
    let number = |i: usize| -> String {
        numbers
            .get(i)
            .map(|s| s.chars().take_while(char::is_ascii_digit).collect())
            .unwrap_or_default()
    };
    let mut info = parts.nodes.version.clone();
    info["major"] = json!(number(0));
    info["minor"] = json!(number(1));
    info["gitVersion"] = json!(plan.version);
    info
}

/// `count` entries of a node's `status.images`, as the kubelet reports them: each image by
/// digest and by tag, with its size. Names and sizes are the same on every node of a cluster.
fn images(count: usize) -> Value {
    (0..count)
        .map(|i| {
            let repository = IMAGE_REPOSITORIES[i % IMAGE_REPOSITORIES.len()];
            let variant = i / IMAGE_REPOSITORIES.len();
            let (a, b) = hash(&["image", repository, &variant.to_string()]);
            let (c, d) = hash(&["digest", repository, &variant.to_string()]);
            json!({
                "names": [
                    format!("{REGISTRY}/{repository}@sha256:{a:016x}{b:016x}{c:016x}{d:016x}"),
                    format!("{REGISTRY}/{repository}:v3.18.{variant}"),
                ],
                "sizeBytes": 20_000_000 + (a % 400_000_000),
            })
        })
        .collect()
}

/// Node `n` of a cluster, with `image_count` entries in `status.images`.
pub(super) fn node(parts: &Parts, plan: &Plan, n: usize, image_count: usize) -> Value {
    let control_plane = !plan.profile.managed() && n < CONTROL_PLANE_NODES;
    let template = if control_plane {
        &parts.nodes.control_plane_node
    } else {
        &parts.nodes.worker_node
    };
    let mut object = template.clone();
    let ip = Ipv4Addr::from(anchor(plan.index) + FIRST_NODE_HOST + n as u32);
    let name = if plan.profile.managed() {
        let [a, b, c, d] = ip.octets();
        format!("ip-{a}-{b}-{c}-{d}.{EKS_REGION}.compute.internal")
    } else {
        ip.to_string()
    };
    object["metadata"]["name"] = json!(name);
    object["metadata"]["uid"] = json!(uid(&["node", &plan.name, &name]));
    if let Some(Value::Object(labels)) = object.pointer_mut("/metadata/labels") {
        labels.insert("kubernetes.io/hostname".to_string(), json!(name));
    }
    if let Some(Value::Object(annotations)) = object.pointer_mut("/metadata/annotations")
        && annotations.contains_key("ovn.kubernetes.io/port_name")
    {
        annotations.insert(
            "ovn.kubernetes.io/port_name".to_string(),
            json!(format!("node-{name}")),
        );
    }
    object["status"]["addresses"] = json!([
        {"address": ip.to_string(), "type": "InternalIP"},
        {"address": name, "type": "Hostname"},
    ]);
    object["status"]["nodeInfo"]["kubeletVersion"] = json!(plan.version);
    object["status"]["nodeInfo"]["kubeProxyVersion"] = json!(plan.version);
    if image_count > 0 {
        object["status"]["images"] = images(image_count);
    }
    object
}

/// A stable 128-bit hash of some strings (two FNV-1a 64 hashes with different seeds).
fn hash(parts: &[&str]) -> (u64, u64) {
    let fnv = |seed: u64| {
        let mut h = seed;
        for part in parts {
            for byte in part.bytes().chain(std::iter::once(0)) {
                h ^= u64::from(byte);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        h
    };
    (fnv(0xcbf2_9ce4_8422_2325), fnv(0x6c62_272e_07bb_0142))
}

/// A stable UUID-shaped identifier for some strings.
fn uid(parts: &[&str]) -> String {
    let (a, b) = hash(parts);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::GLOBAL;

    #[test]
    fn rewriting_keeps_image_references() {
        let rewrite = Rewriter::new("prod-007", 7);
        let mut object = json!({
            "a": "prod-1",
            "b": ["192.168.140.21", "192.168.130.10:11443/asm/pilot:1.22.4"],
            "c": {"d": "192.168.130.11", "e": "prod-10"},
        });
        rewrite.apply(&mut object);
        assert_eq!(
            object,
            json!({
                "a": "prod-007",
                "b": ["10.0.194.21", "192.168.130.10:11443/asm/pilot:1.22.4"],
                "c": {"d": "10.0.194.11", "e": "prod-10"},
            })
        );
        // The global cluster keeps the fixture's addresses.
        assert_eq!(
            Rewriter::new(GLOBAL, 0).rewritten("192.168.130.21"),
            Some("192.168.130.21".to_string())
        );
    }

    #[test]
    fn node_images_as_the_kubelet_lists_them() {
        let list = images(50);
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 50);
        let names: std::collections::BTreeSet<_> = list
            .iter()
            .map(|i| i["names"][0].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 50, "distinct images");
        assert!(list[0]["names"][0].as_str().unwrap().contains("@sha256:"));
        assert!(list[0]["sizeBytes"].as_u64().unwrap() > 0);
        assert_eq!(images(0), json!([]));
    }

    #[test]
    fn uids_are_stable_and_distinct() {
        assert_eq!(uid(&["a", "b"]), uid(&["a", "b"]));
        assert_ne!(uid(&["a", "b"]), uid(&["ab"]));
        assert_eq!(uid(&["x"]).len(), 36);
    }
}
