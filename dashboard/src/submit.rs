//! Web submission: a steward uploads a file for one of their ministry's datasets;
//! it goes through the same validation as `md2030 ingest` and, if it passes, is
//! stored as a *pending* version that a second steward must sign off.
//!
//! The upload streams to a file in the store's staging directory under a name of
//! md2030's choosing (the client's file name is only displayed, never used as a
//! path), capped at the configured size; the file is removed whatever happens.
//! A rejected file stores nothing.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use askama::Template;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use md2030_ingest::{IngestConfig, Outcome};
use md2030_model::{Contract, Lang};
use md2030_store::Session;

use crate::App;
use crate::account::forbidden;
use crate::auth::{self, Audit};
use crate::error::AppError;
use crate::layout::{Layout, PageLang, layout};
use crate::roles::Steward;
use md2030_view::i18n::text;

/// File extensions a submission may have (what `md2030 ingest` reads).
const EXTENSIONS: [&str; 8] = ["csv", "tsv", "txt", "xlsx", "xls", "json", "parquet", "geojson"];

#[derive(Template)]
#[template(path = "submit.html")]
struct SubmitPage {
    layout: Layout,
    heading: String,
    intro: String,
    dataset_label: String,
    file_label: String,
    period_label: String,
    submit: String,
    datasets: Vec<(String, String)>,
    csrf: String,
    max_mb: u64,
    /// After an upload: the verdict, the report's issues, the pending version.
    verdict: String,
    verdict_class: &'static str,
    issues: Vec<[String; 5]>,
    issue_columns: Vec<String>,
    report_text: String,
    report_label: String,
    /// The dataset chosen last (kept selected after an upload).
    selected: String,
    /// "Templates to fill in" (each dataset's XLSX and CSV are linked by name).
    templates_label: String,
    example_word: String,
    /// After a rejection: the report's table as a CSV in a `data:` link, and its
    /// label (nothing is stored, so nothing to link to on the server).
    report_csv: String,
    report_csv_label: String,
}

fn datasets_of(session: &Session, lang: Lang) -> Vec<(String, String)> {
    md2030_model::contracts()
        .iter()
        .filter(|c| md2030_access::can_submit(&session.account, &c.producer))
        .map(|c| (c.name.clone(), format!("{} ({})", c.titles.get(lang), c.name)))
        .collect()
}

fn page(app: &App, session: &Session, lang: Lang) -> SubmitPage {
    SubmitPage {
        layout: layout(lang, "submit", app.snapshot().published.synthetic()),
        heading: text(lang, "submit-heading"),
        intro: text(lang, "submit-intro"),
        dataset_label: text(lang, "submit-dataset"),
        file_label: text(lang, "submit-file"),
        period_label: text(lang, "submit-period"),
        submit: text(lang, "submit-button"),
        datasets: datasets_of(session, lang),
        csrf: session.csrf_token.clone(),
        max_mb: app.auth.settings.max_upload_bytes / (1024 * 1024),
        verdict: String::new(),
        verdict_class: "",
        issues: Vec::new(),
        issue_columns: ["row", "column", "value", "problem", "rule"]
            .iter()
            .map(|c| text(lang, &format!("submit-col-{c}")))
            .collect(),
        report_text: String::new(),
        report_label: text(lang, "submit-report"),
        selected: String::new(),
        templates_label: text(lang, "submit-templates"),
        example_word: text(lang, "template-example"),
        report_csv: String::new(),
        report_csv_label: text(lang, "submit-report-csv"),
    }
}

fn render(status: StatusCode, page: SubmitPage) -> Response {
    crate::account::html(status, page.render())
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct SubmitQuery {
    dataset: Option<String>,
}

/// The submission form, the dataset chosen in advance with `?dataset=`.
pub(crate) async fn submit_form(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    Steward(session): Steward,
    axum::extract::Query(query): axum::extract::Query<SubmitQuery>,
) -> Response {
    let mut view = page(&app, &session, lang);
    if let Some(dataset) = query.dataset.filter(|d| view.datasets.iter().any(|(name, _)| name == d))
    {
        view.selected = dataset;
    }
    render(StatusCode::OK, view)
}

/// The client's file name reduced to a safe display name: the last path
/// component, no control characters, at most 120 characters.
pub(crate) fn display_name(client: &str) -> String {
    let last = client.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).take(120).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() { "upload".into() } else { cleaned }
}

