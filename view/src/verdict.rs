//! The Commission's answer first: of the strategy's targets, how many are on
//! track, how many need acceleration and how many cannot be judged yet; then the
//! targeted indicators in one compact table, worst first (the EU Digital Decade
//! scoreboard and Open SDG's progress headline read the same way).

use md2030_analytics::catalog::{Catalog, Indicator, Pillar};
use md2030_analytics::indicator::{DataStatus, IndicatorReport, IndicatorResult};
use md2030_analytics::progress::ProgressStatus;
use md2030_analytics::results::Results;
use md2030_model::Lang;

use crate::format;
use crate::i18n::{text, text_args};

/// Where a status puts a target in the verdict band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Achieved or on track.
    OnTrack,
    /// Needs acceleration, limited progress, deterioration, missed.
    Accelerate,
    /// No judgment possible yet (no data, or no comparable baseline).
    NotAssessable,
}

impl Group {
    pub fn of(status: ProgressStatus) -> Group {
        match status {
            ProgressStatus::Achieved | ProgressStatus::OnTrack => Group::OnTrack,
            ProgressStatus::NeedsAcceleration
            | ProgressStatus::LimitedProgress
            | ProgressStatus::Deterioration
            | ProgressStatus::Missed => Group::Accelerate,
            _ => Group::NotAssessable,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Group::OnTrack => "on-track",
            Group::Accelerate => "accelerate",
            Group::NotAssessable => "not-assessable",
        }
    }
}

/// One targeted indicator as the verdict table shows it.
#[derive(Debug, Clone)]
pub struct TargetRow {
    pub id: String,
    pub name: String,
    /// The name in the three languages, lower-cased, for the page's search.
    pub search: String,
    pub pillar: &'static str,
    pub latest: String,
    pub latest_period: String,
    /// `10 000 (2026)`, or `–` when the target has no milestone before it.
    pub milestone: String,
    pub target: String,
    /// Done and expected, as shares of the way from the baseline (0–100).
    pub done: Option<f64>,
    pub expected: Option<f64>,
    pub done_text: String,
    pub expected_text: String,
    pub status: &'static str,
    pub status_text: String,
    pub group: &'static str,
    /// When the next figure is due, as a dated sentence.
    pub next_data: String,
    pub data_status: &'static str,
}

/// The verdict band and its table.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub total: usize,
    pub on_track: usize,
    pub accelerate: usize,
    pub not_assessable: usize,
    /// "Sur 10 cibles : 1 en bonne voie, 8 à accélérer, 1 non évaluable".
    pub sentence: String,
    pub rows: Vec<TargetRow>,
}

/// The verdict over every indicator whose headline carries a target, in catalogue
/// order within each status, the most urgent status first.
pub fn verdict(results: &Results, catalog: &Catalog, lang: Lang) -> Verdict {
    let mut targeted: Vec<(&IndicatorReport, &Indicator)> = catalog
        .indicators
        .iter()
        .filter_map(|i| Some((results.indicator(&i.id)?, i)))
        .filter(|(r, _)| r.headline.target.is_some())
        .collect();
    // A stable sort: catalogue order is kept within a status.
    targeted.sort_by_key(|(r, _)| r.headline.assessment.status.urgency());
    let rows: Vec<TargetRow> = targeted.iter().map(|(r, i)| row(r, i, lang)).collect();
    let count = |g: Group| rows.iter().filter(|r| r.group == g.as_str()).count();
    let (on_track, accelerate, not_assessable) =
        (count(Group::OnTrack), count(Group::Accelerate), count(Group::NotAssessable));
    let sentence = text_args(
        lang,
        "verdict-sentence",
        &[
            ("total", rows.len().to_string()),
            ("on_track", on_track.to_string()),
            ("accelerate", accelerate.to_string()),
            ("not_assessable", not_assessable.to_string()),
            // French agrees the adjective: 0 or 1 "non évaluable", more "non évaluables".
            ("not_assessable_form", (if not_assessable <= 1 { "one" } else { "other" }).into()),
        ],
    );
    Verdict { total: rows.len(), on_track, accelerate, not_assessable, sentence, rows }
}

