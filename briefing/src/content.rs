//! The briefing's content from the stored results, in one language: cover facts,
//! an executive summary in sentences generated from the figures, the scorecard,
//! one section per pillar with its charts (the dashboard's SVG), the regional view
//! and an annex of definitions, sources and target versions. Typesetting is
//! `crate::typeset::render`.

use crate::typeset::{Briefing, Chart, Section, Table};
use md2030_analytics::catalog::Catalog;
use md2030_analytics::indicator::IndicatorReport;
use md2030_analytics::progress::ProgressStatus;
use md2030_analytics::results::Results;
use md2030_analytics::vintage::Change;
use md2030_model::Lang;
use md2030_store::VersionRecord;

use md2030_view::i18n::{text, text_args, text_with};
use md2030_view::{self as view, format};

/// Most charts per pillar section: the indicators with a target, off track first.
const CHARTS_PER_PILLAR: usize = 4;

/// What a briefing is built from.
#[derive(Debug)]
pub struct Sources<'a> {
    pub catalog: &'a Catalog,
    pub results: &'a Results,
    /// The results version id and the SHA-256 of its `results.json`.
    pub results_version: &'a str,
    pub results_sha256: &'a str,
    pub versions: &'a [VersionRecord],
    pub outlines: Option<&'a md2030_results::outlines::Outlines>,
    /// `briefing@e4` and the edition's content key (named on the cover).
    pub edition_id: &'a str,
    pub edition_key: &'a str,
    /// The edition this one compares with, and what changed since; none for a
    /// first edition.
    pub previous: Option<Previous<'a>>,
}

/// The previous edition, for the "since the last briefing" section.
#[derive(Debug, Clone, Copy)]
pub struct Previous<'a> {
    /// `briefing@e3`.
    pub edition_id: &'a str,
    pub as_of: &'a str,
    pub changes: &'a [Change],
}

/// Status order for the charts: the most urgent first.
fn urgency(report: &IndicatorReport) -> u8 {
    report.headline.assessment.status.urgency()
}

/// The headline judgments against a target, the furthest behind first (by the
/// ratio done ÷ expected); those that cannot be judged are left out.
fn judged<'a>(
    reports: &[(&'a IndicatorReport, &'a md2030_analytics::catalog::Indicator)],
) -> Vec<(&'a IndicatorReport, &'a md2030_analytics::catalog::Indicator)> {
    let mut judged: Vec<_> = reports
        .iter()
        .filter(|(r, _)| {
            r.headline.judgment().is_some_and(|j| j.status != ProgressStatus::NotAssessable)
        })
        .copied()
        .collect();
    let rank = |r: &IndicatorReport| {
        let j = r.headline.judgment();
        (urgency(r), j.and_then(|j| j.ratio).unwrap_or(f64::MAX))
    };
    judged.sort_by(|(a, _), (b, _)| {
        let (ua, ra) = rank(a);
        let (ub, rb) = rank(b);
        ua.cmp(&ub).then(ra.total_cmp(&rb))
    });
    judged
}

/// The "since the last briefing" section: a sentence counting the changes and a
/// table of them (what changed, the indicator or dataset, before, now).
fn since(previous: Option<Previous<'_>>, catalog: &Catalog, lang: Lang) -> (Vec<String>, Table) {
    let header = ["brief-change", "brief-subject", "brief-before", "brief-now"]
        .iter()
        .map(|k| text(lang, k))
        .collect();
    let Some(previous) = previous else {
        return (vec![text(lang, "brief-since-first")], Table { header, rows: Vec::new() });
    };
    let (rows, counts) = view::changes::rows(previous.changes, catalog, lang);
    let view::changes::Counts { new, revised, targets, statuses } = counts;
    let rows: Vec<Vec<String>> = rows.into_iter().map(|r| r.to_vec()).collect();
    let intro = if rows.is_empty() {
        text_args(
            lang,
            "brief-since-none",
            &[
                ("edition", format::ltr_in(lang, previous.edition_id.to_string())),
                ("date", format::ltr_in(lang, previous.as_of.to_string())),
            ],
        )
    } else {
        text_args(
            lang,
            "brief-since-intro",
            &[
                ("edition", format::ltr_in(lang, previous.edition_id.to_string())),
                ("date", format::ltr_in(lang, previous.as_of.to_string())),
                ("new", format::ltr_in(lang, new.to_string())),
                ("revised", format::ltr_in(lang, revised.to_string())),
                ("targets", format::ltr_in(lang, targets.to_string())),
                ("statuses", format::ltr_in(lang, statuses.to_string())),
            ],
        )
    };
    (vec![intro], Table { header, rows })
}

