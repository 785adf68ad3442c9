//! Bad input never panics: version texts, rule packs, kubectl output and raw objects of any
//! shape give errors or results, never a crash.

use std::path::Path;

use checker_core::facts::Facts;
use checker_core::snapshot::ReadOutcome;
use checker_core::version::Version;
use checker_core::{dump, engine, rules};
use proptest::prelude::*;
use serde_json::Value;

const PACK: &str = include_str!("../../rules/packs/acp-4.1.yaml");
const RULE: &str = include_str!("../../rules/checks/PackageExtractionDiskSpace.yaml");

/// Any JSON value, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z.0-9v+-]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("metadata".to_string()),
                    Just("name".to_string()),
                    Just("status".to_string()),
                    Just("version".to_string()),
                    Just("spec".to_string()),
                    Just("labels".to_string()),
                    Just("env".to_string()),
                    "[a-z]{1,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn version_parsing_never_panics(text in ".{0,24}") {
        let _ = Version::parse(&text);
    }

    #[test]
    fn version_order_is_consistent(
        a in (0u64..3, 0u64..40, proptest::option::of(0u64..20)),
        b in (0u64..3, 0u64..40, proptest::option::of(0u64..20)),
    ) {
        let text = |(major, minor, patch): (u64, u64, Option<u64>)| match patch {
            Some(p) => format!("v{major}.{minor}.{p}"),
            None => format!("{major}.{minor}"),
        };
        let (va, vb) = (Version::parse(&text(a)).unwrap(), Version::parse(&text(b)).unwrap());
        prop_assert_eq!(va.compare(&vb), vb.compare(&va).reverse());
        // A vendor suffix never changes the order.
        let suffixed = Version::parse(&format!("{}-eks-1552ad0", text(a))).unwrap();
        prop_assert_eq!(suffixed.compare(&vb), va.compare(&vb));
    }

    #[test]
    fn rule_pack_loading_never_panics_on_edits(at in 0usize..PACK.len(), cut in 0usize..40, insert in ".{0,12}") {
        let start = (0..=at).rev().find(|i| PACK.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + cut..=PACK.len()).find(|i| PACK.is_char_boundary(*i)).unwrap_or(PACK.len());
        let text = format!("{}{insert}{}", &PACK[..start], &PACK[end..]);
        if let Err(error) = rules::load("pack.yaml", &text) {
            prop_assert!(!error.diagnostics.is_empty());
        }
    }

    #[test]
    fn rule_file_loading_never_panics_on_edits(at in 0usize..RULE.len(), cut in 0usize..40, insert in ".{0,12}") {
        let start = (0..=at).rev().find(|i| RULE.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + cut..=RULE.len()).find(|i| RULE.is_char_boundary(*i)).unwrap_or(RULE.len());
        let text = format!("{}{insert}{}", &RULE[..start], &RULE[end..]);
        if let Err(error) = rules::load_file("rule.yaml", &text) {
            prop_assert!(!error.diagnostics.is_empty());
            let _ = error.render_snippets(false);
        }
    }

    #[test]
    fn rule_pack_loading_never_panics_on_garbage(text in ".{0,200}") {
        let _ = rules::load("pack.yaml", &text);
    }

    #[test]
    fn kubectl_output_parsing_never_panics(text in ".{0,200}") {
        let _ = dump::parse_kubectl_output(&text, "moduleinfoes.cluster.alauda.io", "ModuleInfo");
    }

    #[test]
    fn facts_and_rules_never_panic_on_objects_of_any_shape(
        items in prop::collection::vec(json(), 0..4),
        read in 0usize..5,
        cluster in 0usize..3,
    ) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/ready-3.18");
        let mut snapshot = dump::load(&dir).unwrap();
        let record = &mut snapshot.clusters[cluster];
        let id = ["productbases", "clusters", "moduleinfoes", "istio-deployments", "cpaas-statefulsets"][read];
        record.reads.insert(id.to_string(), ReadOutcome::Ok { items });
        let pack = rules::for_target("4.1").unwrap().unwrap();
        let results = engine::evaluate(&pack, &Facts::derive(&snapshot));
        prop_assert!(!results.is_empty());
    }
}
