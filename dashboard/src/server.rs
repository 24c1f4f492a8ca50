//! Serving: the routes, the listener, request logs and graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::api::{api_datasets, api_indicator, api_indicators, api_targets, openapi};
use crate::app::{App, Config, reload_when_changed};
use crate::briefings::{briefings_page, download_briefing};
use crate::downloads::{
    briefing_pdf, download_breakdown, download_dataset, download_export, download_indicator,
    download_regions,
};
use crate::pages::{indicator_page, method_page, overview, regions_page};
use crate::tables::{data_page, milestones_page, targets_page};

/// The router over a loaded application.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/briefing.pdf", get(briefing_pdf))
        .route("/static/style.css", get(stylesheet))
        .route("/static/overview.js", get(overview_script))
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
        .route("/{lang}/ministries", get(crate::league::ministries_page))
        .route("/{lang}/ministry/{code}", get(crate::league::ministry_page))
        .route("/{lang}/regions/league", get(crate::league::regions_league_page))
        .route("/api/v1/league/{key}", get(crate::league::api_league))
        .route("/download/league/{file}", get(crate::league::download_league))
        .route("/{lang}/peers", get(crate::peers::peers_page))
        .route("/api/v1/peers", get(crate::peers::api_peers))
        .route("/download/peers/{file}", get(crate::peers::download_peers))
        .route("/chart/narrow/{*path}", get(crate::downloads::narrow_chart))
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
        .route("/{lang}/review", get(crate::review::review_page))
        .route("/{lang}/my", get(crate::mine::my_datasets_page))
        .route("/download/template/{file}", get(crate::mine::download_template))
        .route(
            "/{lang}/submit",
            get(crate::submit::submit_form).post(crate::submit::submit).layer(
                axum::extract::DefaultBodyLimit::max(
                    (app.auth.settings.max_upload_bytes + 1024 * 1024) as usize,
                ),
            ),
        )
        .route(
            "/{lang}/review/{dataset}/{version}",
            get(crate::review::preview_page).post(crate::review::review),
        )
        .route("/download/audit.csv", get(crate::account::audit_csv))
        .route(
            "/{lang}/decisions",
            get(crate::decisions::decisions_page).post(crate::decisions::record_decision),
        )
        .route("/{lang}/decisions/point/{id}", post(crate::decisions::post_update))
        .route("/{lang}/decisions/update/{id}", post(crate::decisions::review_update))
        .route("/download/decisions.csv", get(crate::decisions::decisions_csv))
        .route("/api/v1/decisions", get(crate::decisions::api_decisions))
        .route("/{lang}/packs", get(crate::judgments::packs_page))
        .route("/download/pack/{file}", get(crate::judgments::download_pack))
        .route(
            "/{lang}/judgments",
            get(crate::judgments::judgments_page).post(crate::judgments::record_judgment),
        )
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .layer(middleware::from_fn_with_state(app.clone(), crate::auth::authenticate))
        .layer(middleware::from_fn_with_state(app.clone(), crate::proxy::forwarded))
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
    let app = App::load(&config).await?;
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

pub(crate) async fn log_request(request: Request, next: Next) -> Response {
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

pub(crate) async fn healthz(State(app): State<Arc<App>>) -> Response {
    let snapshot = app.snapshot();
    let body = serde_json::json!({
        "status": "ok",
        "results_version": snapshot.published.results_version(),
        "datasets": snapshot.published.versions.len(),
    });
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// `/`: the overview in the visitor's language, from `Accept-Language` (the
/// first of ar, fr and en by preference; French otherwise).
pub(crate) async fn home(headers: axum::http::HeaderMap) -> Response {
    let accepted = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let lang = preferred_lang(accepted).unwrap_or_default();
    let mut response = Redirect::to(&format!("/{}/", lang.code())).into_response();
    response
        .headers_mut()
        .insert(header::VARY, header::HeaderValue::from_static("accept-language"));
    response
}

/// The language an `Accept-Language` header prefers among ours: ranges in order
/// of their `q` (equal weights in the order given), `ar-MA` counting as `ar`, a
/// `q=0` range refused.
pub(crate) fn preferred_lang(accepted: &str) -> Option<md2030_model::Lang> {
    let mut ranges: Vec<(f32, usize, md2030_model::Lang)> = accepted
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            let primary = tag.split('-').next()?;
            let lang = md2030_model::Lang::from_code(primary)?;
            (q > 0.0).then_some((q, i, lang))
        })
        .collect();
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.first().map(|(_, _, lang)| *lang)
}

pub(crate) async fn favicon() -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")],
        include_str!("../favicon.svg"),
    )
        .into_response()
}

/// The overview's filter and search (the page works without it).
pub(crate) async fn overview_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../overview.js"),
    )
        .into_response()
}

pub(crate) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static.css"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_home_page_follows_accept_language() {
        use md2030_model::Lang;
        assert_eq!(super::preferred_lang("ar-MA,ar;q=0.9,fr;q=0.8"), Some(Lang::Ar));
        assert_eq!(super::preferred_lang("en-US,en;q=0.9,ar;q=0.8"), Some(Lang::En));
        assert_eq!(super::preferred_lang("de-DE, fr;q=0.5, ar;q=0.7"), Some(Lang::Ar));
        assert_eq!(super::preferred_lang("ar;q=0, en"), Some(Lang::En));
        assert_eq!(super::preferred_lang("de, es"), None);
        assert_eq!(super::preferred_lang(""), None);
    }
}
