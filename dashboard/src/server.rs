//! Serving: routes, the snapshot of current results, the page cache, reloads,
//! request logs and graceful shutdown.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use md2030_model::Lang;
use md2030_results::Published;
use md2030_store::{Store, VersionRecord};
use sha2::{Digest, Sha256};

use md2030_view::i18n::{text, text_args, text_with};
use md2030_view::{self as view, PillarView};

/// How to serve.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub addr: SocketAddr,
    /// How often to look for new results or dataset versions.
    pub refresh: Duration,
    /// Access mode, sessions, upload limits (`[dashboard]` of md2030.toml).
    pub access: crate::auth::Settings,
}

/// How long a dashboard request waits for the store's writer lock (behind a
/// command-line ingest, say) before it answers 503 naming the writer.
pub(crate) const WRITER_WAIT: Duration = Duration::from_secs(45);

/// Why a write asked of the dashboard did not happen.
#[derive(Debug)]
pub(crate) enum WriteRefusal {
    /// Another writer held the lock for longer than [`WRITER_WAIT`]; who, when known.
    Busy(String),
    Failed(String),
}

impl WriteRefusal {
    /// 503 with `Retry-After` for a busy store (the message names the writer);
    /// 503 for the rest (logged).
    pub(crate) fn response(&self, lang: Lang) -> Response {
        match self {
            WriteRefusal::Busy(holder) => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "30")],
                text_with(lang, "store-busy", "writer", holder),
            )
                .into_response(),
            WriteRefusal::Failed(err) => {
                tracing::error!(%err, "writing to the store failed");
                (StatusCode::SERVICE_UNAVAILABLE, text(lang, "store-unavailable")).into_response()
            }
        }
    }
}

/// One rendered page and its ETag.
#[derive(Debug, Clone)]
struct Page {
    etag: String,
    body: Bytes,
}

/// The current results and dataset versions, and the pages rendered from them.
#[derive(Debug)]
struct Snapshot {
    /// What the snapshot was read from: results version, dataset versions, archive
    /// and catalogue fingerprint.
    key: String,
    /// The catalogue in force, results, dataset versions, outlines and labels:
    /// read again whenever any of them changes, so an edited `targets.toml` shows
    /// on the targets page and in the next PDF without a restart.
    published: Published,
    /// The archived briefing editions, newest first, and their deliveries.
    editions: Vec<md2030_store::EditionRecord>,
    deliveries: Vec<md2030_store::Delivery>,
    pages: Mutex<HashMap<String, Page>>,
}

/// The application state shared by the handlers.
#[derive(Debug)]
pub struct App {
    data_dir: PathBuf,
    snapshot: RwLock<Arc<Snapshot>>,
    pub(crate) auth: crate::auth::Auth,
    /// One export zip is built at a time.
    exports: tokio::sync::Mutex<()>,
    /// One dataset CSV is converted at a time.
    conversions: tokio::sync::Mutex<()>,
}

impl App {
    /// Recomputes the results with `store` (a writer) after a publication or an
    /// edit of the catalogue; the reloader then picks them up. A failure is logged:
    /// the publication stands and `md2030 compute` retries.
    /// `actor` is who asked (`web:karim`), recorded with any target change found.
    pub(crate) fn recompute_blocking(&self, store: &mut Store, actor: &str) {
        let today = chrono::Utc::now().date_naive();
        let now = crate::auth::rfc3339_now();
        match md2030_results::compute_and_store(store, today, &now, false, actor) {
            Ok(_) => tracing::info!(%actor, "results recomputed"),
            Err(err) => tracing::error!(%err, "recomputing the results failed"),
        }
    }

    /// Runs `f` with the store opened as its one writer for `what` by `by`, on a
    /// blocking thread, waiting at most [`WRITER_WAIT`] for the writer lock.
    pub(crate) async fn write<R: Send + 'static>(
        self: &Arc<Self>,
        what: String,
        by: String,
        f: impl FnOnce(&App, &mut Store) -> Result<R, String> + Send + 'static,
    ) -> Result<R, WriteRefusal> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || {
            let holder = md2030_store::Holder::new(what, by);
            let opened = Store::open_writer(
                &app.data_dir,
                holder,
                md2030_store::Wait::Upto(WRITER_WAIT),
                &mut |other| {
                    let other = other.map(|h| h.describe()).unwrap_or_default();
                    tracing::info!(%other, "waiting for the store's writer lock");
                },
            );
            let mut store = match opened {
                Ok(store) => store,
                Err(md2030_store::Error::Busy { holder }) => {
                    return Err(WriteRefusal::Busy(holder.unwrap_or_default()));
                }
                Err(err) => return Err(WriteRefusal::Failed(err.to_string())),
            };
            f(&app, &mut store).map_err(WriteRefusal::Failed)
        })
        .await
        .unwrap_or_else(|e| Err(WriteRefusal::Failed(e.to_string())))
    }

    /// Runs `f` on the writable catalogue (sessions, accounts, audit, reviews) on a
    /// blocking thread.
    pub(crate) async fn with_store<R: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Store) -> md2030_store::Result<R> + Send + 'static,
    ) -> Result<R, String> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || app.auth.with_store(f))
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
    }

    /// Appends to the audit log on a blocking thread.
    pub(crate) async fn audit(self: &Arc<Self>, entry: crate::auth::Audit) {
        let app = self.clone();
        let _ = tokio::task::spawn_blocking(move || app.auth.audit_blocking(&entry)).await;
    }

    pub(crate) fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, snapshot: Snapshot) {
        let snapshot = Arc::new(snapshot);
        match self.snapshot.write() {
            Ok(mut guard) => *guard = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }
}

/// What the store holds now: the current results and dataset versions, and a key
/// naming them (to tell whether anything changed). Blocking (SQLite).
struct Current {
    key: String,
    catalog: md2030_results::CatalogFiles,
    store: Store,
}

