//! Bounded resources: hostile files are read within a small address space, and the
//! dashboard keeps answering while visitors download large versions and hold idle
//! connections.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::access::{self, send};
use crate::crash::transactions_file;
use crate::{md2030, repo, sample_store};

/// Address space granted to `md2030 validate` below: enough for the binary, its
/// threads and an honest file, far too little for a dense 16,384 x 1,048,576 sheet
/// (550 GB) or for a 40 MB JSON document held whole as `serde_json::Value`s.
const ADDRESS_SPACE_KB: u64 = 1_536 * 1024;

fn validate_within(limit_kb: u64, data_dir: &Path, dataset: &str, file: &Path) -> Output {
    let script = format!(
        "ulimit -v {limit_kb}; exec \"$0\" --data-dir \"$1\" --lang en validate {dataset} \"$2\""
    );
    Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_md2030")])
        .arg(data_dir)
        .arg(file)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Peak resident memory of a process so far, in MB (`VmHWM`).
fn peak_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

#[test]
fn hostile_files_are_read_within_a_small_address_space() {
    let store = sample_store();
    // The 1.6 KB workbook with cells at A1 and XFD1048576: refused, naming the cell.
    let far = repo("data/fixtures/malformed/platforms.far_apart_cells.xlsx");
    assert!(std::fs::metadata(&far).unwrap().len() < 2_000);
    let out = validate_within(ADDRESS_SPACE_KB, store.path(), "platforms", &far);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("Feuil1!XFD1048576"), "{}", text(&out));
    // A1 and CV200000: read as two cells (no header fits the contract).
    let cv = repo("data/fixtures/malformed/platforms.far_cell_cv200000.xlsx");
    let out = validate_within(ADDRESS_SPACE_KB, store.path(), "platforms", &cv);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("[no_header]"), "{}", text(&out));
    // Legacy workbooks calamine lays out as dense rectangles, refused before it
    // reads them: .xls cells at A1 and IV65536 (16.8 million cells for two),
    // .ods A1 and ALL99000 (99 million), .ods one value repeated over 1,000 columns
    // and 100,000 rows. Before the check each of these was killed at this limit.
    for (file, says) in [
        (
            "platforms.far_apart_cells.xls",
            "sheet Feuil1: a used range of at most 1000008 cells (it spans 65536 rows by 256 columns",
        ),
        (
            "platforms.far_apart_cells.ods",
            "sheet Feuil1: a used range of at most 1000008 cells (it spans 99000 rows by 1000 columns",
        ),
        ("platforms.repeated_cells.ods", "a workbook of at most 20000000 filled cells"),
    ] {
        let path = repo(&format!("data/fixtures/malformed/{file}"));
        let out = validate_within(ADDRESS_SPACE_KB, store.path(), "platforms", &path);
        assert_eq!(out.status.code(), Some(1), "{file}: {}", text(&out));
        assert!(text(&out).contains(says), "{file}: {}", text(&out));
    }
    // A 40 MB JSON array of funding rounds, streamed: valid, every record read.
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("rounds.json");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&json).unwrap());
    let records = 250_000;
    write!(out, "{{\"meta\": {{\"source\": \"test\"}}, \"data\": [").unwrap();
    for i in 0..records {
        let sep = if i == 0 { "" } else { "," };
        write!(
            out,
            "{sep}\n {{\"round_id\": \"RND-{:06}\", \"startup_id\": \"STU-00093\", \"round_date\": \"2022-02-19\", \"amount_mad\": {}, \"stage\": \"pre_seed\", \"investor_type\": \"foreign\", \"note\": \"{}\"}}",
            900_000 + i,
            1000 + i,
            "x".repeat(40)
        )
        .unwrap();
    }
    write!(out, "]}}").unwrap();
    drop(out);
    assert!(std::fs::metadata(&json).unwrap().len() > 40_000_000);
    let out = validate_within(ADDRESS_SPACE_KB, store.path(), "startup_funding", &json);
    let said = text(&out);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{said}");
    assert!(said.contains(&format!("{records} data rows")), "{said}");
    // CSV and Parquet are read batch by batch: 432,000 rows in the same space.
    let csv = dir.path().join("transactions.csv");
    transactions_file(&csv, 0, 300);
    let out = validate_within(ADDRESS_SPACE_KB, store.path(), "service_transactions", &csv);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("432000 data rows"), "{}", text(&out));
}

#[test]
fn the_dashboard_answers_during_large_downloads_and_idle_connections() {
    let store = sample_store();
    let files = tempfile::tempdir().unwrap();
    let big = files.path().join("big.csv");
    // 150 months x 40 procedures x 12 regions x 3 channels: 216,000 rows, with the
    // sample's 34,560 a version of 250,560 rows (about 11 MB as CSV).
    transactions_file(&big, 0, 150);
    let out = md2030(store.path(), &["ingest", "service_transactions", big.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::write(store.path().join("md2030.toml"), "[dashboard]\nheader_timeout_seconds = 2\n")
        .unwrap();
    let server = access::start(store.path(), &[]);
    let addr = server.addr.clone();
    let pid = server.pid();
    let before = peak_mb(pid);

    // 64 connections that send nothing.
    let idle: Vec<TcpStream> = (0..64).map(|_| TcpStream::connect(&addr).unwrap()).collect();
    // Eight visitors download the large version as CSV at once.
    let downloads: Vec<_> = (0..8)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                send(&addr, "GET", "/download/dataset/service_transactions@v2.csv", &[], b"")
                    .unwrap()
            })
        })
        .collect();
    // Meanwhile other clients are answered.
    let started = Instant::now();
    for path in ["/healthz", "/en/", "/api/v1/indicators", "/en/data"] {
        let reply = send(&addr, "GET", path, &[], b"").unwrap();
        assert_eq!(reply.status, 200, "{path}");
    }
    let answered_in = started.elapsed();
    let mut bodies = Vec::new();
    for download in downloads {
        let reply = download.join().unwrap();
        assert_eq!(reply.status, 200);
        bodies.push(reply.body);
    }
    // Every visitor got the same, whole CSV: a header and 250,560 rows.
    assert!(bodies.iter().all(|b| b == &bodies[0]));
    assert_eq!(bodies[0].lines().count(), 1 + 250_560);
    assert!(bodies[0].starts_with("period,procedure_id,region_code,channel,transactions"));
    let after = peak_mb(pid);
    eprintln!(
        "downloads: server peak RSS {before} MB before, {after} MB after; others answered in {answered_in:?}"
    );
    assert!(after < before + 200, "the downloads took the server from {before} to {after} MB");
    // The idle connections were closed by the server after the head deadline.
    std::thread::sleep(Duration::from_secs(3));
    for mut connection in idle {
        connection.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut byte = [0u8; 1];
        assert_eq!(connection.read(&mut byte).unwrap_or(0), 0, "an idle connection stayed open");
    }
    assert_eq!(send(&addr, "GET", "/healthz", &[], b"").unwrap().status, 200);
    drop(server);
}
