//! What changed since an earlier briefing, one row per change (kind, subject,
//! before, now) in the reader's language: the briefing's "since the last
//! briefing" table and the dashboard's, from the same [`Change`]s.

use md2030_analytics::catalog::Catalog;
use md2030_analytics::vintage::{Change, TargetRef};
use md2030_model::Lang;

use crate::format;
use crate::i18n::text;

/// How many changes of each kind the rows hold (for the sentence above them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// New values.
    pub new: usize,
    /// Values revised or withdrawn.
    pub revised: usize,
    pub targets: usize,
    /// Progress and data statuses that moved.
    pub statuses: usize,
}

/// One row (kind, subject, before, now) per change, in the changes' order.
pub fn rows(changes: &[Change], catalog: &Catalog, lang: Lang) -> (Vec<[String; 4]>, Counts) {
    let indicator = |id: &str| catalog.indicator(id);
    let name = |id: &str| {
        indicator(id).map(|i| i.name.get(lang).to_string()).unwrap_or_else(|| id.to_string())
    };
    let unit = |id: &str| indicator(id).map(|i| i.unit.clone()).unwrap_or_default();
    let value = |id: &str, v: f64| format::ltr_in(lang, format::in_unit(v, &unit(id), lang));
    let target = |id: &str, t: &Option<TargetRef>| match t {
        Some(t) => {
            format!(
                "{} ({}, v{})",
                value(id, t.value),
                format::ltr_in(lang, t.year.to_string()),
                t.version
            )
        }
        None => text(lang, "no-target"),
    };
    let when = |p: &str| format::period_in_text(p, lang);
    let status = |s: &str| text(lang, &format!("status-{s}"));
    let data_status = |s: &str| text(lang, &format!("data-{s}"));
    let (mut new, mut revised, mut targets, mut statuses) = (0, 0, 0, 0);
    let mut rows = Vec::new();
    for change in changes {
        let row: [String; 4] = match change {
            Change::NewDatasetVersion { dataset, before, now } => [
                text(lang, "change-dataset"),
                dataset.clone(),
                before.clone().map(|b| format::ltr_in(lang, b)).unwrap_or_else(|| "–".into()),
                format::ltr_in(lang, now.clone()),
            ],
            Change::NewData { indicator, periods } => {
                new += periods.len();
                [
                    text(lang, "change-new-data"),
                    name(indicator),
                    "–".into(),
                    periods
                        .iter()
                        .map(|(p, v)| format!("{} : {}", when(p), value(indicator, *v)))
                        .collect::<Vec<_>>()
                        .join(" · "),
                ]
            }
            Change::Revised { indicator, period, before, now } => {
                revised += 1;
                [
                    format!("{} ({})", text(lang, "change-revised"), when(period)),
                    name(indicator),
                    value(indicator, *before),
                    value(indicator, *now),
                ]
            }
            Change::Withdrawn { indicator, period, before } => {
                revised += 1;
                [
                    format!("{} ({})", text(lang, "change-withdrawn"), when(period)),
                    name(indicator),
                    value(indicator, *before),
                    "–".into(),
                ]
            }
            Change::TargetChanged { indicator, before, now } => {
                targets += 1;
                [
                    text(lang, "change-target"),
                    name(indicator),
                    target(indicator, before),
                    target(indicator, now),
                ]
            }
            Change::StatusChanged { indicator, before, now } => {
                statuses += 1;
                [text(lang, "change-status"), name(indicator), status(before), status(now)]
            }
            Change::DataStatusChanged { indicator, before, now } => {
                statuses += 1;
                [
                    text(lang, "change-data-status"),
                    name(indicator),
                    data_status(before),
                    data_status(now),
                ]
            }
            Change::NewIndicator { indicator } => {
                [text(lang, "change-new-indicator"), name(indicator), "–".into(), "–".into()]
            }
        };
        rows.push(row);
    }
    (rows, Counts { new, revised, targets, statuses })
}