fn current(data_dir: &std::path::Path) -> Result<Current, String> {
    let store = Store::open_read_only(data_dir).map_err(|e| e.to_string())?;
    let results = store.current_results().map_err(|e| e.to_string())?;
    let versions = store.current_versions().map_err(|e| e.to_string())?;
    let mut key = results.as_ref().map(|r| r.version_id.clone()).unwrap_or_default();
    for v in &versions {
        key.push(' ');
        key.push_str(&v.version_id);
    }
    key.push(' ');
    key.push_str(&store.archive_fingerprint());
    let catalog = md2030_results::read_catalog(data_dir).map_err(|e| e.to_string())?;
    key.push(' ');
    key.push_str(&catalog.sha256);
    Ok(Current { key, catalog, store })
}

/// Reads the published state of the store. Blocking (SQLite and file reads).
fn load_snapshot(current: Current) -> Result<Snapshot, String> {
    let Current { key, catalog, store } = current;
    // A broken edit of the catalogue keeps the previous snapshot (the reloader logs
    // the error and tries again).
    let published = Published::load(&store, &catalog).map_err(|e| e.to_string())?;
    match &published.outlines {
        Some(outlines) => tracing::info!(
            boundaries = %outlines.version_id,
            stored = outlines.stored_vertices,
            drawn = outlines.drawn_vertices,
            "region outlines loaded"
        ),
        None if published.versions.iter().any(|v| v.dataset == md2030_model::BOUNDARIES) => {
            tracing::warn!("region outlines unusable: the map falls back to tiles")
        }
        None => {}
    }
    // A catalogue from before the archive existed has no editions (not an error).
    let editions = store.editions().unwrap_or_default();
    let deliveries = store.deliveries().unwrap_or_default();
    Ok(Snapshot { key, published, editions, deliveries, pages: Mutex::default() })
}

/// The router over a loaded application.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/fr/") }))
        .route("/healthz", get(healthz))
        .route("/briefing.pdf", get(briefing_pdf))
        .route("/static/style.css", get(stylesheet))
        .route("/favicon.svg", get(favicon))
        .route("/{lang}/", get(overview))
        .route("/{lang}/indicator/{id}", get(indicator_page))
        .route("/{lang}/data", get(data_page))
        .route("/{lang}/targets", get(targets_page))
        .route("/{lang}/method", get(method_page))
        .route("/{lang}/milestones", get(milestones_page))
        .route("/{lang}/regions", get(regions_page))
        .route("/{lang}/briefings", get(briefings_page))
        .route("/download/briefing/{file}", get(download_briefing))
        .route("/download/indicator/{file}", get(download_indicator))
        .route("/download/indicator/{id}/{file}", get(download_breakdown))
        .route("/download/dataset/{file}", get(download_dataset))
        .route("/download/export.zip", get(download_export))
        .route("/download/regions/{file}", get(download_regions))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/indicators", get(api_indicators))
        .route("/api/v1/indicators/{id}", get(api_indicator))
        .route("/api/v1/targets", get(api_targets))
        .route("/api/v1/datasets", get(api_datasets))
        .route("/api/v1/whoami", get(crate::account::whoami))
        .route("/{lang}/signin", get(crate::account::signin_form).post(crate::account::signin))
        .route("/{lang}/signout", post(crate::account::signout))
        .route("/{lang}/audit", get(crate::account::audit_page))
        .route("/{lang}/accounts", get(crate::account::accounts_page))
        .route("/{lang}/accounts/{username}/{verb}", post(crate::account::account_status))
        .route("/{lang}/review", get(crate::account::review_page))
        .route(
            "/{lang}/submit",
            get(crate::submit::submit_form).post(crate::submit::submit).layer(
                axum::extract::DefaultBodyLimit::max(
                    (app.auth.settings.max_upload_bytes + 1024 * 1024) as usize,
                ),
            ),
        )
        .route("/{lang}/review/{dataset}/{version}", post(crate::account::review))
        .route("/download/audit.csv", get(crate::account::audit_csv))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .layer(middleware::from_fn_with_state(app.clone(), crate::auth::authenticate))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(middleware::from_fn(crate::auth::security_headers))
        .layer(middleware::from_fn(log_request))
        .with_state(app)
}

/// Loads the current results, then serves until `shutdown` resolves, reloading
/// when the results or a dataset version change.
pub async fn serve(
    config: Config,
    listener: std::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let data_dir = config.data_dir.clone();
    let first = tokio::task::spawn_blocking(move || load_snapshot(current(&data_dir)?))
        .await
        .map_err(std::io::Error::other)?
        .map_err(std::io::Error::other)?;
    let app = Arc::new(App {
        data_dir: config.data_dir.clone(),
        snapshot: RwLock::new(Arc::new(first)),
        auth: crate::auth::Auth::new(config.access.clone(), config.data_dir.clone()),
        exports: tokio::sync::Mutex::new(()),
        conversions: tokio::sync::Mutex::new(()),
    });
    let reloader = tokio::spawn(reload_when_changed(app.clone(), config.refresh));
    let listener = tokio::net::TcpListener::from_std(listener)?;
    tracing::info!(addr = %listener.local_addr()?, "md2030 dashboard listening");
    let listener = crate::listener::GuardedListener::new(listener, config.access.connections);
    let service = router(app).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(axum::serve::ListenerExt::tap_io(listener, |_| {}), service)
        .with_graceful_shutdown(shutdown)
        .await;
    reloader.abort();
    tracing::info!("md2030 dashboard stopped");
    served
}

async fn reload_when_changed(app: Arc<App>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        let data_dir = app.data_dir.clone();
        let known = app.snapshot().key.clone();
        let reloaded = tokio::task::spawn_blocking(move || {
            let now = current(&data_dir)?;
            if now.key == known { Ok(None) } else { load_snapshot(now).map(Some) }
        })
        .await;
        match reloaded {
            Ok(Ok(Some(snapshot))) => {
                tracing::info!(results = %snapshot.published.results_version, "new results: pages will be rendered again");
                // Results computed with another catalogue (an edited targets file):
                // recomputed once, then picked up by the next reload.
                let stale = snapshot
                    .published
                    .results
                    .as_ref()
                    .is_some_and(|r| r.catalog_sha256 != snapshot.published.catalog_sha256);
                app.replace(snapshot);
                if stale {
                    tracing::info!("the catalogue changed: recomputing the results");
                    let done = app
                        .write(
                            "recompute after a catalogue edit".into(),
                            "dashboard".into(),
                            |app, store| {
                                app.recompute_blocking(store, "dashboard");
                                Ok(())
                            },
                        )
                        .await;
                    if let Err(err) = done {
                        tracing::warn!(?err, "could not recompute after a catalogue edit");
                    }
                }
            }
            Ok(Ok(None)) => {}
            Ok(Err(err)) => tracing::warn!(%err, "could not reload the results"),
            Err(err) => tracing::warn!(%err, "reload task failed"),
        }
    }
}

