//! The JSON API under `/api/v1/` (described by `openapi.json`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use md2030_store::VersionRecord;

use crate::app::App;
use crate::cache::cached_as;
use crate::layout::{json_body, synthetic};

pub(crate) async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], include_str!("../openapi.json")).into_response()
}

pub(crate) async fn api_indicators(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let snapshot = app.snapshot();
    cached_as(&snapshot, "api/indicators", &headers, "application/json", || {
        let indicators: Vec<serde_json::Value> = snapshot
            .published
            .results
            .iter()
            .flat_map(|results| results.indicators.iter())
            .filter_map(|report| {
                let indicator = snapshot.published.catalog.indicator(&report.id)?;
                let headline = &report.headline;
                Some(serde_json::json!({
                    "id": report.id,
                    "name": indicator.name,
                    "pillar": indicator.pillar,
                    "unit": indicator.unit,
                    "direction": indicator.direction,
                    "latest": headline.latest,
                    "change_one_period": headline.change_one_period,
                    "change_one_year": headline.change_one_year,
                    "target": headline.target,
                    "progress_status": headline.assessment.status.as_str(),
                    "judgment": headline.assessment.judgment,
                    "trend": headline.assessment.trend,
                    "milestones": headline.milestones,
                    "data_status": headline.data_status,
                    "freshness": headline.freshness,
                    "no_target_reason": indicator.no_target_reason,
                    "dataset_versions": report.dataset_versions,
                    "synthetic": synthetic(&snapshot, &report.dataset_versions),
                }))
            })
            .collect();
        json_body(&serde_json::json!({
            "as_of": snapshot.published.results.as_ref().map(|r| r.as_of.to_string()),
            "results_version": snapshot.published.results_version(),
            "indicators": indicators,
        }))
    })
}

pub(crate) async fn api_indicator(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let snapshot = app.snapshot();
    let Some((report, indicator)) = snapshot.published.reported(&id) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"error\":\"no such indicator\"}",
        )
            .into_response();
    };
    cached_as(&snapshot, &format!("api/indicator/{id}"), &headers, "application/json", || {
        json_body(&serde_json::json!({
            "definition": indicator,
            "result": report,
            "as_of": snapshot.published.results.as_ref().map(|r| r.as_of.to_string()),
            "results_version": snapshot.published.results_version(),
            "synthetic": synthetic(&snapshot, &report.dataset_versions),
        }))
    })
}

pub(crate) async fn api_targets(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let snapshot = app.snapshot();
    cached_as(&snapshot, "api/targets", &headers, "application/json", || {
        let catalog = &snapshot.published.catalog;
        let targets: Vec<serde_json::Value> = catalog
            .targets
            .iter()
            .map(|t| {
                let in_force = catalog
                    .target_in_force(&t.indicator, t.year, &t.breakdown)
                    .is_some_and(|f| f.id == t.id);
                let mut value = serde_json::to_value(t).unwrap_or_default();
                if let Some(object) = value.as_object_mut() {
                    object.insert("in_force".into(), in_force.into());
                }
                value
            })
            .collect();
        json_body(&serde_json::Value::Array(targets))
    })
}

pub(crate) async fn api_datasets(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let snapshot = app.snapshot();
    cached_as(&snapshot, "api/datasets", &headers, "application/json", || {
        let public: Vec<serde_json::Value> =
            snapshot.published.versions.iter().map(public_version).collect();
        json_body(&serde_json::Value::Array(public))
    })
}

/// A version as the public API shows it: who submitted and who signed off are
/// named by their ministry (the dataset's producer), never by account; review
/// notes stay inside.
pub(crate) fn public_version(version: &VersionRecord) -> serde_json::Value {
    let mut value = serde_json::to_value(version).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        let producer = md2030_model::find_contract(&version.dataset)
            .map(|c| c.producer.clone())
            .unwrap_or_default();
        let reviewed = version.reviewed_by.is_some();
        object.insert("ingested_by".into(), serde_json::Value::String(producer.clone()));
        object.insert(
            "reviewed_by".into(),
            if reviewed { serde_json::Value::String(producer) } else { serde_json::Value::Null },
        );
        object.remove("review_note");
        object.remove("lost_note");
    }
    value
}
