//! The register of the Commission's decisions: each meeting's numbered points, their
//! owner, due date, the indicators they are meant to move and their status; the
//! secretariat records decisions from the minutes, stewards of the owner post
//! status updates, another person confirms them (maker-checker). Every write is
//! audited and answers with a redirect (post, redirect, get); the history is kept.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use md2030_model::Lang;
use md2030_store::steering::{Decision, NewPoint, PointStatus, PointUpdate};
use md2030_view::i18n::{text, text_args, texts};
use serde::Deserialize;

use crate::App;
use crate::account::{Checked, WithCsrf, checked_form, forbidden, html};
use crate::auth::{Audit, Visitor};
use crate::error::{AppError, catalogue};
use crate::layout::{Layout, PageLang, layout};

/// Points a decision form offers.
pub(crate) const FORM_POINTS: usize = 4;
/// Longest texts kept (characters).
const MAX_TEXT: usize = 500;
const MAX_TITLE: usize = 200;
/// Evidence links per update, and their longest.
const MAX_LINKS: usize = 5;
const MAX_LINK: usize = 300;

/// A text from a form: control characters dropped, trimmed, at most `max`
/// characters.
pub(crate) fn clean(text: &str, max: usize) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect::<String>()
        .trim()
        .chars()
        .take(max)
        .collect()
}