async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

async fn healthz(State(app): State<Arc<App>>) -> Response {
    let snapshot = app.snapshot();
    let body = serde_json::json!({
        "status": "ok",
        "results_version": snapshot.published.results_version,
        "datasets": snapshot.published.versions.len(),
    });
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

async fn favicon() -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")],
        include_str!("../favicon.svg"),
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static.css"),
    )
        .into_response()
}

fn parse_lang(code: &str) -> Option<Lang> {
    Lang::ALL.into_iter().find(|l| l.code() == code)
}

/// The language of a page, from the first segment of its path (`/ar/…`); an
/// unknown language is a 404.
pub(crate) struct PageLang(pub(crate) Lang);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PageLang {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let code = parts.uri.path().trim_start_matches('/').split('/').next().unwrap_or("");
        parse_lang(code).map(PageLang).ok_or_else(|| {
            (StatusCode::NOT_FOUND, "unknown language: /fr/, /ar/ or /en/").into_response()
        })
    }
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    layout: Layout,
    as_of: String,
    results_label: String,
    results_version: String,
    pillars: Vec<PillarView>,
    no_data: String,
    target_label: String,
    no_target: String,
    progress_label: String,
    expected_label: String,
    data_label: String,
    pace_needed_label: String,
    pace_observed_label: String,
    trend_label: String,
    why_label: String,
    milestones_label: String,
    versions_label: String,
}

/// A cached page, rendered by `render` on the first request for `key`; answers
/// 304 when the browser already has it.
fn cached(
    snapshot: &Snapshot,
    key: &str,
    headers: &HeaderMap,
    render: impl FnOnce() -> Result<String, askama::Error>,
) -> Response {
    cached_as(snapshot, key, headers, "text/html; charset=utf-8", render)
}

/// [`cached`] for any content type.
fn cached_as(
    snapshot: &Snapshot,
    key: &str,
    headers: &HeaderMap,
    content_type: &'static str,
    render: impl FnOnce() -> Result<String, askama::Error>,
) -> Response {
    let page = match lookup(snapshot, key) {
        Some(page) => page,
        None => match render() {
            Ok(body) => keep(snapshot, key, Bytes::from(body)),
            Err(err) => {
                tracing::error!(%err, key, "rendering failed");
                return (StatusCode::INTERNAL_SERVER_ERROR, "rendering failed").into_response();
            }
        },
    };
    respond(&page, headers, content_type)
}

/// A rendered page or file of the current snapshot, if it was rendered already.
fn lookup(snapshot: &Snapshot, key: &str) -> Option<Page> {
    snapshot.pages.lock().ok().and_then(|pages| pages.get(key).cloned())
}

/// Keeps a rendered body with its ETag (a hash of the bytes) for the snapshot.
fn keep(snapshot: &Snapshot, key: &str, body: Bytes) -> Page {
    let etag = format!("\"{}\"", &md2030_store::hex(&Sha256::digest(&body))[..20]);
    let page = Page { etag, body };
    if let Ok(mut pages) = snapshot.pages.lock() {
        pages.insert(key.to_string(), page.clone());
    }
    page
}

/// The body, or 304 when the client holds the same ETag.
fn respond(page: &Page, headers: &HeaderMap, content_type: &'static str) -> Response {
    let etag = HeaderValue::from_str(&page.etag).unwrap_or(HeaderValue::from_static("\"\""));
    if headers.get(header::IF_NONE_MATCH) == Some(&etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        page.body.clone(),
    )
        .into_response()
}

/// The briefing of the current results (`?lang=`), the same bytes as
/// `md2030 brief`: typeset on a blocking thread the first time, then cached.
async fn briefing_pdf(
    State(app): State<Arc<App>>,
    axum::Extension(visitor): axum::Extension<crate::auth::Visitor>,
    axum::extract::Query(query): axum::extract::Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let snapshot = app.snapshot();
    let lang = query.lang.as_deref().and_then(parse_lang).unwrap_or_default();
    let key = format!("briefing/{}", lang.code());
    if let Some(page) = lookup(&snapshot, &key) {
        return with_attachment(
            respond(&page, &headers, "application/pdf"),
            &format!("briefing-{}.pdf", lang.code()),
        );
    }
    if snapshot.published.results.is_none() {
        return (StatusCode::NOT_FOUND, "no results yet").into_response();
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
    match built {
        Ok(page) => with_attachment(
            respond(&page, &headers, "application/pdf"),
            &format!("briefing-{}.pdf", lang.code()),
        ),
        Err(refusal @ WriteRefusal::Busy(_)) => refusal.response(lang),
        Err(WriteRefusal::Failed(err)) => {
            tracing::error!(%err, "briefing failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "briefing failed").into_response()
        }
    }
}

/// A chart as PNG: rasterised on a blocking thread the first time, then cached
/// with the snapshot like the pages.
async fn cached_png(
    snapshot: Arc<Snapshot>,
    key: String,
    headers: &HeaderMap,
    svg: String,
) -> Response {
    if let Some(page) = lookup(&snapshot, &key) {
        return respond(&page, headers, "image/png");
    }
    if svg.is_empty() {
        return (StatusCode::NOT_FOUND, "no chart to draw").into_response();
    }
    let rendered = tokio::task::spawn_blocking(move || {
        md2030_view::png::render(&svg).map(|png| keep(&snapshot, &key, Bytes::from(png)))
    })
    .await;
    match rendered {
        Ok(Ok(page)) => respond(&page, headers, "image/png"),
        Ok(Err(err)) => {
            tracing::error!(%err, "PNG rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "PNG rendering failed").into_response()
        }
        Err(err) => {
            tracing::error!(%err, "PNG task failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "PNG rendering failed").into_response()
        }
    }
}

async fn overview(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
) -> Response {
    let code = lang.code();
    let snapshot = app.snapshot();
    let catalog = &snapshot.published.catalog;
    cached(&snapshot, &format!("overview/{code}"), &headers, || {
        let (pillars, as_of) = match &snapshot.published.results {
            Some(results) => (
                view::overview(results, catalog, &snapshot.published.versions, lang),
                text_with(lang, "as-of", "date", &results.as_of.to_string()),
            ),
            None => (Vec::new(), String::new()),
        };
        let synthetic = snapshot.published.versions.iter().any(|v| v.provenance.synthetic);
        OverviewPage {
            layout: layout(lang, String::new(), synthetic),
            as_of,
            results_label: text(lang, "results-version"),
            results_version: snapshot.published.results_version.clone(),
            pillars,
            no_data: text(lang, "no-data"),
            target_label: text(lang, "target"),
            no_target: text(lang, "no-target"),
            progress_label: text(lang, "progress"),
            expected_label: text(lang, "expected-now"),
            data_label: text(lang, "data"),
            pace_needed_label: text(lang, "pace-needed"),
            pace_observed_label: text(lang, "pace-observed"),
            trend_label: text(lang, "trend"),
            why_label: text(lang, "why-link"),
            milestones_label: text(lang, "midterm-link"),
            versions_label: text(lang, "source-versions"),
        }
        .render()
    })
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], include_str!("../openapi.json")).into_response()
}

fn json_body(value: &serde_json::Value) -> Result<String, askama::Error> {
    serde_json::to_string(value).map_err(|err| askama::Error::Custom(Box::new(err)))
}

/// True when any of the versions is sample data.
fn synthetic(snapshot: &Snapshot, version_ids: &[String]) -> bool {
    view::synthetic(&snapshot.published.versions, version_ids)
}

async fn api_indicators(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
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
            "results_version": snapshot.published.results_version,
            "indicators": indicators,
        }))
    })
}

