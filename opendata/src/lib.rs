//! Files for other tools: the open-data export (`md2030 export`,
//! `/download/export.zip`), the indicator series as SDMX ([`sdmx`]), and stored
//! dataset versions and the audit log as CSV ([`csv`]). Every dataset's current
//! version and the indicator results, as Parquet and CSV, described by a
//! Frictionless Data Package (`datapackage.json`: one resource per file, the
//! contracts' Table Schemas on the CSV files, licences, sources, dataset versions
//! and hashes; `frictionless validate` checks every CSV row against its schema and
//! every file's size and SHA-256).
//!
//! Layout of the output directory:
//! - `data/<dataset>.parquet` (the stored file, byte for byte) and `.csv`;
//! - `results/indicators.{parquet,csv}` (one row per indicator) and
//!   `results/observations.{parquet,csv}` (every value of every series);
//! - `sdmx/`: observations, structure and code lists;
//! - `datapackage.json`, written last: a directory without it is not an export.
//!
//! **Invariant:** reads the published state only ([`Published`]); every CSV cell
//! goes through [`md2030_model::csv::formula_safe`].

pub mod csv;
pub mod sdmx;

use std::fs;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::DataType;
use md2030_analytics::catalog::Catalog;
use md2030_analytics::results::Results;
use md2030_model::{Contract, FieldType};
use md2030_results::{OBSERVATIONS_PARQUET, Published, SUMMARY_PARQUET};
use md2030_store::{ResultsRecord, Store, VersionRecord};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{what} {path}: {source}")]
    Io { what: &'static str, path: PathBuf, source: std::io::Error },
    #[error("{0} exists and is not empty: export into a new directory")]
    NotEmpty(PathBuf),
    #[error("no contract for {0}")]
    NoContract(String),
    #[error(transparent)]
    Store(#[from] md2030_store::Error),
    #[error(transparent)]
    Published(#[from] md2030_results::Error),
    #[error("writing CSV: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("reading Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("reading Arrow batches: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    #[error("writing the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Analytics(#[from] md2030_analytics::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An IO error with what was being done and on which path.
fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error + use<> {
    let path = path.to_path_buf();
    move |source| Error::Io { what, path, source }
}

/// What an export wrote.
#[derive(Debug)]
pub struct Exported {
    pub resources: usize,
    pub bytes: u64,
    pub results_version: String,
    pub datasets: Vec<String>,
}

/// The licence of md2030's own sample and of the results it computes, and the
/// licence of each external publisher's files as their terms state them.
fn licence(producer: &str) -> serde_json::Value {
    match producer {
        "WB" => {
            serde_json::json!({"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/", "title": "Creative Commons Attribution 4.0 (World Bank Open Data terms)"})
        }
        "OpenStreetMap contributors" => {
            serde_json::json!({"name": "ODbL-1.0", "path": "https://opendatacommons.org/licenses/odbl/1-0/", "title": "Open Data Commons Open Database License 1.0"})
        }
        "UNDESA" | "ITU" | "HCP" => {
            serde_json::json!({"name": "other-at", "title": format!("{producer} terms of use: attribution required")})
        }
        _ => {
            serde_json::json!({"name": "etalab-2.0", "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/", "title": "Licence Ouverte / Open Licence 2.0 (proposed for ministry data; to be confirmed by each producer)"})
        }
    }
}

/// A contract field as a Frictionless Table Schema field (standard keys only).
fn schema_field(field: &md2030_model::Field) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    out.insert("name".into(), field.name.clone().into());
    let (kind, pattern) = match field.field_type {
        FieldType::Quarter => ("string", Some("[0-9]{4}-Q[1-4]".to_string())),
        other => (other.as_str(), field.pattern_source.clone()),
    };
    out.insert("type".into(), kind.into());
    out.insert("title".into(), field.titles.get(md2030_model::Lang::En).into());
    out.insert("description".into(), field.descriptions.get(md2030_model::Lang::En).into());
    let mut constraints = serde_json::Map::new();
    if field.required {
        constraints.insert("required".into(), true.into());
    }
    if field.unique {
        constraints.insert("unique".into(), true.into());
    }
    let bound = |x: f64| -> serde_json::Value {
        if matches!(field.field_type, FieldType::Integer | FieldType::Year) {
            (x as i64).into()
        } else {
            x.into()
        }
    };
    if let Some(min) = field.minimum.filter(|_| field.field_type != FieldType::Date) {
        constraints.insert("minimum".into(), bound(min));
    }
    if let Some(max) = field.maximum.filter(|_| field.field_type != FieldType::Date) {
        constraints.insert("maximum".into(), bound(max));
    }
    if let Some(n) = field.min_length {
        constraints.insert("minLength".into(), n.into());
    }
    if let Some(n) = field.max_length {
        constraints.insert("maxLength".into(), n.into());
    }
    if let Some(pattern) = pattern {
        constraints.insert("pattern".into(), pattern.into());
    }
    if let Some(values) = &field.enum_values {
        constraints.insert("enum".into(), values.clone().into());
    }
    if !constraints.is_empty() {
        out.insert("constraints".into(), constraints.into());
    }
    serde_json::Value::Object(out)
}

/// The Table Schema of a stored dataset: the contract's fields in the stored order.
fn contract_schema(contract: &Contract, stored: &[String]) -> serde_json::Value {
    let fields: Vec<serde_json::Value> = stored
        .iter()
        .filter_map(|name| contract.fields.iter().find(|f| &f.name == name))
        .map(schema_field)
        .collect();
    let mut schema = serde_json::json!({
        "fields": fields,
        "missingValues": [""],
    });
    if !contract.primary_key.is_empty() {
        schema["primaryKey"] = contract.primary_key.clone().into();
    }
    schema
}

/// A Table Schema read off an Arrow schema (the results tables).
fn arrow_schema(batches: &[RecordBatch]) -> serde_json::Value {
    let fields: Vec<serde_json::Value> = batches
        .first()
        .map(|b| {
            b.schema()
                .fields()
                .iter()
                .map(|f| {
                    let kind = match f.data_type() {
                        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
                            "integer"
                        }
                        DataType::Float32 | DataType::Float64 => "number",
                        DataType::Boolean => "boolean",
                        DataType::Date32 => "date",
                        _ => "string",
                    };
                    serde_json::json!({"name": f.name(), "type": kind})
                })
                .collect()
        })
        .unwrap_or_default();
    serde_json::json!({"fields": fields, "missingValues": [""]})
}

fn read_parquet(bytes: Vec<u8>) -> Result<Vec<RecordBatch>> {
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        bytes::Bytes::from(bytes),
    )?
    .build()?;
    Ok(reader.collect::<Result<Vec<_>, _>>()?)
}

