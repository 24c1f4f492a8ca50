//! The table pages: data, targets and the 2026 milestones.

use askama::Template;
use axum::response::Response;
use md2030_model::Lang;
use md2030_store::VersionRecord;

use crate::app::Snapshot;
use crate::layout::{Layout, PublicPage, layout};
use md2030_view::i18n::text;
use md2030_view::{self as view};

/// One table row: its class, its cells, and a download link.
pub(crate) type TableRow = (String, Vec<String>, Option<String>);

/// A page holding one table (data, targets).
#[derive(Template)]
#[template(path = "table.html")]
pub(crate) struct TablePage {
    layout: Layout,
    heading: String,
    columns: Vec<String>,
    /// (row class, cells, download link).
    rows: Vec<TableRow>,
    /// On the data page: the whole open-data export as a zip.
    export_link: String,
}

pub(crate) fn table_page(
    snapshot: &Snapshot,
    lang: Lang,
    path: &str,
    heading: String,
    columns: Vec<String>,
    rows: Vec<TableRow>,
) -> Result<String, askama::Error> {
    TablePage {
        layout: layout(lang, path.to_string(), snapshot.published.synthetic()),
        export_link: if path == "data" { text(lang, "export-zip") } else { String::new() },
        heading,
        columns,
        rows,
    }
    .render()
}

/// Every dataset's current version with provenance and freshness: a dataset is
/// overdue when an indicator computed from it is; overdue rows stand out, sorted
/// by producer.
pub(crate) async fn data_page(page: PublicPage) -> Response {
    let (snapshot, lang) = (&page.snapshot, page.lang);
    page.cached("data", || {
        let freshness = |version_id: &str| {
            let statuses: Vec<md2030_analytics::indicator::DataStatus> = snapshot
                .published
                .results
                .iter()
                .flat_map(|r| r.indicators.iter())
                .filter(|r| r.dataset_versions.iter().any(|v| v == version_id))
                .map(|r| r.headline.data_status)
                .collect();
            if statuses.contains(&md2030_analytics::indicator::DataStatus::Overdue) {
                "overdue"
            } else {
                "current"
            }
        };
        let mut versions: Vec<&VersionRecord> = snapshot.published.versions.iter().collect();
        let producer = |v: &VersionRecord| {
            md2030_model::find_contract(&v.dataset).map(|c| c.producer.clone()).unwrap_or_default()
        };
        versions.sort_by_key(|v| {
            (freshness(&v.version_id) != "overdue", producer(v), v.dataset.clone())
        });
        let rows = versions
            .into_iter()
            .map(|v| {
                let fresh = freshness(&v.version_id);
                let contract = md2030_model::find_contract(&v.dataset);
                let title = contract
                    .map(|c| c.titles.get(lang).to_string())
                    .unwrap_or_else(|| v.dataset.clone());
                let validation = format!(
                    "{} {} · {} {}",
                    v.provenance.validation["errors"].as_u64().unwrap_or(0),
                    text(lang, "errors"),
                    v.provenance.validation["warnings"].as_u64().unwrap_or(0),
                    text(lang, "warnings")
                );
                let sample = if v.provenance.synthetic {
                    format!(" ({})", text(lang, "sample-data"))
                } else {
                    String::new()
                };
                (
                    fresh.to_string(),
                    vec![
                        title,
                        producer(v),
                        v.version_id.clone(),
                        md2030_view::format::number(v.row_count as f64, 0, lang),
                        format!("{}{sample}", v.provenance.source_file_name),
                        v.provenance.ingested_at.clone(),
                        validation,
                        text(lang, &format!("data-{fresh}")),
                    ],
                    Some(format!("/download/dataset/{}", v.version_id)),
                )
            })
            .collect();
        let columns = md2030_view::i18n::texts(
            lang,
            &[
                "dataset",
                "producer",
                "version",
                "rows",
                "source-file",
                "ingested-at",
                "validation",
                "freshness",
                "download",
            ],
        );
        table_page(snapshot, lang, "data", text(lang, "nav-data"), columns, rows)
    })
}

/// The target registry: every version, the one in force, superseded ones and
/// drafts, with their sources.
pub(crate) async fn targets_page(page: PublicPage) -> Response {
    let (snapshot, lang) = (&page.snapshot, page.lang);
    page.cached("targets", || {
        let catalog = &snapshot.published.catalog;
        let rows = catalog
            .targets
            .iter()
            .map(|t| {
                let indicator = catalog.indicator(&t.indicator);
                let unit = indicator.map(|i| i.unit.as_str()).unwrap_or("");
                let in_force = catalog
                    .target_in_force(&t.indicator, t.year, &t.breakdown)
                    .is_some_and(|f| f.id == t.id);
                let state = if t.is_draft() {
                    "draft"
                } else if in_force {
                    "in-force"
                } else {
                    "superseded"
                };
                let mut name = indicator.map(|i| i.name.get(lang).to_string()).unwrap_or_default();
                for (dimension, member) in &t.breakdown {
                    name.push_str(&format!(" ({dimension} = {member})"));
                }
                (
                    state.replace("in-force", "in_force"),
                    vec![
                        name,
                        t.year.to_string(),
                        md2030_view::format::in_unit(t.value, unit, lang),
                        t.baseline
                            .map(|b| {
                                format!(
                                    "{} ({})",
                                    md2030_view::format::in_unit(b.value, unit, lang),
                                    b.year
                                )
                            })
                            .unwrap_or_default(),
                        format!("{} · v{}", text(lang, &format!("target-{state}")), t.version),
                        t.adopted_by.get(lang).to_string(),
                        md2030_view::format::date(&t.adopted_on, lang),
                        t.source.get(lang).to_string(),
                    ],
                    None,
                )
            })
            .collect();
        let columns = md2030_view::i18n::texts(
            lang,
            &[
                "indicator",
                "year",
                "value",
                "baseline",
                "version",
                "adopted-by",
                "adopted-on",
                "source",
            ],
        );
        table_page(snapshot, lang, "targets", text(lang, "nav-targets"), columns, rows)
    })
}

/// The 2026 mid-term review: every milestone judged like the final target.
pub(crate) async fn milestones_page(page: PublicPage) -> Response {
    let (snapshot, lang) = (&page.snapshot, page.lang);
    page.cached("milestones", || {
        let rows = snapshot
            .published
            .results
            .as_ref()
            .map(|r| view::milestones(r, &snapshot.published.catalog, lang))
            .unwrap_or_default()
            .into_iter()
            .map(|m| {
                (
                    format!("status-{}", m.status),
                    vec![
                        m.name,
                        m.milestone,
                        m.at_date,
                        format!("{} — {}", m.verdict, m.status_text),
                        m.after,
                    ],
                    None,
                )
            })
            .collect();
        table_page(
            snapshot,
            lang,
            "milestones",
            text(lang, "midterm-title"),
            view::milestone_header(lang),
            rows,
        )
    })
}
