//! The audit log: append-only and hash-chained. Each entry's hash covers the previous entry's
//! hash and its own fields, so altering, removing or reordering any row breaks the chain from
//! that row on, and `verify_audit` names the first bad one.
//!
//! A chain alone cannot show that its newest rows were cut off, or that someone rewrote a row
//! and recomputed every hash after it. So the head (entry number and hash) is also recorded
//! where the log's own file cannot change it: in every release, and on the CMS with each sync
//! (anchors). `verify_audit_with` checks the chain against every anchor it is given. What stays
//! undetectable: changes after the newest anchor the check can see (offline, that is the newest
//! release; and someone with the disk can rewrite releases too, so only the CMS's anchors are
//! out of their reach).

use crate::db::Store;
use crate::error::Result;
use rusqlite::{params, OptionalExtension, Transaction};
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

/// The log's head as recorded outside the log: entry `seq` had `hash`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditAnchor {
    pub seq: i64,
    pub hash: String,
    /// Where it was recorded, in words ("release 3", "the CMS on 2026-11-30T10:00:00Z").
    pub source: String,
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChainStatus {
    Intact {
        entries: i64,
        /// How many anchors the log was checked against.
        anchors: usize,
        /// The newest entry an anchor vouches for (0: none); later entries are checked only
        /// by their chain.
        anchored_through: i64,
    },
    /// `seq` is the first entry whose hash or link does not hold.
    Broken { seq: i64, reason: String },
}

fn entry_hash(prev: &str, seq: i64, at: &str, actor: &str, action: &str, subject: &str, detail: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev, &seq.to_string(), at, actor, action, subject, detail] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The log's head inside the caller's transaction: the newest entry's number and hash (0 and
/// the genesis hash for an empty log).
pub(crate) fn chain_head(tx: &Transaction<'_>) -> Result<(i64, String)> {
    let last: Option<(i64, String)> =
        tx.query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    Ok(last.unwrap_or_else(|| (0, GENESIS.to_owned())))
}

/// Appends an entry inside the caller's transaction (so it commits with what it records).
pub(crate) fn append(tx: &Transaction<'_>, at: &str, actor: &str, action: &str, subject: &str, detail: &serde_json::Value) -> Result<()> {
    let (last, prev) = chain_head(tx)?;
    let seq = last + 1;
    let detail = detail.to_string();
    let hash = entry_hash(&prev, seq, at, actor, action, subject, &detail);
    tx.execute(
        "INSERT INTO audit (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, at, actor, action, subject, detail, prev, hash],
    )?;
    Ok(())
}

impl Store {
    /// Walks the whole chain and checks it against the head recorded by every release.
    pub fn verify_audit(&self) -> Result<ChainStatus> {
        self.verify_audit_with(&[])
    }

    /// The log's head: the newest entry's number and hash (0 and the genesis hash when empty).
    pub fn audit_head(&self) -> Result<(i64, String)> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        chain_head(&tx)
    }

    /// Walks the whole chain and checks it against every release's recorded head and the
    /// `anchors` given (from the CMS): an anchor whose entry has another hash means the log was
    /// rewritten; an anchor beyond the newest entry means entries were cut off.
    pub fn verify_audit_with(&self, anchors: &[AuditAnchor]) -> Result<ChainStatus> {
        let conn = self.conn();
        let mut all: Vec<AuditAnchor> = anchors.iter().filter(|a| a.seq > 0).cloned().collect();
        let mut stmt = conn.prepare("SELECT id, audit_seq, audit_hash FROM releases WHERE audit_seq > 0 ORDER BY id")?;
        let releases = stmt
            .query_map([], |r| Ok(AuditAnchor { seq: r.get(1)?, hash: r.get(2)?, source: format!("release {}", r.get::<_, i64>(0)?) }))?;
        for anchor in releases {
            all.push(anchor?);
        }
        all.sort_by_key(|a| a.seq);
        let anchored_through = all.last().map_or(0, |a| a.seq);
        let mut pending = all.iter().peekable();

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
            while let Some(anchor) = pending.next_if(|a| a.seq == seq) {
                if anchor.hash != hash {
                    return Ok(ChainStatus::Broken {
                        seq,
                        reason: format!("it is not the entry {} recorded: the log was rewritten at or before this entry", anchor.source),
                    });
                }
            }
            prev = hash;
            expected_seq += 1;
        }
        let entries = expected_seq - 1;
        if let Some(anchor) = all.last().filter(|a| a.seq > entries) {
            return Ok(ChainStatus::Broken {
                seq: entries + 1,
                reason: format!(
                    "entries {} to {} are missing: {} recorded the log up to entry {}",
                    entries + 1,
                    anchor.seq,
                    anchor.source,
                    anchor.seq
                ),
            });
        }
        Ok(ChainStatus::Intact { entries, anchors: all.len(), anchored_through })
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