/// Longest wait for the next piece of an upload's body.
const BODY_IDLE: std::time::Duration = std::time::Duration::from_secs(60);

/// A staged upload, removed when dropped. Its file is locked while it lives, so
/// that a writer's recovery never removes an upload still being received or
/// checked.
struct Upload {
    path: PathBuf,
    _owned: std::fs::File,
}

impl Drop for Upload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What the multipart body held.
struct Received {
    csrf_ok: bool,
    dataset: String,
    period: String,
    file: Option<(Upload, String, u64)>,
}

enum Refusal {
    TooLarge,
    BadForm(String),
    Csrf,
    Io(String),
}

async fn receive(
    mut multipart: Multipart,
    session: &Session,
    staging: &std::path::Path,
    limit: u64,
) -> Result<Received, Refusal> {
    let mut received =
        Received { csrf_ok: false, dataset: String::new(), period: String::new(), file: None };
    let too_large = |err: &axum::extract::multipart::MultipartError| {
        err.status() == StatusCode::PAYLOAD_TOO_LARGE
    };
    loop {
        let next = tokio::time::timeout(BODY_IDLE, multipart.next_field())
            .await
            .map_err(|_| Refusal::BadForm("the upload stalled".into()))?;
        let field = match next {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) if too_large(&err) => return Err(Refusal::TooLarge),
            Err(err) => return Err(Refusal::BadForm(err.body_text())),
        };
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "csrf" | "dataset" | "period" => {
                let value = match field.text().await {
                    Ok(value) => value,
                    Err(err) if too_large(&err) => return Err(Refusal::TooLarge),
                    Err(err) => return Err(Refusal::BadForm(err.body_text())),
                };
                match name.as_str() {
                    "csrf" => {
                        received.csrf_ok =
                            md2030_access::constant_time_eq(&session.csrf_token, &value)
                    }
                    "dataset" => received.dataset = value.chars().take(64).collect(),
                    _ => received.period = value.chars().take(16).collect(),
                }
            }
            "file" => {
                // The token comes first in the form: no file is written for a
                // forged request.
                if !received.csrf_ok {
                    return Err(Refusal::Csrf);
                }
                let shown = display_name(field.file_name().unwrap_or(""));
                let extension = std::path::Path::new(&shown)
                    .extension()
                    .and_then(|e| e.to_str())
                    .map(str::to_ascii_lowercase)
                    .filter(|e| EXTENSIONS.contains(&e.as_str()))
                    .unwrap_or_else(|| "bin".into());
                let token =
                    md2030_access::random_token().map_err(|e| Refusal::Io(e.to_string()))?;
                let path = staging.join(format!("upload-{}.{extension}", &token[..16]));
                let mut out =
                    md2030_store::create_owned(&path).map_err(|e| Refusal::Io(e.to_string()))?;
                let upload = Upload {
                    path: path.clone(),
                    _owned: out.try_clone().map_err(|e| Refusal::Io(e.to_string()))?,
                };
                let mut field = field;
                let mut bytes: u64 = 0;
                loop {
                    // A body that stops arriving does not hold the connection.
                    let chunk = tokio::time::timeout(BODY_IDLE, field.chunk())
                        .await
                        .map_err(|_| Refusal::BadForm("the upload stalled".into()))?;
                    match chunk {
                        Ok(Some(chunk)) => {
                            bytes += chunk.len() as u64;
                            if bytes > limit {
                                return Err(Refusal::TooLarge);
                            }
                            out.write_all(&chunk).map_err(|e| Refusal::Io(e.to_string()))?;
                        }
                        Ok(None) => break,
                        Err(err) if too_large(&err) => return Err(Refusal::TooLarge),
                        Err(err) => return Err(Refusal::BadForm(err.body_text())),
                    }
                }
                out.sync_all().map_err(|e| Refusal::Io(e.to_string()))?;
                received.file = Some((upload, shown, bytes));
            }
            _ => {}
        }
    }
    Ok(received)
}

