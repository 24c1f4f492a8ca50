//! Sign-in, sessions, CSRF, the access mode (public or private) and the security
//! headers of every response.
//!
//! - A session is a random 256-bit token in an `HttpOnly; SameSite=Strict` cookie
//!   (`Secure` behind TLS); the catalogue keeps only its SHA-256, an idle expiry
//!   and an absolute one. Each session has its own CSRF token, which every form
//!   posts back; the sign-in form, posted before any session exists, uses a
//!   double-submit cookie instead. A POST whose `Origin` is another site is refused.
//! - Sign-in attempts are limited per client address and per account (failures),
//!   and argon2 runs on at most two blocking threads at once, so a flood of
//!   sign-ins cannot take the pages down.
//! - In *private* mode every page, download and API call needs a session; in
//!   *public* mode (open government) anyone reads the published figures, and
//!   only pending versions, submission, review and administration need one.
//! - Cached pages carry a placeholder where the account bar goes; it is filled per
//!   request, and a signed-in response is `Cache-Control: private, no-store`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use md2030_access::RateLimit;
use md2030_model::Lang;
use md2030_store::{AuditEntry, Role, Session, Store};

use md2030_view::i18n::text;

pub(crate) const SESSION_COOKIE: &str = "md2030_session";
pub(crate) const SIGNIN_CSRF_COOKIE: &str = "md2030_signin";
/// Around the account bar of a page: cached pages carry the anonymous bar, which
/// a signed-in visitor's response replaces.
pub(crate) const ACCOUNT_BAR: &str = "<!--md2030:account-->";
pub(crate) const ACCOUNT_BAR_END: &str = "<!--/md2030:account-->";

/// Who may read the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessMode {
    /// Published figures for everyone; sign-in for pending data and the work of
    /// stewards and admins.
    Public,
    /// Sign-in for every page, download and API call.
    Private,
}

/// When the session cookie carries `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecureCookies {
    /// When a trusted proxy says the request came over TLS (`X-Forwarded-Proto:
    /// https` or `Forwarded: proto=https`; see `proxy.rs`).
    Auto,
    Always,
    Never,
}

/// The `[dashboard]` section of `md2030.toml`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub access: AccessMode,
    /// A session ends after this long without a request…
    pub session_idle: Duration,
    /// …and after this long in any case.
    pub session_max: Duration,
    pub secure_cookies: SecureCookies,
    /// Largest file a steward may upload.
    pub max_upload_bytes: u64,
    /// Sign-in attempts per client address per minute.
    pub signin_per_address_per_minute: usize,
    /// Failed sign-ins on one account from one address per 15 minutes before
    /// that address is held out of it; as many from all addresses together slow
    /// every attempt on the account down (1 s doubling to 30 s), never lock it.
    pub signin_failures_per_account: usize,
    /// Versions a steward may have awaiting sign-off at once; a further
    /// submission is refused (429) until one is reviewed.
    pub max_pending_per_steward: usize,
    /// Connections at once and the request-head deadline.
    pub connections: crate::listener::Limits,
    /// The reverse proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<crate::proxy::Cidr>,
    /// Most bytes of dataset CSVs kept under `downloads/` for versions that are
    /// no longer current; past it the least recently converted go first.
    pub download_cache_bytes: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            access: AccessMode::Public,
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(12 * 3600),
            secure_cookies: SecureCookies::Auto,
            max_upload_bytes: 50 * 1024 * 1024,
            signin_per_address_per_minute: 20,
            signin_failures_per_account: 5,
            max_pending_per_steward: 10,
            connections: crate::listener::Limits::default(),
            trusted_proxies: Vec::new(),
            download_cache_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// The `[dashboard]` section as written; every key optional, unknown keys refused.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    access: Option<String>,
    session_idle_minutes: Option<i64>,
    session_idle_seconds: Option<i64>,
    session_max_hours: Option<i64>,
    secure_cookies: Option<String>,
    max_upload_mb: Option<i64>,
    signin_per_address_per_minute: Option<i64>,
    signin_failures_per_account: Option<i64>,
    max_connections: Option<i64>,
    header_timeout_seconds: Option<i64>,
    max_pending_per_steward: Option<i64>,
    trusted_proxies: Option<Vec<String>>,
    download_cache_mb: Option<i64>,
}