/// The cover's key messages: the three targets furthest behind, in one sentence
/// each, and the count of 2026 milestones met, on course and behind.
fn key_messages(summary: &[String], judged: usize, milestones: bool) -> Vec<String> {
    // The summary is: the count, one sentence per judged target (furthest behind
    // first), the milestones if any, then the data overdue or missing.
    let mut key: Vec<String> = summary.iter().skip(1).take(judged.min(3)).cloned().collect();
    if milestones && let Some(line) = summary.get(1 + judged) {
        key.push(line.clone());
    }
    key
}

/// An indicator's report and its catalogue entry.
type Reported<'a> = (&'a IndicatorReport, &'a md2030_analytics::catalog::Indicator);

fn indicator_name(indicator: &md2030_analytics::catalog::Indicator, lang: Lang) -> String {
    indicator.name.get(lang).to_string()
}

/// The executive summary: the count by status, the targets off track (furthest
/// behind first), the milestones, then the data overdue or missing.
fn summary(reports: &[Reported<'_>], milestones: &[view::MilestoneRow], lang: Lang) -> Vec<String> {
    let name = |i: &md2030_analytics::catalog::Indicator| indicator_name(i, lang);
    let with_target: Vec<_> = reports.iter().filter(|(r, _)| r.headline.target.is_some()).collect();
    let judged = judged(reports);
    let count = |f: &dyn Fn(ProgressStatus) -> bool| {
        judged.iter().filter(|(r, _)| f(r.headline.assessment.status)).count().to_string()
    };
    let mut summary = vec![text_args(
        lang,
        "brief-count",
        &[
            ("total", with_target.len().to_string()),
            (
                "on_track",
                count(&|s| matches!(s, ProgressStatus::OnTrack | ProgressStatus::Achieved)),
            ),
            ("behind", count(&|s| s.is_off_track())),
            ("unjudged", (with_target.len() - judged.len()).to_string()),
        ],
    )];
    summary.extend(judged.iter().filter_map(|(r, i)| view::judgment_sentence(r, i, lang)));
    if !milestones.is_empty() {
        let count = |status: &[&str]| {
            milestones.iter().filter(|m| status.contains(&m.status)).count().to_string()
        };
        summary.push(text_args(
            lang,
            "brief-milestones",
            &[
                ("total", milestones.len().to_string()),
                ("met", count(&["achieved"])),
                ("on_course", count(&["on_track"])),
                (
                    "behind",
                    count(&["needs_acceleration", "limited_progress", "deterioration", "missed"]),
                ),
            ],
        ));
    }
    let list = |status: &str| -> Vec<String> {
        reports
            .iter()
            .filter(|(r, _)| r.headline.data_status.as_str() == status)
            .map(|(r, i)| match &r.headline.freshness {
                // The period awaited: "Offshoring jobs (2025-Q3)".
                Some(f) => {
                    format!("{} ({})", name(i), format::period_in_text(&f.next_period, lang))
                }
                None => name(i),
            })
            .collect()
    };
    for (status, key) in [("overdue", "brief-overdue"), ("missing", "brief-missing")] {
        let names = list(status);
        if !names.is_empty() {
            summary.push(text_with(lang, key, "list", &names.join(", ")));
        }
    }

    summary
}

/// The 2026 mid-term review as a table: each milestone's verdict and what the
/// final target needs after it.
pub(crate) fn midterm_table(milestones: &[view::MilestoneRow], lang: Lang) -> Table {
    Table {
        header: view::milestone_header(lang),
        rows: milestones
            .iter()
            .map(|m| {
                vec![
                    m.name.clone(),
                    format::ltr_in(lang, m.milestone.clone()),
                    m.at_date.clone(),
                    format!("{} — {}", m.verdict, m.status_text),
                    m.after.clone(),
                ]
            })
            .collect(),
    }
}

/// The scorecard's columns.
fn scorecard_header(lang: Lang) -> Vec<String> {
    ["indicator", "latest", "target", "progress", "data"].iter().map(|k| text(lang, k)).collect()
}

/// One indicator as a row of the scorecard: name, latest value (period), target,
/// progress status, data status.
fn scorecard_row(c: &view::Card, lang: Lang) -> Vec<String> {
    vec![
        c.name.clone(),
        match (&c.latest_value, &c.latest_period) {
            (Some(v), Some(p)) => format::ltr_in(lang, format!("{v} ({p})")),
            _ => "–".into(),
        },
        c.target.clone().map(|t| format::ltr_in(lang, t)).unwrap_or_else(|| "–".into()),
        c.status_text.clone(),
        c.data_text.clone(),
    ]
}

/// The scorecard: every indicator.
pub(crate) fn scorecard(cards: &[&view::Card], lang: Lang) -> Table {
    Table {
        header: scorecard_header(lang),
        rows: cards.iter().map(|c| scorecard_row(c, lang)).collect(),
    }
}

/// One section per pillar: up to four charts, those with a target first; then the
/// pillar's other indicators as scorecard rows, so that its pages hold all of it.
fn pillar_sections(reports: &[Reported<'_>], cards: &[&view::Card], lang: Lang) -> Vec<Section> {
    let name = |i: &md2030_analytics::catalog::Indicator| indicator_name(i, lang);
    [
        (md2030_analytics::catalog::Pillar::PublicServices, "pillar-public_services"),
        (md2030_analytics::catalog::Pillar::DigitalEconomy, "pillar-digital_economy"),
        (md2030_analytics::catalog::Pillar::Enablers, "pillar-enablers"),
    ]
    .into_iter()
    .map(|(pillar, key)| {
        let mut in_pillar: Vec<_> = reports
            .iter()
            .filter(|(r, i)| i.pillar == pillar && r.headline.series.len() >= 2)
            .collect();
        // The indicators with a target first, the most urgent first; then those
        // without a target, in catalogue order.
        in_pillar.sort_by_key(|(r, _)| (r.headline.target.is_none(), urgency(r)));
        let charted: Vec<(&str, Chart)> = in_pillar
            .iter()
            .take(CHARTS_PER_PILLAR)
            .map(|(r, i)| {
                let chart = Chart {
                    title: name(i),
                    caption: view::chart_caption(r, i, lang),
                    // The phone's frame: drawn near the size it is printed (half a
                    // page), so that its type stays legible on paper.
                    svg: view::indicator_chart_at(i, r, lang, view::charts::Frame::NARROW),
                };
                (i.id.as_str(), chart)
            })
            .filter(|(_, c)| !c.svg.is_empty())
            .collect();
        let others: Vec<Vec<String>> = reports
            .iter()
            .filter(|(_, i)| i.pillar == pillar && !charted.iter().any(|(id, _)| *id == i.id))
            .filter_map(|(_, i)| cards.iter().find(|c| c.id == i.id))
            .map(|c| scorecard_row(c, lang))
            .collect();
        Section {
            title: text(lang, key),
            text: Vec::new(),
            charts: charted.into_iter().map(|(_, c)| c).collect(),
            more_title: if others.is_empty() {
                String::new()
            } else {
                text(lang, "brief-pillar-others")
            },
            more: Table { header: scorecard_header(lang), rows: others },
        }
    })
    .collect()
}

/// The regions page: the maps of the indicators that carry a target and have a
/// regional view (counts as rates of the population or households), then digital
/// take-up, at most four, two by two; each captioned with the national value, the
/// region furthest behind and the spread; the map's classes named once.
fn regional_section(
    reports: &[Reported<'_>],
    outlines: Option<&md2030_results::outlines::Outlines>,
    lang: Lang,
) -> Option<Section> {
    let name = |i: &md2030_analytics::catalog::Indicator| indicator_name(i, lang);
    let region_name = |code: &str| view::region_name(code, lang);
    let mut chosen: Vec<&Reported<'_>> = reports
        .iter()
        .filter(|(r, _)| !r.regional.is_empty() && r.headline.target.is_some())
        .collect();
    chosen.extend(
        reports.iter().filter(|(r, _)| r.id == "digital_take_up" && !r.regional.is_empty()),
    );
    chosen.truncate(4);
    let charts: Vec<Chart> = chosen
        .iter()
        .filter_map(|(report, indicator)| {
            let latest = report.regional.last()?;
            let national = match (indicator.regional_rate, latest.national_rate) {
                (Some(kind), Some(rate)) => view::rate_text(rate, kind, lang),
                _ => format::in_unit(latest.national, &indicator.unit, lang),
            };
            let mut caption = format!(
                "{} ({}) : {} · {} : {}",
                text(lang, "national"),
                format::period_in_text(&latest.period, lang),
                format::ltr_in(lang, national),
                text(lang, "lagging"),
                latest.lagging.as_deref().map(region_name).unwrap_or_else(|| "–".into())
            );
            if let Some(cv) = latest.coefficient_of_variation {
                caption.push_str(&format!(
                    " · {} {}",
                    text(lang, "brief-spread"),
                    format::ltr_in(lang, format::percent(cv * 100.0, 1, lang))
                ));
            }
            let (svg, _, _) = view::region_map(outlines, report, indicator, lang);
            Some(Chart { title: name(indicator), caption, svg })
        })
        .collect();
    if charts.is_empty() {
        return None;
    }
    let legend = view::region_legend(lang).into_iter().map(|(_, label)| label).collect::<Vec<_>>();
    Some(Section {
        title: text(lang, "nav-regions"),
        text: vec![format!("{} : {}", text(lang, "brief-map-classes"), legend.join(" · "))],
        charts,
        ..Section::default()
    })
}

/// The annex: definitions, producers and target versions.
fn annex(reports: &[Reported<'_>], lang: Lang) -> Table {
    let name = |i: &md2030_analytics::catalog::Indicator| indicator_name(i, lang);
    Table {
        header: ["indicator", "brief-definition", "brief-producer", "target"]
            .iter()
            .map(|k| text(lang, k))
            .collect(),
        rows: reports
            .iter()
            .map(|(r, i)| {
                vec![
                    name(i),
                    i.definition.get(lang).to_string(),
                    i.producer.clone(),
                    r.headline
                        .target
                        .as_ref()
                        .map(|t| {
                            format!(
                                "{} ({}) — {} ({})",
                                format::ltr_in(lang, format::in_unit(t.value, &i.unit, lang)),
                                format::ltr_in(lang, t.year.to_string()),
                                t.source.get(lang),
                                format::ltr_in(
                                    lang,
                                    format!("{} v{}, {}", t.id, t.version, t.adopted_on)
                                )
                            )
                        })
                        .unwrap_or_else(|| text(lang, "no-target")),
                ]
            })
            .collect(),
    }
}

/// Every dataset version the briefing's figures read, with the start of its hash.
fn versions_read(reports: &[Reported<'_>], versions: &[VersionRecord]) -> Vec<String> {
    let mut ids: Vec<String> =
        reports.iter().flat_map(|(r, _)| r.dataset_versions.iter().cloned()).collect();
    ids.sort();
    ids.dedup();
    ids.iter()
        .map(|id| match versions.iter().find(|v| &v.version_id == id) {
            Some(v) => format!("{id} sha256:{}", &v.sha256[..12.min(v.sha256.len())]),
            None => id.clone(),
        })
        .collect()
}

/// The briefing in `lang`, edition dated `edition` (YYYY-MM-DD).
/// Groups the briefing's peer table shows, in order.
const PEER_COLUMNS: [&str; 4] = ["world", "africa", "arab_league", "maghreb"];

/// The top-50 outlook in a sentence, then Morocco's standing on the index.
fn peers_text(report: &md2030_analytics::peers::PeerReport, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(o) = view::peers::outlook_view(report, lang) {
        out.push(o.summary);
    }
    if let Some(egdi) = report.indicator("egdi")
        && let (Some(sentence), Some(last), Some(c)) =
            (view::peers::sentence(report, egdi, lang), egdi.last(), egdi.comparable())
    {
        out.push(format!(
            "{} {} ({}) — {sentence}",
            c.name().get(lang),
            last.period,
            format::in_unit(last.value, c.unit, lang)
        ));
    }
    out
}

/// Each comparable indicator: its latest period, Morocco's value and its rank in
/// the world, Africa, the Arab League and the Maghreb ("4 / 54").
fn peers_table(report: &md2030_analytics::peers::PeerReport, lang: Lang) -> Table {
    let mut header =
        vec![text(lang, "indicator"), text(lang, "period-label"), text(lang, "peers-morocco")];
    header.extend(
        PEER_COLUMNS
            .iter()
            .map(|g| report.group(g).map(|g| g.name.get(lang).to_string()).unwrap_or_default()),
    );
    let rows = report
        .indicators
        .iter()
        .filter_map(|i| {
            let c = i.comparable()?;
            let last = i.last()?;
            let mut row = vec![
                c.name().get(lang).to_string(),
                last.period.clone(),
                format::in_unit(last.value, c.unit, lang),
            ];
            row.extend(PEER_COLUMNS.iter().map(|g| {
                last.standings
                    .iter()
                    .find(|s| s.group == *g)
                    .map(|s| format::ltr_in(lang, format!("{} / {}", s.rank, s.of)))
                    .unwrap_or_else(|| "–".into())
            }));
            Some(row)
        })
        .collect();
    Table { header, rows }
}

pub fn briefing(sources: &Sources<'_>, lang: Lang, edition: &str) -> Briefing {
    let Sources { catalog, results, versions, .. } = *sources;
    let reports: Vec<Reported<'_>> =
        catalog.indicators.iter().filter_map(|i| Some((results.indicator(&i.id)?, i))).collect();

    let milestones = view::milestones(results, catalog, lang);
    let summary = summary(&reports, &milestones, lang);
    let verdict = view::verdict::verdict(results, catalog, lang);
    let key_messages = key_messages(&summary, judged(&reports).len(), !milestones.is_empty());
    let pillars = view::overview(results, catalog, versions, lang);
    let cards: Vec<&view::Card> = pillars.iter().flat_map(|p| p.cards.iter()).collect();
    let scorecard = scorecard(&cards, lang);
    let mut sections = pillar_sections(&reports, &cards, lang);
    sections.extend(regional_section(&reports, sources.outlines, lang));
    let annex = annex(&reports, lang);
    let all_versions = versions_read(&reports, versions);
    let synthetic = reports.iter().any(|(r, _)| view::synthetic(versions, &r.dataset_versions));
    let latest_period = reports
        .iter()
        .filter_map(|(r, _)| r.headline.latest.as_ref().map(|o| o.period.clone()))
        .max()
        .unwrap_or_default();
    let latest_period = format::period_in_text(&latest_period, lang);
    let (since_text, since_table) = since(sources.previous, catalog, lang);
    Briefing {
        lang: lang.code().to_string(),
        rtl: lang == Lang::Ar,
        title: text(lang, "brief-title"),
        subtitle: text(lang, "app-subtitle"),
        edition: format::date(edition, lang),
        period: text_with(lang, "brief-period", "period", &latest_period),
        verdict: verdict.sentence,
        verdict_counts: [verdict.on_track, verdict.accelerate, verdict.not_assessable],
        key_messages_title: text(lang, "brief-key-messages"),
        key_messages,
        provenance_title: text(lang, "provenance"),
        snapshot: vec![
            text_args(
                lang,
                "brief-edition",
                &[
                    ("edition", format::ltr_in(lang, sources.edition_id.to_string())),
                    (
                        "key",
                        format::ltr_in(
                            lang,
                            sources.edition_key.get(..16).unwrap_or_default().to_string(),
                        ),
                    ),
                ],
            ),
            text_args(
                lang,
                "brief-snapshot",
                &[
                    ("version", format::ltr_in(lang, sources.results_version.to_string())),
                    (
                        "hash",
                        format::ltr_in(
                            lang,
                            sources.results_sha256.get(..16).unwrap_or_default().to_string(),
                        ),
                    ),
                    ("date", format::ltr_in(lang, results.as_of.to_string())),
                ],
            ),
            format!("{} : {}", text(lang, "source-versions"), all_versions.join(" · ")),
        ],
        sample_warning: synthetic.then(|| text(lang, "sample-banner")),
        summary_title: text(lang, "brief-summary"),
        summary,
        since_title: text(lang, "brief-since"),
        since_text,
        since: since_table,
        scorecard_title: text(lang, "brief-scorecard"),
        scorecard,
        midterm_title: text(lang, "midterm-title"),
        midterm_text: vec![text(lang, "midterm-intro")],
        midterm: midterm_table(&milestones, lang),
        peers_title: text(lang, "peers-heading"),
        peers_text: results.peers.as_ref().map(|p| peers_text(p, lang)).unwrap_or_default(),
        peers: results.peers.as_ref().map(|p| peers_table(p, lang)).unwrap_or_default(),
        sections,
        annex_title: text(lang, "brief-annex"),
        annex,
        page_word: text(lang, "brief-page"),
        of_word: text(lang, "brief-of"),
    }
}
