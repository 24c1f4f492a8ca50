//! Downloads: chart SVG, PNG and CSV, dataset versions (Parquet as stored, CSV
//! converted once and streamed), the open-data zip and the briefing PDF.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use md2030_model::Lang;
use md2030_store::{Store, VersionRecord};

use crate::app::{App, Page, Snapshot, WriteRefusal};
use crate::cache::{
    CSV, cached_as, cached_download, keep, lookup, respond, svg_or_png, with_attachment,
};
use crate::error::{AppError, blocking};
use crate::layout::LangQuery;
use crate::pages::frame_notes;
use md2030_view::{self as view};

/// The briefing of the current results (`?lang=`), the same bytes as
/// `md2030 brief`: typeset on a blocking thread the first time, then cached.
pub(crate) async fn briefing_pdf(
    State(app): State<Arc<App>>,
    axum::Extension(visitor): axum::Extension<crate::auth::Visitor>,
    axum::extract::Query(query): axum::extract::Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let snapshot = app.snapshot();
    let lang = query.lang.as_deref().and_then(Lang::from_code).unwrap_or_default();
    let key = format!("briefing/{}", lang.code());
    if let Some(page) = lookup(&snapshot, &key) {
        return Ok(with_attachment(
            respond(&page, &headers, "application/pdf"),
            &format!("briefing-{}.pdf", lang.code()),
        ));
    }
    if snapshot.published.results.is_none() {
        return Err(AppError::NotFound("no results yet"));
    }
    let actor =
        visitor.session().map(|s| s.account.username.clone()).unwrap_or_else(|| "anonymous".into());
    let what = format!("briefing in {}", lang.code());
    let built = app
        .write(what, format!("web:{actor}"), move |auditor, store| {
            // The briefing is archived as an edition (or found in the archive): what
            // the dashboard hands out can always be shown again.
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let built = md2030_briefing::edition::build(
                store,
                &snapshot.published,
                &[lang],
                "dashboard",
                &now,
            )
            .map_err(|e| e.to_string())?;
            if !built.typeset.is_empty() {
                auditor.auth.audit_blocking(&crate::auth::Audit {
                    actor: actor.clone(),
                    action: "briefing",
                    subject: built.edition.edition_id.clone(),
                    outcome: "ok",
                    address: String::new(),
                    detail: serde_json::json!({"trigger": "dashboard", "langs": [lang.code()]}),
                });
            }
            let pdf =
                built.pdfs.into_iter().next().map(|(_, pdf)| pdf).ok_or("no briefing built")?;
            Ok::<Page, String>(keep(&snapshot, &key, Bytes::from(pdf)))
        })
        .await;
    let page = built.map_err(|refusal| match refusal {
        WriteRefusal::Failed(err) => AppError::Internal { what: "briefing", err },
        busy => AppError::Write(busy, lang),
    })?;
    Ok(with_attachment(
        respond(&page, &headers, "application/pdf"),
        &format!("briefing-{}.pdf", lang.code()),
    ))
}

/// A download's file name as (id, whether it is the `variant` CSV, extension):
/// `x.csv` → (x, false, csv), `x.history.csv` → (x, true, csv) for `.history`.
pub(crate) fn download_name<'a>(file: &'a str, variant: &str) -> (&'a str, bool, &'a str) {
    let (stem, extension) = file.rsplit_once('.').unwrap_or((file, ""));
    match stem.strip_suffix(variant) {
        Some(id) if extension == "csv" => (id, true, extension),
        _ => (stem, false, extension),
    }
}

/// Downloads of the regions map: `ID.csv` (the values it shows: latest period),
/// `ID.history.csv` (every period), `ID.svg` and `ID.png` (`?lang=`).
pub(crate) async fn download_regions(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    axum::extract::Query(query): axum::extract::Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let snapshot = app.snapshot();
    let (id, history, extension) = download_name(&file, ".history");
    let Some((report, indicator)) =
        snapshot.published.reported(id).filter(|(r, _)| !r.regional.is_empty())
    else {
        return Err(AppError::NotFound("no regional breakdown for this indicator"));
    };
    let lang = query.lang.as_deref().and_then(Lang::from_code).unwrap_or_default();
    let chart = ChartFile {
        key: format!("download/regions/{file}/{}", lang.code()),
        name: format!("regions-{file}"),
        extension,
        formats: "downloads are ID.csv, ID.history.csv, ID.svg or ID.png",
    };
    let csv = || {
        md2030_view::chart_csv::regional_csv(report, history, &|code| view::region_name(code, lang))
    };
    let svg = || {
        let period = report.regional.last().map(|p| p.period.as_str()).unwrap_or_default();
        md2030_view::charts::framed_with(
            &view::region_map(snapshot.published.outlines.as_ref(), report, indicator, lang).0,
            &format!("{} — {period}", indicator.name.get(lang)),
            &view::region_swatches(lang),
            &frame_notes(&snapshot, report, lang),
            lang == Lang::Ar,
        )
    };
    chart.respond(&snapshot, &headers, csv, svg).await
}

