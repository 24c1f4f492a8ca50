//! What a reader sees, for web pages and PDF briefings alike: the stored results
//! and the catalogue turned into plain strings and numbers in the reader's language
//! (indicator cards, the reasons for a status, milestones, breakdowns, the region
//! map), charts as SVG ([`charts`]) or PNG ([`png`]), numbers as each language
//! writes them ([`format`]), interface text ([`i18n`]) and the CSV behind each
//! chart ([`chart_csv`]).
//!
//! **Invariant:** no HTTP, no PDF, no Arrow; the same inputs give the same bytes
//! (deterministic SVG for a given report and size).

pub mod changes;
pub mod chart_csv;
pub mod charts;
pub mod format;
pub mod i18n;
pub mod league;
pub mod peers;
pub mod png;
pub mod steering;
pub mod verdict;

use md2030_analytics::catalog::{Catalog, Pillar};
use md2030_analytics::indicator::{IndicatorReport, IndicatorResult};
use md2030_analytics::progress::{self, Point, ProgressStatus, Reach};
use md2030_analytics::results::Results;
use md2030_model::Lang;
use md2030_store::VersionRecord;

use crate::i18n::{text, text_args, text_with};

/// One indicator card of the overview.
#[derive(Debug, Clone)]
pub struct Card {
    pub id: String,
    pub name: String,
    pub definition: String,
    pub latest_value: Option<String>,
    pub latest_period: Option<String>,
    pub target: Option<String>,
    /// Share of the way from the baseline to the target (0–100), and where the
    /// straight trajectory says it should be at the latest period.
    pub progress: Option<f64>,
    pub expected: Option<f64>,
    pub progress_text: Option<String>,
    pub expected_text: Option<String>,
    pub status: &'static str,
    pub status_text: String,
    pub data_status: &'static str,
    pub data_text: String,
    /// What the data status rests on: the latest period, the one expected next
    /// and when, and the producer.
    pub data_detail: String,
    pub pace_needed: Option<String>,
    pub pace_observed: Option<String>,
    /// An SVG built by [`charts::sparkline`], its text escaped there.
    pub sparkline: String,
    pub versions: String,
    pub synthetic: bool,
}

#[derive(Debug, Clone)]
pub struct PillarView {
    pub title: String,
    pub cards: Vec<Card>,
}

/// The overview: the two pillars and the enablers, one card per indicator.
pub fn overview(
    results: &Results,
    catalog: &Catalog,
    versions: &[VersionRecord],
    lang: Lang,
) -> Vec<PillarView> {
    [Pillar::PublicServices, Pillar::DigitalEconomy, Pillar::Enablers]
        .into_iter()
        .map(|pillar| {
            let key = match pillar {
                Pillar::PublicServices => "pillar-public_services",
                Pillar::DigitalEconomy => "pillar-digital_economy",
                Pillar::Enablers => "pillar-enablers",
            };
            let cards = catalog
                .indicators
                .iter()
                .filter(|i| i.pillar == pillar)
                .filter_map(|indicator| {
                    let report = results.indicator(&indicator.id)?;
                    Some(card(report, indicator, versions, lang))
                })
                .collect();
            PillarView { title: text(lang, key), cards }
        })
        .collect()
}

