//! A steward's own page: the datasets of their ministries (the period due next,
//! whether it is late, the current version, the submission templates) and their
//! submissions with the outcome of each review, the reviewer and the note.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use md2030_model::Lang;
use md2030_store::{VersionRecord, VersionStatus};
use md2030_view::i18n::{text, text_args};

use crate::App;
use crate::account::html;
use crate::error::{AppError, catalogue};
use crate::layout::{Layout, PageLang, layout};
use crate::roles::Steward;

/// The submission templates, generated from the contracts by `md2030 templates`
/// into `data/templates` and compiled in.
pub(crate) const TEMPLATES: &[TemplateFiles] = &[
    (
        "add_shared_systems",
        include_bytes!("../../data/templates/add_shared_systems.csv"),
        include_bytes!("../../data/templates/add_shared_systems.xlsx"),
        include_bytes!("../../data/templates/add_shared_systems.example.csv"),
    ),
    (
        "ambassadors",
        include_bytes!("../../data/templates/ambassadors.csv"),
        include_bytes!("../../data/templates/ambassadors.xlsx"),
        include_bytes!("../../data/templates/ambassadors.example.csv"),
    ),
    (
        "civil_servant_training",
        include_bytes!("../../data/templates/civil_servant_training.csv"),
        include_bytes!("../../data/templates/civil_servant_training.xlsx"),
        include_bytes!("../../data/templates/civil_servant_training.example.csv"),
    ),
    (
        "connectivity",
        include_bytes!("../../data/templates/connectivity.csv"),
        include_bytes!("../../data/templates/connectivity.xlsx"),
        include_bytes!("../../data/templates/connectivity.example.csv"),
    ),
    (
        "offshoring",
        include_bytes!("../../data/templates/offshoring.csv"),
        include_bytes!("../../data/templates/offshoring.xlsx"),
        include_bytes!("../../data/templates/offshoring.example.csv"),
    ),
    (
        "platforms",
        include_bytes!("../../data/templates/platforms.csv"),
        include_bytes!("../../data/templates/platforms.xlsx"),
        include_bytes!("../../data/templates/platforms.example.csv"),
    ),
    (
        "procedures",
        include_bytes!("../../data/templates/procedures.csv"),
        include_bytes!("../../data/templates/procedures.xlsx"),
        include_bytes!("../../data/templates/procedures.example.csv"),
    ),
    (
        "service_transactions",
        include_bytes!("../../data/templates/service_transactions.csv"),
        include_bytes!("../../data/templates/service_transactions.xlsx"),
        include_bytes!("../../data/templates/service_transactions.example.csv"),
    ),
    (
        "sme_survey",
        include_bytes!("../../data/templates/sme_survey.csv"),
        include_bytes!("../../data/templates/sme_survey.xlsx"),
        include_bytes!("../../data/templates/sme_survey.example.csv"),
    ),
    (
        "startup_funding",
        include_bytes!("../../data/templates/startup_funding.csv"),
        include_bytes!("../../data/templates/startup_funding.xlsx"),
        include_bytes!("../../data/templates/startup_funding.example.csv"),
    ),
    (
        "startups",
        include_bytes!("../../data/templates/startups.csv"),
        include_bytes!("../../data/templates/startups.xlsx"),
        include_bytes!("../../data/templates/startups.example.csv"),
    ),
    (
        "talent",
        include_bytes!("../../data/templates/talent.csv"),
        include_bytes!("../../data/templates/talent.xlsx"),
        include_bytes!("../../data/templates/talent.example.csv"),
    ),
];

/// One dataset's templates: (dataset, CSV, XLSX, example CSV).
pub(crate) type TemplateFiles = (&'static str, &'static [u8], &'static [u8], &'static [u8]);

/// `/download/template/DATASET.csv` or `.xlsx`: the empty file a steward fills in
/// (the workbook also holds example rows and the allowed codes);
/// `DATASET.example.csv`: the header and a few rows as the validator accepts them.
pub(crate) async fn download_template(Path(file): Path<String>) -> Result<Response, AppError> {
    let (dataset, extension) = file.split_once('.').unwrap_or((file.as_str(), ""));
    let Some((_, csv, xlsx, example)) = TEMPLATES.iter().find(|t| t.0 == dataset) else {
        return Err(AppError::NotFound("no template for this dataset"));
    };
    let (bytes, content_type) = match extension {
        "csv" => (*csv, "text/csv; charset=utf-8"),
        "example.csv" => (*example, "text/csv; charset=utf-8"),
        "xlsx" => (*xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        _ => {
            return Err(AppError::NotFound(
                "templates are DATASET.csv, DATASET.example.csv or DATASET.xlsx",
            ));
        }
    };
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"md2030-{dataset}.{extension}\""))
            .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        bytes,
    )
        .into_response())
}

/// One of the steward's submissions.
pub(crate) struct MySubmission {
    version: String,
    file: String,
    at: String,
    status: &'static str,
    status_text: String,
    /// "karim, 3 décembre 2026" once reviewed.
    reviewer: String,
    note: String,
    /// While it awaits sign-off: the page of what it would change.
    preview: Option<String>,
}

