//! The application state: the snapshot of the published state that handlers
//! read, its reloading when the store or the catalogue changes, and the writer
//! lock taken on a blocking thread.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use md2030_model::Lang;
use md2030_results::Published;
use md2030_store::Store;

use md2030_view::i18n::{text, text_with};

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
pub(crate) struct Page {
    pub(crate) etag: String,
    pub(crate) body: Bytes,
}

/// The current results and dataset versions, and the pages rendered from them.
#[derive(Debug)]
pub(crate) struct Snapshot {
    /// What the snapshot was read from: results version, dataset versions, archive
    /// and catalogue fingerprint.
    pub(crate) key: String,
    /// The catalogue in force, results, dataset versions, outlines and labels:
    /// read again whenever any of them changes, so an edited `targets.toml` shows
    /// on the targets page and in the next PDF without a restart.
    pub(crate) published: Published,
    /// The archived briefing editions, newest first, and their deliveries.
    pub(crate) editions: Vec<md2030_store::EditionRecord>,
    pub(crate) deliveries: Vec<md2030_store::Delivery>,
    /// What changed since the last briefing the Commission received.
    pub(crate) since: Option<Since>,
    /// The Commission's decisions with their points' confirmed statuses (the key
    /// changes with them, and with the judgments).
    pub(crate) decisions: Vec<md2030_store::steering::Decision>,
    pub(crate) pages: Mutex<HashMap<String, Page>>,
    /// What publishing each pending version would change, computed on the first
    /// view (by version id): valid as long as the published state is this one.
    pub(crate) previews: Mutex<HashMap<String, Arc<md2030_results::preview::Preview>>>,
}

/// The changes between the last briefing built from other figures (the one
/// prepared for the last Commission meeting when there was one) and the current
/// results.
#[derive(Debug)]
pub(crate) struct Since {
    pub(crate) edition: md2030_store::EditionRecord,
    pub(crate) changes: Vec<md2030_analytics::vintage::Change>,
    /// The results that edition was built from (the league's previous ranks).
    pub(crate) results: Option<md2030_analytics::results::Results>,
}

/// The edition to compare with: among those built from other results than the
/// current ones, the newest prepared for a Commission meeting, else the newest.
fn since(
    store: &md2030_store::Store,
    published: &Published,
    editions: &[md2030_store::EditionRecord],
) -> Option<Since> {
    let results = published.results.as_ref()?;
    let earlier: Vec<&md2030_store::EditionRecord> =
        editions.iter().filter(|e| e.results_sha256 != published.results_sha256).collect();
    let edition =
        earlier.iter().find(|e| e.trigger.starts_with("meeting:")).or_else(|| earlier.first())?;
    let manifest = match md2030_briefing::edition::read_manifest(store, edition) {
        Ok(manifest) => manifest,
        Err(err) => {
            tracing::warn!(%err, edition = %edition.edition_id, "no comparison with the last briefing");
            return None;
        }
    };
    let now = md2030_analytics::vintage::Digest::from_results(results);
    let changes = md2030_analytics::vintage::diff(&manifest.digest, &now);
    let results = md2030_results::stored_results(store, &edition.results_version);
    Some(Since { edition: (*edition).clone(), changes, results })
}

/// The application state shared by the handlers.
#[derive(Debug)]
pub struct App {
    pub(crate) data_dir: PathBuf,
    pub(crate) snapshot: RwLock<Arc<Snapshot>>,
    pub(crate) auth: crate::auth::Auth,
    /// One export zip is built at a time.
    pub(crate) exports: tokio::sync::Mutex<()>,
    /// One dataset CSV is converted at a time.
    pub(crate) conversions: tokio::sync::Mutex<()>,
}

impl App {
    /// The application over `config.data_dir`: its published state read once (on
    /// a blocking thread). [`crate::serve`] serves it and reloads it; tests build
    /// it in process and drive [`crate::router`] with `tower::ServiceExt::oneshot`.
    pub async fn load(config: &Config) -> std::io::Result<Arc<App>> {
        let data_dir = config.data_dir.clone();
        let first = tokio::task::spawn_blocking(move || load_snapshot(current(&data_dir)?))
            .await
            .map_err(std::io::Error::other)?
            .map_err(std::io::Error::other)?;
        Ok(Arc::new(App {
            data_dir: config.data_dir.clone(),
            snapshot: RwLock::new(Arc::new(first)),
            auth: crate::auth::Auth::new(config.access.clone(), config.data_dir.clone()),
            exports: tokio::sync::Mutex::new(()),
            conversions: tokio::sync::Mutex::new(()),
        }))
    }

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

    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub(crate) fn replace(&self, snapshot: Snapshot) {
        let snapshot = Arc::new(snapshot);
        match self.snapshot.write() {
            Ok(mut guard) => *guard = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }
}

/// What the store holds now: the current results and dataset versions, and a key
/// naming them (to tell whether anything changed). Blocking (SQLite).
pub(crate) struct Current {
    pub(crate) key: String,
    pub(crate) catalog: md2030_results::CatalogFiles,
    pub(crate) store: Store,
}

pub(crate) fn current(data_dir: &std::path::Path) -> Result<Current, String> {
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
    key.push(' ');
    key.push_str(&store.steering_fingerprint());
    Ok(Current { key, catalog, store })
}

/// Reads the published state of the store. Blocking (SQLite and file reads).
pub(crate) fn load_snapshot(current: Current) -> Result<Snapshot, String> {
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
    let since = since(&store, &published, &editions);
    // A catalogue from before schema 6 has no decisions.
    let decisions = store.decisions().unwrap_or_default();
    Ok(Snapshot {
        decisions,
        key,
        published,
        editions,
        deliveries,
        since,
        pages: Mutex::default(),
        previews: Mutex::default(),
    })
}

pub(crate) async fn reload_when_changed(app: Arc<App>, every: Duration) {
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
                tracing::info!(results = %snapshot.published.results_version(), "new results: pages will be rendered again");
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
