//! Morocco among its peers: `/{lang}/peers` (a table and chart per comparable
//! indicator, the outlook of the top-50 target and its levers), its JSON
//! (`/api/v1/peers`) and CSVs (`/download/peers/{standings,latest,outlook}.csv`).
//! Computed in the results (`analytics::peers`), shown by `view::peers`; public
//! like the figures they rest on.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use md2030_model::Lang;
use md2030_view::i18n::{text, text_args, texts};
use md2030_view::peers::{Lever, OutlookView, Section};

use crate::error::AppError;
use crate::layout::{Layout, PublicPage, json_body, layout};

#[derive(Template)]
#[template(path = "peers.html")]
pub(crate) struct PeersPage {
    layout: Layout,
    heading: String,
    intro: String,
    none: String,
    outlook_heading: String,
    outlook: Option<OutlookView>,
    outlook_columns: Vec<String>,
    outlook_method: String,
    levers_heading: String,
    levers_intro: String,
    lever_columns: Vec<String>,
    impossible: String,
    sections: Vec<Section>,
    columns: Vec<String>,
    morocco: String,
    leads: String,
    history_title: String,
    /// (name, classified by, "54 countries", members' names).
    groups: Vec<(String, String, String, String)>,
    groups_heading: String,
    groups_note: String,
    downloads: String,
    /// Labels of the three CSVs.
    download_labels: Vec<String>,
    lang_code: &'static str,
}

fn lever_owner_links(lever: &Lever, lang: Lang) -> Vec<(String, String)> {
    lever
        .owners
        .iter()
        .map(|(code, name)| (format!("/{}/ministry/{code}", lang.code()), name.clone()))
        .collect()
}