/// Writes `dir/relative` through `fill`, a buffer's worth at a time (memory does
/// not grow with the file), and returns the resource's path, size and hash.
fn write_streamed(
    dir: &Path,
    relative: &str,
    fill: impl FnOnce(&mut dyn std::io::Write) -> Result<()>,
) -> Result<(String, u64, String)> {
    use std::io::Write;
    let path = dir.join(relative);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io("creating", parent))?;
    }
    let file = fs::File::create(&path).map_err(io("creating", &path))?;
    let mut out =
        md2030_store::HashingWriter::new(std::io::BufWriter::with_capacity(1 << 20, file));
    fill(&mut out)?;
    out.flush().map_err(io("writing", &path))?;
    let (_, sha256, bytes) = out.into_parts();
    Ok((relative.to_string(), bytes, sha256))
}

/// Writes `bytes` under `dir` and returns the resource's path, size and hash.
fn write(dir: &Path, relative: &str, bytes: &[u8]) -> Result<(String, u64, String)> {
    write_streamed(dir, relative, |out| {
        out.write_all(bytes).map_err(io("writing", &dir.join(relative)))
    })
}

fn resource(
    name: &str,
    written: (String, u64, String),
    format: &str,
    schema: &serde_json::Value,
    extra: serde_json::Value,
) -> serde_json::Value {
    let (path, bytes, sha) = written;
    let mut out = serde_json::json!({
        "name": name,
        "path": path,
        "format": format,
        "bytes": bytes,
        "hash": format!("sha256:{sha}"),
    });
    if format == "csv" {
        // Tabular: validated row by row against the contract's Table Schema.
        out["profile"] = "tabular-data-resource".into();
        out["mediatype"] = "text/csv".into();
        out["encoding"] = "utf-8".into();
        out["dialect"] = serde_json::json!({"delimiter": ",", "header": true});
        out["schema"] = schema.clone();
    } else {
        // The same rows as the CSV twin, typed: a file whose size and hash are
        // checked (Frictionless reads Parquet through pandas, which turns nulls
        // into NaN and fails the integer and string fields).
        out["type"] = "file".into();
        out["mediatype"] = "application/vnd.apache.parquet".into();
        out["md2030:table"] = name.trim_end_matches("-parquet").into();
    }
    if let (Some(out), Some(extra)) = (out.as_object_mut(), extra.as_object()) {
        out.extend(extra.clone());
    }
    out
}

