//! Briefing delivery: the configuration (`md2030.toml`: schedule, languages, SMTP
//! server, distribution list), the schedule arithmetic (Moroccan working days,
//! monthly and pre-meeting editions) and sending a briefing by e-mail. Building
//! and archiving editions, and the queue that makes each (edition, recipient)
//! message leave at most once, are the caller's (`md2030 serve`, `md2030
//! briefings`) over the store.

pub mod config;
pub mod mail;
pub mod schedule;

pub use config::{Config, Recipient, Schedule, Smtp, TlsMode};
pub use mail::{Letter, Mailer, SendError};
pub use schedule::Slot;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("delivery configuration: {0}")]
    Config(String),
}
