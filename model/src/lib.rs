//! Shared vocabulary of md2030: dataset contracts (Frictionless Table Schema plus
//! md2030's own keys), the reference tables (regions, ministries, themes, countries),
//! text normalisation for matching headings and codes, validation issues with
//! messages in French, Arabic and English, and accounts as plain data (roles).
//!
//! No IO: the contracts and reference tables are compiled in from `data/`.

pub mod account;
pub mod contract;
pub mod csv;
pub mod issue;
pub mod lang;
pub mod normalize;
pub mod period;
pub mod phrases;
pub mod reference;
pub mod xml;

pub use contract::{
    BOUNDARIES, Cadence, Contract, DatasetKind, Field, FieldType, contracts, find_contract,
};
pub use issue::{Issue, RowUnit, Rule, Severity};
pub use lang::{I18n, Lang};

/// Errors raised while loading the compiled-in contracts and reference tables.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("contract {name}: {message}")]
    BadContract { name: String, message: String },
    #[error("reference table {name}: {message}")]
    BadReference { name: String, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
