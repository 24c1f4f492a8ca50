//! The pages of signed-in work: sign-in and sign-out, the audit log and the
//! accounts (admins); the review of pending versions is `review.rs`. Never cached: each carries its visitor's
//! CSRF token.

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use md2030_model::Lang;
use md2030_store::AuditRecord;
use serde::Deserialize;

use crate::App;
use crate::auth::{self, Audit, Visitor};
use crate::error::{AppError, catalogue};
use crate::layout::{Layout, PageLang, layout};
use crate::roles::Admin;
pub(crate) use crate::roles::{forbidden, to_signin};
use md2030_view::i18n::text;

/// A rendered page for one visitor (never cached), or 500 when rendering failed.
pub(crate) fn html(status: StatusCode, body: Result<String, askama::Error>) -> Response {
    match body {
        Ok(body) => (
            status,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
                (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
            ],
            body,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(%err, "rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "rendering failed").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "signin.html")]
pub(crate) struct SigninPage {
    layout: Layout,
    heading: String,
    username_label: String,
    password_label: String,
    submit: String,
    error: String,
    username: String,
    csrf: String,
    next: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

pub(crate) fn signin_page(
    lang: Lang,
    status: StatusCode,
    error: String,
    username: &str,
    csrf: &str,
    next: &str,
) -> Response {
    html(
        status,
        SigninPage {
            layout: layout(lang, "signin", false),
            heading: text(lang, "signin-heading"),
            username_label: text(lang, "signin-username"),
            password_label: text(lang, "signin-password"),
            submit: text(lang, "signin"),
            error,
            username: username.to_string(),
            csrf: csrf.to_string(),
            next: next.to_string(),
        }
        .render(),
    )
}

/// The sign-in form, with a fresh double-submit CSRF cookie.
pub(crate) async fn signin_form(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    Query(query): Query<NextQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let next = query.next.as_deref().and_then(auth::local_path).unwrap_or("");
    let token = random_token()?;
    let mut response = signin_page(lang, StatusCode::OK, String::new(), "", &token, next);
    let secure = if app.auth.secure(&headers) { "; Secure" } else { "" };
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600{secure}",
        auth::SIGNIN_CSRF_COOKIE
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// A fresh random token (session, CSRF); 500 when the system has no randomness.
fn random_token() -> Result<String, AppError> {
    md2030_access::random_token()
        .map_err(|err| AppError::internal("drawing a random token")(err.to_string()))
}

#[derive(Debug, Deserialize)]
pub(crate) struct SigninForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// The sign-in page again, 429 with `Retry-After`: attempts are refused for now.
pub(crate) fn wait_page(
    lang: Lang,
    username: &str,
    csrf: &str,
    next: &str,
    wait: Duration,
) -> Response {
    let mut response = signin_page(
        lang,
        StatusCode::TOO_MANY_REQUESTS,
        text(lang, "signin-wait"),
        username,
        csrf,
        next,
    );
    if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Whether the sign-in form carries the token of its double-submit cookie.
fn signin_csrf_ok(headers: &HeaderMap, posted: &str) -> bool {
    let cookie_token = auth::cookie(headers, auth::SIGNIN_CSRF_COOKIE).unwrap_or("");
    !cookie_token.is_empty() && md2030_access::constant_time_eq(cookie_token, posted)
}

/// The account and password hash of `username` if it exists and is active.
async fn active_credentials(
    app: &Arc<App>,
    username: &str,
) -> Result<(Option<md2030_store::Account>, Option<String>), AppError> {
    let name = username.to_string();
    match app.with_store(move |s| s.credentials(&name)).await {
        Ok(Some((account, phc))) if account.is_active() => Ok((Some(account), Some(phc))),
        Ok(_) => Ok((None, None)),
        Err(err) => Err(catalogue("reading credentials")(err.to_string())),
    }
}

/// Checks the form's CSRF token against the sign-in cookie, the rate limits, then
/// the password; opens a session on success. Every attempt is audited.
pub(crate) async fn signin(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    request: Request,
) -> Result<Response, AppError> {
    let address = auth::client_address(&request);
    let headers = request.headers().clone();
    let Ok(Form(form)) = Form::<SigninForm>::from_request(request, &()).await else {
        return Err(AppError::bad_form(lang));
    };
    if !signin_csrf_ok(&headers, &form.csrf) {
        return Err(AppError::csrf(lang));
    }
    let username: String = form.username.trim().chars().take(64).collect();
    let next = auth::local_path(&form.next).unwrap_or("").to_string();
    let entry = |outcome: &'static str, detail: serde_json::Value| Audit {
        actor: if outcome == "ok" { username.clone() } else { "anonymous".into() },
        action: "signin",
        subject: username.clone(),
        outcome,
        address: address.clone(),
        detail,
    };
    if let Some(wait) = app.auth.signin_allowed(&address) {
        if app.auth.first_refusal(&address) {
            let note = "further refusals from this address in the next minute are not recorded";
            app.audit(entry("refused", serde_json::json!({"reason": "rate limit", "note": note})))
                .await;
        }
        return Ok(wait_page(lang, &username, &form.csrf, &next, wait));
    }
    let throttle = {
        let (app, name, at) = (app.clone(), username.clone(), address.clone());
        tokio::task::spawn_blocking(move || app.auth.signin_throttle(&name, &at))
            .await
            .unwrap_or(auth::Throttle::Delay(Duration::from_secs(1)))
    };
    match throttle {
        auth::Throttle::Held { failures } => {
            if app.auth.first_refusal(&format!("{address} {username}")) {
                app.audit(entry(
                    "refused",
                    serde_json::json!({"reason": "this address is held out of the account after failed sign-ins", "failures": failures, "note": "further refusals in the next minute are not recorded"}),
                ))
                .await;
            }
            return Ok(wait_page(lang, &username, &form.csrf, &next, Duration::from_secs(900)));
        }
        auth::Throttle::Delay(wait) => tokio::time::sleep(wait).await,
        auth::Throttle::None => {}
    }
    let (account, phc) = active_credentials(&app, &username).await?;
    // An unknown or disabled account costs the same argon2 time as a wrong password.
    let matches = app.auth.verify(form.password, phc).await;
    let Some(account) = account.filter(|_| matches) else {
        let held = {
            let (app, name, at) = (app.clone(), username.clone(), address.clone());
            tokio::task::spawn_blocking(move || app.auth.signin_failed(&name, &at))
                .await
                .unwrap_or(false)
        };
        app.audit(entry("failed", serde_json::json!({}))).await;
        if held {
            app.audit(entry(
                "locked",
                serde_json::json!({"reason": "too many failed sign-ins on this account from this address", "for_minutes": 15}),
            ))
            .await;
        }
        return Ok(signin_page(
            lang,
            StatusCode::UNAUTHORIZED,
            text(lang, "signin-failed"),
            &username,
            &form.csrf,
            &next,
        ));
    };
    {
        let (app, name, at) = (app.clone(), username.clone(), address.clone());
        let _ = tokio::task::spawn_blocking(move || app.auth.signin_succeeded(&name, &at)).await;
    }
    let (token, csrf) = (random_token()?, random_token()?);
    let now = auth::unix_now();
    let expires = now + app.auth.settings.session_idle.as_secs() as i64;
    let (sha, account_id, at) = (md2030_access::token_sha256(&token), account.id, address.clone());
    app.with_store(move |s| {
        s.purge_sessions(now)?;
        s.create_session(&sha, account_id, &csrf, now, expires, &at)
    })
    .await
    .map_err(catalogue("creating the session"))?;
    app.audit(entry("ok", serde_json::json!({"role": account.role.as_str()}))).await;
    // A steward lands on their own datasets; everyone else on the overview.
    let location = match (next.is_empty(), account.role) {
        (false, _) => next,
        (true, md2030_store::Role::Steward) => format!("/{}/my", lang.code()),
        (true, _) => format!("/{}/", lang.code()),
    };
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    let headers_out = response.headers_mut();
    headers_out.append(header::SET_COOKIE, app.auth.session_cookie(&token, &headers));
    headers_out.append(
        header::SET_COOKIE,
        HeaderValue::from_str(&format!("{}=; Path=/; Max-Age=0", auth::SIGNIN_CSRF_COOKIE))
            .unwrap_or(HeaderValue::from_static("")),
    );
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// A form that carries the session's CSRF token.
pub(crate) trait WithCsrf {
    fn csrf(&self) -> &str;
}

impl WithCsrf for CsrfForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A posted form whose CSRF token is the signed-in visitor's, with the session
/// and the client address.
pub(crate) struct Checked<T> {
    pub(crate) form: T,
    pub(crate) session: md2030_store::Session,
    pub(crate) address: String,
}

/// Reads a posted form and checks its CSRF token against the visitor's session:
/// 400 for an unreadable form, 403 for a missing or foreign token.
pub(crate) async fn checked_form<T: serde::de::DeserializeOwned + WithCsrf>(
    request: Request,
    visitor: &Visitor,
    lang: Lang,
) -> Result<Checked<T>, AppError> {
    let address = auth::client_address(&request);
    let Ok(Form(form)) = Form::<T>::from_request(request, &()).await else {
        return Err(AppError::bad_form(lang));
    };
    let Some(session) = checked_session(visitor, form.csrf()) else {
        return Err(AppError::csrf(lang));
    };
    Ok(Checked { session: session.clone(), form, address })
}

/// The visitor's session if the form's CSRF token is its own.
pub(crate) fn checked_session<'a>(
    visitor: &'a Visitor,
    csrf: &str,
) -> Option<&'a md2030_store::Session> {
    visitor
        .session()
        .filter(|s| !csrf.is_empty() && md2030_access::constant_time_eq(&s.csrf_token, csrf))
}

pub(crate) async fn signout(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    axum::Extension(visitor): axum::Extension<Visitor>,
    request: Request,
) -> Result<Response, AppError> {
    let Checked { session, address, .. } =
        checked_form::<CsrfForm>(request, &visitor, lang).await?;
    let sha = session.token_sha256.clone();
    let username = session.account.username.clone();
    app.with_store(move |s| s.end_session(&sha)).await.map_err(catalogue("ending the session"))?;
    app.audit(Audit {
        actor: username.clone(),
        action: "signout",
        subject: username,
        outcome: "ok",
        address,
        detail: serde_json::json!({}),
    })
    .await;
    let mut response =
        (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/{}/", lang.code()))]).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
            auth::SESSION_COOKIE
        ))
        .unwrap_or(HeaderValue::from_static("")),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "audit.html")]
pub(crate) struct AuditPage {
    layout: Layout,
    heading: String,
    intro: String,
    columns: Vec<String>,
    rows: Vec<AuditRecord>,
    export: String,
}

/// The newest audit entries (admins).
pub(crate) async fn audit_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    Admin(_): Admin,
) -> Result<Response, AppError> {
    let rows =
        app.with_store(|s| s.audit_tail(500)).await.map_err(catalogue("reading the audit log"))?;
    Ok(html(
        StatusCode::OK,
        AuditPage {
            layout: layout(lang, "audit", false),
            heading: text(lang, "audit-heading"),
            intro: text(lang, "audit-intro"),
            columns: ["seq", "at", "actor", "action", "subject", "outcome", "address", "detail"]
                .iter()
                .map(|c| text(lang, &format!("audit-col-{c}")))
                .collect(),
            rows,
            export: text(lang, "audit-export"),
        }
        .render(),
    ))
}

/// The whole audit log as CSV (admins), formula-safe.
pub(crate) async fn audit_csv(
    State(app): State<Arc<App>>,
    axum::Extension(visitor): axum::Extension<Visitor>,
) -> Result<Response, AppError> {
    if !visitor.session().is_some_and(|s| md2030_access::is_admin(&s.account)) {
        return Err(AppError::Refused(StatusCode::FORBIDDEN, "admins only".into()));
    }
    let records = app
        .with_store(|s| s.audit_log(0, usize::MAX >> 1))
        .await
        .map_err(catalogue("reading the audit log"))?;
    let body = md2030_opendata::csv::audit_csv(&records)
        .map_err(|e| AppError::Internal { what: "export", err: e.to_string() })?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"md2030-audit.csv\""),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
        ],
        body,
    )
        .into_response())
}