async fn api_indicator(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let snapshot = app.snapshot();
    let report = snapshot.published.results.as_ref().and_then(|r| r.indicator(&id));
    let (Some(report), Some(indicator)) = (report, snapshot.published.catalog.indicator(&id))
    else {
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
            "results_version": snapshot.published.results_version,
            "synthetic": synthetic(&snapshot, &report.dataset_versions),
        }))
    })
}

async fn api_targets(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
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

async fn api_datasets(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
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

#[derive(Template)]
#[template(path = "indicator.html")]
struct IndicatorPage {
    layout: Layout,
    id: String,
    name: String,
    definition: String,
    methodology: String,
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
}

async fn indicator_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let code = lang.code();
    let snapshot = app.snapshot();
    let report = snapshot.published.results.as_ref().and_then(|r| r.indicator(&id));
    let (Some(report), Some(indicator)) = (report, snapshot.published.catalog.indicator(&id))
    else {
        return (StatusCode::NOT_FOUND, "no such indicator").into_response();
    };
    cached(&snapshot, &format!("indicator/{id}/{code}"), &headers, || {
        let unit = indicator.unit.as_str();
        let name = indicator.name.get(lang).to_string();
        let result = &report.headline;
        let format_value = |v: f64| md2030_view::format::in_unit(v, unit, lang);
        let chart = view::indicator_chart(indicator, report, lang);
        let status = result.assessment.status.as_str();
        let data_status = result.data_status.as_str();
        let breakdowns: Vec<view::BreakdownView> = report
            .breakdowns
            .keys()
            .filter_map(|dimension| {
                view::breakdown(indicator, report, dimension, &snapshot.published.labels, lang)
            })
            .collect();
        IndicatorPage {
            layout: layout(
                lang,
                format!("indicator/{id}"),
                synthetic(&snapshot, &report.dataset_versions),
            ),
            id: id.clone(),
            definition: indicator.definition.get(lang).to_string(),
            methodology: indicator.methodology.clone(),
            latest_value: result.latest.as_ref().map(|o| format_value(o.value)),
            latest_period: result.latest.as_ref().map(|o| o.period.clone()).unwrap_or_default(),
            no_data: text(lang, "no-data"),
            status,
            status_text: text(lang, &format!("status-{status}")),
            data_status,
            data_text: text(lang, &format!("data-{data_status}")),
            data_detail: view::data_detail(result, indicator, lang),
            progress_label: text(lang, "progress"),
            data_label: text(lang, "data"),
            chart,
            values_label: text(lang, "values-label"),
            period_label: text(lang, "period-label"),
            value_label: text(lang, "value-label"),
            member_label: text(lang, "member-label"),
            rows: result.series.iter().map(|o| (o.period.clone(), format_value(o.value))).collect(),
            breakdowns,
            downloads: Downloads::new(lang),
            about_label: text(lang, "about-label"),
            target_label: text(lang, "target"),
            target_text: result
                .target
                .as_ref()
                .map(|t| format!("{} ({}) · {}", format_value(t.value), t.year, t.id)),
            target_source: result
                .target
                .as_ref()
                .map(|t| format!("{} — {}, {}", t.source, t.adopted_by, t.adopted_on))
                .unwrap_or_default(),
            no_target: indicator
                .no_target_reason
                .clone()
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
                        v.provenance.ingested_at.get(..10).unwrap_or_default()
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
    })
}

/// Labels of the download links under each chart.
#[derive(Debug)]
struct Downloads {
    displayed: String,
    full: String,
    title: String,
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

/// What every page shares: language and direction, navigation, title and the
/// sample-data banner.
#[derive(Debug)]
pub(crate) struct Layout {
    /// The anonymous account bar (replaced per request for a signed-in visitor).
    pub(crate) account: String,
    pub(crate) lang: &'static str,
    pub(crate) dir: &'static str,
    pub(crate) path: String,
    pub(crate) nav: (String, String, String, String),
    pub(crate) title: String,
    pub(crate) subtitle: String,
    pub(crate) languages: Vec<(&'static str, String)>,
    pub(crate) synthetic: bool,
    pub(crate) sample_banner: String,
    pub(crate) briefing: String,
}

pub(crate) fn layout(lang: Lang, path: impl Into<String>, synthetic: bool) -> Layout {
    let path = path.into();
    Layout {
        lang: lang.code(),
        dir: if lang == Lang::Ar { "rtl" } else { "ltr" },
        account: crate::auth::anonymous_bar(lang, &path),
        path,
        nav: nav(lang),
        title: text(lang, "app-title"),
        subtitle: text(lang, "app-subtitle"),
        languages: Lang::ALL.into_iter().map(|l| (l.code(), text(l, "lang-name"))).collect(),
        synthetic,
        sample_banner: text(lang, "sample-banner"),
        briefing: text(lang, "nav-briefings"),
    }
}

fn nav(lang: Lang) -> (String, String, String, String) {
    (
        text(lang, "nav-overview"),
        text(lang, "nav-data"),
        text(lang, "nav-targets"),
        text(lang, "nav-regions"),
    )
}

/// One table row: its class, its cells, and a download link.
type TableRow = (String, Vec<String>, Option<String>);

/// A page holding one table (data, targets).
#[derive(Template)]
#[template(path = "table.html")]
struct TablePage {
    layout: Layout,
    heading: String,
    columns: Vec<String>,
    /// (row class, cells, download link).
    rows: Vec<TableRow>,
    /// On the data page: the whole open-data export as a zip.
    export_link: String,
}

fn table_page(
    snapshot: &Snapshot,
    lang: Lang,
    path: &str,
    heading: String,
    columns: Vec<String>,
    rows: Vec<TableRow>,
) -> Result<String, askama::Error> {
    TablePage {
        layout: layout(
            lang,
            path.to_string(),
            snapshot.published.versions.iter().any(|v| v.provenance.synthetic),
        ),
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
async fn data_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
) -> Response {
    let code = lang.code();
    let snapshot = app.snapshot();
    cached(&snapshot, &format!("data/{code}"), &headers, || {
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
        let columns = [
            "dataset",
            "producer",
            "version",
            "rows",
            "source-file",
            "ingested-at",
            "validation",
            "freshness",
            "download",
        ]
        .iter()
        .map(|k| text(lang, k))
        .collect();
        table_page(&snapshot, lang, "data", text(lang, "nav-data"), columns, rows)
    })
}

/// The target registry: every version, the one in force, superseded ones and
/// drafts, with their sources.
async fn targets_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
) -> Response {
    let code = lang.code();
    let snapshot = app.snapshot();
    cached(&snapshot, &format!("targets/{code}"), &headers, || {
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
                        t.adopted_by.clone(),
                        t.adopted_on.clone(),
                        t.source.clone(),
                    ],
                    None,
                )
            })
            .collect();
        let columns = [
            "indicator",
            "year",
            "value",
            "baseline",
            "version",
            "adopted-by",
            "adopted-on",
            "source",
        ]
        .iter()
        .map(|k| text(lang, k))
        .collect();
        table_page(&snapshot, lang, "targets", text(lang, "nav-targets"), columns, rows)
    })
}

