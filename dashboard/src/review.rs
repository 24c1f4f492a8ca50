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
    preview_word: String,
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
            preview_word: text(lang, "preview-link"),
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

/// One indicator in a preview: its headline now and with the pending version.
#[derive(Debug)]
pub(crate) struct EffectRow {
    name: String,
    link: String,
    before: String,
    after: String,
    /// The value, its period or the status differs.
    changes: bool,
}

#[derive(Template)]
#[template(path = "preview.html")]
pub(crate) struct PreviewPage {
    layout: Layout,
    heading: String,
    back: String,
    version_id: String,
    /// Who sent it, when, the file, the rows it holds.
    facts: Vec<(String, String)>,
    rows_heading: String,
    rows_sentence: String,
    periods: String,
    effects_heading: String,
    effect_columns: Vec<String>,
    effects: Vec<EffectRow>,
    no_effect: String,
    /// When rows change but no figure does: why that can be.
    no_change: String,
    failed: Option<String>,
    action: String,
    can_review: bool,
    why_not: String,
    csrf: String,
    note_label: String,
    publish: String,
    reject: String,
}

/// A headline as one cell: value (period) — status.
fn headline_cell(
    result: Option<&md2030_analytics::indicator::IndicatorResult>,
    unit: &str,
    lang: md2030_model::Lang,
) -> String {
    let Some(result) = result else { return "–".into() };
    let status = text(lang, &format!("status-{}", result.assessment.status.as_str()));
    match &result.latest {
        Some(latest) => format!(
            "{} ({}) — {status}",
            md2030_view::format::ltr_in(
                lang,
                md2030_view::format::in_unit(latest.value, unit, lang)
            ),
            md2030_view::format::period(&latest.period, lang)
        ),
        None => format!("{} — {status}", text(lang, "no-data")),
    }
}