fn card(
    report: &IndicatorReport,
    indicator: &md2030_analytics::catalog::Indicator,
    versions: &[VersionRecord],
    lang: Lang,
) -> Card {
    let result = &report.headline;
    let unit = indicator.unit.as_str();
    let name = indicator.name.get(lang).to_string();
    let target = result.target.as_ref().map(|t| {
        let year = t.year.to_string();
        format!("{} ({year})", format::in_unit(t.value, unit, lang))
    });
    // Progress along the way from the judgment's baseline to the target, and the
    // paces: all from the one judgment the status rests on.
    let judgment = result.judgment();
    let share = |v: f64| (v * 100.0).clamp(0.0, 100.0);
    let (progress, expected) = match judgment {
        Some(j) => (Some(share(j.done)), Some(share(j.expected))),
        None => (None, None),
    };
    let pace_observed = match (judgment, result.assessment.trend) {
        (Some(j), _) => Some(format!(
            "{} {}",
            pace(j.pace_observed, unit, lang),
            text_with(lang, "since-year", "year", &progress::period_of(j.baseline.year))
        )),
        (None, Some(t)) => Some(pace(t.per_year, unit, lang)),
        _ => None,
    };
    let pace_needed = judgment.and_then(|j| j.pace_needed).map(|c| pace(c, unit, lang));
    let synthetic = synthetic(versions, &report.dataset_versions);
    let status = result.assessment.status.as_str();
    let data_status = result.data_status.as_str();
    Card {
        id: report.id.clone(),
        definition: indicator.definition.get(lang).to_string(),
        latest_value: result.latest.as_ref().map(|o| format::in_unit(o.value, unit, lang)),
        latest_period: result.latest.as_ref().map(|o| format::period(&o.period, lang)),
        target,
        progress,
        expected,
        progress_text: progress.map(|p| format::percent(p, 0, lang)),
        expected_text: expected.map(|p| format::percent(p, 0, lang)),
        status,
        status_text: text(lang, &format!("status-{status}")),
        data_status,
        data_text: text(lang, &format!("data-{data_status}")),
        data_detail: data_detail(result, indicator, lang),
        pace_needed,
        pace_observed,
        sparkline: charts::sparkline(
            &result.series,
            &text_with(lang, "sparkline-label", "name", &name),
        ),
        versions: report.dataset_versions.join(", "),
        synthetic,
        name,
    }
}

/// The data status explained: "dernière période 2025 · prochaine (2026) attendue
/// d'ici le 2027-03-31 (MTNRA)", or since when it is overdue, or that nothing came.
pub fn data_detail(
    result: &IndicatorResult,
    indicator: &md2030_analytics::catalog::Indicator,
    lang: Lang,
) -> String {
    let producer = indicator.producer.clone();
    match (&result.freshness, result.data_status) {
        (Some(f), status) => {
            let key = if status == md2030_analytics::indicator::DataStatus::Overdue {
                "data-detail-overdue"
            } else {
                "data-detail"
            };
            text_args(
                lang,
                key,
                &[
                    ("latest", format::period(&f.latest_period, lang)),
                    ("next", format::period(&f.next_period, lang)),
                    ("due", format::date(&f.due.to_string(), lang)),
                    ("producer", producer),
                ],
            )
        }
        (None, _) => text_with(lang, "data-detail-missing", "producer", &producer),
    }
}

/// One sentence on an indicator judged against its target, every number in it
/// one the reader can check by mental arithmetic: the latest value against the
/// baseline, the pace that makes (the change since the baseline over the years
/// since), the pace needed, and where that pace leads by the target's date.
pub fn judgment_sentence(
    report: &IndicatorReport,
    indicator: &md2030_analytics::catalog::Indicator,
    lang: Lang,
) -> Option<String> {
    let result = &report.headline;
    let j = result.judgment()?;
    let unit = indicator.unit.as_str();
    let value = |v: f64| format::ltr_in(lang, format::in_unit(v, unit, lang));
    let period = |at: f64| format::period_in_text(&progress::period_of(at), lang);
    let status = j.status.as_str();
    let mut args = vec![
        ("name", indicator.name.get(lang).to_string()),
        ("status", text(lang, &format!("status-{status}"))),
        ("value", value(j.latest.value)),
        ("period", period(j.latest.year)),
        ("target", value(j.target.value)),
        ("target_year", period(j.target.year)),
    ];
    if j.status == ProgressStatus::Achieved {
        return Some(text_args(lang, "brief-achieved", &args));
    }
    let reach = match j.reach {
        Reach::In(year) => {
            text_with(lang, "brief-reach-in", "year", &format::ltr_in(lang, year.to_string()))
        }
        Reach::NotBefore(year) => text_with(
            lang,
            "brief-reach-not-before",
            "year",
            &format::ltr_in(lang, year.to_string()),
        ),
        Reach::Never | Reach::Met(_) => text(lang, "brief-reach-never"),
    };
    args.extend([
        ("baseline", value(j.baseline.value)),
        ("baseline_period", period(j.baseline.year)),
        ("pace", format::ltr_in(lang, pace(j.pace_observed, unit, lang))),
        (
            "needed",
            format::ltr_in(lang, j.pace_needed.map(|p| pace(p, unit, lang)).unwrap_or_default()),
        ),
        ("projection", value(j.projection)),
        ("reach", reach),
    ]);
    Some(text_args(lang, "brief-judged", &args))
}

