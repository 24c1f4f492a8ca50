//! `md2030`: the command of the Maroc Digital 2030 KPI dashboard.
//!
//! Wiring only: parse arguments, open the store, call the libraries, print, and
//! map outcomes to exit codes (0 accepted, 1 rejected, 2 usage or internal error).

mod brief;
mod compute;
mod config;
mod output;
mod sample;
mod templates;
mod users;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use md2030_delivery::cycle;
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
    /// The configuration of scheduled briefings and their delivery (default:
    /// md2030.toml in the data directory, when present).
    #[arg(long, global = true, env = "MD2030_CONFIG")]
    config: Option<PathBuf>,
    /// Language of reports and messages: fr, ar or en.
    #[arg(long, global = true, env = "MD2030_LANG", default_value = "fr")]
    lang: Lang,
    /// A command that writes (ingest, compute, brief…) fails at once, exit 2, when
    /// another writer holds the store's lock, instead of waiting for it.
    #[arg(long, global = true)]
    no_wait: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate FILE against DATASET's contract and, if it passes, store it as a new version.
    Ingest(IngestArgs),
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
    /// What publishing a pending version would change: its rows against the
    /// current version (added, removed, changed, periods) and each indicator that
    /// reads the dataset, published figure and figure with it in place.
    Preview {
        dataset: String,
        /// The pending version's number (`3` for `DATASET@v3`).
        version: i64,
        #[arg(long)]
        json: bool,
    },
    /// Check that every stored version's file matches its recorded SHA-256.
    Verify,
    /// Set aside what `verify` reports (versions, pending or current, whose file is
    /// missing or altered; lost results): the dataset falls back to its newest
    /// intact version, then the results are recomputed. Audited.
    Repair,
    /// Print every indicator of the catalogue computed from the current dataset versions.
    Indicators {
        /// The whole results as JSON: series, breakdowns, regional view, versions.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// One CSV row per series (headline and each breakdown member).
        #[arg(long)]
        csv: bool,
        /// Compute as of this date (YYYY-MM-DD); default today.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Recompute every indicator and store the results as a new results version
    /// (JSON and Parquet under results/), unless nothing changed.
    Compute {
        /// Compute as of this date (YYYY-MM-DD); default today.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Recompute every indicator, even those whose inputs have not changed.
        #[arg(long)]
        force: bool,
    },
    /// Typeset a PDF briefing (in --lang) from the current results, or from the
    /// results as of DATE (computed and stored first if they differ), and archive
    /// it as an edition (or take it from the archive when the inputs are the same).
    Brief {
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// The stocktake pack for a Commission meeting, in --lang: exceptions first
    /// (indicators off track or with overdue data, with their owner ministry, the
    /// latest judgment and the decisions aimed at them), the decision points due by
    /// the meeting and those closed, the league of ministries, the 2026 milestones
    /// and the scorecard. Reads the published state; stores nothing.
    Pack {
        /// The meeting's date (YYYY-MM-DD).
        #[arg(long)]
        meeting: chrono::NaiveDate,
        #[arg(long)]
        out: PathBuf,
    },
    /// The named sets of countries Morocco is ranked in, besides the publishers'
    /// groups: list them with Morocco's rank on the EGDI in each, or set a set's
    /// members (written to catalog/peers.toml in the data directory, audited, and
    /// the results recomputed).
    Peers {
        #[command(subcommand)]
        command: PeersCommand,
    },
    /// Write the public dashboard as static files into --out (which must not exist
    /// or be empty): every public page in fr, ar and en, charts, downloads, dataset
    /// versions, the open-data export and the API's JSON, with relative links and a
    /// sitemap, for any web server or CDN. Links to signed-in pages point to --live.
    Publish {
        #[arg(long)]
        out: PathBuf,
        /// The md2030 server stewards and admins sign in to (https://…).
        #[arg(long)]
        live: Option<String>,
        /// Where the edition will be served, for the sitemap's absolute URLs.
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Back the data directory up into DIR (which must not exist or be empty)
    /// while it serves and while writers run: the catalogue as last committed
    /// (SQLite VACUUM INTO), every file it records, checked against the recorded
    /// SHA-256 as it is copied, the catalogue overrides and md2030.toml, and
    /// manifest.json with every file's size and SHA-256. Takes no lock.
    Backup { dir: PathBuf },
    /// Restore the backup in DIR into --data-dir (which must not exist or be
    /// empty): every file checked against the manifest first (a damaged backup is
    /// refused, naming the files, and nothing is written), copied, verified, then
    /// moved into place.
    Restore { dir: PathBuf },
    /// The archive of briefing editions, the schedule and e-mail delivery.
    Briefings {
        #[command(subcommand)]
        command: BriefingsCommand,
    },
    /// Load the sample data carried by the binary (labelled synthetic) into the data directory.
    LoadSample,
    /// Serve the web dashboard. An empty data directory is first loaded with the
    /// sample data the binary carries.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080", env = "MD2030_ADDR")]
        addr: std::net::SocketAddr,
        /// public: anyone reads the published figures (sign-in for stewards, admins
        /// and pending data); private: sign-in for every page. Overrides
        /// `[dashboard] access` of md2030.toml.
        #[arg(long, env = "MD2030_ACCESS", value_parser = ["public", "private"])]
        access: Option<String>,
    },
    /// Write the published data for other tools: every dataset's current version and
    /// the indicator results as Parquet and CSV, with a Frictionless Data Package
    /// descriptor (datapackage.json).
    Export {
        #[arg(long)]
        out: PathBuf,
        /// Export the results as of this date (YYYY-MM-DD), computed first if needed.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Accounts of the dashboard (viewers, stewards, admins).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit log: who did what and when (newest last).
    Audit {
        #[command(subcommand)]
        command: Option<AuditCommand>,
        /// How many of the newest entries.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// table, json (one object per line) or csv.
        #[arg(long, default_value = "table", value_parser = ["table", "json", "csv"])]
        format: String,
    },
    /// Write submission templates (CSV and XLSX) generated from the contracts.
    Templates {
        #[arg(long, default_value = "data/templates")]
        out: PathBuf,
    },
}

/// The arguments of `md2030 ingest`.
#[derive(Debug, clap::Args)]
struct IngestArgs {
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
    /// The quarter an inventory file describes (procedures, platforms), e.g. 2025-Q4.
    #[arg(long, value_parser = parse_quarter)]
    period: Option<String>,
}

#[derive(Debug, Subcommand)]
enum BriefingsCommand {
    /// Every archived edition with its PDFs and deliveries.
    List {
        #[arg(long)]
        json: bool,
    },
    /// On demand (before a Commission meeting): build an edition now in every
    /// configured language, archive it and send it to the distribution list.
    Send {
        /// Compute as of this date (YYYY-MM-DD); default today.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// One cycle of what `md2030 serve` does every 30 s: build the scheduled
    /// editions that are due, send the deliveries that are due (first attempts
    /// and retries).
    Run,
    /// Check the configuration and print the next scheduled editions.
    Schedule,
}

#[derive(Debug, Subcommand)]
enum PeersCommand {
    /// Every group, its members, and Morocco's rank on the latest EGDI in it.
    List,
    /// Set the members of a named set (ISO3 codes of UN member states); a new set
    /// needs its name in French, Arabic and English.
    Set {
        /// The set's id: lower-case letters and _ (`peers`, `maghreb`).
        id: String,
        /// ISO3 codes, for example TUN EGY JOR.
        #[arg(required = true)]
        members: Vec<String>,
        #[arg(long)]
        name_fr: Option<String>,
        #[arg(long)]
        name_ar: Option<String>,
        #[arg(long)]
        name_en: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add an account. Without --password-stdin a random password is printed once.
    Add {
        username: String,
        /// viewer (Commission members), steward (submits and signs off its
        /// ministries' datasets and the updates of their decision points),
        /// secretariat (records the Commission's decisions and the judgments) or
        /// admin.
        #[arg(long)]
        role: String,
        /// A ministry (producer code, e.g. MTNRA) a steward answers for; repeatable.
        #[arg(long = "ministry")]
        ministries: Vec<String>,
        /// The name shown on the dashboard (default: the user name).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Every account with its role, ministries and status.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Disable an account (its sessions end at once), or enable it again.
    Disable {
        username: String,
        #[arg(long)]
        enable: bool,
    },
    /// Forget an account's failed sign-ins: no address stays held out of it and
    /// no attempt on it is slowed down.
    Unlock { username: String },
    /// Replace an account's password (its sessions end at once).
    ResetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the audit log's hash chain.
    Verify,
}

/// mimalloc: Polars allocates and frees many short-lived buffers across threads,
/// where glibc's allocator spends most of the time in the kernel. Built without its
/// transparent-huge-page advice (`no_thp`): huge pages on each thread's regions
/// added 20–30 MB to the peak of an ingest for no measurable speed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// Opens the store for reading: never waits, never removes anything.
fn open_reader(cli: &Cli) -> anyhow::Result<Store> {
    let dir = data_dir(cli)?;
    Store::open_reader(&dir).with_context(|| format!("opening the store in {}", dir.display()))
}

/// Opens the store as its one writer for `what` (`ingest of talent`): waits for
/// the writer lock while another process holds it, saying for what, unless
/// `--no-wait`.
fn open_writer(cli: &Cli, what: &str) -> anyhow::Result<Store> {
    let dir = data_dir(cli)?;
    let wait = if cli.no_wait { md2030_store::Wait::No } else { md2030_store::Wait::Forever };
    let holder = md2030_store::Holder::new(what, users::cli_actor());
    Store::open_writer(&dir, holder, wait, &mut |other| {
        output::error(&match other {
            Some(other) => format!("md2030: waiting for the {}", other.describe()),
            None => "md2030: waiting for another writer of the store".to_string(),
        })
    })
    .with_context(|| format!("opening the store in {} for the {what}", dir.display()))
}

/// The results a briefing or an export is made of: computed and stored as of
/// `as_of` when given, else the current ones (computed first if there are none).
fn results_for(store: &mut Store, as_of: Option<chrono::NaiveDate>) -> anyhow::Result<()> {
    if let Some(as_of) = as_of {
        compute::compute_and_store(store, as_of, &now_utc(), false)?;
    } else if store.current_results()?.is_none() {
        recompute(store, today());
    }
    Ok(())
}

fn now_utc() -> String {
    cycle::rfc3339(chrono::Utc::now())
}

/// `md2030 ingest`.
fn ingest(cli: &Cli, args: &IngestArgs) -> anyhow::Result<ExitCode> {
    let IngestArgs { dataset, file, sheet, dry_run, by, json, period } = args;
    let lang = cli.lang;
    let contract = find_contract(dataset).with_context(|| unknown_dataset(dataset))?;
    let mut store = if *dry_run {
        open_reader(cli)?
    } else {
        open_writer(cli, &format!("ingest of {dataset}"))?
    };
    let config = IngestConfig {
        ingested_by: by.clone(),
        ingested_at: now_utc(),
        synthetic: sample::is_sample_file(file),
        sheet: sheet.clone(),
        display_name: None,
        reference_period: period.clone(),
    };
    let mut bar = output::ProgressBar::new(file);
    let mut progress = |p: Progress| bar.update(p);
    // Transactions are summed as they are stored: the recompute that follows
    // need not read them back.
    let mut summing = match *dry_run {
        true => None,
        false => {
            md2030_results::TransactionSums::for_dataset(&store, dataset)?.map(compute::Summing)
        }
    };
    let outcome = match (&mut summing, *dry_run) {
        (_, true) => md2030_ingest::validate_file(&store, contract, file, &config, &mut progress)?,
        (Some(summing), false) => md2030_ingest::ingest_file_observed(
            &mut store,
            contract,
            file,
            &config,
            &mut progress,
            summing,
        )?,
        (None, false) => {
            md2030_ingest::ingest_file(&mut store, contract, file, &config, &mut progress)?
        }
    };
    bar.finish();
    if !*dry_run {
        let (subject, result) = match &outcome {
            Outcome::Accepted { version, .. } => (version.version_id.clone(), "ok"),
            _ => (dataset.clone(), "rejected"),
        };
        let report = outcome.report();
        users::audit(
            &mut store,
            "ingest",
            &subject,
            result,
            serde_json::json!({
                "file": file.file_name().map(|n| n.to_string_lossy().into_owned()),
                "by": by,
                "errors": report.errors,
            }),
        )?;
    }
    let code = output::outcome(&outcome, lang, *json, *dry_run);
    let summed = match (&outcome, summing) {
        (Outcome::Accepted { version, .. }, Some(summing)) => summing.0.finish(version),
        _ => None,
    };
    if matches!(outcome, Outcome::Accepted { .. }) && !*json {
        recompute_summed(&mut store, today(), summed);
    } else if matches!(outcome, Outcome::Accepted { .. }) {
        // JSON output stays one document; the results are still refreshed.
        let _ = compute::compute_and_store_summed(&mut store, today(), &now_utc(), false, summed);
    }
    Ok(code)
}

/// `md2030 validate`.
fn validate(
    cli: &Cli,
    dataset: &str,
    file: &Path,
    sheet: &Option<String>,
    json: &bool,
) -> anyhow::Result<ExitCode> {
    let lang = cli.lang;
    let contract = find_contract(dataset).with_context(|| unknown_dataset(dataset))?;
    let store = open_reader(cli)?;
    let config = IngestConfig {
        ingested_by: String::new(),
        ingested_at: now_utc(),
        synthetic: false,
        sheet: sheet.clone(),
        display_name: None,
        reference_period: None,
    };
    let mut bar = output::ProgressBar::new(file);
    let outcome =
        md2030_ingest::validate_file(&store, contract, file, &config, &mut |p| bar.update(p))?;
    bar.finish();
    Ok(output::outcome(&outcome, lang, *json, true))
}

/// `md2030 verify`.
fn verify(cli: &Cli) -> anyhow::Result<ExitCode> {
    let store = open_reader(cli)?;
    let problems = store.verify()?;
    for problem in &problems {
        output::line(&output::printable(problem));
    }
    for lost in store.lost_versions()? {
        output::line(&output::printable(&format!(
            "{}: set aside as lost on {} ({})",
            lost.version_id,
            lost.lost_at.as_deref().unwrap_or_default(),
            lost.lost_note.as_deref().unwrap_or_default()
        )));
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

/// `md2030 repair`.
fn repair(cli: &Cli) -> anyhow::Result<ExitCode> {
    let mut store = open_writer(cli, "repair")?;
    let changes = store.repair(&now_utc(), &users::cli_actor())?;
    for change in &changes {
        output::line(&output::printable(change));
    }
    if changes.is_empty() {
        output::line("nothing to repair");
    } else {
        users::audit(&mut store, "repair", "store", "ok", serde_json::json!({"changes": changes}))?;
        recompute(&mut store, today());
    }
    let problems = store.verify()?;
    for problem in &problems {
        output::error(&output::printable(problem));
    }
    Ok(if problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `md2030 indicators`.
fn indicators(
    cli: &Cli,
    json: &bool,
    csv: &bool,
    as_of: &Option<chrono::NaiveDate>,
) -> anyhow::Result<ExitCode> {
    let lang = cli.lang;
    let store = open_reader(cli)?;
    let as_of = as_of.unwrap_or_else(today);
    let (catalog, _) = compute::load_catalog(store.root())?;
    let computed = compute::compute(&store, as_of, false)?;
    let format = match (json, csv) {
        (true, _) => output::Format::Json,
        (_, true) => output::Format::Csv,
        _ => output::Format::Table,
    };
    output::indicators(&computed.results, &catalog, &store.current_versions()?, lang, format)?;
    Ok(ExitCode::SUCCESS)
}

/// `md2030 compute`.
fn compute(cli: &Cli, as_of: &Option<chrono::NaiveDate>, force: &bool) -> anyhow::Result<ExitCode> {
    let mut store = open_writer(cli, "computation of the results")?;
    let started = std::time::Instant::now();
    let as_of = as_of.unwrap_or_else(today);
    let (computed, committed) = compute::compute_and_store(&mut store, as_of, &now_utc(), *force)?;
    output::computed(&computed, &committed, started.elapsed().as_millis());
    Ok(ExitCode::SUCCESS)
}

/// `md2030 brief`.
fn brief(cli: &Cli, out: &Path, as_of: &Option<chrono::NaiveDate>) -> anyhow::Result<ExitCode> {
    let lang = cli.lang;
    let mut store = open_writer(cli, "briefing")?;
    let started = std::time::Instant::now();
    results_for(&mut store, *as_of)?;
    let built = brief::build(&mut store, lang, "cli")?;
    if !built.typeset.is_empty() {
        users::audit(
            &mut store,
            "briefing",
            &built.edition.edition_id,
            "ok",
            serde_json::json!({
                "langs": built.typeset.iter().map(|l| l.code()).collect::<Vec<_>>(),
                "as_of": built.edition.as_of,
            }),
        )?;
    }
    let pdf = built.pdfs.first().map(|(_, pdf)| pdf.as_slice()).unwrap_or_default();
    std::fs::write(out, pdf).with_context(|| format!("writing {}", out.display()))?;
    let how = if built.typeset.is_empty() { "from the archive" } else { "typeset and archived" };
    output::line(&format!(
        "{} written: {} ({}, {}), {} bytes in {} ms, {how}",
        out.display(),
        built.edition.edition_id,
        built.edition.as_of,
        lang.code(),
        pdf.len(),
        started.elapsed().as_millis()
    ));
    Ok(ExitCode::SUCCESS)
}

/// `md2030 pack --meeting DATE --out FILE.pdf`: the pack of its inputs (results,
/// decisions, status reports, judgments, meeting, day, renderer), from the archive
/// when it was typeset already, else typeset and archived.
fn pack(cli: &Cli, meeting: &chrono::NaiveDate, out: &Path) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let lang = cli.lang;
    let mut store = open_writer(cli, "stocktake pack")?;
    let published = md2030_results::Published::load_in_force(&store)?;
    let meeting = meeting.to_string();
    let built = md2030_briefing::pack::build(
        &mut store,
        &published,
        &meeting,
        &today().to_string(),
        &[lang],
        "cli",
        &now_utc(),
    )?;
    let Some(one) = built.into_iter().next() else { anyhow::bail!("no pack was built") };
    if one.typeset {
        users::audit(
            &mut store,
            "stocktake_pack",
            &one.pack.pack_id,
            "ok",
            serde_json::json!({"meeting": meeting, "lang": lang.code(), "results": published.results_version()}),
        )?;
    }
    std::fs::write(out, &one.pdf).with_context(|| format!("writing {}", out.display()))?;
    let how = if one.typeset { "typeset and archived" } else { "from the archive" };
    output::line(&format!(
        "{} written: {} for the meeting of {meeting} ({}), {} bytes in {} ms, {how}",
        out.display(),
        one.pack.pack_id,
        lang.code(),
        one.pdf.len(),
        started.elapsed().as_millis()
    ));
    Ok(ExitCode::SUCCESS)
}

/// `md2030 load-sample`.
fn load_sample(cli: &Cli) -> anyhow::Result<ExitCode> {
    let lang = cli.lang;
    let mut store = open_writer(cli, "loading of the sample data")?;
    let loaded = sample::load_into(&mut store, lang)?;
    output::line(&format!(
        "{loaded} sample files loaded into {} (sample data: synthetic ministry figures and public files or subsets of them (every country of the UN and World Bank tables))",
        store.root().display()
    ));
    output::datasets(&store, lang, false)?;
    recompute(&mut store, today());
    Ok(ExitCode::SUCCESS)
}

/// `md2030 serve`.
fn serve(
    cli: &Cli,
    addr: &std::net::SocketAddr,
    access: &Option<String>,
) -> anyhow::Result<ExitCode> {
    let lang = cli.lang;
    // Taken before anything is written, so that a second `serve` on a busy
    // address stops without touching the store.
    let listener =
        std::net::TcpListener::bind(addr).with_context(|| format!("listening on {addr}"))?;
    let mut store = open_reader(cli)?;
    if store.current_versions()?.is_empty()
        || store.current_results()?.is_none()
        || compute::current_results_stale(&store)
    {
        drop(store);
        let mut writer = open_writer(cli, "first start of the dashboard")?;
        if writer.current_versions()?.is_empty() {
            output::line(&format!(
                "{} is empty: loading the sample data carried by the binary (labelled as sample data on every page)",
                writer.root().display()
            ));
            sample::load_into(&mut writer, lang)?;
        }
        if writer.current_results()?.is_none() || compute::current_results_stale(&writer) {
            recompute(&mut writer, today());
        }
        drop(writer);
        store = open_reader(cli)?;
    }
    // The catalogue is checked here (a broken one stops the start); the
    // dashboard and the scheduler read it again whenever it changes.
    compute::load_catalog(store.root())?;
    let data_dir = store.root().to_path_buf();
    let config::ConfigFile { dashboard: mut access_settings, delivery: delivery_config, .. } =
        config::load(&data_dir, cli.config.as_deref())?;
    match access.as_deref() {
        Some("private") => access_settings.access = md2030_dashboard::auth::AccessMode::Private,
        Some("public") => access_settings.access = md2030_dashboard::auth::AccessMode::Public,
        _ => {}
    }
    if access_settings.access == md2030_dashboard::auth::AccessMode::Private
        && store.accounts()?.is_empty()
    {
        output::line(
            "private dashboard and no account yet: add one with `md2030 user add NAME --role admin`",
        );
    }
    drop(store);
    tracing_subscriber::fmt()
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    // Scheduled briefings and their delivery run on their own thread (Polars,
    // typst and SMTP are blocking), stopped with the server.
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let scheduler = match delivery_config {
        Some(config) => {
            let data_dir = data_dir.clone();
            Some(std::thread::spawn(move || cycle::run(data_dir, config, stopped)))
        }
        None => {
            tracing::info!("no md2030.toml: no scheduled briefings (see README, Briefings)");
            None
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let config = md2030_dashboard::Config {
        data_dir,
        addr: *addr,
        refresh: std::time::Duration::from_secs(2),
        access: access_settings,
    };
    let served = runtime
        .block_on(md2030_dashboard::serve(config, listener, shutdown_signal()))
        .with_context(|| format!("serving on {addr}"));
    drop(stop);
    if let Some(scheduler) = scheduler {
        let _ = scheduler.join();
    }
    served?;
    Ok(ExitCode::SUCCESS)
}

/// `md2030 export`.
fn export(cli: &Cli, out: &Path, as_of: &Option<chrono::NaiveDate>) -> anyhow::Result<ExitCode> {
    let mut store = open_writer(cli, "export")?;
    let started = std::time::Instant::now();
    results_for(&mut store, *as_of)?;
    let published = md2030_results::Published::load_in_force(&store)?;
    published.current().context("no results to export")?;
    let exported = md2030_opendata::write_export(&store, &published, out, &now_utc(), &|p| {
        md2030_view::league::export_csvs(p)
            .into_iter()
            .map(|(key, bytes)| md2030_opendata::league_resource(key, bytes))
            .collect()
    })?;
    output::line(&format!(
        "{} written: {} resources, {} bytes, {} and {} dataset versions, in {} ms",
        out.join("datapackage.json").display(),
        exported.resources,
        exported.bytes,
        exported.results_version,
        exported.datasets.len(),
        started.elapsed().as_millis()
    ));
    Ok(ExitCode::SUCCESS)
}

/// `md2030 user`.
fn user(cli: &Cli, command: &UserCommand) -> anyhow::Result<ExitCode> {
    let lang = cli.lang;
    if let UserCommand::List { json } = command {
        return users::list(&open_reader(cli)?, *json);
    }
    let mut store = open_writer(cli, "change of accounts")?;
    match command {
        UserCommand::Add { username, role, ministries, name, password_stdin } => users::add(
            &mut store,
            &users::AddUser {
                username,
                role,
                ministries,
                name: name.as_deref(),
                lang,
                password_stdin: *password_stdin,
            },
        ),
        UserCommand::List { json } => users::list(&store, *json),
        UserCommand::Disable { username, enable } => users::disable(&mut store, username, *enable),
        UserCommand::Unlock { username } => users::unlock(&mut store, username),
        UserCommand::ResetPassword { username, password_stdin } => {
            users::reset_password(&mut store, username, *password_stdin)
        }
    }
}

/// `md2030 audit`.
fn audit(
    cli: &Cli,
    command: &Option<AuditCommand>,
    limit: &usize,
    format: &str,
) -> anyhow::Result<ExitCode> {
    let store = open_reader(cli)?;
    match command {
        Some(AuditCommand::Verify) => users::verify(&store),
        None => users::show(&store, *limit, format),
    }
}

/// `md2030 preview DATASET N`.
fn preview(cli: &Cli, dataset: &str, version_no: i64, json: bool) -> anyhow::Result<ExitCode> {
    find_contract(dataset).with_context(|| unknown_dataset(dataset))?;
    let store = open_reader(cli)?;
    let Some(version) = store.versions(dataset)?.into_iter().find(|v| v.version_no == version_no)
    else {
        anyhow::bail!("{} does not exist", md2030_store::version_id(dataset, version_no));
    };
    anyhow::ensure!(
        version.status == md2030_store::VersionStatus::Pending,
        "{} is {}, not awaiting sign-off",
        version.version_id,
        version.status.as_str()
    );
    let started = std::time::Instant::now();
    let preview = md2030_results::preview::preview(&store, &version)?;
    output::preview(&version, &preview, started.elapsed(), json);
    Ok(ExitCode::SUCCESS)
}

/// `md2030 templates`.
fn templates(out: &Path) -> anyhow::Result<ExitCode> {
    let written = templates::write_all(out)?;
    output::line(&format!("{written} templates written to {}", out.display()));
    Ok(ExitCode::SUCCESS)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let lang = cli.lang;
    match &cli.command {
        Command::Ingest(args) => ingest(&cli, args),
        Command::Validate { dataset, file, sheet, json } => {
            validate(&cli, dataset, file, sheet, json)
        }
        Command::Datasets { json } => {
            let store = open_reader(&cli)?;
            output::datasets(&store, lang, *json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Versions { dataset } => {
            find_contract(dataset).with_context(|| unknown_dataset(dataset))?;
            let store = open_reader(&cli)?;
            output::versions(&store.versions(dataset)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Preview { dataset, version, json } => preview(&cli, dataset, *version, *json),
        Command::Verify => verify(&cli),
        Command::Repair => repair(&cli),
        Command::Indicators { json, csv, as_of } => indicators(&cli, json, csv, as_of),
        Command::Compute { as_of, force } => compute(&cli, as_of, force),
        Command::Brief { out, as_of } => brief(&cli, out, as_of),
        Command::Pack { meeting, out } => pack(&cli, meeting, out),
        Command::Briefings { command } => briefings(&cli, command),
        Command::Peers { command } => peers(&cli, command),
        Command::Backup { dir } => backup(&cli, dir),
        Command::Publish { out, live, base_url } => publish(&cli, out, live, base_url),
        Command::Restore { dir } => restore(&cli, dir),
        Command::LoadSample => load_sample(&cli),
        Command::Serve { addr, access } => serve(&cli, addr, access),
        Command::Export { out, as_of } => export(&cli, out, as_of),
        Command::User { command } => user(&cli, command),
        Command::Audit { command, limit, format } => audit(&cli, command, limit, format),
        Command::Templates { out } => templates(out),
    }
}

/// `md2030 publish --out DIR`.
fn publish(
    cli: &Cli,
    out: &Path,
    live: &Option<String>,
    base_url: &Option<String>,
) -> anyhow::Result<ExitCode> {
    let mut store = open_reader(cli)?;
    if store.current_results()?.is_none() || compute::current_results_stale(&store) {
        drop(store);
        let mut writer = open_writer(cli, "computation before publishing")?;
        recompute(&mut writer, today());
        drop(writer);
        store = open_reader(cli)?;
    }
    let data_dir = store.root().to_path_buf();
    drop(store);
    let config::ConfigFile { dashboard: mut access, .. } =
        config::load(&data_dir, cli.config.as_deref())?;
    // What an anonymous visitor of a public dashboard sees, whatever the server's mode.
    access.access = md2030_dashboard::auth::AccessMode::Public;
    let config = md2030_dashboard::Config {
        data_dir,
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        refresh: std::time::Duration::from_secs(3600),
        access,
    };
    let started = std::time::Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let published = runtime.block_on(async {
        let app = md2030_dashboard::App::load(&config).await?;
        md2030_dashboard::publish(app, out, live.as_deref(), base_url.as_deref())
            .await
            .map_err(std::io::Error::other)
    })?;
    if !published.broken.is_empty() {
        bail!(
            "{} local links did not answer 200:\n  {}",
            published.broken.len(),
            published.broken.join("\n  ")
        );
    }
    output::line(&format!(
        "{} written: {} pages, {} files, {} bytes, in {} ms",
        out.display(),
        published.pages,
        published.files,
        published.bytes,
        started.elapsed().as_millis()
    ));
    Ok(ExitCode::SUCCESS)
}

/// `md2030 backup DIR`.
fn backup(cli: &Cli, dir: &Path) -> anyhow::Result<ExitCode> {
    let root = data_dir(cli)?;
    let started = std::time::Instant::now();
    let manifest = md2030_store::backup::backup(
        &root,
        dir,
        &now_utc(),
        concat!("md2030 ", env!("CARGO_PKG_VERSION")),
    )?;
    let took = started.elapsed();
    let mut store = Store::open_shared(&root)?;
    users::audit(
        &mut store,
        "backup",
        &dir.display().to_string(),
        "ok",
        serde_json::json!({ "files": manifest.files.len(), "bytes": manifest.bytes() }),
    )?;
    output::line(&format!(
        "backup of {} written to {}: {} files, {} bytes, in {} ms; manifest {}",
        root.display(),
        dir.display(),
        manifest.files.len(),
        manifest.bytes(),
        took.as_millis(),
        dir.join(md2030_store::backup::MANIFEST).display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// `md2030 restore DIR --data-dir NEW`.
fn restore(cli: &Cli, dir: &Path) -> anyhow::Result<ExitCode> {
    let root = data_dir(cli)?;
    let started = std::time::Instant::now();
    let manifest = md2030_store::backup::restore(dir, &root)?;
    let took = started.elapsed();
    let mut store = Store::open_shared(&root)?;
    users::audit(
        &mut store,
        "restore",
        &dir.display().to_string(),
        "ok",
        serde_json::json!({ "files": manifest.files.len(), "bytes": manifest.bytes(), "backup_created": manifest.created }),
    )?;
    output::line(&format!(
        "restored {} into {}: {} files, {} bytes, checked and verified, in {} ms",
        dir.display(),
        root.display(),
        manifest.files.len(),
        manifest.bytes(),
        took.as_millis()
    ));
    Ok(ExitCode::SUCCESS)
}

/// `md2030 peers …`.
fn peers(cli: &Cli, command: &PeersCommand) -> anyhow::Result<ExitCode> {
    use md2030_analytics::peers;
    match command {
        PeersCommand::List => {
            let store = open_reader(cli)?;
            let (catalog, _) = compute::load_catalog(store.root())?;
            let results = store
                .current_results()?
                .and_then(|r| md2030_results::stored_results(&store, &r.version_id));
            let report = results.as_ref().and_then(|r| r.peers.as_ref());
            let egdi = report.and_then(|r| r.indicator("egdi")).and_then(|i| i.last());
            for group in peers::groups(&catalog.peer_sets) {
                let rank = egdi
                    .and_then(|p| p.standings.iter().find(|s| s.group == group.id))
                    .map(|s| {
                        format!("EGDI {}: {} / {}", egdi.map_or("", |p| &p.period), s.rank, s.of)
                    })
                    .unwrap_or_else(|| "EGDI: no results".into());
                let members = if group.id == "world" {
                    format!("{} countries", group.members.len())
                } else {
                    group.members.join(" ")
                };
                output::line(&format!(
                    "{:<12} {:<8} {} — {members} — {rank}",
                    group.id,
                    group.classified_by,
                    group.name.get(cli.lang)
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        PeersCommand::Set { id, members, name_fr, name_ar, name_en } => {
            let mut store = open_writer(cli, "change of a peer set")?;
            let files = md2030_results::read_catalog(store.root())?;
            let mut sets = peers::parse_peer_sets(&files.peers)?;
            let members: Vec<String> = members.iter().map(|m| m.trim().to_uppercase()).collect();
            let before = sets.iter().find(|s| &s.id == id).map(|s| s.members.clone());
            match sets.iter_mut().find(|s| &s.id == id) {
                Some(set) => {
                    set.members = members.clone();
                    for (slot, given) in [
                        (&mut set.name.fr, name_fr),
                        (&mut set.name.ar, name_ar),
                        (&mut set.name.en, name_en),
                    ] {
                        if let Some(given) = given {
                            *slot = given.clone();
                        }
                    }
                }
                None => {
                    let (Some(fr), Some(ar), Some(en)) = (name_fr, name_ar, name_en) else {
                        bail!(
                            "{id} is a new set: give its name with --name-fr, --name-ar and --name-en"
                        );
                    };
                    sets.push(peers::PeerSet {
                        id: id.clone(),
                        name: md2030_model::I18n { fr: fr.clone(), ar: ar.clone(), en: en.clone() },
                        phrase: None,
                        members: members.clone(),
                    });
                }
            }
            // Checked (codes, duplicates, ids) before anything is written.
            let text = peers::peer_sets_toml(&sets)?;
            let folder = store.root().join("catalog");
            std::fs::create_dir_all(&folder)
                .with_context(|| format!("creating {}", folder.display()))?;
            let path = folder.join("peers.toml");
            let partial = folder.join("peers.toml.partial");
            std::fs::write(&partial, &text)
                .with_context(|| format!("writing {}", partial.display()))?;
            std::fs::rename(&partial, &path)
                .with_context(|| format!("writing {}", path.display()))?;
            users::audit(
                &mut store,
                "peer-set-change",
                id,
                "ok",
                serde_json::json!({ "before": before, "now": members }),
            )?;
            output::line(&format!(
                "peer set {id}: {}; written to {}",
                members.join(" "),
                path.display()
            ));
            recompute(&mut store, today());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `md2030 briefings …`.
fn briefings(cli: &Cli, command: &BriefingsCommand) -> anyhow::Result<ExitCode> {
    if let BriefingsCommand::List { json } = command {
        // The archive needs no configuration (nor the SMTP password it names).
        let store = open_reader(cli)?;
        output::editions(&store.editions()?, &store.deliveries()?, *json)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut store = open_writer(cli, "briefing delivery")?;
    let config = config::load(store.root(), cli.config.as_deref())?.delivery;
    let now = chrono::Utc::now();
    match command {
        BriefingsCommand::List { .. } => Ok(ExitCode::SUCCESS),
        BriefingsCommand::Schedule => {
            let config = config.context("no delivery configuration: write md2030.toml in the data directory or pass --config")?;
            output::line(&format!(
                "languages: {}; recipients: {}; SMTP: {}",
                config.languages.iter().map(|l| l.code()).collect::<Vec<_>>().join(", "),
                config.recipients.len(),
                config
                    .smtp
                    .as_ref()
                    .map(|s| format!("{}:{}", s.host, s.port))
                    .unwrap_or_else(|| "none".into())
            ));
            for slot in config.schedule.upcoming(now, 6) {
                output::line(&format!(
                    "{}  due {}  dated {}",
                    slot.id,
                    cycle::rfc3339(slot.due_at),
                    slot.edition_date
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        BriefingsCommand::Send { as_of } => {
            let config = config.context("no delivery configuration: write md2030.toml in the data directory or pass --config")?;
            let catalog = md2030_results::read_catalog(store.root())?;
            let as_of = as_of.unwrap_or_else(|| config.schedule.local_date(now));
            let built =
                cycle::build_edition(&mut store, &config, &catalog, as_of, "on-demand", now)?;
            let mut events = vec![cycle::Event::Built {
                slot: "on-demand".into(),
                edition: built.edition.edition_id.clone(),
                new: built.new_edition,
            }];
            let queued = cycle::enqueue(&mut store, &config, &built.edition, now)?;
            events.push(cycle::Event::Queued {
                edition: built.edition.edition_id.clone(),
                recipients: queued,
            });
            cycle::send_due(&mut store, &config, now, &mut events)?;
            Ok(report_events(&events))
        }
        BriefingsCommand::Run => {
            let config = config.context("no delivery configuration: write md2030.toml in the data directory or pass --config")?;
            let catalog = md2030_results::read_catalog(store.root())?;
            let mut events = Vec::new();
            cycle::settle(&mut store, &mut events)?;
            events.extend(cycle::cycle(&mut store, &config, &catalog, now));
            if events.is_empty() {
                output::line("nothing due");
            }
            Ok(report_events(&events))
        }
    }
}

/// Prints what a delivery run did; exit 1 when something failed or waits for a retry.
fn report_events(events: &[cycle::Event]) -> ExitCode {
    for event in events {
        if event.is_problem() {
            output::error(&event.describe());
        } else {
            output::line(&event.describe());
        }
    }
    if events.iter().any(cycle::Event::is_problem) { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// Resolves on Ctrl-C or SIGTERM: the server stops accepting, finishes the
/// requests in flight, and exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Recomputes the indicators after the data changed and says so; a failure is
/// reported but does not undo the ingest (the data is stored; `md2030 compute`
/// retries).
fn recompute(store: &mut Store, as_of: chrono::NaiveDate) {
    recompute_summed(store, as_of, None);
}

/// [`recompute`] with the transaction aggregates summed by the ingest.
fn recompute_summed(
    store: &mut Store,
    as_of: chrono::NaiveDate,
    summed: Option<md2030_analytics::series::Summed>,
) {
    let started = std::time::Instant::now();
    match compute::compute_and_store_summed(store, as_of, &now_utc(), false, summed) {
        Ok((computed, committed)) => {
            output::computed(&computed, &committed, started.elapsed().as_millis())
        }
        Err(err) => output::error(&format!(
            "md2030: the data is stored but the indicators were not recomputed: {err:#}; run `md2030 compute`"
        )),
    }
}

/// A quarter such as `2025-Q4`.
fn parse_quarter(text: &str) -> Result<String, String> {
    let valid = text.len() == 7
        && text[..4].bytes().all(|b| b.is_ascii_digit())
        && matches!(&text[4..], "-Q1" | "-Q2" | "-Q3" | "-Q4");
    if valid {
        Ok(text.to_string())
    } else {
        Err(format!("{text:?} is not a quarter like 2025-Q4"))
    }
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
