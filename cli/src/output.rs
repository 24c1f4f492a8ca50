//! Everything the command prints: reports, tables, JSON and the progress bar.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use md2030_ingest::{Outcome, Progress};
use md2030_model::Lang;
use md2030_store::{Delivery, EditionRecord, Store, VersionRecord};

/// `println!` that ends the process quietly when stdout is closed (`| head`)
/// instead of panicking.
/// Control characters other than line breaks and tabs are escaped (see [`line`]).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        if let Err(err) = writeln!(std::io::stdout().lock(), "{}", escape_controls(&text, false)) {
            stdout_failed(err);
        }
    }};
}

/// `print!` with the same handling as [`out!`].
macro_rules! out_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        if let Err(err) = write!(std::io::stdout().lock(), "{}", escape_controls(&text, false)) {
            stdout_failed(err);
        }
    }};
}

fn stdout_failed(err: std::io::Error) {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("md2030: writing to stdout: {err}");
    std::process::exit(2);
}

/// Prints a line (or lines) on stdout; control characters other than line breaks
/// and tabs are escaped, so that no stored text can move the cursor, recolour or
/// clear a terminal.
pub(crate) fn line(text: &str) {
    out!("{text}");
}

/// The same on stderr.
pub(crate) fn error(text: &str) {
    eprintln!("{}", escape_controls(text, false));
}

/// One field of a table: every control character escaped, line breaks included,
/// so that a stored value cannot forge a line of its own.
pub(crate) fn printable(text: &str) -> String {
    escape_controls(text, true)
}

