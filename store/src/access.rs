//! Accounts, sign-in sessions, the review of submitted versions, and the audit log.
//!
//! - *Accounts* carry a role (`viewer`, `steward`, `admin`), the ministries a
//!   steward answers for (producer codes of the dataset contracts), and an argon2id
//!   password hash (PHC string; the clear password never reaches this module).
//! - *Sessions* are stored by the SHA-256 of their token, so a copy of the
//!   catalogue does not hand out live cookies. Each has an idle and an absolute
//!   expiry and its own CSRF token.
//! - A version submitted on the dashboard is stored `pending`: its file is written
//!   like any other, but the current pointer does not move until a second steward
//!   of the same ministry signs it off (`published`) or it is `rejected`.
//! - The *audit log* is append-only (triggers refuse UPDATE and DELETE) and
//!   hash-chained: each entry's SHA-256 covers the previous entry's, so an edit
//!   made behind SQLite's back shows in [`Store::verify_audit`].

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Error, Result, Store, VersionRecord, hex};

/// Schema 5: failed sign-ins, kept so that throttling survives restarts and an
/// admin can clear it (`md2030 user unlock`).
pub(crate) const SIGNIN_SQL: &str = "
CREATE TABLE IF NOT EXISTS signin_failures (
    username TEXT NOT NULL COLLATE NOCASE,
    address TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS signin_failures_by_user ON signin_failures (username, at);
";

pub(crate) const ACCESS_SQL: &str = "
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'steward', 'admin')),
    ministries TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT 'fr',
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    disabled_at TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    address TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_account ON sessions (account_id);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    outcome TEXT NOT NULL,
    address TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_sha256 TEXT NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
ALTER TABLE versions ADD COLUMN status TEXT NOT NULL DEFAULT 'published'
    CHECK (status IN ('published', 'pending', 'rejected'));
ALTER TABLE versions ADD COLUMN reviewed_by TEXT;
ALTER TABLE versions ADD COLUMN reviewed_at TEXT;
ALTER TABLE versions ADD COLUMN review_note TEXT;
";

pub use md2030_model::account::{Account, Role};

#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub ministries: &'a [String],
    pub password_hash: &'a str,
    pub lang: &'a str,
    pub now: &'a str,
}

/// A live session and its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_sha256: String,
    pub csrf_token: String,
    /// Unix seconds.
    pub created_at: i64,
    pub last_seen: i64,
    pub expires_at: i64,
    pub account: Account,
}

/// The state of a stored version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionStatus {
    Published,
    Pending,
    Rejected,
}

impl VersionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Published => "published",
            VersionStatus::Pending => "pending",
            VersionStatus::Rejected => "rejected",
        }
    }

    pub(crate) fn parse(text: &str) -> VersionStatus {
        match text {
            "pending" => VersionStatus::Pending,
            "rejected" => VersionStatus::Rejected,
            _ => VersionStatus::Published,
        }
    }
}

/// A reviewer's decision on a pending version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Publish,
    Reject,
}

/// Why a review was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewRefusal {
    #[error("{0} is not pending (it is {1})")]
    NotPending(String, &'static str),
    #[error("{0} was submitted by {1}: a different steward must sign it off")]
    OwnSubmission(String, String),
    #[error("{0} was built on {1}, but the current version is now {2}: submit the file again")]
    Stale(String, String, String),
    /// The version's stored file is missing or is not the file recorded.
    #[error("{0} cannot be published: {1}")]
    BadFile(String, String),
}

/// One entry to append to the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry<'a> {
    /// RFC 3339 UTC.
    pub at: &'a str,
    /// Username, `cli:<os user>`, `scheduler`, or `anonymous`.
    pub actor: &'a str,
    /// `signin`, `signin-failed`, `signout`, `submit`, `publish`, `reject`, `ingest`,
    /// `account-add`, `account-disable`, `password-reset`, `targets`, `briefing`…
    pub action: &'a str,
    /// What it was done to: a version id, an account, an edition.
    pub subject: &'a str,
    /// `ok`, `refused`, `rejected`…
    pub outcome: &'a str,
    /// Client address, empty from the command line.
    pub address: &'a str,
    pub detail: serde_json::Value,
}

/// One recorded audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub outcome: String,
    pub address: String,
    pub detail: serde_json::Value,
    pub sha256: String,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn audit_hash(prev: &str, seq: i64, record: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(seq.to_string().as_bytes());
    for field in record {
        // Length-prefixed, so no two different entries hash alike.
        hasher.update((field.len() as u64).to_le_bytes());
        hasher.update(field.as_bytes());
    }
    hex(&hasher.finalize())
}