fn dataset_resources(
    store: &Store,
    version: &VersionRecord,
    dir: &Path,
) -> Result<Vec<serde_json::Value>> {
    let contract = md2030_model::find_contract(&version.dataset)
        .ok_or_else(|| Error::NoContract(version.dataset.clone()))?;
    // Streamed, batch by batch: a version of ten million rows is never whole in
    // memory, as CSV or as Arrow.
    let reader = store.reader(version)?;
    let arrow = arrow_array::RecordBatchReader::schema(&reader);
    let stored: Vec<String> = arrow.fields().iter().map(|f| f.name().clone()).collect();
    let schema = contract_schema(contract, &stored);
    let csv_path = format!("data/{}.csv", version.dataset);
    let csv = write_streamed(dir, &csv_path, |out| {
        crate::csv::version_csv_to(reader.map(|b| b.map_err(|e| e.to_string())), &arrow, out)
            .map_err(|err| io("writing", &dir.join(&csv_path))(std::io::Error::other(err)))
    })?;
    let path = store.path_of(version);
    let parquet = write_streamed(dir, &format!("data/{}.parquet", version.dataset), |out| {
        let mut file = fs::File::open(&path).map_err(io("reading", &path))?;
        std::io::copy(&mut file, out).map_err(io("copying", &path))?;
        Ok(())
    })?;
    let p = &version.provenance;
    let about = serde_json::json!({
        "title": contract.titles.get(md2030_model::Lang::En),
        "description": contract.descriptions.get(md2030_model::Lang::En),
        "sources": [{"title": p.source_file_name, "producer": contract.producer}],
        "licenses": [licence(&contract.producer)],
        "md2030:version": version.version_id,
        "md2030:stored_sha256": version.sha256,
        "md2030:source_sha256": p.source_sha256,
        "md2030:ingested_at": p.ingested_at,
        "md2030:contract_version": contract.contract_version,
        "md2030:sample_data": p.synthetic,
        "md2030:rows": version.row_count,
    });
    let name = version.dataset.replace('_', "-");
    Ok(vec![
        resource(&name, csv, "csv", &schema, about.clone()),
        resource(&format!("{name}-parquet"), parquet, "parquet", &schema, about),
    ])
}

fn results_resources(
    store: &Store,
    record: &ResultsRecord,
    dir: &Path,
) -> Result<Vec<serde_json::Value>> {
    let mut out = Vec::new();
    for (file, name, title) in [
        (SUMMARY_PARQUET, "indicators", "Every indicator: latest value, target, status"),
        (OBSERVATIONS_PARQUET, "observations", "Every value of every indicator series"),
    ] {
        let parquet = store.read_results_file(record, file)?;
        let batches = read_parquet(parquet.clone())?;
        let schema = arrow_schema(&batches);
        let csv = crate::csv::batches_to_csv(&batches)?;
        let about = serde_json::json!({
            "title": title,
            "licenses": [licence("")],
            "md2030:results_version": record.version_id,
            "md2030:results_sha256": record.sha256,
            "md2030:as_of": record.as_of,
        });
        out.push(resource(
            &format!("results-{name}"),
            write(dir, &format!("results/{name}.csv"), &csv)?,
            "csv",
            &schema,
            about.clone(),
        ));
        out.push(resource(
            &format!("results-{name}-parquet"),
            write(dir, &format!("results/{name}.parquet"), &parquet)?,
            "parquet",
            &schema,
            about,
        ));
    }
    Ok(out)
}