/// Downloads of an indicator: `ID.csv` (every series: headline and each breakdown
/// member, with versions and target), `ID.displayed.csv` (the values its chart
/// draws: observations, trajectory, projection), `ID.svg` and `ID.png` (the chart,
/// `?lang=`).
pub(crate) async fn download_indicator(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    axum::extract::Query(query): axum::extract::Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let snapshot = app.snapshot();
    let (id, displayed, extension) = download_name(&file, ".displayed");
    let Some((report, indicator)) = snapshot.published.reported(id) else {
        return Err(AppError::NotFound("no such indicator"));
    };
    let lang = query.lang.as_deref().and_then(Lang::from_code).unwrap_or_default();
    let as_of =
        snapshot.published.results.as_ref().map(|r| r.as_of.to_string()).unwrap_or_default();
    let chart = ChartFile {
        key: format!("download/{file}/{}", lang.code()),
        name: file.clone(),
        extension,
        formats: "downloads are ID.csv, ID.displayed.csv, ID.svg or ID.png",
    };
    let csv = || match displayed {
        true => md2030_view::chart_csv::chart_csv(report, &as_of),
        false => md2030_view::chart_csv::series_csv(report, &as_of),
    };
    let svg = || {
        md2030_view::charts::framed(
            &view::indicator_chart(indicator, report, lang),
            indicator.name.get(lang),
            &frame_notes(&snapshot, report, lang),
            lang == Lang::Ar,
        )
    };
    chart.respond(&snapshot, &headers, csv, svg).await
}

/// Downloads of one breakdown chart: `DIMENSION.csv` (the members it draws, with
/// their codes, names, period, value and versions), `.svg` and `.png` (`?lang=`).
pub(crate) async fn download_breakdown(
    State(app): State<Arc<App>>,
    Path((id, file)): Path<(String, String)>,
    axum::extract::Query(query): axum::extract::Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let snapshot = app.snapshot();
    let (dimension, extension) = file.rsplit_once('.').unwrap_or((file.as_str(), ""));
    let lang = query.lang.as_deref().and_then(Lang::from_code).unwrap_or_default();
    let chart = ChartFile {
        key: format!("download/{id}/{file}/{}", lang.code()),
        name: format!("{id}-{file}"),
        extension,
        formats: "downloads are DIMENSION.csv, .svg or .png",
    };
    // Before the breakdown is built: a cached download costs a lookup only.
    if let Some(hit) = chart.cached(&snapshot, &headers) {
        return Ok(hit);
    }
    let view = snapshot.published.reported(&id).and_then(|(report, indicator)| {
        view::breakdown(indicator, report, dimension, &snapshot.published.labels, lang, false)
            .map(|view| (report, indicator, view))
    });
    let Some((report, indicator, view)) = view else {
        return Err(AppError::NotFound("no such indicator or breakdown"));
    };
    let csv = || md2030_view::chart_csv::breakdown_csv(report, &view);
    let svg = || {
        let title = format!("{} — {}, {}", indicator.name.get(lang), view.title, view.period);
        md2030_view::charts::framed(
            &view.chart,
            &title,
            &frame_notes(&snapshot, report, lang),
            lang == Lang::Ar,
        )
    };
    chart.respond(&snapshot, &headers, csv, svg).await
}

/// `/chart/narrow/ID` and `/chart/narrow/ID/DIMENSION` (`?lang=`): the phone's
/// frame of an indicator's chart or of one of its breakdown charts, as the image the
/// indicator page shows under 640 px (the laptop's frame is inline in the page).
pub(crate) async fn narrow_chart(
    State(app): State<Arc<App>>,
    Path(path): Path<String>,
    axum::extract::Query(query): axum::extract::Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let snapshot = app.snapshot();
    let lang = query.lang.as_deref().and_then(Lang::from_code).unwrap_or_default();
    let (id, dimension) = match path.split_once('/') {
        Some((id, dimension)) => (id, Some(dimension)),
        None => (path.as_str(), None),
    };
    let Some((report, indicator)) = snapshot.published.reported(id) else {
        return Err(AppError::NotFound("no such indicator"));
    };
    let svg = match dimension {
        None => view::indicator_chart_at(indicator, report, lang, view::charts::Frame::NARROW),
        Some(dimension) => {
            view::breakdown(indicator, report, dimension, &snapshot.published.labels, lang, true)
                .map(|b| b.chart)
                .ok_or(AppError::NotFound("no such breakdown"))?
        }
    };
    if svg.is_empty() {
        return Err(AppError::NotFound("no chart: no data"));
    }
    let key = format!("chart-narrow/{path}/{}", lang.code());
    Ok(cached_as(&snapshot, &key, &headers, crate::cache::SVG, || Ok(svg)))
}

