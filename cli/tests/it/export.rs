//! `md2030 export`: the published datasets and results as Parquet and CSV with a
//! Frictionless Data Package that `frictionless validate` accepts, and the
//! indicator series as SDMX-CSV with its structure, read back by an SDMX reader.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{md2030, sample_store};

fn sha256(path: &Path) -> String {
    format!("{:x}", Sha256::digest(std::fs::read(path).unwrap()))
}

/// `frictionless` on PATH, or None (a failure when CI asks for it).
fn frictionless() -> Option<&'static str> {
    let found =
        Command::new("frictionless").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found && std::env::var_os("MD2030_REQUIRE_FRICTIONLESS").is_some() {
        panic!("frictionless is not installed (pip install frictionless==5.21.0)");
    }
    found.then_some("frictionless")
}

/// python3 with the sdmx1 package, or None (a failure when CI asks for it).
fn sdmx_reader() -> Option<&'static str> {
    let found = Command::new("python3")
        .args(["-c", "import sdmx"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var_os("MD2030_REQUIRE_FRICTIONLESS").is_some() {
        panic!("the SDMX reader is not installed (pip install sdmx1==2.28.0)");
    }
    found.then_some("python3")
}

#[test]
fn the_export_is_a_valid_data_package_of_the_published_versions() {
    let store = sample_store();
    let work = tempfile::tempdir().unwrap();
    let out_dir = work.path().join("export");
    let out = md2030(store.path(), &["export", "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let package: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("datapackage.json")).unwrap()).unwrap();
    assert!(package["title"].as_str().unwrap().contains("SAMPLE DATA"));
    assert_eq!(package["md2030:sample_data"], true);
    let resources = package["resources"].as_array().unwrap();
    // Every file's recorded size and hash are the file's.
    for r in resources {
        let path = out_dir.join(r["path"].as_str().unwrap());
        assert_eq!(r["bytes"].as_u64().unwrap(), std::fs::metadata(&path).unwrap().len());
        assert_eq!(r["hash"].as_str().unwrap(), format!("sha256:{}", sha256(&path)));
    }
    // Each current dataset version: its stored Parquet byte for byte, and a CSV
    // with one line per row after the header.
    let datasets: Value =
        serde_json::from_slice(&md2030(store.path(), &["datasets", "--json"]).stdout).unwrap();
    let current: Vec<&Value> =
        datasets.as_array().unwrap().iter().filter(|d| !d["current"].is_null()).collect();
    // Two files a dataset, four of results, the SDMX observations and structure,
    // five code lists, the three peer tables, the two league tables (no decision
    // recorded: none of them).
    assert_eq!(resources.len(), 2 * current.len() + 4 + 2 + 5 + 3 + 2);
    for d in &current {
        let name = d["dataset"].as_str().unwrap();
        let stored = store.path().join(d["current"]["file"].as_str().unwrap());
        assert_eq!(
            sha256(&out_dir.join(format!("data/{name}.parquet"))),
            sha256(&stored),
            "{name}"
        );
        let csv = std::fs::read_to_string(out_dir.join(format!("data/{name}.csv"))).unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(
            reader.records().count() as u64,
            d["current"]["row_count"].as_u64().unwrap(),
            "{name}"
        );
        let listed = package["md2030:dataset_versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["dataset"] == name)
            .unwrap();
        assert_eq!(listed["version"], d["current"]["version_id"]);
        assert_eq!(listed["sha256"], d["current"]["sha256"]);
    }
    // The results: offshoring jobs at 154,000 (2025-Q2), as `indicators --json` says.
    let results: Value =
        serde_json::from_slice(&md2030(store.path(), &["indicators", "--json"]).stdout).unwrap();
    let jobs = crate::indicator(&results, "offshoring_jobs");
    assert_eq!(jobs["headline"]["latest"]["value"], 154_000.0);
    let summary = std::fs::read_to_string(out_dir.join("results/indicators.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(summary.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name} in {headers:?}"))
    };
    let row = reader
        .records()
        .map(Result::unwrap)
        .find(|r| &r[col("indicator")] == "offshoring_jobs")
        .unwrap();
    assert_eq!(row[col("latest_value")].parse::<f64>().unwrap(), 154_000.0);

    // Frictionless reads every CSV row against its Table Schema, and every file's
    // size and hash.
    if let Some(tool) = frictionless() {
        let report = Command::new(tool)
            .args(["validate", "--json", "datapackage.json"])
            .current_dir(&out_dir)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&report.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&report.stdout)));
        assert_eq!(report["valid"], true, "{report:#}");
        assert_eq!(report["stats"]["tasks"].as_u64(), Some(resources.len() as u64));
    }

    sdmx_follows_the_standard_and_reads_back(&out_dir);

    // A second export into the same directory is refused and changes nothing.
    let before = crate::snapshot(&out_dir);
    let again = md2030(store.path(), &["export", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));
    assert_eq!(crate::snapshot(&out_dir), before);
}