/// The decisions as CSV: one row per point with its confirmed status, and the
/// confirmed status reports; `None` when no decision is recorded. Every text cell
/// formula-safe. The export's `decisions/` files and the dashboard's download.
pub fn decisions_csv(store: &Store) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
    let decisions = store.decisions()?;
    if decisions.is_empty() {
        return Ok(None);
    }
    let updates: Vec<md2030_store::steering::PointUpdate> =
        store.point_updates()?.into_iter().filter(|u| u.state == "confirmed").collect();
    let safe = |s: &str| md2030_model::csv::formula_safe(s).into_owned();
    let mut points = ::csv::Writer::from_writer(Vec::new());
    points.write_record([
        "decision_id",
        "meeting_date",
        "decision",
        "point",
        "text",
        "owner",
        "due_date",
        "indicators",
        "expected_effect",
        "status",
        "status_since",
    ])?;
    let mut history = ::csv::Writer::from_writer(Vec::new());
    history.write_record([
        "decision_id",
        "point",
        "status",
        "reason",
        "evidence",
        "posted_by",
        "posted_at",
        "confirmed_by",
        "confirmed_at",
    ])?;
    for d in &decisions {
        for p in &d.points {
            points.write_record([
                d.id.to_string(),
                d.meeting_date.clone(),
                safe(&d.title),
                p.number.to_string(),
                safe(&p.text),
                p.owner.clone(),
                p.due_date.clone(),
                p.indicators.join(" "),
                safe(&p.expected_effect),
                p.status.as_str().to_string(),
                p.status_since.clone().unwrap_or_default(),
            ])?;
            for u in updates.iter().filter(|u| u.point_id == p.id) {
                history.write_record([
                    d.id.to_string(),
                    p.number.to_string(),
                    u.status.as_str().to_string(),
                    safe(&u.reason),
                    safe(&u.evidence.join(" ")),
                    safe(&u.posted_by),
                    u.posted_at.clone(),
                    safe(u.reviewed_by.as_deref().unwrap_or_default()),
                    u.reviewed_at.clone().unwrap_or_default(),
                ])?;
            }
        }
    }
    let bytes =
        |w: ::csv::Writer<Vec<u8>>| w.into_inner().map_err(|e| ::csv::Error::from(e.into_error()));
    Ok(Some((bytes(points)?, bytes(history)?)))
}

/// The Commission's decisions, one row per point with its confirmed status, and
/// the confirmed status reports (the points' history). Left out as not public:
/// reports awaiting confirmation or rejected, and the secretariat's judgments.
/// None when no decision is recorded.
fn decisions_resources(store: &Store, dir: &Path) -> Result<Vec<serde_json::Value>> {
    let Some((points, history)) = decisions_csv(store)? else { return Ok(Vec::new()) };
    let text = |name: &str| serde_json::json!({"name": name, "type": "string"});
    let integer = |name: &str| serde_json::json!({"name": name, "type": "integer"});
    let status = serde_json::json!({"name": "status", "type": "string",
        "constraints": {"enum": ["not_started", "on_schedule", "behind", "done"]}});
    let points_schema = serde_json::json!({
        "fields": [
            integer("decision_id"), {"name": "meeting_date", "type": "date"}, text("decision"),
            integer("point"), text("text"), text("owner"), {"name": "due_date", "type": "date"},
            text("indicators"), text("expected_effect"), status, text("status_since"),
        ],
        "missingValues": [""],
        "primaryKey": ["decision_id", "point"],
    });
    let history_schema = serde_json::json!({
        "fields": [
            integer("decision_id"), integer("point"), status, text("reason"), text("evidence"),
            text("posted_by"), text("posted_at"), text("confirmed_by"), text("confirmed_at"),
        ],
        "missingValues": [""],
    });
    let about = |title: &str| serde_json::json!({"title": title, "licenses": [licence("")]});
    Ok(vec![
        resource(
            "decisions-points",
            write(dir, "decisions/points.csv", &points)?,
            "csv",
            &points_schema,
            about("The Commission's decisions, one row per point with its confirmed status"),
        ),
        resource(
            "decisions-status-reports",
            write(dir, "decisions/status_reports.csv", &history)?,
            "csv",
            &history_schema,
            about("The confirmed status reports of the decision points, oldest first"),
        ),
    ])
}

