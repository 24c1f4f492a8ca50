//! Briefing editions: the briefing of the current results, archived. An edition is
//! identified by its inputs (the results file's SHA-256 and the renderer: md2030's
//! version and the template's hash); building again from the same inputs returns
//! the archived PDF, so what the office received can always be shown again. A new
//! edition records what it was built from (`manifest.json`: results, dataset
//! versions and their hashes, target versions and their hashes, the previous
//! edition and what changed since) and compares its figures with the previous
//! edition's for the "since the last briefing" section.
//!
//! Blocking (SQLite, files, typst): call it off the async executor.

use md2030_analytics::results::Results;
use md2030_analytics::vintage::{self, Change, Digest};
use md2030_model::Lang;
use md2030_results::Published;
use md2030_store::{EditionRecord, NewEdition, Store, VersionRecord};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use md2030_view::i18n::{text, text_args};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] md2030_store::Error),
    #[error(transparent)]
    Render(#[from] crate::typeset::Error),
    #[error("no results: run `md2030 compute` first")]
    NoResults,
    #[error("{0}")]
    Manifest(String),
}

/// What an edition was built from, archived beside its PDFs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub key: String,
    pub as_of: String,
    pub trigger: String,
    pub built_at: String,
    pub renderer: Renderer,
    pub results: ResultsRef,
    pub datasets: Vec<DatasetRef>,
    pub targets: Vec<TargetEntry>,
    pub compared_with: Option<EditionRef>,
    pub changes: Vec<Change>,
    /// The figures shown, for the next edition's comparison.
    pub digest: Digest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renderer {
    pub md2030: String,
    pub template_sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultsRef {
    pub version: String,
    pub sha256: String,
    pub engine: String,
    pub catalog_sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatasetRef {
    pub version: String,
    /// SHA-256 of the stored Parquet file.
    pub sha256: String,
    pub source_file: String,
    pub source_sha256: String,
    pub ingested_at: String,
    pub synthetic: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetEntry {
    pub id: String,
    pub indicator: String,
    pub version: u32,
    pub value: f64,
    pub year: i32,
    pub source: md2030_model::I18n,
    pub adopted_by: md2030_model::I18n,
    pub adopted_on: String,
    /// SHA-256 of the target's JSON record as the results hold it.
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EditionRef {
    pub edition: String,
    pub as_of: String,
}

/// An edition and the PDFs asked for.
#[derive(Debug, Clone)]
pub struct Built {
    pub edition: EditionRecord,
    /// The PDF of each language asked for, the archived bytes.
    pub pdfs: Vec<(Lang, Vec<u8>)>,
    /// True when this call created the edition.
    pub new_edition: bool,
    /// The languages typeset by this call (the others were in the archive).
    pub typeset: Vec<Lang>,
}

/// The renderer's identity.
pub fn renderer() -> Renderer {
    Renderer {
        md2030: env!("CARGO_PKG_VERSION").to_string(),
        template_sha256: crate::typeset::template_sha256(),
    }
}

/// The content key of an edition of `results_sha256` by `renderer`.
pub fn edition_key(results_sha256: &str, renderer: &Renderer) -> String {
    let mut hasher = Sha256::new();
    for part in [results_sha256, &renderer.md2030, &renderer.template_sha256] {
        hasher.update(part.as_bytes());
        hasher.update([b'\n']);
    }
    md2030_store::hex(&hasher.finalize())
}

/// Every dataset version the results read, with its stored record.
fn versions_read(store: &Store, results: &Results) -> Result<Vec<VersionRecord>, Error> {
    let mut ids: Vec<&str> = results.dataset_versions.values().map(String::as_str).collect();
    for report in &results.indicators {
        ids.extend(report.read.iter().map(String::as_str));
        ids.extend(report.dataset_versions.iter().map(String::as_str));
    }
    ids.sort_unstable();
    ids.dedup();
    let mut records = Vec::new();
    for id in ids {
        if let Some((dataset, number)) = md2030_store::parse_version_id(id) {
            records.push(store.version(dataset, number)?);
        }
    }
    Ok(records)
}

fn manifest_of(
    results: &Results,
    results_version: &str,
    results_sha256: &str,
    versions: &[VersionRecord],
    previous: Option<(&EditionRecord, Vec<Change>)>,
    head: (&str, &str, &str),
) -> Manifest {
    let (key, trigger, built_at) = head;
    let mut targets: Vec<TargetEntry> = results
        .indicators
        .iter()
        .filter_map(|r| r.headline.target.as_ref())
        .map(|t| TargetEntry {
            id: t.id.clone(),
            indicator: t.indicator.clone(),
            version: t.version,
            value: t.value,
            year: t.year,
            source: t.source.clone(),
            adopted_by: t.adopted_by.clone(),
            adopted_on: t.adopted_on.clone(),
            sha256: md2030_store::hex(&Sha256::digest(serde_json::to_vec(t).unwrap_or_default())),
        })
        .collect();
    targets.sort_by(|a, b| (&a.id, a.version).cmp(&(&b.id, b.version)));
    targets.dedup_by(|a, b| a.id == b.id && a.version == b.version);
    let (compared_with, changes) = match previous {
        Some((record, changes)) => (
            Some(EditionRef { edition: record.edition_id.clone(), as_of: record.as_of.clone() }),
            changes,
        ),
        None => (None, Vec::new()),
    };
    Manifest {
        key: key.to_string(),
        as_of: results.as_of.to_string(),
        trigger: trigger.to_string(),
        built_at: built_at.to_string(),
        renderer: renderer(),
        results: ResultsRef {
            version: results_version.to_string(),
            sha256: results_sha256.to_string(),
            engine: results.engine.clone(),
            catalog_sha256: results.catalog_sha256.clone(),
        },
        datasets: versions
            .iter()
            .map(|v| DatasetRef {
                version: v.version_id.clone(),
                sha256: v.sha256.clone(),
                source_file: v.provenance.source_file_name.clone(),
                source_sha256: v.provenance.source_sha256.clone(),
                ingested_at: v.provenance.ingested_at.clone(),
                synthetic: v.provenance.synthetic,
            })
            .collect(),
        targets,
        compared_with,
        changes,
        digest: Digest::from_results(results),
    }
}

/// The manifest of an archived edition.
pub fn read_manifest(store: &Store, edition: &EditionRecord) -> Result<Manifest, Error> {
    let bytes = store.read_edition_manifest(edition)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::Manifest(format!("{}: {e}", edition.edition_id)))
}

/// The edition of the current results in `langs`: found in the archive, or built,
/// typeset and archived. `trigger` says who asked (`cli`, `dashboard`,
/// `monthly:2026-12`…); `now` is the RFC 3339 time recorded.
pub fn build(
    store: &mut Store,
    published: &Published,
    langs: &[Lang],
    trigger: &str,
    now: &str,
) -> Result<Built, Error> {
    let (results, record) = published.current().map_err(|_| Error::NoResults)?;
    let catalog = &published.catalog;
    let results_sha256 = published.results_sha256.clone();
    let renderer = renderer();
    let key = edition_key(&results_sha256, &renderer);
    let versions = versions_read(store, results)?;

    let (edition, new_edition) = match store.edition_by_key(&key)? {
        Some(edition) => (edition, false),
        None => {
            let previous = store.latest_edition()?;
            let previous = match previous {
                Some(prev) => {
                    let manifest = read_manifest(store, &prev)?;
                    let changes = vintage::diff(&manifest.digest, &Digest::from_results(results));
                    Some((prev, changes))
                }
                None => None,
            };
            let manifest = manifest_of(
                results,
                &record.version_id,
                &results_sha256,
                &versions,
                previous.as_ref().map(|(p, c)| (p, c.clone())),
                (&key, trigger, now),
            );
            let bytes =
                serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Manifest(e.to_string()))?;
            let edition = store.create_edition(
                &NewEdition {
                    key: &key,
                    as_of: &results.as_of.to_string(),
                    results_version: &record.version_id,
                    results_sha256: &results_sha256,
                    compared_with: previous.as_ref().map(|(p, _)| p.edition_no),
                    trigger,
                    built_at: now,
                },
                &bytes,
            )?;
            (edition, true)
        }
    };

    let mut pdfs = Vec::new();
    let mut typeset = Vec::new();
    let mut edition = edition;
    for &lang in langs {
        if let Some(pdf) = store.read_briefing(&edition, lang.code())? {
            pdfs.push((lang, pdf));
            continue;
        }
        let manifest = read_manifest(store, &edition)?;
        let previous = manifest.compared_with.as_ref().map(|c| crate::content::Previous {
            edition_id: &c.edition,
            as_of: &c.as_of,
            changes: &manifest.changes,
        });
        let sources = crate::content::Sources {
            catalog,
            results,
            results_version: &record.version_id,
            results_sha256: &results_sha256,
            versions: &versions,
            outlines: published.outlines.as_ref(),
            edition_id: &edition.edition_id,
            edition_key: &edition.key,
            previous,
        };
        let briefing = crate::content::briefing(&sources, lang, &results.as_of.to_string());
        let rendered = crate::typeset::render(&briefing)?;
        store.add_briefing_file(
            edition.edition_no,
            lang.code(),
            &rendered.pdf,
            rendered.pages,
            now,
        )?;
        pdfs.push((lang, rendered.pdf));
        typeset.push(lang);
    }
    if !typeset.is_empty() {
        edition = store.edition(edition.edition_no)?;
    }
    Ok(Built { edition, pdfs, new_edition, typeset })
}

/// The file name an edition's PDF is sent and downloaded as.
pub fn file_name(edition: &EditionRecord, lang: Lang) -> String {
    format!("md2030-briefing-e{}-{}-{}.pdf", edition.edition_no, edition.as_of, lang.code())
}

/// The subject and text of the e-mail carrying an edition in `lang`.
pub fn letter(edition: &EditionRecord, sample: bool, lang: Lang) -> (String, String) {
    let args = [
        ("edition", edition.edition_id.clone()),
        ("date", edition.as_of.clone()),
        ("results", edition.results_version.clone()),
    ];
    let subject = text_args(lang, "mail-subject", &args);
    let mut body = text_args(lang, "mail-body", &args);
    if sample {
        body.push_str("\n\n");
        body.push_str(&text(lang, "sample-banner"));
    }
    body.push_str("\n\n");
    body.push_str(&text(lang, "mail-footer"));
    body.push('\n');
    (subject, body)
}
