//! Who is behind: the league tables of the ministries and of the regions, a page
//! per ministry, their JSON and CSV. Computed by `view::league` from the published
//! results; public like the figures they rest on.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use md2030_model::Lang;
use md2030_view::i18n::{text, texts};
use md2030_view::league::Entity;

use crate::error::AppError;
use crate::layout::{Layout, PublicPage, json_body, layout};

/// One row of a league table as the page shows it.
#[derive(Debug)]
pub(crate) struct LeagueRow {
    code: String,
    link: Option<String>,
    name: String,
    ambassador: String,
    level_rank: String,
    /// "↑3" since the last briefing, beyond the noise; empty otherwise.
    rank_change: String,
    level: (String, String),
    improvement_rank: String,
    improvement: (String, String),
    /// "1 / 3", "–" for a region.
    late: String,
    any_late: bool,
}

#[derive(Template)]
#[template(path = "league.html")]
pub(crate) struct LeaguePage {
    layout: Layout,
    heading: String,
    intro: String,
    method: String,
    columns: Vec<String>,
    rows: Vec<LeagueRow>,
    other_link: (String, String),
    csv: String,
    json: String,
    download_word: String,
    of_regions: bool,
    /// What a rank change is measured against.
    since_title: String,
}

fn percent(v: Option<f64>, lang: Lang) -> String {
    v.map(|v| md2030_view::format::percent(v, 0, lang)).unwrap_or_else(|| "–".into())
}

fn signed_points(v: Option<f64>, lang: Lang) -> String {
    v.map(|v| md2030_view::format::signed_in_unit(v, "percent", lang)).unwrap_or_else(|| "–".into())
}

fn rank(r: Option<usize>) -> String {
    r.map(|r| r.to_string()).unwrap_or_else(|| "–".into())
}

fn of(n: usize, total: usize, lang: Lang) -> String {
    md2030_view::i18n::text_args(
        lang,
        "league-of",
        &[("n", n.to_string()), ("total", total.to_string())],
    )
}

/// The number and its words, set apart so that the number keeps its left-to-right
/// order in an Arabic line: ("56 %", "(5 of 9)"), or ("–", "") when nothing is judged.
fn level_text(e: &Entity, lang: Lang) -> (String, String) {
    match e.level {
        Some(_) => (percent(e.level, lang), format!("({})", of(e.good, e.judged, lang))),
        None => ("–".into(), String::new()),
    }
}

/// ("+33,3 pt", "(4 ↑ · 1 ↓)"), or ("–", "") without a previous period.
fn improvement_text(e: &Entity, lang: Lang) -> (String, String) {
    match e.improvement {
        Some(_) => {
            (signed_points(e.improvement, lang), format!("({} ↑ · {} ↓)", e.improved, e.worsened))
        }
        None => ("–".into(), String::new()),
    }
}

/// "1 of 3" datasets late, or "–" for one that produces none.
fn late_text(e: &Entity, lang: Lang) -> String {
    if e.datasets.is_empty() { "–".into() } else { of(e.late_datasets(), e.datasets.len(), lang) }
}

/// The league in its page order: by level rank, the unranked last.
fn sorted(mut entities: Vec<Entity>) -> Vec<Entity> {
    entities.sort_by_key(|e| (e.level_rank.unwrap_or(usize::MAX), e.code.clone()));
    entities
}

fn league_row(e: &Entity, of_regions: bool, lang: Lang) -> LeagueRow {
    LeagueRow {
        rank_change: match e.rank_change() {
            Some(places) if places > 0 => format!("↑{places}"),
            Some(places) => format!("↓{}", places.unsigned_abs()),
            None => String::new(),
        },
        link: (!of_regions).then(|| format!("/{}/ministry/{}", lang.code(), e.code)),
        name: e.name.clone(),
        ambassador: e.ambassador.as_ref().map(|a| a.0.clone()).unwrap_or_else(|| "–".into()),
        level_rank: rank(e.level_rank),
        level: level_text(e, lang),
        improvement_rank: rank(e.improvement_rank),
        improvement: improvement_text(e, lang),
        late: late_text(e, lang),
        any_late: e.late_datasets() > 0,
        code: e.code.clone(),
    }
}

