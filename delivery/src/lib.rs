//! Briefing delivery: the configuration (the `[briefings]`, `[smtp]` and
//! `[[recipients]]` sections of `md2030.toml`), the schedule arithmetic (Moroccan
//! working days, monthly and pre-meeting editions), sending a briefing by e-mail,
//! and the cycle over the store ([`cycle`]): results computed and the edition
//! built for every due slot, queued for every recipient, sent.
//!
//! **Invariant:** each (edition, recipient) message leaves at most once: queued
//! once (a unique row), claimed before the SMTP exchange, marked sent after it.

pub mod config;
pub mod cycle;
pub mod mail;
pub mod schedule;

pub use config::{Config, Recipient, Schedule, Smtp, TlsMode};
pub use mail::{Letter, Mailer, SendError};
pub use schedule::Slot;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("delivery configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] md2030_store::Error),
    #[error(transparent)]
    Published(#[from] md2030_results::Error),
    #[error(transparent)]
    Edition(#[from] md2030_briefing::edition::Error),
    #[error("building the edition of {slot}: {source}")]
    Slot { slot: String, source: Box<Error> },
}
