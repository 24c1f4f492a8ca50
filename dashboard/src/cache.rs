//! The page cache: rendered pages, SVGs, CSVs and PNGs kept per snapshot as
//! bytes with an ETag (304 on `If-None-Match`), and attachment headers.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::app::{Page, Snapshot};
use crate::error::{AppError, blocking};

/// A cached page, rendered by `render` on the first request for `key`; answers
/// 304 when the browser already has it.
pub(crate) fn cached(
    snapshot: &Snapshot,
    key: &str,
    headers: &HeaderMap,
    render: impl FnOnce() -> Result<String, askama::Error>,
) -> Response {
    cached_as(snapshot, key, headers, "text/html; charset=utf-8", render)
}

/// [`cached`] for any content type.
pub(crate) fn cached_as(
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
pub(crate) fn lookup(snapshot: &Snapshot, key: &str) -> Option<Page> {
    snapshot.pages.lock().ok().and_then(|pages| pages.get(key).cloned())
}

/// Keeps a rendered body with its ETag (a hash of the bytes) for the snapshot.
pub(crate) fn keep(snapshot: &Snapshot, key: &str, body: Bytes) -> Page {
    let etag = format!("\"{}\"", &md2030_store::hex(&Sha256::digest(&body))[..20]);
    let page = Page { etag, body };
    if let Ok(mut pages) = snapshot.pages.lock() {
        pages.insert(key.to_string(), page.clone());
    }
    page
}

/// The body, or 304 when the client holds the same ETag.
pub(crate) fn respond(page: &Page, headers: &HeaderMap, content_type: &'static str) -> Response {
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

/// A chart as PNG: rasterised on a blocking thread the first time, then cached
/// with the snapshot like the pages.
pub(crate) async fn cached_png(
    snapshot: Arc<Snapshot>,
    key: String,
    headers: &HeaderMap,
    svg: String,
) -> Result<Response, AppError> {
    if let Some(page) = lookup(&snapshot, &key) {
        return Ok(respond(&page, headers, "image/png"));
    }
    if svg.is_empty() {
        return Err(AppError::NotFound("no chart to draw"));
    }
    let page = blocking("PNG rendering", move || {
        md2030_view::png::render(&svg).map(|png| keep(&snapshot, &key, Bytes::from(png)))
    })
    .await?;
    Ok(respond(&page, headers, "image/png"))
}

/// A download already rendered for this snapshot, answered before any chart is
/// drawn or CSV written again (only valid downloads are ever cached).
pub(crate) fn cached_download(
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
pub(crate) async fn svg_or_png(
    snapshot: &Arc<Snapshot>,
    key: String,
    headers: &HeaderMap,
    extension: &str,
    svg: String,
) -> Response {
    if extension == "svg" {
        cached_as(snapshot, &key, headers, SVG, || Ok(svg))
    } else {
        cached_png(snapshot.clone(), key, headers, svg).await.into_response()
    }
}

pub(crate) const CSV: &str = "text/csv; charset=utf-8";
pub(crate) const SVG: &str = "image/svg+xml";

pub(crate) fn with_attachment(mut response: Response, file: &str) -> Response {
    if response.status() == StatusCode::OK
        && let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"md2030-{file}\""))
    {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
