//! The output's language: `--lang`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`, the first
//! set and not empty), else English; Russian titles, messages, headings, verdicts and errors.

use serde_json::Value;

use crate::common::{Run, fixture, run_with};

fn is_russian(text: &str) -> bool {
    text.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

fn check(extra: &[&str], env: &[(&str, &str)]) -> Run {
    let snapshot = fixture("not-ready-4.1").display().to_string();
    let mut args = vec!["check", "--snapshot", &snapshot];
    args.extend(extra);
    run_with(&args, env)
}

#[test]
fn the_flag_then_the_locale_choose_the_language() {
    // (flag, environment, language)
    type Case<'a> = (Option<&'a str>, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 10] = [
        (None, &[], "en"),
        (None, &[("LANG", "ru_RU.UTF-8")], "ru"),
        (None, &[("LANG", "ru")], "ru"),
        (None, &[("LANG", "de_DE.UTF-8")], "en"),
        (None, &[("LC_ALL", "C"), ("LANG", "ru_RU.UTF-8")], "en"),
        (None, &[("LC_ALL", ""), ("LANG", "ru_RU.UTF-8")], "ru"),
        (
            None,
            &[("LC_MESSAGES", "ru_RU.UTF-8"), ("LANG", "en_US.UTF-8")],
            "ru",
        ),
        (Some("en"), &[("LANG", "ru_RU.UTF-8")], "en"),
        (Some("ru"), &[("LC_ALL", "C")], "ru"),
        (Some("ru"), &[], "ru"),
    ];
    for (flag, env, lang) in cases {
        let mut args = vec!["-o", "json"];
        if let Some(flag) = flag {
            args.extend(["--lang", flag]);
        }
        let run = check(&args, env);
        assert_eq!(run.code, 3, "{flag:?} {env:?}: {}", run.stderr);
        let report = run.json();
        assert_eq!(report["language"], lang, "{flag:?} {env:?}");
        let titles: Vec<&str> = report["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter_map(|r| r["title"].as_str())
            .collect();
        assert!(!titles.is_empty());
        assert!(
            titles.iter().all(|t| is_russian(t) == (lang == "ru")),
            "{flag:?} {env:?}: {titles:?}"
        );
    }
}

#[test]
fn every_human_format_speaks_russian() {
    // (format, what it must say)
    let cases: [(&str, &[&str]); 5] = [
        (
            "table",
            &["Вердикт: НЕ ГОТОВО", "Что сделать", "Кластеры", "ПРОВАЛ"],
        ),
        (
            "markdown",
            &[
                "**Вердикт:** НЕ ГОТОВО",
                "### Исправить",
                "| Статус | Правило",
            ],
        ),
        ("github", &["Вердикт: НЕ ГОТОВО", "Как исправить:"]),
        (
            "html",
            &[
                "<html lang=\"ru\">",
                "Вердикт: НЕ ГОТОВО",
                "Кластеры × правила",
            ],
        ),
        ("junit", &["Kubernetes"]),
    ];
    for (format, says) in cases {
        let run = check(&["--lang", "ru", "-o", format], &[]);
        assert_eq!(run.code, 3, "{format}: {}", run.stderr);
        for text in says {
            assert!(
                run.stdout.contains(text),
                "{format}: no {text:?}:\n{}",
                run.stdout
            );
        }
        assert!(is_russian(&run.stdout), "{format}");
        for english in ["Verdict:", "What to do", "NOT READY"] {
            assert!(
                !run.stdout.contains(english),
                "{format}: {english:?} in Russian output"
            );
        }
    }
    // SARIF carries the Russian messages; its properties and IDs stay as they are.
    let sarif = check(&["--lang", "ru", "-o", "sarif"], &[]);
    let sarif: Value = serde_json::from_str(&sarif.stdout).expect("SARIF");
    let first = &sarif["runs"][0]["results"][0];
    assert!(
        is_russian(first["message"]["text"].as_str().expect("message")),
        "{first}"
    );
    assert!(first["ruleId"].as_str().is_some_and(|id| id.is_ascii()));
}

#[test]
fn errors_are_framed_in_russian() {
    let run = run_with(
        &["check", "--snapshot", "/nonexistent/snapshot.json"],
        &[("LANG", "ru_RU.UTF-8")],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.starts_with("ошибка: "), "{}", run.stderr);
    assert!(
        run.stderr.contains("/nonexistent/snapshot.json"),
        "{}",
        run.stderr
    );
    let run = run_with(&["check", "--snapshot", "/nonexistent/snapshot.json"], &[]);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
}

/// clap's own errors (a bad flag) keep their words, framed as the tool's errors are.
#[test]
fn a_bad_flag_is_framed_in_the_language_asked() {
    // (arguments, environment, the frame)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 4] = [
        (
            &["check", "--bogus"],
            &[("LANG", "ru_RU.UTF-8")],
            "ошибка: ",
        ),
        (&["check", "--lang", "ru", "--bogus"], &[], "ошибка: "),
        (&["check", "--lang=ru", "--bogus"], &[], "ошибка: "),
        (&["check", "--bogus"], &[], "error: "),
    ];
    for (args, env, frame) in cases {
        let run = run_with(args, env);
        assert_eq!(run.code, 2, "{args:?} {env:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with(frame),
            "{args:?} {env:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("--bogus"), "{}", run.stderr);
    }
}

#[test]
fn an_unknown_language_is_a_usage_error() {
    let run = check(&["--lang", "de"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--lang"), "{}", run.stderr);
    assert!(run.stderr.contains("en, ru"), "{}", run.stderr);
}