impl Settings {
    /// Reads the `[dashboard]` section of `md2030.toml` (absent: the defaults).
    /// Every problem names the key and the value.
    pub fn from_section(section: Option<toml::Table>) -> Result<Settings, String> {
        let raw: RawSettings = match section {
            Some(table) => toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| format!("[dashboard]: {}", e.message()))?,
            None => RawSettings::default(),
        };
        let mut settings = Settings::default();
        let positive = |key: &str, value: Option<i64>, unit: &str| -> Result<Option<u64>, String> {
            match value {
                None => Ok(None),
                Some(n) if n > 0 => Ok(Some(n as u64)),
                Some(n) => Err(format!("dashboard.{key} = {n}: expected {unit} > 0")),
            }
        };
        if let Some(access) = raw.access {
            settings.access = match access.as_str() {
                "public" => AccessMode::Public,
                "private" => AccessMode::Private,
                _ => {
                    return Err(format!(
                        "dashboard.access = {access:?}: expected \"public\" or \"private\""
                    ));
                }
            };
        }
        if let Some(n) = positive("session_idle_minutes", raw.session_idle_minutes, "minutes")? {
            settings.session_idle = Duration::from_secs(n * 60);
        }
        if let Some(n) = positive("session_idle_seconds", raw.session_idle_seconds, "seconds")? {
            settings.session_idle = Duration::from_secs(n);
        }
        if let Some(n) = positive("session_max_hours", raw.session_max_hours, "hours")? {
            settings.session_max = Duration::from_secs(n * 3600);
        }
        if let Some(mode) = raw.secure_cookies {
            settings.secure_cookies = match mode.as_str() {
                "auto" => SecureCookies::Auto,
                "always" => SecureCookies::Always,
                "never" => SecureCookies::Never,
                _ => {
                    return Err(format!(
                        "dashboard.secure_cookies = {mode:?}: expected \"auto\", \"always\" or \"never\""
                    ));
                }
            };
        }
        if let Some(n) = positive("max_upload_mb", raw.max_upload_mb, "megabytes")? {
            settings.max_upload_bytes = n * 1024 * 1024;
        }
        let count = |key: &str, value: Option<i64>, default: usize| {
            positive(key, value, "a count").map(|n| n.map_or(default, |n| n as usize))
        };
        settings.signin_per_address_per_minute = count(
            "signin_per_address_per_minute",
            raw.signin_per_address_per_minute,
            settings.signin_per_address_per_minute,
        )?;
        settings.signin_failures_per_account = count(
            "signin_failures_per_account",
            raw.signin_failures_per_account,
            settings.signin_failures_per_account,
        )?;
        settings.connections.max_connections =
            count("max_connections", raw.max_connections, settings.connections.max_connections)?;
        if let Some(n) = positive("header_timeout_seconds", raw.header_timeout_seconds, "seconds")?
        {
            settings.connections.header_timeout = Duration::from_secs(n);
        }
        settings.max_pending_per_steward = count(
            "max_pending_per_steward",
            raw.max_pending_per_steward,
            settings.max_pending_per_steward,
        )?;
        if let Some(n) = positive("download_cache_mb", raw.download_cache_mb, "megabytes")? {
            settings.download_cache_bytes = n * 1024 * 1024;
        }
        for text in raw.trusted_proxies.unwrap_or_default() {
            settings
                .trusted_proxies
                .push(text.parse().map_err(|e| format!("dashboard.trusted_proxies: {e}"))?);
        }
        if settings.session_max < settings.session_idle {
            settings.session_max = settings.session_idle;
        }
        Ok(settings)
    }
}