fn row(report: &IndicatorReport, indicator: &Indicator, lang: Lang) -> TargetRow {
    let result = &report.headline;
    let unit = indicator.unit.as_str();
    let value = |v: f64| format::in_unit(v, unit, lang);
    let with_year = |v: f64, year: i32| format!("{} ({year})", value(v));
    let judgment = result.judgment();
    let share = |v: f64| (v * 100.0).clamp(0.0, 100.0);
    let done = judgment.map(|j| share(j.done));
    let expected = judgment.map(|j| share(j.expected));
    let percent = |v: Option<f64>| v.map(|v| format::percent(v, 0, lang)).unwrap_or("–".into());
    let status = result.assessment.status;
    let search = Lang::ALL
        .into_iter()
        .map(|l| indicator.name.get(l).to_lowercase())
        .collect::<Vec<_>>()
        .join(" | ");
    TargetRow {
        id: report.id.clone(),
        name: indicator.name.get(lang).to_string(),
        search,
        pillar: pillar_key(indicator.pillar),
        latest: result.latest.as_ref().map(|o| value(o.value)).unwrap_or_else(|| "–".into()),
        latest_period: result
            .latest
            .as_ref()
            .map(|o| format::period(&o.period, lang))
            .unwrap_or_default(),
        milestone: result
            .milestones
            .last()
            .map(|m| with_year(m.target.value, m.target.year))
            .unwrap_or_else(|| "–".into()),
        target: result.target.as_ref().map(|t| with_year(t.value, t.year)).unwrap_or_default(),
        done,
        expected,
        done_text: percent(done),
        expected_text: percent(expected),
        status: status.as_str(),
        status_text: text(lang, &format!("status-{}", status.as_str())),
        group: Group::of(status).as_str(),
        next_data: next_data(result, indicator, lang),
        data_status: result.data_status.as_str(),
    }
}

/// The pillar as the page's filter names it.
pub fn pillar_key(pillar: Pillar) -> &'static str {
    match pillar {
        Pillar::PublicServices => "public_services",
        Pillar::DigitalEconomy => "digital_economy",
        Pillar::Enablers => "enablers",
    }
}

/// When the next figure is due, as a dated sentence: "T4 2026, attendue d'ici le
/// 31 mars 2027 (MTNRA)", "janv. 2026, attendue depuis le 1er mai 2026 (ANRT)",
/// or "aucune donnée reçue (ADD)".
pub fn next_data(result: &IndicatorResult, indicator: &Indicator, lang: Lang) -> String {
    let producer = indicator.producer.clone();
    match &result.freshness {
        Some(f) => {
            let key = if result.data_status == DataStatus::Overdue {
                "next-data-overdue"
            } else {
                "next-data"
            };
            text_args(
                lang,
                key,
                &[
                    ("next", format::period(&f.next_period, lang)),
                    ("due", format::date(&f.due.to_string(), lang)),
                    ("producer", producer),
                ],
            )
        }
        None => text_args(lang, "data-detail-missing", &[("producer", producer)]),
    }
}

#[cfg(test)]
mod tests {
    use crate::region_class;

    #[test]
    fn the_french_verdict_agrees_with_its_count() {
        let sentence = |n: usize| {
            crate::i18n::text_args(
                md2030_model::Lang::Fr,
                "verdict-sentence",
                &[
                    ("total", "10".into()),
                    ("on_track", "1".into()),
                    ("accelerate", "8".into()),
                    ("not_assessable", n.to_string()),
                    ("not_assessable_form", (if n <= 1 { "one" } else { "other" }).into()),
                ],
            )
        };
        assert!(sentence(1).ends_with("1 non évaluable"), "{}", sentence(1));
        assert!(sentence(2).ends_with("2 non évaluables"), "{}", sentence(2));
    }

    #[test]
    fn map_classes_are_fixed_shares_of_the_national_value() {
        // National 20: 15 is 75 % (well below), 17 is 85 % (below), 20 and 20.9
        // (104.5 %) about national, 22 is 110 % (above), 25 is 125 % (well above).
        let classes: Vec<usize> =
            [15.0, 17.0, 20.0, 20.9, 22.0, 25.0].iter().map(|v| region_class(*v, 20.0)).collect();
        assert_eq!(classes, vec![0, 1, 2, 2, 3, 4]);
        // 5G coverage at 0 everywhere: no ratio, every region in the middle.
        assert_eq!(region_class(0.0, 0.0), 2);
    }
}