/// One chart's downloads: the CSV behind it, its framed SVG, or that SVG as PNG,
/// each built once per data version and language.
struct ChartFile<'a> {
    /// The cache key (path and language).
    key: String,
    /// The attachment's name, after `md2030-`.
    name: String,
    extension: &'a str,
    /// The 404 message naming the files that exist.
    formats: &'static str,
}

impl ChartFile<'_> {
    fn cached(&self, snapshot: &Snapshot, headers: &HeaderMap) -> Option<Response> {
        cached_download(snapshot, &self.key, headers, self.extension, &self.name)
    }

    async fn respond<E: std::error::Error + Send + Sync + 'static>(
        self,
        snapshot: &Arc<Snapshot>,
        headers: &HeaderMap,
        csv: impl FnOnce() -> Result<String, E>,
        svg: impl FnOnce() -> String,
    ) -> Result<Response, AppError> {
        if let Some(hit) = self.cached(snapshot, headers) {
            return Ok(hit);
        }
        let response = match self.extension {
            "csv" => cached_as(snapshot, &self.key, headers, CSV, || {
                csv().map_err(|err| askama::Error::Custom(Box::new(err)))
            }),
            "svg" | "png" => svg_or_png(snapshot, self.key, headers, self.extension, svg()).await,
            _ => return Err(AppError::NotFound(self.formats)),
        };
        Ok(with_attachment(response, &self.name))
    }
}

/// The open-data export (datasets and results as Parquet and CSV, SDMX, the data
/// package) as one zip, built on the first request for each data version and kept
/// under `exports/` in the data directory.
pub(crate) async fn download_export(State(app): State<Arc<App>>) -> Result<Response, AppError> {
    let _one_at_a_time = app.exports.lock().await;
    let data_dir = app.data_dir.clone();
    let built = blocking("export", move || {
        let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let Some((path, name)) = md2030_opendata::export_zip(&data_dir, &created, &|p| {
            md2030_view::league::export_csvs(p)
                .into_iter()
                .map(|(key, bytes)| md2030_opendata::league_resource(key, bytes))
                .collect()
        })
        .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        Ok::<_, String>(Some((path, name)))
    })
    .await?;
    let (path, name) = built.ok_or(AppError::NotFound("no results yet"))?;
    // Streamed from the file: a zip of every dataset is never whole in memory.
    let response = stream_file(&path, "application/zip").await.map_err(|e| AppError::Internal {
        what: "export",
        err: format!("{}: {e}", path.display()),
    })?;
    Ok(with_attachment(response, name.trim_start_matches("md2030-")))
}

/// A stored dataset version as Parquet: `DATASET@vN.parquet`, exactly the bytes
/// the catalogue recorded (and hashed).
pub(crate) async fn download_dataset(
    State(app): State<Arc<App>>,
    axum::Extension(visitor): axum::Extension<crate::auth::Visitor>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let (version_id, as_csv) = match (file.strip_suffix(".parquet"), file.strip_suffix(".csv")) {
        (Some(id), _) => (id, false),
        (_, Some(id)) => (id, true),
        _ => return Err(AppError::NotFound("downloads are DATASET@vN.parquet or DATASET@vN.csv")),
    };
    let data_dir = app.data_dir.clone();
    let version_id = version_id.to_string();
    // Which file answers: the stored Parquet, or the version's CSV, converted
    // once (versions never change) and kept under downloads/.
    let found = blocking("download", move || -> Result<Option<Download>, String> {
        let store = Store::open_read_only(&data_dir).map_err(|e| e.to_string())?;
        let Some((dataset, number)) = md2030_store::parse_version_id(&version_id) else {
            return Ok(None);
        };
        if md2030_model::find_contract(dataset).is_none() {
            return Ok(None);
        }
        let Ok(record) = store.version(dataset, number) else { return Ok(None) };
        // A version awaiting sign-off (or rejected) is not published: only those
        // who may see pending versions of its ministry get it.
        if record.status != md2030_store::VersionStatus::Published {
            let producer = md2030_model::find_contract(dataset).map(|c| c.producer.as_str());
            let allowed = visitor.session().zip(producer).is_some_and(|(session, producer)| {
                md2030_access::can_see_pending(&session.account, producer)
            });
            if !allowed {
                return Ok(None);
            }
        }
        let parquet = store.path_of(&record);
        let csv = data_dir.join("downloads").join(format!(
            "{}-{}.csv",
            record.version_id,
            &record.sha256[..16]
        ));
        Ok(Some(Download { parquet, csv, record }))
    })
    .await?;
    let download = found.ok_or(AppError::NotFound("no such dataset version"))?;
    let content_type =
        if as_csv { "text/csv; charset=utf-8" } else { "application/vnd.apache.parquet" };
    let path = if as_csv { &download.csv } else { &download.parquet };
    // A cached CSV may be pruned between the look and the open (by the conversion
    // of another version): it is converted again, once.
    let mut attempts = 0;
    let response = loop {
        attempts += 1;
        if as_csv && !path.is_file() {
            convert_once(&app, &download).await?;
        }
        match stream_file(path, content_type).await {
            Ok(response) => break response,
            Err(err) if as_csv && attempts < 2 && err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(AppError::Internal {
                    what: "download",
                    err: format!("{}: {err}", path.display()),
                });
            }
        }
    };
    Ok(with_attachment(response, &file))
}

