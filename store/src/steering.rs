//! The Commission's follow-up: its decisions, point by point, and the
//! secretariat's judgments beside the computed figures (schema 6).
//!
//! - A *decision* is what one Commission meeting decided: numbered *points*, each
//!   with an owner (a ministry or agency code), a due date, the indicators it is
//!   meant to move and the expected effect.
//! - A point's status (`not_started`, `on_schedule`, `behind`, `done`) changes only
//!   through an *update*: a steward of the owner posts it with the reason for any
//!   delay and evidence links; it stays `pending` until another person confirms it
//!   (a second steward of the owner, or the secretariat): maker-checker, as for
//!   datasets. A confirmed update sets the point's status; every update is kept, so
//!   the history is the table itself.
//! - A *judgment* is the secretariat's likelihood of delivery for one indicator and
//!   cycle, on four levels, with its rationale, evidence, author and date, and the
//!   computed status it was given beside. Every judgment is kept.
//!
//! Catalogue-only writes, each one transaction: they need no writer lock (like
//! sessions and the audit log). Permissions are the caller's (`md2030_access`);
//! this module refuses what no caller may do (confirming one's own update).

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::{Result, Store};

/// Schema 6: decisions, their points and updates, judgments; the accounts table
/// rebuilt so that its role may be `secretariat`.
pub(crate) const STEERING_SQL: &str = "
CREATE TABLE accounts_new (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'steward', 'admin', 'secretariat')),
    ministries TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT 'fr',
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    disabled_at TEXT
);
INSERT INTO accounts_new SELECT id, username, display_name, role, ministries, password_hash,
    lang, created_at, password_changed_at, disabled_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY,
    meeting_date TEXT NOT NULL,
    title TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS decision_points (
    id INTEGER PRIMARY KEY,
    decision_id INTEGER NOT NULL REFERENCES decisions(id),
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_date TEXT NOT NULL,
    indicators TEXT NOT NULL DEFAULT '',
    expected_effect TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'not_started'
        CHECK (status IN ('not_started', 'on_schedule', 'behind', 'done')),
    status_since TEXT,
    UNIQUE (decision_id, number)
);
CREATE TABLE IF NOT EXISTS point_updates (
    id INTEGER PRIMARY KEY,
    point_id INTEGER NOT NULL REFERENCES decision_points(id),
    status TEXT NOT NULL CHECK (status IN ('not_started', 'on_schedule', 'behind', 'done')),
    reason TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    posted_by TEXT NOT NULL,
    posted_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'confirmed', 'rejected')),
    reviewed_by TEXT,
    reviewed_at TEXT,
    review_note TEXT
);
CREATE INDEX IF NOT EXISTS point_updates_by_point ON point_updates (point_id);
CREATE TABLE IF NOT EXISTS judgments (
    id INTEGER PRIMARY KEY,
    indicator TEXT NOT NULL,
    cycle TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('green', 'amber_green', 'amber_red', 'red')),
    rationale TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    computed_status TEXT NOT NULL,
    author TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS judgments_by_indicator ON judgments (indicator, id);
";

/// A point's status, as e-SamikSha's four categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointStatus {
    NotStarted,
    OnSchedule,
    Behind,
    Done,
}

impl PointStatus {
    pub const ALL: [PointStatus; 4] =
        [PointStatus::NotStarted, PointStatus::OnSchedule, PointStatus::Behind, PointStatus::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            PointStatus::NotStarted => "not_started",
            PointStatus::OnSchedule => "on_schedule",
            PointStatus::Behind => "behind",
            PointStatus::Done => "done",
        }
    }

    pub fn parse(text: &str) -> Option<PointStatus> {
        PointStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The secretariat's likelihood of delivery, on four levels (the PMDU's scale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Red,
    AmberRed,
    AmberGreen,
    Green,
}

