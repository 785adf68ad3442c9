//! Which pack a run uses: the one `--target` names (`4.3`, `v4.3`, `4.1.2` all name the 4.3 or
//! 4.1 pack), or, without it, the one the platform's installed version calls for.

use super::{Phase, RulePack};
use crate::lang::Lang;
use crate::tr;
use crate::version::Version;

/// The `major.minor` a `--target` names: `4.1`, `v4.1` and `4.1.2` all name `4.1`.
pub fn target_of(text: &str) -> Result<String, String> {
    let version = Version::parse(text.trim())
        .map_err(|e| format!("`{text}` is not an ACP version such as 4.1 or v4.3: {e}"))?;
    Ok(version.major_minor())
}

/// A pack chosen for a platform, and why, in words for the report.
#[derive(Debug, Clone)]
pub struct Chosen {
    /// The pack.
    pub pack: RulePack,
    /// Why it was chosen: `the newest bundled pack with an upgrade path from 4.1 (the installed
    /// version v4.1.2)`.
    pub reason: String,
}

/// The pack for a platform whose installed ACP version is `installed` (`None` when it could
/// not be read; the cause is in the results of every check that needs it), among `packs` (each already for `phase`). Before the
/// upgrade it is the newest pack, preview packs aside, with an upgrade path from the installed
/// `major.minor` (a patch path included); in the later phases the platform already runs the
/// target, so it is the pack of the installed `major.minor`. When none fits, or the version is
/// unknown, it is the newest pack: its VersionUpgradePath (or its errors) then say why, and
/// the reason says what to give. `None` only when there is no pack at all.
/// The reason is in `lang`.
pub fn choose(
    packs: Vec<RulePack>,
    installed: Option<&str>,
    phase: Phase,
    lang: Lang,
) -> Option<Chosen> {
    let stable: Vec<&RulePack> = packs.iter().filter(|p| !p.preview).collect();
    let newest = newest_first(stable.clone()).first().copied()?;
    let (pick, reason) = match installed.map(|v| (v, Version::parse(v))) {
        None => (
            newest,
            tr!(
                lang,
                "the installed ACP version could not be read, so the newest bundled pack was \
                 used; give --target",
                "установленную версию ACP не удалось прочитать, поэтому взят самый новый \
                 встроенный набор; укажите --target"
            ),
        ),
        Some((installed, Err(e))) => (
            newest,
            tr!(
                lang,
                "the installed ACP version `{installed}` cannot be read ({e}), so the newest \
                 bundled pack was used; give --target",
                "установленную версию ACP `{installed}` не удалось разобрать ({e}), поэтому \
                 взят самый новый встроенный набор; укажите --target",
                installed = installed,
                e = e
            ),
        ),
        Some((installed, Ok(version))) => {
            let from = version.major_minor();
            let fitting = if phase == Phase::Pre {
                newest_first(
                    stable
                        .iter()
                        .copied()
                        .filter(|p| p.upgrade_paths.iter().any(|path| path.from == from))
                        .collect(),
                )
            } else {
                stable
                    .iter()
                    .copied()
                    .filter(|p| p.target == from)
                    .collect()
            };
            match (fitting.first(), phase) {
                (None, Phase::Pre) => (
                    newest,
                    tr!(
                        lang,
                        "no bundled pack has an upgrade path from {from}, the installed version \
                         {installed} (bundled targets: {targets}), so the newest was used; give \
                         --target to check another",
                        "ни у одного встроенного набора нет пути обновления с {from}, \
                         установленной версии {installed} (встроенные целевые версии: \
                         {targets}), поэтому взят самый новый; укажите --target, чтобы \
                         проверить другую",
                        from = from,
                        installed = installed,
                        targets = targets(&newest_first(stable.clone()))
                    ),
                ),
                (None, _) => (
                    newest,
                    tr!(
                        lang,
                        "the platform runs {installed} and no bundled pack targets {from} \
                         (bundled targets: {targets}), so the newest was used; give --target",
                        "платформа работает на {installed}, и ни один встроенный набор не \
                         нацелен на {from} (встроенные целевые версии: {targets}), поэтому взят \
                         самый новый; укажите --target",
                        installed = installed,
                        from = from,
                        targets = targets(&newest_first(stable.clone()))
                    ),
                ),
                (Some(pick), Phase::Pre) => {
                    let others = if fitting.len() > 1 {
                        tr!(
                            lang,
                            " (packs with one: {targets})",
                            " (наборы с таким путём: {targets})",
                            targets = targets(&fitting)
                        )
                    } else {
                        String::new()
                    };
                    (
                        *pick,
                        tr!(
                            lang,
                            "the newest bundled pack with an upgrade path from {from}, the \
                             installed version {installed}{others}; give --target to choose \
                             another",
                            "самый новый встроенный набор с путём обновления с {from}, \
                             установленной версии {installed}{others}; укажите --target, \
                             чтобы выбрать другой",
                            from = from,
                            installed = installed,
                            others = others
                        ),
                    )
                }
                (Some(pick), phase) => (
                    *pick,
                    tr!(
                        lang,
                        "the platform already runs {installed} (--phase {phase} checks the \
                         upgrade to the version it runs); give --target to choose another",
                        "платформа уже работает на {installed} (--phase {phase} проверяет \
                         обновление до версии, на которой она работает); укажите --target, \
                         чтобы выбрать другой",
                        installed = installed,
                        phase = phase
                    ),
                ),
            }
        }
    };
    let index = packs.iter().position(|p| std::ptr::eq(p, pick))?;
    let pack = packs.into_iter().nth(index)?;
    Some(Chosen { pack, reason })
}

