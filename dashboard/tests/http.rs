//! The dashboard in process: the application built over a store and driven with
//! `Router::oneshot`, no socket and no binary (the socket smoke tests stay in
//! `cli/tests/it/serve.rs`).

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use md2030_dashboard::{App, Config, router};
use tower::ServiceExt;

async fn get(app: &std::sync::Arc<App>, path: &str) -> (StatusCode, String) {
    let request = Request::get(path).body(Body::empty()).unwrap();
    let response = router(app.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 24).await.unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_and_refusals_answer_in_process() {
    let dir = tempfile::tempdir().unwrap();
    {
        // A store with no dataset yet: every indicator of the catalogue is computed
        // as having no data, and stored as results@v1.
        let mut store = md2030_store::Store::open(dir.path()).unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        md2030_results::compute_and_store(&mut store, today, "2026-12-01T08:00:00Z", false, "test")
            .unwrap();
    }
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        addr: "127.0.0.1:0".parse().unwrap(),
        refresh: Duration::from_secs(3600),
        access: Default::default(),
    };
    let app = App::load(&config).await.unwrap();

    let (status, body) = get(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["results_version"], "results@v1");
    assert_eq!(health["datasets"], 0);

    // The catalogue holds 26 indicators (ARCHITECTURE.md, issue 14): each is in
    // the API, none with a value.
    let (status, body) = get(&app, "/api/v1/indicators").await;
    assert_eq!(status, StatusCode::OK);
    let api: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(api["results_version"], "results@v1");
    assert_eq!(api["as_of"], "2026-12-01");
    let indicators = api["indicators"].as_array().unwrap();
    assert_eq!(indicators.len(), 26);
    let five_g = indicators.iter().find(|i| i["id"] == "coverage_5g").unwrap();
    assert!(five_g["latest"].is_null(), "{five_g}");

    // Refusals go through AppError: a 404 that says what exists.
    let (status, body) = get(&app, "/xx/").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::NOT_FOUND, "unknown language: /fr/, /ar/ or /en/")
    );
    let (status, body) = get(&app, "/download/dataset/startups.txt").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, "downloads are DATASET@vN.parquet or DATASET@vN.csv");
    let (status, body) = get(&app, "/download/dataset/startups@v1.csv").await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_FOUND, "no such dataset version"));
    // Read from the (empty) archive on a blocking thread.
    let (status, body) = get(&app, "/download/briefing/e9-fr.pdf").await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_FOUND, "no such archived briefing"));

    // A page renders in each language, the Arabic one right to left.
    let (status, body) = get(&app, "/ar/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("dir=\"rtl\""), "the Arabic overview is not right to left");
}