/// The figures an indicator page answers with under its latest value: the target
/// and the milestone, the share of the way done against the share expected by
/// now, and the pace observed against the pace needed.
pub fn headline_facts(result: &IndicatorResult, unit: &str, lang: Lang) -> Vec<(String, String)> {
    let value = |v: f64| format::in_unit(v, unit, lang);
    let mut facts = Vec::new();
    if let Some(t) = &result.target {
        facts.push((text(lang, "target"), format!("{} ({})", value(t.value), t.year)));
    }
    if let Some(m) = result.milestones.last() {
        let label = format!("{} {}", text(lang, "chart-milestone"), m.target.year);
        facts.push((label, value(m.target.value)));
    }
    if let Some(j) = result.judgment() {
        let percent = |v: f64| format::percent((v * 100.0).clamp(0.0, 100.0), 0, lang);
        facts.push((
            text(lang, "col-done-expected"),
            format!("{} / {}", percent(j.done), percent(j.expected)),
        ));
        facts.push((text(lang, "pace-observed"), pace(j.pace_observed, unit, lang)));
        if let Some(needed) = j.pace_needed {
            facts.push((text(lang, "pace-needed"), pace(needed, unit, lang)));
        }
    }
    facts
}

/// Thresholds of the map's five classes, as a region's value over the national one:
/// well below (under 80 %), below (80–95 %), about the national value (95–105 %),
/// above (105–120 %), well above (over 120 %).
pub const REGION_CLASSES: [f64; 4] = [0.8, 0.95, 1.05, 1.2];

/// The class (0–4) of a region's value against the national value; a national
/// value of zero puts every region in the middle class.
pub fn region_class(value: f64, national: f64) -> usize {
    if national == 0.0 || !national.is_finite() || !value.is_finite() {
        return 2;
    }
    let ratio = value / national;
    REGION_CLASSES.iter().filter(|t| ratio >= **t).count()
}

/// The map's legend: each class's colour and its name in `lang`.
pub fn region_legend(lang: Lang) -> Vec<(String, String)> {
    (0..5)
        .map(|class| {
            (charts::shade(Some(class as f64 / 4.0)), text(lang, &format!("region-class-{class}")))
        })
        .collect()
}

/// The legend a downloaded map carries: the five classes, the lagging region's red
/// outline, and the grey of a region without the latest period.
pub fn region_swatches(lang: Lang) -> Vec<charts::Swatch> {
    let mut swatches: Vec<charts::Swatch> = region_legend(lang)
        .into_iter()
        .map(|(fill, label)| charts::Swatch { fill, stroke: None, label })
        .collect();
    swatches.push(charts::Swatch {
        fill: "#ffffff".into(),
        stroke: Some("#c1272d".into()),
        label: text(lang, "lagging"),
    });
    swatches.push(charts::Swatch {
        fill: charts::shade(None),
        stroke: None,
        label: text(lang, "map-grey"),
    });
    swatches
}

/// The last value of a region that has none at the regional view's latest period,
/// with its period: "12 (2023)"; a count compared as a rate shows its rate of that
/// period too, short on the map ("1,2 /100k (2024)"), beside the count in the
/// table ("11 · 1,2 pour 100 000 habitants (2024)").
pub fn older_region_value(
    report: &IndicatorReport,
    indicator: &md2030_analytics::catalog::Indicator,
    code: &str,
    short: bool,
    lang: Lang,
) -> Option<String> {
    let (period, region) = report
        .regional
        .iter()
        .rev()
        .find_map(|p| Some((&p.period, p.regions.iter().find(|r| r.region_code == code)?)))?;
    let count = format::in_unit(region.value, &indicator.unit, lang);
    let shown = match (indicator.regional_rate, region.rate) {
        (Some(kind), Some(rate)) if short => rate_short(rate, kind, lang),
        (Some(kind), Some(rate)) => format!("{count} · {}", rate_text(rate, kind, lang)),
        _ => count,
    };
    Some(format!("{shown} ({})", format::period(period, lang)))
}

