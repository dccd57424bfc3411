//! The audit log: append-only and hash-chained. Each entry's hash covers the previous entry's
//! hash and its own fields, so altering, removing or reordering any row breaks the chain from
//! that row on, and `verify_audit` names the first bad one.

use crate::db::Store;
use crate::error::Result;
use rusqlite::{params, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash the first entry chains from.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub hash: String,
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChainStatus {
    Intact {
        entries: i64,
    },
    /// `seq` is the first entry whose hash or link does not hold.
    Broken {
        seq: i64,
        reason: String,
    },
}

fn entry_hash(prev: &str, seq: i64, at: &str, actor: &str, action: &str, subject: &str, detail: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev, &seq.to_string(), at, actor, action, subject, detail] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends an entry inside the caller's transaction (so it commits with what it records).
pub(crate) fn append(tx: &Transaction<'_>, at: &str, actor: &str, action: &str, subject: &str, detail: &serde_json::Value) -> Result<()> {
    let last: Option<(i64, String)> =
        tx.query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).ok();
    let (seq, prev) = last.map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
    let detail = detail.to_string();
    let hash = entry_hash(&prev, seq, at, actor, action, subject, &detail);
    tx.execute(
        "INSERT INTO audit (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, at, actor, action, subject, detail, prev, hash],
    )?;
    Ok(())
}

impl Store {
    /// Walks the whole chain.
    pub fn verify_audit(&self) -> Result<ChainStatus> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        let mut prev = GENESIS.to_owned();
        let mut expected_seq = 1;
        while let Some(r) = rows.next()? {
            let (seq, at, actor, action, subject, detail, prev_hash, hash): (i64, String, String, String, String, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?);
            if seq != expected_seq {
                return Ok(ChainStatus::Broken { seq, reason: format!("entry {expected_seq} is missing") });
            }
            if prev_hash != prev {
                return Ok(ChainStatus::Broken { seq, reason: "it does not link to the entry before it".into() });
            }
            if entry_hash(&prev, seq, &at, &actor, &action, &subject, &detail) != hash {
                return Ok(ChainStatus::Broken { seq, reason: "its content does not match its hash (it was altered)".into() });
            }
            prev = hash;
            expected_seq += 1;
        }
        Ok(ChainStatus::Intact { entries: expected_seq - 1 })
    }

    /// The log, newest first, optionally only one actor's or one action's entries.
    pub fn audit_log(&self, actor: Option<&str>, action: Option<&str>, limit: usize) -> Result<Vec<AuditEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT seq, at, actor, action, subject, detail, hash FROM audit
             WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2) ORDER BY seq DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![actor, action, limit as i64], |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                subject: r.get(4)?,
                detail: r.get(5)?,
                hash: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Records that `actor` read a visitor profile's data for a preview.
    pub fn record_profile_read(&self, actor: &str, profile: &str, purpose: &str) -> Result<()> {
        self.record_profile_reads(actor, &[profile], purpose)
    }

    /// Records reads of several visitors' data at once (one transaction: one write to disk).
    pub fn record_profile_reads(&self, actor: &str, profiles: &[&str], purpose: &str) -> Result<()> {
        let at = self.now();
        self.with_tx(|tx| {
            for profile in profiles {
                append(tx, &at, actor, "profile_read", profile, &serde_json::json!({"purpose": purpose}))?;
            }
            Ok(())
        })
    }

    /// Records a sync event (pushes, pulls, conflicts) reported by the sync worker.
    pub fn record_sync_event(&self, actor: &str, subject: &str, detail: &serde_json::Value) -> Result<()> {
        let at = self.now();
        self.with_tx(|tx| append(tx, &at, actor, "sync", subject, detail))
    }
}