/// The 2026 mid-term review: every milestone judged like the final target.
async fn milestones_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
) -> Response {
    let code = lang.code();
    let snapshot = app.snapshot();
    cached(&snapshot, &format!("milestones/{code}"), &headers, || {
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
            &snapshot,
            lang,
            "milestones",
            text(lang, "midterm-title"),
            view::milestone_header(lang),
            rows,
        )
    })
}

#[derive(Template)]
#[template(path = "method.html")]
struct MethodPage {
    layout: Layout,
    heading: String,
    paragraphs: Vec<String>,
}

/// The method every status rests on, stated once, with its thresholds.
async fn method_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
) -> Response {
    use md2030_analytics::progress as p;
    let code = lang.code();
    let snapshot = app.snapshot();
    cached(&snapshot, &format!("method/{code}"), &headers, || {
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
            layout: layout(
                lang,
                "method",
                snapshot.published.versions.iter().any(|v| v.provenance.synthetic),
            ),
            heading: text(lang, "method-title"),
            paragraphs,
        }
        .render()
    })
}

#[derive(Debug, serde::Deserialize)]
struct RegionsQuery {
    indicator: Option<String>,
}

/// One region row: name, value, gap to national, lagging.
type RegionRow = (String, String, String, bool);

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage {
    layout: Layout,
    heading: String,
    choose_label: String,
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
async fn regions_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    axum::extract::Query(query): axum::extract::Query<RegionsQuery>,
    headers: HeaderMap,
) -> Response {
    let code = lang.code();
    let snapshot = app.snapshot();
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
        return (StatusCode::NOT_FOUND, "no regional breakdown for this indicator").into_response();
    };
    cached(&snapshot, &format!("regions/{id}/{code}"), &headers, || {
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
                        (
                            region_name(&r.region_code),
                            value(r.value),
                            md2030_view::format::signed_in_unit(r.gap, unit, lang),
                            r.region_code == lagging,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let cv = |c: Option<f64>| {
            c.map(|c| md2030_view::format::number(c, 3, lang)).unwrap_or_else(|| "–".into())
        };
        RegionsPage {
            layout: layout(
                lang,
                format!("regions?indicator={id}"),
                synthetic(&snapshot, &report.dataset_versions),
            ),
            heading: text(lang, "nav-regions"),
            choose_label: text(lang, "choose-indicator"),
            options: regional
                .iter()
                .filter_map(|r| snapshot.published.catalog.indicator(&r.id))
                .map(|i| (i.id.clone(), i.name.get(lang).to_string()))
                .collect(),
            indicator: id.clone(),
            name: name.clone(),
            period: latest.map(|p| p.period.clone()).unwrap_or_default(),
            national_label: text(lang, "national"),
            national: latest.map(|p| value(p.national)).unwrap_or_default(),
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
                        p.period.clone(),
                        cv(p.coefficient_of_variation),
                        p.lagging.as_deref().map(region_name).unwrap_or_default(),
                    )
                })
                .collect(),
        }
        .render()
    })
}