/// A count's regional rate as a reader writes it: "3,9 pour 100 000 habitants",
/// "1 250 MAD par habitant", "21,3 % des ménages".
pub fn rate_text(v: f64, rate: md2030_analytics::catalog::RegionalRate, lang: Lang) -> String {
    use md2030_analytics::catalog::RegionalRate as R;
    match rate {
        R::Per100kInhabitants => {
            text_with(lang, "rate-per-100k", "value", &format::number(v, 1, lang))
        }
        R::PerInhabitant => {
            text_with(lang, "rate-per-inhabitant", "value", &format::number(v, 0, lang))
        }
        R::ShareOfHouseholds => {
            text_with(lang, "rate-households", "value", &format::percent(v, 1, lang))
        }
    }
}

/// The same rate in a map tile: the number and a short unit.
pub fn rate_short(v: f64, rate: md2030_analytics::catalog::RegionalRate, lang: Lang) -> String {
    use md2030_analytics::catalog::RegionalRate as R;
    match rate {
        R::Per100kInhabitants => format!("{} /100k", format::number(v, 1, lang)),
        R::PerInhabitant => format!("{} MAD/hab.", format::number(v, 0, lang)),
        R::ShareOfHouseholds => format::percent(v, 1, lang),
    }
}

/// A chart's caption in a briefing: the latest value and its period, the target,
/// the status and the pace observed.
pub fn chart_caption(
    report: &IndicatorReport,
    indicator: &md2030_analytics::catalog::Indicator,
    lang: Lang,
) -> String {
    let result = &report.headline;
    let unit = indicator.unit.as_str();
    let value = |v: f64| format::ltr_in(lang, format::in_unit(v, unit, lang));
    let mut parts = Vec::new();
    if let Some(o) = &result.latest {
        let period = format::period_in_text(&o.period, lang);
        parts.push(format!("{} ({period})", value(o.value)));
    }
    if let Some(t) = &result.target {
        parts.push(format!(
            "{} {} ({})",
            text(lang, "target"),
            value(t.value),
            format::ltr_in(lang, t.year.to_string())
        ));
    }
    let status = result.assessment.status.as_str();
    parts.push(text(lang, &format!("status-{status}")));
    match (result.judgment(), result.assessment.trend) {
        (Some(j), _) => parts.push(format::ltr_in(lang, pace(j.pace_observed, unit, lang))),
        (None, Some(t)) => parts.push(format::ltr_in(lang, pace(t.per_year, unit, lang))),
        _ => {}
    }
    parts.join(" · ")
}

/// A change a year in the indicator's unit: `+213 par an`, `+0,4 pt par an`; for a
/// rank, places gained or lost (`gagne 5,5 places par an`).
pub fn pace(value: f64, unit: &str, lang: Lang) -> String {
    if unit == "rank" {
        let key = if value <= 0.0 { "pace-rank-gain" } else { "pace-rank-loss" };
        return text_with(lang, key, "n", &format::number(value.abs(), 1, lang));
    }
    format!("{} {}", format::signed_in_unit(value, unit, lang), text(lang, "per-year"))
}

/// When a target is reached at the observed pace, in words.
pub fn reach_text(reach: Reach, lang: Lang) -> String {
    match reach {
        Reach::Met(year) => text_with(lang, "reach-met", "year", &year.to_string()),
        Reach::In(year) => year.to_string(),
        Reach::NotBefore(year) => text_with(lang, "reach-not-before", "year", &year.to_string()),
        Reach::Never => text(lang, "reach-never"),
    }
}