/// The packs, newest target first.
fn newest_first(mut list: Vec<&RulePack>) -> Vec<&RulePack> {
    list.sort_by(
        |a, b| match (Version::parse(&a.target), Version::parse(&b.target)) {
            (Ok(a), Ok(b)) => b.compare(&a),
            _ => b.target.cmp(&a.target),
        },
    );
    list
}

/// The packs' targets, as a list in words.
fn targets(packs: &[&RulePack]) -> String {
    packs
        .iter()
        .map(|p| p.target.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(target: &str, from: &[&str], preview: bool) -> RulePack {
        let paths: String = from
            .iter()
            .map(|f| format!("  - from: \"{f}\"\n"))
            .collect();
        let text = format!(
            "pack: acp-{target}\ntarget: \"{target}\"\ntitle: t\ndocs: https://example.com\npreview: {preview}\nupgrade_paths:\n{paths}rules: [VersionUpgradePath]\n"
        );
        crate::rules::load("pack.yaml", &text).unwrap_or_else(|e| panic!("{}", e.render()))
    }

    fn packs() -> Vec<RulePack> {
        vec![
            pack("4.0", &["3.16", "3.18", "4.0"], false),
            pack("4.1", &["3.18", "4.0", "4.1"], false),
            pack("4.3", &["4.0", "4.1", "4.2", "4.3"], false),
            pack("4.2", &["4.0", "4.1", "4.2"], false),
            pack("4.4", &["4.3"], true),
        ]
    }

    #[test]
    fn targets_are_major_minor() {
        for (given, expected) in [
            ("4.1", "4.1"),
            ("v4.3", "4.3"),
            ("4.1.2", "4.1"),
            (" 4.0 ", "4.0"),
        ] {
            assert_eq!(target_of(given).as_deref(), Ok(expected), "{given}");
        }
        for bad in ["", "four", "4.x", "latest"] {
            assert!(target_of(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn before_the_upgrade_the_newest_pack_with_a_path_from_the_installed_version() {
        let cases = [
            ("v3.16.2", "4.0"),
            ("v3.18.2", "4.1"),
            ("4.0.3", "4.3"),
            ("v4.2.1", "4.3"),
            // Only the preview pack has a path from 4.3: it is never chosen unasked.
            ("4.3.0", "4.3"),
            // No path: the newest, whose VersionUpgradePath then fails saying why.
            ("3.14.1", "4.3"),
        ];
        for (installed, expected) in cases {
            let chosen = choose(packs(), Some(installed), Phase::Pre, Lang::En).expect("a pack");
            assert_eq!(
                chosen.pack.target, expected,
                "{installed}: {}",
                chosen.reason
            );
        }
        let chosen = choose(packs(), Some("4.0.3"), Phase::Pre, Lang::En).expect("chosen");
        assert!(
            chosen.reason.contains("upgrade path from 4.0")
                && chosen.reason.contains("packs with one: 4.3, 4.2, 4.1, 4.0"),
            "{}",
            chosen.reason
        );
        let none = choose(packs(), Some("3.14.1"), Phase::Pre, Lang::En).expect("the newest");
        assert!(
            none.reason
                .contains("no bundled pack has an upgrade path from 3.14")
                && none.reason.contains("--target"),
            "{}",
            none.reason
        );
        let unknown = choose(packs(), None, Phase::Pre, Lang::En).expect("newest");
        assert_eq!(unknown.pack.target, "4.3");
        assert!(
            unknown.reason.contains("could not be read"),
            "{}",
            unknown.reason
        );
        assert!(choose(Vec::new(), Some("4.1.0"), Phase::Pre, Lang::En).is_none());
    }

    #[test]
    fn after_the_upgrade_the_pack_of_the_version_the_platform_runs() {
        let chosen = choose(packs(), Some("v4.1.2"), Phase::Post, Lang::En).expect("chosen");
        assert_eq!(chosen.pack.target, "4.1");
        assert!(
            chosen.reason.contains("already runs v4.1.2"),
            "{}",
            chosen.reason
        );
        let none = choose(packs(), Some("v4.4.0"), Phase::Workload, Lang::En).expect("newest");
        assert_eq!(none.pack.target, "4.3");
        assert!(
            none.reason.contains("no bundled pack targets 4.4"),
            "{}",
            none.reason
        );
        let bad = choose(packs(), Some("not a version"), Phase::Pre, Lang::En).expect("newest");
        assert!(bad.reason.contains("cannot be read"), "{}", bad.reason);
    }
}