/// Receives, validates and stores (pending) one submission; shows the report.
pub(crate) async fn submit(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    Steward(session): Steward,
    request: Request,
) -> Result<Response, AppError> {
    let address = auth::client_address(&request);
    let limit = app.auth.settings.max_upload_bytes;
    let declared = content_length(request.headers());
    let entry = |outcome: &'static str, subject: &str, detail: serde_json::Value| Audit {
        actor: session.account.username.clone(),
        action: "submit",
        subject: subject.to_string(),
        outcome,
        address: address.clone(),
        detail,
    };
    // Refuse an announced oversize body before reading any of it.
    if declared.is_some_and(|n| n > limit + 64 * 1024) {
        app.audit(entry(
            "refused",
            "",
            serde_json::json!({"reason": "too large", "bytes": declared}),
        ))
        .await;
        return Err(too_large(lang, limit));
    }
    let multipart =
        Multipart::from_request(request, &()).await.map_err(|_| AppError::bad_form(lang))?;
    let staging = app.data_dir().join("staging");
    let received = match receive(multipart, &session, &staging, limit).await {
        Ok(received) => received,
        Err(refusal) => {
            if matches!(refusal, Refusal::TooLarge) {
                app.audit(entry("refused", "", serde_json::json!({"reason": "too large"}))).await;
            }
            return Err(refusal.error(lang, limit));
        }
    };
    if !received.csrf_ok {
        return Err(AppError::csrf(lang));
    }
    let Some(contract) = md2030_model::find_contract(&received.dataset) else {
        return Err(AppError::bad_form(lang));
    };
    if !md2030_access::can_submit(&session.account, &contract.producer) {
        app.audit(entry(
            "refused",
            &contract.name,
            serde_json::json!({"reason": "not a steward of this dataset's ministry"}),
        ))
        .await;
        return Ok(forbidden(lang));
    }
    let Some((upload, shown, bytes)) = received.file else {
        return Err(AppError::Refused(StatusCode::BAD_REQUEST, text(lang, "submit-no-file")));
    };
    let period = received.period.trim().to_string();
    let period = (!period.is_empty()).then_some(period);
    let outcome =
        store_pending(&app, &session.account.username, contract, upload, &shown, period).await;
    let outcome = match outcome {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(pending)) => {
            let detail = serde_json::json!({"reason": "pending quota", "pending": pending});
            app.audit(entry("refused", &contract.name, detail)).await;
            let text =
                md2030_view::i18n::text_with(lang, "submit-quota", "count", &pending.to_string());
            return Err(AppError::Refused(StatusCode::TOO_MANY_REQUESTS, text));
        }
        Err(refusal) => {
            if let crate::app::WriteRefusal::Busy(holder) = &refusal {
                app.audit(entry(
                    "refused",
                    &contract.name,
                    serde_json::json!({"reason": "store busy", "writer": holder}),
                ))
                .await;
            }
            return Err(AppError::Write(refusal, lang));
        }
    };
    let mut view = page(&app, &session, lang);
    view.selected = contract.name.clone();
    let report = outcome.report();
    view.report_text = report.render(lang);
    view.issues = issue_rows(report, lang);
    if report.errors > 0 {
        view.report_csv = report_csv(&view.issue_columns, &view.issues);
    }
    let (outcome_word, subject, detail, status) = match &outcome {
        Outcome::Accepted { version, .. } => {
            view.verdict = md2030_view::i18n::text_with(
                lang,
                "submit-pending",
                "version",
                &version.version_id,
            );
            view.verdict_class = "notice";
            let detail =
                serde_json::json!({"file": shown, "bytes": bytes, "rows": version.row_count});
            ("ok", version.version_id.clone(), detail, StatusCode::OK)
        }
        _ => {
            view.verdict = text(lang, "submit-rejected");
            view.verdict_class = "error";
            let detail =
                serde_json::json!({"file": shown, "bytes": bytes, "errors": report.errors});
            ("rejected", contract.name.clone(), detail, StatusCode::UNPROCESSABLE_ENTITY)
        }
    };
    app.audit(entry(outcome_word, &subject, detail)).await;
    if let Outcome::Accepted { version, .. } = &outcome {
        // Post, redirect, get: a reload of the next page does not send the file
        // again. "My datasets" says what was stored.
        let location = format!(
            "/{}/my?sent={}",
            lang.code(),
            md2030_view::format::url_encode(&version.version_id)
        );
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response());
    }
    Ok(render(status, view))
}

