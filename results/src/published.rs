//! What a reader of the store sees as published: the catalogue in force, the current
//! results, the current dataset versions, the region outlines and the names that
//! come from datasets (procedure titles, ambassadors), read together once per data
//! version. The dashboard's snapshot, a briefing edition and the open-data export
//! read this one value, so the results file is parsed once, the outlines are
//! projected once, and a page never pairs results with another catalogue.

use std::sync::Arc;

use md2030_analytics::catalog::Catalog;
use md2030_analytics::results::Results;
use md2030_store::{ResultsRecord, Store, VersionRecord};
use sha2::{Digest, Sha256};

use crate::labels::Labels;
use crate::outlines::{Outlines, outlines};
use crate::{CatalogFiles, Error, RESULTS_JSON, Result};

/// The published state of a store.
#[derive(Debug, Clone)]
pub struct Published {
    /// The catalogue in force and its SHA-256 ([`crate::read_catalog`]).
    pub catalog: Arc<Catalog>,
    pub catalog_sha256: String,
    /// The current results, if any were computed, their record and the SHA-256 of
    /// their `results.json` (what names a briefing edition).
    pub results: Option<Results>,
    pub results_record: Option<ResultsRecord>,
    pub results_sha256: String,
    /// The current version of every dataset.
    pub versions: Vec<VersionRecord>,
    /// Region outlines from the current `region_boundaries` version, if one was
    /// ingested and is usable (the map falls back to tiles otherwise).
    pub outlines: Option<Outlines>,
    /// Names of breakdown members that come from datasets.
    pub labels: Labels,
}

impl Published {
    /// Reads the published state of `store` with the catalogue `catalog`. Blocking
    /// (SQLite and file reads). A broken catalogue is an error, so a reader keeps
    /// what it had.
    pub fn load(store: &Store, catalog: &CatalogFiles) -> Result<Published> {
        let parsed = Arc::new(catalog.parse()?);
        let versions = store.current_versions()?;
        let (results, results_sha256, results_record) = match store.current_results()? {
            Some(record) => {
                let bytes = store.read_results_file(&record, RESULTS_JSON)?;
                let results = Results::from_json(&bytes)
                    .map_err(|e| Error::Results(format!("{}: {e}", record.version_id)))?;
                (Some(results), md2030_store::hex(&Sha256::digest(&bytes)), Some(record))
            }
            None => (None, String::new(), None),
        };
        let outlines = match versions.iter().find(|v| v.dataset == md2030_model::BOUNDARIES) {
            Some(record) => match outlines(&store.read(record)?, &record.version_id) {
                Ok(mut outlines) => {
                    outlines.source = format!(
                        "{}, {}",
                        record.provenance.source_file_name,
                        record.provenance.ingested_at.get(..10).unwrap_or_default()
                    );
                    Some(outlines)
                }
                // Unusable outlines are not an error: the map draws tiles.
                Err(_) => None,
            },
            None => None,
        };
        let mut labels = match versions.iter().find(|v| v.dataset == "procedures") {
            Some(record) => Labels::from_procedures(&store.read(record)?),
            None => Labels::default(),
        };
        if let Some(record) = versions.iter().find(|v| v.dataset == "ambassadors") {
            labels = labels.with_ambassadors(
                &store.read(record)?,
                &record.version_id,
                record.provenance.synthetic,
            );
        }
        Ok(Published {
            catalog: parsed,
            catalog_sha256: catalog.sha256.clone(),
            results,
            results_record,
            results_sha256,
            versions,
            outlines,
            labels,
        })
    }

    /// The published state of the data directory `store` was opened on, with the
    /// catalogue in force there.
    pub fn load_in_force(store: &Store) -> Result<Published> {
        Published::load(store, &crate::read_catalog(store.root())?)
    }

    /// The current report of indicator `id` with its catalogue entry, when both
    /// exist (what every page, download and API answer about one indicator needs).
    pub fn reported(
        &self,
        id: &str,
    ) -> Option<(
        &md2030_analytics::indicator::IndicatorReport,
        &md2030_analytics::catalog::Indicator,
    )> {
        Some((self.results.as_ref()?.indicator(id)?, self.catalog.indicator(id)?))
    }

    /// True when any current dataset version is sample (synthetic) data: every page
    /// and PDF then says so.
    pub fn synthetic(&self) -> bool {
        self.versions.iter().any(|v| v.provenance.synthetic)
    }

    /// `results@v3`, empty when there are none.
    pub fn results_version(&self) -> &str {
        self.results_record.as_ref().map_or("", |r| r.version_id.as_str())
    }

    /// The current results and their record, or [`Error::NoResults`].
    pub fn current(&self) -> Result<(&Results, &ResultsRecord)> {
        match (&self.results, &self.results_record) {
            (Some(results), Some(record)) => Ok((results, record)),
            _ => Err(Error::NoResults),
        }
    }
}