fn league_page(page: &PublicPage, of_regions: bool) -> Response {
    let (snapshot, lang) = (&page.snapshot, page.lang);
    let name = if of_regions { "regions/league" } else { "ministries" };
    page.cached(name, || {
        let dimension = if of_regions { "region" } else { "ministry" };
        let previous = snapshot.since.as_ref().and_then(|s| s.results.as_ref());
        let entities = sorted(md2030_view::league::league_since(
            &snapshot.published,
            previous,
            dimension,
            lang,
        ));
        let code = lang.code();
        let key = if of_regions { "regions" } else { "ministries" };
        let mut columns = texts(
            lang,
            &[
                "league-col-rank",
                if of_regions { "region" } else { "league-col-ministry" },
                "ambassador",
                "league-col-level",
                "league-col-improvement-rank",
                "league-col-improvement",
                "league-col-late",
            ],
        );
        if of_regions {
            // Regions have no ambassador nor datasets of their own.
            columns.remove(6);
            columns.remove(2);
        }
        LeaguePage {
            layout: layout(lang, name.to_string(), snapshot.published.synthetic()),
            heading: text(lang, &format!("league-{key}-heading")),
            intro: text(lang, &format!("league-{key}-intro")),
            method: md2030_view::i18n::text_args(
                lang,
                "league-method",
                &[
                    (
                        "share_noise",
                        md2030_view::format::number(
                            md2030_view::league::SHARE_NOISE_POINTS,
                            0,
                            lang,
                        ),
                    ),
                    (
                        "count_noise",
                        md2030_view::format::percent(
                            md2030_view::league::COUNT_NOISE_SHARE * 100.0,
                            0,
                            lang,
                        ),
                    ),
                ],
            ),
            rows: entities.iter().map(|e| league_row(e, of_regions, lang)).collect(),
            columns,
            other_link: if of_regions {
                (format!("/{code}/ministries"), text(lang, "league-ministries-heading"))
            } else {
                (format!("/{code}/regions/league"), text(lang, "league-regions-heading"))
            },
            csv: format!("/download/league/{key}.csv?lang={code}"),
            json: format!("/api/v1/league/{key}"),
            download_word: text(lang, "downloads"),
            of_regions,
            since_title: snapshot
                .since
                .as_ref()
                .map(|s| {
                    md2030_view::i18n::text_args(
                        lang,
                        "league-since",
                        &[
                            ("edition", s.edition.edition_id.clone()),
                            ("date", md2030_view::format::date(&s.edition.as_of, lang)),
                        ],
                    )
                })
                .unwrap_or_default(),
        }
        .render()
    })
}

/// `/{lang}/ministries`: the league table of the ministries and agencies.
pub(crate) async fn ministries_page(page: PublicPage) -> Response {
    league_page(&page, false)
}

/// `/{lang}/regions/league`: the same league for the 12 regions.
pub(crate) async fn regions_league_page(page: PublicPage) -> Response {
    league_page(&page, true)
}

/// One item of a ministry page.
#[derive(Debug)]
pub(crate) struct ItemRow {
    link: String,
    name: String,
    scope: String,
    latest_value: String,
    latest_period: String,
    status: &'static str,
    status_text: String,
    standing: &'static str,
    change: String,
    arrow: &'static str,
}

#[derive(Template)]
#[template(path = "ministry.html")]
pub(crate) struct MinistryPage {
    layout: Layout,
    back: (String, String),
    name: String,
    code: String,
    ambassador: Option<(String, String)>,
    ambassador_label: String,
    /// (label, (number, its words), rank).
    facts: Vec<(String, (String, String), String)>,
    items_heading: String,
    item_columns: Vec<String>,
    items: Vec<ItemRow>,
    datasets_heading: String,
    dataset_columns: Vec<String>,
    datasets: Vec<md2030_view::league::DatasetDue>,
    late_word: String,
    none: String,
}

