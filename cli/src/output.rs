//! Everything the command prints: reports, tables, JSON and the progress bar.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use md2030_ingest::{Outcome, Progress};
use md2030_model::Lang;
use md2030_store::{Store, VersionRecord};

pub(crate) fn line(text: &str) {
    println!("{text}");
}

pub(crate) fn error(text: &str) {
    eprintln!("{text}");
}

/// Prints an outcome and returns its exit code: 0 accepted or valid, 1 rejected.
pub(crate) fn outcome(outcome: &Outcome, lang: Lang, json: bool, dry_run: bool) -> ExitCode {
    let report = outcome.report();
    if json {
        let value = match outcome {
            Outcome::Rejected(report) => {
                serde_json::json!({"status": "rejected", "report": report})
            }
            Outcome::Valid { report, plan } => serde_json::json!({
                "status": "valid", "dry_run": dry_run, "report": report,
                "parent_version": plan.parent_version_no, "partitions": plan.partitions,
            }),
            Outcome::Accepted { report, version } => {
                serde_json::json!({"status": "accepted", "version": version, "report": report})
            }
        };
        println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
    } else {
        match outcome {
            Outcome::Rejected(_) => eprint!("{}", report.render(lang)),
            Outcome::Valid { plan, .. } => {
                print!("{}", report.render(lang));
                if dry_run {
                    let scope = if plan.partitions.is_empty() {
                        "the whole dataset".to_string()
                    } else {
                        format!(
                            "{} partition(s): {}",
                            plan.partitions.len(),
                            summarize(&plan.partitions)
                        )
                    };
                    println!(
                        "dry run: nothing stored; would replace {scope} of version {}",
                        plan.parent_version_no.map_or("none".into(), |v| format!("v{v}"))
                    );
                }
            }
            Outcome::Accepted { version, .. } => {
                print!("{}", report.render(lang));
                println!(
                    "stored {} ({} rows: {} from the file, {} kept from v{}), sha256 {}",
                    version.version_id,
                    version.row_count,
                    version.provenance.rows_from_file,
                    version.provenance.rows_kept_from_parent,
                    version.provenance.parent_version_no.unwrap_or(0),
                    &version.sha256[..16]
                );
            }
        }
    }
    match outcome {
        Outcome::Rejected(_) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

fn summarize(values: &[String]) -> String {
    let shown: Vec<String> = values.iter().take(6).map(|v| v.replace('\u{1f}', "/")).collect();
    if values.len() > shown.len() { format!("{} …", shown.join(", ")) } else { shown.join(", ") }
}

pub(crate) fn datasets(store: &Store, lang: Lang, json: bool) -> anyhow::Result<()> {
    let current = store.current_versions()?;
    if json {
        let items: Vec<serde_json::Value> = md2030_model::contracts()
            .iter()
            .map(|contract| {
                let version = current.iter().find(|v| v.dataset == contract.name);
                serde_json::json!({
                    "dataset": contract.name,
                    "title": contract.titles.get(lang),
                    "producer": contract.producer,
                    "cadence": contract.cadence.as_str(),
                    "current": version,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(());
    }
    println!(
        "{:<24} {:>7} {:>10}  {:<16} {:<20} {:<8} source",
        "dataset", "version", "rows", "sha256", "ingested at", "checks"
    );
    for contract in md2030_model::contracts() {
        match current.iter().find(|v| v.dataset == contract.name) {
            Some(v) => {
                let errors =
                    v.provenance.validation.get("warnings").and_then(|w| w.as_u64()).unwrap_or(0);
                let label = if v.provenance.synthetic { " (sample data)" } else { "" };
                println!(
                    "{:<24} {:>7} {:>10}  {:<16} {:<20} {:<8} {}{label}",
                    contract.name,
                    format!("v{}", v.version_no),
                    v.row_count,
                    &v.sha256[..16],
                    v.provenance.ingested_at,
                    format!("{errors} warn"),
                    v.provenance.source_file_name
                );
            }
            None => println!("{:<24} {:>7}", contract.name, "-"),
        }
    }
    Ok(())
}

pub(crate) fn versions(records: &[VersionRecord]) {
    for v in records {
        let current = if v.is_current { "*" } else { " " };
        println!(
            "{current} {:<28} {:>10} rows  {}  {}  {}",
            v.version_id,
            v.row_count,
            &v.sha256[..16],
            v.provenance.ingested_at,
            v.provenance.source_file_name
        );
    }
}

/// A progress bar on stderr, shown only on a terminal and for files over 8 MB.
pub(crate) struct ProgressBar {
    bar: Option<indicatif::ProgressBar>,
}

impl ProgressBar {
    pub(crate) fn new(path: &Path) -> ProgressBar {
        let big = std::fs::metadata(path).map(|m| m.len() > 8 << 20).unwrap_or(false);
        let bar = (big && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {msg} ({eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        ProgressBar { bar }
    }

    pub(crate) fn update(&mut self, progress: Progress) {
        if let Some(bar) = &self.bar {
            bar.set_length(progress.total_bytes);
            bar.set_position(progress.bytes_read);
            bar.set_message(format!("{} rows", progress.rows));
        }
    }

    pub(crate) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

type IndicatorRow<'a> = (
    &'a md2030_analytics::catalog::Indicator,
    md2030_analytics::indicator::IndicatorResult,
    Vec<&'a VersionRecord>,
);

/// Prints computed indicators: a table, or JSON with each result's dataset versions.
pub(crate) fn indicators(
    rows: &[IndicatorRow<'_>],
    lang: Lang,
    json: bool,
    as_of: chrono::NaiveDate,
) -> anyhow::Result<()> {
    if json {
        let items: Vec<serde_json::Value> = rows
            .iter()
            .map(|(indicator, result, versions)| {
                serde_json::json!({
                    "indicator": indicator.id,
                    "name": indicator.name.get(lang),
                    "pillar": indicator.pillar,
                    "unit": indicator.unit,
                    "as_of": as_of.to_string(),
                    "result": result,
                    "no_target_reason": indicator.no_target_reason,
                    "datasets": versions.iter().map(|v| serde_json::json!({
                        "version": v.version_id, "sha256": v.sha256, "synthetic": v.provenance.synthetic,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(());
    }
    println!(
        "{:<32} {:>9} {:>16} {:>18} {:<20} {:<8} sample",
        "indicator", "period", "latest", "target", "progress", "data"
    );
    for (indicator, result, versions) in rows {
        let (period, value) =
            result.latest.as_ref().map_or(("-".to_string(), "-".to_string()), |o| {
                (o.period.clone(), format!("{:.2}", o.value))
            });
        let target = result
            .target
            .as_ref()
            .map_or("no target".to_string(), |t| format!("{} by {}", t.value, t.year));
        let sample =
            if versions.iter().any(|v| v.provenance.synthetic) { "sample data" } else { "" };
        println!(
            "{:<32} {:>9} {:>16} {:>18} {:<20} {:<8} {sample}",
            indicator.id,
            period,
            value,
            target,
            result.assessment.status.as_str(),
            format!("{:?}", result.data_status).to_lowercase()
        );
    }
    Ok(())
}