/// The indicator series as SDMX-CSV 2.0, the SDMX-ML structure and the code lists.
fn sdmx_resources(
    results: &Results,
    catalog: &Catalog,
    record: &ResultsRecord,
    dir: &Path,
) -> Result<Vec<serde_json::Value>> {
    let files = crate::sdmx::files(results, catalog, &record.computed_at)?;
    let text = |name: &str| serde_json::json!({"name": name, "type": "string"});
    let observations_schema = serde_json::json!({
        "fields": [
            text("STRUCTURE"), text("STRUCTURE_ID"), text("ACTION"), text("INDICATOR"),
            text("REF_AREA"), text("BREAKDOWN"), text("MEMBER"), text("TIME_PERIOD"),
            {"name": "OBS_VALUE", "type": "number"}, text("UNIT_MEASURE"),
        ],
        "missingValues": [""],
        "primaryKey": ["INDICATOR", "REF_AREA", "BREAKDOWN", "MEMBER", "TIME_PERIOD"],
    });
    let about = serde_json::json!({
        "licenses": [licence("")],
        "md2030:results_version": record.version_id,
        "md2030:sdmx_dataflow": format!("{}:{}({})", crate::sdmx::AGENCY, crate::sdmx::DATAFLOW, crate::sdmx::VERSION),
    });
    let mut out = vec![
        resource(
            "sdmx-observations",
            write(dir, "sdmx/observations.csv", &files.data_csv)?,
            "csv",
            &observations_schema,
            about.clone(),
        ),
        {
            let mut r = resource(
                "sdmx-structure",
                write(dir, "sdmx/structure.xml", &files.structure_xml)?,
                "xml",
                &serde_json::Value::Null,
                about.clone(),
            );
            r["mediatype"] = "application/vnd.sdmx.structure+xml;version=2.1".into();
            r.as_object_mut().map(|o| o.remove("md2030:table"));
            r
        },
    ];
    let list_schema = serde_json::json!({
        "fields": [text("id"), text("name_fr"), text("name_ar"), text("name_en")],
        "missingValues": [""],
        "primaryKey": ["id"],
    });
    for (path, bytes) in &files.codelists {
        let name = Path::new(path)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("codelist")
            .to_lowercase()
            .replace('_', "-");
        out.push(resource(&name, write(dir, path, bytes)?, "csv", &list_schema, about.clone()));
    }
    Ok(out)
}

/// A CSV resource computed by the caller from the published state (the league
/// tables, whose figures are built where the languages live), written into the
/// export with its Table Schema.
#[derive(Debug, Clone)]
pub struct ExtraCsv {
    pub name: String,
    /// Inside the export: `league/ministries.csv`.
    pub path: String,
    pub title: String,
    pub bytes: Vec<u8>,
    pub schema: serde_json::Value,
}

/// What the caller adds to an export, from the published state.
pub type Extras<'a> = &'a dyn Fn(&Published) -> Vec<ExtraCsv>;

/// The league table `key` (`ministries`, `regions`) as an export resource: its
/// CSV, codes only (`view::league::league_csv` without names), and its schema.
pub fn league_resource(key: &str, bytes: Vec<u8>) -> ExtraCsv {
    let text = |name: &str| serde_json::json!({"name": name, "type": "string"});
    let number = |name: &str| serde_json::json!({"name": name, "type": "number"});
    let integer = |name: &str| serde_json::json!({"name": name, "type": "integer"});
    ExtraCsv {
        name: format!("league-{key}"),
        path: format!("league/{key}.csv"),
        title: format!(
            "The league of the {key}: each one's indicators with status, its level and improvement, ranked"
        ),
        bytes,
        schema: serde_json::json!({
            "fields": [
                text("code"), number("level"), integer("level_rank"), number("improvement"),
                integer("improvement_rank"), text("indicator"), {"name": "member", "type": "boolean"},
                text("status"), text("standing"), integer("movement"),
            ],
            "missingValues": [""],
            "primaryKey": ["code", "indicator", "member"],
        }),
    }
}

