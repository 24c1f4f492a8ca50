//! Backup and restore of a data directory while it serves (issue 19).
//!
//! **Backup** takes no lock and waits for nobody. It snapshots the catalogue
//! with SQLite's `VACUUM INTO`, which reads inside one read transaction, so the
//! copy is the last committed catalogue, whole. It then copies every file that
//! snapshot records: dataset versions, results, briefing editions and stocktake
//! packs. Those files are immutable once recorded and are never deleted: a
//! writer's recovery removes only files the catalogue does *not* record. So a
//! backup taken during an ingest holds either the old or the new current
//! version, never half of one. Each file is hashed as it is copied and must match
//! the SHA-256 the catalogue recorded. The administrator's `catalog/*.toml` and
//! `md2030.toml` are copied as they are.
//!
//! `manifest.json` lists every file with its size and SHA-256. It is written last,
//! so a backup without it is incomplete.
//!
//! **Restore** checks every file of a backup against its manifest before writing
//! anything. A corrupted or missing file is named, and nothing is created. It
//! then copies the files into a hidden directory beside the destination, checks
//! the result with [`Store::verify`], and renames it into place.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Error, Result, Store, hex};

/// The manifest's file name inside a backup.
pub const MANIFEST: &str = "manifest.json";

/// One file of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Relative to the data directory, `/`-separated.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created: String,
    /// The md2030 version that wrote it.
    pub writer: String,
    pub schema_version: i64,
    /// The catalogue first, then every recorded file, then the configuration.
    pub files: Vec<ManifestFile>,
}

impl Manifest {
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

/// A file the catalogue records, with the hash it recorded.
#[derive(Debug, Clone)]
pub struct RecordedFile {
    pub path: String,
    pub sha256: String,
}

impl Store {
    /// Every file this catalogue records: the dataset versions (all but those set
    /// aside as lost), the results files, the briefing editions' manifests and
    /// PDFs, the stocktake packs.
    pub fn recorded_files(&self) -> Result<Vec<RecordedFile>> {
        let mut out = Vec::new();
        for v in
            self.select_versions("WHERE v.lost_at IS NULL ORDER BY v.dataset, v.version_no", [])?
        {
            out.push(RecordedFile { path: v.file.clone(), sha256: v.sha256.clone() });
        }
        for r in self.results_versions()? {
            for f in &r.files {
                out.push(RecordedFile {
                    path: format!("{}/{}", r.dir, f.name),
                    sha256: f.sha256.clone(),
                });
            }
        }
        for e in self.editions()? {
            out.push(RecordedFile {
                path: format!("{}/manifest.json", e.dir),
                sha256: e.manifest_sha256.clone(),
            });
            for f in &e.files {
                out.push(RecordedFile { path: f.file.clone(), sha256: f.sha256.clone() });
            }
        }
        for p in self.packs()? {
            for f in &p.files {
                out.push(RecordedFile { path: f.file.clone(), sha256: f.sha256.clone() });
            }
        }
        Ok(out)
    }
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> Error + 'a {
    move |source| Error::Io { action, path: path.to_path_buf(), source }
}

/// Copies `from` to `to` (creating its folder), hashing the bytes as they pass,
/// and syncs the copy. Returns (sha256, bytes).
fn copy_hashed(from: &Path, to: &Path) -> Result<(String, u64)> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(io_err("creating", parent))?;
    }
    let mut source = File::open(from).map_err(io_err("opening", from))?;
    let mut target = File::create(to).map_err(io_err("creating", to))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = source.read(&mut buffer).map_err(io_err("reading", from))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        target.write_all(&buffer[..n]).map_err(io_err("writing", to))?;
        bytes += n as u64;
    }
    target.sync_all().map_err(io_err("syncing", to))?;
    Ok((hex(&hasher.finalize()), bytes))
}

/// True when `dir` does not exist or is an empty directory: where a backup, a
/// restore, an export or a static edition may be written.
pub fn absent_or_empty(dir: &Path) -> bool {
    !dir.exists() || fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false)
}

