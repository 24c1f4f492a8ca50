//! Real operation: several processes on one data directory at once. Readers poll
//! while a large ingest writes; two writers queue on the store's lock; stewards
//! upload on the dashboard while the command line ingests; a writer aborted between
//! the rename and the catalogue commit, or just after it, leaves a store that
//! `verify` finds consistent.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::access::{self, PASSWORD};
use crate::crash::transactions_file;
use crate::{md2030, sample_store};

fn spawn(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_md2030"))
        .args(["--data-dir", data_dir.to_str().unwrap(), "--lang", "en"])
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Waits until the store's writer lock names `what` (the writer has started).
fn wait_for_writer(data_dir: &Path, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let held = std::fs::read_to_string(data_dir.join("writer.lock")).unwrap_or_default();
        if held.contains(what) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("no writer took the lock for {what} within 60 s");
}

/// Every version of `dataset` as `versions --json`-like records from `datasets`.
fn versions(data_dir: &Path, dataset: &str) -> String {
    let out = md2030(data_dir, &["versions", dataset]);
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn parquet_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn assert_consistent(data_dir: &Path) {
    let out = md2030(data_dir, &["verify"]);
    assert_eq!(out.status.code(), Some(0), "verify: {}", text(&out));
    assert!(text(&out).contains("store consistent"), "{}", text(&out));
}

#[test]
fn readers_poll_and_writers_queue_during_a_large_ingest() {
    let store = sample_store();
    let files = tempfile::tempdir().unwrap();
    let (big, small) = (files.path().join("big.csv"), files.path().join("small.csv"));
    // 240 months x 40 procedures x 12 regions x 3 channels = 345,600 rows.
    transactions_file(&big, 0, 240);
    transactions_file(&small, 400, 2);
    let mut first = spawn(
        store.path(),
        &["ingest", "service_transactions", big.to_str().unwrap()],
        &[("USER", "amina")],
    );
    wait_for_writer(store.path(), "ingest of service_transactions");

    // A second writer told to fail at once says who holds the store.
    let refused = md2030(store.path(), &["--no-wait", "compute"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    let said = text(&refused);
    assert!(
        said.contains("the store is busy: ingest of service_transactions started at")
            && said.contains("by cli:amina"),
        "{said}"
    );
    // A second ingest of the same dataset waits for the first, then lands after it.
    let second = spawn(
        store.path(),
        &["ingest", "service_transactions", small.to_str().unwrap()],
        &[("USER", "karim")],
    );
    // Readers all the while: none waits for the writer, none fails, none removes
    // anything.
    let mut readers = 0;
    while first.try_wait().unwrap().is_none() {
        for args in [
            &["datasets", "--json"][..],
            &["versions", "service_transactions"],
            &["audit", "--limit", "5"],
            &["user", "list"],
            &["briefings", "list"],
        ] {
            let out = md2030(store.path(), args);
            assert!(out.status.success(), "{args:?} during the ingest: {}", text(&out));
            readers += 1;
        }
    }
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "first ingest: {}", text(&first));
    let second = second.wait_with_output().unwrap();
    assert_eq!(second.status.code(), Some(0), "second ingest: {}", text(&second));
    assert!(
        text(&second).contains("waiting for the ingest of service_transactions started at"),
        "{}",
        text(&second)
    );
    assert!(readers >= 5, "only {readers} reads completed while the ingest ran");

    let listed = versions(store.path(), "service_transactions");
    assert!(listed.contains("service_transactions@v2"), "{listed}");
    assert!(listed.contains("service_transactions@v3"), "{listed}");
    let out = md2030(store.path(), &["datasets", "--json"]);
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let tx = items.iter().find(|i| i["dataset"] == "service_transactions").unwrap();
    // v3 (the second ingest) is a partition merge on v2: the sample's 34,560 rows,
    // the big file's 345,600 and the small file's 2 x 1,440.
    assert_eq!(tx["current"]["version_no"], 3);
    assert_eq!(tx["current"]["row_count"], 34_560 + 345_600 + 2 * 1_440);
    assert_consistent(store.path());
}

#[test]
fn a_writer_aborted_around_the_catalogue_commit_leaves_a_consistent_store() {
    let store = sample_store();
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("months.csv");
    transactions_file(&file, 500, 3);
    let dataset_dir = store.path().join("datasets/service_transactions");
    let before = parquet_files(&dataset_dir);
    assert_eq!(before.len(), 1);

    // Aborted after the file was renamed into place, before the catalogue commit.
    let out = spawn(
        store.path(),
        &["ingest", "service_transactions", file.to_str().unwrap()],
        &[("MD2030_FAILPOINT", "version-renamed")],
    )
    .wait_with_output()
    .unwrap();
    assert_eq!(out.status.code(), None, "the failpoint aborts: {}", text(&out));
    let after = parquet_files(&dataset_dir);
    assert_eq!(after.len(), 2, "the write had reached the rename: {after:?}");
    assert!(after.iter().any(|f| f.starts_with("v00002-")), "{after:?}");
    assert_consistent(store.path());
    assert!(!versions(store.path(), "service_transactions").contains("@v2"));
    // The next writer removes the file no catalogue row records.
    let out = md2030(store.path(), &["compute"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(parquet_files(&dataset_dir), before);

    // Aborted just after the commit: the version is there, whole, and current.
    let out = spawn(
        store.path(),
        &["ingest", "service_transactions", file.to_str().unwrap()],
        &[("MD2030_FAILPOINT", "version-committed")],
    )
    .wait_with_output()
    .unwrap();
    assert_eq!(out.status.code(), None, "the failpoint aborts: {}", text(&out));
    assert!(versions(store.path(), "service_transactions").contains("* service_transactions@v2"));
    assert_consistent(store.path());

    // The same for results: aborted after the rename of their directory.
    let results_dir = store.path().join("results");
    let results_before = parquet_files(&results_dir);
    let out = spawn(store.path(), &["compute"], &[("MD2030_FAILPOINT", "results-renamed")])
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), None, "the failpoint aborts: {}", text(&out));
    assert_eq!(parquet_files(&results_dir).len(), results_before.len() + 1);
    assert_consistent(store.path());
    let out = md2030(store.path(), &["compute"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(parquet_files(&results_dir).len(), results_before.len() + 1);
    assert_consistent(store.path());
}

#[test]
fn stewards_upload_while_the_command_line_ingests_and_reads() {
    let store = sample_store();
    access::users(store.path());
    let server = access::start(store.path(), &[]);
    let addr = server.addr.clone();
    let amina = access::sign_in(&addr, "amina", PASSWORD).unwrap();
    let karim = access::sign_in(&addr, "karim", PASSWORD).unwrap();
    let files = tempfile::tempdir().unwrap();
    let big = files.path().join("big.csv");
    transactions_file(&big, 0, 120);

    // Readers loop on the command line for the whole test.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (dir, stop) = (store.path().to_path_buf(), stop.clone());
        std::thread::spawn(move || {
            let mut runs = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let out = md2030(&dir, &["datasets"]);
                assert!(out.status.success(), "datasets: {}", text(&out));
                runs += 1;
            }
            runs
        })
    };
    // An upload sent while a command-line ingest holds the store waits for it,
    // then is stored as a pending version.
    let ingest =
        spawn(store.path(), &["ingest", "service_transactions", big.to_str().unwrap()], &[]);
    wait_for_writer(store.path(), "ingest of service_transactions");
    let year_file = |year: u32| {
        format!(
            "year,ministry_code,trained,trained_women,training_hours\n{year},MTNRA,700,300,21000\n"
        )
    };
    let reply = amina.upload(
        &addr,
        "civil_servant_training",
        "t.csv",
        year_file(2026).as_bytes(),
        Some(&amina.csrf),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let ingest = ingest.wait_with_output().unwrap();
    assert_eq!(ingest.status.code(), Some(0), "{}", text(&ingest));
    // More uploads back to back, each a pending version with its file.
    for year in 2020..2025 {
        let reply = amina.upload(
            &addr,
            "civil_servant_training",
            "t.csv",
            year_file(year).as_bytes(),
            Some(&amina.csrf),
        );
        assert_eq!(reply.status, 200, "{year}: {}", reply.body);
    }
    let listed = versions(store.path(), "civil_servant_training");
    let pending = listed.lines().filter(|l| l.contains("pending")).count();
    assert_eq!(pending, 6, "{listed}");
    assert_consistent(store.path());
    // Another steward of the ministry publishes the last one while readers read.
    let out = md2030(store.path(), &["datasets", "--json"]);
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let current = items.iter().find(|i| i["dataset"] == "civil_servant_training").unwrap()
        ["current"]["version_no"]
        .as_i64()
        .unwrap();
    let last = current + 6;
    let reply = karim.post(
        &addr,
        &format!("/en/review/civil_servant_training/{last}"),
        &[("csrf", &karim.csrf), ("decision", "publish"), ("note", "")],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let runs = reader.join().unwrap();
    assert!(runs >= 3, "{runs} reads");
    assert!(
        versions(store.path(), "civil_servant_training")
            .contains(&format!("* civil_servant_training@v{last}"))
    );
    assert_consistent(store.path());
    drop(server);
}

/// A backup taken while a large ingest writes (and the dashboard's readers would
/// read) takes no lock and waits for nothing; it restores into a store that
/// `verify` finds consistent, whose current `service_transactions` is either the
/// sample's v1 (34,560 rows) or the ingest's v2 (34,560 + 345,600 rows), never a
/// half-written one. A byte changed in the backup is found on restore, the file
/// named, and nothing is restored.
#[test]
fn a_backup_during_an_ingest_restores_to_a_consistent_store() {
    let store = sample_store();
    let files = tempfile::tempdir().unwrap();
    let big = files.path().join("big.csv");
    transactions_file(&big, 0, 240);
    let mut ingest = spawn(
        store.path(),
        &["ingest", "service_transactions", big.to_str().unwrap()],
        &[("USER", "amina")],
    );
    wait_for_writer(store.path(), "ingest of service_transactions");
    let backup = files.path().join("backup");
    let out = md2030(store.path(), &["backup", backup.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "backup: {}", text(&out));
    let during = ingest.try_wait().unwrap().is_none();
    let ingested = ingest.wait_with_output().unwrap();
    assert_eq!(ingested.status.code(), Some(0), "ingest: {}", text(&ingested));

    let restored = files.path().join("restored");
    let out = md2030(&restored, &["restore", backup.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "restore: {}", text(&out));
    assert_consistent(&restored);
    let out = md2030(&restored, &["datasets", "--json"]);
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let tx = items.iter().find(|i| i["dataset"] == "service_transactions").unwrap();
    let rows = tx["current"]["row_count"].as_u64().unwrap();
    assert!(
        rows == 34_560 || rows == 34_560 + 345_600,
        "{rows} rows (backup during the ingest: {during})"
    );
    // The restored store serves the same figures: the sample's users and audit
    // came with it.
    let audit = md2030(&restored, &["audit", "--format", "json"]);
    assert!(String::from_utf8_lossy(&audit.stdout).contains("\"restore\""));

    // One byte changed in a backed-up dataset version.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    let victim = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .find(|p| p.starts_with("datasets/talent/"))
        .unwrap();
    let path = backup.join(&victim);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let again = files.path().join("again");
    let out = md2030(&again, &["restore", backup.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains(&format!("{victim}: sha256")), "{}", text(&out));
    assert!(text(&out).contains("nothing restored"), "{}", text(&out));
    assert!(!again.join("catalog.sqlite").exists());
}