fn is_date(text: &str) -> bool {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

/// The evidence links of a form, one per line: http(s) only, at most
/// [`MAX_LINKS`]; `None` when one is not a link.
pub(crate) fn links(text: &str) -> Option<Vec<String>> {
    let links: Vec<String> =
        text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
    let ok = links.len() <= MAX_LINKS
        && links.iter().all(|l| {
            l.chars().count() <= MAX_LINK
                && (l.starts_with("https://") || l.starts_with("http://"))
                && !l.chars().any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>')
        });
    ok.then_some(links)
}

/// The ministries and agencies a point may be owned by: (code, name).
fn owners(lang: Lang) -> Vec<(String, String)> {
    md2030_model::reference::reference_table("ministries")
        .map(|t| {
            t.rows
                .iter()
                .filter(|r| r.column("kind") != Some("international"))
                .map(|r| (r.code.clone(), r.name(lang).to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// A point as the register shows it.
#[derive(Debug)]
pub(crate) struct PointRow {
    id: i64,
    number: i64,
    text: String,
    owner: String,
    owner_link: String,
    due: String,
    indicators: Vec<(String, String)>,
    effect: String,
    status: &'static str,
    status_text: String,
    overdue: bool,
    /// The last confirmed update: reason, evidence, who posted and who confirmed.
    last: Option<UpdateView>,
    /// An update awaiting confirmation.
    pending: Option<UpdateView>,
    can_post: bool,
    can_confirm: bool,
    /// Why the visitor cannot confirm the pending update (their own).
    own_pending: bool,
}

#[derive(Debug)]
pub(crate) struct UpdateView {
    id: i64,
    status_text: String,
    reason: String,
    evidence: Vec<String>,
    /// "amina, 3 décembre 2026 · confirmé par karim"
    byline: String,
}

#[derive(Debug)]
pub(crate) struct DecisionView {
    heading: String,
    recorded: String,
    points: Vec<PointRow>,
}

#[derive(Template)]
#[template(path = "decisions.html")]
pub(crate) struct DecisionsPage {
    layout: Layout,
    heading: String,
    intro: String,
    judgments_link: String,
    packs_link: String,
    message: String,
    summary: String,
    decisions: Vec<DecisionView>,
    none: String,
    columns: Vec<String>,
    csrf: String,
    can_record: bool,
    form: FormText,
    owners: Vec<(String, String)>,
    indicators: Vec<(String, String)>,
    statuses: Vec<(&'static str, String)>,
    form_points: Vec<usize>,
    downloads: String,
}

/// The labels of the forms.
#[derive(Debug)]
pub(crate) struct FormText {
    record: String,
    meeting_date: String,
    title: String,
    point: String,
    owner: String,
    due: String,
    indicator: String,
    effect: String,
    submit: String,
    post: String,
    status: String,
    reason: String,
    evidence: String,
    confirm: String,
    reject: String,
    note: String,
    pending: String,
    own: String,
    overdue: String,
    none_option: String,
}

fn form_text(lang: Lang) -> FormText {
    let t = |k: &str| text(lang, k);
    FormText {
        record: t("decisions-record"),
        meeting_date: t("decisions-meeting-date"),
        title: t("decisions-title"),
        point: t("decisions-point"),
        owner: t("decisions-owner"),
        due: t("decisions-due"),
        indicator: t("indicator"),
        effect: t("decisions-effect"),
        submit: t("decisions-submit"),
        post: t("decisions-post"),
        status: t("col-status"),
        reason: t("decisions-reason"),
        evidence: t("decisions-evidence"),
        confirm: t("decisions-confirm"),
        reject: t("review-reject"),
        note: t("review-note"),
        pending: t("decisions-pending"),
        own: t("decisions-own"),
        overdue: t("decisions-overdue"),
        none_option: "–".into(),
    }
}

fn update_view(u: &PointUpdate, lang: Lang) -> UpdateView {
    let mut byline = format!("{}, {}", u.posted_by, md2030_view::format::date(&u.posted_at, lang));
    if let (Some(by), "confirmed") = (&u.reviewed_by, u.state.as_str()) {
        byline.push_str(&format!(
            " · {}",
            text_args(lang, "decisions-confirmed-by", &[("name", by.clone())])
        ));
    }
    UpdateView {
        id: u.id,
        status_text: text(lang, &format!("point-{}", u.status.as_str())),
        reason: u.reason.clone(),
        evidence: u.evidence.clone(),
        byline,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

/// Today as YYYY-MM-DD (UTC).
fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// `/{lang}/decisions`: the register, with the forms the visitor may use.
pub(crate) async fn decisions_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    axum::Extension(visitor): axum::Extension<Visitor>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let (decisions, updates) = app
        .with_store(|s| Ok((s.decisions()?, s.point_updates()?)))
        .await
        .map_err(catalogue("reading the decisions"))?;
    let snapshot = app.snapshot();
    let session = visitor.session();
    let account = session.map(|s| &s.account);
    let code = lang.code();
    let today = today();
    let catalog = &snapshot.published.catalog;
    let indicator_name = |id: &str| {
        catalog.indicator(id).map(|i| i.name.get(lang).to_string()).unwrap_or_else(|| id.into())
    };
    let mut counts = [0usize; 5];
    let views: Vec<DecisionView> = decisions
        .iter()
        .map(|d: &Decision| DecisionView {
            heading: format!(
                "{} — {}",
                text_args(
                    lang,
                    "decisions-meeting",
                    &[("date", md2030_view::format::date(&d.meeting_date, lang))]
                ),
                d.title
            ),
            recorded: text_args(
                lang,
                "decisions-recorded",
                &[
                    ("name", d.recorded_by.clone()),
                    ("date", md2030_view::format::date(&d.recorded_at, lang)),
                ],
            ),
            points: d
                .points
                .iter()
                .map(|p| {
                    let mine: Vec<&PointUpdate> =
                        updates.iter().filter(|u| u.point_id == p.id).collect();
                    let last = mine
                        .iter()
                        .rev()
                        .find(|u| u.state == "confirmed")
                        .map(|u| update_view(u, lang));
                    let pending_update = mine.iter().rev().find(|u| u.state == "pending");
                    let overdue = p.overdue(&today);
                    counts[PointStatus::ALL.iter().position(|s| *s == p.status).unwrap_or(0)] += 1;
                    counts[4] += usize::from(overdue);
                    PointRow {
                        id: p.id,
                        number: p.number,
                        text: p.text.clone(),
                        owner: md2030_view::ministry_name(&p.owner, lang),
                        owner_link: format!("/{code}/ministry/{}", p.owner),
                        due: md2030_view::format::date(&p.due_date, lang),
                        indicators: p
                            .indicators
                            .iter()
                            .map(|i| (format!("/{code}/indicator/{i}"), indicator_name(i)))
                            .collect(),
                        effect: p.expected_effect.clone(),
                        status: p.status.as_str(),
                        status_text: text(lang, &format!("point-{}", p.status.as_str())),
                        overdue,
                        last,
                        can_post: account
                            .is_some_and(|a| md2030_access::can_post_update(a, &p.owner))
                            && pending_update.is_none(),
                        can_confirm: pending_update.is_some_and(|u| {
                            account.is_some_and(|a| {
                                md2030_access::can_confirm_update(a, &p.owner, &u.posted_by)
                            })
                        }),
                        own_pending: pending_update.is_some_and(|u| {
                            account.is_some_and(|a| a.username.eq_ignore_ascii_case(&u.posted_by))
                        }),
                        pending: pending_update.map(|u| update_view(u, lang)),
                    }
                })
                .collect(),
        })
        .collect();
    let total: usize = counts[..4].iter().sum();
    let summary = text_args(
        lang,
        "decisions-summary",
        &[
            ("total", total.to_string()),
            ("done", counts[3].to_string()),
            ("on_schedule", counts[1].to_string()),
            ("behind", counts[2].to_string()),
            ("not_started", counts[0].to_string()),
            ("overdue", counts[4].to_string()),
        ],
    );
    let message = match query.done.as_deref() {
        Some(done @ ("recorded" | "posted" | "confirmed" | "rejected")) => {
            text(lang, &format!("decisions-done-{done}"))
        }
        _ => String::new(),
    };
    Ok(html(
        StatusCode::OK,
        DecisionsPage {
            layout: layout(lang, "decisions", snapshot.published.synthetic()),
            heading: text(lang, "nav-decisions"),
            intro: text(lang, "decisions-intro"),
            judgments_link: text(lang, "judgments-link"),
            packs_link: text(lang, "packs-link"),
            message,
            summary,
            decisions: views,
            none: text(lang, "decisions-none"),
            columns: texts(
                lang,
                &[
                    "decisions-col-point",
                    "decisions-owner",
                    "decisions-due",
                    "decisions-col-indicators",
                    "col-status",
                    "decisions-col-update",
                ],
            ),
            csrf: session.map(|s| s.csrf_token.clone()).unwrap_or_default(),
            can_record: account.is_some_and(md2030_access::can_record_decisions),
            form: form_text(lang),
            owners: owners(lang),
            indicators: catalog
                .indicators
                .iter()
                .map(|i| (i.id.clone(), i.name.get(lang).to_string()))
                .collect(),
            statuses: PointStatus::ALL
                .iter()
                .map(|s| (s.as_str(), text(lang, &format!("point-{}", s.as_str()))))
                .collect(),
            form_points: (1..=FORM_POINTS).collect(),
            downloads: format!("/download/decisions.csv?lang={code}"),
        }
        .render(),
    ))
}

fn redirect(lang: Lang, done: &str) -> Response {
    let location = format!("/{}/decisions?done={done}", lang.code());
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

fn refused(lang: Lang, key: &str) -> AppError {
    AppError::Refused(StatusCode::BAD_REQUEST, text(lang, key))
}

/// The decision form: meeting date, title and up to [`FORM_POINTS`] points, each
/// with its text, owner, due date, two indicators and the expected effect.
#[derive(Debug, Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    meeting_date: String,
    #[serde(default)]
    title: String,
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
}

impl WithCsrf for DecisionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /{lang}/decisions`: records a decision (the secretariat or an admin).
pub(crate) async fn record_decision(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    axum::Extension(visitor): axum::Extension<Visitor>,
    request: Request,
) -> Result<Response, AppError> {
    let Checked { form, session, address } =
        checked_form::<DecisionForm>(request, &visitor, lang).await?;
    let account = session.account;
    if !md2030_access::can_record_decisions(&account) {
        return Ok(forbidden(lang));
    }
    let meeting_date = clean(&form.meeting_date, 10);
    let title = clean(&form.title, MAX_TITLE);
    if !is_date(&meeting_date) || meeting_date > today() {
        return Err(refused(lang, "decisions-bad-meeting"));
    }
    if title.is_empty() {
        return Err(refused(lang, "decisions-bad-title"));
    }
    let snapshot = app.snapshot();
    let owners: Vec<String> = owners(lang).into_iter().map(|(c, _)| c).collect();
    let field = |name: String| form.fields.get(&name).map(String::as_str).unwrap_or_default();
    let mut points = Vec::new();
    for n in 1..=FORM_POINTS {
        let text = clean(field(format!("p{n}_text")), MAX_TEXT);
        if text.is_empty() {
            continue;
        }
        let owner = clean(field(format!("p{n}_owner")), 20);
        let due_date = clean(field(format!("p{n}_due")), 10);
        if !owners.contains(&owner) {
            return Err(refused(lang, "decisions-bad-owner"));
        }
        if !is_date(&due_date) || due_date < meeting_date {
            return Err(refused(lang, "decisions-bad-due"));
        }
        let mut indicators = Vec::new();
        for k in 1..=2 {
            let id = clean(field(format!("p{n}_ind{k}")), 80);
            if id.is_empty() || indicators.contains(&id) {
                continue;
            }
            if snapshot.published.catalog.indicator(&id).is_none() {
                return Err(refused(lang, "decisions-bad-indicator"));
            }
            indicators.push(id);
        }
        points.push(NewPoint {
            text,
            owner,
            due_date,
            indicators,
            expected_effect: clean(field(format!("p{n}_effect")), MAX_TEXT),
        });
    }
    if points.is_empty() {
        return Err(refused(lang, "decisions-no-point"));
    }
    let by = account.username.clone();
    let detail = serde_json::json!({
        "meeting_date": meeting_date,
        "title": title,
        "points": points.iter().map(|p| serde_json::json!({"owner": p.owner, "due": p.due_date, "indicators": p.indicators})).collect::<Vec<_>>(),
    });
    let id = app
        .with_store(move |s| {
            s.record_decision(&meeting_date, &title, &points, &by, &crate::auth::rfc3339_now())
        })
        .await
        .map_err(catalogue("recording the decision"))?;
    app.audit(Audit {
        actor: account.username,
        action: "record_decision",
        subject: format!("decision {id}"),
        outcome: "ok",
        address,
        detail,
    })
    .await;
    Ok(redirect(lang, "recorded"))
}

#[derive(Debug, Deserialize)]
pub(crate) struct UpdateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    evidence: String,
}

impl WithCsrf for UpdateForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /{lang}/decisions/point/ID`: a steward of the point's owner posts its
/// status; it awaits confirmation. A point behind needs its reason.
pub(crate) async fn post_update(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    Path((_, point_id)): Path<(String, i64)>,
    axum::Extension(visitor): axum::Extension<Visitor>,
    request: Request,
) -> Result<Response, AppError> {
    let Checked { form, session, address } =
        checked_form::<UpdateForm>(request, &visitor, lang).await?;
    let account = session.account;
    let point = app
        .with_store(move |s| s.point(point_id))
        .await
        .map_err(catalogue("reading the point"))?
        .ok_or(AppError::NotFound("no such point"))?;
    let audit = |outcome: &'static str, detail: serde_json::Value| Audit {
        actor: account.username.clone(),
        action: "post_point_update",
        subject: format!("point {point_id}"),
        outcome,
        address: address.clone(),
        detail,
    };
    if !md2030_access::can_post_update(&account, &point.owner) {
        app.audit(audit(
            "refused",
            serde_json::json!({"reason": "not a steward of the point's owner"}),
        ))
        .await;
        return Ok(forbidden(lang));
    }
    let Some(status) = PointStatus::parse(&form.status) else {
        return Err(AppError::bad_form(lang));
    };
    let reason = clean(&form.reason, MAX_TEXT);
    if status == PointStatus::Behind && reason.is_empty() {
        return Err(refused(lang, "decisions-reason-needed"));
    }
    let Some(evidence) = links(&form.evidence) else {
        return Err(refused(lang, "decisions-bad-evidence"));
    };
    let by = account.username.clone();
    let detail =
        serde_json::json!({"status": status.as_str(), "reason": reason, "evidence": evidence});
    let update = app
        .with_store(move |s| {
            s.post_update(point_id, status, &reason, &evidence, &by, &crate::auth::rfc3339_now())
        })
        .await
        .map_err(catalogue("posting the update"))?;
    let mut detail = detail;
    detail["update"] = serde_json::json!(update);
    app.audit(audit("ok", detail)).await;
    Ok(redirect(lang, "posted"))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

impl WithCsrf for ConfirmForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /{lang}/decisions/update/ID`: another steward of the owner, or the
/// secretariat, confirms (the point takes the status) or rejects an update.
pub(crate) async fn review_update(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    Path((_, update_id)): Path<(String, i64)>,
    axum::Extension(visitor): axum::Extension<Visitor>,
    request: Request,
) -> Result<Response, AppError> {
    let Checked { form, session, address } =
        checked_form::<ConfirmForm>(request, &visitor, lang).await?;
    let account = session.account;
    let confirm = match form.decision.as_str() {
        "confirm" => true,
        "reject" => false,
        _ => return Err(AppError::bad_form(lang)),
    };
    let found = app
        .with_store(move |s| {
            let Some(update) = s.point_update(update_id)? else { return Ok(None) };
            Ok(s.point(update.point_id)?.map(|p| (update, p)))
        })
        .await
        .map_err(catalogue("reading the update"))?;
    let Some((update, point)) = found else {
        return Err(AppError::NotFound("no such update"));
    };
    let action = if confirm { "confirm_point_update" } else { "reject_point_update" };
    let audit = |outcome: &'static str, detail: serde_json::Value| Audit {
        actor: account.username.clone(),
        action,
        subject: format!("update {update_id} of point {}", point.id),
        outcome,
        address: address.clone(),
        detail,
    };
    if !md2030_access::can_confirm_update(&account, &point.owner, &update.posted_by) {
        let own = account.username.eq_ignore_ascii_case(&update.posted_by);
        app.audit(audit("refused", serde_json::json!({"reason": if own { "own update" } else { "not a steward of the owner nor the secretariat" }}))).await;
        return if own {
            Err(AppError::Refused(StatusCode::CONFLICT, text(lang, "decisions-own")))
        } else {
            Ok(forbidden(lang))
        };
    }
    let note = clean(&form.note, MAX_TEXT);
    let (by, kept_note) = (account.username.clone(), note.clone());
    let reviewed = app
        .with_store(move |s| {
            s.review_update(update_id, confirm, &by, &kept_note, &crate::auth::rfc3339_now())
        })
        .await
        .map_err(catalogue("reviewing the update"))?;
    match reviewed {
        Ok(u) => {
            app.audit(audit("ok", serde_json::json!({"status": u.status.as_str(), "note": note})))
                .await;
            Ok(redirect(lang, if confirm { "confirmed" } else { "rejected" }))
        }
        Err(refusal) => {
            app.audit(audit("refused", serde_json::json!({"reason": refusal.to_string()}))).await;
            Err(AppError::Refused(StatusCode::CONFLICT, refusal.to_string()))
        }
    }
}

/// `/download/decisions.csv`: one row per point with its confirmed status, as the
/// open-data export writes it (every text cell formula-safe).
pub(crate) async fn decisions_csv(State(app): State<Arc<App>>) -> Result<Response, AppError> {
    let data_dir = app.data_dir.clone();
    let csv = crate::error::blocking("writing the decisions CSV", move || {
        let store = md2030_store::Store::open_read_only(&data_dir).map_err(|e| e.to_string())?;
        md2030_opendata::decisions_csv(&store).map_err(|e| e.to_string())
    })
    .await?;
    let bytes = csv.map(|(points, _)| points).unwrap_or_else(|| {
        b"decision_id,meeting_date,decision,point,text,owner,due_date,indicators,expected_effect,status,status_since\n".to_vec()
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"md2030-decisions.csv\""),
        ],
        bytes,
    )
        .into_response())
}

/// `/api/v1/decisions`: the register as JSON, confirmed statuses only (an update
/// awaiting confirmation is not a status yet), from the published snapshot.
pub(crate) async fn api_decisions(
    State(app): State<Arc<App>>,
    headers: axum::http::HeaderMap,
) -> Response {
    let snapshot = app.snapshot();
    let today = today();
    let key = format!("api/decisions/{today}");
    crate::cache::cached_as(&snapshot, &key, &headers, "application/json", || {
        crate::layout::json_body(&serde_json::json!({
            "as_of": today,
            "decisions": snapshot.decisions.iter().map(|d| serde_json::json!({
                "id": d.id,
                "meeting_date": d.meeting_date,
                "title": d.title,
                "points": d.points.iter().map(|p| serde_json::json!({
                    "number": p.number,
                    "text": p.text,
                    "owner": p.owner,
                    "due_date": p.due_date,
                    "indicators": p.indicators,
                    "expected_effect": p.expected_effect,
                    "status": p.status.as_str(),
                    "status_since": p.status_since,
                    "overdue": p.overdue(&today),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }))
    })
}
