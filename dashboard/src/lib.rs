//! The md2030 web dashboard: an axum server rendering pages from the stored
//! indicator results (never running Polars itself), in French, Arabic and English.
//!
//! **Invariant:** request handlers do no blocking IO and no Polars work: they read
//! an in-memory snapshot of the current results, which a background task reloads
//! (on a blocking thread) when the results or a dataset version change. Rendered
//! pages are cached per (page, language) with an ETag, and the cache goes with the
//! snapshot it was rendered from.

mod account;
mod api;
mod app;
pub mod auth;
mod briefings;
mod cache;
mod decisions;
mod downloads;
mod error;
mod judgments;
mod layout;
mod league;
pub mod listener;
mod mine;
mod pages;
mod peers;
mod proxy;
mod publish;
mod review;
mod roles;
mod server;
mod submit;
mod tables;

pub use app::{App, Config};
pub use md2030_view as view;
pub use publish::{Published, publish};
pub use server::{router, serve};
