//! The store's writer lock: one writer at a time across every process on the data
//! directory.
//!
//! An exclusive `flock` on `<data dir>/writer.lock`, held for the life of a writer
//! [`Store`](crate::Store) and released by the kernel when the process ends, however
//! it ends. The holder writes who it is into the same file (what, by whom, since
//! when, process id), so a second writer can say what it waits for. Readers never
//! take it: they read the last committed catalogue.
//!
//! Files being written (staged versions, results and briefings, uploads) carry an
//! exclusive `flock` of their own while their writer lives; recovery removes only
//! the ones it can lock, so it never deletes a live writer's file, even an upload
//! streamed in before its writer asked for the store lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "writer.lock";

/// How long to wait for the writer lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Fail at once with [`Error::Busy`] if another writer holds it.
    No,
    /// Wait at most this long, then fail with [`Error::Busy`].
    Upto(Duration),
    /// Wait until it is free.
    Forever,
}

/// Who holds (or asks for) the writer lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// What the writer does: `ingest of service_transactions`, `publication of talent@v3`.
    pub what: String,
    /// Who asked: `cli:amina`, `web:karim`, `scheduler`.
    pub by: String,
    /// RFC 3339 UTC time the lock was taken.
    pub since: String,
    pub pid: u32,
}

impl Holder {
    pub fn new(what: impl Into<String>, by: impl Into<String>) -> Holder {
        Holder {
            what: what.into(),
            by: by.into(),
            since: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            pid: std::process::id(),
        }
    }

    fn encode(&self) -> String {
        let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        format!(
            "{}\t{}\t{}\t{}\n",
            self.pid,
            clean(&self.since),
            clean(&self.what),
            clean(&self.by)
        )
    }

    fn decode(text: &str) -> Option<Holder> {
        let mut fields = text.trim_end_matches('\n').splitn(4, '\t');
        let pid = fields.next()?.parse().ok()?;
        let since = fields.next()?.to_string();
        let what = fields.next()?.to_string();
        let by = fields.next()?.to_string();
        Some(Holder { what, by, since, pid })
    }

    /// `ingest of service_transactions started at 2026-12-02T14:02:11Z by cli:amina (process 4121)`.
    pub fn describe(&self) -> String {
        format!("{} started at {} by {} (process {})", self.what, self.since, self.by, self.pid)
    }
}

/// The held writer lock; dropping it releases the lock.
#[derive(Debug)]
pub struct WriterLock {
    file: File,
    holder: Holder,
}

impl WriterLock {
    /// Takes the writer lock of the data directory `root` for `holder`. While
    /// another writer holds it, `on_wait` is called once with that writer
    /// (when it could be read), then the call waits as `wait` says.
    pub fn acquire(
        root: &Path,
        holder: Holder,
        wait: Wait,
        on_wait: &mut dyn FnMut(Option<&Holder>),
    ) -> Result<WriterLock> {
        let path = root.join(LOCK_FILE);
        let io = |action: &'static str, path: &PathBuf| {
            let path = path.clone();
            move |source| Error::Io { action, path, source }
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io("opening", &path))?;
        let started = Instant::now();
        let mut told = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let other = read_holder(&mut file);
                    let deadline = match wait {
                        Wait::No => Some(Duration::ZERO),
                        Wait::Upto(limit) => Some(limit),
                        Wait::Forever => None,
                    };
                    if deadline.is_some_and(|d| started.elapsed() >= d) {
                        return Err(Error::Busy { holder: other.map(|h| h.describe()) });
                    }
                    if !told {
                        on_wait(other.as_ref());
                        told = true;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(TryLockError::Error(source)) => {
                    return Err(Error::Io { action: "locking", path, source });
                }
            }
        }
        file.set_len(0).map_err(io("writing", &path))?;
        file.seek(SeekFrom::Start(0)).map_err(io("writing", &path))?;
        file.write_all(holder.encode().as_bytes()).map_err(io("writing", &path))?;
        Ok(WriterLock { file, holder })
    }

    pub fn holder(&self) -> &Holder {
        &self.holder
    }

    /// Who holds the lock of `root` now, if anyone does (and said who).
    pub fn current_holder(root: &Path) -> Option<Holder> {
        let mut file = File::open(root.join(LOCK_FILE)).ok()?;
        match file.try_lock_shared() {
            Ok(()) => None,
            Err(_) => read_holder(&mut file),
        }
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        // Leave no stale name behind; the kernel releases the lock with the file.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(4096).read_to_string(&mut text).ok()?;
    Holder::decode(&text)
}

/// Creates `path` and holds an exclusive lock on it while the returned file (or a
/// clone of it) lives, so that recovery knows the file has a live writer.
pub fn create_owned(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new().read(true).write(true).create_new(true).open(path)?;
    file.try_lock().map_err(std::io::Error::from)?;
    Ok(file)
}

/// Locks a staging directory for as long as the returned handle lives.
pub(crate) fn own_dir(path: &Path) -> std::io::Result<File> {
    let dir = File::open(path)?;
    dir.try_lock().map_err(std::io::Error::from)?;
    Ok(dir)
}

/// True when some live process holds a lock on `path` (a file or a directory).
pub(crate) fn is_owned(path: &Path) -> bool {
    match File::open(path) {
        Ok(file) => matches!(file.try_lock(), Err(TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_told_who_holds_the_lock_and_gets_it_once_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = WriterLock::acquire(
            dir.path(),
            Holder::new("ingest of talent", "cli:amina"),
            Wait::No,
            &mut |_| {},
        )
        .unwrap();
        let mut seen = None;
        let refused = WriterLock::acquire(
            dir.path(),
            Holder::new("compute", "cli:omar"),
            Wait::Upto(Duration::from_millis(120)),
            &mut |h| seen = h.cloned(),
        )
        .unwrap_err();
        let seen = seen.expect("the waiter is told who writes");
        assert_eq!((seen.what.as_str(), seen.by.as_str()), ("ingest of talent", "cli:amina"));
        let message = refused.to_string();
        assert!(message.contains("ingest of talent started at"), "{message}");
        assert!(message.contains("by cli:amina"), "{message}");
        assert_eq!(WriterLock::current_holder(dir.path()).unwrap().by, "cli:amina");
        drop(first);
        assert!(WriterLock::current_holder(dir.path()).is_none());
        let second = WriterLock::acquire(
            dir.path(),
            Holder::new("compute", "cli:omar"),
            Wait::No,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(second.holder().what, "compute");
    }

    #[test]
    fn owned_files_are_seen_as_owned_until_closed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("upload.csv");
        let file = create_owned(&path).unwrap();
        assert!(is_owned(&path));
        drop(file);
        assert!(!is_owned(&path));
    }
}