/// What a status rests on, as the indicator page's "why this status" lists it:
/// (label, figure) rows, in the order the method reads them.
pub fn why(result: &IndicatorResult, unit: &str, lang: Lang) -> Vec<(String, String)> {
    let value = |v: f64| format::in_unit(v, unit, lang);
    let at = |p: Point| format!("{} ({})", value(p.value), progress::period_of(p.year));
    let percent = |v: f64| format::percent(v * 100.0, 1, lang);
    let mut rows = Vec::new();
    let mut row = |key: &str, figure: String| rows.push((text(lang, key), figure));
    if let Some(r) = &result.relative {
        // A rank target: judged against the score the rank is projected to need.
        let index = |v: f64| format::number(v, 3, lang);
        let signed = |v: f64| format::signed(v, 3, lang);
        row(
            "why-relative-threshold",
            text_args(
                lang,
                "why-relative-threshold-value",
                &[
                    ("own", index(r.threshold)),
                    ("faster", index(r.threshold_faster)),
                    ("rank", r.rank.to_string()),
                    ("year", r.year.to_string()),
                ],
            ),
        );
        row(
            "why-relative-projected",
            text_args(
                lang,
                "why-relative-projected-value",
                &[
                    ("latest", index(r.latest_index)),
                    ("latest_year", r.latest_year.to_string()),
                    ("projected", index(r.projected)),
                    ("rank", format::ordinal(r.projected_rank, lang)),
                    ("rank_faster", format::ordinal(r.projected_rank_faster, lang)),
                ],
            ),
        );
        row(
            "why-relative-pace",
            text_args(
                lang,
                "why-relative-pace-value",
                &[("pace", signed(r.pace)), ("needed", signed(r.pace_needed))],
            ),
        );
    }
    if let Some(j) = result.judgment() {
        let mut baseline = at(j.baseline);
        if j.baseline_restated {
            baseline.push_str(" — ");
            baseline.push_str(&text(lang, "why-restated"));
        }
        row("why-baseline", baseline);
        row("why-target", at(j.target));
        row("why-latest", at(j.latest));
        row("why-on-path", value(j.on_path));
        row("why-done", percent(j.done));
        row("why-expected", percent(j.expected));
        row("why-ratio", j.ratio.map(|r| format::number(r, 2, lang)).unwrap_or_else(|| "–".into()));
        row("why-pace-observed", pace(j.pace_observed, unit, lang));
        row("why-pace-path", pace(j.pace_path, unit, lang));
        if let Some(needed) = j.pace_needed {
            row("why-pace-needed", pace(needed, unit, lang));
        }
        row(
            "why-projection",
            format!("{} ({})", value(j.projection), progress::period_of(j.target.year)),
        );
        row("why-reached", reach_text(j.reach, lang));
        if let Some(v) = j.verdict {
            row("why-verdict", verdict_text(v.met, v.short_by, unit, lang));
        }
    } else if let Some(t) = result.assessment.trend {
        row("why-trend-from", at(t.from));
        row("why-latest", at(t.to));
        row("why-trend", pace(t.per_year, unit, lang));
        row("why-noise", format!("± {}", pace(t.noise, unit, lang).trim_start_matches('+')));
    }
    rows
}

fn verdict_text(met: bool, short_by: f64, unit: &str, lang: Lang) -> String {
    if met {
        text(lang, "verdict-met")
    } else {
        text_with(lang, "verdict-missed", "gap", &format::in_unit(short_by, unit, lang))
    }
}

/// One milestone of the mid-term review.
#[derive(Debug, Clone)]
pub struct MilestoneRow {
    pub name: String,
    pub milestone: String,
    /// The value at the milestone's date: observed, or projected at the pace observed.
    pub at_date: String,
    pub verdict: String,
    pub status: &'static str,
    pub status_text: String,
    /// What the final target needs after the milestone, a year, and the pace observed.
    pub after: String,
}

/// The mid-term review table's header, on the dashboard and in the briefing.
pub fn milestone_header(lang: Lang) -> Vec<String> {
    ["indicator", "milestone", "milestone-at-date", "milestone-verdict", "milestone-after-head"]
        .iter()
        .map(|k| text(lang, k))
        .collect()
}

/// The mid-term review: every milestone in force (the 2026 ones), headline and
/// breakdown members, judged like the final target; its verdict (met, missed by how
/// much, or on course to be at the pace observed) and what the final target needs
/// a year after it.
pub fn milestones(results: &Results, catalog: &Catalog, lang: Lang) -> Vec<MilestoneRow> {
    catalog
        .indicators
        .iter()
        .filter_map(|indicator| Some((results.indicator(&indicator.id)?, indicator)))
        .flat_map(|(report, indicator)| indicator_milestones(report, indicator, lang))
        .collect()
}

