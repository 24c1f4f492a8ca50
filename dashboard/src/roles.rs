//! Who may reach a page: extractors for the signed-in roles. A handler that takes
//! `Admin` or `Steward` runs only for them; anyone else is sent to sign in (303,
//! back here afterwards) or refused (403), in the page's language.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use md2030_model::Lang;
use md2030_store::Session;
use md2030_view::i18n::text;

use crate::auth::Visitor;

/// 403 in the visitor's language.
pub(crate) fn forbidden(lang: Lang) -> Response {
    (StatusCode::FORBIDDEN, text(lang, "forbidden")).into_response()
}

/// Sends anonymous visitors to the sign-in page, and back here afterwards.
pub(crate) fn to_signin(lang: Lang, next: &str) -> Response {
    let location =
        format!("/{}/signin?next={}", lang.code(), md2030_view::format::url_encode(next));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// The signed-in session of the request, and the page's language.
fn signed_in(parts: &Parts) -> (Option<Arc<Session>>, Lang) {
    let lang = Lang::of_path(parts.uri.path()).unwrap_or_default();
    let visitor = parts.extensions.get::<Visitor>();
    (visitor.and_then(|v| v.0.clone()), lang)
}

/// A signed-in admin.
pub(crate) struct Admin(pub(crate) Arc<Session>);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        match signed_in(parts) {
            (None, lang) => Err(to_signin(lang, parts.uri.path())),
            (Some(s), _) if md2030_access::is_admin(&s.account) => Ok(Admin(s)),
            (Some(_), lang) => Err(forbidden(lang)),
        }
    }
}

/// A signed-in steward (who submits their ministry's datasets).
pub(crate) struct Steward(pub(crate) Arc<Session>);

impl<S: Send + Sync> FromRequestParts<S> for Steward {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        match signed_in(parts) {
            (None, lang) => Err(to_signin(lang, parts.uri.path())),
            (Some(s), _) if s.account.role == md2030_store::Role::Steward => Ok(Steward(s)),
            (Some(_), lang) => Err(forbidden(lang)),
        }
    }
}
