//! Why a request failed, as the response the visitor gets: handlers return
//! `Result<Response, AppError>` and `?` does the rest. Failures on our side are
//! logged with what was being done and answered with that phrase only (no
//! internal detail leaves the server).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use md2030_model::Lang;

use crate::app::WriteRefusal;
use md2030_view::i18n::text;

#[derive(Debug)]
pub(crate) enum AppError {
    /// 404 with a short explanation of what exists.
    NotFound(&'static str),
    /// A request refused as it stands (4xx), with why in the visitor's language.
    Refused(StatusCode, String),
    /// Something failed on our side while doing `what`: logged, 500.
    Internal { what: &'static str, err: String },
    /// The catalogue (SQLite) could not be read or written while doing `what`:
    /// logged, 503.
    Catalogue { what: &'static str, err: String },
    /// A resource on our side (the staging disk) failed while doing `what`:
    /// logged, 503.
    Unavailable { what: &'static str, err: String },
    /// A write did not happen (busy writer lock: 503 naming the writer, with
    /// `Retry-After`; else 503), in the page's language.
    Write(WriteRefusal, Lang),
}

impl AppError {
    /// 400: a form that cannot be read.
    pub(crate) fn bad_form(lang: Lang) -> AppError {
        AppError::Refused(StatusCode::BAD_REQUEST, text(lang, "bad-form"))
    }

    /// 403: a form whose CSRF token is missing or not the visitor's.
    pub(crate) fn csrf(lang: Lang) -> AppError {
        AppError::Refused(StatusCode::FORBIDDEN, text(lang, "csrf-refused"))
    }

    /// An error on our side while doing `what`.
    pub(crate) fn internal(what: &'static str) -> impl FnOnce(String) -> AppError {
        move |err| AppError::Internal { what, err }
    }
}

/// A failed catalogue access while doing `what`.
pub(crate) fn catalogue(what: &'static str) -> impl FnOnce(String) -> AppError {
    move |err| AppError::Catalogue { what, err }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound(message) => (StatusCode::NOT_FOUND, message).into_response(),
            AppError::Refused(status, message) => (status, message).into_response(),
            AppError::Internal { what, err } => {
                tracing::error!(%err, "{what} failed");
                (StatusCode::INTERNAL_SERVER_ERROR, format!("{what} failed")).into_response()
            }
            AppError::Catalogue { what, err } => {
                tracing::error!(%err, "{what} failed");
                (StatusCode::SERVICE_UNAVAILABLE, "catalogue unavailable").into_response()
            }
            AppError::Unavailable { what, err } => {
                tracing::error!(%err, "{what} failed");
                (StatusCode::SERVICE_UNAVAILABLE, format!("{what} failed")).into_response()
            }
            AppError::Write(refusal, lang) => refusal.response(lang),
        }
    }
}

/// Runs `f` on a blocking thread (SQLite, files, PNG, typst); its error, or a
/// panicked task, is an [`AppError::Internal`] for `what`.
pub(crate) async fn blocking<T, E>(
    what: &'static str,
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, AppError>
where
    T: Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    match tokio::task::spawn_blocking(move || f().map_err(|e| e.to_string())).await {
        Ok(result) => result.map_err(AppError::internal(what)),
        Err(err) => Err(AppError::Internal { what, err: err.to_string() }),
    }
}