/// `/{lang}/peers`.
pub(crate) async fn peers_page(page: PublicPage) -> Response {
    let (snapshot, lang) = (&page.snapshot, page.lang);
    page.cached("peers", || {
        let report = snapshot.published.results.as_ref().and_then(|r| r.peers.as_ref());
        let sections: Vec<Section> = report
            .map(|r| {
                r.indicators
                    .iter()
                    .filter_map(|i| md2030_view::peers::section(r, i, lang, true))
                    .collect()
            })
            .unwrap_or_default();
        let outlook = report.and_then(|r| md2030_view::peers::outlook_view(r, lang));
        let year = outlook.as_ref().map(|o| o.year.to_string()).unwrap_or_default();
        let first = report.and_then(|r| r.outlook.first());
        let mut lever_columns = texts(
            lang,
            &[
                "peers-lever-col-component",
                "peers-lever-col-weight",
                "peers-lever-col-latest",
                "peers-lever-col-world",
            ],
        );
        lever_columns.push(text_args(lang, "peers-lever-col-adds", &[("year", year.clone())]));
        lever_columns.extend(texts(lang, &["peers-lever-col-alone", "peers-lever-col-owners"]));
        let groups = report
            .map(|r| {
                r.groups
                    .iter()
                    .map(|g| {
                        let names: Vec<String> = if g.id == "world" {
                            Vec::new()
                        } else {
                            g.members.iter().map(|m| md2030_view::peers::country(m, lang)).collect()
                        };
                        (
                            g.name.get(lang).to_string(),
                            text(lang, &format!("peers-by-{}", g.classified_by)),
                            text_args(
                                lang,
                                "peers-members",
                                &[("count", g.members.len().to_string())],
                            ),
                            names.join(if lang == Lang::Ar { "، " } else { ", " }),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        PeersPage {
            layout: layout(lang, "peers".to_string(), snapshot.published.synthetic()),
            heading: text(lang, "peers-heading"),
            intro: text(lang, "peers-intro"),
            none: text(lang, "peers-none"),
            outlook_heading: text(lang, "peers-outlook-heading"),
            outlook_columns: texts(
                lang,
                &[
                    "peers-outlook-col-year",
                    "peers-outlook-col-scenario",
                    "peers-outlook-col-threshold",
                    "peers-outlook-col-projected",
                    "peers-outlook-col-rank",
                    "peers-outlook-col-needed",
                ],
            ),
            outlook_method: first
                .map(|o| {
                    text_args(
                        lang,
                        "peers-outlook-method",
                        &[("countries", o.countries.to_string()), ("rank", o.rank.to_string())],
                    )
                })
                .unwrap_or_default(),
            levers_heading: text(lang, "peers-levers-heading"),
            levers_intro: text_args(lang, "peers-levers-intro", &[("year", year)]),
            lever_columns,
            impossible: text(lang, "peers-lever-impossible"),
            outlook,
            columns: texts(
                lang,
                &[
                    "peers-col-group",
                    "peers-col-by",
                    "peers-col-rank",
                    "peers-col-median",
                    "peers-col-leader",
                    "peers-col-leader-gap",
                    "peers-col-next",
                    "peers-col-next-gap",
                ],
            ),
            sections,
            morocco: text(lang, "peers-morocco"),
            leads: text(lang, "peers-leads"),
            history_title: text(lang, "peers-history"),
            groups,
            groups_heading: text(lang, "peers-groups-heading"),
            groups_note: text(lang, "peers-groups-note"),
            downloads: text(lang, "peers-downloads"),
            download_labels: texts(
                lang,
                &["peers-dl-standings", "peers-dl-latest", "peers-dl-outlook"],
            ),
            lang_code: lang.code(),
        }
        .render()
    })
}

impl PeersPage {
    fn owners(&self, lever: &Lever) -> Vec<(String, String)> {
        lever_owner_links(lever, Lang::from_code(self.lang_code).unwrap_or_default())
    }
}

/// The peer report as JSON: `/api/v1/peers`, with the groups' names in `?lang=`.
pub(crate) async fn api_peers(
    axum::extract::State(app): axum::extract::State<std::sync::Arc<crate::App>>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let snapshot = app.snapshot();
    Ok(crate::cache::cached_as(&snapshot, "api/peers", &headers, "application/json", || {
        let results = snapshot.published.results.as_ref();
        json_body(&serde_json::json!({
            "as_of": results.map(|r| r.as_of.to_string()),
            "results_version": snapshot.published.results_version(),
            "synthetic": snapshot.published.synthetic(),
            "home": md2030_analytics::peers::HOME,
            "method": {
                "ranked": "UN member states with a value for the period; equal values share a rank",
                "own_pace": "slope of the least-squares line through a country's last 3 editions, per component, bounded to [0, 1]",
                "faster_pace": "75th percentile of the country's yearly gains over its last 6 editions when above its own pace",
                "threshold": "the n-th highest projected index among the other countries",
            },
            "report": results.and_then(|r| r.peers.as_ref()),
        }))
    }))
}

/// `/download/peers/{standings,latest,outlook}.csv` (`?lang=` for country names in
/// `latest`).
pub(crate) async fn download_peers(
    axum::extract::State(app): axum::extract::State<std::sync::Arc<crate::App>>,
    Path(file): Path<String>,
    axum::extract::Query(query): axum::extract::Query<crate::layout::LangQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let key = file.strip_suffix(".csv").ok_or(AppError::NotFound("peer tables are KEY.csv"))?;
    if !["standings", "latest", "outlook"].contains(&key) {
        return Err(AppError::NotFound("peer tables are standings, latest or outlook"));
    }
    let snapshot = app.snapshot();
    let report = snapshot.published.results.as_ref().and_then(|r| r.peers.clone());
    let Some(report) = report else {
        return Err(AppError::NotFound("no UN or World Bank table is loaded"));
    };
    let lang = query.lang.as_deref().and_then(Lang::from_code).unwrap_or_default();
    let cache_key = format!("download/peers/{key}/{}", lang.code());
    let response =
        crate::cache::cached_as(&snapshot, &cache_key, &headers, "text/csv; charset=utf-8", || {
            let bytes = match key {
                "standings" => md2030_analytics::peers::csv::standings_csv(&report),
                "latest" => md2030_analytics::peers::csv::latest_csv(&report, lang),
                _ => md2030_analytics::peers::csv::outlook_csv(&report),
            }
            .map_err(|err| askama::Error::Custom(Box::new(err)))?;
            String::from_utf8(bytes).map_err(|err| askama::Error::Custom(Box::new(err)))
        });
    Ok(crate::cache::with_attachment(response, &format!("md2030-peers-{key}.csv")))
}