#[derive(Debug, serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The notes under a downloaded chart: the dataset versions it was computed from
/// with their source files, the results' date, and the sample-data warning.
fn frame_notes(
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
    let as_of =
        snapshot.published.results.as_ref().map(|r| r.as_of.to_string()).unwrap_or_default();
    // Left-to-right marks keep dates and ids in order inside Arabic lines (an SVG
    // text line has no <bdi> to isolate them).
    let ltr = |text: &str| format!("\u{200E}{text}\u{200E}");
    let mut notes = vec![
        (format!("{} : {}", text(lang, "source-versions"), ltr(&versions.join(" · "))), false),
        (
            format!(
                "{} · {}",
                text_with(lang, "as-of", "date", &ltr(&as_of)),
                ltr(&format!("md2030 {}", snapshot.published.results_version))
            ),
            false,
        ),
    ];
    if synthetic(snapshot, &report.dataset_versions) {
        notes.push((text(lang, "sample-banner"), true));
    }
    notes
}

/// A download's file name as (id, whether it is the `variant` CSV, extension):
/// `x.csv` → (x, false, csv), `x.history.csv` → (x, true, csv) for `.history`.
fn download_name<'a>(file: &'a str, variant: &str) -> (&'a str, bool, &'a str) {
    let (stem, extension) = file.rsplit_once('.').unwrap_or((file, ""));
    match stem.strip_suffix(variant) {
        Some(id) if extension == "csv" => (id, true, extension),
        _ => (stem, false, extension),
    }
}

/// Downloads of the regions map: `ID.csv` (the values it shows: latest period),
/// `ID.history.csv` (every period), `ID.svg` and `ID.png` (`?lang=`).
async fn download_regions(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    axum::extract::Query(query): axum::extract::Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let snapshot = app.snapshot();
    let (id, history, extension) = download_name(&file, ".history");
    let report = snapshot
        .published
        .results
        .as_ref()
        .and_then(|r| r.indicator(id))
        .filter(|i| !i.regional.is_empty());
    let (Some(report), Some(indicator)) = (report, snapshot.published.catalog.indicator(id)) else {
        return (StatusCode::NOT_FOUND, "no regional breakdown for this indicator").into_response();
    };
    let lang = query.lang.as_deref().and_then(parse_lang).unwrap_or_default();
    let key = format!("download/regions/{file}/{}", lang.code());
    if let Some(hit) =
        cached_download(&snapshot, &key, &headers, extension, &format!("regions-{file}"))
    {
        return hit;
    }
    let response = match extension {
        "csv" => cached_as(&snapshot, &key, &headers, CSV, || {
            md2030_view::chart_csv::regional_csv(report, history, &|code| {
                view::region_name(code, lang)
            })
            .map_err(|err| askama::Error::Custom(Box::new(err)))
        }),
        "svg" | "png" => {
            let period = report.regional.last().map(|p| p.period.as_str()).unwrap_or_default();
            let svg = md2030_view::charts::framed(
                &view::region_map(snapshot.published.outlines.as_ref(), report, indicator, lang).0,
                &format!("{} — {period}", indicator.name.get(lang)),
                &frame_notes(&snapshot, report, lang),
                lang == Lang::Ar,
            );
            svg_or_png(&snapshot, key, &headers, extension, svg).await
        }
        _ => {
            return (
                StatusCode::NOT_FOUND,
                "downloads are ID.csv, ID.history.csv, ID.svg or ID.png",
            )
                .into_response();
        }
    };
    with_attachment(response, &format!("regions-{file}"))
}

/// Downloads of an indicator: `ID.csv` (every series: headline and each breakdown
/// member, with versions and target), `ID.displayed.csv` (the values its chart
/// draws: observations, trajectory, projection), `ID.svg` and `ID.png` (the chart,
/// `?lang=`).
async fn download_indicator(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    axum::extract::Query(query): axum::extract::Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let snapshot = app.snapshot();
    let (id, displayed, extension) = download_name(&file, ".displayed");
    let report = snapshot.published.results.as_ref().and_then(|r| r.indicator(id));
    let (Some(report), Some(indicator)) = (report, snapshot.published.catalog.indicator(id)) else {
        return (StatusCode::NOT_FOUND, "no such indicator").into_response();
    };
    let lang = query.lang.as_deref().and_then(parse_lang).unwrap_or_default();
    let as_of =
        snapshot.published.results.as_ref().map(|r| r.as_of.to_string()).unwrap_or_default();
    let key = format!("download/{file}/{}", lang.code());
    if let Some(hit) = cached_download(&snapshot, &key, &headers, extension, &file) {
        return hit;
    }
    let response = match extension {
        "csv" if displayed => cached_as(&snapshot, &key, &headers, CSV, || {
            md2030_view::chart_csv::chart_csv(report, &as_of)
                .map_err(|err| askama::Error::Custom(Box::new(err)))
        }),
        "csv" => cached_as(&snapshot, &key, &headers, CSV, || {
            md2030_view::chart_csv::series_csv(report, &as_of)
                .map_err(|err| askama::Error::Custom(Box::new(err)))
        }),
        "svg" | "png" => {
            let svg = md2030_view::charts::framed(
                &view::indicator_chart(indicator, report, lang),
                indicator.name.get(lang),
                &frame_notes(&snapshot, report, lang),
                lang == Lang::Ar,
            );
            svg_or_png(&snapshot, key, &headers, extension, svg).await
        }
        _ => {
            return (
                StatusCode::NOT_FOUND,
                "downloads are ID.csv, ID.displayed.csv, ID.svg or ID.png",
            )
                .into_response();
        }
    };
    with_attachment(response, &file)
}

