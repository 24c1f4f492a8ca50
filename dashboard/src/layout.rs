//! What every page shares: the language from the path, the layout (navigation,
//! sample-data banner), and small helpers for templates.

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use md2030_model::Lang;

use crate::app::{App, Snapshot};
use md2030_view::i18n::text;
use md2030_view::{self as view};

/// The language of a page, from the first segment of its path (`/ar/…`); an
/// unknown language is a 404.
pub(crate) struct PageLang(pub(crate) Lang);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PageLang {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Lang::of_path(parts.uri.path()).map(PageLang).ok_or_else(|| {
            (StatusCode::NOT_FOUND, "unknown language: /fr/, /ar/ or /en/").into_response()
        })
    }
}

/// A public page: the published snapshot, the page's language, and the request's
/// `If-None-Match` (the one header a cached page answers to). Handlers render
/// through [`PublicPage::cached`], once per data version and language.
pub(crate) struct PublicPage {
    pub(crate) snapshot: Arc<Snapshot>,
    pub(crate) lang: Lang,
    conditional: HeaderMap,
}

impl axum::extract::FromRequestParts<Arc<App>> for PublicPage {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &Arc<App>,
    ) -> Result<Self, Self::Rejection> {
        let PageLang(lang) = PageLang::from_request_parts(parts, app).await?;
        let mut conditional = HeaderMap::new();
        if let Some(etag) = parts.headers.get(header::IF_NONE_MATCH) {
            conditional.insert(header::IF_NONE_MATCH, etag.clone());
        }
        Ok(PublicPage { snapshot: app.snapshot(), lang, conditional })
    }
}

impl PublicPage {
    /// The page `name` (`targets`, `indicator/ID`) in this language: rendered on
    /// the first request for the data version, then served from the cache with its
    /// ETag (304 when the visitor has it).
    pub(crate) fn cached(
        &self,
        name: &str,
        render: impl FnOnce() -> Result<String, askama::Error>,
    ) -> Response {
        let key = format!("{name}/{}", self.lang.code());
        crate::cache::cached(&self.snapshot, &key, &self.conditional, render)
    }
}

pub(crate) fn json_body(value: &serde_json::Value) -> Result<String, askama::Error> {
    serde_json::to_string(value).map_err(|err| askama::Error::Custom(Box::new(err)))
}

/// True when any of the versions is sample data.
pub(crate) fn synthetic(snapshot: &Snapshot, version_ids: &[String]) -> bool {
    view::synthetic(&snapshot.published.versions, version_ids)
}

/// What every page shares: language and direction, navigation, title and the
/// sample-data banner.
#[derive(Debug)]
pub(crate) struct Layout {
    /// The anonymous account bar (replaced per request for a signed-in visitor).
    pub(crate) account: String,
    pub(crate) lang: &'static str,
    pub(crate) dir: &'static str,
    pub(crate) path: String,
    pub(crate) nav: (String, String, String, String),
    pub(crate) title: String,
    pub(crate) subtitle: String,
    pub(crate) languages: Vec<(&'static str, String)>,
    /// The language switcher's name for screen readers.
    pub(crate) languages_label: String,
    pub(crate) synthetic: bool,
    pub(crate) sample_banner: String,
    pub(crate) briefing: String,
    pub(crate) ministries: String,
    pub(crate) peers: String,
    pub(crate) decisions: String,
}

pub(crate) fn layout(lang: Lang, path: impl Into<String>, synthetic: bool) -> Layout {
    let path = path.into();
    Layout {
        lang: lang.code(),
        dir: if lang == Lang::Ar { "rtl" } else { "ltr" },
        account: crate::auth::anonymous_bar(lang, &path),
        path,
        nav: nav(lang),
        title: text(lang, "app-title"),
        subtitle: text(lang, "app-subtitle"),
        languages: Lang::ALL.into_iter().map(|l| (l.code(), text(l, "lang-name"))).collect(),
        languages_label: text(lang, "languages-label"),
        synthetic,
        sample_banner: text(lang, "sample-banner"),
        briefing: text(lang, "nav-briefings"),
        ministries: text(lang, "nav-ministries"),
        peers: text(lang, "nav-peers"),
        decisions: text(lang, "nav-decisions"),
    }
}

pub(crate) fn nav(lang: Lang) -> (String, String, String, String) {
    (
        text(lang, "nav-overview"),
        text(lang, "nav-data"),
        text(lang, "nav-targets"),
        text(lang, "nav-regions"),
    )
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct LangQuery {
    pub(crate) lang: Option<String>,
}
