//! The secretariat's judgments: for each targeted indicator and cycle, the
//! likelihood of delivery on four levels, with rationale, evidence, author and
//! date, shown beside the computed status (never instead of it) and flagged when
//! greener; every judgment kept. Read by signed-in accounts only: a judgment is
//! the Commission's, not yet a publication.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use md2030_model::Lang;
use md2030_store::steering::{Judgment, Rating};
use md2030_view::i18n::{text, text_args, texts};
use serde::Deserialize;

use crate::App;
use crate::account::{Checked, WithCsrf, checked_form, forbidden, html, to_signin};
use crate::auth::{Audit, Visitor};
use crate::error::{AppError, catalogue};
use crate::layout::{Layout, PageLang, layout};

const MAX_TEXT: usize = 1000;

/// One judgment as the page shows it.
#[derive(Debug)]
pub(crate) struct JudgmentView {
    rating: &'static str,
    rating_text: String,
    cycle: String,
    rationale: String,
    evidence: Vec<String>,
    byline: String,
    /// Greener than the computed status it was given beside.
    greener: bool,
}

/// One targeted indicator with its computed status and its judgments.
#[derive(Debug)]
pub(crate) struct JudgedRow {
    link: String,
    name: String,
    status: &'static str,
    status_text: String,
    latest: Option<JudgmentView>,
    history: Vec<JudgmentView>,
    /// The latest judgment is greener than today's computed status.
    flagged: bool,
}

