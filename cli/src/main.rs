//! `md2030`: the command of the Maroc Digital 2030 KPI dashboard.
//!
//! Wiring only: parse arguments, open the store, call the libraries, print, and
//! map outcomes to exit codes (0 accepted, 1 rejected, 2 usage or internal error).

mod output;
mod sample;
mod templates;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use md2030_ingest::{IngestConfig, Outcome, Progress};
use md2030_model::{Lang, find_contract};
use md2030_store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "md2030",
    version,
    about = "Maroc Digital 2030 KPI dashboard: ingest, store and serve the strategy's indicators"
)]
struct Cli {
    /// Directory holding all state (catalogue and dataset versions).
    #[arg(long, global = true, env = "MD2030_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Language of reports and messages: fr, ar or en.
    #[arg(long, global = true, env = "MD2030_LANG", default_value = "fr")]
    lang: Lang,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate FILE against DATASET's contract and, if it passes, store it as a new version.
    Ingest {
        dataset: String,
        file: PathBuf,
        /// Sheet of a workbook (default: the sheet whose header fits the contract).
        #[arg(long)]
        sheet: Option<String>,
        /// Validate and show what would be stored, without storing.
        #[arg(long)]
        dry_run: bool,
        /// Who submits the file (recorded in the provenance).
        #[arg(long, env = "USER", default_value = "unknown")]
        by: String,
        /// Print the outcome as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate FILE against DATASET's contract and print the report; store nothing.
    Validate {
        dataset: String,
        file: PathBuf,
        #[arg(long)]
        sheet: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List every dataset with its current version and provenance.
    Datasets {
        #[arg(long)]
        json: bool,
    },
    /// List the versions of one dataset.
    Versions { dataset: String },
    /// Check that every stored version's file matches its recorded SHA-256.
    Verify,
    /// Compute every indicator of the catalogue from the current dataset versions.
    Indicators {
        #[arg(long)]
        json: bool,
        /// Compute as of this date (YYYY-MM-DD); default today.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Load the sample data carried by the binary (labelled synthetic) into the data directory.
    LoadSample,
    /// Write submission templates (CSV and XLSX) generated from the contracts.
    Templates {
        #[arg(long, default_value = "data/templates")]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            output::error(&format!("md2030: {err:#}"));
            ExitCode::from(2)
        }
    }
}

/// The data directory: `--data-dir`, else `$MD2030_DATA_DIR`, else
/// `$XDG_DATA_HOME/md2030`, else `~/.local/share/md2030`.
fn data_dir(cli: &Cli) -> anyhow::Result<PathBuf> {
    if let Some(dir) = &cli.data_dir {
        return Ok(dir.clone());
    }
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("md2030"));
    }
    let home = std::env::var_os("HOME").context("no --data-dir given and HOME is not set")?;
    Ok(PathBuf::from(home).join(".local/share/md2030"))
}

fn open_store(cli: &Cli) -> anyhow::Result<Store> {
    let dir = data_dir(cli)?;
    Store::open(&dir).with_context(|| format!("opening the store in {}", dir.display()))
}

