//! The three languages of md2030 and text carried in all three.

use serde::{Deserialize, Serialize};

/// A user-facing language. French is the default of the dashboard and the CLI.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Fr,
    Ar,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Fr, Lang::Ar, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::Ar => "ar",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "fr" | "fra" | "french" | "français" => Some(Lang::Fr),
            "ar" | "ara" | "arabic" | "العربية" => Some(Lang::Ar),
            "en" | "eng" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of an exact code (`fr`, `ar`, `en`), as URLs and file names
    /// carry it; [`Lang::parse`] also takes names and three-letter codes.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language named by the first segment of a URL path (`/ar/…`).
    pub fn of_path(path: &str) -> Option<Lang> {
        Lang::from_code(path.trim_start_matches('/').split('/').next().unwrap_or(""))
    }

    pub fn is_rtl(self) -> bool {
        self == Lang::Ar
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::parse(s).ok_or_else(|| format!("unknown language {s:?} (expected fr, ar or en)"))
    }
}

/// A text in French, Arabic and English. All three are required in a contract and
/// in the indicator catalogue ([`I18n::is_complete`]).
///
/// It reads as `{ fr = …, ar = …, en = … }`, and also as a plain string, taken as
/// the English text alone: files written before a field was translated (results,
/// an administrator's catalogue) still parse, and the catalogue's check then names
/// the field that lacks its French and Arabic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct I18n {
    pub fr: String,
    pub ar: String,
    pub en: String,
}

impl<'de> Deserialize<'de> for I18n {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            fr: String,
            ar: String,
            en: String,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Full(Full),
            English(String),
        }
        match Repr::deserialize(deserializer) {
            Ok(Repr::Full(Full { fr, ar, en })) => Ok(I18n { fr, ar, en }),
            Ok(Repr::English(en)) => Ok(I18n { en, ..I18n::default() }),
            Err(_) => Err(serde::de::Error::custom(
                "expected a text in three languages, { fr = \"…\", ar = \"…\", en = \"…\" }",
            )),
        }
    }
}

impl I18n {
    /// The text in `lang`, or the English one when that language's is missing
    /// (only in a file read before the field was translated).
    pub fn get(&self, lang: Lang) -> &str {
        let text = match lang {
            Lang::Fr => &self.fr,
            Lang::Ar => &self.ar,
            Lang::En => &self.en,
        };
        if text.trim().is_empty() { &self.en } else { text }
    }

    pub fn is_complete(&self) -> bool {
        !self.fr.trim().is_empty() && !self.ar.trim().is_empty() && !self.en.trim().is_empty()
    }

    pub fn all(&self) -> [&str; 3] {
        [&self.fr, &self.ar, &self.en]
    }
}