/// Stores an upload as a pending version under the writer lock, unless its
/// steward already has `max_pending_per_steward` versions awaiting sign-off
/// (`Ok(Err(count))`).
async fn store_pending(
    app: &Arc<App>,
    username: &str,
    contract: &'static Contract,
    upload: Upload,
    shown: &str,
    period: Option<String>,
) -> Result<Result<Outcome, usize>, crate::app::WriteRefusal> {
    let max_pending = app.auth.settings.max_pending_per_steward;
    let username = username.to_string();
    let shown = shown.to_string();
    let what = format!("submission of {} ({shown})", contract.name);
    app.write(what, format!("web:{username}"), move |_, store| {
        let pending = store
            .pending_versions()
            .map_err(|e| e.to_string())?
            .iter()
            .filter(|v| v.provenance.ingested_by.eq_ignore_ascii_case(&username))
            .count();
        if pending >= max_pending {
            return Ok(Err(pending));
        }
        let config = IngestConfig {
            ingested_by: username,
            ingested_at: auth::rfc3339_now(),
            synthetic: false,
            sheet: None,
            display_name: Some(shown),
            reference_period: period,
        };
        let outcome =
            md2030_ingest::submit_file(store, contract, &upload.path, &config, &mut |_| {});
        drop(upload);
        outcome.map(Ok).map_err(|e| e.to_string())
    })
    .await
}

/// The rows of a validation report's table: row, column, value, the problem in
/// plain language (what the rule expected included), and the rule's code.
fn issue_rows(report: &md2030_ingest::report::Report, lang: Lang) -> Vec<[String; 5]> {
    report
        .issues
        .iter()
        .map(|i| {
            [
                i.row.map(|r| r.to_string()).unwrap_or_default(),
                i.column.clone().unwrap_or_default(),
                i.value.clone().unwrap_or_default(),
                i.message(lang),
                i.rule.as_str().to_string(),
            ]
        })
        .collect()
}

/// The report's table as a `data:` URI of a CSV (UTF-8 with its byte-order mark,
/// for Excel), every cell formula-safe.
fn report_csv(columns: &[String], rows: &[[String; 5]]) -> String {
    let mut text = String::from("\u{FEFF}");
    let line = |cells: &mut dyn Iterator<Item = &String>| {
        cells
            .map(|c| {
                let safe = md2030_model::csv::formula_safe(c);
                format!("\"{}\"", safe.replace('"', "\"\""))
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    text.push_str(&line(&mut columns.iter()));
    text.push_str("\r\n");
    for row in rows {
        text.push_str(&line(&mut row.iter()));
        text.push_str("\r\n");
    }
    format!("data:text/csv;charset=utf-8,{}", md2030_view::format::url_encode(&text))
}

/// 413 naming the upload limit.
fn too_large(lang: Lang, limit: u64) -> AppError {
    let mb = (limit / (1024 * 1024)).to_string();
    let text = md2030_view::i18n::text_with(lang, "submit-too-large", "mb", &mb);
    AppError::Refused(StatusCode::PAYLOAD_TOO_LARGE, text)
}

impl Refusal {
    /// What the steward sees when the upload could not be received.
    fn error(self, lang: Lang, limit: u64) -> AppError {
        match self {
            Refusal::TooLarge => too_large(lang, limit),
            Refusal::Csrf => AppError::csrf(lang),
            Refusal::BadForm(why) => AppError::Refused(
                StatusCode::BAD_REQUEST,
                format!("{}: {why}", text(lang, "bad-form")),
            ),
            Refusal::Io(err) => AppError::Unavailable { what: "receiving an upload", err },
        }
    }
}

/// The body length a request announces, if any.
fn content_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn client_file_names_are_reduced_to_a_safe_display_name() {
        assert_eq!(display_name("../../etc/passwd.csv"), "passwd.csv");
        assert_eq!(display_name("C:\\\\Users\\\\x\\\\talent.xlsx"), "talent.xlsx");
        assert_eq!(display_name("..\\\\..\\\\.bashrc"), "bashrc");
        assert_eq!(display_name("a\u{0}b\r\n.csv"), "ab.csv");
        assert_eq!(display_name(""), "upload");
    }
}