fn escape_controls(text: &str, breaks_too: bool) -> String {
    if !text.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        let keep = matches!(c, '\n' | '\t') && !breaks_too;
        if (c.is_control() || is_bidi_control(c)) && !keep {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Unicode bidirectional overrides and isolates, which can reorder what a terminal
/// shows (Trojan Source); the marks (LRM, RLM, ALM) stay.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Prints an outcome and returns its exit code: 0 accepted or valid, 1 rejected.
pub(crate) fn outcome(outcome: &Outcome, lang: Lang, json: bool, dry_run: bool) -> ExitCode {
    let report = outcome.report();
    if json {
        let value = match outcome {
            Outcome::Rejected(report) => {
                serde_json::json!({"status": "rejected", "report": report.to_json(lang)})
            }
            Outcome::Valid { report, plan } => serde_json::json!({
                "status": "valid", "dry_run": dry_run, "report": report.to_json(lang),
                "parent_version": plan.parent_version_no, "partitions": plan.partitions,
            }),
            Outcome::Accepted { report, version } => serde_json::json!({
                "status": "accepted", "version": version, "report": report.to_json(lang),
            }),
        };
        out!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
    } else {
        match outcome {
            Outcome::Rejected(_) => eprint!("{}", report.render(lang)),
            Outcome::Valid { plan, .. } => {
                out_raw!("{}", report.render(lang));
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
                    out!(
                        "dry run: nothing stored; would replace {scope} of version {}",
                        plan.parent_version_no.map_or("none".into(), |v| format!("v{v}"))
                    );
                }
            }
            Outcome::Accepted { version, .. } => {
                out_raw!("{}", report.render(lang));
                out!(
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
        out!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(());
    }
    out!(
        "{:<24} {:>7} {:>10}  {:<16} {:<20} {:<8} source",
        "dataset",
        "version",
        "rows",
        "sha256",
        "ingested at",
        "checks"
    );
    for contract in md2030_model::contracts() {
        match current.iter().find(|v| v.dataset == contract.name) {
            Some(v) => {
                let errors =
                    v.provenance.validation.get("warnings").and_then(|w| w.as_u64()).unwrap_or(0);
                let label = if v.provenance.synthetic { " (sample data)" } else { "" };
                out!(
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
            None => out!("{:<24} {:>7}", contract.name, "-"),
        }
    }
    Ok(())
}

/// `md2030 preview`: the rows, then one line per indicator (published -> with the
/// pending version), or the same as JSON.
pub(crate) fn preview(
    version: &VersionRecord,
    preview: &md2030_results::preview::Preview,
    took: std::time::Duration,
    json: bool,
) {
    let headline = |r: Option<&md2030_analytics::indicator::IndicatorResult>| {
        r.map(|r| {
            serde_json::json!({
                "period": r.latest.as_ref().map(|o| o.period.clone()),
                "value": r.latest.as_ref().map(|o| o.value),
                "status": r.assessment.status.as_str(),
            })
        })
    };
    let rows = &preview.rows;
    if json {
        let effects: Vec<serde_json::Value> = preview
            .effects
            .iter()
            .map(|e| {
                serde_json::json!({
                    "indicator": e.id,
                    "changes": e.changes(),
                    "published": headline(e.before.as_ref()),
                    "with_version": headline(Some(&e.after)),
                })
            })
            .collect();
        out!(
            "{}",
            serde_json::json!({
                "version": version.version_id,
                "against": preview.against,
                "as_of": preview.as_of.to_string(),
                "rows": {"added": rows.added, "removed": rows.removed, "changed": rows.changed,
                         "unchanged": rows.unchanged, "periods": rows.periods},
                "indicators": effects,
            })
        );
        return;
    }
    out!(
        "{} against {}: {} rows added, {} removed, {} changed, {} unchanged; periods: {}",
        version.version_id,
        preview.against.as_deref().unwrap_or("no current version"),
        rows.added,
        rows.removed,
        rows.changed,
        rows.unchanged,
        if rows.periods.is_empty() { "-".to_string() } else { rows.periods.join(", ") }
    );
    let line = |r: Option<&md2030_analytics::indicator::IndicatorResult>| match r {
        Some(r) => match &r.latest {
            Some(o) => format!("{} ({}) {}", o.value, o.period, r.assessment.status.as_str()),
            None => format!("no data {}", r.assessment.status.as_str()),
        },
        None => "-".to_string(),
    };
    for e in &preview.effects {
        let mark = if e.changes() { "*" } else { " " };
        out!("{mark} {:<36} {} -> {}", e.id, line(e.before.as_ref()), line(Some(&e.after)));
    }
    out!(
        "indicators as of {}: {} read {}, * marks a change; computed in {} ms, nothing stored",
        preview.as_of,
        preview.effects.len(),
        version.dataset,
        took.as_millis()
    );
}

pub(crate) fn versions(records: &[VersionRecord]) {
    for v in records {
        let current = if v.is_current { "*" } else { " " };
        let review = match (&v.reviewed_by, &v.reviewed_at) {
            (Some(by), Some(at)) => format!("  ({} by {by} at {at})", v.status.as_str()),
            _ if v.status != md2030_store::VersionStatus::Published => {
                format!("  ({})", v.status.as_str())
            }
            _ => String::new(),
        };
        let review = match &v.lost_at {
            Some(at) => format!("{review}  (lost, set aside {at})"),
            None => review,
        };
        out!(
            "{current} {:<28} {:>10} rows  {}  {}  {} by {}{review}",
            v.version_id,
            v.row_count,
            &v.sha256[..16],
            v.provenance.ingested_at,
            v.provenance.source_file_name,
            v.provenance.ingested_by
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

/// How `md2030 indicators` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Table,
    Json,
    Csv,
}

/// The indicators: a table of headlines, the whole results as JSON (with names,
/// units and each dataset version's provenance), or one CSV row per series.
pub(crate) fn indicators(
    results: &md2030_analytics::results::Results,
    catalog: &md2030_analytics::catalog::Catalog,
    current: &[VersionRecord],
    lang: Lang,
    format: Format,
) -> anyhow::Result<()> {
    // Whether an indicator's figures rest on sample (synthetic) dataset versions.
    let synthetic = |ids: &[String]| {
        ids.iter().any(|id| current.iter().any(|v| &v.version_id == id && v.provenance.synthetic))
    };
    match format {
        Format::Json => {
            let items: Vec<serde_json::Value> = results
                .indicators
                .iter()
                .filter_map(|report| {
                    let indicator = catalog.indicator(&report.id)?;
                    let mut item = serde_json::to_value(report).ok()?;
                    let object = item.as_object_mut()?;
                    object.insert("name".into(), indicator.name.get(lang).into());
                    object.insert("pillar".into(), serde_json::to_value(indicator.pillar).ok()?);
                    object.insert("unit".into(), indicator.unit.clone().into());
                    object.insert(
                        "direction".into(),
                        serde_json::to_value(indicator.direction).ok()?,
                    );
                    object.insert(
                        "no_target_reason".into(),
                        indicator.no_target_reason.as_ref().map(|r| r.get(lang)).into(),
                    );
                    object.insert("synthetic".into(), synthetic(&report.dataset_versions).into());
                    Some(item)
                })
                .collect();
            let datasets: serde_json::Map<String, serde_json::Value> = current
                .iter()
                .map(|v| {
                    (v.version_id.clone(), serde_json::json!({
                        "dataset": v.dataset, "sha256": v.sha256, "rows": v.row_count,
                        "source_file_name": v.provenance.source_file_name,
                        "ingested_at": v.provenance.ingested_at, "synthetic": v.provenance.synthetic,
                    }))
                })
                .collect();
            let value = serde_json::json!({
                "engine": results.engine,
                "as_of": results.as_of.to_string(),
                "catalog_sha256": results.catalog_sha256,
                "datasets": datasets,
                "indicators": items,
            });
            out!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Csv => {
            let table = results.summary_table()?;
            let bytes = md2030_analytics::results::csv_bytes(&table)?;
            out_raw!("{}", String::from_utf8_lossy(&bytes));
        }
        Format::Table => {
            out!(
                "{:<32} {:>9} {:>16} {:>18} {:<20} {:<8} sample",
                "indicator",
                "period",
                "latest",
                "target",
                "progress",
                "data"
            );
            for report in &results.indicators {
                let result = &report.headline;
                let (period, value) =
                    result.latest.as_ref().map_or(("-".to_string(), "-".to_string()), |o| {
                        (o.period.clone(), format!("{:.2}", o.value))
                    });
                let target = result
                    .target
                    .as_ref()
                    .map_or("no target".to_string(), |t| format!("{} by {}", t.value, t.year));
                let sample = if synthetic(&report.dataset_versions) { "sample data" } else { "" };
                out!(
                    "{:<32} {:>9} {:>16} {:>18} {:<20} {:<8} {sample}",
                    report.id,
                    period,
                    value,
                    target,
                    result.assessment.status.as_str(),
                    result.data_status.as_str()
                );
            }
        }
    }
    Ok(())
}

/// One line on a computation: what was recomputed and where it was stored.
pub(crate) fn computed(
    computed: &md2030_analytics::results::Computed,
    committed: &md2030_store::Committed,
    millis: u128,
) {
    let record = committed.record();
    let series = computed.results.rows().count();
    let what = match committed {
        md2030_store::Committed::New(_) => "stored as",
        md2030_store::Committed::Unchanged(_) => "unchanged, still",
    };
    let mut slowest = computed.timings.clone();
    slowest.sort_by_key(|(_, time)| std::cmp::Reverse(*time));
    let slowest: Vec<String> =
        slowest.iter().take(3).map(|(id, time)| format!("{id} {} ms", time.as_millis())).collect();
    let engine: u128 = computed.timings.iter().map(|(_, t)| t.as_millis()).sum();
    out!(
        "indicators as of {}: {} recomputed, {} unchanged, {series} series in {millis} ms (engine {engine} ms{}; slowest: {}); {what} {} ({})",
        computed.results.as_of,
        computed.recomputed.len(),
        computed.reused.len(),
        if computed.summed { ", transactions summed as they were stored" } else { "" },
        if slowest.is_empty() { "-".to_string() } else { slowest.join(", ") },
        record.version_id,
        record.dir
    );
}

/// The archive of briefing editions: one line per edition (its PDFs and where
/// its deliveries stand), then one line per delivery that did not go through.
pub(crate) fn editions(
    editions: &[EditionRecord],
    deliveries: &[Delivery],
    json: bool,
) -> anyhow::Result<()> {
    if json {
        let value = serde_json::json!({ "editions": editions, "deliveries": deliveries });
        out!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    if editions.is_empty() {
        out!(
            "no briefing archived yet (md2030 brief, md2030 briefings send, or the schedule in md2030.toml)"
        );
        return Ok(());
    }
    for edition in editions {
        let files: Vec<String> = edition
            .files
            .iter()
            .map(|f| {
                format!(
                    "{} {}p {}B sha256:{}",
                    f.lang,
                    f.pages,
                    f.bytes,
                    &f.sha256[..12.min(f.sha256.len())]
                )
            })
            .collect();
        let mine: Vec<&Delivery> =
            deliveries.iter().filter(|d| d.edition_no == edition.edition_no).collect();
        let count = |status: md2030_store::DeliveryStatus| {
            mine.iter().filter(|d| d.status == status).count()
        };
        let sent = count(md2030_store::DeliveryStatus::Sent);
        let pending = count(md2030_store::DeliveryStatus::Pending)
            + count(md2030_store::DeliveryStatus::Sending);
        let failed = count(md2030_store::DeliveryStatus::Failed)
            + count(md2030_store::DeliveryStatus::Uncertain);
        out!(
            "{}  {}  {}  {}  [{}]  sent {sent}, pending {pending}, failed {failed}",
            edition.edition_id,
            edition.as_of,
            edition.trigger,
            edition.results_version,
            files.join("; ")
        );
    }
    for d in deliveries.iter().filter(|d| {
        matches!(
            d.status,
            md2030_store::DeliveryStatus::Failed
                | md2030_store::DeliveryStatus::Uncertain
                | md2030_store::DeliveryStatus::Pending
        )
    }) {
        out!(
            "  {} -> {} ({}): {} after {} attempts{}",
            md2030_store::edition_id(d.edition_no),
            d.recipient,
            d.lang,
            d.status.as_str(),
            d.attempts,
            d.last_error.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
        );
    }
    Ok(())
}