/// The SDMX-CSV follows SDMX-CSV 2.0: its header, the dataflow, action I, and
/// periods in SDMX's formats; one row per observation of the results; an SDMX
/// reader (sdmx1) reads it back with the exported structure.
fn sdmx_follows_the_standard_and_reads_back(out_dir: &std::path::Path) {
    let sdmx = std::fs::read_to_string(out_dir.join("sdmx/observations.csv")).unwrap();
    let mut lines = sdmx.lines();
    assert_eq!(
        lines.next().unwrap(),
        "STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR,REF_AREA,BREAKDOWN,MEMBER,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE"
    );
    // SDMX periods: 2024, 2024-Q4, 2024-S2, 2024-12.
    let is_period = |p: &str| {
        let (year, rest) = p.split_at(p.len().min(4));
        year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && (rest.is_empty()
                || ["-Q1", "-Q2", "-Q3", "-Q4", "-S1", "-S2"].contains(&rest)
                || rest
                    .strip_prefix('-')
                    .and_then(|m| m.parse::<u32>().ok())
                    .is_some_and(|m| rest.len() == 3 && (1..=12).contains(&m)))
    };
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(sdmx.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    for row in &rows {
        assert_eq!(
            (row[0].as_str(), row[1].as_str(), row[2].as_str()),
            ("dataflow", "MD2030:DF_MD2030(1.0)", "I")
        );
        assert!(is_period(&row[7]), "period {row:?}");
    }
    let observations = csv::Reader::from_reader(
        std::fs::read_to_string(out_dir.join("results/observations.csv")).unwrap().as_bytes(),
    )
    .records()
    .count();
    assert_eq!(rows.len(), observations);
    assert!(rows.iter().any(|r| r[3] == "offshoring_jobs"
        && r[4] == "MA"
        && r[5] == "_T"
        && r[7] == "2025-Q2"
        && r[8] == "154000"
        && r[9] == "jobs"));
    // Read back by an SDMX reader (sdmx1) with the exported structure: every
    // observation equal to the results' CSV.
    if let Some(python) = sdmx_reader() {
        let check = Command::new(python)
            .arg(crate::repo("tools/check/sdmx_roundtrip.py"))
            .arg(out_dir)
            .output()
            .unwrap();
        let summary: Value = serde_json::from_slice(&check.stdout).unwrap_or_else(|_| {
            panic!(
                "{}{}",
                String::from_utf8_lossy(&check.stdout),
                String::from_utf8_lossy(&check.stderr)
            )
        });
        assert!(check.status.success(), "{summary:#}");
        assert_eq!(summary["observations_read"].as_u64(), Some(observations as u64));
        assert_eq!(summary["observations_expected"].as_u64(), Some(observations as u64));
        assert_eq!(
            summary["codelists"],
            serde_json::json!(["CL_AREA", "CL_BREAKDOWN", "CL_INDICATOR", "CL_MEMBER", "CL_UNIT"])
        );
    }
}

#[test]
fn the_dashboard_serves_the_export_as_a_zip_built_once_per_data_version() {
    let store = sample_store();
    let server = crate::serve::start(store.path());
    let fetch = |path: &str| -> Vec<u8> {
        let out = Command::new("python3")
            .args([
                "-c",
                "import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())",
                &format!("http://{}{path}", server.addr),
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let data_page = String::from_utf8(fetch("/en/data")).unwrap();
    assert!(data_page.contains("<a href=\"/download/export.zip\" download>Download everything"));
    let first = fetch("/download/export.zip");
    assert!(first.starts_with(b"PK\x03\x04"), "not a zip");
    let again = fetch("/download/export.zip");
    assert_eq!(first, again, "the second download is the kept zip");
    let kept: Vec<_> = std::fs::read_dir(store.path().join("exports"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let name = kept[0].to_string_lossy().to_string();
    assert!(name.starts_with("md2030-export-results-v1-") && name.ends_with(".zip"), "{name}");

    // Unzipped, it is the same export as the command's: the same files with the
    // same hashes, and a valid data package.
    let work = tempfile::tempdir().unwrap();
    let zip_path = work.path().join("export.zip");
    std::fs::write(&zip_path, &first).unwrap();
    let unzip = Command::new("python3")
        .args([
            "-m",
            "zipfile",
            "-e",
            zip_path.to_str().unwrap(),
            work.path().join("unzipped").to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(unzip.success());
    let root = work.path().join("unzipped").join(name.trim_end_matches(".zip"));
    let from_zip: Value =
        serde_json::from_slice(&std::fs::read(root.join("datapackage.json")).unwrap()).unwrap();
    let cli_dir = work.path().join("cli");
    assert!(md2030(store.path(), &["export", "--out", cli_dir.to_str().unwrap()]).status.success());
    let from_cli: Value =
        serde_json::from_slice(&std::fs::read(cli_dir.join("datapackage.json")).unwrap()).unwrap();
    let hashes = |p: &Value| -> Vec<(String, String)> {
        p["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (r["path"].as_str().unwrap().to_string(), r["hash"].as_str().unwrap().to_string())
            })
            .collect()
    };
    assert_eq!(hashes(&from_zip), hashes(&from_cli));
    for (path, hash) in hashes(&from_zip) {
        assert_eq!(format!("sha256:{}", sha256(&root.join(&path))), hash, "{path}");
    }
    if let Some(tool) = frictionless() {
        let report = Command::new(tool)
            .args(["validate", "--json", "datapackage.json"])
            .current_dir(&root)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&report.stdout).unwrap();
        assert_eq!(report["valid"], true, "{report:#}");
    }
}
