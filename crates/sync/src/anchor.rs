//! The audit log anchored on the CMS: with each sync the log's head (entry number and hash) is
//! recorded on the CMS, which keeps anchors append-only and refuses one that contradicts what
//! it holds. Someone with the laptop's disk can rewrite the local log and recompute its chain,
//! or cut its newest entries, but not the CMS's anchors: the next sync refuses to anchor, and
//! `verify_with_cms` names the first entry that does not match.

use crate::adapter::{CmsAdapter, CmsError};
use crate::pull::{retrying, workspace_id, SyncError};
use crate::push::Jitter;
use crate::retry::Backoff;
use vantage_store::{AuditAnchor, ChainStatus, Store};

/// Records the local log's head on the CMS; returns the entry anchored (0: the log is empty).
/// A CMS holding a contradicting anchor is a [`SyncError::AuditLog`]: the log here was cut or
/// rewritten since the last sync.
pub async fn anchor_audit_log<A: CmsAdapter>(store: &Store, cms: &A, backoff: Backoff, jitter: &mut dyn Jitter) -> Result<i64, SyncError> {
    let (seq, hash) = store.audit_head()?;
    if seq == 0 {
        return Ok(0);
    }
    let workspace = workspace_id(store)?;
    match retrying(backoff, jitter, || cms.anchor_audit(&workspace, seq, &hash)).await {
        Ok(()) => Ok(seq),
        Err(CmsError::Conflict { current, .. }) => Err(SyncError::AuditLog(format!(
            "the audit log here (up to entry {seq}) does not continue the log the CMS recorded{}: entries were removed or rewritten on this computer. Nothing more is anchored until an admin looks into it (`vantage audit verify --with-cms`)",
            if current.is_empty() { String::new() } else { format!(" (up to entry {current})") }
        ))),
        Err(other) => Err(other.into()),
    }
}

/// The anchors the CMS holds for this workspace, as the store checks them.
pub async fn cms_anchors<A: CmsAdapter>(
    store: &Store,
    cms: &A,
    backoff: Backoff,
    jitter: &mut dyn Jitter,
) -> Result<Vec<AuditAnchor>, SyncError> {
    let workspace = workspace_id(store)?;
    let anchors = retrying(backoff, jitter, || cms.audit_anchors(&workspace)).await?;
    Ok(anchors
        .into_iter()
        .map(|a| AuditAnchor { seq: a.seq, hash: a.hash, source: format!("the CMS on {}", vantage_store::remote_label(&a.at)) })
        .collect())
}

/// Checks the local log against its own chain, every release and every anchor on the CMS.
pub async fn verify_with_cms<A: CmsAdapter>(
    store: &Store,
    cms: &A,
    backoff: Backoff,
    jitter: &mut dyn Jitter,
) -> Result<ChainStatus, SyncError> {
    let anchors = cms_anchors(store, cms, backoff, jitter).await?;
    Ok(store.verify_audit_with(&anchors)?)
}
