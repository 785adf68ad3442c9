//! Every text of every bundled rule is written in English and Russian, with the same template
//! holes; a rule file whose Russian shows other values than its English does not load; and
//! `--lang ru` evaluation gives the Russian texts.

use checker_core::dump;
use checker_core::engine::{Options, evaluate_selected};
use checker_core::facts::Facts;
use checker_core::lang::Lang;
use checker_core::report::Status;
use checker_core::rules::spec::{IncludeSpec, LocalText, PackRuleSpec};
use checker_core::rules::{self, library};

#[test]
fn every_bundled_rule_text_is_in_both_languages() {
    let library = library();
    assert!(!library.rules.is_empty());
    let mut missing = Vec::new();
    let mut texts = 0;
    for (id, rule) in &library.rules {
        for (field, text) in rule.spec.texts() {
            texts += 1;
            match text {
                LocalText::English(_) => missing.push(format!("{id}: {field} has no Russian")),
                LocalText::Both(both) if both.en.trim().is_empty() || both.ru.trim().is_empty() => {
                    missing.push(format!("{id}: {field} has an empty language"))
                }
                LocalText::Both(_) => {}
            }
        }
    }
    for (name, pack) in &library.packs {
        for (_, field, entries) in pack.phase_lists() {
            for (i, entry) in entries.iter().enumerate() {
                if let PackRuleSpec::Include(IncludeSpec {
                    step: Some(LocalText::English(_)),
                    ..
                }) = entry
                {
                    missing.push(format!("{name}: {field}[{i}].step has no Russian"));
                }
            }
        }
    }
    assert!(texts > 200, "only {texts} texts found");
    assert!(missing.is_empty(), "{missing:#?}");
}

/// A rule with one text field replaced; each case says which holes its Russian has.
fn rule_with_message(pass: &str) -> String {
    format!(
        "id: LangProbe\ntitle: {{en: Probe, ru: Проба}}\nseverity: blocker\nscope: platform\n\
         requirement: r\nrequire: platform.version != null\nexpected: {{en: any, ru: любая}}\n\
         message:\n  pass: {pass}\n  fail: {{en: no, ru: нет}}\n\
         remediation: {{en: fix it, ru: исправьте}}\n"
    )
}

#[test]
fn russian_must_show_the_values_the_english_shows() {
    // (the pass message, the problem named, or None when it loads)
    let cases: [(&str, Option<&str>); 6] = [
        (
            r#"{en: "version {{ platform.version }}", ru: "версия {{ platform.version }}"}"#,
            None,
        ),
        // Spacing inside the braces does not matter.
        (
            r#"{en: "version {{ platform.version }}", ru: "версия {{platform.version}}"}"#,
            None,
        ),
        (
            r#"{en: "version {{ platform.version }}", ru: "версия"}"#,
            Some("missing: {{ platform.version }}"),
        ),
        (
            r#"{en: "version", ru: "версия {{ platform.version }}"}"#,
            Some("not in the English: {{ platform.version }}"),
        ),
        (
            r#"{en: "{{ target }}", ru: "{{ platform.version }}"}"#,
            Some("missing: {{ target }}; not in the English: {{ platform.version }}"),
        ),
        // English only loads (a rule of one's own); the bundled ones are checked above.
        (r#""version {{ platform.version }}""#, None),
    ];
    for (pass, problem) in cases {
        let text = rule_with_message(pass);
        let loaded = rules::load_rule("probe.yaml", &text);
        match (problem, loaded) {
            (None, Ok(_)) => {}
            (None, Err(e)) => panic!("{pass}: {}", e.render()),
            (Some(problem), Ok(_)) => panic!("{pass}: loaded, expected {problem}"),
            (Some(problem), Err(e)) => {
                let rendered = e.render();
                assert!(rendered.contains(problem), "{pass}: {rendered}");
                assert!(rendered.contains("message.pass.ru"), "{pass}: {rendered}");
                assert!(rendered.contains("probe.yaml:9:"), "{pass}: {rendered}");
            }
        }
    }
}

#[test]
fn russian_results_carry_the_russian_texts() {
    let pack = rules::for_target("4.1").unwrap().expect("the 4.1 pack");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/not-ready-4.1");
    let snapshot = dump::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let facts = Facts::derive(&snapshot);
    let run = |lang| {
        let options = Options {
            lang,
            ..Options::default()
        };
        evaluate_selected(&pack, &facts, &options)
    };
    let (en, ru) = (run(Lang::En), run(Lang::Ru));
    assert_eq!(en.len(), ru.len());
    let mut failed = 0;
    for (en, ru) in en.iter().zip(&ru) {
        assert_eq!(
            (&en.rule, &en.subject, en.status),
            (&ru.rule, &ru.subject, ru.status)
        );
        let rule = pack
            .rules
            .iter()
            .find(|r| r.id == en.rule)
            .expect("the rule");
        for (lang, result) in [(Lang::En, en), (Lang::Ru, ru)] {
            assert_eq!(&result.title, rule.title.get(lang), "{}", result.rule);
            assert_eq!(
                &result.remediation,
                rule.remediation.get(lang),
                "{}",
                result.rule
            );
        }
        assert_ne!(en.title, ru.title, "{}", en.rule);
        if en.status == Status::Fail {
            failed += 1;
            assert_ne!(en.message, ru.message, "{}", en.rule);
            assert!(
                ru.message
                    .chars()
                    .any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)),
                "{}: {}",
                ru.rule,
                ru.message
            );
        }
    }
    assert!(failed > 3, "the fixture fails only {failed} checks");
}
