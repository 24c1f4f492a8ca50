//! End-to-end tests of the `md2030` command: real processes, real files, a real
//! store in a temporary directory.

#![allow(clippy::unwrap_used)]

mod access;
mod brief;
mod browser;
mod cli;
mod concurrency;
mod crash;
mod delivery;
mod export;
mod golden;
mod hostile;
mod malformed;
mod peers;
mod publish;
mod serve;
mod steering;

#[path = "../../../tests/src/real.rs"]
#[allow(unreachable_pub)]
mod real;
pub(crate) use real::real_data;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

pub(crate) fn md2030(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_md2030"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--lang", "en"])
        .args(args)
        .output()
        .expect("the md2030 binary runs")
}

pub(crate) fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// A store loaded with the sample data, in a fresh temporary directory.
pub(crate) fn sample_store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = md2030(dir.path(), &["load-sample"]);
    assert!(out.status.success(), "load-sample failed: {}", String::from_utf8_lossy(&out.stderr));
    dir
}

/// Every file under `dir` with its SHA-256: the store's bytes, to compare.
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let digest = Sha256::digest(std::fs::read(&path).unwrap());
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), format!("{digest:x}"));
            }
        }
    }
    files
}

/// What a rejected file must leave as it was: every stored file but the catalogue
/// (whose audit log records the rejection), and the catalogue's datasets and
/// current versions as `md2030 datasets --json` prints them.
pub(crate) fn stored_state(dir: &Path) -> (BTreeMap<PathBuf, String>, String) {
    let mut files = snapshot(dir);
    files.remove(Path::new("catalog.sqlite"));
    let out = md2030(dir, &["datasets", "--json"]);
    assert!(out.status.success());
    (files, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// One indicator of `md2030 indicators --json`'s output, by id.
pub(crate) fn indicator<'a>(results: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    let all = results["indicators"].as_array().expect("an indicators array");
    all.iter().find(|i| i["id"] == id).unwrap_or_else(|| panic!("no indicator {id}"))
}