/// `/{lang}/review/DATASET/N`: what publishing a pending version would change,
/// its rows against the current version and the indicators that read it, with
/// the sign-off form for those who may give it. For the ministry's stewards, the
/// viewers and admins (as the list); computed once per published state.
pub(crate) async fn preview_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    axum::extract::Path((_, dataset, version_no)): axum::extract::Path<(String, String, i64)>,
    axum::Extension(visitor): axum::Extension<Visitor>,
) -> Result<Response, AppError> {
    let code = lang.code();
    let Some(session) = visitor.session() else {
        return Ok(to_signin(lang, &format!("/{code}/review/{dataset}/{version_no}")));
    };
    let account = &session.account;
    let contract = md2030_model::find_contract(&dataset)
        .filter(|c| md2030_access::can_see_pending(account, &c.producer))
        .ok_or(AppError::NotFound("no pending version of this dataset for this account"))?;
    let wanted = dataset.clone();
    let version = app
        .with_store(move |s| {
            Ok(s.versions(&wanted)?.into_iter().find(|v| {
                v.version_no == version_no && v.status == md2030_store::VersionStatus::Pending
            }))
        })
        .await
        .map_err(catalogue("reading the pending version"))?
        .ok_or(AppError::NotFound("no pending version with this number"))?;
    let snapshot = app.snapshot();
    let cached = snapshot.previews.lock().ok().and_then(|p| p.get(&version.version_id).cloned());
    let preview = match cached {
        Some(preview) => Ok(preview),
        None => {
            let (data_dir, pending) = (app.data_dir.clone(), version.clone());
            let computed = crate::error::blocking("computing the preview", move || {
                let store =
                    md2030_store::Store::open_read_only(&data_dir).map_err(|e| e.to_string())?;
                md2030_results::preview::preview(&store, &pending).map_err(|e| e.to_string())
            })
            .await;
            computed.map(|preview| {
                let preview = Arc::new(preview);
                if let Ok(mut previews) = snapshot.previews.lock() {
                    previews.insert(version.version_id.clone(), preview.clone());
                }
                preview
            })
        }
    };
    let catalog = &snapshot.published.catalog;
    let number = |n: u64| md2030_view::format::number(n as f64, 0, lang);
    let (rows_sentence, periods, effects, no_change, failed) = match &preview {
        Ok(preview) => {
            let r = &preview.rows;
            let rows_sentence = match &preview.against {
                Some(against) => md2030_view::i18n::text_args(
                    lang,
                    "preview-rows",
                    &[
                        ("against", md2030_view::format::ltr_in(lang, against.clone())),
                        ("added", number(r.added)),
                        ("removed", number(r.removed)),
                        ("changed", number(r.changed)),
                        ("unchanged", number(r.unchanged)),
                    ],
                ),
                None => md2030_view::i18n::text_args(
                    lang,
                    "preview-rows-first",
                    &[("added", number(r.added))],
                ),
            };
            let periods = if r.periods.is_empty() {
                String::new()
            } else {
                let shown: Vec<String> =
                    r.periods.iter().map(|p| md2030_view::format::period(p, lang)).collect();
                md2030_view::i18n::text_with(lang, "preview-periods", "periods", &shown.join(", "))
            };
            let effects = preview
                .effects
                .iter()
                .filter_map(|effect| {
                    let indicator = catalog.indicator(&effect.id)?;
                    Some(EffectRow {
                        name: indicator.name.get(lang).to_string(),
                        link: format!("/{code}/indicator/{}", effect.id),
                        before: headline_cell(effect.before.as_ref(), &indicator.unit, lang),
                        after: headline_cell(Some(&effect.after), &indicator.unit, lang),
                        changes: effect.changes(),
                    })
                })
                .collect::<Vec<EffectRow>>();
            let touched = r.added + r.removed + r.changed > 0;
            let no_change = if touched && !effects.is_empty() && effects.iter().all(|e| !e.changes)
            {
                md2030_view::i18n::text_with(
                    lang,
                    "preview-no-change",
                    "date",
                    &md2030_view::format::date(&preview.as_of.to_string(), lang),
                )
            } else {
                String::new()
            };
            (rows_sentence, periods, effects, no_change, None)
        }
        Err(err) => {
            tracing::error!(?err, version = %version.version_id, "preview failed");
            let failed = Some(text(lang, "preview-failed"));
            (String::new(), String::new(), Vec::new(), String::new(), failed)
        }
    };
    let own = version.provenance.ingested_by.eq_ignore_ascii_case(&account.username);
    let steward = md2030_access::can_submit(account, &contract.producer);
    let facts = vec![
        (text(lang, "review-col-dataset"), contract.titles.get(lang).to_string()),
        (text(lang, "review-col-by"), version.provenance.ingested_by.clone()),
        (
            text(lang, "review-col-at"),
            md2030_view::format::date(&version.provenance.ingested_at, lang),
        ),
        (text(lang, "review-col-source"), version.provenance.source_file_name.clone()),
        (text(lang, "review-col-rows"), crate::mine::stored_detail(&version, lang)),
    ];
    Ok(html(
        StatusCode::OK,
        PreviewPage {
            layout: layout(lang, "review", snapshot.published.synthetic()),
            heading: md2030_view::i18n::text_with(
                lang,
                "preview-heading",
                "version",
                &md2030_view::format::ltr_in(lang, version.version_id.clone()),
            ),
            back: text(lang, "review-heading"),
            facts,
            rows_heading: text(lang, "preview-rows-heading"),
            rows_sentence,
            periods,
            effects_heading: text(lang, "preview-effects"),
            effect_columns: ["indicator", "preview-before", "preview-after"]
                .iter()
                .map(|k| text(lang, k))
                .collect(),
            effects,
            no_effect: text(lang, "preview-no-effect"),
            no_change,
            failed,
            action: format!("/{code}/review/{dataset}/{version_no}"),
            can_review: steward && !own,
            why_not: if steward && own { text(lang, "review-own") } else { String::new() },
            csrf: session.csrf_token.clone(),
            note_label: text(lang, "review-note"),
            publish: text(lang, "review-publish"),
            reject: text(lang, "review-reject"),
            version_id: version.version_id,
        }
        .render(),
    ))
}