/// `/{lang}/ministry/CODE`: one ministry or agency: its ambassador, its place in the
/// league, every indicator it stands for with status and movement, its datasets and
/// what they owe.
pub(crate) async fn ministry_page(
    page: PublicPage,
    Path((_, code)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (snapshot, lang) = (&page.snapshot, page.lang);
    // A ministry or agency of the reference (the league is computed once, when the
    // page is first rendered for this data version).
    let known = md2030_model::reference::reference_table("ministries")
        .and_then(|t| t.row(&code))
        .is_some_and(|r| r.column("kind") != Some("international"));
    if !known {
        return Err(AppError::NotFound("no such ministry or agency"));
    }
    Ok(page.cached(&format!("ministry/{code}"), || {
        let entity = md2030_view::league::league(&snapshot.published, "ministry", lang)
            .into_iter()
            .find(|e| e.code == code)
            .unwrap_or_else(|| md2030_view::league::Entity::empty(&code, lang));
        let code_lang = lang.code();
        MinistryPage {
            layout: layout(
                lang,
                format!("ministry/{}", entity.code),
                snapshot.published.synthetic(),
            ),
            back: (format!("/{code_lang}/ministries"), text(lang, "league-ministries-heading")),
            facts: vec![
                (
                    text(lang, "league-col-level"),
                    level_text(&entity, lang),
                    format!("{} {}", text(lang, "league-col-rank"), rank(entity.level_rank)),
                ),
                (
                    text(lang, "league-col-improvement"),
                    improvement_text(&entity, lang),
                    format!("{} {}", text(lang, "league-col-rank"), rank(entity.improvement_rank)),
                ),
                (
                    text(lang, "league-col-late"),
                    (late_text(&entity, lang), String::new()),
                    String::new(),
                ),
            ],
            items_heading: text(lang, "ministry-items"),
            item_columns: texts(
                lang,
                &["indicator", "ministry-scope", "latest", "col-status", "league-col-change"],
            ),
            items: entity
                .items
                .iter()
                .map(|i| ItemRow {
                    link: format!("/{code_lang}/indicator/{}", i.indicator),
                    name: i.name.clone(),
                    scope: text(
                        lang,
                        if i.member { "ministry-scope-member" } else { "ministry-scope-owned" },
                    ),
                    latest_value: i.latest_value.clone(),
                    latest_period: i.latest_period.clone(),
                    status: i.status,
                    status_text: i.status_text.clone(),
                    standing: i.standing.as_str(),
                    change: i.change.clone(),
                    arrow: match i.movement {
                        Some(1) => "↑",
                        Some(-1) => "↓",
                        _ => "",
                    },
                })
                .collect(),
            datasets_heading: text(lang, "ministry-datasets"),
            dataset_columns: texts(lang, &["dataset", "mine-current", "col-next-data"]),
            datasets: entity.datasets.clone(),
            late_word: text(lang, "mine-late"),
            none: text(lang, "ministry-no-datasets"),
            ambassador_label: text(lang, "ambassador"),
            ambassador: entity.ambassador.clone(),
            code: entity.code.clone(),
            name: entity.name.clone(),
        }
        .render()
    }))
}

fn dimension_of(key: &str) -> Result<&'static str, AppError> {
    match key {
        "ministries" => Ok("ministry"),
        "regions" => Ok("region"),
        _ => Err(AppError::NotFound("leagues are ministries or regions")),
    }
}

