//! The dashboard in process: the application built over a store and driven with
//! `Router::oneshot`, no socket and no binary (the socket smoke tests stay in
//! `cli/tests/it/serve.rs`).

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use md2030_dashboard::{App, Config, router};
use tower::ServiceExt;

/// The status, headers and body bytes of a GET.
async fn get_bytes(
    app: &std::sync::Arc<App>,
    path: &str,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let request = Request::get(path).body(Body::empty()).unwrap();
    let response = router(app.clone()).oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, 1 << 26).await.unwrap();
    (parts.status, parts.headers, body.to_vec())
}

async fn get(app: &std::sync::Arc<App>, path: &str) -> (StatusCode, String) {
    let (status, _, body) = get_bytes(app, path).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn config(dir: &std::path::Path) -> Config {
    Config {
        data_dir: dir.to_path_buf(),
        addr: "127.0.0.1:0".parse().unwrap(),
        refresh: Duration::from_secs(3600),
        access: Default::default(),
    }
}

/// A store with the sample files ingested as `md2030 load-sample` does (its list
/// and order, read from `cli/src/sample.rs`), and results computed.
fn sample_store() -> tempfile::TempDir {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let list = std::fs::read_to_string(repo.join("cli/src/sample.rs")).unwrap();
    let names: Vec<&str> = list
        .lines()
        .filter_map(|l| l.trim().strip_prefix("(\"")?.split_once('"').map(|(name, _)| name))
        .collect();
    assert!(names.len() >= 30, "{names:?}");
    let dir = tempfile::tempdir().unwrap();
    let mut store = md2030_store::Store::open(dir.path()).unwrap();
    for name in names {
        let dataset = name.split('.').next().unwrap();
        let contract = md2030_model::find_contract(dataset).unwrap();
        let config = md2030_ingest::IngestConfig {
            ingested_by: "md2030 sample".into(),
            ingested_at: "2026-12-01T08:00:00Z".into(),
            synthetic: true,
            sheet: None,
            display_name: Some(name.to_string()),
            reference_period: (dataset == "platforms").then(|| "2025-Q4".to_string()),
        };
        let path = repo.join("data/sample").join(name);
        let outcome =
            md2030_ingest::ingest_file(&mut store, contract, &path, &config, &mut |_| {}).unwrap();
        assert!(matches!(outcome, md2030_ingest::Outcome::Accepted { .. }), "{name}");
    }
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    md2030_results::compute_and_store(&mut store, today, "2026-12-01T08:00:00Z", false, "test")
        .unwrap();
    dir
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
    let app = App::load(&config(dir.path())).await.unwrap();

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_regions_map_downloads_as_csv_svg_and_png_with_the_computed_values() {
    let store = sample_store();
    // The values the map shows are the latest regional period the engine computed
    // for the same store (what `md2030 indicators --json` prints).
    let published = {
        let store = md2030_store::Store::open_read_only(store.path()).unwrap();
        md2030_results::Published::load_in_force(&store).unwrap()
    };
    let results = published.results.as_ref().unwrap();
    let report = results.indicator("digital_take_up").unwrap();
    let latest = report.regional.last().unwrap();
    let app = App::load(&config(store.path())).await.unwrap();
    let (status, headers, csv) =
        get_bytes(&app, "/download/regions/digital_take_up.csv?lang=en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[axum::http::header::CONTENT_TYPE].to_str().unwrap().contains("text/csv"));
    let csv = String::from_utf8(csv).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 12, "{csv}");
    for region in &latest.regions {
        let row = rows.iter().find(|r| r[2] == region.region_code).unwrap();
        assert_eq!(row[1], latest.period);
        assert_eq!(row[4].parse::<f64>().unwrap(), region.value);
        let lagging = latest.lagging.as_deref() == Some(region.region_code.as_str());
        assert_eq!(row[7], if lagging { "true" } else { "false" });
    }
    assert!(rows.iter().any(|r| r[3] == "Casablanca-Settat"));
    // Every period: 12 regions times the periods of the regional view.
    let (_, history) = get(&app, "/download/regions/digital_take_up.history.csv").await;
    assert_eq!(history.lines().count(), 1 + 12 * report.regional.len());
    let (_, svg) = get(&app, "/download/regions/digital_take_up.svg?lang=ar").await;
    assert!(svg.starts_with("<svg") && svg.contains("الدار البيضاء سطات"));
    // A downloaded chart names its sources and says it is sample data.
    assert!(svg.contains("service_transactions@v1 (service_transactions.csv)"), "{svg}");
    assert!(svg.contains("بيانات نموذجية"));
    let (status, _, png) = get_bytes(&app, "/download/regions/digital_take_up.png?lang=fr").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // Twice the framed map: 16 + 720 + 16 wide; 48 (title) + the tile map's
    // 588 x 476 viewBox at 720 wide (582.86) + 12 + 3 notes x 18 + 8 = 704.86 high,
    // rounded up to 705.
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (2 * 752, 2 * 705));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_in_a_dataset_label_is_shown_escaped_in_html_svg_and_csv() {
    let store = sample_store();
    let app = App::load(&config(store.path())).await.unwrap();
    // The procedure with the highest digital take-up heads the procedure chart.
    let (status, csv) =
        get(&app, "/download/indicator/digital_take_up/procedure.csv?lang=fr").await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    let first = csv.lines().nth(1).unwrap().split(',').nth(2).unwrap().to_string();
    assert!(first.starts_with("PRC-"), "{csv}");

    // A new version of the inventory whose title for that procedure is hostile.
    let hostile = "=1+2 <script>alert(1)</script> & <b>x</b>";
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let sample = std::fs::read_to_string(repo.join("data/sample/procedures.csv")).unwrap();
    let edited: String = sample
        .lines()
        .map(|line| match line.strip_prefix(&format!("{first};")) {
            Some(rest) => {
                let (_, after_title) = rest.split_once(';').unwrap();
                format!("{first};{hostile};{after_title}\n")
            }
            None => format!("{line}\n"),
        })
        .collect();
    assert!(edited.contains(hostile));
    let file = store.path().join("procedures.csv");
    std::fs::write(&file, edited).unwrap();
    {
        let mut writer = md2030_store::Store::open(store.path()).unwrap();
        let contract = md2030_model::find_contract("procedures").unwrap();
        let config = md2030_ingest::IngestConfig {
            ingested_by: "test".into(),
            ingested_at: "2026-12-02T08:00:00Z".into(),
            synthetic: false,
            sheet: None,
            display_name: None,
            reference_period: None,
        };
        let outcome =
            md2030_ingest::ingest_file(&mut writer, contract, &file, &config, &mut |_| {}).unwrap();
        assert!(matches!(outcome, md2030_ingest::Outcome::Accepted { .. }));
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        md2030_results::compute_and_store(
            &mut writer,
            today,
            "2026-12-02T08:00:00Z",
            false,
            "test",
        )
        .unwrap();
    }

    let app = App::load(&config(store.path())).await.unwrap();
    let escaped = "=1+2 &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;x&lt;/b&gt;";
    let (_, page) = get(&app, "/fr/indicator/digital_take_up").await;
    assert!(!page.contains("<script"), "a script reached the page");
    // In the table (askama escapes &, <, > and quotes) and in the inline chart.
    let html_escaped =
        "=1+2 &#60;script&#62;alert(1)&#60;/script&#62; &#38; &#60;b&#62;x&#60;/b&#62;";
    assert!(page.contains(html_escaped) || page.contains(escaped), "the title is not in the table");
    // The chart shortens long names (to 33 characters and an ellipsis): the script
    // element is within them.
    let in_chart = "=1+2 &lt;script&gt;alert(1)&lt;/script&gt;";
    let chart = &page[page.find("id=\"bars-procedure-title\"").unwrap()..];
    assert!(chart[..chart.find("</svg>").unwrap()].contains(in_chart), "not in the chart");
    let (_, svg) = get(&app, "/download/indicator/digital_take_up/procedure.svg?lang=fr").await;
    assert!(svg.contains(in_chart) && !svg.contains("<script"));
    // The chart's CSV neutralises the formula.
    let (_, csv) = get(&app, "/download/indicator/digital_take_up/procedure.csv?lang=fr").await;
    assert!(csv.contains(&format!(",'{hostile},")), "{csv}");
    // So does the download of the dataset version itself (v3: the sample carries two
    // inventory snapshots), served as CSV that a browser must not sniff into HTML.
    let (status, headers, csv) = get_bytes(&app, "/download/dataset/procedures@v3.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[axum::http::header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains(&format!(",'{hostile},")), "{csv}");
    assert!(!csv.contains(&format!(",{hostile},")));
}