/// Morocco among its peers (`peers/`): every standing, every UN member's latest
/// value with its world rank (English names), and the outlook of the top-50
/// target; each with its Table Schema.
fn peers_resources(report: &md2030_analytics::peers::PeerReport) -> Vec<ExtraCsv> {
    use md2030_analytics::peers::csv;
    let text = |name: &str| serde_json::json!({"name": name, "type": "string"});
    let number = |name: &str| serde_json::json!({"name": name, "type": "number"});
    let integer = |name: &str| serde_json::json!({"name": name, "type": "integer"});
    let mut out = Vec::new();
    if let Ok(bytes) = csv::standings_csv(report) {
        out.push(ExtraCsv {
            name: "peers-standings".into(),
            path: "peers/standings.csv".into(),
            title: "Morocco among its peers: its rank, the group's median and leader and the country just above, per comparable indicator, period and group".into(),
            bytes,
            schema: serde_json::json!({
                "fields": [
                    text("indicator"), text("source_code"), text("period"), text("group"),
                    number("morocco_value"), integer("rank"), integer("of"), number("median"),
                    text("leader"), number("leader_value"), text("next_above"),
                    number("next_above_value"), integer("next_above_rank"), text("dataset_version"),
                ],
                "missingValues": [""],
                "primaryKey": ["indicator", "period", "group"],
            }),
        });
    }
    if let Ok(bytes) = csv::latest_csv(report, md2030_model::Lang::En) {
        out.push(ExtraCsv {
            name: "peers-latest".into(),
            path: "peers/latest.csv".into(),
            title: "Every UN member's value in the latest period of each comparable indicator, with its world rank".into(),
            bytes,
            schema: serde_json::json!({
                "fields": [
                    text("indicator"), text("period"), text("iso3"), text("country"),
                    number("value"), integer("world_rank"), text("dataset_version"),
                ],
                "missingValues": [""],
                "primaryKey": ["indicator", "iso3"],
            }),
        });
    }
    if let Ok(bytes) = csv::outlook_csv(report) {
        out.push(ExtraCsv {
            name: "peers-outlook".into(),
            path: "peers/outlook.csv".into(),
            title: "The top-50 e-government target projected: the score the rank needs and Morocco's projected index and rank, per survey year and scenario".into(),
            bytes,
            schema: serde_json::json!({
                "fields": [
                    integer("survey_year"), text("scenario"), integer("rank"), number("threshold"),
                    integer("morocco_latest_year"), number("morocco_latest_index"),
                    number("morocco_projected"), integer("morocco_projected_rank"),
                    number("needed_yearly_gain"), number("lever_osi"), number("lever_hci"),
                    number("lever_tii"), integer("countries_projected"),
                ],
                "missingValues": [""],
                "primaryKey": ["survey_year", "scenario"],
            }),
        });
    }
    out
}

/// Writes the export of the results `record` (the current one) and the current
/// dataset versions into `out`, which must not exist or be empty. Written into a
/// hidden directory beside it and renamed into place.
pub fn write_export(
    store: &Store,
    published: &Published,
    out: &Path,
    created: &str,
    extras: Extras<'_>,
) -> Result<Exported> {
    if !md2030_store::backup::absent_or_empty(out) {
        return Err(Error::NotEmpty(out.to_path_buf()));
    }
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io("creating", parent))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir: PathBuf = parent.join(format!(".md2030-export-{}-{nanos}", std::process::id()));
    fs::create_dir(&dir).map_err(io("creating", &dir))?;
    let written = fill(store, published, &dir, created, extras);
    let exported = match written {
        Ok(exported) => exported,
        Err(err) => {
            let _ = fs::remove_dir_all(&dir);
            return Err(err);
        }
    };
    if out.exists() {
        fs::remove_dir(out).map_err(io("replacing the empty", out))?;
    }
    if let Err(err) = fs::rename(&dir, out) {
        let _ = fs::remove_dir_all(&dir);
        return Err(io("moving the export to", out)(err));
    }
    Ok(exported)
}

fn fill(
    store: &Store,
    published: &Published,
    dir: &Path,
    created: &str,
    extras: Extras<'_>,
) -> Result<Exported> {
    let (results, record) = published.current()?;
    let versions = &published.versions;
    let mut resources = Vec::new();
    for version in versions {
        resources.extend(dataset_resources(store, version, dir)?);
    }
    resources.extend(results_resources(store, record, dir)?);
    resources.extend(sdmx_resources(results, &published.catalog, record, dir)?);
    resources.extend(decisions_resources(store, dir)?);
    let peers = results.peers.as_ref().map(peers_resources).unwrap_or_default();
    for extra in peers.into_iter().chain(extras(published)) {
        let about = serde_json::json!({"title": extra.title, "licenses": [licence("")]});
        resources.push(resource(
            &extra.name,
            write(dir, &extra.path, &extra.bytes)?,
            "csv",
            &extra.schema,
            about,
        ));
    }
    let synthetic = published.synthetic();
    let bytes = resources.iter().filter_map(|r| r["bytes"].as_u64()).sum();
    let package = serde_json::json!({
        "profile": "data-package",
        "name": "maroc-digital-2030",
        "title": if synthetic {
            "Maroc Digital 2030 indicators (SAMPLE DATA: synthetic ministry figures and extracts of public files, not for citation)"
        } else {
            "Maroc Digital 2030 indicators"
        },
        "description": "The datasets md2030 computes the Maroc Digital 2030 indicators from (the current published version of each) and the indicator results, as CSV and Parquet.",
        "version": record.version_id.trim_start_matches("results@v"),
        "created": created,
        "homepage": "https://github.com/md2030",
        "licenses": [licence("")],
        "sources": versions.iter().map(|v| serde_json::json!({
            "title": format!("{} ({})", v.provenance.source_file_name, v.version_id),
        })).collect::<Vec<_>>(),
        "md2030:results_version": record.version_id,
        "md2030:as_of": record.as_of,
        "md2030:sample_data": synthetic,
        "md2030:dataset_versions": versions.iter().map(|v| serde_json::json!({
            "dataset": v.dataset, "version": v.version_id, "sha256": v.sha256,
            "source_sha256": v.provenance.source_sha256,
        })).collect::<Vec<_>>(),
        "resources": resources,
    });
    let count = package["resources"].as_array().map(Vec::len).unwrap_or(0);
    let path = dir.join("datapackage.json");
    fs::write(&path, serde_json::to_vec_pretty(&package)?).map_err(io("writing", &path))?;
    Ok(Exported {
        resources: count,
        bytes,
        results_version: record.version_id.clone(),
        datasets: versions.iter().map(|v| v.version_id.clone()).collect(),
    })
}

