//! The indicator engine: the catalogue of Maroc Digital 2030 indicators, the target
//! registry, and the arithmetic of trajectories, projections and progress status.
//!
//! **Invariant:** pure and synchronous: no clock (time arrives as `as_of`), no IO
//! (the caller passes catalogue text and data).

pub mod catalog;
pub mod diff;
pub mod freshness;
pub mod indicator;
pub mod peers;
pub mod progress;
pub mod regional;
pub mod results;
pub mod series;
pub mod stored;
pub mod transactions;
pub mod vintage;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("catalogue: {0}")]
    Catalog(String),
    #[error("dataset {0} has no stored version")]
    MissingDataset(String),
    #[error("computation: {0}")]
    Polars(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
