//! Interface text in French, Arabic and English from Fluent files
//! (`view/locales/<lang>/main.ftl`), compiled into the binary.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use md2030_model::Lang;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "fr",
        // No invisible isolation marks: the HTML isolates with <bdi> where needed.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

fn language(lang: Lang) -> LanguageIdentifier {
    let code = match lang {
        Lang::Fr => "fr",
        Lang::Ar => "ar",
        Lang::En => "en",
    };
    code.parse().unwrap_or_default()
}

/// The text of `key` in `lang`; the key itself when it is missing (a test checks
/// that none is).
pub fn text(lang: Lang, key: &str) -> String {
    LOCALES.try_lookup(&language(lang), key).unwrap_or_else(|| key.to_string())
}

/// The texts of several keys, in order (a table's column headings).
pub fn texts(lang: Lang, keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| text(lang, k)).collect()
}

/// The text of `key` with one argument.
pub fn text_with(lang: Lang, key: &str, name: &str, value: &str) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue<'_>> =
        HashMap::from([(Cow::Owned(name.to_string()), FluentValue::from(value.to_string()))]);
    LOCALES.try_lookup_with_args(&language(lang), key, &args).unwrap_or_else(|| key.to_string())
}

/// The text of `key` with several arguments.
pub fn text_args(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
        .iter()
        .map(|(name, value)| (Cow::Owned(name.to_string()), FluentValue::from(value.clone())))
        .collect();
    LOCALES.try_lookup_with_args(&language(lang), key, &args).unwrap_or_else(|| key.to_string())
}

/// The Fluent source of one language.
fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => include_str!("../locales/fr/main.ftl"),
        Lang::Ar => include_str!("../locales/ar/main.ftl"),
        Lang::En => include_str!("../locales/en/main.ftl"),
    }
}

/// Every message key of one language's file.
pub fn keys(lang: Lang) -> Vec<String> {
    source(lang)
        .lines()
        .filter_map(|line| line.split_once(" = ").map(|(key, _)| key.trim().to_string()))
        .filter(|key| !key.is_empty() && !key.starts_with('#'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_translated_in_every_language() {
        // Compared file by file: a lookup would fall back to French and hide a gap.
        let reference = keys(Lang::Fr);
        assert!(reference.len() > 20);
        for lang in [Lang::Ar, Lang::En] {
            let mut theirs = keys(lang);
            let mut ours = reference.clone();
            theirs.sort();
            ours.sort();
            assert_eq!(ours, theirs, "{lang:?} does not have the same keys as French");
        }
        // Every message formats in every language (the files parse; arguments given).
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = [
            "date",
            "name",
            "count",
            "value",
            "period",
            "change",
            "target",
            "year",
            "projection",
            "target_year",
            "list",
            "on_track",
            "total",
            "off_track",
            "version",
            "hash",
            "edition",
            "key",
            "new",
            "revised",
            "targets",
            "statuses",
            "results",
            "month",
            "pages",
            "sent",
            "pending",
            "failed",
            "mb",
            "writer",
            "status",
            "baseline",
            "baseline_period",
            "pace",
            "needed",
            "reach",
            "behind",
            "unjudged",
            "met",
            "on_course",
            "gap",
            "from",
            "to",
            "observed",
            "horizon",
            "acceleration",
            "early",
            "noise",
            "years",
            "n",
            "latest",
            "next",
            "due",
            "producer",
            "role",
            "rows",
            "kept",
            "replaced",
            "parent",
            "warnings",
            "total",
            "on_track",
            "accelerate",
            "not_assessable",
            "not_assessable_form",
            "why",
            "edition",
            "date",
            "count",
            "note",
            "overdue",
            "not_started",
            "on_schedule",
            "done",
            "count_noise",
            "share_noise",
            "periods",
            "unchanged",
            "changed",
            "removed",
            "added",
            "against",
            "ordinal",
            "phrase",
            "country",
            "threshold",
            "faster",
            "pace",
            "projected",
            "projected_rank",
            "projected_rank_faster",
            "needed",
            "latest",
            "latest_year",
            "countries",
            "own",
            "rank_faster",
            "rank",
            "year",
            "period",
            "name",
        ]
        .into_iter()
        .map(|n| (Cow::Borrowed(n), FluentValue::from("x")))
        .collect();
        for lang in Lang::ALL {
            for key in &reference {
                assert!(
                    LOCALES.try_lookup_with_args(&language(lang), key, &args).is_some(),
                    "{key}"
                );
            }
        }
        // Arabic is Arabic, not the French fallback.
        assert_eq!(text(Lang::Ar, "nav-overview"), "نظرة عامة");
        assert_eq!(text_with(Lang::En, "as-of", "date", "2026-01-15"), "As of 2026-01-15");
    }
}