/// The milestones of one indicator, headline then breakdown members (the
/// indicator page's share of the mid-term review).
pub fn indicator_milestones(
    report: &IndicatorReport,
    indicator: &md2030_analytics::catalog::Indicator,
    lang: Lang,
) -> Vec<MilestoneRow> {
    let mut rows = Vec::new();
    let unit = indicator.unit.as_str();
    let value = |v: f64| format::in_unit(v, unit, lang);
    let members = report.breakdowns.values().flatten();
    for result in std::iter::once(&report.headline).chain(members) {
        let mut name = indicator.name.get(lang).to_string();
        if let Some(member) = &result.member {
            name = format!("{name} — {member}");
        }
        for m in &result.milestones {
            let (at_date, verdict, status) = match m.judgment {
                Some(j) => {
                    let (v, observed) = match j.verdict {
                        Some(v) => (v.value, true),
                        None => (j.projection, false),
                    };
                    let key = if observed { "milestone-observed" } else { "milestone-projected" };
                    let short = j.projected_short_by(indicator.direction);
                    let verdict = match (j.status, j.verdict) {
                        (ProgressStatus::Achieved, _) => text(lang, "verdict-met"),
                        (_, Some(v)) => verdict_text(v.met, v.short_by, unit, lang),
                        _ if short == 0.0 => text(lang, "verdict-on-course"),
                        _ => text_with(lang, "verdict-would-miss", "gap", &value(short)),
                    };
                    (text_with(lang, key, "value", &value(v)), verdict, j.status)
                }
                None => ("–".into(), "–".into(), ProgressStatus::NotAssessable),
            };
            let after = match (m.judgment, result.judgment()) {
                (Some(mj), Some(fj)) if fj.target.year > mj.target.year => {
                    let from = mj.verdict.map_or(mj.projection, |v| v.value);
                    let needed = (fj.target.value - from) / (fj.target.year - mj.target.year);
                    text_args(
                        lang,
                        "milestone-after",
                        &[
                            ("needed", pace(needed, unit, lang)),
                            ("observed", pace(fj.pace_observed, unit, lang)),
                            ("from", (m.target.year + 1).to_string()),
                            ("to", progress::period_of(fj.target.year)),
                        ],
                    )
                }
                _ => "–".into(),
            };
            rows.push(MilestoneRow {
                name: name.clone(),
                milestone: format!("{} ({})", value(m.target.value), m.target.year),
                at_date,
                verdict,
                status: status.as_str(),
                status_text: text(lang, &format!("status-{}", status.as_str())),
                after,
            });
        }
    }
    rows
}

/// True when any of `version_ids` is a sample (synthetic) dataset version.
pub fn synthetic(versions: &[VersionRecord], version_ids: &[String]) -> bool {
    version_ids
        .iter()
        .any(|id| versions.iter().any(|v| &v.version_id == id && v.provenance.synthetic))
}

/// The indicator's headline chart in `lang` (the page's figure and the SVG download).
pub fn indicator_chart(
    indicator: &md2030_analytics::catalog::Indicator,
    report: &IndicatorReport,
    lang: Lang,
) -> String {
    indicator_chart_at(indicator, report, lang, charts::Frame::WIDE)
}

/// [`indicator_chart`] in a given frame (the phone's is narrower and taller).
pub fn indicator_chart_at(
    indicator: &md2030_analytics::catalog::Indicator,
    report: &IndicatorReport,
    lang: Lang,
    frame: charts::Frame,
) -> String {
    let name = indicator.name.get(lang).to_string();
    let breaks: Vec<i32> = indicator.series_breaks.iter().map(|b| b.year).collect();
    charts::indicator_chart_at(
        &report.headline,
        &breaks,
        &charts::ChartText {
            description: text_with(lang, "chart-description", "name", &name),
            title: name,
            observed: text(lang, "chart-observed"),
            trajectory: text(lang, "chart-trajectory"),
            projection: text(lang, "chart-projection"),
            targets: text(lang, "chart-targets"),
            projection_meets: report
                .headline
                .judgment()
                .is_some_and(|j| j.projected_short_by(indicator.direction) == 0.0),
            inverted: indicator.direction == md2030_analytics::progress::Direction::Lower,
            rtl: lang == Lang::Ar,
        },
        &|v| format::in_unit(v, &indicator.unit, lang),
        frame,
    )
}

/// Most members a breakdown chart draws: beyond it, the highest and the lowest
/// half each (every member stays in the table and the CSV).
pub const MAX_BARS: usize = 20;

/// One member as the breakdown chart shows it.
#[derive(Debug, Clone)]
pub struct MemberValue {
    pub code: String,
    pub label: String,
    pub period: String,
    pub value: f64,
}