/// What earlier failed sign-ins mean for the next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Throttle {
    None,
    /// Wait this long before checking the password.
    Delay(Duration),
    /// This address has failed too often on this account: refused for now.
    Held {
        failures: u32,
    },
}

/// The signed-in visitor of a request (none: anonymous).
#[derive(Debug, Clone, Default)]
pub(crate) struct Visitor(pub(crate) Option<Arc<Session>>);

impl Visitor {
    pub(crate) fn session(&self) -> Option<&Session> {
        self.0.as_deref()
    }
}

/// Sign-in state shared by the handlers.
#[derive(Debug)]
pub(crate) struct Auth {
    pub(crate) settings: Settings,
    data_dir: PathBuf,
    /// A writable catalogue connection (sessions, audit), opened on first use.
    store: Mutex<Option<Store>>,
    by_address: Mutex<RateLimit>,
    hashing: tokio::sync::Semaphore,
    refusals_audited: Mutex<std::collections::HashMap<String, Instant>>,
}

/// One audit entry to write (the time is taken when it is written).
#[derive(Debug, Clone)]
pub(crate) struct Audit {
    pub(crate) actor: String,
    pub(crate) action: &'static str,
    pub(crate) subject: String,
    pub(crate) outcome: &'static str,
    pub(crate) address: String,
    pub(crate) detail: serde_json::Value,
}