/// Zips the files under `dir` (sorted, deflated, dated 1980-01-01 so that the
/// same export gives the same bytes) under the folder `prefix/` into `zip_path`.
pub fn zip_dir(dir: &Path, prefix: &str, zip_path: &Path) -> Result<()> {
    use std::io::Write;
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current).map_err(io("listing", &current))? {
            let path = entry.map_err(io("listing", &current))?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let file = fs::File::create(zip_path).map_err(io("creating", zip_path))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for path in files {
        let relative = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        zip.start_file(format!("{prefix}/{relative}"), options)?;
        // Copied through a buffer: a large dataset's CSV is never whole in memory.
        let mut file = fs::File::open(&path).map_err(io("reading", &path))?;
        std::io::copy(&mut file, &mut zip).map_err(io("writing", zip_path))?;
    }
    let mut out = zip.finish()?;
    out.flush().map_err(io("writing", zip_path))?;
    out.into_inner()
        .map_err(|e| io("writing", zip_path)(e.into_error()))?
        .sync_all()
        .map_err(io("writing", zip_path))?;
    Ok(())
}

/// What [`prune_cache`] removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub files: usize,
    pub bytes: u64,
}

/// The process that owns a hidden work file of a cache (`.NAME-PID`,
/// `.NAME-PID.zip`, `.NAME.PID.tmp`): its last number.
fn owner_pid(name: &str) -> Option<u32> {
    let name = name.strip_prefix('.')?;
    let name = name.strip_suffix(".tmp").or_else(|| name.strip_suffix(".zip")).unwrap_or(name);
    name.rsplit(['-', '.']).next()?.parse().ok()
}

/// Keeps a derived cache directory (`downloads/`, `exports/`) within `budget`
/// bytes. Files `keep` names stay; of the others the most recently written are
/// kept while they fit, and the rest are removed. A hidden work file goes only
/// when the process that named it is gone: a build in progress, here or in
/// another process, is never touched. A download already streaming a removed
/// file goes on (its open handle keeps the bytes).
pub fn prune_cache(dir: &Path, keep: &dyn Fn(&str) -> bool, budget: u64) -> Result<Pruned> {
    let mut pruned = Pruned::default();
    let Ok(entries) = fs::read_dir(dir) else { return Ok(pruned) };
    let mut candidates = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(metadata) = entry.metadata() else { continue };
        let path = entry.path();
        if name.starts_with('.') {
            let alive =
                owner_pid(&name).is_none_or(|pid| Path::new(&format!("/proc/{pid}")).exists());
            if !alive {
                let size = if metadata.is_dir() { 0 } else { metadata.len() };
                let removed = if metadata.is_dir() {
                    fs::remove_dir_all(&path)
                } else {
                    fs::remove_file(&path)
                };
                if removed.is_ok() {
                    pruned.files += 1;
                    pruned.bytes += size;
                }
            }
            continue;
        }
        if metadata.is_file() && !keep(&name) {
            let written = metadata.modified().unwrap_or(std::time::UNIX_EPOCH);
            candidates.push((written, metadata.len(), path));
        }
    }
    // Newest first: they fit while the budget lasts.
    candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
    let mut kept = 0u64;
    for (_, size, path) in candidates {
        if kept + size <= budget {
            kept += size;
        } else if fs::remove_file(&path).is_ok() {
            pruned.files += 1;
            pruned.bytes += size;
        }
    }
    Ok(pruned)
}