/// A breakdown as the indicator page shows it: the chart of the members' values at
/// the latest period, the members drawn, and every member for the table.
#[derive(Debug, Clone)]
pub struct BreakdownView {
    pub dimension: String,
    pub title: String,
    pub period: String,
    /// The bar chart in the frame asked for: a laptop's, or a phone's (narrower,
    /// names shortened).
    pub chart: String,
    /// The members drawn, in the chart's order (highest first).
    pub drawn: Vec<MemberValue>,
    /// Members with a value at the chart's period.
    pub members_at_period: usize,
    /// Every member: label, latest period, latest value (written), status, and by
    /// ministry its e-government ambassador ("name, role, appointed on").
    pub rows: Vec<(String, String, String, String, String)>,
    /// By ministry: the column of ambassadors, and the version they come from.
    pub with_ambassadors: bool,
    pub ambassadors_source: String,
}

/// The breakdown `dimension` of an indicator, or `None` if it has none; its chart
/// drawn for a phone when `narrow`.
pub fn breakdown(
    indicator: &md2030_analytics::catalog::Indicator,
    report: &IndicatorReport,
    dimension: &str,
    labels: &md2030_results::labels::Labels,
    lang: Lang,
    narrow: bool,
) -> Option<BreakdownView> {
    let members = report.breakdowns.get(dimension)?;
    let unit = indicator.unit.as_str();
    let value_text = |v: f64| format::in_unit(v, unit, lang);
    let label = |code: &str| labels.member(&indicator.datasets, dimension, code, lang);
    let period =
        members.iter().filter_map(|m| m.latest.as_ref()).map(|o| o.period.clone()).max()?;
    let mut at_period: Vec<MemberValue> = members
        .iter()
        .filter_map(|m| {
            let latest = m.latest.as_ref().filter(|o| o.period == period)?;
            let code = m.member.clone().unwrap_or_default();
            Some(MemberValue {
                label: label(&code),
                code,
                period: period.clone(),
                value: latest.value,
            })
        })
        .collect();
    at_period.sort_by(|a, b| b.value.total_cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
    let members_at_period = at_period.len();
    let drawn: Vec<MemberValue> = if at_period.len() > MAX_BARS {
        let half = MAX_BARS / 2;
        let mut ends = at_period[..half].to_vec();
        ends.extend_from_slice(&at_period[at_period.len() - half..]);
        ends
    } else {
        at_period
    };
    let dimension_title = text(lang, &format!("breakdown-{dimension}"));
    let name = indicator.name.get(lang);
    let shares = md2030_analytics::indicator::target_applies_to_members(unit);
    let headline = &report.headline;
    let national = headline
        .series
        .iter()
        .find(|o| o.period == period)
        .filter(|_| shares)
        .map(|o| (o.value, text(lang, "national"), value_text(o.value)));
    let target =
        headline.target.as_ref().filter(|_| shares).map(|t| {
            (t.value, format!("{} {}", text(lang, "target"), t.year), value_text(t.value))
        });
    let mut description = text_with(lang, "bars-description", "name", name);
    if drawn.len() < members_at_period {
        description.push(' ');
        description.push_str(&text_with(
            lang,
            "bars-partial",
            "count",
            &format!("{} / {members_at_period}", drawn.len()),
        ));
    }
    let bars: Vec<charts::Bar> = drawn
        .iter()
        .map(|m| charts::Bar {
            label: m.label.clone(),
            value: m.value,
            text: value_text(m.value),
            highlight: false,
        })
        .collect();
    let bar_text = charts::BarText {
        title: format!("{name} — {dimension_title}, {period}"),
        description,
        national,
        target,
    };
    let id = if narrow { format!("bars-{dimension}-narrow") } else { format!("bars-{dimension}") };
    let chart = charts::bar_chart(&bars, &bar_text, &id, lang == Lang::Ar, narrow);
    let ambassador = |code: &str| match labels.ambassador(code) {
        Some(a) if dimension == "ministry" => text_args(
            lang,
            "ambassador-line",
            &[("name", a.name.clone()), ("role", a.role.clone()), ("date", a.appointed_on.clone())],
        ),
        _ => String::new(),
    };
    let rows = members
        .iter()
        .map(|m| {
            let code = m.member.clone().unwrap_or_default();
            (
                label(&code),
                m.latest.as_ref().map(|o| o.period.clone()).unwrap_or_default(),
                m.latest.as_ref().map(|o| value_text(o.value)).unwrap_or_default(),
                text(lang, &format!("status-{}", m.assessment.status.as_str())),
                ambassador(&code),
            )
        })
        .collect();
    let by_ministry = dimension == "ministry";
    let ambassadors_source = match (&labels.ambassadors_version, by_ministry) {
        (Some((version, synthetic)), true) => {
            let mut source = text_with(lang, "ambassadors-source", "version", version);
            if *synthetic {
                source.push_str(" · ");
                source.push_str(&text(lang, "sample-data"));
            }
            source
        }
        _ => String::new(),
    };
    Some(BreakdownView {
        dimension: dimension.to_string(),
        title: dimension_title,
        period,
        chart,
        drawn,
        members_at_period,
        rows,
        with_ambassadors: by_ministry,
        ambassadors_source,
    })
}

/// A ministry's or agency's name in `lang` (its code if unknown).
pub fn ministry_name(code: &str, lang: Lang) -> String {
    md2030_model::reference::reference_table("ministries")
        .and_then(|t| t.row(code))
        .map(|r| r.name(lang).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// A region's name in `lang` (its code if unknown).
pub fn region_name(code: &str, lang: Lang) -> String {
    md2030_model::reference::regions()
        .row(code)
        .map(|r| r.name(lang).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// The map of the regions for an indicator at its latest period: the choropleth
/// when outlines are stored, else the tile map; with the caption's note and source.
pub fn region_map(
    outlines: Option<&md2030_results::outlines::Outlines>,
    report: &md2030_analytics::indicator::IndicatorReport,
    indicator: &md2030_analytics::catalog::Indicator,
    lang: Lang,
) -> (String, String, String) {
    let unit = indicator.unit.as_str();
    let value = |v: f64| format::in_unit(v, unit, lang);
    let name = indicator.name.get(lang).to_string();
    let region_name = |code: &str| region_name(code, lang);
    let latest = report.regional.last();
    // A count is drawn by its rate of the population or households.
    let shown =
        |r: &md2030_analytics::regional::RegionValue| match (indicator.regional_rate, r.rate) {
            (Some(kind), Some(rate)) => rate_short(rate, kind, lang),
            _ => value(r.value),
        };
    let (lo, hi) = latest
        .map(|p| {
            p.regions.iter().fold((f64::MAX, f64::MIN), |(lo, hi), r| {
                (lo.min(r.compared()), hi.max(r.compared()))
            })
        })
        .unwrap_or((0.0, 0.0));
    // Fixed classes against the national value (or rate), the same for every
    // indicator and period, so that a narrow spread does not look dramatic.
    let national = latest.map(|p| p.national_rate.unwrap_or(p.national)).unwrap_or(0.0);
    let end = |v: f64| match indicator.regional_rate {
        Some(kind) => rate_short(v, kind, lang),
        None => value(v),
    };
    let lagging = latest.and_then(|p| p.lagging.clone()).unwrap_or_default();
    let tiles: Vec<charts::Tile> = charts::REGION_TILES
        .iter()
        .map(|(code, _, _)| {
            let region = latest.and_then(|p| p.regions.iter().find(|r| r.region_code == *code));
            charts::Tile {
                code: code.to_string(),
                name: region_name(code),
                // A region without the latest period shows its last value, dated,
                // and stays unshaded.
                label: region
                    .map(shown)
                    .or_else(|| older_region_value(report, indicator, code, true, lang))
                    .unwrap_or_else(|| "–".into()),
                level: region.map(|r| region_class(r.compared(), national) as f64 / 4.0),
                lagging: *code == lagging,
            }
        })
        .collect();
    let map_title = text_with(lang, "map-title", "name", &name);
    let map_desc = text_with(lang, "map-description", "name", &name);
    let (map, map_note, map_source) = match outlines {
        Some(outlines) => {
            let map_text = charts::MapText {
                title: map_title,
                description: map_desc,
                low: if hi > lo { end(lo) } else { String::new() },
                high: if hi > lo { end(hi) } else { String::new() },
                no_value: text(lang, "map-no-value"),
            };
            let source = format!("{} ({})", outlines.version_id, outlines.source);
            (charts::choropleth(outlines, &tiles, &map_text), text(lang, "map-boundaries"), source)
        }
        None => (
            charts::tile_map(&tiles, &map_title, &map_desc),
            text(lang, "map-tiles"),
            String::new(),
        ),
    };
    (map, map_note, map_source)
}