fn now_utc() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let lang = cli.lang;
    match &cli.command {
        Command::Ingest { dataset, file, sheet, dry_run, by, json } => {
            let contract = find_contract(dataset).with_context(|| unknown_dataset(dataset))?;
            let mut store = open_store(&cli)?;
            let config = IngestConfig {
                ingested_by: by.clone(),
                ingested_at: now_utc(),
                synthetic: sample::is_sample_file(file),
                sheet: sheet.clone(),
                display_name: None,
            };
            let mut bar = output::ProgressBar::new(file);
            let mut progress = |p: Progress| bar.update(p);
            let outcome = if *dry_run {
                md2030_ingest::validate_file(&store, contract, file, &config, &mut progress)?
            } else {
                md2030_ingest::ingest_file(&mut store, contract, file, &config, &mut progress)?
            };
            bar.finish();
            Ok(output::outcome(&outcome, lang, *json, *dry_run))
        }
        Command::Validate { dataset, file, sheet, json } => {
            let contract = find_contract(dataset).with_context(|| unknown_dataset(dataset))?;
            let store = open_store(&cli)?;
            let config = IngestConfig {
                ingested_by: String::new(),
                ingested_at: now_utc(),
                synthetic: false,
                sheet: sheet.clone(),
                display_name: None,
            };
            let mut bar = output::ProgressBar::new(file);
            let outcome =
                md2030_ingest::validate_file(&store, contract, file, &config, &mut |p| {
                    bar.update(p)
                })?;
            bar.finish();
            Ok(output::outcome(&outcome, lang, *json, true))
        }
        Command::Datasets { json } => {
            let store = open_store(&cli)?;
            output::datasets(&store, lang, *json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Versions { dataset } => {
            find_contract(dataset).with_context(|| unknown_dataset(dataset))?;
            let store = open_store(&cli)?;
            output::versions(&store.versions(dataset)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify => {
            let store = open_store(&cli)?;
            let problems = store.verify()?;
            for problem in &problems {
                output::line(problem);
            }
            if problems.is_empty() {
                output::line(&format!(
                    "store consistent: {} datasets with a current version",
                    store.current_versions()?.len()
                ));
                Ok(ExitCode::SUCCESS)
            } else {
                Ok(ExitCode::from(1))
            }
        }
        Command::Indicators { json, as_of } => {
            let store = open_store(&cli)?;
            let as_of = as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
            let catalog = load_catalog(store.root())?;
            let current = store.current_versions()?;
            let paths = current.iter().map(|v| (v.dataset.clone(), store.path_of(v))).collect();
            let frames = md2030_analytics::series::scan_versions(&paths)?;
            // An inventory version is observed in the quarter it was stored.
            let snapshots = current
                .iter()
                .filter_map(|v| {
                    let date = chrono::NaiveDate::parse_from_str(
                        v.provenance.ingested_at.get(..10)?,
                        "%Y-%m-%d",
                    )
                    .ok()?;
                    Some((
                        v.dataset.clone(),
                        format!(
                            "{}-Q{}",
                            chrono::Datelike::year(&date),
                            (chrono::Datelike::month(&date) - 1) / 3 + 1
                        ),
                    ))
                })
                .collect();
            let mut results = Vec::new();
            for indicator in &catalog.indicators {
                let result = md2030_analytics::indicator::compute(
                    &catalog, indicator, &frames, &snapshots, as_of,
                )?;
                let versions: Vec<&md2030_store::VersionRecord> =
                    current.iter().filter(|v| indicator.datasets.contains(&v.dataset)).collect();
                results.push((indicator, result, versions));
            }
            output::indicators(&results, lang, *json, as_of)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::LoadSample => {
            let mut store = open_store(&cli)?;
            let loaded = sample::load_into(&mut store, lang)?;
            output::line(&format!(
                "{loaded} sample files loaded into {} (sample data: synthetic ministry figures and small subsets of public files)",
                store.root().display()
            ));
            output::datasets(&store, lang, false)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Templates { out } => {
            let written = templates::write_all(out)?;
            output::line(&format!("{written} templates written to {}", out.display()));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The catalogue: the data directory's `catalog/indicators.toml` and
/// `catalog/targets.toml` when present (editable without recompiling), else the
/// copies compiled in.
fn load_catalog(data_dir: &Path) -> anyhow::Result<md2030_analytics::catalog::Catalog> {
    let read = |name: &str, compiled: &str| -> anyhow::Result<String> {
        let path = data_dir.join("catalog").join(name);
        if path.is_file() {
            std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
        } else {
            Ok(compiled.to_string())
        }
    };
    let indicators = read("indicators.toml", md2030_analytics::catalog::INDICATORS_TOML)?;
    let targets = read("targets.toml", md2030_analytics::catalog::TARGETS_TOML)?;
    Ok(md2030_analytics::catalog::Catalog::from_toml(&indicators, &targets)?)
}

fn unknown_dataset(name: &str) -> String {
    let known: Vec<&str> = md2030_model::contracts().iter().map(|c| c.name.as_str()).collect();
    format!("unknown dataset {name:?}; known datasets: {}", known.join(", "))
}

/// Ingests one file into `store`, failing on rejection (used for the sample data).
fn ingest_or_fail(
    store: &mut Store,
    dataset: &str,
    path: &Path,
    config: &IngestConfig,
    lang: Lang,
) -> anyhow::Result<()> {
    let contract = find_contract(dataset).with_context(|| unknown_dataset(dataset))?;
    match md2030_ingest::ingest_file(store, contract, path, config, &mut |_| {})? {
        Outcome::Accepted { .. } => Ok(()),
        other => bail!("{}", other.report().render(lang)),
    }
}
