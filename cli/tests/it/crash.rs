//! An ingest killed with SIGKILL at any moment leaves the store consistent and the
//! previous version current.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{md2030, sample_store};

/// A valid service_transactions file of `months` x 40 procedures x 12 regions x 3
/// channels rows, in months far from the sample's so that keys are unique.
pub(crate) fn big_transactions_file(path: &std::path::Path, months: u32) {
    transactions_file(path, 0, months);
}

/// The same for months `first..first + months` counted from 1950-01.
pub(crate) fn transactions_file(path: &std::path::Path, first: u32, months: u32) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "period,procedure_id,region_code,channel,transactions").unwrap();
    let active = active_procedures();
    for m in first..first + months {
        let (year, month) = (1950 + m / 12, m % 12 + 1);
        for procedure in &active {
            for region in 1..=12 {
                for channel in ["online", "counter", "assisted_digital"] {
                    writeln!(
                        out,
                        "{year}-{month:02},{procedure},{region:02},{channel},{}",
                        (m * 7 + region) % 1000
                    )
                    .unwrap();
                }
            }
        }
    }
}

fn active_procedures() -> Vec<String> {
    let text =
        std::fs::read_to_string(crate::repo("data/sample/service_transactions.csv")).unwrap();
    let mut ids: Vec<String> =
        text.lines().skip(1).map(|l| l.split(',').nth(1).unwrap().to_string()).collect();
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn killing_an_ingest_mid_write_leaves_the_previous_version_current() {
    let store = sample_store();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    big_transactions_file(&file, 700);
    let staging = store.path().join("staging");
    // Kill at fractions of the time a dry run (reading and checking, no writing)
    // takes, so the kills land during the write on fast and slow machines alike.
    let start = Instant::now();
    let out = md2030(
        store.path(),
        &["ingest", "--dry-run", "service_transactions", file.to_str().unwrap()],
    );
    assert!(out.status.success());
    let dry_run_ms = start.elapsed().as_millis() as u64;
    // The real ingest writes in parallel and takes about as long as the dry run: kill
    // well before its end.
    for delay_ms in [0, dry_run_ms / 10, dry_run_ms / 5, dry_run_ms * 2 / 5] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_md2030"))
            .args([
                "--data-dir",
                store.path().to_str().unwrap(),
                "ingest",
                "service_transactions",
                file.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the staged Parquet file exists (the ingest is writing), then
        // kill it at a different point of the write each time.
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20)
            && std::fs::read_dir(&staging).unwrap().count() == 0
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(delay_ms));
        let finished_first = child.try_wait().unwrap().is_some();
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!finished_first, "the ingest finished before it could be killed ({delay_ms} ms)");
        let out = md2030(store.path(), &["verify"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        let out = md2030(store.path(), &["datasets", "--json"]);
        let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        let tx = items.iter().find(|i| i["dataset"] == "service_transactions").unwrap();
        assert_eq!(tx["current"]["version_no"], 1, "killed after {delay_ms} ms");
        assert_eq!(tx["current"]["row_count"], 34_560);
        // Readers leave the killed writer's staging file alone; the next writer
        // (here the ingest below) removes it.
    }
    // And the same file, left to finish, becomes version 2; this writer removed what
    // the killed ones left in staging.
    let out = md2030(store.path(), &["ingest", "service_transactions", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_dir(&staging).unwrap().count(), 0, "the writer cleans staging");
    let out = md2030(store.path(), &["versions", "service_transactions"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("service_transactions@v2"));
}