/// Who is signed in, as JSON (for scripts and tests): 401 when nobody is.
pub(crate) async fn whoami(axum::Extension(visitor): axum::Extension<Visitor>) -> Response {
    match visitor.session() {
        None => (StatusCode::UNAUTHORIZED, "not signed in").into_response(),
        Some(s) => axum::Json(serde_json::json!({
            "username": s.account.username,
            "role": s.account.role.as_str(),
            "ministries": s.account.ministries,
            "expires_at": s.expires_at,
        }))
        .into_response(),
    }
}

#[derive(Template)]
#[template(path = "accounts.html")]
pub(crate) struct AccountsPage {
    layout: Layout,
    heading: String,
    intro: String,
    columns: Vec<String>,
    /// (username, display name, role, ministries, status, created, disable/enable action, button).
    rows: Vec<[String; 8]>,
    csrf: String,
}

/// Every account, with a button to disable or enable it (admins). Accounts are
/// added and passwords reset from the command line.
pub(crate) async fn accounts_page(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    Admin(session): Admin,
) -> Result<Response, AppError> {
    let code = lang.code();
    let accounts =
        app.with_store(|s| s.accounts()).await.map_err(catalogue("reading the accounts"))?;
    let rows = accounts
        .into_iter()
        .map(|a| {
            let (status, verb) = match &a.disabled_at {
                Some(at) => (format!("{} {at}", text(lang, "account-disabled")), "enable"),
                None => (text(lang, "account-active"), "disable"),
            };
            [
                a.username.clone(),
                a.display_name,
                text(lang, &format!("role-{}", a.role.as_str())),
                a.ministries.join(", "),
                status,
                a.created_at,
                format!("/{code}/accounts/{}/{verb}", md2030_view::format::url_encode(&a.username)),
                text(lang, &format!("account-{verb}")),
            ]
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        AccountsPage {
            layout: layout(lang, "accounts", false),
            heading: text(lang, "accounts-heading"),
            intro: text(lang, "accounts-intro"),
            columns: ["user", "name", "role", "ministries", "status", "created"]
                .iter()
                .map(|c| text(lang, &format!("accounts-col-{c}")))
                .collect(),
            rows,
            csrf: session.csrf_token.clone(),
        }
        .render(),
    ))
}