/// Downloads of one breakdown chart: `DIMENSION.csv` (the members it draws, with
/// their codes, names, period, value and versions), `.svg` and `.png` (`?lang=`).
async fn download_breakdown(
    State(app): State<Arc<App>>,
    Path((id, file)): Path<(String, String)>,
    axum::extract::Query(query): axum::extract::Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let snapshot = app.snapshot();
    let (dimension, extension) = file.rsplit_once('.').unwrap_or((file.as_str(), ""));
    let report = snapshot.published.results.as_ref().and_then(|r| r.indicator(&id));
    let lang = query.lang.as_deref().and_then(parse_lang).unwrap_or_default();
    let key = format!("download/{id}/{file}/{}", lang.code());
    if let Some(hit) =
        cached_download(&snapshot, &key, &headers, extension, &format!("{id}-{file}"))
    {
        return hit;
    }
    let view = match (report, snapshot.published.catalog.indicator(&id)) {
        (Some(report), Some(indicator)) => {
            view::breakdown(indicator, report, dimension, &snapshot.published.labels, lang)
                .map(|view| (report, view))
        }
        _ => None,
    };
    let Some((report, view)) = view else {
        return (StatusCode::NOT_FOUND, "no such indicator or breakdown").into_response();
    };
    let response = match extension {
        "csv" => cached_as(&snapshot, &key, &headers, CSV, || {
            md2030_view::chart_csv::breakdown_csv(report, &view)
                .map_err(|err| askama::Error::Custom(Box::new(err)))
        }),
        "svg" | "png" => {
            let title = match snapshot.published.catalog.indicator(&id) {
                Some(indicator) => {
                    format!("{} — {}, {}", indicator.name.get(lang), view.title, view.period)
                }
                None => view.title.clone(),
            };
            let svg = md2030_view::charts::framed(
                &view.chart,
                &title,
                &frame_notes(&snapshot, report, lang),
                lang == Lang::Ar,
            );
            svg_or_png(&snapshot, key, &headers, extension, svg).await
        }
        _ => {
            return (StatusCode::NOT_FOUND, "downloads are DIMENSION.csv, .svg or .png")
                .into_response();
        }
    };
    with_attachment(response, &format!("{id}-{file}"))
}

/// A download already rendered for this snapshot, answered before any chart is
/// drawn or CSV written again (only valid downloads are ever cached).
fn cached_download(
    snapshot: &Snapshot,
    key: &str,
    headers: &HeaderMap,
    extension: &str,
    file: &str,
) -> Option<Response> {
    let page = lookup(snapshot, key)?;
    let content_type = match extension {
        "csv" => CSV,
        "svg" => SVG,
        "png" => "image/png",
        _ => return None,
    };
    Some(with_attachment(respond(&page, headers, content_type), file))
}

/// A framed chart as SVG, or as PNG rasterised on a blocking thread.
async fn svg_or_png(
    snapshot: &Arc<Snapshot>,
    key: String,
    headers: &HeaderMap,
    extension: &str,
    svg: String,
) -> Response {
    if extension == "svg" {
        cached_as(snapshot, &key, headers, SVG, || Ok(svg))
    } else {
        cached_png(snapshot.clone(), key, headers, svg).await
    }
}

const CSV: &str = "text/csv; charset=utf-8";
const SVG: &str = "image/svg+xml";