/// Unix seconds now.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub(crate) fn rfc3339_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Auth {
    pub(crate) fn new(settings: Settings, data_dir: PathBuf) -> Auth {
        let by_address =
            RateLimit::new(settings.signin_per_address_per_minute, Duration::from_secs(60));
        Auth {
            settings,
            data_dir,
            store: Mutex::new(None),
            by_address: Mutex::new(by_address),
            hashing: tokio::sync::Semaphore::new(2),
            refusals_audited: Mutex::default(),
        }
    }

    /// Runs `f` on the writable catalogue, on the calling (blocking) thread.
    pub(crate) fn with_store<R>(
        &self,
        f: impl FnOnce(&mut Store) -> md2030_store::Result<R>,
    ) -> Result<R, String> {
        let mut guard = self.store.lock().map_err(|_| "catalogue lock poisoned".to_string())?;
        if guard.is_none() {
            *guard = Some(Store::open_shared(&self.data_dir).map_err(|e| e.to_string())?);
        }
        let store = guard.as_mut().ok_or("catalogue unavailable")?;
        match f(store) {
            Ok(r) => Ok(r),
            Err(err) => {
                // Open afresh next time (a replaced file, a transient lock…).
                *guard = None;
                Err(err.to_string())
            }
        }
    }

    /// Appends to the audit log on the calling (blocking) thread; a failure is
    /// logged (the action already happened).
    pub(crate) fn audit_blocking(&self, entry: &Audit) {
        let at = rfc3339_now();
        let written = self.with_store(|s| {
            s.audit(&AuditEntry {
                at: &at,
                actor: &entry.actor,
                action: entry.action,
                subject: &entry.subject,
                outcome: entry.outcome,
                address: &entry.address,
                detail: entry.detail.clone(),
            })
        });
        if let Err(err) = written {
            tracing::error!(%err, action = entry.action, "audit log write failed");
        }
    }

    /// True at most once a minute per key: a flood of refused sign-ins is audited
    /// once per minute and address, not once per request.
    pub(crate) fn first_refusal(&self, key: &str) -> bool {
        let now = Instant::now();
        let Ok(mut seen) = self.refusals_audited.lock() else { return true };
        if seen.len() > 10_000 {
            seen.retain(|_, at| now.saturating_duration_since(*at) < Duration::from_secs(60));
        }
        match seen.get(key) {
            Some(at) if now.saturating_duration_since(*at) < Duration::from_secs(60) => false,
            _ => {
                seen.insert(key.to_string(), now);
                true
            }
        }
    }

    /// The live session of a cookie token, its idle expiry moved on.
    fn lookup(&self, token: &str) -> Result<Option<Session>, String> {
        let sha = md2030_access::token_sha256(token);
        let now = unix_now();
        let idle = self.settings.session_idle.as_secs() as i64;
        let max = self.settings.session_max.as_secs() as i64;
        self.with_store(|store| {
            let Some(mut session) = store.session(&sha, now)? else { return Ok(None) };
            // Touch at most every quarter of the idle time (and at most each minute).
            if now - session.last_seen >= (idle / 4).clamp(1, 60) {
                let expires = (now + idle).min(session.created_at + max);
                store.touch_session(&sha, now, expires)?;
                session.last_seen = now;
                session.expires_at = expires;
            }
            Ok(Some(session))
        })
    }

    /// Checks the per-address limit (sign-ins per minute from one address, any
    /// account) before a sign-in attempt; `Some(wait)` when refused.
    pub(crate) fn signin_allowed(&self, address: &str) -> Option<Duration> {
        let now = Instant::now();
        let by_address = self
            .by_address
            .lock()
            .map(|mut l| {
                let wait = l.retry_after(address, now);
                if wait.is_zero() {
                    l.record(address, now);
                }
                wait
            })
            .unwrap_or(Duration::from_secs(60));
        (!by_address.is_zero()).then_some(by_address)
    }

    /// What the recorded failures of `username` mean for an attempt from
    /// `address` (on the calling, blocking thread). Failures are counted over 15
    /// minutes and kept in the catalogue (they survive restarts;
    /// `md2030 user unlock` clears them):
    /// - from this address, `signin_failures_per_account` or more: this address
    ///   may not try this account until they age out (`Throttle::Held`);
    /// - from all addresses, as many or more: every attempt on the account waits
    ///   1, 2, 4… up to 30 seconds before its password is checked
    ///   (`Throttle::Delay`), the right password included: an attacker elsewhere
    ///   slows the owner down but never locks them out.
    pub(crate) fn signin_throttle(&self, username: &str, address: &str) -> Throttle {
        let since = unix_now() - 15 * 60;
        let Ok((here, everywhere)) =
            self.with_store(|s| s.signin_failures(username, address, since))
        else {
            return Throttle::Delay(Duration::from_secs(1));
        };
        let limit = self.settings.signin_failures_per_account as u32;
        if here >= limit {
            return Throttle::Held { failures: here };
        }
        if everywhere >= limit {
            let doublings = (everywhere - limit).min(5);
            return Throttle::Delay(Duration::from_secs((1u64 << doublings).min(30)));
        }
        Throttle::None
    }

    /// Records a failed sign-in; true when it is the one that holds this address
    /// out of the account (to be audited as such).
    pub(crate) fn signin_failed(&self, username: &str, address: &str) -> bool {
        let now = unix_now();
        let since = now - 15 * 60;
        let limit = self.settings.signin_failures_per_account as u32;
        self.with_store(|s| {
            s.record_signin_failure(username, address, now)?;
            s.signin_failures(username, address, since)
        })
        .is_ok_and(|(here, _)| here == limit)
    }

    pub(crate) fn signin_succeeded(&self, username: &str, address: &str) {
        if let Err(err) = self.with_store(|s| s.clear_signin_failures(username, Some(address))) {
            tracing::warn!(%err, "clearing sign-in failures failed");
        }
    }

    /// Verifies a password on a blocking thread, two at a time at most.
    pub(crate) async fn verify(&self, password: String, phc: Option<String>) -> bool {
        let Ok(_permit) = self.hashing.acquire().await else { return false };
        tokio::task::spawn_blocking(move || {
            let phc = phc.as_deref().unwrap_or_else(|| md2030_access::decoy_hash());
            md2030_access::verify_password(&password, phc)
        })
        .await
        .unwrap_or(false)
    }

    /// Whether the session cookie of this request gets `Secure`.
    pub(crate) fn secure(&self, headers: &HeaderMap) -> bool {
        match self.settings.secure_cookies {
            SecureCookies::Always => true,
            SecureCookies::Never => false,
            // Forwarding headers reach here only from a trusted proxy.
            SecureCookies::Auto => crate::proxy::forwarded_https(headers),
        }
    }

    pub(crate) fn session_cookie(&self, token: &str, headers: &HeaderMap) -> HeaderValue {
        let secure = if self.secure(headers) { "; Secure" } else { "" };
        let max_age = self.settings.session_max.as_secs();
        HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
        ))
        .unwrap_or(HeaderValue::from_static(""))
    }
}