#[derive(Template)]
#[template(path = "mine.html")]
pub(crate) struct MinePage {
    layout: Layout,
    /// After an upload: the version stored, awaiting sign-off, what it holds, and
    /// the link to what it would change.
    notice: Option<(String, String, String)>,
    preview_word: String,
    heading: String,
    intro: String,
    datasets: Vec<md2030_view::league::DatasetDue>,
    dataset_columns: Vec<String>,
    submissions: Vec<MySubmission>,
    submission_columns: Vec<String>,
    submissions_heading: String,
    none: String,
    late_word: String,
    submit_word: String,
    example_word: String,
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct MineQuery {
    /// The version just submitted (after the upload's redirect).
    sent: Option<String>,
}

/// "My datasets": what a steward owes and what became of what they sent; after an
/// upload, what was stored.
pub(crate) async fn my_datasets_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    Steward(session): Steward,
    axum::extract::Query(query): axum::extract::Query<MineQuery>,
) -> Result<Response, AppError> {
    let username = session.account.username.clone();
    let mine = app
        .with_store(move |s| s.versions_by(&username, 50))
        .await
        .map_err(catalogue("reading the steward's submissions"))?;
    let snapshot = app.snapshot();
    let datasets = md2030_model::contracts()
        .iter()
        .filter(|c| md2030_access::can_submit(&session.account, &c.producer))
        .map(|c| md2030_view::league::dataset_due(c, &snapshot.published, lang))
        .collect();
    let notice = query
        .sent
        .and_then(|sent| mine.iter().find(|v| v.version_id == sent))
        .map(|v| sent_notice(v, lang));
    let submissions = mine.iter().map(|v| my_submission(v, lang)).collect();
    Ok(html(
        StatusCode::OK,
        MinePage {
            // The figures these datasets feed are sample data: said here too.
            layout: layout(lang, "my", snapshot.published.synthetic()),
            notice,
            heading: text(lang, "nav-mine"),
            intro: text(lang, "mine-intro"),
            datasets,
            dataset_columns: md2030_view::i18n::texts(
                lang,
                &["dataset", "producer", "mine-current", "col-next-data", "mine-templates"],
            ),
            submissions,
            submission_columns: md2030_view::i18n::texts(
                lang,
                &[
                    "version",
                    "source-file",
                    "mine-sent",
                    "col-status",
                    "mine-reviewer",
                    "mine-note",
                ],
            ),
            submissions_heading: text(lang, "mine-submissions"),
            none: text(lang, "mine-none"),
            late_word: text(lang, "mine-late"),
            submit_word: text(lang, "nav-submit"),
            example_word: text(lang, "template-example"),
            preview_word: text(lang, "preview-link"),
        }
        .render(),
    ))
}

/// What an accepted upload stored, as its steward is told after the redirect:
/// the sentence, then [`stored_detail`].
fn sent_notice(v: &VersionRecord, lang: Lang) -> (String, String, String) {
    let sentence = md2030_view::i18n::text_with(lang, "submit-pending", "version", &v.version_id);
    (sentence, stored_detail(v, lang), preview_path(v, lang))
}

/// The page of what a pending version would change (`/{lang}/review/DATASET/N`).
pub(crate) fn preview_path(v: &VersionRecord, lang: Lang) -> String {
    format!("/{}/review/{}/{}", lang.code(), v.dataset, v.version_no)
}

/// A submitted version against the version it builds on: rows read, kept, replaced,
/// and its warnings (the steward's notice and the reviewer's row).
pub(crate) fn stored_detail(v: &VersionRecord, lang: Lang) -> String {
    let number = |n: u64| md2030_view::format::number(n as f64, 0, lang);
    let p = &v.provenance;
    let parent = p
        .parent_version_no
        .map(|n| md2030_store::version_id(&v.dataset, n))
        .unwrap_or_else(|| "–".into());
    text_args(
        lang,
        "mine-sent-detail",
        &[
            ("rows", number(p.rows_from_file)),
            ("kept", number(p.rows_kept_from_parent)),
            ("replaced", number(p.rows_replaced)),
            ("parent", parent),
            ("warnings", number(p.validation["warnings"].as_u64().unwrap_or(0))),
        ],
    )
}

fn my_submission(v: &VersionRecord, lang: Lang) -> MySubmission {
    let status = match v.status {
        VersionStatus::Pending => "pending",
        VersionStatus::Published => "published",
        VersionStatus::Rejected => "rejected",
    };
    MySubmission {
        version: v.version_id.clone(),
        file: v.provenance.source_file_name.clone(),
        at: md2030_view::format::date(&v.provenance.ingested_at, lang),
        status,
        status_text: text(lang, &format!("mine-status-{status}")),
        reviewer: match (&v.reviewed_by, &v.reviewed_at) {
            (Some(by), Some(at)) => format!("{by}, {}", md2030_view::format::date(at, lang)),
            (Some(by), None) => by.clone(),
            _ => String::new(),
        },
        note: v.review_note.clone().unwrap_or_default(),
        preview: (v.status == VersionStatus::Pending).then(|| preview_path(v, lang)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_ministry_dataset_has_its_templates_compiled_in() {
        for contract in md2030_model::contracts()
            .iter()
            .filter(|c| c.kind == md2030_model::DatasetKind::Ministry)
        {
            let found = super::TEMPLATES.iter().find(|t| t.0 == contract.name);
            let (_, csv, xlsx, example) =
                found.unwrap_or_else(|| panic!("no template for {}", contract.name));
            let header = std::str::from_utf8(csv).unwrap().lines().next().unwrap().to_string();
            let names: Vec<&str> = contract.fields.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(header, names.join(","), "{}", contract.name);
            let example = std::str::from_utf8(example).unwrap();
            assert_eq!(example.lines().next(), Some(header.as_str()), "{}", contract.name);
            assert!(example.lines().count() > 1, "{}: no example row", contract.name);
            assert_eq!(&xlsx[..2], b"PK", "{}: not an XLSX (zip)", contract.name);
        }
    }
}
