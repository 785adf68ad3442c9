//! Rule evaluation speed: derive facts and evaluate the ACP 4.1 pack for a large fleet, offline.
//!
//! `cargo bench -p checker-core --bench evaluate [-- CLUSTERS]` builds a snapshot of the global
//! cluster plus CLUSTERS (default 200) copies of the `ready-3.18` fixture's `prod-1`, then prints
//! the median time of 10 runs of `Facts::derive` + `engine::evaluate`.

use std::path::Path;
use std::time::{Duration, Instant};

use checker_core::facts::Facts;
use checker_core::snapshot::{ReadOutcome, Snapshot};
use checker_core::{dump, engine, rules};

fn fleet(clusters: usize) -> Snapshot {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/ready-3.18");
    let mut snapshot = dump::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let template = snapshot
        .clusters
        .iter()
        .find(|c| c.name == "prod-1")
        .cloned()
        .expect("prod-1 in the fixture");
    let global = &mut snapshot.clusters[0];
    let (
        Some(ReadOutcome::Ok {
            items: cluster_list,
        }),
        Some(ReadOutcome::Ok { items: plugins }),
    ) = (
        global.reads.get("clusters").cloned(),
        global.reads.get("moduleinfoes").cloned(),
    )
    else {
        panic!("the fixture's global cluster lists clusters and plugins");
    };
    let cluster_template = cluster_list
        .iter()
        .find(|c| c["metadata"]["name"] == "prod-1")
        .cloned()
        .expect("prod-1 object");
    let plugin_templates: Vec<_> = plugins
        .iter()
        .filter(|p| p["metadata"]["labels"]["cpaas.io/cluster-name"] == "prod-1")
        .cloned()
        .collect();
    let mut new_clusters = cluster_list;
    let mut new_plugins = plugins;
    for i in 0..clusters {
        let name = format!("fleet-{i:04}");
        let mut cluster = cluster_template.clone();
        cluster["metadata"]["name"] = name.clone().into();
        new_clusters.push(cluster);
        for plugin in &plugin_templates {
            let mut plugin = plugin.clone();
            plugin["metadata"]["labels"]["cpaas.io/cluster-name"] = name.clone().into();
            new_plugins.push(plugin);
        }
        let mut record = template.clone();
        record.name = name;
        snapshot.clusters.push(record);
    }
    let global = &mut snapshot.clusters[0];
    global.reads.insert(
        "clusters".into(),
        ReadOutcome::Ok {
            items: new_clusters,
        },
    );
    global.reads.insert(
        "moduleinfoes".into(),
        ReadOutcome::Ok { items: new_plugins },
    );
    snapshot
}

fn main() {
    let clusters = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let pack = rules::for_target("4.1")
        .ok()
        .flatten()
        .expect("bundled 4.1 pack");
    let snapshot = fleet(clusters);
    let mut times: Vec<Duration> = (0..10)
        .map(|_| {
            let start = Instant::now();
            let results = engine::evaluate(&pack, &Facts::derive(&snapshot));
            std::hint::black_box(results);
            start.elapsed()
        })
        .collect();
    times.sort();
    let start = Instant::now();
    let facts = Facts::derive(&snapshot);
    let derive = start.elapsed();
    let start = Instant::now();
    std::hint::black_box(engine::evaluate(&pack, &facts));
    println!(
        "derive {:.1} ms, evaluate {:.1} ms",
        derive.as_secs_f64() * 1e3,
        start.elapsed().as_secs_f64() * 1e3
    );
    let results = engine::evaluate(&pack, &Facts::derive(&snapshot)).len();
    println!(
        "evaluate: {} clusters, {} rules, {results} results: median {:.1} ms (min {:.1} ms, max {:.1} ms)",
        snapshot.clusters.len(),
        pack.rules.len(),
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
    );
}
