//! The archive of briefing editions and their PDFs.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use md2030_model::Lang;
use md2030_store::Store;

use crate::app::App;
use crate::error::{AppError, blocking};
use crate::layout::{Layout, PublicPage, layout};
use md2030_view::i18n::{text, text_with};

/// One archived edition as the briefings page lists it.
#[derive(Debug)]
pub(crate) struct EditionRow {
    pub(crate) id: String,
    pub(crate) as_of: String,
    pub(crate) occasion: String,
    pub(crate) results: String,
    pub(crate) fingerprint: String,
    pub(crate) compared_with: String,
    /// (language code, language name, link, pages text).
    pub(crate) files: Vec<(&'static str, String, String, String)>,
    pub(crate) deliveries: String,
}

#[derive(Template)]
#[template(path = "briefings.html")]
pub(crate) struct BriefingsPage {
    layout: Layout,
    heading: String,
    intro: String,
    current_label: String,
    none: String,
    columns: Vec<String>,
    rows: Vec<EditionRow>,
}

/// The occasion an edition was built for, in words.
pub(crate) fn occasion(trigger: &str, lang: Lang) -> String {
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
pub(crate) async fn briefings_page(page: PublicPage) -> Response {
    let (snapshot, lang) = (&page.snapshot, page.lang);
    page.cached("briefings", || {
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
                        .map(md2030_store::edition_id)
                        .unwrap_or_else(|| "–".into()),
                    files: e
                        .files
                        .iter()
                        .filter_map(|f| {
                            let file_lang = Lang::from_code(&f.lang)?;
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
            layout: layout(lang, "briefings", snapshot.published.synthetic()),
            heading: text(lang, "nav-briefings"),
            intro: text(lang, "briefings-intro"),
            current_label: text(lang, "briefings-current"),
            none: text(lang, "briefings-none"),
            columns: md2030_view::i18n::texts(
                lang,
                &[
                    "edition",
                    "edition-date",
                    "occasion",
                    "results-version",
                    "fingerprint",
                    "compared-with",
                    "pdfs",
                    "deliveries",
                ],
            ),
            rows,
        }
        .render()
    })
}

/// An archived briefing: `/download/briefing/e4-fr.pdf`, the bytes the archive
/// recorded (checked against their hash), immutable.
pub(crate) async fn download_briefing(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let parsed = file
        .strip_prefix('e')
        .and_then(|f| f.strip_suffix(".pdf"))
        .and_then(|f| f.split_once('-'))
        .and_then(|(n, l)| Some((n.parse::<i64>().ok()?, Lang::from_code(l)?)));
    let (edition_no, lang) =
        parsed.ok_or(AppError::NotFound("archived briefings are eN-LANG.pdf"))?;
    let data_dir = app.data_dir.clone();
    let found = blocking("reading the archived briefing", move || {
        let store = Store::open_read_only(&data_dir)?;
        let Ok(edition) = store.edition(edition_no) else { return Ok(None) };
        let Some(file) = edition.file(lang.code()) else { return Ok(None) };
        let sha = file.sha256.clone();
        let bytes = store.read_briefing(&edition, lang.code())?;
        Ok::<_, md2030_store::Error>(
            bytes.map(|b| (md2030_briefing::edition::file_name(&edition, lang), sha, b)),
        )
    })
    .await?;
    let (name, sha, bytes) = found.ok_or(AppError::NotFound("no such archived briefing"))?;
    let mut response = ([(header::CONTENT_TYPE, "application/pdf")], bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", &sha[..20.min(sha.len())])) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}