/// Backs the data directory `root` up into `out` (which must not exist or be
/// empty), as of now; `created` and `writer` go into the manifest.
pub fn backup(root: &Path, out: &Path, created: &str, writer: &str) -> Result<Manifest> {
    if !absent_or_empty(out) {
        return Err(Error::Backup(format!("{} exists and is not empty", out.display())));
    }
    let catalog = root.join("catalog.sqlite");
    if !catalog.is_file() {
        return Err(Error::Backup(format!("{} holds no md2030 catalogue", root.display())));
    }
    fs::create_dir_all(out).map_err(io_err("creating", out))?;
    // One read transaction: the last committed catalogue.
    let snapshot = out.join("catalog.sqlite");
    {
        let source = Store::open_read_only(root)?;
        let target = snapshot.to_string_lossy().to_string();
        source
            .conn
            .execute("VACUUM INTO ?1", [&target])
            .map_err(|source| Error::Catalog { path: catalog.clone(), source })?;
    }
    let (sha, bytes) = crate::sha256_file(&snapshot)?;
    let copy = Store::open_read_only(out)?;
    let schema_version = copy
        .conn
        .pragma_query_value(None, "user_version", |row| row.get::<_, i64>(0))
        .map_err(|source| Error::Catalog { path: snapshot.clone(), source })?;
    let mut files = vec![ManifestFile { path: "catalog.sqlite".into(), bytes, sha256: sha }];
    for recorded in copy.recorded_files()? {
        let from = root.join(&recorded.path);
        let (sha, bytes) = copy_hashed(&from, &out.join(&recorded.path))?;
        if sha != recorded.sha256 {
            return Err(Error::Backup(format!(
                "{}: sha256 {sha}, the catalogue recorded {}: the data directory is damaged (run md2030 verify)",
                recorded.path, recorded.sha256
            )));
        }
        files.push(ManifestFile { path: recorded.path, bytes, sha256: sha });
    }
    drop(copy);
    // The administrator's catalogue and the configuration, as they are.
    let mut configuration: Vec<String> = Vec::new();
    if let Ok(entries) = fs::read_dir(root.join("catalog")) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.ends_with(".toml") {
                configuration.push(format!("catalog/{name}"));
            }
        }
    }
    configuration.sort();
    if root.join("md2030.toml").is_file() {
        configuration.push("md2030.toml".into());
    }
    for path in configuration {
        let (sha256, bytes) = copy_hashed(&root.join(&path), &out.join(&path))?;
        files.push(ManifestFile { path, bytes, sha256 });
    }
    let manifest = Manifest {
        format: 1,
        created: created.to_string(),
        writer: writer.to_string(),
        schema_version,
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|err| Error::Backup(format!("writing the manifest: {err}")))?;
    let path = out.join(MANIFEST);
    let mut file = File::create(&path).map_err(io_err("creating", &path))?;
    file.write_all(&json).map_err(io_err("writing", &path))?;
    file.sync_all().map_err(io_err("syncing", &path))?;
    Ok(manifest)
}

/// Reads a backup's manifest.
pub fn read_manifest(backup: &Path) -> Result<Manifest> {
    let path = backup.join(MANIFEST);
    let bytes = fs::read(&path).map_err(|_| {
        Error::Backup(format!("{} has no {MANIFEST}: not a whole md2030 backup", backup.display()))
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|err| Error::Backup(format!("{}: {err}", path.display())))
}

/// Checks every file of a backup against its manifest; one line per problem.
pub fn check_backup(backup: &Path, manifest: &Manifest) -> Vec<String> {
    let mut problems = Vec::new();
    for file in &manifest.files {
        let unsafe_path = file.path.split('/').any(|part| part == ".." || part.is_empty())
            || file.path.starts_with('/');
        if unsafe_path {
            problems.push(format!("{}: not a path inside the backup", file.path));
            continue;
        }
        match crate::sha256_file(&backup.join(&file.path)) {
            Ok((sha, bytes)) if sha == file.sha256 && bytes == file.bytes => {}
            Ok((sha, bytes)) => problems.push(format!(
                "{}: sha256 {sha} ({bytes} bytes), the manifest says {} ({} bytes)",
                file.path, file.sha256, file.bytes
            )),
            Err(_) => problems.push(format!("{}: missing", file.path)),
        }
    }
    problems
}

/// Restores the backup in `backup` into `to` (which must not exist or be empty):
/// every file checked first, copied into a hidden directory beside `to`, the
/// result verified, then renamed into place.
pub fn restore(backup: &Path, to: &Path) -> Result<Manifest> {
    if !absent_or_empty(to) {
        return Err(Error::Backup(format!("{} exists and is not empty", to.display())));
    }
    let manifest = read_manifest(backup)?;
    let problems = check_backup(backup, &manifest);
    if !problems.is_empty() {
        return Err(Error::Backup(format!(
            "the backup in {} is damaged, nothing restored:\n  {}",
            backup.display(),
            problems.join("\n  ")
        )));
    }
    let parent = to.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io_err("creating", parent))?;
    let name = to.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let staging: PathBuf = parent.join(format!(".{name}.restoring-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    let result = (|| -> Result<()> {
        for file in &manifest.files {
            let (sha, _) = copy_hashed(&backup.join(&file.path), &staging.join(&file.path))?;
            if sha != file.sha256 {
                return Err(Error::Backup(format!("{}: changed while it was restored", file.path)));
            }
        }
        for dir in ["staging", "datasets"] {
            fs::create_dir_all(staging.join(dir)).map_err(io_err("creating", &staging))?;
        }
        let problems = Store::open_read_only(&staging)?.verify()?;
        if !problems.is_empty() {
            return Err(Error::Backup(format!(
                "the restored store does not verify:\n  {}",
                problems.join("\n  ")
            )));
        }
        Ok(())
    })();
    if let Err(err) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(err);
    }
    if to.exists() {
        fs::remove_dir(to).map_err(io_err("replacing the empty", to))?;
    }
    fs::rename(&staging, to).map_err(io_err("moving the restored store to", to))?;
    Ok(manifest)
}