/// Converts a version's CSV unless another request just did; one conversion at a
/// time, whatever the number of visitors (the others wait, then find the file).
/// Then keeps `downloads/` within its budget: the CSVs of current versions stay,
/// the others go oldest first.
async fn convert_once(app: &Arc<App>, download: &Download) -> Result<(), AppError> {
    let _one = app.conversions.lock().await;
    if download.csv.is_file() {
        return Ok(());
    }
    let (data_dir, record, csv) =
        (app.data_dir.clone(), download.record.clone(), download.csv.clone());
    let budget = app.auth.settings.download_cache_bytes;
    blocking("download", move || {
        convert_csv(&data_dir, &record, &csv)?;
        prune_downloads(&data_dir, &csv, budget)
    })
    .await
}

/// Prunes `downloads/` after `just_made` was written: it and the CSVs of the
/// current versions stay; the others fit in `budget` bytes, newest first.
pub(crate) fn prune_downloads(
    data_dir: &std::path::Path,
    just_made: &std::path::Path,
    budget: u64,
) -> Result<(), String> {
    let store = Store::open_read_only(data_dir).map_err(|e| e.to_string())?;
    let current: Vec<String> = store
        .current_versions()
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|v| format!("{}-", v.version_id))
        .collect();
    let made = just_made.file_name().map(|n| n.to_string_lossy().into_owned());
    let keep = |name: &str| {
        made.as_deref() == Some(name) || current.iter().any(|prefix| name.starts_with(prefix))
    };
    let pruned = md2030_opendata::prune_cache(&data_dir.join("downloads"), &keep, budget)
        .map_err(|e| e.to_string())?;
    if pruned.files > 0 {
        tracing::info!(files = pruned.files, bytes = pruned.bytes, "downloads/ pruned");
    }
    Ok(())
}

/// Where a dataset version's downloads are.
pub(crate) struct Download {
    pub(crate) parquet: PathBuf,
    pub(crate) csv: PathBuf,
    pub(crate) record: VersionRecord,
}

/// Writes a version's CSV to `out` through a temporary file beside it, batch by
/// batch, then renames it into place.
pub(crate) fn convert_csv(
    data_dir: &std::path::Path,
    record: &VersionRecord,
    out: &std::path::Path,
) -> Result<(), String> {
    let store = Store::open_read_only(data_dir).map_err(|e| e.to_string())?;
    let reader = store.reader(record).map_err(|e| e.to_string())?;
    let schema = arrow_array::RecordBatchReader::schema(&reader);
    let dir = out.parent().ok_or("no downloads directory")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let tmp = dir.join(format!(".{}.{}.tmp", record.version_id, std::process::id()));
    let file = std::fs::File::create(&tmp).map_err(|e| e.to_string())?;
    let written = md2030_opendata::csv::version_csv_to(
        reader.map(|b| b.map_err(|e| e.to_string())),
        &schema,
        std::io::BufWriter::with_capacity(1 << 20, &file),
    )
    .and_then(|()| file.sync_all().map_err(|e| e.to_string()))
    .and_then(|()| std::fs::rename(&tmp, out).map_err(|e| e.to_string()));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// A file as a response body read 64 KiB at a time, with its length.
pub(crate) async fn stream_file(
    path: &std::path::Path,
    content_type: &'static str,
) -> std::io::Result<Response> {
    let file = tokio::fs::File::open(path).await?;
    let length = file.metadata().await?.len();
    let body =
        axum::body::Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024));
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_LENGTH, length.to_string()),
        ],
        body,
    )
        .into_response())
}
