//! The review of submitted versions: the list awaiting sign-off and the
//! decision (publish or reject) by a steward of the ministry or an admin, under the
//! store's writer lock, followed by the recompute.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::App;
use crate::account::{Checked, WithCsrf, checked_form, forbidden, html, to_signin};
use crate::auth::{self, Audit, Visitor};
use crate::error::{AppError, catalogue};
use crate::layout::{Layout, PageLang, layout};
use md2030_view::i18n::text;

impl WithCsrf for ReviewForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// One pending version as the review page shows it.
#[derive(Debug)]
pub(crate) struct PendingRow {
    version_id: String,
    title: String,
    producer: String,
    submitted_by: String,
    submitted_at: String,
    /// Rows read, kept from and replaced in the version it builds on, warnings.
    rows: String,
    source: String,
    warnings: u64,
    action: String,
    /// The visitor may sign it off (a steward of the ministry, not the submitter).
    can_review: bool,
    /// Why not, when the visitor is a steward of the ministry.
    why_not: String,
}

#[derive(Template)]
#[template(path = "review.html")]
pub(crate) struct ReviewPage {
    layout: Layout,
    heading: String,
    intro: String,
    none: String,
    columns: Vec<String>,
    rows: Vec<PendingRow>,
    csrf: String,
    note_label: String,
    publish: String,
    reject: String,
    message: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct MessageQuery {
    done: Option<String>,
}

/// The versions awaiting sign-off that the visitor may see.
pub(crate) async fn review_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    axum::Extension(visitor): axum::Extension<Visitor>,
    Query(query): Query<MessageQuery>,
) -> Result<Response, AppError> {
    let code = lang.code();
    let Some(session) = visitor.session() else {
        return Ok(to_signin(lang, &format!("/{code}/review")));
    };
    let pending = app
        .with_store(|s| s.pending_versions())
        .await
        .map_err(catalogue("reading the pending versions"))?;
    let account = &session.account;
    let rows = pending
        .into_iter()
        .filter_map(|v| {
            let contract = md2030_model::find_contract(&v.dataset)?;
            if !md2030_access::can_see_pending(account, &contract.producer) {
                return None;
            }
            let own = v.provenance.ingested_by.eq_ignore_ascii_case(&account.username);
            let steward = md2030_access::can_submit(account, &contract.producer);
            Some(PendingRow {
                action: format!("/{code}/review/{}/{}", v.dataset, v.version_no),
                title: contract.titles.get(lang).to_string(),
                producer: contract.producer.clone(),
                submitted_by: v.provenance.ingested_by.clone(),
                submitted_at: md2030_view::format::date(&v.provenance.ingested_at, lang),
                rows: crate::mine::stored_detail(&v, lang),
                source: v.provenance.source_file_name.clone(),
                warnings: v
                    .provenance
                    .validation
                    .get("warnings")
                    .and_then(|w| w.as_u64())
                    .unwrap_or(0),
                can_review: steward && !own,
                why_not: if steward && own { text(lang, "review-own") } else { String::new() },
                version_id: v.version_id,
            })
        })
        .collect();
    let message = match query.done.as_deref() {
        Some("published") => text(lang, "review-done-published"),
        Some("rejected") => text(lang, "review-done-rejected"),
        _ => String::new(),
    };
    Ok(html(
        StatusCode::OK,
        ReviewPage {
            layout: layout(lang, "review", app.snapshot().published.synthetic()),
            heading: text(lang, "review-heading"),
            intro: text(lang, "review-intro"),
            none: text(lang, "review-none"),
            columns: ["version", "dataset", "producer", "by", "at", "rows", "source", "warnings"]
                .iter()
                .map(|c| text(lang, &format!("review-col-{c}")))
                .collect(),
            rows,
            csrf: session.csrf_token.clone(),
            note_label: text(lang, "review-note"),
            publish: text(lang, "review-publish"),
            reject: text(lang, "review-reject"),
            message,
        }
        .render(),
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

/// Signs off or rejects a pending version: a steward of the dataset's ministry
/// who did not submit it. Publishing makes it current and recomputes the results.
pub(crate) async fn review(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    axum::extract::Path((_, dataset, version_no)): axum::extract::Path<(String, String, i64)>,
    axum::Extension(visitor): axum::Extension<Visitor>,
    request: Request,
) -> Result<Response, AppError> {
    let Checked { form, session, address } =
        checked_form::<ReviewForm>(request, &visitor, lang).await?;
    let account = session.account;
    let subject = md2030_store::version_id(&dataset, version_no);
    let decision = match form.decision.as_str() {
        "publish" => md2030_store::Decision::Publish,
        "reject" => md2030_store::Decision::Reject,
        _ => return Err(AppError::bad_form(lang)),
    };
    let action = if decision == md2030_store::Decision::Publish { "publish" } else { "reject" };
    let entry = |outcome: &'static str, detail: serde_json::Value| Audit {
        actor: account.username.clone(),
        action,
        subject: subject.clone(),
        outcome,
        address: address.clone(),
        detail,
    };
    let allowed = md2030_model::find_contract(&dataset)
        .is_some_and(|c| md2030_access::can_submit(&account, &c.producer));
    if !allowed {
        app.audit(entry(
            "refused",
            serde_json::json!({"reason": "not a steward of this dataset's ministry"}),
        ))
        .await;
        return Ok(forbidden(lang));
    }
    let note: String = form.note.chars().filter(|c| !c.is_control()).take(500).collect();
    let (reviewed_dataset, username, reviewed_note) =
        (dataset.clone(), account.username.clone(), note.clone());
    let what = format!("{action} of {subject}");
    let reviewed = app
        .write(what, format!("web:{}", account.username), move |app, s| {
            let now = auth::rfc3339_now();
            let reviewed = match s.review(
                &reviewed_dataset,
                version_no,
                decision,
                &username,
                &reviewed_note,
                &now,
            ) {
                Ok(reviewed) => reviewed,
                Err(md2030_store::Error::NoSuchVersion { .. }) => return Ok(None),
                Err(err) => return Err(err.to_string()),
            };
            if reviewed.is_ok() && decision == md2030_store::Decision::Publish {
                // Under the same lock: the figures follow the publication.
                app.recompute_blocking(s, &format!("web:{username}"));
            }
            Ok(Some(reviewed))
        })
        .await
        .map_err(|refusal| AppError::Write(refusal, lang))?;
    match reviewed {
        Some(Ok(_)) => {
            app.audit(entry("ok", serde_json::json!({"note": note}))).await;
            let done = if action == "publish" { "published" } else { "rejected" };
            let location = format!("/{}/review?done={done}", lang.code());
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
        }
        Some(Err(refusal)) => {
            app.audit(entry("refused", serde_json::json!({"reason": refusal.to_string()}))).await;
            Err(AppError::Refused(StatusCode::CONFLICT, refusal.to_string()))
        }
        None => Err(AppError::Refused(StatusCode::NOT_FOUND, text(lang, "review-none"))),
    }
}
