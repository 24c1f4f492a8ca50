//! The sample data the binary carries (`data/sample/`), labelled synthetic wherever it
//! is shown, and loading it into a store.

use std::path::Path;

use anyhow::Context;
use md2030_ingest::IngestConfig;
use md2030_model::Lang;
use md2030_store::Store;
use sha2::{Digest, Sha256};

/// Every sample file, in load order (referenced datasets first).
pub(crate) const SAMPLE_FILES: [(&str, &[u8]); 32] = [
    // The inventory at the end of 2024, then as it stands (its history).
    ("procedures.2024-Q4.csv", include_bytes!("../../data/sample/procedures.2024-Q4.csv")),
    ("procedures.csv", include_bytes!("../../data/sample/procedures.csv")),
    ("service_transactions.csv", include_bytes!("../../data/sample/service_transactions.csv")),
    ("platforms.csv", include_bytes!("../../data/sample/platforms.csv")),
    ("offshoring.xlsx", include_bytes!("../../data/sample/offshoring.xlsx")),
    ("sme_survey.csv", include_bytes!("../../data/sample/sme_survey.csv")),
    ("startups.csv", include_bytes!("../../data/sample/startups.csv")),
    ("startup_funding.json", include_bytes!("../../data/sample/startup_funding.json")),
    ("talent.csv", include_bytes!("../../data/sample/talent.csv")),
    ("connectivity.csv", include_bytes!("../../data/sample/connectivity.csv")),
    ("civil_servant_training.csv", include_bytes!("../../data/sample/civil_servant_training.csv")),
    ("add_shared_systems.csv", include_bytes!("../../data/sample/add_shared_systems.csv")),
    ("ambassadors.csv", include_bytes!("../../data/sample/ambassadors.csv")),
    ("un_egdi.2003.csv", include_bytes!("../../data/sample/un_egdi.2003.csv")),
    ("un_egdi.2004.csv", include_bytes!("../../data/sample/un_egdi.2004.csv")),
    ("un_egdi.2005.csv", include_bytes!("../../data/sample/un_egdi.2005.csv")),
    ("un_egdi.2008.csv", include_bytes!("../../data/sample/un_egdi.2008.csv")),
    ("un_egdi.2010.csv", include_bytes!("../../data/sample/un_egdi.2010.csv")),
    ("un_egdi.2012.csv", include_bytes!("../../data/sample/un_egdi.2012.csv")),
    ("un_egdi.2014.csv", include_bytes!("../../data/sample/un_egdi.2014.csv")),
    ("un_egdi.2016.csv", include_bytes!("../../data/sample/un_egdi.2016.csv")),
    ("un_egdi.2018.csv", include_bytes!("../../data/sample/un_egdi.2018.csv")),
    ("un_egdi.2020.csv", include_bytes!("../../data/sample/un_egdi.2020.csv")),
    ("un_egdi.2022.csv", include_bytes!("../../data/sample/un_egdi.2022.csv")),
    ("un_egdi.2024.csv", include_bytes!("../../data/sample/un_egdi.2024.csv")),
    ("wb_wdi.IT.NET.BBND.P2.csv", include_bytes!("../../data/sample/wb_wdi.IT.NET.BBND.P2.csv")),
    ("wb_wdi.IT.NET.USER.ZS.csv", include_bytes!("../../data/sample/wb_wdi.IT.NET.USER.ZS.csv")),
    ("wb_wdi.IT.CEL.SETS.P2.csv", include_bytes!("../../data/sample/wb_wdi.IT.CEL.SETS.P2.csv")),
    ("wb_wdi.BX.GSR.CCIS.CD.csv", include_bytes!("../../data/sample/wb_wdi.BX.GSR.CCIS.CD.csv")),
    ("itu_datahub.csv", include_bytes!("../../data/sample/itu_datahub.csv")),
    ("hcp_regions.2024.csv", include_bytes!("../../data/sample/hcp_regions.2024.csv")),
    ("hcp_household_ict.2014.csv", include_bytes!("../../data/sample/hcp_household_ict.2014.csv")),
];

/// The dataset a sample file belongs to: its name up to the first dot.
pub(crate) fn dataset_of(file_name: &str) -> &str {
    file_name.split('.').next().unwrap_or(file_name)
}

/// True when the file's bytes are one of the carried sample files.
pub(crate) fn is_sample_file(path: &Path) -> bool {
    // Compare sizes first: only a file as long as a sample file is read and hashed.
    let Ok(metadata) = std::fs::metadata(path) else {
        return false;
    };
    if !SAMPLE_FILES.iter().any(|(_, sample)| sample.len() as u64 == metadata.len()) {
        return false;
    }
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let digest = Sha256::digest(&bytes);
    SAMPLE_FILES
        .iter()
        .any(|(_, sample)| sample.len() == bytes.len() && Sha256::digest(sample) == digest)
}

/// Writes the sample files to a temporary folder and ingests each, as synthetic
/// data. Returns the number of files loaded.
pub(crate) fn load_into(store: &mut Store, lang: Lang) -> anyhow::Result<usize> {
    let dir = tempfile::tempdir().context("creating a temporary folder for the sample files")?;
    let ingested_at = crate::now_utc();
    for (name, bytes) in SAMPLE_FILES {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        let config = IngestConfig {
            ingested_by: "md2030 sample".into(),
            ingested_at: ingested_at.clone(),
            synthetic: true,
            sheet: None,
            display_name: Some(name.to_string()),
            // The platform list carries no review date: it describes the end of 2025.
            reference_period: (dataset_of(name) == "platforms").then(|| "2025-Q4".to_string()),
        };
        crate::ingest_or_fail(store, dataset_of(name), &path, &config, lang)
            .with_context(|| format!("loading sample file {name}"))?;
    }
    Ok(SAMPLE_FILES.len())
}
