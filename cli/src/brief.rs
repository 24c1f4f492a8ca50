//! `md2030 brief`: the current results as a PDF briefing in one language.

use anyhow::Context;
use md2030_model::Lang;
use md2030_store::Store;
use sha2::{Digest, Sha256};

/// The briefing of the current results in `lang`, as PDF bytes. The edition is
/// dated by the results' as-of date, so the same results give the same briefing.
pub(crate) fn build(store: &Store, lang: Lang) -> anyhow::Result<Vec<u8>> {
    let record = store.current_results()?.context("no results: run `md2030 compute` first")?;
    let json = store.read_results_file(&record, "results.json")?;
    let results = md2030_analytics::results::Results::from_json(&json)?;
    let (catalog, _) = crate::compute::load_catalog(store.root())?;
    let versions = store.current_versions()?;
    let outlines = match versions.iter().find(|v| v.dataset == md2030_model::BOUNDARIES) {
        Some(record) => {
            md2030_dashboard::map::outlines(&store.read(record)?, &record.version_id).ok()
        }
        None => None,
    };
    let sha = format!("{:x}", Sha256::digest(&json));
    let sources = md2030_dashboard::brief::Sources {
        catalog: &catalog,
        results: &results,
        results_version: &record.version_id,
        results_sha256: &sha,
        versions: &versions,
        outlines: outlines.as_ref(),
    };
    let briefing = md2030_dashboard::brief::briefing(&sources, lang, &results.as_of.to_string());
    Ok(md2030_briefing::render(&briefing)?)
}
