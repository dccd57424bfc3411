//! The outbox: what publishing must send to the remote CMS, queued in the publishing
//! transaction, drained in order, and marked done only once the CMS confirmed it.

use crate::db::Store;
use crate::error::Result;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use std::collections::BTreeMap;

/// One thing to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub release: i64,
    /// `None` for the release marker, sent after the release's documents.
    pub path: Option<String>,
    /// `None` for a deletion (and for the marker).
    pub content: Option<String>,
    /// Sent with the request so that a retried request applies once.
    pub idempotency_key: String,
    pub attempts: i64,
    /// What made the release: the CMS checks it before it accepts the entry.
    pub basis: ReleaseBasis,
}

/// What a release rests on, as a CMS that keeps four eyes itself wants to see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ReleaseBasis {
    /// The workspace's first release: it brings the imported workspace along (an adoption).
    First,
    /// An approved change set.
    ChangeSet { change_set: i64 },
    /// A rollback to an earlier release, whose content hash this is.
    Rollback { hash: String },
}

impl ReleaseBasis {
    fn of(first: bool, change_set: Option<i64>, rollback_hash: Option<String>) -> ReleaseBasis {
        match (first, change_set, rollback_hash) {
            (true, _, _) => ReleaseBasis::First,
            (false, _, Some(hash)) => ReleaseBasis::Rollback { hash },
            (false, Some(change_set), None) => ReleaseBasis::ChangeSet { change_set },
            // Every later release publishes a change set or rolls back; one with neither asks
            // what a first release asks, which a CMS holding releases refuses.
            (false, None, None) => ReleaseBasis::First,
        }
    }
}

/// What the app shows about sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxStatus {
    pub pending: i64,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
}

/// Queues the difference between the previous release's sources and `sources`, then the
/// release marker. Called inside the transaction that writes release `release`.
pub(crate) fn enqueue_release(tx: &Transaction<'_>, release: i64, hash: &str, sources: &BTreeMap<String, String>) -> Result<usize> {
    let previous: Option<String> =
        tx.query_row("SELECT sources FROM releases WHERE id < ?1 ORDER BY id DESC LIMIT 1", [release], |r| r.get(0)).ok();
    let previous: BTreeMap<String, String> = previous.and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default();
    let mut queued = 0;
    let paths: std::collections::BTreeSet<&String> = previous.keys().chain(sources.keys()).collect();
    for path in paths {
        let now = sources.get(path);
        if previous.get(path) == now {
            continue;
        }
        tx.execute(
            "INSERT INTO outbox (release, path, content, idempotency_key, state) VALUES (?1, ?2, ?3, ?4, 'pending')",
            params![release, path, now, format!("release-{release}:{path}")],
        )?;
        queued += 1;
    }
    tx.execute(
        "INSERT INTO outbox (release, path, content, idempotency_key, state) VALUES (?1, NULL, ?2, ?3, 'pending')",
        params![release, hash, format!("release-{release}")],
    )?;
    Ok(queued + 1)
}

impl Store {
    /// The oldest pending entries, in the order they must be sent.
    pub fn outbox_pending(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT o.id, o.release, o.path, o.content, o.idempotency_key, o.attempts,
                    NOT EXISTS (SELECT 1 FROM releases WHERE id < o.release), r.change_set,
                    (SELECT hash FROM releases WHERE id = r.rollback_of)
             FROM outbox o LEFT JOIN releases r ON r.id = o.release
             WHERE o.state = 'pending' ORDER BY o.id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(OutboxEntry {
                id: r.get(0)?,
                release: r.get(1)?,
                path: r.get(2)?,
                content: r.get(3)?,
                idempotency_key: r.get(4)?,
                attempts: r.get(5)?,
                basis: ReleaseBasis::of(r.get(6)?, r.get(7)?, r.get(8)?),
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// What the latest release rests on (`None` before any release): what a write of its content
    /// outside a push (keeping one's own side of a conflict) names to the CMS.
    pub fn latest_release_basis(&self) -> Result<Option<ReleaseBasis>> {
        let conn = self.conn();
        let row = conn
            .query_row(
                "SELECT NOT EXISTS (SELECT 1 FROM releases p WHERE p.id < r.id), r.change_set, (SELECT hash FROM releases WHERE id = r.rollback_of)
                 FROM releases r ORDER BY r.id DESC LIMIT 1",
                [],
                |r| Ok(ReleaseBasis::of(r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(row)
    }

    /// Marks an entry done: the CMS confirmed it.
    pub fn outbox_done(&self, id: i64) -> Result<()> {
        let at = self.now();
        self.with_tx(|tx| {
            tx.execute("UPDATE outbox SET state = 'done', done_at = ?1, last_error = NULL WHERE id = ?2", params![at, id])?;
            Ok(())
        })
    }

    /// Records a failed attempt; the entry stays pending.
    pub fn outbox_failed(&self, id: i64, error: &str) -> Result<()> {
        let at = self.now();
        self.with_tx(|tx| {
            tx.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?1, last_attempt_at = ?2 WHERE id = ?3",
                params![error, at, id],
            )?;
            Ok(())
        })
    }

    /// Pending count, last confirmed send, and the newest error still standing.
    pub fn outbox_status(&self) -> Result<OutboxStatus> {
        let conn = self.conn();
        let pending: i64 = conn.query_row("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", [], |r| r.get(0))?;
        let last_success: Option<String> = conn.query_row("SELECT MAX(done_at) FROM outbox", [], |r| r.get(0))?;
        let last_error: Option<String> = conn
            .query_row(
                "SELECT last_error FROM outbox WHERE state = 'pending' AND last_error IS NOT NULL ORDER BY last_attempt_at DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .ok();
        Ok(OutboxStatus { pending, last_success, last_error })
    }
}