impl Rating {
    pub const ALL: [Rating; 4] = [Rating::Green, Rating::AmberGreen, Rating::AmberRed, Rating::Red];

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Green => "green",
            Rating::AmberGreen => "amber_green",
            Rating::AmberRed => "amber_red",
            Rating::Red => "red",
        }
    }

    pub fn parse(text: &str) -> Option<Rating> {
        Rating::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// A point to record with its decision.
#[derive(Debug, Clone)]
pub struct NewPoint {
    pub text: String,
    pub owner: String,
    pub due_date: String,
    pub indicators: Vec<String>,
    pub expected_effect: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub id: i64,
    pub decision_id: i64,
    pub number: i64,
    pub text: String,
    pub owner: String,
    pub due_date: String,
    pub indicators: Vec<String>,
    pub expected_effect: String,
    pub status: PointStatus,
    /// When the status was confirmed (none while `not_started` from the start).
    pub status_since: Option<String>,
}

impl Point {
    /// Past its due date (`today`, YYYY-MM-DD) and not done.
    pub fn overdue(&self, today: &str) -> bool {
        self.status != PointStatus::Done && self.due_date.as_str() < today
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub id: i64,
    pub meeting_date: String,
    pub title: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub points: Vec<Point>,
}

/// A status update of a point, confirmed, rejected or awaiting confirmation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointUpdate {
    pub id: i64,
    pub point_id: i64,
    pub status: PointStatus,
    pub reason: String,
    pub evidence: Vec<String>,
    pub posted_by: String,
    pub posted_at: String,
    /// `pending`, `confirmed` or `rejected`.
    pub state: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgment {
    pub id: i64,
    pub indicator: String,
    pub cycle: String,
    pub rating: Rating,
    pub rationale: String,
    pub evidence: Vec<String>,
    /// The computed progress status when the judgment was made.
    pub computed_status: String,
    pub author: String,
    pub recorded_at: String,
}

/// Why a confirmation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateRefusal {
    #[error("update {0} does not exist")]
    NoSuchUpdate(i64),
    #[error("update {0} is not pending (it is {1})")]
    NotPending(i64, String),
    #[error("update {0} was posted by {1}: another person must confirm it")]
    OwnUpdate(i64, String),
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

fn list(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

fn point_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Point> {
    let status: String = row.get(8)?;
    Ok(Point {
        id: row.get(0)?,
        decision_id: row.get(1)?,
        number: row.get(2)?,
        text: row.get(3)?,
        owner: row.get(4)?,
        due_date: row.get(5)?,
        indicators: list(&row.get::<_, String>(6)?),
        expected_effect: row.get(7)?,
        status: PointStatus::parse(&status).unwrap_or(PointStatus::NotStarted),
        status_since: row.get(9)?,
    })
}

const POINT_COLUMNS: &str = "id, decision_id, number, text, owner, due_date, indicators, \
                             expected_effect, status, status_since";

fn update_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<PointUpdate> {
    let status: String = row.get(2)?;
    Ok(PointUpdate {
        id: row.get(0)?,
        point_id: row.get(1)?,
        status: PointStatus::parse(&status).unwrap_or(PointStatus::NotStarted),
        reason: row.get(3)?,
        evidence: lines(&row.get::<_, String>(4)?),
        posted_by: row.get(5)?,
        posted_at: row.get(6)?,
        state: row.get(7)?,
        reviewed_by: row.get(8)?,
        reviewed_at: row.get(9)?,
        review_note: row.get(10)?,
    })
}

const UPDATE_COLUMNS: &str = "id, point_id, status, reason, evidence, posted_by, posted_at, \
                              state, reviewed_by, reviewed_at, review_note";

impl Store {
    /// Changes whenever a decision, an update (posted or reviewed) or a judgment is
    /// recorded: what a reader keying a cache on the published state adds to it.
    pub fn steering_fingerprint(&self) -> String {
        self.conn
            .query_row(
                "SELECT (SELECT count(*) FROM decisions) || '.' || (SELECT count(*) FROM point_updates)
                    || '.' || (SELECT count(*) FROM point_updates WHERE state != 'pending')
                    || '.' || (SELECT count(*) FROM judgments)",
                [],
                |row| row.get(0),
            )
            .unwrap_or_default()
    }

    /// Records a decision of the meeting of `meeting_date` with its points,
    /// numbered 1, 2… in the order given. Returns its id.
    pub fn record_decision(
        &mut self,
        meeting_date: &str,
        title: &str,
        points: &[NewPoint],
        by: &str,
        now: &str,
    ) -> Result<i64> {
        let err = self.catalog_err_owned();
        let tx =
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&err)?;
        tx.execute(
            "INSERT INTO decisions (meeting_date, title, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4)",
            params![meeting_date, title, by, now],
        )
        .map_err(&err)?;
        let id = tx.last_insert_rowid();
        for (number, point) in points.iter().enumerate() {
            tx.execute(
                "INSERT INTO decision_points (decision_id, number, text, owner, due_date, indicators, expected_effect)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    number as i64 + 1,
                    point.text,
                    point.owner,
                    point.due_date,
                    point.indicators.join(","),
                    point.expected_effect
                ],
            )
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)?;
        Ok(id)
    }

    /// Every decision with its points, the latest meeting first.
    pub fn decisions(&self) -> Result<Vec<Decision>> {
        let err = self.catalog_err_owned();
        let mut statement = self
            .conn
            .prepare(
                "SELECT id, meeting_date, title, recorded_by, recorded_at FROM decisions
                 ORDER BY meeting_date DESC, id DESC",
            )
            .map_err(&err)?;
        let mut decisions: Vec<Decision> = statement
            .query_map([], |row| {
                Ok(Decision {
                    id: row.get(0)?,
                    meeting_date: row.get(1)?,
                    title: row.get(2)?,
                    recorded_by: row.get(3)?,
                    recorded_at: row.get(4)?,
                    points: Vec::new(),
                })
            })
            .map_err(&err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(&err)?;
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {POINT_COLUMNS} FROM decision_points ORDER BY decision_id, number"
            ))
            .map_err(&err)?;
        let points: Vec<Point> = statement
            .query_map([], point_row)
            .map_err(&err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(&err)?;
        for point in points {
            if let Some(decision) = decisions.iter_mut().find(|d| d.id == point.decision_id) {
                decision.points.push(point);
            }
        }
        Ok(decisions)
    }

    /// One point.
    pub fn point(&self, id: i64) -> Result<Option<Point>> {
        let err = self.catalog_err_owned();
        self.conn
            .query_row(
                &format!("SELECT {POINT_COLUMNS} FROM decision_points WHERE id = ?1"),
                params![id],
                point_row,
            )
            .optional()
            .map_err(err)
    }

    /// Posts a status update of a point; it awaits confirmation. Returns its id.
    pub fn post_update(
        &mut self,
        point_id: i64,
        status: PointStatus,
        reason: &str,
        evidence: &[String],
        by: &str,
        now: &str,
    ) -> Result<i64> {
        let err = self.catalog_err_owned();
        self.conn
            .execute(
                "INSERT INTO point_updates (point_id, status, reason, evidence, posted_by, posted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![point_id, status.as_str(), reason, evidence.join("\n"), by, now],
            )
            .map_err(&err)?;
        Ok(self.conn.last_insert_rowid())
    }

    /// One update.
    pub fn point_update(&self, id: i64) -> Result<Option<PointUpdate>> {
        let err = self.catalog_err_owned();
        self.conn
            .query_row(
                &format!("SELECT {UPDATE_COLUMNS} FROM point_updates WHERE id = ?1"),
                params![id],
                update_row,
            )
            .optional()
            .map_err(err)
    }

    /// Every update of every point, oldest first: the history.
    pub fn point_updates(&self) -> Result<Vec<PointUpdate>> {
        let err = self.catalog_err_owned();
        let mut statement = self
            .conn
            .prepare(&format!("SELECT {UPDATE_COLUMNS} FROM point_updates ORDER BY id"))
            .map_err(&err)?;
        statement
            .query_map([], update_row)
            .map_err(&err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(err)
    }

    /// Confirms (the point takes its status) or rejects a pending update; refused
    /// for its own author.
    pub fn review_update(
        &mut self,
        update_id: i64,
        confirm: bool,
        by: &str,
        note: &str,
        now: &str,
    ) -> Result<Result<PointUpdate, UpdateRefusal>> {
        let err = self.catalog_err_owned();
        let Some(update) = self.point_update(update_id)? else {
            return Ok(Err(UpdateRefusal::NoSuchUpdate(update_id)));
        };
        if update.state != "pending" {
            return Ok(Err(UpdateRefusal::NotPending(update_id, update.state)));
        }
        if update.posted_by.eq_ignore_ascii_case(by) {
            return Ok(Err(UpdateRefusal::OwnUpdate(update_id, update.posted_by)));
        }
        let tx =
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&err)?;
        let state = if confirm { "confirmed" } else { "rejected" };
        let changed = tx
            .execute(
                "UPDATE point_updates SET state = ?2, reviewed_by = ?3, reviewed_at = ?4, review_note = ?5
                 WHERE id = ?1 AND state = 'pending'",
                params![update_id, state, by, now, note],
            )
            .map_err(&err)?;
        if changed == 0 {
            drop(tx);
            let state = self.point_update(update_id)?.map(|u| u.state).unwrap_or_default();
            return Ok(Err(UpdateRefusal::NotPending(update_id, state)));
        }
        if confirm {
            tx.execute(
                "UPDATE decision_points SET status = ?2, status_since = ?3 WHERE id = ?1",
                params![update.point_id, update.status.as_str(), now],
            )
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)?;
        Ok(Ok(self.point_update(update_id)?.unwrap_or(update)))
    }

    /// Records a judgment. Returns its id.
    #[allow(clippy::too_many_arguments)]
    pub fn record_judgment(
        &mut self,
        indicator: &str,
        cycle: &str,
        rating: Rating,
        rationale: &str,
        evidence: &[String],
        computed_status: &str,
        by: &str,
        now: &str,
    ) -> Result<i64> {
        let err = self.catalog_err_owned();
        self.conn
            .execute(
                "INSERT INTO judgments (indicator, cycle, rating, rationale, evidence, computed_status, author, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    indicator,
                    cycle,
                    rating.as_str(),
                    rationale,
                    evidence.join("\n"),
                    computed_status,
                    by,
                    now
                ],
            )
            .map_err(&err)?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every judgment, oldest first.
    pub fn judgments(&self) -> Result<Vec<Judgment>> {
        let err = self.catalog_err_owned();
        let mut statement = self
            .conn
            .prepare(
                "SELECT id, indicator, cycle, rating, rationale, evidence, computed_status, author, recorded_at
                 FROM judgments ORDER BY id",
            )
            .map_err(&err)?;
        statement
            .query_map([], |row| {
                let rating: String = row.get(3)?;
                Ok(Judgment {
                    id: row.get(0)?,
                    indicator: row.get(1)?,
                    cycle: row.get(2)?,
                    rating: Rating::parse(&rating).unwrap_or(Rating::Red),
                    rationale: row.get(4)?,
                    evidence: lines(&row.get::<_, String>(5)?),
                    computed_status: row.get(6)?,
                    author: row.get(7)?,
                    recorded_at: row.get(8)?,
                })
            })
            .map_err(&err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(owner: &str, due: &str) -> NewPoint {
        NewPoint {
            text: "Publish every procedure on Idarati".into(),
            owner: owner.into(),
            due_date: due.into(),
            indicators: vec!["procedures_published_share".into()],
            expected_effect: "+10 points".into(),
        }
    }

    /// A decision of two points; a steward posts one `behind`; its author cannot
    /// confirm it, another person does, and the point takes the status; a second
    /// update rejected leaves it; the history keeps all three.
    #[test]
    fn a_point_changes_status_only_when_another_person_confirms() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let id = store
            .record_decision(
                "2026-11-20",
                "Idarati",
                &[point("MTNRA", "2027-03-31"), point("MI", "2026-12-01")],
                "sara",
                "2026-11-21T09:00:00Z",
            )
            .unwrap();
        let decisions = store.decisions().unwrap();
        assert_eq!(decisions.len(), 1);
        let points = &decisions[0].points;
        assert_eq!((points[0].number, points[1].number), (1, 2));
        assert_eq!(points[0].indicators, vec!["procedures_published_share"]);
        assert_eq!(decisions[0].id, id);
        // The second point is past due on 2 December and not done.
        assert!(points[1].overdue("2026-12-02") && !points[0].overdue("2026-12-02"));

        let first = points[0].id;
        let evidence = vec!["https://example.org/minutes".to_string()];
        let update = store
            .post_update(first, PointStatus::Behind, "decree pending", &evidence, "amina", "t1")
            .unwrap();
        assert_eq!(store.point(first).unwrap().unwrap().status, PointStatus::NotStarted);
        assert!(matches!(
            store.review_update(update, true, "AMINA", "", "t2").unwrap(),
            Err(UpdateRefusal::OwnUpdate(..))
        ));
        let confirmed =
            store.review_update(update, true, "karim", "checked", "t3").unwrap().unwrap();
        assert_eq!(
            (confirmed.state.as_str(), confirmed.reviewed_by.as_deref()),
            ("confirmed", Some("karim"))
        );
        let now = store.point(first).unwrap().unwrap();
        assert_eq!((now.status, now.status_since.as_deref()), (PointStatus::Behind, Some("t3")));
        assert!(matches!(
            store.review_update(update, false, "sara", "", "t4").unwrap(),
            Err(UpdateRefusal::NotPending(..))
        ));

        let done = store.post_update(first, PointStatus::Done, "", &[], "amina", "t5").unwrap();
        store.review_update(done, false, "karim", "no evidence", "t6").unwrap().unwrap();
        assert_eq!(store.point(first).unwrap().unwrap().status, PointStatus::Behind);
        let history: Vec<(PointStatus, String)> =
            store.point_updates().unwrap().into_iter().map(|u| (u.status, u.state)).collect();
        assert_eq!(
            history,
            vec![(PointStatus::Behind, "confirmed".into()), (PointStatus::Done, "rejected".into())]
        );
    }

    /// A catalogue at schema 5 with an account and its session migrates to 6: the
    /// account and the session survive the accounts table's rebuild, foreign keys
    /// are on again, and a secretariat account can be added.
    #[test]
    fn schema_5_migrates_keeping_accounts_and_sessions() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path()).unwrap();
        {
            let conn = rusqlite::Connection::open(dir.path().join("catalog.sqlite")).unwrap();
            for sql in [
                crate::SCHEMA_SQL,
                crate::results::RESULTS_SQL,
                "ALTER TABLE versions ADD COLUMN reference_period TEXT;",
                crate::briefings::BRIEFINGS_SQL,
                crate::access::ACCESS_SQL,
                crate::LOST_SQL,
                crate::access::SIGNIN_SQL,
            ] {
                conn.execute_batch(sql).unwrap();
            }
            conn.execute_batch(
                "INSERT INTO accounts (id, username, display_name, role, ministries, password_hash,
                    created_at, password_changed_at) VALUES (7, 'amina', 'Amina', 'steward', 'MTNRA',
                    '$argon2id$x', 't', 't');
                 INSERT INTO sessions VALUES ('abc', 7, 'csrf', 1, 1, 99, '127.0.0.1');
                 PRAGMA user_version = 5;",
            )
            .unwrap();
        }
        let mut store = Store::open(dir.path()).unwrap();
        let amina = store.account("amina").unwrap().unwrap();
        assert_eq!(
            (amina.id, amina.role, amina.ministries.clone()),
            (7, crate::Role::Steward, vec!["MTNRA".to_string()])
        );
        let sessions: i64 = store
            .conn
            .query_row("SELECT count(*) FROM sessions WHERE account_id = 7", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sessions, 1);
        let foreign_keys: i64 =
            store.conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(foreign_keys, 1);
        let sara = store
            .add_account(&crate::NewAccount {
                username: "sara",
                display_name: "Sara",
                role: crate::Role::Secretariat,
                ministries: &[],
                password_hash: "$argon2id$fake",
                lang: "fr",
                now: "t",
            })
            .unwrap()
            .unwrap();
        assert_eq!(sara.role, crate::Role::Secretariat);
        // A session of an account that does not exist is refused again.
        assert!(
            store
                .conn
                .execute("INSERT INTO sessions VALUES ('x', 99, 'c', 1, 1, 9, 'a')", [])
                .is_err()
        );
    }

    #[test]
    fn judgments_keep_their_history_and_the_computed_status_beside() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        for (cycle, rating) in [("2026-06", Rating::Red), ("2026-11", Rating::AmberRed)] {
            store
                .record_judgment(
                    "coverage_5g",
                    cycle,
                    rating,
                    "auction done",
                    &[],
                    "limited_progress",
                    "sara",
                    "t",
                )
                .unwrap();
        }
        let all = store.judgments().unwrap();
        assert_eq!(
            all.iter().map(|j| j.rating).collect::<Vec<_>>(),
            vec![Rating::Red, Rating::AmberRed]
        );
        assert_eq!(all[1].computed_status, "limited_progress");
    }
}