/// The league as JSON: `/api/v1/league/{ministries,regions}` (`?lang=` names).
pub(crate) async fn api_league(
    axum::extract::State(app): axum::extract::State<std::sync::Arc<crate::App>>,
    Path(key): Path<String>,
    axum::extract::Query(query): axum::extract::Query<crate::layout::LangQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let dimension = dimension_of(&key)?;
    let snapshot = app.snapshot();
    let lang = query.lang.as_deref().and_then(Lang::from_code).unwrap_or_default();
    let cache_key = format!("api/league/{key}/{}", lang.code());
    Ok(crate::cache::cached_as(&snapshot, &cache_key, &headers, "application/json", || {
        let previous = snapshot.since.as_ref().and_then(|s| s.results.as_ref());
        let entities =
            md2030_view::league::league_since(&snapshot.published, previous, dimension, lang);
        json_body(&serde_json::json!({
            "compared_with": snapshot.since.as_ref().map(|s| s.edition.edition_id.clone()),
            "as_of": snapshot.published.results.as_ref().map(|r| r.as_of.to_string()),
            "results_version": snapshot.published.results_version(),
            "synthetic": snapshot.published.synthetic(),
            "method": {
                "level": "share of judged items that are good: on track or achieved against a target, or without one moving in the indicator's good direction",
                "improvement": "items improved beyond the noise minus items worsened beyond it, as a share of the items with a previous period, in percentage points",
                "share_noise_points": md2030_view::league::SHARE_NOISE_POINTS,
                "count_noise_share": md2030_view::league::COUNT_NOISE_SHARE,
                "rank_noise_places": md2030_view::league::RANK_NOISE_PLACES,
                "level_noise_points": md2030_view::league::LEVEL_NOISE_POINTS,
            },
            "entities": entities.iter().map(|e| serde_json::json!({
                "code": e.code,
                "name": e.name,
                "ambassador": e.ambassador.as_ref().map(|a| serde_json::json!({"name": a.0, "role": a.1})),
                "level": e.level,
                "level_rank": e.level_rank,
                "good": e.good,
                "judged": e.judged,
                "improvement": e.improvement,
                "improvement_rank": e.improvement_rank,
                "previous_level": e.previous.map(|p| p.0),
                "previous_rank": e.previous.map(|p| p.1),
                "rank_change": e.rank_change(),
                "improved": e.improved,
                "worsened": e.worsened,
                "moved": e.moved,
                "datasets": e.datasets.iter().map(|d| serde_json::json!({"dataset": d.name, "late": d.late})).collect::<Vec<_>>(),
                "items": e.items.iter().map(|i| serde_json::json!({
                    "indicator": i.indicator,
                    "member": i.member,
                    "status": i.status,
                    "standing": i.standing.as_str(),
                    "movement": i.movement,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }))
    }))
}

/// The league as CSV: `/download/league/{ministries,regions}.csv` (`?lang=`), one
/// row per entity and item, every text cell formula-safe.
pub(crate) async fn download_league(
    axum::extract::State(app): axum::extract::State<std::sync::Arc<crate::App>>,
    Path(file): Path<String>,
    axum::extract::Query(query): axum::extract::Query<crate::layout::LangQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let key = file.strip_suffix(".csv").ok_or(AppError::NotFound("leagues are KEY.csv"))?;
    let dimension = dimension_of(key)?;
    let snapshot = app.snapshot();
    let lang = query.lang.as_deref().and_then(Lang::from_code).unwrap_or_default();
    let cache_key = format!("download/league/{key}/{}", lang.code());
    let response =
        crate::cache::cached_as(&snapshot, &cache_key, &headers, "text/csv; charset=utf-8", || {
            let entities = md2030_view::league::league(&snapshot.published, dimension, lang);
            let bytes = md2030_view::league::league_csv(&entities, true)
                .map_err(|err| askama::Error::Custom(Box::new(err)))?;
            String::from_utf8(bytes).map_err(|err| askama::Error::Custom(Box::new(err)))
        });
    Ok(crate::cache::with_attachment(response, &format!("md2030-league-{key}.csv")))
}