const SELECT_ACCOUNT: &str =
    "SELECT id, username, display_name, role, ministries, lang, created_at,
    password_changed_at, disabled_at FROM accounts";

fn account_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    account_at(row, 0)
}

/// The account in the columns of [`SELECT_ACCOUNT`], starting at column `at`.
fn account_at(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Account> {
    let role: String = row.get(at + 3)?;
    let ministries: String = row.get(at + 4)?;
    Ok(Account {
        id: row.get(at)?,
        username: row.get(at + 1)?,
        display_name: row.get(at + 2)?,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        ministries: ministries.split(',').filter(|m| !m.is_empty()).map(str::to_string).collect(),
        lang: row.get(at + 5)?,
        created_at: row.get(at + 6)?,
        password_changed_at: row.get(at + 7)?,
        disabled_at: row.get(at + 8)?,
    })
}

impl Store {
    /// Adds an account. `Ok(None)` when the username is taken.
    pub fn add_account(&mut self, new: &NewAccount<'_>) -> Result<Option<Account>> {
        let inserted = self.conn.execute(
            "INSERT INTO accounts (username, display_name, role, ministries, password_hash, lang,
                created_at, password_changed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
             ON CONFLICT(username) DO NOTHING",
            params![
                new.username,
                new.display_name,
                new.role.as_str(),
                new.ministries.join(","),
                new.password_hash,
                new.lang,
                new.now
            ],
        );
        match inserted.map_err(self.catalog_err())? {
            0 => Ok(None),
            _ => self.account(new.username),
        }
    }

    pub fn account(&self, username: &str) -> Result<Option<Account>> {
        self.conn
            .query_row(
                &format!("{SELECT_ACCOUNT} WHERE username = ?1"),
                [username],
                account_from_row,
            )
            .optional()
            .map_err(self.catalog_err())
    }

    /// Every account, by username.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SELECT_ACCOUNT} ORDER BY username COLLATE NOCASE"))
            .map_err(self.catalog_err())?;
        let rows = stmt.query_map([], account_from_row).map_err(self.catalog_err())?;
        rows.collect::<Result<_, _>>().map_err(self.catalog_err())
    }

    /// The account and its password hash, for signing in.
    pub fn credentials(&self, username: &str) -> Result<Option<(Account, String)>> {
        self.conn
            .query_row(
                "SELECT id, username, display_name, role, ministries, lang, created_at,
                    password_changed_at, disabled_at, password_hash FROM accounts WHERE username = ?1",
                [username],
                |row| Ok((account_from_row(row)?, row.get::<_, String>(9)?)),
            )
            .optional()
            .map_err(self.catalog_err())
    }

    /// Replaces the password hash and ends the account's sessions. False when there
    /// is no such account.
    pub fn set_password(&mut self, username: &str, password_hash: &str, now: &str) -> Result<bool> {
        self.update_account(
            username,
            "UPDATE accounts SET password_hash = ?2, password_changed_at = ?3 WHERE username = ?1",
            &[&password_hash, &now],
            true,
        )
    }

    /// Disables (or enables again) an account; disabling ends its sessions. False
    /// when there is no such account.
    pub fn set_disabled(&mut self, username: &str, disabled_at: Option<&str>) -> Result<bool> {
        self.update_account(
            username,
            "UPDATE accounts SET disabled_at = ?2 WHERE username = ?1",
            &[&disabled_at],
            disabled_at.is_some(),
        )
    }

    /// Runs `update` (`?1` the username, `?2`… `values`) and, if asked, ends the
    /// account's sessions, in one transaction. False when no account was updated.
    fn update_account(
        &mut self,
        username: &str,
        update: &str,
        values: &[&dyn rusqlite::ToSql],
        end_sessions: bool,
    ) -> Result<bool> {
        let catalog_err = self.catalog_err_owned();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&catalog_err)?;
        let mut bound: Vec<&dyn rusqlite::ToSql> = vec![&username];
        bound.extend_from_slice(values);
        let changed = tx.execute(update, bound.as_slice()).map_err(&catalog_err)?;
        if end_sessions {
            tx.execute(
                "DELETE FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE username = ?1)",
                [username],
            )
            .map_err(&catalog_err)?;
        }
        tx.commit().map_err(&catalog_err)?;
        Ok(changed > 0)
    }

    /// Records a new session (the caller keeps the token; only its hash is stored).
    pub fn create_session(
        &mut self,
        token_sha256: &str,
        account_id: i64,
        csrf_token: &str,
        now: i64,
        expires_at: i64,
        address: &str,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO sessions (token_sha256, account_id, csrf_token, created_at, last_seen,
                    expires_at, address) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)",
                params![token_sha256, account_id, csrf_token, now, expires_at, address],
            )
            .map_err(self.catalog_err())?;
        Ok(())
    }

    /// The live session with this token hash at `now`, if its account is active.
    pub fn session(&self, token_sha256: &str, now: i64) -> Result<Option<Session>> {
        self.conn
            .query_row(
                "SELECT s.token_sha256, s.csrf_token, s.created_at, s.last_seen, s.expires_at,
                    a.id, a.username, a.display_name, a.role, a.ministries, a.lang, a.created_at,
                    a.password_changed_at, a.disabled_at
                 FROM sessions s JOIN accounts a ON a.id = s.account_id
                 WHERE s.token_sha256 = ?1 AND s.expires_at > ?2 AND a.disabled_at IS NULL",
                params![token_sha256, now],
                |row| {
                    Ok(Session {
                        token_sha256: row.get(0)?,
                        csrf_token: row.get(1)?,
                        created_at: row.get(2)?,
                        last_seen: row.get(3)?,
                        expires_at: row.get(4)?,
                        account: account_at(row, 5)?,
                    })
                },
            )
            .optional()
            .map_err(self.catalog_err())
    }

    /// Moves a session's idle expiry.
    pub fn touch_session(&mut self, token_sha256: &str, now: i64, expires_at: i64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE sessions SET last_seen = ?2, expires_at = ?3 WHERE token_sha256 = ?1",
                params![token_sha256, now, expires_at],
            )
            .map_err(self.catalog_err())?;
        Ok(())
    }

    pub fn end_session(&mut self, token_sha256: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sessions WHERE token_sha256 = ?1", [token_sha256])
            .map_err(self.catalog_err())?;
        Ok(())
    }

    /// Failed sign-ins for `username` since `since` (unix seconds): those from
    /// `address`, and those from every address.
    pub fn signin_failures(&self, username: &str, address: &str, since: i64) -> Result<(u32, u32)> {
        self.conn
            .query_row(
                "SELECT COALESCE(SUM(address = ?2), 0), COUNT(*) FROM signin_failures
                 WHERE username = ?1 AND at >= ?3",
                params![username, address, since],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(self.catalog_err())
    }

    /// Records a failed sign-in (and forgets those older than a day).
    pub fn record_signin_failure(&mut self, username: &str, address: &str, at: i64) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO signin_failures (username, address, at) VALUES (?1, ?2, ?3)",
                params![username, address, at],
            )
            .and_then(|_| {
                self.conn.execute("DELETE FROM signin_failures WHERE at < ?1", [at - 86_400])
            })
            .map(|_| ())
            .map_err(self.catalog_err())
    }

    /// Forgets the failed sign-ins of `username` (from `address` only, when
    /// given); returns how many.
    pub fn clear_signin_failures(
        &mut self,
        username: &str,
        address: Option<&str>,
    ) -> Result<usize> {
        match address {
            Some(address) => self.conn.execute(
                "DELETE FROM signin_failures WHERE username = ?1 AND address = ?2",
                params![username, address],
            ),
            None => {
                self.conn.execute("DELETE FROM signin_failures WHERE username = ?1", [username])
            }
        }
        .map_err(self.catalog_err())
    }

    /// Removes expired sessions; returns how many.
    pub fn purge_sessions(&mut self, now: i64) -> Result<usize> {
        self.conn
            .execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])
            .map_err(self.catalog_err())
    }

    /// Appends to the audit log; returns the entry's sequence number.
    pub fn audit(&mut self, entry: &AuditEntry<'_>) -> Result<i64> {
        let catalog_err = self.catalog_err_owned();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&catalog_err)?;
        let (prev_seq, prev): (i64, String) = tx
            .query_row("SELECT seq, sha256 FROM audit ORDER BY seq DESC LIMIT 1", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
            .map_err(&catalog_err)?
            .unwrap_or((0, GENESIS.to_string()));
        let seq = prev_seq + 1;
        let detail = entry.detail.to_string();
        let sha = audit_hash(
            &prev,
            seq,
            &[
                entry.at,
                entry.actor,
                entry.action,
                entry.subject,
                entry.outcome,
                entry.address,
                &detail,
            ],
        );
        tx.execute(
            "INSERT INTO audit (seq, at, actor, action, subject, outcome, address, detail, prev_sha256, sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                seq,
                entry.at,
                entry.actor,
                entry.action,
                entry.subject,
                entry.outcome,
                entry.address,
                detail,
                prev,
                sha
            ],
        )
        .map_err(&catalog_err)?;
        tx.commit().map_err(&catalog_err)?;
        Ok(seq)
    }

    /// Audit entries with `seq > after`, oldest first, at most `limit`.
    pub fn audit_log(&self, after: i64, limit: usize) -> Result<Vec<AuditRecord>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, at, actor, action, subject, outcome, address, detail, sha256
                 FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(self.catalog_err())?;
        let rows = stmt
            .query_map(params![after, limit as i64], |row| {
                let detail: String = row.get(7)?;
                Ok(AuditRecord {
                    seq: row.get(0)?,
                    at: row.get(1)?,
                    actor: row.get(2)?,
                    action: row.get(3)?,
                    subject: row.get(4)?,
                    outcome: row.get(5)?,
                    address: row.get(6)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                    sha256: row.get(8)?,
                })
            })
            .map_err(self.catalog_err())?;
        rows.collect::<Result<_, _>>().map_err(self.catalog_err())
    }

    /// The newest `limit` audit entries, newest first.
    pub fn audit_tail(&self, limit: usize) -> Result<Vec<AuditRecord>> {
        let last: i64 = self
            .conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM audit", [], |row| row.get(0))
            .map_err(self.catalog_err())?;
        let mut records = self.audit_log((last - limit as i64).max(0), limit)?;
        records.reverse();
        Ok(records)
    }

    /// Recomputes the hash chain; one line per entry that does not match.
    pub fn verify_audit(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, at, actor, action, subject, outcome, address, detail, prev_sha256, sha256
                 FROM audit ORDER BY seq",
            )
            .map_err(self.catalog_err())?;
        let rows = stmt
            .query_map([], |row| {
                let mut fields = Vec::with_capacity(10);
                fields.push(row.get::<_, i64>(0)?.to_string());
                for i in 1..10 {
                    fields.push(row.get::<_, String>(i)?);
                }
                Ok(fields)
            })
            .map_err(self.catalog_err())?;
        let mut problems = Vec::new();
        let mut prev = GENESIS.to_string();
        let mut expected_seq = 1;
        for fields in rows {
            let f = fields.map_err(self.catalog_err())?;
            let seq: i64 = f[0].parse().unwrap_or(-1);
            if seq != expected_seq {
                problems.push(format!("audit entry {expected_seq} is missing (next is {seq})"));
            }
            if f[8] != prev {
                problems.push(format!("audit entry {seq} does not follow entry {}", seq - 1));
            }
            let fields: Vec<&str> = f[1..8].iter().map(String::as_str).collect();
            if audit_hash(&f[8], seq, &fields) != f[9] {
                problems.push(format!("audit entry {seq} was altered"));
            }
            prev = f[9].clone();
            expected_seq = seq + 1;
        }
        Ok(problems)
    }

    /// The versions `username` submitted or ingested, newest first (at most
    /// `limit`): what a steward's "My datasets" page lists with their outcome.
    pub fn versions_by(&self, username: &str, limit: usize) -> Result<Vec<VersionRecord>> {
        self.select_versions(
            "WHERE lower(v.ingested_by) = lower(?1) ORDER BY v.ingested_at DESC, v.id DESC LIMIT ?2",
            rusqlite::params![username, limit as i64],
        )
    }

    /// Versions awaiting sign-off, by dataset and number.
    pub fn pending_versions(&self) -> Result<Vec<VersionRecord>> {
        self.select_versions("WHERE v.status = 'pending' ORDER BY v.dataset, v.version_no", [])
    }

    /// Signs off (publishes: the version becomes current) or rejects a pending
    /// version. Refused when it is not pending, when the reviewer submitted it, or
    /// when a newer version was published since it was submitted. The permission
    /// check (same ministry, steward role) is the caller's.
    pub fn review(
        &mut self,
        dataset: &str,
        version_no: i64,
        decision: Decision,
        reviewer: &str,
        note: &str,
        now: &str,
    ) -> Result<Result<VersionRecord, ReviewRefusal>> {
        self.require_writer("reviewing a version")?;
        let record = self.version(dataset, version_no)?;
        if record.status != VersionStatus::Pending || record.lost_at.is_some() {
            return Ok(Err(ReviewRefusal::NotPending(record.version_id, record.status.as_str())));
        }
        if record.provenance.ingested_by.eq_ignore_ascii_case(reviewer) {
            return Ok(Err(ReviewRefusal::OwnSubmission(
                record.version_id,
                record.provenance.ingested_by,
            )));
        }
        if decision == Decision::Publish {
            let current = self.current(dataset)?;
            let newer = current.as_ref().is_some_and(|c| c.version_no > version_no);
            let moved = record.provenance.parent_version_no.is_some()
                && current.as_ref().map(|c| c.version_no) != record.provenance.parent_version_no;
            if newer || moved {
                let parent = record
                    .provenance
                    .parent_version_no
                    .map(|p| format!("{dataset}@v{p}"))
                    .unwrap_or_else(|| "no version".into());
                let now_current = current.map(|c| c.version_id).unwrap_or_default();
                return Ok(Err(ReviewRefusal::Stale(record.version_id, parent, now_current)));
            }
            if let Some(problem) = self.file_problem(&record) {
                return Ok(Err(ReviewRefusal::BadFile(record.version_id, problem)));
            }
        }
        let catalog_err = self.catalog_err_owned();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&catalog_err)?;
        let status = match decision {
            Decision::Publish => VersionStatus::Published,
            Decision::Reject => VersionStatus::Rejected,
        };
        let changed = tx
            .execute(
                "UPDATE versions SET status = ?3, reviewed_by = ?4, reviewed_at = ?5, review_note = ?6
                 WHERE dataset = ?1 AND version_no = ?2 AND status = 'pending'",
                params![dataset, version_no, status.as_str(), reviewer, now, note],
            )
            .map_err(&catalog_err)?;
        if changed == 0 {
            // Reviewed by someone else between the read and this transaction.
            drop(tx);
            let record = self.version(dataset, version_no)?;
            return Ok(Err(ReviewRefusal::NotPending(record.version_id, record.status.as_str())));
        }
        if decision == Decision::Publish {
            tx.execute(
                "INSERT INTO current_versions (dataset, version_id)
                    SELECT dataset, id FROM versions WHERE dataset = ?1 AND version_no = ?2
                 ON CONFLICT(dataset) DO UPDATE SET version_id = excluded.version_id",
                params![dataset, version_no],
            )
            .map_err(&catalog_err)?;
        }
        tx.commit().map_err(&catalog_err)?;
        Ok(Ok(self.version(dataset, version_no)?))
    }

    pub(crate) fn catalog_err_owned(&self) -> impl Fn(rusqlite::Error) -> Error + use<> {
        let path = self.root.join("catalog.sqlite");
        move |source| Error::Catalog { path: path.clone(), source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{batch, provenance};

    fn steward(store: &mut Store, name: &str) -> Account {
        store
            .add_account(&NewAccount {
                username: name,
                display_name: name,
                role: Role::Steward,
                ministries: &["MTNRA".to_string()],
                password_hash: "$argon2id$fake",
                lang: "fr",
                now: "2026-12-01T10:00:00Z",
            })
            .unwrap()
            .unwrap()
    }

    #[test]
    fn usernames_are_unique_whatever_their_case() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let amina = steward(&mut store, "amina");
        assert_eq!(amina.ministries, vec!["MTNRA"]);
        assert!(amina.stewards("MTNRA") && !amina.stewards("MIC"));
        let again = NewAccount {
            username: "AMINA",
            display_name: "x",
            role: Role::Admin,
            ministries: &[],
            password_hash: "h",
            lang: "ar",
            now: "2026-12-01T10:00:00Z",
        };
        assert_eq!(store.add_account(&again).unwrap(), None);
        assert_eq!(store.accounts().unwrap().len(), 1);
        assert_eq!(store.credentials("Amina").unwrap().unwrap().1, "$argon2id$fake");
    }

    #[test]
    fn sessions_expire_and_end_with_a_password_reset_or_a_disabled_account() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let amina = steward(&mut store, "amina");
        store.create_session("t1", amina.id, "c1", 1000, 1600, "127.0.0.1").unwrap();
        assert_eq!(store.session("t1", 1599).unwrap().unwrap().csrf_token, "c1");
        assert!(store.session("t1", 1600).unwrap().is_none(), "expired at 1600");
        store.touch_session("t1", 1500, 2100).unwrap();
        assert!(store.session("t1", 2000).unwrap().is_some());
        store.set_password("amina", "new", "2026-12-01T11:00:00Z").unwrap();
        assert!(store.session("t1", 2000).unwrap().is_none(), "a reset ends sessions");
        store.create_session("t2", amina.id, "c2", 1000, 5000, "").unwrap();
        store.set_disabled("amina", Some("2026-12-01T12:00:00Z")).unwrap();
        assert!(store.session("t2", 2000).unwrap().is_none(), "disabling ends sessions");
        assert!(!store.account("amina").unwrap().unwrap().is_active());
    }

    #[test]
    fn the_audit_log_is_append_only_and_chained() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        for (i, action) in ["signin", "submit", "publish"].iter().enumerate() {
            let seq = store
                .audit(&AuditEntry {
                    at: "2026-12-01T10:00:00Z",
                    actor: "amina",
                    action,
                    subject: "talent@v2",
                    outcome: "ok",
                    address: "127.0.0.1",
                    detail: serde_json::json!({"i": i}),
                })
                .unwrap();
            assert_eq!(seq, i as i64 + 1);
        }
        assert!(store.verify_audit().unwrap().is_empty());
        let tail = store.audit_tail(2).unwrap();
        assert_eq!(tail.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![3, 2]);
        assert_eq!(tail[0].detail["i"], 2);
        let err = store.conn.execute("UPDATE audit SET actor = 'x' WHERE seq = 2", []);
        assert!(err.unwrap_err().to_string().contains("append-only"));
        assert!(store.conn.execute("DELETE FROM audit", []).is_err());
        // Behind SQLite's back: drop the trigger, edit, and the chain tells.
        store.conn.execute_batch("DROP TRIGGER audit_no_update").unwrap();
        store.conn.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2", []).unwrap();
        assert_eq!(store.verify_audit().unwrap(), vec!["audit entry 2 was altered"]);
    }

    fn submit(store: &mut Store, by: &str, parent: Option<i64>) -> VersionRecord {
        let mut staged = store.stage("talent", batch(&[1]).schema()).unwrap();
        staged.write(&batch(&[1, 2])).unwrap();
        let mut prov = provenance("t.csv");
        prov.ingested_by = by.into();
        prov.parent_version_no = parent;
        store.commit_pending(staged, &prov).unwrap()
    }

    #[test]
    fn a_pending_version_becomes_current_only_when_another_person_signs_it_off() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let mut staged = store.stage("talent", batch(&[1]).schema()).unwrap();
        staged.write(&batch(&[1])).unwrap();
        store.commit(staged, &provenance("a.csv")).unwrap();
        let v2 = submit(&mut store, "amina", Some(1));
        assert_eq!(v2.status, VersionStatus::Pending);
        assert!(!v2.is_current);
        assert_eq!(store.current("talent").unwrap().unwrap().version_no, 1);
        assert_eq!(store.pending_versions().unwrap().len(), 1);
        let now = "2026-12-01T12:00:00Z";
        let own = store.review("talent", 2, Decision::Publish, "Amina", "", now).unwrap();
        assert!(matches!(own, Err(ReviewRefusal::OwnSubmission(..))));
        let published = store.review("talent", 2, Decision::Publish, "karim", "ok", now).unwrap();
        let published = published.unwrap();
        assert_eq!(published.status, VersionStatus::Published);
        assert_eq!(published.reviewed_by.as_deref(), Some("karim"));
        assert_eq!(store.current("talent").unwrap().unwrap().version_no, 2);
        let twice = store.review("talent", 2, Decision::Reject, "karim", "", now).unwrap();
        assert!(matches!(twice, Err(ReviewRefusal::NotPending(..))));
        assert!(store.pending_versions().unwrap().is_empty());
    }

    #[test]
    fn a_pending_version_overtaken_by_a_newer_one_cannot_be_published() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        submit(&mut store, "amina", None);
        let mut staged = store.stage("talent", batch(&[1]).schema()).unwrap();
        staged.write(&batch(&[7])).unwrap();
        store.commit(staged, &provenance("cli.csv")).unwrap();
        let now = "2026-12-01T12:00:00Z";
        let stale = store.review("talent", 1, Decision::Publish, "karim", "", now).unwrap();
        assert!(matches!(stale, Err(ReviewRefusal::Stale(..))), "{stale:?}");
        assert_eq!(store.current("talent").unwrap().unwrap().version_no, 2);
        let rejected = store.review("talent", 1, Decision::Reject, "karim", "late", now).unwrap();
        assert_eq!(rejected.unwrap().status, VersionStatus::Rejected);
    }
}
