//! The reading pages: overview, indicator, method and regions.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use md2030_model::Lang;

use crate::app::Snapshot;
use crate::error::AppError;
use crate::layout::{Layout, PublicPage, layout, synthetic};
use md2030_view::i18n::{text, text_args, text_with};
use md2030_view::{self as view, PillarView};

#[derive(Template)]
#[template(path = "overview.html")]
pub(crate) struct OverviewPage {
    layout: Layout,
    as_of: String,
    results_version: String,
    verdict: Option<view::verdict::Verdict>,
    /// The pillars with their context indicators (those without a target).
    pillars: Vec<PillarView>,
    /// (key, text) for the pillar and status filters.
    pillar_options: Vec<(&'static str, String)>,
    status_options: Vec<(&'static str, String)>,
    /// Column headings of the targets table.
    columns: Vec<String>,
    since_heading: String,
    since_intro: String,
    since_rows: Vec<[String; 4]>,
    since_columns: Vec<String>,
    t: OverviewText,
}

/// The overview's fixed words in the page's language.
pub(crate) struct OverviewText {
    verdict_heading: String,
    milestones: String,
    provenance: String,
    results: String,
    no_data: String,
    trend: String,
    why: String,
    filter_pillar: String,
    filter_status: String,
    filter_all: String,
    search: String,
    legend_heading: String,
    legend: [String; 3],
    legend_method: String,
    context_heading: String,
    context_intro: String,
}

impl OverviewText {
    fn new(lang: Lang) -> OverviewText {
        let t = |k: &str| text(lang, k);
        OverviewText {
            verdict_heading: t("verdict-heading"),
            milestones: t("midterm-link"),
            provenance: t("provenance"),
            results: t("results-version"),
            no_data: t("no-data"),
            trend: t("trend"),
            why: t("why-link"),
            filter_pillar: t("filter-pillar"),
            filter_status: t("filter-status"),
            filter_all: t("filter-all"),
            search: t("search-label"),
            legend_heading: t("legend-heading"),
            legend: [t("legend-on-track"), t("legend-accelerate"), t("legend-not-assessable")],
            legend_method: t("legend-method"),
            context_heading: t("context-heading"),
            context_intro: t("context-intro"),
        }
    }
}

/// Most changes listed on the overview (the briefing has them all).
const SINCE_ROWS: usize = 8;

/// The Commission's answer first: the verdict band and the targeted indicators,
/// worst first; what changed since the last briefing; then the context
/// indicators.
pub(crate) async fn overview(page: PublicPage) -> Response {
    let (snapshot, lang) = (&page.snapshot, page.lang);
    let catalog = &snapshot.published.catalog;
    page.cached("overview", || {
        let results = snapshot.published.results.as_ref();
        let verdict = results.map(|r| view::verdict::verdict(r, catalog, lang));
        let mut pillars = results
            .map(|r| view::overview(r, catalog, &snapshot.published.versions, lang))
            .unwrap_or_default();
        for pillar in &mut pillars {
            pillar.cards.retain(|c| c.target.is_none());
        }
        pillars.retain(|p| !p.cards.is_empty());
        let (since_heading, since_intro, since_rows) = since(snapshot, lang);
        let synthetic = snapshot.published.synthetic();
        OverviewPage {
            layout: layout(lang, String::new(), synthetic),
            as_of: results
                .map(|r| {
                    text_with(
                        lang,
                        "as-of",
                        "date",
                        &view::format::date(&r.as_of.to_string(), lang),
                    )
                })
                .unwrap_or_default(),
            results_version: snapshot.published.results_version().to_string(),
            verdict,
            pillars,
            pillar_options: ["public_services", "digital_economy", "enablers"]
                .into_iter()
                .map(|k| (k, text(lang, &format!("pillar-{k}"))))
                .collect(),
            status_options: [
                ("on-track", "status-on_track"),
                ("accelerate", "status-needs_acceleration"),
                ("not-assessable", "status-not_assessable"),
            ]
            .into_iter()
            .map(|(k, t)| (k, text(lang, t)))
            .collect(),
            columns: md2030_view::i18n::texts(
                lang,
                &[
                    "indicator",
                    "col-latest",
                    "col-milestone",
                    "col-target",
                    "col-done-expected",
                    "col-status",
                    "col-next-data",
                ],
            ),
            since_heading,
            since_intro,
            since_rows,
            since_columns: md2030_view::i18n::texts(
                lang,
                &["brief-change", "brief-subject", "brief-before", "brief-now"],
            ),
            t: OverviewText::new(lang),
        }
        .render()
    })
}

/// The "since the last briefing" block: its heading, a sentence (nothing to
/// compare, nothing changed, or how many more changes the briefing lists), and
/// the first rows.
fn since(snapshot: &Snapshot, lang: Lang) -> (String, String, Vec<[String; 4]>) {
    let Some(since) = &snapshot.since else {
        let heading =
            text_args(lang, "since-heading", &[("edition", "–".into()), ("date", "–".into())]);
        return (heading, text(lang, "since-first"), Vec::new());
    };
    let heading = text_args(
        lang,
        "since-heading",
        &[
            ("edition", since.edition.edition_id.clone()),
            ("date", view::format::date(&since.edition.built_at, lang)),
        ],
    );
    let (mut rows, _) = view::changes::rows(&since.changes, &snapshot.published.catalog, lang);
    let intro = if rows.is_empty() {
        text(lang, "since-none")
    } else if rows.len() > SINCE_ROWS {
        let more = rows.len() - SINCE_ROWS;
        rows.truncate(SINCE_ROWS);
        text_with(lang, "since-more", "count", &more.to_string())
    } else {
        String::new()
    };
    (heading, intro, rows)
}

/// A decision point aimed at the indicator, as its page lists it.
#[derive(Debug)]
pub(crate) struct AimedPoint {
    meeting: String,
    text: String,
    owner: String,
    owner_link: String,
    due: String,
    status: &'static str,
    status_text: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "indicator.html")]
pub(crate) struct IndicatorPage {
    layout: Layout,
    aimed: Vec<AimedPoint>,
    aimed_label: String,
    overdue_word: String,
    decisions_link: String,
    id: String,
    name: String,
    definition: String,
    methodology: String,
    /// The series' breaks (a change of scope or method), each a sentence.
    breaks: Vec<String>,
    latest_value: Option<String>,
    latest_period: String,
    no_data: String,
    status: &'static str,
    status_text: String,
    data_status: &'static str,
    data_text: String,
    data_detail: String,
    progress_label: String,
    data_label: String,
    chart: String,
    /// The chart's title and description, for the phone frame's image.
    chart_alt: String,
    values_label: String,
    period_label: String,
    value_label: String,
    member_label: String,
    rows: Vec<(String, String)>,
    /// (dimension title, rows of (member, period, value, progress status)).
    breakdowns: Vec<view::BreakdownView>,
    downloads: Downloads,
    about_label: String,
    target_label: String,
    target_text: Option<String>,
    /// The target's registry id and version (`offshoring_jobs_2030_v2`), behind the
    /// provenance disclosure.
    target_id: String,
    provenance_label: String,
    /// The reason for no target comes from the catalogue (English for now).
    target_source: String,
    no_target: String,
    versions_label: String,
    versions: String,
    /// "Why this status": the figures it rests on, the milestones, the method.
    why_label: String,
    why: Vec<(String, String)>,
    milestones: Vec<view::MilestoneRow>,
    milestone_columns: Vec<String>,
    method_label: String,
    ambassador_label: String,
    /// The judgment in one sentence, and the figures it rests on.
    answer: Option<String>,
    facts: Vec<(String, String)>,
    /// Why the chart and downloads are absent (no data yet).
    empty: Option<String>,
}

pub(crate) async fn indicator_page(
    page: PublicPage,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (snapshot, lang) = (&page.snapshot, page.lang);
    let Some((report, indicator)) = snapshot.published.reported(&id) else {
        return Err(AppError::NotFound("no such indicator"));
    };
    // Kept a day at most: a decision point falls overdue at midnight.
    let today = chrono::Utc::now().date_naive().to_string();
    Ok(page.cached(&format!("indicator/{id}/{today}"), || {
        let aimed: Vec<AimedPoint> = snapshot
            .decisions
            .iter()
            .flat_map(|d| d.points.iter().map(move |p| (d, p)))
            .filter(|(_, p)| p.indicators.contains(&id))
            .map(|(d, p)| AimedPoint {
                meeting: md2030_view::i18n::text_args(
                    lang,
                    "decisions-meeting",
                    &[("date", md2030_view::format::date(&d.meeting_date, lang))],
                ),
                text: format!("{}. {}", p.number, p.text),
                owner: p.owner.clone(),
                owner_link: format!("/{}/ministry/{}", lang.code(), p.owner),
                due: md2030_view::format::date(&p.due_date, lang),
                status: p.status.as_str(),
                status_text: text(lang, &format!("point-{}", p.status.as_str())),
                overdue: p.overdue(&today),
            })
            .collect();
        let unit = indicator.unit.as_str();
        let name = indicator.name.get(lang).to_string();
        let result = &report.headline;
        let format_value = |v: f64| md2030_view::format::in_unit(v, unit, lang);
        let chart = view::indicator_chart(indicator, report, lang);
        let chart_alt = format!("{name}. {}", text_with(lang, "chart-description", "name", &name));
        let status = result.assessment.status.as_str();
        let data_status = result.data_status.as_str();
        let breakdowns: Vec<view::BreakdownView> = report
            .breakdowns
            .keys()
            .filter_map(|dimension| {
                view::breakdown(
                    indicator,
                    report,
                    dimension,
                    &snapshot.published.labels,
                    lang,
                    false,
                )
            })
            .collect();
        let empty = result.latest.is_none().then(|| {
            text_with(lang, "indicator-empty", "why", &view::data_detail(result, indicator, lang))
        });
        IndicatorPage {
            aimed,
            aimed_label: text(lang, "decisions-aimed"),
            overdue_word: text(lang, "decisions-overdue"),
            decisions_link: format!("/{}/decisions", lang.code()),
            answer: view::judgment_sentence(report, indicator, lang),
            facts: view::headline_facts(result, unit, lang),
            empty,
            layout: layout(
                lang,
                format!("indicator/{id}"),
                synthetic(snapshot, &report.dataset_versions),
            ),
            id: id.clone(),
            definition: indicator.definition.get(lang).to_string(),
            methodology: indicator.methodology.get(lang).to_string(),
            breaks: indicator
                .series_breaks
                .iter()
                .map(|b| {
                    md2030_view::i18n::text_args(
                        lang,
                        "series-break",
                        &[("year", b.year.to_string()), ("note", b.note.get(lang).to_string())],
                    )
                })
                .collect(),
            latest_value: result.latest.as_ref().map(|o| format_value(o.value)),
            latest_period: result
                .latest
                .as_ref()
                .map(|o| view::format::period(&o.period, lang))
                .unwrap_or_default(),
            no_data: text(lang, "no-data"),
            status,
            status_text: text(lang, &format!("status-{status}")),
            data_status,
            data_text: text(lang, &format!("data-{data_status}")),
            data_detail: view::data_detail(result, indicator, lang),
            progress_label: text(lang, "progress"),
            data_label: text(lang, "data"),
            chart,
            chart_alt,
            values_label: text(lang, "values-label"),
            period_label: text(lang, "period-label"),
            value_label: text(lang, "value-label"),
            member_label: text(lang, "member-label"),
            rows: result
                .series
                .iter()
                .map(|o| (view::format::period(&o.period, lang), format_value(o.value)))
                .collect(),
            breakdowns,
            downloads: Downloads::new(lang),
            about_label: text(lang, "about-label"),
            target_label: text(lang, "target"),
            target_text: result
                .target
                .as_ref()
                .map(|t| format!("{} ({})", format_value(t.value), t.year)),
            target_id: result
                .target
                .as_ref()
                .map(|t| format!("{} v{}", t.id, t.version))
                .unwrap_or_default(),
            provenance_label: text(lang, "provenance"),
            target_source: result
                .target
                .as_ref()
                .map(|t| {
                    let on = md2030_view::format::date(&t.adopted_on, lang);
                    format!("{} — {}, {on}", t.source.get(lang), t.adopted_by.get(lang))
                })
                .unwrap_or_default(),
            no_target: indicator
                .no_target_reason
                .as_ref()
                .map(|reason| reason.get(lang).to_string())
                .unwrap_or_else(|| text(lang, "no-target")),
            versions_label: text(lang, "source-versions"),
            versions: report
                .dataset_versions
                .iter()
                .map(|id| match snapshot.published.versions.iter().find(|v| &v.version_id == id) {
                    Some(v) => format!(
                        "{id} ({}, {} {})",
                        v.provenance.source_file_name,
                        text(lang, "ingested-on"),
                        md2030_view::format::date(&v.provenance.ingested_at, lang)
                    ),
                    None => id.clone(),
                })
                .collect::<Vec<_>>()
                .join(" · "),
            why_label: text(lang, "why-title"),
            why: view::why(result, unit, lang),
            milestones: view::indicator_milestones(report, indicator, lang),
            milestone_columns: view::milestone_header(lang),
            method_label: text(lang, "method-link"),
            ambassador_label: text(lang, "ambassador"),
            name,
        }
        .render()
    }))
}

/// Labels of the download links under each chart.
#[derive(Debug)]
pub(crate) struct Downloads {
    pub(crate) displayed: String,
    pub(crate) full: String,
    pub(crate) title: String,
}

impl Downloads {
    fn new(lang: Lang) -> Downloads {
        Downloads {
            displayed: text(lang, "download-displayed"),
            full: text(lang, "download-full"),
            title: text(lang, "downloads"),
        }
    }
}

#[derive(Template)]
#[template(path = "method.html")]
pub(crate) struct MethodPage {
    layout: Layout,
    heading: String,
    paragraphs: Vec<String>,
}

/// The method every status rests on, stated once, with its thresholds.
pub(crate) async fn method_page(page: PublicPage) -> Response {
    use md2030_analytics::progress as p;
    let (snapshot, lang) = (&page.snapshot, page.lang);
    page.cached("method", || {
        let number = |v: f64, d: usize| md2030_view::format::number(v, d, lang);
        let percent = |v: f64| md2030_view::format::percent(v * 100.0, 0, lang);
        let paragraphs = vec![
            text(lang, "method-basis"),
            text(lang, "method-shares"),
            text(lang, "method-pace"),
            text_with(lang, "method-projection", "horizon", &p::HORIZON.to_string()),
            text_args(
                lang,
                "method-status",
                &[
                    ("on_track", number(p::ON_TRACK_RATIO, 2)),
                    ("acceleration", number(p::ACCELERATION_RATIO, 2)),
                ],
            ),
            text_args(
                lang,
                "method-early",
                &[("early", percent(p::EARLY_EXPECTED)), ("gap", percent(p::EARLY_GAP))],
            ),
            text(lang, "method-milestones"),
            text_args(
                lang,
                "method-trend",
                &[("years", number(p::TREND_YEARS, 0)), ("noise", percent(p::TREND_NOISE))],
            ),
            text(lang, "method-members"),
        ];
        MethodPage {
            layout: layout(lang, "method", snapshot.published.synthetic()),
            heading: text(lang, "method-title"),
            paragraphs,
        }
        .render()
    })
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct RegionsQuery {
    pub(crate) indicator: Option<String>,
}

/// One region row: name, value, gap to national, lagging, and for a region without
/// the latest period the note that its value is the last available.
pub(crate) type RegionRow = (String, String, String, bool, String);

#[derive(Template)]
#[template(path = "regions.html")]
pub(crate) struct RegionsPage {
    layout: Layout,
    heading: String,
    choose_label: String,
    show_label: String,
    /// The map's colour classes: (colour, name).
    legend: Vec<(String, String)>,
    options: Vec<(String, String)>,
    indicator: String,
    name: String,
    period: String,
    national_label: String,
    national: String,
    lagging_label: String,
    lagging: String,
    dispersion_label: String,
    dispersion: String,
    map: String,
    map_note: String,
    map_source: String,
    downloads: Downloads,
    region_label: String,
    value_label: String,
    gap_label: String,
    period_label: String,
    rows: Vec<RegionRow>,
    history: Vec<(String, String, String)>,
}

/// The 12 regions side by side for one indicator (digital take-up by default):
/// the tile map at the latest period, values and gaps to national, the lagging
/// region, and the dispersion over time.
pub(crate) async fn regions_page(
    page: PublicPage,
    axum::extract::Query(query): axum::extract::Query<RegionsQuery>,
) -> Result<Response, AppError> {
    let (snapshot, lang) = (&page.snapshot, page.lang);
    let regional: Vec<&md2030_analytics::indicator::IndicatorReport> = snapshot
        .published
        .results
        .iter()
        .flat_map(|r| r.indicators.iter())
        .filter(|r| !r.regional.is_empty())
        .collect();
    let id = query.indicator.unwrap_or_else(|| "digital_take_up".to_string());
    let (Some(report), Some(indicator)) =
        (regional.iter().find(|r| r.id == id), snapshot.published.catalog.indicator(&id))
    else {
        return Err(AppError::NotFound("no regional breakdown for this indicator"));
    };
    Ok(page.cached(&format!("regions/{id}"), || {
        let unit = indicator.unit.as_str();
        let value = |v: f64| md2030_view::format::in_unit(v, unit, lang);
        let name = indicator.name.get(lang).to_string();
        let region_name = |code: &str| view::region_name(code, lang);
        let latest = report.regional.last();
        let lagging = latest.and_then(|p| p.lagging.clone()).unwrap_or_default();
        let (map, map_note, map_source) =
            view::region_map(snapshot.published.outlines.as_ref(), report, indicator, lang);
        let rows = latest
            .map(|p| {
                p.regions
                    .iter()
                    .map(|r| {
                        let (shown, gap) = match (indicator.regional_rate, r.rate) {
                            (Some(kind), Some(rate)) => {
                                let sign = if r.gap < 0.0 { "−" } else { "+" };
                                (
                                    format!(
                                        "{} · {}",
                                        value(r.value),
                                        view::rate_text(rate, kind, lang)
                                    ),
                                    format!("{sign}{}", view::rate_text(r.gap.abs(), kind, lang)),
                                )
                            }
                            _ => (
                                value(r.value),
                                md2030_view::format::signed_in_unit(r.gap, unit, lang),
                            ),
                        };
                        (
                            region_name(&r.region_code),
                            shown,
                            gap,
                            r.region_code == lagging,
                            String::new(),
                        )
                    })
                    .chain(view::charts::REGION_TILES.iter().filter_map(|(code, _, _)| {
                        // Regions without the latest period: their last value, dated.
                        if p.regions.iter().any(|r| r.region_code == *code) {
                            return None;
                        }
                        let older = view::older_region_value(report, indicator, code, false, lang)?;
                        let note = text(lang, "region-older");
                        Some((region_name(code), older, "–".into(), false, note))
                    }))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        // The coefficient of variation as a percentage of the mean: how far regions
        // stand from their average, 0 % when all are equal.
        let cv = |c: Option<f64>| {
            c.map(|c| md2030_view::format::percent(c * 100.0, 1, lang))
                .unwrap_or_else(|| "–".into())
        };
        RegionsPage {
            layout: layout(
                lang,
                format!("regions?indicator={id}"),
                synthetic(snapshot, &report.dataset_versions),
            ),
            heading: text(lang, "nav-regions"),
            choose_label: text(lang, "choose-indicator"),
            show_label: text(lang, "show"),
            legend: view::region_legend(lang),
            options: regional
                .iter()
                .filter_map(|r| snapshot.published.catalog.indicator(&r.id))
                .map(|i| (i.id.clone(), i.name.get(lang).to_string()))
                .collect(),
            indicator: id.clone(),
            name: name.clone(),
            period: latest.map(|p| view::format::period(&p.period, lang)).unwrap_or_default(),
            national_label: text(lang, "national"),
            national: latest
                .map(|p| match (indicator.regional_rate, p.national_rate) {
                    (Some(kind), Some(rate)) => {
                        format!("{} · {}", value(p.national), view::rate_text(rate, kind, lang))
                    }
                    _ => value(p.national),
                })
                .unwrap_or_default(),
            lagging_label: text(lang, "lagging"),
            lagging: if lagging.is_empty() { "–".into() } else { region_name(&lagging) },
            dispersion_label: text(lang, "dispersion"),
            dispersion: cv(latest.and_then(|p| p.coefficient_of_variation)),
            map,
            map_note,
            map_source,
            downloads: Downloads::new(lang),
            region_label: text(lang, "region"),
            value_label: text(lang, "value-label"),
            gap_label: text(lang, "gap-to-national"),
            period_label: text(lang, "period-label"),
            rows,
            history: report
                .regional
                .iter()
                .map(|p| {
                    (
                        view::format::period(&p.period, lang),
                        cv(p.coefficient_of_variation),
                        p.lagging.as_deref().map(region_name).unwrap_or_default(),
                    )
                })
                .collect(),
        }
        .render()
    }))
}

/// The notes under a downloaded chart: the dataset versions it was computed from
/// with their source files, the results' date, and the sample-data warning.
pub(crate) fn frame_notes(
    snapshot: &Snapshot,
    report: &md2030_analytics::indicator::IndicatorReport,
    lang: Lang,
) -> Vec<(String, bool)> {
    let versions: Vec<String> = report
        .dataset_versions
        .iter()
        .map(|id| match snapshot.published.versions.iter().find(|v| &v.version_id == id) {
            Some(v) => format!("{id} ({})", v.provenance.source_file_name),
            None => id.clone(),
        })
        .collect();
    let as_of = snapshot
        .published
        .results
        .as_ref()
        .map(|r| md2030_view::format::date(&r.as_of.to_string(), lang))
        .unwrap_or_default();
    // Left-to-right marks keep dates and ids in order inside Arabic lines (an SVG
    // text line has no <bdi> to isolate them).
    let ltr = md2030_view::format::ltr;
    let mut notes = vec![
        (format!("{} : {}", text(lang, "source-versions"), ltr(&versions.join(" · "))), false),
        (
            format!(
                "{} · {}",
                text_with(lang, "as-of", "date", &as_of),
                ltr(&format!("md2030 {}", snapshot.published.results_version()))
            ),
            false,
        ),
    ];
    if synthetic(snapshot, &report.dataset_versions) {
        notes.push((text(lang, "sample-banner"), true));
    }
    notes
}