#[derive(Template)]
#[template(path = "judgments.html")]
pub(crate) struct JudgmentsPage {
    layout: Layout,
    heading: String,
    intro: String,
    message: String,
    columns: Vec<String>,
    rows: Vec<JudgedRow>,
    flag: String,
    history_label: String,
    none: String,
    can_judge: bool,
    csrf: String,
    form: (String, String, String, String, String, String, String),
    indicators: Vec<(String, String)>,
    ratings: Vec<(&'static str, String)>,
    default_cycle: String,
}

fn view(j: &Judgment, lang: Lang) -> JudgmentView {
    let computed = md2030_analytics::progress::ProgressStatus::parse(&j.computed_status);
    JudgmentView {
        rating: j.rating.as_str(),
        rating_text: text(lang, &format!("rating-{}", j.rating.as_str())),
        cycle: j.cycle.clone(),
        rationale: j.rationale.clone(),
        evidence: j.evidence.clone(),
        byline: text_args(
            lang,
            "judgment-byline",
            &[
                ("name", j.author.clone()),
                ("date", md2030_view::format::date(&j.recorded_at, lang)),
                ("status", text(lang, &format!("status-{}", j.computed_status))),
            ],
        ),
        greener: computed.is_some_and(|c| md2030_view::steering::greener(j.rating, c)),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

/// `/{lang}/judgments`: every targeted indicator, its computed status, its latest
/// judgment (flagged when greener) and their history; the secretariat's form.
pub(crate) async fn judgments_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    axum::Extension(visitor): axum::Extension<Visitor>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let code = lang.code();
    let Some(session) = visitor.session() else {
        return Ok(to_signin(lang, &format!("/{code}/judgments")));
    };
    let judgments =
        app.with_store(|s| s.judgments()).await.map_err(catalogue("reading the judgments"))?;
    let snapshot = app.snapshot();
    let catalog = &snapshot.published.catalog;
    let targeted: Vec<(
        &md2030_analytics::catalog::Indicator,
        &md2030_analytics::indicator::IndicatorResult,
    )> = catalog
        .indicators
        .iter()
        .filter_map(|i| Some((i, &snapshot.published.results.as_ref()?.indicator(&i.id)?.headline)))
        .filter(|(_, r)| r.target.is_some())
        .collect();
    let rows = targeted
        .iter()
        .map(|(indicator, result)| {
            let mine: Vec<&Judgment> =
                judgments.iter().filter(|j| j.indicator == indicator.id).collect();
            let latest = mine.last().map(|j| view(j, lang));
            let flagged = mine.last().is_some_and(|j| {
                md2030_view::steering::greener(j.rating, result.assessment.status)
            });
            JudgedRow {
                link: format!("/{code}/indicator/{}", indicator.id),
                name: indicator.name.get(lang).to_string(),
                status: result.assessment.status.as_str(),
                status_text: text(lang, &format!("status-{}", result.assessment.status.as_str())),
                latest,
                history: mine.iter().rev().skip(1).map(|j| view(j, lang)).collect(),
                flagged,
            }
        })
        .collect();
    let message = match query.done.as_deref() {
        Some("recorded") => text(lang, "judgments-done"),
        _ => String::new(),
    };
    Ok(html(
        StatusCode::OK,
        JudgmentsPage {
            layout: layout(lang, "judgments", snapshot.published.synthetic()),
            heading: text(lang, "judgments-heading"),
            intro: text(lang, "judgments-intro"),
            message,
            columns: texts(lang, &["indicator", "progress", "judgments-col-latest"]),
            rows,
            flag: text(lang, "judgments-greener"),
            history_label: text(lang, "judgments-history"),
            none: text(lang, "judgments-none"),
            can_judge: md2030_access::can_judge(&session.account),
            csrf: session.csrf_token.clone(),
            form: (
                text(lang, "judgments-record"),
                text(lang, "indicator"),
                text(lang, "judgments-cycle"),
                text(lang, "judgments-rating"),
                text(lang, "judgments-rationale"),
                text(lang, "decisions-evidence"),
                text(lang, "judgments-submit"),
            ),
            indicators: targeted
                .iter()
                .map(|(i, _)| (i.id.clone(), i.name.get(lang).to_string()))
                .collect(),
            ratings: Rating::ALL
                .iter()
                .map(|r| (r.as_str(), text(lang, &format!("rating-{}", r.as_str()))))
                .collect(),
            default_cycle: chrono::Utc::now().format("%Y-%m").to_string(),
        }
        .render(),
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct JudgmentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    cycle: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    rationale: String,
    #[serde(default)]
    evidence: String,
}

impl WithCsrf for JudgmentForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /{lang}/judgments`: the secretariat records a judgment of a targeted
/// indicator, beside its computed status of the moment (kept with it).
pub(crate) async fn record_judgment(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    axum::Extension(visitor): axum::Extension<Visitor>,
    request: Request,
) -> Result<Response, AppError> {
    let Checked { form, session, address } =
        checked_form::<JudgmentForm>(request, &visitor, lang).await?;
    let account = session.account;
    let audit = |outcome: &'static str, detail: serde_json::Value| Audit {
        actor: account.username.clone(),
        action: "record_judgment",
        subject: form.indicator.chars().take(80).collect(),
        outcome,
        address: address.clone(),
        detail,
    };
    if !md2030_access::can_judge(&account) {
        app.audit(audit("refused", serde_json::json!({"reason": "not the secretariat"}))).await;
        return Ok(forbidden(lang));
    }
    let snapshot = app.snapshot();
    let Some(result) = snapshot
        .published
        .results
        .as_ref()
        .and_then(|r| r.indicator(&form.indicator))
        .map(|r| &r.headline)
        .filter(|r| r.target.is_some())
    else {
        return Err(AppError::Refused(
            StatusCode::BAD_REQUEST,
            text(lang, "judgments-bad-indicator"),
        ));
    };
    let Some(rating) = Rating::parse(&form.rating) else {
        return Err(AppError::bad_form(lang));
    };
    let cycle = crate::decisions::clean(&form.cycle, 20);
    let rationale = crate::decisions::clean(&form.rationale, MAX_TEXT);
    if cycle.is_empty() || rationale.is_empty() {
        return Err(AppError::Refused(StatusCode::BAD_REQUEST, text(lang, "judgments-bad-form")));
    }
    let Some(evidence) = crate::decisions::links(&form.evidence) else {
        return Err(AppError::Refused(
            StatusCode::BAD_REQUEST,
            text(lang, "decisions-bad-evidence"),
        ));
    };
    let computed = result.assessment.status.as_str().to_string();
    let greener = md2030_view::steering::greener(rating, result.assessment.status);
    let detail = serde_json::json!({
        "cycle": cycle, "rating": rating.as_str(), "computed_status": computed, "greener": greener,
    });
    let (indicator, by) = (form.indicator.clone(), account.username.clone());
    app.with_store(move |s| {
        s.record_judgment(
            &indicator,
            &cycle,
            rating,
            &rationale,
            &evidence,
            &computed,
            &by,
            &crate::auth::rfc3339_now(),
        )
    })
    .await
    .map_err(catalogue("recording the judgment"))?;
    app.audit(audit("ok", detail)).await;
    let location = format!("/{}/judgments?done=recorded", lang.code());
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

/// One archived stocktake pack as the packs page lists it.
#[derive(Debug)]
pub(crate) struct PackRow {
    id: String,
    meeting: String,
    built: String,
    trigger: String,
    files: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "packs.html")]
pub(crate) struct PacksPage {
    layout: Layout,
    heading: String,
    intro: String,
    columns: Vec<String>,
    rows: Vec<PackRow>,
    none: String,
}

/// `/{lang}/packs` (signed-in): the archived stocktake packs, newest first, each
/// language's PDF to download. A pack carries the secretariat's judgments: not
/// for anonymous visitors.
pub(crate) async fn packs_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    axum::Extension(visitor): axum::Extension<Visitor>,
) -> Result<Response, AppError> {
    let code = lang.code();
    if visitor.session().is_none() {
        return Ok(to_signin(lang, &format!("/{code}/packs")));
    }
    let packs = app.with_store(|s| s.packs()).await.map_err(catalogue("reading the packs"))?;
    let rows = packs
        .iter()
        .map(|p| PackRow {
            id: p.pack_id.clone(),
            meeting: md2030_view::format::date(&p.meeting_date, lang),
            built: md2030_view::format::date(&p.built_at, lang),
            trigger: p.trigger.clone(),
            files: p
                .files
                .iter()
                .map(|f| (format!("/download/pack/p{}-{}.pdf", p.pack_no, f.lang), f.lang.clone()))
                .collect(),
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        PacksPage {
            layout: layout(lang, "packs", app.snapshot().published.synthetic()),
            heading: text(lang, "packs-heading"),
            intro: text(lang, "packs-intro"),
            columns: texts(
                lang,
                &[
                    "packs-col-pack",
                    "decisions-meeting-date",
                    "packs-col-built",
                    "packs-col-trigger",
                    "downloads",
                ],
            ),
            rows,
            none: text(lang, "pack-none"),
        }
        .render(),
    ))
}

/// `/download/pack/pN-LANG.pdf` (signed-in): an archived pack's PDF, checked
/// against its recorded SHA-256.
pub(crate) async fn download_pack(
    State(app): State<Arc<App>>,
    axum::extract::Path(file): axum::extract::Path<String>,
    axum::Extension(visitor): axum::Extension<Visitor>,
) -> Result<Response, AppError> {
    if visitor.session().is_none() {
        return Err(AppError::Refused(
            StatusCode::UNAUTHORIZED,
            "sign in to download a pack".into(),
        ));
    }
    let parsed = file
        .strip_prefix('p')
        .and_then(|f| f.strip_suffix(".pdf"))
        .and_then(|f| f.split_once('-'))
        .and_then(|(n, l)| Some((n.parse::<i64>().ok()?, Lang::from_code(l)?)));
    let (pack_no, lang) = parsed.ok_or(AppError::NotFound("archived packs are pN-LANG.pdf"))?;
    let data_dir = app.data_dir.clone();
    let found = crate::error::blocking("reading the archived pack", move || {
        let store = md2030_store::Store::open_read_only(&data_dir)?;
        let Some(pack) = store.packs()?.into_iter().find(|p| p.pack_no == pack_no) else {
            return Ok(None);
        };
        let bytes = store.read_pack(&pack, lang.code())?;
        Ok::<_, md2030_store::Error>(
            bytes.map(|b| (md2030_briefing::pack::file_name(&pack, lang), b)),
        )
    })
    .await?;
    let (name, bytes) = found.ok_or(AppError::NotFound("no such archived pack"))?;
    let disposition =
        axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .unwrap_or(axum::http::HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/pdf")),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, axum::http::HeaderValue::from_static("private, no-store")),
        ],
        bytes,
    )
        .into_response())
}