/// Past exports kept beside the current one (a few, for visitors who asked for
/// them a moment ago; a download in progress keeps its file open anyway).
const PAST_EXPORTS_BYTES: u64 = 512 * 1024 * 1024;

/// The zip of the export of the current results and dataset versions, built once
/// per (results version, dataset versions, decisions) under `exports/` in the data directory
/// and found there afterwards. Returns its path and download name.
pub fn export_zip(
    data_dir: &Path,
    created: &str,
    extras: Extras<'_>,
) -> Result<Option<(PathBuf, String)>> {
    let store = Store::open_read_only(data_dir)?;
    let published = Published::load_in_force(&store)?;
    let Some(record) = &published.results_record else { return Ok(None) };
    let mut hasher = Sha256::new();
    hasher.update(record.version_id.as_bytes());
    hasher.update(record.sha256.as_bytes());
    for v in &published.versions {
        hasher.update(v.version_id.as_bytes());
        hasher.update(v.sha256.as_bytes());
    }
    // The decisions and their confirmed statuses are in it too.
    hasher.update(store.steering_fingerprint().as_bytes());
    let key = &md2030_store::hex(&hasher.finalize())[..16];
    let stem = format!("md2030-export-{}-{key}", record.version_id.replace('@', "-"));
    let exports = data_dir.join("exports");
    let zip_path = exports.join(format!("{stem}.zip"));
    if zip_path.is_file() {
        return Ok(Some((zip_path, format!("{stem}.zip"))));
    }
    fs::create_dir_all(&exports).map_err(io("creating", &exports))?;
    // Leftovers of a build that died half-way go first (a live build's stay).
    prune_cache(&exports, &|_| true, 0)?;
    let dir = exports.join(format!(".{stem}-{}", std::process::id()));
    write_export(&store, &published, &dir, created, extras)?;
    let tmp = exports.join(format!(".{stem}-{}.zip", std::process::id()));
    let zipped = zip_dir(&dir, &stem, &tmp);
    let _ = fs::remove_dir_all(&dir);
    zipped?;
    fs::rename(&tmp, &zip_path).map_err(io("moving the zip to", &zip_path))?;
    let current = format!("{stem}.zip");
    prune_cache(&exports, &|name| name == current, PAST_EXPORTS_BYTES)?;
    Ok(Some((zip_path, current)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three past CSVs of 10 bytes in a 20-byte budget: the oldest goes, the
    /// current one stays whatever its age; a dead build's work file goes, a live
    /// one's (this process) stays.
    #[test]
    fn a_cache_keeps_the_current_file_and_the_newest_that_fit() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str, seconds: u64| {
            let path = dir.path().join(name);
            fs::write(&path, b"0123456789").unwrap();
            let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds);
            fs::File::options().write(true).open(&path).unwrap().set_modified(when).unwrap();
        };
        at("talent@v1-aaaa.csv", 1_000);
        at("talent@v2-bbbb.csv", 2_000);
        at("talent@v3-cccc.csv", 3_000);
        at("talent@v4-dddd.csv", 500); // current, and the oldest of all
        // pid_max is at most 2^22: this process cannot exist.
        at(".talent@v5.999999999.tmp", 4_000);
        at(&format!(".talent@v6.{}.tmp", std::process::id()), 4_000);
        let keep = |name: &str| name.starts_with("talent@v4-");
        let pruned = prune_cache(dir.path(), &keep, 20).unwrap();
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let live = format!(".talent@v6.{}.tmp", std::process::id());
        assert_eq!(
            left,
            [live.as_str(), "talent@v2-bbbb.csv", "talent@v3-cccc.csv", "talent@v4-dddd.csv"]
        );
        assert_eq!(pruned, Pruned { files: 2, bytes: 20 });
    }

    #[test]
    fn the_owner_of_a_work_file_is_its_last_number() {
        assert_eq!(owner_pid(".talent@v3.4242.tmp"), Some(4242));
        assert_eq!(owner_pid(".md2030-export-results-v2-0a1b-77"), Some(77));
        assert_eq!(owner_pid(".md2030-export-results-v2-0a1b-77.zip"), Some(77));
        assert_eq!(owner_pid("talent@v3-0a1b.csv"), None);
    }
}