fn with_attachment(mut response: Response, file: &str) -> Response {
    if response.status() == StatusCode::OK
        && let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"md2030-{file}\""))
    {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The open-data export (datasets and results as Parquet and CSV, SDMX, the data
/// package) as one zip, built on the first request for each data version and kept
/// under `exports/` in the data directory.
async fn download_export(State(app): State<Arc<App>>) -> Response {
    let _one_at_a_time = app.exports.lock().await;
    let data_dir = app.data_dir.clone();
    let built = tokio::task::spawn_blocking(move || {
        let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let zip = md2030_opendata::export_zip(&data_dir, &created)?;
        zip.map(|(path, name)| Ok::<_, anyhow::Error>((std::fs::read(path)?, name))).transpose()
    })
    .await;
    match built {
        Ok(Ok(Some((bytes, name)))) => with_attachment(
            ([(header::CONTENT_TYPE, "application/zip")], bytes).into_response(),
            name.trim_start_matches("md2030-"),
        ),
        Ok(Ok(None)) => (StatusCode::NOT_FOUND, "no results yet").into_response(),
        Ok(Err(err)) => {
            tracing::error!(err = %format!("{err:#}"), "export failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "export failed").into_response()
        }
        Err(err) => {
            tracing::error!(%err, "export task failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "export failed").into_response()
        }
    }
}

/// A stored dataset version as Parquet: `DATASET@vN.parquet`, exactly the bytes
/// the catalogue recorded (and hashed).
async fn download_dataset(
    State(app): State<Arc<App>>,
    axum::Extension(visitor): axum::Extension<crate::auth::Visitor>,
    Path(file): Path<String>,
) -> Response {
    let (version_id, as_csv) = match (file.strip_suffix(".parquet"), file.strip_suffix(".csv")) {
        (Some(id), _) => (id, false),
        (_, Some(id)) => (id, true),
        _ => {
            return (StatusCode::NOT_FOUND, "downloads are DATASET@vN.parquet or DATASET@vN.csv")
                .into_response();
        }
    };
    let data_dir = app.data_dir.clone();
    let version_id = version_id.to_string();
    // Which file answers: the stored Parquet, or the version's CSV, converted
    // once (versions never change) and kept under downloads/.
    let found = tokio::task::spawn_blocking(move || -> Result<Option<Download>, String> {
        let store = Store::open_read_only(&data_dir).map_err(|e| e.to_string())?;
        let Some((dataset, number)) = version_id.split_once("@v") else { return Ok(None) };
        let Ok(number) = number.parse::<i64>() else { return Ok(None) };
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
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    let download = match found {
        Ok(Some(download)) => download,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such dataset version").into_response(),
        Err(err) => {
            tracing::error!(%err, "download failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "download failed").into_response();
        }
    };
    let path = if as_csv {
        if !download.csv.is_file() {
            // One conversion at a time, whatever the number of visitors: the others
            // wait, then find the file.
            let _one = app.conversions.lock().await;
            if !download.csv.is_file() {
                let (data_dir, record, csv) =
                    (app.data_dir.clone(), download.record.clone(), download.csv.clone());
                let built =
                    tokio::task::spawn_blocking(move || convert_csv(&data_dir, &record, &csv))
                        .await
                        .unwrap_or_else(|e| Err(e.to_string()));
                if let Err(err) = built {
                    tracing::error!(%err, "CSV conversion failed");
                    return (StatusCode::INTERNAL_SERVER_ERROR, "download failed").into_response();
                }
            }
        }
        download.csv
    } else {
        download.parquet
    };
    let content_type =
        if as_csv { "text/csv; charset=utf-8" } else { "application/vnd.apache.parquet" };
    match stream_file(&path, content_type).await {
        Ok(response) => with_attachment(response, &file),
        Err(err) => {
            tracing::error!(%err, path = %path.display(), "download failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "download failed").into_response()
        }
    }
}

/// Where a dataset version's downloads are.
struct Download {
    parquet: PathBuf,
    csv: PathBuf,
    record: VersionRecord,
}

/// Writes a version's CSV to `out` through a temporary file beside it, batch by
/// batch, then renames it into place.
fn convert_csv(
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
async fn stream_file(
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

/// One archived edition as the briefings page lists it.
#[derive(Debug)]
struct EditionRow {
    id: String,
    as_of: String,
    occasion: String,
    results: String,
    fingerprint: String,
    compared_with: String,
    /// (language code, language name, link, pages text).
    files: Vec<(&'static str, String, String, String)>,
    deliveries: String,
}

#[derive(Template)]
#[template(path = "briefings.html")]
struct BriefingsPage {
    layout: Layout,
    heading: String,
    intro: String,
    current_label: String,
    none: String,
    columns: Vec<String>,
    rows: Vec<EditionRow>,
}

/// The occasion an edition was built for, in words.
fn occasion(trigger: &str, lang: Lang) -> String {
    match trigger.split_once(':') {
        Some(("monthly", month)) => text_with(lang, "trigger-monthly", "month", month),
        Some(("meeting", date)) => text_with(lang, "trigger-meeting", "date", date),
        _ => match trigger {
            "on-demand" | "cli" | "dashboard" => text(lang, &format!("trigger-{trigger}")),
            other => other.to_string(),
        },
    }
}

/// The archive of briefings: every edition with its PDFs, what it was built from,
/// and where its deliveries stand (counts only: the distribution list is not
/// shown).
async fn briefings_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
) -> Response {
    let code = lang.code();
    let snapshot = app.snapshot();
    cached(&snapshot, &format!("briefings/{code}"), &headers, || {
        use md2030_store::DeliveryStatus as S;
        let rows = snapshot
            .editions
            .iter()
            .map(|e| {
                let mine: Vec<_> =
                    snapshot.deliveries.iter().filter(|d| d.edition_no == e.edition_no).collect();
                let count =
                    |statuses: &[S]| mine.iter().filter(|d| statuses.contains(&d.status)).count();
                EditionRow {
                    id: e.edition_id.clone(),
                    as_of: e.as_of.clone(),
                    occasion: occasion(&e.trigger, lang),
                    results: e.results_version.clone(),
                    fingerprint: e.key.get(..16).unwrap_or_default().to_string(),
                    compared_with: e
                        .compared_with
                        .map(|n| format!("briefing@e{n}"))
                        .unwrap_or_else(|| "–".into()),
                    files: e
                        .files
                        .iter()
                        .filter_map(|f| {
                            let file_lang = parse_lang(&f.lang)?;
                            Some((
                                file_lang.code(),
                                text(file_lang, "lang-name"),
                                format!("/download/briefing/e{}-{}.pdf", e.edition_no, f.lang),
                                text_with(lang, "pages-short", "pages", &f.pages.to_string()),
                            ))
                        })
                        .collect(),
                    deliveries: if mine.is_empty() {
                        "–".into()
                    } else {
                        md2030_view::i18n::text_args(
                            lang,
                            "delivery-counts",
                            &[
                                ("sent", count(&[S::Sent]).to_string()),
                                ("pending", count(&[S::Pending, S::Sending]).to_string()),
                                ("failed", count(&[S::Failed, S::Uncertain]).to_string()),
                            ],
                        )
                    },
                }
            })
            .collect();
        BriefingsPage {
            layout: layout(
                lang,
                "briefings",
                snapshot.published.versions.iter().any(|v| v.provenance.synthetic),
            ),
            heading: text(lang, "nav-briefings"),
            intro: text(lang, "briefings-intro"),
            current_label: text(lang, "briefings-current"),
            none: text(lang, "briefings-none"),
            columns: [
                "edition",
                "edition-date",
                "occasion",
                "results-version",
                "fingerprint",
                "compared-with",
                "pdfs",
                "deliveries",
            ]
            .iter()
            .map(|k| text(lang, k))
            .collect(),
            rows,
        }
        .render()
    })
}

/// An archived briefing: `/download/briefing/e4-fr.pdf`, the bytes the archive
/// recorded (checked against their hash), immutable.
async fn download_briefing(State(app): State<Arc<App>>, Path(file): Path<String>) -> Response {
    let parsed = file
        .strip_prefix('e')
        .and_then(|f| f.strip_suffix(".pdf"))
        .and_then(|f| f.split_once('-'))
        .and_then(|(n, l)| Some((n.parse::<i64>().ok()?, parse_lang(l)?)));
    let Some((edition_no, lang)) = parsed else {
        return (StatusCode::NOT_FOUND, "archived briefings are eN-LANG.pdf").into_response();
    };
    let data_dir = app.data_dir.clone();
    let read = tokio::task::spawn_blocking(
        move || -> Result<Option<(String, String, Vec<u8>)>, String> {
            let store = Store::open_read_only(&data_dir).map_err(|e| e.to_string())?;
            let Ok(edition) = store.edition(edition_no) else { return Ok(None) };
            let Some(file) = edition.file(lang.code()) else { return Ok(None) };
            let sha = file.sha256.clone();
            let bytes = store.read_briefing(&edition, lang.code()).map_err(|e| e.to_string())?;
            Ok(bytes.map(|b| (md2030_briefing::edition::file_name(&edition, lang), sha, b)))
        },
    )
    .await;
    match read {
        Ok(Ok(Some((name, sha, bytes)))) => {
            let mut response = ([(header::CONTENT_TYPE, "application/pdf")], bytes).into_response();
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", &sha[..20.min(sha.len())]))
            {
                headers.insert(header::ETAG, value);
            }
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            response
        }
        Ok(Ok(None)) => (StatusCode::NOT_FOUND, "no such archived briefing").into_response(),
        Ok(Err(err)) => {
            tracing::error!(%err, "archived briefing unreadable");
            (StatusCode::INTERNAL_SERVER_ERROR, "archived briefing unreadable").into_response()
        }
        Err(err) => {
            tracing::error!(%err, "download task failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "download failed").into_response()
        }
    }
}