/// Disables (its sessions end) or enables an account (admins; not their own).
pub(crate) async fn account_status(
    State(app): State<Arc<App>>,
    PageLang(lang): PageLang,
    axum::extract::Path((_, username, verb)): axum::extract::Path<(String, String, String)>,
    axum::Extension(visitor): axum::Extension<Visitor>,
    request: Request,
) -> Result<Response, AppError> {
    let Checked { session, address, .. } =
        checked_form::<CsrfForm>(request, &visitor, lang).await?;
    let actor = session.account.username.clone();
    let action = match verb.as_str() {
        "disable" => "account-disable",
        "enable" => "account-enable",
        _ => return Err(AppError::NotFound("disable or enable")),
    };
    let entry = |outcome: &'static str, detail: serde_json::Value| Audit {
        actor: actor.clone(),
        action,
        subject: username.chars().take(64).collect(),
        outcome,
        address: address.clone(),
        detail,
    };
    if !md2030_access::is_admin(&session.account) || username.eq_ignore_ascii_case(&actor) {
        app.audit(entry(
            "refused",
            serde_json::json!({"reason": "admins only, not on their own account"}),
        ))
        .await;
        return Ok(forbidden(lang));
    }
    let (name, at) = (username.clone(), (verb == "disable").then(auth::rfc3339_now));
    let changed = app
        .with_store(move |s| s.set_disabled(&name, at.as_deref()))
        .await
        .map_err(catalogue("changing an account"))?;
    if !changed {
        return Err(AppError::NotFound("no such account"));
    }
    app.audit(entry("ok", serde_json::json!({}))).await;
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/{}/accounts", lang.code()))])
        .into_response())
}
