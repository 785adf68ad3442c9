//! The languages of the texts people read: rule titles, messages and remediation (written in
//! both languages in the rule data), the engine's own messages and the CLI's words.
//!
//! Rule texts are [`Localized`]; the engine's and the CLI's are written with [`tr!`], which
//! takes both languages at once and fails to compile when either leaves out one of the named
//! values.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A language of the output.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// Russian.
    Ru,
}

impl Lang {
    /// Every language, in order.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ru];

    /// The code: `en`, `ru`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    /// The language of a locale name as `LANG`, `LC_ALL` and `LC_MESSAGES` give it
    /// (`ru_RU.UTF-8`, `ru`, `en_US`, `C`): Russian for `ru` and `ru_*`, `None` for a locale
    /// of another language, and English for `C`, `POSIX` and `en*`.
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let language = locale
            .split(['_', '.', '@', '-'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match language.as_str() {
            "ru" => Some(Lang::Ru),
            "en" | "c" | "posix" => Some(Lang::En),
            _ => None,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value in English and, when it was written, in Russian; Russian falls back to English.
#[derive(Debug, Clone, PartialEq)]
pub struct Localized<T> {
    /// The English.
    pub en: T,
    /// The Russian, when given.
    pub ru: Option<T>,
}

impl<T> Localized<T> {
    /// The same value in every language.
    pub fn only(en: T) -> Localized<T> {
        Localized { en, ru: None }
    }

    /// The value in a language, or the English when that language was not written.
    pub fn get(&self, lang: Lang) -> &T {
        match lang {
            Lang::En => &self.en,
            Lang::Ru => self.ru.as_ref().unwrap_or(&self.en),
        }
    }

    /// The values of each language written: English first.
    pub fn each(&self) -> impl Iterator<Item = (Lang, &T)> {
        std::iter::once((Lang::En, &self.en)).chain(self.ru.as_ref().map(|ru| (Lang::Ru, ru)))
    }

    /// Applies `f` to each language's value.
    pub fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> Localized<U> {
        Localized {
            en: f(&self.en),
            ru: self.ru.as_ref().map(f),
        }
    }
}

/// Formats a text in a language, given in both: `tr!(lang, "{n} checks", "проверок: {n}", n =
/// count)`. Values are named arguments, so the compiler refuses a language that leaves one out.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $en:literal, $ru:literal $(, $name:ident = $value:expr)* $(,)?) => {
        match $lang {
            $crate::lang::Lang::En => format!($en $(, $name = $value)*),
            $crate::lang::Lang::Ru => format!($ru $(, $name = $value)*),
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_name_their_language() {
        for (locale, lang) in [
            ("ru_RU.UTF-8", Some(Lang::Ru)),
            ("ru", Some(Lang::Ru)),
            ("RU_ru", Some(Lang::Ru)),
            ("ru_UA.KOI8-U", Some(Lang::Ru)),
            ("ru-RU", Some(Lang::Ru)),
            ("en_US.UTF-8", Some(Lang::En)),
            ("C", Some(Lang::En)),
            ("C.UTF-8", Some(Lang::En)),
            ("POSIX", Some(Lang::En)),
            ("de_DE.UTF-8", None),
            ("rus", None),
            ("", None),
        ] {
            assert_eq!(Lang::from_locale(locale), lang, "{locale}");
        }
    }

    #[test]
    fn russian_falls_back_to_english() {
        let both = Localized {
            en: "ready",
            ru: Some("готово"),
        };
        assert_eq!(*both.get(Lang::Ru), "готово");
        assert_eq!(*both.get(Lang::En), "ready");
        assert_eq!(*Localized::only("ready").get(Lang::Ru), "ready");
    }

    #[test]
    fn tr_formats_the_language_asked() {
        let n = 3;
        assert_eq!(
            tr!(Lang::En, "{n} checks", "проверок: {n}", n = n),
            "3 checks"
        );
        assert_eq!(
            tr!(Lang::Ru, "{n} checks", "проверок: {n}", n = n),
            "проверок: 3"
        );
        assert_eq!(tr!(Lang::Ru, "Verdict", "Вердикт"), "Вердикт");
    }
}