/// The value of cookie `name`, if the request carries it.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The client address: the peer, or behind a trusted proxy the address it
/// forwarded (`proxy::forwarded`).
pub(crate) fn client_address(request: &Request) -> String {
    if let Some(crate::proxy::ClientAddress(ip)) = request.extensions().get() {
        return ip.to_string();
    }
    request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string())
        .unwrap_or_default()
}

/// Paths anyone may reach in private mode: sign-in, the stylesheet, the icon, the
/// health check.
fn open_in_private_mode(path: &str) -> bool {
    matches!(path, "/" | "/healthz" | "/static/style.css" | "/static/overview.js" | "/favicon.svg")
        || ["/fr/signin", "/ar/signin", "/en/signin"].contains(&path)
}

/// A safe place to return to after signing in: a local path, never another site.
pub(crate) fn local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() <= 512;
    ok.then_some(next)
}

/// The middleware that finds the visitor, enforces private mode and the
/// same-origin rule for posts, and fills the account bar.
pub(crate) async fn authenticate(
    State(app): State<Arc<crate::App>>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    let unsafe_method = request.method() != Method::GET && request.method() != Method::HEAD;
    if let Some(origin) = request.headers().get(header::ORIGIN).filter(|_| unsafe_method) {
        let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok());
        let same = origin.to_str().ok().zip(host).is_some_and(|(o, h)| {
            o.strip_prefix("http://").or_else(|| o.strip_prefix("https://")) == Some(h)
        });
        if !same {
            return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
        }
    }
    let token = cookie(request.headers(), SESSION_COOKIE).map(str::to_string);
    let session = match token {
        Some(token) => {
            let auth = app.clone();
            match tokio::task::spawn_blocking(move || auth.auth.lookup(&token)).await {
                Ok(Ok(session)) => session.map(Arc::new),
                Ok(Err(err)) => {
                    tracing::error!(%err, "session lookup failed");
                    None
                }
                Err(_) => None,
            }
        }
        None => None,
    };
    if session.is_none()
        && app.auth.settings.access == AccessMode::Private
        && !open_in_private_mode(&path)
    {
        return match Lang::of_path(&path) {
            Some(lang) if request.method() == Method::GET => {
                let next = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let location = format!(
                    "/{}/signin?next={}",
                    lang.code(),
                    md2030_view::format::url_encode(next)
                );
                (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
            }
            _ => (StatusCode::UNAUTHORIZED, "sign-in required").into_response(),
        };
    }
    let signed_in = session.is_some();
    if signed_in {
        // Cached pages carry the anonymous account bar: never answer 304 to a
        // signed-in browser from an anonymous ETag.
        request.headers_mut().remove(header::IF_NONE_MATCH);
    }
    let visitor = Visitor(session);
    request.extensions_mut().insert(visitor.clone());
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let mut response = if signed_in && is_html {
        fill_account_bar(response, &visitor, Lang::of_path(&path).unwrap_or_default(), &path).await
    } else {
        response
    };
    if signed_in {
        let headers = response.headers_mut();
        headers.remove(header::ETAG);
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    response
}

async fn fill_account_bar(
    response: Response,
    visitor: &Visitor,
    lang: Lang,
    path: &str,
) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "page too large").into_response();
    };
    let Ok(html) = std::str::from_utf8(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let (Some(start), Some(end)) = (html.find(ACCOUNT_BAR), html.find(ACCOUNT_BAR_END)) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let bar = account_bar(visitor, lang, path);
    let html = format!("{}{bar}{}", &html[..start], &html[end + ACCOUNT_BAR_END.len()..]);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(html))
}

/// The bar of an anonymous visitor on `/{lang}/{path}` (rendered into cached pages).
pub(crate) fn anonymous_bar(lang: Lang, path: &str) -> String {
    let here = format!("/{}/{}", lang.code(), path);
    account_bar(&Visitor::default(), lang, &here)
}

/// The account bar: a sign-in link, or who is signed in, their pages and sign-out.
pub(crate) fn account_bar(visitor: &Visitor, lang: Lang, path: &str) -> String {
    let code = lang.code();
    let esc = md2030_view::format::html_escape;
    match visitor.session() {
        None => {
            let next = if path.ends_with("/signin") { String::new() } else { path.to_string() };
            format!(
                "{ACCOUNT_BAR}<nav class=\"account\"><a href=\"/{code}/signin?next={}\">{}</a></nav>{ACCOUNT_BAR_END}",
                esc(&md2030_view::format::url_encode(&next)),
                esc(&text(lang, "signin"))
            )
        }
        Some(session) => {
            let account = &session.account;
            let role = text(lang, &format!("role-{}", account.role.as_str()));
            let mut links = vec![(format!("/{code}/review"), text(lang, "nav-review"))];
            if account.role == Role::Steward {
                links.insert(0, (format!("/{code}/submit"), text(lang, "nav-submit")));
                links.insert(0, (format!("/{code}/my"), text(lang, "nav-mine")));
            }
            if account.role == Role::Admin {
                links.push((format!("/{code}/accounts"), text(lang, "nav-accounts")));
                links.push((format!("/{code}/audit"), text(lang, "nav-audit")));
            }
            let links: String = links
                .iter()
                .map(|(href, label)| format!("<a href=\"{href}\">{}</a> ", esc(label)))
                .collect();
            format!(
                "{ACCOUNT_BAR}<nav class=\"account\"><span class=\"who\"><bdi>{}</bdi> · {}</span> {links}<form method=\"post\" action=\"/{code}/signout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">{}</button></form></nav>{ACCOUNT_BAR_END}",
                esc(&account.display_name),
                esc(&role),
                esc(&session.csrf_token),
                esc(&text(lang, "signout"))
            )
        }
    }
}

/// Headers on every response: a Content-Security-Policy without inline script or
/// style, no MIME sniffing, no framing, no referrer to other sites.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_the_dashboard_table_and_name_bad_values() {
        let section = |text: &str| {
            let mut table: toml::Table = text.parse().unwrap();
            Settings::from_section(table.remove("dashboard").and_then(|v| v.as_table().cloned()))
        };
        let s = section("[dashboard]\naccess = \"private\"\nsession_idle_minutes = 15\n").unwrap();
        assert_eq!(s.access, AccessMode::Private);
        assert_eq!(s.session_idle, Duration::from_secs(900));
        assert_eq!(s.session_max, Duration::from_secs(12 * 3600));
        assert_eq!(section("").unwrap().access, AccessMode::Public);
        let err = section("[dashboard]\naccess = \"open\"").unwrap_err();
        assert_eq!(err, "dashboard.access = \"open\": expected \"public\" or \"private\"");
        let err = section("[dashboard]\nsession_idle_minutes = 0").unwrap_err();
        assert_eq!(err, "dashboard.session_idle_minutes = 0: expected minutes > 0");
        let err = section("[dashboard]\nacess = 1").unwrap_err();
        assert!(err.contains("unknown field `acess`"), "{err}");
        let err = section("[dashboard]\nmax_upload_mb = \"ten\"").unwrap_err();
        assert!(err.contains("max_upload_mb") || err.contains("invalid type"), "{err}");
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path("/fr/review"), Some("/fr/review"));
        assert_eq!(local_path("//evil.example/"), None);
        assert_eq!(local_path("https://evil.example/"), None);
        assert_eq!(local_path("/\\evil.example"), None);
        assert_eq!(local_path("/fr/\r\nSet-Cookie: x"), None);
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; md2030_session=tok; b=2"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie(&headers, "md2030"), None);
    }
}
